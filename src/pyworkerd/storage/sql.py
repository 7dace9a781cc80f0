"""SQL databases: where D1 (and later Durable Object SQL) keep their data.

D1 and Durable Object SQL *are* SQLite: their semantics (type affinity, error messages,
the authorizer, limits, FTS5, JSON functions) are SQLite's, so a database here is a
provider of SQLite connections rather than an abstract SQL interface. The default is one
file per database (WAL, `synchronous=FULL`: a commit survives `kill -9`; several
processes may share it); `MemorySqlDatabase` lives in the process (SQLite's `memdb` VFS:
every connection of the process sees it, nothing reaches the disk). A libSQL or
Postgres-speaking backend would provide connections with the same DB-API surface.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from pyworkerd.storage.state import open_sqlite

__all__ = ["ConnectionThread", "MemorySqlDatabase", "SqlDatabase", "SqliteFileDatabase"]

T = TypeVar("T")


class SqlDatabase(ABC):
    """One SQLite database: `connect()` gives a new connection in autocommit mode
    (`isolation_level=None`), usable from any thread, waiting up to 30 s for a lock."""

    name: str

    @abstractmethod
    def connect(self, *, cached_statements: int = 128) -> sqlite3.Connection: ...

    @property
    @abstractmethod
    def filename(self) -> str:
        """What `sqlite3_db_filename()` reports for it ("" when in memory)."""

    @abstractmethod
    def close(self) -> None:
        """Release what keeps the database alive (an in-memory one is then gone)."""


class SqliteFileDatabase(SqlDatabase):
    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = path.stem

    def connect(self, *, cached_statements: int = 128) -> sqlite3.Connection:
        return open_sqlite(self.path, cached_statements=cached_statements)

    @property
    def filename(self) -> str:
        return str(self.path.resolve())

    def close(self) -> None:
        """Nothing to release: the file stays."""


_MEMORY_IDS = itertools.count(1)


class MemorySqlDatabase(SqlDatabase):
    """A database in this process's memory; it lives until `close()`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._uri = f"file:/pyworkerd-{next(_MEMORY_IDS)}-{id(self)}?vfs=memdb"
        self._lock = threading.Lock()
        self._anchor: sqlite3.Connection | None = self.connect()

    def connect(self, *, cached_statements: int = 128) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self._uri,
            uri=True,
            timeout=30,
            isolation_level=None,
            check_same_thread=False,
            cached_statements=cached_statements,
        )
        conn.execute("PRAGMA busy_timeout=30000")
        return conn

    @property
    def filename(self) -> str:
        return ""

    def close(self) -> None:
        with self._lock:
            if self._anchor is not None:
                self._anchor.close()
                self._anchor = None


class ConnectionThread:
    """One connection, opened by `opener` on first use, and a thread of its own to run
    work on it off the event loop; `close()` closes the connection on that thread."""

    def __init__(self, name: str, opener: Callable[[], sqlite3.Connection]) -> None:
        self._opener = opener
        self._executor = ThreadPoolExecutor(1, thread_name_prefix=name)
        self._conn: sqlite3.Connection | None = None

    def connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = self._opener()
        return self._conn

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` on the connection's thread."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    def close(self) -> None:
        def shut() -> None:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

        with contextlib.suppress(RuntimeError):  # the executor is already shut down
            self._executor.submit(shut).result(timeout=30)
        self._executor.shutdown(wait=False)
