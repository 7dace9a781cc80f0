"""Smoke tests of benches/run.py's helpers: parsing wrk, configs, the table, starting a server."""

from __future__ import annotations

import importlib.util
import socket
import sys
from pathlib import Path
from types import ModuleType

import pytest

RUN_PY = Path(__file__).resolve().parents[2] / "benches" / "run.py"


def _load_run() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_run", RUN_PY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_run"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


run = _load_run()

WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:8787/?name=bench
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    14.83ms   15.27ms 168.36ms   94.39%
    Req/Sec     2.54k   745.16     3.74k    73.00%
  Latency Distribution
     50%  812.00us
     75%   14.27ms
     90%   21.69ms
     99%    1.02s
  25416 requests in 5.04s, 7.54MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 7
Requests/sec:   5044.44
Transfer/sec:      1.50MB
"""


def test_parse_duration_ms_reads_every_wrk_unit() -> None:
    assert run.parse_duration_ms("812.00us") == pytest.approx(0.812)
    assert run.parse_duration_ms("10.88ms") == pytest.approx(10.88)
    assert run.parse_duration_ms("1.02s") == pytest.approx(1020)
    assert run.parse_duration_ms("1.50m") == pytest.approx(90_000)
    with pytest.raises(ValueError):
        run.parse_duration_ms("fast")


def test_parse_wrk_reads_throughput_percentiles_and_errors() -> None:
    result = run.parse_wrk(WRK_OUTPUT)
    assert result == run.WrkResult(5044.44, 0.812, 1020.0, requests=25416, errors=12)


def test_parse_wrk_rejects_output_without_numbers() -> None:
    with pytest.raises(run.BenchError):
        run.parse_wrk("unable to connect to 127.0.0.1:1 Connection refused")


def test_median_result_takes_each_median_and_sums_errors() -> None:
    results = [run.WrkResult(r, r / 10, r / 5, 10, 1, r / 100) for r in (300.0, 100.0, 200.0)]
    assert run.median_result(results) == run.WrkResult(200.0, 20.0, 40.0, 30, 3, 2.0)


def test_bench_workers_share_one_compatibility_date() -> None:
    projects = [run.bench_project(scenario.name) for scenario in run.SCENARIOS]
    assert all(p.main.is_file() for p in projects)
    assert len({p.compatibility_date for p in projects}) == 1


def test_scenarios_load_both_servers_alike() -> None:
    by_name = {scenario.name: scenario for scenario in run.SCENARIOS}
    assert list(by_name) == ["hello", "json", "crypto", "subrequest", "stream"]
    hello = by_name["hello"].jobs()
    assert hello[:4] == [
        (run.PYWORKERD, run.LOADED),
        (run.WORKERD, run.LOADED),
        (run.PYWORKERD, run.ONE_CONNECTION),
        (run.WORKERD, run.ONE_CONNECTION),
    ]
    assert hello[4] == (run.PYWORKERD_PIPE, run.LOADED)
    assert by_name["stream"].jobs() == [(run.PYWORKERD, run.STREAM), (run.WORKERD, run.STREAM)]
    assert by_name["subrequest"].origin and not by_name["crypto"].origin


def test_fleet_projects_load_with_pyworkerd_config(tmp_path: Path) -> None:
    fleet = run.write_fleet(tmp_path, 3, "2025-09-01")
    loaded = [run.load_project(p.config) for p in fleet]
    assert [p.name for p in loaded] == ["fleet-000", "fleet-001", "fleet-002"]
    assert loaded == fleet


def test_workerd_config_has_a_service_per_worker_and_one_socket(tmp_path: Path) -> None:
    fleet = run.write_fleet(tmp_path / "fleet", 2, "2025-09-01")
    workdir = tmp_path / "wd"
    workdir.mkdir()
    text = run.workerd_config(fleet, 4321, workdir).read_text()
    assert '(name = "fleet-000", worker = .w0)' in text
    assert '(name = "fleet-001", worker = .w1)' in text
    assert 'address = "127.0.0.1:4321"' in text and 'service = "fleet-000"' in text
    assert text.count('compatibilityDate = "2025-09-01"') == 2
    assert (workdir / "w1.js").read_text() == fleet[1].main.read_text()


def test_vars_reach_both_servers(tmp_path: Path) -> None:
    project = run.dataclasses.replace(
        run.bench_project("subrequest"), vars=(("ORIGIN", "http://127.0.0.1:9"),)
    )
    text = run.workerd_config([project], 4321, tmp_path).read_text()
    assert 'bindings = [(name = "ORIGIN", text = "http://127.0.0.1:9")]' in text
    # fetch() to 127.0.0.1 needs an "internet" service that allows local addresses
    assert '(name = "internet", network = (allow = ["public", "private", "local"]))' in text
    tools = run.Tools(wrk="wrk", workerd=tmp_path, pyworkerd=("pyworkerd",), env={})
    argv = run.server_argv("pyworkerd", tools, [project], 4321, tmp_path)
    assert argv[-2:] == ["--var", "ORIGIN:http://127.0.0.1:9"]


def test_origin_answers_each_pipelined_request_head() -> None:
    with run.running_origin() as origin:
        port = int(origin.rsplit(":", 1)[1])
        with socket.create_connection((run.HOST, port), timeout=5) as sock:
            sock.sendall(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n")
            received = b""
            while received.count(run.ORIGIN_BODY) < 2:
                chunk = sock.recv(4096)
                assert chunk
                received += chunk
    assert received == run.ORIGIN_RESPONSE * 2


def test_streamed_posts_come_back_whole(tmp_path: Path) -> None:
    load = run.Load(1, 1, post_mib=1)
    with run.running_server("pyworkerd", _tools(tmp_path), [run.bench_project("stream")]) as server:
        result = run.run_posts(server.url, 0, load, check=True)
    assert (result.requests, result.errors) == (run.STREAM_MIN_REQUESTS, 0)
    assert result.rps > 0 and result.p50_ms > 0


def test_stream_rows_report_mib_per_second() -> None:
    py = run.WrkResult(2.0, 500.0, 600.0, 10, 0, 320_000.0)
    wd = run.WrkResult(0.5, 2000.0, 2100.0, 3, 1, 1_280_000.0)
    rows = run.stream_rows("stream", run.STREAM, py, wd)
    assert rows[0] == run.Row(
        "stream: throughput", "MiB/s", 128.0, 32.0, "10 / 3 requests, 1 failed"
    )
    assert (rows[2].pyworkerd, rows[2].workerd) == (5.0, 20.0)  # ms of server CPU per MiB


def test_runtime_assembled_as_pyworkerd_does() -> None:
    from pyworkerd.runtime import _assemble, runtime_files

    assert run.assemble_runtime(runtime_files()) == _assemble()


def test_runtime_costs_cover_every_file() -> None:
    from pyworkerd.runtime import runtime_files

    costs = run.measure_runtime_costs(1)
    assert [c.name for c in costs] == [""] + [name for name, _ in runtime_files()]
    assert costs[-1].heap_kib > costs[0].heap_kib > 0
    table = run.render_runtime_costs(costs).splitlines()
    assert table[2].startswith("| (empty isolate) | — | — | — |")
    assert len(table) == len(costs) + 2


def test_table_prints_ratio_only_for_comparable_rows() -> None:
    table = run.render_table(
        [
            run.Row("hello: throughput", "req/s", 9000.0, 6000.0),
            run.Row("cold start", "ms", 13.25, 33.7, "different things", comparable=False),
            run.Row("RSS", "MiB", 96.1, None),
        ]
    )
    lines = table.splitlines()
    assert lines[2] == "| hello: throughput (req/s) | 9,000 | 6,000 | 1.50× |  |"
    assert lines[3] == "| cold start (ms) | 13.2 | 33.7 | n/a | different things |"
    assert lines[4] == "| RSS (MiB) | 96.1 | — | — |  |"


def test_process_cpu_s_counts_this_process() -> None:
    import os

    spent = run.process_cpu_s(os.getpid())
    sum(i * i for i in range(200_000))
    assert run.process_cpu_s(os.getpid()) >= spent >= 0


def test_server_env_turns_the_bytecode_cache_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    env = run.server_env(tmp_path)
    assert "PYTHONDONTWRITEBYTECODE" not in env
    assert env["PYTHONPYCACHEPREFIX"] == str(tmp_path / "pycache")


def _tools(tmp_path: Path) -> object:
    workerd = run.workerd_binary(run.DEFAULT_CACHE) if _workerd_installed() else tmp_path
    return run.Tools(
        wrk="wrk",
        workerd=workerd,
        pyworkerd=(sys.executable, "-m", "pyworkerd"),
        env=run.server_env(tmp_path),
    )


def _workerd_installed() -> bool:
    return bool(run.installed_workerd_version(run.DEFAULT_CACHE) == run.WORKERD_VERSION)


def test_running_server_starts_and_stops_pyworkerd(tmp_path: Path) -> None:
    with run.running_server("pyworkerd", _tools(tmp_path), [run.bench_project("hello")]) as server:
        assert server.ready_s > 0
        assert run.http_ok(int(server.url.rsplit(":", 1)[1]))
    assert server.proc.returncode is not None


@pytest.mark.skipif(not _workerd_installed(), reason="workerd not installed by benches/run.py")
def test_running_server_serves_a_generated_capnp_config(tmp_path: Path) -> None:
    fleet = run.write_fleet(tmp_path, 2, "2025-09-01")
    with run.running_server("workerd", _tools(tmp_path), fleet) as server:
        assert run.http_ok(int(server.url.rsplit(":", 1)[1]))
    assert server.proc.returncode is not None


def test_wrk_command_is_the_one_the_bench_runs() -> None:
    settings = run.parse_args(["--duration", "10"])
    assert run.wrk_command(settings, run.LOADED) == (
        "wrk -t2 -c64 -d10s --latency -H 'x-bench-client: wrk' http://127.0.0.1:<port>/?name=bench"
    )
    assert run.wrk_command(settings, run.ONE_CONNECTION).startswith("wrk -t1 -c1 -d5s --latency")
