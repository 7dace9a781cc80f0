"""nodejs_compat at build time: the flag rules, the errors that name the flag or the refused
module, and what a bundle carries (real esbuild, real polyfills from the lockfile)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyworkerd.bundler import Bundle, BundleError, bundle
from pyworkerd.bundler.nodecompat import NodeCompat, node_compat
from tests.bundler.conftest import Write


def build(project: Path, esbuild_bin: Path, compat: NodeCompat) -> Bundle:
    return bundle(Path("src/index.js"), project_dir=project, esbuild=esbuild_bin,
                  node_compat=compat)


@pytest.mark.parametrize(
    ("date", "flags", "mode", "populate"),
    [
        ("2025-06-01", [], "off", False),
        ("2025-06-01", ["nodejs_als"], "als", False),
        ("2024-09-22", ["nodejs_compat"], "v1", False),
        ("2024-09-23", ["nodejs_compat"], "v2", False),
        ("2024-01-01", ["nodejs_compat", "nodejs_compat_v2"], "v2", False),
        ("2025-06-01", ["nodejs_compat", "no_nodejs_compat_v2"], "v1", True),
        ("2025-03-31", ["nodejs_compat"], "v2", False),
        ("2025-04-01", ["nodejs_compat"], "v2", True),
        ("2025-06-01", ["nodejs_compat", "nodejs_compat_do_not_populate_process_env"], "v2", False),
        ("2024-01-01", ["nodejs_compat", "nodejs_compat_populate_process_env"], "v1", True),
    ],
)
def test_flag_rules(date: str, flags: list[str], mode: str, populate: bool) -> None:
    assert node_compat(date, flags) == NodeCompat(mode, populate)  # type: ignore[arg-type]


def error_of(project: Path, esbuild_bin: Path, compat: NodeCompat) -> str:
    with pytest.raises(BundleError) as info:
        build(project, esbuild_bin, compat)
    return str(info.value)


def test_without_the_flag_a_node_import_names_the_flag(
    project: Path, write: Write, esbuild_bin: Path
) -> None:
    write("src/index.js", 'import { Buffer } from "node:buffer";\nexport default { Buffer };\n')
    text = error_of(project, esbuild_bin, node_compat("2025-06-01", []))
    assert text.startswith('src/index.js:1:24: ERROR: Could not resolve "node:buffer". ')
    assert 'Add the "nodejs_compat" compatibility flag to your project.' in text
    assert len(text.splitlines()) == 1
    # nodejs_als allows node:async_hooks and nothing else
    als = node_compat("2025-06-01", ["nodejs_als"])
    assert 'Add the "nodejs_compat"' in error_of(project, esbuild_bin, als)
    write("src/index.js", 'import { AsyncLocalStorage } from "node:async_hooks";\n'
                          "export default { AsyncLocalStorage };\n")
    assert 'require("node:async_hooks")' in build(project, esbuild_bin, als).script


def test_v1_needs_the_prefix(project: Path, write: Write, esbuild_bin: Path) -> None:
    write("src/index.js", 'import path from "path";\nexport default { j: path.join("a", "b") };\n')
    v1 = node_compat("2024-01-01", ["nodejs_compat"])
    assert 'Make sure to prefix the module name with "node:"' in error_of(project, esbuild_bin, v1)
    write("src/index.js", 'import path from "node:path";\nexport default { j: path.join("a") };\n')
    assert "path-browserify" in "".join(build(project, esbuild_bin, v1).sourcemap.sources)


@pytest.mark.parametrize("spec", ["fs", "node:fs/promises", "net", "node:child_process", "tls"])
def test_host_access_modules_are_refused_at_build_time(
    project: Path, write: Write, esbuild_bin: Path, spec: str
) -> None:
    write("src/index.js", f'import * as m from "{spec}";\nexport default {{ m }};\n')
    text = error_of(project, esbuild_bin, node_compat("2025-06-01", ["nodejs_compat"]))
    name = spec.removeprefix("node:")
    assert f'pyworkerd does not provide "{name}": a worker has no access to the host' in text
    assert text.startswith(f'src/index.js:1:20: ERROR: Could not resolve "{spec}"')


def test_an_optional_require_of_a_refused_module_still_builds(
    project: Path, write: Write, esbuild_bin: Path
) -> None:
    # libraries probe for fs inside try/catch; esbuild leaves that require to fail at run time
    write("src/index.js", """
        let fs = null;
        try { fs = require("fs"); } catch { fs = null; }
        export default { fs };
    """)
    b = build(project, esbuild_bin, node_compat("2025-06-01", ["nodejs_compat"]))
    assert 'require("fs")' in b.script


def test_globals_cost_nothing_unless_named(project: Path, write: Write, esbuild_bin: Path) -> None:
    v2 = node_compat("2025-06-01", ["nodejs_compat"])
    write("src/index.js", 'export default { fetch() { return new Response("plain"); } };\n')
    plain = build(project, esbuild_bin, v2)
    assert "ieee754" not in plain.script and "nextTick" not in plain.script
    write("src/index.js", "export default { b: Buffer.from('x'), p: process.platform };\n")
    named = build(project, esbuild_bin, v2)
    assert "ieee754" in named.script and "nextTick" in named.script
    # the same class whether named as a global or imported
    write("src/index.js", 'import { Buffer as B } from "buffer";\n'
                          "export default { same: B === Buffer };\n")
    assert build(project, esbuild_bin, v2).script.count("function Buffer(") <= 1
