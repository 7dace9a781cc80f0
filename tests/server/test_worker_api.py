"""A worker's view of the platform over real HTTP: env, ctx, entrypoints, errors, console."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pyworkerd.testing import RunningServer, running_server
from tests.server.conftest import request, write_project

INDEX_TS = """import { explode } from "./lib/explode";

interface Env { GREETING: string; SETTINGS: { retries: number }; API_KEY: string; FROM_CLI: string }

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/env":
        return Response.json({
          greeting: env.GREETING, settings: env.SETTINGS, key: env.API_KEY, cli: env.FROM_CLI,
        });
      case "/throw":
        explode("kaboom");
      case "/reject":
        return Promise.reject(new RangeError("rejected on purpose"));
      case "/never":
        return new Promise<Response>(() => {});
      case "/not-a-response":
        return "just a string" as unknown as Response;
      case "/pass-through":
        ctx.passThroughOnException();
        throw new Error("passed through");
      case "/wait-until":
        ctx.waitUntil(scheduler.wait(50).then(() => console.log("waitUntil finished")));
        ctx.waitUntil(Promise.reject(new Error("background failure")));
        return new Response("sent before the background work");
      case "/console":
        console.log("plain", 42, { nested: { deep: [1, 2, 3] } });
        console.warn("a warning");
        console.error(new TypeError("an error object"));
        console.info("info %s=%d", "answer", 42);
        console.debug("debug line");
        return new Response("logged");
      case "/globals": {
        (globalThis as any).hits = ((globalThis as any).hits ?? 0) + 1;
        return new Response(String((globalThis as any).hits));
      }
      case "/cf":
        return Response.json({ colo: (request as any).cf?.colo, country: (request as any).cf?.country });
      case "/echo":
        return new Response(request.body, { headers: { "x-method": request.method } });
    }
    return new Response("not found", { status: 404 });
  },
};
"""

EXPLODE_TS = """export function explode(message: string): never {
  const detail: string = `failure: ${message}`;
  throw new Error(detail);
}
"""


def make_api_project(root: Path) -> Path:
    project = write_project(
        root,
        {
            "src/index.ts": INDEX_TS,
            "src/lib/explode.ts": EXPLODE_TS,
            ".dev.vars": "API_KEY=s3cret\n",
        },
        {
            "name": "api",
            "main": "src/index.ts",
            "vars": {"GREETING": "hello", "SETTINGS": {"retries": 3}},
        },
    )
    return project


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_api_project(tmp_path_factory.mktemp("api"))


@pytest.fixture(scope="module")
def dev(project: Path) -> Iterator[RunningServer]:
    with running_server(project, "--var", "FROM_CLI:yes") as srv:
        yield srv


def test_env_has_vars_json_vars_secrets_and_cli_vars(dev: RunningServer) -> None:
    assert request(dev.url, "/env").json() == {
        "greeting": "hello",
        "settings": {"retries": 3},
        "key": "s3cret",
        "cli": "yes",
    }
    # the banner lists bindings but never a secret's value
    assert "API_KEY" in dev.output() and "s3cret" not in dev.output()


def test_uncaught_exception_shows_source_mapped_stack_in_dev(dev: RunningServer) -> None:
    start = dev.line_count()
    reply = request(dev.url, "/throw")
    assert reply.status == 500
    assert "Error: failure: kaboom" in reply.text
    assert re.search(r"src/lib/explode\.ts:3:\d+", reply.text), reply.text
    assert re.search(r"src/index\.ts:\d+:\d+", reply.text)
    html = request(dev.url, "/throw", headers={"accept": "text/html"})
    assert html.status == 500 and html.headers["content-type"].startswith("text/html")
    assert "src/lib/explode.ts:3" in html.text
    ray = reply.headers["cf-ray"]
    dev.wait_for_output(r"src/lib/explode\.ts:3", start=start)
    dev.wait_for_output(re.escape(ray), start=start)


def test_rejections_and_bad_return_values_are_500s(dev: RunningServer) -> None:
    reply = request(dev.url, "/reject")
    assert reply.status == 500 and "RangeError: rejected on purpose" in reply.text
    bad = request(dev.url, "/not-a-response")
    assert bad.status == 500 and "TypeError" in bad.text
    passed = request(dev.url, "/pass-through")  # no upstream locally: an ordinary 500
    assert passed.status == 500 and "passed through" in passed.text


def test_a_request_that_can_never_finish_fails_instead_of_hanging(dev: RunningServer) -> None:
    began = time.monotonic()
    reply = request(dev.url, "/never", timeout=10)
    assert reply.status == 500
    assert "The script will never generate a response." in reply.text
    assert time.monotonic() - began < 5


def test_wait_until_runs_after_the_response_and_rejections_are_logged(dev: RunningServer) -> None:
    start = dev.line_count()
    reply = request(dev.url, "/wait-until")
    assert reply.text == "sent before the background work"
    dev.wait_for_output(r"\[api\] waitUntil finished", start=start)
    dev.wait_for_output(r"\[api\] Uncaught Error: background failure", start=start)


def test_console_lines_are_tagged_and_formatted(dev: RunningServer) -> None:
    start = dev.line_count()
    assert request(dev.url, "/console").text == "logged"
    dev.wait_for_output(r"^\[api\] plain 42 \{ nested: \{ deep: \[ 1, 2, 3 \] \} \}$", start=start)
    dev.wait_for_output(r"^\[api\] a warning$", start=start)
    dev.wait_for_output(r"^\[api\] TypeError: an error object", start=start)
    dev.wait_for_output(r"^\[api\] info answer=42$", start=start)
    assert "debug line" not in dev.output()


def test_globals_persist_in_a_warm_isolate(dev: RunningServer) -> None:
    first = int(request(dev.url, "/globals").text)
    second = int(request(dev.url, "/globals").text)
    assert second == first + 1


def test_request_cf_and_body_round_trip(dev: RunningServer) -> None:
    assert request(dev.url, "/cf").json() == {"colo": "DFW", "country": "US"}
    reply = request(dev.url, "/echo", method="POST", body=b"x" * 100_000)
    assert reply.status == 200 and reply.body == b"x" * 100_000
    assert reply.headers["x-method"] == "POST"


def test_serve_hides_the_stack_from_clients(project: Path) -> None:
    with running_server(project, command="serve") as srv:
        reply = request(srv.url, "/throw")
        assert reply.status == 500
        assert "kaboom" not in reply.text and "explode.ts" not in reply.text
        srv.wait_for_output(r"src/lib/explode\.ts:3")


ENTRYPOINT_JS = """import { WorkerEntrypoint } from "cloudflare:workers";

