#!/usr/bin/env python3
"""pyworkerd next to workerd on this machine: throughput, latency, start-up, cold start, memory.

    python benches/run.py [--quick] [--duration 10] [--out benches/results/YYYY-MM-DD.md]

Both servers run the same workers (``benches/workers/``) on 127.0.0.1, are loaded by the
same wrk command, and are measured the same way; the result is one Markdown table, printed
to stdout and written to ``--out``. Progress goes to stderr. See ``benches/README.md`` for
what each number means. Run it with the project's virtualenv (it imports pyworkerd).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime
import http.client
import importlib.metadata
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

HERE = Path(__file__).resolve().parent
WORKERS_DIR = HERE / "workers"
RESULTS_DIR = HERE / "results"

# workerd from its npm package (it ships the real binary). Newest release that runs here.
WORKERD_VERSION = "1.20261117.1"
DEFAULT_CACHE = Path.home() / ".cache" / "pyworkerd" / "bench"

HOST = "127.0.0.1"
WRK_HEADER = "x-bench-client: wrk"
WRK_PATH = "/?name=bench"
SCENARIOS = ("hello", "json")
READY_TIMEOUT_S = 60.0
FLEET_READY_TIMEOUT_S = 900.0
MEMORY_SETTLE_S = 2.0
STOP_TIMEOUT_S = 15.0

ServerKind = Literal["pyworkerd", "workerd"]
SERVERS: tuple[ServerKind, ...] = ("pyworkerd", "workerd")
# Where a server's stderr goes: nowhere, or a pipe this script drains (like a log collector).
StderrMode = Literal["devnull", "pipe"]


class BenchError(Exception):
    """A benchmark step failed; printed as one message, exit status 1."""


# ---------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class Settings:
    duration_s: int
    warmup_s: int
    repeats: int
    startup_repeats: int
    cold_repeats: int
    fleet_sizes: tuple[int, ...]
    cache: Path
    out: Path


def parse_args(argv: Sequence[str] | None = None) -> Settings:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 wrk run per number, not 3")
    parser.add_argument("--duration", type=int, help="seconds per wrk run (10; 5 with --quick)")
    parser.add_argument("--out", type=Path, help="Markdown file (benches/results/<date>.md)")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE, help="workerd install")
    args = parser.parse_args(argv)
    quick = bool(args.quick)
    today = datetime.date.today().isoformat()
    return Settings(
        duration_s=args.duration or (5 if quick else 10),
        warmup_s=2 if quick else 3,
        repeats=1 if quick else 3,
        startup_repeats=3 if quick else 5,
        cold_repeats=5 if quick else 9,
        fleet_sizes=(1, 50, 200),
        cache=args.cache_dir.expanduser(),
        out=args.out or RESULTS_DIR / f"{today}.md",
    )


def progress(text: str) -> None:
    print(f"[bench] {text}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------- tools


@dataclass(frozen=True)
class Tools:
    wrk: str
    workerd: Path
    pyworkerd: tuple[str, ...]  # argv prefix that runs the `pyworkerd` command
    env: dict[str, str]  # the servers' environment


def server_env(cache: Path) -> dict[str, str]:
    """This environment, with Python's bytecode cache on (in `cache`, not the source tree).

    An installed pyworkerd has its .pyc files; a PYTHONDONTWRITEBYTECODE inherited from a
    sandbox would make every start-up compile the package again (~130 ms here).
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(cache / "pycache")
    return env


def find_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise BenchError(
            "wrk is not installed: `apt-get install wrk` (Debian/Ubuntu) or `brew install wrk`"
        )
    return wrk


def install_workerd(cache: Path) -> Path:
    """The workerd binary of WORKERD_VERSION, installed with npm into `cache` once."""
    if installed_workerd_version(cache) != WORKERD_VERSION:
        npm = shutil.which("npm")
        if npm is None:
            raise BenchError("npm is needed to install workerd (apt-get install npm)")
        cache.mkdir(parents=True, exist_ok=True)
        progress(f"installing workerd@{WORKERD_VERSION} into {cache}")
        subprocess.run(
            [npm, "install", "--prefix", str(cache), "--no-audit", "--no-fund", "--save-exact",
             f"workerd@{WORKERD_VERSION}"],
            check=True, stdout=subprocess.DEVNULL, timeout=600,
        )  # fmt: skip
    return workerd_binary(cache)


