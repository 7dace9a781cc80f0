// URL Pattern Standard: URLPattern.
// https://urlpattern.spec.whatwg.org/
//
// The tokenizer, the pattern parser, the constructor string parser and the regular
// expression / pattern string generators follow the spec step for step (comments name the
// spec's algorithms). The spec works on code points; this code works on UTF-16 code units
// and reads a surrogate pair as one code point wherever it "gets the next code point".
//
// Canonicalization goes through the URL parser of 20_url.js, the way workerd's URLPattern
// (ada's url_pattern, the `urlpattern_standard` implementation, default since 2025-05-01)
// does it: a dummy URL is parsed or one of its setters is run, and the component read back.
// Where ada deviates from the spec's wording (a hostname is canonicalized as a special URL's
// host, so IDNA applies; a pathname through a full parse of "fake://fake-url" + value), this
// follows ada, since a worker must see what workerd gives it.
//
// Errors are workerd's: every failure to build a pattern is
// TypeError("Failed to construct URLPattern"); test()/exec() with an init dictionary and a
// baseURL throw TypeError("Failed to test URLPattern") / ("Failed to exec URLPattern").
//
// Load-time cost: only the class and small tables are created here; component RegExps are
// compiled when a URLPattern is constructed.

const {
  MapPrototypeGet,
  ObjectCreate,
  ObjectDefineProperty,
  ObjectGetOwnPropertyDescriptor,
  RegExp,
  RegExpPrototypeExec,
  String,
  StringFromCodePoint,
  StringPrototypeCharCodeAt,
  StringPrototypeCodePointAt,
  StringPrototypeLastIndexOf,
  StringPrototypeSlice,
  StringPrototypeToLowerCase,
  SymbolFor,
  TypeError,
  uncurryThis,
} = internals.primordials;
const { webidl } = internals;

const parseURL = internals.parseURL;
const urlRecordOf = internals.urlRecordOf;
// The runtime's URL, whatever the worker did to the global (this file may run late: lazy).
const URLPrototype = MapPrototypeGet(internals.definedGlobals, "URL").prototype;
const urlSetter = (name) => uncurryThis(ObjectGetOwnPropertyDescriptor(URLPrototype, name).set);
const urlGetter = (name) => uncurryThis(ObjectGetOwnPropertyDescriptor(URLPrototype, name).get);
const URLSetUsername = urlSetter("username");
const URLSetPassword = urlSetter("password");
const URLSetHostname = urlSetter("hostname");
const URLSetPort = urlSetter("port");
const URLSetSearch = urlSetter("search");
const URLSetHash = urlSetter("hash");
const URLGetPathname = urlGetter("pathname");
const URLGetPort = urlGetter("port");
const URLGetHostname = urlGetter("hostname");

const CONSTRUCT_ERROR = "Failed to construct URLPattern";

class PatternError extends TypeError {}

function fail() {
  throw new TypeError(CONSTRUCT_ERROR);
}

// ---------------------------------------------------------------------------------------
// Tokenizer — https://urlpattern.spec.whatwg.org/#tokenizing

const T_OPEN = 0;
const T_CLOSE = 1;
const T_REGEXP = 2;
const T_NAME = 3;
const T_CHAR = 4;
const T_ESCAPED_CHAR = 5;
const T_OTHER_MODIFIER = 6;
const T_ASTERISK = 7;
const T_END = 8;
const T_INVALID_CHAR = 9;

let reIDStart = null;
let reIDContinue = null;

// https://urlpattern.spec.whatwg.org/#is-a-valid-name-code-point
function isValidNameCodePoint(cp, first) {
  if (cp < 0x80) {
    if ((cp >= 0x61 && cp <= 0x7a) || (cp >= 0x41 && cp <= 0x5a) || cp === 0x24 || cp === 0x5f) {
      return true;
    }
    return !first && cp >= 0x30 && cp <= 0x39;
  }
  if (first) {
    reIDStart ??= new RegExp("^\\p{ID_Start}$", "u");
    return RegExpPrototypeExec(reIDStart, StringFromCodePoint(cp)) !== null;
  }
  if (cp === 0x200c || cp === 0x200d) return true;
  reIDContinue ??= new RegExp("^\\p{ID_Continue}$", "u");
  return RegExpPrototypeExec(reIDContinue, StringFromCodePoint(cp)) !== null;
}

