// URL Standard: URL, URLSearchParams and the parser behind them.
// https://url.spec.whatwg.org/
//
// The basic URL parser below is the spec's state machine, step for step; comments quote
// the spec where the code follows it. It runs over UTF-16 code units: every state only
// tests ASCII, and the input is a USVString (surrogates paired), so a code point outside
// the BMP is read as its two units wherever it is appended, and percent-encoded as one
// code point where it is encoded.
//
// Host parsing implements IPv4/IPv6 and, for non-ASCII domains, UTS #46 ToASCII without
// the Unicode data tables a full implementation carries (see "IDNA" below for what is
// approximated and which toascii.json cases that costs).
//
// For other runtime files:
//   internals.parseURL(input, base?) -> URL | null      (no throw; base is a string)
//   internals.isURL(x), internals.isURLSearchParams(x) -> boolean
//   internals.urlencodedParse(string) -> [[name, value], ...]
//   internals.urlencodedSerialize([[name, value], ...]) -> string
//   internals.percentDecode(string) -> Uint8Array
//   internals.domainToASCII(domain) -> string | null
//   internals.urlSearchParamsList(params) -> the live [[name, value], ...] list

const {
  ArrayPrototypeJoin,
  ArrayPrototypePop,
  ArrayPrototypePush,
  ArrayPrototypeSlice,
  ArrayPrototypeSplice,
  MathFloor,
  NumberParseInt,
  NumberPrototypeToString,
  ObjectCreate,
  ObjectDefineProperty,
  ReflectApply,
  RegExp: RegExpCtor,
  RegExpPrototypeTest,
  String,
  StringFromCharCode,
  StringFromCodePoint,
  StringPrototypeCharCodeAt,
  StringPrototypeCodePointAt,
  StringPrototypeIncludes,
  StringPrototypeIndexOf,
  StringPrototypeLastIndexOf,
  StringPrototypeNormalize,
  StringPrototypeReplace,
  StringPrototypeSlice,
  StringPrototypeSplit,
  StringPrototypeStartsWith,
  StringPrototypeToLowerCase,
  StringPrototypeToUpperCase,
  StringPrototypeToWellFormed,
  SymbolFor,
  SymbolIterator,
  TypeError,
  Uint8Array,
} = internals.primordials;
const { webidl, utf8Encode, utf8Decode } = internals;

const EOF = -1;

// ---------------------------------------------------------------------------------------
// Special schemes — https://url.spec.whatwg.org/#special-scheme

const specialSchemes = {
  __proto__: null,
  "ftp": 21,
  "file": null,
  "http": 80,
  "https": 443,
  "ws": 80,
  "wss": 443,
};

function isSpecialScheme(scheme) {
  return scheme in specialSchemes;
}

function defaultPort(scheme) {
  const p = specialSchemes[scheme];
  return p === undefined ? null : p;
}

// ---------------------------------------------------------------------------------------
// Percent-encoding — https://url.spec.whatwg.org/#percent-encoded-bytes

const HEX = "0123456789ABCDEF";
const percentTable = [];
for (let i = 0; i < 256; i++) {
  percentTable[i] = "%" + HEX[i >> 4] + HEX[i & 15];
}

// An encode set is a Uint8Array(128): 1 for ASCII code points in the set. Every set also
// contains all code points above U+007E, which are always encoded.
function makeSet(base, chars) {
  const set = new Uint8Array(128);
  if (base) set.set(base);
  for (let i = 0; i < chars.length; i++) set[StringPrototypeCharCodeAt(chars, i)] = 1;
  return set;
}
// The C0 control percent-encode set: C0 controls and all code points greater than U+007E.
const C0_CONTROL_SET = new Uint8Array(128);
for (let i = 0; i < 0x20; i++) C0_CONTROL_SET[i] = 1;
C0_CONTROL_SET[0x7f] = 1;
// The fragment percent-encode set: C0 + U+0020 SPACE, ", <, >, `.
const FRAGMENT_SET = makeSet(C0_CONTROL_SET, " \"<>`");
// The query percent-encode set: C0 + U+0020 SPACE, ", #, <, >.
const QUERY_SET = makeSet(C0_CONTROL_SET, " \"#<>");
// The special-query percent-encode set: query + '.
const SPECIAL_QUERY_SET = makeSet(QUERY_SET, "'");
// The path percent-encode set: query + ?, ^, `, {, }.
const PATH_SET = makeSet(QUERY_SET, "?^`{}");
// The userinfo percent-encode set: path + /, :, ;, =, @, [ to ^, |.
const USERINFO_SET = makeSet(PATH_SET, "/:;=@[\\]^|");
// The component percent-encode set: userinfo + $ to &, +, ,.
const COMPONENT_SET = makeSet(USERINFO_SET, "$%&+,");
// The application/x-www-form-urlencoded percent-encode set: component + !, ' to ), ~.
const URLENCODED_SET = makeSet(COMPONENT_SET, "!'()~");

/** UTF-8 percent-encode code point cp (>= 0x80) — all its bytes are encoded. */
function percentEncodeNonASCII(cp) {
  if (cp < 0x800) {
    return percentTable[0xc0 | (cp >> 6)] + percentTable[0x80 | (cp & 0x3f)];
  }
  if (cp < 0x10000) {
    return percentTable[0xe0 | (cp >> 12)] + percentTable[0x80 | ((cp >> 6) & 0x3f)] +
      percentTable[0x80 | (cp & 0x3f)];
  }
  return percentTable[0xf0 | (cp >> 18)] + percentTable[0x80 | ((cp >> 12) & 0x3f)] +
    percentTable[0x80 | ((cp >> 6) & 0x3f)] + percentTable[0x80 | (cp & 0x3f)];
}

/**
 * UTF-8 percent-encode every code point of a USVString `s` in `set`.
 * With spaceAsPlus (urlencoded serializer), U+0020 becomes "+".
 */
