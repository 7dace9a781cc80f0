// Workers RPC between isolates: service bindings to WorkerEntrypoint classes and Durable
// Object stubs. A call crosses as a host call ("service.call", "do.call" …) carrying its
// arguments in the wire form below; the callee runs it as an E_INVOKE of kind "rpc" and
// answers with the result in the same form. Errors thrown by the callee reject the caller's
// promise with the same class and message (bridge: M_FAIL -> HostError).
//
// Wire form (JSON): null, booleans, finite numbers and strings stand for themselves; every
// other value is an array whose first item names its type, so structured-clone types keep
// their identity: ["u"] undefined, ["n", "NaN"|"Infinity"|"-Infinity"|"-0"], ["b", text]
// BigInt, ["a", ...items], ["o", {key: value}], ["d", ms], ["r", source, flags],
// ["m", [k, v, ...]], ["s", [...]], ["ab", base64], ["v", type, base64] typed arrays and
// DataView, ["e", name, message, stack] errors. Functions and RpcTarget instances travel by
// reference: ["t", ref], a stub on the other side whose calls come back here (internals.rpc
// keeps them in a table until the owning invocation is over).

const {
  ArrayBuffer: ArrayBufferCtor, ArrayBufferIsView, ArrayIsArray, ArrayPrototypePush,
  DataView: DataViewCtor, Date: DateCtor, DatePrototypeGetTime, Error: ErrorCtor,
  Map: MapCtor, MapPrototypeGet, MapPrototypeSet, MapPrototypeDelete, MapPrototypeForEach,
  NumberIsFinite, NumberIsNaN, ObjectCreate, ObjectGetPrototypeOf, ObjectKeys,
  ObjectPrototypeHasOwnProperty, Promise: PromiseCtor, PromisePrototypeThen, Proxy: ProxyCtor,
  RangeError: RangeErrorCtor, ReflectApply, RegExp: RegExpCtor, RegExpPrototypeFlagsGetter,
  RegExpPrototypeSourceGetter, Set: SetCtor, SetPrototypeAdd, SetPrototypeForEach,
  String: StringCtor, SyntaxError: SyntaxErrorCtor, TypeError: TypeErrorCtor,
  TypedArray, ObjectGetOwnPropertyDescriptor, SymbolToStringTag, uncurryThis,
  Uint8Array: U8, BigInt: BigIntCtor,
  ReferenceError: ReferenceErrorCtor, EvalError: EvalErrorCtor, URIError: URIErrorCtor,
} = internals.primordials;

const RpcTargetBase = internals.modules["cloudflare:workers"].RpcTarget;
const typedArrayTag = uncurryThis(
  ObjectGetOwnPropertyDescriptor(TypedArray.prototype, SymbolToStringTag).get);

const ERROR_TYPES = {
  __proto__: null, Error: ErrorCtor, TypeError: TypeErrorCtor, RangeError: RangeErrorCtor,
  SyntaxError: SyntaxErrorCtor, ReferenceError: ReferenceErrorCtor, EvalError: EvalErrorCtor,
  URIError: URIErrorCtor,
};
const VIEW_TYPES = {
  __proto__: null, Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array,
  Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array,
  DataView: DataViewCtor,
};

function cloneError(value) {
  return internals.domException(`${describe(value)} could not be cloned.`, "DataCloneError");
}
function describe(value) {
  if (typeof value === "function") return value.toString();
  if (typeof value === "symbol") return "Symbol()";
  return "#<" + (ObjectGetPrototypeOf(value)?.constructor?.name ?? "Object") + ">";
}

function bytesOf(view) {
  return new U8(view.buffer, view.byteOffset, view.byteLength);
}

// value -> wire form. `exportRef(value)` turns a function or RpcTarget into a reference.
function encode(value, exportRef, seen = new SetCtor()) {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") {
    if (NumberIsFinite(value) && !(value === 0 && 1 / value < 0)) return value;
    return ["n", NumberIsNaN(value) ? "NaN" : value === 0 ? "-0" : StringCtor(value)];
  }
  if (value === undefined) return ["u"];
  if (typeof value === "bigint") return ["b", StringCtor(value)];
  if (typeof value === "function") {
    if (exportRef === null) throw cloneError(value);
    return ["t", exportRef(value)];
  }
  if (typeof value !== "object") throw cloneError(value);
  if (seen.has(value)) {
    throw internals.domException("Cannot serialize a value with cycles over RPC.", "DataCloneError");
  }
  seen.add(value);
  try {
    return encodeObject(value, exportRef, seen);
  } finally {
    seen.delete(value);
  }
}

