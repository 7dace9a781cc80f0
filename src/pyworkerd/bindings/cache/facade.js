// The global `caches` (CacheStorage) and its Cache objects, as workerd's api/cache.c++
// presents them: argument checks and refusals happen here with workerd's messages; what
// is stored, for how long, and what a match answers is decided by the host
// (bindings/cache/gateway.py). Bodies move in pieces of at most 256 KiB, like R2's (see
// bindings/cache/ops.py for the protocol): a put reads the response body piece by piece
// and waits for the host to take each; a match's body is a byte stream pulling one piece
// per read, unless it came whole with the answer.

(() => {
  const {
    ArrayPrototypePush, FinalizationRegistry: FinalizationRegistryCtor, ObjectCreate,
    ObjectDefineProperty, Promise: PromiseCtor, PromisePrototypeThen,
    String: StringCtor, StringPrototypeIndexOf, StringPrototypeSlice, StringPrototypeSplit,
    StringPrototypeStartsWith, StringPrototypeTrim, SymbolToStringTag, TypeError: TypeErrorCtor,
    TypedArrayPrototypeSet, TypedArrayPrototypeSlice, TypedArrayPrototypeSubarray, Uint8Array: U8, ArrayBufferIsView,
    globalThis: realGlobal, uncurryThis,
  } = internals.primordials;

  const PIECE = 256 * 1024;
  const MAX_NAME_BYTES = 1023;
  const BODY_USED = "Body has already been used. It can only be used once. Use tee() first if you need to read it twice.";
  const ErrorCtor = realGlobal.Error;
  const RequestCtor = realGlobal.Request;
  const headersGet = uncurryThis(realGlobal.Headers.prototype.get);
  const kConstruct = ObjectCreate(null);

  function hostCall(op, args, bytes) { return internals.host.call(op, args, bytes); }
  // workerd's methods return promises: a synchronous throw becomes a rejection.
  const { resolvedPromise: resolved, rejectedPromise: rejected, evalNow,
    parameterNotOfType: typeError } = internals.webidl;
  function notImplemented(method, iface) {
    return rejected(new ErrorCtor(`Failed to execute '${method}' on '${iface}': the method is not implemented.`));
  }
  // `Request or string` (a URL object is a string to jsg).
  function toRequest(method, count, input) {
    if (count === 0 || input === undefined) throw typeError(method, "Cache", 1, "Request or string");
    return internals.http.isRequest(input) ? input : new RequestCtor(StringCtor(input));
  }

  function ignoreMethodOf(method, options) {
    if (options === undefined || options === null) return false;
    if (typeof options !== "object" && typeof options !== "function") {
      throw typeError(method, "Cache", 2, "CacheQueryOptions");
    }
    return !!options.ignoreMethod;
  }

  function isHttp(url) {
    return StringPrototypeStartsWith(url, "http:") || StringPrototypeStartsWith(url, "https:");
  }

  // The entry's key: `cf.cacheKey` when the request has one, else its URL without fragment.
  function keyOf(request) {
    const cf = request.cf;
    if (cf !== undefined && cf !== null && cf.cacheKey) return StringCtor(cf.cacheKey);
    const url = request.url;
    const hash = StringPrototypeIndexOf(url, "#");
    return hash < 0 ? url : StringPrototypeSlice(url, 0, hash);
  }

  function checkFetchable(request) {
    if (!isHttp(request.url)) throw new TypeErrorCtor(`Fetch API cannot load: ${request.url}`);
  }

  // -- bodies out ------------------------------------------------------------------------

  const dropped = typeof FinalizationRegistryCtor === "function"
    ? new FinalizationRegistryCtor((id) => { try { hostCall("cache.cancel", { id }); } catch { /* gone */ } })
    : null;

  function bodyStream(id, first, length) {
    let pending = first;
    let ended = false;
    const token = {};
    const end = () => {
      ended = true;
      if (dropped !== null) dropped.unregister(token);
    };
    const stream = internals.streams.createPullStream({
      pull(controller) {
        if (pending !== null) {
          const bytes = pending;
          pending = null;
          if (bytes.length > 0) { controller.enqueue(bytes); return undefined; }
        }
        if (ended) { controller.close(); return undefined; }
        return PromisePrototypeThen(hostCall("cache.read", { id }), (r) => {
          if (r[0] === true) end();
          if (r[1] !== null && r[1].length > 0) controller.enqueue(r[1]);
          if (ended) controller.close();
        }, (err) => { end(); controller.error(err); });
      },
      cancel() {
        if (!ended) { end(); hostCall("cache.cancel", { id }); }
      },
    }, {
      expectedLength: length,
      // Passed on unread (`return await cache.match(request)`), the host sends it itself.
      hostSource: { op: "cache.read", args: { id }, cancel: "cache.cancel", first: pending, done: false, taken: end },
    });
    if (dropped !== null) dropped.register(stream, id, token);
    return stream;
  }

  function responseOf(r) {
    const head = r[0];
    if (head === null) return undefined;
    const flat = [];
    for (const pair of head.headers) ArrayPrototypePush(flat, pair[0], pair[1]);
    let body = null;
    if (head.status !== 304 && head.status !== 416) {
      const first = r[1] === null ? new U8(0) : r[1];
      body = head.done ? first : bodyStream(head.id, first, head.length);
    }
    return internals.http.responseFromHost(head.status, null, flat, body, [], null);
  }

  // -- bodies in -------------------------------------------------------------------------

  // Send `body` (null, string, Uint8Array or ReadableStream): the first piece with
  // cache.put, the rest with cache.putNext. Resolves once the host has it all (or refused it).
  const PUT_OPS = { start: "cache.put", next: "cache.putNext", abort: "cache.putAbort" };
  function upload(args, body) {
    if (body === null || body === undefined) return internals.pieces.upload(PUT_OPS, args, new U8(0));
    if (typeof body === "string") return internals.pieces.upload(PUT_OPS, args, internals.utf8Encode(body));
    if (!internals.streams.isReadableStream(body)) {
      // A copy when it goes in several pieces: the worker may change its buffer meanwhile.
      return internals.pieces.upload(PUT_OPS, args, body.length > PIECE ? TypedArrayPrototypeSlice(body) : body);
    }
    return internals.pieces.upload(PUT_OPS, args, body);
  }


  // -- Cache and CacheStorage ------------------------------------------------------------

  function hasVaryStar(headers) {
    const vary = headersGet(headers, "vary");
    if (vary === null) return false;
    for (const field of StringPrototypeSplit(vary, ",")) {
      if (StringPrototypeTrim(field) === "*") return true;
    }
    return false;
  }

  class Cache {
    #ns;
    constructor(token, ns) {
      if (token !== kConstruct) throw new TypeErrorCtor("Illegal constructor");
      this.#ns = ns;
    }

    add() { return notImplemented("add", "Cache"); }
    addAll() { return notImplemented("addAll", "Cache"); }

    delete(request, options = undefined) {
      const ns = this.#ns;
      const count = arguments.length;
      return evalNow(() => {
        internals.assertInRequest();
        const req = toRequest("delete", count, request);
        const ignoreMethod = ignoreMethodOf("delete", options);
        checkFetchable(req);
        if (!ignoreMethod && req.method !== "GET") return false;
        return PromisePrototypeThen(hostCall("cache.delete", { ns, key: keyOf(req) }), (r) => r[0]);
      });
    }

    match(request, options = undefined) {
      const ns = this.#ns;
      const count = arguments.length;
      return evalNow(() => {
        internals.assertInRequest();
        const req = toRequest("match", count, request);
        const ignoreMethod = ignoreMethodOf("match", options);
        checkFetchable(req);
        if (!ignoreMethod && req.method !== "GET") return undefined;
        const conditions = {};
        for (const name of ["range", "if-none-match", "if-modified-since"]) {
          const value = headersGet(req.headers, name);
          if (value !== null) conditions[name] = value;
        }
        return PromisePrototypeThen(hostCall("cache.match", { ns, key: keyOf(req), req: conditions }), responseOf);
      });
    }

    put(request, response) {
      const ns = this.#ns;
      let req;
      try {
        req = toRequest("put", arguments.length, request);
        if (!internals.http.isResponse(response)) throw typeError("put", "Cache", 2, "Response");
      } catch (err) {
        return rejected(err);
      }
      internals.assertInRequest();
      return evalNow(() => {
        if (req.method !== "GET") throw new TypeErrorCtor("Cannot cache response to non-GET request.");
        if (response.status === 206) {
          throw new TypeErrorCtor("Cannot cache response to a range request (206 Partial Content).");
        }
        if (hasVaryStar(response.headers)) throw new TypeErrorCtor("Cannot cache response with 'Vary: *' header.");
        if (response.webSocket !== null) {
          throw new TypeErrorCtor("Worker tried to return a WebSocket in a response to a request which did not contain the header \"Upgrade: websocket\".");
        }
        if (response.bodyUsed) throw new TypeErrorCtor(BODY_USED);
        const stream = response.body;
        if (stream !== null && internals.streams.isLocked(stream)) {
          throw new TypeErrorCtor("The ReadableStream has been locked to a reader.");
        }
        if (!isHttp(req.url)) return undefined;
        const out = internals.http.responseForHost(response);
        const headers = out.headers;
        const body = out.body;
        let length;
        if (body === null) length = 0;
        else if (typeof body === "string") length = internals.utf8Length(body);
        else if (internals.streams.isReadableStream(body)) length = internals.streams.expectedLength(body);
        else length = body.length;
        if (length !== undefined && headersGet(response.headers, "content-length") === null) {
          ArrayPrototypePush(headers, "content-length", StringCtor(length));
        }
        const args = {
          ns, key: keyOf(req), status: out.status, headers,
          auth: headersGet(req.headers, "authorization") !== null,
        };
        return upload(args, body);
      });
    }

    matchAll() { return notImplemented("matchAll", "Cache"); }
    keys() { return notImplemented("keys", "Cache"); }
  }

  class CacheStorage {
    constructor(token) {
      if (token !== kConstruct) throw new TypeErrorCtor("Illegal constructor");
      ObjectDefineProperty(this, "default", {
        value: new Cache(kConstruct, "default"), enumerable: true, configurable: false, writable: false,
      });
    }

    open(cacheName) {
      const count = arguments.length;
      return evalNow(() => {
        if (count === 0) throw typeError("open", "CacheStorage", 1, "string");
        const name = StringCtor(cacheName);
        if (internals.utf8Length(name) > MAX_NAME_BYTES) throw new TypeErrorCtor("Cache name is too long.");
        return new Cache(kConstruct, "named:" + name);
      });
    }

    delete() { return notImplemented("delete", "CacheStorage"); }
    match() { return notImplemented("match", "CacheStorage"); }
    has() { return notImplemented("has", "CacheStorage"); }
    keys() { return notImplemented("keys", "CacheStorage"); }
  }

  // As jsg lays out a prototype: the methods, then `constructor`, then the tag.
  for (const [ctor, tag] of [[Cache, "Cache"], [CacheStorage, "CacheStorage"]]) {
    const proto = ctor.prototype;
    delete proto.constructor;
    ObjectDefineProperty(proto, "constructor", { value: ctor, writable: true, enumerable: false, configurable: true });
    ObjectDefineProperty(proto, SymbolToStringTag, { value: tag, writable: false, enumerable: false, configurable: true });
  }
  internals.defineGlobal("Cache", Cache);
  internals.defineGlobal("CacheStorage", CacheStorage);
  internals.defineGlobal("caches", new CacheStorage(kConstruct));
})();
