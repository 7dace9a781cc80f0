// env.<KV binding>: a KvNamespace, as workerd's api/kv.c++ presents it. Each method is one
// host call (bindings/kv/__init__.py lists the ops); values over 256 KiB come back in
// pieces (kv.read: [last?] and a piece) and go out in pieces of 1 MiB (kv.putStart/putWrite/putCommit).
// Key names are checked here, as workerd checks them before any request; everything the
// KV service checks (expirations, sizes, limits) is checked by the gateway.

(() => {
  const {
    ArrayBuffer: ArrayBufferCtor, ArrayBufferIsView, ArrayIsArray, Error: ErrorCtor,
    JSONParse, JSONStringify, Map: MapCtor, MapPrototypeSet, MathTrunc, NumberIsNaN,
    NumberIsFinite, ObjectDefineProperty, Promise: PromiseCtor,
    PromisePrototypeThen, String: StringCtor,
    StringPrototypeToWellFormed, SymbolToStringTag, TypeError: TypeErrorCtor,
    TypedArrayPrototypeByteLengthGetter, TypedArrayPrototypeSubarray,
    TypedArrayPrototypeSlice, Uint8Array: U8, WeakMap: WeakMapCtor, WeakMapPrototypeGet,
    WeakMapPrototypeSet, ArrayPrototypePush,
  } = internals.primordials;

  const MAX_KEY_SIZE = 512;
  const CHUNK_MAX = 256 * 1024;  // a value up to this size travels in one host call
  const PUT_PIECE = 1024 * 1024; // larger values are sent in pieces of this size
  const PUT_TYPES_MESSAGE = "KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, " +
    "and ReadableStreams as values.";
  const UNKNOWN_TYPE_MESSAGE = 'Unknown response type. Possible types are "text", ' +
    '"arrayBuffer", "json", and "stream".';
  const INT_RANGE_MESSAGE = "Value out of range. Must be between -2147483648 and 2147483647 " +
    "(inclusive).";

  const names = new WeakMapCtor(); // KvNamespace -> binding name

  const rejected = internals.webidl.rejectedPromise;

  function call(op, args, bytes) { return internals.host.call(op, args, bytes); }

  function bindingOf(self) {
    const name = self !== null && typeof self === "object" ? WeakMapPrototypeGet(names, self) : undefined;
    if (name === undefined) throw new TypeErrorCtor("Illegal invocation");
    return name;
  }

  // A JS string as a well-formed string (lone surrogates become U+FFFD, as kj::String does).
  function str(value) {
    return StringPrototypeToWellFormed(StringCtor(value));
  }

  // jsg's conversion of a number to `int`.
  function int32(value) {
    const number = +value;
    if (NumberIsNaN(number) || !NumberIsFinite(number)) return 0;
    const integer = MathTrunc(number);
    if (integer < -2147483648 || integer > 2147483647) throw new TypeErrorCtor(INT_RANGE_MESSAGE);
    return integer === 0 ? 0 : integer;
  }
  function optionalInt(value) { return value === undefined ? null : int32(value); }

  // workerd's validateKeyName (kv.c++).
  function checkKey(method, key) {
    if (key === "") throw new TypeErrorCtor("Key name cannot be empty.");
    if (key === ".") throw new TypeErrorCtor('"." is not allowed as a key name.');
    if (key === "..") throw new TypeErrorCtor('".." is not allowed as a key name.');
    const length = internals.utf8Length(key);
    if (length > MAX_KEY_SIZE) {
      throw new ErrorCtor(`KV ${method} failed: 414 UTF-8 encoded length of ${length} exceeds key length limit of ${MAX_KEY_SIZE}.`);
    }
  }

  // get options: a type string, or {type, cacheTtl}.
  function getOptions(options) {
    if (options === undefined || options === null) return { type: "text", cacheTtl: null };
    if (typeof options === "object" || typeof options === "function") {
      const type = options.type;
      return { type: type === undefined ? "text" : str(type), cacheTtl: optionalInt(options.cacheTtl) };
    }
    return { type: str(options), cacheTtl: null };
  }

  const concat = internals.pieces.concat;

  // The rest of a value read in pieces, appended to `first`.
  function readRest(binding, token, first) {
    const chunks = [first];
    let total = TypedArrayPrototypeByteLengthGetter(first);
    const next = () => PromisePrototypeThen(call("kv.read", [binding, token]), (result) => {
      if (result[1] !== null) {
        ArrayPrototypePush(chunks, result[1]);
        total += TypedArrayPrototypeByteLengthGetter(result[1]);
      }
      return result[0] === true ? concat(chunks, total) : next();
    });
    return next();
  }

  function valueStream(binding, token, first, size) {
    let pending = first !== null && TypedArrayPrototypeByteLengthGetter(first) > 0 ? first : null;
    let ended = token === null;
    return internals.streams.createPullStream({
      pull(controller) {
        if (pending !== null) {
          const bytes = pending;
          pending = null;
          controller.enqueue(bytes);
          if (ended) controller.close();
          return undefined;
        }
        if (ended) { controller.close(); return undefined; }
        return PromisePrototypeThen(call("kv.read", [binding, token]), (result) => {
          if (result[1] !== null) controller.enqueue(result[1]);
          if (result[0] === true) { ended = true; controller.close(); }
        }, (err) => { ended = true; controller.error(err); });
      },
      cancel() {
        if (!ended) { ended = true; PromisePrototypeThen(call("kv.close", [binding, token]), undefined, () => {}); }
      },
    }, { expectedLength: size });
  }

  function bytesOf(result) {
    return result === null ? new U8(0) : result;
  }

  function toArrayBuffer(bytes) {
    if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes.buffer;
    return TypedArrayPrototypeSlice(bytes).buffer;
  }

  // One key: resolves to {value, metadata} or null when missing.
  function getOne(self, method, key, options) {
    const binding = bindingOf(self);
    key = str(key);
    const opts = getOptions(options);
    checkKey("GET", key);
    const type = opts.type;
    const asText = type === "text" || type === "json";
    return PromisePrototypeThen(call("kv.get", [binding, key, asText, opts.cacheTtl]), (result) => {
      const head = result[0];
      if (head === null) return null;
      const metadata = head[0] === null ? null : JSONParse(head[0]);
      const size = head[1], token = head[2], text = head[3], first = result[1];
      if (type === "stream") return { value: valueStream(binding, token, first, size), metadata };
      if (type !== "text" && type !== "json" && type !== "arrayBuffer") {
        if (token !== null) PromisePrototypeThen(call("kv.close", [binding, token]), undefined, () => {});
        throw new TypeErrorCtor(UNKNOWN_TYPE_MESSAGE);
      }
      const finish = (bytes) => {
        if (type === "arrayBuffer") return { value: toArrayBuffer(bytes), metadata };
        const s = text !== null ? text : internals.utf8Decode(bytes);
        return { value: type === "json" ? JSONParse(s) : s, metadata };
      };
      if (text !== null) return finish(null);
      if (token === null) return finish(bytesOf(first));
      return PromisePrototypeThen(readRest(binding, token, bytesOf(first)), finish);
    });
  }

  // A JSON array index ("0", "17"): V8 lists those apart, and workerd leaves them out of
  // the Map it builds from the service's JSON object.
  function isArrayIndex(key) {
    if (key.length === 0 || key.length > 10) return false;
    if (key === "0") return true;
    const c0 = key.charCodeAt(0);
    if (c0 < 49 || c0 > 57) return false;
    for (let i = 1; i < key.length; i++) {
      const c = key.charCodeAt(i);
      if (c < 48 || c > 57) return false;
    }
    return +key < 4294967295;
  }

  function getBulk(self, keys, options, withMetadata) {
    const binding = bindingOf(self);
    const list = [];
    for (let i = 0; i < keys.length; i++) ArrayPrototypePush(list, str(keys[i]));
    let type = null, cacheTtl = null;
    if (options !== undefined && options !== null) {
      if (typeof options === "object") {
        if (options.type !== undefined) type = str(options.type);
        cacheTtl = optionalInt(options.cacheTtl);
      } else {
        type = str(options);
      }
    }
    return PromisePrototypeThen(call("kv.getBulk", [binding, list, type, withMetadata, cacheTtl]), (result) => {
      const rows = result[0];
      const map = new MapCtor();
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i];
        const key = row[0];
        let value = row[1];
        if (value !== null && type === "json") value = JSONParse(value);
        // Miniflare's service pairs a value with its metadata only when the value is truthy.
        if (withMetadata && value) {
          value = { value, metadata: row[2] === null ? null : JSONParse(row[2]) };
        }
        if (!isArrayIndex(key)) MapPrototypeSet(map, key, value);
      }
      return map;
    });
  }

  function putArgs(binding, key, options) {
    let expiration = null, expirationTtl = null, metadata = null;
    if (options !== undefined && options !== null) {
      expiration = optionalInt(options.expiration);
      expirationTtl = optionalInt(options.expirationTtl);
      const meta = options.metadata;
      if (meta !== undefined && meta !== null) {
        const json = JSONStringify(meta);
        if (json !== undefined) metadata = json;
      }
    }
    return [binding, key, expiration, expirationTtl, metadata];
  }

  function toBytes(chunk) {
    if (chunk instanceof U8) return chunk;
    if (ArrayBufferIsView(chunk)) return new U8(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (chunk instanceof ArrayBufferCtor) return new U8(chunk);
    return null;
  }

  function putPieces(args, bytes) {
    const binding = args[0];
    const length = TypedArrayPrototypeByteLengthGetter(bytes);
    return PromisePrototypeThen(call("kv.putStart", [args[0], args[1], args[2], args[3], args[4], length]), (result) => {
      const token = result[0];
      const send = (offset) => {
        if (offset >= length) return PromisePrototypeThen(call("kv.putCommit", [binding, token]), () => undefined);
        const end = length - offset > PUT_PIECE ? offset + PUT_PIECE : length;
        return PromisePrototypeThen(
          call("kv.putWrite", [binding, token], TypedArrayPrototypeSubarray(bytes, offset, end)),
          () => send(end));
      };
      return send(0);
    });
  }

  function putStream(args, stream) {
    const binding = args[0];
    if (internals.streams.isLocked(stream)) {
      return rejected(new TypeErrorCtor("This ReadableStream is currently locked to a reader."));
    }
    const known = internals.streams.expectedLength(stream);
    const reader = internals.streams.reader(stream);
    return PromisePrototypeThen(call("kv.putStart", [args[0], args[1], args[2], args[3], args[4], known === undefined ? null : known]), (result) => {
      const token = result[0];
      return new PromiseCtor((resolve, reject) => {
        const fail = (err) => {
          PromisePrototypeThen(call("kv.putAbort", [binding, token]), undefined, () => {});
          reject(err);
        };
        const sendFrom = (bytes, offset, then) => {
          const length = TypedArrayPrototypeByteLengthGetter(bytes);
          if (offset >= length) { then(); return; }
          const end = length - offset > PUT_PIECE ? offset + PUT_PIECE : length;
          const piece = offset === 0 && end === length ? TypedArrayPrototypeSlice(bytes) : TypedArrayPrototypeSlice(bytes, offset, end);
          PromisePrototypeThen(call("kv.putWrite", [binding, token], piece),
            () => sendFrom(bytes, end, then), (err) => { reader.cancel(err); reject(err); });
        };
        const next = () => {
          reader.read((chunk) => {
            const bytes = toBytes(chunk);
            if (bytes === null) {
              const err = new TypeErrorCtor("This ReadableStream did not return bytes.");
              reader.cancel(err);
              fail(err);
              return;
            }
            sendFrom(bytes, 0, next);
          }, () => {
            PromisePrototypeThen(call("kv.putCommit", [binding, token]), () => resolve(undefined), reject);
          }, fail);
        };
        next();
      });
    });
  }

  class KvNamespace {
    constructor() { throw new TypeErrorCtor("Illegal constructor"); }

    get(key, options) {
      try {
        if (ArrayIsArray(key)) return getBulk(this, key, options, false);
        return PromisePrototypeThen(getOne(this, "get", key, options), (r) => (r === null ? null : r.value));
      } catch (err) {
        return rejected(err);
      }
    }

    getWithMetadata(key, options) {
      try {
        if (ArrayIsArray(key)) return getBulk(this, key, options, true);
        return PromisePrototypeThen(getOne(this, "getWithMetadata", key, options), (r) => (r === null
          ? { value: null, metadata: null, cacheStatus: null }
          : { value: r.value, metadata: r.metadata, cacheStatus: null }));
      } catch (err) {
        return rejected(err);
      }
    }

    put(key, value, options) {
      try {
        const binding = bindingOf(this);
        key = str(key);
        const args = putArgs(binding, key, options);
        checkKey("PUT", key);
        let bytes;
        if (typeof value === "string") {
          bytes = internals.utf8Encode(value);
        } else if (value !== null && (typeof value === "object" || typeof value === "function")) {
          if (internals.streams.isReadableStream(value)) return putStream(args, value);
          bytes = toBytes(value);
          if (bytes === null) throw new TypeErrorCtor(PUT_TYPES_MESSAGE);
        } else if (value === undefined || value === null) {
          throw new TypeErrorCtor(PUT_TYPES_MESSAGE);
        } else {
          bytes = internals.utf8Encode(str(value));
        }
        if (TypedArrayPrototypeByteLengthGetter(bytes) > PUT_PIECE) return putPieces(args, bytes);
        return PromisePrototypeThen(call("kv.put", args, bytes), () => undefined);
      } catch (err) {
        return rejected(err);
      }
    }

    delete(key) {
      try {
        const binding = bindingOf(this);
        key = str(key);
        checkKey("DELETE", key);
        return PromisePrototypeThen(call("kv.delete", [binding, key]), () => undefined);
      } catch (err) {
        return rejected(err);
      }
    }

    list(options) {
      try {
        const binding = bindingOf(this);
        let limit = null, prefix = null, cursor = null;
        if (options !== undefined && options !== null) {
          const l = optionalInt(options.limit);
          if (l !== null && l > 0) limit = l; // workerd sends the limit only when > 0
          if (options.prefix !== undefined && options.prefix !== null) prefix = str(options.prefix);
          if (options.cursor !== undefined && options.cursor !== null) cursor = str(options.cursor);
        }
        return PromisePrototypeThen(call("kv.list", [binding, limit, prefix, cursor]), (result) => {
          const out = result[0];
          const keys = out.keys;
          for (let i = 0; i < keys.length; i++) {
            if (typeof keys[i].metadata === "string") keys[i].metadata = JSONParse(keys[i].metadata);
          }
          return out;
        });
      } catch (err) {
        return rejected(err);
      }
    }
  }
  ObjectDefineProperty(KvNamespace.prototype, SymbolToStringTag, {
    value: "KvNamespace", writable: false, enumerable: false, configurable: true,
  });

  internals.bindings.kv_namespace = (descriptor, name) => {
    const ns = { __proto__: KvNamespace.prototype };
    WeakMapPrototypeSet(names, ns, name);
    return ns;
  };
})();
