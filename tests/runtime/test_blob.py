"""Blob and File (45_blob.js), as workerd's blob.c++ shapes them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

RunJs = Callable[..., Any]


def test_blob_concatenates_parts_and_normalises_type(run_js: RunJs) -> None:
    out = run_js(
        """
        const inner = new Blob(["inner"]);
        const b = new Blob(["héllo ", new Uint8Array([65, 66]), new Uint16Array([0x4443]).buffer,
                            new DataView(new Uint8Array([69]).buffer), inner], { type: "Text/PLAIN" });
        return [b.size, b.type, await b.text(), new Blob().size, new Blob([]).type,
                new Blob([], { type: "a\\u0001b" }).type, new Blob([], { type: "tëxt" }).type,
                Object.prototype.toString.call(b), String(Object.keys(Blob.prototype))];
        """
    )
    assert out == [
        17,
        "text/plain",
        "héllo ABCDEinner",
        0,
        "",
        "",
        "",
        "[object Blob]",
        "size,type,slice,arrayBuffer,bytes,text,stream",
    ]


def test_blob_copies_its_parts(run_js: RunJs) -> None:
    out = run_js(
        """
        const bytes = new Uint8Array([1, 2, 3]);
        const b = new Blob([bytes]);
        bytes[0] = 9;
        const read = await b.bytes();
        read[1] = 9;
        return [...await b.bytes(), read instanceof Uint8Array,
                (await b.arrayBuffer()) instanceof ArrayBuffer];
        """
    )
    assert out == [1, 2, 3, True, True]


def test_slice_clamps_like_workerd(run_js: RunJs) -> None:
    out = run_js(
        """
        const b = new Blob(["0123456789"], { type: "text/plain" });
        const t = async (...args) => { const s = b.slice(...args); return [await s.text(), s.type]; };
        return [await t(), await t(2), await t(2, 5), await t(-3), await t(-3, -1), await t(5, 2),
                await t(-100, 100), await t(1, 2, "X/Y"), await t("3", 4.9)];
        """
    )
    assert out == [
        ["0123456789", ""],
        ["23456789", ""],
        ["234", ""],
        ["789", ""],
        ["78", ""],
        ["", ""],
        ["0123456789", ""],
        ["1", "x/y"],
        ["3", ""],
    ]


def test_stream_delivers_the_bytes(run_js: RunJs) -> None:
    out = run_js(
        """
        const b = new Blob(["streamed ", "bytes"]);
        const chunks = [];
        for await (const chunk of b.stream()) chunks.push(...chunk);
        return [new TextDecoder().decode(new Uint8Array(chunks)),
                await new Response(b.stream()).text(), await new Response(b.slice(0, 8)).text()];
        """
    )
    assert out == ["streamed bytes", "streamed bytes", "streamed"]


def test_file(run_js: RunJs) -> None:
    out = run_js(
        """
        const before = Date.now();
        const f = new File(["a", "b"], "name.txt", { type: "Text/Plain", lastModified: 42 });
        const g = new File([], "x");
        let missing;
        try { new File([]); } catch (e) { missing = e.message; }
        return [f.name, f.type, f.lastModified, f.size, await f.text(), f instanceof Blob,
                f instanceof File, Object.prototype.toString.call(f),
                g.lastModified >= before, missing, f.slice(1) instanceof File];
        """
    )
    assert out == [
        "name.txt",
        "text/plain",
        42,
        2,
        "ab",
        True,
        True,
        "[object File]",
        True,
        "Failed to construct 'File': 2 arguments required, but only 1 present.",
        False,
    ]


def test_brand_checks(run_js: RunJs) -> None:
    out = run_js(
        """
        const results = [];
        for (const f of [() => Blob.prototype.size, () => Object.getOwnPropertyDescriptor(File.prototype, "name").get.call(new Blob())]) {
          try { f(); results.push("ok"); } catch (e) { results.push(e.name + ": " + e.message); }
        }
        try { await Blob.prototype.text.call({}); } catch (e) { results.push(e.message); }
        return results;
        """
    )
    assert out == [
        "TypeError: Illegal invocation",
        "TypeError: Illegal invocation",
        "Illegal invocation",
    ]


def test_body_blob_hooks(run_js: RunJs) -> None:
    out = run_js(
        """
        const r = new Response(new Blob(["<p>"], { type: "text/html" }));
        const untyped = new Response(new Blob(["x"]));
        const blob = await new Response("body", { headers: { "content-type": "text/x" } }).blob();
        const req = new Request("http://x/", { method: "POST", body: new File(["f"], "f.bin") });
        return [r.headers.get("content-type"), await r.text(), untyped.headers.get("content-type"),
                blob instanceof Blob, blob.type, await blob.text(), await req.text()];
        """
    )
    assert out == ["text/html", "<p>", None, True, "text/x", "body", "f"]
