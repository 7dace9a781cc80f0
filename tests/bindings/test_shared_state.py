"""Two `serve --workers 2` processes and the CLI share one state directory.

Several threads write to KV, R2 and D1 through the server. Every write must be
acknowledged. The CLI then writes while the server keeps taking writes, and everything
is read back through both server processes and through the CLI. Nothing may be lost,
torn or left corrupt.

Telling the processes apart: a connection is accepted by exactly one process, so every
request on it is answered by the same process. The worker's `/whoami` route throws, and
`serve` answers that with a 500 whose `cf-ray` id starts with a random prefix fixed per
process. Asking `/whoami` at the end of a keep-alive connection therefore names the
process that served the connection.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import http.client
import json
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from pyworkerd.testing import RunningServer, run_cli, running_server
from tests.server.conftest import write_project

WORKER_JS = r"""
let isolate; // one id per isolate, made on its first request
const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");
const sha256 = async (buf) => hex(await crypto.subtle.digest("SHA-256", buf));

async function readAll(env) {
  const kv = {};
  let cursor = null;
  do {
    const page = await env.KV.list({ cursor });
    for (const { name } of page.keys) kv[name] = await sha256(await env.KV.get(name, "arrayBuffer"));
    cursor = page.list_complete ? null : page.cursor;
  } while (cursor);
  const r2 = {};
  let more = true;
  let after;
  while (more) {
    const page = await env.BUCKET.list(after === undefined ? {} : { cursor: after });
    for (const o of page.objects) {
      const got = await env.BUCKET.get(o.key);
      const body = await got.arrayBuffer();
      r2[o.key] = { sha256: await sha256(body), size: body.byteLength, etag: got.etag,
        listedSize: o.size, contentType: got.httpMetadata.contentType ?? null };
    }
    more = page.truncated;
    after = page.cursor;
  }
  const { results: rows } = await env.DB.prepare(
    "SELECT source, seq, payload FROM events ORDER BY source, seq").all();
  const counter = await env.DB.prepare("SELECT n FROM counters WHERE name = 'events'").first("n");
  return { kv, r2, rows, counter };
}

export default {
  async fetch(request, env) {
    isolate ??= crypto.randomUUID();
    const url = new URL(request.url);
    const q = url.searchParams;
    switch (url.pathname) {
      case "/whoami":
        throw new Error(`isolate ${isolate}`);
      case "/kv":  // the body streamed into KV
        await env.KV.put(q.get("key"), request.body);
        return Response.json({ ok: "kv", isolate });
      case "/r2": {
        const object = await env.BUCKET.put(q.get("key"), request.body, {
          httpMetadata: { contentType: request.headers.get("content-type") },
        });
        return Response.json({ ok: "r2", etag: object.etag, isolate });
      }
      case "/d1": {  // one row and the counter, in one transaction
        const { source, seq, payload } = await request.json();
        const [insert] = await env.DB.batch([
          env.DB.prepare("INSERT INTO events (source, seq, payload) VALUES (?, ?, ?)").bind(source, seq, payload),
          env.DB.prepare("UPDATE counters SET n = n + 1 WHERE name = 'events'"),
        ]);
        return Response.json({ ok: "d1", changes: insert.meta.changes, isolate });
      }
      case "/read-all":
        return Response.json(await readAll(env));
    }
    return new Response("no route", { status: 404 });
  },
};
"""

SCHEMA = (
    "CREATE TABLE events (source TEXT NOT NULL, seq INTEGER NOT NULL, payload TEXT NOT NULL,"
    " PRIMARY KEY (source, seq));"
    " CREATE TABLE counters (name TEXT PRIMARY KEY, n INTEGER NOT NULL);"
    " INSERT INTO counters VALUES ('events', 0);"
)

BUCKET = "shared-bucket"
THREADS = 6
KV_PER_THREAD = 12
R2_PER_THREAD = 6
D1_PER_THREAD = 12
PER_CONNECTION = 6  # requests on one keep-alive connection before /whoami and a new one


def kv_value(source: str, i: int) -> bytes:
    # every fourth value is over 256 KiB: KV keeps those as blob files
    n = 300 * 1024 if i % 4 == 3 else 200 + i
    return (f"kv|{source}|{i}|".encode() * (n // 8 + 1))[:n]


def r2_value(source: str, i: int) -> bytes:
    n = 1024 * 1024 + i if i % 3 == 2 else 3000 + 17 * i
    return (f"r2|{source}|{i}|".encode() * (n // 8 + 1))[:n]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Client:
    """Keep-alive connections to the server; remembers which process served each request."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        assert parts.hostname is not None and parts.port is not None
        self.host, self.port = parts.hostname, parts.port
        self.conn: http.client.HTTPConnection | None = None
        self.pending = 0  # requests on the current connection
        self.served_by: list[tuple[str, int]] = []  # (process, number of requests)

    def call(self, method: str, path: str, body: bytes | None = None, **headers: str) -> Any:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        self.conn.request(method, path, body=body, headers=headers)
        resp = self.conn.getresponse()
        data = resp.read()
        assert resp.status == 200, (method, path, resp.status, data[:500])
        self.pending += 1
        return json.loads(data)

    def finish_connection(self) -> str:
        """Ask /whoami on this connection, close it; return the process's id."""
        assert self.conn is not None
        self.conn.request("GET", "/whoami")
        resp = self.conn.getresponse()
        resp.read()
        self.conn.close()
        self.conn = None
        assert resp.status == 500
        ray = resp.getheader("cf-ray")
        assert ray is not None and len(ray) == 16, ray
        process = ray[:8]
        self.served_by.append((process, self.pending))
        self.pending = 0
        return process


