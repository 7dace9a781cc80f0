// structuredClone(value, { transfer }) and reportError(error).
//
// workerd clones with V8's ValueSerializer (jsg/ser.c++), so this follows what V8 does
// with the HTML structured serialize/deserialize algorithm, in one pass with a memory map
// (cycles and shared references keep their shape):
//   - primitives; Boolean/Number/String/BigInt wrappers; Date; RegExp; ArrayBuffer (a
//     resizable one stays resizable); typed arrays and DataView (over the cloned buffer);
//     Map and Set; Error objects (name among the standard ones, message, stack, cause);
//     arrays (length and holes kept) and other objects: own enumerable string-keyed
//     properties, prototype not kept — class instances come back as plain objects, as V8
//     does; Blob, File and DOMException.
//   - DataCloneError (DOMException) with V8's words "<value> could not be cloned." for
//     functions, symbols, promises, weak collections and the like, and workerd's words
//     'Could not serialize object of type "X". This type does not support serialization.'
//     for the runtime's platform objects (Request, Headers, ReadableStream, ...).
// `transfer` takes ArrayBuffers: the clone gets their bytes and, once the clone succeeded,
// the originals are detached.

const {
  ArrayBuffer: ArrayBufferCtor, ArrayBufferIsView, ArrayBufferPrototypeByteLengthGetter,
  ArrayBufferPrototypeDetachedGetter, ArrayBufferPrototypeMaxByteLengthGetter,
  ArrayBufferPrototypeResizableGetter, ArrayBufferPrototypeSlice, ArrayBufferPrototypeTransfer,
  ArrayIsArray, ArrayPrototypePush, BigIntPrototypeValueOf, BooleanPrototypeValueOf,
  DataView: DataViewCtor, DataViewPrototypeBufferGetter, DataViewPrototypeByteLengthGetter,
  DataViewPrototypeByteOffsetGetter, Date: DateCtor, DatePrototypeGetTime, ErrorIsError,
  FunctionPrototypeToString, Map: MapCtor, MapPrototypeForEach, MapPrototypeGet,
  MapPrototypeHas, MapPrototypeSet, MapPrototypeSizeGetter, NumberPrototypeValueOf, Object: ObjectCtor,
  ObjectDefineProperty, ObjectGetOwnPropertyDescriptor, ObjectGetPrototypeOf, ObjectPrototypeHasOwnProperty,
  ObjectPrototypePropertyIsEnumerable, ObjectPrototypeToString,
  ReflectApply, ReflectOwnKeys, RegExp: RegExpCtor, RegExpPrototypeFlagsGetter,
  RegExpPrototypeSourceGetter, Set: SetCtor, SetPrototypeAdd, SetPrototypeForEach, SetPrototypeHas,
  TypedArrayPrototypeSet,
  String: StringCtor, StringPrototypeValueOf, SymbolPrototypeToString, SymbolToStringTag,
  TypedArray, TypedArrayPrototypeBufferGetter, TypedArrayPrototypeByteOffsetGetter,
  TypedArrayPrototypeLengthGetter, WeakMapPrototypeHas, WeakRefPrototypeDeref,
  WeakSetPrototypeHas, globalThis: realGlobal, uncurryThis,
} = internals.primordials;
const webidl = internals.webidl;

const typedArrayTag = uncurryThis(
  ObjectGetOwnPropertyDescriptor(TypedArray.prototype, SymbolToStringTag).get);

function dataCloneError(message) {
  return new internals.DOMException(message, "DataCloneError");
}

// V8's "%s could not be cloned." names the value as Object::NoSideEffectsToString does.
function describe(value) {
  if (typeof value === "symbol") return SymbolPrototypeToString(value);
  if (typeof value === "function") {
    try { return FunctionPrototypeToString(value); } catch { return "function"; }
  }
  let tag = "Object";
  try {
    const t = value[SymbolToStringTag];
    if (typeof t === "string") tag = t;
    else {
      const ctor = value.constructor;
      if (typeof ctor === "function" && typeof ctor.name === "string" && ctor.name) tag = ctor.name;
    }
  } catch { /* a hostile getter */ }
  return `#<${tag}>`;
}

