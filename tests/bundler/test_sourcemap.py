"""SourceMap: VLQ decoding, lookups, source lines, and V8 stacks from a real isolate."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pyworkerd.bundler import LINE_OFFSET, Bundle, OriginalPosition, SourceMap, bundle
from pyworkerd.bundler.sourcemap import SourceMapError

from .conftest import SCRIPT_URL, Write

# line 1: [0 → a.ts 0:0], [4 → a.ts 0:4 "foo"]; line 2: nothing;
# line 3: [0 → b.ts 1:4], [2 → b.ts 1:6], [4 → a.ts 3:4]  (all 0-based; fields are deltas)
HAND_MADE = {
    "version": 3,
    "file": "worker.js",
    "sources": ["a.ts", "b.ts"],
    "sourcesContent": ["let x = 1;\nfoo();\r\nthird\u2028fourth", None],
    "names": ["foo"],
    "mappings": "AAAA,IAAIA;;ACCA,EAAE,EDEF",
}


def test_lookup_decodes_vlq_and_uses_1_based_positions() -> None:
    sm = SourceMap(HAND_MADE)
    assert sm.lookup(1, 1) == OriginalPosition("a.ts", 1, 1)
    assert sm.lookup(1, 4) == OriginalPosition("a.ts", 1, 1)
    assert sm.lookup(1, 5) == OriginalPosition("a.ts", 1, 5, "foo")
    assert sm.lookup(1, 500) == OriginalPosition("a.ts", 1, 5, "foo")
    assert sm.lookup(2, 1) is None
    assert sm.lookup(3, 1) == OriginalPosition("b.ts", 2, 5)
    assert sm.lookup(3, 3) == OriginalPosition("b.ts", 2, 7)
    assert sm.lookup(3, 6) == OriginalPosition("a.ts", 4, 5)
    assert sm.lookup(4, 1) is None
    assert sm.lookup(0, 1) is None
    assert str(sm.lookup(3, 3)) == "b.ts:2:7"


def test_multi_digit_and_negative_vlq() -> None:
    # "gB" is 16, "hB" is -16: generated column 16, then back to source line 0
    sm = SourceMap({"version": 3, "sources": ["s.js"], "names": [],
                    "mappings": "gBAgBA,CAhBC"})
    assert sm.lookup(1, 17) == OriginalPosition("s.js", 17, 1)
    assert sm.lookup(1, 18) == OriginalPosition("s.js", 1, 2)


def test_bad_maps_are_refused() -> None:
    with pytest.raises(SourceMapError):
        SourceMap({"version": 2, "sources": [], "mappings": ""})
    with pytest.raises(SourceMapError):
        SourceMap({"version": 3, "sources": [], "mappings": "A!"}).lookup(1, 1)
    with pytest.raises(SourceMapError):
        SourceMap.from_json("not json")


def test_source_line_counts_lines_as_javascript_does() -> None:
    sm = SourceMap(HAND_MADE)
    assert sm.source_line("a.ts", 1) == "let x = 1;"
    assert sm.source_line("a.ts", 2) == "foo();"
    assert sm.source_line("a.ts", 3) == "third"
    assert sm.source_line("a.ts", 4) == "fourth"
    assert sm.source_line("a.ts", 5) is None
    assert sm.source_line("b.ts", 1) is None  # no sourcesContent for it
    assert sm.source_line("c.ts", 1) is None


def test_map_stack_rewrites_only_frames_of_the_script() -> None:
    sm = SourceMap(HAND_MADE)
    stack = "\n".join([
        "Error: worker.js:3:3 in a message stays",
        "    at foo (worker.js:4:6)",
        "    at worker.js:2:1",
        "    at async Object.fetch [as fetch] (worker.js:4:3)",
        "    at myworker.js:4:3",
        "    at run (pyworkerd:runtime.js:4:3)",
        "    at worker.js:99:1",
    ])
    assert sm.map_stack(stack, "worker.js", line_offset=1).splitlines() == [
        "Error: worker.js:3:3 in a message stays",
        "    at foo (a.ts:4:5)",
        "    at a.ts:1:1",
        "    at async Object.fetch [as fetch] (b.ts:2:7)",
        "    at myworker.js:4:3",
        "    at run (pyworkerd:runtime.js:4:3)",
        "    at worker.js:99:1",
    ]


def test_to_json_round_trips() -> None:
    sm = SourceMap(HAND_MADE)
    again = SourceMap.from_json(sm.to_json())
    assert again.sources == sm.sources and again.mappings == sm.mappings
    assert again.sources_content == ("let x = 1;\nfoo();\r\nthird\u2028fourth", None)


def _frame_positions(stack: str, path: str) -> list[tuple[int, int]]:
    return [(int(m[1]), int(m[2])) for m in re.finditer(re.escape(path) + r":(\d+):(\d+)", stack)]


def test_real_stack_maps_back_to_the_typescript_file(
    project: Path, write: Write, esbuild_bin: Path, run_bundle: Callable[[Bundle, str], Any]
) -> None:
    write("src/index.ts", """
        import { explode } from "./lib/explode";

        interface Env { NAME: string }
        export default {
          async fetch(request: unknown, env: Env): Promise<string> {
            return explode(env.NAME);
          },
        };
    """)
    write("src/lib/explode.ts", """
        type Reason = string;

        // a comment, and a type, so generated and original lines differ
        export function explode(reason: Reason): never {
          const message: string = `boom: ${reason}`;
          throw new Error(message);
        }
    """)
    b = bundle(Path("src/index.ts"), project_dir=project, esbuild=esbuild_bin)
    stack = run_bundle(b, """
        try { await __loadWorker().default.fetch(null, { NAME: "x" }); }
        catch (e) { return e.stack; }
    """)
    assert stack.startswith("Error: boom: x\n")
    assert f"({SCRIPT_URL}:" in stack

    mapped = b.sourcemap.map_stack(stack, SCRIPT_URL, line_offset=LINE_OFFSET)
    assert mapped == b.map_stack(stack) == b.map_stack(stack, SCRIPT_URL)
    assert b.sourcemap.file == SCRIPT_URL
    frames = mapped.splitlines()[1:]
    assert frames[0] == "    at explode (src/lib/explode.ts:6:9)", mapped
    assert re.fullmatch(r"    at (Object\.)?fetch \(src/index\.ts:6:\d+\)", frames[1]), mapped
    assert SCRIPT_URL + ":" not in mapped
    # frames of the test harness (other scripts) are left alone
    assert [f for f in frames[2:] if "<anonymous>" in f] == [
        f for f in stack.splitlines()[3:] if "<anonymous>" in f
    ]
    assert b.sourcemap.source_line("src/lib/explode.ts", 6) == "  throw new Error(message);"

    # lookup agrees with the generated line V8 reported, minus the wrapper's line
    (line, col), *_ = _frame_positions(stack, SCRIPT_URL)
    assert b.sourcemap.lookup(line - LINE_OFFSET, col) == OriginalPosition(
        "src/lib/explode.ts", 6, 9
    )
    assert "throw new Error(message)" in b.script.splitlines()[line - LINE_OFFSET - 1]
