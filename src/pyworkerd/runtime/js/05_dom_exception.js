// WebIDL glue and DOMException.
//
// `internals.webidl` holds the argument converters every Web API in the runtime uses, so
// that a worker passing the wrong thing gets the same TypeError text it would get from
// workerd (jsg's wording: "Failed to execute 'decode' on 'TextDecoder': parameter 1 is not
// of type 'ArrayBuffer or ArrayBufferView'.") and the browser's wording for missing
// arguments ("Failed to execute 'append' on 'URLSearchParams': 2 arguments required, but
// only 1 present."). Converters take (value, prefix, context, options):
//   prefix  — webidl.methodPrefix("URLSearchParams", "append"), webidl.constructorPrefix("URL"),
//             webidl.setterPrefix("URL", "href") …
//   context — what is being converted: "parameter 1" (webidl.arg(0)), "the provided value" …
// https://webidl.spec.whatwg.org/#es-type-mapping
//
// internals.webidl:
//   converters.{any, boolean, object, DOMString, USVString, ByteString, byte, octet, short,
//     "unsigned short", long, "unsigned long", "long long", "unsigned long long", double,
//     "unrestricted double", float, ArrayBuffer, ArrayBufferView, Uint8Array, BufferSource,
//     BufferSourceAsUint8Array (a Uint8Array view of the same bytes), Function}
//     (V, prefix, context, opts) -> value; integer converters take { enforceRange, clamp },
//     DOMString { treatNullAsEmptyString }
//   createEnumConverter(name, values), createNullableConverter(conv),
//   createSequenceConverter(conv), createRecordConverter(keyConv, valueConv),
//   createDictionaryConverter(name, ...memberLists) with members { key, converter,
//     defaultValue?, required? }, createInterfaceConverter(name, check)
//   methodPrefix(iface, method), constructorPrefix(iface), setterPrefix(iface, attr),
//   getterPrefix(iface, attr), arg(i) -> "parameter i+1"
//   requiredArguments(length, required, prefix), makeException(ErrorType, msg, prefix, ctx),
//   notOfType(prefix, ctx, typeName), illegalConstructor(), illegalInvocation(),
//   assertBranded(self, check) / brandCheck(self, check)   ("Illegal invocation")
//   configureInterface(Class, name?): @@toStringTag, enumerable members
//   mixinPairIterable(name, Class, getEntries): entries/keys/values/forEach/@@iterator
//   type(V), isObject, isArrayBuffer, isTypedArray, isDataView, toUint8Array(bufferSource)
// Also internals.DOMException, internals.domException(message, name), internals.isDOMException.

const {
  ArrayBuffer,
  ArrayBufferIsView,
  ArrayBufferPrototypeByteLengthGetter,
  ArrayPrototypePush,
  DataViewPrototypeBufferGetter,
  DataViewPrototypeByteLengthGetter,
  DataViewPrototypeByteOffsetGetter,
  Error,
  ErrorCaptureStackTrace,
  MathFloor,
  MathMax,
  MathMin,
  MathRound,
  MathTrunc,
  Number,
  NumberIsFinite,
  NumberIsNaN,
  ObjectDefineProperty,
  ObjectFreeze,
  ObjectGetOwnPropertyDescriptor,
  ObjectGetOwnPropertyDescriptors,
  ObjectGetPrototypeOf,
  ObjectPrototypeIsPrototypeOf,
  ObjectSetPrototypeOf,
  ReflectApply,
  ReflectDefineProperty,
  ReflectGetOwnPropertyDescriptor,
  ReflectOwnKeys,
  String,
  StringPrototypeCharCodeAt,
  StringPrototypeToWellFormed,
  Symbol,
  SymbolIterator,
  SymbolToStringTag,
  TypedArray,
  TypedArrayPrototypeBufferGetter,
  TypedArrayPrototypeByteLengthGetter,
  TypedArrayPrototypeByteOffsetGetter,
  TypeError,
  Uint8Array,
  uncurryThis,
  Promise: PromiseCtor,
} = internals.primordials;

// %TypedArray%.prototype[@@toStringTag] answers undefined for anything that is not a typed
// array, without throwing: the cheapest exact brand check there is.
const TypedArrayPrototypeGetSymbolToStringTag = uncurryThis(
  ObjectGetOwnPropertyDescriptor(TypedArray.prototype, SymbolToStringTag).get,
);

