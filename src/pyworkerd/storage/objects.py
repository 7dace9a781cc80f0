"""Object stores (R2 buckets): an index of objects, multipart uploads and parts in a
`SqlDatabase`, their bytes in a `BlobStore`.

A blob is sealed (durable under its name) before the index row that points at it
commits, so a crash never leaves a row pointing at a half-written blob and an
acknowledged write survives `kill -9`. A blob left without a row (a crash between the
seal and the commit, or a failed precondition) is removed by the sweep at open. Both
halves are interfaces: files + SQLite by default, memory in tests; an S3-compatible
backend would provide the blobs (and a shared SQL database the index).

Everything here is blocking: the host ops run it in a worker thread, the CLI directly.
One lock per store guards its connection; SQLite's own locking guards the database when
several processes share the state directory.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, BinaryIO

from pyworkerd.storage.blobs import BlobStore
from pyworkerd.storage.blobs import BlobWriter as RawBlobWriter
from pyworkerd.storage.sql import SqlDatabase
from pyworkerd.storage.state import write_transaction

__all__ = [
    "ORPHAN_AGE_S",
    "UPLOAD_ABORTED",
    "UPLOAD_COMPLETED",
    "UPLOAD_IN_PROGRESS",
    "BlobReader",
    "BlobWriter",
    "ObjectRow",
    "ObjectStore",
    "PartRow",
    "new_id",
]

ORPHAN_AGE_S = 3600.0  # a blob file without a row older than this is garbage

SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
  key TEXT PRIMARY KEY,
  blob TEXT,            -- NULL: a multipart object, its bytes are its parts'
  version TEXT NOT NULL,
  size INTEGER NOT NULL,
  etag TEXT NOT NULL,
  uploaded INTEGER NOT NULL,
  checksums TEXT NOT NULL,
  http_metadata TEXT NOT NULL,
  custom_metadata TEXT NOT NULL,
  storage_class TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS uploads (
  upload_id TEXT PRIMARY KEY,
  key TEXT NOT NULL,
  http_metadata TEXT NOT NULL,
  custom_metadata TEXT NOT NULL,
  storage_class TEXT NOT NULL,
  state INTEGER NOT NULL DEFAULT 0  -- 0 in progress, 1 completed, 2 aborted
);
CREATE TABLE IF NOT EXISTS parts (
  upload_id TEXT NOT NULL,
  part_number INTEGER NOT NULL,
  blob TEXT NOT NULL,
  size INTEGER NOT NULL,
  etag TEXT NOT NULL,
  md5 TEXT NOT NULL,
  object_key TEXT,      -- set once the upload completes into that object
  PRIMARY KEY (upload_id, part_number)
);
CREATE INDEX IF NOT EXISTS parts_by_object ON parts (object_key);
"""

UPLOAD_IN_PROGRESS, UPLOAD_COMPLETED, UPLOAD_ABORTED = 0, 1, 2


@dataclass
class ObjectRow:
    key: str
    blob: str | None
    version: str
    size: int
    etag: str
    uploaded: int
    checksums: dict[str, str]
    http_metadata: dict[str, Any]
    custom_metadata: dict[str, str]
    storage_class: str


@dataclass
class PartRow:
    upload_id: str
    part_number: int
    blob: str
    size: int
    etag: str
    md5: str


_OBJECT_COLUMNS = (
    "key, blob, version, size, etag, uploaded, checksums, http_metadata, custom_metadata, "
    "storage_class"
)


def _row(r: tuple[Any, ...]) -> ObjectRow:
    return ObjectRow(
        key=r[0],
        blob=r[1],
        version=r[2],
        size=r[3],
        etag=r[4],
        uploaded=r[5],
        checksums=json.loads(r[6]),
        http_metadata=json.loads(r[7]),
        custom_metadata=json.loads(r[8]),
        storage_class=r[9],
    )


def new_id(nbytes: int = 16) -> str:
    return secrets.token_hex(nbytes)


class BlobWriter:
    """A blob being written, with running digests of its bytes."""

    def __init__(self, raw: RawBlobWriter, algorithms: Iterable[str]) -> None:
        self.raw = raw
        self.size = 0
        self.hashes = {name: hashlib.new(name) for name in {"md5", *algorithms}}

    def write(self, chunk: bytes) -> None:
        self.raw.write(chunk)
        self.size += len(chunk)
        for h in self.hashes.values():
            h.update(chunk)

    def digests(self) -> dict[str, bytes]:
        return {name: h.digest() for name, h in self.hashes.items()}

    def seal(self) -> str:
        """Durable from here on; returns the blob's name."""
        return self.raw.seal()

    def discard(self) -> None:
        self.raw.discard()


