from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from pyworkerd.storage import StateDir, open_sqlite, write_file_atomically


def test_no_persist_state_lives_in_memory_where_possible() -> None:
    state = StateDir(None)
    assert not state.persistent
    if Path("/dev/shm").is_dir() and os.access("/dev/shm", os.W_OK):
        assert state.root.is_relative_to("/dev/shm")
    assert state.folder("kv").is_dir()


def test_paths_are_safe_whatever_the_id(tmp_path: Path) -> None:
    state = StateDir(tmp_path)
    assert state.path("kv", "../../etc/passwd", ".sqlite3").parent == tmp_path / "kv"


def test_atomic_write_and_wal_sqlite(tmp_path: Path) -> None:
    target = tmp_path / "a" / "blob"
    assert write_file_atomically(target, [b"one", b"two"]) == 6
    assert target.read_bytes() == b"onetwo"
    assert [p.name for p in target.parent.iterdir()] == ["blob"]  # no temporary left
    conn = open_sqlite(tmp_path / "db.sqlite3")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"

    def failing() -> Iterator[bytes]:
        yield b"part"
        raise OSError("disk full")

    with pytest.raises(OSError):
        write_file_atomically(tmp_path / "a" / "other", failing())
    assert [p.name for p in target.parent.iterdir()] == ["blob"]
