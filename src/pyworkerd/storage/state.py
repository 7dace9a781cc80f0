"""The state directory and the durable primitives the bindings build on."""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

__all__ = [
    "StateDir",
    "fsync_dir",
    "open_sqlite",
    "remove_orphans",
    "write_file_atomically",
    "write_transaction",
]

_SAFE = re.compile(r"[^A-Za-z0-9._-]")


BACKENDS = ("files", "memory")


class StateDir:
    """`<root>/<kind>/<name>…`: one folder per binding kind (kv, d1, r2 …).

    With `root=None` (`--no-persist`) the state lives in memory: a temporary folder on a
    RAM file system where there is one (/dev/shm), removed when the process exits; files
    there, unlike a backend in memory, are shared by `serve --workers N`'s processes.
    `backend` picks the implementation of the storage interfaces (storage/backend.py):
    "files" (SQLite + blob files, the default) or "memory" (this process only).
    """

    def __init__(self, root: Path | None, backend: str = "files") -> None:
        if backend not in BACKENDS:
            raise ValueError(f"unknown storage backend {backend!r} (one of {', '.join(BACKENDS)})")
        self.backend = backend
        self.persistent = root is not None and backend != "memory"
        if root is None:
            ram = Path("/dev/shm")
            where = str(ram) if ram.is_dir() and os.access(ram, os.W_OK) else None
            root = Path(tempfile.mkdtemp(prefix="pyworkerd-state-", dir=where))
            atexit.register(shutil.rmtree, root, True)
        self.root = root

    def folder(self, kind: str) -> Path:
        path = self.root / kind
        path.mkdir(parents=True, exist_ok=True)
        return path

    def path(self, kind: str, name: str, suffix: str = "") -> Path:
        """A file or folder name for a binding's store, safe whatever the id holds."""
        return self.folder(kind) / (_SAFE.sub("_", name) + suffix)


def open_sqlite(path: Path, *, cached_statements: int = 128) -> sqlite3.Connection:
    """A connection in WAL mode with full fsync: a committed write survives `kill -9`,
    and several processes (serve --workers N, the CLI) may share the file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(
        path,
        timeout=30,
        isolation_level=None,
        check_same_thread=False,
        cached_statements=cached_statements,
    )
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


@contextlib.contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """The block as one write transaction: BEGIN IMMEDIATE (the write lock up front, so it
    never fails half-way on a busy database), COMMIT, or ROLLBACK when it raises."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def write_file_atomically(path: Path, chunks: Iterable[bytes]) -> int:
    """Write to a temporary name in the same folder, fsync, rename: a crash never leaves
    a half-written file. `chunks` is an iterable of bytes; returns the size written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    size = 0
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
                size += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)
    return size


def fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable."""
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def remove_orphans(folder: Path, used: Callable[[], set[str]], max_age_s: float) -> None:
    """Delete files in `folder` that no index row names (`used()`), once older than
    `max_age_s`: what a crash between a commit and an unlink leaves, never a file another
    process is still writing."""
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return
    if not names:
        return
    referenced = used()
    cutoff = time.time() - max_age_s
    for name in names:
        if name in referenced:
            continue
        path = folder / name
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            pass
