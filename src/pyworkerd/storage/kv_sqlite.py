"""`KeyValueStore` in one SQLite file (WAL, full fsync), large values in a `BlobStore`.

Keys are stored as UTF-8 BLOBs, which SQLite compares with memcmp: listing is in byte
order. Each thread reads through its own connection; writes share one connection under
a lock, one transaction per batch. Several processes may open the same file: SQLite's
locking keeps them apart, and `PRAGMA data_version` tells each when another committed.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from pyworkerd.storage.blobs import BlobStore
from pyworkerd.storage.kv import KeyValueStore, KvDelete, KvEntry, KvRow, ListedKey, key_successor
from pyworkerd.storage.state import open_sqlite, write_transaction

__all__ = ["SqliteKeyValueStore"]

T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
  key BLOB NOT NULL PRIMARY KEY,
  value BLOB,
  blob TEXT,
  size INTEGER NOT NULL,
  expiration INTEGER,
  metadata TEXT
);
CREATE INDEX IF NOT EXISTS entries_expiration ON entries(expiration)
  WHERE expiration IS NOT NULL;
"""

_LIVE = "(expiration IS NULL OR expiration > ?)"
_GET = f"SELECT value, blob, size, metadata, expiration FROM entries WHERE key = ? AND {_LIVE}"
_DELETE = "DELETE FROM entries WHERE key = ? RETURNING blob"
_INSERT = (
    "INSERT INTO entries (key, value, blob, size, expiration, metadata) VALUES (?, ?, ?, ?, ?, ?)"
)


class SqliteKeyValueStore(KeyValueStore):
    def __init__(
        self, db_path: Path, blobs: BlobStore, clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__(blobs, clock)
        self.db_path = db_path
        self._write_lock = threading.Lock()
        self._writer = open_sqlite(db_path)
        self._writer.executescript(_SCHEMA)
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._probe: sqlite3.Connection | None = None
        self._sweep_blobs()

    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = open_sqlite(self.db_path)
            conn.execute("PRAGMA query_only=1")
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    def close(self) -> None:
        if self.closed:
            return
        super().close()
        with self._write_lock:
            self._writer.close()
        if self._probe is not None:
            self._probe.close()
        with self._readers_lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()

    # -- reads
    def get(self, key: bytes, now: float) -> KvEntry | None:
        row = self._reader().execute(_GET, (key, now)).fetchone()
        return None if row is None else KvEntry(*row)

    def version(self) -> int:
        """SQLite's `data_version`, read from the shared-memory WAL index (no pages)."""
        probe = self._probe
        if probe is None:
            probe = self._probe = open_sqlite(self.db_path)
        return int(probe.execute("PRAGMA data_version").fetchone()[0])

    # -- writes
    def _transaction(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        with self._write_lock, write_transaction(self._writer) as conn:
            return fn(conn)

    def _commit(self, rows: Sequence[KvRow | KvDelete]) -> list[str]:
        def apply(conn: sqlite3.Connection) -> list[str]:
            replaced: list[str] = []
            for row in rows:
                old = conn.execute(_DELETE, (row.key,)).fetchone()
                if old is not None and old[0] is not None:
                    replaced.append(old[0])
                if isinstance(row, KvRow):
                    conn.execute(
                        _INSERT,
                        (row.key, row.value, row.blob, row.size, row.expiration, row.metadata),
                    )
            return replaced

        return self._transaction(apply)

    def _purge(self, now: float) -> tuple[int, list[str]]:
        def apply(conn: sqlite3.Connection) -> list[str | None]:
            query = "DELETE FROM entries WHERE expiration <= ? RETURNING blob"
            return [r[0] for r in conn.execute(query, (now,))]

        gone = self._transaction(apply)
        return len(gone), [b for b in gone if b is not None]

    def _used_blobs(self) -> set[str]:
        with self._write_lock:
            query = "SELECT blob FROM entries WHERE blob IS NOT NULL"
            return {r[0] for r in self._writer.execute(query)}

    # last: below it, `list` in an annotation would name this method
    def list(
        self, prefix: bytes, start_after: bytes | None, limit: int, now: float
    ) -> tuple[list[ListedKey], bool]:
        sql = f"SELECT key, expiration, metadata FROM entries WHERE {_LIVE}"
        params: list[object] = [now]
        if prefix:
            sql += " AND key >= ?"
            params.append(prefix)
        if start_after is not None:
            sql += " AND key > ?"
            params.append(start_after)
        high = key_successor(prefix)
        if high is not None:
            sql += " AND key < ?"
            params.append(high)
        sql += " ORDER BY key LIMIT ?"
        params.append(limit + 1)
        rows = self._reader().execute(sql, params).fetchall()
        return [ListedKey(bytes(r[0]), r[1], r[2]) for r in rows[:limit]], len(rows) > limit
