"""FormData (46_formdata.js): the interface, multipart/urlencoded parsing and serialising,
as workerd's form-data.c++ does them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

RunJs = Callable[..., Any]


def test_interface(run_js: RunJs) -> None:
    out = run_js(
        """
        const fd = new FormData();
        fd.append("a", "1");
        fd.append("b", new Blob(["xyz"], { type: "text/x" }));
        fd.append("c", new File(["q"], "q.bin"), "renamed.bin");
        fd.append("a", 2);
        fd.append("d", new File(["d"], "keep.txt"));
        const b = fd.get("b");
        const before = [fd.getAll("a"), fd.has("c"), fd.get("nope"), b.name, b.type, b instanceof File,
                        fd.get("c").name, fd.get("d").name];
        fd.set("a", "3");
        fd.delete("c");
        const seen = [];
        fd.forEach((value, key) => seen.push([key, typeof value === "string" ? value : value.name]));
        return [before, [...fd.keys()], seen, Object.prototype.toString.call(fd),
                Object.prototype.toString.call(fd.entries())];
        """
    )
    assert out == [
        [["1", "2"], True, None, "b", "text/x", True, "renamed.bin", "keep.txt"],
        ["a", "b", "d"],
        [["a", "3"], ["b", "b"], ["d", "keep.txt"]],
        "[object FormData]",
        "[object FormData Iterator]",
    ]


def test_argument_errors(run_js: RunJs) -> None:
    out = run_js(
        """
        const out = [];
        for (const f of [() => new FormData().append("a"), () => new FormData().get(),
                         () => FormData.prototype.has.call({}, "x")]) {
          try { f(); out.push("ok"); } catch (e) { out.push(e.name + ": " + e.message); }
        }
        return out;
        """
    )
    assert out == [
        "TypeError: Failed to execute 'append' on 'FormData': 2 arguments required, but only 1 present.",
        "TypeError: Failed to execute 'get' on 'FormData': 1 argument required, but only 0 present.",
        "TypeError: Illegal invocation",
    ]


def test_serialise_like_workerd(run_js: RunJs) -> None:
    out = run_js(
        """
        const fd = new FormData();
        fd.append('na"me\\nx', "välue");
        fd.append("f", new File([new Uint8Array([0, 255])], "a\\\\b.bin"));
        fd.append("t", new File(["t"], "t.txt", { type: "text/plain" }));
        const r = new Response(fd);
        const ct = r.headers.get("content-type");
        const boundary = ct.slice("multipart/form-data; boundary=".length);
        const bytes = new Uint8Array(await r.arrayBuffer());
        const text = Array.from(bytes, (b) => String.fromCharCode(b)).join("").replaceAll(boundary, "B");
        let backslash;
        const bad = new FormData();
        bad.append("x\\\\", "v");
        try { new Response(bad); } catch (e) { backslash = e.name + ": " + e.message; }
        return [ct.startsWith("multipart/form-data; boundary="), /^[0-9a-f]{32}$/.test(boundary),
                text, backslash];
        """
    )
    assert out[:2] == [True, True]
    assert out[2] == (
        '--B\r\nContent-Disposition: form-data; name="na%22me%0Ax"\r\n\r\nv\xc3\xa4lue\r\n'
        '--B\r\nContent-Disposition: form-data; name="f"; filename="a\\\\b.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n\x00\xff\r\n"
        '--B\r\nContent-Disposition: form-data; name="t"; filename="t.txt"\r\n'
        "Content-Type: text/plain\r\n\r\nt\r\n--B--"
    )
    assert out[3] == "TypeError: Name or filename can't end with backslash"


def test_round_trip_through_a_body(run_js: RunJs) -> None:
    out = run_js(
        """
        const fd = new FormData();
        fd.append("text", "héllo\\r\\n--not a boundary");
        fd.append("file", new File([new Uint8Array([13, 10, 45, 45, 0, 1, 2])], "bin.dat", { type: "application/x-thing" }));
        fd.append("empty", "");
        const back = await new Response(fd).formData();
        const file = back.get("file");
        return [back.get("text"), file instanceof File, file.name, file.type, [...await file.bytes()],
                back.get("empty"), [...back.keys()]];
        """
    )
    assert out == [
        "héllo\r\n--not a boundary",
        True,
        "bin.dat",
        "application/x-thing",
        [13, 10, 45, 45, 0, 1, 2],
        "",
        ["text", "file", "empty"],
    ]


def test_parse_multipart_variants(run_js: RunJs) -> None:
    out = run_js(
        """
        const parse = (body, ct) => new Response(body, { headers: { "content-type": ct } }).formData();
        const lf = await parse('--xx\\nContent-Disposition: form-data; name="a"\\n\\nA\\n--xx\\n' +
          'content-disposition:form-data;name="f";filename="f.txt"\\ncontent-type: text/plain\\n\\nF\\n--xx--',
          "multipart/form-data; boundary=xx");
        const quoted = await parse('preamble\\r\\n--a b\\r\\nContent-Disposition: form-data; name="q\\\\"x"\\r\\n\\r\\nv\\r\\n--a b--\\r\\nepilogue',
          'Multipart/Form-Data; charset=utf-8; boundary="a b"');
        const emptyFilename = await parse('--b\\r\\nContent-Disposition: form-data; name="n"; filename=""\\r\\n\\r\\nv\\r\\n--b--', "multipart/form-data; boundary=b");
        const f = lf.get("f");
        return [lf.get("a"), f.name, f.type, await f.text(), [...quoted], emptyFilename.get("n")];
        """
    )
    assert out == ["A", "f.txt", "text/plain", "F", [['q"x', "v"]], "v"]


def test_parse_errors_are_workerd_type_errors(run_js: RunJs) -> None:
    out = run_js(
        """
        const parse = async (body, ct) => {
          try {
            const init = ct === null ? {} : { headers: { "content-type": ct } };
            await new Response(body, init).formData();
            return "ok";
          } catch (e) { return e.name + ": " + e.message; }
        };
        const mp = "multipart/form-data; boundary=b";
        return [
          await parse("x", "text/plain"),
          await parse("x", "multipart/form-data"),
          await parse("nothing here", mp),
          await parse("--b", mp),
          await parse("--bX", mp),
          await parse("--b\\r\\nContent-Disposition: form-data; name=\\"a\\"", mp),
          await parse("--b\\r\\nX-Other: 1\\r\\n\\r\\nv\\r\\n--b--", mp),
          await parse("--b\\r\\nContent-Disposition: attachment; name=\\"a\\"\\r\\n\\r\\nv\\r\\n--b--", mp),
          await parse("--b\\r\\nContent-Disposition: form-data; filename=\\"a\\"\\r\\n\\r\\nv\\r\\n--b--", mp),
          await parse("--b\\r\\nContent-Disposition: form-data; name=\\"a\\"\\r\\n\\r\\nv", mp),
          await parse("--b\\r\\nContent-Disposition: ;\\r\\n\\r\\nv\\r\\n--b--", mp),
          await parse("--b\\r\\nbad header line\\r\\n\\r\\nv\\r\\n--b--", mp),
          await parse("a=1", "application/x-www-form-urlencoded; charset=latin1"),
        ];
        """
    )
    assert out == [
        "TypeError: Unrecognized Content-Type header value. FormData can only parse the following "
        "MIME types: multipart/form-data, application/x-www-form-urlencoded",
        "TypeError: No boundary string in Content-Type header. The multipart/form-data MIME type "
        "requires a boundary parameter, e.g. 'Content-Type: multipart/form-data; "
        'boundary="abcd"\'. See RFC 7578, section 4.',
        "TypeError: No initial boundary string (or you have a truncated message).",
        "TypeError: No initial boundary string (or you have a truncated message).",
        "TypeError: Boundary string was not succeeded by CRLF, LF, or '--'.",
        "TypeError: No multipart message header termination found.",
        "TypeError: No valid Content-Disposition header found in FormData part.",
        "TypeError: Content-Disposition header for FormData part must have the value "
        '"form-data", possibly followed by parameters. Got: "attachment"',
        "TypeError: Content-Disposition header in FormData part is missing a name.",
        "TypeError: No subsequent boundary string after multipart message.",
        "TypeError: Invalid Content-Disposition header found in FormData part.",
        "TypeError: FormData part had invalid headers.",
        "TypeError: Non-utf-8 application/x-www-form-urlencoded body.",
    ]


def test_urlencoded(run_js: RunJs) -> None:
    out = run_js(
        """
        const req = new Request("http://x/", { method: "POST", body: "a=1&b=two+words&c=%E2%9C%93&a=2&&d",
          headers: { "content-type": "application/x-www-form-urlencoded;charset=UTF-8" } });
        const fd = await req.formData();
        const fromParams = await new Response(new URLSearchParams({ x: "y z" })).formData();
        let missing;
        try { await new Response("a=1").formData(); } catch (e) { missing = e.message; }
        return [[...fd], [...fromParams], missing];
        """
    )
    assert out == [
        [["a", "1"], ["b", "two words"], ["c", "✓"], ["a", "2"], ["d", ""]],
        [["x", "y z"]],
        "Unrecognized Content-Type header value. FormData can only parse the following MIME "
        "types: multipart/form-data, application/x-www-form-urlencoded",
    ]
