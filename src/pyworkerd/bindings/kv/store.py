"""One KV namespace on disk: a SQLite file (WAL, full fsync) and a folder of blob files.

Values up to `INLINE_MAX` bytes live in their row; larger ones are blob files written to a
temporary name, fsynced and renamed before the row that names them commits, so a crash
never leaves a row pointing at half a file. Keys are stored as UTF-8 BLOBs, which SQLite
compares with memcmp: listing is sorted by UTF-8 bytes, as Cloudflare sorts.

Everything here is synchronous and thread-safe: the gateway runs it on the store's own
threads (each with its own read connection; writes share one connection under a lock),
and the CLI calls it directly. Several processes may open the same namespace.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from pyworkerd.storage import open_sqlite, remove_orphans, write_file_atomically

__all__ = ["INLINE_MAX", "Entry", "KvStore", "ListedKey", "Upload"]

INLINE_MAX = 256 * 1024  # larger values go to blob files
PURGE_INTERVAL_S = 60.0  # expired rows are deleted at most this often (reads skip them)
ORPHAN_AGE_S = 3600.0  # unreferenced blob files older than this are removed at open
THREADS = 4

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
_OLD_BLOB = "SELECT blob FROM entries WHERE key = ?"
_UPSERT = (
    "INSERT OR REPLACE INTO entries (key, value, blob, size, expiration, metadata) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)


@dataclass(frozen=True, slots=True)
class Entry:
    """A live value: `value` holds it when inline, else `blob` names its file."""

    value: bytes | None
    blob: Path | None
    size: int
    metadata: str | None  # JSON text
    expiration: int | None = None


@dataclass(frozen=True, slots=True)
class ListedKey:
    name: bytes
    expiration: int | None
    metadata: str | None


class Upload:
    """A large value arriving in pieces: a temporary file beside the blobs."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        self.path = Path(tmp)
        self.file: BinaryIO = os.fdopen(fd, "wb")
        self.size = 0
        self.closed = False

    def write(self, data: bytes) -> None:
        self.file.write(data)
        self.size += len(data)

    def finish(self) -> None:
        """Flush and fsync; the file is then ready to be renamed into place."""
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        self.closed = True

    def discard(self) -> None:
        if not self.closed:
            self.file.close()
            self.closed = True
        self.path.unlink(missing_ok=True)


