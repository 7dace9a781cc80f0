"""Synchronous host calls: JS waits while Python answers on the isolate's own thread."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

from pyworkerd.bundler import wrap_script
from pyworkerd.engine.boot import BootedContext
from pyworkerd.engine.hostops import HostCall, HostError
from pyworkerd.engine.isolate import Isolate
from pyworkerd.engine.native import NativeContext
from pyworkerd.engine.types import HostRequest, WorkerSpec
from pyworkerd.runtime import EXPOSE_INTERNALS_FLAG

WORKER = """
module.exports.default = {
  fetch(request) {
    const host = globalThis.internals.host;
    const out = { sum: host.callSync("test.add", [2, 3]) };
    let total = 0;
    for (let i = 0; i < 1000; i++) total += host.callSync("test.add", [i, 1]);
    out.total = total;
    out.big = host.callSync("test.big", 100000).length;
    for (const op of ["test.fail", "test.crash", "test.missing", "test.huge"]) {
      try { host.callSync(op, null); out[op] = "no error"; }
      catch (e) { out[op] = `${e.constructor.name}: ${e.message}`; }
    }
    out.thread = host.callSync("test.thread", null);
    return Response.json(out);
  },
};
"""


def _add(call: HostCall) -> Any:
    a, b = call.args
    return a + b


def _fail(call: HostCall) -> Any:
    raise HostError("RangeError", "out of range on purpose")


def _crash(call: HostCall) -> Any:
    raise KeyError("oops")


SYNC_OPS = {
    "test.add": _add,
    "test.big": lambda call: "x" * call.args,
    "test.fail": _fail,
    "test.crash": _crash,
    "test.huge": lambda call: "y" * (5 << 20),
    "test.thread": lambda call: threading.current_thread() is threading.main_thread(),
}


def test_sync_calls_answer_in_order_with_errors_as_js_exceptions() -> None:
    async def go() -> dict[str, Any]:
        ctx = NativeContext()
        ctx.eval(f"globalThis.{EXPOSE_INTERNALS_FLAG} = true")
        booted = BootedContext(ctx)
        await booted.install()
        spec = WorkerSpec(name="sync", script=wrap_script(WORKER), sync_ops=SYNC_OPS)
        isolate = await Isolate.start(spec, booted, log=lambda *a: None, on_retire=lambda i: None)
        try:
            response, _done = await isolate.fetch(HostRequest("GET", "http://w/", []))
            assert isinstance(response.body, str)
            result: dict[str, Any] = json.loads(response.body)
            return result
        finally:
            isolate.close()

    out = asyncio.run(asyncio.wait_for(go(), 30))
    assert out["sum"] == 5
    assert out["total"] == sum(range(1000)) + 1000
    assert out["big"] == 100000
    assert out["test.fail"] == "RangeError: out of range on purpose"
    assert out["test.crash"] == "Error: test.crash failed: 'oops'"
    assert out["test.missing"] == "TypeError: test.missing is not available to this worker."
    assert out["test.huge"].startswith("RangeError: test.huge: the answer (")
    assert out["thread"] is False  # it ran on the isolate's thread, not the event loop's
