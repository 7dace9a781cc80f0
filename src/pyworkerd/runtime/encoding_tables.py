"""The legacy encodings' data for TextDecoder, generated from Python's codecs.

workerd decodes the WHATWG Encoding Standard's labels with ICU. Its tables are facts we can
rebuild from the stdlib codecs; where the codecs differ from what workerd decodes (checked
byte for byte against workerd 2026-11-17: every single byte and every two-byte sequence),
the differences are patched below and named. Two products:

- at runtime-build time, the generated runtime file ``09_encoding_tables.js`` that sets
  ``internals.encodingTables``: ``labels`` (label -> encoding name, workerd's table incl.
  ``koi8-ru`` and ``ms932``) and ``single`` (name -> the code points of bytes 0x80..0xFF,
  packed, unpacked on first use);
- on demand, the packed multi-byte indexes (``MULTI_INDEXES``: gb18030, gb18030 ranges,
  big5, jis0208, jis0212, euc-kr), which isolates fetch on first use (``encoding.py``)
  rather than every isolate carrying ~100 K characters of them in its runtime source.

Packing (``pack`` here, ``unpackIndex`` in 11_encoding_legacy.js): base-32 varints written
with the base64url alphabet, most significant digit first, a digit >= 32 meaning "more
digits follow" (ASCII, so JS keeps it as a one-byte string). Read in pointer order:
``0 k`` skips k unmapped pointers, ``1 k`` is a run of k code points each one above the
previous, any other ``v`` is one code point at ``previous + zigzag(v - 2)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import cache

__all__ = ["LABELS", "MULTI_INDEXES", "TABLES_FILE", "pack", "tables_source"]

TABLES_FILE = "09_encoding_tables.js"

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

# workerd's label table (encoding name -> labels). "replacement" labels are rejected by
# workerd (RangeError), so they are not here.
LABELS: dict[str, tuple[str, ...]] = {
    "utf-8": ("unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "utf-8", "utf8",
              "x-unicode20utf8"),
    "ibm866": ("866", "cp866", "csibm866", "ibm866"),
    "iso-8859-2": ("csisolatin2", "iso-8859-2", "iso-ir-101", "iso8859-2", "iso88592",
                   "iso_8859-2", "iso_8859-2:1987", "l2", "latin2"),
    "iso-8859-3": ("csisolatin3", "iso-8859-3", "iso-ir-109", "iso8859-3", "iso88593",
                   "iso_8859-3", "iso_8859-3:1988", "l3", "latin3"),
    "iso-8859-4": ("csisolatin4", "iso-8859-4", "iso-ir-110", "iso8859-4", "iso88594",
                   "iso_8859-4", "iso_8859-4:1988", "l4", "latin4"),
    "iso-8859-5": ("csisolatincyrillic", "cyrillic", "iso-8859-5", "iso-ir-144", "iso8859-5",
                   "iso88595", "iso_8859-5", "iso_8859-5:1988"),
    "iso-8859-6": ("arabic", "asmo-708", "csiso88596e", "csiso88596i", "csisolatinarabic",
                   "ecma-114", "iso-8859-6", "iso-8859-6-e", "iso-8859-6-i", "iso-ir-127",
                   "iso8859-6", "iso88596", "iso_8859-6", "iso_8859-6:1987"),
    "iso-8859-7": ("csisolatingreek", "ecma-118", "elot_928", "greek", "greek8", "iso-8859-7",
                   "iso-ir-126", "iso8859-7", "iso88597", "iso_8859-7", "iso_8859-7:1987",
                   "sun_eu_greek"),
    "iso-8859-8": ("csiso88598e", "csisolatinhebrew", "hebrew", "iso-8859-8", "iso-8859-8-e",
                   "iso-ir-138", "iso8859-8", "iso88598", "iso_8859-8", "iso_8859-8:1988",
                   "visual"),
    "iso-8859-8-i": ("csiso88598i", "iso-8859-8-i", "logical"),
    "iso-8859-10": ("csisolatin6", "iso-8859-10", "iso-ir-157", "iso8859-10", "iso885910",
                    "l6", "latin6"),
    "iso-8859-13": ("iso-8859-13", "iso8859-13", "iso885913"),
    "iso-8859-14": ("iso-8859-14", "iso8859-14", "iso885914"),
    "iso-8859-15": ("csisolatin9", "iso-8859-15", "iso8859-15", "iso885915", "iso_8859-15",
                    "l9"),
    "iso-8859-16": ("iso-8859-16",),
    "koi8-r": ("cskoi8r", "koi", "koi8", "koi8-r", "koi8_r"),
    "koi8-u": ("koi8-ru", "koi8-u"),
    "macintosh": ("csmacintosh", "mac", "macintosh", "x-mac-roman"),
    "windows-874": ("dos-874", "iso-8859-11", "iso8859-11", "iso885911", "tis-620",
                    "windows-874"),
    "windows-1250": ("cp1250", "windows-1250", "x-cp1250"),
    "windows-1251": ("cp1251", "windows-1251", "x-cp1251"),
    "windows-1252": ("ansi_x3.4-1968", "ascii", "cp1252", "cp819", "csisolatin1", "ibm819",
                     "iso-8859-1", "iso-ir-100", "iso8859-1", "iso88591", "iso_8859-1",
                     "iso_8859-1:1987", "l1", "latin1", "us-ascii", "windows-1252", "x-cp1252"),
    "windows-1253": ("cp1253", "windows-1253", "x-cp1253"),
    "windows-1254": ("cp1254", "csisolatin5", "iso-8859-9", "iso-ir-148", "iso8859-9",
                     "iso88599", "iso_8859-9", "iso_8859-9:1989", "l5", "latin5",
                     "windows-1254", "x-cp1254"),
    "windows-1255": ("cp1255", "windows-1255", "x-cp1255"),
    "windows-1256": ("cp1256", "windows-1256", "x-cp1256"),
    "windows-1257": ("cp1257", "windows-1257", "x-cp1257"),
    "windows-1258": ("cp1258", "windows-1258", "x-cp1258"),
    "x-mac-cyrillic": ("x-mac-cyrillic", "x-mac-ukrainian"),
    "gbk": ("chinese", "csgb2312", "csiso58gb231280", "gb2312", "gb_2312", "gb_2312-80", "gbk",
            "iso-ir-58", "x-gbk"),
    "gb18030": ("gb18030",),
    "big5": ("big5", "big5-hkscs", "cn-big5", "csbig5", "x-x-big5"),
    "euc-jp": ("cseucpkdfmtjapanese", "euc-jp", "x-euc-jp"),
    "iso-2022-jp": ("csiso2022jp", "iso-2022-jp"),
    "shift_jis": ("csshiftjis", "ms932", "ms_kanji", "shift-jis", "shift_jis", "sjis",
                  "windows-31j", "x-sjis"),
    "euc-kr": ("cseuckr", "csksc56011987", "euc-kr", "iso-ir-149", "korean", "ks_c_5601-1987",
               "ks_c_5601-1989", "ksc5601", "ksc_5601", "windows-949"),
    "utf-16be": ("unicodefffe", "utf-16be"),
    "utf-16le": ("csunicode", "iso-10646-ucs-2", "ucs-2", "unicode", "unicodefeff", "utf-16",
                 "utf-16le"),
    "x-user-defined": ("x-user-defined",),
}

# Single-byte encodings and the stdlib codec that holds each one's table.
SINGLE_BYTE: dict[str, str] = {
    "ibm866": "cp866", "iso-8859-2": "iso8859_2", "iso-8859-3": "iso8859_3",
    "iso-8859-4": "iso8859_4", "iso-8859-5": "iso8859_5", "iso-8859-6": "iso8859_6",
    "iso-8859-7": "iso8859_7", "iso-8859-8": "iso8859_8", "iso-8859-8-i": "iso8859_8",
    "iso-8859-10": "iso8859_10", "iso-8859-13": "iso8859_13", "iso-8859-14": "iso8859_14",
    "iso-8859-15": "iso8859_15", "iso-8859-16": "iso8859_16", "koi8-r": "koi8_r",
    "koi8-u": "koi8_u", "macintosh": "mac_roman", "windows-874": "cp874",
    "windows-1250": "cp1250", "windows-1251": "cp1251", "windows-1252": "cp1252",
    "windows-1253": "cp1253", "windows-1254": "cp1254", "windows-1255": "cp1255",
    "windows-1256": "cp1256", "windows-1257": "cp1257", "windows-1258": "cp1258",
    "x-mac-cyrillic": "mac_cyrillic",
}
# Where workerd (and WHATWG) decode a byte differently from the codec: KOI8-U is the
# KOI8-RU variant; windows-1255 0xCA is HEBREW POINT HOLAM HASER FOR VAV.
SINGLE_BYTE_PATCHES: dict[str, dict[int, int]] = {
    "koi8-u": {0xAE: 0x045E, 0xBE: 0x040E},
    "windows-1255": {0xCA: 0x05BA},
}

# Two-byte pairs workerd decodes differently from the codecs (byte pair -> code point).
GB18030_PATCHES = {0xA3A0: 0x3000, 0xA8BC: 0x1E3F}
GB18030_RANGE_PATCHES = {7457: 0xE7C7}  # four-byte pointer 7457 (0x8135F437)
JIS0212_PATCHES = {0xA2B7: 0xFF5E}
# Shift_JIS 0x875E: ICU consumes the pair as one error although its trail is ASCII.
SHIFT_JIS_CONSUMED_ERRORS = (0x875E,)
# Big5 pairs workerd decodes that Python's big5hkscs (HKSCS-2004) lacks or maps otherwise:
# HKSCS-2008 additions and WHATWG's choices for 11 symbols; (first pointer, code points) runs.
BIG5_PATCHES: tuple[tuple[int, tuple[int, ...]], ...] = (
    (1000, (0x3875, 0x21d53, 0x2369e, 0x26021, 0x3eec, 0x258de, 0x3af5, 0x7afc, 0x9f97, 0x24161,
        0x2890d, 0x231ea, 0x20a8a, 0x2325e, 0x430a, 0x8484, 0x9f96, 0x942f, 0x4930, 0x8613,
        0x5896, 0x974a, 0x9218, 0x79d0, 0x7a32, 0x6660, 0x6a29, 0x889d, 0x744c, 0x7bc5, 0x6782,
        0x7a2c, 0x524f, 0x9046, 0x34e6, 0x73c4, 0x25db9, 0x74c6, 0x9fc7, 0x57b3, 0x492f, 0x544c,
        0x4131, 0x2368e, 0x5818, 0x7a72, 0x27b65, 0x8b8f, 0x46ae, 0x26e88, 0x4181, 0x25d99,
        0x7bae, 0x224bc, 0x9fc8, 0x224c1, 0x224c9, 0x224cc, 0x9fc9, 0x8504, 0x235bb, 0x40b4,
        0x9fca, 0x44e1, 0x2adff, 0x62c1, 0x706e, 0x9fcb,)),
    (2082, (0x7bb8,)),
    (2088, (0x7c06,)),
    (2103, (0x7cce,)),
    (2114, (0x7dd2,)),
    (2123, (0x7e1d,)),
    (2148, (0x8005,)),
    (2151, (0x8028,)),
    (2221, (0x83c1,)),
    (2239, (0x84a8,)),
    (2244, (0x840f,)),
    (2303, (0x89a6, 0x89a9,)),
    (2354, (0x8d77,)),
    (2400, (0x90fd,)),
    (2413, (0x92b9,)),
    (2477, (0x975c,)),
    (2498, (0x97ff,)),
    (2605, (0x9f16,)),
    (2673, (0x8503,)),
    (2746, (0x5159, 0x515b, 0x515d, 0x515e,)),
    (2771, (0x936e,)),
    (2780, (0x7479,)),
    (2990, (0x6d67,)),
    (3087, (0x799b,)),
    (3259, (0x9097,)),
    (3301, (0x975d,)),
    (3436, (0x701e,)),
    (3451, (0x5b28,)),
    (4136, (0x7201,)),
    (4138, (0x77d7,)),
    (4141, (0x7e87,)),
    (4182, (0x99d6,)),
    (4206, (0x91d4,)),
    (4220, (0x60de,)),
    (4230, (0x6fb6,)),
    (4241, (0x8f36,)),
    (4258, (0x4fbb,)),
    (4273, (0x71df,)),
    (4279, (0x9104,)),
    (4282, (0x9df0,)),
    (4294, (0x83cf,)),
    (4329, (0x5c10, 0x79e3,)),
    (4349, (0x5a67,)),
    (4419, (0x8f0b,)),
    (4422, (0x7b51,)),
    (4494, (0x62d0,)),
    (4624, (0x6062,)),
    (4694, (0x75f9,)),
    (4708, (0x6c4a,)),
    (4742, (0x9b2e,)),
    (4748, (0x9f17,)),
    (4815, (0x50ed,)),
    (4828, (0x5f0c,)),
    (4902, (0x880f,)),
    (4922, (0x62ce,)),
    (4982, (0x7468,)),
    (4992, (0x7162,)),
    (4997, (0x7250,)),
    (5029, (0x2027,)),
    (5038, (0xfe51,)),
    (5120, (0xaf,)),
    (5153, (0xff5e,)),
    (5168, (0x2295, 0x2299,)),
    (5182, (0x2215, 0xfe68,)),
    (5185, (0xffe5,)),
    (5187, (0xffe0, 0xffe1,)),
    (5432, (0x2400, 0x2401, 0x2402, 0x2403, 0x2404, 0x2405, 0x2406, 0x2407, 0x2408, 0x2409,
        0x240a, 0x240b, 0x240c, 0x240d, 0x240e, 0x240f, 0x2410, 0x2411, 0x2412, 0x2413, 0x2414,
        0x2415, 0x2416, 0x2417, 0x2418, 0x2419, 0x241a, 0x241b, 0x241c, 0x241d, 0x241e, 0x241f,
        0x2421, 0x20ac,)),
    (10942, (0x5ef4,)),
    (10946, (0x65e0,)),
    (10948, (0x7676,)),
    (10950, (0x96b6,)),
    (10957, (0x3003, 0x4edd,)),
    (19028, (0x5029,)),
    (19035, (0x507d,)),
    (19088, (0x5305,)),
    (19096, (0x5344,)),
    (19112, (0x537f,)),
    (19162, (0x5605,)),
    (19240, (0x5a77,)),
    (19299, (0x5e75,)),
    (19305, (0x5ed0,)),
    (19326, (0x5f58,)),
    (19355, (0x60a4,)),
    (19398, (0x6490,)),
    (19439, (0x6674,)),
    (19454, (0x675e,)),
    (19553, (0x6c9c, 0x6e1d,)),
    (19557, (0x6e2f,)),
    (19611, (0x716e,)),
    (19643, (0x732a,)),
    (19672, (0x745c,)),
    (19697, (0x74e9,)),
    (19748, (0x7809,)),
)

NO_CODE_POINT = 0


def _decode_one(data: bytes, codec: str) -> int:
    """The one code point `data` decodes to with `codec`, or NO_CODE_POINT."""
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return NO_CODE_POINT
    return ord(text) if len(text) == 1 else NO_CODE_POINT


def single_byte_table(name: str) -> list[int]:
    """Code points of bytes 0x80..0xFF (NO_CODE_POINT: an error)."""
    codec = SINGLE_BYTE[name]
    patches = SINGLE_BYTE_PATCHES.get(name, {})
    table = []
    for byte in range(0x80, 0x100):
        cp = patches.get(byte) or _decode_one(bytes([byte]), codec)
        # The windows-* code pages leave some C1 bytes undefined; WHATWG and workerd map
        # them to the C1 control of the same value.
        if cp == NO_CODE_POINT and name.startswith("windows-") and byte <= 0x9F:
            cp = byte
        table.append(cp)
    return table


def gb18030_index() -> list[int]:
    """pointer = (lead - 0x81) * 190 + trail - (0x40 or 0x41)."""
    table = []
    for lead in range(0x81, 0xFF):
        for trail in [*range(0x40, 0x7F), *range(0x80, 0xFF)]:
            pair = lead << 8 | trail
            table.append(GB18030_PATCHES.get(pair) or _decode_one(bytes([lead, trail]), "gb18030"))
    return table


def gb18030_ranges() -> list[int]:
    """Flattened (pointer, code point) pairs where the four-byte mapping starts a new run."""
    flat: list[int] = []
    expected = -1
    for pointer in range(39420):
        b1, rest = divmod(pointer, 12600)
        b2, rest = divmod(rest, 1260)
        b3, b4 = divmod(rest, 10)
        data = bytes([b1 + 0x81, b2 + 0x30, b3 + 0x81, b4 + 0x30])
        cp = GB18030_RANGE_PATCHES.get(pointer) or _decode_one(data, "gb18030")
        if cp != expected:
            flat += [pointer, cp]
        expected = cp + 1
    return flat


def big5_index() -> list[int]:
    """pointer = (lead - 0x81) * 157 + trail - (0x40 or 0x62); only single code points."""
    table = []
    for lead in range(0x81, 0xFF):
        for trail in [*range(0x40, 0x7F), *range(0xA1, 0xFF)]:
            table.append(_decode_one(bytes([lead, trail]), "big5hkscs"))
    for first, cps in BIG5_PATCHES:
        table[first:first + len(cps)] = cps
    return table


def jis0208_index() -> list[int]:
    """pointer = row * 188 + cell, in Shift_JIS byte order (Windows-31J's table)."""
    table = []
    for pointer in range(94 * 120):
        row, cell = divmod(pointer, 188)
        lead = row + (0x81 if row < 0x1F else 0xC1)
        trail = cell + (0x40 if cell < 0x3F else 0x41)
        # cp932 maps the user-defined rows (leads 0xF0..0xF9) to private use; the decoder
        # does that itself, for the rows workerd maps (0xF0..0xF8).
        user_defined = 8836 <= pointer < 10716
        table.append(NO_CODE_POINT if user_defined else _decode_one(bytes([lead, trail]), "cp932"))
    for pair in SHIFT_JIS_CONSUMED_ERRORS:
        lead, trail = pair >> 8, pair & 0xFF
        table[(lead - 0x81) * 188 + trail - 0x40] = 0xFFFD
    return table


def jis0212_index() -> list[int]:
    """pointer = (lead - 0xA1) * 94 + trail - 0xA1 of the EUC-JP sequence 0x8F lead trail."""
    table = []
    for lead in range(0xA1, 0xFF):
        for trail in range(0xA1, 0xFF):
            table.append(JIS0212_PATCHES.get(lead << 8 | trail)
                         or _decode_one(bytes([0x8F, lead, trail]), "euc_jp"))
    return table


def euc_kr_index() -> list[int]:
    """pointer = (lead - 0x81) * 190 + trail - 0x41 (Windows-949, the WHATWG EUC-KR)."""
    table = []
    for lead in range(0x81, 0xFF):
        for trail in range(0x41, 0xFF):
            table.append(_decode_one(bytes([lead, trail]), "cp949"))
    return table


def _varint(value: int) -> str:
    digits = []
    while True:
        digits.append(value & 31)
        value >>= 5
        if not value:
            break
    ordered = digits[::-1]
    return "".join(ALPHABET[d + 32] for d in ordered[:-1]) + ALPHABET[ordered[-1]]


def pack(table: Sequence[int]) -> str:
    """The packed text of an index (see the module docstring)."""
    out: list[str] = []
    previous = 0
    i = 0
    n = len(table)
    while i < n:
        if table[i] == NO_CODE_POINT:
            j = i
            while j < n and table[j] == NO_CODE_POINT:
                j += 1
            out += [_varint(0), _varint(j - i)]
            i = j
            continue
        j = i
        run_from = previous
        while j < n and table[j] != NO_CODE_POINT and table[j] == run_from + 1:
            run_from = table[j]
            j += 1
        if j - i >= 2:
            out += [_varint(1), _varint(j - i)]
            previous = table[j - 1]
            i = j
            continue
        delta = table[i] - previous
        out.append(_varint((delta << 1 if delta >= 0 else (-delta << 1) - 1) + 2))
        previous = table[i]
        i += 1
    return "".join(out)


def _js_string(text: str) -> str:
    return '"' + text + '"'  # the alphabet needs no escaping


def _entries(items: Iterable[tuple[str, str]]) -> str:
    return ",\n".join(f"  {_js_string(k)}: {v}" for k, v in items)


# The multi-byte indexes by the name 11_encoding_legacy.js asks for.
MULTI_INDEXES: dict[str, Callable[[], list[int]]] = {
    "gb18030": gb18030_index, "gb18030-ranges": gb18030_ranges, "big5": big5_index,
    "jis0208": jis0208_index, "jis0212": jis0212_index, "euc-kr": euc_kr_index,
}


@cache
def tables_source() -> str:
    """The body of the generated runtime file (TABLES_FILE)."""
    labels = {label: name for name, names in LABELS.items() for label in names}
    return (
        "// Generated by pyworkerd/runtime/encoding_tables.py from Python's codecs.\n"
        "internals.encodingTables = {\n"
        "labels: { __proto__: null,\n"
        + _entries((label, _js_string(name)) for label, name in sorted(labels.items()))
        + "\n},\nsingle: { __proto__: null,\n"
        + _entries((name, _js_string(pack(single_byte_table(name)))) for name in SINGLE_BYTE)
        + "\n},\n};\n"
    )