function cannotClone(value) {
  return dataCloneError(`${describe(value)} could not be cloned.`);
}

// Brand checks without side effects: each throws unless `value` has the internal slot.
function has(check, value, ...args) {
  try {
    ReflectApply(check, undefined, [value, ...args]);
    return true;
  } catch {
    return false;
  }
}

function isArrayBuffer(value) { return has(ArrayBufferPrototypeByteLengthGetter, value); }

const ERROR_NAMES = ["Error", "EvalError", "RangeError", "ReferenceError", "SyntaxError",
  "TypeError", "URIError"];
const ERROR_CTORS = {
  __proto__: null, Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError,
};

function isError(value) {
  if (typeof ErrorIsError === "function") return ErrorIsError(value);
  return ObjectPrototypeToString(value) === "[object Error]";
}

// The runtime's platform objects: not serializable (workerd: no JSG_SERIALIZABLE).
const PLATFORM_NAMES = [
  "Request", "Response", "Headers", "URL", "URLSearchParams", "URLPattern", "FormData",
  "ReadableStream", "WritableStream", "TransformStream", "ReadableStreamDefaultReader",
  "ReadableStreamBYOBReader", "WritableStreamDefaultWriter", "TextEncoder", "TextDecoder",
  "TextEncoderStream", "TextDecoderStream", "CompressionStream", "DecompressionStream",
  "AbortController", "AbortSignal", "Event", "EventTarget", "WebSocket", "Crypto",
  "SubtleCrypto", "CryptoKey", "Navigator", "Performance", "HTMLRewriter", "Cache",
  "CacheStorage", "ByteLengthQueuingStrategy", "CountQueuingStrategy",
];
// Prototypes as the runtime installed them (internals.definedGlobals, whatever the worker
// did to the globals since), captured again whenever another runtime file has defined
// globals: files loaded later and lazy ones (whose instances cannot exist before then).
const definedGlobals = internals.definedGlobals;
let platformPrototypes = null;
let platformSeen = -1;
function capturePlatform() {
  const map = new MapCtor();
  for (let i = 0; i < PLATFORM_NAMES.length; i++) {
    const ctor = MapPrototypeGet(definedGlobals, PLATFORM_NAMES[i]);
    if (typeof ctor === "function" && ctor.prototype) {
      MapPrototypeSet(map, ctor.prototype, PLATFORM_NAMES[i]);
    }
  }
  return map;
}

function platformName(value) {
  const defined = MapPrototypeSizeGetter(definedGlobals);
  if (defined !== platformSeen) {
    platformPrototypes = capturePlatform();
    platformSeen = defined;
  }
  let proto = ObjectGetPrototypeOf(value);
  while (proto !== null) {
    const name = MapPrototypeGet(platformPrototypes, proto);
    if (name !== undefined) return name;
    proto = ObjectGetPrototypeOf(proto);
  }
  return undefined;
}

function cloneArrayBuffer(buffer, memory) {
  if (ArrayBufferPrototypeDetachedGetter(buffer)) {
    throw dataCloneError("An ArrayBuffer is detached and could not be cloned.");
  }
  let copy;
  if (ArrayBufferPrototypeResizableGetter(buffer)) {
    const length = ArrayBufferPrototypeByteLengthGetter(buffer);
    copy = new ArrayBufferCtor(length,
      { maxByteLength: ArrayBufferPrototypeMaxByteLengthGetter(buffer) });
    TypedArrayPrototypeSet(new Uint8Array(copy), new Uint8Array(buffer));
  } else {
    copy = ArrayBufferPrototypeSlice(buffer, 0);
  }
  MapPrototypeSet(memory, buffer, copy);
  return copy;
}

