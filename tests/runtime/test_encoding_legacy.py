"""TextDecoder's legacy encodings (09_encoding_tables.js, 11_encoding_legacy.js) against workerd.

Each test's JS runs in a request of a real worker isolate (`run_js` below), where the host
answers the multi-byte table fetches (runtime/encoding.py).

The digests below were recorded from workerd 2026-11-17 with the same serialisation the
tests use (per input: its UTF-16 length then its code units, little-endian uint16; 0xFFFF
for a fatal error): every byte 0x00..0xFF of each single-byte encoding, and every one- and
two-byte input (lead 0x00..0xFF, then byte 0x00..0xFF) of each multi-byte one, decoded one
input at a time, lossy and fatal.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import pytest

from pyworkerd.runtime.encoding_tables import LABELS
from tests.conftest import JSError
from tests.runtime.test_encoding_tables import run_in_worker


@pytest.fixture
def run_js() -> Callable[..., Any]:
    """tests/conftest.py's run_js, inside a worker isolate with the bridge installed."""
    return run_in_worker


HASH_HELPER = """
function serialise(parts) {
  let n = 0;
  for (const p of parts) n += p === null ? 1 : p.length + 1;
  const units = new Uint16Array(n);
  let k = 0;
  for (const p of parts) {
    if (p === null) { units[k++] = 0xffff; continue; }
    units[k++] = p.length;
    for (let i = 0; i < p.length; i++) units[k++] = p.charCodeAt(i);
  }
  return new Uint8Array(units.buffer).toHex();
}
function grid(label, fatal, prefix) {
  const d = new TextDecoder(label, { fatal });
  const parts = [];
  for (let lead = 0; lead < 256; lead++) {
    for (let t = 0; t < 256; t++) {
      const b = new Uint8Array([...prefix, lead, t]);
      try { parts.push(d.decode(b)); } catch { parts.push(null); }
    }
  }
  return parts;
}
"""

