// Builtins captured before any worker code runs ("primordials"), so a worker that
// replaces Array.prototype.push, JSON.parse or Promise.prototype.then can neither break
// nor subvert the runtime. Methods are uncurried: ArrayPrototypePush(arr, x).

const uncurryThis = (fn) => Function.prototype.call.bind(fn);
const primordials = Object.create(null);

function copyStatics(prefix, source) {
  for (const key of Reflect.ownKeys(source)) {
    if (typeof key !== "string") continue;
    const desc = Reflect.getOwnPropertyDescriptor(source, key);
    if (desc && "value" in desc) {
      primordials[prefix + key[0].toUpperCase() + key.slice(1)] = desc.value;
    }
  }
}

function copyPrototype(prefix, proto) {
  for (const key of Reflect.ownKeys(proto)) {
    if (typeof key !== "string" || key === "constructor") continue;
    const desc = Reflect.getOwnPropertyDescriptor(proto, key);
    const name = prefix + "Prototype" + key[0].toUpperCase() + key.slice(1);
    if (desc && typeof desc.value === "function") {
      primordials[name] = uncurryThis(desc.value);
    } else if (desc && typeof desc.get === "function") {
      primordials[name + "Getter"] = uncurryThis(desc.get);
    }
  }
}

const globals = {
  Array, ArrayBuffer, BigInt, Boolean, DataView, Date, Error, EvalError, Function, Map,
  Math, Number, Object, Promise, Proxy, RangeError, ReferenceError, Reflect, RegExp, Set,
  String, Symbol, SyntaxError, TypeError, URIError, WeakMap, WeakRef, WeakSet, JSON,
  Uint8Array, Uint16Array, Uint32Array, Int8Array, Int16Array, Int32Array, Float32Array,
  Float64Array, BigInt64Array, BigUint64Array, Uint8ClampedArray, FinalizationRegistry,
};
for (const [name, value] of Object.entries(globals)) {
  primordials[name] = value;
  copyStatics(name, value);
  if (typeof value === "function" && value.prototype) copyPrototype(name, value.prototype);
}
const TypedArray = Object.getPrototypeOf(Uint8Array);
primordials.TypedArray = TypedArray;
copyPrototype("TypedArray", TypedArray.prototype);
primordials.SymbolAsyncIterator = Symbol.asyncIterator;
primordials.SymbolIterator = Symbol.iterator;
primordials.SymbolToStringTag = Symbol.toStringTag;
primordials.SymbolFor = Symbol.for;
primordials.globalThis = globalThis;
primordials.uncurryThis = uncurryThis;
primordials.encodeURIComponent = encodeURIComponent;
primordials.decodeURIComponent = decodeURIComponent;
primordials.encodeURI = encodeURI;
primordials.decodeURI = decodeURI;
primordials.isNaN = isNaN;
primordials.parseInt = parseInt;
primordials.parseFloat = parseFloat;
// A resolved promise and its `then`, for scheduling microtasks (bare V8 has no queueMicrotask).
const resolvedPromise = Promise.resolve();
const promiseThen = uncurryThis(Promise.prototype.then);
primordials.queueMicrotask = (fn) => { promiseThen(resolvedPromise, fn); };
Object.freeze(primordials);
internals.primordials = primordials;

// defineGlobal(name, value): a writable, configurable, non-enumerable global, as WebIDL
// interfaces and functions are installed on the global object.
internals.defineGlobal = (name, value) => {
  Reflect.defineProperty(globalThis, name, {
    value, writable: true, configurable: true, enumerable: false,
  });
};
