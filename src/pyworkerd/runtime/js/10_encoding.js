// Encoding Standard: TextEncoder, TextDecoder, TextEncoderStream, TextDecoderStream, and
// HTML's atob/btoa. TextDecoder decodes UTF-8 and UTF-16LE/BE here, and every other
// encoding workerd accepts through 11_encoding_legacy.js (labels: 09_encoding_tables.js).
// https://encoding.spec.whatwg.org/  https://html.spec.whatwg.org/#atob
//
// Also the byte <-> string helpers every other part of the runtime uses for bodies, headers
// and URLs. They are hot paths (every request and response body), written for V8's
// optimizing compiler: typed-array loops with an ASCII fast path, strings built from
// code-unit chunks with String.fromCharCode.apply, never one character at a time.
//
//   internals.utf8Encode(string) -> Uint8Array                 (lone surrogates -> U+FFFD)
//   internals.utf8EncodeInto(string, Uint8Array, offset = 0) -> { read, written }
//   internals.utf8Length(string) -> number                      (bytes utf8Encode would give)
//   internals.utf8Decode(bytes, start = 0, end = bytes.length) -> string
//                                                   (lossy, U+FFFD; a leading BOM is kept)
//   internals.utf8DecodeStripBOM(bytes) -> string   (Encoding's "UTF-8 decode": body.text())
//   internals.utf8DecodeFatal(bytes) -> string | null (null on malformed input)
//   internals.latin1Decode(bytes, start = 0, end = bytes.length) -> string (byte b -> U+00bb)
//   internals.latin1Encode(string) -> Uint8Array    (low 8 bits of each code unit)
//   internals.isAscii(bytes) -> boolean
//   internals.base64Encode(bytes) -> string, internals.base64Decode(string) -> Uint8Array | null
//                                                   (forgiving-base64; null on failure)

const {
  ArrayBufferIsView,
  ObjectDefineProperty,
  MathMin,
  RegExpPrototypeExec,
  String,
  StringFromCharCode,
  StringPrototypeCharCodeAt,
  StringPrototypeIsWellFormed,
  StringPrototypeReplace,
  StringPrototypeSlice,
  StringPrototypeToLowerCase,
  StringPrototypeToWellFormed,
  RangeError,
  ReflectGetOwnPropertyDescriptor,
  TypeError,
  TypedArrayPrototypeSet,
  TypedArrayPrototypeSubarray,
  TypedArrayPrototypeSlice,
  Uint8Array,
  Uint8ArrayFromBase64,
  Uint8ArrayPrototypeToBase64,
  Uint16Array,
  uncurryThis,
} = internals.primordials;
const { webidl, DOMException } = internals;

// Strings are built CHUNK code units at a time with String.fromCharCode.apply. V8's apply
// is about twice as fast on a packed array of small integers as on a typed array, so code
// units are staged in `stage`, a plain array reused by every call (JS is single-threaded and
// no user code runs while a string is being built, so nothing can observe or reenter it).
const FunctionPrototypeApply = uncurryThis(Function.prototype.apply);
const CHUNK = 8192;
const stage = [];
for (let i = 0; i < CHUNK; i++) stage[i] = 0;

// A partial chunk goes through a Uint16Array view instead (slicing the plain array is far
// slower). Its own `constructor` is undefined so `subarray` cannot be redirected through
// a species constructor a worker installs.
const stage16 = new Uint16Array(CHUNK);
ObjectDefineProperty(stage16, "constructor", { value: undefined });

/** String.fromCharCode(...stage[0..n)). */
function stageToString(n) {
  if (n === CHUNK) return FunctionPrototypeApply(StringFromCharCode, null, stage);
  for (let i = 0; i < n; i++) stage16[i] = stage[i];
  return FunctionPrototypeApply(
    StringFromCharCode, null, TypedArrayPrototypeSubarray(stage16, 0, n),
  );
}

/** The string whose code units are `units[start..end)` (a Uint8Array or Uint16Array). */
function unitsToString(units, start, end) {
  let result = "";
  while (end - start >= CHUNK) {
    for (let i = 0; i < CHUNK; i++) stage[i] = units[start + i];
    result += FunctionPrototypeApply(StringFromCharCode, null, stage);
    start += CHUNK;
  }
  if (start < end) {
    const n = end - start;
    for (let i = 0; i < n; i++) stage16[i] = units[start + i];
    result += FunctionPrototypeApply(
      StringFromCharCode, null, TypedArrayPrototypeSubarray(stage16, 0, n),
    );
  }
  return result;
}