MULTI_BYTE_GRIDS = {  # encoding: (lossy, fatal)
    "gbk": (
        "c200995e5a4465c7cbb98cd3c5559a7f6ed63c44d46ba97021fc46951ae86ab0",
        "81ae9e4c4666042d3c9ad20343744df423a0739e67664033c47e726fcff2a48d",
    ),
    "gb18030": (
        "c200995e5a4465c7cbb98cd3c5559a7f6ed63c44d46ba97021fc46951ae86ab0",
        "81ae9e4c4666042d3c9ad20343744df423a0739e67664033c47e726fcff2a48d",
    ),
    "big5": (
        "ffc7106a2c190be2c0712608f95c8f3665ea86d289c0746b4d101295584e6c10",
        "721e7c7dba1601d60430e98d2c7dd373c14c1db60d131286d3fa076e6bd36aa3",
    ),
    "euc-jp": (
        "2551b8d6b966dd9cc38c4449cc421e1741694943b753dbda785eb3f4f049d6c9",
        "7f2f96f6cafb824a6c1a0bc2313eb4f00a247abc5afd76505b1b7649f3412910",
    ),
    "shift_jis": (
        "70da816a5f27717818a1a05d4337fec8b7ea0f28bf6b00abee305e06572fcf2c",
        "d8f81720de70214f5774a9e37fa32bd1b3c1390b44391e8b957e9da8b34c3662",
    ),
    "euc-kr": (
        "0b5af15054f4c8b66bb1fa1c97767dcaa708a53b50ff8906300a112a3f3f9e17",
        "0e39d2b19864cfca9bab4165a42e746534f17c4dd6ce0e328fcb0a05cd643fea",
    ),
    "iso-2022-jp": (
        "9629df24e4bd1b143322aba817f7ab674d5b0d47c1c6a77f2f52cb879d3ea824",
        "885cf51114de9a2bcc9dbaa2337abe00e35d02d939c66c65bfe4c9c4efd5147e",
    ),
}
EUC_JP_JIS0212_GRID = (
    "a510e7c99370fa0c0adee5dc6b51e0666c5e1f87bda3b111710ec7b90990ab67",
    "31d03daa8b0eca7a548a73f20f2ac747842a68b485fbedc1187d1daf1713f140",
)
SINGLE_BYTE = {
    "ibm866": "4a5d642842f98de48aef5937066ea263a071c2ae776283683093613257b45ed8",
    "iso-8859-2": "d57545abc4f3709b134b34ea7d3c38b784daf5ab8bed07a4975244939ec8827e",
    "iso-8859-3": "43382e5787ca4c73823d18ca4eeb3c44bc7b695d0b103e2c53f61c9ca495727a",
    "iso-8859-4": "5061caf3c8ea703f7505be0dec1dcb783b9c6ec4fb59bf3f8fceb20be6a01758",
    "iso-8859-5": "f77ec23a759144a219416bf74f3862362128a4cb6c0586a6276c6d83b54047e7",
    "iso-8859-6": "4fb938fb8d80557bfbae81de368cc6bbf883b4ba489ac3d6ac50b82dd2a84ebc",
    "iso-8859-7": "59b9d17dd210024764b083b3dc78ecaad778aa8d344c16b7a62ff7e9ac500f17",
    "iso-8859-8": "6178fabef79be51e80ccc0f74c9f2ebdaf54dcb5665ab42155e98d732b9cbea0",
    "iso-8859-8-i": "6178fabef79be51e80ccc0f74c9f2ebdaf54dcb5665ab42155e98d732b9cbea0",
    "iso-8859-10": "117b8213f115ee9430b6056eef7c794bfcef8dfb54f798e48d6cf5e995d43210",
    "iso-8859-13": "6ba067d826a1b7ab0c54621707b0eae7440e885fffa309c39777bac6a06a6081",
    "iso-8859-14": "e275e1883138797499c02777d1b1302f8848f00a344d603583cdc5358b4bbeb6",
    "iso-8859-15": "ef119a8e35883eab8e42dffbbbdeb0dac20002eef3b821355f6430b9299c1333",
    "iso-8859-16": "1303c435d1b936d78626fa4ba8187e0b60516f9e826ced5affdd9289c189ae30",
    "koi8-r": "77c1ea48ecae0362a54953fb1140d387ec1fa6b57c4a099700a730e85bde2408",
    "koi8-u": "775051a2564dd944d4c02c1d7df406b99ba344b06be7797ecde9391d71598e5d",
    "macintosh": "85e74f71c2186cc05c80da87e25069bfac87076fb9ded6ac6e271f52dc7a8e18",
    "windows-874": "a596e5a582b7a37322c15dcbc33bcff04b02c29d1371c5c988e95d5177ee2c7b",
    "windows-1250": "1b541ce045355d34bee1bb4da17fc076cad327f480074b702590d1373616ee20",
    "windows-1251": "d4a6d6c737e64f72ae0f42a2eae4a6e77bbc674d69ea2c9484d1bf9cbbbbebdd",
    "windows-1252": "3254e6e2698d927b3a224f32f554e1e011f21f7c3ec317ff37a03d8f6310ef2e",
    "windows-1253": "a677d17116a95dc6a5bed3cac6781572bd6619491794da97fb8f682acf3c6070",
    "windows-1254": "7c6ff658b2867488eef051956724b0db1090ba7b1eb713633247c05ec43c34b8",
    "windows-1255": "7c4eda7fb1475432d014879be4a17d39d77bf3e35925a330d3b7507cbdeae293",
    "windows-1256": "e4e2b8076a437be268bd975dd3fe4756f36b1ea7ff5d75e05ad53885b7947714",
    "windows-1257": "989921cfa0a2cd8dbe537ce91f7601657b40952cac3a75e46b177dd8d16f950b",
    "windows-1258": "ec1eedc2bd4252adabbd1476865fce55ec433c02ae5cd8329e3f6099eed32cc9",
    "x-mac-cyrillic": "8bd07af8e728ef858f06f9c5b5edaad60a1762659637b126bb8729482ccbe09c",
    "x-user-defined": "be8ee788f238ea3ff1b6c2b9a8baab846ddc6b2ec95f423577d719087c4cc01f",
}


def sha256_hex(hexed: str) -> str:
    return hashlib.sha256(bytes.fromhex(hexed)).hexdigest()


def test_every_label_resolves_to_its_encoding(run_js: Callable[..., Any]) -> None:
    labels = {label: name for name, names in LABELS.items() for label in names}
    got = run_js(
        "return globalThis.__L.map((l) => new TextDecoder(l).encoding);",
        setup="globalThis.__L = " + json.dumps(sorted(labels)),
    )
    assert got == [labels[label] for label in sorted(labels)]
    assert len(labels) == 222  # workerd's 228 labels less the six "replacement" ones


