// TextDecoder's legacy encodings: every single-byte one, x-user-defined, and the multi-byte
// gb18030/gbk, big5, euc-jp, iso-2022-jp, shift_jis and euc-kr.
// https://encoding.spec.whatwg.org/#legacy-single-byte-encodings
//
// workerd decodes these with ICU, which differs from the Encoding Standard in a few error
// cases; the decoders follow workerd (checked against it on every one- and two-byte
// input): gb18030 rejects a lone 0x80, big5 leads start at 0x87, Shift_JIS user-defined
// characters stop at lead 0xF8 (the standard's run to 0xF9), and an invalid trail byte that can itself start a
// character is decoded again instead of being swallowed.
//
// The tables are generated from Python's codecs (pyworkerd/runtime/encoding_tables.py).
// The single-byte ones are in 09_encoding_tables.js; each multi-byte index is fetched from
// the host (the "encoding.table" sync op, pyworkerd/runtime/encoding.py) and unpacked the
// first time a decoder needs it, so an isolate that never decodes e.g. Shift_JIS neither
// carries nor builds its table. The fetch is allowed at a worker's top level (pure data).
//
//   internals.newLegacyDecoder(name) -> { decode(bytes, flush, fatal) -> string | null, reset() }

const {
  ObjectFreeze,
  Uint8Array,
  StringPrototypeCharCodeAt,
  Uint16Array,
  Uint32Array,
} = internals.primordials;
const tables = internals.encodingTables;

// ---------------------------------------------------------------------------------------
// Packed tables (see pyworkerd/runtime/encoding_tables.py for the format).

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const digitOf = new Uint8Array(128);
for (let i = 0; i < 64; i++) digitOf[StringPrototypeCharCodeAt(ALPHABET, i)] = i;

function unpackIndex(text, out) {
  const n = text.length;
  let i = 0, p = 0, prev = 0;
  const next = () => {
    let v = 0;
    for (;;) {
      const d = digitOf[StringPrototypeCharCodeAt(text, i++)];
      if (d < 32) return v * 32 + d;
      v = v * 32 + d - 32;
    }
  };
  while (i < n) {
    const op = next();
    if (op === 0) {
      p += next();
    } else if (op === 1) {
      for (let k = next(); k > 0; k--) out[p++] = ++prev;
    } else {
      const z = op - 2;
      prev += (z & 1) === 0 ? z / 2 : -(z + 1) / 2;
      out[p++] = prev;
    }
  }
  return out;
}

const unpacked = { __proto__: null };
const PURE_DATA = ObjectFreeze({ pureData: true });
/** The multi-byte index `name`, fetched and unpacked once per isolate (0 = no code point). */
function multiIndex(name) {
  let index = unpacked[name];
  if (index === undefined) {
    const entry = internals.host.callSync("encoding.table", name, PURE_DATA); // [length, packed]
    const out = name === "big5" ? new Uint32Array(entry[0]) : new Uint16Array(entry[0]);
    index = unpackIndex(entry[1], out);
    unpacked[name] = index;
  }
  return index;
}

// ---------------------------------------------------------------------------------------
// Single-byte encodings: bytes 0x80..0xFF through a 128-entry table (0 = error).

function singleByteDecoder(name) {
  let table = null;
  return {
    decode(bytes, flush, fatal) {
      if (table === null) {
        table = name === "x-user-defined"
          ? xUserDefined()
          : unpackIndex(tables.single[name], new Uint16Array(128));
      }
      const len = bytes.length;
      const units = new Uint16Array(len);
      for (let i = 0; i < len; i++) {
        const b = bytes[i];
        if (b < 0x80) {
          units[i] = b;
        } else {
          const cp = table[b - 0x80];
          if (cp === 0) {
            if (fatal) return null;
            units[i] = 0xfffd;
          } else {
            units[i] = cp;
          }
        }
      }
      return internals.unitsToString(units, 0, len);
    },
    reset() {},
  };
}

function xUserDefined() {
  const table = new Uint16Array(128);
  for (let i = 0; i < 128; i++) table[i] = 0xf780 + i;
  return table;
}

// ---------------------------------------------------------------------------------------
// Multi-byte encodings: the Encoding Standard's decoders, one byte at a time. A handler
// gets a byte (or EOF) and returns a code point, CONTINUE, ERROR or FINISHED; it may put
// bytes back in front of the input with restore().

