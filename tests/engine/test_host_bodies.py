"""A body passed on unread from a host source is read by the host from its op, never
through JS; the request ends once the host has sent it (or dropped it, cancelling it)."""

from __future__ import annotations

import asyncio
from typing import Any

from pyworkerd.bundler import wrap_script
from pyworkerd.engine.hostops import HostCall, HostResult, ops_with_runtime
from pyworkerd.engine.types import HostRequest, WorkerSpec
from tests.conftest import started_isolate

WORKER = """
globalThis.jsPulls = 0;
module.exports.default = {
  fetch(request) {
    const url = new URL(request.url);
    const stream = globalThis.internals.streams.createPullStream({
      pull(c) { globalThis.jsPulls++; c.close(); },
    }, {
      expectedLength: 9,
      hostSource: { op: "test.read", args: { id: 7 }, cancel: "test.cancel",
        first: new TextEncoder().encode("abc"), done: false, taken() {} },
    });
    if (url.pathname === "/pulls") return new Response(String(globalThis.jsPulls));
    return new Response(stream);
  },
};
"""


def test_the_host_reads_the_source_and_js_never_pulls() -> None:
    calls: list[tuple[str, Any, int]] = []
    pieces = [b"def", b"ghi"]

    async def read(call: HostCall) -> HostResult:
        calls.append((call.op, call.args, call.request_id))
        piece = pieces.pop(0)
        return (not pieces), piece

    async def cancel(call: HostCall) -> HostResult:
        calls.append((call.op, call.args, call.request_id))
        return None, None

    async def go() -> tuple[bytes, int | None, str]:
        ops = ops_with_runtime({"test.read": read, "test.cancel": cancel})
        spec = WorkerSpec(name="hb", script=wrap_script(WORKER), host_ops=ops)
        async with started_isolate(spec, expose_internals=True) as isolate:
            response, done = await isolate.fetch(HostRequest("GET", "http://w/", []))
            body = b"".join([chunk async for chunk in response.body])  # type: ignore[union-attr]
            await asyncio.wait_for(done, 5)  # the request ended with its body
            pulls, _ = await isolate.fetch(HostRequest("GET", "http://w/pulls", []))
            # Dropped unread: the source is cancelled and the request still ends.
            dropped, dropped_done = await isolate.fetch(HostRequest("GET", "http://w/", []))
            await dropped.body.aclose()  # type: ignore[union-attr]
            await asyncio.wait_for(dropped_done, 5)
            return body, response.length, str(pulls.body)

    body, length, pulls = asyncio.run(asyncio.wait_for(go(), 30))
    assert body == b"abcdefghi" and length == 9
    assert pulls == "0"  # JS never pulled the stream
    assert [c[0] for c in calls] == ["test.read", "test.read", "test.cancel"]
    assert all(c[1] == {"id": 7} for c in calls)