// ---------------------------------------------------------------------------------------
// UTF-8 encode — https://encoding.spec.whatwg.org/#utf-8-encoder
//
// Reading code units is the bottleneck. V8 inlines `s.charCodeAt(i)` when it is the
// builtin, and that is about twice as fast as the uncurried primordial. So the loops use
// the method directly when String.prototype.charCodeAt is still the original (checked
// once per call: no user code runs inside the loops) and the primordial otherwise.

const StringPrototype = String.prototype;
const originalCharCodeAt = StringPrototype.charCodeAt;
function charCodeAtIsNative(s) {
  // Short strings are not worth the descriptor lookup.
  if (s.length < 64) return false;
  const desc = ReflectGetOwnPropertyDescriptor(StringPrototype, "charCodeAt");
  return desc !== undefined && desc.value === originalCharCodeAt;
}

/** Number of UTF-8 bytes for s[from..]; a lone surrogate counts as U+FFFD (3 bytes). */
function utf8LengthFrom(s, from, native) {
  const len = s.length;
  let n = 0;
  for (let i = from; i < len; i++) {
    const c = native ? s.charCodeAt(i) : StringPrototypeCharCodeAt(s, i);
    if (c < 0x80) {
      n += 1;
    } else if (c < 0x800) {
      n += 2;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < len) {
      const d = native ? s.charCodeAt(i + 1) : StringPrototypeCharCodeAt(s, i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    } else {
      n += 3;
    }
  }
  return n;
}

function utf8Length(s) {
  return utf8LengthFrom(s, 0, charCodeAtIsNative(s));
}

/**
 * Encode s[i..] into out[pos..], stopping before a code point that does not fit in `cap`
 * bytes. Returns the number of code units read; `encoded.written` gets the end position.
 */
const encoded = { read: 0, written: 0 };
function encodeFrom(s, i, out, pos, cap, native) {
  const len = s.length;
  // ASCII run first: one compare per unit.
  const asciiEnd = MathMin(len, i + cap - pos);
  for (; i < asciiEnd; i++) {
    const c = native ? s.charCodeAt(i) : StringPrototypeCharCodeAt(s, i);
    if (c >= 0x80) break;
    out[pos++] = c;
  }
  for (; i < len; i++) {
    let c = native ? s.charCodeAt(i) : StringPrototypeCharCodeAt(s, i);
    if (c < 0x80) {
      if (pos >= cap) break;
      out[pos++] = c;
    } else if (c < 0x800) {
      if (pos + 2 > cap) break;
      out[pos++] = 0xc0 | (c >> 6);
      out[pos++] = 0x80 | (c & 0x3f);
    } else if (c < 0xd800 || c > 0xdfff) {
      if (pos + 3 > cap) break;
      out[pos++] = 0xe0 | (c >> 12);
      out[pos++] = 0x80 | ((c >> 6) & 0x3f);
      out[pos++] = 0x80 | (c & 0x3f);
    } else {
      if (c <= 0xdbff && i + 1 < len) {
        const d = native ? s.charCodeAt(i + 1) : StringPrototypeCharCodeAt(s, i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          if (pos + 4 > cap) break;
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          out[pos++] = 0xf0 | (c >> 18);
          out[pos++] = 0x80 | ((c >> 12) & 0x3f);
          out[pos++] = 0x80 | ((c >> 6) & 0x3f);
          out[pos++] = 0x80 | (c & 0x3f);
          i++;
          continue;
        }
      }
      // Lone surrogate: U+FFFD.
      if (pos + 3 > cap) break;
      out[pos++] = 0xef;
      out[pos++] = 0xbf;
      out[pos++] = 0xbd;
    }
  }
  encoded.written = pos;
  return i;
}

const MAX_WORST_CASE_UNITS = 4 * 1024 * 1024;

/** UTF-8 bytes of `s` (as a USVString: lone surrogates become U+FFFD). */
function utf8Encode(s) {
  const native = charCodeAtIsNative(s);
  const len = s.length;
  // Optimistic: an ASCII string fills an exactly sized buffer in one pass.
  const out = new Uint8Array(len);
  let i = 0;
  if (native) {
    for (; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      out[i] = c;
    }
  } else {
    for (; i < len; i++) {
      const c = StringPrototypeCharCodeAt(s, i);
      if (c >= 0x80) break;
      out[i] = c;
    }
  }
  if (i === len) return out;
  // Non-ASCII: encode into a worst-case buffer (3 bytes per remaining code unit) and copy
  // out the used part; zeroing and copying memory is far cheaper than a second pass over
  // the string. Huge strings measure first instead, to bound the temporary memory.
  const rest = len - i;
  let res, total;
  if (rest <= MAX_WORST_CASE_UNITS) {
    total = i + rest * 3;
  } else {
    total = i + utf8LengthFrom(s, i, native);
  }
  res = new Uint8Array(total);
  if (i > 0) TypedArrayPrototypeSet(res, TypedArrayPrototypeSubarray(out, 0, i));
  encodeFrom(s, i, res, i, total, native);
  const written = encoded.written;
  return written === total ? res : TypedArrayPrototypeSlice(res, 0, written);
}

/**
 * Encode as much of `s` as fits in dest[offset..], never splitting a code point.
 * https://encoding.spec.whatwg.org/#dom-textencoder-encodeinto
 */
function utf8EncodeInto(s, dest, offset = 0) {
  const read = encodeFrom(s, 0, dest, offset, dest.length, charCodeAtIsNative(s));
  return { read, written: encoded.written - offset };
}

// ---------------------------------------------------------------------------------------
// UTF-8 decode — https://encoding.spec.whatwg.org/#utf-8-decoder
//
// The decoder is the spec's state machine (code point, bytes needed, bytes seen, lower and
// upper boundary); the state lives in a small object between calls when streaming. Code
// units are staged in `stage` and turned into a string CHUNK units at a time; runs of ASCII
// bytes are copied by a tight inner loop.

const FFFD = 0xfffd;
const FLUSH_AT = CHUNK - 2; // room for a surrogate pair

function newUtf8State() {
  return { cp: 0, needed: 0, seen: 0, lower: 0x80, upper: 0xbf };
}

/**
 * Decode bytes[start..end). `state` carries an incomplete sequence across calls (null: a
 * one-shot decode). If `flush`, an incomplete trailing sequence becomes U+FFFD. With
 * `fatal`, returns null at the first error instead of inserting U+FFFD.
 */
function utf8DecodeCore(bytes, start, end, state, flush, fatal) {
  let cp = 0, needed = 0, seen = 0, lower = 0x80, upper = 0xbf;
  if (state !== null) {
    cp = state.cp; needed = state.needed; seen = state.seen;
    lower = state.lower; upper = state.upper;
  }
  let result = "";
  let n = 0; // code units staged
  let i = start;
  while (i < end) {
    if (needed === 0) {
      // ASCII run: find its end with a tight scan, then copy it in one go.
      let j = i;
      while (j < end && bytes[j] < 0x80) j++;
      if (j - i >= 64) {
        if (n > 0) {
          result += stageToString(n);
          n = 0;
        }
        result += unitsToString(bytes, i, j);
        i = j;
      } else if (j > i) {
        if (n + (j - i) > FLUSH_AT) {
          result += stageToString(n);
          n = 0;
        }
        for (; i < j; i++) stage[n++] = bytes[i];
      }
      if (i === end) break;
      const b = bytes[i++];
      // Fast path: a complete, valid 2-, 3- or 4-byte sequence (the common case).
      if (b >= 0xc2 && b <= 0xdf) {
        if (i < end) {
          const b1 = bytes[i];
          if ((b1 & 0xc0) === 0x80) {
            stage[n++] = ((b & 0x1f) << 6) | (b1 & 0x3f);
            i++;
            if (n >= FLUSH_AT) {
              result += stageToString(n);
              n = 0;
            }
            continue;
          }
        }
        needed = 1;
        cp = b & 0x1f;
      } else if (b >= 0xe0 && b <= 0xef) {
        if (b === 0xe0) lower = 0xa0;
        else if (b === 0xed) upper = 0x9f;
        if (i + 1 < end) {
          const b1 = bytes[i];
          const b2 = bytes[i + 1];
          if (b1 >= lower && b1 <= upper && (b2 & 0xc0) === 0x80) {
            stage[n++] = ((b & 0xf) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f);
            i += 2;
            lower = 0x80;
            upper = 0xbf;
            if (n >= FLUSH_AT) {
              result += stageToString(n);
              n = 0;
            }
            continue;
          }
        }
        needed = 2;
        cp = b & 0xf;
      } else if (b >= 0xf0 && b <= 0xf4) {
        if (b === 0xf0) lower = 0x90;
        else if (b === 0xf4) upper = 0x8f;
        if (i + 2 < end) {
          const b1 = bytes[i];
          const b2 = bytes[i + 1];
          const b3 = bytes[i + 2];
          if (b1 >= lower && b1 <= upper && (b2 & 0xc0) === 0x80 && (b3 & 0xc0) === 0x80) {
            const c = (((b & 0x7) << 18) | ((b1 & 0x3f) << 12) | ((b2 & 0x3f) << 6) |
              (b3 & 0x3f)) - 0x10000;
            stage[n++] = 0xd800 | (c >> 10);
            stage[n++] = 0xdc00 | (c & 0x3ff);
            i += 3;
            lower = 0x80;
            upper = 0xbf;
            if (n >= FLUSH_AT) {
              result += stageToString(n);
              n = 0;
            }
            continue;
          }
        }
        needed = 3;
        cp = b & 0x7;
      } else {
        if (fatal) return null;
        stage[n++] = FFFD;
      }
    } else {
      const b = bytes[i];
      if (b < lower || b > upper) {
        // Error: the byte is reprocessed as the start of a new sequence (no i++).
        cp = needed = seen = 0;
        lower = 0x80;
        upper = 0xbf;
        if (fatal) return null;
        stage[n++] = FFFD;
      } else {
        i++;
        lower = 0x80;
        upper = 0xbf;
        cp = (cp << 6) | (b & 0x3f);
        if (++seen === needed) {
          if (cp > 0xffff) {
            cp -= 0x10000;
            stage[n++] = 0xd800 | (cp >> 10);
            stage[n++] = 0xdc00 | (cp & 0x3ff);
          } else {
            stage[n++] = cp;
          }
          cp = needed = seen = 0;
        }
      }
    }
    if (n >= FLUSH_AT) {
      result += stageToString(n);
      n = 0;
    }
  }
  if (needed !== 0 && flush) {
    cp = needed = seen = 0;
    lower = 0x80;
    upper = 0xbf;
    if (fatal) return null;
    stage[n++] = FFFD;
  }
  if (n > 0) result += stageToString(n);
  if (state !== null) {
    state.cp = cp; state.needed = needed; state.seen = seen;
    state.lower = lower; state.upper = upper;
  }
  return result;
}

/** Lossy UTF-8 decode of bytes[start..end) (a BOM is kept: "UTF-8 decode without BOM"). */
function utf8Decode(bytes, start = 0, end = bytes.length) {
  return utf8DecodeCore(bytes, start, end, null, true, false);
}

/** Encoding's "UTF-8 decode": a leading BOM is removed (Body.text(), JSON). */
function utf8DecodeStripBOM(bytes) {
  let start = 0;
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    start = 3;
  }
  return utf8DecodeCore(bytes, start, bytes.length, null, true, false);
}