const EOF = -1;
const CONTINUE = -2;
const ERROR = -3;
const FINISHED = -4;

class MultiByteDecoder {
  constructor(handler) {
    this.handler = handler;
    this.queue = []; // bytes put back, read before the input
    this.queued = 0;
    this.extra = 0; // a second code point to emit (big5's four two-code-point pointers)
    this.reset();
  }

  reset() {
    this.queued = 0;
    this.s0 = 0;
    this.s1 = 0;
    this.s2 = 0;
    this.flag = false;
    this.state = 0;
    this.outputState = 0;
  }

  /** The end of the input in a lead-byte decoder: finished, or an error for the bytes
   *  still pending (s0..s2), which are dropped. */
  endOfInput() {
    if (this.s0 === 0 && this.s1 === 0 && this.s2 === 0) return FINISHED;
    this.s0 = this.s1 = this.s2 = 0;
    this.flag = false;
    return ERROR;
  }

  /** Put bytes back in front of whatever is still queued, first argument first. */
  restore(a, b = -1, c = -1) {
    const q = this.queue;
    const k = c >= 0 ? 3 : b >= 0 ? 2 : 1;
    for (let i = this.queued - 1; i >= 0; i--) q[i + k] = q[i];
    q[0] = a;
    if (k > 1) q[1] = b;
    if (k > 2) q[2] = c;
    this.queued += k;
  }

  decode(bytes, flush, fatal) {
    const out = [];
    let n = 0;
    let i = 0;
    const len = bytes.length;
    const q = this.queue;
    for (;;) {
      let b;
      if (this.queued > 0) {
        b = q[0];
        for (let j = 1; j < this.queued; j++) q[j - 1] = q[j];
        this.queued--;
      } else if (i < len) {
        b = bytes[i++];
      } else if (flush) {
        b = EOF;
      } else {
        break;
      }
      let cp = this.handler(this, b);
      if (cp === FINISHED) break;
      if (cp === CONTINUE) continue;
      if (cp === ERROR) {
        if (fatal) {
          this.reset();
          return null;
        }
        cp = 0xfffd;
      }
      if (cp > 0xffff) {
        cp -= 0x10000;
        out[n++] = 0xd800 + (cp >> 10);
        out[n++] = 0xdc00 + (cp & 0x3ff);
      } else {
        out[n++] = cp;
      }
      if (this.extra !== 0) {
        out[n++] = this.extra;
        this.extra = 0;
      }
    }
    if (flush) this.reset();
    return internals.unitsToString(out, 0, n);
  }
}

// https://encoding.spec.whatwg.org/#gb18030-decoder (s0, s1, s2: first, second, third)
function gb18030RangesCodePoint(pointer) {
  if ((pointer > 39419 && pointer < 189000) || pointer > 1237575) return ERROR;
  if (pointer >= 189000) return 0x10000 + pointer - 189000;
  const ranges = multiIndex("gb18030-ranges"); // flattened [pointer, code point] pairs
  let lo = 0, hi = (ranges.length >> 1) - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ranges[mid * 2] <= pointer) lo = mid;
    else hi = mid - 1;
  }
  return ranges[lo * 2 + 1] + pointer - ranges[lo * 2];
}

function gb18030Handler(d, b) {
  if (b === EOF) return d.endOfInput();
  if (d.s2 !== 0) {
    if (b < 0x30 || b > 0x39) {
      d.restore(d.s1, d.s2, b);
      d.s0 = d.s1 = d.s2 = 0;
      return ERROR;
    }
    const pointer = (((d.s0 - 0x81) * 10 + d.s1 - 0x30) * 126 + d.s2 - 0x81) * 10 + b - 0x30;
    d.s0 = d.s1 = d.s2 = 0;
    return gb18030RangesCodePoint(pointer);
  }
  if (d.s1 !== 0) {
    if (b >= 0x81 && b <= 0xfe) {
      d.s2 = b;
      return CONTINUE;
    }
    d.restore(d.s1, b);
    d.s0 = d.s1 = 0;
    return ERROR;
  }
  if (d.s0 !== 0) {
    if (b >= 0x30 && b <= 0x39) {
      d.s1 = b;
      return CONTINUE;
    }
    const lead = d.s0;
    d.s0 = 0;
    if ((b >= 0x40 && b <= 0x7e) || (b >= 0x80 && b <= 0xfe)) {
      const cp = multiIndex("gb18030")[(lead - 0x81) * 190 + b - (b < 0x7f ? 0x40 : 0x41)];
      if (cp !== 0) return cp;
    }
    if (b < 0x80) d.restore(b);
    return ERROR;
  }
  if (b < 0x80) return b;
  if (b === 0x80 || b === 0xff) return ERROR; // ICU: 0x80 is not U+20AC
  d.s0 = b;
  return CONTINUE;
}

