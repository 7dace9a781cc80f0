"""Host operations behind Workers RPC (js/75_rpc.js): calls on objects passed by reference.

A function or RpcTarget sent over RPC stays in the isolate that sent it; the receiver
gets a stub whose calls come here as ``rpc.callRef`` {ref: [isolate key, id], method, args}
and run in the owning isolate as an invocation of kind "ref". ``rpc.releaseRef`` drops it.
``invoke_for_host`` turns an invocation's outcome into a host result, so the caller sees
the callee's exception with its class and message.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from pyworkerd.engine.hostops import HostCall, HostError, HostResult, runtime_op
from pyworkerd.engine.isolate import isolate_by_key
from pyworkerd.engine.types import Invocation, WorkerFailure

__all__ = ["host_error_of", "invoke_for_host"]

# Error classes the caller's runtime rebuilds as such (anything else becomes a DOMException).
_JS_ERRORS = frozenset({"Error", "TypeError", "RangeError", "SyntaxError"})
STUB_GONE = "RPC stub used after its worker was stopped or the stub was disposed."


async def invoke_for_host(
    invocation: Awaitable[tuple[Any, asyncio.Future[None]]],
) -> HostResult:
    """Await an invocation; its answer as the host result, its exception as a HostError."""
    try:
        value, _done = await invocation
    except WorkerFailure as exc:
        raise host_error_of(exc) from None
    return value, None


def host_error_of(failure: WorkerFailure) -> HostError:
    """The callee's exception as the caller's runtime will rebuild it."""
    name = failure.name if failure.name in _JS_ERRORS else "Error"
    return HostError(name, failure.message)


def _ref(call: HostCall) -> tuple[str, int]:
    args = call.args if isinstance(call.args, dict) else {}
    ref = args.get("ref")
    if not (isinstance(ref, list) and len(ref) == 2 and isinstance(ref[0], str)):
        raise HostError("TypeError", "bad RPC reference")
    return ref[0], int(ref[1])


@runtime_op("rpc.callRef")
async def call_ref(call: HostCall) -> HostResult:
    key, ref_id = _ref(call)
    isolate = isolate_by_key(key)
    if isolate is None:
        raise HostError("Error", STUB_GONE)
    method = call.args.get("method")
    args = {"id": ref_id, "args": call.args.get("args")}
    return await invoke_for_host(
        isolate.invoke(Invocation("ref", args, name=method if isinstance(method, str) else None))
    )


@runtime_op("rpc.releaseRef")
async def release_ref(call: HostCall) -> HostResult:
    key, ref_id = _ref(call)
    isolate = isolate_by_key(key)
    if isolate is not None:
        await invoke_for_host(isolate.invoke(Invocation("releaseRef", {"id": ref_id})))
    return None, None
