"""The Cache API: `caches.default` and `caches.open(name)` in every isolate.

No `env` binding: every worker gets the cache ops, over one store per state directory
shared by all workers (store.py), so same-named caches are shared as in Miniflare.
gateway.py holds the HTTP caching semantics (what is stored, for how long, what a match
answers), ops.py the host ops facade.js calls.
"""

from __future__ import annotations

from typing import Any

from pyworkerd.bindings.cache.ops import make_ops
from pyworkerd.bindings.cache.store import open_store
from pyworkerd.config import WorkerConfig
from pyworkerd.engine.hostops import HostOp
from pyworkerd.storage import StateDir

__all__ = ["build"]


def build(
    config: WorkerConfig, state: StateDir
) -> tuple[dict[str, dict[str, Any]], dict[str, HostOp]]:
    return {}, make_ops(open_store(state))
