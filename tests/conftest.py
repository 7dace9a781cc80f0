"""Shared fixtures: JS evaluation in a real isolate with the runtime loaded."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from pyworkerd.engine.boot import BootedContext
from pyworkerd.engine.isolate import Isolate
from pyworkerd.engine.native import NativeContext
from pyworkerd.engine.types import HostRequest, WorkerSpec
from pyworkerd.runtime import EXPOSE_INTERNALS_FLAG, runtime_source


class JSError(Exception):
    """A JS exception that escaped a test snippet: .name, .message, .stack."""

    def __init__(self, name: str, message: str, stack: str) -> None:
        super().__init__(f"{name}: {message}\n{stack}")
        self.name = name
        self.message = message
        self.stack = stack


_WRAP = """(async () => {{ {body}\n}})().then(
  (v) => JSON.stringify({{ ok: v === undefined ? null : v }}),
  (e) => JSON.stringify({{ error: {{ name: String(e && e.name), message: String(e && e.message),
                                     stack: String(e && e.stack) }} }}))"""


def run_js_snippet(body: str, setup: str = "", *, expose_internals: bool = False) -> Any:
    """Run `body` as an async function in a fresh isolate with the runtime; JSON result.

    With `expose_internals`, the runtime's private `internals` object is reachable as the
    global `internals` (for testing the runtime's host contracts; never in production).
    """

    async def go() -> Any:
        ctx = NativeContext()
        try:
            if expose_internals:
                ctx.eval(f"globalThis.{EXPOSE_INTERNALS_FLAG} = true")
            ctx.eval(runtime_source())
            if setup:
                ctx.eval(setup)
            promise = ctx.eval(_WRAP.format(body=body))
            text = await asyncio.wait_for(promise, 10)
        finally:
            ctx.close()
        out = json.loads(text)
        if "error" in out:
            raise JSError(**out["error"])
        return out["ok"]

    return asyncio.run(go())


@contextlib.asynccontextmanager
async def started_isolate(
    spec: WorkerSpec, *, expose_internals: bool = False
) -> AsyncIterator[Isolate]:
    """A real worker isolate (runtime, bridge, the spec's ops) serving `spec`, closed after."""
    ctx = NativeContext()
    if expose_internals:
        ctx.eval(f"globalThis.{EXPOSE_INTERNALS_FLAG} = true")
    booted = BootedContext(ctx)
    await booted.install()
    isolate = await Isolate.start(spec, booted, log=lambda *a: None, on_retire=lambda i: None)
    try:
        yield isolate
    finally:
        isolate.close()


async def fetch_json(isolate: Isolate) -> Any:
    """The JSON body the isolate's worker answers `GET http://w/` with."""
    response, _done = await isolate.fetch(HostRequest("GET", "http://w/", []))
    assert isinstance(response.body, str)
    return json.loads(response.body)


@pytest.fixture
def run_internal_js() -> Callable[..., Any]:
    """Like run_js, with the runtime's private `internals` in scope."""
    return lambda body, setup="": run_js_snippet(body, setup, expose_internals=True)


@pytest.fixture
def run_js() -> Callable[..., Any]:
    """run_js("return new URL('http://a/b').href") -> 'http://a/b/'; a JS throw raises JSError."""
    return run_js_snippet