def write_through_server(
    url: str, source: str, kv: int, r2: int, d1: int
) -> tuple[dict[str, bytes], dict[str, bytes], list[tuple[str, int, str]], list[tuple[str, int]]]:
    """Interleaved KV, R2 and D1 writes, each acknowledged; what was written, and by whom."""
    client = Client(url)
    kv_done: dict[str, bytes] = {}
    r2_done: dict[str, bytes] = {}
    d1_done: list[tuple[str, int, str]] = []
    ops: list[Callable[[], None]] = []

    def kv_put(i: int) -> None:
        key, value = f"{source}/kv/{i:03d}", kv_value(source, i)
        assert client.call("PUT", "/kv?key=" + quote(key), value)["ok"] == "kv"
        kv_done[key] = value
        # every writer also overwrites one shared key: the last write must win whole
        shared = kv_value(source, 1000 + i)
        assert client.call("PUT", "/kv?key=shared", shared)["ok"] == "kv"

    def r2_put(i: int) -> None:
        key, value = f"{source}/r2/{i:03d}", r2_value(source, i)
        reply = client.call(
            "PUT", "/r2?key=" + quote(key), value, **{"Content-Type": "x/" + source}
        )
        assert reply["etag"] == hashlib.md5(value).hexdigest()
        r2_done[key] = value
        # and one object every writer overwrites
        shared = r2_value(source, 1000 + i)
        reply = client.call("PUT", "/r2?key=shared", shared, **{"Content-Type": "x/shared"})
        assert reply["etag"] == hashlib.md5(shared).hexdigest()

    def d1_insert(i: int) -> None:
        payload = f"{source} event {i} " + "é" * i
        body = json.dumps({"source": source, "seq": i, "payload": payload}).encode()
        reply = client.call("POST", "/d1", body, **{"Content-Type": "application/json"})
        assert reply["changes"] == 1
        d1_done.append((source, i, payload))

    for i in range(max(kv, r2, d1)):
        if i < kv:
            ops.append(functools.partial(kv_put, i))
        if i < r2:
            ops.append(functools.partial(r2_put, i))
        if i < d1:
            ops.append(functools.partial(d1_insert, i))
    for n, op in enumerate(ops, 1):
        op()
        if n % PER_CONNECTION == 0:
            client.finish_connection()
    if client.conn is not None:
        client.finish_connection()
    return kv_done, r2_done, d1_done, client.served_by


def cli(project: Path, state: Path, *args: str) -> str:
    out = run_cli([*args, "--persist-to", str(state)], cwd=project, timeout=60)
    assert out.returncode == 0, (args, out.stdout, out.stderr)
    return out.stdout


