#!/usr/bin/env python3
"""Workers AI embeddings on pyworkerd: embeddings per second and latency.

    python benches/ai.py [--duration 5] [--concurrency 1,4,16] [--out FILE]

Serves a one-route worker (`env.AI.run("@cf/baai/bge-small-en-v1.5", {text})`) with
`pyworkerd serve` on 127.0.0.1 and measures, each for `--duration` seconds:
- the model alone (no HTTP, no isolate): texts per second in calls of 1 and of 100 texts;
- through the server: requests of 1 and of 16 texts from N concurrent clients, reporting
  embeddings per second and request latency (p50 / p95 / p99).
The table goes to stdout and to ``benches/results/<date>-ai.md`` (or ``--out``). Needs
the `ai` extra. There is no workerd column: Workers AI has no local mode there.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import platform
import statistics
import tempfile
import threading
import time
from pathlib import Path

from pyworkerd.bindings.ai.local import embedder
from pyworkerd.testing import running_server

HERE = Path(__file__).resolve().parent
MODEL = "@cf/baai/bge-small-en-v1.5"
WORKER = (
    "export default { async fetch(request, env) {\n"
    "  const { text } = await request.json();\n"
    f"  const out = await env.AI.run({json.dumps(MODEL)}, {{ text }});\n"
    "  return Response.json(out.shape);\n"
    "} };\n"
)
SENTENCES = [
    "Workers KV is a global, low-latency key-value data store.",
    "D1 is a managed serverless database with SQLite's SQL semantics.",
    "Durable Objects provide strongly consistent storage and coordination.",
    "R2 stores large amounts of unstructured data without egress fees.",
    "Queues let you send and receive messages with guaranteed delivery.",
    "The quick brown fox jumps over the lazy dog near the river bank.",
    "Embeddings turn text into vectors whose distances reflect meaning.",
    "A cache keeps recently used answers close to the people who ask.",
]


def texts(n: int, salt: int) -> list[str]:
    return [f"{SENTENCES[(salt + i) % len(SENTENCES)]} ({salt}.{i})" for i in range(n)]


def model_alone(batch: int, duration: float) -> float:
    model = embedder(MODEL)
    model.embed(texts(batch, 0))  # warm
    done, i, end = 0, 0, time.perf_counter() + duration
    start = time.perf_counter()
    while time.perf_counter() < end:
        model.embed(texts(batch, i))
        done += batch
        i += 1
    return done / (time.perf_counter() - start)


def through_server(
    url: str, batch: int, clients: int, duration: float
) -> tuple[float, list[float]]:
    """(embeddings per second, request latencies in ms) with `clients` closed-loop clients."""
    host, port = url.removeprefix("http://").split(":")
    latencies: list[float] = []
    counted = [0]
    lock = threading.Lock()
    end = time.perf_counter() + duration

    def client(n: int) -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        i = 0
        try:
            while time.perf_counter() < end:
                body = json.dumps({"text": texts(batch, n * 100000 + i)}).encode()
                t0 = time.perf_counter()
                conn.request("POST", "/", body=body, headers={"content-type": "application/json"})
                reply = conn.getresponse()
                data = reply.read()
                ms = (time.perf_counter() - t0) * 1000
                if reply.status != 200 or json.loads(data) != [batch, 384]:
                    raise RuntimeError(f"bad reply {reply.status}: {data[:200]!r}")
                with lock:
                    latencies.append(ms)
                    counted[0] += batch
                i += 1
        finally:
            conn.close()

    start = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(duration + 120)
    return counted[0] / (time.perf_counter() - start), latencies


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--concurrency", default="1,4,16")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]

    lines = [
        f"# Workers AI embeddings ({datetime.date.today().isoformat()})",
        "",
        f"`{MODEL}` served by the local model (WordLlama l2_supercat, 256 dims padded to 384); "
        f"{os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}, "
        f"{args.duration:g} s per row, `pyworkerd serve` on 127.0.0.1.",
        "",
        "| path | texts per call | clients | embeddings/s | p50 ms | p95 ms | p99 ms |",
        "|---|--:|--:|--:|--:|--:|--:|",
    ]
    for batch in (1, 100):
        rate = model_alone(batch, args.duration)
        lines.append(f"| model alone | {batch} | 1 | {rate:,.0f} | | | |")
        print(lines[-1], flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "src").mkdir()
        (root / "src" / "index.js").write_text(WORKER)
        config = {
            "name": "ai-bench",
            "main": "src/index.js",
            "compatibility_date": "2025-09-01",
            "ai": {"binding": "AI"},
        }
        (root / "wrangler.jsonc").write_text(json.dumps(config))
        with running_server(root, "--no-persist", command="serve") as srv:
            through_server(srv.url, 1, 1, 1.0)  # warm: loads the model in the server
            for batch in (1, 16):
                for clients in levels:
                    rate, lat = through_server(srv.url, batch, clients, args.duration)
                    p50, p95, p99 = statistics.median(lat), pct(lat, 95), pct(lat, 99)
                    lines.append(
                        f"| server | {batch} | {clients} | {rate:,.0f} "
                        f"| {p50:.1f} | {p95:.1f} | {p99:.1f} |"
                    )
                    print(lines[-1], flush=True)
    out = args.out or HERE / "results" / f"{datetime.date.today().isoformat()}-ai.md"
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