function tokenize(input, lenient) {
  const len = input.length;
  const tokens = [];
  let index = 0;
  let nextIndex = 0;
  let cp = 0;

  const getNextCodePoint = () => {
    cp = StringPrototypeCodePointAt(input, nextIndex);
    nextIndex += cp > 0xffff ? 2 : 1;
  };
  const seekAndGet = (i) => {
    nextIndex = i;
    getNextCodePoint();
  };
  const addToken = (type, nextPosition, valuePosition, valueLength) => {
    tokens[tokens.length] = {
      type, index, value: StringPrototypeSlice(input, valuePosition, valuePosition + valueLength),
    };
    index = nextPosition;
  };
  const addTokenDefaultLength = (type, nextPosition, valuePosition) => {
    addToken(type, nextPosition, valuePosition, nextPosition - valuePosition);
  };
  const addTokenDefaults = (type) => addTokenDefaultLength(type, nextIndex, index);
  const tokenizingError = (nextPosition, valuePosition) => {
    if (!lenient) throw new PatternError(CONSTRUCT_ERROR);
    addTokenDefaultLength(T_INVALID_CHAR, nextPosition, valuePosition);
  };

  while (index < len) {
    seekAndGet(index);
    if (cp === 0x2a) { // *
      addTokenDefaults(T_ASTERISK);
      continue;
    }
    if (cp === 0x2b || cp === 0x3f) { // + ?
      addTokenDefaults(T_OTHER_MODIFIER);
      continue;
    }
    if (cp === 0x5c) { // backslash
      if (index === len - 1) {
        tokenizingError(nextIndex, index);
        continue;
      }
      const escapedIndex = nextIndex;
      getNextCodePoint();
      addTokenDefaultLength(T_ESCAPED_CHAR, nextIndex, escapedIndex);
      continue;
    }
    if (cp === 0x7b) { // {
      addTokenDefaults(T_OPEN);
      continue;
    }
    if (cp === 0x7d) { // }
      addTokenDefaults(T_CLOSE);
      continue;
    }
    if (cp === 0x3a) { // :
      let namePosition = nextIndex;
      const nameStart = namePosition;
      while (namePosition < len) {
        seekAndGet(namePosition);
        if (!isValidNameCodePoint(cp, namePosition === nameStart)) break;
        namePosition = nextIndex;
      }
      if (namePosition <= nameStart) {
        tokenizingError(nameStart, index);
        continue;
      }
      addTokenDefaultLength(T_NAME, namePosition, nameStart);
      continue;
    }
    if (cp === 0x28) { // (
      let depth = 1;
      let regexpPosition = nextIndex;
      const regexpStart = regexpPosition;
      let error = false;
      while (regexpPosition < len) {
        seekAndGet(regexpPosition);
        if (cp > 0x7f) {
          tokenizingError(regexpStart, index);
          error = true;
          break;
        }
        if (regexpPosition === regexpStart && cp === 0x3f) {
          tokenizingError(regexpStart, index);
          error = true;
          break;
        }
        if (cp === 0x5c) {
          if (regexpPosition === len - 1) {
            tokenizingError(regexpStart, index);
            error = true;
            break;
          }
          getNextCodePoint();
          if (cp > 0x7f) {
            tokenizingError(regexpStart, index);
            error = true;
            break;
          }
          regexpPosition = nextIndex;
          continue;
        }
        if (cp === 0x29) {
          depth--;
          if (depth === 0) {
            regexpPosition = nextIndex;
            break;
          }
        } else if (cp === 0x28) {
          depth++;
          if (regexpPosition === len - 1) {
            tokenizingError(regexpStart, index);
            error = true;
            break;
          }
          const temporaryPosition = nextIndex;
          getNextCodePoint();
          if (cp !== 0x3f) {
            tokenizingError(regexpStart, index);
            error = true;
            break;
          }
          nextIndex = temporaryPosition;
        }
        regexpPosition = nextIndex;
      }
      if (error) continue;
      if (depth !== 0) {
        tokenizingError(regexpStart, index);
        continue;
      }
      const regexpLength = regexpPosition - regexpStart - 1;
      if (regexpLength === 0) {
        tokenizingError(regexpStart, index);
        continue;
      }
      addToken(T_REGEXP, regexpPosition, regexpStart, regexpLength);
      continue;
    }
    addTokenDefaults(T_CHAR);
  }
  addTokenDefaultLength(T_END, index, index);
  return tokens;
}

// ---------------------------------------------------------------------------------------
// Parts and the pattern parser — https://urlpattern.spec.whatwg.org/#parsing-patterns

const P_FIXED = 0;
const P_REGEXP = 1;
const P_SEGMENT_WILDCARD = 2;
const P_FULL_WILDCARD = 3;

const M_NONE = "";
const M_OPTIONAL = "?";
const M_ZERO_OR_MORE = "*";
const M_ONE_OR_MORE = "+";

const FULL_WILDCARD_REGEXP_VALUE = ".*";

// Options: { delimiter, prefix, ignoreCase }.
const DEFAULT_OPTIONS = { delimiter: "", prefix: "", ignoreCase: false };
const HOSTNAME_OPTIONS = { delimiter: ".", prefix: "", ignoreCase: false };

// https://urlpattern.spec.whatwg.org/#escape-a-regexp-string
function escapeRegexpString(input) {
  let result = "";
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    switch (c) {
      case ".": case "+": case "*": case "?": case "^": case "$": case "{": case "}":
      case "(": case ")": case "[": case "]": case "|": case "/": case "\\":
        result += "\\" + c;
        break;
      default:
        result += c;
    }
  }
  return result;
}

// https://urlpattern.spec.whatwg.org/#escape-a-pattern-string
function escapePatternString(input) {
  let result = "";
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    switch (c) {
      case "+": case "*": case "?": case ":": case "{": case "}": case "(": case ")":
      case "\\":
        result += "\\" + c;
        break;
      default:
        result += c;
    }
  }
  return result;
}

// https://urlpattern.spec.whatwg.org/#generate-a-segment-wildcard-regexp
function segmentWildcardRegexp(options) {
  return "[^" + escapeRegexpString(options.delimiter) + "]+?";
}

