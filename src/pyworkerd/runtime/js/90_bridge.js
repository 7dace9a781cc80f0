// The JS half of the batched bridge (DESIGN.md, "Engine and bridge").
//
// Python -> JS: every event for this isolate that arrived within one event-loop tick comes
// in ONE call of `batch`, with the events as a JSON string passed as `this`; binary
// payloads (request bodies) sit in the staging ArrayBuffer that Python writes into.
// JS -> Python: `drain` returns everything produced since the last drain: a JSON string,
// or an ArrayBuffer [u32 json length][json utf-8][blobs...] when binary data is due.
// Output produced later (timers, streamed bodies) wakes Python through `notify`, a call
// that carries nothing; Python then posts a drain.
//
// The install function is reachable once, by the engine, before any worker code runs;
// everything else lives in this closure.

const { JSONParse, JSONStringify, ArrayPrototypePush, MapPrototypeGet, MapPrototypeSet,
  MapPrototypeDelete, Map: MapCtor, Uint8Array: U8, ArrayBuffer: ArrayBufferCtor,
  DataView: DataViewCtor, Int32Array: Int32ArrayCtor, PromisePrototypeThen, Promise: PromiseCtor, String: StringCtor,
  TypedArrayPrototypeSlice, TypedArrayPrototypeSet, ArrayBufferIsView, queueMicrotask,
  Error: ErrorCtor, TypeError: TypeErrorCtor, StringPrototypeCharCodeAt } = internals.primordials;

// Event codes, Python -> JS (engine/protocol.py mirrors these).
const E_REQUEST = 1, E_BODY_CHUNK = 2, E_BODY_END = 3, E_BODY_ERROR = 4, E_TIMER = 5,
  E_CREDIT = 7, E_CANCEL = 8, E_FORGET = 9, E_HOST_RESULT = 10, E_WS_MESSAGE = 11,
  E_WS_CLOSE = 12, E_INVOKE = 13, E_HOST_BODY_DONE = 14;
// Message codes, JS -> Python.
const M_HEAD = 1, M_CHUNK = 2, M_END = 3, M_STREAM_ERROR = 4, M_FAIL = 5, M_LOG = 6,
  M_TIMER_SET = 7, M_TIMER_CLEAR = 8, M_BODY_PULL = 9, M_DONE = 10, M_HOST_CALL = 11,
  M_WS_SEND = 12, M_WS_CLOSE = 13, M_RESULT = 14;
// Body kinds in M_HEAD.
const BODY_NONE = 0, BODY_STRING = 1, BODY_BYTES = 2, BODY_STREAM = 3, BODY_HOST = 4;
// Request body modes in E_REQUEST.
const REQ_INLINE = 1, REQ_STREAM = 2; // 0: no body

const STAGING_SIZE = 1 << 20;
const SYNC_SIZE = 4 << 20;
const INITIAL_CREDIT = 8;

internals.currentRequest = 0;
internals.currentContext = null;

function errorInfo(err) {
  if (err !== null && typeof err === "object") {
    let stack = "";
    try { stack = StringCtor(err.stack ?? ""); } catch { /* hostile getter */ }
    let name = "Error", message = "";
    try { name = StringCtor(err.name ?? "Error"); message = StringCtor(err.message ?? ""); } catch { /* ignore */ }
    return { name, message, stack };
  }
  let text;
  try { text = StringCtor(err); } catch { text = "<unprintable>"; }
  return { name: "Error", message: text, stack: "Uncaught " + text };
}

