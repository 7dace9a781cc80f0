"""examples/rpc: two workers in one `pyworkerd dev`, talking over a service binding with RPC."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from pyworkerd.testing import RunningServer
from tests.server.conftest import request, serve_together

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "rpc"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    state = tmp_path_factory.mktemp("rpc-state")
    with serve_together(
        EXAMPLE / "gateway", EXAMPLE / "accounts", args=("--persist-to", str(state))
    ) as srv:
        yield srv


def create(server: RunningServer, name: str, tags: list[str]) -> dict[str, object]:
    reply = request(
        server.url, "/users", method="POST", body=json.dumps({"name": name, "tags": tags}).encode()
    )
    assert reply.status == 201, reply.text
    created: dict[str, object] = reply.json()
    return created


def test_create_and_read_back(server: RunningServer) -> None:
    user = create(server, "ada", ["admin"])
    assert user["name"] == "ada" and user["created"] is True and user["tags"] == ["admin"]
    again = request(server.url, f"/users/{user['id']}").json()
    assert again["name"] == "ada" and again["tags"] == ["admin"]


def test_errors_cross_with_their_class(server: RunningServer) -> None:
    reply = request(server.url, "/users", method="POST", body=b'{"name": ""}')
    assert (reply.status, reply.json()) == (400, {"error": "RangeError: name must not be empty"})


def test_rpc_target_and_pipelining(server: RunningServer) -> None:
    user = create(server, "grace", ["admin", "navy"])
    assert request(server.url, f"/users/{user['id']}/session").json() == {
        "whoami": f"grace ({user['id']})",
        "admin": True,
    }


def test_callbacks_run_in_the_caller(server: RunningServer) -> None:
    a = create(server, "alan", [])
    b = create(server, "barbara", [])
    reply = request(server.url, f"/names?id={a['id']}&id=missing&id={b['id']}").json()
    assert reply == {"count": 2, "names": ["alan", "barbara"]}


def test_the_callee_is_not_served_directly(server: RunningServer) -> None:
    assert request(server.url, "/nothing").status == 404
