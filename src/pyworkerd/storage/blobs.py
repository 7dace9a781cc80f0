"""Blob stores: immutable byte objects under opaque names, written atomically.

The bindings keep their indexes (which key names which blob, with what metadata) in a
key-value store or a SQL database and the bytes here: R2 objects and parts, KV values too
large to sit in a row. A blob is written through a `BlobWriter` piece by piece as the
bytes arrive (nothing is held whole in memory) and exists under its name only once
`seal()` returns: a crash never leaves half a blob under a name. Reads take a byte range
and keep working if the blob is deleted meanwhile (POSIX open-file semantics, which the
memory store copies by holding a reference).

- `FileBlobStore`: one file per blob in a folder (temporary name, fsync, rename, folder
  fsync). Several processes may share the folder.
- `MemoryBlobStore`: a dict, for one process (tests, a future in-memory mode).
An S3-compatible backend would map names to object keys and writers to multipart uploads.
"""

from __future__ import annotations

import io
import os
import secrets
import tempfile
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from pyworkerd.storage.state import fsync_dir, remove_orphans

__all__ = [
    "BlobMissing",
    "BlobStore",
    "BlobWriter",
    "FileBlobStore",
    "MemoryBlobStore",
    "new_blob_name",
]


class BlobMissing(FileNotFoundError):
    """No blob has this name (never written, or deleted before it was opened)."""


def new_blob_name() -> str:
    return secrets.token_hex(16)


class BlobWriter(ABC):
    """A blob being written. `seal()` makes it durable under a new name; `discard()`
    (also safe after a failure, twice, or after `seal`) leaves nothing behind."""

    size: int

    @abstractmethod
    def write(self, data: bytes) -> None: ...

    @abstractmethod
    def seal(self) -> str:
        """Durable from here on; returns the blob's name."""

    @abstractmethod
    def discard(self) -> None: ...


class BlobStore(ABC):
    """Immutable blobs under names the store picks (see the module docstring)."""

    @abstractmethod
    def writer(self) -> BlobWriter: ...

    @abstractmethod
    def open(self, name: str, start: int = 0) -> BinaryIO:
        """The blob as a file positioned at `start`; it stays readable after a delete.
        Raises `BlobMissing`."""

    @abstractmethod
    def size(self, name: str) -> int | None:
        """The blob's size, None when there is no such blob (a head)."""

    def local_path(self, name: str) -> Path | None:
        """A file on this machine holding the blob, if the store keeps one (the front end
        can then send it without reading it in Python)."""
        return None

    @abstractmethod
    def delete(self, names: list[str]) -> None:
        """Remove blobs (missing ones are ignored)."""

    @abstractmethod
    def names(self) -> Iterator[str]:
        """Every blob's name (a list; in no order)."""

    @abstractmethod
    def sweep(self, used: Callable[[], set[str]], max_age_s: float) -> None:
        """Remove blobs (and unsealed writes) that `used()` does not name, once older than
        `max_age_s`: what a crash between sealing and committing an index leaves."""

    def put(self, data: bytes) -> str:
        """A whole blob at once; returns its name."""
        writer = self.writer()
        try:
            writer.write(data)
            return writer.seal()
        except BaseException:
            writer.discard()
            raise

    def read_range(self, name: str, start: int, end: int, piece: int) -> Iterator[bytes]:
        """Bytes [start, end) in pieces of at most `piece` bytes (a ranged get as a stream)."""
        with self.open(name, start) as file:
            left = end - start
            while left > 0:
                chunk = file.read(min(piece, left))
                if not chunk:
                    raise OSError(f"blob {name} is shorter than {end} bytes")
                left -= len(chunk)
                yield chunk


# ---------------------------------------------------------------------------- files


class _FileWriter(BlobWriter):
    def __init__(self, folder: Path) -> None:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        self.folder = folder
        self.tmp = Path(tmp)
        self.file: BinaryIO | None = os.fdopen(fd, "wb")
        self.size = 0

    def write(self, data: bytes) -> None:
        assert self.file is not None, "write after seal or discard"
        self.file.write(data)
        self.size += len(data)

    def seal(self) -> str:
        assert self.file is not None, "seal after seal or discard"
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        self.file = None
        name = new_blob_name()
        os.replace(self.tmp, self.folder / name)
        fsync_dir(self.folder)
        return name

    def discard(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None
            self.tmp.unlink(missing_ok=True)


class FileBlobStore(BlobStore):
    """One file per blob in `folder` (created on first use)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def writer(self) -> BlobWriter:
        self.folder.mkdir(parents=True, exist_ok=True)
        return _FileWriter(self.folder)

    def open(self, name: str, start: int = 0) -> BinaryIO:
        try:
            file = open(self.folder / name, "rb")  # noqa: SIM115 - the caller closes it
        except FileNotFoundError:
            raise BlobMissing(name) from None
        if start:
            file.seek(start)
        return file

    def size(self, name: str) -> int | None:
        try:
            return (self.folder / name).stat().st_size
        except FileNotFoundError:
            return None

    def local_path(self, name: str) -> Path | None:
        return self.folder / name

    def delete(self, names: list[str]) -> None:
        for name in names:
            (self.folder / name).unlink(missing_ok=True)

    def names(self) -> Iterator[str]:
        try:
            found = os.listdir(self.folder)
        except FileNotFoundError:
            return iter(())
        return iter([n for n in found if not n.startswith(".tmp-")])

    def sweep(self, used: Callable[[], set[str]], max_age_s: float) -> None:
        remove_orphans(self.folder, used, max_age_s)


# ---------------------------------------------------------------------------- memory


class _MemoryWriter(BlobWriter):
    def __init__(self, store: MemoryBlobStore) -> None:
        self.store = store
        self.buffer: io.BytesIO | None = io.BytesIO()
        self.size = 0
        self.started = time.time()

    def write(self, data: bytes) -> None:
        assert self.buffer is not None, "write after seal or discard"
        self.buffer.write(data)
        self.size += len(data)

    def seal(self) -> str:
        assert self.buffer is not None, "seal after seal or discard"
        name = new_blob_name()
        self.store._add(name, self.buffer.getvalue(), self.started)
        self.buffer = None
        return name

    def discard(self) -> None:
        self.buffer = None


class MemoryBlobStore(BlobStore):
    """Blobs in a dict: for one process only."""

    def __init__(self) -> None:
        self._blobs: dict[str, tuple[bytes, float]] = {}
        self._lock = threading.Lock()

    def _add(self, name: str, data: bytes, created: float) -> None:
        with self._lock:
            self._blobs[name] = (data, created)

    def writer(self) -> BlobWriter:
        return _MemoryWriter(self)

    def open(self, name: str, start: int = 0) -> BinaryIO:
        with self._lock:
            found = self._blobs.get(name)
        if found is None:
            raise BlobMissing(name)
        file = io.BytesIO(found[0])
        file.seek(start)
        return file

    def size(self, name: str) -> int | None:
        with self._lock:
            found = self._blobs.get(name)
        return None if found is None else len(found[0])

    def delete(self, names: list[str]) -> None:
        with self._lock:
            for name in names:
                self._blobs.pop(name, None)

    def names(self) -> Iterator[str]:
        with self._lock:
            return iter(list(self._blobs))

    def sweep(self, used: Callable[[], set[str]], max_age_s: float) -> None:
        keep = used()
        cutoff = time.time() - max_age_s
        with self._lock:
            for name in [n for n, (_, t) in self._blobs.items() if n not in keep and t < cutoff]:
                del self._blobs[name]
