// env.<R2 binding>: R2Bucket, R2Object, R2ObjectBody, R2MultipartUpload, shaped as
// workerd shapes them (src/workerd/api/r2-bucket.c++, r2-multipart.c++); as there, an
// R2Object's class is HeadResult and an R2ObjectBody's GetResult. Argument checks
// that workerd makes in the runtime happen here with its messages; everything R2 itself
// decides (keys, preconditions, ranges, checksums, multipart rules) happens in the host
// (bindings/r2/gateway.py) and comes back as `Error("<action>: <message> (<code>)")`.
//
// Bodies move in pieces of at most 256 KiB: a put reads its stream piece by piece and
// waits for the host to take each one; a get's body is a byte stream that pulls one
// piece per read (see bindings/r2/ops.py for the protocol).

const {
  ArrayBufferIsView, ArrayIsArray, ArrayPrototypePush, Date: DateCtor, DatePrototypeGetTime,
  DatePrototypeToUTCString, Error: ErrorCtor, FinalizationRegistry: FinalizationRegistryCtor,
  JSONParse, NumberIsFinite, NumberIsNaN, MathTrunc, ObjectCreate, ObjectDefineProperty,
  ObjectFreeze, ObjectKeys, Promise: PromiseCtor, PromisePrototypeThen, RangeError: RangeErrorCtor,
  ReflectApply, String: StringCtor, StringPrototypeCharCodeAt, StringPrototypeIndexOf,
  StringPrototypeSlice, StringPrototypeStartsWith, StringPrototypeEndsWith, StringPrototypeToLowerCase,
  TypeError: TypeErrorCtor, TypedArrayPrototypeByteLengthGetter, TypedArrayPrototypeSlice,
  TypedArrayPrototypeSubarray, Uint8Array: U8, ArrayBuffer: ArrayBufferCtor, globalThis: realGlobal,
  uncurryThis,
} = internals.primordials;

const PIECE = 256 * 1024;
const BODY_USED = "Body has already been used. It can only be used once. Use tee() first if you need to read it twice.";
const HeadersCtor = realGlobal.Headers;
const headersGet = uncurryThis(HeadersCtor.prototype.get);
const headersSet = uncurryThis(HeadersCtor.prototype.set);
const kConstruct = ObjectCreate(null);

function hostCall(op, args, bytes) { return internals.host.call(op, args, bytes); }
function isHeaders(value) { return internals.http.isHeaders(value); }
function isObject(value) { return value !== null && (typeof value === "object" || typeof value === "function"); }
// workerd wraps each method in js.evalNow: a synchronous throw becomes a rejection.
const { resolvedPromise: resolved, rejectedPromise: rejected, evalNow,
  parameterNotOfType: typeError } = internals.webidl;

// kj::String parameters: coerced with String() (a lone surrogate becomes U+FFFD).
function toKey(value) {
  let s = StringCtor(value);
  if (typeof s.toWellFormed === "function") s = ReflectApply(s.toWellFormed, s, []);
  return s;
}

function isDate(value) {
  try { DatePrototypeGetTime(value); return true; } catch { return false; }
}
function dateMs(value, what) {
  if (isDate(value)) return DatePrototypeGetTime(value);
  if (typeof value === "number") return value;
  throw new TypeErrorCtor(`${what} must be a Date.`);
}

function bytesOf(value) {
  if (ArrayBufferIsView(value)) {
    return new U8(value.buffer, value.byteOffset, value.byteLength);
  }
  if (value instanceof ArrayBufferCtor) return new U8(value);
  return null;
}

function toHex(bytes) {
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
  return out;
}
function fromHex(hex) {
  const out = new U8(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const n = +("0x" + StringPrototypeSlice(hex, i * 2, i * 2 + 2));
    if (NumberIsNaN(n) || !/^[0-9a-fA-F]{2}$/.test(StringPrototypeSlice(hex, i * 2, i * 2 + 2))) return null;
    out[i] = n;
  }
  return out;
}

// -- options ---------------------------------------------------------------------------

