#!/usr/bin/env python3
"""Durable Object counter increments per second: pyworkerd, workerd and Miniflare.

    python benches/durable_objects.py [--quick] [--duration 10] [--out FILE] [--shm]

One worker (``benches/workers/durable_objects``) with a SQLite-backed Durable Object class
``Counter`` (fetch: ``storage.get("n")``, add one, ``storage.put``, answer the new value)
is served by each server on 127.0.0.1 with its object storage on disk (``--shm``: in
/dev/shm): ``pyworkerd serve --persist-to``, workerd with ``durableObjectStorage =
(localDisk = …)`` and Miniflare with ``durableObjectsPersist``. ``/hot/`` increments one
object, ``/spread/`` the next of 1000 objects (each touched once before loading). They are
loaded by run.py's wrk command (whose helpers, like bindings.py's, this module imports);
after the runs the hot object's counter is compared with the answers wrk counted. The
table goes to stdout and to ``benches/results/<date>-durable-objects.md`` (or ``--out``).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime
import http.client
import json
import shutil
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import bindings  # noqa: E402 - benches/bindings.py (Miniflare, CPU of a process tree, table)

run: Any = bindings.run  # benches/run.py: tools, wrk, parsing, cells

WORKER_CONFIG = HERE / "workers" / "durable_objects" / "wrangler.jsonc"
CLASS_NAME = "Counter"
BINDING = "COUNTER"
SPREAD_OBJECTS = 1000  # as in the worker
PRIME_CLIENTS = 8
REQUEST_TIMEOUT_S = 30.0

PYWORKERD, WORKERD, MINIFLARE = bindings.PYWORKERD, bindings.WORKERD, bindings.MINIFLARE
SERVERS = bindings.SERVERS
Scenario = bindings.Scenario
HOT = Scenario("hot", "one hot object", SERVERS)
SPREAD = Scenario("spread", f"{SPREAD_OBJECTS:,} distinct objects, in turn", SERVERS)
SCENARIOS = (HOT, SPREAD)


# ---------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class Settings:
    run: Any  # run.py's Settings: duration, warm-up, repeats, cache, out
    shm: bool  # object storage in /dev/shm, not on disk


def parse_args(argv: Sequence[str]) -> Settings:
    """run.py's options (--quick, --duration, --out, --cache-dir) and --shm; the default
    output file is benches/results/<date>-durable-objects.md."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--shm", action="store_true")
    known, rest = parser.parse_known_args(list(argv))
    settings = run.parse_args(rest)
    if not any(a == "--out" or a.startswith("--out=") for a in rest):
        today = datetime.date.today().isoformat()
        out = run.RESULTS_DIR / f"{today}-durable-objects.md"
        settings = dataclasses.replace(settings, out=out)
    return Settings(settings, bool(known.shm))


def storage_root(shm: bool) -> str | None:
    """Where the servers' working folders (and so their object storage) go."""
    if shm and Path("/dev/shm").is_dir():
        return "/dev/shm"
    return None  # the system's temporary folder: on disk here


# ---------------------------------------------------------------------------- servers


def workerd_config(project: Any, port: int, storage: Path) -> str:
    """A capnp config: the worker, its Durable Object namespace with SQLite storage kept by
    a writable `disk` service, and one socket."""
    name = json.dumps(project.name)
    return (
        'using Workerd = import "/workerd/workerd.capnp";\n\n'
        "const config :Workerd.Config = (\n"
        "  services = [\n"
        f"    (name = {name}, worker = .w0),\n"
        f'    (name = "do-disk", disk = (path = {json.dumps(str(storage))}, writable = true)),\n'
        "  ],\n"
        f'  sockets = [(name = "http", address = "{run.HOST}:{port}", http = (), '
        f"service = {name})],\n"
        ");\n\n"
        "const w0 :Workerd.Worker = (\n"
        '  modules = [(name = "worker.js", esModule = embed "w0.js")],\n'
        f"  compatibilityDate = {json.dumps(project.compatibility_date)},\n"
        f'  durableObjectNamespaces = [(className = "{CLASS_NAME}", '
        f'uniqueKey = "{project.name}-{CLASS_NAME}", enableSql = true)],\n'
        '  durableObjectStorage = (localDisk = "do-disk"),\n'
        f'  bindings = [(name = "{BINDING}", durableObjectNamespace = "{CLASS_NAME}")],\n'
        ");\n"
    )


