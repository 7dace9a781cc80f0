"""Bindings: what a worker reaches through `env`, one sub-package per kind (kv/, r2/, d1/ …).

Each sub-package holds
- `facade.js` (and any `*.js` beside it), loaded into every isolate after the runtime: it registers
  `internals.bindings[<type>] = (descriptor, name) => <the object the worker sees>`, whose
  methods call host operations named "<kind>.<op>" with the binding's name in their args;
- a `build(config, state) -> (descriptors, ops)` function (in its `__init__`): the
  descriptor of each of the worker's bindings of that kind (`{"type": <type>, …}`, handed
  to the facade) and the host ops serving them, built over the project's `StateDir`;
  optionally `build_sync(config, state) -> ops` for ops JS calls synchronously
  (`internals.host.callSync`, see engine/hostops.py SyncOp).
The gateway (semantics, validation, Cloudflare's error messages) knows nothing of HTTP or V8.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Generic, TypeVar

from pyworkerd.config import WorkerConfig
from pyworkerd.engine.hostops import HostCall, HostError, HostOp, SyncOp, on_shutdown
from pyworkerd.storage import StateDir

__all__ = ["Bindings", "SharedPerProcess", "build_bindings", "facade_files", "named_binding"]

Builder = Callable[[WorkerConfig, StateDir], tuple[dict[str, dict[str, Any]], dict[str, HostOp]]]
SyncBuilder = Callable[[WorkerConfig, StateDir], dict[str, SyncOp]]
T = TypeVar("T")
K = TypeVar("K")


@dataclass
class Bindings:
    """A worker's bindings: descriptors for its `env`, and the ops behind them."""

    descriptors: dict[str, dict[str, Any]] = field(default_factory=dict)
    ops: dict[str, HostOp] = field(default_factory=dict)
    sync_ops: dict[str, SyncOp] = field(default_factory=dict)


def _kinds() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if m.ispkg)


def build_bindings(config: WorkerConfig, state: StateDir) -> Bindings:
    result = Bindings()
    for kind in _kinds():
        module = importlib.import_module(f"{__name__}.{kind}")
        build: Builder | None = getattr(module, "build", None)
        if build is None:
            continue
        descriptors, ops = build(config, state)
        result.descriptors.update(descriptors)
        result.ops.update(ops)
        build_sync: SyncBuilder | None = getattr(module, "build_sync", None)
        if build_sync is not None:
            result.sync_ops.update(build_sync(config, state))
    return result


def facade_files() -> list[tuple[str, str]]:
    """(name, source) of every JS file of each binding (facade.js and its helpers), in a
    stable order: by kind, then by file name."""
    out = []
    for kind in _kinds():
        folder = resources.files(__name__).joinpath(kind)
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".js") and entry.is_file():
                out.append((f"bindings/{kind}/{entry.name}", entry.read_text("utf-8")))
    return out


def named_binding(table: Mapping[str, T], call: HostCall) -> tuple[T, list[Any]]:
    """What `table` holds for the binding named by the call's first arg, and the args;
    a call naming none is workerd's "Illegal invocation" (a method taken off its binding)."""
    args = call.args
    found = table.get(args[0]) if isinstance(args, list) and args else None
    if found is None:
        raise HostError("TypeError", "Illegal invocation")
    return found, args


class SharedPerProcess(Generic[K, T]):
    """One T per key (a database, a store) in this process, shared by every worker, reload
    and CLI command that names it. A value `stale` says is spent (closed elsewhere) is made
    anew; with `close`, what is held is closed when the server stops."""

    def __init__(
        self,
        close: Callable[[T], None] | None = None,
        stale: Callable[[T], bool] | None = None,
    ) -> None:
        self._items: dict[K, T] = {}
        self._lock = threading.Lock()
        self._close = close
        self._stale = stale

    def get(self, key: K, make: Callable[[], T]) -> T:
        with self._lock:
            if self._stale is not None:
                for spent in [k for k, v in self._items.items() if self._stale(v)]:
                    del self._items[spent]
            value = self._items.get(key)
            if value is None:
                value = self._items[key] = make()
        if self._close is not None:
            on_shutdown(self.close_all)
        return value

    def values(self) -> list[T]:
        with self._lock:
            return list(self._items.values())

    async def close_all(self) -> None:
        with self._lock:
            held = list(self._items.values())
            self._items.clear()
        if self._close is not None:
            for value in held:
                self._close(value)