class KvStore:
    def __init__(
        self, db_path: Path, blob_dir: Path, clock: Callable[[], float] = time.time
    ) -> None:
        self.db_path = db_path
        self.clock = clock  # seconds since the epoch: expiry is judged by it
        self.blob_dir = blob_dir
        blob_dir.mkdir(parents=True, exist_ok=True)
        self._write_lock = threading.Lock()
        self._writer = open_sqlite(db_path)
        self._writer.executescript(_SCHEMA)
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._last_purge = 0.0
        self._probe: sqlite3.Connection | None = None
        self.executor = ThreadPoolExecutor(THREADS, thread_name_prefix="kv")
        self.closed = False
        self._remove_orphans()

    # ------------------------------------------------------------------ connections
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
        self.closed = True
        self.executor.shutdown(wait=True)
        with self._write_lock:
            self._writer.close()
        if self._probe is not None:
            self._probe.close()
        with self._readers_lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()

    # ------------------------------------------------------------------ reads
    def get(self, key: bytes, now: float) -> Entry | None:
        row = self._reader().execute(_GET, (key, now)).fetchone()
        if row is None:
            return None
        value, blob, size, metadata, expiration = row
        path = None if blob is None else self.blob_dir / blob
        return Entry(value, path, size, metadata, expiration)

    def data_version(self) -> int:
        """A number that changes whenever any connection (this process's writer, another
        process) commits: the gateway's cache is valid while it stays the same. It reads
        SQLite's shared-memory WAL index, no pages: cheap enough to ask on every get."""
        probe = self._probe
        if probe is None:
            probe = self._probe = open_sqlite(self.db_path)
        row = probe.execute("PRAGMA data_version").fetchone()
        return int(row[0])

    def get_with_file(self, key: bytes, now: float) -> tuple[Entry, BinaryIO | None] | None:
        """The entry, and its blob file opened (readable even if the key is overwritten)."""
        for _attempt in range(5):
            entry = self.get(key, now)
            if entry is None:
                return None
            if entry.blob is None:
                return entry, None
            try:
                return entry, open(entry.blob, "rb")
            except FileNotFoundError:
                continue  # overwritten between the lookup and the open: look again
        return None

    def list(
        self, prefix: bytes, start_after: bytes | None, limit: int, now: float
    ) -> tuple[list[ListedKey], bool]:
        """Up to `limit` live keys with `prefix`, after `start_after`; and whether more exist."""
        sql = f"SELECT key, expiration, metadata FROM entries WHERE {_LIVE}"
        params: list[object] = [now]
        if prefix:
            sql += " AND key >= ?"
            params.append(prefix)
        if start_after is not None:
            sql += " AND key > ?"
            params.append(start_after)
        high = _successor(prefix)
        if high is not None:
            sql += " AND key < ?"
            params.append(high)
        sql += " ORDER BY key LIMIT ?"
        params.append(limit + 1)
        rows = self._reader().execute(sql, params).fetchall()
        more = len(rows) > limit
        return [ListedKey(bytes(r[0]), r[1], r[2]) for r in rows[:limit]], more

    def keys(self) -> int:
        row = self._reader().execute("SELECT count(*) FROM entries").fetchone()
        return int(row[0])

    # ------------------------------------------------------------------ writes
    def put(
        self,
        key: bytes,
        data: bytes | Upload,
        expiration: int | None,
        metadata: str | None,
    ) -> None:
        """Store a value durably (committed with fsync) before returning."""
        blob_name: str | None = None
        inline: bytes | None = None
        if isinstance(data, Upload):
            size = data.size
            if size <= INLINE_MAX:
                data.finish()
                inline = data.path.read_bytes()
                data.discard()
            else:
                if not data.closed:
                    data.finish()
                blob_name = secrets.token_hex(16)
                os.replace(data.path, self.blob_dir / blob_name)
                _fsync_dir(self.blob_dir)
        else:
            size = len(data)
            if size <= INLINE_MAX:
                inline = data
            else:
                blob_name = secrets.token_hex(16)
                write_file_atomically(self.blob_dir / blob_name, [data])
        try:
            with self._write_lock:
                conn = self._writer
                conn.execute("BEGIN IMMEDIATE")
                try:
                    old = conn.execute(_OLD_BLOB, (key,)).fetchone()
                    conn.execute(_UPSERT, (key, inline, blob_name, size, expiration, metadata))
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
        except BaseException:
            if blob_name is not None:
                (self.blob_dir / blob_name).unlink(missing_ok=True)
            raise
        if old is not None and old[0] is not None:
            (self.blob_dir / old[0]).unlink(missing_ok=True)
        self._maybe_purge()

    def delete(self, key: bytes) -> None:
        with self._write_lock:
            conn = self._writer
            conn.execute("BEGIN IMMEDIATE")
            try:
                old = conn.execute(_OLD_BLOB, (key,)).fetchone()
                conn.execute("DELETE FROM entries WHERE key = ?", (key,))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        if old is not None and old[0] is not None:
            (self.blob_dir / old[0]).unlink(missing_ok=True)

    def new_upload(self) -> Upload:
        return Upload(self.blob_dir)

    def purge_expired(self, now: float | None = None) -> int:
        now = self.clock() if now is None else now
        with self._write_lock:
            conn = self._writer
            conn.execute("BEGIN IMMEDIATE")
            try:
                blobs = conn.execute(
                    "SELECT blob FROM entries WHERE expiration <= ? AND blob IS NOT NULL", (now,)
                ).fetchall()
                count = conn.execute("DELETE FROM entries WHERE expiration <= ?", (now,)).rowcount
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        for (name,) in blobs:
            (self.blob_dir / name).unlink(missing_ok=True)
        return int(count)

    def _maybe_purge(self) -> None:
        now = time.monotonic()
        if now - self._last_purge >= PURGE_INTERVAL_S:
            self._last_purge = now
            self.purge_expired()

    def _remove_orphans(self) -> None:
        """Blob files no row names (a crash between commit and unlink), once old enough."""

        def used() -> set[str]:
            with self._write_lock:
                query = "SELECT blob FROM entries WHERE blob IS NOT NULL"
                return {r[0] for r in self._writer.execute(query)}

        remove_orphans(self.blob_dir, used, ORPHAN_AGE_S)


def _successor(prefix: bytes) -> bytes | None:
    """The smallest byte string greater than every string starting with `prefix`."""
    data = bytearray(prefix)
    while data and data[-1] == 0xFF:
        data.pop()
    if not data:
        return None
    data[-1] += 1
    return bytes(data)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
