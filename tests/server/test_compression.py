"""CompressionStream / DecompressionStream and FormData bodies in a worker, over real HTTP."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import socket
import threading
import time
import zlib
from collections.abc import Iterator
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from pyworkerd.testing import RunningServer, running_server
from tests.server.conftest import request, write_project

WORKER_JS = """
async function errorOf(promise) {
  try { await promise; return { ok: true }; } catch (e) { return { name: e.name, message: e.message }; }
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const format = url.searchParams.get("format") ?? "gzip";
    switch (url.pathname) {
      case "/compress":
        return new Response(request.body.pipeThrough(new CompressionStream(format)));
      case "/decompress":
        return new Response(request.body.pipeThrough(new DecompressionStream(format)));
      case "/decompress-error":
        return Response.json(await errorOf(
          new Response((request.body ?? new Blob([]).stream())
            .pipeThrough(new DecompressionStream(format))).arrayBuffer()));
      case "/roundtrip": {
        const text = "hello compression ".repeat(1000);
        const packed = await new Response(new Blob([text]).stream()
          .pipeThrough(new CompressionStream(format))).arrayBuffer();
        const unpacked = await new Response(new Response(packed).body
          .pipeThrough(new DecompressionStream(format))).text();
        return Response.json({ size: packed.byteLength, same: unpacked === text });
      }
      case "/constructors": {
        const out = {};
        for (const f of ["br", "GZIP", undefined]) {
          try { new CompressionStream(f); out[String(f)] = "ok"; }
          catch (e) { out[String(f)] = e.name + ": " + e.message; }
        }
        const cs = new CompressionStream("deflate");
        out.isTransform = cs instanceof TransformStream;
        out.tag = Object.prototype.toString.call(new DecompressionStream("deflate-raw"));
        const writer = cs.writable.getWriter();
        cs.readable.getReader().read().catch(() => {});
        out.stringChunk = await errorOf(writer.write("text"));
        return Response.json(out);
      }
      case "/report":
        reportError(new RangeError("reported on purpose"));
        return new Response("reported");
      case "/formdata-echo": {
        const form = await request.formData();
        const summary = [];
        for (const [name, value] of form) {
          summary.push(typeof value === "string" ? [name, value]
            : [name, value.name, value.type, value.size,
               Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", await value.arrayBuffer())))
                 .map((b) => b.toString(16).padStart(2, "0")).join("")]);
        }
        form.append("added", "by the worker");
        form.append("summary", new Blob([JSON.stringify(summary)], { type: "application/json" }), "summary.json");
        return new Response(form);
      }
    }
    return new Response("not found", { status: 404 });
  },
};
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    project = write_project(
        tmp_path_factory.mktemp("compression"), {"src/index.js": WORKER_JS}, {"name": "zip"}
    )
    with running_server(project) as srv:
        yield srv


PAYLOAD = b"".join(f"line {i}: the quick brown fox\n".encode() for i in range(20000))


def test_gzip_matches_python(server: RunningServer) -> None:
    reply = request(server.url, "/compress", method="POST", body=PAYLOAD)
    assert reply.status == 200
    assert reply.body[:2] == b"\x1f\x8b"
    assert gzip.decompress(reply.body) == PAYLOAD
    assert len(reply.body) < len(PAYLOAD) // 5


@pytest.mark.parametrize(("fmt", "wbits"), [("gzip", 31), ("deflate", 15), ("deflate-raw", -15)])
def test_each_format_both_ways(server: RunningServer, fmt: str, wbits: int) -> None:
    packed = request(server.url, f"/compress?format={fmt}", method="POST", body=PAYLOAD).body
    assert zlib.decompress(packed, wbits) == PAYLOAD
    ours = zlib.compressobj(9, zlib.DEFLATED, wbits)
    python_packed = ours.compress(PAYLOAD) + ours.flush()
    unpacked = request(server.url, f"/decompress?format={fmt}", method="POST", body=python_packed)
    assert unpacked.status == 200 and unpacked.body == PAYLOAD