// R2Bucket::HttpMetadata from an object or from Headers (fromRequestHeaders).
function convertHttpMetadata(value) {
  const out = {};
  if (isHeaders(value)) {
    const pairs = [["contentType", "content-type"], ["contentEncoding", "content-encoding"],
      ["contentDisposition", "content-disposition"], ["contentLanguage", "content-language"],
      ["cacheControl", "cache-control"]];
    for (const [field, header] of pairs) {
      const v = headersGet(value, header);
      if (v !== null) out[field] = v;
    }
    const expires = headersGet(value, "expires");
    if (expires !== null) out.cacheExpiry = DatePrototypeGetTime(new DateCtor(expires));
    return out;
  }
  if (value === undefined || value === null) return out;
  if (!isObject(value)) throw new TypeErrorCtor("httpMetadata must be an object or a Headers.");
  for (const field of ["contentType", "contentLanguage", "contentDisposition", "contentEncoding", "cacheControl"]) {
    const v = value[field];
    if (v !== undefined) out[field] = StringCtor(v);
  }
  if (value.cacheExpiry !== undefined) out.cacheExpiry = dateMs(value.cacheExpiry, "cacheExpiry");
  return out;
}

function convertCustomMetadata(value) {
  const out = {};
  if (value === undefined || value === null) return out;
  if (!isObject(value)) throw new TypeErrorCtor("customMetadata must be an object.");
  for (const k of ObjectKeys(value)) out[k] = StringCtor(value[k]);
  return out;
}

// parseConditionalEtagHeader (r2-bucket.c++): a list of strong, weak and wildcard etags.
function parseEtagHeader(header) {
  const out = [];
  let rest = header;
  let needComma = false;
  for (;;) {
    const find = (c) => { const i = StringPrototypeIndexOf(rest, c); return i < 0 ? Infinity : i; };
    const wildcard = find("*"), quote = find('"'), weak = find("W"), comma = find(",");
    if (quote === Infinity && wildcard === Infinity) return out;
    if (comma < wildcard && comma < quote && comma < weak) {
      rest = StringPrototypeSlice(rest, comma + 1);
      needComma = false;
      continue;
    }
    if (needComma) {
      const first = wildcard < quote ? (wildcard < weak ? "*" : "W") : (quote < weak ? '"' : "W");
      const reason = first === "*" ? "Encountered a wildcard character '*' instead."
        : first === '"' ? "Encountered a double quote character '\"' instead. This would otherwise indicate the start of a new strong etag."
          : "Encountered a weak quotation character 'W' instead. This would otherwise indicate the start of a new weak etag.";
      throw new ErrorCtor("Comma was expected to separate etags. " + reason);
    }
    if (wildcard < quote) return [{ type: "wildcard" }];
    const start = quote + 1;
    const close = StringPrototypeIndexOf(rest, '"', start);
    if (close < 0) throw new ErrorCtor("Unclosed double quote for Etag");
    const value = StringPrototypeSlice(rest, start, close);
    if (weak < quote) {
      if (!(rest[weak + 1] === "/" && weak + 2 === quote)) {
        throw new ErrorCtor("Weak etags must start with W/ and their value must be quoted");
      }
      ArrayPrototypePush(out, { type: "weak", value });
    } else {
      ArrayPrototypePush(out, { type: "strong", value });
    }
    rest = StringPrototypeSlice(rest, close + 1);
    needComma = true;
  }
}

function singleEtag(value) {
  if (typeof value !== "string") throw new TypeErrorCtor("Conditional ETag must be a string.");
  if (StringPrototypeStartsWith(value, '"') && StringPrototypeEndsWith(value, '"')) {
    throw new TypeErrorCtor(`Conditional ETag should not be wrapped in quotes (${value}).`);
  }
  return [value === "*" ? { type: "wildcard" } : { type: "strong", value }];
}

