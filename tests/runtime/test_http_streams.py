"""Request/Response bodies that involve ReadableStream, and URL-dependent behaviour.

These depend on 30_streams.js (ReadableStream, internals.streams) and 20_url.js (URL,
URLSearchParams) besides 40_http.js.
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

READ_ALL = """
async function readAll(stream) {
  const reader = stream.getReader();
  const parts = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    parts.push(...value);
  }
  return parts;
}
function streamOf(...chunks) {
  return new ReadableStream({
    start(c) { for (const chunk of chunks) c.enqueue(new TextEncoder().encode(chunk)); c.close(); },
  });
}
"""


def test_body_getter_makes_a_stream_from_a_buffer_body(run_js: RunJs) -> None:
    out = run_js(
        READ_ALL
        + """
        const r = new Response("héllo");
        const body = r.body;
        const same = r.body === body;
        const before = r.bodyUsed;
        const bytes = await readAll(body);
        return {
          isStream: body instanceof ReadableStream, same, before, bytes,
          after: r.bodyUsed, text: await r.text().catch((e) => e.message),
        };
        """
    )
    assert out["isStream"] is True and out["same"] is True
    assert out["before"] is False
    assert out["bytes"] == [104, 195, 169, 108, 108, 111]
    assert out["after"] is True
    assert out["text"] == BODY_USED


def test_body_after_text_is_a_disturbed_stream(run_js: RunJs) -> None:
    out = run_js(
        """
        const r = new Response("x");
        await r.text();
        const body = r.body;
        return [body instanceof ReadableStream, r.bodyUsed, body.locked];
        """
    )
    assert out == [True, True, False]


def test_stream_bodies(run_js: RunJs) -> None:
    out = run_js(
        READ_ALL
        + """
        const r = new Response(streamOf("ab", "cd"));
        const ct = r.headers.get("content-type");
        const text = await r.text();
        const req = new Request("https://x.test/", {method: "POST", body: streamOf("q")});
        return {
          ct, text, used: r.bodyUsed,
          bytes: [...await new Response(streamOf("é")).bytes()],
          json: await new Response(streamOf('{"a":', '1}')).json(),
          ab: (await new Response(streamOf("abc")).arrayBuffer()).byteLength,
          req: await req.text(),
          again: await r.text().catch((e) => e.message),
        };
        """
    )
    assert out == {
        "ct": None,
        "text": "abcd",
        "used": True,
        "bytes": [195, 169],
        "json": {"a": 1},
        "ab": 3,
        "req": "q",
        "again": BODY_USED,
    }


def test_disturbed_stream_cannot_be_a_body(run_js: RunJs) -> None:
    with pytest.raises(JSError) as err:
        run_js(
            READ_ALL
            + """
            const s = streamOf("a");
            await s.getReader().read();
            new Response(s);
            """
        )
    assert err.value.name == "TypeError"
    assert err.value.message == (
        "This ReadableStream is disturbed (has already been read from), "
        "and cannot be used as a body."
    )


def test_body_passed_between_objects(run_js: RunJs) -> None:
    out = run_js(
        """
        const a = new Response("payload", {headers: {"x": "1"}});
        const b = new Response(a.body, a);
        return [await b.text(), b.headers.get("x"), a.bodyUsed];
        """
    )
    assert out == ["payload", "1", True]


def test_clone_tees_stream_bodies(run_js: RunJs) -> None:
    out = run_js(
        READ_ALL
        + """
        const r = new Response(streamOf("ab", "c"));
        const c = r.clone();
        const both = [await c.text(), await r.text()];
        const viaBody = new Response("xyz");
        const stream = viaBody.body;
        const c2 = viaBody.clone();
        const req = new Request("https://x.test/", {method: "POST", body: streamOf("rq")});
        const rc = req.clone();
        return { both, c2: [await c2.text(), await viaBody.text(), viaBody.body !== stream],
                 req: [await rc.text(), await req.text()] };
        """
    )
    assert out["both"] == ["abc", "abc"]
    assert out["c2"] == ["xyz", "xyz", True]
    assert out["req"] == ["rq", "rq"]


def test_request_from_request_moves_a_stream_body(run_js: RunJs) -> None:
    out = run_js(
        READ_ALL
        + """
        const orig = new Request("https://x.test/", {method: "POST", body: streamOf("moved")});
        const copy = new Request(orig);
        return [await copy.text(), orig.bodyUsed];
        """
    )
    assert out == ["moved", True]


def test_locked_stream_body_rejects(run_js: RunJs) -> None:
    out = run_js(
        READ_ALL
        + """
        const r = new Response(streamOf("a"));
        r.body.getReader();
        try { await r.text(); return "resolved"; } catch (e) { return e.name; }
        """
    )
    assert out == "TypeError"


def test_null_body_status_rejects_streams_even_empty(run_js: RunJs) -> None:
    with pytest.raises(JSError) as err:
        run_js("new Response(new ReadableStream(), {status: 204})")
    assert (
        err.value.message
        == "Response with null body status (101, 204, 205, or 304) cannot have a body."
    )


def test_url_search_params_body(run_js: RunJs) -> None:
    out = run_js(
        """
        const params = new URLSearchParams({a: "1 2", b: "é"});
        const r = new Response(params);
        const req = new Request("https://x.test/", {method: "POST", body: params});
        return [r.headers.get("content-type"), await r.text(), req.headers.get("content-type")];
        """
    )
    assert out == [
        "application/x-www-form-urlencoded;charset=UTF-8",
        "a=1+2&b=%C3%A9",
        "application/x-www-form-urlencoded;charset=UTF-8",
    ]


def test_request_url_is_parsed_and_serialized(run_js: RunJs) -> None:
    out = run_js(
        """
        const r = new Request("HTTPS://Example.COM:443/a/../b?x=1#frag");
        const fromUrl = new Request(new URL("https://example.com/p"));
        const location = Response.redirect("https://example.com/a b").headers.get("location");
        return [r.url, fromUrl.url, location];
        """
    )
    assert out == [
        "https://example.com/b?x=1#frag",
        "https://example.com/p",
        "https://example.com/a%20b",
    ]


def test_array_buffer_never_aliases_the_source(run_js: RunJs) -> None:
    out = run_js(
        """
        const ab = new ArrayBuffer(3);
        const r = new Response(ab);
        r.body;  // a stream over the same memory
        const got = await r.arrayBuffer();
        const chunk = new Uint8Array([1, 2]);
        const s = new ReadableStream({ start(c) { c.enqueue(chunk); c.close(); } });
        const fromStream = await new Response(s).arrayBuffer();
        return [got === ab, got.byteLength, fromStream === chunk.buffer, fromStream.byteLength];
        """
    )
    assert out == [False, 3, False, 2]
