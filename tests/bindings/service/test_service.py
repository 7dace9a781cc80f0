"""Service bindings and RPC between two workers of one `pyworkerd dev -c a -c b`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pyworkerd.testing.server import RunningServer
from tests.server.conftest import ok_text, request, serve_together, write_project

CALLER = r"""
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const t = url.pathname;
    try {
      if (t === "/fetch") {
        const r = await env.BACKEND.fetch("http://backend/echo?x=1", {
          method: "POST", body: "hello", headers: {"x-test": "yes"}});
        return new Response(`${r.status} ${r.headers.get("x-echo")} ${await r.text()}`);
      }
      if (t === "/stream") {
        const r = await env.BACKEND.fetch("http://backend/big");
        let n = 0;
        for await (const chunk of r.body) n += chunk.byteLength;
        return new Response(String(n));
      }
      if (t === "/add") return Response.json(await env.RPC.add(2, 3));
      if (t === "/types") {
        const out = await env.RPC.roundTrip({
          d: new Date(5), m: new Map([["k", 1n]]), s: new Set([1]), u: undefined,
          b: new Uint8Array([1, 2]), n: NaN, neg: -0, nested: [null, "x"]});
        return Response.json({
          d: out.d instanceof Date && out.d.getTime(), m: out.m.get("k") === 1n,
          s: out.s.has(1), u: "u" in out && out.u === undefined, b: Array.from(out.b),
          bType: out.b.constructor.name, n: Number.isNaN(out.n), neg: Object.is(out.neg, -0),
          nested: out.nested});
      }
      if (t === "/throws") {
        try { await env.RPC.fail(); } catch (e) {
          return new Response(`${e.constructor.name}: ${e.message}`);
        }
      }
      if (t === "/missing") {
        try { await env.RPC.nope(); } catch (e) { return new Response(`${e.name}: ${e.message}`); }
      }
      if (t === "/callback") {
        const result = await env.RPC.applyTwice((x) => x * 10, 4);
        return Response.json(result);
      }
      if (t === "/target") {
        const counter = await env.RPC.makeCounter(5);
        await counter.increment(2);
        return Response.json(await counter.increment(3));
      }
      if (t === "/pipeline") return Response.json(await env.RPC.makeCounter(1).increment(1));
      if (t === "/dispose") {
        let kept;
        {
          using counter = await env.RPC.makeCounter(1);
          kept = counter;
          await counter.increment(1);
        }
        try { await kept.increment(1); } catch (e) { return new Response(e.message); }
        return new Response("still usable");
      }
      if (t === "/named") return Response.json(await env.NAMED.whoami());
      if (t === "/named-fetch") return env.NAMED.fetch("http://x/");
      if (t === "/env") return new Response(await env.RPC.secret());
      if (t === "/absent") {
        try { await env.ABSENT.fetch("http://x/"); } catch (e) { return new Response(e.message); }
      }
    } catch (e) {
      return new Response(`unexpected ${e.stack}`, { status: 500 });
    }
    return new Response("no route", { status: 404 });
  },
};
"""

BACKEND = r"""
import { WorkerEntrypoint, RpcTarget } from "cloudflare:workers";

class Counter extends RpcTarget {
  constructor(n) { super(); this.n = n; }
  increment(by) { this.n += by; return this.n; }
}

export class Named extends WorkerEntrypoint {
  whoami() { return "named"; }
  fetch(request) { return new Response("named fetch"); }
}

export default class extends WorkerEntrypoint {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/big") {
      const chunk = new Uint8Array(64 * 1024);
      let left = 40;
      return new Response(new ReadableStream({
        pull(c) { if (left-- > 0) c.enqueue(chunk); else c.close(); }}));
    }
    return new Response(`${request.method} ${url.pathname}${url.search} ` +
      `${request.headers.get("x-test")} ${await request.text()}`,
      { status: 202, headers: { "x-echo": "echoed" } });
  }
  add(a, b) { return a + b; }
  roundTrip(value) { return value; }
  async fail() { throw new RangeError("out of range in backend"); }
  async applyTwice(fn, x) { return await fn(await fn(x)); }
  makeCounter(n) { return new Counter(n); }
  secret() { return this.env.SECRET_WORD; }
}
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    root = tmp_path_factory.mktemp("svc")
    caller = write_project(
        root / "caller",
        {"src/index.js": CALLER},
        {
            "name": "caller",
            "services": [
                {"binding": "BACKEND", "service": "backend"},
                {"binding": "RPC", "service": "backend"},
                {"binding": "NAMED", "service": "backend", "entrypoint": "Named"},
                {"binding": "ABSENT", "service": "not-here"},
            ],
        },
    )
    backend = write_project(
        root / "backend",
        {"src/index.js": BACKEND},
        {"name": "backend", "vars": {"SECRET_WORD": "swordfish"}},
    )
    with serve_together(caller, backend) as srv:
        yield srv


def get(server: RunningServer, path: str) -> str:
    return ok_text(server.url, path)


def test_fetch_through_a_service_binding(server: RunningServer) -> None:
    assert get(server, "/fetch") == "202 echoed POST /echo?x=1 yes hello"


def test_a_streamed_body_comes_back_whole(server: RunningServer) -> None:
    assert get(server, "/stream") == str(40 * 64 * 1024)


def test_rpc_method_call(server: RunningServer) -> None:
    assert get(server, "/add") == "5"


def test_rpc_keeps_structured_clone_types(server: RunningServer) -> None:
    import json

    assert json.loads(get(server, "/types")) == {
        "d": 5,
        "m": True,
        "s": True,
        "u": True,
        "b": [1, 2],
        "bType": "Uint8Array",
        "n": True,
        "neg": True,
        "nested": [None, "x"],
    }


def test_rpc_errors_are_rethrown_with_their_class(server: RunningServer) -> None:
    assert get(server, "/throws") == "RangeError: out of range in backend"


def test_rpc_unknown_method(server: RunningServer) -> None:
    assert get(server, "/missing") == (
        'TypeError: The RPC receiver does not implement the method "nope".'
    )


def test_functions_pass_by_reference(server: RunningServer) -> None:
    assert get(server, "/callback") == "400"


def test_rpc_targets_pass_by_reference(server: RunningServer) -> None:
    assert get(server, "/target") == "10"


def test_promise_pipelining(server: RunningServer) -> None:
    assert get(server, "/pipeline") == "2"


def test_a_disposed_stub_is_released(server: RunningServer) -> None:
    assert get(server, "/dispose") == (
        "RPC stub used after being disposed or after its call ended."
    )


def test_named_entrypoint(server: RunningServer) -> None:
    assert get(server, "/named") == '"named"'
    assert get(server, "/named-fetch") == "named fetch"


def test_callee_sees_its_own_env(server: RunningServer) -> None:
    assert get(server, "/env") == "swordfish"


def test_a_service_that_is_not_running(server: RunningServer) -> None:
    assert 'Service "not-here" is not running' in get(server, "/absent")


def test_only_the_first_worker_is_served(server: RunningServer, tmp_path: Path) -> None:
    assert request(server.url, "/big").status == 404
