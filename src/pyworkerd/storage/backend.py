"""The factory: which implementation of each storage interface a state directory uses.

Bindings ask `backend_for(state)` for their stores by kind (a folder name: "kv", "r2",
"d1", …) and name (a namespace id, a bucket, a database), and never see files:

- `kv(kind, name)` → `KeyValueStore` (KV namespaces; Durable Object storage, Cache …)
- `objects(kind, name)` → `ObjectStore` (R2 buckets)
- `sql(kind, name)` → `SqlDatabase` (D1; Durable Object SQL)
- `blobs(kind, name)` → `BlobStore` (the bytes behind the above, or a binding's own)

`FileBackend` is the default (`<root>/<kind>/<name>.sqlite3` and `<name>.blobs/`: the
layout of every state directory so far). `MemoryBackend` keeps everything in the process.
One store per (kind, name) per process: every worker and every reload shares it.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, TypeVar

from pyworkerd.storage.blobs import BlobStore, FileBlobStore, MemoryBlobStore
from pyworkerd.storage.kv import KeyValueStore, MemoryKeyValueStore
from pyworkerd.storage.kv_sqlite import SqliteKeyValueStore
from pyworkerd.storage.objects import ObjectStore
from pyworkerd.storage.sql import MemorySqlDatabase, SqlDatabase, SqliteFileDatabase
from pyworkerd.storage.state import StateDir

__all__ = ["Backend", "FileBackend", "MemoryBackend", "backend_for"]

T = TypeVar("T")
Clock = Callable[[], float]


class Backend(ABC):
    """Stores by (kind, name), opened once per process (see the module docstring)."""

    def __init__(self) -> None:
        self._open: dict[tuple[str, str, str], Any] = {}
        self._lock = threading.RLock()

    def _shared(self, key: tuple[str, str, str], make: Callable[[], T]) -> T:
        with self._lock:
            found = self._open.get(key)
            if found is None or getattr(found, "closed", False):
                found = self._open[key] = make()
            return found

    def kv(self, kind: str, name: str, clock: Clock = time.time) -> KeyValueStore:
        return self._shared(("kv", kind, name), lambda: self._new_kv(kind, name, clock))

    def objects(self, kind: str, name: str) -> ObjectStore:
        return self._shared(
            ("objects", kind, name),
            lambda: ObjectStore(self.sql(kind, name), self.blobs(kind, name)),
        )

    def sql(self, kind: str, name: str) -> SqlDatabase:
        return self._shared(("sql", kind, name), lambda: self._new_sql(kind, name))

    def blobs(self, kind: str, name: str) -> BlobStore:
        return self._shared(("blobs", kind, name), lambda: self._new_blobs(kind, name))

    @abstractmethod
    def _new_kv(self, kind: str, name: str, clock: Clock) -> KeyValueStore: ...

    @abstractmethod
    def _new_sql(self, kind: str, name: str) -> SqlDatabase: ...

    @abstractmethod
    def _new_blobs(self, kind: str, name: str) -> BlobStore: ...


class FileBackend(Backend):
    """SQLite files and blob folders under the state directory."""

    def __init__(self, state: StateDir) -> None:
        super().__init__()
        self.state = state

    def _new_kv(self, kind: str, name: str, clock: Clock) -> KeyValueStore:
        db = self.state.path(kind, name, ".sqlite3")
        return SqliteKeyValueStore(db, self.blobs(kind, name), clock)

    def _new_sql(self, kind: str, name: str) -> SqlDatabase:
        return SqliteFileDatabase(self.state.path(kind, name, ".sqlite3"))

    def _new_blobs(self, kind: str, name: str) -> BlobStore:
        return FileBlobStore(self.state.path(kind, name, ".blobs"))


class MemoryBackend(Backend):
    """Everything in this process's memory: gone when it exits, invisible to others."""

    def _new_kv(self, kind: str, name: str, clock: Clock) -> KeyValueStore:
        return MemoryKeyValueStore(self.blobs(kind, name), clock)

    def _new_sql(self, kind: str, name: str) -> SqlDatabase:
        return MemorySqlDatabase(name)

    def _new_blobs(self, kind: str, name: str) -> BlobStore:
        return MemoryBlobStore()


_BACKENDS: dict[tuple[str, str], Backend] = {}
_BACKENDS_LOCK = threading.Lock()


def backend_for(state: StateDir) -> Backend:
    """The backend of a state directory (one per process and directory)."""
    key = (state.backend, str(state.root))
    with _BACKENDS_LOCK:
        found = _BACKENDS.get(key)
        if found is None:
            found = _BACKENDS[key] = (
                MemoryBackend() if state.backend == "memory" else FileBackend(state)
            )
        return found