globalThis.__pyworkerdInstallBridge = function install(notify, syncNotify) {
  delete globalThis.__pyworkerdInstallBridge;

  const staging = new ArrayBufferCtor(STAGING_SIZE);
  const stagingBytes = new U8(staging);
  // Shared with the host: [0] batch seq and [1] event index of the event being handled
  // (after a runaway is stopped the host reads them to tell requests that never started),
  // [2] start and [3] length of the batch's JSON in staging (0: the JSON came as `this`).
  const controlBuffer = new ArrayBufferCtor(16);
  const control = new Int32ArrayCtor(controlBuffer);
  // Synchronous host calls: [status, length] (Int32) and 8 spare bytes, then the JSON of
  // the call, which Python replaces with the JSON of its answer before syncNotify returns.
  // (Pages of it are only committed once written.)
  const syncBuffer = new ArrayBufferCtor(SYNC_SIZE);
  const syncHead = new Int32ArrayCtor(syncBuffer, 0, 4);
  const syncBytes = new U8(syncBuffer);
  let out = [];
  let blobs = [];
  let blobBytes = 0;
  let notifyQueued = false;
  let drainExpected = false;
  let notified = false;

  function flushNotify() {
    notifyQueued = false;
    if (out.length === 0 || drainExpected || notified) return;
    notified = true;
    notify();
  }
  function emit(record) {
    ArrayPrototypePush(out, record);
    if (!notifyQueued) { notifyQueued = true; queueMicrotask(flushNotify); }
  }
  function blob(bytes) {
    ArrayPrototypePush(blobs, bytes);
    blobBytes += bytes.byteLength;
    return blobs.length - 1;
  }

  // -- host calls used by other runtime files
  // Host calls: call(op, args, bytes?) -> Promise<[value, Uint8Array | null]>.
  const hostCalls = new MapCtor();
  let nextCallId = 1;
  internals.host = {
    timerSet(id, ms) { emit([M_TIMER_SET, id, ms]); },
    timerClear(id) { emit([M_TIMER_CLEAR, id]); },
    // callSync(op, args, options?) -> value: a host op that answers at once (the isolate
    // waits). Only ops the host offers synchronously (their JSON answer must fit SYNC_SIZE).
    // `{ pureData: true }` also allows it at a worker's top level: only for runtime files
    // fetching data that is the same for everyone (encoding tables), never for I/O.
    callSync(op, args, options) {
      if (options === undefined || options.pureData !== true) internals.assertInRequest();
      const request = internals.utf8Encode(JSONStringify([op, args === undefined ? null : args, internals.currentRequest]));
      if (request.byteLength > SYNC_SIZE - 16) throw new RangeError(`${op}: arguments too large for a synchronous call`);
      TypedArrayPrototypeSet(syncBytes, request, 16);
      syncHead[0] = 0;
      syncHead[1] = request.byteLength;
      syncNotify();
      const answer = JSONParse(internals.utf8Decode(TypedArrayPrototypeSlice(syncBytes, 16, 16 + syncHead[1])));
      if (syncHead[0] !== 1) throw hostError(answer);
      return answer;
    },
    call(op, args, bytes) {
      internals.assertInRequest();
      const id = nextCallId++;
      const payload = bytes === undefined || bytes === null ? null : blob(TypedArrayPrototypeSlice(bytes));
      emit([M_HOST_CALL, id, internals.currentRequest, op, args === undefined ? null : args, payload]);
      return new PromiseCtor((resolve, reject) => {
        MapPrototypeSet(hostCalls, id, { resolve, reject });
      });
    },
  };

  function hostError(info) {
    const { name, message } = info;
    if (name === "TypeError") return new TypeErrorCtor(message);
    if (name === "RangeError") return new RangeError(message);
    if (name === "SyntaxError") return new SyntaxError(message);
    if (name === "Error") return new ErrorCtor(message);
    return new DOMException(message, name);
  }

  function settleHostCall(ev) {
    const call = MapPrototypeGet(hostCalls, ev[1]);
    if (call === undefined) return;
    MapPrototypeDelete(hostCalls, ev[1]);
    if (ev[2] !== 1) {
      call.reject(hostError(ev[3]));
      return;
    }
    const bytes = ev[4] === null ? null
      : TypedArrayPrototypeSlice(stagingBytes, ev[4], ev[4] + ev[5]);
    call.resolve([ev[3], bytes]);
  }
  internals.logSink = (level, text) => { emit([M_LOG, level, internals.currentRequest, text]); };
  internals.reportError = (err) => {
    const info = errorInfo(err);
    emit([M_LOG, "error", internals.currentRequest, "Uncaught " + (info.stack || info.name + ": " + info.message)]);
  };

  // -- requests in flight: rid -> state
  const requests = new MapCtor();

  function finishIfDone(rid, st) {
    if (st.responded && st.bodyDone && st.waitUntilSettled && !st.finished) {
      st.finished = true;
      MapPrototypeDelete(requests, rid);
      if (internals.rpcRequestDone) internals.rpcRequestDone(rid);
      emit([M_DONE, rid]);
    }
  }

  function trackWaitUntil(rid, st) {
    // Re-check whenever a new waitUntil promise is added; done when all settled.
    const list = st.ctxState.waitUntil;
    const count = list.length;
    if (count === st.waitUntilSeen) return;
    st.waitUntilSeen = count;
    st.waitUntilSettled = false;
    PromisePrototypeThen(PromiseCtor.allSettled(list), (results) => {
      for (const r of results) {
        if (r.status === "rejected") {
          const previous = internals.currentRequest;
          internals.currentRequest = rid;
          internals.reportError(r.reason);
          internals.currentRequest = previous;
        }
      }
      if (st.ctxState.waitUntil.length === count) {
        st.waitUntilSettled = true;
        finishIfDone(rid, st);
      }
    });
  }

  function fail(rid, st, err) {
    if (st.responded) return;
    st.responded = true;
    st.bodyDone = true;
    const info = errorInfo(err);
    emit([M_FAIL, rid, info, st.ctxState.passThrough]);
    finishIfDone(rid, st);
  }

  function sendResponse(rid, st, response) {
    let parts;
    try {
      parts = internals.http.responseForHost(response, rid);
    } catch (err) {
      fail(rid, st, err);
      return;
    }
    let wsid = null;
    if (parts.webSocket) {
      // The client end goes to the host; the request lasts until the socket closes. A
      // socket that cannot go (already used, accepted, from new WebSocket()) fails it.
      try {
        wsid = internals.ws.handOff(parts.webSocket, (id) => ({
          send(data) {
            if (typeof data === "string") emit([M_WS_SEND, id, 0, data]);
            else emit([M_WS_SEND, id, 1, blob(data)]);
          },
          close(code, reason) { emit([M_WS_CLOSE, id, code, reason]); },
        }));
      } catch (err) {
        fail(rid, st, err);
        return;
      }
    }
    st.responded = true;
    const body = parts.body;
    // [M_HEAD, rid, status, statusText, headers, body kind, payload, known length,
    //  WebSocket id, 1 when the body is already encoded (encodeBody: "manual")]
    const head = (kind, payload, length, socket) => emit([M_HEAD, rid, parts.status,
      parts.statusText, parts.headers, kind, payload, length, socket,
      parts.encodeBody === "manual" ? 1 : 0]);
    if (parts.webSocket) {
      st.webSocket = wsid;
      head(BODY_NONE, null, null, wsid);
    } else if (body === null || body === undefined) {
      head(BODY_NONE, null, null, null);
      st.bodyDone = true;
    } else if (typeof body === "string") {
      head(BODY_STRING, body, null, null);
      st.bodyDone = true;
    } else if (ArrayBufferIsView(body)) {
      // A copy: the worker may reuse its buffer after returning the Response.
      head(BODY_BYTES, blob(TypedArrayPrototypeSlice(body)), null, null);
      st.bodyDone = true;
    } else {
      // A length the stream is known to deliver (from a string or buffer body, a
      // FixedLengthStream) becomes Content-Length; otherwise the body goes out chunked.
      const length = internals.streams.expectedLength(body);
      const source = internals.streams.takeHostSource(body);
      if (source !== undefined) {
        // A binding's body passed on unread (an R2 object, a fetch() response, a cache
        // hit): the host reads it from its source without JS; E_HOST_BODY_DONE ends it.
        if (source.taken) source.taken();
        const first = source.first === null || source.first.length === 0 ? null : blob(source.first);
        head(BODY_HOST, [source.op, source.args, source.cancel, first, source.done ? 1 : 0,
          source.file ?? null],
          length === undefined ? null : length, null);
        finishIfDone(rid, st);
        return;
      }
      head(BODY_STREAM, null, length === undefined ? null : length, null);
      st.reader = body.getReader();
      st.credit = INITIAL_CREDIT;
      pump(rid, st);
    }
    finishIfDone(rid, st);
  }

  function pump(rid, st) {
    if (st.reading || st.credit <= 0 || st.bodyDone) return;
    st.reading = true;
    PromisePrototypeThen(st.reader.read(), (result) => {
      st.reading = false;
      if (st.bodyDone) return;
      if (result.done) {
        st.bodyDone = true;
        emit([M_END, rid]);
        finishIfDone(rid, st);
        return;
      }
      let chunk = result.value;
      if (!ArrayBufferIsView(chunk)) {
        if (chunk instanceof ArrayBufferCtor) {
          chunk = new U8(chunk);
        } else {
          streamError(rid, st, new TypeErrorCtor("This ReadableStream did not return bytes."));
          return;
        }
      } else if (!(chunk instanceof U8)) {
        chunk = new U8(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      }
      if (chunk.byteLength > 0) {
        st.credit--;
        emit([M_CHUNK, rid, blob(chunk)]);
      }
      pump(rid, st);
    }, (err) => {
      st.reading = false;
      streamError(rid, st, err);
    });
  }

  function streamError(rid, st, err) {
    if (st.bodyDone) return;
    st.bodyDone = true;
    try { st.reader.cancel(err); } catch { /* already errored */ }
    emit([M_STREAM_ERROR, rid, errorInfo(err)]);
    finishIfDone(rid, st);
  }

  function requestBodyStream(rid, st, headers) {
    let expectedLength;
    for (let i = 0; i < headers.length; i += 2) {
      if (headers[i] === "content-length") expectedLength = +headers[i + 1];
    }
    return internals.streams.createPullStream({
      pull(controller) {
        st.bodyController = controller;
        emit([M_BODY_PULL, rid]);
        return new PromiseCtor((resolve) => { st.bodyResolve = resolve; });
      },
      cancel() { st.bodyController = null; },
    }, { expectedLength });
  }

  function deliverBody(st, fn) {
    const controller = st.bodyController;
    const resolve = st.bodyResolve;
    st.bodyResolve = null;
    if (controller) {
      try { fn(controller); } catch { /* stream cancelled */ }
    }
    if (resolve) resolve();
  }

  // The state of one invocation (a request or another event), current while its
  // handler's synchronous part runs.
  function enter(rid, props) {
    // AsyncLocalStorage (72_node.js): each invocation starts in the empty context.
    if (internals.enterRootContext) internals.enterRootContext();
    const { ctx, state: ctxState } = internals.createContext(props);
    const st = {
      ctxState, responded: false, bodyDone: false, finished: false,
      waitUntilSettled: true, waitUntilSeen: 0, reader: null, reading: false, credit: 0,
      bodyController: null, bodyResolve: null,
    };
    MapPrototypeSet(requests, rid, st);
    ctxState.onWaitUntil = () => trackWaitUntil(rid, st);
    internals.currentRequest = rid;
    internals.currentContext = ctx;
    return [ctx, st];
  }

  // [E_INVOKE, rid, kind, entrypoint, name, args, props]: scheduled, queue, RPC …;
  // answered with [M_RESULT, rid, value] (the value is JSON) or M_FAIL.
  function startInvoke(ev) {
    const rid = ev[1];
    const [ctx, st] = enter(rid, ev[6]);
    try {
      const result = internals.invokeHandler(ev[2], ev[3], ev[4], ev[5], ctx);
      PromisePrototypeThen(PromiseCtor.resolve(result), (value) => {
        if (st.responded) return;
        st.responded = true;
        st.bodyDone = true;
        emit([M_RESULT, rid, value === undefined ? null : value]);
        finishIfDone(rid, st);
      }, (err) => fail(rid, st, err));
    } catch (err) {
      fail(rid, st, err);
    } finally {
      internals.currentRequest = 0;
      internals.currentContext = null;
    }
  }

  function startRequest(ev) {
    const rid = ev[1];
    const mode = ev[5];
    let body = null;
    const [ctx, st] = enter(rid, ev[9]);
    try {
      if (mode === REQ_INLINE) {
        body = TypedArrayPrototypeSlice(stagingBytes, ev[6], ev[6] + ev[7]);
      } else if (mode === REQ_STREAM) {
        body = requestBodyStream(rid, st, ev[4]);
      }
      const request = internals.http.requestFromHost(ev[2], ev[3], ev[4], internals.makeCf(), body);
      const handler = ev[10] ? internals.actorFetchHandler(ev[10])
        : internals.exportedHandler(ev[8] ?? "default", "fetch", ctx);
      if (handler === null) throw new ErrorCtor("Handler does not export a fetch() function.");
      const result = handler(request);
      PromisePrototypeThen(PromiseCtor.resolve(result),
        (response) => sendResponse(rid, st, response),
        (err) => fail(rid, st, err));
    } catch (err) {
      fail(rid, st, err);
    } finally {
      internals.currentRequest = 0;
      internals.currentContext = null;
    }
  }

  function handle(ev) {
    const kind = ev[0];
    if (kind === E_REQUEST) { startRequest(ev); return; }
    if (kind === E_INVOKE) { startInvoke(ev); return; }
    if (kind === E_TIMER) { internals.fireTimer(ev[1]); return; }
    if (kind === E_HOST_RESULT) { settleHostCall(ev); return; }
    if (kind === E_WS_MESSAGE) {
      // [id, 0, text] or [id, 1, offset, length] (binary in staging)
      internals.ws.fromHost(ev[1], ev[2] === 0 ? ev[3]
        : TypedArrayPrototypeSlice(stagingBytes, ev[3], ev[3] + ev[4]).buffer);
      return;
    }
    if (kind === E_HOST_BODY_DONE) {
      const st = MapPrototypeGet(requests, ev[1]);
      if (st !== undefined) { st.bodyDone = true; finishIfDone(ev[1], st); }
      return;
    }
    if (kind === E_WS_CLOSE) {
      internals.ws.closedByHost(ev[1], ev[2], ev[3], ev[4]);
      const st = MapPrototypeGet(requests, ev[5]);
      if (st !== undefined) { st.bodyDone = true; finishIfDone(ev[5], st); }
      return;
    }
    const st = MapPrototypeGet(requests, ev[1]);
    if (st === undefined) return;
    if (kind === E_BODY_CHUNK) {
      const chunk = TypedArrayPrototypeSlice(stagingBytes, ev[2], ev[2] + ev[3]);
      deliverBody(st, (c) => c.enqueue(chunk));
    } else if (kind === E_BODY_END) {
      deliverBody(st, (c) => c.close());
    } else if (kind === E_BODY_ERROR) {
      deliverBody(st, (c) => c.error(new TypeErrorCtor(ev[2])));
    } else if (kind === E_CREDIT) {
      st.credit += ev[2];
      pump(ev[1], st);
    } else if (kind === E_FORGET) {
      st.finished = true;
      MapPrototypeDelete(requests, ev[1]);
    } else if (kind === E_CANCEL) {
      if (st.reader && !st.bodyDone) {
        st.bodyDone = true;
        try { st.reader.cancel(new ErrorCtor(ev[2])); } catch { /* ignore */ }
      }
      if (st.bodyController) deliverBody(st, (c) => c.error(new ErrorCtor(ev[2])));
      st.responded = true;
      finishIfDone(ev[1], st);
    }
  }

  function batch() {
    drainExpected = true;
    // Fresh entropy from the host (os.urandom) for the runtime's CSPRNG.
    if (internals.reseed) internals.reseed(TypedArrayPrototypeSlice(stagingBytes, STAGING_SIZE - 32));
    const length = control[3];
    const events = JSONParse(length === 0 ? this
      : internals.latin1Decode(stagingBytes, control[2], control[2] + length));
    control[0] = events[0];
    for (let i = 1; i < events.length; i++) {
      control[1] = i;
      try {
        handle(events[i]);
      } catch (err) {
        internals.reportError(err);
      }
    }
  }

  function encodeJson(text) {
    // ASCII fast path; otherwise the runtime's UTF-8 encoder.
    const n = text.length;
    const bytes = new U8(n);
    for (let i = 0; i < n; i++) {
      const c = StringPrototypeCharCodeAt(text, i);
      if (c > 0x7f) return internals.utf8Encode(text);
      bytes[i] = c;
    }
    return bytes;
  }

  function drain() {
    drainExpected = false;
    notified = false;
    if (out.length === 0) return "";
    const records = out;
    out = [];
    if (blobs.length === 0) return JSONStringify(records);
    const lengths = [];
    for (let i = 0; i < blobs.length; i++) ArrayPrototypePush(lengths, blobs[i].byteLength);
    const json = encodeJson(JSONStringify([records, lengths]));
    const result = new ArrayBufferCtor(4 + json.byteLength + blobBytes);
    new DataViewCtor(result).setUint32(0, json.byteLength, true);
    const view = new U8(result);
    TypedArrayPrototypeSet(view, json, 4);
    let offset = 4 + json.byteLength;
    for (let i = 0; i < blobs.length; i++) {
      TypedArrayPrototypeSet(view, blobs[i], offset);
      offset += blobs[i].byteLength;
    }
    blobs = [];
    blobBytes = 0;
    return result;
  }

  // load(moduleFn, configJson): the worker's top level runs here, once per isolate.
  function load(moduleFn, configJson) {
    internals.loadWorker(moduleFn, JSONParse(configJson));
  }

  return [batch, drain, staging, load, controlBuffer, syncBuffer];
};

// request.cf: a plausible local object (workerd fills it from the edge; locally it is fixed).
const cfTemplate = JSONStringify({
  asn: 395747, asOrganization: "Localhost", colo: "DFW", country: "US", city: "Austin",
  continent: "NA", region: "Texas", regionCode: "TX", postalCode: "78701", metroCode: "635",
  latitude: "30.27130", longitude: "-97.74260", timezone: "America/Chicago", isEUCountry: undefined,
  httpProtocol: "HTTP/1.1", tlsVersion: "", tlsCipher: "", clientTcpRtt: 0,
  clientAcceptEncoding: "gzip, deflate, br", requestPriority: "", edgeRequestKeepAliveStatus: 1,
  verifiedBotCategory: "", botManagement: { corporateProxy: false, verifiedBot: false, jsDetection: { passed: false }, staticResource: false, detectionIds: {}, score: 99 },
});
internals.makeCf = () => JSONParse(cfTemplate);