// https://urlpattern.spec.whatwg.org/#parse-a-pattern-string
function parsePatternString(input, options, encodingCallback) {
  const tokens = tokenize(input, false);
  const parts = [];
  const segmentWildcard = segmentWildcardRegexp(options);
  let pendingFixedValue = "";
  let index = 0;
  let nextNumericName = 0;

  const tryConsume = (type) => {
    const token = tokens[index];
    if (token.type !== type) return null;
    index++;
    return token;
  };
  const tryConsumeRegexpOrWildcard = (nameToken) => {
    const token = tryConsume(T_REGEXP);
    if (nameToken === null && token === null) return tryConsume(T_ASTERISK);
    return token;
  };
  const tryConsumeModifier = () => {
    const token = tryConsume(T_OTHER_MODIFIER);
    if (token !== null) return token;
    return tryConsume(T_ASTERISK);
  };
  const consumeRequired = (type) => {
    const token = tryConsume(type);
    if (token === null) throw new PatternError(CONSTRUCT_ERROR);
    return token;
  };
  const consumeText = () => {
    let result = "";
    for (;;) {
      let token = tryConsume(T_CHAR);
      if (token === null) token = tryConsume(T_ESCAPED_CHAR);
      if (token === null) break;
      result += token.value;
    }
    return result;
  };
  const maybeAddPartFromPendingFixedValue = () => {
    if (pendingFixedValue === "") return;
    const encodedValue = encodingCallback(pendingFixedValue);
    pendingFixedValue = "";
    parts[parts.length] = {
      type: P_FIXED, value: encodedValue, modifier: M_NONE, name: "", prefix: "", suffix: "",
    };
  };
  const isDuplicateName = (name) => {
    for (let i = 0; i < parts.length; i++) if (parts[i].name === name) return true;
    return false;
  };
  const addPart = (prefix, nameToken, regexpOrWildcardToken, suffix, modifierToken) => {
    let modifier = M_NONE;
    if (modifierToken !== null) modifier = modifierToken.value;
    if (nameToken === null && regexpOrWildcardToken === null && modifier === M_NONE) {
      pendingFixedValue += prefix;
      return;
    }
    maybeAddPartFromPendingFixedValue();
    if (nameToken === null && regexpOrWildcardToken === null) {
      if (prefix === "") return;
      parts[parts.length] = {
        type: P_FIXED, value: encodingCallback(prefix), modifier, name: "", prefix: "",
        suffix: "",
      };
      return;
    }
    let regexpValue;
    if (regexpOrWildcardToken === null) regexpValue = segmentWildcard;
    else if (regexpOrWildcardToken.type === T_ASTERISK) regexpValue = FULL_WILDCARD_REGEXP_VALUE;
    else regexpValue = regexpOrWildcardToken.value;
    let type = P_REGEXP;
    if (regexpValue === segmentWildcard) {
      type = P_SEGMENT_WILDCARD;
      regexpValue = "";
    } else if (regexpValue === FULL_WILDCARD_REGEXP_VALUE) {
      type = P_FULL_WILDCARD;
      regexpValue = "";
    }
    let name = "";
    if (nameToken !== null) name = nameToken.value;
    else if (regexpOrWildcardToken !== null) name = String(nextNumericName++);
    if (isDuplicateName(name)) throw new PatternError(CONSTRUCT_ERROR);
    const encodedPrefix = encodingCallback(prefix);
    const encodedSuffix = encodingCallback(suffix);
    parts[parts.length] = {
      type, value: regexpValue, modifier, name, prefix: encodedPrefix, suffix: encodedSuffix,
    };
  };

  while (index < tokens.length) {
    const charToken = tryConsume(T_CHAR);
    let nameToken = tryConsume(T_NAME);
    let regexpOrWildcardToken = tryConsumeRegexpOrWildcard(nameToken);
    if (nameToken !== null || regexpOrWildcardToken !== null) {
      let prefix = "";
      if (charToken !== null) prefix = charToken.value;
      if (prefix !== "" && prefix !== options.prefix) {
        pendingFixedValue += prefix;
        prefix = "";
      }
      maybeAddPartFromPendingFixedValue();
      const modifierToken = tryConsumeModifier();
      addPart(prefix, nameToken, regexpOrWildcardToken, "", modifierToken);
      continue;
    }
    let fixedToken = charToken;
    if (fixedToken === null) fixedToken = tryConsume(T_ESCAPED_CHAR);
    if (fixedToken !== null) {
      pendingFixedValue += fixedToken.value;
      continue;
    }
    const openToken = tryConsume(T_OPEN);
    if (openToken !== null) {
      const prefix = consumeText();
      nameToken = tryConsume(T_NAME);
      regexpOrWildcardToken = tryConsumeRegexpOrWildcard(nameToken);
      const suffix = consumeText();
      consumeRequired(T_CLOSE);
      const modifierToken = tryConsumeModifier();
      addPart(prefix, nameToken, regexpOrWildcardToken, suffix, modifierToken);
      continue;
    }
    maybeAddPartFromPendingFixedValue();
    consumeRequired(T_END);
  }
  return parts;
}

// https://urlpattern.spec.whatwg.org/#generate-a-regular-expression-and-name-list
function generateRegexpAndNameList(parts, options) {
  let result = "^";
  const nameList = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (part.type === P_FIXED) {
      if (part.modifier === M_NONE) result += escapeRegexpString(part.value);
      else result += "(?:" + escapeRegexpString(part.value) + ")" + part.modifier;
      continue;
    }
    nameList[nameList.length] = part.name;
    let regexpValue = part.value;
    if (part.type === P_SEGMENT_WILDCARD) regexpValue = segmentWildcardRegexp(options);
    else if (part.type === P_FULL_WILDCARD) regexpValue = FULL_WILDCARD_REGEXP_VALUE;
    if (part.prefix === "" && part.suffix === "") {
      if (part.modifier === M_NONE || part.modifier === M_OPTIONAL) {
        result += "(" + regexpValue + ")" + part.modifier;
      } else {
        result += "((?:" + regexpValue + ")" + part.modifier + ")";
      }
      continue;
    }
    const prefix = escapeRegexpString(part.prefix);
    const suffix = escapeRegexpString(part.suffix);
    if (part.modifier === M_NONE || part.modifier === M_OPTIONAL) {
      result += "(?:" + prefix + "(" + regexpValue + ")" + suffix + ")" + part.modifier;
      continue;
    }
    result += "(?:" + prefix + "((?:" + regexpValue + ")(?:" + suffix + prefix + "(?:" +
      regexpValue + "))*)" + suffix + ")";
    if (part.modifier === M_ZERO_OR_MORE) result += "?";
  }
  result += "$";
  return { regexp: result, nameList };
}

function firstCodePoint(s) {
  return StringPrototypeCodePointAt(s, 0);
}

function isASCIIDigitCode(c) {
  return c >= 0x30 && c <= 0x39;
}