def test_label_matching_and_rejections(run_js: Callable[..., Any]) -> None:
    got = run_js("""
      const r = [];
      for (const l of [' \\tShift_JIS\\n', 'KOI8-RU', 'MS932', 'x-user-defined', 'latin5',
                       'replacement', 'hz-gb-2312', 'iso-2022-kr', 'iso-2022-cn', '\\u00a0gbk',
                       'gbk\\u000b', 'utf-7']) {
        try { r.push(new TextDecoder(l).encoding); } catch (e) { r.push(e.name + ': ' + e.message); }
      }
      return r;
    """)
    assert got == [
        "shift_jis", "koi8-u", "shift_jis", "x-user-defined", "windows-1254",
        'RangeError: "replacement" is not a valid encoding.',
        'RangeError: "hz-gb-2312" is not a valid encoding.',
        'RangeError: "iso-2022-kr" is not a valid encoding.',
        'RangeError: "iso-2022-cn" is not a valid encoding.',
        'RangeError: "\u00a0gbk" is not a valid encoding.',
        'RangeError: "gbk\u000b" is not a valid encoding.',
        'RangeError: "utf-7" is not a valid encoding.',
    ]


def test_single_byte_encodings_match_workerd(run_js: Callable[..., Any]) -> None:
    got = run_js(
        HASH_HELPER + """
      const all = new Uint8Array(256).map((_, i) => i);
      const out = {};
      for (const name of globalThis.__N) out[name] = serialise([new TextDecoder(name).decode(all)]);
      return out;
    """,
        setup="globalThis.__N = " + json.dumps(sorted(SINGLE_BYTE)),
    )
    assert {name: sha256_hex(hexed) for name, hexed in got.items()} == SINGLE_BYTE


def test_single_byte_errors_and_bom(run_js: Callable[..., Any]) -> None:
    got = run_js("""
      const r = [];
      const d = new TextDecoder('iso-8859-3', { fatal: true });
      r.push(d.decode(new Uint8Array([0x41, 0xa1])));
      try { d.decode(new Uint8Array([0xa5])); } catch (e) { r.push(e.name + ': ' + e.message); }
      r.push(new TextDecoder('iso-8859-3').decode(new Uint8Array([0xa5, 0x41])));
      r.push(new TextDecoder('windows-1252').decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x80, 0x81])));
      r.push(new TextDecoder('koi8-u').decode(new Uint8Array([0xae, 0xbe])));
      r.push(new TextDecoder('x-user-defined').decode(new Uint8Array([0x61, 0x80, 0xff])));
      return r;
    """)
    assert got == [
        "AĦ", "TypeError: Failed to decode input.", "\ufffdA", "ï»¿€\x81", "ўЎ", "a\uf780\uf7ff",
    ]


@pytest.mark.parametrize("name", sorted(MULTI_BYTE_GRIDS))
def test_multi_byte_two_byte_inputs_match_workerd(run_js: Callable[..., Any], name: str) -> None:
    lossy, fatal = (sha256_hex(h) for h in run_js(HASH_HELPER + f"""
      return [serialise(grid({json.dumps(name)}, false, [])),
              serialise(grid({json.dumps(name)}, true, []))];
    """))
    expected_lossy, expected_fatal = MULTI_BYTE_GRIDS[name]
    assert fatal == expected_fatal
    if name != "iso-2022-jp":  # see test_iso_2022_jp_cut_escape for the one difference
        assert lossy == expected_lossy


def test_euc_jp_three_byte_inputs_match_workerd(run_js: Callable[..., Any]) -> None:
    got = run_js(HASH_HELPER + """
      const partsL = grid('euc-jp', false, [0x8f]), partsF = grid('euc-jp', true, [0x8f]);
      // workerd's grid covers 0x8F, lead 0xA1..0xFE, then every byte
      return [serialise(partsL.slice(0xa1 * 256, 0xff * 256)),
              serialise(partsF.slice(0xa1 * 256, 0xff * 256))];
    """)
    assert tuple(sha256_hex(h) for h in got) == EUC_JP_JIS0212_GRID


def test_gb18030_four_byte_sequences(run_js: Callable[..., Any]) -> None:
    # Expected values as workerd decodes them.
    cases = {
        "81308130": [0x80], "8130ee39": [0x569], "84318730": [0xFE70], "8431a439": [0xFFFF],
        "8431a530": [0xFFFD], "90308130": [0xD800, 0xDC00], "e3329a35": [0xDBFF, 0xDFFF],
        "e3329a36": [0xFFFD], "8135f437": [0xE7C7], "8139ef30": [0x3401], "82358f33": [0x9FA6],
        "8130ff30": [0xFFFD, 0x30, 0xFFFD, 0x30], "81308100": [0xFFFD, 0x30, 0xFFFD, 0],
        "813081": [0xFFFD], "80": [0xFFFD], "a2e3": [0x20AC],
    }
    got = run_js(
        """
      const out = {};
      for (const label of ['gb18030', 'gbk']) {
        const d = new TextDecoder(label);
        for (const h of globalThis.__C) {
          const s = d.decode(Uint8Array.fromHex(h));
          out[label + ':' + h] = Array.from({ length: s.length }, (_, i) => s.charCodeAt(i));
        }
      }
      return out;
    """,
        setup="globalThis.__C = " + json.dumps(list(cases)),
    )
    for label in ("gb18030", "gbk"):
        for hexed, units in cases.items():
            assert got[f"{label}:{hexed}"] == units, (label, hexed)