def installed_workerd_version(cache: Path) -> str | None:
    manifest = cache / "node_modules" / "workerd" / "package.json"
    if not manifest.is_file():
        return None
    version = json.loads(manifest.read_text()).get("version")
    return str(version) if version else None


def workerd_binary(cache: Path) -> Path:
    """The native binary (not the npm shim, so start-up times are workerd's own)."""
    modules = cache / "node_modules"
    for candidate in sorted(modules.glob("@cloudflare/workerd-*/bin/workerd")):
        return candidate
    shim = modules / "workerd" / "bin" / "workerd"
    if shim.is_file():
        return shim
    raise BenchError(f"workerd is not in {modules} after npm install")


def find_tools(settings: Settings) -> Tools:
    return Tools(
        wrk=find_wrk(),
        workerd=install_workerd(settings.cache),
        pyworkerd=(sys.executable, "-m", "pyworkerd"),
        env=server_env(settings.cache),
    )


# ---------------------------------------------------------------------------- workers


@dataclass(frozen=True)
class WorkerProject:
    name: str
    config: Path  # wrangler.jsonc
    main: Path  # one self-contained ES module
    compatibility_date: str


def load_project(config: Path) -> WorkerProject:
    """Name, entry point and compatibility date as pyworkerd reads them from the config."""
    from pyworkerd.config import load_config

    cfg = load_config(config)
    if cfg.name is None or cfg.main is None:
        raise BenchError(f"{config}: a bench worker needs `name` and `main`")
    return WorkerProject(cfg.name, config, cfg.main, cfg.compatibility_date)


def bench_project(scenario: str) -> WorkerProject:
    return load_project(WORKERS_DIR / scenario / "wrangler.jsonc")


def write_fleet(root: Path, count: int, compatibility_date: str) -> list[WorkerProject]:
    """`count` tiny worker projects, each answering its own name."""
    fleet: list[WorkerProject] = []
    for i in range(count):
        name = f"fleet-{i:03d}"
        folder = root / name
        folder.mkdir(parents=True)
        main = folder / "index.js"
        main.write_text(f'export default {{ fetch() {{ return new Response("{name}"); }} }};\n')
        config = folder / "wrangler.jsonc"
        config.write_text(
            json.dumps({"name": name, "main": "index.js", "compatibility_date": compatibility_date})
        )
        fleet.append(WorkerProject(name, config, main, compatibility_date))
    return fleet


def workerd_config(projects: Sequence[WorkerProject], port: int, workdir: Path) -> Path:
    """A capnp config: one service per worker (module syntax), one socket for the first."""
    services: list[str] = []
    workers: list[str] = []
    for i, project in enumerate(projects):
        module = f"w{i}.js"
        shutil.copyfile(project.main, workdir / module)
        services.append(f"(name = {json.dumps(project.name)}, worker = .w{i})")
        workers.append(
            f"const w{i} :Workerd.Worker = (\n"
            f'  modules = [(name = "worker.js", esModule = embed "{module}")],\n'
            f"  compatibilityDate = {json.dumps(project.compatibility_date)},\n"
            ");\n"
        )
    socket_line = (
        f'(name = "http", address = "{HOST}:{port}", http = (), '
        f"service = {json.dumps(projects[0].name)})"
    )
    text = (
        'using Workerd = import "/workerd/workerd.capnp";\n\n'
        "const config :Workerd.Config = (\n"
        "  services = [\n    " + ",\n    ".join(services) + "\n  ],\n"
        f"  sockets = [{socket_line}],\n"
        ");\n\n" + "\n".join(workers)
    )
    path = workdir / "config.capnp"
    path.write_text(text)
    return path


# ---------------------------------------------------------------------------- servers


@dataclass
class Server:
    kind: ServerKind
    proc: subprocess.Popen[bytes]
    url: str
    ready_s: float  # process start to first 200 response


