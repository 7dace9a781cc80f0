"""bundle(): the real esbuild on small projects, results run in a real isolate."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pyworkerd.bundler import Bundle, BundleError, bundle, bundle_async

from .conftest import Write

RunBundle = Callable[[Bundle, str], Any]

# (module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
ADD_WASM = bytes.fromhex(
    "0061736d01000000"  # magic, version 1
    "01070160027f7f017f"  # type section: (i32, i32) -> i32
    "03020100"  # function section: one function of type 0
    "070701036164640000"  # export section: "add" = function 0
    "0a09010700200020016a0b"  # code: local.get 0, local.get 1, i32.add, end
)


def build(project: Path, esbuild_bin: Path, entry: str = "src/index.ts", **kw: Any) -> Bundle:
    return bundle(Path(entry), project_dir=project, esbuild=esbuild_bin, **kw)


def test_typescript_relative_imports_and_json(
    project: Path, write: Write, esbuild_bin: Path, run_bundle: RunBundle
) -> None:
    write("src/index.ts", """
        import { greet, type Greeting } from "./lib/greet";
        import config from "../config.json";
        interface Env { NAME: string }
        enum Mode { Fast = 1, Slow = 2 }
        export default {
          fetch(_req: unknown, env: Env): Greeting & { mode: Mode; port: number } {
            return { ...greet(env.NAME), mode: Mode.Slow, port: config.port };
          },
        };
    """)
    write("src/lib/greet.ts", """
        export type Greeting = { text: string };
        export const greet = (name: string): Greeting => ({ text: `hello ${name}` });
    """)
    write("config.json", '{"port": 8787, "unused": [1, 2, 3]}')
    b = build(project, esbuild_bin)
    assert "interface" not in b.script and "Greeting =" not in b.script
    assert "sourceMappingURL" not in b.script
    out = run_bundle(b, "return __loadWorker().default.fetch(null, { NAME: 'ts' });")
    assert out == {"text": "hello ts", "mode": 2, "port": 8787}
    assert set(b.inputs) == {
        project / "src/index.ts", project / "src/lib/greet.ts", project / "config.json"
    }
    assert set(b.sourcemap.sources) == {"src/index.ts", "src/lib/greet.ts", "config.json"}
    assert b.modules == {}


def test_jsx_with_factory(
    project: Path, write: Write, esbuild_bin: Path, run_bundle: RunBundle
) -> None:
    write("src/h.ts", """
        export const Fragment = "#fragment";
        type Component = (props: object) => unknown;
        export function h(tag: string | Component, props: object | null, ...children: unknown[]) {
          if (typeof tag === "function") return tag({ ...props, children });
          return { tag, props, children };
        }
    """)
    write("src/index.tsx", """
        import { h, Fragment } from "./h";
        const Item = (p: { label: string }) => <li class="item">{p.label}</li>;
        export default { view: () => <><ul><Item label="one" /></ul></> };
    """)
    # wrangler also lets plain .js hold JSX, here with the pragma instead of the setting
    write("src/pragma.js", """
        /** @jsx h */
        import { h } from "./h";
        export const el = <b>bold</b>;
    """)
    b = build(project, esbuild_bin, "src/index.tsx", jsx_factory="h", jsx_fragment="Fragment")
    out = run_bundle(b, "return __loadWorker().default.view();")
    li = {"tag": "li", "props": {"class": "item"}, "children": ["one"]}
    ul = {"tag": "ul", "props": None, "children": [li]}
    assert out == {"tag": "#fragment", "props": None, "children": [ul]}
    b2 = build(project, esbuild_bin, "src/pragma.js")
    assert run_bundle(b2, "return __loadWorker().el;") == {
        "tag": "b", "props": None, "children": ["bold"]
    }


def test_package_exports_conditions_and_main_fields(
    project: Path, write: Write, esbuild_bin: Path, run_bundle: RunBundle
) -> None:
    # "node" comes first and must be skipped; "workerd" is the first active condition.
    write("node_modules/cond-pkg/package.json", json.dumps({
        "name": "cond-pkg",
        "exports": {".": {"node": "./node.js", "workerd": "./workerd.js", "worker": "./worker.js",
                          "browser": "./browser.js", "default": "./default.js"}},
    }))
    for name in ("node", "workerd", "worker", "browser", "default"):
        write(f"node_modules/cond-pkg/{name}.js", f'export const which = "{name}";')
    write("node_modules/worker-pkg/package.json", json.dumps({
        "name": "worker-pkg",
        "exports": {"node": "./node.js", "worker": "./worker.js", "default": "./default.js"},
    }))
    for name in ("node", "worker", "default"):
        write(f"node_modules/worker-pkg/{name}.js", f'module.exports = "{name}";')
    write("node_modules/fields-pkg/package.json", json.dumps(
        {"name": "fields-pkg", "main": "./main.js", "browser": "./browser.js"}
    ))
    write("node_modules/fields-pkg/main.js", 'module.exports = "main";')
    write("node_modules/fields-pkg/browser.js", 'module.exports = "browser";')
    write("src/index.ts", """
        import { which } from "cond-pkg";
        import worker from "worker-pkg";
        import fields from "fields-pkg";
        export default { which, worker, fields };
    """)
    b = build(project, esbuild_bin)
    out = run_bundle(b, "const d = __loadWorker().default; return [d.which, d.worker, d.fields];")
    assert out == ["workerd", "worker", "browser"]
    assert project / "node_modules/cond-pkg/workerd.js" in b.inputs


def test_define_alias_and_externals(
    project: Path, write: Write, esbuild_bin: Path, run_bundle: RunBundle
) -> None:
    write("src/shim.ts", 'export const who = "shim";')
    write("src/index.ts", """
        import { env } from "cloudflare:workers";
        import { Buffer } from "node:buffer";
        import { who } from "legacy-lib";
        import "my-external";
        declare const __VERSION__: string;
        declare const process: { env: { NODE_ENV: string } };
        export default {
          version: __VERSION__, nodeEnv: process.env.NODE_ENV, who,
          from: env.FROM, buffer: Buffer,
        };
    """)
    b = build(
        project, esbuild_bin,
        define={"__VERSION__": '"1.2.3"'}, alias={"legacy-lib": "./src/shim.ts"},
        external=["my-external"],
    )
    for spec in ("cloudflare:workers", "node:buffer", "my-external"):
        assert f'require("{spec}")' in b.script
    assert "__VERSION__" not in b.script
    with pytest.raises(Exception, match="no module my-external"):
        run_bundle(b, "return __loadWorker().default;")
    source = (project / "src/index.ts").read_text()
    write("src/index.ts", source.replace('import "my-external";\n', ""))
    b = build(project, esbuild_bin, define={"__VERSION__": '"1.2.3"'},
              alias={"legacy-lib": "./src/shim.ts"})
    out = run_bundle(b, "return __loadWorker().default;")
    assert out == {"version": "1.2.3", "nodeEnv": "development", "who": "shim",
                   "from": "cloudflare:workers", "buffer": "node:buffer's Buffer"}
    minified = build(project, esbuild_bin, minify=True, alias={"legacy-lib": "./src/shim.ts"},
                     define={"__VERSION__": '"2"'})
    assert run_bundle(minified, "return __loadWorker().default.nodeEnv;") == "production"
    own = build(project, esbuild_bin, alias={"legacy-lib": "./src/shim.ts"},
                define={"__VERSION__": '"3"', "process.env": '{"NODE_ENV": "own"}'})
    assert run_bundle(own, "return __loadWorker().default.nodeEnv;") == "own"


def test_wasm_text_and_data_modules(
    project: Path, write: Write, esbuild_bin: Path, run_bundle: RunBundle
) -> None:
    write("src/add.wasm", ADD_WASM)
    write("src/assets/page.html", "<h1>héllo</h1>\n")
    write("src/assets/blob.bin", b"\x00\x01\x02\xff")
    write("src/assets/index.ts", """
        import page from "./page.html";
        import blob from "./blob.bin";
        export { page, blob };
    """)
    write("src/index.ts", """
        import add from "./add.wasm";
        import addModule from "./add.wasm?module";
        import notes from "../notes.txt";
        import { page, blob } from "./assets";
        const instance = new WebAssembly.Instance(add);
        export default {
          sum: (instance.exports.add as (a: number, b: number) => number)(2, 3),
          isModule: add instanceof WebAssembly.Module && addModule instanceof WebAssembly.Module,
          notes, page,
          blob: blob instanceof ArrayBuffer ? Array.from(new Uint8Array(blob)) : null,
        };
    """)
    write("notes.txt", "some notes")
    b = build(project, esbuild_bin)
    assert set(b.modules) == {"./add.wasm", "./add.wasm?module", "../notes.txt",
                              "./page.html", "./blob.bin"}
    for spec in b.modules:
        assert f'require("{spec}")' in b.script
    assert b.modules["./add.wasm"].kind == "wasm"
    assert b.modules["./add.wasm?module"].path == project / "src/add.wasm"
    assert b.modules["./add.wasm"].data == ADD_WASM
    assert b.modules["../notes.txt"].kind == "text"
    assert b.modules["./page.html"].path == project / "src/assets/page.html"
    assert b.modules["./blob.bin"].kind == "data"
    assert project / "src/assets/blob.bin" in b.inputs
    out = run_bundle(b, "return __loadWorker().default;")
    assert out == {"sum": 5, "isModule": True, "notes": "some notes",
                   "page": "<h1>héllo</h1>\n", "blob": [0, 1, 2, 255]}


def test_module_in_a_package_resolves_through_exports(
    project: Path, write: Write, esbuild_bin: Path
) -> None:
    write("node_modules/wasm-pkg/package.json", json.dumps({
        "name": "wasm-pkg", "exports": {".": "./index.js", "./add.wasm": "./dist/add.wasm"},
    }))
    write("node_modules/wasm-pkg/index.js", 'export const x = 1;')
    write("node_modules/wasm-pkg/dist/add.wasm", ADD_WASM)
    write("src/index.ts", 'import add from "wasm-pkg/add.wasm";\nexport default { add };\n')
    b = build(project, esbuild_bin)
    assert b.modules["wasm-pkg/add.wasm"].path == project / "node_modules/wasm-pkg/dist/add.wasm"


def test_custom_rules_and_fallthrough(
    project: Path, write: Write, esbuild_bin: Path, run_bundle: RunBundle
) -> None:
    write("src/readme.md", "# title")
    write("src/notes.txt", "notes")
    write("src/index.ts", """
        import readme from "./readme.md";
        import notes from "./notes.txt";
        export default { readme, notes };
    """)
    md_rule = {"type": "Text", "globs": ["**/*.md"]}
    with pytest.raises(BundleError) as info:
        build(project, esbuild_bin, rules=[md_rule])
    assert str(info.value).startswith(
        "src/index.ts:2:19: ERROR: The file ./notes.txt matched a module rule in your "
        'configuration ({"type":"Text","globs":["**/*.txt","**/*.html","**/*.sql"]}), but was '
        "ignored because a previous rule with the same type was not marked as "
        "`fallthrough = true`."
    )
    b = build(project, esbuild_bin, rules=[{**md_rule, "fallthrough": True}])
    assert run_bundle(b, "return __loadWorker().default;") == {"readme": "# title",
                                                                "notes": "notes"}
    assert b.warnings == ()
    write("src/index.ts", 'import readme from "./readme.md";\nexport default { readme };\n')
    b = build(project, esbuild_bin, rules=[md_rule, {"type": "Text", "globs": ["**/*.txt"]}])
    assert b.warnings[0].startswith(
        'The module rule {"type":"Text","globs":["**/*.md"]} does not have a fallback, '
        "the following rules will be ignored:\n"
        ' {"type":"Text","globs":["**/*.txt"]}\n'
        ' {"type":"Text","globs":["**/*.txt","**/*.html","**/*.sql"]} (DEFAULT)\n'
    )


def test_syntax_error_is_reported_as_file_line_column(
    project: Path, write: Write, esbuild_bin: Path
) -> None:
    write("src/index.ts", 'import { f } from "./broken";\nexport default { f };\n')
    write("src/broken.ts", "export function f() {\n  return 1;\n}\nconst x: number = ;\n")
    with pytest.raises(BundleError) as info:
        build(project, esbuild_bin)
    assert str(info.value) == 'src/broken.ts:4:19: ERROR: Unexpected ";"'
    (message,) = info.value.messages
    assert (message.path, message.line, message.column) == ("src/broken.ts", 4, 19)


def test_every_error_is_listed_and_missing_files_are_reported(
    project: Path, write: Write, esbuild_bin: Path
) -> None:
    write("src/index.ts", 'import "./nope";\nimport "missing-package";\n')
    with pytest.raises(BundleError) as info:
        build(project, esbuild_bin)
    assert str(info.value).splitlines() == [
        'src/index.ts:1:8: ERROR: Could not resolve "./nope"',
        'src/index.ts:2:8: ERROR: Could not resolve "missing-package"',
    ]
    write("src/index.ts", 'export default {};\nimport page from "./nope.html";\nlog(page);\n')
    with pytest.raises(BundleError, match=r'^src/index.ts:2:18: ERROR: Could not resolve'):
        build(project, esbuild_bin)


def test_same_specifier_for_two_files(
    project: Path, write: Write, esbuild_bin: Path, run_bundle: RunBundle
) -> None:
    write("src/a/data.txt", "a")
    write("src/b/data.txt", "b")
    write("src/b/add.wasm", ADD_WASM)
    write("src/a/index.ts", 'export { default } from "./data.txt";\n')
    write("src/b/index.ts", 'export { default } from "./data.txt";\nimport "./add.wasm";\n')
    write("src/index.ts", 'import a from "./a";\nimport b from "./b";\nexport default [a, b];\n')
    b = build(project, esbuild_bin)
    found = [(m.kind, m.path.relative_to(project).as_posix()) for m in b.modules.values()]
    assert sorted(found) == [
        ("text", "src/a/data.txt"), ("text", "src/b/data.txt"), ("wasm", "src/b/add.wasm")
    ]
    assert all(f'require("{spec}")' in b.script for spec in b.modules)
    assert run_bundle(b, "return __loadWorker().default;") == ["a", "b"]
    assert set(b.sourcemap.sources) == {"src/index.ts", "src/a/index.ts", "src/b/index.ts"}


def test_warnings_are_returned(project: Path, write: Write, esbuild_bin: Path) -> None:
    write("src/index.ts", "export default { a: 1, a: 2 };\n")
    b = build(project, esbuild_bin)
    assert b.warnings == (
        'src/index.ts:1:24: WARNING: Duplicate key "a" in object literal [duplicate-object-key]',
    )


def test_no_bundle_transforms_only_the_entry(
    project: Path, write: Write, esbuild_bin: Path
) -> None:
    write("src/other.ts", "export const other = 1;\n")
    write("src/page.html", "<p>hi</p>")
    write("src/index.ts", """
        import page from "./page.html";
        import { other } from "./other";
        const n: number = other;
        export default { page, n };
    """)
    b = build(project, esbuild_bin, no_bundle=True)
    assert 'require("./other")' in b.script and "const n = " in b.script
    assert 'require("./page.html")' in b.script
    assert set(b.modules) == {"./page.html"}
    assert b.modules["./page.html"].data == b"<p>hi</p>"
    assert project / "src/index.ts" in b.inputs
    assert project / "src/other.ts" not in b.inputs


def test_bundle_async_matches_bundle(project: Path, write: Write, esbuild_bin: Path) -> None:
    write("src/index.ts", 'import t from "./t.txt";\nexport default { t: t as string };\n')
    write("src/t.txt", "text")
    expected = build(project, esbuild_bin)

    async def go() -> list[Bundle]:
        return list(await asyncio.gather(*(
            bundle_async(Path("src/index.ts"), project_dir=project, esbuild=esbuild_bin)
            for _ in range(3)
        )))

    for got in asyncio.run(go()):
        assert got.script == expected.script
        assert got.modules == expected.modules
        assert got.sourcemap.mappings == expected.sourcemap.mappings


def test_bundle_async_raises_bundle_error(project: Path, write: Write, esbuild_bin: Path) -> None:
    write("src/index.ts", "export default {\n")
    with pytest.raises(BundleError, match=r"^src/index.ts:2:1: ERROR: Expected"):
        asyncio.run(bundle_async(Path("src/index.ts"), project_dir=project, esbuild=esbuild_bin))
