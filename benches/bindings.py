#!/usr/bin/env python3
"""Binding benchmarks: KV, D1 and R2 on pyworkerd, workerd and Miniflare (workerd inside).

    python benches/bindings.py [--quick] [--duration 10] [--out FILE] [--only kv-put,r2-get]

One worker (``benches/workers/bindings``) with one route per scenario is served by each
server on 127.0.0.1, seeded with ``GET /seed``, then loaded by the same wrk command as
``run.py`` (whose helpers this module imports: tools, wrk, parsing, table cells). Plain
workerd serves KV from a writable ``disk`` service; it has no local D1 or R2 of its own
(Miniflare provides those), so its column is "n/a" there. The table goes to stdout and to
``benches/results/<date>-bindings.md`` (or ``--out``). See ``benches/README.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime
import http.client
import importlib.util
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent


def _load_run() -> ModuleType:
    """benches/run.py as the module `bench_run` (the name its tests use too)."""
    if "bench_run" in sys.modules:
        return sys.modules["bench_run"]
    spec = importlib.util.spec_from_file_location("bench_run", HERE / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_run"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


run: Any = _load_run()

WORKER_CONFIG = HERE / "workers" / "bindings" / "wrangler.jsonc"
MINIFLARE_SCRIPT = HERE / "miniflare_serve.mjs"
# Miniflare from npm, with its own workerd; needs Node >= 20. In its own prefix under the
# bench cache, so that run.py's workerd install is left alone.
MINIFLARE_VERSION = "4.20260426.0"
SEED_TIMEOUT_S = 60.0

PYWORKERD = "pyworkerd"
WORKERD = "workerd"
MINIFLARE = "miniflare"
SERVERS = (PYWORKERD, WORKERD, MINIFLARE)
COLUMN_TITLES = {
    PYWORKERD: "pyworkerd",
    WORKERD: "workerd",
    MINIFLARE: "miniflare (workerd inside)",
}


@dataclass(frozen=True)
class Scenario:
    route: str  # the worker's route: wrk loads http://host:port/<route>/?name=bench
    label: str
    servers: tuple[str, ...]  # which servers can serve it


SCENARIOS = (
    Scenario("kv-get", "KV get of a hot key", SERVERS),
    Scenario("kv-put", "KV put, a new key per request", SERVERS),
    Scenario("d1-select", "D1 SELECT of one row by primary key", (PYWORKERD, MINIFLARE)),
    Scenario("d1-insert", "D1 INSERT of one row", (PYWORKERD, MINIFLARE)),
    Scenario("r2-get", "R2 get of a 1 MiB object", (PYWORKERD, MINIFLARE)),
)
NOT_SERVED = "workerd: no local D1/R2 without Miniflare (see above)"


def scenario_url(base_url: str, scenario: Scenario) -> str:
    """The base URL wrk gets for a scenario (run.py's wrk appends `/?name=bench`)."""
    return f"{base_url}/{scenario.route}"


# ---------------------------------------------------------------------------- settings


def split_only(argv: Sequence[str]) -> tuple[tuple[Scenario, ...], list[str]]:
    """`--only ROUTE[,ROUTE…]` picks scenarios (default: all; the others' rows say n/a);
    the rest of argv is run.py's."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--only")
    known, rest = parser.parse_known_args(list(argv))
    if known.only is None:
        return SCENARIOS, rest
    routes = known.only.split(",")
    unknown = set(routes) - {s.route for s in SCENARIOS}
    if unknown:
        raise SystemExit(f"bench: unknown scenario(s) {', '.join(sorted(unknown))}")
    return tuple(s for s in SCENARIOS if s.route in routes), rest


def parse_args(argv: Sequence[str] | None = None) -> Any:
    """run.py's options (--quick, --duration, --out, --cache-dir); the default output file
    is benches/results/<date>-bindings.md."""
    args = list(sys.argv[1:] if argv is None else argv)
    settings = run.parse_args(args)
    if not any(a == "--out" or a.startswith("--out=") for a in args):
        today = datetime.date.today().isoformat()
        settings = dataclasses.replace(settings, out=run.RESULTS_DIR / f"{today}-bindings.md")
    return settings


# ---------------------------------------------------------------------------- miniflare


def installed_miniflare_version(prefix: Path) -> str | None:
    manifest = prefix / "node_modules" / "miniflare" / "package.json"
    if not manifest.is_file():
        return None
    version = json.loads(manifest.read_text()).get("version")
    return str(version) if version else None


def install_miniflare(cache: Path) -> Path:
    """The npm prefix holding miniflare@MINIFLARE_VERSION, installed once."""
    prefix = cache / "miniflare"
    if installed_miniflare_version(prefix) != MINIFLARE_VERSION:
        npm = shutil.which("npm")
        if npm is None:
            raise run.BenchError("npm is needed to install miniflare (apt-get install npm)")
        prefix.mkdir(parents=True, exist_ok=True)
        run.progress(f"installing miniflare@{MINIFLARE_VERSION} into {prefix}")
        subprocess.run(
            [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--save-exact",
             f"miniflare@{MINIFLARE_VERSION}"],
            check=True, stdout=subprocess.DEVNULL, timeout=600,
        )  # fmt: skip
    return prefix


def miniflare_options() -> dict[str, list[str]]:
    """The bindings of workers/bindings/wrangler.jsonc, as Miniflare options (in memory)."""
    from pyworkerd.config import load_config

    cfg = load_config(WORKER_CONFIG)
    return {
        "kvNamespaces": [b.binding for b in cfg.kv_namespaces],
        "d1Databases": [b.binding for b in cfg.d1_databases],
        "r2Buckets": [b.binding for b in cfg.r2_buckets],
    }


# ---------------------------------------------------------------------------- workerd


def workerd_kv_config(project: Any, port: int, workdir: Path, kv_dir: Path) -> str:
    """A capnp config: the worker with its KV binding served by a writable `disk` service
    (workerd's KV binding reads and writes one file per key there); no D1, no R2."""
    return (
        'using Workerd = import "/workerd/workerd.capnp";\n\n'
        "const config :Workerd.Config = (\n"
        "  services = [\n"
        f"    (name = {json.dumps(project.name)}, worker = .w0),\n"
        f'    (name = "kv-disk", disk = (path = {json.dumps(str(kv_dir))}, writable = true)),\n'
        "  ],\n"
        f'  sockets = [(name = "http", address = "{run.HOST}:{port}", http = (), '
        f"service = {json.dumps(project.name)})],\n"
        ");\n\n"
        "const w0 :Workerd.Worker = (\n"
        '  modules = [(name = "worker.js", esModule = embed "w0.js")],\n'
        f"  compatibilityDate = {json.dumps(project.compatibility_date)},\n"
        '  bindings = [(name = "KV", kvNamespace = "kv-disk")],\n'
        ");\n"
    )


# ---------------------------------------------------------------------------- servers


def server_argv(kind: str, tools: Any, project: Any, port: int, workdir: Path) -> list[str]:
    if kind == PYWORKERD:
        argv: list[str] = run.server_argv("pyworkerd", tools, [project], port, workdir)
        return argv
    if kind == WORKERD:
        kv_dir = workdir / "kv"
        kv_dir.mkdir()
        shutil.copyfile(project.main, workdir / "w0.js")
        config = workdir / "config.capnp"
        config.write_text(workerd_kv_config(project, port, workdir, kv_dir))
        return [str(tools.workerd), "serve", str(config)]
    return [
        "node", str(MINIFLARE_SCRIPT), str(project.main), str(port),
        project.compatibility_date, json.dumps(miniflare_options()),
    ]  # fmt: skip


def server_env(env: dict[str, str], workdir: Path) -> dict[str, str]:
    """`env` with TMPDIR = the server's working folder: `pyworkerd serve --no-persist` keeps
    its KV/D1/R2 files (SQLite, fsynced) in a temporary folder, which is then in /dev/shm
    like workerd's disk-backed KV, not on the machine's disk."""
    return dict(env, TMPDIR=str(workdir))


@contextlib.contextmanager
def running_server(kind: str, tools: Any, project: Any, env: dict[str, str]) -> Iterator[Any]:
    """One server on a free port of 127.0.0.1, ready and seeded. Its working folder (and so
    pyworkerd's state and workerd's disk-backed KV) is in /dev/shm when there: all three
    servers keep their data in memory."""
    shm = "/dev/shm" if Path("/dev/shm").is_dir() else None
    with run.launched_server(
        kind,
        lambda port, workdir: server_argv(kind, tools, project, port, workdir),
        lambda workdir: server_env(env, workdir),
        prefix=f"bench-bindings-{kind}-",
        root=shm,
    ) as server:
        seed(server.url)
        yield server


def seed(base_url: str) -> None:
    port = int(base_url.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection(run.HOST, port, timeout=SEED_TIMEOUT_S)
    try:
        conn.request("GET", "/seed")
        response = conn.getresponse()
        body = response.read().decode("utf-8", "replace")
    finally:
        conn.close()
    if response.status != 200:
        raise run.BenchError(f"seeding {base_url} failed: {response.status} {body[:500]}")


# ---------------------------------------------------------------------------- measuring


def child_pids(pid: int) -> list[int]:
    """Direct children of a process (all its threads'), from /proc."""
    children: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                children += [int(c) for c in (task / "children").read_text().split()]
    return children


def tree_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process and its descendants that are still running
    (Miniflare's node process runs workerd as a child)."""
    total = 0.0
    stack = [pid]
    while stack:
        current = stack.pop()
        with contextlib.suppress(OSError):
            total += run.process_cpu_s(current)
        stack += child_pids(current)
    return total


def load_once(wrk: str, server: Any, scenario: Scenario, duration_s: int) -> Any:
    """One wrk run (run.py's LOADED: -t2 -c64) with the server's CPU per request."""
    before = tree_cpu_s(server.proc.pid)
    result = run.run_wrk(wrk, scenario_url(server.url, scenario), duration_s, run.LOADED)
    cpu_s = tree_cpu_s(server.proc.pid) - before
    return dataclasses.replace(result, cpu_us_per_request=cpu_s / max(result.requests, 1) * 1e6)


Measured = dict[tuple[str, str], Any]  # (route, server) -> WrkResult


def measure(tools: Any, settings: Any, scenarios: Sequence[Scenario] = SCENARIOS) -> Measured:
    """The servers the scenarios need, up at once; per scenario a warm-up each, then the
    wrk runs alternate between the servers (a neighbour's burst hits each alike)."""
    project = run.load_project(WORKER_CONFIG)
    prefix = install_miniflare(settings.cache)
    env = dict(tools.env, MINIFLARE_PREFIX=str(prefix))
    runs: dict[tuple[str, str], list[Any]] = {}
    with contextlib.ExitStack() as stack:
        servers = {}
        for kind in SERVERS:
            if any(kind in s.servers for s in scenarios):
                run.progress(f"starting {kind} and seeding it")
                servers[kind] = stack.enter_context(running_server(kind, tools, project, env))
        for scenario in scenarios:
            for kind in scenario.servers:
                run.progress(f"{scenario.route}: warm-up on {kind}")
                run.run_wrk(tools.wrk, scenario_url(servers[kind].url, scenario), settings.warmup_s)
            for i in range(settings.repeats):
                for kind in scenario.servers:
                    run.progress(f"{scenario.route}: {kind}, run {i + 1}")
                    result = load_once(tools.wrk, servers[kind], scenario, settings.duration_s)
                    runs.setdefault((scenario.route, kind), []).append(result)
    return {key: run.median_result(results) for key, results in runs.items()}


# ---------------------------------------------------------------------------- report


@dataclass(frozen=True)
class Row:
    metric: str
    unit: str
    values: dict[str, float | None]  # by server; None: not served
    note: str = ""


def format_cell(row: Row, kind: str) -> str:
    value = row.values.get(kind)
    return "n/a" if value is None else run.format_value(value, row.unit)


def format_ratio(row: Row, other: str) -> str:
    mine, theirs = row.values.get(PYWORKERD), row.values.get(other)
    if mine is None or theirs is None or theirs == 0:
        return "n/a"
    return f"{mine / theirs:.2f}×"


def render_table(rows: Sequence[Row]) -> str:
    lines = [
        "| metric | " + " | ".join(COLUMN_TITLES[k] for k in SERVERS)
        + " | pyworkerd ÷ workerd | pyworkerd ÷ miniflare | note |",
        "|---|--:|--:|--:|--:|--:|---|",
    ]  # fmt: skip
    for row in rows:
        cells = [f"{row.metric} ({row.unit})"]
        cells += [format_cell(row, kind) for kind in SERVERS]
        cells += [format_ratio(row, WORKERD), format_ratio(row, MINIFLARE), row.note]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def error_note(results: dict[str, Any]) -> str:
    """wrk's errors (non-2xx + socket errors, timeouts included) by server, if any."""
    counts = [(k, r.errors) for k, r in results.items() if r is not None and r.errors]
    if not counts:
        return ""
    return "wrk errors: " + ", ".join(f"{k} {n}" for k, n in counts)


def build_rows(measured: Measured) -> list[Row]:
    rows: list[Row] = []
    for scenario in SCENARIOS:
        results = {kind: measured.get((scenario.route, kind)) for kind in SERVERS}

        def pick(field: str, results: dict[str, Any] = results) -> dict[str, float | None]:
            return {k: None if r is None else getattr(r, field) for k, r in results.items()}

        notes = [NOT_SERVED] if WORKERD not in scenario.servers else []
        if errors := error_note(results):
            notes.insert(0, errors)
        note = "; ".join(notes)
        rows += [
            Row(f"{scenario.label}: throughput", "req/s", pick("rps"), note),
            Row(f"{scenario.label}: p50 latency", "ms", pick("p50_ms")),
            Row(f"{scenario.label}: p99 latency", "ms", pick("p99_ms")),
            Row(f"{scenario.label}: server CPU per request", "µs", pick("cpu_us_per_request")),
        ]
    return rows


def describe_versions(tools: Any) -> str:
    node = run.run_text(["node", "--version"])
    return f"{run.describe_versions(tools)}, miniflare {MINIFLARE_VERSION} on Node {node}"


def render_report(
    measured: Measured, settings: Any, machine: str, versions: str, elapsed_s: float
) -> str:
    errors = sum(r.errors for r in measured.values())
    lines = [
        f"# pyworkerd vs workerd — bindings — {datetime.date.today().isoformat()}",
        "",
        f"- machine: {machine}",
        f"- versions: {versions}",
        f"- load: `{run.wrk_command(settings, run.LOADED)}` with `/<route>` before "
        f"`/?name=bench`, after a {settings.warmup_s} s warm-up per scenario and server; "
        f"median of {settings.repeats} run(s) each, the servers' runs interleaved",
        "- worker: `benches/workers/bindings` (one route per scenario), seeded with "
        "`GET /seed` before loading: a 100-byte KV value, 1,000 D1 rows, a 1 MiB R2 object",
        "- servers: one each on 127.0.0.1, all state in memory: `pyworkerd serve --no-persist "
        "-c …` with TMPDIR in /dev/shm (its temporary SQLite/blob files: fsync costs ~nothing "
        "there); workerd with KV from a writable `disk` service in /dev/shm; its d1 and r2Bucket "
        "bindings need a service speaking Cloudflare's internal D1/R2 protocols, which only "
        "Miniflare provides, so its D1/R2 cells are n/a; "
        "Miniflare (`new Miniflare({…})`, in memory; its workerd is its own, CPU counted "
        "with the node process)",
        "- ratio = pyworkerd ÷ other: above 1 is better for throughput, worse for the rest",
        "",
        render_table(build_rows(measured)),
        "",
        f"wrk errors (non-2xx + socket errors, all runs): {errors}. "
        f"Whole run: {elapsed_s / 60:.1f} min.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    scenarios, rest = split_only(sys.argv[1:] if argv is None else argv)
    settings = parse_args(rest)
    began = time.perf_counter()
    try:
        if shutil.which("node") is None:
            raise run.BenchError("node (>= 20) is needed for Miniflare")
        tools = run.find_tools(settings)
        machine, versions = run.describe_machine(), describe_versions(tools)
        measured = measure(tools, settings, scenarios)
    except run.BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    report = render_report(measured, settings, machine, versions, time.perf_counter() - began)
    print(report)
    settings.out.parent.mkdir(parents=True, exist_ok=True)
    settings.out.write_text(report)
    run.progress(f"written to {settings.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