// https://urlpattern.spec.whatwg.org/#generate-a-pattern-string
function generatePatternString(parts, options) {
  let result = "";
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const previousPart = i > 0 ? parts[i - 1] : null;
    const nextPart = i < parts.length - 1 ? parts[i + 1] : null;
    if (part.type === P_FIXED) {
      if (part.modifier === M_NONE) {
        result += escapePatternString(part.value);
        continue;
      }
      result += "{" + escapePatternString(part.value) + "}" + part.modifier;
      continue;
    }
    const customName = !isASCIIDigitCode(StringPrototypeCharCodeAt(part.name, 0));
    let needsGrouping = part.suffix !== "" ||
      (part.prefix !== "" && part.prefix !== options.prefix);
    if (!needsGrouping && customName && part.type === P_SEGMENT_WILDCARD &&
        part.modifier === M_NONE && nextPart !== null && nextPart.prefix === "" &&
        nextPart.suffix === "") {
      if (nextPart.type === P_FIXED) {
        needsGrouping = nextPart.value !== "" &&
          isValidNameCodePoint(firstCodePoint(nextPart.value), false);
      } else {
        needsGrouping = isASCIIDigitCode(StringPrototypeCharCodeAt(nextPart.name, 0));
      }
    }
    if (!needsGrouping && part.prefix === "" && previousPart !== null &&
        previousPart.type === P_FIXED && options.prefix !== "" &&
        previousPart.value !== "" &&
        previousPart.value[previousPart.value.length - 1] === options.prefix) {
      needsGrouping = true;
    }
    if (needsGrouping) result += "{";
    result += escapePatternString(part.prefix);
    if (customName) result += ":" + part.name;
    if (part.type === P_REGEXP) {
      result += "(" + part.value + ")";
    } else if (part.type === P_SEGMENT_WILDCARD && !customName) {
      result += "(" + segmentWildcardRegexp(options) + ")";
    } else if (part.type === P_FULL_WILDCARD) {
      if (!customName && (previousPart === null || previousPart.type === P_FIXED ||
          previousPart.modifier !== M_NONE || needsGrouping || part.prefix !== "")) {
        result += "*";
      } else {
        result += "(" + FULL_WILDCARD_REGEXP_VALUE + ")";
      }
    }
    if (part.type === P_SEGMENT_WILDCARD && customName && part.suffix !== "" &&
        isValidNameCodePoint(firstCodePoint(part.suffix), false)) {
      result += "\\";
    }
    result += escapePatternString(part.suffix);
    if (needsGrouping) result += "}";
    result += part.modifier;
  }
  return result;
}

// https://urlpattern.spec.whatwg.org/#compile-a-component
function compileComponent(input, encodingCallback, options) {
  const parts = parsePatternString(input, options, encodingCallback);
  const { regexp: regexpString, nameList } = generateRegexpAndNameList(parts, options);
  let regexp;
  try {
    regexp = new RegExp(regexpString, options.ignoreCase ? "vi" : "v");
  } catch {
    throw new PatternError(CONSTRUCT_ERROR);
  }
  const patternString = generatePatternString(parts, options);
  let hasRegExpGroups = false;
  for (let i = 0; i < parts.length; i++) {
    if (parts[i].type === P_REGEXP) {
      hasRegExpGroups = true;
      break;
    }
  }
  return { patternString, regexp, nameList, hasRegExpGroups };
}

const SPECIAL_SCHEMES = ["ftp", "file", "http", "https", "ws", "wss"];
const DEFAULT_PORTS = {
  __proto__: null, ftp: "21", http: "80", https: "443", ws: "80", wss: "443",
};

function isSpecialScheme(s) {
  for (let i = 0; i < SPECIAL_SCHEMES.length; i++) if (SPECIAL_SCHEMES[i] === s) return true;
  return false;
}

// https://urlpattern.spec.whatwg.org/#protocol-component-matches-a-special-scheme
function protocolComponentMatchesSpecialScheme(component) {
  const re = component.regexp;
  for (let i = 0; i < SPECIAL_SCHEMES.length; i++) {
    re.lastIndex = 0;
    if (RegExpPrototypeExec(re, SPECIAL_SCHEMES[i]) !== null) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------
// Canonicalization — https://urlpattern.spec.whatwg.org/#canon
// Each throws (a PatternError, turned into the caller's TypeError) on failure.

function canonFail() {
  throw new PatternError(CONSTRUCT_ERROR);
}

function canonicalizeProtocol(value) {
  if (value === "") return value;
  // (ada) A trailing ":" is removed.
  if (value[value.length - 1] === ":") value = StringPrototypeSlice(value, 0, -1);
  const url = parseURL(value + "://dummy.test");
  if (url === null) canonFail();
  return urlRecordOf(url).scheme;
}

function canonicalizeUsername(value) {
  if (value === "") return value;
  const url = parseURL("fake://dummy.test");
  URLSetUsername(url, value);
  return urlRecordOf(url).username;
}

function canonicalizePassword(value) {
  if (value === "") return value;
  const url = parseURL("fake://dummy.test");
  URLSetPassword(url, value);
  return urlRecordOf(url).password;
}

// The hostname setter leaves the host alone on failure: run it on two URLs with
// different hosts, and a failure is the two still differing.
function canonicalizeHostname(value) {
  if (value === "") return value;
  const a = parseURL("https://a.dummy.test");
  const b = parseURL("https://b.dummy.test");
  URLSetHostname(a, value);
  URLSetHostname(b, value);
  const host = URLGetHostname(a);
  if (host !== URLGetHostname(b)) canonFail();
  return host;
}

function canonicalizeIPv6Hostname(value) {
  let result = "";
  for (let i = 0; i < value.length; i++) {
    const c = StringPrototypeCharCodeAt(value, i);
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66) ||
          c === 0x5b || c === 0x5d || c === 0x3a)) {
      canonFail();
    }
    result += c >= 0x41 && c <= 0x46 ? StringPrototypeToLowerCase(value[i]) : value[i];
  }
  return result;
}

const PORT_SENTINEL = 65536; // no parse result is this number

function canonicalizePort(value, protocol = undefined) {
  if (value === "") return value;
  let url;
  if (protocol !== undefined && protocol !== "") {
    if (protocol[protocol.length - 1] === ":") {
      protocol = StringPrototypeSlice(protocol, 0, -1);
    }
    url = parseURL(protocol + "://dummy.test");
    if (url === null) canonFail();
  } else {
    url = parseURL("fake://dummy.test");
  }
  const record = urlRecordOf(url);
  record.port = PORT_SENTINEL;
  URLSetPort(url, value);
  if (record.port === PORT_SENTINEL) canonFail();
  return URLGetPort(url);
}

function canonicalizePathname(value) {
  if (value === "") return value;
  const leadingSlash = value[0] === "/";
  const url = parseURL("fake://fake-url" + (leadingSlash ? "" : "/-") + value);
  if (url === null) canonFail();
  const path = URLGetPathname(url);
  return leadingSlash ? path : StringPrototypeSlice(path, 2);
}

