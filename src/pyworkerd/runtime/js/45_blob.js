// Blob and File (the File API), shaped as workerd shapes them (src/workerd/api/blob.c++).
//
// A Blob owns its bytes: the constructor copies its parts once, slice() shares the
// parent's memory (never changed after construction), and every read hands out a copy.
//
// Hooks for other runtime files (40_http.js reads `internals.blob` at call time):
//   internals.blob = { isBlob(x), bytes(blob) -> Uint8Array (a copy), type(blob) -> string,
//                      create(bytes: Uint8Array, type: string) -> Blob (bytes taken over),
//                      isFile(x), name(file), lastModified(file),
//                      createFile(bytes, name, type, lastModified) -> File (bytes taken over) }

const {
  ArrayBufferIsView, ArrayPrototypePush, DateNow, ReflectApply, SymbolIterator, MathMax, MathMin, Number: NumberCtor, NumberIsFinite,
  StringPrototypeCharCodeAt, StringPrototypeToLowerCase,
  TypeError: TypeErrorCtor, TypedArrayPrototypeByteLengthGetter, TypedArrayPrototypeSet,
  TypedArrayPrototypeSlice, TypedArrayPrototypeSubarray, Uint8Array: U8, Promise: PromiseCtor,
  RangeError: RangeErrorCtor,
} = internals.primordials;
const webidl = internals.webidl;

const kConstruct = {};

function resolved(value) { return new PromiseCtor((resolve) => resolve(value)); }
function rejected(error) { return new PromiseCtor((_, reject) => reject(error)); }

// workerd normalizeType: a type holding a character below 0x20 or any non-ASCII byte is
// thrown away; otherwise ASCII upper case is lowered.
function normalizeType(type) {
  for (let i = 0; i < type.length; i++) {
    const c = StringPrototypeCharCodeAt(type, i);
    if (c < 0x20 || c > 0x7e) return "";
  }
  return StringPrototypeToLowerCase(type);
}

// Blob size limit (workerd's default getBlobSizeLimit: 128 MiB).
const MAX_BLOB_SIZE = 128 * 1024 * 1024;

let blobBytesOf; // (blob) -> Uint8Array, the blob's own memory (never hand it out)
let isBlobImpl;

// The parts of `new Blob(parts)`: sequence<(ArrayBuffer or ArrayBufferView or Blob or
// USVString)>, concatenated into one fresh Uint8Array.
function concatParts(bits, prefix) {
  if (bits === undefined) return new U8(0);
  if (!webidl.isObject(bits) || typeof bits[SymbolIterator] !== "function") {
    throw new TypeErrorCtor(`${prefix}: parameter 1 is not of type 'Sequence'.`);
  }
  const pieces = [];
  let size = 0;
  for (const part of bits) {
    let bytes;
    if (isBlobImpl(part)) {
      bytes = blobBytesOf(part);
    } else if (webidl.isArrayBuffer(part) || ArrayBufferIsView(part)) {
      bytes = webidl.toUint8Array(part);
    } else {
      bytes = internals.utf8Encode(webidl.converters.USVString(part, prefix, "parameter 1"));
    }
    const length = TypedArrayPrototypeByteLengthGetter(bytes);
    if (length === 0) continue;
    if (size + length > MAX_BLOB_SIZE) {
      throw new RangeErrorCtor(`Blob size ${size + length} exceeds limit ${MAX_BLOB_SIZE}`);
    }
    size += length;
    ArrayPrototypePush(pieces, bytes);
  }
  const out = new U8(size);
  let offset = 0;
  for (let i = 0; i < pieces.length; i++) {
    TypedArrayPrototypeSet(out, pieces[i], offset);
    offset += TypedArrayPrototypeByteLengthGetter(pieces[i]);
  }
  return out;
}

function blobType(options, prefix) {
  if (options === undefined || options === null) return "";
  if (!webidl.isObject(options)) {
    throw new TypeErrorCtor(`${prefix}: parameter 2 is not of type 'BlobPropertyBag'.`);
  }
  const type = options.type;
  return type === undefined ? "" : normalizeType(webidl.converters.DOMString(type, prefix));
}

// jsg::Optional<int>: ToNumber, then the int32 a C++ int would hold.
function toInt(value) {
  const n = NumberCtor(value);
  return NumberIsFinite(n) ? n | 0 : 0;
}

class Blob {
  #bytes;
  #type;

  constructor(bits = undefined, options = undefined) {
    if (bits === kConstruct) {
      this.#bytes = options.bytes;
      this.#type = options.type;
      return;
    }
    const prefix = "Failed to construct 'Blob'";
    const type = blobType(options, prefix);
    this.#bytes = concatParts(bits, prefix);
    this.#type = type;
  }

