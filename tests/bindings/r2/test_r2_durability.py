"""Acknowledged puts survive `kill -9`; a put cut off half-way leaves nothing behind."""

from __future__ import annotations

import hashlib
import http.client
import signal
import time
from pathlib import Path
from urllib.parse import urlsplit

from pyworkerd.testing import running_server, start_server
from tests.bindings.r2.conftest import make_r2_project
from tests.server.conftest import request


def test_acknowledged_puts_survive_kill_9_and_half_puts_vanish(tmp_path: Path) -> None:
    project = make_r2_project(tmp_path / "project")
    state = tmp_path / "state"
    bodies = {
        f"durable/{i}": hashlib.sha256(str(i).encode()).digest() * (i * 1000 + 1) for i in range(20)
    }
    srv = start_server(project, "--persist-to", str(state))
    try:
        for key, body in bodies.items():
            reply = request(srv.url, f"/obj/{key}", method="PUT", body=body)
            assert reply.status == 200, reply.text
        request(srv.url, "/obj/durable/0", method="DELETE")
        # A put whose body stops half-way: never acknowledged.
        parts = urlsplit(srv.url)
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
        conn.putrequest("PUT", "/obj/durable/half")
        conn.putheader("Content-Length", str(4 * 1024 * 1024))
        conn.endheaders()
        conn.send(b"h" * (2 * 1024 * 1024))
        time.sleep(0.5)  # let the server write what it got
    finally:
        srv.stop(signal.SIGKILL)
    conn.close()

    with running_server(project, "--persist-to", str(state)) as again:
        for key, body in bodies.items():
            reply = request(again.url, f"/obj/{key}")
            if key == "durable/0":
                assert reply.status == 404
            else:
                assert reply.status == 200 and reply.body == body, key
        assert request(again.url, "/obj/durable/half").status == 404
    # The index points only at complete blobs; the half-written one is a temporary file.
    blobs = state / "r2" / "test-bucket.blobs"
    finished = [p for p in blobs.iterdir() if not p.name.startswith(".tmp-")]
    assert len(finished) == len(bodies) - 1