/** Strict UTF-8 decode (no BOM handling); null if the bytes are not valid UTF-8. */
function utf8DecodeFatal(bytes) {
  return utf8DecodeCore(bytes, 0, bytes.length, null, true, true);
}

// ---------------------------------------------------------------------------------------
// Latin-1 ("isomorphic") helpers

function isAscii(bytes) {
  const len = bytes.length;
  for (let i = 0; i < len; i++) {
    if (bytes[i] >= 0x80) return false;
  }
  return true;
}

/** Isomorphic decode: byte b becomes code unit b. */
function latin1Decode(bytes, start = 0, end = bytes.length) {
  return unitsToString(bytes, start, end);
}

/** Isomorphic encode: each code unit's low 8 bits (callers ensure all are <= 0xFF). */
function latin1Encode(s) {
  const len = s.length;
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = StringPrototypeCharCodeAt(s, i);
  return out;
}

// ---------------------------------------------------------------------------------------
// UTF-16LE/BE

/**
 * UTF-16 decode of bytes (already joined with any byte held back from the previous call).
 * Returns [string, heldBytes]; a trailing odd byte or lead surrogate is held back when
 * streaming, and becomes U+FFFD on flush. Unpaired surrogates become U+FFFD.
 */
function utf16Decode(bytes, bigEndian, flush, fatal) {
  let len = bytes.length;
  let held = null;
  let count = len >> 1;
  const units = new Uint16Array(count);
  if (bigEndian) {
    for (let i = 0, j = 0; i < count; i++, j += 2) units[i] = (bytes[j] << 8) | bytes[j + 1];
  } else {
    for (let i = 0, j = 0; i < count; i++, j += 2) units[i] = bytes[j] | (bytes[j + 1] << 8);
  }
  let trailingError = false;
  if (!flush) {
    // Hold back an odd byte, and a final lead surrogate that may pair with the next chunk.
    let keepFrom = count * 2;
    if (count > 0 && units[count - 1] >= 0xd800 && units[count - 1] <= 0xdbff) {
      count--;
      keepFrom -= 2;
    }
    if (keepFrom < len) held = TypedArrayPrototypeSlice(bytes, keepFrom, len);
  } else if (len & 1) {
    trailingError = true;
  }
  let s = unitsToString(units, 0, count);
  if (!StringPrototypeIsWellFormed(s)) {
    if (fatal) return null;
    s = StringPrototypeToWellFormed(s);
  }
  if (trailingError) {
    if (fatal) return null;
    s += "\ufffd";
  }
  return [s, held];
}

