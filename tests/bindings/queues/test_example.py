"""examples/queues: the producer and consumer workers in one `pyworkerd dev`, over HTTP."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pyworkerd.testing import RunningServer, run_cli, running_server
from tests.bindings.queues.conftest import wait_for_batches
from tests.server.conftest import request

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "queues"


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("queues-example-state")


@pytest.fixture(scope="module")
def server(state: Path) -> Iterator[RunningServer]:
    configs = ["-c", str(EXAMPLE / "producer" / "wrangler.jsonc")]
    configs += ["-c", str(EXAMPLE / "consumer" / "wrangler.jsonc")]
    with running_server(EXAMPLE, *configs, "--persist-to", str(state)) as srv:
        yield srv


def post(server: RunningServer, path: str, payload: Any) -> Any:
    reply = request(server.url, path, method="POST", body=json.dumps(payload).encode())
    assert reply.status == 202, reply.text
    return reply.json()


def status_of(server: RunningServer, order_id: str, want: str, timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = request(server.url, f"/orders/{order_id}").json()
        if found["status"] == want or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_orders_are_fulfilled_in_batches(server: RunningServer) -> None:
    ids = post(server, "/orders/batch", [{"item": f"tea-{i}", "qty": i + 1} for i in range(3)])
    ids = ids["ids"]
    for i, order_id in enumerate(ids):
        assert status_of(server, order_id, "done") == {
            "status": "done",
            "item": f"tea-{i}",
            "qty": i + 1,
            "attempts": 1,
        }
    assert "orders: a batch of 3" in server.output()


def test_a_failing_order_is_retried_then_dead_lettered(server: RunningServer) -> None:
    order_id = post(server, "/orders", {"item": "air", "qty": 0})["id"]
    assert status_of(server, order_id, "dead-lettered")["status"] == "dead-lettered"
    out = server.output()
    assert f"order {order_id}: nothing to ship (attempt 3)" in out
    assert 'to dead letter queue "orders-dlq" after 3 failed attempts...' in out


def test_bad_input_is_refused(server: RunningServer) -> None:
    reply = request(server.url, "/orders", method="POST", body=b'{"item": 1}')
    assert (reply.status, reply.text) == (400, 'an order is {"item": string, "qty": integer}')


def test_the_cli_feeds_the_same_queue(server: RunningServer, state: Path) -> None:
    before = sum(t for _, t in wait_for_batches(server, "orders", 0))
    body = json.dumps({"id": "from-cli", "item": "cake", "qty": 1})
    sent = run_cli(["queues", "send", "orders", body, "--persist-to", str(state)], cwd=EXAMPLE)
    assert sent.returncode == 0, sent.stderr
    wait_for_batches(server, "orders", before + 1)
    assert status_of(server, "from-cli", "done")["item"] == "cake"
