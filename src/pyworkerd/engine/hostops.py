"""Host operations: asynchronous calls from a worker's JS into Python.

JS calls `internals.host.call(op, args, bytes?)`; the bridge hands the call to the op
registered under that name for the worker, and sends the result (a JSON value and
optionally bytes) back in a later batch. An op raises HostError to reject the JS
promise with a given error class and message (a DOMException name, TypeError, …).

A worker can only reach the ops its spec lists: the runtime's own (crypto, compression,
outbound fetch …) and those of the bindings it was given.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["HostCall", "HostError", "HostOp", "HostResult", "runtime_ops"]

HostResult = tuple[Any, bytes | None]


@dataclass(frozen=True)
class HostCall:
    op: str
    args: Any
    payload: bytes | None
    worker: str
    request_id: int


HostOp = Callable[[HostCall], Awaitable[HostResult]]


class HostError(Exception):
    """Rejects the JS promise with `new <name>(message)` (DOMException for DOM names)."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


_RUNTIME_OPS: dict[str, HostOp] = {}


def runtime_op(name: str) -> Callable[[HostOp], HostOp]:
    """Register an op every worker may call (decorator)."""

    def register(fn: HostOp) -> HostOp:
        _RUNTIME_OPS[name] = fn
        return fn

    return register


def runtime_ops() -> Mapping[str, HostOp]:
    """The runtime's ops: every Python module of `pyworkerd.runtime` registers its own."""
    import pyworkerd.runtime

    for module in pkgutil.iter_modules(pyworkerd.runtime.__path__):
        importlib.import_module(f"pyworkerd.runtime.{module.name}")
    return _RUNTIME_OPS