// ---------------------------------------------------------------------------------------
// Encoding labels — https://encoding.spec.whatwg.org/#names-and-labels, as workerd accepts
// them (its table: the "replacement" labels are rejected, x-user-defined is not).

const encodingForLabel = internals.encodingTables.labels;

// https://encoding.spec.whatwg.org/#concept-encoding-get: strip ASCII whitespace, lowercase.
const asciiWhitespaceEdges = /^[\t\n\f\r ]+|[\t\n\f\r ]+$/g;
function getEncoding(label) {
  const key = StringPrototypeToLowerCase(StringPrototypeReplace(label, asciiWhitespaceEdges, ""));
  return encodingForLabel[key];
}

// ---------------------------------------------------------------------------------------
// TextEncoder — https://encoding.spec.whatwg.org/#interface-textencoder

let isTextEncoder;

class TextEncoder {
  #brand = true;

  get encoding() {
    if (!isTextEncoder(this)) webidl.illegalInvocation();
    return "utf-8";
  }

  // encode(optional USVString input = "")
  encode(input = "") {
    if (!isTextEncoder(this)) webidl.illegalInvocation();
    if (typeof input !== "string") {
      input = webidl.converters.DOMString(
        input, webidl.methodPrefix("TextEncoder", "encode"), webidl.arg(0),
      );
    }
    return utf8Encode(input);
  }

