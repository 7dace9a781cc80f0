#!/usr/bin/env python3
"""pyworkerd next to workerd on this machine: throughput, latency, streaming, start-up, memory.

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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
WORKERS_DIR = HERE / "workers"
RESULTS_DIR = HERE / "results"

# workerd from its npm package (it ships the real binary). Newest release that runs here.
WORKERD_VERSION = "1.20261117.1"
DEFAULT_CACHE = Path.home() / ".cache" / "pyworkerd" / "bench"

HOST = "127.0.0.1"
WRK_HEADER = "x-bench-client: wrk"
WRK_PATH = "/?name=bench"
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
    # Vars set by this script (pyworkerd: --var, overriding the config; workerd: text bindings).
    vars: tuple[tuple[str, str], ...] = ()


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
        bindings = ", ".join(
            f"(name = {json.dumps(k)}, text = {json.dumps(v)})" for k, v in project.vars
        )
        workers.append(
            f"const w{i} :Workerd.Worker = (\n"
            f'  modules = [(name = "worker.js", esModule = embed "{module}")],\n'
            f"  compatibilityDate = {json.dumps(project.compatibility_date)},\n"
            + (f"  bindings = [{bindings}],\n" if bindings else "")
            + ");\n"
        )
    # fetch() goes out through the service named "internet"; workerd's default one allows
    # public addresses only, and the subrequest bench's origin is on 127.0.0.1.
    services.append('(name = "internet", network = (allow = ["public", "private", "local"]))')
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
            for key, value in project.vars:
                argv += ["--var", f"{key}:{value}"]
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
def launched_server(
    kind: str,
    argv_for: Callable[[int, Path], list[str]],
    env_for: Callable[[Path], dict[str, str]],
    *,
    prefix: str,
    root: str | None = None,
    stderr: StderrMode = "pipe",
    ready_timeout: float = READY_TIMEOUT_S,
) -> Iterator[Server]:
    """Start `argv_for(port, workdir)` (environment `env_for(workdir)`) on a free port with
    a temporary working folder (under `root` when given), wait for its first 200, stop it
    (by PID) afterwards. Every bench starts its servers through here."""
    with tempfile.TemporaryDirectory(prefix=prefix, dir=root) as workdir:
        port = free_port()
        argv = argv_for(port, Path(workdir))
        started = time.perf_counter()
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE if stderr == "pipe" else subprocess.DEVNULL,
            cwd=workdir,
            env=env_for(Path(workdir)),
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
    with launched_server(
        kind,
        lambda port, workdir: server_argv(kind, tools, projects, port, workdir),
        lambda _workdir: tools.env,
        prefix=f"bench-{kind}-",
        stderr=stderr,
        ready_timeout=ready_timeout,
    ) as server:
        yield server


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
    """How a server is loaded: wrk's threads and open connections, or (post_mib > 0) one
    client POSTing a body of that many MiB at a time and reading it back as it streams."""

    threads: int
    connections: int
    max_duration_s: int | None = None  # shorter runs suffice for latency at low load
    post_mib: int = 0


LOADED = Load(2, 64)
ONE_CONNECTION = Load(1, 1, max_duration_s=5)
STREAM = Load(1, 1, post_mib=64)
STREAM_MIN_REQUESTS = 3  # per run, however long they take


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


def _send_all(sock: socket.socket, *parts: bytes) -> None:
    with contextlib.suppress(OSError):  # the server may answer and close early: a failure
        for part in parts:
            sock.sendall(part)


def post_streamed(url: str, body: bytes, check: bool = False) -> tuple[float, bool]:
    """POST `body` on a fresh connection: a thread sends it while this one reads the response
    (the server streams it back while the upload is still running). Seconds, and whether a
    200 came back with exactly as many bytes (and, with `check`, the same bytes)."""
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    head = (
        f"POST / HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Length: {len(body)}\r\n"
        "Content-Type: application/octet-stream\r\nConnection: close\r\n\r\n"
    ).encode()
    sock = socket.create_connection((parts.hostname, parts.port), timeout=300)
    try:
        started = time.perf_counter()
        sender = threading.Thread(target=_send_all, args=(sock, head, body), daemon=True)
        sender.start()
        response = http.client.HTTPResponse(sock, method="POST")
        response.begin()
        received, buffer, same = 0, bytearray(1 << 20), True
        while n := response.readinto(buffer):
            if check:
                same = same and buffer[:n] == body[received : received + n]
            received += n
        elapsed = time.perf_counter() - started
        sender.join(timeout=60)
        return elapsed, response.status == 200 and received == len(body) and same
    except OSError:
        return time.perf_counter() - started, False
    finally:
        sock.close()


def run_posts(base_url: str, duration_s: int, load: Load, check: bool = False) -> WrkResult:
    """Streamed POSTs one after another for `duration_s` (at least STREAM_MIN_REQUESTS):
    rps counts the good ones, p50/p99 are the seconds per request (in ms)."""
    body = os.urandom(1 << 20) * load.post_mib  # random bytes: nothing on the way compresses
    times: list[float] = []
    errors = 0
    began = time.perf_counter()
    while len(times) + errors < STREAM_MIN_REQUESTS or time.perf_counter() - began < duration_s:
        elapsed, ok = post_streamed(base_url, body, check)
        if ok:
            times.append(elapsed)
        else:
            errors += 1
        if errors > STREAM_MIN_REQUESTS:
            break
    if not times:
        return WrkResult(0.0, 0.0, 0.0, 0, errors)
    quantiles = statistics.quantiles(times, n=100, method="inclusive") if len(times) > 1 else times
    return WrkResult(
        len(times) / sum(times),
        statistics.median(times) * 1000,
        quantiles[-1] * 1000,
        len(times),
        errors,
    )


def load_server(wrk: str, server: Server, duration_s: int, load: Load = LOADED) -> WrkResult:
    """One wrk run (or run of streamed POSTs) against `server`, with the CPU time the server
    spent per request."""
    before = process_cpu_s(server.proc.pid)
    if load.post_mib:
        result = run_posts(server.url, duration_s, load)
    else:
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


@dataclass(frozen=True)
class Scenario:
    """A worker of workers/ and how it is loaded; every load runs on both servers."""

    name: str  # its folder in workers/
    label: str  # how its rows are named
    loads: tuple[Load, ...]
    piped: bool = False  # also load pyworkerd with its stderr → a drained pipe (LOADED)
    origin: bool = False  # gets ORIGIN, the URL of a small local origin server

    def jobs(self) -> list[Job]:
        jobs: list[Job] = [(v, load) for load in self.loads for v in SERVED_ALIKE]
        if self.piped:
            jobs.append((PYWORKERD_PIPE, LOADED))
        return jobs


SCENARIOS = (
    Scenario("hello", "hello", (LOADED, ONE_CONNECTION), piped=True),
    Scenario("json", "json", (LOADED, ONE_CONNECTION)),
    Scenario("crypto", "crypto: HMAC-SHA256 of the URL", (LOADED,)),
    Scenario("subrequest", "subrequest: fetch() of a local origin", (LOADED,), origin=True),
    Scenario("stream", f"stream: {STREAM.post_mib} MiB POST → TransformStream → response",
             (STREAM,)),
)  # fmt: skip


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
        first_load: dict[Variant, Load] = {}
        for variant, load in jobs:
            first_load.setdefault(variant, load)
        for variant, load in first_load.items():  # one warm-up per server, with its first load
            if load.post_mib:  # the first streamed body is compared byte for byte
                warm = run_posts(servers[variant].url, settings.warmup_s, load, check=True)
                if warm.errors:
                    progress(f"{project.name}: {variant.kind} streamed a wrong body back")
            else:
                run_wrk(tools.wrk, servers[variant].url, settings.warmup_s)
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


# The subrequest bench's origin: a minimal HTTP/1.1 keep-alive responder on a thread of this
# script (its own event loop), so that neither server's CPU time includes it. It answers
# every request head with the same small 200; the subrequests are GETs without a body.
ORIGIN_BODY = b"hello from the origin\n"
ORIGIN_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n"
ORIGIN_RESPONSE = ORIGIN_HEAD % len(ORIGIN_BODY) + ORIGIN_BODY


class OriginProtocol(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.pending = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is no subclass

    def data_received(self, data: bytes) -> None:
        self.pending += data
        heads = self.pending.count(b"\r\n\r\n")
        if heads and self.transport is not None:
            self.pending = self.pending[self.pending.rindex(b"\r\n\r\n") + 4 :]
            self.transport.write(ORIGIN_RESPONSE * heads)


def new_event_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


@contextlib.contextmanager
def running_origin() -> Iterator[str]:
    """The origin on a free port of 127.0.0.1, served by a thread; yields its base URL."""
    loop = new_event_loop()
    server = loop.run_until_complete(loop.create_server(OriginProtocol, HOST, 0))
    port = server.sockets[0].getsockname()[1]
    thread = threading.Thread(target=loop.run_forever, name="bench-origin", daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{port}"
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        server.close()
        loop.run_until_complete(server.wait_closed())
        loop.close()


# What each file of the runtime (src/pyworkerd/runtime/js/) adds to a new isolate: time to
# evaluate the runtime up to and including it, and the heap used after a full GC.


@dataclass(frozen=True)
class RuntimeCost:
    name: str  # the last file evaluated ("" for an empty isolate)
    size: int  # that file's source, characters
    eval_ms: float  # evaluating every file up to this one (median)
    heap_kib: float  # used heap after a full GC (median)


def assemble_runtime(files: Sequence[tuple[str, str]]) -> str:
    """What `pyworkerd.runtime._assemble` makes of `files` (tested to stay equal)."""
    from pyworkerd.runtime import assemble

    return assemble(files)


def _isolate_cost(source: str) -> tuple[float, float]:
    """A new isolate: seconds to evaluate `source`, then KiB of heap used after a full GC."""
    from pyworkerd.engine.native import NativeContext

    ctx = NativeContext()
    try:
        started = time.perf_counter()
        ctx.eval(source)
        elapsed = time.perf_counter() - started
        ctx.collect_garbage()
        return elapsed, ctx.heap_stats()["used_heap_size"] / 1024
    finally:
        ctx.close()


async def _runtime_costs(repeats: int) -> list[RuntimeCost]:
    from pyworkerd.runtime import runtime_files

    files = runtime_files()
    sources = [assemble_runtime(files[:k]) for k in range(len(files) + 1)]
    _isolate_cost(sources[-1])  # V8's one-time process set-up
    samples: list[list[tuple[float, float]]] = [[] for _ in sources]
    for _ in range(repeats):
        for k, source in enumerate(sources):  # prefixes interleaved: noise hits each alike
            samples[k].append(_isolate_cost(source))
    names = [("", 0)] + [(name, len(text)) for name, text in files]
    return [
        RuntimeCost(
            name,
            size,
            statistics.median(t for t, _ in sample) * 1000,
            statistics.median(h for _, h in sample),
        )
        for (name, size), sample in zip(names, samples, strict=True)
    ]


def measure_runtime_costs(repeats: int) -> list[RuntimeCost]:
    """In process, isolates made inside a running loop (as the engine requires)."""
    loop = new_event_loop()
    try:
        return loop.run_until_complete(_runtime_costs(repeats))
    finally:
        loop.close()


# ---------------------------------------------------------------------------- all of it


Throughput = dict[tuple[str, Variant, Load], WrkResult]  # by scenario, server, load


@dataclass
class Results:
    throughput: Throughput
    startup_s: dict[ServerKind, float]
    cold_s: dict[str, float]
    fleet: FleetPoints
    runtime_costs: list[RuntimeCost] = dataclasses.field(default_factory=list)
    elapsed_s: float = 0.0


def run_all(tools: Tools, settings: Settings) -> Results:
    began = time.perf_counter()
    throughput: Throughput = {}
    with running_origin() as origin:
        for scenario in SCENARIOS:
            project = bench_project(scenario.name)
            if scenario.origin:
                project = dataclasses.replace(project, vars=(("ORIGIN", origin),))
            progress(f"throughput: {scenario.name}")
            measured = measure_throughput(tools, project, scenario.jobs(), settings)
            throughput.update({(scenario.name, v, load): r for (v, load), r in measured.items()})
    progress("start-up: process start to first response")
    startup = measure_startup(tools, bench_project("hello"), settings.startup_repeats)
    progress("cold start in process (pyworkerd engine)")
    cold = measure_cold_start(settings.cold_repeats)
    fleet = measure_fleets(tools, settings.fleet_sizes)
    progress("start-up cost of each runtime file (pyworkerd engine)")
    costs = measure_runtime_costs(settings.cold_repeats)
    return Results(throughput, startup, cold, fleet, costs, time.perf_counter() - began)


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


def stream_rows(label: str, load: Load, py: WrkResult, wd: WrkResult) -> list[Row]:
    """Streamed POSTs: the body's MiB per second, and time and server CPU per request."""
    mib = load.post_mib
    errors = py.errors + wd.errors
    note = f"{py.requests} / {wd.requests} requests" + (f", {errors} failed" if errors else "")
    return [
        Row(f"{label}: throughput", "MiB/s", py.rps * mib, wd.rps * mib, note),
        Row(f"{label}: time per request, p50", "ms", py.p50_ms, wd.p50_ms),
        Row(f"{label}: server CPU per MiB", "ms",
            py.cpu_us_per_request / mib / 1000, wd.cpu_us_per_request / mib / 1000),
    ]  # fmt: skip


