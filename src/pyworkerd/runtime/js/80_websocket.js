// WebSocketPair, WebSocket (the server side of a pair), MessageEvent and CloseEvent.
//
// A pair's two ends talk to each other inside the isolate until one end is handed to the
// host in `new Response(null, { status: 101, webSocket: client })`: from then on what the
// worker sends on the other end goes to the real client through the bridge, and what the
// client sends arrives as "message" events. Events that arrive before accept() wait for it.
//
// For the bridge: internals.ws.handOff(socket, host) -> id, internals.ws.fromHost(id, data),
// internals.ws.closedByHost(id, code, reason, wasClean).

const { ArrayBufferIsView, ArrayPrototypePush, Map: MapCtor,
  MapPrototypeGet, MapPrototypeSet, MapPrototypeDelete, TypeError: TypeErrorCtor,
  TypedArrayPrototypeSlice, String: StringCtor, Uint8Array: U8 } = internals.primordials;
const { Event, EventTarget, dispatch } = internals.events;

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

class WebSocket extends EventTarget {
  static CONNECTING = CONNECTING;
  static OPEN = OPEN;
  static CLOSING = CLOSING;
  static CLOSED = CLOSED;
  #peer = null;        // the other end of the pair, while it lives in this isolate
  #host = null;        // { send(data), close(code, reason) } once the peer went to the host
  #accepted = false;
  #state = CONNECTING;
  #waiting = [];       // events that arrived before accept()
  #attachment = undefined;

  constructor(url, protocols, token) {
    if (token !== CREATE) {
      throw new TypeErrorCtor("WebSocket client connections (new WebSocket(url)) are not supported yet.");
    }
    super();
  }

  static pair() {
    const a = new WebSocket(undefined, undefined, CREATE);
    const b = new WebSocket(undefined, undefined, CREATE);
    a.#peer = b;
    b.#peer = a;
    return [a, b];
  }

  get readyState() { return this.#state; }
  get url() { return null; }
  get protocol() { return null; }
  get extensions() { return null; }

  accept() {
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
    if (!this.#accepted) {
      throw new TypeErrorCtor("You must call one of accept() or state.acceptWebSocket() on this WebSocket before sending messages.");
    }
    if (this.#state >= CLOSING) throw new TypeErrorCtor("Can't call WebSocket send() after close().");
    const data = messageData(message);
    if (this.#host !== null) this.#host.send(data);
    else if (this.#peer !== null) this.#peer.#receive(new MessageEvent("message", { data: toEventData(data) }));
  }

  close(code = undefined, reason = undefined) {
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

  // bridge side
  static handOff(socket, host) {
    const peer = socket.#peer;
    if (peer === null) throw new TypeErrorCtor("This WebSocket was already used in a response.");
    socket.#peer = null;
    peer.#peer = null;
    peer.#host = host;
    return peer;
  }
  static fromHost(socket, data) { socket.#receive(new MessageEvent("message", { data })); }
  static closedByHost(socket, code, reason, wasClean) {
    socket.#host = null;
    socket.#receive(new CloseEvent("close", { code, reason, wasClean }));
  }
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

// The host side: ids for sockets whose peer went out in a Response.
const byId = new MapCtor();
let nextId = 1;
internals.ws = {
  isWebSocket(x) { return x instanceof WebSocket; },
  // `client` went out in a Response; its peer now talks to the host through `host`.
  handOff(client, makeHost) {
    const id = nextId++;
    const server = WebSocket.handOff(client, makeHost(id));
    MapPrototypeSet(byId, id, server);
    return id;
  },
  fromHost(id, data) {
    const socket = MapPrototypeGet(byId, id);
    if (socket !== undefined) WebSocket.fromHost(socket, data);
  },
  closedByHost(id, code, reason, wasClean) {
    const socket = MapPrototypeGet(byId, id);
    if (socket === undefined) return;
    MapPrototypeDelete(byId, id);
    WebSocket.closedByHost(socket, code, reason, wasClean);
  },
};

internals.defineGlobal("WebSocket", WebSocket);
internals.defineGlobal("WebSocketPair", WebSocketPair);
internals.defineGlobal("MessageEvent", MessageEvent);
internals.defineGlobal("CloseEvent", CloseEvent);
