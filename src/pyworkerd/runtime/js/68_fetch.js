// The global fetch(): the request goes out through the host (runtime/fetch.py, aiohttp).
//
// Host ops (see fetch.py for the protocol): fetch.start -> id; fetch.send / fetch.finish
// upload a streamed body in pieces (each send resolves once the host has room: that is
// the backpressure); fetch.response -> the head plus the body bytes already buffered;
// fetch.read -> the next piece of the body; fetch.abort ends the exchange.
// The response body is a byte stream that pulls one piece per read: memory stays bounded
// however large the body.

const {
  ArrayBufferIsView, FinalizationRegistry: FinalizationRegistryCtor,
  Promise: PromiseCtor, PromisePrototypeThen, TypeError: TypeErrorCtor,
  TypedArrayPrototypeSubarray, TypedArrayPrototypeSlice, TypedArrayPrototypeByteLengthGetter, Uint8Array: U8,
  ArrayBuffer: ArrayBufferCtor, NumberParseInt, StringPrototypeToLowerCase,
  globalThis: realGlobal,
} = internals.primordials;

const RequestCtor = realGlobal.Request;
const INLINE_MAX = 1 << 20;   // a whole body up to this size goes with fetch.start
const UPLOAD_PIECE = 1 << 20; // larger chunks of a streamed body are sent in pieces
const NULL_BODY_STATUS = { 101: true, 204: true, 205: true, 304: true };

function host() { return internals.host; }

function hostCall(op, args, bytes) {
  return host().call(op, args, bytes);
}

// A response body left unread and dropped: the host exchange is closed when it is
// collected (the host also closes exchanges idle too long).
const dropped = typeof FinalizationRegistryCtor === "function"
  ? new FinalizationRegistryCtor((id) => { try { hostCall("fetch.abort", id); } catch { /* gone */ } })
  : null;

function abortReasonOf(signal) {
  return internals.abortReason ? internals.abortReason(signal) : signal.reason;
}

