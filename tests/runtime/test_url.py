"""URL and URLSearchParams (20_url.js): the web-platform-tests data, then the API surface.

Each WPT data file runs in one isolate: the JSON is handed to JS in `setup`, every case is
checked there, and the list of failures comes back. A test asserts that the failures are
exactly the allow-listed ones (currently none).
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import JSError, run_js_snippet

WPT = Path(__file__).resolve().parents[3] / "shared" / "conformance" / "wpt" / "url" / "resources"

# Known failures, as "<file>: <failure text>". Keep it empty: the parser passes all of
# urltestdata, setters and toascii. The IDNA code approximates UTS #46 without its data
# tables (see the IDNA comment in 20_url.js); cases that would need the tables go here.
ALLOWED_FAILURES: dict[str, set[str]] = {
    "urltestdata.json": set(),
    "urltestdata-javascript-only.json": set(),
    "setters_tests.json": set(),
    "toascii.json": set(),
    "percent-encoding.json": set(),
    "urlencoded-parser-data.json": set(),
}

URLTESTDATA_JS = r"""
const failures = [];
let count = 0;
const keys = ['href', 'origin', 'protocol', 'username', 'password', 'host', 'hostname',
              'port', 'pathname', 'search', 'hash'];
for (const t of globalThis.__DATA) {
  if (typeof t === 'string') continue;
  count++;
  const base = t.base !== null ? t.base : undefined;
  const id = JSON.stringify(t.input) + (t.base !== null ? ' against ' + JSON.stringify(t.base) : '');
  try {
    if (t.failure) {
      // url-constructor, url-statics-canparse, url-statics-parse
      let threw = null;
      try { new URL(t.input, base); } catch (e) { threw = e; }
      if (!(threw instanceof TypeError)) failures.push(id + ': expected TypeError, got ' + threw);
      if (URL.canParse(t.input, base)) failures.push(id + ': canParse is true');
      if (URL.parse(t.input, base) !== null) failures.push(id + ': parse is not null');
      if (t.base === null) {
        // failure.html: the input also fails as a base and through the href setter.
        let threwBase = false;
        try { new URL('about:blank', t.input); } catch (e) { threwBase = e instanceof TypeError; }
        if (!threwBase) failures.push(id + ': as a base did not throw');
        let threwHref = false;
        const u = new URL('about:blank');
        try { u.href = t.input; } catch (e) { threwHref = e instanceof TypeError; }
        if (!threwHref) failures.push(id + ': href setter did not throw');
      }
      continue;
    }
    const url = new URL(t.input, base);
    for (const k of keys) {
      if (k === 'origin' && !('origin' in t)) continue;
      if (url[k] !== t[k]) {
        failures.push(id + ': ' + k + ' ' + JSON.stringify(url[k]) + ' != ' + JSON.stringify(t[k]));
      }
    }
    if ('searchParams' in t && url.searchParams.toString() !== t.searchParams) {
      failures.push(id + ': searchParams ' + url.searchParams.toString());
    }
    if (!URL.canParse(t.input, base)) failures.push(id + ': canParse is false');
    const parsed = URL.parse(t.input, base);
    if (!parsed || parsed.href !== t.href) failures.push(id + ': URL.parse');
  } catch (e) {
    failures.push(id + ': threw ' + e);
  }
}
return { count, failures };
"""

SETTERS_JS = r"""
const failures = [];
let count = 0;
const data = globalThis.__DATA;
for (const attr of Object.keys(data)) {
  if (attr === 'comment') continue;
  for (const t of data[attr]) {
    count++;
    const id = attr + ' = ' + JSON.stringify(t.new_value) + ' on ' + JSON.stringify(t.href);
    try {
      const url = new URL(t.href);
      url[attr] = t.new_value;
      for (const k of Object.keys(t.expected)) {
        if (url[k] !== t.expected[k]) {
          failures.push(id + ': ' + k + ' ' + JSON.stringify(url[k]) + ' != ' +
                        JSON.stringify(t.expected[k]));
        }
      }
    } catch (e) {
      failures.push(id + ': threw ' + e);
    }
  }
}
return { count, failures };
"""

# url/toascii.window.js: the URL constructor, and the host and hostname setters.
TOASCII_JS = r"""
const failures = [];
let count = 0;
for (const t of globalThis.__DATA) {
  if (typeof t === 'string') continue;
  count++;
  const id = JSON.stringify(t.input);
  try {
    if (t.output !== null) {
      const url = new URL('https://' + t.input + '/x');
      if (url.host !== t.output) failures.push(id + ': host ' + JSON.stringify(url.host));
      if (url.hostname !== t.output) failures.push(id + ': hostname ' + JSON.stringify(url.hostname));
      if (url.pathname !== '/x') failures.push(id + ': pathname ' + url.pathname);
      if (url.href !== 'https://' + t.output + '/x') failures.push(id + ': href ' + url.href);
    } else {
      let threw = false;
      try { new URL('https://' + t.input + '/x'); } catch (e) { threw = e instanceof TypeError; }
      if (!threw) failures.push(id + ': parsed, expected failure');
    }
    for (const attr of ['host', 'hostname']) {
      const url = new URL('https://x/x');
      url[attr] = t.input;
      const want = t.output !== null ? t.output : 'x';
      if (url[attr] !== want) {
        failures.push(id + ': ' + attr + ' setter gave ' + JSON.stringify(url[attr]));
      }
    }
  } catch (e) {
    failures.push(id + ': threw ' + e);
  }
}
return { count, failures };
"""

# url/percent-encoding.window.js, for the "utf-8" column (the only encoding URL uses).
PERCENT_JS = r"""
const failures = [];
let count = 0;
for (const t of globalThis.__DATA) {
  if (typeof t === 'string') continue;
  count++;
  const id = JSON.stringify(t.input);
  try {
    const url = new URL('https://doesnotmatter.invalid/?' + t.input + '#' + t.input);
    if (url.search !== '?' + t.output['utf-8']) failures.push(id + ': search ' + url.search);
  } catch (e) {
    failures.push(id + ': threw ' + e);
  }
}
return { count, failures };
"""

# url/urlencoded-parser.any.js, for URLSearchParams.
URLENCODED_JS = r"""
const failures = [];
let count = 0;
for (const t of globalThis.__DATA) {
  if (typeof t === 'string') continue;
  count++;
  const id = JSON.stringify(t.input);
  try {
    const got = JSON.stringify([...new URLSearchParams(t.input)]);
    if (got !== JSON.stringify(t.output)) failures.push(id + ': ' + got);
  } catch (e) {
    failures.push(id + ': threw ' + e);
  }
}
return { count, failures };
"""

WPT_FILES = {
    "urltestdata.json": (URLTESTDATA_JS, 800),
    "urltestdata-javascript-only.json": (URLTESTDATA_JS, 1),
    "setters_tests.json": (SETTERS_JS, 250),
    "toascii.json": (TOASCII_JS, 80),
    "percent-encoding.json": (PERCENT_JS, 7),
    "urlencoded-parser-data.json": (URLENCODED_JS, 30),
}


def run_wpt_file(name: str) -> dict[str, Any]:
    script, _ = WPT_FILES[name]
    data = json.loads((WPT / name).read_text("utf-8"))
    # ensure_ascii: lone surrogates in the data travel as \\uD800 escapes, which JS parses.
    setup = "globalThis.__DATA = " + json.dumps(data, ensure_ascii=True) + ";"
    result: dict[str, Any] = run_js_snippet(script, setup=setup)
    return result


@pytest.mark.parametrize("name", list(WPT_FILES))
def test_wpt_url_data(name: str) -> None:
    result = run_wpt_file(name)
    _, minimum = WPT_FILES[name]
    assert result["count"] >= minimum
    unexpected = [f for f in result["failures"] if f not in ALLOWED_FAILURES[name]]
    assert unexpected == [], f"{len(unexpected)} of {result['count']} failed:\n" + "\n".join(
        unexpected[:50]
    )


# ---------------------------------------------------------------------------------------
# The URL API


def test_basic_parse_and_components(run_js: Callable[..., Any]) -> None:
    got = run_js("""
      const u = new URL('HTTP://User:Pa ss@EXAMPLE.com:80/a/./b/../c?x=1 2#frag');
      return [u.href, u.origin, u.protocol, u.username, u.password, u.host, u.hostname,
              u.port, u.pathname, u.search, u.hash, String(u), u.toJSON(), JSON.stringify({u})];
    """)
    href = "http://User:Pa%20ss@example.com/a/c?x=1%202#frag"
    assert got == [
        href, "http://example.com", "http:", "User", "Pa%20ss", "example.com", "example.com",
        "", "/a/c", "?x=1%202", "#frag", href, href, json.dumps({"u": href}, separators=(",", ":")),
    ]


def test_relative_resolution_and_hosts(run_js: Callable[..., Any]) -> None:
    got = run_js("""
      return [
        new URL('../x?y#z', 'http://a/b/c/d').href,
        new URL('//other/p', 'https://a/b').href,
        new URL('http://[0:0:0:0:0:ffff:7f00:1]/').host,
        new URL('http://0x7f.1/').host,
        new URL('http://BÜCHER.de/').host,
        new URL('file:///C:/dir/../x').href,
        new URL('blob:https://a.com:8443/uuid').origin,
        new URL('data:text/plain,hi').origin,
      ];
    """)
    assert got == [
        "http://a/b/x?y#z", "https://other/p", "[::ffff:7f00:1]", "127.0.0.1",
        "xn--bcher-kva.de", "file:///C:/x", "https://a.com:8443", "null",
    ]


def test_invalid_url_error(run_js: Callable[..., Any]) -> None:
    with pytest.raises(JSError) as exc:
        run_js("new URL('not a url')")
    assert exc.value.name == "TypeError"
    assert exc.value.message == "Invalid URL string."
    with pytest.raises(JSError) as exc:
        run_js("new URL()")
    assert exc.value.message == "Failed to construct 'URL': 1 argument required, but only 0 present."
    with pytest.raises(JSError) as exc:
        run_js("const u = new URL('http://a/'); u.href = 'nope';")
    assert exc.value.name == "TypeError"


def test_statics(run_js: Callable[..., Any]) -> None:
    assert run_js("""
      return [URL.canParse('http://x'), URL.canParse('x'), URL.canParse('x', 'http://a/'),
              URL.parse('x'), URL.parse('/p', 'http://a/b').href,
              URL.parse('http://a/') instanceof URL]
    """) == [True, False, True, None, "http://a/p", True]


def test_setters(run_js: Callable[..., Any]) -> None:
    got = run_js("""
      const u = new URL('http://a.com/p?q#h');
      u.protocol = 'https'; u.username = 'me'; u.password = 'p@ss'; u.port = '8443';
      u.hostname = 'B.example'; u.pathname = 'x y'; u.search = 'a=1'; u.hash = 'frag';
      const before = u.href;
      u.protocol = 'foo';          // special -> non-special: ignored
      u.port = 'abc';              // invalid: ignored
      return [before, u.href];
    """)
    href = "https://me:p%40ss@b.example:8443/x%20y?a=1#frag"
    assert got == [href, href]


def test_search_params_live_binding(run_js: Callable[..., Any]) -> None:
    got = run_js("""
      const u = new URL('https://x/?a=1&b=2');
      const sp = u.searchParams;
      const same = sp === u.searchParams;
      sp.append('c', 'three four');
      const h1 = u.href;
      u.search = '?z=9';
      const afterSearch = [...sp];
      u.href = 'https://y/?k=v';
      const afterHref = sp.get('k');
      sp.delete('k');
      return [same, h1, afterSearch, afterHref, u.href, u.search];
    """)
    assert got == [
        True, "https://x/?a=1&b=2&c=three+four", [["z", "9"]], "v", "https://y/", "",
    ]


def test_url_search_params_api(run_js: Callable[..., Any]) -> None:
    got = run_js("""
      const p = new URLSearchParams('?b=2&a=1&b=3&c');
      const r = [p.size, p.get('b'), p.getAll('b'), p.get('nope'), p.has('b'), p.has('b', '3'),
                 p.has('b', '4')];
      p.delete('b', '2');
      r.push(p.toString());
      p.set('b', 'x'); p.append('a', '0');
      p.sort();
      r.push(p.toString(), [...p.keys()], [...p.values()]);
      const seen = [];
      p.forEach((v, k, o) => seen.push(k + '=' + v + (o === p)));
      r.push(seen);
      r.push(new URLSearchParams({ x: '1', y: 'é &' }).toString());
      r.push(new URLSearchParams([['k', 'v'], new Set(['s', 't'])]).toString());
      r.push(Object.prototype.toString.call(p.entries()), typeof p[Symbol.iterator]);
      r.push(new URLSearchParams('a=%F0%9F%92%A9+b').get('a'));
      return r;
    """)
    assert got == [
        4, "2", ["2", "3"], None, True, True, False,
        "a=1&b=3&c=",
        "a=1&a=0&b=x&c=", ["a", "a", "b", "c"], ["1", "0", "x", ""],
        ["a=1true", "a=0true", "b=xtrue", "c=true"],
        "x=1&y=%C3%A9+%26",
        "k=v&s=t",
        "[object URLSearchParams Iterator]", "function",
        "\U0001f4a9 b",
    ]


def test_url_search_params_iteration_sees_deletes(run_js: Callable[..., Any]) -> None:
    assert run_js("""
      const p = new URLSearchParams('a=1&b=2&c=3');
      const out = [];
      for (const [k] of p) { out.push(k); if (k === 'a') p.delete('b'); }
      return out;
    """) == ["a", "c"]


def test_url_search_params_errors(run_js: Callable[..., Any]) -> None:
    with pytest.raises(JSError) as exc:
        run_js("new URLSearchParams().append('a')")
    assert exc.value.message == (
        "Failed to execute 'append' on 'URLSearchParams': 2 arguments required, but only 1 present."
    )
    with pytest.raises(JSError) as exc:
        run_js("new URLSearchParams([['a', 'b', 'c']])")
    assert exc.value.name == "TypeError"
    with pytest.raises(JSError) as exc:
        run_js("URLSearchParams.prototype.get.call({}, 'a')")
    assert exc.value.message == "Illegal invocation"


def test_interface_shape(run_js: Callable[..., Any]) -> None:
    got = run_js("""
      const d = Object.getOwnPropertyDescriptor(URL.prototype, 'href');
      return [typeof d.get, typeof d.set, d.enumerable, Object.prototype.toString.call(new URL('a:b')),
              Object.prototype.toString.call(new URLSearchParams()),
              Object.keys(URL.prototype).includes('searchParams'),
              Object.getOwnPropertyNames(globalThis).includes('URL'),
              Object.keys(globalThis).includes('URL')];
    """)
    assert got == [
        "function", "function", True, "[object URL]", "[object URLSearchParams]", True, True, False,
    ]


def test_usvstring_conversion(run_js: Callable[..., Any]) -> None:
    assert run_js("return new URL('http://a/\\ud800').pathname") == "/%EF%BF%BD"


def test_subclass(run_js: Callable[..., Any]) -> None:
    assert run_js("""
      class MyURL extends URL { get twice() { return this.href + this.href; } }
      return new MyURL('http://a/').twice;
    """) == "http://a/http://a/"


def test_worker_cannot_break_parser(run_js: Callable[..., Any]) -> None:
    got = run_js("""
      const saved = [Array.prototype.push, String.prototype.slice, String.prototype.toLowerCase,
                     RegExp.prototype.test, Array.prototype[Symbol.iterator]];
      Array.prototype.push = () => { throw new Error('patched'); };
      String.prototype.slice = () => 'patched';
      String.prototype.toLowerCase = () => 'patched';
      RegExp.prototype.test = () => false;
      Array.prototype[Symbol.iterator] = function* () { yield 'patched'; };
      let href;
      try {
        const u = new URL('HTTP://Example.COM/a/../b?c=d#e');
        u.searchParams.append('x', 'y');
        u.searchParams.sort();
        href = u.href;
      } finally {
        Array.prototype.push = saved[0];
        String.prototype.slice = saved[1];
        String.prototype.toLowerCase = saved[2];
        RegExp.prototype.test = saved[3];
        Array.prototype[Symbol.iterator] = saved[4];
      }
      return href;
    """)
    assert got == "http://example.com/b?c=d&x=y#e"


def test_internal_helpers(run_internal_js: Callable[..., Any]) -> None:
    got = run_internal_js("""
      return [
        internals.parseURL('/p', 'http://a/').href, internals.parseURL('::'),
        internals.isURL(new URL('a:b')), internals.isURLSearchParams(new URLSearchParams()),
        internals.urlencodedParse('a=1&b=%20+'), internals.urlencodedSerialize([['a b', 'é']]),
        Array.from(internals.percentDecode('%41%zz')), internals.domainToASCII('Faß.DE'),
        internals.domainToASCII('a b'),
      ];
    """)
    assert got == [
        "http://a/p", None, True, True, [["a", "1"], ["b", "  "]], "a+b=%C3%A9",
        [0x41, 0x25, 0x7A, 0x7A], "xn--fa-hia.de", None,
    ]


def test_inspect_url(run_internal_js: Callable[..., Any]) -> None:
    got = run_internal_js("""
      return [internals.inspect(new URL('https://u:p@a.com:81/x?y=1#z')),
              internals.inspect(new URLSearchParams('a=1&b=2'))];
    """)
    assert got[0] == (
        "URL {\n"
        "  href: 'https://u:p@a.com:81/x?y=1#z',\n"
        "  origin: 'https://a.com:81',\n"
        "  protocol: 'https:',\n"
        "  username: 'u',\n"
        "  password: 'p',\n"
        "  host: 'a.com:81',\n"
        "  hostname: 'a.com',\n"
        "  port: '81',\n"
        "  pathname: '/x',\n"
        "  search: '?y=1',\n"
        "  searchParams: URLSearchParams { 'y' => '1' },\n"
        "  hash: '#z'\n"
        "}"
    )
    assert got[1] == "URLSearchParams { 'a' => '1', 'b' => '2' }"


def test_uts46_mapping_matches_the_idna_table(run_internal_js: Callable[..., Any]) -> None:
    """The table-free UTS #46 mapping equals the IDNA mapping table (the `idna` package's
    copy) for every code point this V8 assigns; newer code points are disallowed here."""
    uts46 = pytest.importorskip("idna.uts46data")
    starts, statuses, replacements = (
        uts46.uts46_starts, uts46.uts46_statuses, uts46.uts46_replacements,
    )

    def expected(cp: int) -> str | None:
        i = bisect.bisect_right(starts, cp) - 1
        status, replacement = chr(statuses[i]), replacements[i]
        if status in "VD":
            return chr(cp)
        if status == "I":
            return ""
        if status == "M" or status == "3":  # "3": disallowed_STD3_*, allowed with STD3 off
            return replacement if replacement is not None else chr(cp)
        return None

    mismatches = []
    for lo in range(0x80, 0x110000, 0x22000):
        hi = min(lo + 0x22000, 0x110000)
        got = run_internal_js(f"""
          const out = [];
          for (let cp = {lo}; cp < {hi}; cp++) {{
            const ch = String.fromCodePoint(cp);
            out.push(cp >= 0xd800 && cp <= 0xdfff || /\\p{{Cn}}/u.test(ch) ? 0 : internals.uts46Map(cp));
          }}
          return out;
        """)
        for cp, mapped in zip(range(lo, hi), got, strict=True):
            if mapped != 0 and mapped != expected(cp):
                mismatches.append(f"U+{cp:04X}: {mapped!r} != {expected(cp)!r}")
    assert mismatches == []