// ---------------------------------------------------------------------------------------
// Errors

function methodPrefix(iface, method) {
  return `Failed to execute '${method}' on '${iface}'`;
}
function constructorPrefix(iface) {
  return `Failed to construct '${iface}'`;
}
function setterPrefix(iface, attribute) {
  return `Failed to set the '${attribute}' property on '${iface}'`;
}
function getterPrefix(iface, attribute) {
  return `Failed to read the '${attribute}' property from '${iface}'`;
}
/** The context for argument i (0-based), in jsg's words: "parameter 1". */
function arg(i) {
  return `parameter ${i + 1}`;
}

/** `${prefix}: ${context} ${message}` as an ErrorType (TypeError by default). */
function makeException(ErrorType, message, prefix, context) {
  let text = context ? `${context} ${message}` : message;
  if (prefix) text = `${prefix}: ${text}`;
  return new ErrorType(text);
}

function typeError(message, prefix, context) {
  return makeException(TypeError, message, prefix, context);
}

function notOfType(prefix, context, typeName) {
  return makeException(TypeError, `is not of type '${typeName}'.`, prefix, context ?? "Value");
}

/** WebIDL overload resolution's "N arguments required, but only M present." */
function requiredArguments(length, required, prefix) {
  if (length < required) {
    const noun = required === 1 ? "argument" : "arguments";
    throw new TypeError(
      `${prefix}: ${required} ${noun} required, but only ${length} present.`,
    );
  }
}

function illegalConstructor() {
  throw new TypeError("Illegal constructor");
}

function illegalInvocation() {
  throw new TypeError("Illegal invocation");
}

// ---------------------------------------------------------------------------------------
// Brands. Interfaces keep their state in #private fields; `createBrandCheck(Class)` turns
// the class's own `#field in obj` test into a function others can call.

const brand = Symbol("[[webidl.brand]]");

/**
 * assertBranded(self, check): `check` is a function (obj) => boolean (preferred: built from
 * a `#field in obj` test) or a prototype whose instances carry `brand`.
 */
function assertBranded(self, check) {
  if (typeof check === "function") {
    if (!check(self)) illegalInvocation();
    return;
  }
  if (
    self === null || (typeof self !== "object" && typeof self !== "function") ||
    self[brand] !== brand || !ObjectPrototypeIsPrototypeOf(check, self)
  ) {
    illegalInvocation();
  }
}

// ---------------------------------------------------------------------------------------
// Type helpers

function type(V) {
  if (V === null) return "Null";
  switch (typeof V) {
    case "undefined": return "Undefined";
    case "boolean": return "Boolean";
    case "number": return "Number";
    case "string": return "String";
    case "symbol": return "Symbol";
    case "bigint": return "BigInt";
    case "object":
    case "function":
    default:
      return "Object";
  }
}

function isObject(V) {
  return V !== null && (typeof V === "object" || typeof V === "function");
}

function isArrayBuffer(V) {
  if (!isObject(V)) return false;
  try {
    ArrayBufferPrototypeByteLengthGetter(V);
    return true;
  } catch {
    return false;
  }
}

function isTypedArray(V) {
  return TypedArrayPrototypeGetSymbolToStringTag(V) !== undefined;
}

function isDataView(V) {
  return ArrayBufferIsView(V) && TypedArrayPrototypeGetSymbolToStringTag(V) === undefined;
}

/**
 * A Uint8Array over the same memory as an ArrayBuffer / typed array / DataView (no copy).
 * The caller must already know `V` is one of those (converters.BufferSource checked it).
 */
function toUint8Array(V) {
  const tag = TypedArrayPrototypeGetSymbolToStringTag(V);
  if (tag === "Uint8Array") return V;
  if (tag !== undefined) {
    return new Uint8Array(
      TypedArrayPrototypeBufferGetter(V),
      TypedArrayPrototypeByteOffsetGetter(V),
      TypedArrayPrototypeByteLengthGetter(V),
    );
  }
  if (ArrayBufferIsView(V)) {
    return new Uint8Array(
      DataViewPrototypeBufferGetter(V),
      DataViewPrototypeByteOffsetGetter(V),
      DataViewPrototypeByteLengthGetter(V),
    );
  }
  return new Uint8Array(V);
}

