"""Key-value stores: ordered byte keys, values of any size, expiration, metadata.

What KV namespaces keep (and Durable Object storage, Cache metadata … can): keys are byte
strings listed in byte order (Cloudflare sorts by UTF-8 bytes), each with a value, an
optional absolute expiration (seconds since the epoch; an expired key is invisible) and
optional metadata (JSON text). `write()` applies a batch of puts and deletes atomically
and durably: once it returns, the batch survives a crash; a failed batch leaves nothing.

Small values (≤ `INLINE_MAX`) live with their key; larger ones in the store's
`BlobStore`, sealed before the batch that names them commits. A value arriving in pieces
goes through a `KvUpload`, which spills to a blob only once it outgrows `INLINE_MAX`.

Implementations: `SqliteKeyValueStore` (kv_sqlite.py: one SQLite file, shared by
processes) and `MemoryKeyValueStore` (below: one process). Everything is blocking and
thread-safe; async callers run it on `executor` (the store's own threads) or batch their
writes through a `GroupCommit` (group.py).
"""

from __future__ import annotations

import bisect
import io
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import BinaryIO

from pyworkerd.storage.blobs import BlobMissing, BlobStore, BlobWriter

__all__ = [
    "INLINE_MAX",
    "KeyValueStore",
    "KvDelete",
    "KvEntry",
    "KvPut",
    "KvRow",
    "KvUpload",
    "KvWrite",
    "ListedKey",
    "MemoryKeyValueStore",
    "key_successor",
]

INLINE_MAX = 256 * 1024  # larger values go to blobs
ORPHAN_AGE_S = 3600.0  # unreferenced blobs older than this are removed at open
PURGE_INTERVAL_S = 60.0  # expired keys are deleted at most this often (reads skip them)
THREADS = 4
GET_ATTEMPTS = 5  # a get racing an overwrite of a large value looks again this often


@dataclass(frozen=True, slots=True)
class KvEntry:
    """A live key's value: `value` holds it when inline, else `blob` names its blob."""

    value: bytes | None
    blob: str | None
    size: int
    metadata: str | None  # JSON text
    expiration: int | None = None


@dataclass(frozen=True, slots=True)
class ListedKey:
    name: bytes
    expiration: int | None
    metadata: str | None


class KvUpload:
    """A value arriving in pieces: held in memory up to `INLINE_MAX`, then in a blob."""

    def __init__(self, blobs: BlobStore) -> None:
        self.blobs = blobs
        self.buffer: io.BytesIO | None = io.BytesIO()
        self.blob: BlobWriter | None = None
        self.size = 0

    def write(self, data: bytes) -> None:
        if self.blob is None:
            assert self.buffer is not None, "write after discard"
            if self.size + len(data) <= INLINE_MAX:
                self.buffer.write(data)
                self.size += len(data)
                return
            self.blob = self.blobs.writer()
            self.blob.write(self.buffer.getvalue())
            self.buffer = None
        self.blob.write(data)
        self.size += len(data)

    def discard(self) -> None:
        self.buffer = None
        if self.blob is not None:
            self.blob.discard()


@dataclass(frozen=True, slots=True)
class KvPut:
    key: bytes
    value: bytes | KvUpload
    expiration: int | None = None
    metadata: str | None = None


@dataclass(frozen=True, slots=True)
class KvDelete:
    key: bytes


KvWrite = KvPut | KvDelete


@dataclass(frozen=True, slots=True)
class KvRow:
    """A put ready to commit: its value inline or as a sealed blob."""

    key: bytes
    value: bytes | None
    blob: str | None
    size: int
    expiration: int | None
    metadata: str | None


