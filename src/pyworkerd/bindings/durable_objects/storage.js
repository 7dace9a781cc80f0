// ctx.storage of a Durable Object (workerd's DurableObjectStorage over its actor cache),
// created by facade.js through internals.doStorage:
//   create({ns, id, sqlite?}, {opStarted, opFinished, onBroken?, canSetAlarm?}) -> storage
//   sync(storage) -> Promise: every confirmed write made so far is durable (output gate).
//
// Every operation of one JS turn is queued and sent in ONE host call ("do.storage.batch",
// storage.py) by a microtask: storage.py runs the items in order in one SQLite
// transaction, so writes made without `await` coalesce atomically and a get after a put
// sees the put. One batch is in flight at a time; what is queued meanwhile goes next.
// hooks.opStarted/opFinished bracket each host call (the input gate) and a transaction.
//
// SQL: on the platform `sql.exec()` runs synchronously. Here JS cannot wait for Python,
// so a statement is queued like any other operation and its cursor fills in when the
// batch returns: `await sql.exec(q)` gives a cursor with the platform's synchronous API
// (toArray, one, raw, next, iteration, columnNames, rowsRead, rowsWritten), and
// `await sql.exec(q).toArray()` / `.one()` / `for await` work directly. Using the rows
// before they arrive throws NOT_READY. A statement that fails rejects its cursor (and is
// reported if nobody looks at it). transactionSync(fn) groups the statements fn queued
// into one savepoint: undone together if fn throws or one of them fails.
//
// Values are stored in a tagged JSON form (encode/decode below) after a structuredClone,
// so they keep what V8's serializer keeps: cycles, shared references, Date, RegExp, Map,
// Set, BigInt, typed arrays, errors, wrappers, Blob/File.

