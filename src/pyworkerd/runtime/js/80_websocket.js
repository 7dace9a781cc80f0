// WebSocketPair, WebSocket (the server side of a pair), MessageEvent and CloseEvent.
//
// A pair's two ends talk to each other inside the isolate until one end is handed to the
// host in `new Response(null, { status: 101, webSocket: client })`: from then on what the
// worker sends on the other end goes to the real client through the bridge, and what the
// client sends arrives as "message" events. Events that arrive before accept() wait for it.
//
// Client WebSockets ("remote" sockets below) talk to a server through the host
// (runtime/websocket.py, aiohttp): `new WebSocket(url, protocols)` connects at once, fires
// "open" and is accepted by itself; `fetch(url, { headers: { Upgrade: "websocket" } })`
// resolves to a 101 Response whose `webSocket` the worker must accept() (or return in its
// own Response: the two connections are then proxied). Host ops: websocket.connect /
// send / receive (a long poll, re-armed after each event) / close; see websocket.py.
//
// For the bridge: internals.ws.handOff(socket, host) -> id, internals.ws.fromHost(id, data),
// internals.ws.closedByHost(id, code, reason, wasClean). For fetch():
// internals.ws.isUpgrade(flatHeaders), internals.ws.fetchUpgrade(requestForHost) -> Promise.

const { ArrayBufferIsView, ArrayPrototypePush, ArrayPrototypeIndexOf, ArrayFrom, Map: MapCtor,
  MapPrototypeGet, MapPrototypeSet, MapPrototypeDelete, TypeError: TypeErrorCtor,
  Error: ErrorCtor, PromisePrototypeThen, StringPrototypeCharCodeAt,
  StringPrototypeIncludes, StringPrototypeToLowerCase, StringPrototypeSplit, StringPrototypeTrim,
  SymbolIterator, TypedArrayPrototypeSet,
  TypedArrayPrototypeSlice, String: StringCtor, Uint8Array: U8 } = internals.primordials;
const { Event, EventTarget, dispatch } = internals.events;
const DOMExceptionCtor = internals.DOMException;

const CONNECTING = 0, OPEN = 1, CLOSING = 2, CLOSED = 3;
const CREATE = Symbol("create");

