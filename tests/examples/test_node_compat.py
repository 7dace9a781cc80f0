"""examples/node-compat: npm packages written for Node.js (jsonwebtoken, bcryptjs, uuid, zod,
node-cache, Hono's context storage) installed by `npm ci` from the example's lock file and
served by the real `pyworkerd dev` with nodejs_compat."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from pyworkerd.testing import RunningServer, running_server
from tests.examples.conftest import installed_example
from tests.server.conftest import request

SECRET = b"node-compat-example-secret"  # vars.JWT_SECRET in the example's wrangler.jsonc


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return installed_example(tmp_path_factory, "node-compat")


@pytest.fixture(scope="module")
def server(project: Path) -> Iterator[RunningServer]:
    with running_server(project, "--no-persist") as srv:
        yield srv


def b64url_json(part: str) -> dict[str, object]:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_jsonwebtoken_signs_hs256_that_python_verifies(server: RunningServer) -> None:
    token = request(server.url, "/jwt/sign?sub=alice").json()["token"]
    head, body, sig = token.split(".")
    assert b64url_json(head) == {"alg": "HS256", "typ": "JWT"}
    claims = b64url_json(body)
    assert claims["sub"] == "alice" and claims["iss"] == "node-compat"
    assert claims["exp"] == claims["iat"] + 3600  # type: ignore[operator]
    want = hmac.new(SECRET, f"{head}.{body}".encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4)) == want

    ok = request(server.url, f"/jwt/verify?token={token}")
    assert (ok.status, ok.json()) == (200, {"valid": True, "sub": "alice", "role": "user"})
    bad = request(server.url, f"/jwt/verify?token={head}.{body}.{sig[:-4]}AAAA")
    assert bad.status == 401
    assert bad.json()["error"] == "JsonWebTokenError"
    assert bad.json()["message"] == "invalid signature"


def test_bcryptjs_hashes_and_compares(server: RunningServer) -> None:
    hashed = request(
        server.url, "/bcrypt/hash", method="POST", body=b'{"password": "s3cret"}'
    ).json()["hash"]
    assert hashed.startswith("$2b$04$") and len(hashed) == 60
    for password, match in (("s3cret", True), ("wrong", False)):
        body = json.dumps({"password": password, "hash": hashed}).encode()
        reply = request(server.url, "/bcrypt/compare", method="POST", body=body)
        assert reply.json() == {"match": match}


def test_uuid(server: RunningServer) -> None:
    out = request(server.url, "/uuid?name=hello").json()
    assert out["named"] == str(uuid.uuid5(uuid.NAMESPACE_URL, "hello"))
    assert uuid.UUID(out["random"]).version == 4
    assert out["randomValid"] is True and out["randomVersion"] == 4


def test_zod_validates(server: RunningServer) -> None:
    good = {"id": str(uuid.uuid4()), "quantity": 2, "email": "a@example.com"}
    reply = request(server.url, "/orders", method="POST", body=json.dumps(good).encode())
    assert (reply.status, reply.json()) == (200, {**good, "tags": []})
    bad = request(
        server.url, "/orders", method="POST", body=b'{"id": "x", "quantity": 0, "email": "no"}'
    )
    assert bad.status == 400
    assert bad.json()["errors"] == [
        "id: Invalid uuid",
        "quantity: Number must be greater than 0",
        "email: Invalid email",
    ]


def test_node_cache_event_emitter(server: RunningServer) -> None:
    assert request(server.url, "/cache").json() == {
        "events": ['set a={"n":1}', "set b=2", "set c=3", "del b", "flush"],
        "keys": ["a", "c"],
        "kept": {"n": 1},
        "hits": 2,
        "keysAfterFlush": [],
    }


def test_async_local_storage_follows_each_request(server: RunningServer) -> None:
    # Six requests at once; the earliest waits longest, so their awaits interleave. Each must
    # read its own id after a timer, a KV put/get (host calls) and a setTimeout.
    def one(i: int) -> list[str]:
        reply = request(server.url, f"/als?delay={60 - 10 * i}", headers={"x-request-id": f"r{i}"})
        assert reply.status == 200, server.output()
        return list(reply.json()["seen"])

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(one, range(6)))
    assert results == [[f"r{i}"] * 4 for i in range(6)]