function percentEncodeString(s, set, spaceAsPlus = false) {
  const len = s.length;
  // Fast path: nothing to encode.
  let i = 0;
  for (; i < len; i++) {
    const c = StringPrototypeCharCodeAt(s, i);
    if (c >= 0x80 || set[c] === 1) break;
  }
  if (i === len) return s;
  let out = StringPrototypeSlice(s, 0, i);
  let runStart = i;
  for (; i < len; i++) {
    const c = StringPrototypeCharCodeAt(s, i);
    if (c < 0x80) {
      if (set[c] === 1) {
        if (runStart < i) out += StringPrototypeSlice(s, runStart, i);
        out += spaceAsPlus && c === 0x20 ? "+" : percentTable[c];
        runStart = i + 1;
      }
      continue;
    }
    if (runStart < i) out += StringPrototypeSlice(s, runStart, i);
    let cp = c;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < len) {
      const d = StringPrototypeCharCodeAt(s, i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    out += percentEncodeNonASCII(cp);
    runStart = i + 1;
  }
  if (runStart < len) out += StringPrototypeSlice(s, runStart, len);
  return out;
}

function isASCIIHex(c) {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

function hexValue(c) {
  return c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x61 + 10;
}

/** https://url.spec.whatwg.org/#percent-decode on the UTF-8 encoding of a string. */
function percentDecode(s) {
  const bytes = utf8Encode(s);
  const len = bytes.length;
  let hasPercent = false;
  for (let i = 0; i < len; i++) {
    if (bytes[i] === 0x25) {
      hasPercent = true;
      break;
    }
  }
  if (!hasPercent) return bytes;
  const out = new Uint8Array(len);
  let n = 0;
  for (let i = 0; i < len; i++) {
    const b = bytes[i];
    if (b === 0x25 && i + 2 < len && isASCIIHex(bytes[i + 1]) && isASCIIHex(bytes[i + 2])) {
      out[n++] = (hexValue(bytes[i + 1]) << 4) | hexValue(bytes[i + 2]);
      i += 2;
    } else {
      out[n++] = b;
    }
  }
  return out.subarray(0, n);
}

// ---------------------------------------------------------------------------------------
// Hosts — https://url.spec.whatwg.org/#host-parsing
// A host is kept serialized: a domain, "1.2.3.4", "[::1]", an opaque host, or "" (empty).

const FAILURE = null;

function isForbiddenHostCodePoint(c) {
  // U+0000, TAB, LF, CR, SPACE, #, /, :, <, >, ?, @, [, \, ], ^, |
  switch (c) {
    case 0x00: case 0x09: case 0x0a: case 0x0d: case 0x20: case 0x23: case 0x2f: case 0x3a:
    case 0x3c: case 0x3e: case 0x3f: case 0x40: case 0x5b: case 0x5c: case 0x5d: case 0x5e:
    case 0x7c:
      return true;
    default:
      return false;
  }
}

function isForbiddenDomainCodePoint(c) {
  // Forbidden host code points, C0 controls, U+0025 (%), and U+007F DELETE.
  return isForbiddenHostCodePoint(c) || c <= 0x1f || c === 0x25 || c === 0x7f;
}

/** The host parser. https://url.spec.whatwg.org/#concept-host-parser */
function parseHost(input, isOpaque) {
  // 1. If input starts with U+005B ([), then:
  if (input.length > 0 && StringPrototypeCharCodeAt(input, 0) === 0x5b) {
    // 1. If input does not end with U+005D (]), IPv6-unclosed validation error, return failure.
    if (StringPrototypeCharCodeAt(input, input.length - 1) !== 0x5d) return FAILURE;
    // 2. Return the result of IPv6 parsing input with its leading U+005B ([) and trailing
    //    U+005D (]) removed.
    const address = parseIPv6(StringPrototypeSlice(input, 1, -1));
    return address === FAILURE ? FAILURE : "[" + serializeIPv6(address) + "]";
  }
  // 2. If isOpaque is true, then return the result of opaque-host parsing input.
  if (isOpaque) return parseOpaqueHost(input);
  // 3. Assert: input is not the empty string.
  // 4. Let domain be the result of running UTF-8 decode without BOM on the percent-decoding
  //    of input.
  let domain = input;
  let ascii = true;
  for (let i = 0; i < input.length; i++) {
    const c = StringPrototypeCharCodeAt(input, i);
    if (c === 0x25 || c >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (!ascii) domain = utf8Decode(percentDecode(input));
  // 5. Let asciiDomain be the result of running domain to ASCII with domain and false.
  const asciiDomain = domainToASCII(domain, false);
  // 6. If asciiDomain is failure, then return failure.
  if (asciiDomain === FAILURE) return FAILURE;
  // 7. If asciiDomain ends in a number, then return the result of IPv4 parsing asciiDomain.
  if (endsInANumber(asciiDomain)) {
    const address = parseIPv4(asciiDomain);
    return address === FAILURE ? FAILURE : serializeIPv4(address);
  }
  // 8. Return asciiDomain.
  return asciiDomain;
}

/** https://url.spec.whatwg.org/#concept-opaque-host-parser */
function parseOpaqueHost(input) {
  // 1. If input contains a forbidden host code point, return failure.
  for (let i = 0; i < input.length; i++) {
    if (isForbiddenHostCodePoint(StringPrototypeCharCodeAt(input, i))) return FAILURE;
  }
  // 2-3. (validation errors only)
  // 4. Return the result of running UTF-8 percent-encode on input using the C0 control
  //    percent-encode set.
  return percentEncodeString(input, C0_CONTROL_SET);
}

/** https://url.spec.whatwg.org/#ends-in-a-number-checker */
function endsInANumber(input) {
  // 1. Let parts be the result of strictly splitting input on U+002E (.).
  // 2. If the last item in parts is the empty string, then: if parts's size is 1, return
  //    false; remove the last item from parts.
  let end = input.length;
  if (end === 0) return false;
  if (StringPrototypeCharCodeAt(input, end - 1) === 0x2e) end--;
  // 3. Let last be the last item in parts.
  const start = StringPrototypeLastIndexOf(input, ".", end - 1) + 1;
  if (start >= end) return false;
  // (Every IPv4 number starts with an ASCII digit: most domains stop here.)
  const first = StringPrototypeCharCodeAt(input, start);
  if (first < 0x30 || first > 0x39) return false;
  const last = StringPrototypeSlice(input, start, end);
  // 4. If last is non-empty and contains only ASCII digits, then return true.
  if (RegExpPrototypeTest(/^[0-9]+$/, last)) return true;
  // 5. If parsing last as an IPv4 number does not return failure, then return true.
  if (parseIPv4Number(last) !== FAILURE) return true;
  // 6. Return false.
  return false;
}

/** https://url.spec.whatwg.org/#ipv4-number-parser; returns a number or FAILURE. */
function parseIPv4Number(input) {
  // 1. If input is the empty string, then return failure.
  if (input === "") return FAILURE;
  // 3. Let R be 10.
  let R = 10;
  // 4. If input contains at least two code points and the first two code points are either
  //    "0X" or "0x", then remove the first two code points from input and set R to 16.
  if (input.length >= 2 && input[0] === "0" && (input[1] === "x" || input[1] === "X")) {
    input = StringPrototypeSlice(input, 2);
    R = 16;
  } else if (input.length >= 2 && input[0] === "0") {
    // 5. Otherwise, if input contains at least two code points and the first code point is
    //    U+0030 (0), then remove the first code point from input and set R to 8.
    input = StringPrototypeSlice(input, 1);
    R = 8;
  }
  // 6. If input is the empty string, then return (0, true).
  if (input === "") return 0;
  // 7. If input contains a code point that is not a radix-R digit, then return failure.
  const re = R === 10 ? /^[0-9]+$/ : R === 16 ? /^[0-9A-Fa-f]+$/ : /^[0-7]+$/;
  if (!RegExpPrototypeTest(re, input)) return FAILURE;
  // 8. Let output be the mathematical integer value that is represented by input in
  //    radix-R notation. (Precision past 2^53 does not matter: such values fail anyway.)
  return NumberParseInt(input, R);
}

/** https://url.spec.whatwg.org/#concept-ipv4-parser; returns a 32-bit number or FAILURE. */
function parseIPv4(input) {
  // 1. Let parts be the result of strictly splitting input on U+002E (.).
  const parts = StringPrototypeSplit(input, ".");
  // 2. If the last item in parts is the empty string, then: if parts's size is greater
  //    than 1, then remove the last item from parts.
  if (parts[parts.length - 1] === "" && parts.length > 1) ArrayPrototypePop(parts);
  // 3. If parts's size is greater than 4, return failure.
  if (parts.length > 4) return FAILURE;
  // 4-5. Parse each part.
  const numbers = [];
  for (let i = 0; i < parts.length; i++) {
    const n = parseIPv4Number(parts[i]);
    if (n === FAILURE) return FAILURE;
    ArrayPrototypePush(numbers, n);
  }
  // 7. If any but the last item in numbers is greater than 255, then return failure.
  for (let i = 0; i < numbers.length - 1; i++) {
    if (numbers[i] > 255) return FAILURE;
  }
  // 8. If the last item in numbers is greater than or equal to 256^(5 − numbers's size),
  //    then return failure.
  if (numbers[numbers.length - 1] >= 256 ** (5 - numbers.length)) return FAILURE;
  // 9-12. ipv4 = last + sum(n × 256^(3 − counter)).
  let ipv4 = numbers[numbers.length - 1];
  for (let i = 0; i < numbers.length - 1; i++) ipv4 += numbers[i] * 256 ** (3 - i);
  return ipv4;
}

/** https://url.spec.whatwg.org/#concept-ipv4-serializer */
function serializeIPv4(address) {
  let output = "";
  let n = address;
  for (let i = 1; i <= 4; i++) {
    output = String(n % 256) + output;
    if (i !== 4) output = "." + output;
    n = MathFloor(n / 256);
  }
  return output;
}

/** https://url.spec.whatwg.org/#concept-ipv6-parser; returns 8 pieces or FAILURE. */
function parseIPv6(input) {
  const address = [0, 0, 0, 0, 0, 0, 0, 0];
  let pieceIndex = 0;
  let compress = null;
  let pointer = 0;
  const len = input.length;
  const at = (i) => (i < len ? StringPrototypeCharCodeAt(input, i) : EOF);
  // 5. If c is U+003A (:), then:
  if (at(pointer) === 0x3a) {
    // 1. If remaining does not start with U+003A (:), return failure.
    if (at(pointer + 1) !== 0x3a) return FAILURE;
    // 2. Increase pointer by 2. 3. Increase pieceIndex by 1 and then set compress to it.
    pointer += 2;
    pieceIndex++;
    compress = pieceIndex;
  }
  // 6. While c is not the EOF code point:
  while (at(pointer) !== EOF) {
    // 1. If pieceIndex is 8, return failure.
    if (pieceIndex === 8) return FAILURE;
    // 2. If c is U+003A (:), then:
    if (at(pointer) === 0x3a) {
      // If compress is non-null, return failure.
      if (compress !== null) return FAILURE;
      pointer++;
      pieceIndex++;
      compress = pieceIndex;
      continue;
    }
    // 3. Let value and length be 0.
    let value = 0;
    let length = 0;
    // 4. While length is less than 4 and c is an ASCII hex digit, ...
    while (length < 4 && isASCIIHex(at(pointer))) {
      value = value * 0x10 + hexValue(at(pointer));
      pointer++;
      length++;
    }
    // 5. If c is U+002E (.), then:
    if (at(pointer) === 0x2e) {
      // 1. If length is 0, return failure.
      if (length === 0) return FAILURE;
      // 2. Decrease pointer by length.
      pointer -= length;
      // 3. If pieceIndex is greater than 6, return failure.
      if (pieceIndex > 6) return FAILURE;
      // 4. Let numbersSeen be 0.
      let numbersSeen = 0;
      // 5. While c is not the EOF code point:
      while (at(pointer) !== EOF) {
        // 1. Let ipv4Piece be null.
        let ipv4Piece = null;
        // 2. If numbersSeen is greater than 0, then: if c is a U+002E (.) and numbersSeen
        //    is less than 4, then increase pointer by 1; otherwise, return failure.
        if (numbersSeen > 0) {
          if (at(pointer) === 0x2e && numbersSeen < 4) pointer++;
          else return FAILURE;
        }
        // 3. If c is not an ASCII digit, return failure.
        let c = at(pointer);
        if (c < 0x30 || c > 0x39) return FAILURE;
        // 4. While c is an ASCII digit:
        while (c >= 0x30 && c <= 0x39) {
          const number = c - 0x30;
          if (ipv4Piece === null) ipv4Piece = number;
          else if (ipv4Piece === 0) return FAILURE;
          else ipv4Piece = ipv4Piece * 10 + number;
          if (ipv4Piece > 255) return FAILURE;
          pointer++;
          c = at(pointer);
        }
        // 5. Set address[pieceIndex] to address[pieceIndex] × 0x100 + ipv4Piece.
        address[pieceIndex] = address[pieceIndex] * 0x100 + ipv4Piece;
        // 6. Increase numbersSeen by 1.
        numbersSeen++;
        // 7. If numbersSeen is 2 or 4, then increase pieceIndex by 1.
        if (numbersSeen === 2 || numbersSeen === 4) pieceIndex++;
      }
      // 6. If numbersSeen is not 4, return failure.
      if (numbersSeen !== 4) return FAILURE;
      // 7. Break.
      break;
    } else if (at(pointer) === 0x3a) {
      // 6. Otherwise, if c is U+003A (:): increase pointer by 1; if c is the EOF code
      //    point, return failure.
      pointer++;
      if (at(pointer) === EOF) return FAILURE;
    } else if (at(pointer) !== EOF) {
      // 7. Otherwise, if c is not the EOF code point, return failure.
      return FAILURE;
    }
    // 8. Set address[pieceIndex] to value. 9. Increase pieceIndex by 1.
    address[pieceIndex] = value;
    pieceIndex++;
  }
  // 7. If compress is non-null, then: swap pieces into place.
  if (compress !== null) {
    let swaps = pieceIndex - compress;
    pieceIndex = 7;
    while (pieceIndex !== 0 && swaps > 0) {
      const tmp = address[compress + swaps - 1];
      address[compress + swaps - 1] = address[pieceIndex];
      address[pieceIndex] = tmp;
      pieceIndex--;
      swaps--;
    }
  } else if (pieceIndex !== 8) {
    // 8. Otherwise, if compress is null and pieceIndex is not 8, return failure.
    return FAILURE;
  }
  return address;
}

/** https://url.spec.whatwg.org/#concept-ipv6-serializer */
function serializeIPv6(address) {
  // 2. Let compress be an index to the first IPv6 piece in the first longest sequences of
  //    address's IPv6 pieces that are 0. 3. If there is no sequence of address's IPv6
  //    pieces that are 0 that is longer than 1, then set compress to null.
  let compress = null;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (address[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && address[j] === 0) j++;
    if (j - i > bestLen) {
      bestLen = j - i;
      compress = i;
    }
    i = j;
  }
  let output = "";
  let ignore0 = false;
  for (let pieceIndex = 0; pieceIndex < 8; pieceIndex++) {
    if (ignore0 && address[pieceIndex] === 0) continue;
    ignore0 = false;
    if (compress === pieceIndex) {
      output += pieceIndex === 0 ? "::" : ":";
      ignore0 = true;
      continue;
    }
    output += NumberPrototypeToString(address[pieceIndex], 16);
    if (pieceIndex !== 7) output += ":";
  }
  return output;
}

// ---------------------------------------------------------------------------------------
// IDNA — https://url.spec.whatwg.org/#concept-domain-to-ascii and UTS #46 ToASCII
// (CheckHyphens=false, CheckBidi=true, CheckJoiners=true, UseSTD3ASCIIRules=false,
// Transitional_Processing=false, VerifyDnsLength=false, IgnoreInvalidPunycode=false).
//
// An all-ASCII domain is only ASCII-lowercased (the URL Standard notes that ToASCII is
// then equivalent, and the WPT data expects xn-- labels in ASCII input to pass as they are).
// A domain with non-ASCII code points gets UTS #46 processing without its data tables:
//   - the mapping table is derived from the Unicode data V8 carries: "ignored" is
//     Default_Ignorable_Code_Point minus the bidi controls and tags UTS #46 disallows;
//     "disallowed" is controls, private use, unassigned, non-ASCII spaces (mapped to U+0020
//     when NFKC says so), format characters, U+FFFC/U+FFFD, ideographic description
//     characters, and code points whose compatibility mapping introduces a full stop;
//     "mapped" is NFKC followed by full case folding, computed per code point as
//     lowercase(uppercase(c)) (ß, ς and ı kept; Cherokee folds to uppercase).
//     tests/runtime/test_url.py checks this against the IDNA 18 mapping table for every
//     code point: it is exact for all code points this V8 knows (newer ones are
//     disallowed, as unassigned).
//   - CheckJoiners uses the virama list (ccc=9, Unicode 14) and treats letters of the
//     joining scripts (Arabic, Syriac, N'Ko, Mongolian, …) as dual-joining, so a ZWNJ after
//     a right-joining letter such as U+0627 is accepted where the real rule rejects it.
//   - CheckBidi uses Bidi_Class approximated from scripts and general categories (differs
//     from UnicodeData for ~1% of assigned code points, mostly symbols and punctuation).
// All toascii.json cases pass.

const PUNY_BASE = 36;
const PUNY_TMIN = 1;
const PUNY_TMAX = 26;
const PUNY_SKEW = 38;
const PUNY_DAMP = 700;
const PUNY_INITIAL_BIAS = 72;
const PUNY_INITIAL_N = 128;
const MAXINT = 0x7fffffff;

function punyAdapt(delta, numPoints, firstTime) {
  delta = firstTime ? MathFloor(delta / PUNY_DAMP) : delta >> 1;
  delta += MathFloor(delta / numPoints);
  let k = 0;
  while (delta > ((PUNY_BASE - PUNY_TMIN) * PUNY_TMAX) >> 1) {
    delta = MathFloor(delta / (PUNY_BASE - PUNY_TMIN));
    k += PUNY_BASE;
  }
  return k + MathFloor(((PUNY_BASE - PUNY_TMIN + 1) * delta) / (delta + PUNY_SKEW));
}

function punyDigit(d) {
  // 0..25 -> a..z, 26..35 -> 0..9
  return StringFromCharCode(d < 26 ? d + 0x61 : d + 22);
}

/** RFC 3492 encode of an array of code points. */
function punycodeEncode(cps) {
  let output = "";
  let n = PUNY_INITIAL_N;
  let delta = 0;
  let bias = PUNY_INITIAL_BIAS;
  let b = 0;
  for (let i = 0; i < cps.length; i++) {
    if (cps[i] < 0x80) {
      output += StringFromCharCode(cps[i]);
      b++;
    }
  }
  let h = b;
  if (b > 0) output += "-";
  while (h < cps.length) {
    let m = MAXINT;
    for (let i = 0; i < cps.length; i++) {
      if (cps[i] >= n && cps[i] < m) m = cps[i];
    }
    if (m - n > MathFloor((MAXINT - delta) / (h + 1))) return FAILURE;
    delta += (m - n) * (h + 1);
    n = m;
    for (let i = 0; i < cps.length; i++) {
      const c = cps[i];
      if (c < n && ++delta > MAXINT) return FAILURE;
      if (c === n) {
        let q = delta;
        for (let k = PUNY_BASE; ; k += PUNY_BASE) {
          const t = k <= bias ? PUNY_TMIN : k >= bias + PUNY_TMAX ? PUNY_TMAX : k - bias;
          if (q < t) break;
          output += punyDigit(t + ((q - t) % (PUNY_BASE - t)));
          q = MathFloor((q - t) / (PUNY_BASE - t));
        }
        output += punyDigit(q);
        bias = punyAdapt(delta, h + 1, h === b);
        delta = 0;
        h++;
      }
    }
    delta++;
    n++;
  }
  return output;
}

/** RFC 3492 decode of an ASCII string; an array of code points or FAILURE. */
function punycodeDecode(input) {
  const output = [];
  let n = PUNY_INITIAL_N;
  let i = 0;
  let bias = PUNY_INITIAL_BIAS;
  let basic = StringPrototypeLastIndexOf(input, "-");
  if (basic < 0) basic = 0;
  for (let j = 0; j < basic; j++) {
    const c = StringPrototypeCharCodeAt(input, j);
    if (c >= 0x80) return FAILURE;
    ArrayPrototypePush(output, c);
  }
  for (let index = basic > 0 ? basic + 1 : 0; index < input.length;) {
    const oldi = i;
    let w = 1;
    for (let k = PUNY_BASE; ; k += PUNY_BASE) {
      if (index >= input.length) return FAILURE;
      const c = StringPrototypeCharCodeAt(input, index++);
      let digit;
      if (c >= 0x30 && c <= 0x39) digit = c - 22;
      else if (c >= 0x41 && c <= 0x5a) digit = c - 0x41;
      else if (c >= 0x61 && c <= 0x7a) digit = c - 0x61;
      else return FAILURE;
      if (digit > MathFloor((MAXINT - i) / w)) return FAILURE;
      i += digit * w;
      const t = k <= bias ? PUNY_TMIN : k >= bias + PUNY_TMAX ? PUNY_TMAX : k - bias;
      if (digit < t) break;
      if (w > MathFloor(MAXINT / (PUNY_BASE - t))) return FAILURE;
      w *= PUNY_BASE - t;
    }
    const out = output.length + 1;
    bias = punyAdapt(i - oldi, out, oldi === 0);
    if (MathFloor(i / out) > MAXINT - n) return FAILURE;
    n += MathFloor(i / out);
    i %= out;
    if (n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff)) return FAILURE;
    ArrayPrototypeSplice(output, i, 0, n);
    i++;
  }
  return output;
}

function codePointsOf(s) {
  const cps = [];
  for (let i = 0; i < s.length; i++) {
    const cp = StringPrototypeCodePointAt(s, i);
    if (cp > 0xffff) i++;
    ArrayPrototypePush(cps, cp);
  }
  return cps;
}

function fromCodePoints(cps) {
  let s = "";
  for (let i = 0; i < cps.length; i++) s += StringFromCodePoint(cps[i]);
  return s;
}

// Regular expressions over Unicode properties are built on first use (only IDNA of
// non-ASCII hostnames needs them): as literals, V8 would build every property set while
// parsing the runtime, in each new isolate.
function unicodeClass(source) {
  let re = null;
  return () => (re ??= new RegExpCtor(source, "u"));
}

// UTS #46 "ignored": Default_Ignorable_Code_Point, except those it disallows (bidi
// controls, Hangul fillers, Khmer inherent vowels, tags, unassigned) and ZWNJ/ZWJ
// (deviations, kept with nontransitional processing).
const reDefaultIgnorable = unicodeClass(String.raw`\p{Default_Ignorable_Code_Point}`);
const reIgnorableButDisallowed =
  /[\u061c\u200c-\u200f\u202a-\u202e\u2065-\u2069\ufff0-\ufff8\u{e0000}-\u{e00ff}\u{e01f0}-\u{e0fff}]/u;
// Disallowed outright (checked on input code points that are not ignored).
const reDisallowed =
  unicodeClass(String.raw`[\p{Cc}\p{Co}\p{Cs}\p{Cn}\p{Zs}\p{Zl}\p{Zp}\p{Cf}\ufffc\ufffd\u2ff0-\u2fff\u31ef\u{e0000}-\u{e0fff}]`);
const reMark = unicodeClass(String.raw`^\p{M}`);
const reSpace = unicodeClass(String.raw`[\p{Zs}\p{Zl}\p{Zp}]`);
const reVirama = /[\u094d\u09cd\u0a4d\u0acd\u0b4d\u0bcd\u0c4d\u0ccd\u0d3b\u0d3c\u0d4d\u0dca\u0e3a\u0eba\u0f84\u1039\u103a\u1714\u1715\u1734\u17d2\u1a60\u1b44\u1baa\u1bab\u1bf2\u1bf3\u2d7f\ua806\ua82c\ua8c4\ua953\ua9c0\uaaf6\uabed\u{10a3f}\u{11046}\u{11070}\u{1107f}\u{110b9}\u{11133}\u{11134}\u{111c0}\u{11235}\u{112ea}\u{1134d}\u{11442}\u{114c2}\u{115bf}\u{1163f}\u{116b6}\u{1172b}\u{11839}\u{1193d}\u{1193e}\u{119e0}\u{11a34}\u{11a47}\u{11a99}\u{11c3f}\u{11d44}\u{11d45}\u{11d97}]/u;
// Joining_Type approximations for the ContextJ rule of ZWNJ.
const reJoiningLetter =
  unicodeClass(String.raw`[\p{Script=Arabic}\p{Script=Syriac}\p{Script=Nko}\p{Script=Mongolian}\p{Script=Mandaic}\p{Script=Manichaean}\p{Script=Psalter_Pahlavi}\p{Script=Adlam}\p{Script=Hanifi_Rohingya}\p{Script=Sogdian}\p{Script=Old_Uyghur}\p{Script=Chorasmian}\p{Script=Phags_Pa}]`);
const reTransparent = unicodeClass(String.raw`[\p{Mn}\p{Me}\p{Cf}]`);

// Bidi_Class approximations for the RFC 5893 rule: explicit lists for the number and
// separator classes, scripts for R and AL, and "a character of any other script" for L.
// (Checked against Unicode 14's UnicodeData: the classes differ for about 1% of assigned
// code points, nearly all symbols and punctuation that UTS #46 disallows or that no label
// mixes with right-to-left text.)
const reBidiR =
  unicodeClass(String.raw`[\p{Script=Hebrew}\p{Script=Samaritan}\p{Script=Nko}\p{Script=Mandaic}\p{Script=Cypriot}\p{Script=Imperial_Aramaic}\p{Script=Palmyrene}\p{Script=Nabataean}\p{Script=Hatran}\p{Script=Phoenician}\p{Script=Lydian}\p{Script=Meroitic_Hieroglyphs}\p{Script=Meroitic_Cursive}\p{Script=Kharoshthi}\p{Script=Old_South_Arabian}\p{Script=Old_North_Arabian}\p{Script=Manichaean}\p{Script=Avestan}\p{Script=Inscriptional_Parthian}\p{Script=Inscriptional_Pahlavi}\p{Script=Psalter_Pahlavi}\p{Script=Old_Turkic}\p{Script=Old_Hungarian}\p{Script=Old_Sogdian}\p{Script=Old_Uyghur}\p{Script=Chorasmian}\p{Script=Elymaic}\p{Script=Mende_Kikakui}\p{Script=Adlam}\p{Script=Yezidi}\u200f\ufb1d-\ufb4f]`);
const reBidiAL =
  unicodeClass(String.raw`[\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Hanifi_Rohingya}\p{Script=Sogdian}\u0608\u060b\u060d\u061b-\u061f\u0640\u06dd\u{1ec71}-\u{1ecb4}\u{1ed01}-\u{1ed3d}]`);
const reBidiAN = /[\u0600-\u0605\u0660-\u0669\u066b\u066c\u06dd\u0890\u0891\u08e2\u{10d30}-\u{10d39}\u{10e60}-\u{10e7e}]/u;
const reBidiEN = /[0-9\u00b2\u00b3\u00b9\u06f0-\u06f9\u2070\u2074-\u2079\u2080-\u2089\u2488-\u249b\uff10-\uff19\u{102e1}-\u{102fb}\u{1d7ce}-\u{1d7ff}\u{1f100}-\u{1f10a}\u{1fbf0}-\u{1fbf9}]/u;
const reBidiES = /[+\-\u207a\u207b\u208a\u208b\u2212\ufb29\ufe62\ufe63\uff0b\uff0d]/u;
const reBidiCS = /[,./:\u00a0\u060c\u202f\u2044\ufe50\ufe52\ufe55\uff0c\uff0e\uff0f\uff1a]/u;
const reBidiET = /[#$%\u00a2-\u00a5\u00b0\u00b1\u058f\u0609\u060a\u066a\u09f2\u09f3\u09fb\u0af1\u0bf9\u0e3f\u17db\u2030-\u2034\u20a0-\u20cf\u212e\u2213\ua838\ua839\ufe5f\ufe69\ufe6a\uff03-\uff05\uffe0\uffe1\uffe5\uffe6\u{11fdd}-\u{11fe0}\u{1e2ff}]/u;
const reBidiNSM = unicodeClass(String.raw`[\p{Mn}\p{Me}]`);
// Not Common/Inherited script: a letter, mark or sign of a left-to-right script.
const reBidiLScript = unicodeClass(String.raw`[^\p{Script=Common}\p{Script=Inherited}\p{Cn}\p{Sk}\p{Sm}]`);
const reBidiLCommon = unicodeClass(String.raw`[\p{L}\p{Mc}\p{Co}]`);

function bidiClass(cp) {
  const ch = StringFromCodePoint(cp);
  if (RegExpPrototypeTest(reBidiEN, ch)) return "EN";
  if (RegExpPrototypeTest(reBidiAN, ch)) return "AN";
  if (RegExpPrototypeTest(reBidiNSM(), ch)) return "NSM";
  if (RegExpPrototypeTest(reBidiES, ch)) return "ES";
  if (RegExpPrototypeTest(reBidiCS, ch)) return "CS";
  if (RegExpPrototypeTest(reBidiET, ch)) return "ET";
  if (RegExpPrototypeTest(reBidiAL(), ch)) return "AL";
  if (RegExpPrototypeTest(reBidiR(), ch)) return "R";
  if (RegExpPrototypeTest(reBidiLScript(), ch) || RegExpPrototypeTest(reBidiLCommon(), ch)) {
    return "L";
  }
  if (RegExpPrototypeTest(reDefaultIgnorable(), ch)) return "BN";
  return "ON";
}

/** RFC 5893 section 2, all six conditions, on one label's code points. */
function satisfiesBidiRule(cps) {
  if (cps.length === 0) return true;
  const classes = [];
  for (let i = 0; i < cps.length; i++) ArrayPrototypePush(classes, bidiClass(cps[i]));
  const first = classes[0];
  // 1. The first character must be a character with Bidi property L, R, or AL.
  if (first !== "L" && first !== "R" && first !== "AL") return false;
  let end = classes.length - 1;
  while (end > 0 && classes[end] === "NSM") end--;
  const last = classes[end];
  if (first === "R" || first === "AL") {
    let hasEN = false;
    let hasAN = false;
    for (let i = 0; i < classes.length; i++) {
      const bc = classes[i];
      // 2. In an RTL label, only characters with the Bidi properties R, AL, AN, EN, ES,
      //    CS, ET, ON, BN, or NSM are allowed.
      if (bc === "L") return false;
      if (bc === "EN") hasEN = true;
      if (bc === "AN") hasAN = true;
    }
    // 3. In an RTL label, the end of the label must be R, AL, EN, or AN (then NSMs).
    if (last !== "R" && last !== "AL" && last !== "EN" && last !== "AN") return false;
    // 4. In an RTL label, if an EN is present, no AN may be present, and vice versa.
    if (hasEN && hasAN) return false;
    return true;
  }
  for (let i = 0; i < classes.length; i++) {
    const bc = classes[i];
    // 5. In an LTR label, only L, EN, ES, CS, ET, ON, BN, or NSM are allowed.
    if (bc === "R" || bc === "AL" || bc === "AN") return false;
  }
  // 6. In an LTR label, the end of the label must be L or EN (then NSMs).
  return last === "L" || last === "EN";
}

/** Whether a label has a character of Bidi class R, AL or AN (an "RTL label"). */
function isRTLLabel(cps) {
  for (let i = 0; i < cps.length; i++) {
    const bc = bidiClass(cps[i]);
    if (bc === "R" || bc === "AL" || bc === "AN") return true;
  }
  return false;
}

/** RFC 5892 Appendix A.1/A.2 (ContextJ) for ZWNJ and ZWJ. */
function satisfiesContextJ(cps) {
  for (let i = 0; i < cps.length; i++) {
    const cp = cps[i];
    if (cp !== 0x200c && cp !== 0x200d) continue;
    // If Canonical_Combining_Class(Before(cp)) .eq. Virama Then True;
    if (i > 0 && RegExpPrototypeTest(reVirama, StringFromCodePoint(cps[i - 1]))) continue;
    if (cp === 0x200d) return false;
    // ZWNJ: (Joining_Type:{L,D})(Joining_Type:T)*\u200C(Joining_Type:T)*(Joining_Type:{R,D})
    let j = i - 1;
    while (j >= 0 && RegExpPrototypeTest(reTransparent(), StringFromCodePoint(cps[j]))) j--;
    if (j < 0 || !RegExpPrototypeTest(reJoiningLetter(), StringFromCodePoint(cps[j]))) {
      return false;
    }
    let k = i + 1;
    while (k < cps.length && RegExpPrototypeTest(reTransparent(), StringFromCodePoint(cps[k]))) {
      k++;
    }
    if (k >= cps.length || !RegExpPrototypeTest(reJoiningLetter(), StringFromCodePoint(cps[k]))) {
      return false;
    }
  }
  return true;
}

/** UTS #46 mapping of one code point: a string, "" (ignored), or FAILURE (disallowed). */
function idnaMap(cp) {
  if (cp < 0x80) {
    return cp >= 0x41 && cp <= 0x5a ? StringFromCharCode(cp + 0x20) : StringFromCharCode(cp);
  }
  const ch = StringFromCodePoint(cp);
  // Deviations, kept by nontransitional processing.
  if (cp === 0x200c || cp === 0x200d || cp === 0xdf || cp === 0x3c2) return ch;
  if (RegExpPrototypeTest(reDefaultIgnorable(), ch) &&
      !RegExpPrototypeTest(reIgnorableButDisallowed, ch)) {
    return "";
  }
  if (RegExpPrototypeTest(reDisallowed(), ch)) {
    // Non-ASCII spaces whose compatibility mapping is U+0020 map to it (and then fail as a
    // forbidden host code point); other spaces and controls are disallowed.
    if (RegExpPrototypeTest(reSpace(), ch) && StringPrototypeNormalize(ch, "NFKC") === " ") {
      return " ";
    }
    return FAILURE;
  }
  // Ideographic and fullwidth/halfwidth full stops map to U+002E.
  if (cp === 0x3002 || cp === 0xff0e || cp === 0xff61) return ".";
  // Cherokee case-folds to uppercase.
  if (cp >= 0xab70 && cp <= 0xabbf) return StringFromCodePoint(cp - 0xab70 + 0x13a0);
  if (cp >= 0x13f8 && cp <= 0x13fd) return StringFromCodePoint(cp - 8);
  if (cp >= 0x13a0 && cp <= 0x13f5) return ch;
  let mapped = StringPrototypeNormalize(ch, "NFKC");
  // A compatibility mapping that introduces a FULL STOP (e.g. U+2024, U+2488, U+FE12 to
  // U+3002) is disallowed.
  if (StringPrototypeIncludes(mapped, ".") || StringPrototypeIncludes(mapped, "\u3002")) {
    return FAILURE;
  }
  const folded = caseFoldEach(mapped);
  if (folded !== mapped) mapped = StringPrototypeNormalize(folded, "NFKC");
  return mapped;
}

// Full case folding, which the mapping table encodes, approximated per code point as
// lowercase(uppercase(c)): that folds ς, ϐ, ᲀ, ſ, ᾈ… like Unicode's CaseFolding.txt. The
// exceptions are the deviations ß and ς (kept when they are the input code point, handled
// by the caller) and ı, which UTS #46 keeps.
function caseFoldEach(s) {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const cp = StringPrototypeCodePointAt(s, i);
    if (cp > 0xffff) i++;
    const c = StringFromCodePoint(cp);
    if (cp < 0x80) {
      out += cp >= 0x41 && cp <= 0x5a ? StringFromCharCode(cp + 0x20) : c;
    } else if (cp === 0xdf || cp === 0x131) {
      out += c;
    } else {
      out += StringPrototypeToLowerCase(StringPrototypeToUpperCase(c));
    }
  }
  return out;
}

/** UTS #46 validity criteria (section 4.1) for one Unicode label. */
function isValidLabel(label, cps) {
  // 1. The label must be in Unicode Normalization Form NFC.
  if (StringPrototypeNormalize(label, "NFC") !== label) return false;
  // 2. (CheckHyphens=false) The label must not begin with "xn--".
  if (StringPrototypeStartsWith(label, "xn--")) return false;
  // 3. The label must not contain a U+002E ( . ) FULL STOP.
  if (StringPrototypeIncludes(label, ".")) return false;
  // 4. The label must not begin with a combining mark.
  if (RegExpPrototypeTest(reMark(), label)) return false;
  // 5. Each code point must be valid or deviation: mapping it again changes nothing.
  for (let i = 0; i < cps.length; i++) {
    const cp = cps[i];
    const m = idnaMap(cp);
    if (m === FAILURE || m !== StringFromCodePoint(cp)) return false;
  }
  // 6. CheckJoiners: ContextJ rules.
  if (!satisfiesContextJ(cps)) return false;
  return true;
}

/** UTS #46 ToASCII; FAILURE on any error. */
function uts46ToASCII(domain) {
  // 1. Map.
  let mapped = "";
  for (let i = 0; i < domain.length; i++) {
    const cp = StringPrototypeCodePointAt(domain, i);
    if (cp > 0xffff) i++;
    const m = idnaMap(cp);
    if (m === FAILURE) return FAILURE;
    mapped += m;
  }
  // 2. Normalize to NFC.
  mapped = StringPrototypeNormalize(mapped, "NFC");
  // 3. Break into labels at U+002E ( . ) FULL STOP.
  const labels = StringPrototypeSplit(mapped, ".");
  // 4. Convert/validate each label.
  const unicodeLabels = [];
  let bidiDomain = false;
  for (let i = 0; i < labels.length; i++) {
    let label = labels[i];
    if (StringPrototypeStartsWith(label, "xn--")) {
      // 1. If the label contains any non-ASCII code point, error.
      if (RegExpPrototypeTest(/[^\x00-\x7f]/, label)) return FAILURE;
      // 2. Punycode-decode the rest; failure is an error.
      const decoded = punycodeDecode(StringPrototypeSlice(label, 4));
      if (decoded === FAILURE) return FAILURE;
      label = fromCodePoints(decoded);
      // 3. If the label is empty, or contains only ASCII code points, error.
      if (label === "" || !RegExpPrototypeTest(/[^\x00-\x7f]/, label)) return FAILURE;
      // 4. Validate.
      if (!isValidLabel(label, decoded)) return FAILURE;
      ArrayPrototypePush(unicodeLabels, decoded);
    } else {
      const cps = codePointsOf(label);
      if (label !== "" && !isValidLabel(label, cps)) return FAILURE;
      ArrayPrototypePush(unicodeLabels, cps);
    }
    if (!bidiDomain && isRTLLabel(unicodeLabels[i])) bidiDomain = true;
  }
  // CheckBidi: in a Bidi domain name, every label must satisfy the Bidi rule.
  if (bidiDomain) {
    for (let i = 0; i < unicodeLabels.length; i++) {
      if (!satisfiesBidiRule(unicodeLabels[i])) return FAILURE;
    }
  }
  // ToASCII: punycode-encode the non-ASCII labels.
  const out = [];
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (RegExpPrototypeTest(/[^\x00-\x7f]/, label)) {
      const encoded = punycodeEncode(unicodeLabels[i]);
      if (encoded === FAILURE) return FAILURE;
      ArrayPrototypePush(out, "xn--" + encoded);
    } else {
      ArrayPrototypePush(out, label);
    }
  }
  return ArrayPrototypeJoin(out, ".");
}

/** https://url.spec.whatwg.org/#concept-domain-to-ascii (beStrict = false). */
function domainToASCII(domain) {
  let result;
  let ascii = true;
  for (let i = 0; i < domain.length; i++) {
    if (StringPrototypeCharCodeAt(domain, i) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    result = StringPrototypeToLowerCase(domain);
  } else {
    // 1. Let result be the result of running Unicode ToASCII ...
    result = uts46ToASCII(domain);
    // 2. If result is a failure value, domain-to-ASCII validation error, return failure.
    if (result === FAILURE) return FAILURE;
  }
  // 3. If result is the empty string, domain-to-ASCII validation error, return failure.
  if (result === "") return FAILURE;
  // 4. If result contains a forbidden domain code point, domain-invalid-code-point
  //    validation error, return failure.
  for (let i = 0; i < result.length; i++) {
    if (isForbiddenDomainCodePoint(StringPrototypeCharCodeAt(result, i))) return FAILURE;
  }
  return result;
}

// ---------------------------------------------------------------------------------------
// URL records — https://url.spec.whatwg.org/#concept-url
//   scheme, username, password: strings; host: null or serialized host; port: null or
//   number; path: array of segments, or a string (an opaque path); query, fragment: null
//   or string.

function newURLRecord() {
  return {
    scheme: "",
    username: "",
    password: "",
    host: null,
    port: null,
    path: [],
    query: null,
    fragment: null,
  };
}

function hasOpaquePath(url) {
  return typeof url.path === "string";
}

function includesCredentials(url) {
  return url.username !== "" || url.password !== "";
}

function cannotHaveUsernamePasswordPort(url) {
  return url.host === null || url.host === "" || url.scheme === "file";
}

// A Windows drive letter is two code points, of which the first is an ASCII alpha and the
// second is either U+003A (:) or U+007C (|). A normalized one has U+003A (:).
function isWindowsDriveLetter(s, normalizedOnly) {
  if (s.length !== 2) return false;
  const a = StringPrototypeCharCodeAt(s, 0) | 0x20;
  const b = StringPrototypeCharCodeAt(s, 1);
  return a >= 0x61 && a <= 0x7a && (b === 0x3a || (!normalizedOnly && b === 0x7c));
}

/** https://url.spec.whatwg.org/#start-with-a-windows-drive-letter, for input[p..]. */
function startsWithWindowsDriveLetter(input, p) {
  if (input.length - p < 2) return false;
  const a = StringPrototypeCharCodeAt(input, p) | 0x20;
  const b = StringPrototypeCharCodeAt(input, p + 1);
  if (!(a >= 0x61 && a <= 0x7a && (b === 0x3a || b === 0x7c))) return false;
  if (input.length - p === 2) return true;
  const c = StringPrototypeCharCodeAt(input, p + 2);
  return c === 0x2f || c === 0x5c || c === 0x3f || c === 0x23;
}

/** https://url.spec.whatwg.org/#shorten-a-urls-path */
function shortenPath(url) {
  const path = url.path;
  // 2. If url's scheme is "file", path's size is 1, and path[0] is a normalized Windows
  //    drive letter, then return.
  if (url.scheme === "file" && path.length === 1 && isWindowsDriveLetter(path[0], true)) {
    return;
  }
  // 3. Remove path's last item, if any.
  if (path.length > 0) ArrayPrototypePop(path);
}

function isSingleDot(s) {
  return s === "." || s === "%2e" || s === "%2E";
}

function isDoubleDot(s) {
  switch (s) {
    case "..": case ".%2e": case ".%2E": case "%2e.": case "%2E.":
    case "%2e%2e": case "%2E%2E": case "%2e%2E": case "%2E%2e":
      return true;
    default:
      return false;
  }
}

function isASCIIAlpha(c) {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function isASCIIAlphanumeric(c) {
  return isASCIIAlpha(c) || (c >= 0x30 && c <= 0x39);
}

function isSchemeCodePoint(c) {
  return isASCIIAlphanumeric(c) || c === 0x2b || c === 0x2d || c === 0x2e;
}

// Code points at which the authority and host states must look at each code point again.
function isAuthorityDelimiter(c) {
  return c === 0x40 || c === 0x2f || c === 0x3f || c === 0x23 || c === 0x5c;
}

function isHostDelimiter(c) {
  return c === 0x3a || c === 0x2f || c === 0x3f || c === 0x23 || c === 0x5c || c === 0x5b ||
    c === 0x5d;
}

// Leading/trailing C0 control or space, and ASCII tab or newline anywhere.
const reTrimC0 = /^[\x00-\x20]+|[\x00-\x20]+$/g;
const reTabNewline = /[\t\n\r]/g;
const reHasTabNewline = /[\t\n\r]/;

// Parser states.
const SCHEME_START = 1;
const SCHEME = 2;
const NO_SCHEME = 3;
const SPECIAL_RELATIVE_OR_AUTHORITY = 4;
const PATH_OR_AUTHORITY = 5;
const RELATIVE = 6;
const RELATIVE_SLASH = 7;
const SPECIAL_AUTHORITY_SLASHES = 8;
const SPECIAL_AUTHORITY_IGNORE_SLASHES = 9;
const AUTHORITY = 10;
const HOST = 11;
const HOSTNAME = 12;
const PORT = 13;
const FILE = 14;
const FILE_SLASH = 15;
const FILE_HOST = 16;
const PATH_START = 17;
const PATH = 18;
const OPAQUE_PATH = 19;
const QUERY = 20;
const FRAGMENT = 21;

/**
 * The basic URL parser. https://url.spec.whatwg.org/#concept-basic-url-parser
 * Returns the URL record, or FAILURE. With `url` and `stateOverride` it modifies `url` in
 * place (the return value then only matters to say "failure").
 */
function basicURLParse(input, base = null, url = null, stateOverride = 0) {
  if (url === null) {
    // 1. If url is not given: set url to a new URL; remove any leading and trailing C0
    //    control or space from input.
    url = newURLRecord();
    if (input.length > 0 && (StringPrototypeCharCodeAt(input, 0) <= 0x20 ||
        StringPrototypeCharCodeAt(input, input.length - 1) <= 0x20)) {
      input = StringPrototypeReplace(input, reTrimC0, "");
    }
  }
  // 2-3. Remove all ASCII tab or newline from input.
  if (RegExpPrototypeTest(reHasTabNewline, input)) {
    input = StringPrototypeReplace(input, reTabNewline, "");
  }
  // 4. Let state be state override if given, or scheme start state otherwise.
  let state = stateOverride || SCHEME_START;
  // 6. Let buffer be the empty string.
  let buffer = "";
  // 7. Let atSignSeen, insideBrackets, and passwordTokenSeen be false.
  let atSignSeen = false;
  let insideBrackets = false;
  let passwordTokenSeen = false;
  const len = input.length;
  // 8. Let pointer be a pointer for input.
  let p = 0;
  // 9. Keep running the state machine. If after a run pointer points to the EOF code
  //    point, stop. Otherwise, increase pointer by 1 and continue.
  for (;; p++) {
    const c = p < len ? StringPrototypeCharCodeAt(input, p) : EOF;
    switch (state) {
      case SCHEME_START:
        if (isASCIIAlpha(c)) {
          // 1. If c is an ASCII alpha, append c, lowercased, to buffer, and set state to
          //    scheme state.
          buffer += StringFromCharCode(c | 0x20);
          state = SCHEME;
        } else if (!stateOverride) {
          // 2. Otherwise, if state override is not given, set state to no scheme state and
          //    decrease pointer by 1.
          state = NO_SCHEME;
          p--;
        } else {
          // 3. Otherwise, return failure.
          return FAILURE;
        }
        break;

      case SCHEME:
        if (isASCIIAlphanumeric(c) || c === 0x2b || c === 0x2d || c === 0x2e) {
          // 1. If c is an ASCII alphanumeric, U+002B (+), U+002D (-), or U+002E (.),
          //    append c, lowercased, to buffer. (The whole run at once.)
          let j = p + 1;
          while (j < len && isSchemeCodePoint(StringPrototypeCharCodeAt(input, j))) j++;
          buffer += StringPrototypeToLowerCase(StringPrototypeSlice(input, p, j));
          p = j - 1;
        } else if (c === 0x3a) {
          // 2. Otherwise, if c is U+003A (:), then:
          if (stateOverride) {
            // 1. If state override is given, then:
            const urlSpecial = isSpecialScheme(url.scheme);
            const bufferSpecial = isSpecialScheme(buffer);
            // If url's scheme is a special scheme and buffer is not, then return.
            if (urlSpecial && !bufferSpecial) return url;
            // If url's scheme is not a special scheme and buffer is a special scheme, return.
            if (!urlSpecial && bufferSpecial) return url;
            // If url includes credentials or has a non-null port, and buffer is "file",
            // then return.
            if ((includesCredentials(url) || url.port !== null) && buffer === "file") {
              return url;
            }
            // If url's scheme is "file" and its host is an empty host, then return.
            if (url.scheme === "file" && url.host === "") return url;
          }
          // 2. Set url's scheme to buffer.
          url.scheme = buffer;
          // 3. If state override is given, then: if url's port is url's scheme's default
          //    port, then set url's port to null; return.
          if (stateOverride) {
            if (url.port === defaultPort(url.scheme)) url.port = null;
            return url;
          }
          // 4. Set buffer to the empty string.
          buffer = "";
          if (url.scheme === "file") {
            // 5. If url's scheme is "file", then set state to file state.
            state = FILE;
          } else if (isSpecialScheme(url.scheme) && base !== null &&
                     base.scheme === url.scheme) {
            // 6. Otherwise, if url is special, base is non-null, and base's scheme is
            //    url's scheme: set state to special relative or authority state.
            state = SPECIAL_RELATIVE_OR_AUTHORITY;
          } else if (isSpecialScheme(url.scheme)) {
            // 7. Otherwise, if url is special, set state to special authority slashes state.
            state = SPECIAL_AUTHORITY_SLASHES;
          } else if (p + 1 < len && StringPrototypeCharCodeAt(input, p + 1) === 0x2f) {
            // 8. Otherwise, if remaining starts with an U+002F (/), set state to path or
            //    authority state and increase pointer by 1.
            state = PATH_OR_AUTHORITY;
            p++;
          } else {
            // 9. Otherwise, set url's path to the empty string and set state to opaque
            //    path state.
            url.path = "";
            state = OPAQUE_PATH;
          }
        } else if (!stateOverride) {
          // 3. Otherwise, if state override is not given, set buffer to the empty string,
          //    state to no scheme state, and start over (from the first code point in input).
          buffer = "";
          state = NO_SCHEME;
          p = -1;
        } else {
          // 4. Otherwise, return failure.
          return FAILURE;
        }
        break;

      case NO_SCHEME:
        if (base === null || (hasOpaquePath(base) && c !== 0x23)) {
          // 1. If base is null, or base has an opaque path and c is not U+0023 (#),
          //    missing-scheme-non-relative-URL validation error, return failure.
          return FAILURE;
        } else if (hasOpaquePath(base) && c === 0x23) {
          // 2. Otherwise, if base has an opaque path and c is U+0023 (#), set url's scheme
          //    to base's scheme, url's path to base's path, url's query to base's query,
          //    url's fragment to the empty string, and set state to fragment state.
          url.scheme = base.scheme;
          url.path = base.path;
          url.query = base.query;
          url.fragment = "";
          state = FRAGMENT;
        } else if (base.scheme !== "file") {
          // 3. Otherwise, if base's scheme is not "file", set state to relative state and
          //    decrease pointer by 1.
          state = RELATIVE;
          p--;
        } else {
          // 4. Otherwise, set state to file state and decrease pointer by 1.
          state = FILE;
          p--;
        }
        break;

      case SPECIAL_RELATIVE_OR_AUTHORITY:
        if (c === 0x2f && p + 1 < len && StringPrototypeCharCodeAt(input, p + 1) === 0x2f) {
          // 1. If c is U+002F (/) and remaining starts with U+002F (/), then set state to
          //    special authority ignore slashes state and increase pointer by 1.
          state = SPECIAL_AUTHORITY_IGNORE_SLASHES;
          p++;
        } else {
          // 2. Otherwise, set state to relative state and decrease pointer by 1.
          state = RELATIVE;
          p--;
        }
        break;

      case PATH_OR_AUTHORITY:
        if (c === 0x2f) {
          // 1. If c is U+002F (/), then set state to authority state.
          state = AUTHORITY;
        } else {
          // 2. Otherwise, set state to path state, and decrease pointer by 1.
          state = PATH;
          p--;
        }
        break;

      case RELATIVE:
        // 1. Assert: base's scheme is not "file". 2. Set url's scheme to base's scheme.
        url.scheme = base.scheme;
        if (c === 0x2f) {
          // 3. If c is U+002F (/), then set state to relative slash state.
          state = RELATIVE_SLASH;
        } else if (isSpecialScheme(url.scheme) && c === 0x5c) {
          // 4. Otherwise, if url is special and c is U+005C (\), set state to relative
          //    slash state.
          state = RELATIVE_SLASH;
        } else {
          // 5. Otherwise: set url's username, password, host, port, path (a clone) and
          //    query to base's.
          url.username = base.username;
          url.password = base.password;
          url.host = base.host;
          url.port = base.port;
          url.path = ArrayPrototypeSlice(base.path);
          url.query = base.query;
          if (c === 0x3f) {
            // 2. If c is U+003F (?), then set url's query to the empty string, and state to
            //    query state.
            url.query = "";
            state = QUERY;
          } else if (c === 0x23) {
            // 3. Otherwise, if c is U+0023 (#), set url's fragment to the empty string and
            //    state to fragment state.
            url.fragment = "";
            state = FRAGMENT;
          } else if (c !== EOF) {
            // 4. Otherwise, if c is not the EOF code point: set url's query to null,
            //    shorten url's path, set state to path state and decrease pointer by 1.
            url.query = null;
            shortenPath(url);
            state = PATH;
            p--;
          }
        }
        break;

      case RELATIVE_SLASH:
        if (isSpecialScheme(url.scheme) && (c === 0x2f || c === 0x5c)) {
          // 1. If url is special and c is U+002F (/) or U+005C (\), then set state to
          //    special authority ignore slashes state.
          state = SPECIAL_AUTHORITY_IGNORE_SLASHES;
        } else if (c === 0x2f) {
          // 2. Otherwise, if c is U+002F (/), then set state to authority state.
          state = AUTHORITY;
        } else {
          // 3. Otherwise, set url's username, password, host and port to base's, state to
          //    path state, and then, decrease pointer by 1.
          url.username = base.username;
          url.password = base.password;
          url.host = base.host;
          url.port = base.port;
          state = PATH;
          p--;
        }
        break;

      case SPECIAL_AUTHORITY_SLASHES:
        if (c === 0x2f && p + 1 < len && StringPrototypeCharCodeAt(input, p + 1) === 0x2f) {
          // 1. If c is U+002F (/) and remaining starts with U+002F (/), then set state to
          //    special authority ignore slashes state and increase pointer by 1.
          state = SPECIAL_AUTHORITY_IGNORE_SLASHES;
          p++;
        } else {
          // 2. Otherwise, set state to special authority ignore slashes state and decrease
          //    pointer by 1.
          state = SPECIAL_AUTHORITY_IGNORE_SLASHES;
          p--;
        }
        break;

      case SPECIAL_AUTHORITY_IGNORE_SLASHES:
        // 1. If c is neither U+002F (/) nor U+005C (\), then set state to authority state
        //    and decrease pointer by 1.
        if (c !== 0x2f && c !== 0x5c) {
          state = AUTHORITY;
          p--;
        }
        // 2. Otherwise, special-scheme-missing-following-solidus validation error.
        break;

      case AUTHORITY:
        if (c === 0x40) {
          // 1. If c is U+0040 (@), then:
          // 2. If atSignSeen is true, then prepend "%40" to buffer.
          if (atSignSeen) buffer = "%40" + buffer;
          // 3. Set atSignSeen to true.
          atSignSeen = true;
          // 4. For each codePoint in buffer: the first ":" (if no password token was seen
          //    yet) switches to the password; everything else is UTF-8 percent-encoded
          //    with the userinfo percent-encode set.
          let colon = -1;
          if (!passwordTokenSeen) colon = StringPrototypeIndexOf(buffer, ":");
          if (colon === -1) {
            const encoded = percentEncodeString(buffer, USERINFO_SET);
            if (passwordTokenSeen) url.password += encoded;
            else url.username += encoded;
          } else {
            passwordTokenSeen = true;
            url.username += percentEncodeString(
              StringPrototypeSlice(buffer, 0, colon), USERINFO_SET,
            );
            url.password += percentEncodeString(
              StringPrototypeSlice(buffer, colon + 1), USERINFO_SET,
            );
          }
          // 5. Set buffer to the empty string.
          buffer = "";
        } else if (c === EOF || c === 0x2f || c === 0x3f || c === 0x23 ||
                   (c === 0x5c && isSpecialScheme(url.scheme))) {
          // 2. Otherwise, if c is the EOF code point, U+002F (/), U+003F (?), or U+0023
          //    (#), or url is special and c is U+005C (\), then:
          // 1. If atSignSeen is true and buffer is the empty string, host-missing
          //    validation error, return failure.
          if (atSignSeen && buffer === "") return FAILURE;
          // 2. Decrease pointer by buffer's code point length + 1, set buffer to the empty
          //    string, and set state to host state.
          p -= buffer.length + 1;
          buffer = "";
          state = HOST;
        } else {
          // 3. Otherwise, append c to buffer. (The run up to the next delimiter at once.)
          let j = p + 1;
          while (j < len && !isAuthorityDelimiter(StringPrototypeCharCodeAt(input, j))) j++;
          buffer += StringPrototypeSlice(input, p, j);
          p = j - 1;
        }
        break;

      case HOST:
      case HOSTNAME:
        if (stateOverride && url.scheme === "file") {
          // 1. If state override is given and url's scheme is "file", then decrease
          //    pointer by 1 and set state to file host state.
          p--;
          state = FILE_HOST;
        } else if (c === 0x3a && !insideBrackets) {
          // 2. Otherwise, if c is U+003A (:) and insideBrackets is false, then:
          // 1. If buffer is the empty string, host-missing validation error, return failure.
          if (buffer === "") return FAILURE;
          // 2. If state override is given and state override is hostname state, then
          //    return failure.
          if (stateOverride === HOSTNAME) return FAILURE;
          // 3. Let host be the result of host parsing buffer with url is not special.
          const host = parseHost(buffer, !isSpecialScheme(url.scheme));
          // 4. If host is failure, then return failure.
          if (host === FAILURE) return FAILURE;
          // 5. Set url's host to host, buffer to the empty string, and state to port state.
          url.host = host;
          buffer = "";
          state = PORT;
        } else if (c === EOF || c === 0x2f || c === 0x3f || c === 0x23 ||
                   (c === 0x5c && isSpecialScheme(url.scheme))) {
          // 3. Otherwise, if c is the EOF code point, U+002F (/), U+003F (?), or U+0023
          //    (#), or url is special and c is U+005C (\), then decrease pointer by 1, and:
          p--;
          // 1. If url is special and buffer is the empty string, host-missing validation
          //    error, return failure.
          if (isSpecialScheme(url.scheme) && buffer === "") return FAILURE;
          // 2. Otherwise, if state override is given, buffer is the empty string, and
          //    either url includes credentials or url's port is non-null, return.
          if (stateOverride && buffer === "" &&
              (includesCredentials(url) || url.port !== null)) {
            return FAILURE;
          }
          // 3. Let host be the result of host parsing buffer with url is not special.
          const host = parseHost(buffer, !isSpecialScheme(url.scheme));
          // 4. If host is failure, then return failure.
          if (host === FAILURE) return FAILURE;
          // 5. Set url's host to host, buffer to the empty string, and state to path
          //    start state.
          url.host = host;
          buffer = "";
          state = PATH_START;
          // 6. If state override is given, then return.
          if (stateOverride) return url;
        } else {
          // 4. Otherwise: if c is U+005B ([), then set insideBrackets to true; if c is
          //    U+005D (]), then set insideBrackets to false; append c to buffer.
          if (c === 0x5b) insideBrackets = true;
          if (c === 0x5d) insideBrackets = false;
          let j = p + 1;
          while (j < len && !isHostDelimiter(StringPrototypeCharCodeAt(input, j))) j++;
          buffer += StringPrototypeSlice(input, p, j);
          p = j - 1;
        }
        break;

      case PORT:
        if (c >= 0x30 && c <= 0x39) {
          // 1. If c is an ASCII digit, append c to buffer.
          buffer += input[p];
        } else if (c === EOF || c === 0x2f || c === 0x3f || c === 0x23 ||
                   (c === 0x5c && isSpecialScheme(url.scheme)) || stateOverride) {
          // 2. Otherwise, if c is the EOF code point, U+002F (/), U+003F (?), or U+0023
          //    (#), url is special and c is U+005C (\), or state override is given:
          if (buffer !== "") {
            // 1. If buffer is not the empty string: let port be the integer it represents.
            let port = 0;
            for (let i = 0; i < buffer.length; i++) {
              port = port * 10 + (StringPrototypeCharCodeAt(buffer, i) - 0x30);
              // 2. If port is greater than 2^16 − 1, port-out-of-range validation error,
              //    return failure.
              if (port > 65535) return FAILURE;
            }
            // 3. Set url's port to null, if port is url's scheme's default port;
            //    otherwise to port.
            url.port = port === defaultPort(url.scheme) ? null : port;
            // 4. Set buffer to the empty string.
            buffer = "";
            // 5. If state override is given, then return.
            if (stateOverride) return url;
          }
          // 2. If state override is given, then return failure.
          if (stateOverride) return FAILURE;
          // 3. Set state to path start state and decrease pointer by 1.
          state = PATH_START;
          p--;
        } else {
          // 3. Otherwise, port-invalid validation error, return failure.
          return FAILURE;
        }
        break;

      case FILE:
        // 1. Set url's scheme to "file". 2. Set url's host to the empty string.
        url.scheme = "file";
        url.host = "";
        if (c === 0x2f || c === 0x5c) {
          // 3. If c is U+002F (/) or U+005C (\), then set state to file slash state.
          state = FILE_SLASH;
        } else if (base !== null && base.scheme === "file") {
          // 4. Otherwise, if base is non-null and base's scheme is "file":
          // 1. Set url's host to base's host, url's path to a clone of base's path, and
          //    url's query to base's query.
          url.host = base.host;
          url.path = ArrayPrototypeSlice(base.path);
          url.query = base.query;
          if (c === 0x3f) {
            // 2. If c is U+003F (?), then set url's query to the empty string and state to
            //    query state.
            url.query = "";
            state = QUERY;
          } else if (c === 0x23) {
            // 3. Otherwise, if c is U+0023 (#), set url's fragment to the empty string and
            //    state to fragment state.
            url.fragment = "";
            state = FRAGMENT;
          } else if (c !== EOF) {
            // 4. Otherwise, if c is not the EOF code point:
            // 1. Set url's query to null.
            url.query = null;
            if (!startsWithWindowsDriveLetter(input, p)) {
              // 2. If the code point substring from pointer to the end of input does not
              //    start with a Windows drive letter, then shorten url's path.
              shortenPath(url);
            } else {
              // 3. Otherwise: set url's path to « ».
              url.path = [];
            }
            // 4. Set state to path state and decrease pointer by 1.
            state = PATH;
            p--;
          }
        } else {
          // 5. Otherwise, set state to path state, and decrease pointer by 1.
          state = PATH;
          p--;
        }
        break;

      case FILE_SLASH:
        if (c === 0x2f || c === 0x5c) {
          // 1. If c is U+002F (/) or U+005C (\), then set state to file host state.
          state = FILE_HOST;
        } else {
          // 2. Otherwise:
          if (base !== null && base.scheme === "file") {
            // 1. If base is non-null and base's scheme is "file", then:
            // 1. Set url's host to base's host.
            url.host = base.host;
            // 2. If the code point substring from pointer to the end of input does not
            //    start with a Windows drive letter and base's path[0] is a normalized
            //    Windows drive letter, then append base's path[0] to url's path.
            if (!startsWithWindowsDriveLetter(input, p) && base.path.length > 0 &&
                isWindowsDriveLetter(base.path[0], true)) {
              ArrayPrototypePush(url.path, base.path[0]);
            }
          }
          // 2. Set state to path state, and decrease pointer by 1.
          state = PATH;
          p--;
        }
        break;

      case FILE_HOST:
        if (c === EOF || c === 0x2f || c === 0x5c || c === 0x3f || c === 0x23) {
          // 1. If c is the EOF code point, U+002F (/), U+005C (\), U+003F (?), or U+0023
          //    (#), then decrease pointer by 1 and then:
          p--;
          if (!stateOverride && isWindowsDriveLetter(buffer, false)) {
            // 1. If state override is not given and buffer is a Windows drive letter,
            //    set state to path state. (buffer is not reset: the path state uses it.)
            state = PATH;
          } else if (buffer === "") {
            // 2. Otherwise, if buffer is the empty string, then: set url's host to the
            //    empty string; if state override is given, then return; set state to path
            //    start state.
            url.host = "";
            if (stateOverride) return url;
            state = PATH_START;
          } else {
            // 3. Otherwise: let host be the result of host parsing buffer with url is not
            //    special; if host is failure, then return failure.
            let host = parseHost(buffer, !isSpecialScheme(url.scheme));
            if (host === FAILURE) return FAILURE;
            // If host is "localhost", then set host to the empty string.
            if (host === "localhost") host = "";
            // Set url's host to host.
            url.host = host;
            // If state override is given, then return.
            if (stateOverride) return url;
            // Set buffer to the empty string and state to path start state.
            buffer = "";
            state = PATH_START;
          }
        } else {
          // 2. Otherwise, append c to buffer.
          buffer += input[p];
        }
        break;

      case PATH_START:
        if (isSpecialScheme(url.scheme)) {
          // 1. If url is special, then: set state to path state; if c is neither U+002F
          //    (/) nor U+005C (\), then decrease pointer by 1.
          state = PATH;
          if (c !== 0x2f && c !== 0x5c) p--;
        } else if (!stateOverride && c === 0x3f) {
          // 2. Otherwise, if state override is not given and c is U+003F (?), set url's
          //    query to the empty string and state to query state.
          url.query = "";
          state = QUERY;
        } else if (!stateOverride && c === 0x23) {
          // 3. Otherwise, if state override is not given and c is U+0023 (#), set url's
          //    fragment to the empty string and state to fragment state.
          url.fragment = "";
          state = FRAGMENT;
        } else if (c !== EOF) {
          // 4. Otherwise, if c is not the EOF code point: set state to path state; if c is
          //    not U+002F (/), then decrease pointer by 1.
          state = PATH;
          if (c !== 0x2f) p--;
        } else if (stateOverride && url.host === null) {
          // 5. Otherwise, if state override is given and url's host is null, append the
          //    empty string to url's path.
          ArrayPrototypePush(url.path, "");
        }
        break;

      case PATH: {
        const special = isSpecialScheme(url.scheme);
        if (c === EOF || c === 0x2f || (special && c === 0x5c) ||
            (!stateOverride && (c === 0x3f || c === 0x23))) {
          // 1. If c is the EOF code point or U+002F (/), url is special and c is U+005C
          //    (\), or state override is not given and c is U+003F (?) or U+0023 (#):
          const slash = c === 0x2f || (special && c === 0x5c);
          if (isDoubleDot(buffer)) {
            // 2. If buffer is a double-dot URL path segment, then: shorten url's path; if
            //    neither c is U+002F (/), nor url is special and c is U+005C (\), append
            //    the empty string to url's path.
            shortenPath(url);
            if (!slash) ArrayPrototypePush(url.path, "");
          } else if (isSingleDot(buffer) && !slash) {
            // 3. Otherwise, if buffer is a single-dot URL path segment and if neither c is
            //    U+002F (/), nor url is special and c is U+005C (\), append the empty
            //    string to url's path.
            ArrayPrototypePush(url.path, "");
          } else if (!isSingleDot(buffer)) {
            // 4. Otherwise, if buffer is not a single-dot URL path segment, then:
            // 1. If url's scheme is "file", url's path is empty, and buffer is a Windows
            //    drive letter, then replace the second code point in buffer with U+003A (:).
            if (url.scheme === "file" && url.path.length === 0 &&
                isWindowsDriveLetter(buffer, false)) {
              buffer = buffer[0] + ":";
            }
            // 2. Append buffer to url's path.
            ArrayPrototypePush(url.path, buffer);
          }
          // 5. Set buffer to the empty string.
          buffer = "";
          if (c === 0x3f) {
            // 6. If c is U+003F (?), then set url's query to the empty string and state to
            //    query state.
            url.query = "";
            state = QUERY;
          }
          if (c === 0x23) {
            // 7. If c is U+0023 (#), then set url's fragment to the empty string and state
            //    to fragment state.
            url.fragment = "";
            state = FRAGMENT;
          }
        } else {
          // 2. Otherwise: UTF-8 percent-encode c using the path percent-encode set and
          //    append the result to buffer.
          if (c < 0x80) {
            if (PATH_SET[c] === 1) {
              buffer += percentTable[c];
            } else {
              // The run of code points that need no encoding and end nothing, at once.
              let j = p + 1;
              while (j < len) {
                const d = StringPrototypeCharCodeAt(input, j);
                if (d >= 0x80 || PATH_SET[d] === 1 || d === 0x2f || d === 0x5c) break;
                j++;
              }
              buffer += StringPrototypeSlice(input, p, j);
              p = j - 1;
            }
          } else {
            const cp = StringPrototypeCodePointAt(input, p);
            if (cp > 0xffff) p++;
            buffer += percentEncodeNonASCII(cp);
          }
        }
        break;
      }

      case OPAQUE_PATH:
        if (c === 0x3f) {
          // 1. If c is U+003F (?), then set url's query to the empty string and state to
          //    query state.
          url.query = "";
          state = QUERY;
        } else if (c === 0x23) {
          // 2. Otherwise, if c is U+0023 (#), then set url's fragment to the empty string
          //    and state to fragment state.
          url.fragment = "";
          state = FRAGMENT;
        } else if (c === 0x20) {
          // 3. Otherwise, if c is U+0020 SPACE: if remaining starts with U+003F (?) or
          //    U+0023 (#), then append "%20" to url's path; otherwise, append U+0020 SPACE
          //    to url's path.
          const next = p + 1 < len ? StringPrototypeCharCodeAt(input, p + 1) : EOF;
          url.path += next === 0x3f || next === 0x23 ? "%20" : " ";
        } else if (c !== EOF) {
          // 4. Otherwise, if c is not the EOF code point: UTF-8 percent-encode c using the
          //    C0 control percent-encode set and append the result to url's path.
          if (c < 0x80) {
            url.path += C0_CONTROL_SET[c] === 1 ? percentTable[c] : input[p];
          } else {
            const cp = StringPrototypeCodePointAt(input, p);
            if (cp > 0xffff) p++;
            url.path += percentEncodeNonASCII(cp);
          }
        }
        break;

      case QUERY:
        if ((!stateOverride && c === 0x23) || c === EOF) {
          // 2. If state override is not given and c is U+0023 (#), or c is the EOF code
          //    point, then: percent-encode buffer with the special-query percent-encode set
          //    if url is special, otherwise the query percent-encode set, and append the
          //    result to url's query.
          const set = isSpecialScheme(url.scheme) ? SPECIAL_QUERY_SET : QUERY_SET;
          url.query += percentEncodeString(buffer, set);
          // 3. Set buffer to the empty string.
          buffer = "";
          // 4. If c is U+0023 (#), then set url's fragment to the empty string and state to
          //    fragment state.
          if (c === 0x23) {
            url.fragment = "";
            state = FRAGMENT;
          }
        } else if (c !== EOF) {
          // 3. Otherwise, if c is not the EOF code point: append c to buffer. (The rest of
          //    the query up to "#" or the end is appended at once.)
          let end = stateOverride ? len : StringPrototypeIndexOf(input, "#", p);
          if (end === -1) end = len;
          buffer += StringPrototypeSlice(input, p, end);
          p = end - 1;
        }
        break;

      case FRAGMENT:
        // 1. If c is not the EOF code point: UTF-8 percent-encode c using the fragment
        //    percent-encode set and append the result to url's fragment. (All of the rest
        //    of the input is the fragment.)
        if (c !== EOF) {
          url.fragment += percentEncodeString(StringPrototypeSlice(input, p), FRAGMENT_SET);
          p = len - 1;
        }
        break;
    }
    if (p >= len) break;
  }
  // 10. Return url.
  return url;
}

// ---------------------------------------------------------------------------------------
// Serializers — https://url.spec.whatwg.org/#url-serializing

function serializePath(url) {
  // https://url.spec.whatwg.org/#url-path-serializer
  const path = url.path;
  if (typeof path === "string") return path;
  let output = "";
  for (let i = 0; i < path.length; i++) output += "/" + path[i];
  return output;
}

function serializeURL(url, excludeFragment = false) {
  // 1. Let output be url's scheme and U+003A (:) concatenated.
  let output = url.scheme + ":";
  // 2. If url's host is non-null:
  if (url.host !== null) {
    // 1. Append "//" to output.
    output += "//";
    // 2. If url includes credentials, then: append url's username; if url's password is
    //    not the empty string, then append U+003A (:), followed by url's password; append
    //    U+0040 (@).
    if (includesCredentials(url)) {
      output += url.username;
      if (url.password !== "") output += ":" + url.password;
      output += "@";
    }
    // 3. Append url's host, serialized, to output.
    output += url.host;
    // 4. If url's port is non-null, append U+003A (:) followed by url's port, serialized.
    if (url.port !== null) output += ":" + url.port;
  }
  // 3. If url's host is null, url does not have an opaque path, url's path's size is
  //    greater than 1, and url's path[0] is the empty string, then append U+002F (/)
  //    followed by U+002E (.) to output.
  if (url.host === null && typeof url.path !== "string" && url.path.length > 1 &&
      url.path[0] === "") {
    output += "/.";
  }
  // 4. Append the result of URL path serializing url to output.
  output += serializePath(url);
  // 5. If url's query is non-null, append U+003F (?), followed by url's query, to output.
  if (url.query !== null) output += "?" + url.query;
  // 6. If exclude fragment is false and url's fragment is non-null, then append U+0023 (#),
  //    followed by url's fragment, to output.
  if (!excludeFragment && url.fragment !== null) output += "#" + url.fragment;
  return output;
}

/** https://url.spec.whatwg.org/#concept-url-origin, serialized. */
function serializeOrigin(url) {
  switch (url.scheme) {
    case "blob": {
      // 2. Let pathURL be the result of parsing the result of URL path serializing url.
      const pathURL = basicURLParse(serializePath(url));
      // 3. If pathURL is failure, then return a new opaque origin.
      if (pathURL === FAILURE) return "null";
      // 4. If pathURL's scheme is "http", "https", or "file", then return pathURL's origin.
      if (pathURL.scheme === "http" || pathURL.scheme === "https") {
        return serializeOrigin(pathURL);
      }
      // 5. Return a new opaque origin.
      return "null";
    }
    case "ftp":
    case "http":
    case "https":
    case "ws":
    case "wss":
      // Return the tuple origin (url's scheme, url's host, url's port, null).
      return url.scheme + "://" + url.host + (url.port !== null ? ":" + url.port : "");
    default:
      // "file": unfortunate as it is, this is left as an exercise to the reader; opaque.
      // Otherwise: return a new opaque origin.
      return "null";
  }
}

// ---------------------------------------------------------------------------------------
// application/x-www-form-urlencoded — https://url.spec.whatwg.org/#urlencoded-parsing

const rePlus = /\+/g;

function decodeFormComponent(s) {
  if (StringPrototypeIndexOf(s, "+") !== -1) s = StringPrototypeReplace(s, rePlus, " ");
  let needsDecode = false;
  for (let i = 0; i < s.length; i++) {
    const c = StringPrototypeCharCodeAt(s, i);
    if (c === 0x25 || c >= 0x80) {
      needsDecode = true;
      break;
    }
  }
  if (!needsDecode) return s;
  // UTF-8 decode without BOM (lossy) of the percent-decoding.
  return utf8Decode(percentDecode(s));
}

/** https://url.spec.whatwg.org/#concept-urlencoded-parser on a (USV)string. */
function urlencodedParse(input) {
  const output = [];
  // 1. Let sequences be the result of splitting input on 0x26 (&).
  const sequences = StringPrototypeSplit(input, "&");
  // 3. For each byte sequence bytes in sequences:
  for (let i = 0; i < sequences.length; i++) {
    const bytes = sequences[i];
    // 1. If bytes is the empty byte sequence, then continue.
    if (bytes === "") continue;
    // 2. If bytes contains a 0x3D (=), then let name be the bytes from the start of bytes
    //    up to but excluding its first 0x3D (=), and let value be the bytes, if any, after
    //    the first 0x3D (=) up to the end of bytes.
    // 3. Otherwise, let name have the value of bytes and let value be the empty sequence.
    const eq = StringPrototypeIndexOf(bytes, "=");
    const name = eq === -1 ? bytes : StringPrototypeSlice(bytes, 0, eq);
    const value = eq === -1 ? "" : StringPrototypeSlice(bytes, eq + 1);
    // 4-6. Replace any 0x2B (+) in name and value with 0x20 (SP), percent-decode, and UTF-8
    //      decode without BOM.
    ArrayPrototypePush(output, [decodeFormComponent(name), decodeFormComponent(value)]);
  }
  return output;
}

/** https://url.spec.whatwg.org/#concept-urlencoded-serializer */
function urlencodedSerialize(list) {
  let output = "";
  for (let i = 0; i < list.length; i++) {
    const pair = list[i];
    if (i > 0) output += "&";
    output += percentEncodeString(pair[0], URLENCODED_SET, true) + "=" +
      percentEncodeString(pair[1], URLENCODED_SET, true);
  }
  return output;
}

// ---------------------------------------------------------------------------------------
// The URL interface — https://url.spec.whatwg.org/#url-class

const customInspect = SymbolFor("nodejs.util.inspect.custom");

function parseWithBase(url, base) {
  let parsedBase = null;
  if (base !== undefined) {
    parsedBase = basicURLParse(base);
    if (parsedBase === FAILURE) return FAILURE;
  }
  return basicURLParse(url, parsedBase);
}

let isURL;
let getURLRecord;
let createURLFromRecord;
let urlQueryUpdated; // (urlObject, query) -> void: URLSearchParams changed the query
// Internal construction token: only this file can pass it to the URL constructor.
const kFromRecord = ObjectCreate(null);
let pendingRecord = null;

class URL {
  #url;
  #searchParams = null; // created on first access
  #href = null; // cached serialization

  // constructor(USVString url, optional USVString base)
  constructor(url, base = undefined) {
    if (url === kFromRecord) {
      // Internal construction from an already parsed record (URL.parse, internals.parseURL).
      this.#url = pendingRecord;
      pendingRecord = null;
      return;
    }
    const prefix = "Failed to construct 'URL'";
    webidl.requiredArguments(arguments.length, 1, prefix);
    url = webidl.converters.USVString(url, prefix, webidl.arg(0));
    if (base !== undefined) base = webidl.converters.USVString(base, prefix, webidl.arg(1));
    // 1. Let parsedURL be the result of running the API URL parser on url with base, if
    //    given. 2. If parsedURL is failure, then throw a TypeError.
    const parsed = parseWithBase(url, base);
    if (parsed === FAILURE) throw new TypeError("Invalid URL string.");
    // 3. Initialize this with parsedURL.
    this.#url = parsed;
  }

  // static URL? parse(USVString url, optional USVString base)
  static parse(url, base = undefined) {
    const prefix = "Failed to execute 'parse' on 'URL'";
    webidl.requiredArguments(arguments.length, 1, prefix);
    url = webidl.converters.USVString(url, prefix, webidl.arg(0));
    if (base !== undefined) base = webidl.converters.USVString(base, prefix, webidl.arg(1));
    const parsed = parseWithBase(url, base);
    if (parsed === FAILURE) return null;
    return createURLFromRecord(parsed);
  }

  // static boolean canParse(USVString url, optional USVString base)
  static canParse(url, base = undefined) {
    const prefix = "Failed to execute 'canParse' on 'URL'";
    webidl.requiredArguments(arguments.length, 1, prefix);
    url = webidl.converters.USVString(url, prefix, webidl.arg(0));
    if (base !== undefined) base = webidl.converters.USVString(base, prefix, webidl.arg(1));
    return parseWithBase(url, base) !== FAILURE;
  }

  // workerd does not implement blob URLs either.
  static createObjectURL(_object) {
    throw new Error("URL.createObjectURL() is not implemented");
  }

  static revokeObjectURL(_url) {
    throw new Error("URL.revokeObjectURL() is not implemented");
  }

  get href() {
    if (!isURL(this)) webidl.illegalInvocation();
    if (this.#href === null) this.#href = serializeURL(this.#url);
    return this.#href;
  }

  set href(value) {
    if (!isURL(this)) webidl.illegalInvocation();
    const prefix = webidl.setterPrefix("URL", "href");
    value = webidl.converters.USVString(value, prefix, "the provided value");
    // 1. Let parsedURL be the result of running the basic URL parser on the given value.
    const parsed = basicURLParse(value);
    // 2. If parsedURL is failure, then throw a TypeError.
    if (parsed === FAILURE) throw new TypeError("Invalid URL string.");
    // 3. Set this's URL to parsedURL.
    this.#url = parsed;
    this.#href = null;
    // 4. Empty this's query object's list. 5. Let query be this's URL's query.
    // 6. If query is non-null, then set this's query object's list to the result of
    //    parsing query.
    this.#querySet();
  }

  get origin() {
    if (!isURL(this)) webidl.illegalInvocation();
    return serializeOrigin(this.#url);
  }

  get protocol() {
    if (!isURL(this)) webidl.illegalInvocation();
    return this.#url.scheme + ":";
  }

  set protocol(value) {
    if (!isURL(this)) webidl.illegalInvocation();
    value = webidl.converters.USVString(value, webidl.setterPrefix("URL", "protocol"),
      "the provided value");
    // Basic URL parse the given value, followed by U+003A (:), with this's URL as url and
    // scheme start state as state override.
    basicURLParse(value + ":", null, this.#url, SCHEME_START);
    this.#href = null;
  }

  get username() {
    if (!isURL(this)) webidl.illegalInvocation();
    return this.#url.username;
  }

  set username(value) {
    if (!isURL(this)) webidl.illegalInvocation();
    value = webidl.converters.USVString(value, webidl.setterPrefix("URL", "username"),
      "the provided value");
    // 1. If this's URL cannot have a username/password/port, then return.
    if (cannotHaveUsernamePasswordPort(this.#url)) return;
    // 2. Set the username given this's URL and the given value.
    this.#url.username = percentEncodeString(value, USERINFO_SET);
    this.#href = null;
  }

  get password() {
    if (!isURL(this)) webidl.illegalInvocation();
    return this.#url.password;
  }

  set password(value) {
    if (!isURL(this)) webidl.illegalInvocation();
    value = webidl.converters.USVString(value, webidl.setterPrefix("URL", "password"),
      "the provided value");
    // 1. If this's URL cannot have a username/password/port, then return.
    if (cannotHaveUsernamePasswordPort(this.#url)) return;
    // 2. Set the password given this's URL and the given value.
    this.#url.password = percentEncodeString(value, USERINFO_SET);
    this.#href = null;
  }

  get host() {
    if (!isURL(this)) webidl.illegalInvocation();
    const url = this.#url;
    // 2. If url's host is null, then return the empty string.
    if (url.host === null) return "";
    // 3. If url's port is null, return url's host, serialized.
    if (url.port === null) return url.host;
    // 4. Return url's host, serialized, followed by U+003A (:) and url's port, serialized.
    return url.host + ":" + url.port;
  }

  set host(value) {
    if (!isURL(this)) webidl.illegalInvocation();
    value = webidl.converters.USVString(value, webidl.setterPrefix("URL", "host"),
      "the provided value");
    // 1. If this's URL has an opaque path, then return.
    if (hasOpaquePath(this.#url)) return;
    // 2. Basic URL parse the given value with this's URL as url and host state as state
    //    override.
    this.#parseInto(value, HOST);
  }

  get hostname() {
    if (!isURL(this)) webidl.illegalInvocation();
    // 1. If this's URL's host is null, then return the empty string.
    // 2. Return this's URL's host, serialized.
    return this.#url.host === null ? "" : this.#url.host;
  }

  set hostname(value) {
    if (!isURL(this)) webidl.illegalInvocation();
    value = webidl.converters.USVString(value, webidl.setterPrefix("URL", "hostname"),
      "the provided value");
    // 1. If this's URL has an opaque path, then return.
    if (hasOpaquePath(this.#url)) return;
    // 2. Basic URL parse the given value with this's URL as url and hostname state as state
    //    override.
    this.#parseInto(value, HOSTNAME);
  }

  get port() {
    if (!isURL(this)) webidl.illegalInvocation();
    // 1. If this's URL's port is null, then return the empty string.
    // 2. Return this's URL's port, serialized.
    return this.#url.port === null ? "" : String(this.#url.port);
  }

  set port(value) {
    if (!isURL(this)) webidl.illegalInvocation();
    value = webidl.converters.USVString(value, webidl.setterPrefix("URL", "port"),
      "the provided value");
    // 1. If this's URL cannot have a username/password/port, then return.
    if (cannotHaveUsernamePasswordPort(this.#url)) return;
    // 2. If the given value is the empty string, then set this's URL's port to null.
    if (value === "") {
      this.#url.port = null;
      this.#href = null;
      return;
    }
    // 3. Otherwise, basic URL parse the given value with this's URL as url and port state
    //    as state override.
    this.#parseInto(value, PORT);
  }

  get pathname() {
    if (!isURL(this)) webidl.illegalInvocation();
    // Return the result of URL path serializing this's URL.
    return serializePath(this.#url);
  }

  set pathname(value) {
    if (!isURL(this)) webidl.illegalInvocation();
    value = webidl.converters.USVString(value, webidl.setterPrefix("URL", "pathname"),
      "the provided value");
    // 1. If this's URL has an opaque path, then return.
    if (hasOpaquePath(this.#url)) return;
    // 2. Empty this's URL's path.
    this.#url.path = [];
    // 3. Basic URL parse the given value with this's URL as url and path start state as
    //    state override.
    this.#parseInto(value, PATH_START);
  }

  get search() {
    if (!isURL(this)) webidl.illegalInvocation();
    const query = this.#url.query;
    // 1. If this's URL's query is either null or the empty string, then return the empty
    //    string. 2. Return U+003F (?), followed by this's URL's query.
    return query === null || query === "" ? "" : "?" + query;
  }

  set search(value) {
    if (!isURL(this)) webidl.illegalInvocation();
    value = webidl.converters.USVString(value, webidl.setterPrefix("URL", "search"),
      "the provided value");
    const url = this.#url;
    this.#href = null;
    // 2. If the given value is the empty string, then set url's query to null, empty this's
    //    query object's list, and return.
    if (value === "") {
      url.query = null;
      this.#querySet();
      return;
    }
    // 3. Let input be the given value with a single leading U+003F (?) removed, if any.
    const input = StringPrototypeCharCodeAt(value, 0) === 0x3f ?
      StringPrototypeSlice(value, 1) : value;
    // 4. Set url's query to the empty string.
    url.query = "";
    // 5. Basic URL parse input with url as url and query state as state override.
    basicURLParse(input, null, url, QUERY);
    // 6. Set this's query object's list to the result of parsing input.
    this.#querySet();
  }

  get searchParams() {
    if (!isURL(this)) webidl.illegalInvocation();
    if (this.#searchParams === null) {
      this.#searchParams = createSearchParamsForURL(this, this.#url.query);
    }
    return this.#searchParams;
  }

  get hash() {
    if (!isURL(this)) webidl.illegalInvocation();
    const fragment = this.#url.fragment;
    // 1. If this's URL's fragment is either null or the empty string, then return the
    //    empty string. 2. Return U+0023 (#), followed by this's URL's fragment.
    return fragment === null || fragment === "" ? "" : "#" + fragment;
  }

  set hash(value) {
    if (!isURL(this)) webidl.illegalInvocation();
    value = webidl.converters.USVString(value, webidl.setterPrefix("URL", "hash"),
      "the provided value");
    const url = this.#url;
    this.#href = null;
    // 1. If the given value is the empty string, then set this's URL's fragment to null and
    //    return.
    if (value === "") {
      url.fragment = null;
      return;
    }
    // 2. Let input be the given value with a single leading U+0023 (#) removed, if any.
    const input = StringPrototypeCharCodeAt(value, 0) === 0x23 ?
      StringPrototypeSlice(value, 1) : value;
    // 3. Set this's URL's fragment to the empty string.
    url.fragment = "";
    // 4. Basic URL parse input with this's URL as url and fragment state as state override.
    basicURLParse(input, null, url, FRAGMENT);
  }

  toString() {
    if (!isURL(this)) webidl.illegalInvocation();
    return this.href;
  }

  toJSON() {
    if (!isURL(this)) webidl.illegalInvocation();
    return this.href;
  }

  // A state-override parse into this's URL. As in the spec, what the parser set before a
  // failure stays set (host = "example.com:invalid" changes the host, keeps the port).
  #parseInto(value, stateOverride) {
    basicURLParse(value, null, this.#url, stateOverride);
    this.#href = null;
  }

  // The URL's query changed: refresh the searchParams list (if it exists).
  #querySet() {
    if (this.#searchParams !== null) {
      resetSearchParamsList(this.#searchParams, this.#url.query);
    }
  }

  [customInspect](depth, options, inspect) {
    const obj = {
      __proto__: urlInspectProto,
      href: this.href,
      origin: this.origin,
      protocol: this.protocol,
      username: this.username,
      password: this.password,
      host: this.host,
      hostname: this.hostname,
      port: this.port,
      pathname: this.pathname,
      search: this.search,
      searchParams: this.searchParams,
      hash: this.hash,
    };
    if (typeof inspect !== "function") return this.href;
    return inspect(obj, options);
  }

  static {
    isURL = (V) => webidl.isObject(V) && #url in V;
    getURLRecord = (u) => u.#url;
    createURLFromRecord = (record) => {
      pendingRecord = record;
      return new URL(kFromRecord);
    };
    urlQueryUpdated = (u, serializedQuery) => {
      // https://url.spec.whatwg.org/#concept-urlsearchparams-update, steps 2-4.
      u.#url.query = serializedQuery;
      u.#href = null;
    };
  }
}

webidl.configureInterface(URL);
internals.defineGlobal("URL", URL);

// ---------------------------------------------------------------------------------------
// The URLSearchParams interface — https://url.spec.whatwg.org/#interface-urlsearchparams

let isURLSearchParams;
let createSearchParamsForURL;
let resetSearchParamsList;
let getSearchParamsList;

const recordOfUSVStrings = webidl.createRecordConverter(
  webidl.converters.USVString, webidl.converters.USVString,
);

function sequenceConverterError(prefix) {
  return new TypeError(
    `${prefix}: The provided value cannot be converted to a sequence.`,
  );
}

class URLSearchParams {
  #list = [];
  #url = null; // the URL object this is the query object of, or null

  // constructor(optional (sequence<sequence<USVString>> or record<USVString, USVString> or
  //             USVString) init = "")
  constructor(init = "") {
    const prefix = "Failed to construct 'URLSearchParams'";
    if (webidl.isObject(init)) {
      const method = init[SymbolIterator];
      if (method !== undefined && method !== null) {
        if (typeof method !== "function") throw sequenceConverterError(prefix);
        // 1. If init is a sequence, then for each innerSequence of init:
        const iter = ReflectApply(method, init, []);
        for (;;) {
          const step = iter.next();
          if (step.done) break;
          const inner = step.value;
          if (!webidl.isObject(inner) || typeof inner[SymbolIterator] !== "function") {
            throw sequenceConverterError(prefix);
          }
          const pair = [];
          for (const item of inner) {
            ArrayPrototypePush(pair, webidl.converters.USVString(item, prefix, webidl.arg(0)));
          }
          // 1. If innerSequence's size is not 2, then throw a TypeError.
          if (pair.length !== 2) {
            throw new TypeError(
              `${prefix}: Sequence initializer must only contain pair elements`,
            );
          }
          // 2. Append (innerSequence[0], innerSequence[1]) to query's list.
          ArrayPrototypePush(this.#list, pair);
        }
      } else {
        // 2. Otherwise, if init is a record, then for each name → value of init, append
        //    (name, value) to query's list.
        const record = recordOfUSVStrings(init, prefix, webidl.arg(0));
        for (const name in record) ArrayPrototypePush(this.#list, [name, record[name]]);
      }
    } else {
      // 3. Otherwise: assert: init is a string; set query's list to the result of parsing
      //    init. (Leading "?" removed first.)
      init = webidl.converters.USVString(init, prefix, webidl.arg(0));
      if (StringPrototypeCharCodeAt(init, 0) === 0x3f) init = StringPrototypeSlice(init, 1);
      this.#list = urlencodedParse(init);
    }
  }

  // https://url.spec.whatwg.org/#concept-urlsearchparams-update
  #update() {
    // 1. If query's URL object is null, then return.
    if (this.#url === null) return;
    // 2. Let serializedQuery be the serialization of query's list.
    let serializedQuery = urlencodedSerialize(this.#list);
    // 3. If serializedQuery is the empty string, then set serializedQuery to null.
    if (serializedQuery === "") serializedQuery = null;
    // 4. Set query's URL object's URL's query to serializedQuery.
    urlQueryUpdated(this.#url, serializedQuery);
  }

  get size() {
    if (!isURLSearchParams(this)) webidl.illegalInvocation();
    return this.#list.length;
  }

  append(name, value) {
    if (!isURLSearchParams(this)) webidl.illegalInvocation();
    const prefix = webidl.methodPrefix("URLSearchParams", "append");
    webidl.requiredArguments(arguments.length, 2, prefix);
    name = webidl.converters.USVString(name, prefix, webidl.arg(0));
    value = webidl.converters.USVString(value, prefix, webidl.arg(1));
    // 1. Append (name, value) to this's list. 2. Run the update steps.
    ArrayPrototypePush(this.#list, [name, value]);
    this.#update();
  }

  delete(name, value = undefined) {
    if (!isURLSearchParams(this)) webidl.illegalInvocation();
    const prefix = webidl.methodPrefix("URLSearchParams", "delete");
    webidl.requiredArguments(arguments.length, 1, prefix);
    name = webidl.converters.USVString(name, prefix, webidl.arg(0));
    if (value !== undefined) value = webidl.converters.USVString(value, prefix, webidl.arg(1));
    // 1. If value is given, then remove all tuples whose name is name and value is value
    //    from this's list. 2. Otherwise, remove all tuples whose name is name.
    const list = this.#list;
    let j = 0;
    for (let i = 0; i < list.length; i++) {
      const pair = list[i];
      if (pair[0] === name && (value === undefined || pair[1] === value)) continue;
      list[j++] = pair;
    }
    list.length = j;
    // 3. Run the update steps.
    this.#update();
  }

  get(name) {
    if (!isURLSearchParams(this)) webidl.illegalInvocation();
    const prefix = webidl.methodPrefix("URLSearchParams", "get");
    webidl.requiredArguments(arguments.length, 1, prefix);
    name = webidl.converters.USVString(name, prefix, webidl.arg(0));
    // The value of the first tuple whose name is name in this's list, if there is such a
    // tuple; otherwise null.
    const list = this.#list;
    for (let i = 0; i < list.length; i++) {
      if (list[i][0] === name) return list[i][1];
    }
    return null;
  }

  getAll(name) {
    if (!isURLSearchParams(this)) webidl.illegalInvocation();
    const prefix = webidl.methodPrefix("URLSearchParams", "getAll");
    webidl.requiredArguments(arguments.length, 1, prefix);
    name = webidl.converters.USVString(name, prefix, webidl.arg(0));
    const out = [];
    const list = this.#list;
    for (let i = 0; i < list.length; i++) {
      if (list[i][0] === name) ArrayPrototypePush(out, list[i][1]);
    }
    return out;
  }

  has(name, value = undefined) {
    if (!isURLSearchParams(this)) webidl.illegalInvocation();
    const prefix = webidl.methodPrefix("URLSearchParams", "has");
    webidl.requiredArguments(arguments.length, 1, prefix);
    name = webidl.converters.USVString(name, prefix, webidl.arg(0));
    if (value !== undefined) value = webidl.converters.USVString(value, prefix, webidl.arg(1));
    // 1. If value is given and there is a tuple whose name is name and value is value in
    //    this's list, then return true. 2. If value is not given and there is a tuple whose
    //    name is name in this's list, then return true. 3. Return false.
    const list = this.#list;
    for (let i = 0; i < list.length; i++) {
      if (list[i][0] === name && (value === undefined || list[i][1] === value)) return true;
    }
    return false;
  }

  set(name, value) {
    if (!isURLSearchParams(this)) webidl.illegalInvocation();
    const prefix = webidl.methodPrefix("URLSearchParams", "set");
    webidl.requiredArguments(arguments.length, 2, prefix);
    name = webidl.converters.USVString(name, prefix, webidl.arg(0));
    value = webidl.converters.USVString(value, prefix, webidl.arg(1));
    // 1. If this's list contains any tuples whose name is name, then set the value of the
    //    first such tuple to value and remove the others. 2. Otherwise, append (name, value).
    const list = this.#list;
    let found = false;
    let j = 0;
    for (let i = 0; i < list.length; i++) {
      const pair = list[i];
      if (pair[0] === name) {
        if (found) continue;
        found = true;
        list[j++] = [name, value];
        continue;
      }
      list[j++] = pair;
    }
    list.length = j;
    if (!found) ArrayPrototypePush(list, [name, value]);
    // 3. Run the update steps.
    this.#update();
  }

  sort() {
    if (!isURLSearchParams(this)) webidl.illegalInvocation();
    // 1. Sort all tuples in this's list, if any, by their names. Sorting must be done by
    //    comparison of code units. The relative order between tuples with equal names must
    //    be preserved. (A stable merge sort, so user-replaced Array.prototype.sort cannot
    //    interfere.)
    this.#list = mergeSortByName(this.#list);
    // 2. Run the update steps.
    this.#update();
  }

  toString() {
    if (!isURLSearchParams(this)) webidl.illegalInvocation();
    return urlencodedSerialize(this.#list);
  }

  [customInspect](depth, options, inspect) {
    if (typeof inspect !== "function") return this.toString();
    const list = this.#list;
    if (list.length === 0) return "URLSearchParams {}";
    const parts = [];
    for (let i = 0; i < list.length; i++) {
      ArrayPrototypePush(parts, `${inspect(list[i][0], options)} => ${inspect(list[i][1], options)}`);
    }
    let total = 0;
    for (let i = 0; i < parts.length; i++) total += parts[i].length + 2;
    const breakLength = options && options.breakLength !== undefined ? options.breakLength : 80;
    if (total + 18 <= breakLength && !StringPrototypeIncludes(ArrayPrototypeJoin(parts, ""), "\n")) {
      return `URLSearchParams { ${ArrayPrototypeJoin(parts, ", ")} }`;
    }
    return `URLSearchParams {\n  ${ArrayPrototypeJoin(parts, ",\n  ")} }`;
  }

  static {
    isURLSearchParams = (V) => webidl.isObject(V) && #list in V;
    createSearchParamsForURL = (urlObject, query) => {
      const params = new URLSearchParams();
      params.#url = urlObject;
      if (query !== null) params.#list = urlencodedParse(query);
      return params;
    };
    resetSearchParamsList = (params, query) => {
      params.#list = query === null ? [] : urlencodedParse(query);
    };
    getSearchParamsList = (params) => params.#list;
  }
}

function mergeSortByName(list) {
  const n = list.length;
  if (n < 2) return list;
  let src = ArrayPrototypeSlice(list);
  let dst = new Array(n);
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = lo + width < n ? lo + width : n;
      const hi = lo + 2 * width < n ? lo + 2 * width : n;
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        // Code unit order: JS string comparison compares UTF-16 code units.
        if (src[j][0] < src[i][0]) dst[k++] = src[j++];
        else dst[k++] = src[i++];
      }
      while (i < mid) dst[k++] = src[i++];
      while (j < hi) dst[k++] = src[j++];
    }
    const tmp = src;
    src = dst;
    dst = tmp;
  }
  return src;
}

webidl.configureInterface(URLSearchParams);
webidl.mixinPairIterable("URLSearchParams", URLSearchParams, (self) => {
  if (!isURLSearchParams(self)) webidl.illegalInvocation();
  return getSearchParamsList(self);
});
internals.defineGlobal("URLSearchParams", URLSearchParams);

// An object inspected in place of a URL: its own properties, under the name "URL" (an
// inspector names an object after the constructor whose prototype it inherits from).
const urlInspectProto = ObjectCreate(null);
const URLInspectName = { URL: function () {} }.URL;
URLInspectName.prototype = urlInspectProto;
ObjectDefineProperty(urlInspectProto, "constructor", { value: URLInspectName, enumerable: false });

internals.isURL = isURL;
internals.isURLSearchParams = isURLSearchParams;
internals.urlRecordOf = getURLRecord;
internals.parseURL = (input, base = undefined) => {
  const parsed = parseWithBase(StringPrototypeToWellFormed(String(input)),
    base === undefined ? undefined : StringPrototypeToWellFormed(String(base)));
  return parsed === FAILURE ? null : createURLFromRecord(parsed);
};
internals.urlencodedParse = urlencodedParse;
internals.urlencodedSerialize = urlencodedSerialize;
internals.percentDecode = percentDecode;
internals.domainToASCII = domainToASCII;
// UTS #46 mapping of one code point: string, "" (ignored) or null (disallowed). For tests.
internals.uts46Map = idnaMap;
internals.uts46BidiClass = bidiClass;
internals.urlSearchParamsList = (params) => getSearchParamsList(params);
