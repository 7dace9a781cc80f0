"""Content-Encoding on the way out, as workerd does it: a declared gzip/deflate/br body is
encoded by the runtime unless the worker said encodeBody: "manual"."""

from __future__ import annotations

import gzip
import http.client
from collections.abc import Iterator
from urllib.parse import urlsplit

import brotli
import pytest

from pyworkerd.testing import RunningServer, running_server
from tests.server.conftest import write_project

WORKER = """
export default {
  async fetch(request) {
    const url = new URL(request.url);
    const encoding = url.searchParams.get("e");
    const text = "hello hello hello ".repeat(1000);
    if (url.pathname === "/manual") {
      const bytes = new Uint8Array(await new Response(
        new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer());
      return new Response(bytes, { headers: { "content-encoding": "gzip" }, encodeBody: "manual" });
    }
    if (url.pathname === "/stream") {
      return new Response(new Blob([text]).stream(), { headers: { "content-encoding": encoding } });
    }
    return new Response(text, { headers: { "content-encoding": encoding } });
  },
};
"""
TEXT = b"hello hello hello " * 1000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    root = write_project(tmp_path_factory.mktemp("enc"), {"src/index.js": WORKER}, {"name": "enc"})
    with running_server(root) as srv:
        yield srv


def raw(url: str, path: str) -> tuple[dict[str, str], bytes]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request("GET", path)
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return {k.lower(): v for k, v in resp.getheaders()}, body


@pytest.mark.parametrize("path", ["/", "/stream"])
def test_declared_encodings_are_applied(server: RunningServer, path: str) -> None:
    decoders = {"gzip": gzip.decompress, "br": brotli.decompress}
    for name, decode in decoders.items():
        headers, body = raw(server.url, f"{path}?e={name}")
        assert headers["content-encoding"] == name
        assert "content-length" not in headers
        assert decode(body) == TEXT, name


def test_manual_bodies_go_out_as_they_are(server: RunningServer) -> None:
    headers, body = raw(server.url, "/manual")
    assert headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == TEXT


def test_other_encodings_are_left_alone(server: RunningServer) -> None:
    for name in ("identity", "deflate"):
        headers, body = raw(server.url, f"/?e={name}")
        assert body == TEXT and headers["content-length"] == str(len(TEXT)), name
