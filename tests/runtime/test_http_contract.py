"""The bridge's contract with 40_http.js: internals.http.requestFromHost / responseForHost.

`internals` is unreachable from worker code, so these run with the `run_internal_js`
fixture, which exposes it to the snippet.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

RunJs = Callable[..., Any]


def test_request_from_host_basic(run_internal_js: RunJs) -> None:
    """method/url/headers as given, redirect "manual", headers immutable, no body."""
    out = run_internal_js(
        """
        const r = internals.http.requestFromHost("GET", "https://x.test/p?q",
          ["Host", "x.test", "Accept", "a", "accept", "b", "Set-Cookie", "c=1"], undefined, null);
        let err = null;
        try { r.headers.set("x", "y"); } catch (e) { err = e.message; }
        return [r.method, r.url, r.redirect, r.headers.get("accept"), r.headers.getSetCookie(),
                [...r.headers.keys()], r.body, r.bodyUsed, err, r.cf === undefined];
        """
    )
    assert out == [
        "GET",
        "https://x.test/p?q",
        "manual",
        "a, b",
        ["c=1"],
        ["accept", "host", "set-cookie"],
        None,
        False,
        "Can't modify immutable headers.",
        True,
    ]


def test_request_from_host_bodies(run_internal_js: RunJs) -> None:
    """A Uint8Array body reads back without any stream; a ReadableStream body is kept."""
    out = run_internal_js(
        """
        const bytes = internals.http.requestFromHost("POST", "https://x.test/", [], undefined,
          new Uint8Array([104, 105]));
        const stream = new ReadableStream({
          start(c) { c.enqueue(new Uint8Array([121])); c.close(); },
        });
        const streamed = internals.http.requestFromHost("POST", "https://x.test/", [],
          undefined, stream);
        return [await bytes.text(), bytes.bodyUsed, streamed.body === stream,
                await streamed.text()];
        """
    )
    assert out == ["hi", True, True, "y"]


def test_request_from_host_cf_is_frozen_on_first_read(run_internal_js: RunJs) -> None:
    """cf may be an object or a JSON string; either way the worker sees a frozen object,
    and clone()/new Request(req) get mutable deep copies (workerd CfProperty)."""
    out = run_internal_js(
        """
        const { requestFromHost } = internals.http;
        const a = requestFromHost("GET", "https://x.test/", [], {colo: "LHR", geo: {c: 1}}, null);
        const b = requestFromHost("GET", "https://x.test/", [], '{"colo":"SFO"}', null);
        const c = a.clone();
        c.cf.colo = "CDG";
        return [Object.isFrozen(a.cf), Object.isFrozen(a.cf.geo), b.cf.colo, a.cf === a.cf,
                c.cf.colo, a.cf.colo];
        """
    )
    assert out == [True, True, "SFO", True, "CDG", "LHR"]


def test_request_from_host_copies_are_mutable(run_internal_js: RunJs) -> None:
    """new Request(incoming) copies the headers without the guard."""
    out = run_internal_js(
        """
        const r = internals.http.requestFromHost("GET", "https://x.test/", ["a", "1"],
          undefined, null);
        const copy = new Request(r);
        copy.headers.set("a", "2");
        const clone = r.clone();
        let err = null;
        try { clone.headers.set("a", "3"); } catch (e) { err = e.message; }
        return [r.headers.get("a"), copy.headers.get("a"), err];
        """
    )
    assert out == ["1", "2", "Can't modify immutable headers."]


def test_response_for_host_string_body_stays_a_string(run_internal_js: RunJs) -> None:
    """The hot path: new Response("hello") gives the string back and never makes a stream."""
    out = run_internal_js(
        """
        const r = new Response("hello", {status: 201, headers: {"X-A": "1"}});
        const parts = internals.http.responseForHost(r);
        return [parts.status, parts.statusText, parts.headers, parts.body, parts.webSocket,
                parts.encodeBody, r.bodyUsed];
        """
    )
    assert out == [
        201,
        "Created",
        ["X-A", "1", "Content-Type", "text/plain;charset=UTF-8"],
        "hello",
        None,
        "automatic",
        True,
    ]


def test_response_for_host_body_kinds(run_internal_js: RunJs) -> None:
    """Bytes come back as Uint8Array, streams as the stream, null as null; multi-valued
    headers one line per value; a body only peeked at via `.body` still comes back as the
    source string."""
    out = run_internal_js(
        """
        const h = new Headers();
        h.append("Set-Cookie", "a=1"); h.append("set-cookie", "b=2");
        h.append("x", "1"); h.append("X", "2");
        const bytes = internals.http.responseForHost(
          new Response(new Uint8Array([1, 2]), {headers: h}));
        const s = new ReadableStream();
        const stream = internals.http.responseForHost(new Response(s));
        const none = internals.http.responseForHost(new Response(null, {status: 204}));
        const peeked = new Response("peek");
        const isNull = peeked.body === null;
        const peekedParts = internals.http.responseForHost(peeked);
        return [bytes.body instanceof Uint8Array, [...bytes.body], bytes.headers,
                stream.body === s, none.body, none.statusText, isNull, peekedParts.body];
        """
    )
    assert out == [
        True,
        [1, 2],
        ["Set-Cookie", "a=1", "Set-Cookie", "b=2", "x", "1", "x", "2"],
        True,
        None,
        "No Content",
        False,
        "peek",
    ]


def test_response_for_host_errors(run_internal_js: RunJs) -> None:
    """Not a Response: workerd's promise-resolution TypeError. A used body: the used message."""
    out = run_internal_js(
        """
        const errors = [];
        for (const value of [undefined, "text", {status: 200}, new Request("https://x.test/")]) {
          try { internals.http.responseForHost(value); errors.push(null); }
          catch (e) { errors.push(e.name + ": " + e.message); }
        }
        const used = new Response("x");
        await used.text();
        try { internals.http.responseForHost(used); } catch (e) { errors.push(e.message); }
        const locked = new Response(new ReadableStream());
        locked.body.getReader();
        try { internals.http.responseForHost(locked); } catch (e) { errors.push(e.message); }
        const once = new Response("y");
        internals.http.responseForHost(once);
        try { internals.http.responseForHost(once); } catch (e) { errors.push(e.message); }
        return errors;
        """
    )
    wrong = "TypeError: Incorrect type for Promise: the Promise did not resolve to 'Response'."
    used = (
        "Body has already been used. It can only be used once. "
        "Use tee() first if you need to read it twice."
    )
    locked = "This ReadableStream is currently locked to a reader."
    assert out == [wrong, wrong, wrong, wrong, used, locked, used]


def test_response_for_host_web_socket_and_encode_body(run_internal_js: RunJs) -> None:
    out = run_internal_js(
        """
        const ws = {socket: true};
        const a = internals.http.responseForHost(new Response(null, {status: 101, webSocket: ws}));
        const b = internals.http.responseForHost(new Response("gz", {encodeBody: "manual"}));
        return [a.status, a.webSocket === ws, a.body, b.encodeBody];
        """
    )
    assert out == [101, True, None, "manual"]


def test_is_request_is_response(run_internal_js: RunJs) -> None:
    out = run_internal_js(
        """
        const { isRequest, isResponse } = internals.http;
        const req = new Request("https://x.test/"), res = new Response();
        return [isRequest(req), isRequest(res), isResponse(res), isResponse(req),
                isResponse(null), isResponse(Object.create(Response.prototype))];
        """
    )
    assert out == [True, False, True, False, False, False]