  // encodeInto(USVString source, [AllowShared] Uint8Array destination)
  encodeInto(source, destination) {
    if (!isTextEncoder(this)) webidl.illegalInvocation();
    const prefix = webidl.methodPrefix("TextEncoder", "encodeInto");
    webidl.requiredArguments(arguments.length, 2, prefix);
    if (typeof source !== "string") {
      source = webidl.converters.DOMString(source, prefix, webidl.arg(0));
    }
    webidl.converters.Uint8Array(destination, prefix, webidl.arg(1));
    return utf8EncodeInto(source, destination, 0);
  }

  static {
    isTextEncoder = (V) => webidl.isObject(V) && #brand in V;
  }
}
webidl.configureInterface(TextEncoder);

// ---------------------------------------------------------------------------------------
// TextDecoder — https://encoding.spec.whatwg.org/#interface-textdecoder

let isTextDecoder;

class TextDecoder {
  #encoding;
  #fatal;
  #ignoreBOM;
  #bomSeen = false; // "BOM seen" flag: true once the first code point was looked at
  #doNotFlush = false;
  #utf8State = null; // pending UTF-8 sequence while streaming
  #held = null; // bytes held back by UTF-16 while streaming
  #legacy = null; // the decoder of any other encoding (11_encoding_legacy.js)

