"""One conformance suite for every implementation of the storage interfaces.

Each test runs against every backend `backend_for` can pick ("files": SQLite + blob files
in tmp_path, the default; "memory"): a new backend must pass the same suite.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from pyworkerd.bindings.r2 import R2Gateway
from pyworkerd.bindings.r2.gateway import iter_reader
from pyworkerd.storage import (
    INLINE_MAX,
    Backend,
    BlobMissing,
    GroupCommit,
    KeyValueStore,
    KvDelete,
    KvPut,
    StateDir,
    backend_for,
)
from pyworkerd.storage.state import BACKENDS

BIG = bytes(range(256)) * (INLINE_MAX // 256 + 5)  # over INLINE_MAX: kept as a blob


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    return backend_for(StateDir(tmp_path, backend=request.param))


@pytest.fixture
def clock() -> list[float]:
    return [1_000_000.0]


@pytest.fixture
def kv(backend: Backend, clock: list[float]) -> Iterator[KeyValueStore]:
    store = backend.kv("kv", "ns", lambda: clock[0])
    yield store
    store.close()


def _names(kv: KeyValueStore, prefix: bytes = b"", after: bytes | None = None) -> list[bytes]:
    keys, _more = kv.list(prefix, after, 1000, kv.clock())
    return [k.name for k in keys]


# ---------------------------------------------------------------------------- key-value


def test_values_small_and_large_round_trip(kv: KeyValueStore) -> None:
    kv.put(b"small", b"v", None, '{"a":1}')
    kv.put(b"big", BIG, None, None)
    small = kv.get(b"small", kv.clock())
    assert small is not None and (small.value, small.size, small.metadata) == (b"v", 1, '{"a":1}')
    found = kv.get_with_file(b"big", kv.clock())
    assert found is not None
    entry, file = found
    assert entry.value is None and entry.size == len(BIG) and file is not None
    with file:
        assert file.read() == BIG
    assert kv.value_bytes(entry) == BIG
    assert kv.get(b"missing", kv.clock()) is None


def test_overwrites_and_deletes_release_blobs(kv: KeyValueStore) -> None:
    kv.put(b"k", BIG, None, None)
    kv.put(b"k", BIG[::-1], None, None)
    assert len(list(kv.blobs.names())) == 1
    kv.put(b"k", b"small now", None, None)
    assert list(kv.blobs.names()) == []
    kv.put(b"k", BIG, None, None)
    kv.delete(b"k")
    assert list(kv.blobs.names()) == [] and kv.get(b"k", kv.clock()) is None


def test_a_large_value_being_read_outlives_its_overwrite(kv: KeyValueStore) -> None:
    kv.put(b"k", BIG, None, None)
    found = kv.get_with_file(b"k", kv.clock())
    assert found is not None and found[1] is not None
    kv.put(b"k", b"new", None, None)
    with found[1] as file:
        assert file.read() == BIG


def test_list_is_in_utf8_byte_order_by_prefix_and_cursor(kv: KeyValueStore) -> None:
    keys = ["a", "b/2", "b/10", "b/\u00e9", "b/\U0001f600", "b\xff", "c"]
    for key in keys:
        kv.put(key.encode(), b"", None, None)
    assert _names(kv) == sorted(k.encode() for k in keys)
    assert _names(kv, b"b/") == [b"b/10", b"b/2", "b/é".encode(), "b/😀".encode()]
    assert _names(kv, b"b/", after=b"b/2") == ["b/é".encode(), "b/😀".encode()]
    page, more = kv.list(b"", None, 2, kv.clock())
    assert [k.name for k in page] == [b"a", b"b/10"] and more
    page, more = kv.list(b"", b"b\xc3\xbf", 5, kv.clock())
    assert [k.name for k in page] == [b"c"] and not more
    kv.put(b"\xff\xff", b"", None, None)
    assert _names(kv, b"\xff") == [b"\xff\xff"]  # a prefix without a successor


def test_expired_keys_are_invisible_then_purged(kv: KeyValueStore, clock: list[float]) -> None:
    kv.put(b"short", BIG, 1_000_060, '{"m":true}')
    kv.put(b"long", b"v", 1_003_600, None)
    listed, _ = kv.list(b"", None, 10, clock[0])
    assert [(k.name, k.expiration, k.metadata) for k in listed] == [
        (b"long", 1_003_600, None),
        (b"short", 1_000_060, '{"m":true}'),
    ]
    clock[0] = 1_000_060.0  # expiration is exclusive
    assert kv.get(b"short", clock[0]) is None
    assert _names(kv) == [b"long"]
    assert kv.purge_expired() == 1
    assert list(kv.blobs.names()) == []


def test_a_batch_is_atomic(kv: KeyValueStore) -> None:
    kv.put(b"keep", b"old", None, None)
    broken = kv.new_upload()
    broken.write(b"x")
    broken.discard()  # committing it fails, after the first put sealed its blob
    version = kv.version()
    with pytest.raises(AssertionError):
        kv.write([KvPut(b"new", BIG), KvDelete(b"keep"), KvPut(b"bad", broken)])
    assert kv.get(b"new", kv.clock()) is None
    keep = kv.get(b"keep", kv.clock())
    assert keep is not None and keep.value == b"old"
    assert list(kv.blobs.names()) == [] and kv.version() == version
    kv.write([KvPut(b"a", b"1"), KvPut(b"a", b"2"), KvDelete(b"keep")])  # in order
    a = kv.get(b"a", kv.clock())
    assert a is not None and a.value == b"2" and kv.get(b"keep", kv.clock()) is None
    assert kv.version() != version


def test_uploads_stay_inline_until_they_outgrow_a_row(kv: KeyValueStore) -> None:
    small, large = kv.new_upload(), kv.new_upload()
    small.write(b"ab")
    small.write(b"cd")
    for i in range(0, len(BIG), 100_000):
        large.write(BIG[i : i + 100_000])
    kv.write([KvPut(b"small", small), KvPut(b"large", large)])
    entry = kv.get(b"small", kv.clock())
    assert entry is not None and entry.value == b"abcd" and entry.blob is None
    entry = kv.get(b"large", kv.clock())
    assert entry is not None and entry.blob is not None and kv.value_bytes(entry) == BIG


def test_group_commit_batches_concurrent_writes(kv: KeyValueStore) -> None:
    group = GroupCommit(kv)
    commits: list[int] = []
    original = kv.write

    def counting(batch: list[KvPut | KvDelete]) -> None:  # observe, do not replace
        commits.append(len(batch))
        original(batch)

    kv.write = counting  # type: ignore[method-assign]
    broken = kv.new_upload()
    broken.discard()

    async def scenario() -> list[BaseException | None]:
        await asyncio.gather(*(group.write(KvPut(f"k{i:03}".encode(), b"v")) for i in range(100)))
        assert len(commits) < 100  # fewer transactions than writes
        writes = [group.write(KvPut(b"bad", broken)), group.write(KvDelete(b"k000"))]
        results = await asyncio.gather(*writes, return_exceptions=True)
        return [r if isinstance(r, BaseException) else None for r in results]

    failed, deleted = asyncio.run(scenario())
    assert isinstance(failed, AssertionError) and deleted is None  # only its own write failed
    assert _names(kv) == [f"k{i:03}".encode() for i in range(1, 100)]


def test_stores_are_shared_and_thread_safe(backend: Backend) -> None:
    store = backend.kv("kv", "shared")
    assert backend.kv("kv", "shared") is store

    def writer(n: int) -> None:
        for i in range(50):
            store.put(f"{n}/{i:02}".encode(), str(i).encode(), None, None)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(_names(store)) == 200
    store.close()
    assert backend.kv("kv", "shared") is not store  # a closed store is opened anew


# ---------------------------------------------------------------------------- blobs


def test_blobs_seal_atomically_and_read_from_an_offset(backend: Backend) -> None:
    blobs = backend.blobs("r2", "bucket")
    writer = blobs.writer()
    writer.write(b"hello ")
    assert list(blobs.names()) == []  # nothing visible before the seal
    writer.write(b"world")
    name = writer.seal()
    assert blobs.size(name) == 11 and list(blobs.names()) == [name]
    with blobs.open(name, 6) as file:
        assert file.read() == b"world"
    dropped = blobs.writer()
    dropped.write(b"never")
    dropped.discard()
    dropped.discard()
    assert list(blobs.names()) == [name]
    reading = blobs.open(name)
    blobs.delete([name, "no-such-blob"])
    assert reading.read() == b"hello world"  # an open blob outlives its delete
    reading.close()
    assert blobs.size(name) is None
    with pytest.raises(BlobMissing):
        blobs.open(name)


def test_blob_sweep_removes_only_old_unreferenced_blobs(backend: Backend) -> None:
    blobs = backend.blobs("r2", "sweep")
    kept, orphan = blobs.put(b"kept"), blobs.put(b"orphan")
    blobs.sweep(lambda: {kept}, max_age_s=3600)  # too young to be an orphan
    assert sorted(blobs.names()) == sorted([kept, orphan])
    blobs.sweep(lambda: {kept}, max_age_s=-1)
    assert list(blobs.names()) == [kept]


# ---------------------------------------------------------------------------- SQL


def test_sql_connections_share_one_database(backend: Backend) -> None:
    db = backend.sql("d1", "DB")
    assert backend.sql("d1", "DB") is db
    first, second = db.connect(), db.connect(cached_statements=0)
    first.execute("CREATE TABLE t (v)")
    first.execute("INSERT INTO t VALUES (1)")
    first.close()
    assert second.execute("SELECT v FROM t").fetchall() == [(1,)]
    second.close()
    third = db.connect()
    assert third.execute("SELECT count(*) FROM t").fetchone() == (1,)
    third.close()


# ---------------------------------------------------------------------------- objects


def test_object_store_serves_r2_puts_ranges_lists_and_multipart(backend: Backend) -> None:
    gw = R2Gateway(backend.objects("r2", "bucket"))
    for key, body in (("a/1", b"0123456789"), ("a/2", BIG), ("b", b"x")):
        upload = gw.begin_put(key, len(body), {})
        upload.write(body)
        assert gw.finish_put(upload) is not None
    got = gw.get("a/1", {"range": {"offset": 2, "length": 3}})
    assert got is not None and got.reader is not None
    assert b"".join(iter_reader(got.reader, 2)) == b"234"
    listed = gw.list_objects({"delimiter": "/"})
    assert [o["key"] for o in listed["objects"]] == ["b"]
    assert listed["delimitedPrefixes"] == ["a/"]
    upload_id = gw.create_multipart_upload("mp", {})
    parts = []
    for number, body in ((1, b"p" * (5 * 1024 * 1024)), (2, b"end")):
        part = gw.begin_part("mp", upload_id, number, len(body))
        part.write(body)
        parts.append(gw.finish_part(part))
    assert gw.complete_multipart_upload("mp", upload_id, parts)["size"] == 5 * 1024 * 1024 + 3
    tail = gw.get("mp", {"range": {"suffix": 5}})
    assert tail is not None and tail.reader is not None
    assert b"".join(iter_reader(tail.reader, 1024)) == b"ppend"
    gw.delete(["a/1", "a/2", "b", "mp"])
    assert gw.list_objects({})["objects"] == []
    assert list(backend.blobs("r2", "bucket").names()) == []
