// FormData, shaped as workerd shapes it (src/workerd/api/form-data.c++): entries are
// strings or Files; a Blob value becomes a File named after the filename argument or, as
// workerd does (not the spec's "blob"), after the entry's name.
//
// Hooks for 40_http.js (read at call time):
//   internals.formData = { isFormData(x), serialize(fd) -> { bytes, contentType },
//                          parse(bytes, contentType) -> FormData (throws TypeError) }

const {
  ArrayPrototypePush, ArrayPrototypeSplice, DateNow, MathRandom, NumberPrototypeToString,
  RegExpPrototypeExec, StringPrototypeCharCodeAt, StringPrototypeEndsWith,
  StringPrototypeIndexOf, StringPrototypeSlice, StringPrototypeToLowerCase,
  StringPrototypeTrim, TypeError: TypeErrorCtor, TypedArrayPrototypeByteLengthGetter,
  TypedArrayPrototypeSet, TypedArrayPrototypeSlice, Uint8Array: U8, StringPrototypeIncludes,
  ArrayPrototypeIncludes, StringFromCharCode, StringPrototypeReplace, StringPrototypeTrimEnd,
  StringPrototypeSplit,
} = internals.primordials;
const webidl = internals.webidl;

function blobApi() { return internals.blob; }

// Entry value: a string or a File. Blob → File (workerd blobToFile).
function toEntryValue(name, value, filename, prefix, argCount) {
  const blob = blobApi();
  if (blob.isBlob(value)) {
    if (blob.isFile(value) && argCount < 3) return value;
    const fileName = argCount >= 3 ? webidl.converters.USVString(filename, prefix, "parameter 3")
      : name;
    return blob.createFile(blob.bytes(value), fileName, blob.type(value), DateNow());
  }
  return webidl.converters.USVString(value, prefix, "parameter 2");
}

let entriesOf;

class FormData {
  #entries = [];

  constructor() {
    // workerd's constructor takes no arguments (no HTML form elements here).
  }

  append(name, value, filename = undefined) {
    const prefix = "Failed to execute 'append' on 'FormData'";
    const entries = entriesOf(this);
    webidl.requiredArguments(arguments.length, 2, prefix);
    name = webidl.converters.USVString(name, prefix, "parameter 1");
    ArrayPrototypePush(entries, [name, toEntryValue(name, value, filename, prefix, arguments.length)]);
  }

  delete(name) {
    const prefix = "Failed to execute 'delete' on 'FormData'";
    const entries = entriesOf(this);
    webidl.requiredArguments(arguments.length, 1, prefix);
    name = webidl.converters.USVString(name, prefix, "parameter 1");
    for (let i = 0; i < entries.length;) {
      if (entries[i][0] === name) ArrayPrototypeSplice(entries, i, 1);
      else i++;
    }
  }

  get(name) {
    const prefix = "Failed to execute 'get' on 'FormData'";
    const entries = entriesOf(this);
    webidl.requiredArguments(arguments.length, 1, prefix);
    name = webidl.converters.USVString(name, prefix, "parameter 1");
    for (let i = 0; i < entries.length; i++) {
      if (entries[i][0] === name) return entries[i][1];
    }
    return null;
  }

  getAll(name) {
    const prefix = "Failed to execute 'getAll' on 'FormData'";
    const entries = entriesOf(this);
    webidl.requiredArguments(arguments.length, 1, prefix);
    name = webidl.converters.USVString(name, prefix, "parameter 1");
    const out = [];
    for (let i = 0; i < entries.length; i++) {
      if (entries[i][0] === name) ArrayPrototypePush(out, entries[i][1]);
    }
    return out;
  }

  has(name) {
    const prefix = "Failed to execute 'has' on 'FormData'";
    const entries = entriesOf(this);
    webidl.requiredArguments(arguments.length, 1, prefix);
    name = webidl.converters.USVString(name, prefix, "parameter 1");
    for (let i = 0; i < entries.length; i++) {
      if (entries[i][0] === name) return true;
    }
    return false;
  }

  set(name, value, filename = undefined) {
    const prefix = "Failed to execute 'set' on 'FormData'";
    const entries = entriesOf(this);
    webidl.requiredArguments(arguments.length, 2, prefix);
    name = webidl.converters.USVString(name, prefix, "parameter 1");
    const entryValue = toEntryValue(name, value, filename, prefix, arguments.length);
    let found = false;
    for (let i = 0; i < entries.length;) {
      if (entries[i][0] !== name) { i++; continue; }
      if (!found) {
        entries[i] = [name, entryValue];
        found = true;
        i++;
      } else {
        ArrayPrototypeSplice(entries, i, 1);
      }
    }
    if (!found) ArrayPrototypePush(entries, [name, entryValue]);
  }

