#!/usr/bin/env python3
"""Cache API hits per second, pyworkerd next to Miniflare (workerd with its cache service).

    python benches/cache.py [--duration 5] [--body-kib 1]

One worker answers `GET /hit` with `caches.default.match()` of an entry it stored on
`GET /seed` (a body of `--body-kib` KiB, `Cache-Control: max-age=3600`); each server runs
it on 127.0.0.1 in memory (`pyworkerd serve --no-persist`, Miniflare `cache: true`) and is
loaded by wrk with run.py's settings (2 threads, 64 connections) for `--duration` seconds.
Miniflare is taken from `$MINIFLARE_PREFIX/node_modules` (default /work/tools), skipped if
absent. Prints one Markdown table; nothing is asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bindings import run  # noqa: E402 - benches/run.py, loaded once by bindings.py

WORKER_JS = """
const KEY = "https://bench.test/hit";
export default {
  async fetch(request) {
    if (new URL(request.url).pathname === "/seed") {
      const kib = Number(new URL(request.url).searchParams.get("kib") ?? "1");
      await caches.default.put(KEY, new Response("x".repeat(kib * 1024), {
        headers: { "cache-control": "max-age=3600", "content-type": "text/plain" },
      }));
      return new Response("seeded");
    }
    if (new URL(request.url).pathname === "/") return new Response("ready");
    const hit = await caches.default.match(KEY);
    return hit ?? new Response("miss", { status: 500 });
  },
};
"""
READY_TIMEOUT_S = 60.0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds of load per server")
    parser.add_argument("--body-kib", type=int, default=1, help="size of the cached body")
    return parser.parse_args(argv)


def get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(run.HOST, port, timeout=30)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


@contextlib.contextmanager
def serving(argv: list[str], port: int, env: dict[str, str] | None = None) -> Iterator[int]:
    """Start a server, wait until it answers, yield its PID; stop it (by PID) after."""
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        run.wait_ready(proc, port, READY_TIMEOUT_S, None)
        yield proc.pid
    finally:
        run.stop_process(proc)


def pyworkerd_argv(workdir: Path, port: int) -> list[str]:
    project = workdir / "project"
    (project / "src").mkdir(parents=True)
    (project / "src" / "index.js").write_text(WORKER_JS)
    (project / "wrangler.jsonc").write_text(
        '{"name": "cache-bench", "main": "src/index.js", "compatibility_date": "2025-09-01"}'
    )
    pyworkerd = [sys.executable, "-m", "pyworkerd"]
    return [
        *pyworkerd,
        "serve",
        str(project),
        "--no-persist",
        "--ip",
        run.HOST,
        "--port",
        str(port),
    ]


def miniflare_argv(workdir: Path, port: int) -> list[str] | None:
    node = shutil.which("node")
    prefix = Path(os.environ.get("MINIFLARE_PREFIX", "/work/tools"))
    if node is None or not (prefix / "node_modules" / "miniflare").is_dir():
        return None
    script = workdir / "worker.mjs"
    script.write_text(WORKER_JS)
    serve = str(HERE / "miniflare_serve.mjs")
    return [node, serve, str(script), str(port), "2025-09-01", '{"cache": true}']


def measure(argv: list[str], port: int, settings: argparse.Namespace, env: dict[str, str]) -> Any:
    wrk = run.find_wrk()
    with serving(argv, port, env):
        status, body = get(port, f"/seed?kib={settings.body_kib}")
        if status != 200:
            raise RuntimeError(f"seeding failed: {status} {body[:200]!r}")
        status, body = get(port, "/hit")
        if status != 200 or len(body) != settings.body_kib * 1024:
            raise RuntimeError(f"no cache hit: {status} {body[:200]!r}")
        return run.run_wrk(wrk, f"http://{run.HOST}:{port}/hit", settings.duration)


def main(argv: Sequence[str] | None = None) -> int:
    settings = parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="cache-bench-") as tmp:
        workdir = Path(tmp)
        env = {**os.environ, "MINIFLARE_PREFIX": os.environ.get("MINIFLARE_PREFIX", "/work/tools")}
        port = run.free_port()
        rows.append(("pyworkerd", measure(pyworkerd_argv(workdir, port), port, settings, env)))
        port = run.free_port()
        mf = miniflare_argv(workdir, port)
        if mf is not None:
            rows.append(("miniflare", measure(mf, port, settings, env)))
    print(
        f"Cache hits ({settings.body_kib} KiB body, wrk 2 threads / 64 connections, "
        f"{settings.duration} s)\n"
    )
    print("| server | hits/s | p50 ms | p99 ms | errors |")
    print("|---|--:|--:|--:|--:|")
    for name, res in rows:
        print(f"| {name} | {res.rps:.0f} | {res.p50_ms:.1f} | {res.p99_ms:.1f} | {res.errors} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
