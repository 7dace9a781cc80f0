// Headers, Request and Response: the Fetch Standard's HTTP types, shaped the way workerd
// shapes them (src/workerd/api/headers.c++, http.c++). Where workerd departs from the
// spec, workerd wins, and the comment says so.
//
// Hot path: every incoming request is built by internals.http.requestFromHost and every
// response is taken apart by internals.http.responseForHost. So:
//   - host headers are kept as the flat [k1, v1, k2, v2, ...] list they arrived in and
//     turned into a map only when the worker first touches them (no re-validation);
//   - a body built from a string or bytes stays that string or those bytes: a
//     ReadableStream is created only when someone reads `.body`. `new Response("hi")`
//     handed back to the host never creates a stream.
//
// Other runtime files are looked up when needed, never at load: internals.streams
// (30_streams.js), internals.utf8Encode/utf8Decode (10_encoding.js), URL and
// URLSearchParams (20_url.js). Hooks for later files, all optional:
//   internals.blob     = { isBlob(x), bytes(blob) -> Uint8Array, type(blob) -> string,
//                          create(bytes: Uint8Array, type: string) -> Blob }
//   internals.formData = { isFormData(x), serialize(fd) -> { bytes: Uint8Array, contentType },
//                          parse(bytes: Uint8Array, contentType: string) -> FormData (sync,
//                          throws TypeError on a malformed body) }
//   internals.isAbortSignal(x) -> boolean, internals.newNeverAbortSignal() -> AbortSignal
//   internals.isURLSearchParams(x) -> boolean

const {
  ArrayPrototypePush, ArrayPrototypeSort, ArrayBufferIsView,
  ArrayBufferPrototypeByteLengthGetter, DataViewPrototypeBufferGetter,
  DataViewPrototypeByteLengthGetter, DataViewPrototypeByteOffsetGetter, Error: ErrorCtor, JSONParse,
  JSONStringify, Map: MapCtor, MapPrototypeDelete, MapPrototypeForEach, MapPrototypeGet,
  MapPrototypeHas, MapPrototypeSet, Number: NumberCtor, NumberIsFinite, ObjectCreate,
  ObjectDefineProperty, ObjectFreeze, ObjectGetPrototypeOf, ObjectIsFrozen, ObjectKeys,
  ObjectSetPrototypeOf, Promise: PromiseCtor, PromisePrototypeThen, RangeError: RangeErrorCtor,
  ReflectApply, ReflectDefineProperty, ReflectGetOwnPropertyDescriptor, ReflectOwnKeys,
  String: StringCtor, StringPrototypeCharCodeAt, StringPrototypeIncludes,
  StringPrototypeSlice, StringPrototypeToLowerCase, StringPrototypeToUpperCase,
  SymbolIterator, SymbolToStringTag, TypeError: TypeErrorCtor, TypedArrayPrototypeBufferGetter,
  TypedArrayPrototypeByteLengthGetter, TypedArrayPrototypeByteOffsetGetter,
  TypedArrayPrototypeSet, Uint8Array: U8, globalThis: realGlobal,
} = internals.primordials;

// ---------------------------------------------------------------------------------------
// Small helpers

const kConstruct = ObjectCreate(null); // only this file can pass it: internal construction
const U8Prototype = U8.prototype;

function resolved(value) { return new PromiseCtor((resolve) => resolve(value)); }
function rejected(error) { return new PromiseCtor((_, reject) => reject(error)); }
function then(promise, onFulfilled) { return PromisePrototypeThen(promise, onFulfilled); }

function illegalInvocation() { return new TypeErrorCtor("Illegal invocation"); }

// Builtins from other runtime files: internal first, then the global the runtime installed.
// Captured at load if the file that owns them already ran (lower number), else looked up
// at call time.
const loadedGlobals = {
  URL: realGlobal.URL, URLSearchParams: realGlobal.URLSearchParams,
  AbortController: realGlobal.AbortController,
};
function runtimeGlobal(name) { return loadedGlobals[name] || realGlobal[name]; }

function utf8Encode(text) { return internals.utf8Encode(text); }
// text()/json() keep a leading BOM: workerd strips it only under the pedantic_wpt flag
// (workerd PR #5621), which is off by default.
function utf8Decode(bytes) { return internals.utf8Decode(bytes); }

function streamsApi() {
  const streams = internals.streams;
  if (!streams) throw new TypeErrorCtor("ReadableStream is not available in this runtime.");
  return streams;
}
function isReadableStream(value) {
  const streams = internals.streams;
  return streams !== undefined && streams !== null && streams.isReadableStream(value);
}
function teeStream(stream) {
  const streams = streamsApi();
  return streams.tee ? streams.tee(stream) : stream.tee();
}
// Leaves `stream` disturbed (as a consumed body's stream is) without locking it.
function disturbStream(stream) {
  const streams = streamsApi();
  const promise = streams.cancel ? streams.cancel(stream) : stream.cancel();
  if (promise) PromisePrototypeThen(promise, undefined, () => {});
}

// A Uint8Array over the same memory as an ArrayBuffer or ArrayBufferView, or null when
// `value` is neither. workerd does not copy a buffer body (http.c++ extractBody: "The spec
// would have us create a copy of the input buffer here ... a sad waste"), so neither do we.
function bytesView(value) {
  if (ArrayBufferIsView(value)) {
    if (ObjectGetPrototypeOf(value) === U8Prototype) return value;
    let buffer, offset, length;
    try {
      buffer = TypedArrayPrototypeBufferGetter(value);
      offset = TypedArrayPrototypeByteOffsetGetter(value);
      length = TypedArrayPrototypeByteLengthGetter(value);
    } catch {
      buffer = DataViewPrototypeBufferGetter(value);
      offset = DataViewPrototypeByteOffsetGetter(value);
      length = DataViewPrototypeByteLengthGetter(value);
    }
    return new U8(buffer, offset, length);
  }
  if (value !== null && typeof value === "object") {
    try {
      ArrayBufferPrototypeByteLengthGetter(value); // throws unless an ArrayBuffer
    } catch {
      return null;
    }
    return new U8(value);
  }
  return null;
}

// A fresh ArrayBuffer holding exactly `bytes`.
function toFreshArrayBuffer(bytes) {
  const copy = new U8(TypedArrayPrototypeByteLengthGetter(bytes));
  TypedArrayPrototypeSet(copy, bytes);
  return TypedArrayPrototypeBufferGetter(copy);
}
function exactArrayBuffer(bytes) {
  const buffer = TypedArrayPrototypeBufferGetter(bytes);
  if (TypedArrayPrototypeByteOffsetGetter(bytes) === 0 &&
      ArrayBufferPrototypeByteLengthGetter(buffer) === TypedArrayPrototypeByteLengthGetter(bytes)) {
    return buffer;
  }
  return toFreshArrayBuffer(bytes);
}

// workerd's CfProperty::deepClone: a JSON round trip.
function jsonClone(value) {
  if (value === undefined) return undefined;
  return JSONParse(JSONStringify(value));
}
function recursivelyFreeze(value) {
  if (value === null || typeof value !== "object" || ObjectIsFrozen(value)) return;
  const keys = ObjectKeys(value);
  for (let i = 0; i < keys.length; i++) recursivelyFreeze(value[keys[i]]);
  ObjectFreeze(value);
}