function canonicalizeOpaquePathname(value) {
  if (value === "") return value;
  const url = parseURL("fake:" + value);
  if (url === null) canonFail();
  return URLGetPathname(url);
}

function canonicalizeSearch(value) {
  if (value === "") return value;
  const url = parseURL("fake://dummy.test");
  URLSetSearch(url, value);
  const query = urlRecordOf(url).query;
  return query === null ? "" : query;
}

function canonicalizeHash(value) {
  if (value === "") return value;
  const url = parseURL("fake://dummy.test");
  URLSetHash(url, value);
  const fragment = urlRecordOf(url).fragment;
  return fragment === null ? "" : fragment;
}

// ---------------------------------------------------------------------------------------
// The constructor string parser — https://urlpattern.spec.whatwg.org/#constructor-string-parsing

const S_INIT = 0;
const S_PROTOCOL = 1;
const S_AUTHORITY = 2;
const S_USERNAME = 3;
const S_PASSWORD = 4;
const S_HOSTNAME = 5;
const S_PORT = 6;
const S_PATHNAME = 7;
const S_SEARCH = 8;
const S_HASH = 9;
const S_DONE = 10;
const STATE_KEYS = [
  null, "protocol", null, "username", "password", "hostname", "port", "pathname", "search",
  "hash", null,
];

function parseConstructorString(input) {
  const tokens = tokenize(input, true);
  const result = { __proto__: null };
  let componentStart = 0;
  let tokenIndex = 0;
  let tokenIncrement = 1;
  let groupDepth = 0;
  let hostnameIPv6BracketDepth = 0;
  let protocolMatchesSpecialScheme = false;
  let state = S_INIT;

  const safeToken = (i) => (i < tokens.length ? tokens[i] : tokens[tokens.length - 1]);
  const isNonSpecialPatternChar = (i, value) => {
    const token = safeToken(i);
    if (token.value !== value) return false;
    return token.type === T_CHAR || token.type === T_ESCAPED_CHAR ||
      token.type === T_INVALID_CHAR;
  };
  const isHashPrefix = () => isNonSpecialPatternChar(tokenIndex, "#");
  const isSearchPrefix = () => {
    if (isNonSpecialPatternChar(tokenIndex, "?")) return true;
    if (tokens[tokenIndex].value !== "?") return false;
    const previousIndex = tokenIndex - 1;
    if (previousIndex < 0) return true;
    const previous = safeToken(previousIndex);
    return !(previous.type === T_NAME || previous.type === T_REGEXP ||
      previous.type === T_CLOSE || previous.type === T_ASTERISK);
  };
  const makeComponentString = () => {
    const token = tokens[tokenIndex];
    const start = safeToken(componentStart).index;
    return StringPrototypeSlice(input, start, token.index);
  };
  const rewind = () => {
    tokenIndex = componentStart;
    tokenIncrement = 0;
  };
  const changeState = (newState, skip) => {
    if (state !== S_INIT && state !== S_AUTHORITY && state !== S_DONE) {
      result[STATE_KEYS[state]] = makeComponentString();
    }
    if (state !== S_INIT && newState !== S_DONE) {
      if ((state === S_PROTOCOL || state === S_AUTHORITY || state === S_USERNAME ||
           state === S_PASSWORD) &&
          (newState === S_PORT || newState === S_PATHNAME || newState === S_SEARCH ||
           newState === S_HASH) &&
          !("hostname" in result)) {
        result.hostname = "";
      }
      if ((state === S_PROTOCOL || state === S_AUTHORITY || state === S_USERNAME ||
           state === S_PASSWORD || state === S_HOSTNAME || state === S_PORT) &&
          (newState === S_SEARCH || newState === S_HASH) && !("pathname" in result)) {
        result.pathname = protocolMatchesSpecialScheme ? "/" : "";
      }
      if ((state === S_PROTOCOL || state === S_AUTHORITY || state === S_USERNAME ||
           state === S_PASSWORD || state === S_HOSTNAME || state === S_PORT ||
           state === S_PATHNAME) &&
          newState === S_HASH && !("search" in result)) {
        result.search = "";
      }
    }
    state = newState;
    tokenIndex += skip;
    componentStart = tokenIndex;
    tokenIncrement = 0;
  };
  const rewindAndSetState = (newState) => {
    rewind();
    state = newState;
  };

  while (tokenIndex < tokens.length) {
    tokenIncrement = 1;
    if (tokens[tokenIndex].type === T_END) {
      if (state === S_INIT) {
        rewind();
        if (isHashPrefix()) changeState(S_HASH, 1);
        else if (isSearchPrefix()) changeState(S_SEARCH, 1);
        else changeState(S_PATHNAME, 0);
        tokenIndex += tokenIncrement;
        continue;
      }
      if (state === S_AUTHORITY) {
        rewindAndSetState(S_HOSTNAME);
        tokenIndex += tokenIncrement;
        continue;
      }
      changeState(S_DONE, 0);
      break;
    }
    if (tokens[tokenIndex].type === T_OPEN) {
      groupDepth++;
      tokenIndex += tokenIncrement;
      continue;
    }
    if (groupDepth > 0) {
      if (tokens[tokenIndex].type === T_CLOSE) {
        groupDepth--;
      } else {
        tokenIndex += tokenIncrement;
        continue;
      }
    }
    switch (state) {
      case S_INIT:
        if (isNonSpecialPatternChar(tokenIndex, ":")) rewindAndSetState(S_PROTOCOL);
        break;
      case S_PROTOCOL:
        if (isNonSpecialPatternChar(tokenIndex, ":")) {
          // Compute protocol matches a special scheme flag.
          const protocolComponent = compileComponent(
            makeComponentString(), canonicalizeProtocol, DEFAULT_OPTIONS);
          if (protocolComponentMatchesSpecialScheme(protocolComponent)) {
            protocolMatchesSpecialScheme = true;
          }
          let nextState = S_PATHNAME;
          let skip = 1;
          if (isNonSpecialPatternChar(tokenIndex + 1, "/") &&
              isNonSpecialPatternChar(tokenIndex + 2, "/")) {
            nextState = S_AUTHORITY;
            skip = 3;
          } else if (protocolMatchesSpecialScheme) {
            nextState = S_AUTHORITY;
          }
          changeState(nextState, skip);
        }
        break;
      case S_AUTHORITY:
        if (isNonSpecialPatternChar(tokenIndex, "@")) {
          rewindAndSetState(S_USERNAME);
        } else if (isNonSpecialPatternChar(tokenIndex, "/") || isSearchPrefix() ||
                   isHashPrefix()) {
          rewindAndSetState(S_HOSTNAME);
        }
        break;
      case S_USERNAME:
        if (isNonSpecialPatternChar(tokenIndex, ":")) changeState(S_PASSWORD, 1);
        else if (isNonSpecialPatternChar(tokenIndex, "@")) changeState(S_HOSTNAME, 1);
        break;
      case S_PASSWORD:
        if (isNonSpecialPatternChar(tokenIndex, "@")) changeState(S_HOSTNAME, 1);
        break;
      case S_HOSTNAME:
        if (isNonSpecialPatternChar(tokenIndex, "[")) {
          hostnameIPv6BracketDepth++;
        } else if (isNonSpecialPatternChar(tokenIndex, "]")) {
          hostnameIPv6BracketDepth--;
        } else if (isNonSpecialPatternChar(tokenIndex, ":") && hostnameIPv6BracketDepth === 0) {
          changeState(S_PORT, 1);
        } else if (isNonSpecialPatternChar(tokenIndex, "/")) {
          changeState(S_PATHNAME, 0);
        } else if (isSearchPrefix()) {
          changeState(S_SEARCH, 1);
        } else if (isHashPrefix()) {
          changeState(S_HASH, 1);
        }
        break;
      case S_PORT:
        if (isNonSpecialPatternChar(tokenIndex, "/")) changeState(S_PATHNAME, 0);
        else if (isSearchPrefix()) changeState(S_SEARCH, 1);
        else if (isHashPrefix()) changeState(S_HASH, 1);
        break;
      case S_PATHNAME:
        if (isSearchPrefix()) changeState(S_SEARCH, 1);
        else if (isHashPrefix()) changeState(S_HASH, 1);
        break;
      case S_SEARCH:
        if (isHashPrefix()) changeState(S_HASH, 1);
        break;
      default:
        break;
    }
    tokenIndex += tokenIncrement;
  }
  if ("hostname" in result && !("port" in result)) result.port = "";
  return result;
}