// ---------------------------------------------------------------------------------------
// Converters — https://webidl.spec.whatwg.org/#es-type-mapping

const converters = { __proto__: null };

converters.any = (V) => V;

converters.undefined = () => undefined;

converters.boolean = (V) => !!V;

converters.object = (V, prefix, context) => {
  if (!isObject(V)) throw notOfType(prefix, context, "object");
  return V;
};

function toDOMString(V, prefix, context, opts) {
  if (typeof V === "string") return V;
  if (V === null && opts?.treatNullAsEmptyString) return "";
  if (typeof V === "symbol") {
    throw makeException(
      TypeError, "is a symbol, which cannot be converted to a string.", prefix, context ?? "Value",
    );
  }
  return String(V);
}

converters.DOMString = toDOMString;

// https://webidl.spec.whatwg.org/#es-USVString: lone surrogates become U+FFFD.
converters.USVString = (V, prefix, context, opts) => {
  const S = typeof V === "string" ? V : toDOMString(V, prefix, context, opts);
  return StringPrototypeToWellFormed(S);
};

// https://webidl.spec.whatwg.org/#es-ByteString
converters.ByteString = (V, prefix, context, opts) => {
  const x = toDOMString(V, prefix, context, opts);
  for (let i = 0; i < x.length; i++) {
    if (StringPrototypeCharCodeAt(x, i) > 255) {
      throw makeException(
        TypeError,
        `is not a valid ByteString: the character at index ${i} has a value of ` +
          `${StringPrototypeCharCodeAt(x, i)} which is greater than 255.`,
        prefix, context ?? "Value",
      );
    }
  }
  return x;
};

// https://webidl.spec.whatwg.org/#abstract-opdef-converttoint
function censorNegativeZero(x) {
  return x === 0 ? 0 : x;
}

function integerPart(n) {
  return censorNegativeZero(MathTrunc(n));
}

function evenRound(x) {
  // Round half to even, then censor -0.
  if (x > 0 && x % 1 === 0.5 && (x & 1) === 0) return censorNegativeZero(MathFloor(x));
  if (x < 0 && x % 1 === -0.5 && (x & 1) === 0) return censorNegativeZero(MathFloor(x) + 1);
  return censorNegativeZero(MathRound(x));
}

function modulo(x, y) {
  const r = x % y;
  return r < 0 ? r + y : r;
}

function toNumber(V, prefix, context) {
  if (typeof V === "number") return V;
  if (typeof V === "bigint") {
    throw makeException(TypeError, "is a BigInt and cannot be converted to a number.",
      prefix, context ?? "Value");
  }
  if (typeof V === "symbol") {
    throw makeException(TypeError, "is a Symbol and cannot be converted to a number.",
      prefix, context ?? "Value");
  }
  return Number(V);
}

function createIntegerConverter(bitLength, unsigned, typeName) {
  let lowerBound, upperBound;
  if (bitLength === 64) {
    upperBound = 2 ** 53 - 1;
    lowerBound = unsigned ? 0 : -(2 ** 53) + 1;
  } else if (unsigned) {
    lowerBound = 0;
    upperBound = 2 ** bitLength - 1;
  } else {
    lowerBound = -(2 ** (bitLength - 1));
    upperBound = 2 ** (bitLength - 1) - 1;
  }
  const twoToTheBitLength = 2 ** bitLength;
  const twoToOneLessThanTheBitLength = 2 ** (bitLength - 1);

  return (V, prefix, context, opts) => {
    let x = toNumber(V, prefix, context);
    x = censorNegativeZero(x);

    if (opts?.enforceRange) {
      if (!NumberIsFinite(x)) {
        throw makeException(TypeError, `is not a finite number.`, prefix, context ?? "Value");
      }
      x = integerPart(x);
      if (x < lowerBound || x > upperBound) {
        throw makeException(
          TypeError, `is outside the accepted range of ${lowerBound} to ${upperBound}.`,
          prefix, context ?? "Value",
        );
      }
      return x;
    }

    if (!NumberIsNaN(x) && opts?.clamp) {
      x = MathMin(MathMax(x, lowerBound), upperBound);
      return evenRound(x);
    }

    if (!NumberIsFinite(x) || x === 0) return 0;
    x = integerPart(x);

    // Values already in range need no modulo (the common case).
    if (x >= lowerBound && x <= upperBound) return x;

    if (bitLength === 64) {
      // ToInt64/ToUint64 on a Number: precision beyond 2^53 is lost anyway.
      x = modulo(x, twoToTheBitLength);
      if (!unsigned && x >= twoToOneLessThanTheBitLength) x -= twoToTheBitLength;
      return censorNegativeZero(x);
    }
    x = modulo(x, twoToTheBitLength);
    if (!unsigned && x >= twoToOneLessThanTheBitLength) return x - twoToTheBitLength;
    return x;
  };
}

