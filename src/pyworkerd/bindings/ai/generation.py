"""Text generation through an OpenAI-compatible endpoint (llama.cpp, Ollama, vLLM …).

Settings (read on every call, from the server's environment):

- ``PYWORKERD_AI_ENDPOINT``: the endpoint's base URL, e.g. ``http://127.0.0.1:11434/v1``
  (``/chat/completions`` is appended unless the URL already ends with it);
- ``PYWORKERD_AI_MODEL``: the model name sent to it (default: the Workers AI id itself);
- ``PYWORKERD_AI_API_KEY``: sent as ``Authorization: Bearer …`` when set.

A Workers AI request becomes one chat completion; `{response, tool_calls?, usage}` comes
back, or, with `stream: true`, Workers AI's event stream: ``data: {"response": "…"}`` per
piece, a last ``data: {"response": "", "usage": {…}}`` and ``data: [DONE]``. The endpoint's
errors become Workers AI's (404 → 5007, 400/422 → 8001, 429/503 → 3040, a timeout → 3007).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import AsyncIterator
from typing import Any

import aiohttp

from pyworkerd.bindings.ai.catalog import GenerationInput
from pyworkerd.bindings.ai.errors import (
    AiError,
    capacity,
    invalid_input,
    no_such_model,
    timeout,
    upstream,
)

__all__ = ["ENDPOINT_VAR", "close_session", "generate", "generate_stream"]

ENDPOINT_VAR = "PYWORKERD_AI_ENDPOINT"
MODEL_VAR = "PYWORKERD_AI_MODEL"
KEY_VAR = "PYWORKERD_AI_API_KEY"
NO_ENDPOINT = (
    "Text generation with {model} needs an OpenAI-compatible endpoint: set "
    f"{ENDPOINT_VAR} (e.g. http://127.0.0.1:11434/v1 for Ollama, http://127.0.0.1:8080/v1 "
    "for llama.cpp's server) and, if its model has another name, PYWORKERD_AI_MODEL"
)
TIMEOUT = aiohttp.ClientTimeout(total=None, connect=10, sock_read=300)

_session: aiohttp.ClientSession | None = None


def _session_now() -> aiohttp.ClientSession:
    global _session
    if _session is None or _session.closed:
        _session = aiohttp.ClientSession(timeout=TIMEOUT)
    return _session


async def close_session() -> None:
    global _session
    if _session is not None:
        await _session.close()
        _session = None


def _url(model: str) -> str:
    base = os.environ.get(ENDPOINT_VAR, "").strip()
    if not base:
        raise upstream(NO_ENDPOINT.format(model=model))
    base = base.rstrip("/")
    return base if base.endswith("/chat/completions") else base + "/chat/completions"


def _body(model: str, request: GenerationInput, stream: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": os.environ.get(MODEL_VAR) or model,
        "messages": request.messages,
        **request.params,
    }
    if request.tools is not None:
        body["tools"] = request.tools
    if request.response_format is not None:
        body["response_format"] = request.response_format
    if stream:
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
    return body


def _headers() -> dict[str, str]:
    headers = {"content-type": "application/json"}
    key = os.environ.get(KEY_VAR)
    if key:
        headers["authorization"] = f"Bearer {key}"
    return headers


async def _error(model: str, response: aiohttp.ClientResponse) -> AiError:
    text = await response.text(errors="replace")
    try:
        detail = json.loads(text)["error"]
        detail = detail.get("message", text) if isinstance(detail, dict) else str(detail)
    except (ValueError, KeyError, TypeError):
        detail = text.strip()
    status = response.status
    if status == 404:
        return no_such_model(model)
    if status in (400, 422):
        return invalid_input(detail)
    if status in (429, 503):
        return capacity(detail)
    return upstream(f"{ENDPOINT_VAR} answered {status}: {detail}")


async def _post(model: str, request: GenerationInput, stream: bool) -> aiohttp.ClientResponse:
    url = _url(model)
    try:
        response = await _session_now().post(
            url, json=_body(model, request, stream), headers=_headers()
        )
    except TimeoutError:
        raise timeout() from None
    except aiohttp.ClientError as exc:
        raise upstream(f"cannot reach {ENDPOINT_VAR} ({url}): {exc}") from None
    if response.status != 200:
        try:
            raise await _error(model, response)
        finally:
            response.release()
    return response


def _usage(raw: Any) -> dict[str, int]:
    raw = raw if isinstance(raw, dict) else {}
    prompt = int(raw.get("prompt_tokens") or 0)
    completion = int(raw.get("completion_tokens") or 0)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": int(raw.get("total_tokens") or prompt + completion),
    }


def _tool_calls(message: dict[str, Any]) -> list[dict[str, Any]]:
    calls = []
    for call in message.get("tool_calls") or []:
        function = call.get("function") or {}
        arguments = function.get("arguments")
        if isinstance(arguments, str):
            with contextlib.suppress(ValueError):
                arguments = json.loads(arguments)
        calls.append({"name": function.get("name"), "arguments": arguments})
    return calls


async def generate(model: str, request: GenerationInput) -> dict[str, Any]:
    """`{response, tool_calls?, usage}` for one request (no streaming)."""
    response = await _post(model, request, stream=False)
    try:
        payload = await response.json(content_type=None)
    except (ValueError, aiohttp.ClientError) as exc:
        raise upstream(f"{ENDPOINT_VAR} sent a response that is not JSON: {exc}") from None
    finally:
        response.release()
    choices = payload.get("choices") or [{}]
    message = choices[0].get("message") or {}
    out: dict[str, Any] = {"response": message.get("content") or ""}
    calls = _tool_calls(message)
    if calls:
        out["tool_calls"] = calls
    out["usage"] = _usage(payload.get("usage"))
    return out


def _event(data: Any) -> bytes:
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return f"data: {text}\n\n".encode()


async def generate_stream(model: str, request: GenerationInput) -> AsyncIterator[bytes]:
    """Starts the request (raising the endpoint's error before any event) and returns the
    Workers AI event stream."""
    response = await _post(model, request, stream=True)
    return _events(response)


async def _events(response: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
    usage: Any = None
    try:
        async for raw in response.content:
            line = raw.decode("utf-8", "replace").strip()
            if not line.startswith("data:"):
                continue
            data = line[5:].strip()
            if data == "[DONE]":
                break
            try:
                chunk = json.loads(data)
            except ValueError:
                continue
            if isinstance(chunk, dict) and "error" in chunk:
                error = chunk["error"]
                message = error.get("message") if isinstance(error, dict) else error
                raise upstream(f"{ENDPOINT_VAR} failed mid-stream: {message}")
            usage = chunk.get("usage") or usage
            for choice in chunk.get("choices") or []:
                piece = (choice.get("delta") or {}).get("content")
                if piece:
                    yield _event({"response": piece})
        yield _event({"response": "", "usage": _usage(usage)})
        yield _event("[DONE]")
    except TimeoutError:
        raise timeout() from None
    except aiohttp.ClientError as exc:
        raise upstream(f"{ENDPOINT_VAR} stream broke: {exc}") from None
    finally:
        response.release()
