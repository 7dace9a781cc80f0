"""The bucket store on its own: what a crash can leave behind is cleaned up at open."""

from __future__ import annotations

import os
import time
from pathlib import Path

from pyworkerd.bindings.r2 import bucket_gateway
from pyworkerd.bindings.r2.gateway import iter_reader
from pyworkerd.storage import StateDir
from pyworkerd.storage.blobs import FileBlobStore
from pyworkerd.storage.objects import ORPHAN_AGE_S, ObjectStore
from pyworkerd.storage.sql import SqliteFileDatabase


def _put(gw_state: Path, key: str, body: bytes) -> None:
    gw = bucket_gateway(StateDir(gw_state), "b")
    upload = gw.begin_put(key, len(body), {})
    upload.write(body)
    assert gw.finish_put(upload) is not None


def test_orphaned_blobs_and_temporary_files_are_swept_at_open(tmp_path: Path) -> None:
    _put(tmp_path, "kept", b"kept")
    blobs = tmp_path / "r2" / "b.blobs"
    old = time.time() - ORPHAN_AGE_S - 10
    for name in ("orphan", ".tmp-crashed"):
        (blobs / name).write_bytes(b"garbage")
        os.utime(blobs / name, (old, old))
    (blobs / "fresh").write_bytes(b"maybe another process's, not committed yet")

    # a new process opening it
    store = ObjectStore(SqliteFileDatabase(tmp_path / "r2" / "b.sqlite3"), FileBlobStore(blobs))
    try:
        row = store.get_row("kept")
        assert row is not None and row.blob is not None
        names = sorted(p.name for p in blobs.iterdir())
        assert names == sorted([row.blob, "fresh"])
        reader = store.reader(row, [], 0, row.size)
        assert b"".join(iter_reader(reader, 2)) == b"kept"
    finally:
        store.close()


def test_an_overwritten_blob_outlives_a_reader_that_has_it_open(tmp_path: Path) -> None:
    _put(tmp_path, "k", b"first version")
    gw = bucket_gateway(StateDir(tmp_path), "b")
    result = gw.get("k", {})
    assert result is not None and result.reader is not None
    _put(tmp_path, "k", b"second")  # the first blob is deleted while being read
    assert b"".join(iter_reader(result.reader, 3)) == b"first version"
    again = gw.get("k", {})
    assert again is not None and again.reader is not None
    assert b"".join(iter_reader(again.reader, 100)) == b"second"
    assert len(list((tmp_path / "r2" / "b.blobs").iterdir())) == 1


def test_a_multipart_object_read_while_it_is_replaced(tmp_path: Path) -> None:
    gw = bucket_gateway(StateDir(tmp_path), "b")
    upload_id = gw.create_multipart_upload("mp", {})
    parts = []
    for number, body in ((1, b"a" * (5 * 1024 * 1024)), (2, b"tail")):
        upload = gw.begin_part("mp", upload_id, number, len(body))
        upload.write(body)
        parts.append(gw.finish_part(upload))
    meta = gw.complete_multipart_upload("mp", upload_id, parts)
    assert meta["size"] == 5 * 1024 * 1024 + 4 and meta["etag"].endswith("-2")
    result = gw.get("mp", {"range": {"offset": 5 * 1024 * 1024 - 1}})
    assert result is not None and result.reader is not None
    _put(tmp_path, "mp", b"replaced")  # both part blobs go, once the reader is done
    assert b"".join(iter_reader(result.reader, 1)) == b"atail"
    assert len(list((tmp_path / "r2" / "b.blobs").iterdir())) == 1


def test_a_get_racing_an_overwrite_reads_a_whole_version(tmp_path: Path) -> None:
    """Another process replaces the object between the row read and the file open."""
    import threading

    reader = bucket_gateway(StateDir(tmp_path), "b")
    writer = bucket_gateway(StateDir(tmp_path), "b")
    versions = [bytes([i]) * 300_000 for i in range(4)]

    def put(gw: object, body: bytes) -> None:
        up = gw.begin_put("k", len(body), {})  # type: ignore[attr-defined]
        up.write(body)
        assert gw.finish_put(up) is not None  # type: ignore[attr-defined]

    put(writer, versions[0])
    stop = threading.Event()

    def overwrite() -> None:
        i = 0
        while not stop.is_set():
            i += 1
            put(writer, versions[i % len(versions)])

    thread = threading.Thread(target=overwrite)
    thread.start()
    try:
        for _ in range(200):
            result = reader.get("k", {})
            assert result is not None and result.reader is not None
            body = b"".join(iter_reader(result.reader, 65536))
            assert body in versions
    finally:
        stop.set()
        thread.join()