converters.byte = createIntegerConverter(8, false, "byte");
converters.octet = createIntegerConverter(8, true, "octet");
converters.short = createIntegerConverter(16, false, "short");
converters["unsigned short"] = createIntegerConverter(16, true, "unsigned short");
converters.long = createIntegerConverter(32, false, "long");
converters["unsigned long"] = createIntegerConverter(32, true, "unsigned long");
converters["long long"] = createIntegerConverter(64, false, "long long");
converters["unsigned long long"] = createIntegerConverter(64, true, "unsigned long long");

converters.double = (V, prefix, context) => {
  const x = toNumber(V, prefix, context);
  if (!NumberIsFinite(x)) {
    throw makeException(TypeError, "is not a finite floating-point value.",
      prefix, context ?? "Value");
  }
  return x;
};
converters["unrestricted double"] = (V, prefix, context) => toNumber(V, prefix, context);
converters.float = converters.double;
converters["unrestricted float"] = converters["unrestricted double"];

converters.ArrayBuffer = (V, prefix, context) => {
  if (!isArrayBuffer(V)) throw notOfType(prefix, context, "ArrayBuffer");
  return V;
};

converters.ArrayBufferView = (V, prefix, context) => {
  if (!ArrayBufferIsView(V)) throw notOfType(prefix, context, "ArrayBufferView");
  return V;
};

converters.Uint8Array = (V, prefix, context) => {
  if (TypedArrayPrototypeGetSymbolToStringTag(V) !== "Uint8Array") {
    throw notOfType(prefix, context, "Uint8Array");
  }
  return V;
};

// BufferSource = (ArrayBufferView or ArrayBuffer); returns the value itself.
converters.BufferSource = (V, prefix, context) => {
  if (ArrayBufferIsView(V) || isArrayBuffer(V)) return V;
  throw notOfType(prefix, context, "ArrayBuffer or ArrayBufferView");
};

// BufferSource, handed back as a Uint8Array over the same bytes (no copy).
converters.BufferSourceAsUint8Array = (V, prefix, context) => {
  if (ArrayBufferIsView(V) || isArrayBuffer(V)) return toUint8Array(V);
  throw notOfType(prefix, context, "ArrayBuffer or ArrayBufferView");
};

converters.Function = (V, prefix, context) => {
  if (typeof V !== "function") throw notOfType(prefix, context, "Function");
  return V;
};

// ---------------------------------------------------------------------------------------
// Converter factories

/** enum: a string from a fixed list. */
function createEnumConverter(name, values) {
  const set = new internals.primordials.Set(values);
  const has = uncurryThis(internals.primordials.Set.prototype.has);
  return (V, prefix, context) => {
    const S = toDOMString(V, prefix, context);
    if (!has(set, S)) {
      throw new TypeError(
        `${prefix ? prefix + ": " : ""}The provided value '${S}' is not a valid enum value of ` +
          `type ${name}.`,
      );
    }
    return S;
  };
}

/** T? : null and undefined become null. */
function createNullableConverter(converter) {
  return (V, prefix, context, opts) => {
    if (V === null || V === undefined) return null;
    return converter(V, prefix, context, opts);
  };
}

/**
 * sequence<T>: any iterable. Elements are converted with context "<context>, index i".
 * https://webidl.spec.whatwg.org/#es-sequence
 */
function createSequenceConverter(converter) {
  return (V, prefix, context, opts) => {
    if (!isObject(V)) {
      throw makeException(TypeError, "can not be converted to sequence.", prefix,
        context ?? "Value");
    }
    const method = V[SymbolIterator];
    if (typeof method !== "function") {
      throw makeException(TypeError, "can not be converted to sequence.", prefix,
        context ?? "Value");
    }
    return iterableToSequence(V, method, converter, prefix, context, opts);
  };
}