  get size() {
    if (!(#bytes in this)) throw webidl.illegalInvocation();
    return TypedArrayPrototypeByteLengthGetter(this.#bytes);
  }

  get type() {
    if (!(#bytes in this)) throw webidl.illegalInvocation();
    return this.#type;
  }

  slice(start = undefined, end = undefined, contentType = undefined) {
    if (!(#bytes in this)) throw webidl.illegalInvocation();
    const size = TypedArrayPrototypeByteLengthGetter(this.#bytes);
    let from = start === undefined ? 0 : toInt(start);
    let to = end === undefined ? size : toInt(end);
    if (from < 0) from += size;
    from = MathMin(MathMax(from, 0), size);
    if (to < 0) to += size;
    to = MathMin(MathMax(to, from), size);
    const type = contentType === undefined ? ""
      : normalizeType(webidl.converters.DOMString(contentType, "Failed to execute 'slice' on 'Blob'", "parameter 3"));
    return new Blob(kConstruct, { bytes: TypedArrayPrototypeSubarray(this.#bytes, from, to), type });
  }

  arrayBuffer() {
    if (!(#bytes in this)) return rejected(new TypeErrorCtor("Illegal invocation"));
    return resolved(TypedArrayPrototypeSlice(this.#bytes).buffer);
  }

  bytes() {
    if (!(#bytes in this)) return rejected(new TypeErrorCtor("Illegal invocation"));
    return resolved(TypedArrayPrototypeSlice(this.#bytes));
  }

  text() {
    if (!(#bytes in this)) return rejected(new TypeErrorCtor("Illegal invocation"));
    return resolved(internals.utf8Decode(this.#bytes));
  }

  stream() {
    if (!(#bytes in this)) throw webidl.illegalInvocation();
    return internals.streams.fromBytes(TypedArrayPrototypeSlice(this.#bytes));
  }

  static {
    blobBytesOf = (blob) => blob.#bytes;
    isBlobImpl = (value) => webidl.isObject(value) && #bytes in value;
  }
}
webidl.configureInterface(Blob, "Blob");

let isFileImpl;

class File extends Blob {
  #name;
  #lastModified;

  constructor(bits = undefined, name = undefined, options = undefined) {
    if (bits === kConstruct) {
      super(kConstruct, name);
      this.#name = name.name;
      this.#lastModified = name.lastModified;
      return;
    }
    const prefix = "Failed to construct 'File'";
    webidl.requiredArguments(arguments.length, 2, prefix);
    const type = blobType(options, prefix);
    let lastModified;
    if (options !== undefined && options !== null && options.lastModified !== undefined) {
      lastModified = NumberCtor(options.lastModified);
      if (!NumberIsFinite(lastModified)) {
        throw new TypeErrorCtor(`${prefix}: The provided double value is non-finite.`);
      }
    } else {
      lastModified = DateNow();
    }
    const fileName = webidl.converters.USVString(name, prefix, "parameter 2");
    super(kConstruct, { bytes: concatParts(bits, prefix), type });
    this.#name = fileName;
    this.#lastModified = lastModified;
  }

  get name() {
    if (!(#name in this)) throw webidl.illegalInvocation();
    return this.#name;
  }

  get lastModified() {
    if (!(#name in this)) throw webidl.illegalInvocation();
    return this.#lastModified;
  }

  static {
    isFileImpl = (value) => webidl.isObject(value) && #name in value;
  }
}
webidl.configureInterface(File, "File");

function createFile(bytes, name, type, lastModified) {
  return new File(kConstruct, { bytes, type, name, lastModified });
}

internals.blob = {
  __proto__: null,
  isBlob: (x) => isBlobImpl(x),
  isFile: (x) => isFileImpl(x),
  bytes: (blob) => TypedArrayPrototypeSlice(blobBytesOf(blob)),
  // The blob's own memory, for runtime code that only reads it.
  view: (blob) => blobBytesOf(blob),
  type: (blob) => typeOf(blob),
  create: (bytes, type) => new Blob(kConstruct, { bytes, type }),
  createFile,
  name: (file) => nameOf(file),
  lastModified: (file) => lastModifiedOf(file),
  normalizeType,
  Blob,
  File,
};

// Accessors through the original getters, so a worker redefining them changes nothing.
const typeGetter = Object.getOwnPropertyDescriptor(Blob.prototype, "type").get;
const nameGetter = Object.getOwnPropertyDescriptor(File.prototype, "name").get;
const lastModifiedGetter = Object.getOwnPropertyDescriptor(File.prototype, "lastModified").get;
function typeOf(blob) { return ReflectApply(typeGetter, blob, []); }
function nameOf(file) { return ReflectApply(nameGetter, file, []); }
function lastModifiedOf(file) {
  return ReflectApply(lastModifiedGetter, file, []);
}

internals.defineGlobal("Blob", Blob);
internals.defineGlobal("File", File);
