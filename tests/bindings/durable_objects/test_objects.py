"""Durable Objects through the real server: ids, stubs, one live instance per id, gates."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from pyworkerd.testing.server import RunningServer
from tests.server.conftest import ok_text, serve_together, write_project

WORKER = r"""
import { DurableObject } from "cloudflare:workers";

let constructed = 0;

export class Counter extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    constructed++;
    this.count = 0;
    this.ready = false;
    ctx.blockConcurrencyWhile(async () => {
      await scheduler.wait(20);
      this.ready = true;
    });
  }
  async fetch(request) {
    const url = new URL(request.url);
    this.count++;
    return Response.json({ count: this.count, ready: this.ready, path: url.pathname,
      id: this.ctx.id.toString(), name: this.ctx.id.name ?? null });
  }
  increment(by = 1) { this.count += by; return this.count; }
  whoami() { return { id: this.ctx.id.toString(), name: this.ctx.id.name ?? null, env: this.env.GREETING }; }
  boom() { throw new RangeError("counter exploded"); }
  async slowIncrement() { await scheduler.wait(5); this.count++; return this.count; }
}

export class Other extends DurableObject {
  hello() { return "other"; }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const name = url.searchParams.get("name") ?? "a";
    const ns = env.COUNTER;
    try {
      switch (url.pathname) {
        case "/fetch": return await ns.get(ns.idFromName(name)).fetch("http://do/inside");
        case "/rpc": return Response.json(await ns.getByName(name).increment(2));
        case "/whoami": return Response.json(await ns.getByName(name).whoami());
        case "/ids": {
          const a = ns.idFromName("x"), b = ns.idFromName("x"), u = ns.newUniqueId();
          const back = ns.idFromString(a.toString());
          let foreign = null, bad = null;
          try { env.OTHER.idFromString(a.toString()); } catch (e) { foreign = e.message; }
          try { ns.idFromString("zz"); } catch (e) { bad = `${e.name}: ${e.message}`; }
          return Response.json({ same: a.toString() === b.toString(), len: a.toString().length,
            equals: a.equals(back), name: a.name, unique: u.toString() !== a.toString(),
            uniqueName: u.name ?? null, hex: /^[0-9a-f]{64}$/.test(u.toString()), foreign, bad });
        }
        case "/unique": {
          const stub = ns.get(ns.newUniqueId());
          await stub.increment(5);
          return Response.json(await stub.increment(1));
        }
        case "/boom": {
          try { await ns.getByName(name).boom(); } catch (e) { return new Response(`${e.name}: ${e.message}`); }
        }
        case "/concurrent": {
          const stub = ns.getByName(name);
          const results = await Promise.all(Array.from({ length: 20 }, () => stub.slowIncrement()));
          return Response.json(results.sort((x, y) => x - y));
        }
        case "/other": return new Response(await env.OTHER.getByName("o").hello());
        case "/remote": return Response.json(await env.REMOTE.getByName(name).increment(10));
      }
    } catch (e) {
      return new Response(e.stack, { status: 500 });
    }
    return new Response("no route", { status: 404 });
  },
};
"""

HOST = r"""
import { DurableObject } from "cloudflare:workers";
export class Tally extends DurableObject {
  constructor(ctx, env) { super(ctx, env); this.n = 0; }
  increment(by) { this.n += by; return `${this.env.WHERE}:${this.n}`; }
}
export default { fetch() { return new Response("host"); } };
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    root = tmp_path_factory.mktemp("do")
    main = write_project(
        root / "main",
        {"src/index.js": WORKER},
        {
            "name": "main",
            "vars": {"GREETING": "hi"},
            "durable_objects": {
                "bindings": [
                    {"name": "COUNTER", "class_name": "Counter"},
                    {"name": "OTHER", "class_name": "Other"},
                    {"name": "REMOTE", "class_name": "Tally", "script_name": "host"},
                ]
            },
            "migrations": [{"tag": "v1", "new_sqlite_classes": ["Counter", "Other"]}],
        },
    )
    host = write_project(
        root / "host",
        {"src/index.js": HOST},
        {
            "name": "host",
            "vars": {"WHERE": "host"},
            "migrations": [{"tag": "v1", "new_sqlite_classes": ["Tally"]}],
        },
    )
    with serve_together(main, host) as srv:
        yield srv