def throughput_section(tp: Throughput) -> list[Row]:
    rows: list[Row] = []
    for scenario in SCENARIOS:
        if LOADED in scenario.loads:
            py, wd = tp[scenario.name, PYWORKERD, LOADED], tp[scenario.name, WORKERD, LOADED]
            rows += throughput_rows(scenario.label, py, wd)
    for scenario in SCENARIOS:
        if scenario.piped:
            piped = tp[scenario.name, PYWORKERD_PIPE, LOADED]
            quiet, wd = tp[scenario.name, PYWORKERD, LOADED], tp[scenario.name, WORKERD, LOADED]
            change = (
                f"{(piped.rps / quiet.rps - 1) * 100:+.0f}% req/s vs pyworkerd's stderr → /dev/null"
            )
            label = f"{scenario.label}, pyworkerd's stderr → a drained pipe"
            rows += throughput_rows(label, piped, wd, change)
    for scenario in SCENARIOS:
        if ONE_CONNECTION in scenario.loads:
            py = tp[scenario.name, PYWORKERD, ONE_CONNECTION]
            wd = tp[scenario.name, WORKERD, ONE_CONNECTION]
            rows += one_connection_rows(f"{scenario.label}, 1 connection (wrk -t1 -c1)", py, wd)
    for scenario in SCENARIOS:
        for load in scenario.loads:
            if load.post_mib:
                py, wd = tp[scenario.name, PYWORKERD, load], tp[scenario.name, WORKERD, load]
                rows += stream_rows(scenario.label, load, py, wd)
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