def test_gunzip_python_gzip(server: RunningServer) -> None:
    reply = request(server.url, "/decompress", method="POST", body=gzip.compress(PAYLOAD))
    assert reply.body == PAYLOAD


def test_roundtrip_inside_the_worker(server: RunningServer) -> None:
    for fmt in ("gzip", "deflate", "deflate-raw"):
        result = request(server.url, f"/roundtrip?format={fmt}").json()
        assert result["same"] is True and result["size"] < 1000


def test_decompression_errors_are_workerd_type_errors(server: RunningServer) -> None:
    def error(body: bytes, fmt: str = "gzip") -> object:
        return request(
            server.url, f"/decompress-error?format={fmt}", method="POST", body=body
        ).json()

    assert error(b"this is not gzip at all") == {
        "name": "TypeError",
        "message": "Decompression failed.",
    }
    assert error(gzip.compress(b"abc") + b"trailing") == {
        "name": "TypeError",
        "message": "Trailing bytes after end of compressed data",
    }
    assert error(gzip.compress(PAYLOAD)[:100]) == {
        "name": "TypeError",
        "message": "Called close() on a decompression stream with incomplete data",
    }
    assert error(b"") == {
        "name": "TypeError",
        "message": "Called close() on a decompression stream with incomplete data",
    }
    assert error(zlib.compress(b"ok"), "deflate") == {"ok": True}


def test_constructor_checks_format_and_chunks(server: RunningServer) -> None:
    message = "The compression format must be either 'deflate', 'deflate-raw' or 'gzip'."
    out = request(server.url, "/constructors").json()
    assert out["br"] == f"TypeError: {message}"
    assert out["GZIP"] == f"TypeError: {message}"
    assert out["undefined"] == f"TypeError: {message}"
    assert out["isTransform"] is True
    assert out["tag"] == "[object DecompressionStream]"
    assert out["stringChunk"]["name"] == "TypeError"
    assert "received a string on its writable side" in out["stringChunk"]["message"]


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _dechunk(data: bytes) -> bytes:
    out = bytearray()
    pos = 0
    while True:
        eol = data.index(b"\r\n", pos)
        size = int(data[pos:eol].split(b";")[0], 16)
        if size == 0:
            return bytes(out)
        out += data[eol + 2 : eol + 2 + size]
        pos = eol + 2 + size + 2


def _duplex(url: str, path: str, block: bytes, count: int) -> tuple[bytes, int]:
    """POST `count` copies of `block` chunked from one thread while the reply is read in
    this one. (reply body, request bytes sent when the first MiB of the reply had come)."""
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    sock = socket.create_connection((parts.hostname, parts.port), timeout=120)
    sent = 0

    def send() -> None:
        nonlocal sent
        head = f"POST {path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        sock.sendall(head.encode())
        for _ in range(count):
            sock.sendall(b"%x\r\n" % len(block) + block + b"\r\n")
            sent += len(block)
        sock.sendall(b"0\r\n\r\n")

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    raw = bytearray()
    sent_at_first_mib = -1
    try:
        while not (b"\r\n\r\n" in raw and raw.endswith(b"\r\n0\r\n\r\n")):
            piece = sock.recv(1 << 16)
            if not piece:
                break
            raw += piece
            if sent_at_first_mib < 0 and len(raw) > 1 << 20:
                sent_at_first_mib = sent
    finally:
        sender.join(60)
        sock.close()
    head, _, body = bytes(raw).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    assert b"transfer-encoding: chunked" in head.lower()
    return _dechunk(body), sent_at_first_mib