// WebIDL-ish integer conversion for `status` (JSG int): ToNumber, truncate.
function toInteger(value) {
  const n = NumberCtor(value);
  if (!NumberIsFinite(n)) return 0;
  return n < 0 ? -(-n | 0) : n | 0;
}

// WebIDL (and V8 templates, as workerd uses them): operations, attributes and static
// operations are enumerable; @@toStringTag names the interface.
function configureInterface(Class, name) {
  for (const target of [Class.prototype, Class]) {
    const keys = ReflectOwnKeys(target);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (typeof key === "symbol" || key === "constructor" || key === "prototype" ||
          key === "length" || key === "name") continue;
      const desc = ReflectGetOwnPropertyDescriptor(target, key);
      desc.enumerable = true;
      ReflectDefineProperty(target, key, desc);
    }
  }
  ReflectDefineProperty(Class.prototype, SymbolToStringTag,
    { value: name, writable: false, enumerable: false, configurable: true });
}

// ---------------------------------------------------------------------------------------
// I/O bound to a request
//
// workerd's rule: an I/O object (a request or response body, a native stream...) belongs to
// the request whose handler made it, and another request's handler may not use it. Bodies
// here and streams in 30_streams.js record the owner's id (0: none) and ask `error` before
// each use. The current request is known only while an event's synchronous part runs
// (internals.currentRequest, 0 after an `await`): when either is unknown the use is
// allowed, never refused.

// hostops.CROSS_REQUEST, the host's answer for its own I/O objects.
const CROSS_REQUEST = "Cannot perform I/O on behalf of a different request. I/O objects " +
  "(such as streams, request/response bodies, and others) created in the context of one " +
  "request handler cannot be accessed from a different request's handler. This is a " +
  "limitation of Cloudflare Workers which allows us to improve overall performance.";
// workerd's I/O types as it prints them (the ">" is its).
const IO_TYPES = { readable: "ReadableStreamSource>", writable: "Writable", reader: "Canceler" };
let sharedIoDepth = 0; // above 0 while a Durable Object's event runs

internals.requestIo = {
  // The request that an I/O object made now belongs to, and that a use now is made for.
  current() { return sharedIoDepth > 0 ? 0 : internals.currentRequest || 0; },
  // The Error refusing request `current` the use of an I/O object of request `owner`, or
  // undefined. `ioType`: "readable", "writable" or "reader".
  error(owner, ioType, current = internals.requestIo.current()) {
    if (owner === 0 || !current || owner === current) return undefined;
    return new ErrorCtor(`${CROSS_REQUEST} (I/O type: ${IO_TYPES[ioType]})`);
  },
  // fn(), binding nothing to the current request: in workerd a Durable Object's events
  // share one I/O context, so its objects pass freely between its requests.
  shared(fn) {
    sharedIoDepth++;
    try {
      return fn();
    } finally {
      sharedIoDepth--;
    }
  },
};

// ---------------------------------------------------------------------------------------
// Headers (headers.c++)

// RFC 7230 token characters (workerd util/header-validation.h HTTP_TOKEN_CHAR_TABLE).
const TOKEN = new U8(128);
{
  const chars = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  for (let i = 0; i < chars.length; i++) TOKEN[StringPrototypeCharCodeAt(chars, i)] = 1;
}

function isHttpWhitespace(c) { return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d; }

// Lower-cased map key for `name`, or a TypeError when it is not a token. workerd checks
// the characters only, so the empty name passes for get/has/delete (append/set reject it).
function headerKey(name) {
  for (let i = 0; i < name.length; i++) {
    const c = StringPrototypeCharCodeAt(name, i);
    if (c >= 128 || TOKEN[c] === 0) throw new TypeErrorCtor("Invalid header name.");
  }
  return StringPrototypeToLowerCase(name);
}

// Strip leading and trailing HTTP whitespace, then refuse NUL, CR and LF (workerd
// normalizeHeaderValue). Non-ASCII is kept: workerd sends it as UTF-8.
function normalizeHeaderValue(value) {
  let start = 0;
  let end = value.length;
  while (start < end && isHttpWhitespace(StringPrototypeCharCodeAt(value, start))) start++;
  while (end > start && isHttpWhitespace(StringPrototypeCharCodeAt(value, end - 1))) end--;
  if (start !== 0 || end !== value.length) value = StringPrototypeSlice(value, start, end);
  if (StringPrototypeIncludes(value, "\n") || StringPrototypeIncludes(value, "\r") ||
      StringPrototypeIncludes(value, "\0")) {
    throw new TypeErrorCtor("Invalid header value.");
  }
  return value;
}

const IMMUTABLE_HEADERS = "Can't modify immutable headers.";
const SET_COOKIE = "set-cookie";

// Entries of the map are arrays [nameAsFirstGiven, value1, value2, ...].
function joinValues(entry) {
  if (entry.length === 2) return entry[1];
  let out = entry[1];
  for (let i = 2; i < entry.length; i++) out += ", " + entry[i];
  return out;
}

const IteratorPrototype = ObjectGetPrototypeOf(ObjectGetPrototypeOf([][SymbolIterator]()));

