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

// Lazy runtime files (see runtime/__init__.py, LAZY_FILES): a file's body runs on the first
// read of any global or internals entry it defines, so an isolate that never touches it
// does not hold its classes and closures. Until then each such global is an accessor
// (writable, configurable, non-enumerable in effect: assigning or deleting it works as on
// the data property it stands for), and each internals entry a getter. The body then
// defines them as an eager file would, in place. A global the worker replaced or deleted
// before first use stays as the worker left it. Loads can happen while worker code runs,
// so this code only uses primordials.
const {
  Map: MapCtor, MapPrototypeGet, MapPrototypeSet, Set: SetCtor, SetPrototypeAdd,
  SetPrototypeDelete, SetPrototypeHas, ReflectDefineProperty, ReflectGetOwnPropertyDescriptor,
} = primordials;
// Every value defineGlobal was given, by name: what the runtime installed, whatever the
// worker did to the globals since (e.g. structuredClone's platform objects).
const definedGlobals = new MapCtor();
const notInstalled = new MapCtor(); // global -> value that could not be installed (frozen)
const keepAsIs = new SetCtor(); // globals the worker replaced before their file ran
const lazyModules = Object.create(null); // file -> "pending" | "loading" | "loaded"
internals.definedGlobals = definedGlobals;
internals.lazyModules = lazyModules;

// defineGlobal(name, value): a writable, configurable, non-enumerable global, as WebIDL
// interfaces and functions are installed on the global object.
internals.defineGlobal = (name, value) => {
  MapPrototypeSet(definedGlobals, name, value);
  if (SetPrototypeDelete(keepAsIs, name)) return;
  const installed = ReflectDefineProperty(globalThis, name, {
    value, writable: true, configurable: true, enumerable: false,
  });
  if (!installed) MapPrototypeSet(notInstalled, name, value);
};

internals.lazyModule = (file, body, globalNames, internalNames) => {
  lazyModules[file] = "pending";
  const getters = new SetCtor();
  function load() {
    if (lazyModules[file] !== "pending") return;
    lazyModules[file] = "loading";
    for (let i = 0; i < globalNames.length; i++) {
      const desc = ReflectGetOwnPropertyDescriptor(globalThis, globalNames[i]);
      if (desc === undefined || !SetPrototypeHas(getters, desc.get)) {
        SetPrototypeAdd(keepAsIs, globalNames[i]);
      }
    }
    try {
      body(internals);
    } finally {
      lazyModules[file] = "loaded";
      for (let i = 0; i < globalNames.length; i++) SetPrototypeDelete(keepAsIs, globalNames[i]);
    }
  }
  const stub = (target, name, enumerable) => {
    const get = function () {
      if (lazyModules[file] === "loading") return undefined; // read before its definition
      load();
      const desc = ReflectGetOwnPropertyDescriptor(target, name);
      if (desc !== undefined && "value" in desc) return desc.value;
      return target === globalThis ? MapPrototypeGet(notInstalled, name) : undefined;
    };
    const set = function (value) {
      ReflectDefineProperty(target, name, { value, writable: true, configurable: true, enumerable });
    };
    SetPrototypeAdd(getters, get);
    ReflectDefineProperty(target, name, { get, set, configurable: true, enumerable });
  };
  for (let i = 0; i < globalNames.length; i++) stub(globalThis, globalNames[i], false);
  for (let i = 0; i < internalNames.length; i++) stub(internals, internalNames[i], true);
};

// lazyProperty(target, name, make): a writable, configurable, non-enumerable property whose
// value `make()` creates on first read (then a data property like any other).
internals.lazyProperty = (target, name, make) => {
  const define = (value) => {
    ReflectDefineProperty(target, name, { value, writable: true, configurable: true, enumerable: false });
  };
  ReflectDefineProperty(target, name, {
    get() {
      const value = make();
      define(value);
      return value;
    },
    set: define,
    configurable: true,
    enumerable: false,
  });
};
