"""URLPattern (21_urlpattern.js): the web-platform-tests data, then the API surface.

All of urlpatterntestdata.json runs in one isolate: the JSON is handed to JS in `setup`,
each entry is checked the way WPT's urlpattern/resources/urlpatterntests.js checks it, and
the list of failures comes back. The test asserts that the failures are exactly the
allow-listed ones below.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import JSError, run_js_snippet

WPT = (
    Path(__file__).resolve().parents[3]
    / "shared" / "conformance" / "wpt" / "urlpattern" / "resources"
)

# Known failures, as the failure text the harness below produces (one line per entry).
ALLOWED_FAILURES: set[str] = set()

# urlpattern/resources/urlpatterntests.js, run over every entry; one failure line per entry.
URLPATTERN_JS = r"""
const kComponents = ['protocol', 'username', 'password', 'hostname', 'port', 'pathname',
                     'search', 'hash'];
const EARLIER_COMPONENTS = {
  protocol: [], hostname: ['protocol'], port: ['protocol', 'hostname'], username: [],
  password: [], pathname: ['protocol', 'hostname', 'port'],
  search: ['protocol', 'hostname', 'port', 'pathname'],
  hash: ['protocol', 'hostname', 'port', 'pathname', 'search'],
};
const show = (v) => v === undefined ? 'undefined' : JSON.stringify(v);
function check(entry) {
  if (entry.expected_obj === 'error') {
    let threw = null;
    try { new URLPattern(...entry.pattern); } catch (e) { threw = e; }
    if (!(threw instanceof TypeError)) return 'constructor: expected TypeError, got ' + threw;
    return null;
  }
  const pattern = new URLPattern(...entry.pattern);
  const expectedObj = entry.expected_obj || {};
  for (const component of kComponents) {
    let expected = expectedObj[component];
    if (expected == undefined) {
      let baseURL = null;
      if (entry.pattern.length > 0 && entry.pattern[0].baseURL) {
        baseURL = new URL(entry.pattern[0].baseURL);
      } else if (entry.pattern.length > 1 && typeof entry.pattern[1] === 'string') {
        baseURL = new URL(entry.pattern[1]);
      }
      if (entry.exactly_empty_components &&
          entry.exactly_empty_components.includes(component)) {
        expected = '';
      } else if (typeof entry.pattern[0] === 'object' && entry.pattern[0][component]) {
        expected = entry.pattern[0][component];
      } else if (typeof entry.pattern[0] === 'object' &&
                 EARLIER_COMPONENTS[component].some(c => c in entry.pattern[0])) {
        expected = '*';
      } else if (baseURL && component !== 'username' && component !== 'password') {
        let base_value = baseURL[component];
        if (component === 'protocol') base_value = base_value.substring(0, base_value.length - 1);
        else if (component === 'search' || component === 'hash') base_value = base_value.substring(1);
        expected = base_value;
      } else {
        expected = '*';
      }
    }
    if (pattern[component] !== expected) {
      return `pattern.${component} ${show(pattern[component])} != ${show(expected)}`;
    }
  }
  if (entry.expected_match === 'error') {
    for (const method of ['test', 'exec']) {
      let threw = null;
      try { pattern[method](...entry.inputs); } catch (e) { threw = e; }
      if (!(threw instanceof TypeError)) return method + ': expected TypeError, got ' + threw;
    }
    return null;
  }
  const testResult = pattern.test(...entry.inputs);
  if (testResult !== !!entry.expected_match) return 'test() returned ' + testResult;
  const execResult = pattern.exec(...entry.inputs);
  if (!entry.expected_match || typeof entry.expected_match !== 'object') {
    if (execResult !== entry.expected_match) return 'exec() returned ' + show(execResult);
    return null;
  }
  const expectedInputs = entry.expected_match.inputs || entry.inputs;
  if (execResult.inputs.length !== expectedInputs.length) {
    return 'exec().inputs.length ' + execResult.inputs.length;
  }
  for (let i = 0; i < execResult.inputs.length; i++) {
    const input = execResult.inputs[i];
    const expectedInput = expectedInputs[i];
    if (typeof input === 'string') {
      if (input !== expectedInput) return `exec().inputs[${i}] ${show(input)}`;
      continue;
    }
    for (const component of kComponents) {
      if (input[component] !== expectedInput[component]) {
        return `exec().inputs[${i}].${component} ${show(input[component])}`;
      }
    }
  }
  for (const component of kComponents) {
    let expected = entry.expected_match[component];
    if (!expected) {
      expected = { input: '', groups: {} };
      if (!entry.exactly_empty_components ||
          !entry.exactly_empty_components.includes(component)) {
        expected.groups['0'] = '';
      }
    }
    const got = execResult[component];
    const wantGroups = {};
    for (const key in expected.groups) {
      wantGroups[key] = expected.groups[key] === null ? undefined : expected.groups[key];
    }
    const gotKeys = Object.keys(got.groups).sort();
    const wantKeys = Object.keys(wantGroups).sort();
    let same = got.input === expected.input &&
      JSON.stringify(gotKeys) === JSON.stringify(wantKeys) &&
      wantKeys.every(k => got.groups[k] === wantGroups[k]);
    if (!same) {
      return `exec().${component} ${show(got.input)} ${show(got.groups)} != ` +
        `${show(expected.input)} ${show(expected.groups)}`;
    }
  }
  return null;
}
const failures = [];
let count = 0;
for (const entry of globalThis.__DATA) {
  if (typeof entry !== 'object' || entry === null || !('pattern' in entry)) continue;
  count++;
  const id = 'Pattern: ' + JSON.stringify(entry.pattern) + ' Inputs: ' + JSON.stringify(entry.inputs);
  try {
    const failure = check(entry);
    if (failure !== null) failures.push(id + ': ' + failure);
  } catch (e) {
    failures.push(id + ': threw ' + e);
  }
}
return { count, failures };
"""


def run_wpt() -> dict[str, Any]:
    data = json.loads((WPT / "urlpatterntestdata.json").read_text("utf-8"))
    setup = "globalThis.__DATA = " + json.dumps(data, ensure_ascii=True) + ";"
    result: dict[str, Any] = run_js_snippet(URLPATTERN_JS, setup=setup)
    return result


def test_wpt_urlpatterntestdata() -> None:
    result = run_wpt()
    count = result["count"]
    assert count >= 360
    failures: list[str] = result["failures"]
    unexpected = [f for f in failures if f not in ALLOWED_FAILURES]
    assert unexpected == [], f"{len(unexpected)} of {count} failed:\n" + "\n".join(unexpected)
    # The bar of the brief: at least 95% of the entries pass.
    assert (count - len(failures)) / count >= 0.95


# ---------------------------------------------------------------------------------------
# The URLPattern API


def test_string_pattern_and_exec_result(run_js: Callable[..., Any]) -> None:
    got = run_js(r"""
      const p = new URLPattern('https://:sub.example.com/books/:id(\\d+)\\?q=*#frag');
      const m = p.exec('https://a.example.com/books/12?q=x#frag');
      return [p.protocol, p.hostname, p.port, p.pathname, p.search, p.hash, p.username,
              p.hasRegExpGroups, m.inputs, m.hostname, m.pathname, m.search, m.username,
              p.test('https://a.example.com/books/x?q=x#frag'),
              p.exec('https://a.example.com/books/x?q=x#frag')];
    """)
    assert got == [
        "https", ":sub.example.com", "", "/books/:id(\\d+)", "q=*", "frag", "*", True,
        ["https://a.example.com/books/12?q=x#frag"],
        {"input": "a.example.com", "groups": {"sub": "a"}},
        {"input": "/books/12", "groups": {"id": "12"}},
        {"input": "q=x", "groups": {"0": "x"}},
        {"input": "", "groups": {"0": ""}},
        False, None,
    ]


def test_base_url_and_init_inputs(run_js: Callable[..., Any]) -> None:
    got = run_js("""
      const p = new URLPattern('/api/:version/*', 'https://example.com');
      const m = p.exec('/api/v1/users', 'https://example.com');
      const q = new URLPattern({ pathname: '/x/:name' });
      const n = q.exec({ pathname: '/x/y', hostname: 'h' });
      return [p.protocol, p.hostname, p.pathname, m.inputs, m.pathname.groups,
              n.inputs, Object.keys(n.inputs[0]), n.hostname];
    """)
    assert got == [
        "https", "example.com", "/api/:version/*", ["/api/v1/users", "https://example.com"],
        {"version": "v1", "0": "users"},
        [{"hostname": "h", "pathname": "/x/y"}], ["hostname", "pathname"],
        {"input": "h", "groups": {"0": "h"}},
    ]


def test_modifiers_groups_and_unmatched(run_js: Callable[..., Any]) -> None:
    got = run_js("""
      const p = new URLPattern({ pathname: '/a/:opt?{/b}?/:rest*' });
      const m = p.exec({ pathname: '/a' });
      const plus = new URLPattern({ pathname: '/f/:x+' });
      return [p.pathname, Object.keys(m.pathname.groups), m.pathname.groups.opt === undefined,
              'opt' in m.pathname.groups, plus.exec({ pathname: '/f/1/2' }).pathname.groups,
              plus.test({ pathname: '/f' }), p.test({ pathname: '/a/1/b/2/3' })];
    """)
    assert got == [
        "/a/:opt?{/b}?/:rest*", ["opt", "rest"], True, True, {"x": "1/2"}, False, True,
    ]


def test_ignore_case_option(run_js: Callable[..., Any]) -> None:
    assert run_js("""
      const a = new URLPattern({ pathname: '/Foo' }, { ignoreCase: true });
      const b = new URLPattern('https://x.com/Foo', undefined, { ignoreCase: true });
      const c = new URLPattern('/Foo', 'https://x.com', { ignoreCase: true });
      const d = new URLPattern({ pathname: '/Foo' });
      return [a.test({ pathname: '/fOO' }), b.test('https://x.com/FOO'),
              c.test('https://x.com/foo'), d.test({ pathname: '/foo' })];
    """) == [True, True, True, False]


def test_regexp_uses_v_flag(run_js: Callable[..., Any]) -> None:
    # Set subtraction only parses with the `v` flag; `[|]` only without it.
    assert run_js(r"""
      const p = new URLPattern({ pathname: '/([\\w--[a-z]]+)' });
      let threw = null;
      try { new URLPattern({ pathname: '/([|])' }); } catch (e) { threw = e; }
      return [p.test({ pathname: '/AB' }), p.test({ pathname: '/ab' }), threw?.name,
              threw?.message];
    """) == [True, False, "TypeError", "Failed to construct URLPattern"]


def test_canonicalization(run_js: Callable[..., Any]) -> None:
    assert run_js("""
      const p = new URLPattern({ protocol: 'http:', hostname: 'BÜCHER.de', port: '80',
                                 pathname: '/a b/./c/../ü', search: '?x y', hash: '#a b' });
      const q = new URLPattern({ hostname: '[\\\\:\\\\:AB]', port: '443', protocol: 'https' });
      const r = new URLPattern({ protocol: 'data', pathname: 'text/plain,a b' });
      return [p.protocol, p.hostname, p.port, p.pathname, p.search, p.hash, q.hostname,
              q.port, r.pathname,
              p.test({ protocol: 'http', hostname: 'xn--bcher-kva.de', port: '',
                       pathname: '/a%20b/%C3%BC', search: 'x%20y', hash: 'a%20b' })];
    """) == [
        "http", "xn--bcher-kva.de", "", "/a%20b/%C3%BC", "x%20y", "a%20b", "[\\:\\:ab]", "",
        "text/plain,a b", True,
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("new URLPattern('/relative')", "Failed to construct URLPattern"),
        ("new URLPattern({ pathname: '/:a/:a' })", "Failed to construct URLPattern"),
        ("new URLPattern({ pathname: '/(' })", "Failed to construct URLPattern"),
        ("new URLPattern({ pathname: '/{a' })", "Failed to construct URLPattern"),
        ("new URLPattern({ hostname: 'a b' })", "Failed to construct URLPattern"),
        ("new URLPattern({ port: 'x' })", "Failed to construct URLPattern"),
        ("new URLPattern({ pathname: '/x' }, 'https://a')", "Failed to construct URLPattern"),
        ("new URLPattern({ baseURL: 'nope' })", "Failed to construct URLPattern"),
        ("new URLPattern({}).exec({}, 'https://a')", "Failed to exec URLPattern"),
        ("new URLPattern({}).test({}, 'https://a')", "Failed to test URLPattern"),
        ("URLPattern.prototype.test.call({})", "Illegal invocation"),
        (
            "Object.getOwnPropertyDescriptor(URLPattern.prototype, 'pathname').get.call({})",
            "Illegal invocation",
        ),
        (
            "new URLPattern({ pathname: Symbol() })",
            "Failed to construct 'URLPattern': 'pathname' in 'URLPatternInit' (parameter 1)"
            " is a symbol, which cannot be converted to a string.",
        ),
    ],
)
def test_errors(run_js: Callable[..., Any], body: str, message: str) -> None:
    with pytest.raises(JSError) as exc:
        run_js(body)
    assert exc.value.name == "TypeError"
    assert exc.value.message == message


def test_no_match_cases_return_null(run_js: Callable[..., Any]) -> None:
    assert run_js("""
      const p = new URLPattern({ pathname: '/a' });
      return [p.exec('not a url'), p.exec('/a', 'not a base'), p.test({ port: 'bad' }),
              p.exec({ protocol: '%' }), p.test(), new URLPattern().test(),
              new URLPattern().exec().inputs];
    """) == [None, None, False, None, False, True, [{}]]


def test_interface_shape(run_js: Callable[..., Any]) -> None:
    got = run_js("""
      const d = Object.getOwnPropertyDescriptor(URLPattern.prototype, 'hostname');
      return [typeof d.get, d.set, d.enumerable,
              Object.prototype.toString.call(new URLPattern()),
              Object.keys(URLPattern.prototype),
              Object.getOwnPropertyNames(globalThis).includes('URLPattern'),
              Object.keys(globalThis).includes('URLPattern'), URLPattern.length];
    """)
    assert got == [
        "function", None, True, "[object URLPattern]",
        ["test", "exec", "protocol", "username", "password", "hostname", "port", "pathname",
         "search", "hash", "hasRegExpGroups"],
        True, False, 0,
    ]


def test_worker_cannot_break_urlpattern(run_js: Callable[..., Any]) -> None:
    got = run_js("""
      const saved = [String.prototype.slice, RegExp.prototype.exec, Array.prototype.push,
                     Array.prototype[Symbol.iterator], String.prototype.toLowerCase,
                     String.prototype.codePointAt];
      String.prototype.slice = () => 'patched';
      RegExp.prototype.exec = () => null;
      Array.prototype.push = () => { throw new Error('patched'); };
      Array.prototype[Symbol.iterator] = function* () { yield 'patched'; };
      String.prototype.toLowerCase = () => 'patched';
      String.prototype.codePointAt = () => 0;
      let out;
      try {
        const p = new URLPattern('https://{:sub.}?example.com/:a/*\\\\?q=:v#h');
        const m = p.exec('https://www.example.com/x/y/z?q=1#h');
        out = [p.hostname, p.pathname, m.hostname.groups, m.pathname.groups, m.search.groups,
               p.test({ pathname: '/b/c', hostname: 'example.com', protocol: 'https',
                        search: 'q=2', hash: 'h' })];
      } finally {
        Array.prototype[Symbol.iterator] = saved[3];
        String.prototype.slice = saved[0];
        RegExp.prototype.exec = saved[1];
        Array.prototype.push = saved[2];
        String.prototype.toLowerCase = saved[4];
        String.prototype.codePointAt = saved[5];
      }
      return out;
    """)
    assert got == [
        "{:sub.}?example.com", "/:a/*", {"sub": "www"}, {"a": "x", "0": "y/z"}, {"v": "1"},
        True,
    ]
