"""Smoke tests of benches/bindings.py's pure helpers: URLs, options, configs, the table."""

from __future__ import annotations

import datetime
import importlib.util
import json
import os
import sys
from pathlib import Path
from types import ModuleType

BINDINGS_PY = Path(__file__).resolve().parents[2] / "benches" / "bindings.py"


def _load_bindings() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_bindings", BINDINGS_PY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_bindings"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


bindings = _load_bindings()
run = bindings.run


def _result(rps: float, errors: int = 0) -> object:
    return run.WrkResult(
        rps, 2.0, 9.5, requests=int(rps * 5), errors=errors, cpu_us_per_request=150
    )


def test_scenario_url_puts_the_route_before_wrks_path() -> None:
    scenario = bindings.SCENARIOS[0]
    url = bindings.scenario_url("http://127.0.0.1:8787", scenario)
    assert url + run.WRK_PATH == f"http://127.0.0.1:8787/{scenario.route}/?name=bench"


def test_every_scenario_runs_on_pyworkerd_and_miniflare() -> None:
    routes = [s.route for s in bindings.SCENARIOS]
    assert routes == ["kv-get", "kv-put", "d1-select", "d1-insert", "r2-get"]
    for scenario in bindings.SCENARIOS:
        assert {bindings.PYWORKERD, bindings.MINIFLARE} <= set(scenario.servers)
    kv_only = {s.route for s in bindings.SCENARIOS if bindings.WORKERD in s.servers}
    assert kv_only == {"kv-get", "kv-put"}


def test_worker_serves_every_route() -> None:
    source = (bindings.HERE / "workers" / "bindings" / "src" / "index.js").read_text()
    for scenario in bindings.SCENARIOS:
        assert f'case "{scenario.route}"' in source
    assert 'case "seed"' in source


def test_parse_args_defaults_to_a_bindings_file() -> None:
    today = datetime.date.today().isoformat()
    settings = bindings.parse_args(["--quick"])
    assert settings.out == run.RESULTS_DIR / f"{today}-bindings.md"
    assert (settings.duration_s, settings.repeats) == (5, 1)
    full = bindings.parse_args([])
    assert (full.duration_s, full.repeats) == (10, 3)
    assert bindings.parse_args(["--out", "/tmp/x.md"]).out == Path("/tmp/x.md")


def test_miniflare_options_follow_the_wrangler_config() -> None:
    assert bindings.miniflare_options() == {
        "kvNamespaces": ["KV"],
        "d1Databases": ["DB"],
        "r2Buckets": ["BUCKET"],
    }


def test_installed_miniflare_version(tmp_path: Path) -> None:
    assert bindings.installed_miniflare_version(tmp_path) is None
    manifest = tmp_path / "node_modules" / "miniflare" / "package.json"
    manifest.parent.mkdir(parents=True)
    manifest.write_text(json.dumps({"version": bindings.MINIFLARE_VERSION}))
    assert bindings.installed_miniflare_version(tmp_path) == bindings.MINIFLARE_VERSION


def test_workerd_kv_config_binds_kv_to_a_writable_disk(tmp_path: Path) -> None:
    project = run.load_project(bindings.WORKER_CONFIG)
    text = bindings.workerd_kv_config(project, 4321, tmp_path, tmp_path / "kv")
    assert 'disk = (path = "' + str(tmp_path / "kv") + '", writable = true)' in text
    assert '(name = "KV", kvNamespace = "kv-disk")' in text
    assert 'address = "127.0.0.1:4321"' in text
    assert f'compatibilityDate = "{project.compatibility_date}"' in text
    assert "d1" not in text.lower() and "r2" not in text.lower()


def test_table_marks_unserved_cells_and_ratios_na() -> None:
    measured = {
        (s.route, kind): _result(1000.0 if kind == bindings.PYWORKERD else 500.0)
        for s in bindings.SCENARIOS
        for kind in s.servers
    }
    rows = bindings.build_rows(measured)
    assert len(rows) == 4 * len(bindings.SCENARIOS)
    table = bindings.render_table(rows)
    lines = table.splitlines()
    assert lines[0].count("|") == lines[1].count("|") == 8
    assert "miniflare (workerd inside)" in lines[0]
    kv = next(line for line in lines if line.startswith("| KV get of a hot key: throughput"))
    assert "| 1,000 | 500 | 500 | 2.00× | 2.00× |" in kv
    d1 = next(line for line in lines if line.startswith("| D1 INSERT of one row: throughput"))
    assert "| 1,000 | n/a | 500 | n/a | 2.00× |" in d1
    assert bindings.NOT_SERVED in d1


def test_errors_are_noted() -> None:
    measured = {("kv-get", kind): _result(100.0, errors=3) for kind in bindings.SERVERS}
    measured["kv-get", bindings.WORKERD] = _result(100.0)
    rows = bindings.build_rows(measured)
    assert rows[0].note == "wrk errors: pyworkerd 3, miniflare 3"
    assert rows[4].values == dict.fromkeys(bindings.SERVERS)  # kv-put: nothing measured


def test_tree_cpu_counts_this_process() -> None:
    own = run.process_cpu_s(os.getpid())  # read first: CPU time only grows
    assert own > 0
    assert bindings.tree_cpu_s(os.getpid()) >= own
    assert bindings.child_pids(os.getpid()) == []


def test_server_env_puts_temporary_state_in_the_workdir(tmp_path: Path) -> None:
    env = bindings.server_env({"PATH": "/bin", "TMPDIR": "/tmp"}, tmp_path)
    assert env == {"PATH": "/bin", "TMPDIR": str(tmp_path)}