function toBytes(chunk) {
  if (chunk instanceof U8) return chunk;
  if (ArrayBufferIsView(chunk)) return new U8(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (chunk instanceof ArrayBufferCtor) return new U8(chunk);
  return null;
}

// Upload a stream body: read, send, wait for the host's room, repeat. Resolves when the
// body is all sent (or no longer wanted), rejects with the stream's error.
function uploadStream(id, stream, exchange) {
  const reader = internals.streams.reader(stream);
  return new PromiseCtor((resolve, reject) => {
    const next = () => {
      if (exchange.finished) {
        reader.cancel(undefined);
        resolve();
        return;
      }
      reader.read((chunk) => {
        const bytes = toBytes(chunk);
        if (bytes === null) {
          const err = new TypeErrorCtor("This ReadableStream did not return bytes.");
          reader.cancel(err);
          reject(err);
          return;
        }
        sendPieces(id, bytes, 0, exchange, (more) => {
          if (more) next();
          else { reader.cancel(undefined); resolve(); }
        }, reject);
      }, () => {
        PromisePrototypeThen(hostCall("fetch.finish", id), () => resolve(), reject);
      }, (err) => reject(err));
    };
    next();
  });
}

// Upload a large buffer body in pieces (each one copied as it is sent).
function uploadBytes(id, bytes, exchange) {
  return new PromiseCtor((resolve, reject) => {
    sendPieces(id, bytes, 0, exchange, (more) => {
      if (!more) { resolve(); return; }
      PromisePrototypeThen(hostCall("fetch.finish", id), () => resolve(), reject);
    }, reject);
  });
}

function sendPieces(id, bytes, offset, exchange, done, fail) {
  const length = TypedArrayPrototypeByteLengthGetter(bytes);
  if (offset >= length) { done(true); return; }
  const end = length - offset > UPLOAD_PIECE ? offset + UPLOAD_PIECE : length;
  const piece = offset === 0 && end === length ? bytes : TypedArrayPrototypeSubarray(bytes, offset, end);
  PromisePrototypeThen(hostCall("fetch.send", id, piece), (result) => {
    const more = result[0];
    if (!more || exchange.finished) done(false);
    else sendPieces(id, bytes, end, exchange, done, fail);
  }, fail);
}

// The response body: a byte stream over fetch.read. `first` holds the bytes that came
// with the head; `done` says there is nothing more.
function bodyStream(id, first, done, exchange, expectedLength) {
  let pending = first !== null && TypedArrayPrototypeByteLengthGetter(first) > 0 ? first : null;
  let ended = done;
  const stream = internals.streams.createPullStream({
    pull(controller) {
      exchange.controller = controller;
      if (exchange.abortReason !== undefined) {
        // Aborted after the head came: the body fails even if it was all here (workerd).
        controller.error(exchange.abortReason);
        exchange.end();
        return undefined;
      }
      if (pending !== null) {
        const bytes = pending;
        pending = null;
        controller.enqueue(bytes);
        if (ended) { controller.close(); exchange.end(); }
        return undefined;
      }
      if (ended) { controller.close(); exchange.end(); return undefined; }
      return PromisePrototypeThen(hostCall("fetch.read", id), (result) => {
        const value = result[0], bytes = result[1];
        if (exchange.finished) return;
        if (value === true) {
          ended = true;
          controller.close();
          exchange.end();
        } else if (bytes !== null) {
          controller.enqueue(bytes);
        }
      }, (err) => {
        if (exchange.finished) return;
        exchange.end();
        controller.error(err);
      });
    },
    cancel() {
      if (!exchange.finished) {
        exchange.end();
        hostCall("fetch.abort", id);
      }
    },
  }, {
    expectedLength,
    // Passed on unread (`return fetch(url)`), the host sends it from fetch.read itself.
    hostSource: {
      op: "fetch.read", args: id, cancel: "fetch.abort", first: pending, done,
      taken() { exchange.end(); },
    },
  });
  if (!done && dropped !== null) dropped.register(stream, id, exchange.token);
  return stream;
}

function contentLengthOf(flat) {
  let found;
  for (let i = 0; i < flat.length; i += 2) {
    if (StringPrototypeToLowerCase(flat[i]) === "content-length") {
      if (found !== undefined) return undefined;
      const n = NumberParseInt(flat[i + 1], 10);
      if (!(n >= 0)) return undefined;
      found = n;
    }
  }
  return found;
}

// `via`: undefined for the network, or {op, binding, target?} for a binding's fetch() (a
// service binding's "service.fetch", a Durable Object stub's "do.fetch"), which runs the
// same exchange over another transport.
function doFetch(input, init, argCount, via = undefined) {
  if (argCount === 0) {
    throw new TypeErrorCtor("Failed to execute 'fetch' on 'ServiceWorkerGlobalScope': parameter 1 is not of type 'Request or string'.");
  }
  const request = new RequestCtor(input, init);
  const r = internals.http.requestForHost(request);
  const signal = r.signal;
  if (signal !== null && signal.aborted) {
    return PromiseCtor.reject(abortReasonOf(signal));
  }
  // ---- WebSocket upgrade: with `Upgrade: websocket` fetch() opens a WebSocket and resolves
  // to a 101 Response whose `webSocket` the worker accepts (80_websocket.js, websocket.py).
  if (internals.ws.isUpgrade(r.headers)) return internals.ws.fetchUpgrade(r, via);
  // ---- end of the WebSocket upgrade
  let body = r.body;
  let mode = "none";
  let payload;
  let length = null;
  if (typeof body === "string") body = internals.utf8Encode(body);
  if (body !== null && body !== undefined) {
    if (ArrayBufferIsView(body)) {
      if (TypedArrayPrototypeByteLengthGetter(body) <= INLINE_MAX) {
        mode = "bytes";
        payload = body;
      } else {
        // Too large to go in one piece: uploaded as a stream of known length, from a
        // copy (the worker may reuse its buffer as soon as fetch() returns).
        mode = "stream";
        length = TypedArrayPrototypeByteLengthGetter(body);
        body = TypedArrayPrototypeSlice(body);
      }
    } else {
      mode = "stream";
      const known = internals.streams.expectedLength(body);
      if (known !== undefined) length = known;
    }
  }
  const method = r.method;
  const args = { method, url: r.url, headers: r.headers, redirect: r.redirect, body: mode, length };
  if (via !== undefined) {
    args.binding = via.binding;
    if (via.target !== undefined) args.target = via.target;
  }
  const startOp = via === undefined ? "fetch.start" : via.op;
  // A body that goes whole with the request: the head comes back with the start; until
  // then the exchange is known by a key of our own (an abort names it).
  let key = null;
  if (mode !== "stream") {
    args.respond = true;
    const bytes = internals.randomBytes(8);
    key = "";
    for (let i = 0; i < 8; i++) key += bytes[i].toString(16).padStart(2, "0");
    args.key = key;
  }

  return new PromiseCtor((resolve, reject) => {
    let id = null;
    let settled = false;
    const exchange = {
      finished: false, controller: null, token: {}, abortReason: undefined,
      end() {
        if (exchange.finished) return;
        exchange.finished = true;
        if (signal !== null && internals.removeAbortAlgorithm) internals.removeAbortAlgorithm(signal, onAbort);
        if (dropped !== null) dropped.unregister(exchange.token);
      },
    };
    const fail = (err) => {
      if (!settled) { settled = true; reject(err); }
      if (!exchange.finished) {
        exchange.end();
        if (id !== null) hostCall("fetch.abort", id);
        else if (key !== null) hostCall("fetch.abort", { key });
      }
    };
    function onAbort() {
      const reason = abortReasonOf(signal);
      exchange.abortReason = reason;
      const controller = exchange.controller;
      fail(reason);
      if (controller !== null) { try { controller.error(reason); } catch { /* closed */ } }
    }
    if (signal !== null && internals.addAbortAlgorithm) internals.addAbortAlgorithm(signal, onAbort);

    const respond = (result) => {
      const head = result[0], first = result[1];
      if (exchange.finished) return;
      const status = head.status;
      let stream = null;
      if (NULL_BODY_STATUS[status] === true || method === "HEAD") {
        exchange.end();
        if (!head.done) hostCall("fetch.abort", id);
      } else {
        stream = bodyStream(id, first, head.done, exchange, contentLengthOf(head.headers));
      }
      settled = true;
      resolve(internals.http.responseFromHost(status, head.statusText, head.headers,
        stream, head.urlList, null));
    };
    PromisePrototypeThen(hostCall(startOp, args, mode === "bytes" ? payload : undefined), (started) => {
      if (args.respond) {
        id = started[0].id;
        if (exchange.finished) { if (!started[0].done) hostCall("fetch.abort", id); return; }
        respond(started);
        return;
      }
      id = started[0];
      if (exchange.finished) { hostCall("fetch.abort", id); return; }
      const upload = ArrayBufferIsView(body) ? uploadBytes(id, body, exchange)
        : uploadStream(id, body, exchange);
      PromisePrototypeThen(upload, undefined, fail);
      PromisePrototypeThen(hostCall("fetch.response", id), respond, fail);
    }, fail);
  });
}

function fetch(input, init = undefined) {
  try {
    return doFetch(input, init, arguments.length);
  } catch (err) {
    return PromiseCtor.reject(err);
  }
}

internals.defineGlobal("fetch", fetch);
internals.fetchVia = (via, input, init) => {
  try {
    return doFetch(input, init, 1, via);
  } catch (err) {
    return PromiseCtor.reject(err);
  }
};