def render_runtime_costs(costs: Sequence[RuntimeCost]) -> str:
    """One row per runtime file: what it adds to a new isolate, and the running totals."""
    lines = [
        "| runtime file (load order) | source (KiB) | + eval (ms) | + heap (KiB) "
        "| eval up to here (ms) | heap up to here (KiB) |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    previous: RuntimeCost | None = None
    for cost in costs:
        if previous is None:
            lines.append(
                f"| (empty isolate) | — | — | — | {cost.eval_ms:.2f} | {cost.heap_kib:.0f} |"
            )
        else:
            lines.append(
                f"| {cost.name} | {cost.size / 1024:.1f} | {cost.eval_ms - previous.eval_ms:+.2f} "
                f"| {cost.heap_kib - previous.heap_kib:+.0f} | {cost.eval_ms:.2f} "
                f"| {cost.heap_kib:.0f} |"
            )
        previous = cost
    return "\n".join(lines)


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
        f"wrk errors (non-2xx + socket errors, all runs; failed streamed POSTs): {errors}. "
        f"Whole run: {results.elapsed_s / 60:.1f} min.",
        "",
        "## What each runtime file adds to a new isolate (pyworkerd)",
        "",
        "In process: for each file of the runtime in load order (`runtime_files()`: "
        "`src/pyworkerd/runtime/js/`, then the bindings' facades), a new isolate "
        "(`NativeContext`, made in a running event loop) evaluates the runtime up to and "
        "including that file, assembled as `pyworkerd.runtime` does but **raw, not minified** "
        "(isolates get the minified runtime: less to parse, less source kept in the heap), "
        "then a full GC; heap = V8's `used_heap_size`. The `+` columns are the differences "
        f"between consecutive prefixes. Median of {settings.cold_repeats} isolates per prefix, "
        "after one untimed isolate; eval includes compiling. A delta near zero or below is noise.",
        "",
        render_runtime_costs(results.runtime_costs),
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