def wait_for_both_processes(server: RunningServer, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while server.output().count("Ready on ") < 2:
        assert time.monotonic() < deadline, server.output()
        time.sleep(0.05)


def test_two_processes_and_the_cli_share_state(tmp_path: Path) -> None:
    started = time.monotonic()
    project = write_project(
        tmp_path / "project",
        {"src/index.js": WORKER_JS},
        {
            "name": "shared-state",
            "kv_namespaces": [{"binding": "KV", "id": "shared-kv"}],
            "r2_buckets": [{"binding": "BUCKET", "bucket_name": BUCKET}],
            "d1_databases": [
                {"binding": "DB", "database_name": "shared-db", "database_id": "shared-db-id"}
            ],
        },
    )
    state = tmp_path / "state"
    cli(project, state, "d1", "execute", "DB", "--command", SCHEMA)

    kv: dict[str, bytes] = {}
    r2: dict[str, bytes] = {}
    rows: list[tuple[str, int, str]] = []
    writers: dict[str, int] = {}  # process -> acknowledged requests it served

    def collect(
        result: tuple[
            dict[str, bytes], dict[str, bytes], list[tuple[str, int, str]], list[tuple[str, int]]
        ],
    ) -> None:
        kv.update(result[0])
        r2.update(result[1])
        rows.extend(result[2])
        for process, n in result[3]:
            writers[process] = writers.get(process, 0) + n

    with running_server(
        project, "--workers", "2", "--persist-to", str(state), command="serve"
    ) as server:
        wait_for_both_processes(server)

        # 1. concurrent writes through the server, each one acknowledged
        with ThreadPoolExecutor(THREADS) as pool:
            futures = [
                pool.submit(
                    write_through_server,
                    server.url,
                    f"t{t}",
                    KV_PER_THREAD,
                    R2_PER_THREAD,
                    D1_PER_THREAD,
                )
                for t in range(THREADS)
            ]
            for f in futures:
                collect(f.result())
        assert len(writers) == 2, f"writes were not spread over both processes: {writers}"

        # 2. the CLI writes while two more writers keep going through the server
        big = kv_value("cli", 3)  # a blob-sized value
        (tmp_path / "big.bin").write_bytes(big)
        cli_r2 = {f"cli/r2/{i:03d}": r2_value("cli", i) for i in range(3)}
        for key, value in cli_r2.items():
            (tmp_path / key.replace("/", "_")).write_bytes(value)
        cli_rows = [("cli", i, f"cli event {i}") for i in range(5)]
        insert = " ".join(
            f"INSERT INTO events VALUES ('{s}', {i}, '{p}');"
            " UPDATE counters SET n = n + 1 WHERE name = 'events';"
            for s, i, p in cli_rows
        )
        cli_calls: list[tuple[str, ...]] = [
            ("kv", "key", "put", "cli/kv/000", "from the CLI", "--binding", "KV"),
            (
                "kv",
                "key",
                "put",
                "cli/kv/003",
                "--path",
                str(tmp_path / "big.bin"),
                "--binding",
                "KV",
            ),
            ("d1", "execute", "DB", "--command", insert),
            *(
                (
                    "r2",
                    "object",
                    "put",
                    f"{BUCKET}/{key}",
                    "--file",
                    str(tmp_path / key.replace("/", "_")),
                    "--content-type",
                    "x/cli",
                )
                for key in cli_r2
            ),
        ]
        with ThreadPoolExecutor(len(cli_calls) + 2) as pool:
            during = [
                pool.submit(write_through_server, server.url, f"u{t}", 6, 3, 6) for t in range(2)
            ]
            calls = [pool.submit(cli, project, state, *args) for args in cli_calls]
            for c in calls:
                c.result()
            for f in during:
                collect(f.result())
        kv["cli/kv/000"] = b"from the CLI"
        kv["cli/kv/003"] = big
        r2.update(cli_r2)
        rows.extend(cli_rows)

        shared_candidates = {
            sha(kv_value(f"{p}{t}", 1000 + i))
            for p, n, k in (("t", THREADS, KV_PER_THREAD), ("u", 2, 6))
            for t in range(n)
            for i in range(k)
        }
        shared_r2 = {
            sha(value): {
                "sha256": sha(value),
                "size": len(value),
                "etag": hashlib.md5(value).hexdigest(),
                "listedSize": len(value),
                "contentType": "x/shared",
            }
            for p, n, k in (("t", THREADS, R2_PER_THREAD), ("u", 2, 3))
            for t in range(n)
            for i in range(k)
            for value in [r2_value(f"{p}{t}", 1000 + i)]
        }
        expected_kv = {key: sha(value) for key, value in kv.items()}
        expected_r2 = {
            key: {
                "sha256": sha(value),
                "size": len(value),
                "etag": hashlib.md5(value).hexdigest(),
                "listedSize": len(value),
                "contentType": "x/" + key.split("/")[0],
            }
            for key, value in r2.items()
        }
        expected_rows = sorted(rows)

        def check(snapshot: dict[str, Any]) -> None:
            got_kv = dict(snapshot["kv"])
            assert got_kv.pop("shared") in shared_candidates  # one whole value, not a mix
            assert got_kv == expected_kv
            got_r2 = dict(snapshot["r2"])
            last = got_r2.pop("shared")
            assert last == shared_r2.get(last["sha256"])  # one whole object, its own etag
            assert got_r2 == expected_r2
            got_rows = [(r["source"], r["seq"], r["payload"]) for r in snapshot["rows"]]
            assert sorted(got_rows) == expected_rows
            assert snapshot["counter"] == len(expected_rows)  # no increment lost

        # 3. read everything back through both processes
        readers: dict[str, int] = {}
        reader = Client(server.url)
        for _ in range(40):
            check(reader.call("GET", "/read-all"))
            process = reader.finish_connection()
            readers[process] = readers.get(process, 0) + 1
            if len(readers) == 2 and min(readers.values()) >= 2:
                break
        assert set(readers) == set(writers), (readers, writers)

        # 4. and through the CLI, while the server still runs (the calls in parallel)
        kv_keys = ("t0/kv/003", "cli/kv/000", "u1/kv/005")
        r2_keys = ("t5/r2/002", "cli/r2/001")
        with ThreadPoolExecutor(8) as pool:
            listing = pool.submit(cli, project, state, "kv", "key", "list", "--binding", "KV")
            kv_reads = {
                key: pool.submit(cli, project, state, "kv", "key", "get", key, "--binding", "KV")
                for key in kv_keys
            }
            copies = {
                key: pool.submit(
                    cli,
                    project,
                    state,
                    "r2",
                    "object",
                    "get",
                    f"{BUCKET}/{key}",
                    "--file",
                    str(tmp_path / f"copy-{n}.bin"),
                )
                for n, key in enumerate(r2_keys)
            }
            sql = pool.submit(
                cli,
                project,
                state,
                "d1",
                "execute",
                "DB",
                "--json",
                "--command",
                "SELECT source, seq, payload FROM events;"
                " SELECT n FROM counters WHERE name = 'events'",
            )
        listed = json.loads(listing.result())
        assert sorted(k["name"] for k in listed) == sorted([*kv, "shared"])
        for key, read in kv_reads.items():
            assert sha(read.result().encode()) == expected_kv[key], key
        for n, key in enumerate(r2_keys):
            copies[key].result()
            assert sha((tmp_path / f"copy-{n}.bin").read_bytes()) == expected_r2[key]["sha256"]
        results = json.loads(sql.result())
        got_rows = [(r["source"], r["seq"], r["payload"]) for r in results[0]["results"]]
        assert sorted(got_rows) == expected_rows
        assert results[1]["results"] == [{"n": len(expected_rows)}]

    # 5. stopped cleanly, and every SQLite file of the state is intact
    assert server.proc.returncode == 0, server.output()
    databases = sorted(state.rglob("*.sqlite3"))
    assert {p.parent.name for p in databases} == {"kv", "r2", "d1"}
    for path in databases:
        with contextlib.closing(sqlite3.connect(path)) as db:
            assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)], path
    assert "Error" not in server.output().replace("Error: isolate", ""), server.output()
    assert time.monotonic() - started < 60