function iterableToSequence(V, method, converter, prefix, context, opts) {
  const iter = ReflectApply(method, V, []);
  if (!isObject(iter)) throw new TypeError("Result of the Symbol.iterator method is not an object");
  const next = iter.next;
  const array = [];
  for (let i = 0; ; i++) {
    const res = ReflectApply(next, iter, []);
    if (!isObject(res)) throw new TypeError("Iterator result is not an object");
    if (res.done === true) break;
    ArrayPrototypePush(
      array, converter(res.value, prefix, `${context ?? "Value"}, index ${i}`, opts),
    );
  }
  return array;
}

/**
 * record<K, V>: own enumerable string keys, in property order.
 * https://webidl.spec.whatwg.org/#es-record
 */
function createRecordConverter(keyConverter, valueConverter) {
  return (V, prefix, context, opts) => {
    if (!isObject(V)) {
      throw makeException(TypeError, "can not be converted to a record.", prefix,
        context ?? "Value");
    }
    const result = { __proto__: null };
    const keys = ReflectOwnKeys(V);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (typeof key !== "string") continue;
      const desc = ReflectGetOwnPropertyDescriptor(V, key);
      if (desc === undefined || !desc.enumerable) continue;
      const typedKey = keyConverter(key, prefix, context, opts);
      const value = valueConverter(V[key], prefix, context, opts);
      result[typedKey] = value;
    }
    return result;
  };
}

/**
 * dictionary: members = [{ key, converter, defaultValue?, required? }], sorted like WebIDL
 * (lexicographically, inherited members first; pass the parent's members first).
 */
function createDictionaryConverter(name, ...memberLists) {
  const members = [];
  for (let i = 0; i < memberLists.length; i++) {
    const list = memberLists[i];
    for (let j = 0; j < list.length; j++) ArrayPrototypePush(members, list[j]);
  }
  return (V, prefix, context, opts) => {
    if (V !== undefined && V !== null && !isObject(V)) {
      throw makeException(TypeError, `is not of type '${name}'.`, prefix, context ?? "Value");
    }
    const result = { __proto__: null };
    for (let i = 0; i < members.length; i++) {
      const member = members[i];
      const key = member.key;
      const value = V === undefined || V === null ? undefined : V[key];
      if (value !== undefined) {
        result[key] = member.converter(
          value, prefix, `'${key}' in '${name}' (${context ?? "Value"})`, opts,
        );
      } else if (member.required) {
        throw new TypeError(
          `${prefix ? prefix + ": " : ""}${context ?? "Value"} can not be converted to ` +
            `'${name}' because '${key}' is required in '${name}'.`,
        );
      } else if ("defaultValue" in member) {
        const d = member.defaultValue;
        result[key] = typeof d === "function" ? d() : d;
      }
    }
    return result;
  };
}

/** An interface type: `check(V)` decides membership (e.g. a `#field in V` test). */
function createInterfaceConverter(name, check) {
  return (V, prefix, context) => {
    if (!check(V)) throw notOfType(prefix, context, name);
    return V;
  };
}

// ---------------------------------------------------------------------------------------
// Interface objects

/**
 * Make a class look like a WebIDL interface: @@toStringTag on the prototype, and prototype
 * methods / accessors enumerable (classes make them non-enumerable).
 */
function configureInterface(Class, name = Class.name) {
  makeMembersEnumerable(Class.prototype, false);
  // Static operations and attributes are enumerable too.
  makeMembersEnumerable(Class, true);
  ReflectDefineProperty(Class.prototype, SymbolToStringTag, {
    value: name, writable: false, enumerable: false, configurable: true,
  });
}

function makeMembersEnumerable(target, isConstructor) {
  const descs = ObjectGetOwnPropertyDescriptors(target);
  const keys = ReflectOwnKeys(descs);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (typeof key === "symbol" || key === "constructor") continue;
    if (isConstructor && (key === "prototype" || key === "length" || key === "name")) continue;
    const desc = descs[key];
    if (!desc.enumerable && ("value" in desc ? typeof desc.value === "function" : true)) {
      desc.enumerable = true;
      ReflectDefineProperty(target, key, desc);
    }
  }
}

// %IteratorPrototype%, for the iterator objects pair iterables hand out.
const IteratorPrototype = ObjectGetPrototypeOf(ObjectGetPrototypeOf([][SymbolIterator]()));