function convertOnlyIf(value) {
  if (value === undefined || value === null) return undefined;
  const out = {};
  if (isHeaders(value)) {
    out.secondsGranularity = true;
    const m = headersGet(value, "if-match");
    if (m !== null) out.etagMatches = parseEtagHeader(m);
    const n = headersGet(value, "if-none-match");
    if (n !== null) out.etagDoesNotMatch = parseEtagHeader(n);
    const ms = headersGet(value, "if-modified-since");
    if (ms !== null) out.uploadedAfter = DatePrototypeGetTime(new DateCtor(ms));
    const us = headersGet(value, "if-unmodified-since");
    if (us !== null) out.uploadedBefore = DatePrototypeGetTime(new DateCtor(us));
    return out;
  }
  if (!isObject(value)) throw new TypeErrorCtor("onlyIf must be an R2Conditional or a Headers.");
  if (value.etagMatches !== undefined) out.etagMatches = singleEtag(value.etagMatches);
  if (value.etagDoesNotMatch !== undefined) out.etagDoesNotMatch = singleEtag(value.etagDoesNotMatch);
  if (value.uploadedBefore !== undefined) out.uploadedBefore = dateMs(value.uploadedBefore, "uploadedBefore");
  if (value.uploadedAfter !== undefined) out.uploadedAfter = dateMs(value.uploadedAfter, "uploadedAfter");
  if (value.secondsGranularity) out.secondsGranularity = true;
  return out;
}

function isWhole(x) { return MathTrunc(x) === x; }

function convertRange(value, args) {
  if (value === undefined || value === null) return;
  if (isHeaders(value)) {
    const h = headersGet(value, "range");
    if (h !== null) args.rangeHeader = h;
    return;
  }
  if (!isObject(value)) throw new TypeErrorCtor("range must be an R2Range or a Headers.");
  const range = {};
  if (value.offset !== undefined) {
    const offset = +value.offset;
    if (!(offset >= 0)) throw new RangeErrorCtor(`Invalid range. Starting offset (${offset}) must be greater than or equal to 0.`);
    if (!isWhole(offset)) throw new RangeErrorCtor(`Invalid range. Starting offset (${offset}) must be an integer, not floating point.`);
    range.offset = offset;
  }
  if (value.length !== undefined) {
    const length = +value.length;
    if (!(length >= 0)) throw new RangeErrorCtor(`Invalid range. Length (${length}) must be greater than or equal to 0.`);
    if (!isWhole(length)) throw new RangeErrorCtor(`Invalid range. Length (${length}) must be an integer, not floating point.`);
    range.length = length;
  }
  if (value.suffix !== undefined) {
    const suffix = +value.suffix;
    if (range.offset !== undefined) throw new TypeErrorCtor("Suffix is incompatible with offset.");
    if (range.length !== undefined) throw new TypeErrorCtor("Suffix is incompatible with length.");
    if (!(suffix >= 0)) throw new RangeErrorCtor(`Invalid suffix. Suffix (${suffix}) must be greater than or equal to 0.`);
    if (!isWhole(suffix)) throw new RangeErrorCtor(`Invalid range. Suffix (${suffix}) must be an integer, not floating point.`);
    range.suffix = suffix;
  }
  args.range = range;
}

function checkSsecKey(key) {
  if (key === undefined) return;
  if (typeof key === "string") {
    if (!/^[0-9a-f]+$/.test(key)) throw new ErrorCtor("SSE-C Key has invalid format");
    if (key.length !== 64) throw new ErrorCtor("SSE-C Key must be 32 bytes in length");
    return;
  }
  const bytes = bytesOf(key);
  if (bytes === null || bytes.length !== 32) throw new ErrorCtor("SSE-C Key must be 32 bytes in length");
}

const HASHES = [["md5", "MD5", 16], ["sha1", "SHA-1", 20], ["sha256", "SHA-256", 32],
  ["sha384", "SHA-384", 48], ["sha512", "SHA-512", 64]];

function convertChecksums(options) {
  const out = {};
  let specified = false;
  for (const [field, name, size] of HASHES) {
    const value = options[field];
    if (value === undefined) continue;
    if (specified) throw new TypeErrorCtor("You cannot specify multiple hashing algorithms.");
    specified = true;
    if (typeof value === "string") {
      if (value.length !== size * 2) throw new TypeErrorCtor(`${name} is ${size * 2} hex characters, not ${value.length}`);
      const decoded = fromHex(value);
      if (decoded === null) throw new TypeErrorCtor(`Provided ${name} wasn't a valid hex string`);
      out[field] = toHex(decoded);
    } else {
      const bytes = bytesOf(value);
      if (bytes === null) throw new TypeErrorCtor(`${name} must be a string, an ArrayBuffer or an ArrayBufferView.`);
      if (bytes.length !== size) throw new TypeErrorCtor(`${name} is ${size} bytes, not ${bytes.length}`);
      out[field] = toHex(bytes);
    }
  }
  return out;
}