// ---------------------------------------------------------------------------------------
// Processing a URLPatternInit — https://urlpattern.spec.whatwg.org/#process-a-urlpatterninit

const COMPONENTS = [
  "protocol", "username", "password", "hostname", "port", "pathname", "search", "hash",
];

function processBaseURLString(input, isPattern) {
  return isPattern ? escapePatternString(input) : input;
}

function isAbsolutePathname(input, isPattern) {
  if (input === "") return false;
  if (input[0] === "/") return true;
  if (!isPattern) return false;
  if (input.length < 2) return false;
  if (input[0] === "\\" && input[1] === "/") return true;
  if (input[0] === "{" && input[1] === "/") return true;
  return false;
}

// `init` is a null-prototype object holding the members that exist; `defaults` likewise
// (for type "url" every component defaults to the empty string).
function processInit(init, isPattern, defaults) {
  const result = { __proto__: null };
  if (defaults !== null) {
    for (let i = 0; i < COMPONENTS.length; i++) result[COMPONENTS[i]] = defaults;
  }
  let baseURL = null;
  if ("baseURL" in init) {
    baseURL = parseURL(init.baseURL);
    if (baseURL === null) canonFail();
    const base = urlRecordOf(baseURL);
    const has = (k) => k in init;
    if (!has("protocol")) result.protocol = processBaseURLString(base.scheme, isPattern);
    if (!isPattern && !has("protocol") && !has("hostname") && !has("port") &&
        !has("username")) {
      result.username = processBaseURLString(base.username, isPattern);
    }
    if (!isPattern && !has("protocol") && !has("hostname") && !has("port") &&
        !has("username") && !has("password")) {
      result.password = processBaseURLString(base.password, isPattern);
    }
    if (!has("protocol") && !has("hostname")) {
      result.hostname = processBaseURLString(base.host === null ? "" : base.host, isPattern);
    }
    if (!has("protocol") && !has("hostname") && !has("port")) {
      result.port = base.port === null ? "" : String(base.port);
    }
    if (!has("protocol") && !has("hostname") && !has("port") && !has("pathname")) {
      result.pathname = processBaseURLString(URLGetPathname(baseURL), isPattern);
    }
    if (!has("protocol") && !has("hostname") && !has("port") && !has("pathname") &&
        !has("search")) {
      result.search = processBaseURLString(base.query === null ? "" : base.query, isPattern);
    }
    if (!has("protocol") && !has("hostname") && !has("port") && !has("pathname") &&
        !has("search") && !has("hash")) {
      result.hash = processBaseURLString(base.fragment === null ? "" : base.fragment,
        isPattern);
    }
  }
  if ("protocol" in init) {
    let v = init.protocol;
    if (v !== "" && v[v.length - 1] === ":") v = StringPrototypeSlice(v, 0, -1);
    result.protocol = isPattern ? v : canonicalizeProtocol(v);
  }
  if ("username" in init) {
    result.username = isPattern ? init.username : canonicalizeUsername(init.username);
  }
  if ("password" in init) {
    result.password = isPattern ? init.password : canonicalizePassword(init.password);
  }
  if ("hostname" in init) {
    result.hostname = isPattern ? init.hostname : canonicalizeHostname(init.hostname);
  }
  const resultProtocol = "protocol" in result ? result.protocol : "";
  if ("port" in init) {
    result.port = isPattern ? init.port : canonicalizePort(init.port, resultProtocol);
  }
  if ("pathname" in init) {
    let pathname = init.pathname;
    if (baseURL !== null && typeof urlRecordOf(baseURL).path !== "string" &&
        !isAbsolutePathname(pathname, isPattern)) {
      const baseURLPath = processBaseURLString(URLGetPathname(baseURL), isPattern);
      const slashIndex = StringPrototypeLastIndexOf(baseURLPath, "/");
      if (slashIndex !== -1) {
        pathname = StringPrototypeSlice(baseURLPath, 0, slashIndex + 1) + pathname;
      }
    }
    if (!isPattern) {
      if (resultProtocol === "" || isSpecialScheme(resultProtocol)) {
        pathname = canonicalizePathname(pathname);
      } else {
        pathname = canonicalizeOpaquePathname(pathname);
      }
    }
    result.pathname = pathname;
  }
  if ("search" in init) {
    let v = init.search;
    if (v !== "" && v[0] === "?") v = StringPrototypeSlice(v, 1);
    result.search = isPattern ? v : canonicalizeSearch(v);
  }
  if ("hash" in init) {
    let v = init.hash;
    if (v !== "" && v[0] === "#") v = StringPrototypeSlice(v, 1);
    result.hash = isPattern ? v : canonicalizeHash(v);
  }
  return result;
}

