"""Headers, checked against workerd's behaviour (src/workerd/api/headers.c++)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import JSError

RunJs = Callable[..., Any]


def test_case_insensitive_get_has_and_combined_values(run_js: RunJs) -> None:
    out = run_js(
        """
        const h = new Headers();
        h.append("X-Thing", "a");
        h.append("x-thing", "b");
        h.set("Content-Type", "text/html");
        return {
          get: h.get("X-THING"), has: h.has("x-thing"), hasNot: h.has("x-other"),
          missing: h.get("x-other"), ct: h.get("content-type"),
        };
        """
    )
    assert out == {"get": "a, b", "has": True, "hasNot": False, "missing": None, "ct": "text/html"}


def test_set_replaces_and_delete_removes(run_js: RunJs) -> None:
    out = run_js(
        """
        const h = new Headers([["a", "1"], ["A", "2"]]);
        const before = h.get("a");
        h.set("a", "3");
        const afterSet = h.get("a");
        h.delete("A");
        return [before, afterSet, h.get("a"), h.has("a")];
        """
    )
    assert out == ["1, 2", "3", None, False]


def test_iteration_is_sorted_lowercased_with_set_cookie_apart(run_js: RunJs) -> None:
    out = run_js(
        """
        const h = new Headers();
        h.append("Zeta", "z");
        h.append("Set-Cookie", "a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT");
        h.append("alpha", "1");
        h.append("set-cookie", "b=2");
        h.append("ALPHA", "2");
        const seen = [];
        h.forEach(function (value, key, headers) {
          seen.push([key, value, headers === h, this]);
        }, "T");
        return {
          entries: [...h], keys: [...h.keys()], values: [...h.values()],
          viaEntries: Array.from(h.entries()), seen,
          setCookie: h.getSetCookie(), getAll: h.getAll("SET-COOKIE"),
          joined: h.get("set-cookie"),
        };
        """
    )
    assert out["entries"] == [
        ["alpha", "1, 2"],
        ["set-cookie", "a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT"],
        ["set-cookie", "b=2"],
        ["zeta", "z"],
    ]
    assert out["viaEntries"] == out["entries"]
    assert out["keys"] == ["alpha", "set-cookie", "set-cookie", "zeta"]
    assert out["values"] == ["1, 2", "a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT", "b=2", "z"]
    assert out["seen"][0] == ["alpha", "1, 2", True, "T"]
    assert len(out["seen"]) == 4
    assert out["setCookie"] == ["a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT", "b=2"]
    assert out["getAll"] == out["setCookie"]
    assert out["joined"] == "a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT, b=2"


def test_iterators_are_snapshots_and_proper_iterators(run_js: RunJs) -> None:
    out = run_js(
        """
        const h = new Headers({a: "1", b: "2"});
        const it = h.keys();
        h.append("c", "3");
        h.delete("a");
        const proto = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()));
        return {
          keys: [...it], again: [...h.keys()], selfIter: it[Symbol.iterator]() === it,
          inheritsIterator: Object.getPrototypeOf(Object.getPrototypeOf(it)) === proto,
          tag: Object.prototype.toString.call(h.entries()),
          first: h.entries().next(), empty: new Headers().entries().next(),
        };
        """
    )
    assert out["keys"] == ["a", "b"]
    assert out["again"] == ["b", "c"]
    assert out["selfIter"] is True and out["inheritsIterator"] is True
    assert out["tag"] == "[object Headers Iterator]"
    assert out["first"] == {"value": ["b", "2"], "done": False}
    assert out["empty"] == {"done": True}  # value undefined is dropped by JSON


def test_get_set_cookie_empty_and_get_all_other_names(run_js: RunJs) -> None:
    assert run_js("return new Headers().getSetCookie()") == []
    with pytest.raises(JSError) as err:
        run_js('new Headers({"x-a": "1"}).getAll("x-a")')
    assert err.value.name == "TypeError"
    assert err.value.message == 'getAll() can only be used with the header name "Set-Cookie".'


def test_value_normalisation_and_validation(run_js: RunJs) -> None:
    out = run_js(
        """
        const h = new Headers();
        h.set("a", " \\t padded \\t\\r\\n");
        h.append("b", "ünïcode ok");
        h.set("c", "");
        const errors = [];
        for (const [name, value] of [["x", "a\\nb"], ["x", "a\\rb"], ["x", "a\\0b"],
                                      ["bad name", "v"], ["bad:name", "v"], ["", "v"],
                                      ["naïve", "v"], ["x(y)", "v"]]) {
          try { h.append(name, value); errors.push(null); }
          catch (e) { errors.push(e.name + ": " + e.message); }
        }
        let getErr = null;
        try { h.get("bad name"); } catch (e) { getErr = e.message; }
        return { a: h.get("a"), b: h.get("b"), c: h.get("c"), errors, getErr,
                 inner: (() => { h.set("d", "a \\t b"); return h.get("d"); })() };
        """
    )
    assert out["a"] == "padded"
    assert out["b"] == "ünïcode ok"
    assert out["c"] == ""
    assert out["inner"] == "a \t b"
    value_err = "TypeError: Invalid header value."
    name_err = "TypeError: Invalid header name."
    assert out["errors"] == [
        value_err,
        value_err,
        value_err,
        name_err,
        name_err,
        name_err,
        name_err,
        name_err,
    ]
    assert out["getErr"] == "Invalid header name."


def test_value_is_checked_before_name(run_js: RunJs) -> None:
    # workerd normalises (and rejects) the value before it looks at the name.
    with pytest.raises(JSError) as err:
        run_js('new Headers().set("bad name", "x\\ny")')
    assert err.value.message == "Invalid header value."


def test_arguments_are_coerced_to_strings(run_js: RunJs) -> None:
    out = run_js(
        """
        const h = new Headers();
        h.set("n", 42);
        h.append("u");
        return [h.get("n"), h.get("u"), h.get(), new Headers({x: null}).get("x")];
        """
    )
    assert out == ["42", "undefined", None, "null"]


def test_init_forms(run_js: RunJs) -> None:
    out = run_js(
        """
        const fromRecord = new Headers({"X-A": "1", "x-b": 2});
        const fromPairs = new Headers([["x-a", "1"], ["X-A", "2"]]);
        const fromMap = new Headers(new Map([["k", "v"]]));
        const fromIterable = new Headers({
          *[Symbol.iterator]() { yield ["g", "1"]; yield new Set(["h", "2"]); },
        });
        const src = new Headers({"x-src": "1"});
        const copy = new Headers(src);
        copy.set("x-src", "changed");
        return {
          record: [...fromRecord], pairs: [...fromPairs], map: [...fromMap],
          iterable: [...fromIterable], copy: [...copy], src: [...src],
          undef: [...new Headers(undefined)],
        };
        """
    )
    assert out["record"] == [["x-a", "1"], ["x-b", "2"]]
    assert out["pairs"] == [["x-a", "1, 2"]]
    assert out["map"] == [["k", "v"]]
    assert out["iterable"] == [["g", "1"], ["h", "2"]]
    assert out["copy"] == [["x-src", "changed"]]
    assert out["src"] == [["x-src", "1"]]
    assert out["undef"] == []


def test_init_errors(run_js: RunJs) -> None:
    out = run_js(
        """
        const errors = [];
        for (const init of [[["a"]], [["a", "b", "c"]], ["ab"], null, "str", 5]) {
          try { new Headers(init); errors.push(null); }
          catch (e) { errors.push([e.name, e.message]); }
        }
        try { new Headers({"bad name": "x"}); } catch (e) { errors.push(e.message); }
        return errors;
        """
    )
    pair_err = [
        "TypeError",
        "To initialize a Headers object from a sequence, "
        "each inner sequence must have exactly two elements.",
    ]
    assert out[0] == pair_err and out[1] == pair_err
    for entry in out[2:6]:
        assert entry is not None and entry[0] == "TypeError"
    assert out[6] == "Invalid header name."


def test_immutable_guard(run_js: RunJs) -> None:
    out = run_js(
        """
        const h = Response.redirect("https://example.com/").headers;
        const errors = [];
        const tries = [() => h.set("a", "b"), () => h.append("a", "b"), () => h.delete("location")];
        for (const f of tries) {
          try { f(); errors.push(null); } catch (e) { errors.push(e.name + ": " + e.message); }
        }
        const copy = new Headers(h);
        copy.set("a", "b");
        return { errors, location: h.get("location"), copy: [...copy] };
        """
    )
    assert out["errors"] == ["TypeError: Can't modify immutable headers."] * 3
    assert out["location"] == "https://example.com/"
    assert out["copy"] == [["a", "b"], ["location", "https://example.com/"]]


def test_brand_checks_and_shape(run_js: RunJs) -> None:
    out = run_js(
        """
        let illegal = null;
        try { Headers.prototype.get.call({}, "a"); }
        catch (e) { illegal = e.name + ": " + e.message; }
        let forEachErr = null;
        try { new Headers().forEach(5); } catch (e) { forEachErr = e.message; }
        class Sub extends Headers { extra() { return this.get("a"); } }
        const sub = new Sub({a: "1"});
        return {
          illegal, forEachErr, tag: Object.prototype.toString.call(new Headers()),
          iterable: typeof Headers.prototype[Symbol.iterator],
          sameIter: Headers.prototype[Symbol.iterator] === Headers.prototype.entries ||
                    typeof Headers.prototype[Symbol.iterator] === "function",
          sub: sub.extra(), subInstance: sub instanceof Headers,
          globalDesc: (({writable, enumerable, configurable}) =>
            ({writable, enumerable, configurable}))(
              Object.getOwnPropertyDescriptor(globalThis, "Headers")),
        };
        """
    )
    assert out["illegal"] == "TypeError: Illegal invocation"
    assert (
        out["forEachErr"]
        == "Failed to execute 'forEach' on 'Headers': parameter 1 is not of type 'function'."
    )
    assert out["tag"] == "[object Headers]"
    assert out["iterable"] == "function"
    assert out["sub"] == "1" and out["subInstance"] is True
    assert out["globalDesc"] == {"writable": True, "enumerable": False, "configurable": True}


def test_survives_patched_builtins(run_js: RunJs) -> None:
    out = run_js(
        """
        const saved = [Array.prototype.push, Map.prototype.get, String.prototype.toLowerCase];
        Array.prototype.push = () => { throw new Error("patched push"); };
        Map.prototype.get = () => { throw new Error("patched get"); };
        String.prototype.toLowerCase = () => "hijacked";
        try {
          const h = new Headers({"X-A": "1"});
          h.append("x-a", "2");
          return [h.get("X-A"), h.getSetCookie().length, [...h]];
        } finally {
          // The test harness itself needs them back.
          [Array.prototype.push, Map.prototype.get, String.prototype.toLowerCase] = saved;
        }
        """
    )
    assert out == ["1, 2", 0, [["x-a", "1, 2"]]]