// -- R2Object --------------------------------------------------------------------------

class Checksums {
  #hex;
  constructor(token, hex) {
    if (token !== kConstruct) throw new TypeErrorCtor("Illegal constructor");
    this.#hex = hex;
    for (const [field] of HASHES) {
      const h = hex[field];
      ObjectDefineProperty(this, field, {
        value: h === undefined ? undefined : fromHex(h).buffer, enumerable: true, writable: false, configurable: false,
      });
    }
  }
  toJSON() {
    const out = {};
    for (const [field] of HASHES) if (this.#hex[field] !== undefined) out[field] = this.#hex[field];
    return out;
  }
}

function readonly(obj, name, value) {
  ObjectDefineProperty(obj, name, { value, enumerable: true, writable: false, configurable: false });
}

function httpMetadataFromHost(raw) {
  if (raw === null || raw === undefined) return undefined;
  const out = {};
  for (const field of ["contentType", "contentLanguage", "contentDisposition", "contentEncoding", "cacheControl"]) {
    if (raw[field] !== undefined) out[field] = raw[field];
  }
  if (raw.cacheExpiry !== undefined) out.cacheExpiry = new DateCtor(raw.cacheExpiry);
  return out;
}

const objectState = new WeakMap();

class HeadResult {
  constructor(token, meta) {
    if (token !== kConstruct) throw new TypeErrorCtor("Illegal constructor");
    const http = httpMetadataFromHost(meta.httpMetadata);
    objectState.set(this, { key: meta.key, http });
    readonly(this, "key", meta.key);
    readonly(this, "version", meta.version);
    readonly(this, "size", meta.size);
    readonly(this, "etag", meta.etag);
    readonly(this, "httpEtag", `"${meta.etag}"`);
    readonly(this, "checksums", new Checksums(kConstruct, meta.checksums || {}));
    readonly(this, "uploaded", new DateCtor(meta.uploaded));
    readonly(this, "httpMetadata", http);
    readonly(this, "customMetadata", meta.customMetadata === null ? undefined : meta.customMetadata);
    readonly(this, "range", meta.range === null ? undefined : meta.range);
    readonly(this, "storageClass", meta.storageClass);
    readonly(this, "ssecKeyMd5", undefined);
  }

