"""The HTTP front end: size limits, malformed input, streaming both ways, graceful stop."""

from __future__ import annotations

import http.client
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from pyworkerd.testing import RunningServer, running_server, start_server
from tests.server.conftest import request, write_project

WORKER = """
export default {
  async fetch(request) {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/count": {
        let n = 0;
        for await (const chunk of request.body) n += chunk.byteLength;
        return Response.json({ n });
      }
      case "/generate": {
        const total = Number(url.searchParams.get("bytes"));
        const block = new Uint8Array(65536).fill(97);
        let sent = 0;
        return new Response(new ReadableStream({
          pull(controller) {
            if (sent >= total) { controller.close(); return; }
            const n = Math.min(block.length, total - sent);
            controller.enqueue(block.slice(0, n));
            sent += n;
          },
        }));
      }
      case "/pipe":
        return new Response(request.body);
      case "/slow":
        await scheduler.wait(700);
        return new Response("finished");
      case "/path":
        return new Response(url.pathname + url.search);
      case "/rewrapped": {
        const inner = new Response("hello");
        return new Response(inner.body, inner);
      }
      case "/fixed": {
        const { readable, writable } = new FixedLengthStream(5);
        const writer = writable.getWriter();
        writer.write(new TextEncoder().encode("hello"));
        writer.close();
        return new Response(readable);
      }
      case "/unknown-length":
        return new Response(new ReadableStream({
          start(c) { c.enqueue(new TextEncoder().encode("hello")); c.close(); },
        }), { headers: { "content-length": "5" } });
      case "/wrong-length":
        return new Response("x", { headers: { "content-length": "99" } });
    }
    return new Response("ok");
  },
};
"""

MB = 1024 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    root = write_project(
        tmp_path_factory.mktemp("front"), {"src/index.js": WORKER}, {"name": "front"}
    )
    with running_server(root, "--max-body-mb", "2048", command="serve") as srv:
        yield srv


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def connect(url: str) -> http.client.HTTPConnection:
    parts = urlsplit(url)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)


def test_oversized_body_header_and_url_are_rejected_by_the_front_end(server: RunningServer) -> None:
    conn = connect(server.url)
    conn.putrequest("POST", "/count")
    conn.putheader("content-length", str(2049 * MB))
    conn.endheaders()
    resp = conn.getresponse()
    assert resp.status == 413
    conn.close()
    big_header = {"x-big": "a" * (130 * 1024)}
    assert request(server.url, "/", headers=big_header).status == 431
    assert request(server.url, "/" + "a" * (17 * 1024)).status == 414
    assert request(server.url, "/").status == 200


def test_malformed_requests_get_400_and_never_crash(server: RunningServer) -> None:
    parts = urlsplit(server.url)
    for garbage in (b"NOT HTTP AT ALL\r\n\r\n", b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n"):
        with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
            sock.sendall(garbage)
            data = sock.recv(4096)
        assert data.startswith(b"HTTP/1.1 400"), data[:80]
    assert request(server.url, "/").status == 200
    assert server.proc.poll() is None


def test_path_and_query_reach_the_worker_encoded(server: RunningServer) -> None:
    assert request(server.url, "/path?q=a%20b&r=%2F").text == "/path?q=a%20b&r=%2F"


def test_framing_follows_workerd_known_lengths_are_sent_others_chunked(
    server: RunningServer,
) -> None:
    for path in ("/rewrapped", "/fixed"):
        reply = request(server.url, path)
        assert (reply.body, reply.headers.get("content-length")) == (b"hello", "5"), path
        assert "transfer-encoding" not in reply.headers
    unknown = request(server.url, "/unknown-length")
    assert unknown.body == b"hello" and unknown.headers.get("transfer-encoding") == "chunked"
    wrong = request(server.url, "/wrong-length")
    assert wrong.body == b"x" and wrong.headers["content-length"] == "1"
    piped = request(server.url, "/pipe", method="POST", body=b"y" * 300_000)
    assert piped.headers["content-length"] == "300000" and len(piped.body) == 300_000


def test_a_large_upload_streams_with_bounded_memory(server: RunningServer) -> None:
    total = 1024 * MB
    before = rss_mb(server.proc.pid)
    peak = before
    conn = connect(server.url)
    conn.putrequest("POST", "/count")
    conn.putheader("content-length", str(total))
    conn.endheaders()
    block = b"z" * MB
    for i in range(total // MB):
        conn.send(block)
        if i % 64 == 0:
            peak = max(peak, rss_mb(server.proc.pid))
    resp = conn.getresponse()
    assert resp.status == 200
    assert resp.read() == b'{"n":%d}' % total
    conn.close()
    assert peak - before < 150, f"RSS grew {peak - before:.0f} MB for a {total // MB} MB upload"


def test_a_large_download_streams_with_bounded_memory(server: RunningServer) -> None:
    total = 1024 * MB
    before = rss_mb(server.proc.pid)
    peak = before
    conn = connect(server.url)
    conn.request("GET", f"/generate?bytes={total}")
    resp = conn.getresponse()
    assert resp.status == 200
    received = 0
    while chunk := resp.read(MB):
        received += len(chunk)
        if received % (64 * MB) < MB:
            peak = max(peak, rss_mb(server.proc.pid))
    conn.close()
    assert received == total
    assert peak - before < 150, f"RSS grew {peak - before:.0f} MB for a {total // MB} MB download"


def test_a_body_piped_through_the_worker_comes_back_intact(server: RunningServer) -> None:
    payload = bytes(range(256)) * 4096 * 3  # 3 MiB, every byte value
    conn = connect(server.url)
    conn.request(
        "POST", "/pipe", body=payload, headers={"content-type": "application/octet-stream"}
    )
    resp = conn.getresponse()
    assert resp.status == 200 and resp.read() == payload
    conn.close()


def test_sigterm_finishes_requests_in_flight_then_exits(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"src/index.js": WORKER}, {"name": "graceful"})
    srv = start_server(root, command="serve")
    results: list[str] = []
    worker = threading.Thread(target=lambda: results.append(request(srv.url, "/slow").text))
    worker.start()
    time.sleep(0.3)
    status = srv.stop(signal.SIGTERM)
    worker.join(10)
    assert results == ["finished"]
    assert status == 0
    assert "shutting down" in srv.output()
