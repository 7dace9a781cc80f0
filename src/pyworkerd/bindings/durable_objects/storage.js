// ctx.storage of a Durable Object (workerd's DurableObjectStorage over its actor cache),
// created by facade.js through internals.doStorage:
//   create({ns, id, sqlite?}, {opStarted, opFinished, onBroken?, canSetAlarm?}) -> storage
//   sync(storage) -> Promise: every confirmed write made so far is durable (output gate).
//
// As on workerd, storage operations run synchronously and their commit comes later.
// SQL (`sql.exec`, `databaseSize`, `transactionSync`) and `storage.kv` run at once through
// the synchronous host call "do.storage.run" (storage.py), in the object's open SQLite
// transaction; the async API's operations of one JS turn are queued and run together by
// a microtask, or earlier, first thing in the next synchronous call: order is exactly
// the order of the calls. What a turn wrote is committed by "do.storage.commit" (async,
// off the isolate's thread: the fsync) in a later microtask, so writes made without
// `await` coalesce atomically, and sync() / the output gate wait for that commit.
// hooks.opStarted/opFinished bracket the async API's queued operations (input gate)
// and a transaction().

// Values are stored in a tagged JSON form (encode/decode below) after a structuredClone,
// so they keep what V8's serializer keeps: cycles, shared references, Date, RegExp, Map,
// Set, BigInt, typed arrays, errors, wrappers, Blob/File.