  // constructor(optional DOMString label = "utf-8", optional TextDecoderOptions options = {})
  constructor(label = "utf-8", options = undefined) {
    const prefix = webidl.constructorPrefix("TextDecoder");
    label = webidl.converters.DOMString(label, prefix, webidl.arg(0));
    if (options !== undefined && options !== null && !webidl.isObject(options)) {
      throw webidl.notOfType(prefix, webidl.arg(1), "TextDecoderOptions");
    }
    const fatal = options == null ? false : !!options.fatal;
    const ignoreBOM = options == null ? false : !!options.ignoreBOM;
    const encoding = getEncoding(label);
    if (encoding === undefined) {
      throw new RangeError(`"${label}" is not a valid encoding.`);
    }
    this.#encoding = encoding;
    this.#fatal = fatal;
    this.#ignoreBOM = ignoreBOM;
    if (encoding !== "utf-8" && encoding !== "utf-16le" && encoding !== "utf-16be") {
      this.#legacy = internals.newLegacyDecoder(encoding);
    }
  }

  get encoding() {
    if (!isTextDecoder(this)) webidl.illegalInvocation();
    return this.#encoding;
  }

  get fatal() {
    if (!isTextDecoder(this)) webidl.illegalInvocation();
    return this.#fatal;
  }

  get ignoreBOM() {
    if (!isTextDecoder(this)) webidl.illegalInvocation();
    return this.#ignoreBOM;
  }