  static {
    entriesOf = (self) => {
      if (!webidl.isObject(self) || !(#entries in self)) throw webidl.illegalInvocation();
      return self.#entries;
    };
  }
}
webidl.configureInterface(FormData, "FormData");
webidl.mixinPairIterable("FormData", FormData, entriesOf);

function isFormData(value) {
  try {
    entriesOf(value);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------
// Serialising (FormData::serialize and the boundary of http.c++ extractBody)

// The runtime's CSPRNG (66_crypto.js) when it is seeded; a boundary only needs to be
// unlikely to occur in the content, so Math.random does where it is not (no bridge).
function randomHex(bytes) {
  let random = null;
  if (typeof internals.randomBytes === "function") {
    try { random = internals.randomBytes(bytes); } catch { random = null; }
  }
  if (random === null) {
    random = new U8(bytes);
    for (let i = 0; i < bytes; i++) random[i] = (MathRandom() * 256) | 0;
  }
  let out = "";
  for (let i = 0; i < bytes; i++) {
    const b = random[i];
    out += (b < 16 ? "0" : "") + NumberPrototypeToString(b, 16);
  }
  return out;
}

// Content-Disposition values: '"' → %22, LF → %0A, '\' → '\\' (workerd addEscapingQuotes).
function escapeQuotes(value) {
  if (StringPrototypeEndsWith(value, "\\")) {
    throw new TypeErrorCtor("Name or filename can't end with backslash");
  }
  let out = "";
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = StringPrototypeCharCodeAt(value, i);
    let rep;
    if (c === 0x22) rep = "%22";
    else if (c === 0x0a) rep = "%0A";
    else if (c === 0x5c) rep = "\\\\";
    else continue;
    out += StringPrototypeSlice(value, start, i) + rep;
    start = i + 1;
  }
  return out + StringPrototypeSlice(value, start);
}

function serialize(formData, boundary = randomHex(16)) {
  const entries = entriesOf(formData);
  const blob = blobApi();
  const pieces = [];
  let total = 0;
  let text = "";
  const flushText = () => {
    if (text === "") return;
    const bytes = internals.utf8Encode(text);
    ArrayPrototypePush(pieces, bytes);
    total += TypedArrayPrototypeByteLengthGetter(bytes);
    text = "";
  };
  for (let i = 0; i < entries.length; i++) {
    const [name, value] = entries[i];
    text += `--${boundary}\r\nContent-Disposition: form-data; name="${escapeQuotes(name)}`;
    if (typeof value === "string") {
      text += `"\r\n\r\n${value}`;
    } else {
      const type = blob.type(value);
      text += `"; filename="${escapeQuotes(blob.name(value))}"\r\nContent-Type: ` +
        `${type === "" ? "application/octet-stream" : type}\r\n\r\n`;
      flushText();
      const bytes = blob.view(value);
      ArrayPrototypePush(pieces, bytes);
      total += TypedArrayPrototypeByteLengthGetter(bytes);
    }
    text += "\r\n";
  }
  text += `--${boundary}--`;
  flushText();
  const out = new U8(total);
  let offset = 0;
  for (let i = 0; i < pieces.length; i++) {
    TypedArrayPrototypeSet(out, pieces[i], offset);
    offset += TypedArrayPrototypeByteLengthGetter(pieces[i]);
  }
  return { bytes: out, contentType: `multipart/form-data; boundary=${boundary}` };
}

// ---------------------------------------------------------------------------------------
// Parsing (FormData::parse)

const HTTP_WS = /^[\t\n\r ]+|[\t\n\r ]+$/g;
function isTokenChar(c) {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) ||
    (c < 0x80 && StringPrototypeIndexOf("!#$%&'*+-.^_`|~", StringFromCharCode(c)) !== -1);
}
function isToken(s) {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTokenChar(StringPrototypeCharCodeAt(s, i))) return false;
  return true;
}

// WHATWG MIME type parsing (what workerd's MimeType::tryParse does): null when invalid,
// else { essence, params } with lower-cased parameter names; the first of a name wins.
function parseMimeType(input) {
  input = StringPrototypeReplace(input, HTTP_WS, "");
  let pos = StringPrototypeIndexOf(input, "/");
  if (pos === -1) return null;
  const type = StringPrototypeSlice(input, 0, pos);
  if (!isToken(type)) return null;
  let end = StringPrototypeIndexOf(input, ";", pos + 1);
  if (end === -1) end = input.length;
  const subtype = StringPrototypeTrimEnd(StringPrototypeSlice(input, pos + 1, end));
  if (!isToken(subtype)) return null;
  const params = { __proto__: null };
  pos = end;
  while (pos < input.length) {
    pos++; // skip ';'
    while (pos < input.length && StringPrototypeIncludes(" \t\n\r", input[pos])) pos++;
    let nameEnd = pos;
    while (nameEnd < input.length && input[nameEnd] !== ";" && input[nameEnd] !== "=") nameEnd++;
    const name = StringPrototypeToLowerCase(StringPrototypeSlice(input, pos, nameEnd));
    pos = nameEnd;
    if (pos < input.length && input[pos] === ";") continue;
    if (pos >= input.length) break;
    pos++; // skip '='
    let value;
    if (pos < input.length && input[pos] === '"') {
      value = "";
      pos++;
      while (pos < input.length) {
        const ch = input[pos];
        if (ch === '"') { pos++; break; }
        if (ch === "\\" && pos + 1 < input.length) { value += input[pos + 1]; pos += 2; continue; }
        if (ch === "\\") { value += "\\"; pos++; continue; }
        value += ch;
        pos++;
      }
      while (pos < input.length && input[pos] !== ";") pos++;
    } else {
      let valueEnd = StringPrototypeIndexOf(input, ";", pos);
      if (valueEnd === -1) valueEnd = input.length;
      value = StringPrototypeTrimEnd(StringPrototypeSlice(input, pos, valueEnd));
      pos = valueEnd;
      if (value === "") continue;
    }
    if (name !== "" && isToken(name) && !(name in params)) params[name] = value;
  }
  return { essence: StringPrototypeToLowerCase(type) + "/" + StringPrototypeToLowerCase(subtype), params };
}

// The kj::parse grammar workerd uses for Content-Disposition: an identifier, then
// `; name="value"` parameters (quoted only; "\c" stands for c). Parsing stops at the first
// parameter that does not fit; trailing text is ignored.
const WS = " \f\n\r\t\v";
function parseContentDisposition(text) {
  let pos = 0;
  const skipWs = () => { while (pos < text.length && StringPrototypeIncludes(WS, text[pos])) pos++; };
  const identifier = () => {
    const start = pos;
    while (pos < text.length) {
      const c = StringPrototypeCharCodeAt(text, pos);
      if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) ||
        c === 0x5f || c === 0x2d) pos++;
      else break;
    }
    return pos > start ? StringPrototypeSlice(text, start, pos) : null;
  };
  skipWs();
  const kind = identifier();
  if (kind === null) return null;
  skipWs();
  const params = [];
  for (;;) {
    const save = pos;
    if (text[pos] !== ";") break;
    pos++;
    skipWs();
    const key = identifier();
    if (key === null) { pos = save; break; }
    skipWs();
    if (text[pos] !== "=") { pos = save; break; }
    pos++;
    skipWs();
    if (text[pos] !== '"') { pos = save; break; }
    pos++;
    let value = "";
    let count = 0;
    let ok = false;
    while (pos < text.length) {
      const ch = text[pos];
      if (ch === '"') { ok = count > 0; pos++; break; }
      if (ch === "\n") break;
      if (ch === "\\") {
        if (pos + 1 >= text.length || text[pos + 1] === "\n") break;
        value += text[pos + 1];
        pos += 2;
      } else {
        value += ch;
        pos++;
      }
      count++;
    }
    if (!ok) { pos = save; break; }
    skipWs();
    ArrayPrototypePush(params, [key, value]);
  }
  return { kind, params };
}