def get(server: RunningServer, path: str) -> str:
    return ok_text(server.url, path)


def test_fetch_reaches_the_object_and_state_persists_in_memory(server: RunningServer) -> None:
    first = json.loads(get(server, "/fetch?name=f"))
    second = json.loads(get(server, "/fetch?name=f"))
    assert (first["count"], second["count"]) == (1, 2)
    assert first["ready"] is True  # blockConcurrencyWhile held the request back
    assert first["path"] == "/inside" and first["name"] == "f" and len(first["id"]) == 64


def test_rpc_calls_and_names(server: RunningServer) -> None:
    assert get(server, "/rpc?name=r") == "2"
    assert get(server, "/rpc?name=r") == "4"
    assert json.loads(get(server, "/whoami?name=r"))["name"] == "r"
    assert json.loads(get(server, "/whoami?name=r"))["env"] == "hi"


def test_ids(server: RunningServer) -> None:
    ids = json.loads(get(server, "/ids"))
    assert ids == {
        "same": True,
        "len": 64,
        "equals": True,
        "name": "x",
        "unique": True,
        "uniqueName": None,
        "hex": True,
        "foreign": "Durable Object ID is not valid for this namespace.",
        "bad": "TypeError: Invalid Durable Object ID: must be 64 hex digits",
    }


def test_unique_ids_address_one_object(server: RunningServer) -> None:
    assert get(server, "/unique") == "6"


def test_errors_are_rethrown(server: RunningServer) -> None:
    assert get(server, "/boom?name=b") == "RangeError: counter exploded"


def test_one_instance_serves_concurrent_calls(server: RunningServer) -> None:
    assert json.loads(get(server, "/concurrent?name=c")) == list(range(1, 21))


def test_one_instance_across_concurrent_requests(server: RunningServer) -> None:
    with ThreadPoolExecutor(8) as pool:
        counts = list(pool.map(lambda _: get(server, "/rpc?name=parallel"), range(24)))
    assert sorted(int(c) for c in counts) == list(range(2, 49, 2))


def test_classes_are_separate_namespaces(server: RunningServer) -> None:
    assert get(server, "/other") == "other"


def test_objects_of_another_worker(server: RunningServer) -> None:
    assert get(server, "/remote?name=t") == '"host:10"'
    assert get(server, "/remote?name=t") == '"host:20"'


COUNTER_RACE = r"""
import { DurableObject } from "cloudflare:workers";
export class Tally extends DurableObject {
  async fetch() {
    const n = ((await this.ctx.storage.get("n")) ?? 0) + 1;
    await this.ctx.storage.put("n", n);
    return new Response(String(n));
  }
}
export default { fetch(request, env) { return env.TALLY.getByName("hot").fetch(request); } };
"""


def test_concurrent_read_modify_writes_lose_nothing(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # The input gate: a request that arrives while another's storage call is pending waits
    # until that one's continuation ran, so get-then-put never races (as on workerd).
    project = write_project(
        tmp_path_factory.mktemp("race"),
        {"src/index.js": COUNTER_RACE},
        {
            "durable_objects": {"bindings": [{"name": "TALLY", "class_name": "Tally"}]},
            "migrations": [{"tag": "v1", "new_sqlite_classes": ["Tally"]}],
        },
    )
    from pyworkerd.testing.server import running_server

    with running_server(project) as srv, ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda _: int(ok_text(srv.url, "/")), range(200)))
    assert sorted(answers) == list(range(1, 201))