  // decode(optional AllowSharedBufferSource input, optional TextDecodeOptions options = {})
  decode(input = undefined, options = undefined) {
    if (!isTextDecoder(this)) webidl.illegalInvocation();
    const prefix = webidl.methodPrefix("TextDecoder", "decode");
    let bytes;
    if (input === undefined) {
      bytes = EMPTY;
    } else if (ArrayBufferIsView(input) || webidl.isArrayBuffer(input)) {
      bytes = webidl.toUint8Array(input);
    } else {
      throw webidl.notOfType(prefix, webidl.arg(0), "ArrayBuffer or ArrayBufferView");
    }
    if (options !== undefined && options !== null && !webidl.isObject(options)) {
      throw webidl.notOfType(prefix, webidl.arg(1), "TextDecodeOptions");
    }
    const stream = options == null ? false : !!options.stream;

    // 1. If this's do not flush is false, set this's decoder to a new decoder, this's I/O
    //    queue to empty, and this's BOM seen to false.
    if (!this.#doNotFlush) {
      this.#utf8State = null;
      this.#held = null;
      this.#bomSeen = false;
      if (this.#legacy !== null) this.#legacy.reset();
    }
    // 2. Set this's do not flush to options["stream"].
    this.#doNotFlush = stream;
    const flush = !stream;

    let out;
    switch (this.#encoding) {
      case "utf-8": {
        if (stream && this.#utf8State === null) this.#utf8State = newUtf8State();
        out = utf8DecodeCore(bytes, 0, bytes.length, this.#utf8State, flush, this.#fatal);
        if (flush) this.#utf8State = null;
        break;
      }
      case "utf-16le":
      case "utf-16be": {
        let all = bytes;
        const held = this.#held;
        if (held !== null) {
          all = new Uint8Array(held.length + bytes.length);
          TypedArrayPrototypeSet(all, held);
          TypedArrayPrototypeSet(all, bytes, held.length);
        }
        const r = utf16Decode(all, this.#encoding === "utf-16be", flush, this.#fatal);
        if (r === null) {
          out = null;
          this.#held = null;
        } else {
          out = r[0];
          this.#held = r[1];
        }
        break;
      }
      default:
        // Legacy encodings keep a leading U+FEFF (workerd, like the standard).
        out = this.#legacy.decode(bytes, flush, this.#fatal);
        this.#bomSeen = true;
        break;
    }
    if (out === null) {
      // A fatal error resets the decoder.
      this.#utf8State = null;
      this.#held = null;
      if (this.#legacy !== null) this.#legacy.reset();
      this.#doNotFlush = false;
      throw new TypeError("Failed to decode input.");
    }
    // https://encoding.spec.whatwg.org/#concept-td-serialize: drop one leading U+FEFF once.
    if (!this.#bomSeen && out.length > 0) {
      this.#bomSeen = true;
      if (!this.#ignoreBOM && StringPrototypeCharCodeAt(out, 0) === 0xfeff) {
        out = StringPrototypeSlice(out, 1);
      }
    }
    return out;
  }

  static {
    isTextDecoder = (V) => webidl.isObject(V) && #encoding in V;
  }
}
webidl.configureInterface(TextDecoder);

const EMPTY = new Uint8Array(0);

// ---------------------------------------------------------------------------------------
// TextEncoderStream, TextDecoderStream — https://encoding.spec.whatwg.org/#interface-textencoderstream
// Built on the runtime's TransformStream (30_streams.js, looked up when constructed).

function newTransformStream(transform, flush) {
  const { TransformStream } = internals.streams;
  return new TransformStream({
    transform(chunk, controller) {
      const out = transform(chunk);
      if (out !== undefined) controller.enqueue(out);
    },
    flush(controller) {
      const out = flush();
      if (out !== undefined) controller.enqueue(out);
    },
  });
}

let isTextEncoderStream;

class TextEncoderStream {
  #transform;
  #pendingHighSurrogate = null;

  constructor() {
    this.#transform = newTransformStream(
      (chunk) => this.#encodeChunk(chunk),
      () => this.#flush(),
    );
  }

  // https://encoding.spec.whatwg.org/#encode-and-enqueue-a-chunk
  #encodeChunk(chunk) {
    // 1. Let input be the result of converting chunk to a DOMString.
    let input = webidl.converters.DOMString(chunk, "Failed to execute 'transform' on " +
      "'TextEncoderStream'", "chunk");
    if (input === "") return undefined;
    // A lead surrogate at the end of the previous chunk pairs with a trail surrogate here.
    if (this.#pendingHighSurrogate !== null) {
      input = this.#pendingHighSurrogate + input;
      this.#pendingHighSurrogate = null;
    }
    const last = StringPrototypeCharCodeAt(input, input.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) {
      this.#pendingHighSurrogate = StringPrototypeSlice(input, input.length - 1);
      input = StringPrototypeSlice(input, 0, input.length - 1);
    }
    if (input === "") return undefined;
    return utf8Encode(input);
  }

  // https://encoding.spec.whatwg.org/#encode-and-flush
  #flush() {
    if (this.#pendingHighSurrogate !== null) {
      this.#pendingHighSurrogate = null;
      return new Uint8Array([0xef, 0xbf, 0xbd]);
    }
    return undefined;
  }

  get encoding() {
    if (!isTextEncoderStream(this)) webidl.illegalInvocation();
    return "utf-8";
  }

  get readable() {
    if (!isTextEncoderStream(this)) webidl.illegalInvocation();
    return this.#transform.readable;
  }

  get writable() {
    if (!isTextEncoderStream(this)) webidl.illegalInvocation();
    return this.#transform.writable;
  }

  static {
    isTextEncoderStream = (V) => webidl.isObject(V) && #transform in V;
  }
}
webidl.configureInterface(TextEncoderStream);

let isTextDecoderStream;

class TextDecoderStream {
  #decoder;
  #transform;

  // constructor(optional DOMString label = "utf-8", optional TextDecoderOptions options = {})
  constructor(label = "utf-8", options = undefined) {
    // The label and options are validated (and errors worded) by TextDecoder.
    try {
      this.#decoder = new TextDecoder(label, options);
    } catch (e) {
      if (e instanceof TypeError) {
        throw new TypeError(StringPrototypeReplace(
          e.message, "Failed to construct 'TextDecoder'", "Failed to construct 'TextDecoderStream'",
        ));
      }
      throw e;
    }
    const decoder = this.#decoder;
    const prefix = "Failed to execute 'transform' on 'TextDecoderStream'";
    this.#transform = newTransformStream(
      (chunk) => {
        // https://encoding.spec.whatwg.org/#decode-and-enqueue-a-chunk
        if (!ArrayBufferIsView(chunk) && !webidl.isArrayBuffer(chunk)) {
          throw webidl.notOfType(prefix, "chunk", "ArrayBuffer or ArrayBufferView");
        }
        const out = decoder.decode(chunk, STREAM);
        return out === "" ? undefined : out;
      },
      () => {
        // https://encoding.spec.whatwg.org/#flush-and-enqueue
        const out = decoder.decode();
        return out === "" ? undefined : out;
      },
    );
  }

  get encoding() {
    if (!isTextDecoderStream(this)) webidl.illegalInvocation();
    return this.#decoder.encoding;
  }

  get fatal() {
    if (!isTextDecoderStream(this)) webidl.illegalInvocation();
    return this.#decoder.fatal;
  }

  get ignoreBOM() {
    if (!isTextDecoderStream(this)) webidl.illegalInvocation();
    return this.#decoder.ignoreBOM;
  }

  get readable() {
    if (!isTextDecoderStream(this)) webidl.illegalInvocation();
    return this.#transform.readable;
  }

  get writable() {
    if (!isTextDecoderStream(this)) webidl.illegalInvocation();
    return this.#transform.writable;
  }

  static {
    isTextDecoderStream = (V) => webidl.isObject(V) && #decoder in V;
  }
}
webidl.configureInterface(TextDecoderStream);

const STREAM = { stream: true };

// ---------------------------------------------------------------------------------------
// atob / btoa — https://html.spec.whatwg.org/multipage/webappapis.html#atob

const nonLatin1 = /[^\x00-\xff]/;
const asciiWhitespaceAll = /[\t\n\f\r ]+/g;
const base64Alphabet = /^[A-Za-z0-9+/]*$/;

/** forgiving-base64 decode; null on failure. https://infra.spec.whatwg.org/#forgiving-base64 */
function base64Decode(data) {
  // 1. Remove all ASCII whitespace from data.
  data = StringPrototypeReplace(data, asciiWhitespaceAll, "");
  let len = data.length;
  // 2. If data's code point length divides by 4 leaving no remainder, then: if data ends
  //    with one or two U+003D (=) code points, then remove them from data.
  if (len % 4 === 0 && len > 0) {
    if (StringPrototypeCharCodeAt(data, len - 1) === 0x3d) {
      len--;
      if (StringPrototypeCharCodeAt(data, len - 1) === 0x3d) len--;
      data = StringPrototypeSlice(data, 0, len);
    }
  }
  // 3. If data's code point length divides by 4 leaving a remainder of 1, return failure.
  if (len % 4 === 1) return null;
  // 4. If data contains a code point that is not in the base64 alphabet, return failure.
  if (RegExpPrototypeExec(base64Alphabet, data) === null) return null;
  // 5-9. Decode, discarding leftover bits.
  return Uint8ArrayFromBase64(data, { lastChunkHandling: "loose" });
}

function base64Encode(bytes) {
  return Uint8ArrayPrototypeToBase64(bytes);
}

function btoa(data) {
  const prefix = "Failed to execute 'btoa'";
  webidl.requiredArguments(arguments.length, 1, prefix);
  data = webidl.converters.DOMString(data, prefix, webidl.arg(0));
  if (RegExpPrototypeExec(nonLatin1, data) !== null) {
    throw new DOMException(
      "The string to be encoded contains characters outside of the Latin1 range.",
      "InvalidCharacterError",
    );
  }
  return Uint8ArrayPrototypeToBase64(latin1Encode(data));
}

function atob(data) {
  const prefix = "Failed to execute 'atob'";
  webidl.requiredArguments(arguments.length, 1, prefix);
  data = webidl.converters.DOMString(data, prefix, webidl.arg(0));
  const bytes = base64Decode(data);
  if (bytes === null) {
    throw new DOMException(
      "The string to be decoded is not correctly encoded.", "InvalidCharacterError",
    );
  }
  return unitsToString(bytes, 0, bytes.length);
}

// ---------------------------------------------------------------------------------------

internals.utf8Encode = utf8Encode;
internals.utf8EncodeInto = utf8EncodeInto;
internals.utf8Length = utf8Length;
internals.utf8Decode = utf8Decode;
internals.utf8DecodeStripBOM = utf8DecodeStripBOM;
internals.utf8DecodeFatal = utf8DecodeFatal;
internals.latin1Decode = latin1Decode;
internals.latin1Encode = latin1Encode;
internals.isAscii = isAscii;
internals.unitsToString = unitsToString;
internals.base64Encode = base64Encode;
internals.base64Decode = base64Decode;
internals.getEncoding = getEncoding;
internals.TextEncoder = TextEncoder;
internals.TextDecoder = TextDecoder;

internals.defineGlobal("TextEncoder", TextEncoder);
internals.defineGlobal("TextDecoder", TextDecoder);
internals.defineGlobal("TextEncoderStream", TextEncoderStream);
internals.defineGlobal("TextDecoderStream", TextDecoderStream);
internals.defineGlobal("atob", atob);
internals.defineGlobal("btoa", btoa);