class StderrTail:
    """Drains a pipe on a thread (so the server never blocks on it); keeps the last bytes."""

    def __init__(self, pipe: int, keep: int = 4096) -> None:
        self._fd = pipe
        self._keep = keep
        self.tail = b""
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        while chunk := os.read(self._fd, 1 << 16):
            self.tail = (self.tail + chunk)[-self._keep :]

    def join(self) -> None:
        self._thread.join(timeout=5)

    def text(self) -> str:
        return self.tail.decode("utf-8", "replace").strip()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def server_argv(
    kind: ServerKind, tools: Tools, projects: Sequence[WorkerProject], port: int, workdir: Path
) -> list[str]:
    """pyworkerd serves the first config and loads the others; workerd gets a capnp file."""
    if kind == "pyworkerd":
        argv = [*tools.pyworkerd, "serve", "--no-persist", "--ip", HOST, "--port", str(port)]
        for project in projects:
            argv += ["-c", str(project.config)]
        return argv
    return [str(tools.workerd), "serve", str(workerd_config(projects, port, workdir))]


def http_ok(port: int, timeout: float = 2.0) -> bool:
    """One GET / on a fresh connection: True on a 200, False if nothing listens yet."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", "/")
        response = conn.getresponse()
        response.read()
        return response.status == 200
    except OSError:
        return False
    finally:
        conn.close()


def wait_ready(
    proc: subprocess.Popen[bytes], port: int, timeout: float, tail: StderrTail | None
) -> None:
    """Poll with HTTP requests in a tight loop (1 ms apart) until one succeeds."""
    deadline = time.perf_counter() + timeout
    while not http_ok(port):
        if proc.poll() is not None:
            said = tail.text() if tail else "(stderr not captured)"
            raise BenchError(f"{proc.args!r} exited with status {proc.returncode}:\n{said}")
        if time.perf_counter() > deadline:
            raise BenchError(f"{proc.args!r} did not answer within {timeout:.0f}s")
        time.sleep(0.001)


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=STOP_TIMEOUT_S)


@contextlib.contextmanager
def running_server(
    kind: ServerKind,
    tools: Tools,
    projects: Sequence[WorkerProject],
    *,
    stderr: StderrMode = "pipe",
    ready_timeout: float = READY_TIMEOUT_S,
) -> Iterator[Server]:
    """Start either server on a free port, wait for its first 200, stop it afterwards."""
    with tempfile.TemporaryDirectory(prefix=f"bench-{kind}-") as workdir:
        port = free_port()
        argv = server_argv(kind, tools, projects, port, Path(workdir))
        started = time.perf_counter()
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE if stderr == "pipe" else subprocess.DEVNULL,
            cwd=workdir,
            env=tools.env,
            start_new_session=True,
        )
        tail = StderrTail(proc.stderr.fileno()) if proc.stderr is not None else None
        try:
            wait_ready(proc, port, ready_timeout, tail)
            ready_s = time.perf_counter() - started
            yield Server(kind, proc, f"http://{HOST}:{port}", ready_s)
        finally:
            stop_process(proc)
            if tail is not None:
                tail.join()
            if proc.stderr is not None:
                proc.stderr.close()


# ---------------------------------------------------------------------------- wrk


@dataclass(frozen=True)
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int = 0
    errors: int = 0  # non-2xx responses plus socket errors
    cpu_us_per_request: float = 0.0  # the server's user+system CPU time (all its threads)


_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def parse_duration_ms(text: str) -> float:
    """wrk's latency figures: `812.00us`, `10.88ms`, `1.02s`, `1.50m`."""
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if match is None:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * _UNIT_MS[match.group(2)]


