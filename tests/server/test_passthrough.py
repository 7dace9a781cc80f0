"""Bodies a worker passes on unread (`return fetch(url)`, `new Response(object.body)`, a
cache hit) are sent by the host straight from their source: byte for byte, with their
length, while bodies the worker has started reading still go through JS."""

from __future__ import annotations

import hashlib
import http.client
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from pyworkerd.testing.server import RunningServer, running_server
from tests.server.conftest import local_origin, request, write_project

SIZE = 3 * 1024 * 1024 + 17
PAYLOAD = bytes(i % 251 for i in range(SIZE))

WORKER = r"""
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const origin = url.searchParams.get("origin");
    switch (url.pathname) {
      case "/proxy": return fetch(`${origin}/big`);
      case "/rewrap": {
        const r = await fetch(`${origin}/big`);
        return new Response(r.body, { headers: { "x-rewrapped": "yes", "content-length": r.headers.get("content-length") } });
      }
      case "/read-some": {
        const r = await fetch(`${origin}/big`);
        const reader = r.body.getReader();
        const { value } = await reader.read();
        const rest = new ReadableStream({
          async pull(c) { const next = await reader.read(); if (next.done) c.close(); else c.enqueue(next.value); },
        });
        return new Response(rest, { headers: { "x-first": String(value.byteLength) } });
      }
      case "/drop": {
        await fetch(`${origin}/big`);
        return new Response("dropped");
      }
      case "/r2-put": {
        await env.BUCKET.put("big", await (await fetch(`${origin}/big`)).arrayBuffer());
        return new Response("stored");
      }
      case "/r2-fill": {
        const bytes = new Uint8Array(Number(url.searchParams.get("mb")) * 1024 * 1024);
        for (let i = 0; i < bytes.length; i += 4096) bytes[i] = i % 251;
        await env.BUCKET.put("huge", bytes);
        return new Response("filled");
      }
      case "/r2-get": {
        const object = await env.BUCKET.get(url.searchParams.get("key") ?? "big");
        return new Response(object.body, { headers: { etag: object.httpEtag } });
      }
      case "/cache": {
        const cache = caches.default;
        const key = `${url.origin}/cached`;
        const hit = await cache.match(key);
        if (hit) return hit;
        const r = await fetch(`${origin}/big`);
        await cache.put(key, new Response(r.body, { headers: { "cache-control": "max-age=60" } }));
        return new Response("miss");
      }
    }
    return new Response("?", { status: 404 });
  },
};
"""


class _Origin(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("content-length", str(SIZE))
        self.send_header("content-type", "application/octet-stream")
        self.end_headers()
        for i in range(0, SIZE, 65536):
            self.wfile.write(PAYLOAD[i : i + 65536])

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    with local_origin(_Origin) as url:
        yield url


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    project = write_project(
        tmp_path_factory.mktemp("passthrough"),
        {"src/index.js": WORKER},
        {"r2_buckets": [{"binding": "BUCKET", "bucket_name": "pass-bucket"}]},
    )
    with running_server(project) as srv:
        yield srv


def get(server: RunningServer, origin: str, path: str) -> tuple[int, dict[str, str], bytes]:
    reply = request(server.url, f"{path}?origin={origin}")
    return reply.status, reply.headers, reply.body


DIGEST = hashlib.sha256(PAYLOAD).hexdigest()


@pytest.mark.parametrize("path", ["/proxy", "/rewrap"])
def test_a_fetched_body_passed_on_unread_arrives_whole(
    server: RunningServer, origin: str, path: str
) -> None:
    status, headers, body = get(server, origin, path)
    assert status == 200 and headers["content-length"] == str(SIZE)
    assert hashlib.sha256(body).hexdigest() == DIGEST


def test_a_body_partly_read_in_js_goes_on_from_where_js_left_it(
    server: RunningServer, origin: str
) -> None:
    status, headers, body = get(server, origin, "/read-some")
    first = int(headers["x-first"])
    assert status == 200 and 0 < first < SIZE
    assert body == PAYLOAD[first:]


def test_a_dropped_body_ends_its_request(server: RunningServer, origin: str) -> None:
    for _ in range(3):
        assert get(server, origin, "/drop")[2] == b"dropped"
    assert get(server, origin, "/proxy")[0] == 200


def test_an_r2_body_passed_on_unread(server: RunningServer, origin: str) -> None:
    assert get(server, origin, "/r2-put")[2] == b"stored"
    for _ in range(2):
        status, headers, body = get(server, origin, "/r2-get")
        assert status == 200 and headers["content-length"] == str(SIZE)
        assert hashlib.sha256(body).hexdigest() == DIGEST


def test_a_cache_hit_passed_on_unread(server: RunningServer, origin: str) -> None:
    assert get(server, origin, "/cache")[2] == b"miss"
    status, headers, body = get(server, origin, "/cache")
    assert status == 200 and headers.get("cf-cache-status") == "HIT"
    assert hashlib.sha256(body).hexdigest() == DIGEST


def test_a_slow_client_does_not_make_the_server_buffer_an_r2_object(
    server: RunningServer, origin: str
) -> None:
    """The object goes out from its file at the client's pace (granian's file response),
    not through an unbounded stream buffer."""

    def rss() -> int:
        status = Path(f"/proc/{server.proc.pid}/status").read_text()
        line = next(x for x in status.splitlines() if x.startswith("VmRSS:"))
        return int(line.split()[1]) * 1024

    mb = 48
    assert request(server.url, f"/r2-fill?mb={mb}").text == "filled"
    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    time.sleep(1.0)  # the fill's own memory settles first
    try:
        conn.request("GET", f"/r2-get?key=huge&origin={origin}")
        reply = conn.getresponse()
        got = len(reply.read(64 * 1024))
        before = rss()
        time.sleep(1.5)  # the client reads nothing for a while
        grown = rss() - before
        while piece := reply.read(1024 * 1024):
            got += len(piece)
    finally:
        conn.close()
    assert got == mb * 1024 * 1024
    assert grown < 16 * 1024 * 1024, grown
