"""examples/uploads, KV and R2 together, served by the real `pyworkerd dev` over HTTP.

One server for the module, its state in a temp dir (`--persist-to`) that the CLI reads too.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import random
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from pyworkerd.testing import RunningServer, run_cli, running_server
from tests.server.conftest import Reply, request

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "uploads"
BUCKET = "uploads-files"  # r2_buckets[0].bucket_name in examples/uploads/wrangler.jsonc
BIG_SIZE = 5 * 1024 * 1024 + 3


@dataclass(frozen=True)
class Upload:
    name: str
    path: str  # the URL path
    body: bytes
    content_type: str
    reply: Reply

    @property
    def etag(self) -> str:
        return hashlib.md5(self.body).hexdigest()


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("uploads-state")


@pytest.fixture(scope="module")
def server(state: Path) -> Iterator[RunningServer]:
    with running_server(EXAMPLE, "--persist-to", str(state)) as srv:
        yield srv


@pytest.fixture
def request_fixture(request: pytest.FixtureRequest) -> pytest.FixtureRequest:
    # `request` is also the name of the HTTP helper in this module
    return request


def put(server: RunningServer, path: str, body: bytes, content_type: str) -> Reply:
    return request(
        server.url, path, method="PUT", body=body, headers={"Content-Type": content_type}
    )


@pytest.fixture(scope="module")
def big(server: RunningServer) -> Upload:
    body = random.Random(1234).randbytes(BIG_SIZE)
    reply = put(server, "/files/big.bin", body, "application/x-test-data")
    return Upload("big.bin", "/files/big.bin", body, "application/x-test-data", reply)


@pytest.fixture(scope="module")
def small(server: RunningServer) -> Upload:
    body = "hello, uploads ✓\n".encode()
    path = "/files/notes/hello%20world.txt"
    reply = put(server, path, body, "text/plain; charset=utf-8")
    return Upload("notes/hello world.txt", path, body, "text/plain; charset=utf-8", reply)


def cli(state: Path, *args: str) -> str:
    out = run_cli([*args, "--persist-to", str(state)], cwd=EXAMPLE)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def expected_info(upload: Upload) -> dict[str, object]:
    return {
        "name": upload.name,
        "size": len(upload.body),
        "contentType": upload.content_type,
        "etag": upload.etag,
        "sha256": hashlib.sha256(upload.body).hexdigest(),
    }


# ---------------------------------------------------------------- upload


@pytest.mark.parametrize("which", ["big", "small"])
def test_put_is_201_with_the_details(which: str, request_fixture: pytest.FixtureRequest) -> None:
    upload: Upload = request_fixture.getfixturevalue(which)
    r = upload.reply
    assert (r.status, r.reason) == (201, "Created"), r.body
    assert r.header("content-type") == "application/json"
    assert r.header("etag") == f'"{upload.etag}"'
    info = r.json()
    uploaded = info.pop("uploaded")
    assert info == expected_info(upload)
    # R2's upload time, as ISO 8601 with milliseconds, in the last minute
    assert uploaded.endswith("Z")
    when = time.mktime(time.strptime(uploaded[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
    assert abs(time.time() - when) < 60
    assert r.header("location") == "/files/" + quote(upload.name, safe="")


def test_list_has_both_files(server: RunningServer, big: Upload, small: Upload) -> None:
    r = request(server.url, "/files")
    assert r.status == 200
    assert r.header("content-type") == "application/json"
    files = {f["name"]: f for f in r.json()["files"]}
    assert set(files) >= {big.name, small.name}
    for upload in (big, small):
        assert files[upload.name] == upload.reply.json()


def test_put_replaces_a_file(server: RunningServer) -> None:
    assert put(server, "/files/replaced", b"first version", "text/plain").status == 201
    r = put(server, "/files/replaced", b"second", "text/csv")
    assert r.status == 201
    assert r.json()["size"] == 6
    got = request(server.url, "/files/replaced")
    assert (got.body, got.header("content-type")) == (b"second", "text/csv")
    listed = [f for f in request(server.url, "/files").json()["files"] if f["name"] == "replaced"]
    assert listed == [r.json()]


def test_empty_file(server: RunningServer) -> None:
    r = put(server, "/files/empty", b"", "application/octet-stream")
    assert r.status == 201
    assert r.json()["size"] == 0
    assert r.json()["sha256"] == hashlib.sha256(b"").hexdigest()
    got = request(server.url, "/files/empty")
    assert (got.status, got.body, got.header("content-length")) == (200, b"", "0")


def test_chunked_upload_is_411(server: RunningServer) -> None:
    parts = urlsplit(server.url)
    assert parts.hostname is not None
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request("PUT", "/files/chunked", body=iter([b"abc", b"def"]), encode_chunked=True)
        resp = conn.getresponse()
        assert resp.status == 411
        assert json.loads(resp.read()) == {"error": "Content-Length is required"}
    finally:
        conn.close()
    assert request(server.url, "/files/chunked").status == 404


def test_cut_off_upload_stores_nothing(server: RunningServer) -> None:
    parts = urlsplit(server.url)
    assert parts.hostname is not None and parts.port is not None
    start = server.line_count()
    with socket.create_connection((parts.hostname, parts.port)) as sock:
        sock.sendall(
            b"PUT /files/cut-off HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n"
            b"Content-Type: text/plain\r\n\r\n" + b"x" * 300_000
        )
        time.sleep(0.3)
    # the worker sees its body end early: the R2 put fails, nothing is indexed
    server.wait_for_output(r"PUT /files/cut-off 500", start=start)
    assert request(server.url, "/files/cut-off").status == 404
    names = [f["name"] for f in request(server.url, "/files").json()["files"]]
    assert "cut-off" not in names


# ---------------------------------------------------------------- download


@pytest.mark.parametrize("which", ["big", "small"])
def test_get_is_byte_for_byte(which: str, request_fixture: pytest.FixtureRequest) -> None:
    server: RunningServer = request_fixture.getfixturevalue("server")
    upload: Upload = request_fixture.getfixturevalue(which)
    r = request(server.url, upload.path)
    assert (r.status, r.reason) == (200, "OK")
    assert r.header("content-length") == str(len(upload.body))
    assert r.header("content-type") == upload.content_type  # writeHttpMetadata
    assert r.header("etag") == f'"{upload.etag}"'
    assert r.header("accept-ranges") == "bytes"
    assert r.header("last-modified") is not None
    assert r.header("content-range") is None
    assert len(r.body) == len(upload.body)
    assert hashlib.sha256(r.body).digest() == hashlib.sha256(upload.body).digest()
    assert r.body == upload.body


def test_head_has_the_headers_and_no_body(server: RunningServer, big: Upload) -> None:
    r = request(server.url, big.path, method="HEAD")
    assert r.status == 200
    assert r.header("content-length") == str(BIG_SIZE)
    assert r.header("etag") == f'"{big.etag}"'
    assert r.header("content-type") == big.content_type
    assert r.body == b""


def test_if_none_match_is_304(server: RunningServer, small: Upload) -> None:
    etag = f'"{small.etag}"'
    for value in (etag, f'"other", {etag}', "*"):
        r = request(server.url, small.path, headers={"If-None-Match": value})
        assert (r.status, r.reason) == (304, "Not Modified"), value
        assert r.body == b""
        assert r.header("etag") == etag
    # a different tag gets the body
    r = request(server.url, small.path, headers={"If-None-Match": '"other"'})
    assert (r.status, r.body) == (200, small.body)


def test_if_none_match_on_the_big_file(server: RunningServer, big: Upload) -> None:
    r = request(server.url, big.path, headers={"If-None-Match": f'"{big.etag}"'})
    assert (r.status, r.body) == (304, b"")


def test_if_match_failure_is_412(server: RunningServer, small: Upload) -> None:
    r = request(server.url, small.path, headers={"If-Match": '"not-the-etag"'})
    assert (r.status, r.body) == (412, b"")
    r = request(server.url, small.path, headers={"If-Match": f'"{small.etag}"'})
    assert (r.status, r.body) == (200, small.body)


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-99", 0, 100),
        ("bytes=1048576-2097151", 1048576, 2097152),
        ("bytes=5000000-", 5000000, BIG_SIZE),
        ("bytes=-1000", BIG_SIZE - 1000, BIG_SIZE),
        (f"bytes={BIG_SIZE - 10}-{BIG_SIZE + 500}", BIG_SIZE - 10, BIG_SIZE),
        ("bytes=7-7", 7, 8),
    ],
)
def test_range_is_206(
    server: RunningServer, big: Upload, header: str, start: int, end: int
) -> None:
    r = request(server.url, big.path, headers={"Range": header})
    assert (r.status, r.reason) == (206, "Partial Content")
    assert r.header("content-range") == f"bytes {start}-{end - 1}/{BIG_SIZE}"
    assert r.header("content-length") == str(end - start)
    assert r.header("etag") == f'"{big.etag}"'
    assert r.body == big.body[start:end]


def test_range_on_the_small_file(server: RunningServer, small: Upload) -> None:
    r = request(server.url, small.path, headers={"Range": "bytes=0-4"})
    assert (r.status, r.body) == (206, small.body[:5])
    # a range R2 cannot satisfy is ignored: the whole file
    r = request(server.url, small.path, headers={"Range": "bytes=1000-"})
    assert (r.status, r.body, r.header("content-range")) == (200, small.body, None)


def test_range_and_if_none_match(server: RunningServer, big: Upload) -> None:
    etag = f'"{big.etag}"'
    r = request(server.url, big.path, headers={"Range": "bytes=0-9", "If-None-Match": etag})
    assert (r.status, r.body) == (304, b"")
    r = request(server.url, big.path, headers={"Range": "bytes=0-9", "If-None-Match": '"x"'})
    assert (r.status, r.body) == (206, big.body[:10])


def test_missing_file_is_404(server: RunningServer) -> None:
    r = request(server.url, "/files/nope")
    assert r.status == 404
    assert r.json() == {"error": 'No file named "nope"'}


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/", 404),
        ("GET", "/other", 404),
        ("POST", "/files", 405),
        ("POST", "/files/x", 405),
        ("PATCH", "/files/x", 405),
        ("PUT", "/files/", 400),
        pytest.param(
            "GET",
            "/files/%E0%A4%A",
            400,
            marks=pytest.mark.xfail(
                strict=True,
                reason="the front end percent-decodes the path and re-encodes it, so the "
                "worker sees /files/%EF%BF%BD%25A (a valid escape) instead of the raw path",
            ),
        ),
    ],
)
def test_other_requests(server: RunningServer, method: str, path: str, status: int) -> None:
    r = request(server.url, path, method=method, body=b"" if method in ("POST", "PUT") else None)
    assert r.status == status, r.body
    assert "error" in r.json()
    if status == 405:
        assert r.header("allow") is not None


def test_name_too_long_is_400(server: RunningServer) -> None:
    assert put(server, "/files/" + "a" * 507, b"ok", "text/plain").status == 201
    r = put(server, "/files/" + "a" * 508, b"no", "text/plain")
    assert r.status == 400
    assert r.json() == {"error": "The file name is longer than 507 bytes"}


# ---------------------------------------------------------------- state, through the CLI


def test_cli_sees_the_index(state: Path, big: Upload, small: Upload) -> None:
    keys = json.loads(cli(state, "kv", "key", "list", "--binding", "INDEX", "--prefix", "file:"))
    by_name = {k["name"]: k for k in keys}
    for upload in (big, small):
        info = upload.reply.json()
        key = by_name["file:" + upload.name]
        assert key["metadata"] == {k: v for k, v in info.items() if k != "name"}
        value = cli(state, "kv", "key", "get", "file:" + upload.name, "--binding", "INDEX")
        assert json.loads(value) == info


@pytest.mark.parametrize("which", ["big", "small"])
def test_cli_reads_the_objects(
    which: str, state: Path, tmp_path: Path, request_fixture: pytest.FixtureRequest
) -> None:
    upload: Upload = request_fixture.getfixturevalue(which)
    out = tmp_path / "copy"
    cli(state, "r2", "object", "get", f"{BUCKET}/{upload.name}", "--file", str(out))
    assert out.read_bytes() == upload.body


def test_cli_upload_is_served_but_not_listed(
    server: RunningServer, state: Path, tmp_path: Path
) -> None:
    # an object put straight into R2 has no index entry: it is served, not listed
    src = tmp_path / "direct.txt"
    content = b"put with the CLI\n"
    src.write_bytes(content)
    cli(
        state,
        "r2",
        "object",
        "put",
        f"{BUCKET}/direct.txt",
        "--file",
        str(src),
        "--content-type",
        "text/markdown",
    )
    r = request(server.url, "/files/direct.txt")
    assert (r.status, r.body, r.header("content-type")) == (
        200,
        b"put with the CLI\n",
        "text/markdown",
    )
    assert r.header("etag") == f'"{hashlib.md5(content).hexdigest()}"'
    names = [f["name"] for f in request(server.url, "/files").json()["files"]]
    assert "direct.txt" not in names
    assert request(server.url, "/files/direct.txt", method="DELETE").status == 204
    assert request(server.url, "/files/direct.txt").status == 404


# ---------------------------------------------------------------- delete


def test_delete_removes_object_and_index(server: RunningServer, state: Path) -> None:
    body = b"short-lived\n" * 1000
    assert put(server, "/files/tmp/delete-me.txt", body, "text/plain").status == 201
    assert request(server.url, "/files/tmp/delete-me.txt").body == body

    r = request(server.url, "/files/tmp/delete-me.txt", method="DELETE")
    assert (r.status, r.body) == (204, b"")
    assert request(server.url, "/files/tmp/delete-me.txt").status == 404
    assert request(server.url, "/files/tmp/delete-me.txt", method="DELETE").status == 404
    names = [f["name"] for f in request(server.url, "/files").json()["files"]]
    assert "tmp/delete-me.txt" not in names

    keys = json.loads(cli(state, "kv", "key", "list", "--binding", "INDEX"))
    assert "file:tmp/delete-me.txt" not in [k["name"] for k in keys]
    gone = run_cli(
        [
            "r2",
            "object",
            "get",
            f"{BUCKET}/tmp/delete-me.txt",
            "--pipe",
            "--persist-to",
            str(state),
        ],
        cwd=EXAMPLE,
    )
    assert gone.returncode != 0
    assert gone.stdout == ""


def test_the_big_file_survives_everything(server: RunningServer, big: Upload) -> None:
    # after every other test: still listed and still byte-for-byte
    r = request(server.url, big.path)
    assert r.body == big.body
    names = [f["name"] for f in request(server.url, "/files").json()["files"]]
    assert big.name in names