def parse_wrk(output: str) -> WrkResult:
    """Requests/s, p50, p99 and error counts from `wrk --latency` output."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    count = re.search(r"^\s*(\d+) requests in", output, re.M)
    if rps is None or p50 is None or p99 is None or count is None:
        raise BenchError(f"unexpected wrk output:\n{output}")
    errors = 0
    if non2xx := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output):
        errors += int(non2xx.group(1))
    if sock := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        errors += sum(int(n) for n in sock.groups())
    return WrkResult(
        float(rps.group(1)),
        parse_duration_ms(p50.group(1)),
        parse_duration_ms(p99.group(1)),
        int(count.group(1)),
        errors,
    )


@dataclass(frozen=True)
class Load:
    """How wrk loads a server: its threads and open connections."""

    threads: int
    connections: int
    max_duration_s: int | None = None  # shorter runs suffice for latency at low load


LOADED = Load(2, 64)
ONE_CONNECTION = Load(1, 1, max_duration_s=5)


def wrk_argv(wrk: str, base_url: str, duration_s: int, load: Load = LOADED) -> list[str]:
    if load.max_duration_s is not None:
        duration_s = min(duration_s, load.max_duration_s)
    return [
        wrk, f"-t{load.threads}", f"-c{load.connections}", f"-d{duration_s}s", "--latency",
        "-H", WRK_HEADER, base_url + WRK_PATH,
    ]  # fmt: skip


def run_wrk(wrk: str, base_url: str, duration_s: int, load: Load = LOADED) -> WrkResult:
    done = subprocess.run(
        wrk_argv(wrk, base_url, duration_s, load),
        capture_output=True,
        text=True,
        timeout=duration_s + 60,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return parse_wrk(done.stdout)


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process, all threads (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_server(wrk: str, server: Server, duration_s: int, load: Load = LOADED) -> WrkResult:
    """One wrk run against `server`, with the CPU time the server spent per request."""
    before = process_cpu_s(server.proc.pid)
    result = run_wrk(wrk, server.url, duration_s, load)
    cpu_s = process_cpu_s(server.proc.pid) - before
    return dataclasses.replace(result, cpu_us_per_request=cpu_s / max(result.requests, 1) * 1e6)


def median_result(results: Sequence[WrkResult]) -> WrkResult:
    return WrkResult(
        statistics.median(r.rps for r in results),
        statistics.median(r.p50_ms for r in results),
        statistics.median(r.p99_ms for r in results),
        sum(r.requests for r in results),
        sum(r.errors for r in results),
        statistics.median(r.cpu_us_per_request for r in results),
    )


# ---------------------------------------------------------------------------- measurements


@dataclass(frozen=True)
class Variant:
    """A server as it is loaded: which one, and where its stderr goes."""

    kind: ServerKind
    stderr: StderrMode = "devnull"


PYWORKERD = Variant("pyworkerd")
PYWORKERD_PIPE = Variant("pyworkerd", "pipe")
WORKERD = Variant("workerd")
SERVED_ALIKE = (PYWORKERD, WORKERD)


Job = tuple[Variant, Load]


def measure_throughput(
    tools: Tools, project: WorkerProject, jobs: Sequence[Job], settings: Settings
) -> dict[Job, WrkResult]:
    """Every variant's server runs at once (idle ones cost nothing) and the wrk runs
    alternate between them, so a neighbour's load on this shared machine hits each alike."""
    runs: dict[Job, list[WrkResult]] = {job: [] for job in jobs}
    with contextlib.ExitStack() as stack:
        servers = {
            v: stack.enter_context(running_server(v.kind, tools, [project], stderr=v.stderr))
            for v in dict.fromkeys(variant for variant, _ in jobs)
        }
        for server in servers.values():
            run_wrk(tools.wrk, server.url, settings.warmup_s)
        for i in range(settings.repeats):
            for variant, load in jobs:
                progress(
                    f"{project.name}: {variant.kind}, stderr {variant.stderr}, "
                    f"{load.connections} connection(s), run {i + 1}"
                )
                result = load_server(tools.wrk, servers[variant], settings.duration_s, load)
                runs[variant, load].append(result)
    return {job: median_result(r) for job, r in runs.items()}


def measure_startup(tools: Tools, project: WorkerProject, repeats: int) -> dict[ServerKind, float]:
    """Median seconds from process start to the first 200, alternating the servers."""
    samples: dict[ServerKind, list[float]] = {kind: [] for kind in SERVERS}
    for _ in range(repeats):
        for kind in SERVERS:
            with running_server(kind, tools, [project]) as server:
                samples[kind].append(server.ready_s)
    return {kind: statistics.median(s) for kind, s in samples.items()}


@dataclass(frozen=True)
class FleetPoint:
    rss_mib: float
    ready_s: float


FleetPoints = dict[tuple[ServerKind, int], FleetPoint]


def read_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise BenchError(f"no VmRSS for process {pid}")


def measure_fleet(tools: Tools, kind: ServerKind, fleet: Sequence[WorkerProject]) -> FleetPoint:
    """RSS of an idle server with every worker of `fleet` loaded (one isolate each)."""
    with running_server(kind, tools, fleet, ready_timeout=FLEET_READY_TIMEOUT_S) as server:
        time.sleep(MEMORY_SETTLE_S)
        return FleetPoint(read_rss_mib(server.proc.pid), server.ready_s)


