"""`pyworkerd kv …` as a user runs it, on the state a running `dev` server uses."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pyworkerd.testing import RunningServer, run_cli, running_server
from tests.bindings.kv.conftest import make_kv_project
from tests.server.conftest import request

NS_ID = "0f2ac74b498b48028cb68387c421e279"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_kv_project(tmp_path_factory.mktemp("kv-cli"))


@pytest.fixture(scope="module")
def dev(project: Path) -> Iterator[RunningServer]:
    # the default state directory, as `pyworkerd dev` with no flags
    with running_server(project) as srv:
        yield srv


def kv_bytes(project: Path, *args: str) -> bytes:
    """stdout of a command that prints raw bytes (`kv key get` without --text)."""
    done = subprocess.run(
        [sys.executable, "-m", "pyworkerd", "kv", *args, "--cwd", str(project)],
        capture_output=True,
        check=True,
        timeout=60,
    )
    return done.stdout


def kv(project: Path, *args: str) -> tuple[int, str, str]:
    done = run_cli(["kv", *args, "--cwd", str(project)])
    return done.returncode, done.stdout, done.stderr


def test_cli_writes_what_the_worker_reads(project: Path, dev: RunningServer) -> None:
    code, out, _ = kv(project, "key", "put", "from-cli", "hello from the CLI", "--binding", "KV")
    assert code == 0
    assert (
        out == f'Writing the value "hello from the CLI" to key "from-cli" on namespace {NS_ID}.\n'
    )
    assert request(dev.url, "/get?key=from-cli").text == "hello from the CLI"
    # --namespace-id reaches the same namespace; a binding without an id uses its name
    assert kv(project, "key", "put", "by-id", "v", "--namespace-id", NS_ID)[0] == 0
    assert request(dev.url, "/get?key=by-id").text == "v"
    assert kv(project, "key", "put", "other", "o", "--binding", "OTHER")[0] == 0
    assert request(dev.url, "/get?key=other&ns=OTHER").text == "o"


def test_worker_sees_cli_changes_to_keys_it_has_read(project: Path, dev: RunningServer) -> None:
    # the worker's process caches small values and misses while the database is unchanged:
    # a commit by another process must show at once
    assert request(dev.url, "/get?key=seen").status == 404
    assert kv(project, "key", "put", "seen", "first", "--binding", "KV")[0] == 0
    assert request(dev.url, "/get?key=seen").text == "first"
    assert request(dev.url, "/get?key=seen").text == "first"
    assert kv(project, "key", "put", "seen", "second", "--binding", "KV")[0] == 0
    assert request(dev.url, "/get?key=seen").text == "second"
    assert kv(project, "key", "delete", "seen", "--binding", "KV")[0] == 0
    assert request(dev.url, "/get?key=seen").status == 404


def test_cli_reads_what_the_worker_wrote(project: Path, dev: RunningServer) -> None:
    reply = request(dev.url, "/put?key=from-worker&as=bytes", method="POST", body=b"\x00\xffbin")
    assert reply.json() == ["ok", None]
    assert kv_bytes(project, "key", "get", "from-worker", "--binding", "KV") == b"\x00\xffbin"
    request(dev.url, "/put?key=text-from-worker", method="POST", body="héllo".encode())
    code, out, _ = kv(project, "key", "get", "text-from-worker", "--binding", "KV", "--text")
    assert (code, out) == (0, "héllo\n")
    assert kv(project, "key", "get", "nothing-here", "--binding", "KV") == (
        0,
        "Value not found\n",
        "",
    )


def test_cli_get_writes_raw_bytes(project: Path, dev: RunningServer, tmp_path: Path) -> None:
    data = bytes(range(256)) * 2048  # 512 KiB: a blob file, read in pieces
    (tmp_path / "blob.bin").write_bytes(data)
    code, out, _ = kv(
        project, "key", "put", "file", "--path", str(tmp_path / "blob.bin"), "--binding", "KV"
    )
    assert code == 0 and out.startswith(
        f"Writing the contents of {tmp_path / 'blob.bin'} to the key"
    )
    assert kv_bytes(project, "key", "get", "file", "--binding", "KV") == data
    assert request(dev.url, "/get?key=file&type=arrayBuffer").body == data


def test_cli_put_options_and_list(project: Path, dev: RunningServer) -> None:
    assert (
        kv(project, "key", "put", "opt/meta", "v", "--binding", "KV", "--metadata", '{"a": 1}')[0]
        == 0
    )
    assert kv(project, "key", "put", "opt/ttl", "v", "--binding", "KV", "--ttl", "3600")[0] == 0
    code, out, _ = kv(project, "key", "list", "--binding", "KV", "--prefix", "opt/")
    assert code == 0
    keys = json.loads(out)
    assert keys[0] == {"name": "opt/meta", "metadata": {"a": 1}}
    assert keys[1]["name"] == "opt/ttl" and isinstance(keys[1]["expiration"], int)
    assert out == json.dumps(keys, indent=2) + "\n"  # wrangler's JSON.stringify(…, null, 2)
    page = json.loads(
        request(
            dev.url, "/op", method="POST", body=b'{"method":"getWithMetadata","args":["opt/meta"]}'
        ).text
    )
    assert page == ["ok", {"value": "v", "metadata": {"a": 1}, "cacheStatus": None}]


def test_cli_errors_are_the_platform_messages(project: Path) -> None:
    code, _, err = kv(project, "key", "put", "k", "v", "--binding", "KV", "--ttl", "30")
    assert code == 1
    assert err == (
        "pyworkerd: KV PUT failed: 400 Invalid expiration_ttl of 30. Expiration TTL must be at least 60.\n"
    )
    code, _, err = kv(project, "key", "get", "", "--binding", "KV")
    assert (code, err) == (1, "pyworkerd: Key name cannot be empty.\n")
    code, _, err = kv(project, "key", "get", "k", "--binding", "NOPE")
    assert code == 2 and 'binding name "NOPE" was not found' in err
    code, _, err = kv(project, "key", "get", "k")
    assert code == 2 and "--binding or --namespace-id" in err
    code, _, err = kv(project, "key", "put", "k", "--binding", "KV")
    assert code == 2 and "VALUE and --path" in err


def test_cli_delete(project: Path, dev: RunningServer) -> None:
    request(dev.url, "/put?key=to-delete", method="POST", body=b"x")
    code, out, _ = kv(project, "key", "delete", "to-delete", "--binding", "KV")
    assert (code, out) == (0, f'Deleting the key "to-delete" on namespace {NS_ID}.\n')
    assert request(dev.url, "/get?key=to-delete").status == 404


def test_cli_bulk_put_get_delete(project: Path, dev: RunningServer, tmp_path: Path) -> None:
    items = [
        {"key": "bulk/1", "value": "one"},
        {"key": "bulk/2", "value": "dHdv", "base64": True, "metadata": {"n": 2}},
        {"key": "bulk/3", "value": "three", "expiration_ttl": 600},
    ]
    (tmp_path / "put.json").write_text(json.dumps(items))
    code, out, _ = kv(project, "bulk", "put", str(tmp_path / "put.json"), "--binding", "KV")
    assert (code, out) == (0, "Success!\n")
    assert request(dev.url, "/get?key=bulk/2").text == "two"
    (tmp_path / "get.json").write_text(json.dumps(["bulk/1", {"name": "bulk/2"}, "bulk/none"]))
    code, out, _ = kv(project, "bulk", "get", str(tmp_path / "get.json"), "--binding", "KV")
    assert code == 0
    body, _ = out.rsplit("\n\nSuccess!", 1)
    assert json.loads(body) == {
        "bulk/1": {"value": "one"},
        "bulk/2": {"value": "two"},
        "bulk/none": {"value": None},
    }
    (tmp_path / "del.json").write_text(json.dumps(["bulk/1", "bulk/2"]))
    code, out, _ = kv(
        project, "bulk", "delete", str(tmp_path / "del.json"), "--binding", "KV", "--force"
    )
    assert (code, out) == (0, "Success!\n")
    assert request(dev.url, "/get?key=bulk/1").status == 404
    assert request(dev.url, "/get?key=bulk/3").text == "three"


def test_cli_bulk_rejects_bad_files(project: Path, tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text(json.dumps([{"key": "k"}, {"key": "k", "value": "v"}]))
    code, _, err = kv(project, "bulk", "put", str(tmp_path / "bad.json"), "--binding", "KV")
    assert code == 2 and 'The item at index 0 is {"key": "k"}' in err
    (tmp_path / "notlist.json").write_text("{}")
    code, _, err = kv(
        project, "bulk", "delete", str(tmp_path / "notlist.json"), "--binding", "KV", "-f"
    )
    assert code == 2 and "Expected an array of strings" in err
    (tmp_path / "broken.json").write_text("[")
    code, _, err = kv(project, "bulk", "get", str(tmp_path / "broken.json"), "--binding", "KV")
    assert code == 2 and "not valid JSON" in err


def test_cli_works_without_a_config_given_an_id_and_state(tmp_path: Path) -> None:
    state = tmp_path / "state"
    done = run_cli(
        [
            "kv",
            "key",
            "put",
            "k",
            "v",
            "--namespace-id",
            "standalone",
            "--persist-to",
            str(state),
            "--cwd",
            str(tmp_path),
        ]
    )
    assert done.returncode == 0, done.stderr
    done = run_cli(
        [
            "kv",
            "key",
            "get",
            "k",
            "--namespace-id",
            "standalone",
            "--persist-to",
            str(state),
            "--cwd",
            str(tmp_path),
        ]
    )
    assert done.stdout == "v"
    assert (state / "kv" / "standalone.sqlite3").is_file()
