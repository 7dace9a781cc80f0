"""Workers AI (`ai: {binding}`): `env.AI.run(model, inputs, options)`, offline.

Embeddings (`@cf/baai/bge-*`) and sentiment (`@cf/huggingface/distilbert-sst-2-int8`) run
on local models (local.py, the `ai` extra); text generation goes to the OpenAI-compatible
endpoint in `PYWORKERD_AI_ENDPOINT` (generation.py). Unknown ids and bad inputs fail as
Workers AI fails (errors.py, catalog.py).

Host ops (JS side in facade.js; args are JSON lists, the binding name first):

- ``ai.run`` ``[binding, model, inputsJSON]`` → ``{id, result: value}``, ``{id, stream:
  token}`` (``inputs.stream`` was true: read the event stream with ``ai.read``) or ``{id,
  error: {name, message}}`` (thrown by the facade as InferenceUpstreamError); ``id`` is
  the request id the worker reads as ``lastRequestId``.
- ``ai.read`` ``[binding, token]`` → ``[done]`` with the next piece of the stream as payload,
  or ``{"error": …}`` when the stream failed.
- ``ai.cancel`` ``[binding, token]``: the worker cancelled the stream.

A stream belongs to the request that made it and is closed when that request ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from pyworkerd.bindings.ai import generation, local
from pyworkerd.bindings.ai.catalog import (
    classification_text,
    embedding_texts,
    generation_input,
    resolve,
)
from pyworkerd.bindings.ai.errors import AiError, upstream
from pyworkerd.config import WorkerConfig
from pyworkerd.engine.hostops import (
    HostCall,
    HostError,
    HostOp,
    HostResult,
    check_same_request,
    on_request_finished,
    on_shutdown,
)
from pyworkerd.storage import StateDir

__all__ = ["AiError", "build", "run"]

DESCRIPTOR_TYPE = "ai"


@dataclass
class _Stream:
    worker: str
    request_id: int
    events: AsyncIterator[bytes]


_STREAMS: dict[int, _Stream] = {}
_TOKENS = itertools.count(1)


async def run(model_id: Any, inputs: Any) -> tuple[str, Any]:
    """("result", value) or ("stream", events) for one `env.AI.run`; raises AiError."""
    model = resolve(model_id)
    if model.task == "embeddings":
        return "result", await local.embed(model.id, embedding_texts(inputs), model.dims)
    if model.task == "classification":
        return "result", await local.classify(model.id, classification_text(inputs))
    request = generation_input(inputs)
    if request.stream:
        return "stream", await generation.generate_stream(model.id, request)
    return "result", await generation.generate(model.id, request)


def _release(worker: str, request_id: int) -> None:
    if request_id == 0:
        return
    for token, stream in list(_STREAMS.items()):
        if stream.worker == worker and stream.request_id == request_id:
            _close(token)


def _close(token: int) -> None:
    stream = _STREAMS.pop(token, None)
    aclose = getattr(stream.events, "aclose", None) if stream else None
    if aclose is not None:
        asyncio.get_running_loop().create_task(aclose())


async def _shutdown() -> None:
    for token in list(_STREAMS):
        stream = _STREAMS.pop(token)
        aclose = getattr(stream.events, "aclose", None)
        if aclose is not None:
            with contextlib.suppress(Exception):
                await aclose()
    await generation.close_session()


def _stream_of(call: HostCall, token: Any) -> _Stream:
    stream = _STREAMS.get(int(token))
    if stream is None or stream.worker != call.worker:
        raise HostError("TypeError", "This ReadableStream is closed.")
    check_same_request(stream.request_id, call, "ReadableStream")
    return stream


def build(
    config: WorkerConfig, state: StateDir
) -> tuple[dict[str, dict[str, Any]], dict[str, HostOp]]:
    if config.ai is None:
        return {}, {}
    on_request_finished(_release)
    on_shutdown(_shutdown)
    binding = config.ai.binding

    def check(call: HostCall) -> list[Any]:
        args = call.args
        if not isinstance(args, list) or not args or args[0] != binding:
            raise HostError("TypeError", "Illegal invocation")
        return args

    async def run_op(call: HostCall) -> HostResult:
        args = check(call)
        request_id = str(uuid.uuid4())  # what the worker reads as `env.AI.lastRequestId`
        try:
            inputs = json.loads(args[2]) if isinstance(args[2], str) else args[2]
            kind, value = await run(args[1], inputs)
        except AiError as exc:
            return {"id": request_id, **exc.to_js()}, None
        if kind == "result":
            return {"id": request_id, "result": value}, None
        token = next(_TOKENS)
        _STREAMS[token] = _Stream(call.worker, call.request_id, value)
        return {"id": request_id, "stream": token}, None

    async def read_op(call: HostCall) -> HostResult:
        args = check(call)
        stream = _stream_of(call, args[1])
        try:
            piece = await anext(stream.events)
        except StopAsyncIteration:
            _STREAMS.pop(int(args[1]), None)
            return [True], None
        except AiError as exc:
            _STREAMS.pop(int(args[1]), None)
            return exc.to_js(), None
        except Exception as exc:  # an endpoint that broke the stream in an unexpected way
            _STREAMS.pop(int(args[1]), None)
            return upstream(f"generation stream failed: {exc}").to_js(), None
        return [False], piece

    async def cancel_op(call: HostCall) -> HostResult:
        args = check(call)
        if int(args[1]) in _STREAMS:
            _stream_of(call, args[1])
            _close(int(args[1]))
        return None, None

    descriptors = {binding: {"type": DESCRIPTOR_TYPE}}
    ops: dict[str, HostOp] = {"ai.run": run_op, "ai.read": read_op, "ai.cancel": cancel_op}
    return descriptors, ops