// kj::HttpHeaders::tryParse over a part's header block: "Name: value" lines (obs-fold
// continuation allowed); null when a line is not a header.
function parsePartHeaders(block) {
  const headers = { __proto__: null };
  const lines = StringPrototypeSplit(block, "\n");
  let last = null;
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    if (StringPrototypeEndsWith(line, "\r")) line = StringPrototypeSlice(line, 0, -1);
    if (line === "") continue;
    const first = StringPrototypeCharCodeAt(line, 0);
    if ((first === 0x20 || first === 0x09) && last !== null) {
      headers[last] += " " + StringPrototypeTrim(line);
      continue;
    }
    const colon = StringPrototypeIndexOf(line, ":");
    if (colon <= 0) return null;
    const name = StringPrototypeSlice(line, 0, colon);
    if (!isToken(name)) return null;
    const key = StringPrototypeToLowerCase(name);
    const value = StringPrototypeTrim(StringPrototypeSlice(line, colon + 1));
    // kj keeps the first of a repeated header for get().
    if (!(key in headers)) headers[key] = value;
    last = key;
  }
  return headers;
}

const HEADER_END = /\r?\n\r?\n/g;

function parseMultipart(formData, bytes, boundary) {
  const entries = entriesOf(formData);
  const blob = blobApi();
  // Work on the bytes as a binary string (one char per byte); decode text as UTF-8.
  const body = internals.latin1Decode(bytes);
  const delimiter = "\n--" + boundary;
  const utf8 = (start, end) => internals.utf8Decode(bytes, start, end);
  const latin = (s) => internals.utf8Decode(internals.latin1Encode(s));

  let pos = StringPrototypeIndexOf(body, StringPrototypeSlice(delimiter, 1));
  if (pos === -1) {
    throw new TypeErrorCtor("No initial boundary string (or you have a truncated message).");
  }
  pos += delimiter.length - 1;
  if (pos >= body.length) {
    throw new TypeErrorCtor("No initial boundary string (or you have a truncated message).");
  }
  for (;;) {
    // After a boundary: (CR)LF continues, "--" ends.
    if (body[pos] === "\n") {
      pos += 1;
    } else if (body[pos] === "\r" && body[pos + 1] === "\n") {
      pos += 2;
    } else if (body[pos] === "-" && body[pos + 1] === "-") {
      return;
    } else {
      throw new TypeErrorCtor("Boundary string was not succeeded by CRLF, LF, or '--'.");
    }
    HEADER_END.lastIndex = pos;
    const match = RegExpPrototypeExec(HEADER_END, body);
    if (match === null) throw new TypeErrorCtor("No multipart message header termination found.");
    const headerEnd = match.index + match[0].length;
    const headers = parsePartHeaders(latin(StringPrototypeSlice(body, pos, headerEnd)));
    pos = headerEnd;
    if (headers === null) throw new TypeErrorCtor("FormData part had invalid headers.");
    const disposition = headers["content-disposition"];
    if (disposition === undefined) {
      throw new TypeErrorCtor("No valid Content-Disposition header found in FormData part.");
    }
    const parsed = parseContentDisposition(disposition);
    if (parsed === null) {
      throw new TypeErrorCtor("Invalid Content-Disposition header found in FormData part.");
    }
    if (parsed.kind !== "form-data") {
      throw new TypeErrorCtor("Content-Disposition header for FormData part must have the value " +
        `"form-data", possibly followed by parameters. Got: "${parsed.kind}"`);
    }
    let name = null;
    let filename = null;
    for (let i = 0; i < parsed.params.length; i++) {
      const [key, value] = parsed.params[i];
      if (key === "name") name = value;
      else if (key === "filename") filename = value;
    }
    if (name === null) {
      throw new TypeErrorCtor("Content-Disposition header in FormData part is missing a name.");
    }
    const type = headers["content-type"];
    const found = StringPrototypeIndexOf(body, delimiter, pos);
    if (found === -1 || found + delimiter.length >= body.length) {
      throw new TypeErrorCtor("No subsequent boundary string after multipart message.");
    }
    let end = found;
    if (end > pos && body[end - 1] === "\r") end--;
    if (filename === null) {
      ArrayPrototypePush(entries, [name, utf8(pos, end)]);
    } else {
      const data = TypedArrayPrototypeSlice(bytes, pos, end);
      ArrayPrototypePush(entries, [name,
        blob.createFile(data, filename, type === undefined ? "" : type, DateNow())]);
    }
    pos = found + delimiter.length;
  }
}

