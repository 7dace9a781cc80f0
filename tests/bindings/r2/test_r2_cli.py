"""`pyworkerd r2 object put|get|delete` as a user runs it, on the state `dev` serves."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pyworkerd.testing import run_cli, running_server
from tests.bindings.r2.conftest import make_r2_project
from tests.server.conftest import request


def _pipe(args: list[str], data: bytes, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "pyworkerd", *args],
        input=data,
        capture_output=True,
        cwd=cwd,
        timeout=60,
        env={**os.environ, "NO_COLOR": "1"},
    )


def test_cli_objects_are_the_ones_the_worker_sees(tmp_path: Path) -> None:
    project = make_r2_project(tmp_path / "project")
    source = tmp_path / "photo.bin"
    payload = os.urandom(3 * 1024 * 1024 + 17)
    source.write_bytes(payload)

    put = run_cli(
        [
            "r2",
            "object",
            "put",
            "test-bucket/pics/photo.bin",
            "--file",
            str(source),
            "--content-type",
            "image/jpeg",
        ],
        cwd=project,
    )
    assert put.returncode == 0, put.stderr
    assert 'Creating object "pics/photo.bin" in bucket "test-bucket".' in put.stderr
    assert "Upload complete." in put.stderr

    piped = _pipe(
        ["r2", "object", "put", "test-bucket/notes.txt", "--pipe"], b"from stdin", project
    )
    assert piped.returncode == 0, piped.stderr

    # The default state directory is the one `dev` uses.
    with running_server(project) as srv:
        got = request(srv.url, "/obj/pics/photo.bin")
        assert got.status == 200 and got.body == payload
        assert got.headers["content-type"] == "image/jpeg"
        assert request(srv.url, "/obj/notes.txt").body == b"from stdin"
        request(srv.url, "/obj/from-worker.txt", method="PUT", body=b"written by the worker")

        # The CLI reads what the running worker wrote (one state dir, two processes).
        out = _pipe(["r2", "object", "get", "test-bucket/from-worker.txt", "--pipe"], b"", project)
        assert out.returncode == 0 and out.stdout == b"written by the worker"

    target = tmp_path / "copy.bin"
    get = run_cli(
        ["r2", "object", "get", "test-bucket/pics/photo.bin", "--file", str(target)], cwd=project
    )
    assert get.returncode == 0, get.stderr
    assert target.read_bytes() == payload
    default = run_cli(["r2", "object", "get", "test-bucket/notes.txt"], cwd=project)
    assert default.returncode == 0 and (project / "notes.txt").read_bytes() == b"from stdin"

    deleted = run_cli(["r2", "object", "delete", "test-bucket/notes.txt"], cwd=project)
    assert deleted.returncode == 0, deleted.stderr
    missing = run_cli(["r2", "object", "get", "test-bucket/notes.txt", "--pipe"], cwd=project)
    assert missing.returncode == 2
    assert missing.stderr.strip() == (
        'pyworkerd: The specified key "notes.txt" does not exist in bucket "test-bucket".'
    )


def test_cli_persist_to_and_errors(tmp_path: Path) -> None:
    project = make_r2_project(tmp_path / "project")
    state = tmp_path / "elsewhere"
    src = tmp_path / "a.txt"
    src.write_text("hello")
    put = run_cli(
        ["r2", "object", "put", "b/k", "--file", str(src), "--persist-to", str(state)], cwd=project
    )
    assert put.returncode == 0, put.stderr
    assert (state / "r2" / "b.sqlite3").is_file()
    out = _pipe(["r2", "object", "get", "b/k", "--pipe", "--persist-to", str(state)], b"", project)
    assert out.stdout == b"hello"

    bad = run_cli(["r2", "object", "get", "no-key-here"], cwd=project)
    assert bad.returncode == 2 and "expected BUCKET/KEY" in bad.stderr
    long_key = run_cli(["r2", "object", "put", "b/" + "k" * 1025, "--file", str(src)], cwd=project)
    assert long_key.returncode == 2
    assert "put: The specified object name is not valid. (10020)" in long_key.stderr
    nofile = run_cli(["r2", "object", "put", "b/k", "--file", str(tmp_path / "nope")], cwd=project)
    assert nofile.returncode == 2 and "No such file" in nofile.stderr
    noconfig = run_cli(["r2", "object", "get", "b/k"], cwd=tmp_path)
    assert noconfig.returncode == 2 and "no wrangler.jsonc" in noconfig.stderr
    for result in (bad, long_key, nofile, noconfig):
        assert "Traceback" not in result.stderr
