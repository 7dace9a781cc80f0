"""A worker that exposes env.AI over HTTP, and the helpers to call it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pyworkerd.testing import RunningServer
from tests.server.conftest import request, write_project

AI_WORKER = r"""
const outcome = async (f) => {
  try {
    let value = await f();
    if (value instanceof ReadableStream) value = { stream: await new Response(value).text() };
    if (value instanceof Response) {
      value = { response: { type: value.headers.get("content-type"), body: await value.text() } };
    }
    return ["ok", value === undefined ? null : value];
  } catch (e) {
    return [e.name, e.message, e.constructor.name, e instanceof Error];
  }
};

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/run") {
      const { model, inputs, options } = await request.json();
      return Response.json(await outcome(() => env.AI.run(model, inputs, options)));
    }
    if (url.pathname === "/id") {
      await env.AI.run("@cf/huggingface/distilbert-sst-2-int8", { text: "fine" });
      return Response.json([env.AI.lastRequestId, String(env.AI), env.AI.getLogs()]);
    }
    if (url.pathname === "/first-piece") {
      // read one event, then cancel the rest of the stream
      const stream = await env.AI.run("@cf/meta/llama-3.1-8b-instruct", { prompt: "a b c d", stream: true });
      const reader = stream.getReader();
      const { value } = await reader.read();
      await reader.cancel();
      return new Response(value);
    }
    return new Response("no route", { status: 404 });
  },
};
"""


def make_ai_project(root: Path) -> Path:
    return write_project(
        root, {"src/index.js": AI_WORKER}, {"name": "ai-test", "ai": {"binding": "AI"}}
    )


def run_ai(server: RunningServer, model: str, inputs: Any, options: Any = None) -> list[Any]:
    body = json.dumps({"model": model, "inputs": inputs, "options": options}).encode()
    reply = request(server.url, "/run", method="POST", body=body, timeout=60)
    assert reply.status == 200, reply.text
    result: list[Any] = reply.json()
    return result


def ok(server: RunningServer, model: str, inputs: Any, options: Any = None) -> Any:
    result = run_ai(server, model, inputs, options)
    assert result[0] == "ok", result
    return result[1]