// https://encoding.spec.whatwg.org/#big5-decoder (s0: lead)
const BIG5_PAIRS = { 1133: [0x00ca, 0x0304], 1135: [0x00ca, 0x030c], 1164: [0x00ea, 0x0304],
  1166: [0x00ea, 0x030c], __proto__: null };

function big5Handler(d, b) {
  if (b === EOF) return d.endOfInput();
  if (d.s0 !== 0) {
    const lead = d.s0;
    d.s0 = 0;
    if ((b >= 0x40 && b <= 0x7e) || (b >= 0xa1 && b <= 0xfe)) {
      const pointer = (lead - 0x81) * 157 + b - (b < 0x7f ? 0x40 : 0x62);
      const pair = BIG5_PAIRS[pointer];
      if (pair !== undefined) {
        d.extra = pair[1];
        return pair[0];
      }
      const cp = multiIndex("big5")[pointer];
      if (cp !== 0) return cp;
    }
    // ICU decodes again a byte that is not a trail byte but may start a character.
    if (b < 0x80 || (b >= 0x87 && b <= 0xa0)) d.restore(b);
    return ERROR;
  }
  if (b < 0x80) return b;
  if (b >= 0x87 && b <= 0xfe) {
    d.s0 = b;
    return CONTINUE;
  }
  return ERROR;
}

// https://encoding.spec.whatwg.org/#euc-jp-decoder (s0: lead, flag: jis0212)
function eucJpHandler(d, b) {
  if (b === EOF) return d.endOfInput();
  const lead = d.s0;
  if (lead === 0x8e && b >= 0xa1 && b <= 0xdf) {
    d.s0 = 0;
    return 0xff61 - 0xa1 + b;
  }
  if (lead === 0x8f && b >= 0xa1 && b <= 0xfe) {
    d.flag = true;
    d.s0 = b;
    return CONTINUE;
  }
  if (lead !== 0) {
    d.s0 = 0;
    const jis0212 = d.flag;
    d.flag = false;
    if (lead >= 0xa1 && lead <= 0xfe && b >= 0xa1 && b <= 0xfe) {
      const cp = multiIndex(jis0212 ? "jis0212" : "jis0208")[(lead - 0xa1) * 94 + b - 0xa1];
      if (cp !== 0 && cp !== 0xfffd) return cp;
      return ERROR;
    }
    if (jis0212) {
      // ICU: only 0x8F is in error; the lead after it starts over.
      d.restore(lead, b);
    } else if (b < 0x80 || b === 0x8e || b === 0x8f || (lead === 0x8e && b >= 0xe0 && b <= 0xfe)) {
      d.restore(b);
    }
    return ERROR;
  }
  if (b < 0x80) return b;
  if (b === 0x8e || b === 0x8f || (b >= 0xa1 && b <= 0xfe)) {
    d.s0 = b;
    return CONTINUE;
  }
  return ERROR;
}

// https://encoding.spec.whatwg.org/#shift_jis-decoder (s0: lead)
function shiftJisHandler(d, b) {
  if (b === EOF) return d.endOfInput();
  if (d.s0 !== 0) {
    const lead = d.s0;
    d.s0 = 0;
    if ((b >= 0x40 && b <= 0x7e) || (b >= 0x80 && b <= 0xfc)) {
      const pointer = (lead - (lead < 0xa0 ? 0x81 : 0xc1)) * 188 + b - (b < 0x7f ? 0x40 : 0x41);
      // User-defined characters (ICU: leads 0xF0..0xF8; the standard adds 0xF9).
      if (pointer >= 8836 && pointer < 10528) return 0xe000 - 8836 + pointer;
      const cp = multiIndex("jis0208")[pointer];
      if (cp === 0xfffd) return ERROR;
      if (cp !== 0) return cp;
    }
    if (b < 0x80) d.restore(b);
    return ERROR;
  }
  if (b <= 0x80) return b;
  if (b >= 0xa1 && b <= 0xdf) return 0xff61 - 0xa1 + b;
  if ((b >= 0x81 && b <= 0x9f) || (b >= 0xe0 && b <= 0xfc)) {
    d.s0 = b;
    return CONTINUE;
  }
  return ERROR;
}

