"""Lazy runtime files (runtime.LAZY_FILES): the same globals as an eager runtime, evaluated
only when a worker first uses them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pyworkerd.engine.native import NativeContext
from pyworkerd.runtime import (
    EXPOSE_INTERNALS_FLAG,
    LAZY_FILES,
    assemble,
    lazy_exports,
    runtime_files,
)
from pyworkerd.testing import running_server
from tests.server.conftest import request, write_project

RunJS = Callable[..., Any]

# Every own global and internals entry: typeof and descriptor shape, read after the
# description of the names (reading them loads the lazy files).
DESCRIBE = """
const names = (o) => Reflect.ownKeys(o).filter((k) => typeof k === "string").sort();
const describe = (o) => {
  const out = {};
  for (const name of names(o)) {
    const type = typeof o[name];
    const d = Reflect.getOwnPropertyDescriptor(o, name);
    out[name] = [type, "value" in d, d.writable, d.enumerable, d.configurable];
  }
  return out;
};
const before = { globals: names(globalThis), internals: names(internals) };
const after = { globals: describe(globalThis), internals: describe(internals) };
JSON.stringify({ before, after, loaded: { ...internals.lazyModules } });
"""


def evaluate(source: str, script: str) -> Any:
    """Evaluate the runtime `source` with internals exposed, then `script` (JSON result)."""

    async def go() -> Any:
        ctx = NativeContext()
        try:
            ctx.eval(f"globalThis.{EXPOSE_INTERNALS_FLAG} = true")
            ctx.eval(source)
            return json.loads(ctx.eval(script))
        finally:
            ctx.close()

    return asyncio.run(go())


def test_lazy_runtime_defines_what_the_eager_one_does() -> None:
    files = runtime_files()
    eager = evaluate(assemble(files, frozenset()), DESCRIBE)
    lazy = evaluate(assemble(files), DESCRIBE)
    assert eager["loaded"] == {}
    assert lazy["loaded"] == dict.fromkeys(sorted(LAZY_FILES), "loaded")
    # Before first use the same names exist; once read, the same values and descriptors.
    assert lazy["before"] == {k: sorted(v) for k, v in eager["after"].items()}
    assert lazy["after"] == eager["after"]


def test_lazy_files_export_what_their_text_says() -> None:
    sources = dict(runtime_files())
    streams_globals, streams_entries = lazy_exports(sources["30_streams.js"])
    assert {"ReadableStream", "TransformStream", "FixedLengthStream"} <= set(streams_globals)
    assert streams_entries == ["streams"]
    assert lazy_exports(sources["21_urlpattern.js"]) == (["URLPattern"], ["isURLPattern"])
    assert set(sources) >= LAZY_FILES


def test_an_untouched_isolate_evaluates_no_lazy_file(run_internal_js: RunJS) -> None:
    # What a hello-world request does: Request, URL, Headers, a string body read and sent.
    states = run_internal_js("""
      const request = new Request("https://example.com/a?b=c", { headers: { "x-a": "1" } });
      const url = new URL(request.url);
      const response = new Response(`hello ${url.searchParams.get("b")}`, {
        headers: new Headers({ "content-type": "text/plain" }),
      });
      await response.clone().text();
      internals.http.responseForHost(response);
      structuredClone({ a: [1, new Date(0)] });
      new TextEncoder().encode("x");
      return internals.lazyModules;
    """)
    assert states == dict.fromkeys(LAZY_FILES, "pending")


@pytest.mark.parametrize(
    ("first_use", "loaded"),
    [
        ("typeof URLPattern", {"21_urlpattern.js"}),
        ("new Response('x').body", {"30_streams.js"}),
        ("new CompressionStream('gzip')", {"30_streams.js", "36_compression.js"}),
        ("crypto.subtle", {"66_crypto.js"}),
        ("crypto.DigestStream", {"30_streams.js", "66_crypto.js"}),
    ],
)
def test_first_use_loads_that_file_only(
    run_internal_js: RunJS, first_use: str, loaded: set[str]
) -> None:
    states = run_internal_js(f"{first_use}; return internals.lazyModules;")
    assert {name for name, state in states.items() if state == "loaded"} == loaded
    assert {name for name, state in states.items() if state == "pending"} == LAZY_FILES - loaded


def test_globals_behave_as_before_once_used(run_js: RunJS) -> None:
    out = run_js("""
      const first = typeof ReadableStream;
      const d = Object.getOwnPropertyDescriptor(globalThis, "ReadableStream");
      const stream = new ReadableStream();
      let cloneError;
      try { structuredClone(stream); } catch (e) { cloneError = [e.name, e.message]; }
      return {
        first, name: ReadableStream.name, prototypeTag: String(stream),
        descriptor: [d.value === ReadableStream, d.writable, d.enumerable, d.configurable],
        instance: stream instanceof ReadableStream,
        pattern: new URLPattern({ pathname: "/a/:id" }).exec("https://x/a/7").pathname.groups,
        subtle: String(crypto.subtle), digestStream: crypto.DigestStream.name,
        digestIsWritable: crypto.DigestStream.prototype instanceof WritableStream,
        cryptoDescriptor: Object.getOwnPropertyDescriptor(Object.getPrototypeOf(crypto), "DigestStream").writable,
        cloneError,
      };
    """)
    assert out == {
        "first": "function",
        "name": "ReadableStream",
        "prototypeTag": "[object ReadableStream]",
        "descriptor": [True, True, False, True],
        "instance": True,
        "pattern": {"id": "7"},
        "subtle": "[object SubtleCrypto]",
        "digestStream": "DigestStream",
        "digestIsWritable": True,
        "cryptoDescriptor": True,
        "cloneError": [
            "DataCloneError",
            'Could not serialize object of type "ReadableStream". '
            "This type does not support serialization.",
        ],
    }


def test_a_global_replaced_before_first_use_stays_replaced(run_internal_js: RunJS) -> None:
    out = run_internal_js("""
      globalThis.ReadableStream = "mine";
      delete globalThis.TransformStream;
      const body = new Response("x").body;            // loads the streams file
      const compressed = new CompressionStream("gzip"); // which builds on TransformStream
      let cloneError;
      try { structuredClone(body); } catch (e) { cloneError = e.name; }
      return {
        readable: globalThis.ReadableStream, transform: "TransformStream" in globalThis,
        writable: typeof WritableStream, isStream: internals.streams.isReadableStream(body),
        compressed: internals.streams.isWritableStream(compressed.writable), cloneError,
        enumerable: Object.getOwnPropertyDescriptor(globalThis, "ReadableStream").enumerable,
      };
    """)
    assert out == {
        "readable": "mine",
        "transform": False,
        "writable": "function",
        "isStream": True,
        "compressed": True,
        "cloneError": "DataCloneError",
        "enumerable": False,
    }


def test_urlpattern_first_used_after_url_was_replaced_uses_the_runtimes_url(
    run_js: RunJS,
) -> None:
    out = run_js("""
      globalThis.URL = class { constructor() { throw new Error("not this one"); } };
      const match = new URLPattern("https://example.com/books/:id").exec("https://example.com/books/12");
      return [match.pathname.groups.id, match.hostname.input];
    """)
    assert out == ["12", "example.com"]


def test_a_frozen_global_object_still_gets_its_classes(run_js: RunJS) -> None:
    out = run_js("""
      Object.freeze(globalThis);
      return [typeof URLPattern, URLPattern.name, new URLPattern({ pathname: "/x" }).pathname];
    """)
    assert out == ["function", "URLPattern", "/x"]


def test_a_worker_that_never_streams_never_loads_streams(tmp_path: Path) -> None:
    worker = """
      const LAZY = ["ReadableStream", "URLPattern", "crypto", "CompressionStream"];
      const pending = () => LAZY.filter(
        (name) => typeof Object.getOwnPropertyDescriptor(globalThis, name).get === "function");
      export default {
        async fetch(request) {
          const url = new URL(request.url);
          if (url.pathname === "/stream") {
            const { readable, writable } = new TransformStream();
            const writer = writable.getWriter();
            writer.write(new TextEncoder().encode("streamed"));
            writer.close();
            return new Response(readable);
          }
          return new Response(`hello ${url.pathname}`, { headers: { "x-pending": pending().join() } });
        },
      };
    """
    project = write_project(tmp_path / "w", {"src/index.js": worker}, {})
    everything = "ReadableStream,URLPattern,crypto,CompressionStream"
    with running_server(project) as server:
        assert request(server.url, "/").header("x-pending") == everything
        # Handling that request and sending its response loaded nothing.
        assert request(server.url, "/again").header("x-pending") == everything
        assert request(server.url, "/stream").text == "streamed"
        remaining = "URLPattern,crypto,CompressionStream"
        assert request(server.url, "/").header("x-pending") == remaining