(() => {
  const {
    Array: ArrayCtor, ArrayBuffer: ArrayBufferCtor, ArrayBufferIsView,
    ArrayBufferPrototypeByteLengthGetter, StringPrototypeSlice, ArrayIsArray, ArrayPrototypePush,
    ArrayPrototypeSlice, ArrayPrototypeSort, DataView: DataViewCtor,
    DataViewPrototypeBufferGetter, DataViewPrototypeByteLengthGetter,
    DataViewPrototypeByteOffsetGetter, Date: DateCtor, DateNow, DatePrototypeGetTime,
    Error: ErrorCtor, JSONParse, JSONStringify, Map: MapCtor, MapPrototypeDelete,
    MapPrototypeForEach, MapPrototypeGet, MapPrototypeHas, MapPrototypeSet, MathFloor,
    MathMax, MathRandom, MathTrunc, NumberIsFinite, NumberIsNaN, Object: ObjectCtor, ObjectCreate,
    ObjectDefineProperty, ObjectGetOwnPropertyDescriptor, ObjectGetPrototypeOf, ObjectKeys,
    ObjectPrototypeToString, Promise: PromiseCtor,
    PromisePrototypeThen, RangeError: RangeErrorCtor, RegExp: RegExpCtor,
    RegExpPrototypeFlagsGetter, RegExpPrototypeSourceGetter, RegExpPrototypeTest,
    Set: SetCtor, SetPrototypeAdd, SetPrototypeForEach, String: StringCtor,
    StringPrototypeCodePointAt, SymbolIterator, SymbolToStringTag,
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
  const KV_DISABLED = "The storage.kv (synchronous KV) API is only available for " +
    "SQLite-backed Durable Objects, but this object's namespace is not declared to use " +
    "SQLite. You can use the older, asyncronous interface via methods of `storage` itself " +
    "(e.g. `storage.get()`). Alternatively, to enable SQLite, change `new_classes` to " +
    "`new_sqlite_classes` within the 'migrations' field in your wrangler.jsonc or " +
    "wrangler.toml file. If using workerd directly, set `enableSql = true` in your workerd " +
    "config for the class. Note that this change cannot be made after the class is " +
    "already deployed to production.";
  // Characters of JSON (about) sent in one synchronous call: its arguments hold 4 MiB.
  const CALL_BUDGET = 1 << 20;
  // One operation must fit one call, whatever else: bytes of its JSON.
  const MAX_OPERATION = (4 << 20) - (64 << 10);
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

  // -- running operations ---------------------------------------------------------------
  // state: {ns, id, owner, sqlite, limits, hooks, pending: [item], flushQueued, gated,
  //         nextCommit: batch|null, queuedCommit: batch|null, broken, size, sql, kv,
  //         lastWrite, lastConfirmed: Promise}
  // item: {op, resolve, reject}; a batch: {promise, resolve, reject} (one commit).
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

  // Queue one operation of the async API; it runs with the others of this turn (or
  // before the next synchronous call) and its promise settles with its result. `kind`
  // is "read", "write" or "unconfirmed" (a write the output gate need not wait for).
  function enqueue(st, op, kind = "read", options = undefined) {
    if (st.broken !== null) return rejected(st.broken);
    checkSize(op);
    let item;
    const promise = new PromiseCtor((resolve, reject) => { item = { op, resolve, reject }; });
    ArrayPrototypePush(st.pending, item);
    if (!st.flushQueued) {
      st.flushQueued = true;
      queueMicrotask(() => {
        st.flushQueued = false;
        try { run(st, []); } catch { /* the items were rejected */ }
      });
    }
    // The input gate closes when the operation is made, until it has run.
    if (!(options && options.allowConcurrency) && !st.gated) {
      st.gated = true;
      st.hooks.opStarted();
    }
    if (kind !== "read") noteWrite(st, kind === "write");
    return promise;
  }

  // The commit that will make the writes made so far durable.
  function noteWrite(st, confirmed) {
    if (st.nextCommit === null) st.nextCommit = newBatch();
    st.lastWrite = st.nextCommit.promise;
    if (confirmed) st.lastConfirmed = st.nextCommit.promise;
  }

  // Runs the queued operations, then `ops`, now, in the object's transaction (one
  // synchronous host call; a few for large ones): `ops`' results. The commit of what
  // they wrote follows in a later microtask, off the isolate's thread (do.storage.commit).
  function run(st, ops) {
    for (let i = 0; i < ops.length; i++) checkSize(ops[i]);
    const items = st.pending, gated = st.gated;
    st.pending = [];
    st.gated = false;
    const all = [];
    for (let i = 0; i < items.length; i++) ArrayPrototypePush(all, items[i].op);
    for (let i = 0; i < ops.length; i++) ArrayPrototypePush(all, ops[i]);
    let results;
    try {
      if (st.broken !== null) throw st.broken;
      results = send(st, all);
    } catch (err) {
      breakStorage(st, err);
      for (let i = 0; i < items.length; i++) items[i].reject(err);
      if (gated) st.hooks.opFinished();
      throw err;
    }
    for (let i = 0; i < items.length; i++) items[i].resolve(results[i]);
    if (gated) st.hooks.opFinished();
    return ArrayPrototypeSlice(results, items.length);
  }

  // About how many characters of JSON an operation takes.
  function weight(value) {
    if (typeof value === "string") return value.length + 2;
    if (value === null || typeof value !== "object") return 8;
    let total = 2;
    const keys = ObjectKeys(value);
    for (let i = 0; i < keys.length; i++) total += weight(value[keys[i]]) + 1;
    return total;
  }

  // An operation too large for one synchronous call is refused before anything runs.
  function checkSize(op) {
    if (weight(op) < CALL_BUDGET) return;
    const size = internals.utf8Length(JSONStringify(op));
    if (size > MAX_OPERATION) {
      throw new RangeErrorCtor(`A storage operation of ${size} bytes is too large: pyworkerd ` +
        `passes one operation (a value, or a SQL statement and its bindings) in one ` +
        `synchronous call of at most ${MAX_OPERATION} bytes.`);
    }
  }

  function send(st, ops) {
    const results = [];
    let dirty = false, start = 0;
    do {
      let end = start, total = 0;
      while (end < ops.length) {
        const w = weight(ops[end]);
        if (end > start && total + w > CALL_BUDGET) break;
        total += w;
        end++;
      }
      const answer = internals.host.callSync("do.storage.run",
        [st.ns, st.id, st.owner, ArrayPrototypeSlice(ops, start, end)]);
      const got = answer[0];
      for (let i = 0; i < got.length; i++) ArrayPrototypePush(results, complete(st, got[i]));
      st.size = answer[1];
      dirty = answer[2];
      start = end;
    } while (start < ops.length);
    if (dirty) {
      scheduleCommit(st);
    } else if (st.nextCommit !== null) {
      // Nothing was written after all (say, a delete of nothing): nothing to wait for.
      st.nextCommit.resolve();
      st.nextCommit = null;
    }
    return results;
  }

  // A result whose rows did not fit one answer: the rest, fetched now.
  function complete(st, result) {
    if (result === null || typeof result !== "object" || ArrayIsArray(result) ||
        result.more === undefined) return result;
    const rows = result.rows;
    for (let more = result.more; more !== null;) {
      const page = internals.host.callSync("do.storage.more", [st.ns, st.id, more]);
      for (let i = 0; i < page[0].length; i++) ArrayPrototypePush(rows, page[0][i]);
      more = page[1];
    }
    if (result.columns === undefined) return rows; // key-value entries
    delete result.more;
    return result;
  }

  // Once per turn: commit what the calls of this turn left open.
  function scheduleCommit(st) {
    noteWrite(st, true);
    const batch = st.nextCommit;
    st.nextCommit = null;
    if (st.queuedCommit !== null) {
      // The commit already queued in this turn covers these writes too.
      PromisePrototypeThen(st.queuedCommit.promise, batch.resolve, batch.reject);
      return;
    }
    st.queuedCommit = batch;
    queueMicrotask(() => {
      st.queuedCommit = null;
      if (st.broken !== null) { batch.reject(st.broken); return; }
      let call;
      try {
        call = internals.host.call("do.storage.commit", [st.ns, st.id, st.owner]);
      } catch (err) {
        call = rejected(err);
      }
      PromisePrototypeThen(call, () => batch.resolve(), (err) => {
        breakStorage(st, err);
        batch.reject(err);
      });
    });
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
    // A real synchronous transaction (a savepoint): what `closure` does to storage is
    // undone if it throws.
    transactionSync(closure) {
      const st = stateOf(this);
      if (typeof closure !== "function") {
        throw new TypeErrorCtor("Failed to execute 'transactionSync' on 'DurableObjectStorage': " +
          "parameter 1 is not of type 'function'.");
      }
      run(st, [["begin"]]);
      let result;
      try {
        result = closure();
      } catch (err) {
        // What it queued and did not run yet is dropped with the rest.
        const dropped = st.pending;
        st.pending = [];
        for (let i = 0; i < dropped.length; i++) dropped[i].reject(err);
        if (st.gated) { st.gated = false; st.hooks.opFinished(); }
        run(st, [["rollback"]]);
        throw err;
      }
      run(st, [["release"]]);
      return result;
    }
    get kv() {
      const st = stateOf(this);
      if (!st.sqlite) throw new ErrorCtor(KV_DISABLED);
      if (st.kv === null) {
        st.kv = ObjectCreate(SyncKvStorage.prototype);
        WeakMapPrototypeSet(kvStates, st.kv, st);
      }
      return st.kv;
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
    // All of it runs in one call, in one SQLite transaction, and resolves once durable.
    return waitFor(st, st.lastConfirmed);
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
    // Runs at once (with the operations queued before it); a failing statement throws.
    exec(query, ...bindings) {
      const st = sqlStateOf(this);
      const binds = [];
      for (let i = 0; i < bindings.length; i++) ArrayPrototypePush(binds, bindValue(bindings[i]));
      const result = run(st, [["sql", StringCtor(query), binds]])[0];
      if (result.error !== undefined) throw new ErrorCtor(result.error);
      const cursor = ObjectCreate(SqlStorageCursor.prototype);
      WeakMapPrototypeSet(cursors, cursor, { result, position: 0 });
      return cursor;
    }
    get databaseSize() {
      const st = sqlStateOf(this);
      run(st, []);
      return st.size;
    }
  }
  ObjectDefineProperty(SqlStorage.prototype, SymbolToStringTag, { value: "SqlStorage", configurable: true });

  const cursors = new WeakMapCtor();
  function cursorOf(self) {
    const c = self !== null && typeof self === "object" ? WeakMapPrototypeGet(cursors, self) : undefined;
    if (c === undefined) throw new TypeErrorCtor("Illegal invocation");
    return c;
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

  class SqlStorageCursor {
    constructor() { throw new TypeErrorCtor("Illegal constructor"); }
    next() { return nextRow(cursorOf(this), false); }
    toArray() { return rest(cursorOf(this), false); }
    one() {
      const rows = rest(cursorOf(this), false);
      if (rows.length === 0) throw new ErrorCtor("Expected exactly one result from SQL query, but got no results.");
      if (rows.length > 1) throw new ErrorCtor("Expected exactly one result from SQL query, but got multiple results.");
      return rows[0];
    }
    raw() {
      const c = cursorOf(this);
      const it = {
        next() { return nextRow(c, true); },
        toArray() { return rest(c, true); },
        [SymbolIterator]() { return it; },
      };
      return it;
    }
    get columnNames() { return ArrayPrototypeSlice(cursorOf(this).result.columns); }
    get rowsRead() { return cursorOf(this).result.read; }
    get rowsWritten() { return cursorOf(this).result.written; }
    [SymbolIterator]() { cursorOf(this); return this; }
  }
  ObjectDefineProperty(SqlStorageCursor.prototype, SymbolToStringTag,
    { value: "SqlStorageCursor", configurable: true });

  // -- storage.kv: the synchronous key-value API of SQLite-backed objects ---------------
  const kvStates = new WeakMapCtor();
  function kvStateOf(self) {
    const st = self !== null && typeof self === "object" ? WeakMapPrototypeGet(kvStates, self) : undefined;
    if (st === undefined) throw new TypeErrorCtor("Illegal invocation");
    return st;
  }
  // jsg's String: anything but undefined (and symbols) becomes one.
  function kvKey(method, key) {
    if (key === undefined || typeof key === "symbol") {
      throw new TypeErrorCtor(`Failed to execute '${method}' on 'SyncKvStorage': parameter 1 is not of type 'string'.`);
    }
    return StringCtor(key);
  }
  const ListIteratorPrototype = ObjectCreate(ObjectGetPrototypeOf(ObjectGetPrototypeOf([][SymbolIterator]())));
  ObjectDefineProperty(ListIteratorPrototype, SymbolToStringTag, { value: "ListIterator", configurable: true });
  ObjectDefineProperty(ListIteratorPrototype, "constructor", {
    value: function ListIterator() { throw new TypeErrorCtor("Illegal constructor"); },
    writable: true, configurable: true,
  });
  ObjectDefineProperty(ListIteratorPrototype, "next", {
    value: function next() {
      const it = this !== null && typeof this === "object" ? WeakMapPrototypeGet(listIterators, this) : undefined;
      if (it === undefined) throw new TypeErrorCtor("Illegal invocation");
      if (it.position >= it.entries.length) return { done: true, value: undefined };
      const entry = it.entries[it.position++];
      return { done: false, value: [entry[0], decode(entry[1])] };
    },
    writable: true, configurable: true,
  });
  const listIterators = new WeakMapCtor();

  class SyncKvStorage {
    constructor() { throw new TypeErrorCtor("Illegal constructor"); }
    get(key) {
      const st = kvStateOf(this);
      const rows = run(st, [["get", [kvKey("get", key)]]])[0];
      return rows.length === 0 ? undefined : decode(rows[0][1]);
    }
    put(key, value) {
      const st = kvStateOf(this);
      run(st, [["put", [[kvKey("put", key), serialize(st, value)]]]]);
    }
    delete(key) {
      const st = kvStateOf(this);
      return run(st, [["delete", [kvKey("delete", key)]]])[0] > 0;
    }
    list(options = undefined) {
      const st = kvStateOf(this);
      const r = listArgs(options);
      const entries = run(st, [["list", r.start, r.startAfter, r.end, r.prefix, r.reverse, r.limit]])[0];
      const it = ObjectCreate(ListIteratorPrototype);
      WeakMapPrototypeSet(listIterators, it, { entries, position: 0 });
      return it;
    }
  }
  ObjectDefineProperty(SyncKvStorage.prototype, SymbolToStringTag, { value: "SyncKvStorage", configurable: true });

  // -- the contract with facade.js --------------------------------------------------------
  internals.doStorage = {
    create(ref, hooks) {
      const storage = ObjectCreate(DurableObjectStorage.prototype);
      const sqlite = ref.sqlite !== false;
      WeakMapPrototypeSet(states, storage, {
        ns: StringCtor(ref.ns), id: StringCtor(ref.id), sqlite,
        // One live storage object of this object (see storage.py: `owner`).
        owner: `${DateNow()}.${MathRandom()}`,
        // The key-value backend's limits (keys 2 KiB, values 128 KiB, 128 keys a call);
        // SQLite-backed objects have none of them (workerd, Miniflare).
        limits: !sqlite, hooks, pending: [], flushQueued: false, gated: false,
        nextCommit: null, queuedCommit: null, broken: null, size: 0, sql: null, kv: null,
        lastWrite: resolved(undefined), lastConfirmed: resolved(undefined),
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
