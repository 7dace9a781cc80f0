"""A put the worker saw resolve survives `kill -9`; expired keys disappear."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from pyworkerd.bindings.kv import KvGateway
from pyworkerd.storage.blobs import FileBlobStore
from pyworkerd.storage.kv_sqlite import SqliteKeyValueStore
from pyworkerd.testing import running_server, start_server
from tests.bindings.kv.conftest import make_kv_project
from tests.server.conftest import request


def test_acknowledged_puts_survive_kill_9(tmp_path: Path) -> None:
    project = make_kv_project(tmp_path / "project")
    state = tmp_path / "state"
    big = bytes(range(256)) * 4096  # 1 MiB: stored as a blob file
    server = start_server(project, "--persist-to", str(state))
    try:
        for i in range(40):
            reply = request(
                server.url, f"/put?key=durable/{i}", method="POST", body=f"value {i}".encode()
            )
            assert reply.json() == ["ok", None]
        reply = request(server.url, "/put?key=durable/big&as=bytes", method="POST", body=big)
        assert reply.json() == ["ok", None]
    finally:
        server.stop(signal.SIGKILL)
    with running_server(project, "--persist-to", str(state)) as again:
        for i in range(40):
            assert request(again.url, f"/get?key=durable/{i}").text == f"value {i}"
        assert request(again.url, "/get?key=durable/big&type=arrayBuffer").body == big


def _gateway(tmp_path: Path, clock: list[float]) -> KvGateway:
    store = SqliteKeyValueStore(
        tmp_path / "ns.sqlite3", FileBlobStore(tmp_path / "ns.blobs"), clock=lambda: clock[0]
    )
    return KvGateway(store)


def test_expired_keys_disappear(tmp_path: Path) -> None:
    now = [1_000_000.0]
    gw = _gateway(tmp_path, now)

    async def scenario() -> None:
        await gw.put("short", b"v", expiration_ttl=60)
        await gw.put("long", b"v", expiration=1_000_000 + 3600)
        await gw.put("big", b"x" * (600 * 1024), expiration_ttl=60)
        await gw.put("forever", b"v")
        assert (await gw.get("short", None, True))[0] is not None
        assert [k["name"] for k in (await gw.list())["keys"]] == ["big", "forever", "long", "short"]
        now[0] += 60  # expiration is exclusive: at that second the key is gone
        assert (await gw.get("short", None, True))[0] is None
        assert (await gw.get("big", None, False))[0] is None
        assert (await gw.get_bulk(["short", "long"], None, False, None)) == [
            ["short", None, None],
            ["long", "v", None],
        ]
        assert [k["name"] for k in (await gw.list())["keys"]] == ["forever", "long"]
        assert gw.store.purge_expired(now[0]) == 2
        assert not any((tmp_path / "ns.blobs").iterdir())  # the blob went with its row

    try:
        asyncio.run(scenario())
    finally:
        gw.store.close()


def test_overwrite_and_delete_remove_old_blob_files(tmp_path: Path) -> None:
    gw = _gateway(tmp_path, [1_000_000.0])
    blobs = tmp_path / "ns.blobs"

    async def scenario() -> None:
        await gw.put("k", b"a" * (300 * 1024))
        assert len(list(blobs.iterdir())) == 1
        await gw.put("k", b"b" * (300 * 1024))
        assert len(list(blobs.iterdir())) == 1
        await gw.put("k", b"small")
        assert list(blobs.iterdir()) == []
        await gw.put("k", b"c" * (300 * 1024))
        await gw.delete("k")
        assert list(blobs.iterdir()) == []

    try:
        asyncio.run(scenario())
    finally:
        gw.store.close()


def test_a_read_in_progress_survives_an_overwrite(tmp_path: Path) -> None:
    gw = _gateway(tmp_path, [1_000_000.0])
    old = bytes(range(256)) * 2048  # 512 KiB, two pieces

    async def scenario() -> None:
        await gw.put("k", old)
        head, first = await gw.get("k", None, False, ("w", 1))
        assert head is not None and head[2] is not None and first == old[: 256 * 1024]
        await gw.put("k", b"new")
        done, rest = await gw.read(head[2], "w")
        assert done and first + (rest or b"") == old
        assert (await gw.get("k", None, True))[0][3] == "new"

    try:
        asyncio.run(scenario())
    finally:
        gw.store.close()