// https://urlpattern.spec.whatwg.org/#hostname-pattern-is-an-ipv6-address
function hostnamePatternIsIPv6(input) {
  if (input.length < 2) return false;
  if (input[0] === "[") return true;
  if ((input[0] === "{" || input[0] === "\\") && input[1] === "[") return true;
  return false;
}

// ---------------------------------------------------------------------------------------
// WebIDL

const stringMember = (key) => ({ key, converter: webidl.converters.USVString });
// WebIDL dictionary members are converted in lexicographic order.
const convertInit = webidl.createDictionaryConverter("URLPatternInit", [
  stringMember("baseURL"), stringMember("hash"), stringMember("hostname"),
  stringMember("password"), stringMember("pathname"), stringMember("port"),
  stringMember("protocol"), stringMember("search"), stringMember("username"),
]);
const convertOptions = webidl.createDictionaryConverter("URLPatternOptions", [
  { key: "ignoreCase", converter: webidl.converters.boolean, defaultValue: false },
]);

// (USVString or URLPatternInit): null, undefined and objects are dictionaries.
function convertInput(V, prefix, context) {
  if (V === undefined || V === null || typeof V === "object" || typeof V === "function") {
    return convertInit(V, prefix, context);
  }
  return webidl.converters.USVString(V, prefix, context);
}

// The URLPatternInit handed back in a result's `inputs`: the members given, in workerd's order.
function initToObject(init) {
  const out = {};
  for (let i = 0; i < COMPONENTS.length; i++) {
    const k = COMPONENTS[i];
    if (k in init) out[k] = init[k];
  }
  if ("baseURL" in init) out.baseURL = init.baseURL;
  return out;
}

// ---------------------------------------------------------------------------------------
// The URLPattern interface — https://urlpattern.spec.whatwg.org/#urlpattern-class

let isURLPattern;
const customInspect = SymbolFor("nodejs.util.inspect.custom");
// An object inspected in place of a URLPattern: its pattern strings, under the name
// "URLPattern" (an inspector names an object after its prototype's constructor).
const inspectProto = ObjectCreate(null);
const URLPatternInspectName = { URLPattern: function () {} }.URLPattern;
URLPatternInspectName.prototype = inspectProto;
ObjectDefineProperty(inspectProto, "constructor", {
  value: URLPatternInspectName, enumerable: false,
});

class URLPattern {
  #components;
  #hasRegExpGroups;

  // constructor(URLPatternInput input, USVString baseURL, optional URLPatternOptions options)
  // constructor(optional URLPatternInput input = {}, optional URLPatternOptions options = {})
  constructor(input = undefined, baseURL = undefined, options = undefined) {
    const prefix = webidl.constructorPrefix("URLPattern");
    input = convertInput(input, prefix, webidl.arg(0));
    let base = null;
    if (baseURL !== undefined && baseURL !== null && typeof baseURL !== "object" &&
        typeof baseURL !== "function") {
      base = webidl.converters.USVString(baseURL, prefix, webidl.arg(1));
      options = convertOptions(options, prefix, webidl.arg(2));
    } else if (baseURL !== undefined) {
      options = convertOptions(baseURL, prefix, webidl.arg(1));
    } else {
      options = convertOptions(options, prefix, webidl.arg(2));
    }
    try {
      this.#create(input, base, options.ignoreCase);
    } catch (e) {
      if (e instanceof PatternError) fail();
      throw e;
    }
  }

  // https://urlpattern.spec.whatwg.org/#url-pattern-create
  #create(input, baseURL, ignoreCase) {
    let init;
    if (typeof input === "string") {
      init = parseConstructorString(input);
      if (baseURL === null && !("protocol" in init)) canonFail();
      if (baseURL !== null) init.baseURL = baseURL;
    } else {
      if (baseURL !== null) canonFail();
      init = input;
    }
    const processed = processInit(init, true, null);
    for (let i = 0; i < COMPONENTS.length; i++) {
      if (!(COMPONENTS[i] in processed)) processed[COMPONENTS[i]] = "*";
    }
    if (isSpecialScheme(processed.protocol) &&
        DEFAULT_PORTS[processed.protocol] === processed.port) {
      processed.port = "";
    }
    const protocol = compileComponent(processed.protocol, canonicalizeProtocol, DEFAULT_OPTIONS);
    const username = compileComponent(processed.username, canonicalizeUsername, DEFAULT_OPTIONS);
    const password = compileComponent(processed.password, canonicalizePassword, DEFAULT_OPTIONS);
    const hostname = compileComponent(processed.hostname,
      hostnamePatternIsIPv6(processed.hostname) ? canonicalizeIPv6Hostname : canonicalizeHostname,
      HOSTNAME_OPTIONS);
    const port = compileComponent(processed.port, canonicalizePort, DEFAULT_OPTIONS);
    const compileOptions = { delimiter: "", prefix: "", ignoreCase };
    let pathname;
    if (protocolComponentMatchesSpecialScheme(protocol)) {
      pathname = compileComponent(processed.pathname, canonicalizePathname,
        { delimiter: "/", prefix: "/", ignoreCase });
    } else {
      pathname = compileComponent(processed.pathname, canonicalizeOpaquePathname,
        compileOptions);
    }
    const search = compileComponent(processed.search, canonicalizeSearch, compileOptions);
    const hash = compileComponent(processed.hash, canonicalizeHash, compileOptions);
    this.#components = [protocol, username, password, hostname, port, pathname, search, hash];
    let has = false;
    for (let i = 0; i < 8; i++) if (this.#components[i].hasRegExpGroups) has = true;
    this.#hasRegExpGroups = has;
  }

