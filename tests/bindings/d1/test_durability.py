"""An acknowledged D1 write survives `kill -9` of the server."""

from __future__ import annotations

import signal
from pathlib import Path

from pyworkerd.testing import run_cli, running_server, start_server
from tests.bindings.d1.conftest import d1, make_d1_project


def test_acknowledged_inserts_survive_kill_9(tmp_path: Path) -> None:
    project = make_d1_project(tmp_path / "app")
    state = tmp_path / "state"
    applied = run_cli(["d1", "migrations", "apply", "DB", "--persist-to", str(state)], cwd=project)
    assert applied.returncode == 0, applied.stderr

    server = start_server(project, "--persist-to", str(state))
    try:
        for i in range(50):
            out = d1(
                server.url, op="run", sql="INSERT INTO users (email) VALUES (?)", params=[f"u{i}@x"]
            )
            assert out["success"] is True
        batch = d1(
            server.url,
            op="batch",
            statements=[
                {"sql": "INSERT INTO users (email) VALUES (?)", "params": [f"b{i}@x"]}
                for i in range(10)
            ],
        )
        assert len(batch) == 10
    finally:
        server.stop(signal.SIGKILL)

    with running_server(project, "--persist-to", str(state)) as again:
        assert d1(again.url, op="first", sql="SELECT count(*) AS n FROM users", column="n") == 60
    counted = run_cli(
        [
            "d1",
            "execute",
            "DB",
            "--command",
            "SELECT count(*) AS n FROM users",
            "--json",
            "--persist-to",
            str(state),
        ],
        cwd=project,
    )
    assert '"n": 60' in counted.stdout
