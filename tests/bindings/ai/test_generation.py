"""Text generation through a real OpenAI-compatible server of our own, behind a real worker."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from pyworkerd.testing import RunningServer, running_server
from tests.bindings.ai.conftest import make_ai_project, ok, run_ai
from tests.bindings.ai.openai_endpoint import OpenAIEndpoint
from tests.server.conftest import request

LLAMA = "@cf/meta/llama-3.1-8b-instruct"
SMALL = "@cf/baai/bge-small-en-v1.5"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[OpenAIEndpoint]:
    server = OpenAIEndpoint().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def dev(
    tmp_path_factory: pytest.TempPathFactory, endpoint: OpenAIEndpoint
) -> Iterator[RunningServer]:
    env = {"PYWORKERD_AI_ENDPOINT": endpoint.url, "PYWORKERD_AI_API_KEY": "sk-local"}
    with running_server(make_ai_project(tmp_path_factory.mktemp("ai-gen")), env=env) as srv:
        yield srv


def events(stream: str) -> list[Any]:
    assert stream.endswith("\n\n")
    out: list[Any] = []
    for block in stream.split("\n\n")[:-1]:
        assert block.startswith("data: "), block
        data = block[len("data: ") :]
        out.append(data if data == "[DONE]" else json.loads(data))
    return out


def test_prompt_gives_response_and_usage(dev: RunningServer, endpoint: OpenAIEndpoint) -> None:
    out = ok(dev, LLAMA, {"prompt": "one two three"})
    assert out == {
        "response": "three two one",
        "usage": {"prompt_tokens": 3, "completion_tokens": 3, "total_tokens": 6},
    }
    sent = endpoint.requests[-1]
    assert sent["model"] == LLAMA
    assert sent["messages"] == [{"role": "user", "content": "one two three"}]
    assert sent["max_tokens"] == 256  # Workers AI's default
    assert "stream" not in sent


def test_messages_and_sampling_options_reach_the_endpoint(
    dev: RunningServer, endpoint: OpenAIEndpoint
) -> None:
    messages = [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "hello there"},
    ]
    out = ok(
        dev,
        "@cf/qwen/qwen2.5-coder-32b-instruct",
        {
            "messages": messages,
            "max_tokens": 12,
            "temperature": 0.2,
            "top_p": 0.9,
            "seed": 7,
        },
    )
    assert out["response"] == "there hello"
    sent = endpoint.requests[-1]
    assert sent["messages"] == messages
    assert (sent["max_tokens"], sent["temperature"], sent["top_p"], sent["seed"]) == (
        12,
        0.2,
        0.9,
        7,
    )


def test_tool_calls_come_back_in_workers_ai_shape(dev: RunningServer) -> None:
    tools = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]
    out = ok(dev, LLAMA, {"messages": [{"role": "user", "content": "find !tool"}], "tools": tools})
    assert out["tool_calls"] == [{"name": "lookup", "arguments": {"q": "find !tool"}}]
    assert out["response"] == ""


def test_stream_is_workers_ai_server_sent_events(
    dev: RunningServer, endpoint: OpenAIEndpoint
) -> None:
    out = ok(dev, LLAMA, {"prompt": "alpha beta gamma", "stream": True})
    assert events(out["stream"]) == [
        {"response": "gamma"},
        {"response": " beta"},
        {"response": " alpha"},
        {"response": "", "usage": {"prompt_tokens": 3, "completion_tokens": 3, "total_tokens": 6}},
        "[DONE]",
    ]
    sent = endpoint.requests[-1]
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}


def test_stream_as_raw_response(dev: RunningServer) -> None:
    out = ok(dev, LLAMA, {"prompt": "x y", "stream": True}, {"returnRawResponse": True})
    assert out["response"]["type"] == "text/event-stream"
    assert events(out["response"]["body"])[:2] == [{"response": "y"}, {"response": " x"}]


def test_cancelled_stream(dev: RunningServer) -> None:
    reply = request(dev.url, "/first-piece")
    assert reply.status == 200
    assert reply.text.startswith('data: {"response": "d"}')


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("!404", ["AiError", f"5007: No such model {LLAMA} or task"]),
        ("!400", ["AiError", "8001: Invalid input (test endpoint refused with 400)"]),
        (
            "!429",
            [
                "AiError",
                "3040: No more data centers to forward the request to (test endpoint refused with 429)",
            ],
        ),
        (
            "!500",
            [
                "InferenceUpstreamError",
                "PYWORKERD_AI_ENDPOINT answered 500: test endpoint refused with 500",
            ],
        ),
    ],
)
@pytest.mark.parametrize("stream", [False, True])
def test_endpoint_errors_are_thrown_by_run(
    dev: RunningServer, prompt: str, expected: list[str], stream: bool
) -> None:
    assert run_ai(dev, LLAMA, {"prompt": prompt, "stream": stream}) == [
        *expected,
        "InferenceUpstreamError",
        True,
    ]


def test_error_mid_stream_errors_the_stream(dev: RunningServer) -> None:
    result = run_ai(dev, LLAMA, {"prompt": "!midstream", "stream": True})
    assert result == [
        "InferenceUpstreamError",
        "PYWORKERD_AI_ENDPOINT failed mid-stream: model crashed",
        "InferenceUpstreamError",
        True,
    ]


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        (
            {},
            "5006: Error: oneOf at '/' not met, 0 matches: required properties at '/' are 'prompt', required properties at '/' are 'messages'",
        ),
        ({"prompt": ""}, "5006: Error: length at '/prompt' must be 1 to 131072"),
        ({"messages": "hi"}, "5006: Error: type at '/messages' must be array"),
        (
            {"messages": [{"content": "hi"}]},
            "5006: Error: required properties at '/messages/0' are 'role,content'",
        ),
        (
            {"prompt": "hi", "temperature": "hot"},
            "5006: Error: type at '/temperature' must be number",
        ),
        (
            {"prompt": "hi", "max_tokens": 0},
            "5006: Error: value at '/max_tokens' must be between 1 and 131072",
        ),
        ({"prompt": "hi", "stream": "yes"}, "5006: Error: type at '/stream' must be boolean"),
    ],
)
def test_bad_generation_inputs(dev: RunningServer, inputs: dict[str, Any], message: str) -> None:
    assert run_ai(dev, LLAMA, inputs) == ["AiError", message, "InferenceUpstreamError", True]


def test_a_slow_generation_does_not_hold_other_requests(
    dev: RunningServer, endpoint: OpenAIEndpoint
) -> None:
    held: list[Any] = []
    before = len(endpoint.requests)
    thread = threading.Thread(target=lambda: held.append(ok(dev, LLAMA, {"prompt": "wait !hold"})))
    thread.start()
    try:
        for _ in range(600):  # until the endpoint holds it (bounded: 60 s)
            if len(endpoint.requests) > before:
                break
            threading.Event().wait(0.1)
        assert len(endpoint.requests) > before
        # the generation is in flight; embeddings and classification are still served
        assert ok(dev, SMALL, {"text": "still served"})["shape"] == [1, 384]
        assert held == []
    finally:
        endpoint.release()
        thread.join(60)
    assert held == [
        {
            "response": "!hold wait",
            "usage": {"prompt_tokens": 2, "completion_tokens": 2, "total_tokens": 4},
        }
    ]
