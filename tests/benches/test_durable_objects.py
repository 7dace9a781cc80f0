"""benches/durable_objects.py: its worker counts alike on each server it starts, and its
settings, configs and report. Speed is never asserted."""

from __future__ import annotations

import datetime
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCH_PY = Path(__file__).resolve().parents[2] / "benches" / "durable_objects.py"


def _load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_durable_objects", BENCH_PY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_durable_objects"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


bench = _load_bench()
run = bench.run
bindings = bench.bindings


def _installed(kind: str) -> bool:
    """Whether the pinned copy the bench would run is in the bench cache (skip if not)."""
    if kind == bench.WORKERD:
        return bool(run.installed_workerd_version(run.DEFAULT_CACHE) == run.WORKERD_VERSION)
    if kind == bench.MINIFLARE:
        prefix = run.DEFAULT_CACHE / "miniflare"
        return bool(bindings.installed_miniflare_version(prefix) == bindings.MINIFLARE_VERSION)
    return True


def _tools(tmp_path: Path) -> Any:
    workerd = run.workerd_binary(run.DEFAULT_CACHE) if _installed(bench.WORKERD) else tmp_path
    return run.Tools(
        wrk="wrk",
        workerd=workerd,
        pyworkerd=(sys.executable, "-m", "pyworkerd"),
        env=dict(run.server_env(tmp_path), MINIFLARE_PREFIX=str(run.DEFAULT_CACHE / "miniflare")),
    )


@pytest.mark.parametrize("kind", bench.SERVERS)
def test_the_worker_counts_alike_on_each_server(kind: str, tmp_path: Path) -> None:
    if not _installed(kind):
        pytest.skip(f"{kind} is not installed in {run.DEFAULT_CACHE} (run the bench once)")
    tools = _tools(tmp_path)
    project = run.load_project(bench.WORKER_CONFIG)
    with bench.running_server(kind, tools, project, tools.env, str(tmp_path)) as server:
        assert [bench.get_count(server.url, "/hot/?name=bench") for _ in range(3)] == [1, 2, 3]
        assert bench.prime(server.url, objects=4) == [1, 1, 1, 1]  # four new objects
        assert bench.prime(server.url, objects=4) == [2, 2, 2, 2]
        assert bench.get_count(server.url, "/spread/?object=1002") == 3  # 1002 % 1000
        assert bench.get_count(server.url, "/hot/") == 4
        assert bench.get_count(server.url, "/spread/?name=bench") >= 1
        with pytest.raises(run.BenchError, match="404"):
            bench.get_count(server.url, "/nowhere/")
        (workdir,) = tmp_path.glob(f"bench-do-{kind}-*")
        stored = list((workdir / "storage").rglob("*.sqlite*"))
        assert stored, "the objects' storage is in the server's working folder"


def test_workerd_config_keeps_sqlite_objects_on_a_writable_disk(tmp_path: Path) -> None:
    project = run.load_project(bench.WORKER_CONFIG)
    text = bench.workerd_config(project, 4321, tmp_path)
    assert f'disk = (path = "{tmp_path}", writable = true)' in text
    assert 'durableObjectStorage = (localDisk = "do-disk")' in text
    assert (
        '(className = "Counter", uniqueKey = "bench-durable-objects-Counter", enableSql = true)'
        in text
    )
    assert '(name = "COUNTER", durableObjectNamespace = "Counter")' in text
    assert 'address = "127.0.0.1:4321"' in text


def test_miniflare_options_follow_the_wrangler_config(tmp_path: Path) -> None:
    from pyworkerd.config import load_config

    cfg = load_config(bench.WORKER_CONFIG)
    (binding,) = cfg.durable_objects.bindings
    options = bench.miniflare_options(tmp_path)
    assert options == {
        "durableObjects": {binding.name: {"className": binding.class_name, "useSQLite": True}},
        "durableObjectsPersist": str(tmp_path),
    }
    assert cfg.migrations[0].new_sqlite_classes == (bench.CLASS_NAME,)


def test_parse_args_defaults_to_a_durable_objects_file_on_disk() -> None:
    today = datetime.date.today().isoformat()
    settings = bench.parse_args(["--quick"])
    assert settings.run.out == run.RESULTS_DIR / f"{today}-durable-objects.md"
    assert (settings.run.duration_s, settings.run.repeats, settings.shm) == (5, 1, False)
    assert bench.storage_root(settings.shm) is None
    shm = bench.parse_args(["--shm", "--out", "/tmp/x.md"])
    assert (shm.shm, shm.run.out, shm.run.repeats) == (True, Path("/tmp/x.md"), 3)


def _result(rps: float, errors: int = 0) -> Any:
    return run.WrkResult(
        rps, 2.0, 9.5, requests=int(rps * 5), errors=errors, cpu_us_per_request=150
    )


def test_table_has_a_row_block_per_scenario_and_notes_errors() -> None:
    results = {
        (s.route, kind): _result(1000.0 if kind == bench.PYWORKERD else 500.0, errors=2)
        for s in bench.SCENARIOS
        for kind in bench.SERVERS
        if (s.route, kind) != ("spread", bench.MINIFLARE)
    }
    rows = bench.build_rows(results)
    assert len(rows) == 4 * len(bench.SCENARIOS)
    lines = bindings.render_table(rows).splitlines()
    hot = next(line for line in lines if line.startswith("| counter, one hot object: increments"))
    assert "| 1,000 | 500 | 500 | 2.00× | 2.00× |" in hot
    assert "wrk errors: pyworkerd 2, workerd 2, miniflare 2" in hot
    spread = next(line for line in lines if "distinct objects, in turn: increments" in line)
    assert "| 1,000 | 500 | n/a | 2.00× | n/a |" in spread


def test_consistency_line_flags_lost_increments() -> None:
    answered = {bench.PYWORKERD: 100, bench.WORKERD: 100, bench.MINIFLARE: 100}
    stored = {bench.PYWORKERD: 40, bench.WORKERD: 100, bench.MINIFLARE: 164}
    line = bench.consistency_line(answered, stored)
    assert "pyworkerd 40 stored / 100 answered (LOST 60 INCREMENTS)" in line
    assert "workerd 100 stored / 100 answered (ok)" in line
    assert "miniflare 164 stored / 100 answered (ok)" in line
    assert bench.answered_ok(_result(100.0, errors=7)) == 493