SAMPLES = {
    "gb18030": "中文 汉字 €𠀀 abc",
    "gbk": "简体中文，GBK！",
    "big5": "繁體中文 ㄅㄆ",
    "euc-jp": "日本語のテキスト ｶﾀｶﾅ 丂",
    "iso-2022-jp": "日本語 ABC \\~ かな",
    "shift_jis": "シフトJIS ①② ｶﾅ",
    "euc-kr": "한국어 텍스트 똠방각하",
}
CODECS = {"gb18030": "gb18030", "gbk": "gb18030", "big5": "big5hkscs", "euc-jp": "euc_jp",
          "iso-2022-jp": "iso2022_jp", "shift_jis": "cp932", "euc-kr": "cp949"}


def test_multi_byte_streaming_at_every_split(run_js: Callable[..., Any]) -> None:
    """stream: true gives the same text whatever the chunk boundaries."""
    cases = {name: SAMPLES[name].encode(CODECS[name]).hex() for name in SAMPLES}
    got = run_js(
        """
      const out = {};
      for (const [name, h] of Object.entries(globalThis.__C)) {
        const bytes = Uint8Array.fromHex(h);
        const whole = new TextDecoder(name).decode(bytes);
        const splits = new Set();
        for (let cut = 0; cut <= bytes.length; cut++) {
          const d = new TextDecoder(name);
          splits.add(d.decode(bytes.subarray(0, cut), { stream: true }) +
                     d.decode(bytes.subarray(cut)));
        }
        const d = new TextDecoder(name);
        let bytewise = '';
        for (let i = 0; i < bytes.length; i++) bytewise += d.decode(bytes.subarray(i, i + 1), { stream: true });
        bytewise += d.decode();
        out[name] = [whole, [...splits], bytewise];
      }
      return out;
    """,
        setup="globalThis.__C = " + json.dumps(cases),
    )
    for name, sample in SAMPLES.items():
        whole, splits, bytewise = got[name]
        assert whole == sample, name
        assert splits == [sample], name
        assert bytewise == sample, name


def test_multi_byte_flush_and_fatal(run_js: Callable[..., Any]) -> None:
    got = run_js("""
      const r = [];
      const d = new TextDecoder('shift_jis');
      r.push(d.decode(new Uint8Array([0x82]), { stream: true }), d.decode());
      r.push(d.decode(new Uint8Array([0x82, 0xa0])));
      const f = new TextDecoder('euc-kr', { fatal: true });
      try { f.decode(new Uint8Array([0xb0]), { stream: true }); f.decode(); } catch (e) { r.push(e.message); }
      r.push(f.decode(new Uint8Array([0xb0, 0xa1])));
      r.push(new TextDecoder('big5').decode(new Uint8Array([0x88, 0x62, 0x88, 0x64])));
      return r;
    """)
    assert got == ["", "\ufffd", "あ", "Failed to decode input.", "가", "Ê̄Ê̌"]


def test_iso_2022_jp_cut_escape(run_js: Callable[..., Any]) -> None:
    """The one known difference: ICU swallows an escape sequence cut off by the end."""
    got = run_js("return new TextDecoder('iso-2022-jp').decode(new Uint8Array([0x1b, 0x24]))")
    assert got == "\ufffd$"  # workerd: "\ufffd"


def test_text_decoder_stream_legacy(run_js: Callable[..., Any]) -> None:
    got = run_js("""
      const ds = new TextDecoderStream('shift_jis');
      const w = ds.writable.getWriter();
      w.write(new Uint8Array([0x83, 0x56, 0x83])); w.write(new Uint8Array([0x74])); w.close();
      let s = '';
      for await (const chunk of ds.readable) s += chunk;
      return [ds.encoding, s];
    """)
    assert got == ["shift_jis", "シフ"]


def test_unknown_label_message_keeps_the_label(run_js: Callable[..., Any]) -> None:
    with pytest.raises(JSError) as exc:
        run_js("new TextDecoder(' nope ')")
    assert (exc.value.name, exc.value.message) == ("RangeError", '" nope " is not a valid encoding.')