class BlobReader:
    """Bytes [start, end) of a sequence of blobs (one for a plain object, the parts of a
    multipart one), read piece by piece. The first blob is opened at once (an open file
    survives the blob's deletion); later ones are pinned in the store until read."""

    def __init__(self, store: ObjectStore, segments: list[tuple[str, int, int]]) -> None:
        self.store = store
        self.segments = segments  # (blob, start, end) within each blob
        self.index = 0
        self.file: BinaryIO | None = None
        self.remaining = 0
        self.closed = False
        store.pin([s[0] for s in segments])
        self._open_next()

    def _open_next(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None
            self.store.unpin([self.segments[self.index - 1][0]])
        while self.index < len(self.segments):
            blob, start, end = self.segments[self.index]
            self.index += 1
            if end <= start:
                self.store.unpin([blob])
                continue
            self.file = self.store.blobs.open(blob, start)
            self.remaining = end - start
            return

    def whole_file(self) -> str | None:
        """The path of the one local file these bytes are, whole (a plain object read
        from start to end on the file backend); else None."""
        if len(self.segments) != 1:
            return None
        blob, start, end = self.segments[0]
        path = self.store.blobs.local_path(blob)
        if path is None or start != 0 or self.store.blobs.size(blob) != end:
            return None
        return str(path)

    @property
    def done(self) -> bool:
        """Every byte has been read."""
        return self.file is None and self.index >= len(self.segments)

    def read(self, n: int) -> bytes:
        """Up to n bytes; b"" at the end."""
        while self.file is not None:
            chunk = self.file.read(min(n, self.remaining))
            if chunk:
                self.remaining -= len(chunk)
                if self.remaining == 0:
                    self._open_next()
                return chunk
            raise OSError("blob file shorter than its index says")
        return b""

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self.file is not None:
            self.file.close()
            self.file = None
            self.store.unpin([self.segments[self.index - 1][0]])
        rest = [s[0] for s in self.segments[self.index :]]
        self.index = len(self.segments)
        if rest:
            self.store.unpin(rest)


class ObjectStore:
    """One bucket. Nothing touches the database until first use."""

    def __init__(self, db: SqlDatabase, blobs: BlobStore) -> None:
        self.db = db
        self.blobs = blobs
        self.lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._pins: dict[str, int] = {}
        self._doomed: set[str] = set()

    # ------------------------------------------------------------------ plumbing
    @property
    def conn(self) -> sqlite3.Connection:
        with self.lock:
            if self._conn is None:
                conn = self.db.connect()
                conn.executescript(SCHEMA)
                self._conn = conn
                self._sweep_orphans()
            return self._conn

    def close(self) -> None:
        with self.lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def transaction(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        """Run fn in one write transaction (BEGIN IMMEDIATE … COMMIT, or ROLLBACK)."""
        with self.lock, write_transaction(self.conn) as conn:
            return fn(conn)

    def writer(self, algorithms: Iterable[str] = ()) -> BlobWriter:
        self.conn  # noqa: B018 - open (and sweep) before the first write
        return BlobWriter(self.blobs.writer(), algorithms)

    def pin(self, blobs: list[str]) -> None:
        with self.lock:
            for b in blobs:
                self._pins[b] = self._pins.get(b, 0) + 1

    def unpin(self, blobs: list[str]) -> None:
        with self.lock:
            for b in blobs:
                left = self._pins.get(b, 0) - 1
                if left > 0:
                    self._pins[b] = left
                    continue
                self._pins.pop(b, None)
                if b in self._doomed:
                    self._doomed.discard(b)
                    self.blobs.delete([b])

    def discard_blobs(self, blobs: Iterable[str]) -> None:
        """Remove blobs no row points at any more (later if a reader has them pinned)."""
        with self.lock:
            now = []
            for b in blobs:
                if b in self._pins:
                    self._doomed.add(b)
                else:
                    now.append(b)
            self.blobs.delete(now)

    def _sweep_orphans(self) -> None:
        conn = self._conn
        assert conn is not None

        def used() -> set[str]:
            names = {r[0] for r in conn.execute("SELECT blob FROM objects WHERE blob IS NOT NULL")}
            names.update(r[0] for r in conn.execute("SELECT blob FROM parts"))
            return names

        self.blobs.sweep(used, ORPHAN_AGE_S)

    # ------------------------------------------------------------------ objects
    def get_row(self, key: str) -> ObjectRow | None:
        with self.lock:
            r = self.conn.execute(
                f"SELECT {_OBJECT_COLUMNS} FROM objects WHERE key = ?", (key,)
            ).fetchone()
        return None if r is None else _row(r)

    def get_row_and_parts(self, key: str) -> tuple[ObjectRow, list[tuple[str, int]]] | None:
        """The row and, for a multipart object, its parts' (blob, size) in order."""
        with self.lock:
            r = self.conn.execute(
                f"SELECT {_OBJECT_COLUMNS} FROM objects WHERE key = ?", (key,)
            ).fetchone()
            if r is None:
                return None
            row = _row(r)
            parts: list[tuple[str, int]] = []
            if row.blob is None:
                parts = [
                    (b, s)
                    for b, s in self.conn.execute(
                        "SELECT blob, size FROM parts WHERE object_key = ? ORDER BY part_number",
                        (key,),
                    )
                ]
            return row, parts

    def reader(
        self, row: ObjectRow, parts: list[tuple[str, int]], start: int, end: int
    ) -> BlobReader:
        """Bytes [start, end) of the object."""
        if row.blob is not None:
            return BlobReader(self, [(row.blob, start, end)])
        segments: list[tuple[str, int, int]] = []
        offset = 0
        for blob, size in parts:
            lo, hi = max(start, offset), min(end, offset + size)
            if lo < hi:
                segments.append((blob, lo - offset, hi - offset))
            offset += size
        return BlobReader(self, segments)

    @staticmethod
    def _old_blobs(conn: sqlite3.Connection, key: str) -> list[str]:
        """Delete what `key` points at now (its row and its parts); their blobs."""
        r = conn.execute("DELETE FROM objects WHERE key = ? RETURNING blob", (key,)).fetchone()
        if r is None:
            return []
        if r[0] is not None:
            return [r[0]]
        return [
            b[0]
            for b in conn.execute("DELETE FROM parts WHERE object_key = ? RETURNING blob", (key,))
        ]

    @staticmethod
    def _insert(conn: sqlite3.Connection, row: ObjectRow) -> None:
        conn.execute(
            f"INSERT INTO objects ({_OBJECT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                row.key,
                row.blob,
                row.version,
                row.size,
                row.etag,
                row.uploaded,
                json.dumps(row.checksums),
                json.dumps(row.http_metadata),
                json.dumps(row.custom_metadata),
                row.storage_class,
            ),
        )

    def put_row(self, row: ObjectRow, check: Callable[[ObjectRow | None], None]) -> None:
        """Insert or replace `row` once `check(current row)` passes (it raises otherwise),
        in one transaction; then remove the blobs the old object used."""

        def txn(conn: sqlite3.Connection) -> list[str]:
            r = conn.execute(
                f"SELECT {_OBJECT_COLUMNS} FROM objects WHERE key = ?", (row.key,)
            ).fetchone()
            check(None if r is None else _row(r))
            old = self._old_blobs(conn, row.key)
            self._insert(conn, row)
            return old

        self.discard_blobs(self.transaction(txn))

    def delete(self, keys: list[str]) -> None:
        def txn(conn: sqlite3.Connection) -> list[str]:
            old: list[str] = []
            for key in keys:
                old.extend(self._old_blobs(conn, key))
            return old

        self.discard_blobs(self.transaction(txn))

    def list_rows(
        self, lower: str, after: str | None, upper: str | None, limit: int
    ) -> list[ObjectRow]:
        """Rows with lower <= key (< upper) and key > after, in key (UTF-8 byte) order."""
        sql = f"SELECT {_OBJECT_COLUMNS} FROM objects WHERE key >= ?"
        params: list[Any] = [lower]
        if after is not None:
            sql += " AND key > ?"
            params.append(after)
        if upper is not None:
            sql += " AND key < ?"
            params.append(upper)
        sql += " ORDER BY key LIMIT ?"
        params.append(limit)
        with self.lock:
            return [_row(r) for r in self.conn.execute(sql, params)]

    def last_key(self, lower: str, upper: str | None) -> str | None:
        sql = "SELECT max(key) FROM objects WHERE key >= ?"
        params: list[Any] = [lower]
        if upper is not None:
            sql += " AND key < ?"
            params.append(upper)
        with self.lock:
            r = self.conn.execute(sql, params).fetchone()
        return None if r is None else r[0]

    # ------------------------------------------------------------------ multipart
    def create_upload(
        self, key: str, http_metadata: dict[str, Any], custom: dict[str, str], storage: str
    ) -> str:
        upload_id = new_id(32)
        self.transaction(
            lambda conn: conn.execute(
                "INSERT INTO uploads (upload_id, key, http_metadata, custom_metadata, "
                "storage_class) VALUES (?, ?, ?, ?, ?)",
                (upload_id, key, json.dumps(http_metadata), json.dumps(custom), storage),
            )
        )
        return upload_id

    def upload_state(self, key: str, upload_id: str) -> int | None:
        with self.lock:
            r = self.conn.execute(
                "SELECT state FROM uploads WHERE upload_id = ? AND key = ?", (upload_id, key)
            ).fetchone()
        return None if r is None else int(r[0])

    def put_part(self, key: str, part: PartRow, check: Callable[[int | None], None]) -> None:
        def txn(conn: sqlite3.Connection) -> list[str]:
            r = conn.execute(
                "SELECT state FROM uploads WHERE upload_id = ? AND key = ?",
                (part.upload_id, key),
            ).fetchone()
            check(None if r is None else int(r[0]))
            old = conn.execute(
                "DELETE FROM parts WHERE upload_id = ? AND part_number = ? RETURNING blob",
                (part.upload_id, part.part_number),
            ).fetchall()
            conn.execute(
                "INSERT INTO parts (upload_id, part_number, blob, size, etag, md5) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (part.upload_id, part.part_number, part.blob, part.size, part.etag, part.md5),
            )
            return [o[0] for o in old]

        self.discard_blobs(self.transaction(txn))

    def complete_upload(
        self,
        key: str,
        upload_id: str,
        build: Callable[
            [int | None, dict[int, PartRow], dict[str, Any]], tuple[ObjectRow, list[int]]
        ],
    ) -> ObjectRow:
        """`build(state, uploaded parts, upload metadata)` checks the request (raising on a
        problem) and returns the new row and the part numbers it uses."""

        def txn(conn: sqlite3.Connection) -> tuple[ObjectRow, list[str]]:
            r = conn.execute(
                "SELECT state, http_metadata, custom_metadata, storage_class FROM uploads "
                "WHERE upload_id = ? AND key = ?",
                (upload_id, key),
            ).fetchone()
            uploaded = {
                p[1]: PartRow(*p)
                for p in conn.execute(
                    "SELECT upload_id, part_number, blob, size, etag, md5 FROM parts "
                    "WHERE upload_id = ?",
                    (upload_id,),
                )
            }
            meta: dict[str, Any] = {}
            if r is not None:
                meta = {
                    "http_metadata": json.loads(r[1]),
                    "custom_metadata": json.loads(r[2]),
                    "storage_class": r[3],
                }
            row, used = build(None if r is None else int(r[0]), uploaded, meta)
            old = self._old_blobs(conn, key)
            self._insert(conn, row)
            for n in used:
                conn.execute(
                    "UPDATE parts SET object_key = ? WHERE upload_id = ? AND part_number = ?",
                    (key, upload_id, n),
                )
            old.extend(
                b[0]
                for b in conn.execute(
                    "DELETE FROM parts WHERE upload_id = ? AND object_key IS NULL RETURNING blob",
                    (upload_id,),
                )
            )
            conn.execute(
                "UPDATE uploads SET state = ? WHERE upload_id = ?", (UPLOAD_COMPLETED, upload_id)
            )
            return row, old

        done: tuple[ObjectRow, list[str]] = self.transaction(txn)
        self.discard_blobs(done[1])
        return done[0]

    def abort_upload(self, key: str, upload_id: str, check: Callable[[int | None], bool]) -> None:
        """`check(state)` raises for an unknown upload, returns False for a finished one."""

        def txn(conn: sqlite3.Connection) -> list[str]:
            r = conn.execute(
                "SELECT state FROM uploads WHERE upload_id = ? AND key = ?", (upload_id, key)
            ).fetchone()
            if not check(None if r is None else int(r[0])):
                return []
            old = [
                b[0]
                for b in conn.execute(
                    "DELETE FROM parts WHERE upload_id = ? RETURNING blob", (upload_id,)
                )
            ]
            conn.execute(
                "UPDATE uploads SET state = ? WHERE upload_id = ?", (UPLOAD_ABORTED, upload_id)
            )
            return old

        self.discard_blobs(self.transaction(txn))