function cloneView(view, memory) {
  const tag = typedArrayTag(view);
  if (tag !== undefined) {
    const buffer = TypedArrayPrototypeBufferGetter(view);
    const copy = cloneValue(buffer, memory);
    const Ctor = TYPED_ARRAYS[tag];
    return new Ctor(copy, TypedArrayPrototypeByteOffsetGetter(view),
      TypedArrayPrototypeLengthGetter(view));
  }
  const buffer = DataViewPrototypeBufferGetter(view);
  return new DataViewCtor(cloneValue(buffer, memory), DataViewPrototypeByteOffsetGetter(view),
    DataViewPrototypeByteLengthGetter(view));
}

const TYPED_ARRAYS = {
  __proto__: null,
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array,
};
if (typeof realGlobal.Float16Array === "function") TYPED_ARRAYS.Float16Array = realGlobal.Float16Array;

function copyProperties(source, target, memory) {
  const keys = ReflectOwnKeys(source);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (typeof key !== "string") continue;
    if (!ObjectPrototypePropertyIsEnumerable(source, key)) continue;
    ObjectDefineProperty(target, key, {
      value: cloneValue(source[key], memory), writable: true, enumerable: true, configurable: true,
    });
  }
}

function cloneValue(value, memory) {
  const kind = typeof value;
  if (value === null || (kind !== "object" && kind !== "function" && kind !== "symbol")) {
    return value;
  }
  if (kind === "symbol" || kind === "function") throw cannotClone(value);
  const seen = MapPrototypeGet(memory, value);
  if (seen !== undefined) return seen;

  // Primitive wrappers.
  if (has(BooleanPrototypeValueOf, value)) return remember(memory, value, new ObjectCtor(BooleanPrototypeValueOf(value)));
  if (has(NumberPrototypeValueOf, value)) return remember(memory, value, new ObjectCtor(NumberPrototypeValueOf(value)));
  if (has(StringPrototypeValueOf, value)) return remember(memory, value, new ObjectCtor(StringPrototypeValueOf(value)));
  if (has(BigIntPrototypeValueOf, value)) return remember(memory, value, ObjectCtor(BigIntPrototypeValueOf(value)));
  if (has(DatePrototypeGetTime, value)) return remember(memory, value, new DateCtor(DatePrototypeGetTime(value)));
  if (value !== RegExpCtor.prototype && has(RegExpPrototypeSourceGetter, value)) {
    return remember(memory, value,
      new RegExpCtor(RegExpPrototypeSourceGetter(value), RegExpPrototypeFlagsGetter(value)));
  }
  if (isArrayBuffer(value)) return cloneArrayBuffer(value, memory);
  if (ArrayBufferIsView(value)) return remember(memory, value, cloneView(value, memory));

  if (has(MapPrototypeHas, value, undefined)) {
    const out = new MapCtor();
    MapPrototypeSet(memory, value, out);
    const entries = [];
    MapPrototypeForEach(value, (v, k) => { ArrayPrototypePush(entries, k, v); });
    for (let i = 0; i < entries.length; i += 2) {
      MapPrototypeSet(out, cloneValue(entries[i], memory), cloneValue(entries[i + 1], memory));
    }
    return out;
  }
  if (has(SetPrototypeForEach, value, () => {})) {
    const out = new SetCtor();
    MapPrototypeSet(memory, value, out);
    const items = [];
    SetPrototypeForEach(value, (v) => { ArrayPrototypePush(items, v); });
    for (let i = 0; i < items.length; i++) SetPrototypeAdd(out, cloneValue(items[i], memory));
    return out;
  }

  const blob = internals.blob;
  if (blob && blob.isBlob(value)) {
    const bytes = blob.view(value);
    const copy = blob.isFile(value)
      ? blob.createFile(bytes, blob.name(value), blob.type(value), blob.lastModified(value))
      : blob.create(bytes, blob.type(value));
    return remember(memory, value, copy);
  }
  if (internals.isDOMException(value)) {
    return remember(memory, value, new internals.DOMException(value.message, value.name));
  }

  if (isError(value)) return cloneError(value, memory);

  if (has(WeakMapPrototypeHas, value, {}) || has(WeakSetPrototypeHas, value, {}) ||
      has(WeakRefPrototypeDeref, value) || isPromise(value)) {
    throw cannotClone(value);
  }
  const platform = platformName(value);
  if (platform !== undefined) {
    throw dataCloneError(`Could not serialize object of type "${platform}". ` +
      "This type does not support serialization.");
  }

  if (ArrayIsArray(value)) {
    const out = new Array(value.length);
    MapPrototypeSet(memory, value, out);
    copyProperties(value, out, memory);
    return out;
  }
  const out = {};
  MapPrototypeSet(memory, value, out);
  copyProperties(value, out, memory);
  return out;
}