def measure_fleets(tools: Tools, sizes: Sequence[int]) -> FleetPoints:
    date = bench_project("hello").compatibility_date
    points: FleetPoints = {}
    with tempfile.TemporaryDirectory(prefix="bench-fleet-") as root:
        fleet = write_fleet(Path(root), max(sizes), date)
        for kind in SERVERS:
            for n in sizes:
                progress(f"memory: {kind} with {n} workers")
                points[kind, n] = measure_fleet(tools, kind, fleet[:n])
                point = points[kind, n]
                progress(
                    f"  RSS {point.rss_mib:.1f} MiB, first response after {point.ready_s:.1f} s"
                )
    return points


# In-process cold start: the engine API, no HTTP. The hello worker in the runtime's CJS form.
HELLO_CJS = 'module.exports.default = { fetch() { return new Response("Hello World!"); } };'


def _discard_log(_worker: str, _level: str, _rid: int, _text: str) -> None:
    return None


async def _cold_start_once(spare: bool, index: int) -> float:
    """Seconds from `pool.fetch` of a never-started worker to its response head."""
    from pyworkerd.bundler import wrap_script
    from pyworkerd.engine.boot import SpareContexts
    from pyworkerd.engine.pool import WorkerPool
    from pyworkerd.engine.types import HostRequest, WorkerSpec

    spares = SpareContexts(1 if spare else 0)
    spec = WorkerSpec(name=f"cold-{index}", script=wrap_script(HELLO_CJS))
    pool: WorkerPool | None = None
    try:
        spares.start_refill()
        while len(spares._ready) < spares.size:  # no public "wait until full"
            await asyncio.sleep(0.005)
        pool = WorkerPool(spec, log=_discard_log, spares=spares)
        started = time.perf_counter()
        response, done = await pool.fetch(HostRequest("GET", "http://x/", ["host", "x"]))
        elapsed = time.perf_counter() - started
        await asyncio.wait_for(done, 10)
    finally:
        if pool is not None:
            pool.close()
        await spares.close()
    if response.status != 200:
        raise BenchError(f"cold start: status {response.status}")
    return elapsed


async def _cold_starts(repeats: int) -> dict[str, float]:
    await _cold_start_once(False, -1)  # V8's one-time process set-up, as in a running server
    samples: dict[str, list[float]] = {"spare": [], "boot": []}
    for i in range(repeats):
        samples["spare"].append(await _cold_start_once(True, i))
        samples["boot"].append(await _cold_start_once(False, i))
    return {key: statistics.median(s) for key, s in samples.items()}


