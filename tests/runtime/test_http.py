"""Request, Response and their bodies, checked against workerd (src/workerd/api/http.c++).

Tests that need ReadableStream or URL live in test_http_streams.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import JSError

RunJs = Callable[..., Any]

BODY_USED = (
    "Body has already been used. It can only be used once. "
    "Use tee() first if you need to read it twice."
)


# -- bodies -------------------------------------------------------------------------------


def test_body_sources_and_readers(run_js: RunJs) -> None:
    out = run_js(
        """
        const u8 = new Uint8Array([0, 104, 105, 0]);
        return {
          text: await new Response("héllo").text(),
          textBytes: [...new Uint8Array(await new Response("hé").arrayBuffer())],
          bytesIsU8: (await new Response("x").bytes()) instanceof Uint8Array,
          fromView: await new Response(u8.subarray(1, 3)).text(),
          fromBuffer: [...await new Response(u8.buffer).bytes()],
          fromDataView: [...await new Response(new DataView(u8.buffer, 1, 2)).bytes()],
          fromU16: (await new Response(new Uint16Array([0x6968])).arrayBuffer()).byteLength,
          json: await new Response('{"a":[1,2],"b":null}').json(),
          utf8FromBytes: await new Response(new Uint8Array([0xe2, 0x82, 0xac])).text(),
          // workerd strips a BOM only under the pedantic_wpt compat flag.
          bom: await new Response(new Uint8Array([0xef, 0xbb, 0xbf, 0x61])).text(),
          invalidUtf8: await new Response(new Uint8Array([0x61, 0xff])).text(),
          coercedObject: await new Response({a: 1}).text(),
          coercedNumber: await new Response(12).text(),
          coercedArray: await new Response([1, 2]).text(),
          coercedBool: await new Response(false).text(),
        };
        """
    )
    assert out == {
        "text": "héllo",
        "textBytes": [104, 195, 169],
        "bytesIsU8": True,
        "fromView": "hi",
        "fromBuffer": [0, 104, 105, 0],
        "fromDataView": [104, 105],
        "fromU16": 2,
        "json": {"a": [1, 2], "b": None},
        "utf8FromBytes": "€",
        "bom": "\ufeffa",
        "invalidUtf8": "a\ufffd",
        "coercedObject": "[object Object]",
        "coercedNumber": "12",
        "coercedArray": "1,2",
        "coercedBool": "false",
    }


def test_buffer_bodies_share_memory_like_workerd(run_js: RunJs) -> None:
    # workerd does not copy a BufferSource body ("a sad waste of CPU and memory").
    out = run_js(
        """
        const u8 = new Uint8Array([1, 2, 3]);
        const r = new Response(u8);
        u8[0] = 9;
        const got = await r.arrayBuffer();
        new Uint8Array(got)[1] = 7;  // the result is a fresh copy
        return [[...new Uint8Array(got)], [...u8]];
        """
    )
    assert out == [[9, 7, 3], [9, 2, 3]]


def test_null_bodies(run_js: RunJs) -> None:
    out = run_js(
        """
        const none = new Response(null);
        const empty = new Response();
        const out = {
          body: none.body, used: none.bodyUsed, text: await none.text(),
          ab: (await empty.arrayBuffer()).byteLength, textAgain: await none.text(),
          usedAfter: none.bodyUsed, ct: empty.headers.get("content-type"),
        };
        try { await none.json(); } catch (e) { out.jsonErr = e.name; }
        return out;
        """
    )
    assert out == {
        "body": None,
        "used": False,
        "text": "",
        "ab": 0,
        "textAgain": "",
        "usedAfter": False,
        "ct": None,
        "jsonErr": "SyntaxError",
    }


def test_body_used_once(run_js: RunJs) -> None:
    out = run_js(
        """
        const r = new Response("once");
        const before = r.bodyUsed;
        const text = await r.text();
        const errors = [];
        for (const m of ["text", "json", "arrayBuffer", "bytes"]) {
          try { await r[m](); errors.push(null); }
          catch (e) { errors.push(e.name + ": " + e.message); }
        }
        let sync = "no throw";
        try { const p = r.text(); p.catch(() => {}); } catch (e) { sync = "threw"; }
        return { before, text, after: r.bodyUsed, errors, sync };
        """
    )
    assert out["before"] is False and out["after"] is True
    assert out["text"] == "once"
    assert out["errors"] == [f"TypeError: {BODY_USED}"] * 4
    assert out["sync"] == "no throw"  # a rejected promise, never a synchronous throw


def test_json_parse_error_is_a_rejection(run_js: RunJs) -> None:
    with pytest.raises(JSError) as err:
        run_js('await new Response("{oops").json()')
    assert err.value.name == "SyntaxError"


def test_content_type_defaults(run_js: RunJs) -> None:
    out = run_js(
        """
        const explicit = new Response("x", {headers: {"Content-Type": "text/html"}});
        return {
          string: new Response("x").headers.get("content-type"),
          bytes: new Response(new Uint8Array(1)).headers.get("content-type"),
          none: new Response(null).headers.get("content-type"),
          explicit: explicit.headers.get("content-type"),
          request: new Request("https://x/", {method: "POST", body: "a"})
            .headers.get("content-type"),
          requestNoBody: new Request("https://x/").headers.get("content-type"),
        };
        """
    )
    assert out == {
        "string": "text/plain;charset=UTF-8",
        "bytes": None,
        "none": None,
        "explicit": "text/html",
        "request": "text/plain;charset=UTF-8",
        "requestNoBody": None,
    }


def test_form_data_needs_content_type(run_js: RunJs) -> None:
    with pytest.raises(JSError) as err:
        run_js("await new Response(new Uint8Array(1)).formData()")
    assert err.value.name == "TypeError"
    assert err.value.message == "Parsing a Body as FormData requires a Content-Type header."


def test_body_methods_brand_check(run_js: RunJs) -> None:
    out = run_js(
        """
        const results = [];
        try { await Response.prototype.text.call({}); } catch (e) { results.push(e.message); }
        const bodyProto = Object.getPrototypeOf(Response.prototype);
        try { Object.getOwnPropertyDescriptor(bodyProto, "body").get.call({}); }
        catch (e) { results.push(e.message); }
        const Body = Object.getPrototypeOf(Response);
        try { new Body(); } catch (e) { results.push(e.message); }
        results.push(Object.getPrototypeOf(Request.prototype) === bodyProto);
        return results;
        """
    )
    assert out == ["Illegal invocation", "Illegal invocation", "Illegal constructor", True]


# -- Response -----------------------------------------------------------------------------


def test_response_defaults(run_js: RunJs) -> None:
    out = run_js(
        """
        const r = new Response("hi");
        return {
          status: r.status, statusText: r.statusText, ok: r.ok, redirected: r.redirected,
          type: r.type, url: r.url, webSocket: r.webSocket, cf: r.cf === undefined,
          bodyUsed: r.bodyUsed, tag: Object.prototype.toString.call(r),
          headers: r.headers instanceof Headers, sameHeaders: r.headers === r.headers,
        };
        """
    )
    assert out == {
        "status": 200,
        "statusText": "OK",
        "ok": True,
        "redirected": False,
        "type": "default",
        "url": "",
        "webSocket": None,
        "cf": True,
        "bodyUsed": False,
        "tag": "[object Response]",
        "headers": True,
        "sameHeaders": True,
    }


def test_response_status_text_defaults_like_workerd(run_js: RunJs) -> None:
    # workerd fills in the reason phrase (spec: ""); unknown codes get their class name.
    out = run_js(
        """
        const s = (status, statusText) => new Response(null, {status, statusText}).statusText;
        return [s(404), s(418), s(299), s(399), s(499), s(599), s(201, "Made"), s(200, "")];
        """
    )
    assert out == [
        "Not Found",
        "I'm a teapot",
        "Successful",
        "Redirection",
        "Client Error",
        "Server Error",
        "Made",
        "",
    ]


def test_response_status_checks(run_js: RunJs) -> None:
    out = run_js(
        """
        const attempt = (f) => {
          try { f(); return null; } catch (e) { return [e.name, e.message]; }
        };
        return {
          low: attempt(() => new Response(null, {status: 199})),
          high: attempt(() => new Response(null, {status: 600})),
          zero: attempt(() => new Response(null, {status: 0})),
          s101: attempt(() => new Response(null, {status: 101})),
          ok599: new Response(null, {status: 599}).status,
          coerced: new Response(null, {status: "201"}).status,
          ok: [new Response(null, {status: 299}).ok, new Response(null, {status: 300}).ok],
          badText: attempt(() => new Response(null, {statusText: "a\\r\\nX-Injected: 1"})),
          tabText: attempt(() => new Response(null, {statusText: "a\\tb"})),
          highText: new Response(null, {statusText: "Très bien \\x7f"}).statusText,
          encodeBody: attempt(() => new Response(null, {encodeBody: "gzip"})),
          badInit: attempt(() => new Response(null, 5)),
        };
        """
    )
    range_err = [
        "RangeError",
        "Responses may only be constructed with status codes in the range 200 to 599, inclusive.",
    ]
    assert out["low"] == range_err and out["high"] == range_err
    assert out["zero"] == range_err and out["s101"] == range_err
    assert out["ok599"] == 599 and out["coerced"] == 201
    assert out["ok"] == [True, False]
    assert out["badText"] == ["TypeError", "Invalid statusText"]
    assert out["tabText"] == ["TypeError", "Invalid statusText"]
    assert out["highText"] == "Très bien \x7f"
    assert out["encodeBody"] == ["TypeError", "encodeBody: unexpected value: gzip"]
    assert out["badInit"] is not None and out["badInit"][0] == "TypeError"


def test_null_body_statuses(run_js: RunJs) -> None:
    out = run_js(
        """
        const attempt = (f) => {
          try { f(); return null; } catch (e) { return [e.name, e.message]; }
        };
        const empty = new Response("", {status: 204});
        const emptyBytes = new Response(new Uint8Array(0), {status: 304});
        return {
          errors: [204, 205, 304].map((status) => attempt(() => new Response("x", {status}))),
          bytes: attempt(() => new Response(new Uint8Array(1), {status: 205})),
          nullOk: new Response(null, {status: 204}).status,
          empty: [empty.body, empty.headers.get("content-type"), emptyBytes.body],
        };
        """
    )
    err = [
        "TypeError",
        "Response with null body status (101, 204, 205, or 304) cannot have a body.",
    ]
    assert out["errors"] == [err, err, err]
    assert out["bytes"] == err
    assert out["nullOk"] == 204
    # workerd keeps accepting a zero-length body here and treats it as null.
    assert out["empty"] == [None, None, None]


def test_response_web_socket(run_js: RunJs) -> None:
    out = run_js(
        """
        const attempt = (f) => {
          try { f(); return null; } catch (e) { return [e.name, e.message]; }
        };
        const ws = {fake: "socket"};
        const r = new Response(null, {status: 101, webSocket: ws});
        return {
          status: r.status, statusText: r.statusText, same: r.webSocket === ws,
          nullWs: new Response(null, {webSocket: null}).webSocket,
          wrongStatus: attempt(() => new Response(null, {status: 200, webSocket: ws})),
          clone: attempt(() => r.clone()),
          copied: new Response(null, r).webSocket === ws,
        };
        """
    )
    assert (
        out["status"] == 101 and out["statusText"] == "Switching Protocols" and out["same"] is True
    )
    assert out["nullWs"] is None
    assert out["wrongStatus"] == [
        "RangeError",
        "Responses with a WebSocket must have status code 101.",
    ]
    assert out["clone"] == ["TypeError", "Cannot clone a response to a WebSocket handshake."]
    assert out["copied"] is True


def test_response_init_from_response_and_cf(run_js: RunJs) -> None:
    out = run_js(
        """
        const cf = {a: {b: 1}};
        const base = new Response("abc",
          {status: 404, statusText: "Nope", headers: {"x": "1"}, cf});
        cf.a.b = 2;  // cf is deep-cloned on the way in
        const copy = new Response("z", base);
        copy.headers.set("x", "2");
        const plain = new Response(null, new Response(null, {status: 201}));
        return {
          copy: [copy.status, copy.statusText, copy.headers.get("x"), copy.cf, await copy.text()],
          base: [base.headers.get("x"), base.cf, base.bodyUsed],
          plainText: plain.statusText,
        };
        """
    )
    assert out["copy"] == [404, "Nope", "2", {"a": {"b": 1}}, "z"]
    assert out["base"] == ["1", {"a": {"b": 1}}, False]
    assert out["plainText"] == "Created"


def test_response_clone_of_buffer_bodies(run_js: RunJs) -> None:
    out = run_js(
        """
        const r = new Response("abc",
          {status: 203, statusText: "Hm", headers: {"x": "1"}, cf: {k: 1}});
        const c = r.clone();
        c.headers.set("x", "2");
        const redirect = Response.redirect("https://example.com/");
        const rc = redirect.clone();
        let guard = null;
        try { rc.headers.set("a", "b"); } catch (e) { guard = e.message; }
        const used = new Response("u");
        await used.text();
        let usedErr = null;
        try { used.clone(); } catch (e) { usedErr = e.message; }
        return {
          clone: [c.status, c.statusText, c.headers.get("x"), c.cf, await c.text()],
          original: [r.headers.get("x"), await r.text()],
          guard, usedErr,
          nullClone: new Response(null).clone().body,
        };
        """
    )
    assert out["clone"] == [203, "Hm", "2", {"k": 1}, "abc"]
    assert out["original"] == ["1", "abc"]
    assert out["guard"] == "Can't modify immutable headers."  # clone() keeps the guard
    assert out["usedErr"] == BODY_USED
    assert out["nullClone"] is None


def test_response_json(run_js: RunJs) -> None:
    out = run_js(
        """
        const a = Response.json({a: 1}, {status: 201, headers: {"X": "y"}});
        const custom = Response.json([1], {headers: {"Content-Type": "application/vnd.api+json"}});
        const h = new Headers({"x": "1"});
        const withHeaders = Response.json(null, {headers: h});
        const fromResponse = Response.json("s",
          new Response(null, {status: 202, headers: {"x": "r"}}));
        return {
          a: [a.status, a.headers.get("content-type"), a.headers.get("x"), await a.text()],
          custom: custom.headers.get("content-type"),
          headersUntouched: h.has("content-type"),
          withHeaders: [withHeaders.headers.get("content-type"), await withHeaders.text()],
          fromResponse: [fromResponse.status, fromResponse.headers.get("x"),
                         fromResponse.headers.get("content-type"), await fromResponse.text()],
          undef: await Response.json(undefined).text(),
          fn: await Response.json(() => 1).text(),
        };
        """
    )
    assert out["a"] == [201, "application/json", "y", '{"a":1}']
    assert out["custom"] == "application/vnd.api+json"
    assert out["headersUntouched"] is False
    assert out["withHeaders"] == ["application/json", "null"]
    assert out["fromResponse"] == [202, "r", "application/json", '"s"']
    # v8::JSON::Stringify turns what JSON.stringify leaves undefined into "undefined".
    assert out["undef"] == "undefined" and out["fn"] == "undefined"


def test_response_json_errors(run_js: RunJs) -> None:
    with pytest.raises(JSError) as err:
        run_js("Response.json(1n)")
    assert err.value.name == "TypeError"
    with pytest.raises(JSError) as err:
        run_js("const o = {}; o.o = o; Response.json(o)")
    assert err.value.name == "TypeError"
    with pytest.raises(JSError) as err:
        run_js("Response.json({}, {status: 204})")
    assert (
        err.value.message
        == "Response with null body status (101, 204, 205, or 304) cannot have a body."
    )


def test_response_redirect(run_js: RunJs) -> None:
    out = run_js(
        """
        const attempt = (f) => {
          try { f(); return null; } catch (e) { return [e.name, e.message]; }
        };
        const r = Response.redirect("https://example.com/a");
        return {
          r: [r.status, r.statusText, r.headers.get("location"), r.body, r.url, r.redirected,
              [...r.headers]],
          codes: [301, 302, 303, 307, 308]
            .map((s) => Response.redirect("https://x.test/", s).status),
          bad: attempt(() => Response.redirect("https://x.test/", 200)),
          bad2: attempt(() => Response.redirect("https://x.test/", 304)),
          relative: attempt(() => Response.redirect("/relative")),
          statusFirst: attempt(() => Response.redirect("/relative", 500)),
        };
        """
    )
    assert out["r"] == [
        302,
        "Found",
        "https://example.com/a",
        None,
        "",
        False,
        [["location", "https://example.com/a"]],
    ]
    assert out["codes"] == [301, 302, 303, 307, 308]
    assert out["bad"] == [
        "RangeError",
        "200 is not a redirect status code. It must be one of: 301, 302, 303, 307, or 308.",
    ]
    assert out["bad2"] == [
        "RangeError",
        "304 is not a redirect status code. It must be one of: 301, 302, 303, 307, or 308.",
    ]
    assert out["relative"] == ["TypeError", "Unable to parse URL: /relative"]
    assert out["statusFirst"][0] == "RangeError"


def test_response_error(run_js: RunJs) -> None:
    out = run_js(
        """
        const e = Response.error();
        e.headers.set("x", "1");  // workerd gives the error response mutable headers
        return [e.status, e.statusText, e.type, e.ok, e.body, e.headers.get("x"), await e.text()];
        """
    )
    assert out == [0, "", "error", False, None, "1", ""]


# -- Request ------------------------------------------------------------------------------


def test_request_defaults(run_js: RunJs) -> None:
    out = run_js(
        """
        const r = new Request("https://example.com/path?q=1");
        return {
          method: r.method, url: r.url, redirect: r.redirect, fetcher: r.fetcher,
          integrity: r.integrity, keepalive: r.keepalive, cache: r.cache === undefined,
          cf: r.cf === undefined, body: r.body, bodyUsed: r.bodyUsed,
          headers: [...r.headers], tag: Object.prototype.toString.call(r),
        };
        """
    )
    assert out == {
        "method": "GET",
        "url": "https://example.com/path?q=1",
        "redirect": "follow",
        "fetcher": None,
        "integrity": "",
        "keepalive": False,
        "cache": True,
        "cf": True,
        "body": None,
        "bodyUsed": False,
        "headers": [],
        "tag": "[object Request]",
    }


def test_request_methods(run_js: RunJs) -> None:
    out = run_js(
        """
        const m = (method) => { try { return new Request("https://x.test/", {method}).method; }
                                catch (e) { return e.name + ": " + e.message; } };
        return ["get", "post", "Delete", "patch", "PURGE", "propfind", "m-search", "FOO",
                "CONNECT", ""].map(m);
        """
    )
    assert out == [
        "GET",
        "POST",
        "DELETE",
        "PATCH",
        "PURGE",
        "PROPFIND",
        "M-SEARCH",
        "TypeError: Invalid HTTP method string: FOO",
        "TypeError: Invalid HTTP method string: CONNECT",
        "TypeError: Invalid HTTP method string: ",
    ]


def test_request_rejects_relative_urls(run_js: RunJs) -> None:
    out = run_js(
        """
        const bad = [];
        for (const url of ["/relative", "example.com", "", undefined]) {
          try { new Request(url); bad.push(null); }
          catch (e) { bad.push(e.name + ": " + e.message); }
        }
        return bad;
        """
    )
    assert out == [
        "TypeError: Invalid URL: /relative",
        "TypeError: Invalid URL: example.com",
        "TypeError: Invalid URL: ",
        "TypeError: Invalid URL: undefined",
    ]


def test_request_body_rules(run_js: RunJs) -> None:
    out = run_js(
        """
        const attempt = (f) => {
          try { f(); return null; } catch (e) { return e.name + ": " + e.message; }
        };
        const post = new Request("https://x.test/", {method: "POST", body: "data"});
        return {
          get: attempt(() => new Request("https://x.test/", {body: "x"})),
          head: attempt(() => new Request("https://x.test/", {method: "HEAD", body: "x"})),
          getNull: new Request("https://x.test/", {body: null}).body,
          getUndefined: new Request("https://x.test/", {body: undefined}).body,
          postText: await post.text(),
          postUsed: post.bodyUsed,
          putBytes: await new Request("https://x.test/",
            {method: "PUT", body: new Uint8Array([104, 105])}).text(),
        };
        """
    )
    err = "TypeError: Request with a GET or HEAD method cannot have a body."
    assert out["get"] == err and out["head"] == err
    assert out["getNull"] is None and out["getUndefined"] is None
    assert out["postText"] == "data" and out["postUsed"] is True
    assert out["putBytes"] == "hi"


def test_request_options(run_js: RunJs) -> None:
    out = run_js(
        """
        const attempt = (f) => {
          try { f(); return null; } catch (e) { return e.name + ": " + e.message; }
        };
        const signal = new AbortController().signal;
        const cf = {cacheTtl: 300, nested: {a: 1}};
        const r = new Request("https://x.test/", {
          redirect: "MANUAL", cache: "no-store", cf, signal, integrity: "", duplex: "half",
          headers: [["X-A", "1"]], encodeResponseBody: "manual",
        });
        cf.nested.a = 2;
        return {
          redirect: r.redirect, cache: r.cache, cf: r.cf, sameCf: r.cf === r.cf,
          signal: r.signal === signal, header: r.headers.get("x-a"),
          noCache: new Request("https://x.test/", {cache: "no-cache"}).cache,
          follow: new Request("https://x.test/", {redirect: "follow"}).redirect,
          errorRedirect: attempt(() => new Request("https://x.test/", {redirect: "error"})),
          reload: attempt(() => new Request("https://x.test/", {cache: "reload"})),
          force: attempt(() => new Request("https://x.test/", {cache: "force-cache"})),
          integrity: attempt(() => new Request("https://x.test/", {integrity: "sha256-abc"})),
          encode: attempt(() => new Request("https://x.test/", {encodeResponseBody: "gzip"})),
          badCf: attempt(() => new Request("https://x.test/", {cf: "x"})),
          badInit: attempt(() => new Request("https://x.test/", 5)),
        };
        """
    )
    assert out["redirect"] == "manual"
    assert out["cache"] == "no-store"
    assert out["cf"] == {"cacheTtl": 300, "nested": {"a": 1}}
    assert out["sameCf"] is True
    assert out["signal"] is True
    assert out["header"] == "1"
    assert out["noCache"] == "no-cache"
    assert out["follow"] == "follow"
    assert out["errorRedirect"] == (
        'TypeError: Invalid redirect value, must be one of "follow" or "manual" ("error" won\'t be '
        'implemented since it does not make sense at the edge; use "manual" and check the response '
        "status code)."
    )
    assert out["reload"] == "TypeError: Unsupported cache mode: reload"
    assert out["force"] == "TypeError: Unsupported cache mode: force-cache"
    assert out["integrity"] == (
        "TypeError: Subrequest integrity checking is not implemented. "
        "The integrity option must be either undefined or an empty string."
    )
    assert out["encode"] == "TypeError: encodeResponseBody: unexpected value: gzip"
    assert out["badCf"] is not None and out["badCf"].startswith("TypeError")
    assert out["badInit"] is not None and out["badInit"].startswith("TypeError")


def test_request_from_request(run_js: RunJs) -> None:
    out = run_js(
        """
        const attempt = (f) => {
          try { f(); return null; } catch (e) { return e.name + ": " + e.message; }
        };
        const orig = new Request("https://a.test/x", {
          method: "POST", body: "payload", headers: {"X-A": "1"}, redirect: "manual",
          cache: "no-store", cf: {k: 1},
        });
        const copy = new Request(orig, {headers: {"x-b": "2"}});
        const result = {
          copy: [copy.method, copy.url, copy.redirect, copy.cache, copy.cf,
                 copy.headers.get("x-a"), copy.headers.get("x-b")],
          origUsed: orig.bodyUsed, copyUsed: copy.bodyUsed,
          text: await copy.text(),
          reuse: attempt(() => new Request(orig)),
          replaceBody: await new Request(orig, {body: "new"}).text(),
        };
        // Only a new method or body re-checks the GET/HEAD rule.
        const post = new Request("https://a.test/", {method: "POST", body: "b"});
        result.toGet = attempt(() => new Request(post, {method: "GET"}));
        const post2 = new Request("https://a.test/", {method: "POST", body: "b"});
        const asGet = new Request(post2, {method: "GET", body: null});
        result.asGet = [asGet.method, asGet.body];
        const get = new Request("https://a.test/", {headers: {"x": "1"}});
        const rewritten = new Request(get, {headers: {"x": "2"}});
        result.rewritten = [rewritten.url, rewritten.headers.get("x"), get.headers.get("x")];
        const headersCopied = new Request(get);
        headersCopied.headers.set("x", "3");
        result.headersIndependent = [get.headers.get("x"), headersCopied.headers.get("x")];
        return result;
        """
    )
    assert out["copy"] == ["POST", "https://a.test/x", "manual", "no-store", {"k": 1}, None, "2"]
    assert out["origUsed"] is True and out["copyUsed"] is False
    assert out["text"] == "payload"
    assert out["reuse"] == "TypeError: Cannot reconstruct a Request with a used body."
    assert out["replaceBody"] == "new"
    assert out["toGet"] == "TypeError: Request with a GET or HEAD method cannot have a body."
    assert out["asGet"] == ["GET", None]
    assert out["rewritten"] == ["https://a.test/", "2", "1"]
    assert out["headersIndependent"] == ["1", "3"]


def test_request_init_can_be_a_request(run_js: RunJs) -> None:
    out = run_js(
        """
        const init = new Request("https://init.test/",
          {method: "PUT", body: "shared", headers: {"x": "1"}});
        const r = new Request("https://target.test/", init);
        return [r.url, r.method, r.headers.get("x"), await r.text(), init.bodyUsed];
        """
    )
    assert out == ["https://target.test/", "PUT", "1", "shared", False]


def test_request_clone(run_js: RunJs) -> None:
    out = run_js(
        """
        const r = new Request("https://x.test/",
          {method: "POST", body: "abc", cf: {a: 1}, headers: {"x": "1"}});
        const c = r.clone();
        c.headers.set("x", "2");
        c.cf.a = 2;
        return {
          clone: [c.method, c.url, c.headers.get("x"), c.cf, await c.text()],
          original: [r.headers.get("x"), r.cf, await r.text()],
          nullBody: new Request("https://x.test/").clone().body,
        };
        """
    )
    assert out["clone"] == ["POST", "https://x.test/", "2", {"a": 2}, "abc"]
    assert out["original"] == ["1", {"a": 1}, "abc"]
    assert out["nullBody"] is None


def test_globals_and_subclassing(run_js: RunJs) -> None:
    out = run_js(
        """
        class MyResponse extends Response {
          constructor(body) { super(body, {status: 201}); }
          get extra() { return this.status + 1; }
        }
        const r = new MyResponse("sub");
        const names = ["Headers", "Request", "Response"].map((n) => {
          const d = Object.getOwnPropertyDescriptor(globalThis, n);
          return [typeof d.value, d.enumerable, d.writable, d.configurable];
        });
        const enumerable = (o, k) => Object.getOwnPropertyDescriptor(o, k).enumerable;
        const bodyProto = Object.getPrototypeOf(Response.prototype);
        return {
          names, sub: [r.status, r.extra, await r.text(), r instanceof Response],
          enumerable: [enumerable(Response.prototype, "status"),
                       enumerable(Response.prototype, "clone"), enumerable(bodyProto, "text"),
                       enumerable(Headers.prototype, "get"), enumerable(Response, "json")],
          statics: Object.keys(Response).sort(),
          forIn: (() => {
            const keys = [];
            for (const k in new Response()) keys.push(k);
            return keys.length;
          })(),
        };
        """
    )
    assert out["names"] == [["function", False, True, True]] * 3
    assert out["sub"] == [201, 202, "sub", True]
    # WebIDL members are enumerable, as V8 templates make workerd's.
    assert out["enumerable"] == [True, True, True, True, True]
    assert out["statics"] == ["error", "json", "redirect"]
    assert out["forIn"] > 10
