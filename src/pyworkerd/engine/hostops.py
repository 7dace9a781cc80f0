"""Host operations: asynchronous calls from a worker's JS into Python.

JS calls `internals.host.call(op, args, bytes?)`; the bridge hands the call to the op
registered under that name for the worker, and sends the result (a JSON value and
optionally bytes) back in a later batch. An op raises HostError to reject the JS
promise with a given error class and message (a DOMException name, TypeError, …).

A worker can only reach the ops its spec lists: the runtime's own (crypto, compression,
outbound fetch …) and those of the bindings it was given. Synchronous ops (`SyncOp`,
`internals.host.callSync`) are listed and found the same way (`runtime_sync_op`).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

__all__ = [
    "CROSS_REQUEST",
    "HostCall",
    "HostError",
    "HostOp",
    "HostResult",
    "SyncOp",
    "check_same_request",
    "on_request_finished",
    "on_shutdown",
    "ops_with_runtime",
    "request_finished",
    "runtime_ops",
    "runtime_sync_op",
    "runtime_sync_ops",
    "shutdown",
    "sync_ops_with_runtime",
]

HostResult = tuple[Any, bytes | None]


@dataclass(frozen=True)
class HostCall:
    op: str
    args: Any
    payload: bytes | None
    worker: str
    request_id: int


HostOp = Callable[[HostCall], Awaitable[HostResult]]
# An op JS calls synchronously (internals.host.callSync): it runs on the isolate's own
# thread while the JS waits, so it must be quick, thread-safe and never touch asyncio; it
# returns a JSON value (or raises HostError).
SyncOp = Callable[[HostCall], Any]
_Op = TypeVar("_Op")  # HostOp or SyncOp


class HostError(Exception):
    """Rejects the JS promise with `new <name>(message)` (DOMException for DOM names)."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


CROSS_REQUEST = (
    "Cannot perform I/O on behalf of a different request. I/O objects (such as streams, "
    "request/response bodies, and others) created in the context of one request handler "
    "cannot be accessed from a different request's handler. This is a limitation of "
    "Cloudflare Workers which allows us to improve overall performance."
)


def check_same_request(owner: int, call: HostCall, io_type: str) -> None:
    """workerd's rule: an I/O object belongs to the request that made it. (A call whose
    request is unknown, 0, cannot be checked.)"""
    if owner and call.request_id and owner != call.request_id:
        raise HostError("Error", f"{CROSS_REQUEST} (I/O type: {io_type})")


_RUNTIME_OPS: dict[str, HostOp] = {}
_RUNTIME_SYNC_OPS: dict[str, SyncOp] = {}


def runtime_op(name: str) -> Callable[[HostOp], HostOp]:
    """Register an op every worker may call (decorator)."""

    def register(fn: HostOp) -> HostOp:
        _RUNTIME_OPS[name] = fn
        return fn

    return register


def runtime_sync_op(name: str) -> Callable[[SyncOp], SyncOp]:
    """Register an op every worker's runtime may call synchronously (decorator): data the
    runtime needs at once but should not carry in every isolate (encoding tables)."""

    def register(fn: SyncOp) -> SyncOp:
        _RUNTIME_SYNC_OPS[name] = fn
        return fn

    return register


class _RuntimeOps(Mapping[str, _Op]):
    """The runtime's ops, each module imported on the first call of one of its ops.

    An op named "fetch.start" lives in `pyworkerd.runtime.fetch`: modules with heavy
    imports (aiohttp, cryptography) cost nothing until a worker uses them.
    """

    def __init__(self, registry: dict[str, _Op]) -> None:
        import pyworkerd.runtime

        self._registry = registry
        self._modules = {m.name for m in pkgutil.iter_modules(pyworkerd.runtime.__path__)}

    def __getitem__(self, name: str) -> _Op:
        op = self._registry.get(name)
        if op is None:
            module = name.partition(".")[0]
            if module in self._modules:
                importlib.import_module(f"pyworkerd.runtime.{module}")
                op = self._registry.get(name)
        if op is None:
            raise KeyError(name)
        return op

    def __iter__(self) -> Iterator[str]:
        for module in sorted(self._modules):
            importlib.import_module(f"pyworkerd.runtime.{module}")
        return iter(dict(self._registry))

    def __len__(self) -> int:
        return sum(1 for _ in self)


_LAZY_OPS: _RuntimeOps[HostOp] | None = None
_LAZY_SYNC_OPS: _RuntimeOps[SyncOp] | None = None


def runtime_ops() -> Mapping[str, HostOp]:
    """The runtime's ops: `pyworkerd.runtime.<module>` registers "<module>.<name>"."""
    global _LAZY_OPS
    if _LAZY_OPS is None:
        _LAZY_OPS = _RuntimeOps(_RUNTIME_OPS)
    return _LAZY_OPS


def runtime_sync_ops() -> Mapping[str, SyncOp]:
    """The runtime's synchronous ops, found the same way as ``runtime_ops``."""
    global _LAZY_SYNC_OPS
    if _LAZY_SYNC_OPS is None:
        _LAZY_SYNC_OPS = _RuntimeOps(_RUNTIME_SYNC_OPS)
    return _LAZY_SYNC_OPS


class _WithRuntime(Mapping[str, _Op]):
    """A worker's own ops (its bindings'), then the runtime's."""

    def __init__(self, own: Mapping[str, _Op], runtime: Mapping[str, _Op]) -> None:
        self._own = own
        self._runtime = runtime

    def __getitem__(self, name: str) -> _Op:
        op = self._own.get(name)
        return op if op is not None else self._runtime[name]

    def __iter__(self) -> Iterator[str]:
        return iter({**dict(self._runtime), **self._own})

    def __len__(self) -> int:
        return sum(1 for _ in self)


def ops_with_runtime(own: Mapping[str, HostOp]) -> Mapping[str, HostOp]:
    """The ops a worker may call: `own` (its bindings') and the runtime's."""
    return _WithRuntime(own, runtime_ops())


def sync_ops_with_runtime(own: Mapping[str, SyncOp]) -> Mapping[str, SyncOp]:
    """The ops a worker may call synchronously: `own` (its bindings') and the runtime's."""
    return _WithRuntime(own, runtime_sync_ops())


# Hooks of the ops' modules into a request's and the server's life.
_FINISHED: list[Callable[[str, int], None]] = []
_SHUTDOWN: list[Callable[[], Awaitable[None]]] = []


def on_request_finished(hook: Callable[[str, int], None]) -> None:
    """Call `hook(worker, request_id)` once each request is over (release its resources).

    Registering the same hook again is a no-op, so a binding registers from `build`."""
    if hook not in _FINISHED:
        _FINISHED.append(hook)


def on_shutdown(hook: Callable[[], Awaitable[None]]) -> None:
    """Await `hook()` when the server stops (close connection pools and the like); once per hook."""
    if hook not in _SHUTDOWN:
        _SHUTDOWN.append(hook)


def request_finished(worker: str, request_id: int) -> None:
    for hook in _FINISHED:
        hook(worker, request_id)


async def shutdown() -> None:
    for hook in _SHUTDOWN:
        await hook()