/**
 * Give `Class` WebIDL pair-iterator methods: entries, keys, values, forEach, @@iterator.
 * `getEntries(self)` brand-checks and returns the live list of [key, value] pairs; the
 * iterator re-reads it on every step, as WebIDL requires (so deleting while iterating works).
 * https://webidl.spec.whatwg.org/#idl-iterable
 */
function mixinPairIterable(name, Class, getEntries) {
  const iteratorName = `${name} Iterator`;
  const iteratorPrototype = { __proto__: IteratorPrototype };
  const targets = new internals.primordials.WeakMap();
  const wmGet = uncurryThis(internals.primordials.WeakMap.prototype.get);
  const wmSet = uncurryThis(internals.primordials.WeakMap.prototype.set);

  function createIterator(self, kind) {
    const iterator = { __proto__: iteratorPrototype };
    wmSet(targets, iterator, { target: self, kind, index: 0 });
    return iterator;
  }

  ObjectDefineProperty(iteratorPrototype, "next", {
    value: function next() {
      const state = this !== null && typeof this === "object" ? wmGet(targets, this) : undefined;
      if (state === undefined) {
        throw new TypeError(`${methodPrefix(iteratorName, "next")}: Illegal invocation`);
      }
      const values = getEntries(state.target);
      const len = values.length;
      if (state.index >= len) return { value: undefined, done: true };
      const pair = values[state.index++];
      switch (state.kind) {
        case "key": return { value: pair[0], done: false };
        case "value": return { value: pair[1], done: false };
        default: return { value: [pair[0], pair[1]], done: false };
      }
    },
    writable: true, enumerable: true, configurable: true,
  });
  ObjectDefineProperty(iteratorPrototype, SymbolToStringTag, {
    value: iteratorName, writable: false, enumerable: false, configurable: true,
  });

  const methods = {
    entries() {
      getEntries(this);
      return createIterator(this, "key+value");
    },
    keys() {
      getEntries(this);
      return createIterator(this, "key");
    },
    values() {
      getEntries(this);
      return createIterator(this, "value");
    },
    forEach(callbackfn, thisArg = undefined) {
      const entries = getEntries(this);
      const prefix = methodPrefix(name, "forEach");
      requiredArguments(arguments.length, 1, prefix);
      if (typeof callbackfn !== "function") {
        throw notOfType(prefix, "parameter 1", "Function");
      }
      for (let i = 0; i < entries.length; i++) {
        const pair = entries[i];
        ReflectApply(callbackfn, thisArg, [pair[1], pair[0], this]);
      }
    },
  };
  const proto = Class.prototype;
  const names = ["entries", "keys", "values", "forEach"];
  for (let i = 0; i < names.length; i++) {
    const key = names[i];
    ObjectDefineProperty(proto, key, {
      value: methods[key], writable: true, enumerable: true, configurable: true,
    });
  }
  ObjectDefineProperty(proto, SymbolIterator, {
    value: methods.entries, writable: true, enumerable: false, configurable: true,
  });
  return iteratorPrototype;
}

// Promise-returning methods as workerd's jsg makes them: a synchronous throw becomes a
// rejection (js.evalNow), and `parameter N is not of type 'T'` for a wrong argument.
function resolvedPromise(value) { return new PromiseCtor((resolve) => resolve(value)); }
function rejectedPromise(error) { return new PromiseCtor((_, reject) => reject(error)); }
function evalNow(fn) {
  try { return resolvedPromise(fn()); } catch (err) { return rejectedPromise(err); }
}
function parameterNotOfType(method, iface, index, typeName) {
  return notOfType(methodPrefix(iface, method), `parameter ${index}`, typeName);
}

const webidl = {
  __proto__: null,
  resolvedPromise,
  rejectedPromise,
  evalNow,
  parameterNotOfType,
  brand,
  converters,
  type,
  isObject,
  isArrayBuffer,
  isTypedArray,
  isDataView,
  toUint8Array,
  methodPrefix,
  constructorPrefix,
  setterPrefix,
  getterPrefix,
  arg,
  makeException,
  typeError,
  notOfType,
  requiredArguments,
  illegalConstructor,
  illegalInvocation,
  assertBranded,
  brandCheck: assertBranded,
  createEnumConverter,
  createNullableConverter,
  createSequenceConverter,
  createRecordConverter,
  createDictionaryConverter,
  createInterfaceConverter,
  createIntegerConverter,
  configureInterface,
  mixinPairIterable,
  IteratorPrototype,
};
internals.webidl = webidl;

