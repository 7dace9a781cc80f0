"""Messages outlive the process: a restart, `kill -9` after an acknowledged send (and in the
middle of a delivery), messages sent by `pyworkerd queues send`, and `serve --workers 2`
where only one process delivers."""

from __future__ import annotations

import json
import re
import signal
from pathlib import Path
from typing import Any

from pyworkerd.testing.server import RunningServer, run_cli, running_server, start_server
from tests.bindings.queues.conftest import got_lines, wait_for_batches
from tests.server.conftest import request, write_project

WORKER = r"""
export default {
  async fetch(request, env) {
    const n = Number(new URL(request.url).searchParams.get("n") ?? "1");
    for (let i = 0; i < n; i++) await env.Q.send({i, from: new URL(request.url).pathname});
    return new Response("sent");
  },
  async queue(batch) {
    for (const m of batch.messages) {
      console.log(`got ${batch.queue} ${JSON.stringify(m.body)} attempts=${m.attempts} id=${m.id}`);
    }
    // Still delivering when the test kills the server (a pending timer: a promise that can
    // never settle would be ended as "will never generate a response" and count as a failure).
    if (globalThis.HANG) await new Promise((resolve) => setTimeout(resolve, 600000));
  },
};
"""

HANGING = "globalThis.HANG = true;\n" + WORKER


def project(
    root: Path, *, consumer: dict[str, Any] | None, source: str = WORKER, dir_name: str = "app"
) -> Path:
    queues: dict[str, Any] = {"producers": [{"binding": "Q", "queue": "work"}]}
    if consumer is not None:
        queues["consumers"] = [{"queue": "work", **consumer}]
    return write_project(root / dir_name, {"src/index.js": source}, {"queues": queues})


def send(server: RunningServer, path: str, n: int) -> None:
    reply = request(server.url, f"{path}?n={n}")
    assert (reply.status, reply.text) == (200, "sent")


def bodies(server: RunningServer) -> list[Any]:
    return sorted(
        (
            json.loads(line.split(" ", 2)[2].rsplit(" attempts=", 1)[0])
            for line in got_lines(server, "work")
        ),
        key=lambda b: (b["from"], b["i"]),
    )


def test_acknowledged_sends_survive_kill_9_and_wait_for_a_consumer(tmp_path: Path) -> None:
    # No consumer yet: once send() resolved, the messages are only on disk.
    app = project(tmp_path, consumer=None)
    srv = start_server(app)
    try:
        send(srv, "/acked", 5)
    finally:
        srv.stop(signal.SIGKILL)
    project(tmp_path, consumer={"max_batch_timeout": 0.1})
    with running_server(app) as srv:
        wait_for_batches(srv, "work", 5)
        assert bodies(srv) == [{"i": i, "from": "/acked"} for i in range(5)]


def test_a_batch_in_delivery_at_kill_9_is_delivered_again(tmp_path: Path) -> None:
    app = project(tmp_path, consumer={"max_batch_timeout": 0.1}, source=HANGING)
    srv = start_server(app)
    try:
        send(srv, "/inflight", 2)
        srv.wait_for_output(r'got work \{"i":\d,"from":"/inflight"\}')
    finally:
        srv.stop(signal.SIGKILL)
    in_delivery = set(re.findall(r"id=([0-9a-f]{32})", srv.output()))
    project(tmp_path, consumer={"max_batch_timeout": 0.1})
    with running_server(app) as srv:
        wait_for_batches(srv, "work", 2)
        delivered = re.findall(r"id=([0-9a-f]{32})", srv.output())
        assert len(delivered) == 2 and in_delivery <= set(delivered)
        # The interrupted delivery did not count as a failed attempt.
        assert all("attempts=1" in line for line in got_lines(srv, "work"))


def test_cli_send_reaches_a_running_consumer(tmp_path: Path) -> None:
    app = project(tmp_path, consumer={"max_batch_timeout": 0.1})
    with running_server(app) as srv:
        sent = run_cli(["queues", "send", "work", '{"i": 7, "from": "/cli"}', "--cwd", str(app)])
        assert sent.returncode == 0, sent.stderr
        assert sent.stdout.startswith('Sent a message to queue "work"')
        text = tmp_path / "note.txt"
        text.write_text("from a file")
        sent = run_cli(
            [
                "queues",
                "send",
                "work",
                "--file",
                str(text),
                "--content-type",
                "text",
                "--cwd",
                str(app),
            ]
        )
        assert sent.returncode == 0, sent.stderr
        wait_for_batches(srv, "work", 2)
        lines = got_lines(srv, "work")
        assert lines[0].startswith('got work {"i":7,"from":"/cli"} attempts=1')
        assert any(line.startswith('got work "from a file" attempts=1') for line in lines)


def test_cli_send_refusals(tmp_path: Path) -> None:
    app = project(tmp_path, consumer=None)
    late = run_cli(["queues", "send", "work", "1", "--delay", "50000", "--cwd", str(app)])
    assert late.returncode == 1
    assert late.stderr.strip() == (
        "pyworkerd: Queue send failed: message delay 50000 is invalid: must be between 0 and "
        "43200 seconds"
    )
    bad = run_cli(["queues", "send", "work", "not json", "--cwd", str(app)])
    assert bad.returncode == 2 and "not valid JSON" in bad.stderr
    big = tmp_path / "big.bin"
    big.write_bytes(b"\0" * 128_001)
    too_big = run_cli(
        ["queues", "send", "work", "--file", str(big), "--content-type", "bytes", "--cwd", str(app)]
    )
    assert too_big.returncode == 1 and "exceeds limit of 128000" in too_big.stderr


def test_serve_with_two_processes_delivers_each_message_once(tmp_path: Path) -> None:
    app = project(tmp_path, consumer={"max_batch_timeout": 0.1})
    srv = start_server(app, "--workers", "2", command="serve")
    try:
        for k in range(10):
            send(srv, f"/p{k}", 2)
        wait_for_batches(srv, "work", 20)
        ids = re.findall(r"id=([0-9a-f]{32})", srv.output())
        assert len(ids) == len(set(ids)) == 20
    finally:
        srv.stop()
