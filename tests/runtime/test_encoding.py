"""TextEncoder, TextDecoder, atob/btoa and the byte helpers of 10_encoding.js."""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import JSError

# ---------------------------------------------------------------------------------------
# TextEncoder


def test_encode(run_js: Callable[..., Any]) -> None:
    got = run_js("""
      const e = new TextEncoder();
      return [e.encoding, Array.from(e.encode('aé€😀')), Array.from(e.encode()),
              Array.from(e.encode('\\ud800x\\udc00')), e.encode('abc') instanceof Uint8Array,
              e.encode('abc').buffer.byteLength, Array.from(e.encode(12))];
    """)
    assert got == [
        "utf-8",
        list("aé€😀".encode()),
        [],
        [0xEF, 0xBF, 0xBD, 0x78, 0xEF, 0xBF, 0xBD],
        True,
        3,
        [0x31, 0x32],
    ]


def test_encode_into(run_js: Callable[..., Any]) -> None:
    got = run_js("""
      const e = new TextEncoder();
      const r = [];
      for (const [s, n] of [['abc', 10], ['abc', 2], ['aé', 2], ['a😀', 4], ['a😀', 5],
                            ['\\ud800', 3], ['\\ud800', 2], ['', 0]]) {
        const buf = new Uint8Array(n);
        const res = e.encodeInto(s, buf);
        r.push([res.read, res.written, Array.from(buf.subarray(0, res.written))]);
      }
      const big = new Uint8Array(8);
      const view = big.subarray(2, 5);
      e.encodeInto('xyzw', view);
      r.push(Array.from(big));
      return r;
    """)
    assert got == [
        [3, 3, [97, 98, 99]],
        [2, 2, [97, 98]],
        [1, 1, [97]],
        [1, 1, [97]],
        [3, 5, [97, 0xF0, 0x9F, 0x98, 0x80]],
        [1, 3, [0xEF, 0xBF, 0xBD]],
        [0, 0, []],
        [0, 0, []],
        [0, 0, 120, 121, 122, 0, 0, 0],
    ]


def test_patched_builtins_do_not_break_encoding(run_js: Callable[..., Any]) -> None:
    got = run_js("""
      const saved = [String.prototype.charCodeAt, String.fromCharCode, Function.prototype.apply];
      const text = 'é'.repeat(50) + 'x'.repeat(100);
      String.prototype.charCodeAt = () => 0;
      String.fromCharCode = () => 'patched';
      let encoded, decoded;
      try {
        encoded = new TextEncoder().encode(text);
        decoded = new TextDecoder().decode(encoded);
      } finally {
        String.prototype.charCodeAt = saved[0];
        String.fromCharCode = saved[1];
      }
      return [encoded.length, decoded === text];
    """)
    assert got == [200, True]


def test_encoder_errors(run_js: Callable[..., Any]) -> None:
    with pytest.raises(JSError) as exc:
        run_js("new TextEncoder().encodeInto('a', [])")
    assert exc.value.message == (
        "Failed to execute 'encodeInto' on 'TextEncoder': parameter 2 is not of type 'Uint8Array'."
    )
    with pytest.raises(JSError) as exc:
        run_js("TextEncoder.prototype.encode.call({}, 'a')")
    assert exc.value.message == "Illegal invocation"


# ---------------------------------------------------------------------------------------
# TextDecoder


def test_decode_basics(run_js: Callable[..., Any]) -> None:
    got = run_js("""
      const d = new TextDecoder();
      const bytes = new Uint8Array([0xEF, 0xBB, 0xBF, 0x68, 0xC3, 0xA9, 0xFF]);
      return [d.encoding, d.fatal, d.ignoreBOM, d.decode(bytes), d.decode(bytes.buffer),
              d.decode(new DataView(bytes.buffer, 3, 3)), d.decode(),
              new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes),
              d.decode(new Uint16Array([0x6968]))];
    """)
    assert got == [
        "utf-8", False, False, "hé\ufffd", "hé\ufffd", "hé", "", "\ufeffhé\ufffd", "hi",
    ]


def test_decode_fatal(run_js: Callable[..., Any]) -> None:
    assert run_js("return new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array([0x61]))") == "a"
    with pytest.raises(JSError) as exc:
        run_js("new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array([0xC3]))")
    assert (exc.value.name, exc.value.message) == ("TypeError", "Failed to decode input.")


