"""examples/hello, the raw-API worker, served by the real `pyworkerd dev` over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from pyworkerd.testing import RunningServer, run_cli, running_server
from tests.server.conftest import request

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "hello"


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hello-state")


@pytest.fixture(scope="module")
def server(state: Path) -> Iterator[RunningServer]:
    # As a user would: `pyworkerd dev` applies nothing, so create the table first.
    applied = run_cli(["d1", "migrations", "apply", "DB", "--persist-to", str(state)], cwd=EXAMPLE)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "0001_create_items.sql" in applied.stdout
    with running_server(EXAMPLE, "--persist-to", str(state)) as srv:
        yield srv


def test_health(server: RunningServer) -> None:
    r = request(server.url, "/health")
    assert (r.status, r.reason) == (200, "OK")
    assert r.header("content-type") == "text/plain;charset=UTF-8"
    assert r.header("content-length") == "2"
    assert r.body == b"ok"


def test_health_ignores_query(server: RunningServer) -> None:
    r = request(server.url, "/health?verbose=1")
    assert (r.status, r.body) == (200, b"ok")


def test_post_data_is_201_json(server: RunningServer, state: Path) -> None:
    payload = {"name": "widget", "tags": ["a", "b"], "n": 3, "ok": True, "none": None}
    r = request(
        server.url,
        "/data",
        method="POST",
        body=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert (r.status, r.reason) == (201, "Created")
    assert r.header("content-type") == "application/json"
    assert r.header("content-length") == str(len(r.body))
    assert r.json() == {"stored": True}
    # the row is in D1: read it back with the CLI, as a user would
    out = run_cli(
        [
            "d1",
            "execute",
            "DB",
            "--json",
            "--persist-to",
            str(state),
            "--command",
            "SELECT data FROM items ORDER BY id DESC LIMIT 1",
        ],
        cwd=EXAMPLE,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(json.loads(out.stdout)[0]["results"][0]["data"]) == payload


def test_post_data_bad_json_is_500(server: RunningServer) -> None:
    start = server.line_count()
    r = request(server.url, "/data", method="POST", body=b"not json")
    assert r.status == 500
    assert b"SyntaxError" in r.body  # dev shows the exception; workerd: "Internal Server Error"
    server.wait_for_output(r"POST /data 500", start=start)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("HEAD", "/health"),  # the worker compares request.method with "GET": HEAD is not GET
        ("POST", "/health"),
        ("GET", "/data"),
        ("PUT", "/data"),
        ("GET", "/"),
        ("GET", "/health/"),
        ("DELETE", "/nope"),
    ],
)
def test_everything_else_is_404(server: RunningServer, method: str, path: str) -> None:
    r = request(server.url, path, method=method)
    assert (r.status, r.reason) == (404, "Not Found")
    assert r.header("content-type") == "text/plain;charset=UTF-8"
    assert r.header("content-length") == "9"
    # A response to HEAD has no body, whatever the worker returned.
    assert r.body == (b"" if method == "HEAD" else b"Not found")


def test_requests_are_logged(server: RunningServer) -> None:
    start = server.line_count()
    request(server.url, "/health")
    server.wait_for_output(r"GET /health 200", start=start)