export default class extends WorkerEntrypoint {
  async fetch(request) {
    return new Response(`class entrypoint, greeting=${this.env.GREETING}, ctx=${typeof this.ctx.waitUntil}`);
  }
}
"""


def test_default_export_may_be_a_worker_entrypoint_class(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"src/index.js": ENTRYPOINT_JS}, {"vars": {"GREETING": "hi"}})
    with running_server(root) as srv:
        assert request(srv.url, "/").text == "class entrypoint, greeting=hi, ctx=function"


def test_a_worker_without_fetch_handler_says_so(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"src/index.js": "export default {};"}, {})
    with running_server(root) as srv:
        reply = request(srv.url, "/")
        assert reply.status == 500
        assert "Handler does not export a fetch() function." in reply.text


MODULES_JS = """import add from "./add.wasm";
import page from "./page.html";
import blob from "./blob.bin";

export default {
  async fetch() {
    const { exports } = await WebAssembly.instantiate(add);
    return Response.json({
      sum: exports.add(2, 3),
      page: page.trim(),
      bytes: Array.from(new Uint8Array(blob)),
      wasmIsModule: add instanceof WebAssembly.Module,
    });
  },
};
"""


def test_wasm_text_and_data_modules_reach_the_worker(tmp_path: Path) -> None:
    from tests.bundler.test_bundle import ADD_WASM

    root = write_project(tmp_path, {"src/index.js": MODULES_JS, "src/page.html": "<p>hi</p>\n"}, {})
    (root / "src/add.wasm").write_bytes(ADD_WASM)
    (root / "src/blob.bin").write_bytes(b"\x00\x01\xff")
    with running_server(root) as srv:
        assert request(srv.url, "/").json() == {
            "sum": 5,
            "page": "<p>hi</p>",
            "bytes": [0, 1, 255],
            "wasmIsModule": True,
        }


DIGEST_JS = """export default {
  async fetch(request) {
    const data = new TextEncoder().encode(await request.text());
    const out = {};
    for (const name of ["SHA-1", "SHA-256", "SHA-384", "SHA-512", "MD5"]) {
      const digest = await crypto.subtle.digest(name, data);
      out[name] = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
    }
    try { await crypto.subtle.digest("SHA-3", data); } catch (e) { out.error = `${e.name}: ${e.message}`; }
    return Response.json(out);
  },
};
"""


def test_host_calls_crypto_digest_runs_in_python(tmp_path: Path) -> None:
    import hashlib

    root = write_project(tmp_path, {"src/index.js": DIGEST_JS}, {})
    with running_server(root) as srv:
        body = b"hash me " * 1000
        out = request(srv.url, "/", method="POST", body=body).json()
    for name, algo in (
        ("SHA-1", "sha1"),
        ("SHA-256", "sha256"),
        ("SHA-384", "sha384"),
        ("SHA-512", "sha512"),
        ("MD5", "md5"),
    ):
        assert out[name] == hashlib.new(algo, body).hexdigest()
    assert out["error"] == "NotSupportedError: Unrecognized or unimplemented digest algorithm requested."


ISOLATION_JS = """
let topLevel;
try { setTimeout(() => {}, 1); topLevel = "allowed"; } catch (e) { topLevel = e.message; }

export default {
  async fetch() {
    const out = { topLevel };
    try { eval("1 + 1"); out.eval = "allowed"; } catch (e) { out.eval = `${e.name}: ${e.message}`; }
    try { new Function("return 1")(); out.fn = "allowed"; } catch (e) { out.fn = `${e.name}: ${e.message}`; }
    const bytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);
    try { new WebAssembly.Module(bytes); out.wasm = "allowed"; } catch (e) { out.wasm = `${e.name}: ${e.message}`; }
    try { await WebAssembly.instantiate(bytes); out.wasmAsync = "allowed"; } catch (e) { out.wasmAsync = e.name; }
    out.timerInRequest = await new Promise((resolve) => setTimeout(() => resolve("fired"), 1));
    return Response.json(out);
  },
};
"""


def test_isolation_rules_match_workerd(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"src/index.js": ISOLATION_JS}, {})
    with running_server(root) as srv:
        out = request(srv.url, "/").json()
    assert out == {
        "topLevel": "Some functionality, such as asynchronous I/O, timeouts, and generating random "
        "values, can only be performed while handling a request.",
        "eval": "EvalError: Code generation from strings disallowed for this context",
        "fn": "EvalError: Code generation from strings disallowed for this context",
        "wasm": "CompileError: WebAssembly.Module(): Wasm code generation disallowed by embedder",
        "wasmAsync": "CompileError",
        "timerInRequest": "fired",
    }
