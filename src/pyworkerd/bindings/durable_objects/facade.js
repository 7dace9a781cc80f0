// Durable Objects, both sides (bindings/durable_objects/__init__.py has the host half):
// - env.<binding>: a DurableObjectNamespace making ids and stubs; a stub's fetch() runs the
//   fetch exchange over "do.fetch", its other methods are RPC calls ("do.call").
// - the objects this isolate hosts: one instance per id (the host pins an object to one
//   isolate), built on first use with its DurableObjectState; its events are delivered one
//   at a time while a storage operation or blockConcurrencyWhile is pending (input gate),
//   and its answers wait until its writes are durable (output gate: storage.js's sync()).

(() => {
  const {
    ArrayPrototypePush, ArrayPrototypeShift, Error: ErrorCtor, Map: MapCtor, MapPrototypeGet,
    MapPrototypeSet, MapPrototypeDelete, ObjectCreate, ObjectDefineProperty, Promise: PromiseCtor,
    PromisePrototypeThen, Proxy: ProxyCtor, RegExpPrototypeTest, String: StringCtor,
    StringPrototypeSlice, TypeError: TypeErrorCtor, Uint8Array: U8, Int32Array: Int32ArrayCtor,
    WeakMap: WeakMapCtor, WeakMapPrototypeGet, WeakMapPrototypeSet, MathFloor, Set: SetCtor,
    Date: DateCtor, ReflectApply, NumberPrototypeToString, StringPrototypePadStart,
    TypedArrayPrototypeSet, ArrayPrototypeIncludes, SetPrototypeAdd, SetPrototypeDelete,
  } = internals.primordials;

  // Hex digits of a 32-bit word (width 8) or a byte (width 2).
  const hexOf = (value, width) => StringPrototypePadStart(NumberPrototypeToString(value, 16), width, "0");

  // -- SHA-256 (ids from names must be derived synchronously) --------------------------
  const K = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ];
  function sha256(bytes) {
    const h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    const length = bytes.length;
    const padded = new U8(((length + 9 + 63) >> 6) << 6);
    TypedArrayPrototypeSet(padded, bytes, 0);
    padded[length] = 0x80;
    const bits = length * 8;
    for (let i = 0; i < 4; i++) padded[padded.length - 1 - i] = (bits >>> (8 * i)) & 0xff;
    padded[padded.length - 5] = MathFloor(bits / 0x100000000) & 0xff;
    const w = new Int32ArrayCtor(64);
    for (let off = 0; off < padded.length; off += 64) {
      for (let i = 0; i < 16; i++) {
        const j = off + i * 4;
        w[i] = (padded[j] << 24) | (padded[j + 1] << 16) | (padded[j + 2] << 8) | padded[j + 3];
      }
      for (let i = 16; i < 64; i++) {
        const a = w[i - 15], b = w[i - 2];
        const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
        const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
      }
      let [a, b, c, d, e, f, g, hh] = h;
      for (let i = 0; i < 64; i++) {
        const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        const t1 = (hh + S1 + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
        const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        hh = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0;
      h[4] = (h[4] + e) | 0; h[5] = (h[5] + f) | 0; h[6] = (h[6] + g) | 0; h[7] = (h[7] + hh) | 0;
    }
    let hex = "";
    for (let i = 0; i < 8; i++) hex += hexOf(h[i] >>> 0, 8);
    return hex;
  }
  const hash = (text) => sha256(internals.utf8Encode(text));

  // -- ids -------------------------------------------------------------------------------
  // 64 hex digits: 32 that name the object (a hash of its name, or random), then 32 that
  // tie them to the namespace, so an id from another namespace is refused.
  const HEX64 = /^[0-9a-f]{64}$/;
  const idState = new WeakMapCtor();

  class DurableObjectId {
    constructor() { throw new TypeErrorCtor("Illegal constructor"); }
    toString() { return state(this).hex; }
    equals(other) {
      const mine = state(this);
      const theirs = other !== null && typeof other === "object" ? WeakMapPrototypeGet(idState, other) : undefined;
      return theirs !== undefined && theirs.hex === mine.hex;
    }
    get name() { return state(this).name; }
    get jurisdiction() { return undefined; }
  }
  function state(id) {
    const found = id !== null && typeof id === "object" ? WeakMapPrototypeGet(idState, id) : undefined;
    if (found === undefined) throw new TypeErrorCtor("Illegal invocation");
    return found;
  }
  function makeId(hex, name) {
    const id = ObjectCreate(DurableObjectId.prototype);
    WeakMapPrototypeSet(idState, id, { hex, name });
    return id;
  }
  const setTimeoutFn = internals.primordials.globalThis.setTimeout;
  const idKey = (descriptor) => descriptor.idKey ?? descriptor.ns;
  const seal = (ns, head) => StringPrototypeSlice(hash(`${ns}\u0000${head}`), 0, 32);
  function idFor(ns, head, name) { return makeId(head + seal(ns, head), name); }

  // -- the namespace a worker sees -----------------------------------------------------
  const nsState = new WeakMapCtor();
  class DurableObjectNamespace {
    constructor() { throw new TypeErrorCtor("Illegal constructor"); }
    idFromName(name) {
      const { descriptor } = nsOf(this);
      const text = StringCtor(name);
      return idFor(idKey(descriptor), StringPrototypeSlice(hash(`name\u0000${text}`), 0, 32), text);
    }
    newUniqueId(_options = undefined) {
      const { descriptor } = nsOf(this);
      const bytes = internals.randomBytes(16);
      let head = "";
      for (let i = 0; i < 16; i++) head += hexOf(bytes[i], 2);
      return idFor(idKey(descriptor), head, undefined);
    }
    idFromString(text) {
      const { descriptor } = nsOf(this);
      const hex = StringCtor(text);
      if (!RegExpPrototypeTest(HEX64, hex)) {
        throw new TypeErrorCtor("Invalid Durable Object ID: must be 64 hex digits");
      }
      const head = StringPrototypeSlice(hex, 0, 32);
      if (seal(idKey(descriptor), head) !== StringPrototypeSlice(hex, 32)) {
        throw new TypeErrorCtor("Durable Object ID is not valid for this namespace.");
      }
      return makeId(hex, undefined);
    }
    get(id, _options = undefined) {
      const { descriptor, binding } = nsOf(this);
      const { hex, name } = state(id);
      const check = StringPrototypeSlice(hex, 32);
      if (seal(idKey(descriptor), StringPrototypeSlice(hex, 0, 32)) !== check) {
        throw new TypeErrorCtor("Durable Object ID is not valid for this namespace.");
      }
      return makeStub(binding, hex, name, id);
    }
    getByName(name, options = undefined) { return this.get(this.idFromName(name), options); }
    jurisdiction(_name) { return this; }
    getExisting(id, options = undefined) { return this.get(id, options); }
  }
  function nsOf(self) {
    const found = self !== null && typeof self === "object" ? WeakMapPrototypeGet(nsState, self) : undefined;
    if (found === undefined) throw new TypeErrorCtor("Illegal invocation");
    return found;
  }

  class DurableObjectStub {
    constructor() { throw new TypeErrorCtor("Illegal constructor"); }
  }
  function makeStub(binding, hex, name, id) {
    const target = { id: hex, name };
    const rpc = internals.rpc;
    const call = (method, args) => internals.host.call("do.call", {
      binding, target, method, args: rpc.encode(args, rpc.exportRef),
    });
    const stub = rpc.makeStub(call, () => {}, false);
    const via = { op: "do.fetch", binding, target };
    const own = ObjectCreate(null);
    own.fetch = function fetch(input, init = undefined) { return internals.fetchVia(via, input, init); };
    own.id = id;
    own.name = name;
    own.connect = function connect() {
      throw new TypeErrorCtor("connect() on a Durable Object stub is not supported by pyworkerd.");
    };
    return new ProxyCtor(ObjectCreate(DurableObjectStub.prototype), {
      get(_t, prop) {
        if (typeof prop === "string" && prop in own) return own[prop];
        return stub[prop];
      },
    });
  }

  internals.bindings.durable_object = (descriptor, binding) => {
    const ns = ObjectCreate(DurableObjectNamespace.prototype);
    WeakMapPrototypeSet(nsState, ns, { descriptor, binding });
    return ns;
  };

  // -- the objects this isolate hosts ----------------------------------------------------
  // key "<ns>:<id>" -> {instance, ctx, storage, blocked, waiting: [fn], broken}
  const actors = new MapCtor();
  const actorOfCtx = new WeakMapCtor();

  class DurableObjectState {
    constructor() { throw new TypeErrorCtor("Illegal constructor"); }
    get id() { return actorOf(this).id; }
    get storage() { return actorOf(this).storage; }
    waitUntil(promise) {
      const ctx = internals.currentContext;
      if (ctx) ctx.waitUntil(promise);
    }
    blockConcurrencyWhile(callback) {
      const actor = actorOf(this);
      block(actor, 1);
      let result;
      try {
        result = PromiseCtor.resolve(callback());
      } catch (err) {
        block(actor, -1);
        return PromiseCtor.reject(err);
      }
      return PromisePrototypeThen(result, (value) => { block(actor, -1); return value; },
        (err) => { block(actor, -1); resetActor(actor); throw err; });
    }
      // -- the WebSocket Hibernation API: sockets accepted here outlive the instance; a
    // message to an evicted object builds it again and calls webSocketMessage.
    // (Attachments are the WebSocket's own serializeAttachment/deserializeAttachment.)
    acceptWebSocket(ws, tags = []) {
      const actor = actorOf(this);
      const list = [];
      for (const tag of tags) {
        const text = StringCtor(tag);
        if (text.length > 256) throw new TypeErrorCtor("A WebSocket tag must be at most 256 characters.");
        ArrayPrototypePush(list, text);
      }
      if (list.length > 10) throw new TypeErrorCtor("A WebSocket can have at most 10 tags.");
      if (WeakMapPrototypeGet(socketTags, ws) !== undefined) {
        throw new TypeErrorCtor("WebSocket already accepted with acceptWebSocket().");
      }
      hibernate(actor, ws, list);
    }
    getWebSockets(tag = undefined) {
      const sockets = MapPrototypeGet(hibernated, actorOf(this).key);
      const out = [];
      if (sockets === undefined) return out;
      for (const ws of sockets) {
        if (tag === undefined || ArrayPrototypeIncludes(WeakMapPrototypeGet(socketTags, ws), StringCtor(tag))) ArrayPrototypePush(out, ws);
      }
      return out;
    }
    getTags(ws) {
      const tags = WeakMapPrototypeGet(socketTags, ws);
      if (tags === undefined) throw new TypeErrorCtor("getTags() requires a WebSocket accepted with acceptWebSocket().");
      return [...tags];
    }
    setWebSocketAutoResponse(pair = undefined) {
      const key = actorOf(this).key;
      if (pair === undefined || pair === null) MapPrototypeDelete(autoResponses, key);
      else MapPrototypeSet(autoResponses, key, pairState(pair));
    }
    getWebSocketAutoResponse() {
      const found = MapPrototypeGet(autoResponses, actorOf(this).key);
      return found === undefined ? null : makePair(found.request, found.response);
    }
    getWebSocketAutoResponseTimestamp(ws) {
      return WeakMapPrototypeGet(autoTimestamps, ws) ?? null;
    }
    setHibernatableWebSocketEventTimeout(ms = undefined) { actorOf(this).eventTimeout = ms ?? null; }
    getHibernatableWebSocketEventTimeout() { return actorOf(this).eventTimeout ?? null; }
    abort(reason = undefined) {
      const actor = actorOf(this);
      resetActor(actor);
      throw reason instanceof ErrorCtor ? reason : new ErrorCtor(reason === undefined ? "Durable Object was aborted." : StringCtor(reason));
    }
  }
  function actorOf(ctx) {
    const found = ctx !== null && typeof ctx === "object" ? WeakMapPrototypeGet(actorOfCtx, ctx) : undefined;
    if (found === undefined) throw new TypeErrorCtor("Illegal invocation");
    return found;
  }

  // -- hibernatable WebSockets: key -> Set of sockets; per socket its tags ---------------
  const hibernated = new MapCtor();
  const socketTags = new WeakMapCtor();
  const autoResponses = new MapCtor();
  const autoTimestamps = new WeakMapCtor();
  const pairs = new WeakMapCtor();

  class WebSocketRequestResponsePair {
    constructor(request, response) {
      if (arguments.length < 2) {
        throw new TypeErrorCtor("Failed to construct 'WebSocketRequestResponsePair': 2 arguments required.");
      }
      WeakMapPrototypeSet(pairs, this, { request: StringCtor(request), response: StringCtor(response) });
    }
    get request() { return pairState(this).request; }
    get response() { return pairState(this).response; }
  }
  function pairState(pair) {
    const found = pair !== null && typeof pair === "object" ? WeakMapPrototypeGet(pairs, pair) : undefined;
    if (found === undefined) throw new TypeErrorCtor("Expected a WebSocketRequestResponsePair.");
    return found;
  }
  function makePair(request, response) { return new WebSocketRequestResponsePair(request, response); }
  internals.defineGlobal("WebSocketRequestResponsePair", WebSocketRequestResponsePair);

  function hibernate(actor, ws, tags) {
    const key = actor.key;
    const descriptor = actor.descriptor;
    ws.accept();
    WeakMapPrototypeSet(socketTags, ws, tags);
    let sockets = MapPrototypeGet(hibernated, key);
    if (sockets === undefined) MapPrototypeSet(hibernated, key, sockets = new SetCtor());
    SetPrototypeAdd(sockets, ws);
    const dispatch = (method, args) => {
      let target;
      try { target = actorFor(descriptor); } catch (err) { internals.reportError(err); return; }
      PromisePrototypeThen(deliver(target, () => {
        const handler = target.instance[method];
        return typeof handler === "function" ? ReflectApply(handler, target.instance, args) : undefined;
      }), undefined, (err) => internals.reportError(err));
    };
    ws.addEventListener("message", (event) => {
      const auto = MapPrototypeGet(autoResponses, key);
      if (auto !== undefined && event.data === auto.request) {
        ws.send(auto.response);
        WeakMapPrototypeSet(autoTimestamps, ws, new DateCtor());
        return;
      }
      dispatch("webSocketMessage", [ws, event.data]);
    });
    ws.addEventListener("close", (event) => {
      SetPrototypeDelete(sockets, ws);
      dispatch("webSocketClose", [ws, event.code, event.reason, event.wasClean]);
    });
    ws.addEventListener("error", (event) => {
      SetPrototypeDelete(sockets, ws);
      dispatch("webSocketError", [ws, event.error]);
    });
  }

  // Input gate: while blocked, events wait. It closes when a storage call is made, and
  // reopens in a later task (a timer), after the continuations of what it waited for
  // have run: an event never sees another's half-done read-modify-write.
  function block(actor, delta) {
    actor.blocked += delta;
    if (delta > 0 || actor.releasing || actor.waiting.length === 0) return;
    actor.releasing = true;
    setTimeoutFn(() => {
      actor.releasing = false;
      while (actor.blocked === 0 && actor.waiting.length > 0) ArrayPrototypeShift(actor.waiting)();
    }, 0);
  }
  function deliver(actor, run) {
    return new PromiseCtor((resolve, reject) => {
      const go = () => {
        let result;
        try { result = internals.requestIo.shared(run); } catch (err) { reject(err); return; }
        // Output gate: the answer leaves once the object's writes are durable.
        PromisePrototypeThen(PromiseCtor.resolve(result), (value) => {
          PromisePrototypeThen(syncStorage(actor), () => resolve(value), reject);
        }, (err) => {
          PromisePrototypeThen(syncStorage(actor), () => reject(err), () => reject(err));
        });
      };
      if (actor.blocked > 0) ArrayPrototypePush(actor.waiting, go);
      else go();
    });
  }
  function syncStorage(actor) {
    return actor.storage !== null && internals.doStorage ? internals.doStorage.sync(actor.storage) : PromiseCtor.resolve();
  }

  function resetActor(actor) {
    actor.broken = true;
    MapPrototypeDelete(actors, actor.key);
  }

  function actorFor(descriptor) {
    const key = `${descriptor.ns}:${descriptor.id}`;
    let actor = MapPrototypeGet(actors, key);
    if (actor !== undefined) return actor;
    const Class = internals.workerExports()?.[descriptor.className];
    if (typeof Class !== "function") {
      throw new ErrorCtor(`Durable Object class "${descriptor.className}" is not exported by the worker.`);
    }
    const ctx = ObjectCreate(DurableObjectState.prototype);
    actor = {
      key, ctx, descriptor, instance: null, storage: null, blocked: 0, waiting: [],
      broken: false, eventTimeout: null, id: makeId(descriptor.id, descriptor.name ?? undefined),
    };
    WeakMapPrototypeSet(actorOfCtx, ctx, actor);
    if (internals.doStorage) {
      const ref = { ns: descriptor.ns, id: descriptor.id, sqlite: descriptor.sqlite !== false };
      actor.storage = internals.doStorage.create(ref, {
        opStarted() { block(actor, 1); },
        opFinished() { block(actor, -1); },
        // A write that failed: the object starts again from its storage.
        onBroken() { resetActor(actor); },
        canSetAlarm() { return typeof Class.prototype.alarm === "function"; },
      });
    }
    MapPrototypeSet(actors, key, actor);
    try {
      actor.instance = new Class(ctx, internals.workerEnv());
    } catch (err) {
      resetActor(actor);
      throw err;
    }
    return actor;
  }

  // The fetch handler of a request addressed to an object (90_bridge.js).
  internals.actorFetchHandler = (descriptor) => (request) => {
    const actor = actorFor(descriptor);
    return deliver(actor, () => {
      const fetch = actor.instance.fetch;
      if (typeof fetch !== "function") {
        throw new TypeErrorCtor("Handler does not export a fetch() function.");
      }
      return ReflectApply(fetch, actor.instance, [request]);
    });
  };

  const DurableObjectBase = internals.modules["cloudflare:workers"].DurableObject;

  // E_INVOKE kind "actor": an RPC method of the object.
  internals.invokers.actor = (_entrypoint, name, args) => {
    const actor = actorFor(args.actor);
    return deliver(actor, () => internals.rpc.callOn(actor.instance, name, args.args, DurableObjectBase));
  };
  // E_INVOKE kind "alarm": the object's alarm() handler.
  internals.invokers.alarm = (_entrypoint, _name, args) => {
    const actor = actorFor(args.actor);
    return deliver(actor, () => {
      const alarm = actor.instance.alarm;
      if (typeof alarm !== "function") return { noHandler: true };
      const info = { retryCount: args.retryCount, isRetry: args.retryCount > 0 };
      return PromisePrototypeThen(PromiseCtor.resolve(ReflectApply(alarm, actor.instance, [info])), () => null);
    });
  };
  // E_INVOKE kind "actorEvict": drop idle objects (their storage stays).
  internals.invokers.actorEvict = (_entrypoint, _name, args) => {
    const actor = MapPrototypeGet(actors, args.key);
    if (actor !== undefined && actor.blocked === 0) MapPrototypeDelete(actors, args.key);
    return null;
  };

  ObjectDefineProperty(internals.modules["cloudflare:workers"], "DurableObjectState", { value: DurableObjectState });
})();