  writeHttpMetadata(headers) {
    const st = objectState.get(this);
    if (st === undefined) throw new TypeErrorCtor("Illegal invocation");
    if (!isHeaders(headers)) throw typeError("writeHttpMetadata", "HeadResult", 1, "Headers");
    const m = st.http;
    if (m === undefined) {
      throw new TypeErrorCtor(`HTTP metadata unknown for key \`${st.key}\`. Did you forget to add 'httpMetadata' to \`include\` when listing?`);
    }
    if (m.contentType !== undefined) headersSet(headers, "content-type", m.contentType);
    if (m.contentLanguage !== undefined) headersSet(headers, "content-language", m.contentLanguage);
    if (m.contentDisposition !== undefined) headersSet(headers, "content-disposition", m.contentDisposition);
    if (m.contentEncoding !== undefined) headersSet(headers, "content-encoding", m.contentEncoding);
    if (m.cacheControl !== undefined) headersSet(headers, "cache-control", m.cacheControl);
    if (m.cacheExpiry !== undefined) headersSet(headers, "expires", DatePrototypeToUTCString(m.cacheExpiry));
  }
}

const bodies = new WeakMap();

function bodyOf(obj) {
  const body = bodies.get(obj);
  if (body === undefined) throw new TypeErrorCtor("Illegal invocation");
  return body;
}

function readAllBytes(obj) {
  return evalNow(() => {
    const body = bodyOf(obj);
    if (internals.streams.isDisturbed(body)) throw new TypeErrorCtor(BODY_USED);
    return internals.streams.readAll(body);
  });
}

function freshBuffer(bytes) {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes.buffer;
  return TypedArrayPrototypeSlice(bytes).buffer;
}

class GetResult extends HeadResult {
  constructor(token, meta, body) {
    super(token, meta);
    bodies.set(this, body);
  }
  get body() { return bodyOf(this); }
  get bodyUsed() { return internals.streams.isDisturbed(bodyOf(this)); }
  arrayBuffer() { return PromisePrototypeThen(readAllBytes(this), freshBuffer); }
  bytes() { return PromisePrototypeThen(readAllBytes(this), (b) => new U8(freshBuffer(b))); }
  text() { return PromisePrototypeThen(readAllBytes(this), (b) => internals.utf8Decode(b)); }
  json() { return PromisePrototypeThen(this.text(), (t) => JSONParse(t)); }
  blob() {
    const type = objectState.get(this)?.http?.contentType ?? "";
    return PromisePrototypeThen(readAllBytes(this), (b) => internals.blob.create(TypedArrayPrototypeSlice(b), type));
  }
}

// -- bodies in -------------------------------------------------------------------------

// What to send for a put value: { size, bytes } or { size, stream }.
function convertPutValue(value, method, iface, index) {
  if (value === undefined || value === null) return { size: 0, bytes: new U8(0) };
  if (typeof value === "string") {
    const bytes = internals.utf8Encode(value);
    return { size: bytes.length, bytes };
  }
  const view = bytesOf(value);
  if (view !== null) {
    // A copy: the worker may change its buffer once put() returns.
    return { size: view.length, bytes: TypedArrayPrototypeSlice(view) };
  }
  if (internals.blob.isBlob(value)) {
    const bytes = internals.blob.view(value);
    return { size: bytes.length, bytes };
  }
  if (internals.streams.isReadableStream(value)) {
    if (internals.streams.isDisturbed(value) || internals.streams.isLocked(value)) {
      throw new TypeErrorCtor("This ReadableStream is disturbed (has already been read from), and cannot be used as a body.");
    }
    const length = internals.streams.expectedLength(value);
    if (length === undefined) {
      throw new TypeErrorCtor("Provided readable stream must have a known length (request/response body or readable half of FixedLengthStream)");
    }
    return { size: length, stream: value };
  }
  throw typeError(method, iface, index, "ReadableStream or ArrayBuffer or ArrayBufferView or string or Blob");
}

// Send a value to the host: the first piece with `startOp`/`startArgs`, the rest with
// r2.putNext (runtime/js/69_pieces.js). Resolves with the host's final `result`.
const PUT_OPS = { next: "r2.putNext", abort: "r2.putAbort" };
function upload(startOp, startArgs, value) {
  return internals.pieces.upload({ ...PUT_OPS, start: startOp }, startArgs,
    value.bytes !== undefined ? value.bytes : value.stream);
}

// -- bodies out ------------------------------------------------------------------------

const dropped = typeof FinalizationRegistryCtor === "function"
  ? new FinalizationRegistryCtor((id) => { try { hostCall("r2.cancel", { id }); } catch { /* gone */ } })
  : null;

function bodyStream(id, first, done, length, file = null) {
  let pending = first !== null && first.length > 0 ? first : null;
  let ended = done;
  // The next piece is asked for as soon as one is handed on, so that reading from the
  // host overlaps with the consumer's work (at most one read in flight).
  let ahead = null;
  const token = {};
  const finish = () => {
    ended = true;
    if (dropped !== null) dropped.unregister(token);
  };
  const readAhead = () => {
    ahead = hostCall("r2.read", { id });
    PromisePrototypeThen(ahead, undefined, () => {}); // a cancelled stream never awaits it
  };
  const stream = internals.streams.createPullStream({
    pull(controller) {
      if (pending !== null) {
        const bytes = pending;
        pending = null;
        controller.enqueue(bytes);
        if (ended) controller.close();
        else readAhead();
        return undefined;
      }
      if (ended) { controller.close(); return undefined; }
      const next = ahead !== null ? ahead : hostCall("r2.read", { id });
      ahead = null;
      return PromisePrototypeThen(next, (r) => {
        if (r[1] !== null) controller.enqueue(r[1]);
        if (r[0] === true) {
          finish();
          controller.close();
        } else {
          readAhead();
        }
      }, (err) => {
        finish();
        controller.error(err);
      });
    },
    cancel() {
      if (!ended) {
        finish();
        hostCall("r2.cancel", { id });
      }
    },
  }, {
    expectedLength: length,
    // Passed on unread (`new Response(object.body)`), the host sends it from r2.read.
    hostSource: {
      op: "r2.read", args: { id }, cancel: "r2.cancel", first: pending, done, taken: finish,
      file, // the object as one local file: the front end sends it as such
    },
  });
  if (!done && dropped !== null) dropped.register(stream, id, token);
  return stream;
}

// -- R2Bucket --------------------------------------------------------------------------

class R2MultipartUpload {
  #bucket;
  constructor(token, bucket, key, uploadId) {
    if (token !== kConstruct) throw new TypeErrorCtor("Illegal constructor");
    this.#bucket = bucket;
    readonly(this, "key", key);
    readonly(this, "uploadId", uploadId);
  }