const UTF8_LABELS = ["utf-8", "utf8", "unicode-1-1-utf-8"];

function parse(bytes, contentType) {
  const formData = new FormData();
  const mime = parseMimeType(contentType);
  if (mime !== null && mime.essence === "multipart/form-data") {
    const boundary = mime.params.boundary;
    if (boundary === undefined) {
      throw new TypeErrorCtor("No boundary string in Content-Type header. The multipart/form-data " +
        "MIME type requires a boundary parameter, e.g. 'Content-Type: multipart/form-data; " +
        "boundary=\"abcd\"'. See RFC 7578, section 4.");
    }
    parseMultipart(formData, bytes, boundary);
    return formData;
  }
  if (mime !== null && mime.essence === "application/x-www-form-urlencoded") {
    const charset = mime.params.charset;
    if (charset !== undefined &&
        !ArrayPrototypeIncludes(UTF8_LABELS, StringPrototypeToLowerCase(charset))) {
      throw new TypeErrorCtor("Non-utf-8 application/x-www-form-urlencoded body.");
    }
    const list = internals.urlencodedParse(internals.utf8Decode(bytes));
    const entries = entriesOf(formData);
    for (let i = 0; i < list.length; i++) ArrayPrototypePush(entries, [list[i][0], list[i][1]]);
    return formData;
  }
  throw new TypeErrorCtor("Unrecognized Content-Type header value. FormData can only parse the " +
    "following MIME types: multipart/form-data, application/x-www-form-urlencoded");
}

internals.formData = {
  __proto__: null,
  isFormData,
  serialize: (fd) => serialize(fd),
  serializeWithBoundary: serialize,
  parse,
  entries: (fd) => entriesOf(fd),
  parseMimeType,
  FormData,
};

internals.defineGlobal("FormData", FormData);