def test_decode_stream(run_js: Callable[..., Any]) -> None:
    got = run_js("""
      const bytes = new TextEncoder().encode('\\ufeffa€😀b');
      const out = [];
      for (let cut = 0; cut <= bytes.length; cut++) {
        const d = new TextDecoder();
        out.push(d.decode(bytes.subarray(0, cut), { stream: true }) + d.decode(bytes.subarray(cut)));
      }
      const d = new TextDecoder();
      const partial = d.decode(new Uint8Array([0xE2, 0x82]), { stream: true });
      const flushed = d.decode();
      const again = d.decode(new Uint8Array([0x61]));
      return [new Set(out).size, out[0], partial, flushed, again];
    """)
    assert got == [1, "a€😀b", "", "\ufffd", "a"]


def test_decode_labels(run_js: Callable[..., Any]) -> None:
    got = run_js("""
      const names = [' UTF8 ', 'unicode-1-1-utf-8', 'utf-16', 'UTF-16LE', 'utf-16be', 'latin1',
                     'ascii', 'iso-8859-1', 'windows-1252', 'us-ascii'];
      return names.map((n) => new TextDecoder(n).encoding);
    """)
    assert got == [
        "utf-8", "utf-8", "utf-16le", "utf-16le", "utf-16be", "windows-1252", "windows-1252",
        "windows-1252", "windows-1252", "windows-1252",
    ]
    with pytest.raises(JSError) as exc:
        run_js("new TextDecoder('klingon')")
    assert (exc.value.name, exc.value.message) == ("RangeError", '"klingon" is not a valid encoding.')


def test_decode_other_encodings(run_js: Callable[..., Any]) -> None:
    got = run_js("""
      const le = new TextDecoder('utf-16le');
      const be = new TextDecoder('utf-16be');
      const w = new TextDecoder('windows-1252');
      const s = new TextDecoder('utf-16le');
      const streamed = s.decode(new Uint8Array([0x3D]), { stream: true }) +
        s.decode(new Uint8Array([0xD8, 0x00, 0xDE]), { stream: true }) + s.decode();
      return [le.decode(new Uint8Array([0xFF, 0xFE, 0x61, 0x00, 0x3D, 0xD8, 0x00, 0xDE])),
              be.decode(new Uint8Array([0x00, 0x61, 0xD8, 0x00, 0x00])),
              w.decode(new Uint8Array([0x80, 0x41, 0xE9, 0x9F, 0xFF, 0x81])),
              streamed];
    """)
    assert got == ["a😀", "a\ufffd\ufffd", "€AéŸÿ\x81", "😀"]
    with pytest.raises(JSError) as exc:
        run_js("new TextDecoder('utf-16le', { fatal: true }).decode(new Uint8Array([0x00, 0xD8]))")
    assert exc.value.message == "Failed to decode input."


def test_decoder_errors(run_js: Callable[..., Any]) -> None:
    with pytest.raises(JSError) as exc:
        run_js("new TextDecoder().decode('text')")
    assert exc.value.message == (
        "Failed to execute 'decode' on 'TextDecoder': parameter 1 is not of type "
        "'ArrayBuffer or ArrayBufferView'."
    )
    with pytest.raises(JSError) as exc:
        run_js("Object.getOwnPropertyDescriptor(TextDecoder.prototype, 'encoding').get.call({})")
    assert exc.value.message == "Illegal invocation"


def _fuzz_cases() -> list[bytes]:
    rng = random.Random(20240601)
    interesting = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF,
                   0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF, 0xBB, 0xBD]
    cases = []
    for _ in range(2000):
        n = rng.randint(0, 12)
        cases.append(bytes(rng.choice(interesting) if rng.random() < 0.8 else rng.randrange(256)
                           for _ in range(n)))
    cases += [s.encode() for s in ["héllo", "日本語", "🎉x", "a\x00b", "\ufeffbom", "x" * 100]]
    return cases