function encodeObject(value, exportRef, seen) {
  if (ArrayIsArray(value)) {
    const out = ["a"];
    for (let i = 0; i < value.length; i++) ArrayPrototypePush(out, encode(value[i], exportRef, seen));
    return out;
  }
  if (value instanceof DateCtor) return ["d", DatePrototypeGetTime(value)];
  if (value instanceof RegExpCtor) {
    return ["r", RegExpPrototypeSourceGetter(value), RegExpPrototypeFlagsGetter(value)];
  }
  if (value instanceof MapCtor) {
    const out = [];
    MapPrototypeForEach(value, (v, k) => {
      ArrayPrototypePush(out, encode(k, exportRef, seen));
      ArrayPrototypePush(out, encode(v, exportRef, seen));
    });
    return ["m", out];
  }
  if (value instanceof SetCtor) {
    const out = [];
    SetPrototypeForEach(value, (v) => ArrayPrototypePush(out, encode(v, exportRef, seen)));
    return ["s", out];
  }
  if (value instanceof ArrayBufferCtor) return ["ab", internals.base64Encode(new U8(value))];
  if (ArrayBufferIsView(value)) {
    const type = value instanceof DataViewCtor ? "DataView"
      : typedArrayTag(value);
    return ["v", type, internals.base64Encode(bytesOf(value))];
  }
  if (value instanceof ErrorCtor) {
    const name = StringCtor(value.name ?? "Error");
    return ["e", name, StringCtor(value.message ?? ""), StringCtor(value.stack ?? "")];
  }
  if (value instanceof RpcTargetBase) {
    if (exportRef === null) throw cloneError(value);
    return ["t", exportRef(value)];
  }
  if (value instanceof PromiseCtor || internals.isDOMException(value)) throw cloneError(value);
  const proto = ObjectGetPrototypeOf(value);
  if (proto !== null && proto !== internals.primordials.Object.prototype) {
    // Platform objects (Request, ReadableStream …) and class instances: not plain data.
    const name = proto.constructor?.name;
    if (name && name !== "Object") {
      throw internals.domException(
        `Could not serialize object of type "${name}". This type does not support serialization.`,
        "DataCloneError");
    }
  }
  const fields = ObjectCreate(null);
  for (const key of ObjectKeys(value)) fields[key] = encode(value[key], exportRef, seen);
  return ["o", fields];
}

// wire form -> value. `importRef(ref)` makes the stub for a reference.
function decode(wire, importRef) {
  if (wire === null || typeof wire !== "object") return wire;
  const tag = wire[0];
  switch (tag) {
    case "u": return undefined;
    case "n": return wire[1] === "-0" ? -0 : +wire[1];
    case "b": return BigIntCtor(wire[1]);
    case "a": {
      const out = [];
      for (let i = 1; i < wire.length; i++) ArrayPrototypePush(out, decode(wire[i], importRef));
      return out;
    }
    case "o": {
      const out = {};
      for (const key of ObjectKeys(wire[1])) out[key] = decode(wire[1][key], importRef);
      return out;
    }
    case "d": return new DateCtor(wire[1]);
    case "r": return new RegExpCtor(wire[1], wire[2]);
    case "m": {
      const out = new MapCtor();
      for (let i = 0; i < wire[1].length; i += 2) {
        MapPrototypeSet(out, decode(wire[1][i], importRef), decode(wire[1][i + 1], importRef));
      }
      return out;
    }
    case "s": {
      const out = new SetCtor();
      for (const item of wire[1]) SetPrototypeAdd(out, decode(item, importRef));
      return out;
    }
    case "ab": return internals.base64Decode(wire[1]).buffer;
    case "v": {
      const bytes = internals.base64Decode(wire[2]);
      const View = VIEW_TYPES[wire[1]] ?? U8;
      const size = View === DataViewCtor ? 1 : View.BYTES_PER_ELEMENT;
      return new View(bytes.buffer, 0, View === DataViewCtor ? bytes.byteLength : bytes.byteLength / size);
    }
    case "e": {
      const Ctor = ERROR_TYPES[wire[1]];
      const err = Ctor ? new Ctor(wire[2]) : new ErrorCtor(wire[2]);
      if (!Ctor) err.name = wire[1];
      if (wire[3]) err.stack = wire[3];
      return err;
    }
    case "t": return importRef(wire[1]);
    default: throw new TypeErrorCtor(`Bad RPC value tag "${tag}".`);
  }
}

// -- objects passed by reference ----------------------------------------------------
// Exported here: id -> {value, rid}. Functions and targets passed as arguments belong to
// the invocation making the call (rid) and are released when it ends; those returned as
// a result (rid 0) live until the caller disposes of its stub.
const exported = new MapCtor();
let nextExport = 1;
let isolateKey = "";
internals.setRpcIsolateKey = (key) => { isolateKey = key; };

function exportWith(rid) {
  return (value) => {
    const id = nextExport++;
    MapPrototypeSet(exported, id, { value, rid });
    return [isolateKey, id];
  };
}
function exportRef(value) { return exportWith(internals.currentRequest)(value); }
const exportKept = exportWith(0);

internals.rpcRequestDone = (rid) => {
  MapPrototypeForEach(exported, (entry, id) => {
    if (entry.rid === rid) MapPrototypeDelete(exported, id);
  });
};

// A stub for a remote object: every property is a method call through `callOp`.
function importRef(ref) {
  return makeStub((method, args) => internals.host.call("rpc.callRef", {
    ref, method, args: encode(args, exportRef),
  }), () => { internals.host.call("rpc.releaseRef", { ref }); });
}

