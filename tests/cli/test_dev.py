"""`pyworkerd dev`: bad configs, the banner, reload on change, a broken save, Ctrl-C."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from pyworkerd.testing import run_cli, running_server
from tests.server.conftest import request, write_project


def test_bad_config_is_one_line_with_file_line_key_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src/index.js").write_text(
        "export default { fetch() { return new Response('x') } }"
    )
    (tmp_path / "wrangler.jsonc").write_text(
        '{\n  "name": "bad",\n  "main": "src/index.js",\n  "compatibility_date": "2025-01-01",\n'
        '  "kv_namespaces": [{ "binding": 42 }]\n}\n'
    )
    result = run_cli(["dev", str(tmp_path), "--port", "0"])
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "wrangler.jsonc:5" in lines[0] and "kv_namespaces[0].binding" in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_missing_config_and_missing_main_are_clear(tmp_path: Path) -> None:
    result = run_cli(["dev", str(tmp_path)])
    assert result.returncode == 2
    assert "no wrangler.jsonc, wrangler.json or wrangler.toml" in result.stderr
    (tmp_path / "wrangler.toml").write_text(
        'name = "x"\nmain = "src/missing.ts"\ncompatibility_date = "2025-01-01"\n'
    )
    result = run_cli(["dev", str(tmp_path)])
    assert result.returncode == 2
    assert "wrangler.toml" in result.stderr and "main" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_syntax_error_in_the_worker_is_reported_with_file_line_column(tmp_path: Path) -> None:
    root = write_project(
        tmp_path,
        {
            "src/index.js": "export default {\n  fetch() { return new Response('x') ;;; }\n  oops(\n};\n"
        },
        {},
    )
    with running_server(root) as srv:
        srv.wait_for_output(r"src/index\.js:\d+:\d+: ERROR")
        reply = request(srv.url, "/")
        assert reply.status == 500 and "failed to start" in reply.text
        assert "src/index.js:3" in reply.text


def test_dev_reloads_on_change_and_keeps_the_last_good_version(tmp_path: Path) -> None:
    root = write_project(
        tmp_path,
        {
            "src/index.js": "export default { fetch(r, env) { return new Response('v1 ' + env.WHO) } }",
            ".dev.vars": "WHO=first\n",
        },
        {"name": "reloading"},
    )
    with running_server(root) as srv:
        assert request(srv.url, "/").text == "v1 first"
        start = srv.line_count()
        (root / "src/index.js").write_text(
            "export default { fetch(r, env) { return new Response('v2 ' + env.WHO) } }"
        )
        srv.wait_for_output(r"reloading: reloaded", start=start)
        assert request(srv.url, "/").text == "v2 first"

        start = srv.line_count()
        (root / "src/index.js").write_text("export default { fetch( { broken")
        srv.wait_for_output(r"reload failed, still serving the last good version", start=start)
        srv.wait_for_output(r"src/index\.js:1:\d+: ERROR", start=start)
        assert request(srv.url, "/").text == "v2 first"

        start = srv.line_count()
        (root / ".dev.vars").write_text("WHO=second\n")
        (root / "src/index.js").write_text(
            "export default { fetch(r, env) { return new Response('v3 ' + env.WHO) } }"
        )
        srv.wait_for_output(r"reloading: reloaded", start=start)
        deadline = time.monotonic() + 10
        while request(srv.url, "/").text != "v3 second" and time.monotonic() < deadline:
            time.sleep(0.1)
        assert request(srv.url, "/").text == "v3 second"

        start = srv.line_count()
        config = (
            (root / "wrangler.jsonc")
            .read_text()
            .replace('"reloading"', '"reloading", "vars": {"EXTRA": "1"}')
        )
        (root / "wrangler.jsonc").write_text(config)
        srv.wait_for_output(r"reloading: reloaded", start=start)


def test_banner_names_worker_bindings_and_state_dir(tmp_path: Path) -> None:
    root = write_project(
        tmp_path,
        {"src/index.js": "export default { fetch() { return new Response('ok') } }"},
        {
            "name": "banner",
            "kv_namespaces": [{"binding": "CACHE", "id": "abc"}],
            "vars": {"MODE": "dev"},
        },
    )
    with running_server(root) as srv:
        out = srv.output()
        assert "worker 'banner'" in out
        assert "env.CACHE" in out and "KV Namespace" in out and "env.MODE" in out
        assert f"state: {root.resolve() / '.pyworkerd' / 'state'}" in out


def test_ctrl_c_exits_cleanly(tmp_path: Path) -> None:
    root = write_project(
        tmp_path, {"src/index.js": "export default { fetch() { return new Response('ok') } }"}, {}
    )
    with running_server(root) as srv:
        assert request(srv.url, "/").text == "ok"
        status = srv.stop(signal.SIGINT)
    assert status == 0
    assert "Traceback" not in srv.output()


def test_a_port_in_use_is_refused_not_shared(tmp_path: Path) -> None:
    root = write_project(
        tmp_path,
        {"src/index.js": "export default { fetch() { return new Response('first') } }"},
        {},
    )
    with running_server(root) as first:
        port = first.url.rsplit(":", 1)[1]
        result = run_cli(["dev", str(root), "--port", port], timeout=60)
        assert result.returncode == 1
        assert f"127.0.0.1:{port} is already in use" in result.stderr + result.stdout
        assert request(first.url, "/").text == "first"


def test_serve_with_several_processes_shares_one_port(tmp_path: Path) -> None:
    root = write_project(
        tmp_path, {"src/index.js": "export default { fetch() { return new Response('pid') } }"}, {}
    )
    with running_server(root, "--workers", "2", command="serve") as srv:
        deadline = time.monotonic() + 30
        while srv.output().count("Ready on") < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert srv.output().count("Ready on") == 2
        assert all(request(srv.url, "/").text == "pid" for _ in range(20))