(() => {
  const {
    Array: ArrayCtor, ArrayBuffer: ArrayBufferCtor, ArrayBufferIsView,
    ArrayBufferPrototypeByteLengthGetter, StringPrototypeSlice, ArrayIsArray, ArrayPrototypePush,
    ArrayPrototypeSlice, ArrayPrototypeSort, ArrayPrototypeSplice, DataView: DataViewCtor,
    DataViewPrototypeBufferGetter, DataViewPrototypeByteLengthGetter,
    DataViewPrototypeByteOffsetGetter, Date: DateCtor, DateNow, DatePrototypeGetTime,
    Error: ErrorCtor, JSONParse, JSONStringify, Map: MapCtor, MapPrototypeDelete,
    MapPrototypeForEach, MapPrototypeGet, MapPrototypeHas, MapPrototypeSet, MathFloor,
    MathMax, MathTrunc, NumberIsFinite, NumberIsNaN, Object: ObjectCtor, ObjectCreate,
    ObjectDefineProperty, ObjectGetOwnPropertyDescriptor, ObjectKeys,
    ObjectPrototypeToString, Promise: PromiseCtor,
    PromisePrototypeThen, RangeError: RangeErrorCtor, RegExp: RegExpCtor,
    RegExpPrototypeFlagsGetter, RegExpPrototypeSourceGetter, RegExpPrototypeTest,
    Set: SetCtor, SetPrototypeAdd, SetPrototypeForEach, String: StringCtor,
    StringPrototypeCodePointAt, SymbolAsyncIterator, SymbolIterator, SymbolToStringTag,
    TypeError: TypeErrorCtor, TypedArray, TypedArrayPrototypeBufferGetter,
    TypedArrayPrototypeByteLengthGetter, TypedArrayPrototypeByteOffsetGetter,
    TypedArrayPrototypeLengthGetter, Uint8Array: U8, WeakMap: WeakMapCtor, WeakMapPrototypeGet,
    WeakMapPrototypeSet, BigInt: BigIntCtor, BooleanPrototypeValueOf, NumberPrototypeValueOf,
    StringPrototypeValueOf, BigIntPrototypeValueOf, uncurryThis, globalThis: realGlobal,
    queueMicrotask,
  } = internals.primordials;

  // -- limits and messages (workerd: io/actor-storage.c++, api/actor-state.c++, api/sql.c++)
  const MAX_KEYS = 128;
  const MAX_KEY_SIZE = 2048;
  const MAX_VALUE_SIZE = 128 * 1024;
  const ENFORCED_MAX_VALUE_SIZE = MAX_VALUE_SIZE + 34; // V8's tags: workerd's cushion
  const SQL_DISABLED = "SQL is not enabled for this Durable Object class. To enable it, " +
    "change `new_classes` to `new_sqlite_classes` within the 'migrations' field in your " +
    "wrangler.jsonc or wrangler.toml file. If using workerd directly,set `enableSql = true` " +
    "in your workerd config for the class. Note that this change cannot be made after the " +
    "class is already deployed to production.";
  const NOT_READY = "This SQL cursor's rows have not arrived yet: pyworkerd runs SQL " +
    "asynchronously, so await the cursor first (`const cursor = await sql.exec(...)`) or " +
    "await `sql.exec(...).toArray()` / `.one()`.";
  const NO_ALARM_HANDLER = "Your Durable Object class must have an alarm() handler in order to call setAlarm()";
  const PUT_SHAPE = "put() may only be called with a single key-value pair and optional " +
    "options as put(key, value, options) or with multiple key-value pairs and optional " +
    "options as put(entries, options)";

  const typedArrayTag = uncurryThis(
    ObjectGetOwnPropertyDescriptor(TypedArray.prototype, SymbolToStringTag).get);
  const VIEWS = {
    __proto__: null, Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array,
    Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array,
  };
  if (typeof realGlobal.Float16Array === "function") VIEWS.Float16Array = realGlobal.Float16Array;
  const ERRORS = {
    __proto__: null, Error: ErrorCtor, EvalError, RangeError: RangeErrorCtor, ReferenceError,
    SyntaxError, TypeError: TypeErrorCtor, URIError,
  };
  const TWO_BYTE = /[^\x00-\xff]/;

  function rejected(err) { return new PromiseCtor((_resolve, reject) => reject(err)); }
  function resolved(value) { return new PromiseCtor((resolve) => resolve(value)); }
  function quiet(promise) { PromisePrototypeThen(promise, undefined, () => {}); return promise; }
  // An async method's errors reject its promise (jsg turns a throw into a rejection).
  function attempt(fn) {
    try { return fn(); } catch (err) { return rejected(err); }
  }

  // -- values ---------------------------------------------------------------------------
  // Wire form (JSON): null, booleans, strings and finite numbers stand for themselves;
  // everything else is an array naming its type. Objects get an index in the order they
  // are first written (["@", index] refers back), so cycles and shared references survive.
  function encode(value) {
    const state = { seen: new MapCtor(), next: 0, size: 0 };
    const wire = encodeValue(value, state);
    return [JSONStringify(wire), state.size];
  }

  function encodeValue(value, state) {
    switch (typeof value) {
      case "string":
        state.size += 2 + value.length * (RegExpPrototypeTest(TWO_BYTE, value) ? 2 : 1);
        return value;
      case "boolean": state.size += 1; return value;
      case "number":
        state.size += 9;
        if (NumberIsFinite(value) && !(value === 0 && 1 / value < 0)) return value;
        return ["n", NumberIsNaN(value) ? "NaN" : value === 0 ? "-0" : StringCtor(value)];
      case "bigint": state.size += 9; return ["i", StringCtor(value)];
      case "undefined": state.size += 1; return ["u"];
      default: break;
    }
    if (value === null) { state.size += 1; return null; }
    const ref = MapPrototypeGet(state.seen, value);
    if (ref !== undefined) { state.size += 2; return ["@", ref]; }
    MapPrototypeSet(state.seen, value, state.next++);
    state.size += 2;
    return encodeObject(value, state);
  }

  function pairs(object, state) {
    const out = [];
    const keys = ObjectKeys(object);
    for (let i = 0; i < keys.length; i++) {
      ArrayPrototypePush(out, encodeValue(keys[i], state), encodeValue(object[keys[i]], state));
    }
    return out;
  }

  function bytesOf(buffer, offset, length) {
    return internals.base64Encode(new U8(buffer, offset, length));
  }
  function viewBytes(view) {
    if (typedArrayTag(view) === undefined) {
      return new U8(DataViewPrototypeBufferGetter(view), DataViewPrototypeByteOffsetGetter(view),
        DataViewPrototypeByteLengthGetter(view));
    }
    return new U8(TypedArrayPrototypeBufferGetter(view), TypedArrayPrototypeByteOffsetGetter(view),
      TypedArrayPrototypeByteLengthGetter(view));
  }

  // `value` is a structuredClone's output: only the types it produces appear here.
  function encodeObject(value, state) {
    const blob = internals.blob;
    if (blob && blob.isBlob(value)) {
      const view = blob.view(value);
      state.size += TypedArrayPrototypeByteLengthGetter(view);
      return blob.isFile(value)
        ? ["file", internals.base64Encode(view), blob.type(value), blob.name(value), blob.lastModified(value)]
        : ["blob", internals.base64Encode(view), blob.type(value)];
    }
    if (internals.isDOMException(value)) return ["x", StringCtor(value.message), StringCtor(value.name)];
    if (ArrayIsArray(value)) return ["a", value.length, pairs(value, state)];
    if (ArrayBufferIsView(value)) {
      const tag = typedArrayTag(value);
      if (tag === undefined) {
        return ["v", "DataView", encodeValue(DataViewPrototypeBufferGetter(value), state),
          DataViewPrototypeByteOffsetGetter(value), DataViewPrototypeByteLengthGetter(value)];
      }
      return ["v", tag, encodeValue(TypedArrayPrototypeBufferGetter(value), state),
        TypedArrayPrototypeByteOffsetGetter(value), TypedArrayPrototypeLengthGetter(value)];
    }
    switch (ObjectPrototypeToString(value)) {
      case "[object ArrayBuffer]": {
        const length = ArrayBufferPrototypeByteLengthGetter(value);
        state.size += length;
        return ["ab", bytesOf(value, 0, length)];
      }
      case "[object Date]": state.size += 8; return ["d", DatePrototypeGetTime(value)];
      case "[object RegExp]":
        return ["r", RegExpPrototypeSourceGetter(value), RegExpPrototypeFlagsGetter(value)];
      case "[object Map]": {
        const out = [];
        MapPrototypeForEach(value, (v, k) => {
          ArrayPrototypePush(out, encodeValue(k, state), encodeValue(v, state));
        });
        return ["m", out];
      }
      case "[object Set]": {
        const out = [];
        SetPrototypeForEach(value, (v) => { ArrayPrototypePush(out, encodeValue(v, state)); });
        return ["s", out];
      }
      case "[object Boolean]": return ["w", "boolean", BooleanPrototypeValueOf(value)];
      case "[object Number]": return ["w", "number", encodeValue(NumberPrototypeValueOf(value), state)];
      case "[object String]": return ["w", "string", encodeValue(StringPrototypeValueOf(value), state)];
      case "[object BigInt]": return ["w", "bigint", StringCtor(BigIntPrototypeValueOf(value))];
      case "[object Error]": {
        const message = ObjectGetOwnPropertyDescriptor(value, "message");
        const stack = ObjectGetOwnPropertyDescriptor(value, "stack");
        const cause = ObjectGetOwnPropertyDescriptor(value, "cause");
        return ["e", StringCtor(value.name),
          message && "value" in message ? encodeValue(StringCtor(message.value), state) : null,
          stack && typeof stack.value === "string" ? stack.value : null,
          cause && "value" in cause ? [encodeValue(cause.value, state)] : null];
      }
      default: return ["o", pairs(value, state)];
    }
  }

  function decode(text) {
    return decodeValue(JSONParse(text), []);
  }

  function keep(refs, value) { ArrayPrototypePush(refs, value); return value; }

  function fill(target, wire, refs) {
    for (let i = 0; i < wire.length; i += 2) target[decodeValue(wire[i], refs)] = decodeValue(wire[i + 1], refs);
    return target;
  }

  function decodeValue(wire, refs) {
    if (wire === null || typeof wire !== "object") return wire;
    switch (wire[0]) {
      case "u": return undefined;
      case "n": return wire[1] === "-0" ? -0 : +wire[1];
      case "i": return BigIntCtor(wire[1]);
      case "@": return refs[wire[1]];
      case "o": return fill(keep(refs, {}), wire[1], refs);
      case "a": return fill(keep(refs, new ArrayCtor(wire[1])), wire[2], refs);
      case "d": return keep(refs, new DateCtor(wire[1]));
      case "r": return keep(refs, new RegExpCtor(wire[1], wire[2]));
      case "m": {
        const out = keep(refs, new MapCtor());
        for (let i = 0; i < wire[1].length; i += 2) {
          MapPrototypeSet(out, decodeValue(wire[1][i], refs), decodeValue(wire[1][i + 1], refs));
        }
        return out;
      }
      case "s": {
        const out = keep(refs, new SetCtor());
        for (let i = 0; i < wire[1].length; i++) SetPrototypeAdd(out, decodeValue(wire[1][i], refs));
        return out;
      }
      case "ab": return keep(refs, internals.base64Decode(wire[1]).buffer);
      case "v": {
        const slot = refs.length;
        ArrayPrototypePush(refs, undefined);
        const buffer = decodeValue(wire[2], refs);
        const View = wire[1] === "DataView" ? DataViewCtor : (VIEWS[wire[1]] ?? U8);
        return (refs[slot] = new View(buffer, wire[3], wire[4]));
      }
      case "w": {
        const slot = refs.length;
        ArrayPrototypePush(refs, undefined);
        const inner = wire[1] === "bigint" ? BigIntCtor(wire[2]) : decodeValue(wire[2], refs);
        return (refs[slot] = ObjectCtor(inner));
      }
      case "e": {
        const err = keep(refs, new (ERRORS[wire[1]] ?? ErrorCtor)());
        if (wire[2] === null) delete err.message;
        else ObjectDefineProperty(err, "message", { value: decodeValue(wire[2], refs), writable: true, configurable: true });
        if (wire[3] === null) delete err.stack;
        else ObjectDefineProperty(err, "stack", { value: wire[3], writable: true, configurable: true });
        if (wire[4] !== null) {
          ObjectDefineProperty(err, "cause", { value: decodeValue(wire[4][0], refs), writable: true, configurable: true });
        }
        return err;
      }
      case "x": return keep(refs, new internals.DOMException(wire[1], wire[2]));
      case "blob": return keep(refs, internals.blob.create(internals.base64Decode(wire[1]), wire[2]));
      case "file":
        return keep(refs, internals.blob.createFile(internals.base64Decode(wire[1]), wire[3], wire[2], wire[4]));
      default: throw new TypeErrorCtor(`Bad stored value tag "${wire[0]}".`);
    }
  }

  // A value to store: cloned as V8 would (DataCloneError for what cannot be), then encoded.
  function serialize(st, value) {
    const simple = value === null || typeof value === "string" || typeof value === "number" ||
      typeof value === "boolean";
    const [text, size] = encode(simple ? value : internals.structuredClone(value));
    if (st.limits && size > ENFORCED_MAX_VALUE_SIZE) {
      throw new RangeErrorCtor(`Values cannot be larger than ${MAX_VALUE_SIZE} bytes. ` +
        `A value of size ${size} was provided.`);
    }
    return text;
  }

  // -- keys and options -----------------------------------------------------------------
  function checkKey(st, key) {
    if (!st.limits) return key;
    const size = internals.utf8Length(key);
    if (size > MAX_KEY_SIZE) {
      throw new RangeErrorCtor(`Keys cannot be larger than ${MAX_KEY_SIZE} bytes. ` +
        `A key of size ${size} was provided.`);
    }
    return key;
  }
  function checkCount(st, count) {
    if (st.limits && count > MAX_KEYS) {
      throw new RangeErrorCtor(`Maximum number of key value pairs is ${MAX_KEYS}. ${count} pairs were provided.`);
    }
  }
  // jsg's OneOf<String, Array<String>>: one key, or many.
  function keysArg(st, method, keys) {
    if (ArrayIsArray(keys)) {
      const out = [];
      for (let i = 0; i < keys.length; i++) ArrayPrototypePush(out, checkKey(st, StringCtor(keys[i])));
      return out;
    }
    if (keys === undefined || keys === null || typeof keys === "symbol") {
      throw new TypeErrorCtor(`Failed to execute '${method}' on 'DurableObjectStorage': ` +
        "parameter 1 is not of type 'string or Array'.");
    }
    return checkKey(st, StringCtor(keys));
  }
  function optionalString(value) { return value === undefined ? null : StringCtor(value); }
  function listArgs(options) {
    const o = options ?? {};
    const start = optionalString(o.start), startAfter = optionalString(o.startAfter);
    if (start !== null && startAfter !== null) {
      throw new TypeErrorCtor("list() cannot be called with both start and startAfter values.");
    }
    let limit = null;
    if (o.limit !== undefined) {
      const number = +o.limit;
      limit = NumberIsFinite(number) ? MathTrunc(number) : 0;
      if (!(limit > 0)) throw new TypeErrorCtor("List limit must be positive.");
    }
    return { start, startAfter, end: optionalString(o.end), prefix: optionalString(o.prefix),
      reverse: !!o.reverse, limit };
  }
  // put(key, value, options) or put(entries, options): [[key, text], ...].
  function putArgs(st, keyOrEntries, value) {
    if (keyOrEntries !== null && typeof keyOrEntries === "object") {
      if (value !== undefined && (value === null || typeof value !== "object")) {
        throw new TypeErrorCtor(PUT_SHAPE);
      }
      const keys = ObjectKeys(keyOrEntries);
      const out = [];
      for (let i = 0; i < keys.length; i++) {
        const v = keyOrEntries[keys[i]];
        if (v === undefined) continue; // workerd drops them silently
        ArrayPrototypePush(out, [checkKey(st, keys[i]), serialize(st, v)]);
      }
      checkCount(st, out.length);
      return out;
    }
    if (value === undefined) throw new TypeErrorCtor("put() called with undefined value.");
    const key = checkKey(st, StringCtor(keyOrEntries));
    return [[key, serialize(st, value)]];
  }
  function alarmTime(scheduledTime) {
    let ms;
    if (scheduledTime instanceof DateCtor) ms = DatePrototypeGetTime(scheduledTime);
    else if (typeof scheduledTime === "number") ms = scheduledTime;
    else {
      throw new TypeErrorCtor("Failed to execute 'setAlarm' on 'DurableObjectStorage': " +
        "parameter 1 is not of type 'date'.");
    }
    if (!(ms > 0)) throw new TypeErrorCtor("setAlarm() cannot be called with an alarm time <= 0");
    // A time in the past means now (workerd), in whole milliseconds.
    return MathMax(MathFloor(ms), DateNow());
  }

  // Keys in storage order: UTF-8 bytes, i.e. code points (not UTF-16 units).
  function compareKeys(a, b) {
    const n = a.length < b.length ? a.length : b.length;
    for (let i = 0; i < n; i++) {
      const x = StringPrototypeCodePointAt(a, i), y = StringPrototypeCodePointAt(b, i);
      if (x !== y) return x < y ? -1 : 1;
      if (x > 0xffff) i++;
    }
    return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
  }
  function inRange(key, r) {
    if (r.start !== null && compareKeys(key, r.start) < 0) return false;
    if (r.startAfter !== null && compareKeys(key, r.startAfter) <= 0) return false;
    if (r.end !== null && compareKeys(key, r.end) >= 0) return false;
    if (r.prefix !== null && StringPrototypeSlice(key, 0, r.prefix.length) !== r.prefix) return false;
    return true;
  }
  function entriesToMap(entries) {
    const map = new MapCtor();
    for (let i = 0; i < entries.length; i++) MapPrototypeSet(map, entries[i][0], decode(entries[i][1]));
    return map;
  }

  // -- the queue ------------------------------------------------------------------------
  // state: {ns, id, sqlite, limits, hooks, queue: [item], inflight, broken, size,
  //         forming: batch|null, lastWrite, lastConfirmed: Promise}
  // item: {op, resolve, reject, gate}; a batch: {promise, resolve, reject}.
  const states = new WeakMapCtor();
  function stateOf(self) {
    const st = self !== null && typeof self === "object" ? WeakMapPrototypeGet(states, self) : undefined;
    if (st === undefined) throw new TypeErrorCtor("Illegal invocation");
    return st;
  }

  function newBatch() {
    const batch = {};
    batch.promise = quiet(new PromiseCtor((resolve, reject) => { batch.resolve = resolve; batch.reject = reject; }));
    return batch;
  }

  // Queue one operation; its promise settles with the item's result. `kind` is "read",
  // "write" or "unconfirmed" (a write the output gate need not wait for).
  function enqueue(st, op, kind = "read", options = undefined) {
    if (st.broken !== null) return rejected(st.broken);
    let item;
    const promise = new PromiseCtor((resolve, reject) => {
      item = { op, resolve, reject, gate: !(options && options.allowConcurrency) };
    });
    ArrayPrototypePush(st.queue, item);
    if (st.forming === null) {
      st.forming = newBatch();
      if (st.inflight === null) queueMicrotask(() => flush(st));
    }
    // The input gate closes when the operation is made, not when its batch is sent.
    if (item.gate && !st.forming.gated) {
      st.forming.gated = true;
      st.hooks.opStarted();
    }
    if (kind !== "read") {
      st.lastWrite = st.forming.promise;
      if (kind === "write") st.lastConfirmed = st.forming.promise;
    }
    return promise;
  }

  function flush(st) {
    const items = st.queue, batch = st.forming;
    st.queue = [];
    st.forming = null;
    if (items.length === 0) { if (batch) batch.resolve(); return; }
    const gate = batch.gated === true;
    if (st.broken !== null) {
      fail(items, batch, st.broken);
      if (gate) st.hooks.opFinished();
      return;
    }
    const ops = [];
    for (let i = 0; i < items.length; i++) ArrayPrototypePush(ops, items[i].op);
    st.inflight = batch;
    const done = () => {
      if (gate) st.hooks.opFinished();
      st.inflight = null;
      if (st.forming !== null) flush(st);
    };
    let call;
    try {
      call = internals.host.call("do.storage.batch", [st.ns, st.id, ops]);
    } catch (err) {
      call = rejected(err);
    }
    PromisePrototypeThen(call, (answer) => {
      const results = answer[0][0];
      st.size = answer[0][1];
      for (let i = 0; i < items.length; i++) items[i].resolve(results[i]);
      batch.resolve();
      done();
    }, (err) => {
      breakStorage(st, err);
      fail(items, batch, err);
      done();
    });
  }
  function fail(items, batch, err) {
    for (let i = 0; i < items.length; i++) items[i].reject(err);
    if (batch) batch.reject(err);
  }
  // A failed write breaks the object, as on the platform: everything after it fails too.
  function breakStorage(st, err) {
    if (st.broken !== null) return;
    st.broken = err;
    if (typeof st.hooks.onBroken === "function") st.hooks.onBroken(err);
  }

  function waitFor(st, promise) {
    return PromisePrototypeThen(promise, () => undefined,
      (err) => { throw st.broken ?? err; });
  }

  // -- operations shared by the storage and its transactions ----------------------------
  function readGet(st, keys, options) {
    if (typeof keys === "string") {
      return PromisePrototypeThen(enqueue(st, ["get", [keys]], "read", options),
        (rows) => (rows.length === 0 ? undefined : decode(rows[0][1])));
    }
    checkCount(st, keys.length);
    return PromisePrototypeThen(enqueue(st, ["get", keys], "read", options), entriesToMap);
  }
  function readList(st, r, options) {
    return PromisePrototypeThen(
      enqueue(st, ["list", r.start, r.startAfter, r.end, r.prefix, r.reverse, r.limit], "read", options),
      entriesToMap);
  }
  function writeKind(options) { return options && options.allowUnconfirmed ? "unconfirmed" : "write"; }

  // -- DurableObjectStorage -------------------------------------------------------------
  class DurableObjectStorage {
    constructor() { throw new TypeErrorCtor("Illegal constructor"); }

    get(keys, options = undefined) {
      return attempt(() => {
        const st = stateOf(this);
        return readGet(st, keysArg(st, "get", keys), options);
      });
    }
    list(options = undefined) {
      return attempt(() => readList(stateOf(this), listArgs(options), options));
    }
    put(keyOrEntries, value = undefined, options = undefined) {
      return attempt(() => {
        const st = stateOf(this);
        const entries = putArgs(st, keyOrEntries, value);
        const opts = keyOrEntries !== null && typeof keyOrEntries === "object" ? value : options;
        return PromisePrototypeThen(enqueue(st, ["put", entries], writeKind(opts), opts), () => undefined);
      });
    }
    delete(keys, options = undefined) {
      return attempt(() => {
        const st = stateOf(this);
        const parsed = keysArg(st, "delete", keys);
        const one = typeof parsed === "string";
        return PromisePrototypeThen(
          enqueue(st, ["delete", one ? [parsed] : parsed], writeKind(options), options),
          (count) => (one ? count > 0 : count));
      });
    }
    deleteAll(options = undefined) {
      return attempt(() => PromisePrototypeThen(
        enqueue(stateOf(this), ["deleteAll"], writeKind(options), options), () => undefined));
    }
    getAlarm(options = undefined) {
      return attempt(() => enqueue(stateOf(this), ["getAlarm"], "read", options));
    }
    setAlarm(scheduledTime, options = undefined) {
      return attempt(() => {
        const st = stateOf(this);
        const when = alarmTime(scheduledTime);
        if (typeof st.hooks.canSetAlarm === "function" && !st.hooks.canSetAlarm()) {
          throw new TypeErrorCtor(NO_ALARM_HANDLER);
        }
        return PromisePrototypeThen(enqueue(st, ["setAlarm", when], writeKind(options), options), () => undefined);
      });
    }
    deleteAlarm(options = undefined) {
      return attempt(() => PromisePrototypeThen(
        enqueue(stateOf(this), ["setAlarm", null], writeKind(options), options), () => undefined));
    }
    sync() {
      return attempt(() => {
        const st = stateOf(this);
        if (st.broken !== null) return rejected(st.broken);
        return waitFor(st, st.lastWrite);
      });
    }
    transaction(closure, options = undefined) {
      return attempt(() => runTransaction(stateOf(this), closure));
    }
    // The operations `closure` queues run in one savepoint, undone together if it throws
    // (they have not left JS yet) or if one of them fails in SQLite.
    transactionSync(closure) {
      const st = stateOf(this);
      if (typeof closure !== "function") {
        throw new TypeErrorCtor("Failed to execute 'transactionSync' on 'DurableObjectStorage': " +
          "parameter 1 is not of type 'Function'.");
      }
      const mark = st.queue.length;
      let result;
      try {
        result = closure();
      } catch (err) {
        const dropped = ArrayPrototypeSplice(st.queue, mark, st.queue.length - mark);
        for (let i = 0; i < dropped.length; i++) dropped[i].reject(err);
        throw err;
      }
      const grouped = ArrayPrototypeSplice(st.queue, mark, st.queue.length - mark);
      if (grouped.length > 0) {
        const subOps = [];
        for (let i = 0; i < grouped.length; i++) ArrayPrototypePush(subOps, grouped[i].op);
        PromisePrototypeThen(enqueue(st, ["group", subOps], "write"), (results) => {
          if (!ArrayIsArray(results)) {
            const err = new ErrorCtor(results.error);
            for (let i = 0; i < grouped.length; i++) grouped[i].reject(err);
            return;
          }
          for (let i = 0; i < grouped.length; i++) grouped[i].resolve(results[i]);
        }, (err) => { for (let i = 0; i < grouped.length; i++) grouped[i].reject(err); });
      }
      return result;
    }
    get sql() {
      const st = stateOf(this);
      if (!st.sqlite) throw new ErrorCtor(SQL_DISABLED);
      if (st.sql === null) {
        st.sql = ObjectCreate(SqlStorage.prototype);
        WeakMapPrototypeSet(sqlStates, st.sql, st);
      }
      return st.sql;
    }
  }
  ObjectDefineProperty(DurableObjectStorage.prototype, SymbolToStringTag,
    { value: "DurableObjectStorage", configurable: true });

  // -- transaction(closure) -------------------------------------------------------------
  // Its writes stay in JS (`overlay`: key -> text, or DELETED) until the closure resolves;
  // then they go to storage in one batch (atomic). A throw or rollback() drops them. The
  // input gate stays closed meanwhile, as workerd runs it in blockConcurrencyWhile.
  const DELETED = ObjectCreate(null);
  const txns = new WeakMapCtor();
  function txnOf(self, op) {
    const t = self !== null && typeof self === "object" ? WeakMapPrototypeGet(txns, self) : undefined;
    if (t === undefined) throw new TypeErrorCtor("Illegal invocation");
    if (t.status === "rolledBack") throw new ErrorCtor(`Cannot ${op} on rolled back transaction`);
    if (t.status === "committed") {
      throw new ErrorCtor(`Cannot call ${op} on transaction that has already committed: ` +
        "did you move `txn` outside of the closure?");
    }
    return t;
  }

  function runTransaction(st, closure) {
    if (typeof closure !== "function") {
      throw new TypeErrorCtor("Failed to execute 'transaction' on 'DurableObjectStorage': " +
        "parameter 1 is not of type 'Function'.");
    }
    if (st.broken !== null) return rejected(st.broken);
    const txn = ObjectCreate(DurableObjectTransaction.prototype);
    const t = { st, overlay: new MapCtor(), alarm: undefined, status: "open" };
    WeakMapPrototypeSet(txns, txn, t);
    st.hooks.opStarted();
    let finished = false;
    const finish = () => { if (!finished) { finished = true; st.hooks.opFinished(); } };
    const body = PromisePrototypeThen(resolved(undefined), () => closure(txn));
    return PromisePrototypeThen(body, (value) => {
      if (t.status !== "open") { finish(); return value; }
      t.status = "committed";
      const commit = commitTransaction(t);
      finish();
      return PromisePrototypeThen(commit, () => value);
    }, (err) => {
      t.status = "rolledBack";
      finish();
      throw err;
    });
  }

  function commitTransaction(t) {
    const puts = [], deletes = [];
    MapPrototypeForEach(t.overlay, (text, key) => {
      if (text === DELETED) ArrayPrototypePush(deletes, key);
      else ArrayPrototypePush(puts, [key, text]);
    });
    const st = t.st;
    if (puts.length > 0) quiet(enqueue(st, ["put", puts], "write"));
    if (deletes.length > 0) quiet(enqueue(st, ["delete", deletes], "write"));
    if (t.alarm !== undefined) quiet(enqueue(st, ["setAlarm", t.alarm], "write"));
    // All of it is in the batch being formed: one SQLite transaction.
    return st.forming === null ? resolved(undefined) : waitFor(st, st.forming.promise);
  }

  function overlayGet(t, key) {
    const text = MapPrototypeGet(t.overlay, key);
    return text === DELETED ? undefined : decode(text);
  }

  class DurableObjectTransaction {
    constructor() { throw new TypeErrorCtor("Illegal constructor"); }

    get(keys, options = undefined) {
      return attempt(() => {
        const t = txnOf(this, "get");
        const parsed = keysArg(t.st, "get", keys);
        if (typeof parsed === "string") {
          if (MapPrototypeHas(t.overlay, parsed)) return resolved(overlayGet(t, parsed));
          return readGet(t.st, parsed, options);
        }
        checkCount(t.st, parsed.length);
        const missing = [];
        for (let i = 0; i < parsed.length; i++) {
          if (!MapPrototypeHas(t.overlay, parsed[i])) ArrayPrototypePush(missing, parsed[i]);
        }
        const fetched = missing.length > 0 ? readGet(t.st, missing, options) : resolved(new MapCtor());
        return PromisePrototypeThen(fetched, (found) => {
          for (let i = 0; i < parsed.length; i++) {
            const key = parsed[i];
            if (MapPrototypeHas(t.overlay, key) && MapPrototypeGet(t.overlay, key) !== DELETED) {
              MapPrototypeSet(found, key, overlayGet(t, key));
            }
          }
          return sortedMap(found, false);
        });
      });
    }
    list(options = undefined) {
      return attempt(() => {
        const t = txnOf(this, "list");
        const r = listArgs(options);
        let touched = 0;
        MapPrototypeForEach(t.overlay, (_text, key) => { if (inRange(key, r)) touched++; });
        const wider = r.limit === null ? r : { ...r, limit: r.limit + touched };
        return PromisePrototypeThen(readList(t.st, wider, options), (found) => {
          MapPrototypeForEach(t.overlay, (text, key) => {
            if (!inRange(key, r)) return;
            if (text === DELETED) MapPrototypeDelete(found, key);
            else MapPrototypeSet(found, key, decode(text));
          });
          return sortedMap(found, r.reverse, r.limit);
        });
      });
    }
    put(keyOrEntries, value = undefined, options = undefined) {
      return attempt(() => {
        const t = txnOf(this, "put");
        const entries = putArgs(t.st, keyOrEntries, value);
        for (let i = 0; i < entries.length; i++) MapPrototypeSet(t.overlay, entries[i][0], entries[i][1]);
        return resolved(undefined);
      });
    }
    delete(keys, options = undefined) {
      return attempt(() => {
        const t = txnOf(this, "delete");
        const parsed = keysArg(t.st, "delete", keys);
        const list = typeof parsed === "string" ? [parsed] : parsed;
        let known = 0;
        const unknown = [];
        for (let i = 0; i < list.length; i++) {
          const key = list[i];
          if (MapPrototypeHas(t.overlay, key)) {
            if (MapPrototypeGet(t.overlay, key) !== DELETED) known++;
          } else {
            ArrayPrototypePush(unknown, key);
          }
          MapPrototypeSet(t.overlay, key, DELETED);
        }
        // Whether the others existed: storage knows (it has not seen this delete yet).
        const existing = unknown.length > 0 ? enqueue(t.st, ["get", unknown], "read", options) : resolved([]);
        return PromisePrototypeThen(existing, (rows) => {
          const count = known + rows.length;
          return typeof parsed === "string" ? count > 0 : count;
        });
      });
    }
    deleteAll() {
      txnOf(this, "deleteAll");
      throw new ErrorCtor("Cannot call deleteAll() within a transaction");
    }
    getAlarm(options = undefined) {
      return attempt(() => {
        const t = txnOf(this, "getAlarm");
        return t.alarm !== undefined ? resolved(t.alarm) : enqueue(t.st, ["getAlarm"], "read", options);
      });
    }
    setAlarm(scheduledTime, options = undefined) {
      return attempt(() => {
        const t = txnOf(this, "setAlarm");
        t.alarm = alarmTime(scheduledTime);
        return resolved(undefined);
      });
    }
    deleteAlarm(options = undefined) {
      return attempt(() => {
        txnOf(this, "deleteAlarm").alarm = null;
        return resolved(undefined);
      });
    }
    rollback() {
      const t = WeakMapPrototypeGet(txns, this);
      if (t !== undefined && t.status === "rolledBack") return;
      txnOf(this, "rollback").status = "rolledBack";
    }
  }
  ObjectDefineProperty(DurableObjectTransaction.prototype, SymbolToStringTag,
    { value: "DurableObjectTransaction", configurable: true });

  function sortedMap(map, reverse, limit = null) {
    const keys = [];
    MapPrototypeForEach(map, (_v, key) => { ArrayPrototypePush(keys, key); });
    ArrayPrototypeSort(keys, reverse ? (a, b) => compareKeys(b, a) : compareKeys);
    const out = new MapCtor();
    const n = limit === null ? keys.length : MathMax(0, keys.length < limit ? keys.length : limit);
    for (let i = 0; i < n; i++) MapPrototypeSet(out, keys[i], MapPrototypeGet(map, keys[i]));
    return out;
  }

  // -- SQL --------------------------------------------------------------------------------
  const sqlStates = new WeakMapCtor();
  function sqlStateOf(self) {
    const st = self !== null && typeof self === "object" ? WeakMapPrototypeGet(sqlStates, self) : undefined;
    if (st === undefined) throw new TypeErrorCtor("Illegal invocation");
    return st;
  }

  // workerd's SqlStorage binding values: numbers, strings, ArrayBuffer(View)s and null.
  function bindValue(value) {
    if (value === null || value === undefined) return null;
    if (typeof value === "number") {
      if (NumberIsFinite(value)) return value;
      return NumberIsNaN(value) ? null : { f: value > 0 ? "Infinity" : "-Infinity" };
    }
    if (typeof value === "string") return value;
    if (typeof value === "bigint") throw new TypeErrorCtor("Cannot convert a BigInt value to a number");
    if (value instanceof ArrayBufferCtor) return { b: internals.base64Encode(new U8(value)) };
    if (ArrayBufferIsView(value)) return { b: internals.base64Encode(viewBytes(value)) };
    return StringCtor(value);
  }
  function cell(value) {
    if (value === null || typeof value !== "object") return value;
    if (value.b !== undefined) return internals.base64Decode(value.b).buffer;
    return value.f === "Infinity" ? Infinity : -Infinity;
  }

  class SqlStorage {
    constructor() { throw new TypeErrorCtor("Illegal constructor"); }
    exec(query, ...bindings) {
      const st = sqlStateOf(this);
      const binds = [];
      for (let i = 0; i < bindings.length; i++) ArrayPrototypePush(binds, bindValue(bindings[i]));
      const c = { result: null, error: null, position: 0, observed: false, promise: null };
      c.promise = quiet(PromisePrototypeThen(enqueue(st, ["sql", StringCtor(query), binds], "write"),
        (result) => {
          if (result !== null && typeof result === "object" && !ArrayIsArray(result) && "error" in result) {
            throw new ErrorCtor(result.error);
          }
          c.result = result;
        }));
      PromisePrototypeThen(c.promise, undefined, (err) => {
        c.error = err;
        // Nobody looked: on the platform exec() would have thrown. Do not lose it.
        if (!c.observed) internals.reportError(err);
      });
      return pendingCursor(c);
    }
    get databaseSize() { return sqlStateOf(this).size; }
  }
  ObjectDefineProperty(SqlStorage.prototype, SymbolToStringTag, { value: "SqlStorage", configurable: true });

  const cursors = new WeakMapCtor();
  function cursorOf(self) {
    const c = self !== null && typeof self === "object" ? WeakMapPrototypeGet(cursors, self) : undefined;
    if (c === undefined) throw new TypeErrorCtor("Illegal invocation");
    return c;
  }
  function ready(c) {
    if (c.error !== null) throw c.error;
    if (c.result === null) throw new ErrorCtor(NOT_READY);
    return c;
  }
  // `await cursor`: the same cursor, seen without `then` (so awaiting it ends).
  function loaded(c) {
    c.observed = true;
    return PromisePrototypeThen(c.promise, () => {
      const view = ObjectCreate(SqlStorageCursor.prototype);
      WeakMapPrototypeSet(cursors, view, c);
      return view;
    });
  }
  function pendingCursor(c) {
    const cursor = ObjectCreate(SqlStorageCursor.prototype);
    WeakMapPrototypeSet(cursors, cursor, c);
    ObjectDefineProperty(cursor, "then", {
      value: (onFulfilled, onRejected) => PromisePrototypeThen(loaded(c), onFulfilled, onRejected),
      configurable: true,
    });
    return cursor;
  }
  // Rows not yet consumed: objects keyed by column (a repeated name: the last wins), or
  // arrays with `raw`.
  function nextRow(c, raw) {
    const rows = c.result.rows;
    if (c.position >= rows.length) return { done: true, value: undefined };
    const row = rows[c.position++];
    if (raw) {
      const out = [];
      for (let i = 0; i < row.length; i++) ArrayPrototypePush(out, cell(row[i]));
      return { done: false, value: out };
    }
    const out = {};
    const names = c.result.columns;
    for (let i = 0; i < row.length; i++) out[names[i]] = cell(row[i]);
    return { done: false, value: out };
  }
  function rest(c, raw) {
    const out = [];
    for (let r = nextRow(c, raw); !r.done; r = nextRow(c, raw)) ArrayPrototypePush(out, r.value);
    return out;
  }
  function one(c) {
    const rows = rest(c, false);
    if (rows.length === 0) throw new ErrorCtor("Expected exactly one result from SQL query, but got no results.");
    if (rows.length > 1) throw new ErrorCtor("Expected exactly one result from SQL query, but got multiple results.");
    return rows[0];
  }
  // Before the rows arrive, toArray() and one() return promises of what they will return.
  function whenReady(c, fn) {
    if (c.result !== null || c.error !== null) return fn(ready(c));
    c.observed = true;
    return PromisePrototypeThen(c.promise, () => fn(c));
  }

  class SqlStorageCursor {
    constructor() { throw new TypeErrorCtor("Illegal constructor"); }
    next() { return nextRow(ready(cursorOf(this)), false); }
    toArray() { return whenReady(cursorOf(this), (c) => rest(c, false)); }
    one() { return whenReady(cursorOf(this), one); }
    raw() { return rawIterator(cursorOf(this)); }
    get columnNames() { return ArrayPrototypeSlice(ready(cursorOf(this)).result.columns); }
    get rowsRead() { return ready(cursorOf(this)).result.read; }
    get rowsWritten() { return ready(cursorOf(this)).result.written; }
    [SymbolIterator]() { ready(cursorOf(this)); return this; }
    [SymbolAsyncIterator]() {
      const c = cursorOf(this);
      return {
        next: () => whenReadyAsync(c, (x) => nextRow(x, false)),
        [SymbolAsyncIterator]() { return this; },
      };
    }
  }
  ObjectDefineProperty(SqlStorageCursor.prototype, SymbolToStringTag,
    { value: "SqlStorageCursor", configurable: true });
  function whenReadyAsync(c, fn) {
    c.observed = true;
    return PromisePrototypeThen(c.promise, () => fn(c));
  }

  function rawIterator(c) {
    const it = {
      next() { return nextRow(ready(c), true); },
      toArray() { return whenReady(c, (x) => rest(x, true)); },
      [SymbolIterator]() { ready(c); return it; },
      [SymbolAsyncIterator]() {
        return { next: () => whenReadyAsync(c, (x) => nextRow(x, true)), [SymbolAsyncIterator]() { return this; } };
      },
    };
    if (c.result === null && c.error === null) {
      // Awaiting a pending raw() gives it back without `then`.
      ObjectDefineProperty(it, "then", {
        value: (onFulfilled, onRejected) => PromisePrototypeThen(
          PromisePrototypeThen(loaded(c), () => rawIterator(c)), onFulfilled, onRejected),
        configurable: true,
      });
    }
    return it;
  }

  // -- the contract with facade.js --------------------------------------------------------
  internals.doStorage = {
    create(ref, hooks) {
      const storage = ObjectCreate(DurableObjectStorage.prototype);
      const sqlite = ref.sqlite !== false;
      WeakMapPrototypeSet(states, storage, {
        ns: StringCtor(ref.ns), id: StringCtor(ref.id), sqlite,
        // The key-value backend's limits (keys 2 KiB, values 128 KiB, 128 keys a call);
        // SQLite-backed objects have none of them (workerd, Miniflare).
        limits: !sqlite, hooks, queue: [], inflight: null, forming: null, broken: null,
        size: 0, sql: null, lastWrite: resolved(undefined), lastConfirmed: resolved(undefined),
      });
      return storage;
    },
    sync(storage) {
      const st = stateOf(storage);
      if (st.broken !== null) return rejected(st.broken);
      return waitFor(st, st.lastConfirmed);
    },
    // For tests and tools: the stored form of a value, and back.
    encode: (value) => encode(internals.structuredClone(value))[0],
    decode,
  };
})();