def test_utf8_decoder_matches_python_replacement_semantics(run_internal_js: Callable[..., Any]) -> None:
    """WHATWG UTF-8 decoding = Python's (U+FFFD per maximal subpart), one-shot and streamed."""
    cases = _fuzz_cases()
    out = run_internal_js(
        """
        const cases = globalThis.__C.map((h) => Uint8Array.fromHex(h));
        const td = new TextDecoder('utf-8', { ignoreBOM: true });
        return {
          lossy: cases.map((b) => internals.utf8Decode(b)),
          fatal: cases.map((b) => internals.utf8DecodeFatal(b) !== null),
          bytewise: cases.map((b) => {
            let out = '';
            for (let i = 0; i < b.length; i++) out += td.decode(b.subarray(i, i + 1), { stream: true });
            return out + td.decode();
          }),
          halves: cases.map((b) => {
            const k = b.length >> 1;
            return td.decode(b.subarray(0, k), { stream: true }) + td.decode(b.subarray(k));
          }),
        };
        """,
        setup="globalThis.__C = " + json.dumps([b.hex() for b in cases]),
    )
    for i, b in enumerate(cases):
        expected = b.decode("utf-8", "replace")
        assert out["lossy"][i] == expected, b.hex()
        assert out["bytewise"][i] == expected, b.hex()
        assert out["halves"][i] == expected, b.hex()
        try:
            b.decode("utf-8")
            valid = True
        except UnicodeDecodeError:
            valid = False
        assert out["fatal"][i] == valid, b.hex()


# ---------------------------------------------------------------------------------------
# Internal helpers


def test_internal_helpers_round_trip(run_internal_js: Callable[..., Any]) -> None:
    rng = random.Random(7)
    pool = "aZ0 ~\x00\x7f\x80é€\u0800\uffff😀\U0010ffff"
    strings = ["".join(rng.choice(pool) for _ in range(rng.randint(0, 40))) for _ in range(300)]
    strings.append("x" * 20000 + "é" + "y" * 20000)
    out = run_internal_js(
        """
        const S = globalThis.__S;
        return S.map((s) => {
          const bytes = internals.utf8Encode(s);
          return [internals.utf8Decode(bytes) === s, bytes.length === internals.utf8Length(s),
                  bytes.toHex()];
        });
        """,
        setup="globalThis.__S = " + json.dumps(strings),
    )
    for s, (round_trip, length_ok, hexed) in zip(strings, out, strict=True):
        assert round_trip and length_ok
        assert bytes.fromhex(hexed) == s.encode()


def test_internal_helpers(run_internal_js: Callable[..., Any]) -> None:
    got = run_internal_js("""
      const bom = new Uint8Array([0xEF, 0xBB, 0xBF, 0x61]);
      const into = new Uint8Array(6);
      return [internals.utf8Decode(bom), internals.utf8DecodeStripBOM(bom),
              internals.utf8DecodeFatal(new Uint8Array([0xFF])),
              internals.utf8Decode(new Uint8Array([0x61, 0x62, 0x63]), 1, 2),
              internals.latin1Decode(new Uint8Array([0x41, 0xE9, 0xFF])),
              Array.from(internals.latin1Encode('Aéÿ')), internals.isAscii(new Uint8Array([1, 127])),
              internals.isAscii(new Uint8Array([128])),
              internals.utf8EncodeInto('a€', into, 2), Array.from(into),
              internals.base64Encode(new Uint8Array([1, 2, 3, 4])),
              Array.from(internals.base64Decode(' AQID BA== ')), internals.base64Decode('A')];
    """)
    assert got == [
        "\ufeffa", "a", None, "b", "Aéÿ", [0x41, 0xE9, 0xFF], True, False,
        {"read": 2, "written": 4}, [0, 0, 0x61, 0xE2, 0x82, 0xAC],
        "AQIDBA==", [1, 2, 3, 4], None,
    ]


def test_large_bodies_round_trip(run_internal_js: Callable[..., Any]) -> None:
    got = run_internal_js("""
      const unit = 'Hello wörld — ✓ 日本語 🎉 plain ascii. ';
      let s = unit.repeat(40000);
      const b = internals.utf8Encode(s);
      const ascii = 'x'.repeat(3 << 20);
      return [internals.utf8Decode(b) === s, b.length, new TextDecoder().decode(internals.utf8Encode(ascii)) === ascii];
    """)
    assert got == [True, len(("Hello wörld — ✓ 日本語 🎉 plain ascii. " * 40000).encode()), True]


