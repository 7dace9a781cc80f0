"""Synchronous host calls: JS waits while Python answers on the isolate's own thread."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping
from typing import Any

from pyworkerd.bundler import wrap_script
from pyworkerd.engine.hostops import (
    HostCall,
    HostError,
    SyncOp,
    runtime_sync_ops,
    sync_ops_with_runtime,
)
from pyworkerd.engine.types import WorkerSpec
from tests.conftest import fetch_json, started_isolate

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


def _fetch_json(worker: str, sync_ops: Mapping[str, SyncOp]) -> Any:
    """The JSON body of one request to `worker` (with `internals` global) in a real isolate."""

    async def go() -> Any:
        spec = WorkerSpec(name="sync", script=wrap_script(worker), sync_ops=sync_ops)
        async with started_isolate(spec, expose_internals=True) as isolate:
            return await fetch_json(isolate)

    return asyncio.run(asyncio.wait_for(go(), 30))


def test_sync_calls_answer_in_order_with_errors_as_js_exceptions() -> None:
    out = _fetch_json(WORKER, SYNC_OPS)
    assert out["sum"] == 5
    assert out["total"] == sum(range(1000)) + 1000
    assert out["big"] == 100000
    assert out["test.fail"] == "RangeError: out of range on purpose"
    assert out["test.crash"] == "Error: test.crash failed: 'oops'"
    assert out["test.missing"] == "TypeError: test.missing is not available to this worker."
    assert out["test.huge"].startswith("RangeError: test.huge: the answer (")
    assert out["thread"] is False  # it ran on the isolate's thread, not the event loop's


TOP_LEVEL_WORKER = """
const host = globalThis.internals.host;
const atTop = { pure: host.callSync("test.add", [1, 2], { pureData: true }) };
try { host.callSync("test.add", [1, 2]); atTop.plain = "no error"; }
catch (e) { atTop.plain = `${e.constructor.name}: ${e.message}`; }
module.exports.default = {
  fetch() {
    const table = host.callSync("encoding.table", "jis0212");
    return Response.json({ ...atTop, own: host.callSync("test.add", [2, 2]), table: table[0] });
  },
};
"""


def test_runtime_sync_ops_join_a_workers_own_and_pure_data_calls_work_at_the_top_level() -> None:
    out = _fetch_json(TOP_LEVEL_WORKER, sync_ops_with_runtime(SYNC_OPS))
    assert out == {
        "pure": 3,
        "plain": "Error: Some functionality, such as asynchronous I/O, timeouts, and generating "
        "random values, can only be performed while handling a request.",
        "own": 4,
        "table": 94 * 94,
    }
    assert "encoding.table" in sync_ops_with_runtime({})
    assert "test.add" not in runtime_sync_ops()