  uploadPart(partNumber, value, options = undefined) {
    return evalNow(() => {
      const n = +partNumber;
      const number = NumberIsFinite(n) ? MathTrunc(n) : 0;
      if (!(number >= 1 && number <= 10000)) {
        throw new TypeErrorCtor(`Part number must be between 1 and 10000 (inclusive). Actual value was: ${number}`);
      }
      if (isObject(options)) checkSsecKey(options.ssecKey);
      const body = convertPutValue(value, "uploadPart", "R2MultipartUpload", 2);
      const args = { binding: this.#bucket, key: this.key, uploadId: this.uploadId, partNumber: number, size: body.size };
      return upload("r2.uploadPart", args, body);
    });
  }

  abort() {
    return evalNow(() => PromisePrototypeThen(
      hostCall("r2.abortMultipartUpload", { binding: this.#bucket, key: this.key, uploadId: this.uploadId }),
      () => undefined));
  }

  complete(uploadedParts) {
    return evalNow(() => {
      if (!ArrayIsArray(uploadedParts)) throw typeError("complete", "R2MultipartUpload", 1, "Array");
      const parts = [];
      for (const p of uploadedParts) {
        if (!isObject(p)) throw new TypeErrorCtor("Each uploaded part must be an object with partNumber and etag.");
        const n = MathTrunc(+p.partNumber);
        if (!(n >= 1 && n <= 10000)) {
          throw new TypeErrorCtor(`Part number must be between 1 and 10000 (inclusive). Actual value was: ${n}`);
        }
        ArrayPrototypePush(parts, { partNumber: n, etag: StringCtor(p.etag) });
      }
      return PromisePrototypeThen(
        hostCall("r2.completeMultipartUpload", { binding: this.#bucket, key: this.key, uploadId: this.uploadId, parts }),
        (r) => new HeadResult(kConstruct, r[0]));
    });
  }
}

class R2Bucket {
  #binding;
  constructor(token, binding) {
    if (token !== kConstruct) throw new TypeErrorCtor("Illegal constructor");
    this.#binding = binding;
  }

  head(key) {
    return evalNow(() => {
      if (arguments.length === 0) throw typeError("head", "R2Bucket", 1, "string");
      return PromisePrototypeThen(hostCall("r2.head", { binding: this.#binding, key: toKey(key) }),
        (r) => (r[0] === null ? null : new HeadResult(kConstruct, r[0])));
    });
  }

  get(key, options = undefined) {
    return evalNow(() => {
      if (arguments.length === 0) throw typeError("get", "R2Bucket", 1, "string");
      const args = { binding: this.#binding, key: toKey(key) };
      if (options !== undefined && options !== null) {
        if (!isObject(options)) throw typeError("get", "R2Bucket", 2, "R2GetOptions");
        const onlyIf = convertOnlyIf(options.onlyIf);
        if (onlyIf !== undefined) args.onlyIf = onlyIf;
        convertRange(options.range, args);
        checkSsecKey(options.ssecKey);
      }
      return PromisePrototypeThen(hostCall("r2.get", args), (r) => {
        const head = r[0];
        if (head === null) return null;
        if (!head.body) return new HeadResult(kConstruct, head.object);
        const length = head.object.range ? head.object.range.length : head.object.size;
        const stream = bodyStream(head.id, r[1], head.done, length, head.file ?? null);
        return new GetResult(kConstruct, head.object, stream);
      });
    });
  }

  put(key, value, options = undefined) {
    return evalNow(() => {
      if (arguments.length < 2) throw typeError("put", "R2Bucket", arguments.length + 1, arguments.length === 0 ? "string" : "ReadableStream or ArrayBuffer or ArrayBufferView or string or Blob");
      const k = toKey(key);
      const sent = {};
      if (options !== undefined && options !== null) {
        if (!isObject(options)) throw typeError("put", "R2Bucket", 3, "R2PutOptions");
        const onlyIf = convertOnlyIf(options.onlyIf);
        if (onlyIf !== undefined) sent.onlyIf = onlyIf;
        sent.httpMetadata = convertHttpMetadata(options.httpMetadata);
        sent.customMetadata = convertCustomMetadata(options.customMetadata);
        sent.checksums = convertChecksums(options);
        if (options.storageClass !== undefined) sent.storageClass = StringCtor(options.storageClass);
        checkSsecKey(options.ssecKey);
      }
      const body = convertPutValue(value, "put", "R2Bucket", 2);
      const args = { binding: this.#binding, key: k, size: body.size, options: sent };
      return PromisePrototypeThen(upload("r2.put", args, body), (meta) => {
        if (meta === null) return null;
        // workerd hands back the metadata it sent.
        meta.httpMetadata = sent.httpMetadata || {};
        meta.customMetadata = sent.customMetadata || {};
        return new HeadResult(kConstruct, meta);
      });
    });
  }

  delete(keys) {
    return evalNow(() => {
      if (arguments.length === 0) throw typeError("delete", "R2Bucket", 1, "string or Array");
      const list = [];
      if (ArrayIsArray(keys)) { for (const k of keys) ArrayPrototypePush(list, toKey(k)); }
      else ArrayPrototypePush(list, toKey(keys));
      return PromisePrototypeThen(hostCall("r2.delete", { binding: this.#binding, keys: list }), () => undefined);
    });
  }

  list(options = undefined) {
    return evalNow(() => {
      const sent = {};
      if (options !== undefined && options !== null) {
        if (!isObject(options)) throw typeError("list", "R2Bucket", 1, "R2ListOptions");
        if (options.limit !== undefined) sent.limit = MathTrunc(+options.limit);
        for (const field of ["prefix", "cursor", "delimiter", "startAfter"]) {
          const v = options[field];
          if (v === undefined) continue;
          if (typeof v !== "string") throw new TypeErrorCtor(`R2ListOptions.${field} must be a string.`);
          sent[field] = v;
        }
        if (options.include !== undefined) {
          const include = [];
          for (const v of options.include) {
            if (v !== "httpMetadata" && v !== "customMetadata") throw new RangeErrorCtor(`Unsupported include value ${v}`);
            ArrayPrototypePush(include, v);
          }
          sent.include = include;
        }
      }
      return PromisePrototypeThen(hostCall("r2.list", { binding: this.#binding, options: sent }), (r) => {
        const res = r[0];
        const objects = [];
        for (const meta of res.objects) ArrayPrototypePush(objects, new HeadResult(kConstruct, meta));
        const out = { objects, truncated: res.truncated };
        if (res.cursor !== undefined) out.cursor = res.cursor;
        out.delimitedPrefixes = res.delimitedPrefixes;
        return out;
      });
    });
  }

  createMultipartUpload(key, options = undefined) {
    return evalNow(() => {
      if (arguments.length === 0) throw typeError("createMultipartUpload", "R2Bucket", 1, "string");
      const k = toKey(key);
      const sent = {};
      if (options !== undefined && options !== null) {
        if (!isObject(options)) throw typeError("createMultipartUpload", "R2Bucket", 2, "R2MultipartOptions");
        sent.httpMetadata = convertHttpMetadata(options.httpMetadata);
        sent.customMetadata = convertCustomMetadata(options.customMetadata);
        if (options.storageClass !== undefined) sent.storageClass = StringCtor(options.storageClass);
        checkSsecKey(options.ssecKey);
      }
      return PromisePrototypeThen(
        hostCall("r2.createMultipartUpload", { binding: this.#binding, key: k, options: sent }),
        (r) => new R2MultipartUpload(kConstruct, this.#binding, k, r[0]));
    });
  }

  resumeMultipartUpload(key, uploadId) {
    if (arguments.length < 2) throw typeError("resumeMultipartUpload", "R2Bucket", arguments.length + 1, "string");
    return new R2MultipartUpload(kConstruct, this.#binding, toKey(key), StringCtor(uploadId));
  }
}

internals.bindings.r2_bucket = (descriptor, name) => new R2Bucket(kConstruct, name);