# ---------------------------------------------------------------------------------------
# atob / btoa


def test_btoa_atob(run_js: Callable[..., Any]) -> None:
    got = run_js("""
      let all = '';
      for (let i = 0; i < 256; i++) all += String.fromCharCode(i);
      return [btoa(''), btoa('f'), btoa('fo'), btoa('foo'), btoa(all) , atob(btoa(all)) === all,
              atob(' Zm9v\\n'), atob('Zg'), atob('Zg=='), atob('Zh=='), btoa(42), btoa(null)];
    """)
    everything = bytes(range(256))
    assert got == [
        "", "Zg==", "Zm8=", "Zm9v", base64.b64encode(everything).decode(), True, "foo", "f",
        "f", "f", "NDI=", "bnVsbA==",
    ]


@pytest.mark.parametrize("data", ["Zg=", "Z", "Zm9v=", "Zm9vY===", "Zm 9v ===", "Z@==", "ab=c"])
def test_atob_invalid(run_js: Callable[..., Any], data: str) -> None:
    got = run_js(f"""
      try {{ atob({json.dumps(data)}); return 'no throw'; }}
      catch (e) {{ return [e instanceof DOMException, e.name, e.code, e.message]; }}
    """)
    assert got == [
        True, "InvalidCharacterError", 5, "The string to be decoded is not correctly encoded.",
    ]


def test_btoa_invalid(run_js: Callable[..., Any]) -> None:
    got = run_js("""
      try { btoa('€'); return 'no throw'; }
      catch (e) { return [e instanceof DOMException, e.name, e.code]; }
    """)
    assert got == [True, "InvalidCharacterError", 5]
    with pytest.raises(JSError) as exc:
        run_js("atob()")
    assert exc.value.message == "Failed to execute 'atob': 1 argument required, but only 0 present."


# ---------------------------------------------------------------------------------------
# TextEncoderStream / TextDecoderStream

COLLECT = """
async function collect(readable) {
  const reader = readable.getReader();
  const out = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return out;
    out.push(value);
  }
}
"""


def test_text_decoder_stream(run_js: Callable[..., Any]) -> None:
    got = run_js(COLLECT + """
      const ds = new TextDecoderStream();
      const w = ds.writable.getWriter();
      w.write(new Uint8Array([0xEF, 0xBB, 0xBF, 0x61, 0xE2, 0x82]));
      w.write(new Uint8Array([0xAC]).buffer);
      w.write(new Uint8Array([0xF0]));
      w.close();
      const bad = new TextDecoderStream('utf-8', { fatal: true });
      const failed = bad.writable.getWriter().write(new Uint8Array([0xFF])).catch((e) => e.message);
      await bad.readable.getReader().read().catch(() => {});
      let notBytes;
      const other = new TextDecoderStream();
      other.writable.getWriter().write('text').catch((e) => { notBytes = e.message; });
      await other.readable.getReader().read().catch(() => {});
      return [await collect(ds.readable), ds.encoding, ds.fatal, ds.ignoreBOM, await failed,
              notBytes, new TextDecoderStream('latin1').encoding];
    """)
    assert got == [
        ["a", "€", "\ufffd"], "utf-8", False, False, "Failed to decode input.",
        "Failed to execute 'transform' on 'TextDecoderStream': chunk is not of type "
        "'ArrayBuffer or ArrayBufferView'.",
        "windows-1252",
    ]


def test_text_encoder_stream(run_js: Callable[..., Any]) -> None:
    got = run_js(COLLECT + """
      const es = new TextEncoderStream();
      const w = es.writable.getWriter();
      w.write('a\\ud83d'); w.write('\\ude00b'); w.write(''); w.write(42); w.write('\\ud800');
      w.close();
      return [(await collect(es.readable)).map((u) => Array.from(u)), es.encoding,
              es.readable instanceof ReadableStream, es.writable instanceof WritableStream];
    """)
    assert got == [
        [[97], [0xF0, 0x9F, 0x98, 0x80, 98], [52, 50], [0xEF, 0xBF, 0xBD]], "utf-8", True, True,
    ]
