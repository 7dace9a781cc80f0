"""Cache entries on disk: `<state>/cache/cache.sqlite3` (one table, every cache of the
project, namespaced by cache name) and `<state>/cache/blobs/` for bodies over one piece.

All of the Cache API's storage access is in this module (to move behind a storage
interface later). Small bodies live in their row; larger ones stream into a blob file
written atomically (`write_file_atomically`) by a thread fed piece by piece, and the row
that points at it commits only once the file is durable. A blob is opened when a match
reads its row, so replacing or purging the entry later never cuts a body being read.
Expired entries are never served: a match or delete that finds one removes it, and every
put purges the expired rows of all caches in its transaction (an indexed range delete).

Everything here blocks: the host ops call it in threads.
"""

from __future__ import annotations

import json
import queue
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from pyworkerd.bindings import SharedPerProcess
from pyworkerd.storage import (
    StateDir,
    open_sqlite,
    remove_orphans,
    write_file_atomically,
    write_transaction,
)

__all__ = ["BlobSink", "CacheStore", "Entry", "open_store"]

ORPHAN_AGE_S = 3600.0  # a blob without a row older than this is a crash's leftover
SINK_QUEUE = 4  # pieces waiting for the writer thread before feed() blocks

SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
  namespace TEXT NOT NULL,
  key TEXT NOT NULL,
  status INTEGER NOT NULL,
  headers TEXT NOT NULL,     -- JSON object, lower-cased names
  size INTEGER NOT NULL,
  body BLOB,                 -- the body when it is small, else NULL
  blob TEXT,                 -- the blob file's name when it is not
  stored_at REAL NOT NULL,   -- epoch seconds
  age REAL NOT NULL,         -- the Age it had when stored
  expires_at REAL NOT NULL,  -- epoch seconds
  PRIMARY KEY (namespace, key)
);
CREATE INDEX IF NOT EXISTS entries_by_expiry ON entries (expires_at);
"""


@dataclass
class Entry:
    """A fresh entry as a match reads it: metadata, and its body in memory or open."""

    status: int
    headers: dict[str, str]
    size: int
    stored_at: float
    age: float
    body: bytes | None
    file: BinaryIO | None

    def read(self, start: int, n: int) -> bytes:
        """n bytes (fewer at the end) from offset `start` of the body."""
        if self.body is not None:
            return self.body[start : start + n]
        assert self.file is not None
        self.file.seek(start)
        return self.file.read(n)

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


class BlobSink:
    """A body being written to a new blob file by its own thread, fed piece by piece."""

    _ABORT = object()

    def __init__(self, store: CacheStore) -> None:
        self.name = secrets.token_hex(16)
        self.path = store.blobs / self.name
        self.size = 0
        self._queue: queue.Queue[object] = queue.Queue(SINK_QUEUE)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="cache-blob", daemon=True)
        self._thread.start()

    def _pieces(self) -> Iterator[bytes]:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if item is BlobSink._ABORT:
                raise InterruptedError("cache put aborted")
            assert isinstance(item, bytes)
            yield item

    def _run(self) -> None:
        try:
            self.size = write_file_atomically(self.path, self._pieces())
        except BaseException as exc:
            self._error = exc

    def feed(self, piece: bytes) -> None:
        """Blocks while the writer is `SINK_QUEUE` pieces behind."""
        if self._error is not None:
            raise self._error
        if piece:
            self._queue.put(piece)

    def finish(self) -> int:
        """Wait until the file is durable; its size."""
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self.size

    def abort(self) -> None:
        if self._thread.is_alive():
            self._queue.put(BlobSink._ABORT)
            self._thread.join()
        self.path.unlink(missing_ok=True)


class CacheStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.blobs = folder / "blobs"
        self.lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            self.blobs.mkdir(parents=True, exist_ok=True)
            conn = open_sqlite(self.folder / "cache.sqlite3")
            conn.executescript(SCHEMA)
            self._conn = conn
            remove_orphans(self.blobs, self._blob_names, ORPHAN_AGE_S)
        return self._conn

    def _blob_names(self) -> set[str]:
        assert self._conn is not None
        return {r[0] for r in self._conn.execute("SELECT blob FROM entries WHERE blob IS NOT NULL")}

    def _unlink(self, blobs: list[str | None]) -> None:
        for blob in blobs:
            if blob:
                (self.blobs / blob).unlink(missing_ok=True)

    def get(self, namespace: str, key: str, now: float) -> Entry | None:
        """The fresh entry under `key`, its blob opened; None (and the entry gone) if expired."""
        with self.lock:
            row = self.conn.execute(
                "SELECT status, headers, size, body, blob, stored_at, age, expires_at FROM entries"
                " WHERE namespace = ? AND key = ?",
                (namespace, key),
            ).fetchone()
            if row is None:
                return None
            status, headers, size, body, blob, stored_at, age, expires_at = row
            if expires_at <= now:
                self._remove(namespace, key, blob)
                return None
            file = None
            if blob is not None:
                try:
                    file = open(self.blobs / blob, "rb")  # noqa: SIM115 - read after return
                except FileNotFoundError:  # replaced by another process meanwhile
                    return None
        return Entry(status, json.loads(headers), size, stored_at, age, body, file)

    def _remove(self, namespace: str, key: str, blob: str | None) -> None:
        self.conn.execute(
            "DELETE FROM entries WHERE namespace = ? AND key = ? AND blob IS ?",
            (namespace, key, blob),
        )
        self._unlink([blob])

    def put(
        self,
        namespace: str,
        key: str,
        *,
        status: int,
        headers: dict[str, str],
        size: int,
        body: bytes | None,
        blob: str | None,
        stored_at: float,
        age: float,
        expires_at: float,
    ) -> None:
        """Replace the entry under `key` (the old blob goes once the new row is committed)."""
        with self.lock:
            with write_transaction(self.conn) as conn:
                old = conn.execute(
                    "SELECT blob FROM entries WHERE namespace = ? AND key = ?", (namespace, key)
                ).fetchone()
                conn.execute(
                    "INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        namespace,
                        key,
                        status,
                        json.dumps(headers),
                        size,
                        body,
                        blob,
                        stored_at,
                        age,
                        expires_at,
                    ),
                )
                expired = conn.execute(
                    "DELETE FROM entries WHERE expires_at <= ? RETURNING blob", (stored_at,)
                ).fetchall()
            self._unlink([old[0] if old else None, *(r[0] for r in expired)])

    def delete(self, namespace: str, key: str, now: float) -> bool:
        """Remove the entry; whether a fresh one was there."""
        with self.lock:
            row = self.conn.execute(
                "DELETE FROM entries WHERE namespace = ? AND key = ? RETURNING blob, expires_at",
                (namespace, key),
            ).fetchone()
            if row is None:
                return False
            self._unlink([row[0]])
            return bool(row[1] > now)

    def sink(self) -> BlobSink:
        self.conn  # noqa: B018 - the folders exist once the store is open
        return BlobSink(self)


_STORES: SharedPerProcess[Path, CacheStore] = SharedPerProcess()


def open_store(state: StateDir) -> CacheStore:
    """The project's cache store: one per process and state directory, shared by all of its
    workers (as Miniflare shares each named cache). The database opens on first use."""
    folder = state.folder("cache")
    return _STORES.get(folder, lambda: CacheStore(folder))