def test_twenty_megabytes_stream_with_bounded_memory(server: RunningServer) -> None:
    block = os.urandom(64 * 1024)  # incompressible: the output is as large as the input
    count = 320  # 20 MiB
    total = len(block) * count
    pid = server.proc.pid
    # One pass first, so V8's heap and the allocators reach their working size.
    _duplex(server.url, "/compress", block, count)
    before = _rss_kb(pid)
    peak = before
    stop = threading.Event()

    def watch() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _rss_kb(pid))
            time.sleep(0.01)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        packed, sent_at_first_mib = _duplex(server.url, "/compress", block, count)
    finally:
        stop.set()
        watcher.join()
    unpacked = zlib.decompress(packed, 31)
    assert len(unpacked) == total and unpacked == block * count
    # Streamed through: compressed output flowed back while most of the body was unsent.
    assert 0 <= sent_at_first_mib < total // 2, sent_at_first_mib
    # Usually ~1 MiB; V8's heap and the allocators sometimes take a few dozen more.
    assert (peak - before) < 48 * 1024, f"RSS grew by {(peak - before) // 1024} MiB"


def _multipart(boundary: str, parts: list[tuple[str, str | None, str | None, bytes]]) -> bytes:
    out = b""
    for name, filename, ctype, data in parts:
        out += f"--{boundary}\r\n".encode()
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        out += f"Content-Disposition: {disposition}\r\n".encode()
        if ctype is not None:
            out += f"Content-Type: {ctype}\r\n".encode()
        out += b"\r\n" + data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


def test_multipart_upload_round_trips_through_form_data(server: RunningServer) -> None:
    binary = bytes(range(256)) * 40 + b"\r\n--not-the-boundary\r\n"
    body = _multipart(
        "----PythonBoundary7MA4YWxk",
        [
            ("title", None, None, "héllo wörld".encode()),
            ("upload", "data.bin", "application/octet-stream", binary),
            ("note", "note.txt", "text/plain", b"plain text file"),
            ("title", None, None, b"second"),
        ],
    )
    reply = request(
        server.url,
        "/formdata-echo",
        method="POST",
        body=body,
        headers={"content-type": "multipart/form-data; boundary=----PythonBoundary7MA4YWxk"},
    )
    assert reply.status == 200, reply.text
    ctype = reply.headers["content-type"]
    assert ctype.startswith("multipart/form-data; boundary=")
    boundary = ctype.split("boundary=", 1)[1]
    assert len(boundary) == 32 and all(c in "0123456789abcdef" for c in boundary)

    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + reply.body
    )
    parts = [
        (
            p.get_param("name", header="content-disposition"),
            p.get_filename(),
            p.get_content_type(),
            bytes(p.get_payload(decode=True)),
        )
        for p in message.iter_parts()
    ]
    assert [p[0] for p in parts] == ["title", "upload", "note", "title", "added", "summary"]
    assert parts[0][3] == "héllo wörld".encode()
    assert parts[1][1:] == ("data.bin", "application/octet-stream", binary)
    assert parts[2][1:] == ("note.txt", "text/plain", b"plain text file")
    assert parts[4][3] == b"by the worker"
    assert parts[5][1:3] == ("summary.json", "application/json")
    summary = json.loads(parts[5][3])
    assert summary == [
        ["title", "héllo wörld"],
        [
            "upload",
            "data.bin",
            "application/octet-stream",
            len(binary),
            hashlib.sha256(binary).hexdigest(),
        ],
        ["note", "note.txt", "text/plain", 15, hashlib.sha256(b"plain text file").hexdigest()],
        ["title", "second"],
    ]


def test_urlencoded_form(server: RunningServer) -> None:
    reply = request(
        server.url,
        "/formdata-echo",
        method="POST",
        body=b"a=1&b=two+words&c=%E2%9C%93",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert reply.status == 200
    assert b'name="b"\r\n\r\ntwo words\r\n' in reply.body
    assert 'name="c"\r\n\r\n✓\r\n'.encode() in reply.body


def test_report_error_logs_uncaught(server: RunningServer) -> None:
    start = server.line_count()
    assert request(server.url, "/report").text == "reported"
    server.wait_for_output(r"Uncaught RangeError: reported on purpose", start=start)