// https://encoding.spec.whatwg.org/#euc-kr-decoder (s0: lead)
function eucKrHandler(d, b) {
  if (b === EOF) return d.endOfInput();
  if (d.s0 !== 0) {
    const lead = d.s0;
    d.s0 = 0;
    if (b >= 0x41 && b <= 0xfe) {
      const cp = multiIndex("euc-kr")[(lead - 0x81) * 190 + b - 0x41];
      if (cp !== 0) return cp;
    }
    if (b < 0x80) d.restore(b);
    return ERROR;
  }
  if (b < 0x80) return b;
  if (b >= 0x81 && b <= 0xfe) {
    d.s0 = b;
    return CONTINUE;
  }
  return ERROR;
}

// https://encoding.spec.whatwg.org/#iso-2022-jp-decoder
// state / outputState: one of the constants below; s0: lead; flag: output.
const ASCII = 0, ROMAN = 1, KATAKANA = 2, LEAD_BYTE = 3, TRAIL_BYTE = 4, ESCAPE_START = 5,
  ESCAPE = 6;

function iso2022JpHandler(d, b) {
  switch (d.state) {
    case ASCII:
    case ROMAN:
    case KATAKANA:
    case LEAD_BYTE: {
      if (b === 0x1b) {
        d.state = ESCAPE_START;
        return CONTINUE;
      }
      if (b === EOF) return FINISHED;
      const state = d.state;
      d.flag = false;
      if (state === ASCII || state === ROMAN) {
        if (b <= 0x7f && b !== 0x0e && b !== 0x0f) {
          if (state === ROMAN && b === 0x5c) return 0xa5;
          if (state === ROMAN && b === 0x7e) return 0x203e;
          return b;
        }
        return ERROR;
      }
      if (state === KATAKANA) return b >= 0x21 && b <= 0x5f ? 0xff61 - 0x21 + b : ERROR;
      if (b >= 0x21 && b <= 0x7e) {
        d.s0 = b;
        d.state = TRAIL_BYTE;
        return CONTINUE;
      }
      return ERROR;
    }
    case TRAIL_BYTE: {
      if (b === 0x1b) {
        d.state = ESCAPE_START;
        return ERROR;
      }
      d.state = LEAD_BYTE;
      if (b === EOF) return ERROR; // the end is read again in the lead byte state
      if (b >= 0x21 && b <= 0x7e) {
        const cp = multiIndex("jis0208")[(d.s0 - 0x21) * 94 + b - 0x21];
        return cp === 0 || cp === 0xfffd ? ERROR : cp;
      }
      return ERROR;
    }
    case ESCAPE_START: {
      if (b === 0x24 || b === 0x28) {
        d.s0 = b;
        d.state = ESCAPE;
        return CONTINUE;
      }
      if (b !== EOF) d.restore(b);
      d.flag = false;
      d.state = d.outputState;
      return ERROR;
    }
    default: {
      const lead = d.s0;
      d.s0 = 0;
      let state = -1;
      if (lead === 0x28 && b === 0x42) state = ASCII;
      else if (lead === 0x28 && b === 0x4a) state = ROMAN;
      else if (lead === 0x28 && b === 0x49) state = KATAKANA;
      else if (lead === 0x24 && (b === 0x40 || b === 0x42)) state = LEAD_BYTE;
      if (state !== -1) {
        d.state = d.outputState = state;
        const output = d.flag;
        d.flag = true;
        return output ? ERROR : CONTINUE;
      }
      if (b === EOF) d.restore(lead);
      else d.restore(lead, b);
      d.flag = false;
      d.state = d.outputState;
      return ERROR;
    }
  }
}

const HANDLERS = {
  __proto__: null,
  "gbk": gb18030Handler,
  "gb18030": gb18030Handler,
  "big5": big5Handler,
  "euc-jp": eucJpHandler,
  "iso-2022-jp": iso2022JpHandler,
  "shift_jis": shiftJisHandler,
  "euc-kr": eucKrHandler,
};
ObjectFreeze(HANDLERS);

internals.newLegacyDecoder = (name) => {
  const handler = HANDLERS[name];
  return handler === undefined ? singleByteDecoder(name) : new MultiByteDecoder(handler);
};