  // https://urlpattern.spec.whatwg.org/#url-pattern-match
  // Returns null (no match) or [inputs, values, execResults]; throws a PatternError when
  // an init dictionary comes with a baseURL.
  #match(input, baseURL) {
    const inputs = [input];
    let values;
    if (typeof input !== "string") {
      if (baseURL !== undefined) throw new PatternError();
      let applied;
      try {
        applied = processInit(input, false, "");
      } catch (e) {
        if (e instanceof PatternError) return null;
        throw e;
      }
      values = [
        applied.protocol, applied.username, applied.password, applied.hostname, applied.port,
        applied.pathname,
        // (ada) A "?" left at the start of the canonical search is dropped as well.
        applied.search !== "" && applied.search[0] === "?" ?
          StringPrototypeSlice(applied.search, 1) : applied.search,
        applied.hash,
      ];
    } else {
      let url;
      if (baseURL !== undefined) {
        if (parseURL(baseURL) === null) return null;
        inputs[1] = baseURL;
        url = parseURL(input, baseURL);
      } else {
        url = parseURL(input);
      }
      if (url === null) return null;
      const r = urlRecordOf(url);
      values = [
        r.scheme, r.username, r.password, URLGetHostname(url), URLGetPort(url),
        URLGetPathname(url), r.query === null ? "" : r.query,
        r.fragment === null ? "" : r.fragment,
      ];
    }
    const components = this.#components;
    const execResults = [];
    for (let i = 0; i < 8; i++) {
      const re = components[i].regexp;
      re.lastIndex = 0;
      const m = RegExpPrototypeExec(re, values[i]);
      if (m === null) return null;
      execResults[i] = m;
    }
    return [inputs, values, execResults];
  }

  test(input = undefined, baseURL = undefined) {
    if (!isURLPattern(this)) webidl.illegalInvocation();
    const prefix = webidl.methodPrefix("URLPattern", "test");
    input = convertInput(input, prefix, webidl.arg(0));
    if (baseURL !== undefined) {
      baseURL = webidl.converters.USVString(baseURL, prefix, webidl.arg(1));
    }
    try {
      return this.#match(input, baseURL) !== null;
    } catch (e) {
      if (e instanceof PatternError) throw new TypeError("Failed to test URLPattern");
      throw e;
    }
  }

  exec(input = undefined, baseURL = undefined) {
    if (!isURLPattern(this)) webidl.illegalInvocation();
    const prefix = webidl.methodPrefix("URLPattern", "exec");
    input = convertInput(input, prefix, webidl.arg(0));
    if (baseURL !== undefined) {
      baseURL = webidl.converters.USVString(baseURL, prefix, webidl.arg(1));
    }
    let matched;
    try {
      matched = this.#match(input, baseURL);
    } catch (e) {
      if (e instanceof PatternError) throw new TypeError("Failed to exec URLPattern");
      throw e;
    }
    if (matched === null) return null;
    const inputs = matched[0];
    const values = matched[1];
    const execResults = matched[2];
    const result = {
      inputs: [],
      protocol: null, username: null, password: null, hostname: null, port: null,
      pathname: null, search: null, hash: null,
    };
    for (let i = 0; i < inputs.length; i++) {
      result.inputs[i] = typeof inputs[i] === "string" ? inputs[i] : initToObject(inputs[i]);
    }
    const components = this.#components;
    for (let i = 0; i < 8; i++) {
      // https://urlpattern.spec.whatwg.org/#create-a-component-match-result
      const m = execResults[i];
      const nameList = components[i].nameList;
      const groups = {};
      // Only the pattern's own groups: a regexp group may hold capturing groups of its own.
      for (let j = 1; j < m.length && j <= nameList.length; j++) groups[nameList[j - 1]] = m[j];
      result[COMPONENTS[i]] = { input: values[i], groups };
    }
    return result;
  }

  get protocol() {
    if (!isURLPattern(this)) webidl.illegalInvocation();
    return this.#components[0].patternString;
  }

  get username() {
    if (!isURLPattern(this)) webidl.illegalInvocation();
    return this.#components[1].patternString;
  }

  get password() {
    if (!isURLPattern(this)) webidl.illegalInvocation();
    return this.#components[2].patternString;
  }

  get hostname() {
    if (!isURLPattern(this)) webidl.illegalInvocation();
    return this.#components[3].patternString;
  }

  get port() {
    if (!isURLPattern(this)) webidl.illegalInvocation();
    return this.#components[4].patternString;
  }

  get pathname() {
    if (!isURLPattern(this)) webidl.illegalInvocation();
    return this.#components[5].patternString;
  }

  get search() {
    if (!isURLPattern(this)) webidl.illegalInvocation();
    return this.#components[6].patternString;
  }

  get hash() {
    if (!isURLPattern(this)) webidl.illegalInvocation();
    return this.#components[7].patternString;
  }

  get hasRegExpGroups() {
    if (!isURLPattern(this)) webidl.illegalInvocation();
    return this.#hasRegExpGroups;
  }

  [customInspect](depth, options, inspect) {
    const obj = {
      __proto__: inspectProto,
      protocol: this.protocol,
      username: this.username,
      password: this.password,
      hostname: this.hostname,
      port: this.port,
      pathname: this.pathname,
      search: this.search,
      hash: this.hash,
      hasRegExpGroups: this.hasRegExpGroups,
    };
    if (typeof inspect !== "function") return obj;
    return inspect(obj, options);
  }

  static {
    isURLPattern = (V) => webidl.isObject(V) && #components in V;
  }
}

webidl.configureInterface(URLPattern);
internals.defineGlobal("URLPattern", URLPattern);
internals.isURLPattern = isURLPattern;