class MessageEvent extends Event {
  #data;
  constructor(type, init = undefined) {
    super(type, init);
    this.#data = init?.data ?? null;
  }
  get data() { return this.#data; }
}

class CloseEvent extends Event {
  #code; #reason; #wasClean;
  constructor(type, init = undefined) {
    super(type, init);
    this.#code = init?.code ?? 0;
    this.#reason = init?.reason ?? "";
    this.#wasClean = init?.wasClean ?? false;
  }
  get code() { return this.#code; }
  get reason() { return this.#reason; }
  get wasClean() { return this.#wasClean; }
}

// workerd's ErrorEvent (events.h): what a WebSocket's "error" event is.
class ErrorEvent extends Event {
  #message; #filename; #lineno; #colno; #error;
  constructor(type, init = undefined) {
    super(type, init);
    this.#message = init?.message === undefined ? "" : StringCtor(init.message);
    this.#filename = init?.filename === undefined ? "" : StringCtor(init.filename);
    this.#lineno = init?.lineno === undefined ? 0 : init.lineno >>> 0;
    this.#colno = init?.colno === undefined ? 0 : init.colno >>> 0;
    this.#error = init?.error;
  }
  get filename() { return this.#filename; }
  get message() { return this.#message; }
  get lineno() { return this.#lineno; }
  get colno() { return this.#colno; }
  get error() { return this.#error; }
}

function messageData(data) {
  if (typeof data === "string") return data;
  if (data instanceof ArrayBuffer) return new U8(data.slice(0));
  if (ArrayBufferIsView(data)) {
    return TypedArrayPrototypeSlice(new U8(data.buffer, data.byteOffset, data.byteLength));
  }
  throw new TypeErrorCtor("Failed to execute 'send' on 'WebSocket': parameter 1 is not of type 'string or ArrayBuffer or ArrayBufferView'.");
}

function validCloseCode(code) {
  return code === 1000 || (code >= 3000 && code <= 4999);
}

// workerd's rule for close() on a connection (web-socket.c++ WebSocket::close).
function validRemoteCloseCode(code) {
  return code >= 1000 && code < 5000 && code !== 1004 && code !== 1005 && code !== 1006 &&
    code !== 1015;
}

const CTOR_PREFIX = "WebSocket Constructor: ";
function syntaxError(message) { return new DOMExceptionCtor(CTOR_PREFIX + message, "SyntaxError"); }
const NOT_ACCEPTED = "You must call one of accept() or state.acceptWebSocket() on this WebSocket before sending messages.";
const FAILED_TO_CONNECT = "Failed to establish websocket connection";

// RFC 6455 section 4.1 item 10: a protocol is a token (no separators, no controls).
function validProtoToken(protocol) {
  if (protocol.length === 0) return false;
  for (let i = 0; i < protocol.length; i++) {
    const c = StringPrototypeCharCodeAt(protocol, i);
    if (c < 0x21 || c > 0x7e) return false;
    if (StringPrototypeIncludes("()<>@,;:\\/[]?={}", protocol[i])) return false;
  }
  return true;
}

function protocolList(protocols) {
  if (protocols === undefined) return [];
  if (protocols !== null && typeof protocols === "object" && typeof protocols[SymbolIterator] === "function") {
    const list = ArrayFrom(protocols, (p) => StringCtor(p));
    if (list.length === 0) throw syntaxError("The protocols array cannot be empty.");
    for (let i = 0; i < list.length; i++) {
      if (!validProtoToken(list[i])) throw syntaxError("One of the protocol header tokens is invalid.");
      if (ArrayPrototypeIndexOf(list, list[i]) !== i) {
        throw syntaxError("The protocols header cannot have repeating values.");
      }
    }
    return list;
  }
  const one = StringCtor(protocols);
  if (!validProtoToken(one)) throw syntaxError("The protocol header token is invalid.");
  return [one];
}

function hostCall(op, args, bytes) { return internals.host.call(op, args, bytes); }
function ignore() {}

function joinParts(parts, size) {
  const out = new U8(size);
  let offset = 0;
  for (let i = 0; i < parts.length; i++) {
    TypedArrayPrototypeSet(out, parts[i], offset);
    offset += parts[i].byteLength;
  }
  return out;
}

function exactBuffer(bytes) {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? bytes.buffer : TypedArrayPrototypeSlice(bytes).buffer;
}

class WebSocket extends EventTarget {
  static CONNECTING = CONNECTING;
  static OPEN = OPEN;
  static CLOSING = CLOSING;
  static CLOSED = CLOSED;
  static READY_STATE_CONNECTING = CONNECTING;
  static READY_STATE_OPEN = OPEN;
  static READY_STATE_CLOSING = CLOSING;
  static READY_STATE_CLOSED = CLOSED;
  #peer = null;        // the other end of the pair, while it lives in this isolate
  #host = null;        // { send(data), close(code, reason) } once the peer went to the host
  #remote = null;      // a client connection through the host (see newRemote)
  #accepted = false;
  #state = CONNECTING;
  #waiting = [];       // events that arrived before accept()
  #attachment = undefined;
  #url = null;
  #protocol = null;
  #extensions = null;
  #binaryType = "arraybuffer";

  constructor(url, protocols = undefined, token = undefined) {
    if (token === CREATE) {
      super();
      return;
    }
    // new WebSocket(url, protocols): workerd's WebSocket::constructor.
    if (arguments.length === 0) {
      throw new TypeErrorCtor("Failed to construct 'WebSocket': constructor parameter 1 is not of type 'string'.");
    }
    internals.assertInRequest();
    const urlString = StringCtor(url);
    const parsed = internals.parseURL(urlString);
    if (parsed === null) throw syntaxError("The url is invalid.");
    const scheme = parsed.protocol;
    if (scheme !== "ws:" && scheme !== "wss:") throw syntaxError("The url scheme must be ws or wss.");
    if (StringPrototypeIncludes(parsed.href, "#")) throw syntaxError("The url fragment must be empty.");
    const list = protocolList(protocols);
    super();
    this.#url = urlString;
    this.#protocol = "";
    this.#extensions = "";
    const r = this.#remote = newRemote("client", null);
    r.connecting = true;
    PromisePrototypeThen(
      hostCall("websocket.connect", { url: parsed.href, protocols: list, headers: [], mode: "socket" }),
      (result) => this.#connected(result[0]),
      (err) => this.#connectFailed(err));
  }

  // A connection fetch() opened (status 101): accept() it, or return it in a Response.
  static fromFetch(id) {
    const socket = new WebSocket(undefined, undefined, CREATE);
    socket.#remote = newRemote("fetched", id);
    socket.#protocol = "";
    socket.#extensions = "";
    return socket;
  }

  static pair() {
    const a = new WebSocket(undefined, undefined, CREATE);
    const b = new WebSocket(undefined, undefined, CREATE);
    a.#peer = b;
    b.#peer = a;
    return [a, b];
  }

  get readyState() {
    const r = this.#remote;
    if (r === null) return this.#state;
    if (r.hasError || (r.closedIncoming && (r.closedOutgoing || r.outgoingAborted))) return CLOSED;
    if (r.closedIncoming || r.closedOutgoing) return CLOSING;
    return r.connecting ? CONNECTING : OPEN;
  }
  get url() { return this.#url; }
  get protocol() { return this.#protocol; }
  get extensions() { return this.#extensions; }
  get binaryType() { return this.#binaryType; }
  set binaryType(value) {
    const type = StringCtor(value);
    // The HTML Standard ignores any other value; "blob" needs Blob.
    if (type === "arraybuffer" || (type === "blob" && internals.blob !== undefined)) this.#binaryType = type;
  }

  accept() {
    const r = this.#remote;
    if (r !== null) {
      if (r.connecting) {
        throw new TypeErrorCtor("Websockets obtained from the 'new WebSocket()' constructor cannot call accept");
      }
      if (r.released) throw new TypeErrorCtor("Can't accept() WebSocket that was already used in a response.");
      if (this.#accepted) return;
      this.#accepted = true;
      this.#pump();
      return;
    }
    if (this.#accepted) return;
    if (this.#host === null && this.#peer === null) {
      throw new TypeErrorCtor("Can't accept() WebSocket that was already used in a response.");
    }
    this.#accepted = true;
    if (this.#state === CONNECTING) this.#state = OPEN;
    const waiting = this.#waiting;
    this.#waiting = [];
    internals.primordials.queueMicrotask(() => {
      for (const event of waiting) this.#fire(event);
    });
  }

  send(message) {
    const r = this.#remote;
    if (r !== null) {
      if (r.closedOutgoing) throw new TypeErrorCtor("Can't call WebSocket send() after close().");
      // The connection went away: ignored, as workerd does.
      if (r.outgoingAborted || r.released) return;
      if (!this.#accepted) throw new TypeErrorCtor(NOT_ACCEPTED);
      const data = messageData(message);
      const sent = typeof data === "string" ? hostCall("websocket.send", [r.id, data])
        : hostCall("websocket.send", r.id, data);
      PromisePrototypeThen(sent, undefined, ignore);
      return;
    }
    if (!this.#accepted) {
      throw new TypeErrorCtor(NOT_ACCEPTED);
    }
    if (this.#state >= CLOSING) throw new TypeErrorCtor("Can't call WebSocket send() after close().");
    const data = messageData(message);
    if (this.#host !== null) this.#host.send(data);
    else if (this.#peer !== null) this.#peer.#receive(new MessageEvent("message", { data: toEventData(data) }));
  }

  close(code = undefined, reason = undefined) {
    const r = this.#remote;
    if (r !== null) {
      if (r.connecting) {
        // Closed before the connection was made: it is dropped once made (error + close).
        r.cancelled = true;
        return;
      }
      if (r.closedOutgoing || r.outgoingAborted || r.released) return;
      if (!this.#accepted) throw new TypeErrorCtor(NOT_ACCEPTED);
      if (r.hasError) throw r.error;
      if (code !== undefined) {
        code = +code;
        if (!validRemoteCloseCode(code)) throw new TypeErrorCtor("Invalid WebSocket close code: " + code + ".");
      }
      if (reason !== undefined && code === undefined) {
        throw new TypeErrorCtor("If you specify a WebSocket close reason, you must also specify a code.");
      }
      r.closedOutgoing = true;
      PromisePrototypeThen(hostCall("websocket.close",
        [r.id, code ?? 1005, reason === undefined ? "" : StringCtor(reason)]), undefined, ignore);
      return;
    }
    if (code !== undefined) {
      code = +code;
      if (!validCloseCode(code)) throw new TypeErrorCtor("Invalid WebSocket close code: " + code + ".");
    }
    reason = reason === undefined ? "" : StringCtor(reason);
    if (this.#state >= CLOSING) return;
    this.#state = CLOSING;
    const closeCode = code ?? 1005;
    if (this.#host !== null) {
      this.#host.close(code ?? 1000, reason);
    } else if (this.#peer !== null) {
      const peer = this.#peer;
      peer.#receive(new CloseEvent("close", { code: closeCode, reason, wasClean: true }));
      this.#state = CLOSED;
    }
  }

  serializeAttachment(value) { this.#attachment = structuredCloneIfAny(value); }
  deserializeAttachment() { return structuredCloneIfAny(this.#attachment); }

  #receive(event) {
    if (event.type === "close" && this.#state !== CLOSED) this.#state = CLOSING;
    if (!this.#accepted) {
      ArrayPrototypePush(this.#waiting, event);
      return;
    }
    internals.primordials.queueMicrotask(() => this.#fire(event));
  }

  #fire(event) {
    if (event.type === "close") this.#state = CLOSED;
    dispatch(this, event);
  }

  // ---- remote sockets

  // An event for the worker's listeners; a listener's exception is reported, not lost.
  #emit(event) {
    try { dispatch(this, event); } catch (err) { internals.reportError(err); }
  }

  #connected(head) {
    const r = this.#remote;
    r.id = head.id;
    r.connecting = false;
    if (r.cancelled) {
      PromisePrototypeThen(hostCall("websocket.close", [r.id, 1000, ""]), undefined, ignore);
      this.#connectFailed(new ErrorCtor("Called close before connection was established."));
      return;
    }
    this.#protocol = head.protocol;
    this.#extensions = head.extensions;
    this.#accepted = true;
    this.#pump();
    this.#emit(new Event("open"));
  }

  #connectFailed(err) {
    const r = this.#remote;
    r.connecting = false;
    r.released = true;
    r.closedIncoming = true;
    this.#reportError(err);
    this.#emit(new CloseEvent("close", { code: 1006, reason: FAILED_TO_CONNECT, wasClean: false }));
  }

  #reportError(err) {
    const r = this.#remote;
    if (r.hasError) return;
    r.hasError = true;
    r.error = err;
    r.outgoingAborted = true;
    let message;
    try { message = "Uncaught " + StringCtor(err); } catch { message = "Uncaught exception"; }
    this.#emit(new ErrorEvent("error", { message, error: err }));
  }

  // One receive in flight at a time; each event re-arms it until the close (or an error).
  #pump() {
    const r = this.#remote;
    if (r.receiving || r.closedIncoming || r.proxy !== null) return;
    r.receiving = true;
    PromisePrototypeThen(hostCall("websocket.receive", r.id), (result) => {
      r.receiving = false;
      const value = result[0];
      const kind = value.kind;
      if (kind === "close") {
        r.closedIncoming = true;
        r.outgoingAborted = true; // the host answered the server's Close
        this.#emit(new CloseEvent("close", { code: value.code, reason: value.reason, wasClean: value.clean }));
        return;
      }
      if (kind === "error") {
        r.closedIncoming = true;
        this.#reportError(new ErrorCtor(value.message));
        return;
      }
      const message = takeMessage(r, value, result[1]);
      this.#pump();
      if (message !== null) this.#emit(new MessageEvent("message", { data: this.#eventData(message) }));
    }, (err) => {
      r.receiving = false;
      if (r.closedIncoming) return;
      r.closedIncoming = true;
      this.#reportError(err);
    });
  }

  #eventData(message) {
    if (typeof message === "string") return message;
    if (this.#binaryType === "blob" && internals.blob !== undefined) return internals.blob.create(message, "");
    return exactBuffer(message);
  }

  // ---- bridge side
  static handOff(socket, host) {
    const peer = socket.#peer;
    if (peer === null) throw new TypeErrorCtor("This WebSocket was already used in a response.");
    socket.#peer = null;
    peer.#peer = null;
    peer.#host = host;
    // What the worker sent before returning the socket waits in its client end: it goes
    // out first, right behind the response's head (the host opens the socket on it).
    const pending = socket.#waiting;
    socket.#waiting = [];
    if (pending.length > 0) {
      internals.primordials.queueMicrotask(() => {
        for (let i = 0; i < pending.length; i++) {
          const event = pending[i];
          if (event.type === "message") {
            const data = event.data;
            host.send(typeof data === "string" ? data : new U8(data));
          } else if (event.type === "close") {
            host.close(event.code, event.reason);
          }
        }
      });
    }
    return peer;
  }
  static fromHost(socket, data) { socket.#receive(new MessageEvent("message", { data })); }
  static closedByHost(socket, code, reason, wasClean) {
    socket.#host = null;
    socket.#receive(new CloseEvent("close", { code, reason, wasClean }));
  }
  static isRemote(socket) { return socket.#remote !== null; }

  // workerd's WebSocket::couple: a connection fetch() opened, returned in the worker's own
  // Response, is proxied to the client: frames go both ways until either side closes.
  static couple(socket, host) {
    const r = socket.#remote;
    if (r.kind === "client" && (r.connecting || !socket.#accepted)) {
      throw new TypeErrorCtor("Can't return WebSocket in a Response if it was created with `new WebSocket()`");
    }
    if (r.released) throw new TypeErrorCtor("Can't return WebSocket that was already used in a response.");
    if (socket.#accepted) throw new TypeErrorCtor("Can't return WebSocket in a Response after calling accept().");
    r.released = true;
    const proxy = {
      closed: false,
      fromHost(data) {
        if (proxy.closed) return;
        const sent = typeof data === "string" ? hostCall("websocket.send", [r.id, data])
          : hostCall("websocket.send", r.id, new U8(data));
        PromisePrototypeThen(sent, undefined, ignore);
      },
      closedByHost(code, reason) {
        if (proxy.closed) return;
        proxy.closed = true;
        const wire = validRemoteCloseCode(code) ? code : 1000;
        PromisePrototypeThen(hostCall("websocket.close", [r.id, wire, wire === code ? reason : ""]), undefined, ignore);
      },
    };
    r.proxy = proxy;
    const upstream = () => {
      PromisePrototypeThen(hostCall("websocket.receive", r.id), (result) => {
        const value = result[0];
        if (value.kind === "close" || value.kind === "error") {
          if (!proxy.closed) {
            proxy.closed = true;
            const code = value.kind === "close" && validRemoteCloseCode(value.code) ? value.code : 1011;
            host.close(code, value.kind === "close" && code === value.code ? value.reason : "");
          }
          return;
        }
        const message = takeMessage(r, value, result[1]);
        upstream();
        if (message !== null && !proxy.closed) host.send(message);
      }, () => {
        if (!proxy.closed) { proxy.closed = true; host.close(1011, ""); }
      });
    };
    upstream();
    return proxy;
  }
}

// A remote socket's state (workerd's Native flags).
function newRemote(kind, id) {
  return {
    kind, id, connecting: false, cancelled: false, released: false, receiving: false,
    closedIncoming: false, closedOutgoing: false, outgoingAborted: false,
    hasError: false, error: undefined, parts: null, proxy: null,
  };
}

// One event of websocket.receive -> a whole message (string or Uint8Array), or null while
// the pieces of a large one are still coming.
function takeMessage(r, value, bytes) {
  const kind = value.kind;
  if (kind === "text" && typeof value.data === "string") return value.data;
  if (kind === "part") {
    const parts = r.parts;
    if (parts === null || bytes === null) return null;
    ArrayPrototypePush(parts.chunks, bytes);
    parts.got += bytes.byteLength;
    if (parts.got < parts.size) return null;
    r.parts = null;
    const whole = joinParts(parts.chunks, parts.size);
    return parts.kind === "text" ? internals.utf8Decode(whole) : whole;
  }
  const first = bytes === null ? new U8(0) : bytes;
  if (first.byteLength < value.size) {
    r.parts = { kind, size: value.size, got: first.byteLength, chunks: [first] };
    return null;
  }
  return kind === "text" ? internals.utf8Decode(first) : first;
}

// fetch() with `Upgrade: websocket`.
function isUpgrade(flat) {
  for (let i = 0; i < flat.length; i += 2) {
    if (StringPrototypeToLowerCase(flat[i]) !== "upgrade") continue;
    const values = StringPrototypeSplit(flat[i + 1], ",");
    for (let j = 0; j < values.length; j++) {
      if (StringPrototypeToLowerCase(StringPrototypeTrim(values[j])) === "websocket") return true;
    }
  }
  return false;
}

// `via` (a binding's fetch: {op, binding, target?}) connects to another worker of this
// runtime through "<op>.websocket" instead of the network; the answer has the same shape.
function fetchUpgrade(r, via = undefined) {
  const args = { url: r.url, protocols: [], headers: r.headers, mode: "fetch" };
  let op = "websocket.connect";
  if (via !== undefined) {
    op = StringPrototypeSplit(via.op, ".")[0] + ".websocket";
    args.binding = via.binding;
    if (via.target !== undefined) args.target = via.target;
  }
  return PromisePrototypeThen(hostCall(op, args), (result) => {
    const head = result[0];
    const socket = head.id === null ? null : WebSocket.fromFetch(head.id);
    return internals.http.responseFromHost(head.status, head.statusText, head.headers, null, [r.url], socket);
  });
}

function toEventData(bytes) {
  return typeof bytes === "string" ? bytes : bytes.buffer;
}

function structuredCloneIfAny(value) {
  const clone = globalThis.structuredClone;
  return typeof clone === "function" && value !== undefined ? clone(value) : value;
}

class WebSocketPair {
  constructor() {
    const [client, server] = WebSocket.pair();
    this[0] = client;
    this[1] = server;
  }
}

// The host side: ids for sockets whose peer went out in a Response, and for connections
// (from fetch) proxied to the client.
const byId = new MapCtor();
const proxies = new MapCtor();
let nextId = 1;
internals.ws = {
  isWebSocket(x) { return x instanceof WebSocket; },
  // `client` went out in a Response; its peer now talks to the host through `host`.
  handOff(client, makeHost) {
    if (WebSocket.isRemote(client)) {
      const id = nextId++;
      MapPrototypeSet(proxies, id, WebSocket.couple(client, makeHost(id)));
      return id;
    }
    const id = nextId++;
    const server = WebSocket.handOff(client, makeHost(id));
    MapPrototypeSet(byId, id, server);
    return id;
  },
  fromHost(id, data) {
    const socket = MapPrototypeGet(byId, id);
    if (socket !== undefined) WebSocket.fromHost(socket, data);
    else MapPrototypeGet(proxies, id)?.fromHost(data);
  },
  closedByHost(id, code, reason, wasClean) {
    const proxy = MapPrototypeGet(proxies, id);
    if (proxy !== undefined) {
      MapPrototypeDelete(proxies, id);
      proxy.closedByHost(code, reason);
      return;
    }
    const socket = MapPrototypeGet(byId, id);
    if (socket === undefined) return;
    MapPrototypeDelete(byId, id);
    WebSocket.closedByHost(socket, code, reason, wasClean);
  },
  isUpgrade,
  fetchUpgrade,
};

internals.defineGlobal("WebSocket", WebSocket);
internals.defineGlobal("WebSocketPair", WebSocketPair);
internals.defineGlobal("MessageEvent", MessageEvent);
internals.defineGlobal("CloseEvent", CloseEvent);
internals.defineGlobal("ErrorEvent", ErrorEvent);