// No side-effect-free brand check exists for promises (Promise.resolve reads `then`).
function isPromise(value) {
  try {
    return ObjectPrototypeToString(value) === "[object Promise]";
  } catch {
    return false;
  }
}

function remember(memory, value, copy) {
  MapPrototypeSet(memory, value, copy);
  return copy;
}

function cloneError(value, memory) {
  let name = "Error";
  try {
    const n = value.name;
    for (let i = 0; i < ERROR_NAMES.length; i++) if (n === ERROR_NAMES[i]) name = n;
  } catch { /* keep "Error" */ }
  const out = new ERROR_CTORS[name]();
  MapPrototypeSet(memory, value, out);
  const message = ObjectGetOwnPropertyDescriptor(value, "message");
  if (message !== undefined && "value" in message) {
    out.message = StringCtor(message.value);
  } else {
    delete out.message;
  }
  let stack;
  try { stack = value.stack; } catch { /* ignore */ }
  ObjectDefineStack(out, typeof stack === "string" ? stack : undefined);
  if (ObjectPrototypeHasOwnProperty(value, "cause")) {
    const cause = ObjectGetOwnPropertyDescriptor(value, "cause");
    if ("value" in cause) {
      ObjectDefineProperty(out, "cause", {
        value: cloneValue(cause.value, memory), writable: true, enumerable: false, configurable: true,
      });
    }
  }
  return out;
}

function ObjectDefineStack(error, stack) {
  if (stack === undefined) {
    delete error.stack;
    return;
  }
  ObjectDefineProperty(error, "stack", {
    value: stack, writable: true, enumerable: false, configurable: true,
  });
}

const convertTransfer = webidl.createSequenceConverter(webidl.converters.object);

function structuredClone(value, options = undefined) {
  const prefix = "Failed to execute 'structuredClone'";
  let transfer = [];
  if (options !== undefined && options !== null) {
    if (!webidl.isObject(options)) {
      throw new TypeError(`${prefix}: parameter 2 is not of type 'StructuredSerializeOptions'.`);
    }
    const list = options.transfer;
    if (list !== undefined) transfer = convertTransfer(list, prefix, "parameter 2");
  }
  const memory = new MapCtor();
  const seen = new SetCtor();
  for (let i = 0; i < transfer.length; i++) {
    const item = transfer[i];
    if (!isArrayBuffer(item)) throw dataCloneError(`${describe(item)} could not be transferred.`);
    if (SetPrototypeHas(seen, item)) {
      throw dataCloneError("ArrayBuffer at index " + i + " is a duplicate of an earlier ArrayBuffer. Duplicate ArrayBuffers cannot be transferred.");
    }
    if (ArrayBufferPrototypeDetachedGetter(item)) {
      throw dataCloneError(`ArrayBuffer at index ${i} is already detached.`);
    }
    SetPrototypeAdd(seen, item);
  }
  // A transferred buffer is cloned like any other (a copy), and detached only once the
  // whole value has cloned: a failed clone leaves every buffer as it was.
  const result = cloneValue(value, memory);
  for (let i = 0; i < transfer.length; i++) ArrayBufferPrototypeTransfer(transfer[i]);
  return result;
}

function reportError(error) {
  webidl.requiredArguments(arguments.length, 1,
    "Failed to execute 'reportError' on 'ServiceWorkerGlobalScope'");
  const report = internals.reportError;
  if (typeof report === "function") report(error);
}

internals.structuredClone = structuredClone;
internals.defineGlobal("structuredClone", structuredClone);
internals.defineGlobal("reportError", reportError);