// Each iterator owns a snapshot (as workerd's do), so mutating the Headers while
// iterating is safe.
class HeadersIterator {
  #items;
  #index = 0;
  constructor(token, items) {
    if (token !== kConstruct) throw new TypeErrorCtor("Illegal constructor");
    this.#items = items;
  }
  next() {
    if (!(#items in this)) throw illegalInvocation();
    const items = this.#items;
    if (this.#index >= items.length) return { value: undefined, done: true };
    return { value: items[this.#index++], done: false };
  }
}
ObjectSetPrototypeOf(HeadersIterator.prototype, IteratorPrototype);
ObjectDefineProperty(HeadersIterator.prototype, SymbolToStringTag,
  { value: "Headers Iterator", configurable: true });

let headersMap, isHeadersImpl, headersCopy, headersClone, headersFromHost,
  headersFlatForHost, headersSetUnguarded, headersHas;

// Pairs sorted by name with set-cookie values kept apart (workerd getDisplayedHeaders,
// the Fetch "sort and combine" algorithm).
function displayedHeaders(map) {
  const out = [];
  MapPrototypeForEach(map, (entry, key) => {
    if (key === SET_COOKIE) {
      for (let i = 1; i < entry.length; i++) ArrayPrototypePush(out, [key, entry[i]]);
    } else {
      ArrayPrototypePush(out, [key, joinValues(entry)]);
    }
  });
  // Array.prototype.sort is stable: set-cookie values keep their order.
  ArrayPrototypeSort(out, (a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return out;
}

function appendTo(map, key, name, value) {
  const entry = MapPrototypeGet(map, key);
  if (entry === undefined) MapPrototypeSet(map, key, [name, value]);
  else ArrayPrototypePush(entry, value);
}

class Headers {
  #map = null;     // Map<lower-cased name, [name, ...values]>, built on first use
  #flat = null;    // host headers not yet turned into #map
  #immutable = false;

  constructor(init = undefined) {
    if (init === kConstruct) return; // filled in by a factory below
    this.#map = new MapCtor();
    if (init === undefined) return;
    fillHeaders(this, init);
  }

  #entries() {
    let map = this.#map;
    if (map === null) {
      map = new MapCtor();
      const flat = this.#flat;
      if (flat !== null) {
        // Names and values came from the HTTP parser: no re-validation.
        for (let i = 0; i + 1 < flat.length; i += 2) {
          const name = flat[i];
          appendTo(map, StringPrototypeToLowerCase(name), name, flat[i + 1]);
        }
        this.#flat = null;
      }
      this.#map = map;
    }
    return map;
  }

  get(name) {
    if (!(#map in this)) throw illegalInvocation();
    const entry = MapPrototypeGet(this.#entries(), headerKey(StringCtor(name)));
    return entry === undefined ? null : joinValues(entry);
  }

  // Non-standard, kept by workerd for compatibility: Set-Cookie only.
  getAll(name) {
    if (!(#map in this)) throw illegalInvocation();
    name = StringCtor(name);
    if (StringPrototypeToLowerCase(name) !== SET_COOKIE) {
      throw new TypeErrorCtor('getAll() can only be used with the header name "Set-Cookie".');
    }
    return this.getSetCookie();
  }

  getSetCookie() {
    if (!(#map in this)) throw illegalInvocation();
    const entry = MapPrototypeGet(this.#entries(), SET_COOKIE);
    const out = [];
    if (entry !== undefined) for (let i = 1; i < entry.length; i++) ArrayPrototypePush(out, entry[i]);
    return out;
  }

  has(name) {
    if (!(#map in this)) throw illegalInvocation();
    return MapPrototypeHas(this.#entries(), headerKey(StringCtor(name)));
  }

  // workerd's order: the guard, then the value, then the name.
  set(name, value) {
    if (!(#map in this)) throw illegalInvocation();
    name = StringCtor(name);
    value = StringCtor(value);
    if (this.#immutable) throw new TypeErrorCtor(IMMUTABLE_HEADERS);
    value = normalizeHeaderValue(value);
    if (name.length === 0) throw new TypeErrorCtor("Invalid header name.");
    const key = headerKey(name);
    const map = this.#entries();
    const entry = MapPrototypeGet(map, key);
    if (entry === undefined) MapPrototypeSet(map, key, [name, value]);
    else { entry.length = 2; entry[1] = value; }
  }

  append(name, value) {
    if (!(#map in this)) throw illegalInvocation();
    name = StringCtor(name);
    value = StringCtor(value);
    if (this.#immutable) throw new TypeErrorCtor(IMMUTABLE_HEADERS);
    value = normalizeHeaderValue(value);
    if (name.length === 0) throw new TypeErrorCtor("Invalid header name.");
    appendTo(this.#entries(), headerKey(name), name, value);
  }

  delete(name) {
    if (!(#map in this)) throw illegalInvocation();
    name = StringCtor(name);
    if (this.#immutable) throw new TypeErrorCtor(IMMUTABLE_HEADERS);
    MapPrototypeDelete(this.#entries(), headerKey(name));
  }

  forEach(callback, thisArg = undefined) {
    if (!(#map in this)) throw illegalInvocation();
    if (typeof callback !== "function") {
      throw new TypeErrorCtor("Failed to execute 'forEach' on 'Headers': parameter 1 is not of type 'function'.");
    }
    const receiver = thisArg === null ? undefined : thisArg;
    const items = displayedHeaders(this.#entries());
    for (let i = 0; i < items.length; i++) ReflectApply(callback, receiver, [items[i][1], items[i][0], this]);
  }

  entries() {
    if (!(#map in this)) throw illegalInvocation();
    return new HeadersIterator(kConstruct, displayedHeaders(this.#entries()));
  }

  keys() {
    if (!(#map in this)) throw illegalInvocation();
    const items = displayedHeaders(this.#entries());
    for (let i = 0; i < items.length; i++) items[i] = items[i][0];
    return new HeadersIterator(kConstruct, items);
  }

  values() {
    if (!(#map in this)) throw illegalInvocation();
    const items = displayedHeaders(this.#entries());
    for (let i = 0; i < items.length; i++) items[i] = items[i][1];
    return new HeadersIterator(kConstruct, items);
  }

  [SymbolIterator]() { return this.entries(); }

  static {
    headersMap = (h) => h.#entries();
    isHeadersImpl = (x) => x !== null && (typeof x === "object" || typeof x === "function") && #map in x;
    headersHas = (h, lowerName) => MapPrototypeHas(h.#entries(), lowerName);
    // The copy constructor: same entries, mutable (workerd Headers(const Headers&)).
    headersCopy = (other) => {
      const h = new Headers(kConstruct);
      const map = new MapCtor();
      if (other.#map === null && other.#flat !== null) {
        h.#flat = other.#flat; // host lists are never mutated: share
      } else {
        MapPrototypeForEach(other.#entries(), (entry, key) => {
          const copy = [];
          for (let i = 0; i < entry.length; i++) copy[i] = entry[i];
          MapPrototypeSet(map, key, copy);
        });
        h.#map = map;
      }
      return h;
    };
    // clone(): a copy that keeps the guard.
    headersClone = (other) => {
      const h = headersCopy(other);
      h.#immutable = other.#immutable;
      return h;
    };
    headersFromHost = (flat, immutable) => {
      const h = new Headers(kConstruct);
      if (flat !== null && flat !== undefined && flat.length > 0) h.#flat = flat;
      else h.#map = new MapCtor();
      h.#immutable = immutable;
      return h;
    };
    // Flat [name, value, ...] with each value on its own line, as workerd's shallowCopyTo
    // hands them to kj::HttpHeaders. Names keep the case they were first given in.
    headersFlatForHost = (h) => {
      if (h.#map === null) return h.#flat === null ? [] : h.#flat;
      const out = [];
      MapPrototypeForEach(h.#map, (entry) => {
        const name = entry[0];
        for (let i = 1; i < entry.length; i++) ArrayPrototypePush(out, name, entry[i]);
      });
      return out;
    };
    headersSetUnguarded = (h, lowerName, name, value) => {
      MapPrototypeSet(h.#entries(), lowerName, [name, value]);
    };
  }
}
configureInterface(Headers, "Headers");

// new Headers(init): another Headers (copied, workerd special-cases it), a sequence of
// pairs, or a record.
function fillHeaders(headers, init) {
  if (init === null || (typeof init !== "object" && typeof init !== "function")) {
    throw new TypeErrorCtor("Failed to construct 'Headers': constructor parameter 1 is not of type 'Headers or Sequence or Dict'.");
  }
  const map = headersMap(headers);
  if (isHeaders(init)) {
    MapPrototypeForEach(headersMap(init), (entry, key) => {
      const copy = [];
      for (let i = 0; i < entry.length; i++) copy[i] = entry[i];
      MapPrototypeSet(map, key, copy);
    });
    return;
  }
  if (typeof init[SymbolIterator] === "function") {
    // sequence<sequence<ByteString>>: convert everything first, then append.
    const pairs = [];
    for (const item of init) {
      if (item === null || typeof item !== "object" || typeof item[SymbolIterator] !== "function") {
        throw new TypeErrorCtor("Failed to construct 'Headers': constructor parameter 1 is not of type 'Headers or Sequence or Dict'.");
      }
      const pair = [];
      for (const part of item) ArrayPrototypePush(pair, StringCtor(part));
      if (pair.length !== 2) {
        throw new TypeErrorCtor("To initialize a Headers object from a sequence, each inner sequence must have exactly two elements.");
      }
      ArrayPrototypePush(pairs, pair);
    }
    for (let i = 0; i < pairs.length; i++) headers.append(pairs[i][0], pairs[i][1]);
    return;
  }
  const keys = ObjectKeys(init);
  const values = [];
  for (let i = 0; i < keys.length; i++) values[i] = StringCtor(init[keys[i]]);
  for (let i = 0; i < keys.length; i++) headers.append(keys[i], values[i]);
}

function isHeaders(value) { return isHeadersImpl(value); }

// ---------------------------------------------------------------------------------------
// Body (http.c++ Body): shared by Request and Response.

const BODY_NONE = 0, BODY_STRING = 1, BODY_BYTES = 2, BODY_STREAM = 3;
const BODY_USED = "Body has already been used. It can only be used once. Use tee() first if you need to read it twice.";
const TEXT_PLAIN = "text/plain;charset=UTF-8";
const FORM_URLENCODED = "application/x-www-form-urlencoded;charset=UTF-8";

// An extracted body: { kind, source: string | Uint8Array | null, stream, contentType,
// owner }. `owner` is the request a body made from a string or bytes belongs to, as
// workerd's native body streams do (30_streams.js, "Streams bound to a request"); a stream
// body carries its own.
function extracted(kind, source, stream, contentType, owner = internals.requestIo.current()) {
  return { kind, source, stream, contentType, owner };
}

function isURLSearchParams(value) {
  if (internals.isURLSearchParams) return internals.isURLSearchParams(value);
  const ctor = runtimeGlobal("URLSearchParams");
  return typeof ctor === "function" && value instanceof ctor;
}

// The Fetch "extract a body" algorithm over workerd's Body::Initializer. Anything that is
// none of the known kinds is coerced to a string, as JSG does for its kj::String member.
function extractBody(init) {
  if (typeof init === "string") return extracted(BODY_STRING, init, null, TEXT_PLAIN);
  if (init !== null && (typeof init === "object" || typeof init === "function")) {
    const bytes = bytesView(init);
    if (bytes !== null) return extracted(BODY_BYTES, bytes, null, null);
    if (isReadableStream(init)) {
      if (streamsApi().isDisturbed(init)) {
        throw new TypeErrorCtor("This ReadableStream is disturbed (has already been read from), and cannot be used as a body.");
      }
      return extracted(BODY_STREAM, null, init, null);
    }
    const blob = internals.blob;
    if (blob && blob.isBlob(init)) {
      const type = blob.type(init);
      return extracted(BODY_BYTES, blob.bytes(init), null, type === "" ? null : type);
    }
    const formData = internals.formData;
    if (formData && formData.isFormData(init)) {
      const serialized = formData.serialize(init);
      return extracted(BODY_BYTES, serialized.bytes, null, serialized.contentType);
    }
    if (isURLSearchParams(init)) return extracted(BODY_STRING, StringCtor(init), null, FORM_URLENCODED);
  }
  return extracted(BODY_STRING, StringCtor(init), null, TEXT_PLAIN);
}

function extractedIsEmpty(body) {
  if (body.kind === BODY_STRING) return body.source.length === 0;
  if (body.kind === BODY_BYTES) return TypedArrayPrototypeByteLengthGetter(body.source) === 0;
  return false;
}

let bodyIsUsed, bodyTake, bodyShare, bodyClone, bodyForHost;

class Body {
  #kind = BODY_NONE;
  #source = null;  // string (BODY_STRING) or Uint8Array (BODY_BYTES): the body's bytes
  #stream = null;  // the ReadableStream, once one exists (always, for BODY_STREAM)
  #used = false;   // consumed without ever creating #stream
  #headers;        // the owner's Headers: Content-Type for blob() and formData()
  #owner = 0;      // the request #source belongs to

  constructor(token, body, headers) {
    if (token !== kConstruct) throw new TypeErrorCtor("Illegal constructor");
    this.#headers = headers;
    if (body !== null) {
      // The spec lets the author override the Content-Type: set it only when absent.
      if (body.contentType !== null && !headersHas(headers, "content-type")) {
        headersSetUnguarded(headers, "content-type", "Content-Type", body.contentType);
      }
      this.#kind = body.kind;
      this.#source = body.source;
      this.#stream = body.stream;
      this.#owner = body.owner;
    }
  }

  // The Error refusing request `current` (default: the current one) this body, or undefined.
  #ioError(current = undefined) {
    const stream = this.#stream;
    const owner = stream === null ? this.#owner : streamsApi().owner(stream);
    return internals.requestIo.error(owner, "readable", current);
  }

  #isUsed() {
    if (this.#used) return true;
    const stream = this.#stream;
    return stream !== null && streamsApi().isDisturbed(stream);
  }

  get body() {
    if (!(#kind in this)) throw illegalInvocation();
    if (this.#kind === BODY_NONE) return null;
    if (this.#stream === null) {
      // A body already consumed without a stream gets an empty, disturbed one.
      const used = this.#used;
      const source = this.#source;
      const stream = streamsApi().fromBytes(
        used ? new U8(0) : typeof source === "string" ? utf8Encode(source) : source, this.#owner);
      if (used) disturbStream(stream);
      this.#stream = stream;
    }
    return this.#stream;
  }

  get bodyUsed() {
    if (!(#kind in this)) throw illegalInvocation();
    return this.#kind !== BODY_NONE && this.#isUsed();
  }

  // The body's bytes as a Uint8Array (may be the source itself: callers copy), or its text.
  #consume(asText) {
    if (this.#kind === BODY_NONE) return resolved(asText ? "" : new U8(0));
    if (this.#isUsed()) return rejected(new TypeErrorCtor(BODY_USED));
    const stream = this.#stream;
    if (stream === null) {
      const refused = this.#ioError();
      if (refused !== undefined) return rejected(refused);
      this.#used = true;
      const source = this.#source;
      if (typeof source === "string") return resolved(asText ? source : utf8Encode(source));
      return resolved(asText ? utf8Decode(source) : source);
    }
    let promise;
    try {
      promise = streamsApi().readAll(stream);
    } catch (err) {
      return rejected(err);
    }
    return asText ? then(promise, utf8Decode) : promise;
  }

  // Always a new ArrayBuffer: a buffer source or a stream's single chunk may be memory
  // someone else holds (workerd's readAllBytes copies too).
  arrayBuffer() {
    if (!(#kind in this)) return rejected(illegalInvocation());
    const encoded = this.#stream === null && this.#kind === BODY_STRING;
    return then(this.#consume(false), (bytes) =>
      (encoded ? exactArrayBuffer(bytes) : toFreshArrayBuffer(bytes)));
  }

  bytes() {
    if (!(#kind in this)) return rejected(illegalInvocation());
    return then(this.arrayBuffer(), (buffer) => new U8(buffer));
  }

  text() {
    if (!(#kind in this)) return rejected(illegalInvocation());
    return this.#consume(true);
  }

  json() {
    if (!(#kind in this)) return rejected(illegalInvocation());
    return then(this.#consume(true), (text) => JSONParse(text));
  }

  formData() {
    if (!(#kind in this)) return rejected(illegalInvocation());
    if (this.#isUsed()) return rejected(new TypeErrorCtor(BODY_USED));
    const contentType = this.#headers.get("content-type");
    if (contentType === null) {
      return rejected(new TypeErrorCtor("Parsing a Body as FormData requires a Content-Type header."));
    }
    const formData = internals.formData;
    if (!formData) return rejected(new TypeErrorCtor("FormData is not available in this runtime."));
    return then(this.#consume(false), (bytes) => formData.parse(bytes, contentType));
  }

  blob() {
    if (!(#kind in this)) return rejected(illegalInvocation());
    const blob = internals.blob;
    if (!blob) return rejected(new TypeErrorCtor("Blob is not available in this runtime."));
    return then(this.arrayBuffer(), (buffer) => {
      const type = this.#headers.get("content-type");
      return blob.create(new U8(buffer), type === null ? "" : type);
    });
  }

  static {
    bodyIsUsed = (b) => b.#kind !== BODY_NONE && b.#isUsed();
    // For `new Request(oldRequest)`: the new request takes the body over and the old one is
    // left used (workerd detaches the old stream). Returns an extracted body or null.
    bodyTake = (b) => {
      if (b.#kind === BODY_NONE) return null;
      const body = extracted(b.#kind, b.#source, b.#stream, null, b.#owner);
      b.#stream = null;
      b.#used = true;
      return body;
    };
    // For `new Request(url, otherRequest)`: the same body, shared, not taken.
    bodyShare = (b) => {
      if (b.#kind === BODY_NONE) return null;
      return extracted(b.#kind, b.#source, b.#stream, null, b.#owner);
    };
    // clone(): buffer bodies are shared (no stream needed); a stream is teed.
    bodyClone = (b) => {
      if (b.#kind === BODY_NONE) return null;
      if (b.#isUsed()) throw new TypeErrorCtor(BODY_USED);
      if (b.#stream === null) {
        const refused = b.#ioError();
        if (refused !== undefined) throw refused;
        return extracted(b.#kind, b.#source, null, null, b.#owner);
      }
      const branches = teeStream(b.#stream);
      b.#stream = branches[0];
      return extracted(b.#kind, b.#source, branches[1], null, b.#owner);
    };
    // The body for the host to send for request `current` (default: the current one),
    // marking it used: the source string or bytes when no stream was ever read, else the
    // stream.
    bodyForHost = (b, current = undefined) => {
      if (b.#kind === BODY_NONE) return null;
      if (b.#isUsed()) throw new TypeErrorCtor(BODY_USED);
      const refused = b.#ioError(current);
      if (refused !== undefined) throw refused;
      const stream = b.#stream;
      if (stream !== null) {
        // `.body` was looked at but never read or locked: the source is still the body.
        if (streamsApi().isLocked(stream)) {
          throw new TypeErrorCtor("This ReadableStream is currently locked to a reader.");
        }
        if (b.#source !== null) {
          disturbStream(stream);
          b.#used = true;
          return b.#source;
        }
        return stream;
      }
      b.#used = true;
      return b.#source;
    };
  }
}
configureInterface(Body, "Body");

// ---------------------------------------------------------------------------------------
// Request (http.c++ Request)

// kj::HttpMethod, as kj spells them on the wire (CONNECT is not one of them).
const METHODS = new MapCtor();
{
  const names = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "PURGE", "OPTIONS", "TRACE",
    "COPY", "LOCK", "MKCOL", "MOVE", "PROPFIND", "PROPPATCH", "SEARCH", "UNLOCK", "ACL",
    "REPORT", "MKACTIVITY", "CHECKOUT", "MERGE", "M-SEARCH", "NOTIFY", "SUBSCRIBE",
    "UNSUBSCRIBE"];
  for (let i = 0; i < names.length; i++) MapPrototypeSet(METHODS, names[i], true);
}

// Exact kj method names pass; otherwise the upper-cased name if kj knows it (compat flag
// upper_case_all_http_methods, default since 2024-10-14); otherwise workerd's TypeError.
function normalizeMethod(method) {
  if (MapPrototypeHas(METHODS, method)) return method;
  const upper = StringPrototypeToUpperCase(method);
  if (MapPrototypeHas(METHODS, upper)) return upper;
  throw new TypeErrorCtor("Invalid HTTP method string: " + method);
}

// The href of `input` parsed as an absolute URL, or null (WHATWG parsing, as workerd's
// fetch_standard_url and response_redirect_url_standard flags have it by default).
function parseAbsoluteUrl(input) {
  const URLCtor = runtimeGlobal("URL");
  if (typeof URLCtor === "function") {
    try {
      return new URLCtor(input).href;
    } catch {
      return null;
    }
  }
  // Before 20_url.js exists: at least refuse what has no scheme.
  let i = 0;
  for (; i < input.length; i++) {
    const c = StringPrototypeCharCodeAt(input, i);
    const alpha = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
    if (i === 0 ? !alpha : !(alpha || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e)) break;
  }
  if (i === 0 || i >= input.length || StringPrototypeCharCodeAt(input, i) !== 0x3a) return null;
  return input;
}

function parseRedirect(value) {
  const lower = StringPrototypeToLowerCase(StringCtor(value));
  if (lower === "follow" || lower === "manual") return lower;
  throw new TypeErrorCtor('Invalid redirect value, must be one of "follow" or "manual" ("error" won\'t be implemented since it does not make sense at the edge; use "manual" and check the response status code).');
}

// cache_option_enabled (2024-11-11) with cache_no_cache (2025-08-07); "reload" is still
// experimental in workerd.
function parseCacheMode(value) {
  const mode = StringCtor(value);
  if (mode === "no-store" || mode === "no-cache") return mode;
  throw new TypeErrorCtor("Unsupported cache mode: " + mode);
}

function parseCf(value, owner) {
  if (value === null || typeof value !== "object") {
    throw new TypeErrorCtor(`Incorrect type for the 'cf' field on '${owner}': the provided value is not of type 'object'.`);
  }
  return jsonClone(value);
}

function newNeverAbortSignal() {
  if (internals.newNeverAbortSignal) return internals.newNeverAbortSignal();
  const AbortControllerCtor = runtimeGlobal("AbortController");
  if (typeof AbortControllerCtor === "function") return new AbortControllerCtor().signal;
  return null;
}

let requestState, isRequestImpl, requestFromHostImpl;

class Request extends Body {
  #method;
  #url;
  #headers;
  #redirect;
  #fetcher;
  #signal;          // the AbortSignal given, or null
  #thisSignal = null; // the never-aborting one made for `signal` when none was given
  #cf;              // object, undefined, or (from the host) a JSON string not yet parsed
  #cfFromHost;      // host cf is frozen when first read
  #cache;           // undefined, "no-store" or "no-cache"
  #encodeResponseBody;

  constructor(input, init = undefined) {
    if (input === kConstruct) {
      // requestFromHost: fields filled in by the factory.
      const s = init;
      super(kConstruct, s.body, s.headers);
      this.#method = s.method; this.#url = s.url; this.#headers = s.headers;
      this.#redirect = s.redirect; this.#fetcher = s.fetcher; this.#signal = s.signal;
      this.#cf = s.cf; this.#cfFromHost = s.cfFromHost; this.#cache = s.cache;
      this.#encodeResponseBody = s.encodeResponseBody;
      return;
    }
    let url;
    let method = "GET";
    let headers = null;
    let fetcher = null;
    let signal = null;
    let cf;
    let body = null;
    let redirect = "follow";
    let cache;
    let encodeResponseBody = "automatic";

    if (init !== undefined && init !== null && typeof init !== "object" && typeof init !== "function") {
      throw new TypeErrorCtor("Failed to construct 'Request': constructor parameter 2 is not of type 'RequestInitializerDict'.");
    }
    const initRequest = init !== undefined && init !== null && isRequest(init) ? init : null;
    const initDict = initRequest === null && init !== undefined && init !== null ? init : null;
    // Read the dictionary once, in workerd's JSG_STRUCT member order.
    let iMethod, iHeaders, iBody, iRedirect, iFetcher, iCf, iCache, iIntegrity, iSignal, iEncode;
    if (initDict !== null) {
      iMethod = initDict.method; iHeaders = initDict.headers; iBody = initDict.body;
      iRedirect = initDict.redirect; iFetcher = initDict.fetcher; iCf = initDict.cf;
      iCache = initDict.cache; iIntegrity = initDict.integrity; iSignal = initDict.signal;
      iEncode = initDict.encodeResponseBody;
    }

    if (isRequest(input)) {
      const old = requestState(input);
      // A body in `init` replaces the input's (workerd: whatwg/fetch#674); a Request as
      // `init` always counts as giving one, even a null one.
      const ignoreInputBody = initRequest !== null || (initDict !== null && iBody !== undefined);
      url = old.url;
      method = old.method;
      headers = headersCopy(old.headers);
      cf = jsonClone(old.cf());
      if (!ignoreInputBody) {
        if (bodyIsUsed(input)) throw new TypeErrorCtor("Cannot reconstruct a Request with a used body.");
        body = bodyTake(input);
      }
      cache = old.cache;
      redirect = old.redirect;
      fetcher = old.fetcher;
      signal = old.signal;
    } else {
      const text = StringCtor(input);
      url = parseAbsoluteUrl(text);
      if (url === null) throw new TypeErrorCtor("Invalid URL: " + text);
    }

    if (initDict !== null) {
      if (iIntegrity !== undefined && StringCtor(iIntegrity) !== "") {
        throw new TypeErrorCtor("Subrequest integrity checking is not implemented. The integrity option must be either undefined or an empty string.");
      }
      if (iMethod !== undefined) method = normalizeMethod(StringCtor(iMethod));
      if (iHeaders !== undefined) headers = new Headers(iHeaders);
      if (iFetcher !== undefined) fetcher = iFetcher;
      if (iSignal !== undefined) {
        // `signal: null` drops the input request's signal.
        if (iSignal !== null && internals.isAbortSignal && !internals.isAbortSignal(iSignal)) {
          throw new TypeErrorCtor("Incorrect type for the 'signal' field on 'RequestInitializerDict': the provided value is not of type 'AbortSignal'.");
        }
        signal = iSignal;
      }
      if (iCf !== undefined) cf = parseCf(iCf, "RequestInitializerDict");
      if (iBody !== undefined) {
        if (iBody === null) {
          body = null;
        } else {
          body = extractBody(iBody);
          if (method === "GET" || method === "HEAD") {
            throw new TypeErrorCtor("Request with a GET or HEAD method cannot have a body.");
          }
        }
      }
      if (iRedirect !== undefined) redirect = parseRedirect(iRedirect);
      if (iCache !== undefined) cache = parseCacheMode(iCache);
      if (iEncode !== undefined) {
        const e = StringCtor(iEncode);
        if (e !== "manual" && e !== "automatic") {
          throw new TypeErrorCtor("encodeResponseBody: unexpected value: " + e);
        }
        encodeResponseBody = e;
      }
      // Only when the method or the body was given: a GET that already carried a body
      // (proxied as is) may still have its URL or headers rewritten.
      if ((iMethod !== undefined || iBody !== undefined) &&
          (method === "GET" || method === "HEAD") && body !== null) {
        throw new TypeErrorCtor("Request with a GET or HEAD method cannot have a body.");
      }
    } else if (initRequest !== null) {
      const other = requestState(initRequest);
      method = other.method;
      redirect = other.redirect;
      cache = other.cache;
      encodeResponseBody = other.encodeResponseBody;
      fetcher = other.fetcher;
      signal = other.signal;
      headers = headersCopy(other.headers);
      cf = jsonClone(other.cf());
      body = bodyShare(initRequest);
    }

    if (headers === null) headers = new Headers();
    super(kConstruct, body, headers);
    this.#method = method;
    this.#url = url;
    this.#headers = headers;
    this.#redirect = redirect;
    this.#fetcher = fetcher;
    this.#signal = signal === undefined ? null : signal;
    this.#cf = cf;
    this.#cfFromHost = false;
    this.#cache = cache;
    this.#encodeResponseBody = encodeResponseBody;
  }

  #getCf() {
    let cf = this.#cf;
    if (this.#cfFromHost) {
      if (typeof cf === "string") cf = JSONParse(cf);
      recursivelyFreeze(cf);
      this.#cf = cf;
      this.#cfFromHost = false;
    }
    return cf;
  }

  get method() { if (!(#method in this)) throw illegalInvocation(); return this.#method; }
  get url() { if (!(#method in this)) throw illegalInvocation(); return this.#url; }
  get headers() { if (!(#method in this)) throw illegalInvocation(); return this.#headers; }
  get redirect() { if (!(#method in this)) throw illegalInvocation(); return this.#redirect; }
  get fetcher() { if (!(#method in this)) throw illegalInvocation(); return this.#fetcher ?? null; }
  get signal() {
    if (!(#method in this)) throw illegalInvocation();
    if (this.#signal !== null) return this.#signal;
    if (this.#thisSignal === null) this.#thisSignal = newNeverAbortSignal();
    return this.#thisSignal;
  }
  get cf() { if (!(#method in this)) throw illegalInvocation(); return this.#getCf(); }
  // CORS-era members workerd does not implement: integrity is always "", keepalive false.
  get integrity() { if (!(#method in this)) throw illegalInvocation(); return ""; }
  get keepalive() { if (!(#method in this)) throw illegalInvocation(); return false; }
  get cache() { if (!(#method in this)) throw illegalInvocation(); return this.#cache; }

  clone() {
    if (!(#method in this)) throw illegalInvocation();
    const headers = headersClone(this.#headers);
    const cf = jsonClone(this.#getCf());
    const body = bodyClone(this);
    return new Request(kConstruct, {
      method: this.#method, url: this.#url, headers, redirect: this.#redirect,
      fetcher: this.#fetcher, signal: this.#signal, cf, cfFromHost: false, body,
      cache: this.#cache, encodeResponseBody: this.#encodeResponseBody,
    });
  }

  static {
    isRequestImpl = (x) => x !== null && (typeof x === "object" || typeof x === "function") && #method in x;
    requestState = (r) => ({
      method: r.#method, url: r.#url, headers: r.#headers, redirect: r.#redirect,
      fetcher: r.#fetcher, signal: r.#signal, cache: r.#cache,
      encodeResponseBody: r.#encodeResponseBody, cf: () => r.#getCf(),
    });
  }
}
configureInterface(Request, "Request");

function isRequest(value) { return isRequestImpl(value); }

requestFromHostImpl = (method, url, flatHeaders, cf, body) => {
  let extractedBody = null;
  if (body !== null && body !== undefined) {
    if (isReadableStream(body)) extractedBody = extracted(BODY_STREAM, null, body, null);
    else extractedBody = extracted(BODY_BYTES, body, null, null);
  }
  const headers = headersFromHost(flatHeaders, true);
  return new Request(kConstruct, {
    method, url, headers,
    // An incoming request is "manual": handing it to fetch() passes redirects through.
    redirect: "manual", fetcher: null, signal: null,
    cf: cf === null ? undefined : cf, cfFromHost: cf !== undefined && cf !== null,
    body: extractedBody, cache: undefined, encodeResponseBody: "automatic",
  });
};

// ---------------------------------------------------------------------------------------
// Response (http.c++ Response)

// workerd's default status texts (defaultStatusText): `statusText` is never empty for a
// known code, unlike the spec's "".
const STATUS_TEXT = new MapCtor();
{
  const table = [
    0, "", 100, "Continue", 101, "Switching Protocols", 102, "Processing", 103, "Early Hints",
    200, "OK", 201, "Created", 202, "Accepted", 203, "Non-Authoritative Information",
    204, "No Content", 205, "Reset Content", 206, "Partial Content", 207, "Multi-Status",
    208, "Already Reported", 226, "IM Used", 300, "Multiple Choices",
    301, "Moved Permanently", 302, "Found", 303, "See Other", 304, "Not Modified",
    305, "Use Proxy", 307, "Temporary Redirect", 308, "Permanent Redirect",
    400, "Bad Request", 401, "Unauthorized", 402, "Payment Required", 403, "Forbidden",
    404, "Not Found", 405, "Method Not Allowed", 406, "Not Acceptable",
    407, "Proxy Authentication Required", 408, "Request Timeout", 409, "Conflict",
    410, "Gone", 411, "Length Required", 412, "Precondition Failed",
    413, "Payload Too Large", 414, "URI Too Long", 415, "Unsupported Media Type",
    416, "Range Not Satisfiable", 417, "Expectation Failed", 418, "I'm a teapot",
    421, "Misdirected Request", 422, "Unprocessable Entity", 423, "Locked",
    424, "Failed Dependency", 426, "Upgrade Required", 428, "Precondition Required",
    429, "Too Many Requests", 431, "Request Header Fields Too Large",
    451, "Unavailable For Legal Reasons", 500, "Internal Server Error",
    501, "Not Implemented", 502, "Bad Gateway", 503, "Service Unavailable",
    504, "Gateway Timeout", 505, "HTTP Version Not Supported",
    506, "Variant Also Negotiates", 507, "Insufficient Storage", 508, "Loop Detected",
    510, "Not Extended", 511, "Network Authentication Required",
  ];
  for (let i = 0; i < table.length; i += 2) MapPrototypeSet(STATUS_TEXT, table[i], table[i + 1]);
}
function defaultStatusText(status) {
  const text = MapPrototypeGet(STATUS_TEXT, status);
  if (text !== undefined) return text;
  if (status >= 200 && status < 300) return "Successful";
  if (status >= 300 && status < 400) return "Redirection";
  if (status >= 400 && status < 500) return "Client Error";
  if (status >= 500 && status < 600) return "Server Error";
  return "";
}

function isNullBodyStatus(status) {
  return status === 101 || status === 204 || status === 205 || status === 304;
}
function isRedirectStatus(status) {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

let responseState, isResponseImpl;

// A normalized ResponseInit: { status, statusText (string or null: the default),
// headers (Headers or null), cf, webSocket, encodeBody }.
function parseResponseInit(init, context) {
  const out = { status: 200, statusText: null, headers: null, cf: undefined, webSocket: null, encodeBody: "automatic" };
  if (init === undefined || init === null) return out;
  if (typeof init !== "object" && typeof init !== "function") {
    throw new TypeErrorCtor(`${context} parameter 2 is not of type 'ResponseInit'.`);
  }
  if (isResponse(init)) {
    // Copies what a dictionary read of the Response would give (workerd's explicit case).
    const other = responseState(init);
    out.status = other.status;
    out.encodeBody = other.encodeBody;
    const text = other.statusText === null ? defaultStatusText(other.status) : other.statusText;
    if (text !== defaultStatusText(out.status)) out.statusText = text;
    out.headers = headersCopy(other.headers);
    out.cf = jsonClone(other.cf);
    out.webSocket = other.webSocket;
    return out;
  }
  // JSG_STRUCT order: status, statusText, headers, cf, webSocket, encodeBody.
  const status = init.status;
  const statusText = init.statusText;
  const headers = init.headers;
  const cf = init.cf;
  const webSocket = init.webSocket;
  const encodeBody = init.encodeBody;
  if (status !== undefined) out.status = toInteger(status);
  if (statusText !== undefined) out.statusText = StringCtor(statusText);
  if (encodeBody !== undefined) {
    const e = StringCtor(encodeBody);
    if (e !== "manual" && e !== "automatic") throw new TypeErrorCtor("encodeBody: unexpected value: " + e);
    out.encodeBody = e;
  }
  if (headers !== undefined) out.headers = new Headers(headers);
  if (cf !== undefined) out.cf = parseCf(cf, "ResponseInitializerDict");
  if (webSocket !== undefined && webSocket !== null) out.webSocket = webSocket;
  return out;
}

class Response extends Body {
  #status;
  #statusText;   // string, or null for the status's default text
  #headers;
  #cf;
  #urlList;      // URLs fetch() went through; empty for a Response made in JS
  #webSocket;
  #encodeBody;   // "automatic" or "manual"

  constructor(body = undefined, init = undefined) {
    let s;
    if (body === kConstruct) {
      s = init; // internal construction: state already checked
    } else {
      const parsed = parseResponseInit(init, "Failed to construct 'Response': constructor");
      s = responseStateFor(body, parsed);
    }
    super(kConstruct, s.body, s.headers);
    this.#status = s.status;
    this.#statusText = s.statusText;
    this.#headers = s.headers;
    this.#cf = s.cf;
    this.#urlList = s.urlList;
    this.#webSocket = s.webSocket;
    this.#encodeBody = s.encodeBody;
  }

  get status() { if (!(#status in this)) throw illegalInvocation(); return this.#status; }
  get statusText() {
    if (!(#status in this)) throw illegalInvocation();
    return this.#statusText === null ? defaultStatusText(this.#status) : this.#statusText;
  }
  get headers() { if (!(#status in this)) throw illegalInvocation(); return this.#headers; }
  get ok() { if (!(#status in this)) throw illegalInvocation(); return this.#status >= 200 && this.#status < 300; }
  get redirected() { if (!(#status in this)) throw illegalInvocation(); return this.#urlList.length > 1; }
  get url() {
    if (!(#status in this)) throw illegalInvocation();
    const list = this.#urlList;
    return list.length > 0 ? list[list.length - 1] : "";
  }
  get webSocket() { if (!(#status in this)) throw illegalInvocation(); return this.#webSocket; }
  get cf() { if (!(#status in this)) throw illegalInvocation(); return this.#cf; }
  // workerd implements only "default" and "error" (no CORS).
  get type() { if (!(#status in this)) throw illegalInvocation(); return this.#status === 0 ? "error" : "default"; }

  clone() {
    if (!(#status in this)) throw illegalInvocation();
    if (this.#webSocket !== null) throw new TypeErrorCtor("Cannot clone a response to a WebSocket handshake.");
    const headers = headersClone(this.#headers);
    const cf = jsonClone(this.#cf);
    const body = bodyClone(this);
    const urlList = [];
    for (let i = 0; i < this.#urlList.length; i++) urlList[i] = this.#urlList[i];
    // As in workerd's Response::clone, the clone's encodeBody is the default.
    return new Response(kConstruct, {
      status: this.#status, statusText: this.#statusText, headers, cf, body, urlList,
      webSocket: null, encodeBody: "automatic",
    });
  }

  // A network error: status 0, no body. workerd gives it mutable, empty headers.
  static error() {
    return new Response(kConstruct, {
      status: 0, statusText: null, headers: new Headers(), cf: undefined, body: null,
      urlList: [], webSocket: null, encodeBody: "automatic",
    });
  }

  static redirect(url, status = undefined) {
    url = StringCtor(url);
    const code = status === undefined ? 302 : toInteger(status);
    if (!isRedirectStatus(code)) {
      throw new RangeErrorCtor(code + " is not a redirect status code. It must be one of: 301, 302, 303, 307, or 308.");
    }
    const href = parseAbsoluteUrl(url);
    if (href === null) throw new TypeErrorCtor("Unable to parse URL: " + url);
    if (StringPrototypeIncludes(href, "\r") || StringPrototypeIncludes(href, "\n") ||
        StringPrototypeIncludes(href, "\0")) {
      throw new TypeErrorCtor("Redirect URL cannot contain '\\r', '\\n', or '\\0': " + url);
    }
    return new Response(kConstruct, {
      status: code, statusText: null, headers: headersFromHost(["Location", href], true),
      cf: undefined, body: null, urlList: [], webSocket: null, encodeBody: "automatic",
    });
  }

  static json(data, init = undefined) {
    const parsed = parseResponseInit(init, "Failed to execute 'json' on 'Response':");
    if (parsed.headers === null) parsed.headers = new Headers();
    if (!headersHas(parsed.headers, "content-type")) {
      headersSetUnguarded(parsed.headers, "content-type", "content-type", "application/json");
    }
    // v8::JSON::Stringify gives "undefined" for what JSON.stringify leaves undefined.
    const text = JSONStringify(data);
    return new Response(kConstruct, responseStateFor(text === undefined ? "undefined" : text, parsed));
  }

  static {
    isResponseImpl = (x) => x !== null && (typeof x === "object" || typeof x === "function") && #status in x;
    responseState = (r) => ({
      status: r.#status, statusText: r.#statusText, headers: r.#headers, cf: r.#cf,
      webSocket: r.#webSocket, encodeBody: r.#encodeBody, urlList: r.#urlList,
    });
  }
}
configureInterface(Response, "Response");

function isResponse(value) { return isResponseImpl(value); }

// Checks a parsed init against a body (Response constructor); returns the state to build.
function responseStateFor(bodyInit, parsed) {
  const status = parsed.status;
  if (parsed.webSocket === null) {
    if (status < 200 || status > 599) {
      throw new RangeErrorCtor("Responses may only be constructed with status codes in the range 200 to 599, inclusive.");
    }
  } else if (status !== 101) {
    throw new RangeErrorCtor("Responses with a WebSocket must have status code 101.");
  }
  const statusText = parsed.statusText;
  if (statusText !== null) {
    // No control characters: they could inject headers.
    for (let i = 0; i < statusText.length; i++) {
      if (StringPrototypeCharCodeAt(statusText, i) < 0x20) throw new TypeErrorCtor("Invalid statusText");
    }
  }
  let body = null;
  if (bodyInit !== undefined && bodyInit !== null) {
    body = extractBody(bodyInit);
    if (isNullBodyStatus(status)) {
      // workerd still allows a zero-length buffer body here and treats it as null.
      if (body.kind === BODY_STREAM || !extractedIsEmpty(body)) {
        throw new TypeErrorCtor("Response with null body status (101, 204, 205, or 304) cannot have a body.");
      }
      body = null;
    }
  }
  return {
    status, statusText, headers: parsed.headers === null ? new Headers() : parsed.headers,
    cf: parsed.cf, body, urlList: [], webSocket: parsed.webSocket, encodeBody: parsed.encodeBody,
  };
}

// ---------------------------------------------------------------------------------------
// The bridge's contract

internals.http = {
  // An incoming request. `headers` is the parser's flat [k1, v1, ...] list (trusted, not
  // re-validated, immutable to the worker); `cf` an object or a JSON string (parsed and
  // frozen on first read); `body` null, a Uint8Array or a ReadableStream.
  requestFromHost(method, url, headers, cf, body) {
    return requestFromHostImpl(method, url, headers, cf, body);
  },

  // { status, statusText, headers: flat [k1, v1, ...], body: null | string | Uint8Array |
  //   ReadableStream, webSocket: WebSocket | null, encodeBody: "automatic" | "manual" }.
  // A body built from a string and never read comes back as that string (the host encodes
  // it); a buffer body as a Uint8Array over the caller's memory (copy it at once); anything
  // else as a ReadableStream. The body is marked used. `rid`: the request the response
  // answers (default: the current one); a body bound to another request is refused.
  responseForHost(response, rid = undefined) {
    if (!isResponse(response)) {
      throw new TypeErrorCtor("Incorrect type for Promise: the Promise did not resolve to 'Response'.");
    }
    const r = responseState(response);
    if (bodyIsUsed(response)) throw new TypeErrorCtor(BODY_USED);
    const body = r.webSocket !== null ? null : bodyForHost(response, rid);
    return {
      status: r.status,
      statusText: r.statusText === null ? defaultStatusText(r.status) : r.statusText,
      headers: headersFlatForHost(r.headers),
      body,
      webSocket: r.webSocket,
      encodeBody: r.encodeBody,
    };
  },

  // For fetch(): a Response that came over the network. Headers immutable, as workerd's.
  // `urlList` the URLs requested (redirects followed add more).
  responseFromHost(status, statusText, headers, body, urlList, webSocket) {
    let extractedBody = null;
    if (body !== null && body !== undefined) {
      if (typeof body === "string") extractedBody = extracted(BODY_STRING, body, null, null);
      else if (isReadableStream(body)) extractedBody = extracted(BODY_STREAM, null, body, null);
      else extractedBody = extracted(BODY_BYTES, body, null, null);
    }
    return new Response(kConstruct, {
      status, statusText: statusText === defaultStatusText(status) ? null : statusText,
      headers: headersFromHost(headers, true), cf: undefined, body: extractedBody,
      urlList: urlList || [], webSocket: webSocket || null, encodeBody: "automatic",
    });
  },

  // For fetch(): what to send. The body as for responseForHost (marked used).
  requestForHost(request) {
    if (!isRequest(request)) throw new TypeErrorCtor("Illegal invocation");
    const r = requestState(request);
    const cf = r.cf();
    return {
      method: r.method,
      url: r.url,
      headers: headersFlatForHost(r.headers),
      body: bodyForHost(request),
      redirect: r.redirect,
      signal: r.signal,
      cf: cf === undefined ? undefined : JSONStringify(cf),
      cache: r.cache,
      encodeResponseBody: r.encodeResponseBody,
      fetcher: r.fetcher,
    };
  },

  isRequest,
  isResponse,
  isHeaders,
  extractBody,
};

internals.defineGlobal("Headers", Headers);
internals.defineGlobal("Request", Request);
internals.defineGlobal("Response", Response);