// ---------------------------------------------------------------------------------------
// DOMException — https://webidl.spec.whatwg.org/#idl-DOMException

// https://webidl.spec.whatwg.org/#dfn-error-names-table
const nameToCode = {
  __proto__: null,
  IndexSizeError: 1,
  HierarchyRequestError: 3,
  WrongDocumentError: 4,
  InvalidCharacterError: 5,
  NoModificationAllowedError: 7,
  NotFoundError: 8,
  NotSupportedError: 9,
  InUseAttributeError: 10,
  InvalidStateError: 11,
  SyntaxError: 12,
  InvalidModificationError: 13,
  NamespaceError: 14,
  InvalidAccessError: 15,
  TypeMismatchError: 17,
  SecurityError: 18,
  NetworkError: 19,
  AbortError: 20,
  URLMismatchError: 21,
  QuotaExceededError: 22,
  TimeoutError: 23,
  InvalidNodeTypeError: 24,
  DataCloneError: 25,
};

// The legacy code constants, on both the interface object and its prototype.
const legacyCodes = [
  ["INDEX_SIZE_ERR", 1], ["DOMSTRING_SIZE_ERR", 2], ["HIERARCHY_REQUEST_ERR", 3],
  ["WRONG_DOCUMENT_ERR", 4], ["INVALID_CHARACTER_ERR", 5], ["NO_DATA_ALLOWED_ERR", 6],
  ["NO_MODIFICATION_ALLOWED_ERR", 7], ["NOT_FOUND_ERR", 8], ["NOT_SUPPORTED_ERR", 9],
  ["INUSE_ATTRIBUTE_ERR", 10], ["INVALID_STATE_ERR", 11], ["SYNTAX_ERR", 12],
  ["INVALID_MODIFICATION_ERR", 13], ["NAMESPACE_ERR", 14], ["INVALID_ACCESS_ERR", 15],
  ["VALIDATION_ERR", 16], ["TYPE_MISMATCH_ERR", 17], ["SECURITY_ERR", 18],
  ["NETWORK_ERR", 19], ["ABORT_ERR", 20], ["URL_MISMATCH_ERR", 21],
  ["QUOTA_EXCEEDED_ERR", 22], ["TIMEOUT_ERR", 23], ["INVALID_NODE_TYPE_ERR", 24],
  ["DATA_CLONE_ERR", 25],
];

let isDOMException;

class DOMException {
  #message;
  #name;
  #code;

  // constructor(optional DOMString message = "", optional DOMString name = "Error")
  constructor(message = undefined, name = undefined) {
    const prefix = "Failed to construct 'DOMException'";
    this.#message = message === undefined ? "" : toDOMString(message, prefix, arg(0));
    this.#name = name === undefined ? "Error" : toDOMString(name, prefix, arg(1));
    this.#code = nameToCode[this.#name] ?? 0;
    // An own `stack`, headed "<name>: <message>" like any Error's.
    ErrorCaptureStackTrace(this, DOMException);
  }

  get message() {
    if (!(#message in this)) illegalInvocation();
    return this.#message;
  }

  get name() {
    if (!(#name in this)) illegalInvocation();
    return this.#name;
  }

  get code() {
    if (!(#code in this)) illegalInvocation();
    return this.#code;
  }

  static {
    isDOMException = (V) => isObject(V) && #name in V;
  }
}

ObjectSetPrototypeOf(DOMException.prototype, Error.prototype);
configureInterface(DOMException);
for (let i = 0; i < legacyCodes.length; i++) {
  const { 0: key, 1: value } = legacyCodes[i];
  const desc = { value, writable: false, enumerable: true, configurable: false };
  ObjectDefineProperty(DOMException, key, desc);
  ObjectDefineProperty(DOMException.prototype, key, desc);
}

internals.DOMException = DOMException;
internals.isDOMException = isDOMException;
/** new DOMException(message, name), immune to a worker replacing globalThis.DOMException. */
internals.domException = (message, name) => new DOMException(message, name);
internals.defineGlobal("DOMException", DOMException);

ObjectFreeze(webidl);