// A stub: `stub.method(...args)` calls `send(method, args)` (a Promise of [wire]);
// a function stub is called directly (method null). Disposing releases it.
function makeStub(send, release, callable = true) {
  const call = (method, args) => rpcPromise(PromisePrototypeThen(send(method, args),
    (result) => decode(result[0], importRef)));
  const target = callable ? function stub(...args) { return call(null, args); } : ObjectCreate(null);
  return new ProxyCtor(target, {
    get(_t, prop) {
      if (prop === SymbolDispose) return () => release();
      if (typeof prop === "symbol" || prop === "then") return undefined;
      if (prop === "dup") return () => makeStub(send, release, callable);
      return (...args) => call(prop, args);
    },
    apply(_t, _this, args) { return call(null, args); },
  });
}

const SymbolDispose = internals.primordials.globalThis.Symbol?.dispose ?? internals.primordials.SymbolFor("dispose");

// The promise of an RPC result, with promise pipelining: `stub.a().b()` calls b on what a
// resolves to without a separate await, and `await stub.a().prop` reads a property.
function rpcPromise(promise) {
  return new ProxyCtor(promise, {
    get(target, prop) {
      if (prop === "then" || prop === "catch" || prop === "finally") {
        const method = target[prop];
        return (...args) => ReflectApply(method, target, args);
      }
      if (typeof prop === "symbol") return undefined;
      const property = PromisePrototypeThen(target, (value) => value?.[prop]);
      const pipelined = (...args) => rpcPromise(PromisePrototypeThen(target, (value) => {
        const fn = value?.[prop];
        if (typeof fn !== "function") throw new TypeErrorCtor(`"${StringCtor(prop)}" is not a function.`);
        return ReflectApply(fn, value, args);
      }));
      pipelined.then = (onFulfilled, onRejected) => PromisePrototypeThen(property, onFulfilled, onRejected);
      return pipelined;
    },
  });
}

// Methods a caller may reach on a receiver: its class's own methods (not Object's, not
// the constructor, not the entrypoint base class's).
const FORBIDDEN = { __proto__: null, constructor: true, fetch: false };
function methodOf(receiver, name, base) {
  if (typeof name !== "string" || FORBIDDEN[name] === true || name.startsWith("#")) return null;
  let proto = ObjectGetPrototypeOf(receiver);
  while (proto !== null && proto !== base.prototype && proto !== internals.primordials.Object.prototype) {
    if (ObjectPrototypeHasOwnProperty(proto, name)) {
      const fn = proto[name];
      return typeof fn === "function" ? fn : null;
    }
    proto = ObjectGetPrototypeOf(proto);
  }
  if (ObjectPrototypeHasOwnProperty(receiver, name) && typeof receiver[name] === "function") {
    return receiver[name];
  }
  return null;
}

function noSuchMethod(name) {
  return new TypeErrorCtor(`The RPC receiver does not implement the method "${name}".`);
}

// Call `name` on `receiver` with wire-form args; the result in wire form.
function callOn(receiver, name, wireArgs, base) {
  const args = decode(wireArgs, importRef);
  let result;
  if (name === null) {
    if (typeof receiver !== "function") throw new TypeErrorCtor("RPC stub is not a function.");
    result = ReflectApply(receiver, undefined, args);
  } else {
    const fn = methodOf(receiver, name, base);
    if (fn === null) throw noSuchMethod(name);
    result = ReflectApply(fn, receiver, args);
  }
  return PromisePrototypeThen(PromiseCtor.resolve(result), (value) => encode(value, exportKept));
}

// E_INVOKE kind "rpc": a method of a WorkerEntrypoint class (a new instance per call).
internals.invokers.rpc = (entrypoint, name, args, ctx) => {
  const Exported = internals.workerExports()?.[entrypoint];
  if (!internals.isEntrypointClass(Exported)) {
    throw new TypeErrorCtor(entrypoint === "default"
      ? "The RPC receiver's default export is not a WorkerEntrypoint class; RPC needs `export default class extends WorkerEntrypoint`."
      : `Worker has no WorkerEntrypoint class exported as "${entrypoint}".`);
  }
  const instance = new Exported(ctx, internals.workerEnv());
  return callOn(instance, name, args, internals.modules["cloudflare:workers"].WorkerEntrypoint);
};

// E_INVOKE kind "ref": a call on an object this isolate exported by reference.
internals.invokers.ref = (_entrypoint, name, args) => {
  const entry = MapPrototypeGet(exported, args.id);
  if (entry === undefined) {
    throw new ErrorCtor("RPC stub used after being disposed or after its call ended.");
  }
  return callOn(entry.value, name, args.args, RpcTargetBase);
};
internals.invokers.releaseRef = (_entrypoint, _name, args) => {
  MapPrototypeDelete(exported, args.id);
  return null;
};

internals.rpc = { encode, decode, exportRef, importRef, makeStub, rpcPromise, callOn };
