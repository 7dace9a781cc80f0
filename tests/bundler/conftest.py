"""Fixtures: the real esbuild (fetched once per machine into pytest's cache), a project builder,
and a loader that runs a Bundle in a real isolate the way the runtime will."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pyworkerd.bundler import Bundle, find_esbuild, wrap_script

SCRIPT_URL = "worker.js"


@pytest.fixture(scope="session")
def esbuild_bin(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """$PYWORKERD_ESBUILD if set, else the pinned esbuild fetched once into pytest's cache."""
    cache = getattr(pytestconfig, "cache", None)  # None under -p no:cacheprovider
    where = cache.mkdir("pyworkerd-esbuild") if cache else tmp_path_factory.mktemp("esbuild")
    return find_esbuild(None, cache=Path(where))


Write = Callable[..., Path]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    return root


@pytest.fixture
def write(project: Path) -> Write:
    """write("src/a.ts", "code") → the path; text is dedented; bytes written as they are."""

    def go(rel: str, content: str | bytes) -> Path:
        path = project / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), "utf-8")
        return path

    return go


_LOADER = """
globalThis.__loadWorker = function () {
  const mods = %(mods)s;
  const require = (spec) => {
    if (spec === "cloudflare:workers") return { env: { FROM: "cloudflare:workers" } };
    if (spec === "node:buffer") return { Buffer: "node:buffer's Buffer" };
    const m = mods[spec];
    if (!m) throw new Error("no module " + spec);
    if (m[0] === "text") return m[1];
    const u8 = new Uint8Array(m[1]);
    return m[0] === "data" ? u8.buffer : new WebAssembly.Module(u8);
  };
  const module = { exports: {} };
  globalThis.__workerFn(module, module.exports, require);
  return module.exports;
};
"""


def bundle_setup(b: Bundle) -> str:
    """JS that defines __loadWorker(): evaluates the wrapped bundle as script `worker.js`."""
    mods = {
        spec: ["text", m.data.decode()] if m.kind == "text" else [m.kind, list(m.data)]
        for spec, m in b.modules.items()
    }
    # One script named like the worker, compiled by the embedder (a worker's eval() is
    # refused): the bundle first, so its line numbers are the script's.
    worker = "globalThis.__workerFn = " + wrap_script(b.script) + ";\n"
    return worker + _LOADER % {"mods": json.dumps(mods)} + "\n//# sourceURL=" + SCRIPT_URL


@pytest.fixture
def run_bundle(run_js: Callable[..., Any]) -> Callable[[Bundle, str], Any]:
    """run_bundle(b, "const w = __loadWorker(); return w.default.x") → JSON result."""

    def go(b: Bundle, body: str) -> Any:
        return run_js(body, setup=bundle_setup(b))

    return go
