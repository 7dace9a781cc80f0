"""examples/hono, a Hono app installed from npm, served by the real `pyworkerd dev` over HTTP.

The project is copied to a temp dir and installed there with `npm ci` from its lock file, so
the test exercises exactly what a user who clones the example gets.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import json
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from pyworkerd.testing import RunningServer, running_server
from tests.examples.conftest import installed_example
from tests.server.conftest import Reply, request

# vars in examples/hono/wrangler.jsonc
GREETING = "Hello from Hono"
ADMIN_USER, ADMIN_PASSWORD = "admin", "hono-admin-password"
JWT_SECRET = b"hono-example-jwt-secret"

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
    root = installed_example(tmp_path_factory, "hono")
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
    assert not [k for k, _ in r.header_list if k.startswith("access-control-")]


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


# --- basic auth on /admin -----------------------------------------------------------------


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def test_basic_auth_without_credentials_is_401_with_a_challenge(server: RunningServer) -> None:
    r = request(server.url, "/admin")
    assert (r.status, r.reason) == (401, "Unauthorized")
    assert r.header("www-authenticate") == 'Basic realm="Secure Area"'
    assert r.body == b"Unauthorized"
    assert_middleware_headers(r)


def test_basic_auth_with_a_wrong_password_is_401(server: RunningServer) -> None:
    r = request(server.url, "/admin", headers=basic(ADMIN_USER, "wrong"))
    assert r.status == 401
    assert r.header("www-authenticate") == 'Basic realm="Secure Area"'


def test_basic_auth_with_credentials_is_200(server: RunningServer) -> None:
    r = request(server.url, "/admin", headers=basic(ADMIN_USER, ADMIN_PASSWORD))
    assert (r.status, r.body) == (200, b"Welcome, admin")
    assert r.header("www-authenticate") is None
    assert_middleware_headers(r)


# --- JWT: /login signs, /api/me verifies -------------------------------------------------------


def b64url_decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def login(server: RunningServer, user: str) -> str:
    r = request(
        server.url,
        "/login",
        method="POST",
        body=json.dumps({"user": user}).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert r.status == 200, r.body
    token = r.json()["token"]
    assert isinstance(token, str)
    return token


def test_login_token_is_an_hs256_jwt_that_python_verifies(server: RunningServer) -> None:
    before = int(time.time())
    token = login(server, "ann")
    header_b64, payload_b64, signature_b64 = token.split(".")
    assert "=" not in token  # base64url without padding
    assert json.loads(b64url_decode(header_b64)) == {"alg": "HS256", "typ": "JWT"}
    payload = json.loads(b64url_decode(payload_b64))
    assert (payload["sub"], payload["role"]) == ("ann", "member")
    assert before - 1 <= payload["iat"] <= int(time.time()) + 1
    assert payload["exp"] == payload["iat"] + 3600
    expected = hmac.new(JWT_SECRET, f"{header_b64}.{payload_b64}".encode(), hashlib.sha256)
    assert hmac.compare_digest(b64url_decode(signature_b64), expected.digest())


def test_api_me_without_a_token_is_401(server: RunningServer) -> None:
    r = request(server.url, "/api/me")
    assert (r.status, r.body) == (401, b"Unauthorized")
    assert r.header("www-authenticate") == (
        f'Bearer realm="{server.url}/api/me",error="invalid_request",'
        'error_description="no authorization included in request"'
    )


def test_api_me_with_a_token_is_200(server: RunningServer) -> None:
    token = login(server, "bob")
    r = request(server.url, "/api/me", headers={"Authorization": f"Bearer {token}"})
    assert_json(r, 200, {"user": "bob", "role": "member"})


def test_api_me_with_a_forged_token_is_401(server: RunningServer) -> None:
    header_b64, _, _ = login(server, "eve").split(".")
    claims = {"sub": "admin", "role": "admin", "exp": int(time.time()) + 60}
    payload_b64 = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    forged = hmac.new(b"not-the-secret", f"{header_b64}.{payload_b64}".encode(), hashlib.sha256)
    signature_b64 = base64.urlsafe_b64encode(forged.digest()).rstrip(b"=").decode()
    token = f"{header_b64}.{payload_b64}.{signature_b64}"
    r = request(server.url, "/api/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status == 401
    assert 'error="invalid_token"' in (r.header("www-authenticate") or "")


def test_login_without_user_is_400(server: RunningServer) -> None:
    r = request(server.url, "/login", method="POST", body=b"{}")
    assert_json(r, 400, {"error": "user is required"})


# --- compress (and ETag) on /big --------------------------------------------------------------

# The text GET /big returns (bigText() in src/index.ts).
BIG_TEXT = "".join(
    f"{i}: abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789\n" for i in range(2000)
).encode()
BIG_ETAG = '"' + hashlib.sha1(BIG_TEXT).hexdigest() + '"'  # hono/etag: SHA-1 of the body


def test_big_without_accept_encoding_is_plain(server: RunningServer) -> None:
    r = request(server.url, "/big")  # http.client sends Accept-Encoding: identity
    assert r.status == 200
    assert r.header("content-encoding") is None
    assert r.body == BIG_TEXT
    assert r.header("content-length") == str(len(BIG_TEXT))
    assert r.header("vary") == "Accept-Encoding"
    assert r.header("etag") == BIG_ETAG
    assert_middleware_headers(r)


def test_big_is_gzipped_when_asked(server: RunningServer) -> None:
    r = request(server.url, "/big", headers={"Accept-Encoding": "gzip, deflate"})
    assert r.status == 200
    assert r.header("content-encoding") == "gzip"
    assert r.header("content-length") is None  # streamed through CompressionStream
    assert r.header("vary") == "Accept-Encoding"
    assert r.header("etag") == "W/" + BIG_ETAG  # compress makes the strong ETag weak
    assert r.body[:2] == b"\x1f\x8b"
    # As on workerd: hono/compress gzips, and then the runtime gzips a body that declares
    # Content-Encoding: gzip again (Hono's docs say compress is not needed on Workers).
    once = gzip.decompress(r.body)
    assert once[:2] == b"\x1f\x8b"
    assert gzip.decompress(once) == BIG_TEXT
    assert_middleware_headers(r)


def test_big_is_deflated_when_only_deflate_is_accepted(server: RunningServer) -> None:
    r = request(server.url, "/big", headers={"Accept-Encoding": "deflate"})
    assert r.header("content-encoding") == "deflate"
    assert zlib.decompress(r.body) == BIG_TEXT  # zlib format, as CompressionStream("deflate")


def test_big_head_is_not_compressed(server: RunningServer) -> None:
    r = request(server.url, "/big", method="HEAD", headers={"Accept-Encoding": "gzip"})
    assert (r.status, r.body) == (200, b"")
    assert r.header("content-encoding") is None


def test_small_bodies_are_not_compressed(server: RunningServer) -> None:
    r = request(server.url, "/json", headers={"Accept-Encoding": "gzip"})
    assert r.header("content-encoding") is None  # no compress() outside /big


def test_etag_middleware(server: RunningServer) -> None:
    first = request(server.url, "/etag/data")
    assert (first.status, first.body) == (200, b"cacheable content")
    tag = first.header("etag")
    assert tag == '"4811ab49e9026ed9d5cc79b1acdf3c0cd2957936"'  # SHA-1 of the body, as workerd
    again = request(server.url, "/etag/data", headers={"If-None-Match": tag})
    assert (again.status, again.body) == (304, b"")
    assert again.header("etag") == tag
    assert_middleware_headers(again)


def test_big_if_none_match_is_304(server: RunningServer) -> None:
    r = request(server.url, "/big", headers={"If-None-Match": BIG_ETAG})
    assert (r.status, r.body) == (304, b"")
