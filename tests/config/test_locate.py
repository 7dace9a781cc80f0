"""The line locator: keys and elements found through strings, comments and nesting."""

from __future__ import annotations

import tomllib

import pyjson5

from pyworkerd.config.locate import Locator, scan_json5, scan_toml

JSONC = """\
{
  // "fake": { "not": "a key" }
  "a": "{ // not a comment [",
  'b': 'it\\'s } here',
  /* "block": 1, { [ */ c: -Infinity,
  "d\\"q": 0x1F,
  "list": [
    [1, 2],
    {
      "deep": { "x": null }
    },
  ],
  "after": true,
}
"""


def test_json5_lines() -> None:
    pyjson5.decode(JSONC)  # the fixture is valid
    lines = scan_json5(JSONC)
    assert lines[("a",)] == 3
    assert lines[("b",)] == 4
    assert lines[("c",)] == 5
    assert lines[('d"q',)] == 6
    assert lines[("list",)] == 7
    assert lines[("list", 0)] == 8
    assert lines[("list", 0, 1)] == 8
    assert lines[("list", 1)] == 9
    assert lines[("list", 1, "deep")] == 10
    assert lines[("list", 1, "deep", "x")] == 10
    assert lines[("after",)] == 13
    assert ("fake",) not in lines and ("block",) not in lines


TOML = '''\
title = "x" # [not.a.table]
text = """
[[fake]]
key = "inside a string"
"""
raw = \'\'\'
[also.fake]
\'\'\'
"quoted.key" = 1
dotted . key = 2
arr = [
  # a comment ]
  { binding = "A" },
  { binding = "B", nested = { k = [1, 2] } },
]

[ env."my env" ]
x = 1

[[env."my env".kv_namespaces]]
binding = "K0"

[[env."my env".kv_namespaces]]
binding = "K1"

[[outer]]
[[outer.inner]]
v = "0.0"
[[outer.inner]]
v = "0.1"
[[outer]]
[[outer.inner]]
v = "1.0"
[outer.table]
w = 1
'''


def test_toml_lines() -> None:
    tomllib.loads(TOML)
    lines = scan_toml(TOML)
    assert lines[("title",)] == 1
    assert lines[("text",)] == 2
    assert lines[("raw",)] == 6
    assert ("fake",) not in lines and ("also",) not in lines
    assert lines[("quoted.key",)] == 9
    assert lines[("dotted", "key")] == 10
    assert lines[("arr",)] == 11
    assert lines[("arr", 0)] == 13
    assert lines[("arr", 0, "binding")] == 13
    assert lines[("arr", 1, "nested", "k", 1)] == 14
    assert lines[("env", "my env")] == 17
    assert lines[("env", "my env", "x")] == 18
    assert lines[("env", "my env", "kv_namespaces", 0, "binding")] == 21
    assert lines[("env", "my env", "kv_namespaces", 1)] == 23
    assert lines[("env", "my env", "kv_namespaces", 1, "binding")] == 24
    assert lines[("outer", 0, "inner", 0, "v")] == 28
    assert lines[("outer", 0, "inner", 1, "v")] == 30
    assert lines[("outer", 1, "inner", 0, "v")] == 33
    assert lines[("outer", 1, "table", "w")] == 35


def test_lookup_falls_back_to_the_nearest_parent() -> None:
    locator = Locator.for_text('[vars]\nA = 1\n\n[[kv_namespaces]]\nbinding = "K"\n', "toml")
    assert locator.line_of(("vars", "A")) == 2
    assert locator.line_of(("kv_namespaces", 0, "id")) == 4
    assert locator.line_of(("vars", "MISSING")) == 1
    assert locator.line_of(("nothing", "here")) == 1
    assert locator.has(("vars",)) and not locator.has(("nothing",))


def test_garbage_never_raises() -> None:
    for text in ('{"a": [1, {"b": ', "[[[", '"""', "a = [ { b = ", "}{][", ""):
        Locator.for_text(text, "json").line_of(("a",))
        Locator.for_text(text, "toml").line_of(("a",))
