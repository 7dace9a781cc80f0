"""examples/hono, a Hono app installed from npm, served by the real `pyworkerd dev` over HTTP.

The project is copied to a temp dir and installed there with `npm ci` from its lock file, so
the test exercises exactly what a user who clones the example gets.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from pyworkerd.testing import RunningServer, running_server
from tests.examples.conftest import Reply, request

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "hono"
GREETING = "Hello from Hono"  # vars.GREETING in examples/hono/wrangler.jsonc

# What hono/secure-headers adds to every response (its defaults).
SECURE_HEADERS = {
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "origin-agent-cluster": "?1",
    "referrer-policy": "no-referrer",
    "strict-transport-security": "max-age=15552000; includeSubDomains",
    "x-content-type-options": "nosniff",
    "x-dns-prefetch-control": "off",
    "x-download-options": "noopen",
    "x-frame-options": "SAMEORIGIN",
    "x-permitted-cross-domain-policies": "none",
    "x-xss-protection": "0",
}
CORS_ALLOWED = "https://example.com"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example copied to a temp dir, with its dependencies installed by `npm ci`."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed: it is needed to install hono for examples/hono")
    root = tmp_path_factory.mktemp("examples") / "hono"
    shutil.copytree(
        EXAMPLE, root, ignore=shutil.ignore_patterns("node_modules", ".pyworkerd", ".wrangler")
    )
    proc = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"npm ci failed:\n{proc.stdout}\n{proc.stderr}"
    assert (root / "node_modules" / "hono" / "package.json").is_file()
    return root


@pytest.fixture(scope="module")
def server(project: Path) -> Iterator[RunningServer]:
    with running_server(project) as srv:
        yield srv


def assert_middleware_headers(r: Reply) -> None:
    """The timing middleware's header and secure-headers' set, each sent once."""
    timing = r.header("x-response-time")
    assert timing is not None and timing.endswith("ms") and timing[:-2].isdigit(), timing
    for name, value in SECURE_HEADERS.items():
        assert r.header(name) == value, name


def assert_json(r: Reply, status: int, body: object) -> None:
    assert r.status == status, r.body
    assert r.header("content-type") == "application/json"
    assert r.json() == body
    assert_middleware_headers(r)


# --- routes -------------------------------------------------------------------------------


def test_root_text_reads_var(server: RunningServer) -> None:
    r = request(server.url, "/")
    assert (r.status, r.reason) == (200, "OK")
    assert r.header("content-type") == "text/plain;charset=UTF-8"
    assert r.body == f"{GREETING}!".encode()
    assert_middleware_headers(r)


def test_json(server: RunningServer) -> None:
    r = request(server.url, "/json")
    assert_json(r, 200, {"message": GREETING, "framework": "hono", "ok": True})
    # c.json writes compact JSON, as JSON.stringify does.
    assert r.body == b'{"message":"Hello from Hono","framework":"hono","ok":true}'


def test_path_param_and_query(server: RunningServer) -> None:
    r = request(server.url, "/users/42?fields=name,email&tag=a&tag=b")
    assert_json(r, 200, {"id": "42", "fields": "name,email", "tags": ["a", "b"]})


def test_path_param_without_query(server: RunningServer) -> None:
    r = request(server.url, "/users/abc")
    assert_json(r, 200, {"id": "abc", "fields": None, "tags": []})


def test_path_param_is_percent_decoded(server: RunningServer) -> None:
    r = request(server.url, "/users/%E2%9C%93%20x?fields=caf%C3%A9")
    assert_json(r, 200, {"id": "✓ x", "fields": "café", "tags": []})


def test_echo_json_body(server: RunningServer) -> None:
    payload = {"a": [1, 2.5, {"b": None}], "s": "é ✓", "t": True}
    r = request(
        server.url,
        "/echo",
        method="POST",
        body=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert (r.status, r.reason) == (201, "Created")
    assert_json(r, 201, {"received": payload})


def test_echo_invalid_json_goes_to_on_error(server: RunningServer) -> None:
    # c.req.json() rejects with a SyntaxError, which onError turns into its 500 JSON.
    r = request(
        server.url,
        "/echo",
        method="POST",
        body=b"{bad json",
        headers={"Content-Type": "application/json"},
    )
    assert r.status == 500
    out = r.json()
    assert out["error"] == "internal"
    assert "JSON" in out["message"]


def test_get_on_post_route_is_not_found(server: RunningServer) -> None:
    r = request(server.url, "/echo")
    assert_json(r, 404, {"error": "not found", "path": "/echo"})


def test_headers_route_reads_request_headers(server: RunningServer) -> None:
    r = request(server.url, "/headers", headers={"X-Client": "pytest", "Accept": "text/html"})
    assert_json(r, 200, {"client": "pytest", "accept": "text/html"})


def test_header_names_are_case_insensitive(server: RunningServer) -> None:
    r = request(server.url, "/headers", headers={"x-CLIENT": "lower"})
    assert r.status == 200
    assert r.json()["client"] == "lower"


def test_headers_route_without_header_is_400(server: RunningServer) -> None:
    r = request(server.url, "/headers")
    assert (r.status, r.reason) == (400, "Bad Request")
    # Hono sets this one itself (c.text with a status); "GET /" gets the Response default.
    assert r.header("content-type") == "text/plain; charset=UTF-8"
    assert r.body == b"missing X-Client header"
    assert_middleware_headers(r)


def test_head_runs_the_get_handler_without_a_body(server: RunningServer) -> None:
    r = request(server.url, "/json", method="HEAD")
    assert (r.status, r.body) == (200, b"")
    assert r.header("content-type") == "application/json"
    assert_middleware_headers(r)


# --- CORS on /api/* -----------------------------------------------------------------------


def test_cors_preflight(server: RunningServer) -> None:
    r = request(
        server.url,
        "/api/items",
        method="OPTIONS",
        headers={
            "Origin": CORS_ALLOWED,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert (r.status, r.reason) == (204, "No Content")
    assert r.body == b""
    assert r.header("access-control-allow-origin") == CORS_ALLOWED
    assert r.header("access-control-allow-methods") == "GET,POST,OPTIONS"
    assert r.header("access-control-allow-headers") == "Content-Type,X-Api-Key"
    assert r.header("access-control-max-age") == "600"
    assert r.header("access-control-expose-headers") == "X-Response-Time"
    assert r.header("vary") == "Origin, Access-Control-Request-Headers"
    assert r.header("content-type") is None
    assert_middleware_headers(r)


def test_cors_simple_request_from_allowed_origin(server: RunningServer) -> None:
    r = request(server.url, "/api/items", headers={"Origin": CORS_ALLOWED})
    assert_json(r, 200, [{"id": 1, "name": "widget"}])
    assert r.header("access-control-allow-origin") == CORS_ALLOWED
    assert r.header("access-control-expose-headers") == "X-Response-Time"
    assert r.header("vary") == "Origin"


def test_cors_other_origin_gets_no_allow_origin(server: RunningServer) -> None:
    r = request(server.url, "/api/items", headers={"Origin": "https://evil.example"})
    assert r.status == 200
    assert r.header("access-control-allow-origin") is None


def test_cors_post(server: RunningServer) -> None:
    r = request(
        server.url,
        "/api/items",
        method="POST",
        body=b'{"name":"gadget"}',
        headers={"Origin": CORS_ALLOWED, "Content-Type": "application/json"},
    )
    assert_json(r, 201, {"name": "gadget"})
    assert r.header("access-control-allow-origin") == CORS_ALLOWED


def test_no_cors_outside_api(server: RunningServer) -> None:
    r = request(server.url, "/json", headers={"Origin": CORS_ALLOWED})
    assert r.status == 200
    assert not [k for k, _ in r.headers if k.startswith("access-control-")]


# --- errors -------------------------------------------------------------------------------


def test_thrown_error_goes_to_on_error(server: RunningServer) -> None:
    start = server.line_count()
    r = request(server.url, "/error")
    assert (r.status, r.reason) == (500, "Internal Server Error")
    assert_json(r, 500, {"error": "internal", "message": "boom"})
    server.wait_for_output(r"\[hono-example\] onError: boom", start=start)


def test_http_exception_keeps_its_status(server: RunningServer) -> None:
    r = request(server.url, "/teapot")
    assert (r.status, r.reason) == (418, "I'm a teapot")
    assert_json(r, 418, {"error": "I'm a teapot"})


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/nope"),
        ("GET", "/users"),
        ("GET", "/users/1/2"),
        ("PUT", "/json"),
        ("DELETE", "/api/items"),
    ],
)
def test_not_found_handler(server: RunningServer, method: str, path: str) -> None:
    r = request(server.url, path, method=method)
    assert (r.status, r.reason) == (404, "Not Found")
    assert_json(r, 404, {"error": "not found", "path": path})


# --- logs ---------------------------------------------------------------------------------


def test_logger_middleware_writes_to_the_worker_log(server: RunningServer) -> None:
    start = server.line_count()
    request(server.url, "/users/7?fields=x")
    server.wait_for_output(r"\[hono-example\] <-- GET /users/7\?fields=x", start=start)
    server.wait_for_output(
        r"\[hono-example\] --> GET /users/7\?fields=x \S*200\S* \d+ms", start=start
    )


# --- known differences from workerd ---------------------------------------------------------


def test_known_length_body_is_sent_with_content_length(server: RunningServer) -> None:
    r = request(server.url, "/json")
    assert r.header("transfer-encoding") is None
    assert r.header("content-length") == str(len(r.body))


ETAG_APP = """\
import { Hono } from "hono";
import { etag } from "hono/etag";

const app = new Hono();
app.use("/etag/*", etag());
app.get("/etag/data", (c) => c.text("cacheable content"));
export default app;
"""


def test_etag_middleware(project: Path, tmp_path: Path) -> None:
    root = tmp_path / "hono-etag"
    (root / "src").mkdir(parents=True)
    (root / "node_modules").symlink_to(project / "node_modules")
    (root / "src" / "index.ts").write_text(ETAG_APP)
    (root / "wrangler.jsonc").write_text(
        '{ "name": "hono-etag", "main": "src/index.ts", "compatibility_date": "2025-09-01" }'
    )
    with running_server(root, "--persist-to", str(tmp_path / "state")) as srv:
        first = request(srv.url, "/etag/data")
        assert (first.status, first.body) == (200, b"cacheable content")
        tag = first.header("etag")
        assert tag == '"4811ab49e9026ed9d5cc79b1acdf3c0cd2957936"'  # SHA-1 of the body, as workerd
        again = request(srv.url, "/etag/data", headers={"If-None-Match": tag})
        assert (again.status, again.body) == (304, b"")
        assert again.header("etag") == tag