class KeyValueStore(ABC):
    """See the module docstring. Subclasses keep rows; this class keeps the blobs."""

    def __init__(self, blobs: BlobStore, clock: Callable[[], float] = time.time) -> None:
        self.blobs = blobs
        self.clock = clock  # seconds since the epoch: expiry is judged by it
        self.executor = ThreadPoolExecutor(THREADS, thread_name_prefix="kv")
        self.closed = False
        self._last_purge = 0.0

    # -- what a backend provides
    @abstractmethod
    def get(self, key: bytes, now: float) -> KvEntry | None:
        """The live entry of `key` (its blob not opened: see `get_with_file`)."""

    @abstractmethod
    def version(self) -> int:
        """A number that changes whenever anyone (this process or another) commits: what
        was read stays valid while it is the same. Cheap enough to ask on every get."""

    @abstractmethod
    def _commit(self, rows: Sequence[KvRow | KvDelete]) -> list[str]:
        """Apply the batch in one durable transaction; the blobs it replaced."""

    @abstractmethod
    def _purge(self, now: float) -> tuple[int, list[str]]:
        """Delete expired keys; how many, and their blobs."""

    @abstractmethod
    def _used_blobs(self) -> set[str]: ...

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.executor.shutdown(wait=True)

    # -- shared by every backend
    def get_with_file(self, key: bytes, now: float) -> tuple[KvEntry, BinaryIO | None] | None:
        """The entry and, for a large value, its blob opened (readable even if the key is
        overwritten meanwhile)."""
        for _attempt in range(GET_ATTEMPTS):
            entry = self.get(key, now)
            if entry is None or entry.blob is None:
                return None if entry is None else (entry, None)
            try:
                return entry, self.blobs.open(entry.blob)
            except BlobMissing:
                continue  # overwritten between the lookup and the open: look again
        return None

    def value_bytes(self, entry: KvEntry) -> bytes:
        """A whole value (a large one read from its blob; b"" if it vanished meanwhile)."""
        if entry.value is not None or entry.blob is None:
            return entry.value or b""
        try:
            with self.blobs.open(entry.blob) as file:
                return file.read()
        except BlobMissing:
            return b""

    def new_upload(self) -> KvUpload:
        return KvUpload(self.blobs)

    def put(
        self, key: bytes, value: bytes | KvUpload, expiration: int | None, metadata: str | None
    ) -> None:
        self.write([KvPut(key, value, expiration, metadata)])

    def delete(self, key: bytes) -> None:
        self.write([KvDelete(key)])

    def write(self, batch: Sequence[KvWrite]) -> None:
        """Apply puts and deletes atomically and durably, in order (see the module doc)."""
        rows: list[KvRow | KvDelete] = []
        sealed: list[str] = []
        try:
            for item in batch:
                if isinstance(item, KvDelete):
                    rows.append(item)
                    continue
                row = self._row(item)
                if row.blob is not None:
                    sealed.append(row.blob)
                rows.append(row)
            replaced = self._commit(rows)
        except BaseException:
            for item in batch:
                if isinstance(item, KvPut) and isinstance(item.value, KvUpload):
                    item.value.discard()
            self.blobs.delete(sealed)
            raise
        self.blobs.delete(replaced)
        self._maybe_purge()

    def _row(self, put: KvPut) -> KvRow:
        inline: bytes | None = None
        blob: str | None = None
        if isinstance(put.value, KvUpload):
            upload = put.value
            if upload.blob is not None:
                blob = upload.blob.seal()
            else:
                assert upload.buffer is not None, "upload already discarded"
                inline = upload.buffer.getvalue()
            size = upload.size
        else:
            size = len(put.value)
            if size > INLINE_MAX:
                blob = self.blobs.put(put.value)
            else:
                inline = put.value
        return KvRow(put.key, inline, blob, size, put.expiration, put.metadata)

    def purge_expired(self, now: float | None = None) -> int:
        count, blobs = self._purge(self.clock() if now is None else now)
        self.blobs.delete(blobs)
        return count

    def _maybe_purge(self) -> None:
        now = time.monotonic()
        if now - self._last_purge >= PURGE_INTERVAL_S:
            self._last_purge = now
            self.purge_expired()

    def _sweep_blobs(self) -> None:
        """Blobs no key names (a crash between sealing and committing), once old enough."""
        self.blobs.sweep(self._used_blobs, ORPHAN_AGE_S)

    # last: below it, `list` in an annotation would name this method
    @abstractmethod
    def list(
        self, prefix: bytes, start_after: bytes | None, limit: int, now: float
    ) -> tuple[list[ListedKey], bool]:
        """Up to `limit` live keys with `prefix`, after `start_after`, in byte order; and
        whether more exist."""


def key_successor(prefix: bytes) -> bytes | None:
    """The smallest byte string greater than every string starting with `prefix`."""
    data = bytearray(prefix)
    while data and data[-1] == 0xFF:
        data.pop()
    if not data:
        return None
    data[-1] += 1
    return bytes(data)


class MemoryKeyValueStore(KeyValueStore):
    """Keys in a sorted list and a dict: for one process only."""

    def __init__(self, blobs: BlobStore, clock: Callable[[], float] = time.time) -> None:
        super().__init__(blobs, clock)
        self._rows: dict[bytes, KvRow] = {}
        self._keys: list[bytes] = []
        self._lock = threading.RLock()
        self._version = 0

    def get(self, key: bytes, now: float) -> KvEntry | None:
        with self._lock:
            row = self._rows.get(key)
        if row is None or (row.expiration is not None and row.expiration <= now):
            return None
        return KvEntry(row.value, row.blob, row.size, row.metadata, row.expiration)

    def version(self) -> int:
        return self._version

    def _commit(self, rows: Sequence[KvRow | KvDelete]) -> list[str]:
        replaced: list[str] = []
        with self._lock:
            for row in rows:
                old = self._rows.pop(row.key, None)
                if old is None:
                    if isinstance(row, KvRow):
                        bisect.insort(self._keys, row.key)
                else:
                    if old.blob is not None:
                        replaced.append(old.blob)
                    if isinstance(row, KvDelete):
                        del self._keys[bisect.bisect_left(self._keys, row.key)]
                if isinstance(row, KvRow):
                    self._rows[row.key] = row
            self._version += 1
        return replaced

    def _purge(self, now: float) -> tuple[int, list[str]]:
        with self._lock:
            expired = [
                KvDelete(k)
                for k, r in self._rows.items()
                if r.expiration is not None and r.expiration <= now
            ]
            return len(expired), self._commit(expired)

    def _used_blobs(self) -> set[str]:
        with self._lock:
            return {r.blob for r in self._rows.values() if r.blob is not None}

    # last: below it, `list` in an annotation would name this method
    def list(
        self, prefix: bytes, start_after: bytes | None, limit: int, now: float
    ) -> tuple[list[ListedKey], bool]:
        high = key_successor(prefix)
        out: list[ListedKey] = []
        with self._lock:
            if start_after is not None and start_after >= prefix:
                at = bisect.bisect_right(self._keys, start_after)
            else:
                at = bisect.bisect_left(self._keys, prefix)
            for key in self._keys[at:]:
                if high is not None and key >= high:
                    break
                row = self._rows[key]
                if row.expiration is not None and row.expiration <= now:
                    continue
                if len(out) == limit:
                    return out, True
                out.append(ListedKey(key, row.expiration, row.metadata))
        return out, False