def miniflare_options(storage: Path) -> dict[str, Any]:
    """The worker's Durable Object binding as Miniflare options, persisted to `storage`."""
    return {
        "durableObjects": {BINDING: {"className": CLASS_NAME, "useSQLite": True}},
        "durableObjectsPersist": str(storage),
    }


def server_argv(kind: str, tools: Any, project: Any, port: int, workdir: Path) -> list[str]:
    """Each server with its object storage in `workdir`."""
    storage = workdir / "storage"
    if kind == PYWORKERD:
        return [
            *tools.pyworkerd, "serve", "--persist-to", str(storage), "--ip", run.HOST,
            "--port", str(port), "-c", str(project.config),
        ]  # fmt: skip
    if kind == WORKERD:
        storage.mkdir()
        shutil.copyfile(project.main, workdir / "w0.js")
        config = workdir / "config.capnp"
        config.write_text(workerd_config(project, port, storage))
        return [str(tools.workerd), "serve", str(config)]
    return [
        "node", str(bindings.MINIFLARE_SCRIPT), str(project.main), str(port),
        project.compatibility_date, json.dumps(miniflare_options(storage)),
    ]  # fmt: skip


@contextlib.contextmanager
def running_server(
    kind: str, tools: Any, project: Any, env: dict[str, str], root: str | None
) -> Iterator[Any]:
    """One server on a free port of 127.0.0.1, ready; stopped (by PID) afterwards."""
    with run.launched_server(
        kind,
        lambda port, workdir: server_argv(kind, tools, project, port, workdir),
        lambda _workdir: env,
        prefix=f"bench-do-{kind}-",
        root=root,
    ) as server:
        yield server


