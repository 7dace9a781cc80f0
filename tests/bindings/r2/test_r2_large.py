"""A 100 MB object streams into R2 and back out without the server holding it in memory."""

from __future__ import annotations

import hashlib
import http.client
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from pyworkerd.testing import running_server
from tests.bindings.r2.conftest import make_r2_project

SIZE = 100 * 1000 * 1000
CHUNK = 1024 * 1024
MiB = 1024 * 1024


def _chunks(size: int) -> Iterator[bytes]:
    """`size` bytes that are not all alike, made piece by piece."""
    seed = hashlib.sha512(b"r2").digest() * (CHUNK // 64)
    sent = 0
    n = 0
    while sent < size:
        piece = seed[: min(CHUNK, size - sent)]
        piece = n.to_bytes(8, "big") + piece[8:]
        n += 1
        sent += len(piece)
        yield piece


def _memory(pid: int) -> dict[str, int]:
    out: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            out[name] = int(value.split()[0]) * 1024
    return out


def _put(url: str, key: str, size: int) -> tuple[int, bytes, str]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=120)
    try:
        conn.putrequest("PUT", f"/obj/{key}")
        conn.putheader("Content-Length", str(size))
        conn.endheaders()
        md5 = hashlib.md5()
        for piece in _chunks(size):
            md5.update(piece)
            conn.send(piece)
        reply = conn.getresponse()
        return reply.status, reply.read(), md5.hexdigest()
    finally:
        conn.close()


def _get(url: str, key: str) -> tuple[int, int, str, str | None]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=120)
    try:
        conn.request("GET", f"/obj/{key}")
        reply = conn.getresponse()
        md5 = hashlib.md5()
        total = 0
        while piece := reply.read(CHUNK):
            md5.update(piece)
            total += len(piece)
        return reply.status, total, md5.hexdigest(), reply.getheader("content-length")
    finally:
        conn.close()


def test_a_100_mb_object_streams_in_and_out_with_bounded_memory(tmp_path: Path) -> None:
    project = make_r2_project(tmp_path / "project")
    with running_server(project, "--persist-to", str(tmp_path / "state")) as srv:
        # Warm up with smaller objects: the process reaches its steady size (V8's heap,
        # the thread pool, socket buffers) whatever the object's size.
        for _ in range(2):
            assert _put(srv.url, "warm.bin", 16 * MiB)[0] == 200
            assert _get(srv.url, "warm.bin")[0] == 200
        before = _memory(srv.proc.pid)

        status, body, md5 = _put(srv.url, "big.bin", SIZE)
        assert status == 200
        assert body == b'{"size":%d,"etag":"%s"}' % (SIZE, md5.encode())
        status, total, back, length = _get(srv.url, "big.bin")
        assert status == 200 and length == str(SIZE)
        assert total == SIZE and back == md5

        after = _memory(srv.proc.pid)
        # Holding the object (either way) would add 100 MB; streaming adds a few pieces (the
        # download is sent from the object's file at the client's pace).
        assert after["VmHWM"] - before["VmHWM"] < 40 * MiB, (before, after)
        blobs = list((tmp_path / "state" / "r2" / "test-bucket.blobs").iterdir())
        assert SIZE in [p.stat().st_size for p in blobs]
