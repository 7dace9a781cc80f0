"""examples/cron: a scheduled handler run on demand and on its schedule, recording to KV."""

from __future__ import annotations

import time
from pathlib import Path

from pyworkerd.testing import running_server
from tests.server.conftest import request

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "cron"


def test_a_scheduled_run_is_recorded(tmp_path: Path) -> None:
    with running_server(EXAMPLE, "--persist-to", str(tmp_path)) as srv:
        reply = request(srv.url, "/cdn-cgi/handler/scheduled?cron=0+3+*+*+sun&time=1765000000000")
        assert (reply.status, reply.text) == (200, "ok")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            runs = request(srv.url, "/").json()
            if runs:
                break
            time.sleep(0.1)
        assert {"cron": "0 3 * * sun", "at": "2025-12-06T05:46:40.000Z"} in runs
        # (That "* * * * *" fires by itself is tests/server/test_scheduled.py's job.)