def measure_cold_start(repeats: int) -> dict[str, float]:
    """pyworkerd in process, on uvloop like `pyworkerd serve`: with a booted spare / without."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(_cold_starts(repeats))
    return uvloop.run(_cold_starts(repeats))


# ---------------------------------------------------------------------------- all of it


Throughput = dict[tuple[str, Variant, Load], WrkResult]  # by scenario, server, load


@dataclass
class Results:
    throughput: Throughput
    startup_s: dict[ServerKind, float]
    cold_s: dict[str, float]
    fleet: FleetPoints
    elapsed_s: float = 0.0


def run_all(tools: Tools, settings: Settings) -> Results:
    began = time.perf_counter()
    throughput: Throughput = {}
    for scenario in SCENARIOS:
        jobs: list[Job] = [(v, load) for load in (LOADED, ONE_CONNECTION) for v in SERVED_ALIKE]
        if scenario == "hello":
            jobs.append((PYWORKERD_PIPE, LOADED))
        progress(f"throughput: {scenario}")
        measured = measure_throughput(tools, bench_project(scenario), jobs, settings)
        throughput.update({(scenario, v, load): r for (v, load), r in measured.items()})
    progress("start-up: process start to first response")
    startup = measure_startup(tools, bench_project("hello"), settings.startup_repeats)
    progress("cold start in process (pyworkerd engine)")
    cold = measure_cold_start(settings.cold_repeats)
    fleet = measure_fleets(tools, settings.fleet_sizes)
    return Results(throughput, startup, cold, fleet, time.perf_counter() - began)


# ---------------------------------------------------------------------------- report


@dataclass(frozen=True)
class Row:
    metric: str
    unit: str  # "req/s", "ms", "µs", "s" or "MiB": how the numbers are printed
    pyworkerd: float | None
    workerd: float | None
    note: str = ""
    comparable: bool = True  # False: the two columns measure different things (no ratio)


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "req/s":
        return f"{value:,.0f}"
    if unit == "ms":
        return f"{value:.2f}" if value < 10 else f"{value:.1f}"
    return f"{value:.1f}"


def format_ratio(row: Row) -> str:
    if not row.comparable:
        return "n/a"
    if row.pyworkerd is None or row.workerd is None or row.workerd == 0:
        return "—"
    return f"{row.pyworkerd / row.workerd:.2f}×"


def render_table(rows: Sequence[Row]) -> str:
    lines = [
        "| metric | pyworkerd | workerd | pyworkerd ÷ workerd | note |",
        "|---|--:|--:|--:|---|",
    ]
    for row in rows:
        cells = [
            f"{row.metric} ({row.unit})",
            format_value(row.pyworkerd, row.unit),
            format_value(row.workerd, row.unit),
            format_ratio(row),
            row.note,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def throughput_rows(label: str, py: WrkResult, wd: WrkResult, note: str = "") -> list[Row]:
    return [
        Row(f"{label}: throughput", "req/s", py.rps, wd.rps, note),
        Row(f"{label}: p50 latency", "ms", py.p50_ms, wd.p50_ms),
        Row(f"{label}: p99 latency", "ms", py.p99_ms, wd.p99_ms),
        Row(f"{label}: server CPU per request", "µs", py.cpu_us_per_request, wd.cpu_us_per_request),
    ]


def per_isolate_mib(fleet: FleetPoints, kind: ServerKind, n: int) -> float:
    return (fleet[kind, n].rss_mib - fleet[kind, 1].rss_mib) / (n - 1)


def both(values: dict[ServerKind, float], scale: float = 1.0) -> tuple[float, float]:
    return values["pyworkerd"] * scale, values["workerd"] * scale


def one_connection_rows(label: str, py: WrkResult, wd: WrkResult) -> list[Row]:
    return [
        Row(f"{label}: p50 latency", "ms", py.p50_ms, wd.p50_ms),
        Row(f"{label}: p99 latency", "ms", py.p99_ms, wd.p99_ms),
        Row(f"{label}: server CPU per request", "µs", py.cpu_us_per_request, wd.cpu_us_per_request),
    ]


def throughput_section(tp: Throughput) -> list[Row]:
    rows: list[Row] = []
    for scenario in SCENARIOS:
        py, wd = tp[scenario, PYWORKERD, LOADED], tp[scenario, WORKERD, LOADED]
        rows += throughput_rows(scenario, py, wd)
    piped, quiet = tp["hello", PYWORKERD_PIPE, LOADED], tp["hello", PYWORKERD, LOADED]
    change = f"{(piped.rps / quiet.rps - 1) * 100:+.0f}% req/s vs pyworkerd's stderr → /dev/null"
    label = "hello, pyworkerd's stderr → a drained pipe"
    rows += throughput_rows(label, piped, tp["hello", WORKERD, LOADED], change)
    for scenario in SCENARIOS:
        py, wd = tp[scenario, PYWORKERD, ONE_CONNECTION], tp[scenario, WORKERD, ONE_CONNECTION]
        rows += one_connection_rows(f"{scenario}, 1 connection (wrk -t1 -c1)", py, wd)
    return rows


def startup_section(results: Results, sizes: Sequence[int]) -> list[Row]:
    lazy = (
        "pyworkerd: in process, engine API. workerd has no lazy start (it loads every worker "
        "at start-up): its column is its whole process start → first response, 1 worker"
    )
    workerd_start = results.startup_s["workerd"] * 1000
    big, one = max(sizes), min(sizes)
    per_worker = {
        kind: (results.fleet[kind, big].ready_s - results.fleet[kind, one].ready_s) / (big - one)
        for kind in SERVERS
    }
    return [
        Row("start-up: process start → first response (hello)", "ms",
            *both(results.startup_s, 1000)),
        Row("cold start of a not-yet-started worker, booted spare ready", "ms",
            results.cold_s["spare"] * 1000, workerd_start, lazy, comparable=False),
        Row("cold start of a not-yet-started worker, no spare (full isolate boot)", "ms",
            results.cold_s["boot"] * 1000, workerd_start, lazy, comparable=False),
        Row(f"start-up cost per extra worker: (T({big}) − T({one})) / {big - one}", "ms",
            *both(per_worker, 1000), "measured alike on both: the fleet start-ups below"),
    ]  # fmt: skip


def memory_section(fleet: FleetPoints, sizes: Sequence[int]) -> list[Row]:
    rows = [
        Row(f"RSS, idle, {n} worker{'s' if n > 1 else ''} loaded", "MiB",
            fleet["pyworkerd", n].rss_mib, fleet["workerd", n].rss_mib)
        for n in sizes
    ]  # fmt: skip
    rows += [
        Row(f"RSS per idle isolate: (RSS({n}) − RSS(1)) / {n - 1}", "MiB",
            per_isolate_mib(fleet, "pyworkerd", n), per_isolate_mib(fleet, "workerd", n))
        for n in sizes
        if n > 1
    ]  # fmt: skip
    big = max(sizes)
    rows.append(Row(f"start-up with {big} workers: process start → first response", "s",
                    fleet["pyworkerd", big].ready_s, fleet["workerd", big].ready_s))  # fmt: skip
    return rows


def build_rows(results: Results, sizes: Sequence[int]) -> list[Row]:
    return (
        throughput_section(results.throughput)
        + startup_section(results, sizes)
        + memory_section(results.fleet, sizes)
    )


def run_text(argv: Sequence[str], timeout: float = 30) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    return (done.stdout or done.stderr).strip()


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def describe_machine() -> str:
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} cores (nproc {run_text(['nproc'])}), {cpu_model()}, "
        f"Linux {platform.release()}, load average at start {load}"
    )


def describe_versions(tools: Tools) -> str:
    def dist(name: str) -> str:
        try:
            return f"{name} {importlib.metadata.version(name)}"
        except importlib.metadata.PackageNotFoundError:
            return f"{name} (not installed)"

    wrk = run_text([tools.wrk, "-v"]).splitlines()[0].split(" [")[0]
    workerd = run_text([str(tools.workerd), "--version"])
    return ", ".join(
        [dist("pyworkerd"), dist("mini-racer"), dist("granian"), dist("uvloop"),
         f"workerd {WORKERD_VERSION} ({workerd})", wrk, f"Python {platform.python_version()}"]
    )  # fmt: skip


def wrk_command(settings: Settings, load: Load) -> str:
    """The wrk command line as a reader would type it (the port varies per run)."""
    argv = wrk_argv("wrk", f"http://{HOST}:<port>", settings.duration_s, load)
    return " ".join(f"'{a}'" if " " in a else a for a in argv)


def render_report(results: Results, settings: Settings, machine: str, versions: str) -> str:
    errors = sum(r.errors for r in results.throughput.values())
    lines = [
        f"# pyworkerd vs workerd — {datetime.date.today().isoformat()}",
        "",
        f"- machine: {machine}",
        f"- versions: {versions}",
        f"- load: `{wrk_command(settings, LOADED)}` after a {settings.warmup_s} s warm-up; "
        f"rows marked 1 connection: `{wrk_command(settings, ONE_CONNECTION)}`; median of "
        f"{settings.repeats} run(s) each, the servers' runs interleaved",
        "- servers: one process each on 127.0.0.1; `pyworkerd serve --no-persist -c …` and "
        "`workerd serve config.capnp` (generated); stdout and stderr → /dev/null unless stated; "
        "Python's bytecode cache on, as in an installed package",
        f"- start-up: median of {settings.startup_repeats}; cold start: median of "
        f"{settings.cold_repeats}; RSS: VmRSS {MEMORY_SETTLE_S:.0f} s after the first response",
        "- ratio = pyworkerd ÷ workerd: above 1 is better for throughput, worse for the rest",
        "",
        render_table(build_rows(results, settings.fleet_sizes)),
        "",
        f"wrk errors (non-2xx + socket errors, all runs): {errors}. "
        f"Whole run: {results.elapsed_s / 60:.1f} min.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    settings = parse_args(argv)
    try:
        tools = find_tools(settings)
        machine, versions = describe_machine(), describe_versions(tools)
        results = run_all(tools, settings)
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    report = render_report(results, settings, machine, versions)
    print(report)
    settings.out.parent.mkdir(parents=True, exist_ok=True)
    settings.out.write_text(report)
    progress(f"written to {settings.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