def get_count(base_url: str, path: str) -> int:
    """GET `path` on a fresh connection: the counter value it answers (200 or BenchError)."""
    port = int(base_url.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection(run.HOST, port, timeout=REQUEST_TIMEOUT_S)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read().decode("utf-8", "replace")
    finally:
        conn.close()
    if response.status != 200 or not body.isdigit():
        raise run.BenchError(f"GET {base_url}{path}: {response.status} {body[:500]}")
    return int(body)


def prime(base_url: str, objects: int = SPREAD_OBJECTS) -> list[int]:
    """Increments each /spread/ object once (a few clients at a time), so the loaded runs
    update existing objects; the counters answered, by object."""
    with ThreadPoolExecutor(PRIME_CLIENTS) as pool:
        paths = [f"/spread/?object={i}" for i in range(objects)]
        return list(pool.map(lambda path: get_count(base_url, path), paths))


# ---------------------------------------------------------------------------- measuring


@dataclass
class Measured:
    results: dict[tuple[str, str], Any]  # (route, server) -> median WrkResult
    answered: dict[str, int]  # server -> 2xx answers wrk counted on /hot/, warm-up included
    hot_count: dict[str, int]  # server -> the hot object's counter after all /hot/ runs


def answered_ok(result: Any) -> int:
    """Answers wrk saw succeed (at least; its error count includes socket errors)."""
    return max(int(result.requests) - int(result.errors), 0)


def measure(tools: Any, settings: Settings) -> Measured:
    """All servers up at once; per scenario a warm-up each, then the wrk runs alternate
    between the servers (a neighbour's burst hits each alike)."""
    project = run.load_project(WORKER_CONFIG)
    rs = settings.run
    prefix = bindings.install_miniflare(rs.cache)
    env = dict(tools.env, MINIFLARE_PREFIX=str(prefix))
    root = storage_root(settings.shm)
    runs: dict[tuple[str, str], list[Any]] = {}
    answered = dict.fromkeys(SERVERS, 0)
    with contextlib.ExitStack() as stack:
        servers = {}
        for kind in SERVERS:
            run.progress(f"starting {kind}; touching the {SPREAD_OBJECTS} /spread/ objects")
            servers[kind] = stack.enter_context(running_server(kind, tools, project, env, root))
            prime(servers[kind].url)
        for scenario in SCENARIOS:
            for kind in SERVERS:
                run.progress(f"{scenario.route}: warm-up on {kind}")
                url = bindings.scenario_url(servers[kind].url, scenario)
                warm = run.run_wrk(tools.wrk, url, rs.warmup_s)
                if scenario is HOT:
                    answered[kind] += answered_ok(warm)
            for i in range(rs.repeats):
                for kind in SERVERS:
                    run.progress(f"{scenario.route}: {kind}, run {i + 1}")
                    result = bindings.load_once(tools.wrk, servers[kind], scenario, rs.duration_s)
                    runs.setdefault((scenario.route, kind), []).append(result)
                    if scenario is HOT:
                        answered[kind] += answered_ok(result)
        hot = {kind: get_count(servers[kind].url, "/hot/") - 1 for kind in SERVERS}
    medians = {key: run.median_result(results) for key, results in runs.items()}
    return Measured(medians, answered, hot)


# ---------------------------------------------------------------------------- report


def build_rows(results: dict[tuple[str, str], Any]) -> list[Any]:
    Row = bindings.Row
    rows: list[Any] = []
    for scenario in SCENARIOS:
        by_server = {kind: results.get((scenario.route, kind)) for kind in SERVERS}

        def pick(field: str, by_server: dict[str, Any] = by_server) -> dict[str, float | None]:
            return {k: None if r is None else getattr(r, field) for k, r in by_server.items()}

        label = f"counter, {scenario.label}"
        rows += [
            Row(f"{label}: increments", "req/s", pick("rps"), bindings.error_note(by_server)),
            Row(f"{label}: p50 latency", "ms", pick("p50_ms")),
            Row(f"{label}: p99 latency", "ms", pick("p99_ms")),
            Row(f"{label}: server CPU per request", "µs", pick("cpu_us_per_request")),
        ]
    return rows


def consistency_line(answered: dict[str, int], hot_count: dict[str, int]) -> str:
    """The hot object's counter against the answers wrk counted: it may be higher (requests
    still in flight when wrk stopped were served), never lower (an increment lost)."""
    parts = []
    for kind in SERVERS:
        stored, seen = hot_count[kind], answered[kind]
        verdict = "ok" if stored >= seen else f"LOST {seen - stored:,} INCREMENTS"
        parts.append(f"{kind} {stored:,} stored / {seen:,} answered ({verdict})")
    return "Hot object's counter after all runs vs 2xx answers wrk counted: " + "; ".join(parts)


def render_report(
    measured: Measured, settings: Settings, machine: str, versions: str, elapsed_s: float
) -> str:
    rs = settings.run
    errors = sum(r.errors for r in measured.results.values())
    where = "/dev/shm (tmpfs)" if storage_root(settings.shm) else "disk (the system temp folder)"
    lines = [
        f"# pyworkerd vs workerd — Durable Objects — {datetime.date.today().isoformat()}",
        "",
        f"- machine: {machine}",
        f"- versions: {versions}",
        f"- load: `{run.wrk_command(rs, run.LOADED)}` with `/hot` or `/spread` before "
        f"`/?name=bench`, after a {rs.warmup_s} s warm-up per scenario and server; median of "
        f"{rs.repeats} run(s) each, the servers' runs interleaved",
        "- worker: `benches/workers/durable_objects`: a SQLite-backed Durable Object `Counter` "
        'whose fetch() does `n = (await storage.get("n") ?? 0) + 1; await storage.put("n", '
        "n)` and answers n; `/hot/` always the object named `hot`, `/spread/` the next of "
        f"{SPREAD_OBJECTS:,} named objects (a counter per isolate), each touched once before "
        "the warm-up",
        f"- servers: one each on 127.0.0.1, object storage on {where}: "
        "`pyworkerd serve --persist-to …` (one SQLite file per object, WAL, "
        "synchronous=FULL); workerd with `durableObjectNamespaces = [(…, enableSql = true)]` "
        "and `durableObjectStorage = (localDisk = …)` (a writable `disk` service); Miniflare "
        "(`new Miniflare({durableObjects, durableObjectsPersist})`; its workerd is its own, "
        "CPU counted with the node process)",
        "- ratio = pyworkerd ÷ other: above 1 is better for throughput, worse for the rest",
        "",
        bindings.render_table(build_rows(measured.results)),
        "",
        consistency_line(measured.answered, measured.hot_count) + ".",
        "",
        f"wrk errors (non-2xx + socket errors, all runs): {errors}. "
        f"Whole run: {elapsed_s / 60:.1f} min.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    settings = parse_args(sys.argv[1:] if argv is None else argv)
    began = time.perf_counter()
    try:
        if shutil.which("node") is None:
            raise run.BenchError("node (>= 20) is needed for Miniflare")
        tools = run.find_tools(settings.run)
        machine, versions = run.describe_machine(), bindings.describe_versions(tools)
        measured = measure(tools, settings)
    except run.BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    report = render_report(measured, settings, machine, versions, time.perf_counter() - began)
    print(report)
    settings.run.out.parent.mkdir(parents=True, exist_ok=True)
    settings.run.out.write_text(report)
    run.progress(f"written to {settings.run.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
