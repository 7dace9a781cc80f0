#!/usr/bin/env python3
"""Queue messages delivered per second end to end, pyworkerd next to Miniflare.

    python benches/queues.py [--messages 20000] [--per-request 100] [--clients 4]

One worker is producer and consumer of one queue (`max_batch_size` 100,
`max_batch_timeout` 0.1 s). `--clients` threads POST `/send?n=<per-request>` (one
`sendBatch` of that many JSON messages; with `--per-request 1`, one `send`) until
`--messages` are acknowledged as sent; the clock stops when the broker has logged every
message delivered and acknowledged (`QUEUE q <acked>/<total>` lines). pyworkerd runs
`pyworkerd dev --persist-to <tmp>` (SQLite, fsync on every commit); Miniflare 4 keeps its
queue in memory, driven by `dispatchFetch` in one node process (`--skip-miniflare` to
leave it out; taken from `$MINIFLARE_PREFIX/node_modules`, default /work/tools). Bounded:
each run gives up after `--timeout` seconds. Prints one Markdown table; nothing is asserted.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

WORKER_JS = """
export default {
  async fetch(request, env) {
    const n = Number(new URL(request.url).searchParams.get("n") ?? "1");
    if (n === 1) { await env.Q.send({ at: Date.now() }); return new Response("1"); }
    const messages = Array.from({ length: n }, (_, i) => ({ body: { i, at: Date.now() } }));
    await env.Q.sendBatch(messages);
    return new Response(String(n));
  },
  async queue(batch) {
    let sum = 0;
    for (const m of batch.messages) sum += m.body.at > 0 ? 1 : 0;
    if (sum !== batch.messages.length) throw new Error("bad body");
  },
};
"""
CONFIG = {
    "name": "queue-bench",
    "main": "src/index.js",
    "compatibility_date": "2025-09-01",
    "queues": {
        "producers": [{"binding": "Q", "queue": "q"}],
        "consumers": [{"queue": "q", "max_batch_size": 100, "max_batch_timeout": 0.1}],
    },
}
MINIFLARE_JS = r"""
const { Miniflare, Log, LogLevel } = require(process.env.MINIFLARE_PATH);
const env = process.env, script = env.SCRIPT;
const [total, perRequest, clients, timeoutS] =
  [env.TOTAL, env.PER_REQUEST, env.CLIENTS, env.TIMEOUT_S].map(Number);
