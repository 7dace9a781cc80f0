"""HTMLRewriter streams: first bytes out before the origin's last bytes in; 100 MB in bounded
memory."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from pyworkerd.testing import RunningServer, running_server
from tests.server.conftest import local_origin, request, write_project

WORKER_JS = """
const enc = new TextEncoder();
export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/gate") {
      const origin = await fetch(url.searchParams.get("origin"));
      return new HTMLRewriter()
        .on("p", { element(e) { e.setAttribute("seen", "1"); } })
        .transform(origin);
    }
    if (url.pathname === "/big") {
      const total = Number(url.searchParams.get("mb")) * 1024 * 1024;
      const piece = enc.encode(("<p class=x>" + "some text, ".repeat(500) + "</p>\\n").repeat(12));
      let sent = 0;
      const source = new ReadableStream({
        pull(c) {
          if (sent >= total) { c.close(); return; }
          c.enqueue(piece);
          sent += piece.byteLength;
        },
      });
      let seen = 0;
      return new HTMLRewriter()
        .on("h1", { element(e) { seen++; } })
        .onDocument({ end(end) { end.append(`<!-- ${sent} -->`, { html: true }); } })
        .transform(new Response(source, { headers: { "content-type": "text/html" } }));
    }
    return new Response("not found", { status: 404 });
  },
};
"""

FIRST = b"<html><body><p>first</p>"
LAST = b"<p>last</p></body></html>"


class _Gate(BaseHTTPRequestHandler):
    """Sends FIRST, then LAST only once the test opens the gate."""

    gate = threading.Event()

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/html")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        for part, wait in ((FIRST, False), (LAST, True)):
            if wait and not self.gate.wait(30):
                return
            self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    with local_origin(_Gate) as url:
        yield f"{url}/"
        _Gate.gate.set()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    project = write_project(
        tmp_path_factory.mktemp("rewrite-stream"), {"src/index.js": WORKER_JS}, {"name": "rs"}
    )
    with running_server(project, command="serve") as srv:
        yield srv


def test_first_bytes_leave_before_the_last_arrive(server: RunningServer, origin: str) -> None:
    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        conn.request("GET", f"/gate?origin={origin}")
        resp = conn.getresponse()
        assert resp.status == 200
        got = b""
        while b"first</p>" not in got:
            chunk = resp.read1(65536)
            assert chunk, f"the body ended early: {got!r}"
            got += chunk
        assert not _Gate.gate.is_set()  # the origin has not sent LAST yet
        _Gate.gate.set()
        got += resp.read()
    finally:
        conn.close()
    assert got == b'<html><body><p seen="1">first</p><p seen="1">last</p></body></html>'


def _peak_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def test_100_mb_pass_in_bounded_memory(server: RunningServer) -> None:
    # Warm up (the Wasm compiled, V8's heap grown to its working size), then 100 MiB must
    # pass without the peak RSS growing by anything like the body: a buffered body would
    # add ≥ 100 MiB (input) plus the output.
    assert request(server.url, "/big?mb=20").status == 200
    before = _peak_rss_kib(server.proc.pid)
    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=120)
    size = 0
    tail = b""
    try:
        conn.request("GET", "/big?mb=100")
        resp = conn.getresponse()
        assert resp.status == 200
        while chunk := resp.read1(1 << 20):
            size += len(chunk)
            tail = (tail + chunk)[-64:]
    finally:
        conn.close()
    assert size > 100 * 1024 * 1024
    assert tail.endswith(b"-->")
    grown_mib = (_peak_rss_kib(server.proc.pid) - before) / 1024
    assert grown_mib < 80, f"peak RSS grew {grown_mib:.0f} MiB while rewriting 100 MiB"