let delivered = 0, done = null;
class CountingLog extends Log {
  logWithLevel(level, message) {
    const m = /QUEUE q (\d+)\/(\d+)/.exec(message.replace(/\x1b\[[0-9;]*m/g, ""));
    if (m) { delivered += Number(m[1]); if (delivered >= total && done) done(); }
  }
}
(async () => {
  const mf = new Miniflare({ modules: true, script, compatibilityDate: "2025-09-01",
    queueProducers: { Q: { queueName: "q" } },
    queueConsumers: { q: { maxBatchSize: 100, maxBatchTimeout: 0.1 } },
    log: new CountingLog(LogLevel.INFO) });
  await mf.ready;
  const finished = new Promise((resolve) => { done = resolve; });
  const start = performance.now();
  let sent = 0;
  const client = async () => {
    while (sent < total) {
      sent += perRequest;
      const res = await mf.dispatchFetch(`http://localhost/send?n=${perRequest}`);
      await res.text();
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  const sentAt = performance.now();
  const timer = setTimeout(() => done(), timeoutS * 1000);
  await finished;
  clearTimeout(timer);
  const end = performance.now();
  const sendS = (sentAt - start) / 1000, totalS = (end - start) / 1000;
  console.log(JSON.stringify({ delivered, sendS, totalS }));
  await mf.dispose();
})();
"""
_QUEUE_LINE = re.compile(r"QUEUE q (\d+)/(\d+)")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--per-request", type=int, default=100, help="messages per request")
    parser.add_argument("--clients", type=int, default=4, help="concurrent HTTP clients")
    parser.add_argument("--timeout", type=float, default=120.0, help="give up after (s)")
    parser.add_argument("--skip-miniflare", action="store_true")
    return parser.parse_args(argv)


class Delivered:
    """Sums the broker's `QUEUE q a/t` lines as the server prints them."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.acked = 0
        self.url = ""
        self._cond = threading.Condition()
        self._proc = proc
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            with self._cond:
                if m := _QUEUE_LINE.search(line):
                    self.acked += int(m.group(1))
                elif not self.url and (ready := re.search(r"Ready on (http://\S+)", line)):
                    self.url = ready.group(1)
                self._cond.notify_all()

    def wait(self, predicate: str, target: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not (self.url if predicate == "ready" else self.acked >= target):
                left = deadline - time.monotonic()
                if left <= 0 or self._proc.poll() is not None:
                    return False
                self._cond.wait(left)
        return True


def post_until(url: str, total: int, per_request: int, clients: int) -> None:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    lock = threading.Lock()
    state = {"sent": 0}

    def client() -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        try:
            while True:
                with lock:
                    if state["sent"] >= total:
                        return
                    state["sent"] += per_request
                conn.request("POST", f"/send?n={per_request}")
                resp = conn.getresponse()
                resp.read()
                if resp.status != 200:
                    raise RuntimeError(f"send failed: {resp.status}")
        finally:
            conn.close()

    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(client) for _ in range(clients)]:
            future.result()


def bench_pyworkerd(args: argparse.Namespace, workdir: Path) -> dict[str, float]:
    project = workdir / "app"
    (project / "src").mkdir(parents=True)
    (project / "src" / "index.js").write_text(WORKER_JS)
    (project / "wrangler.json").write_text(json.dumps(CONFIG))
    argv = [sys.executable, "-m", "pyworkerd", "dev", str(project), "--port", "0"]
    argv += ["--persist-to", str(workdir / "state"), "--log-level", "warn"]
    env = {**os.environ, "NO_COLOR": "1", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    try:
        seen = Delivered(proc)
        if not seen.wait("ready", 0, 60):
            raise RuntimeError("pyworkerd did not start")
        start = time.monotonic()
        post_until(seen.url, args.messages, args.per_request, args.clients)
        sent_at = time.monotonic()
        complete = seen.wait("delivered", args.messages, args.timeout)
        end = time.monotonic()
        return {
            "delivered": seen.acked if complete else -1,
            "sendS": sent_at - start,
            "totalS": end - start,
        }
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def bench_miniflare(args: argparse.Namespace) -> dict[str, float] | None:
    prefix = Path(os.environ.get("MINIFLARE_PREFIX", "/work/tools"))
    module = prefix / "node_modules" / "miniflare"
    if args.skip_miniflare or not module.is_dir() or shutil.which("node") is None:
        return None
    env = {
        **os.environ,
        "MINIFLARE_PATH": str(module),
        "SCRIPT": WORKER_JS,
        "TOTAL": str(args.messages),
        "PER_REQUEST": str(args.per_request),
        "CLIENTS": str(args.clients),
        "TIMEOUT_S": str(args.timeout),
    }
    out = subprocess.run(
        ["node", "-e", MINIFLARE_JS],
        capture_output=True,
        text=True,
        env=env,
        timeout=args.timeout + 60,
    )
    for line in reversed(out.stdout.splitlines()):
        if line.startswith("{"):
            result: dict[str, float] = json.loads(line)
            return result
    raise RuntimeError(f"miniflare bench failed:\n{out.stdout}\n{out.stderr}")


def row(name: str, result: dict[str, float], total: int) -> str:
    if result["delivered"] < total:
        return f"| {name} | {total} | timed out ({result['delivered']:.0f} delivered) | | |"
    return (
        f"| {name} | {total} | {total / result['sendS']:,.0f} | {total / result['totalS']:,.0f} "
        f"| {result['totalS']:.2f} |"
    )


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="queue-bench-") as tmp:
        results = [("pyworkerd (SQLite, fsync)", bench_pyworkerd(args, Path(tmp)))]
    mini = bench_miniflare(args)
    if mini is not None:
        results.append(("Miniflare 4 (memory)", mini))
    print(
        f"\nQueue throughput, {args.per_request} message(s) per request, {args.clients} clients\n"
    )
    print("| runtime | messages | sent/s | delivered/s end to end | seconds |")
    print("|---|---|---|---|---|")
    for name, result in results:
        print(row(name, result, args.messages))


if __name__ == "__main__":
    main()
