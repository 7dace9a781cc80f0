// node:http's client (request, get, ClientRequest, IncomingMessage, Agent) on the runtime's
// fetch, as workerd's node:http client is: the request body is gathered, sent with
// redirect "manual" (Node never follows redirects), and the response body streams into an
// IncomingMessage. Servers are not available (their functions throw). node:https is the
// same with "https:" as the default and only protocol.
const { Readable, Writable } = require("node:stream");
const { EventEmitter } = require("node:events");
const { Buffer } = require("node:buffer");
const { notImplemented, notImplementedClass } = require("../unenv.js");

const METHODS = ["ACL","BIND","CHECKOUT","CONNECT","COPY","DELETE","GET","HEAD","LINK","LOCK","M-SEARCH","MERGE","MKACTIVITY","MKCALENDAR","MKCOL","MOVE","NOTIFY","OPTIONS","PATCH","POST","PROPFIND","PROPPATCH","PURGE","PUT","QUERY","REBIND","REPORT","SEARCH","SOURCE","SUBSCRIBE","TRACE","UNBIND","UNLINK","UNLOCK","UNSUBSCRIBE"];
const STATUS_CODES = {"100":"Continue","101":"Switching Protocols","102":"Processing","103":"Early Hints","200":"OK","201":"Created","202":"Accepted","203":"Non-Authoritative Information","204":"No Content","205":"Reset Content","206":"Partial Content","207":"Multi-Status","208":"Already Reported","226":"IM Used","300":"Multiple Choices","301":"Moved Permanently","302":"Found","303":"See Other","304":"Not Modified","305":"Use Proxy","307":"Temporary Redirect","308":"Permanent Redirect","400":"Bad Request","401":"Unauthorized","402":"Payment Required","403":"Forbidden","404":"Not Found","405":"Method Not Allowed","406":"Not Acceptable","407":"Proxy Authentication Required","408":"Request Timeout","409":"Conflict","410":"Gone","411":"Length Required","412":"Precondition Failed","413":"Payload Too Large","414":"URI Too Long","415":"Unsupported Media Type","416":"Range Not Satisfiable","417":"Expectation Failed","418":"I'm a Teapot","421":"Misdirected Request","422":"Unprocessable Entity","423":"Locked","424":"Failed Dependency","425":"Too Early","426":"Upgrade Required","428":"Precondition Required","429":"Too Many Requests","431":"Request Header Fields Too Large","451":"Unavailable For Legal Reasons","500":"Internal Server Error","501":"Not Implemented","502":"Bad Gateway","503":"Service Unavailable","504":"Gateway Timeout","505":"HTTP Version Not Supported","506":"Variant Also Negotiates","507":"Insufficient Storage","508":"Loop Detected","509":"Bandwidth Limit Exceeded","510":"Not Extended","511":"Network Authentication Required"};

class Agent extends EventEmitter {
  constructor(options = {}) {
    super();
    this.options = { path: null, ...options };
    this.keepAlive = options.keepAlive ?? false;
    this.maxSockets = options.maxSockets ?? Infinity;
    this.maxFreeSockets = options.maxFreeSockets ?? 256;
    this.requests = {};
    this.sockets = {};
    this.freeSockets = {};
  }
  destroy() {}
}

class IncomingMessage extends Readable {
  constructor(response) {
    super();
    this.statusCode = response?.status ?? null;
    this.statusMessage = response === undefined ? null : response.statusText || STATUS_CODES[response.status] || "";
    this.headers = {};
    this.rawHeaders = [];
    if (response !== undefined) {
      for (const [name, value] of response.headers) {
        this.headers[name] = name in this.headers ? `${this.headers[name]}, ${value}` : value;
        this.rawHeaders.push(name, value);
      }
    }
    this.trailers = {};
    this.rawTrailers = [];
    this.httpVersion = "1.1";
    this.httpVersionMajor = 1;
    this.httpVersionMinor = 1;
    this.method = null;
    this.url = "";
    this.complete = false;
    this._reader = response?.body?.getReader() ?? null;
  }
  _read() {
    if (this._reader === null) { this.complete = true; this.push(null); return; }
    this._reader.read().then(({ done, value }) => {
      if (done) { this.complete = true; this.push(null); } else { this.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength)); }
    }, (err) => this.destroy(err));
  }
  _destroy(err, callback) {
    if (this._reader !== null && !this.complete) this._reader.cancel(err ?? undefined).catch(() => {});
    callback(err);
  }
  setTimeout(ms, callback) { if (callback) this.once("timeout", callback); return this; }
}

function invalidProtocol(protocol, expected) {
  const err = new TypeError(`Protocol "${protocol}" not supported. Expected "${expected}"`);
  err.code = "ERR_INVALID_PROTOCOL";
  return err;
}

// (url | options)[, options][, callback] as Node takes them.
function requestArguments(args) {
  let [input, options, callback] = args;
  if (typeof input === "string") input = new URL(input);
  if (typeof options === "function") { callback = options; options = {}; }
  const fromUrl = input instanceof URL ? {
    protocol: input.protocol, hostname: input.hostname, port: input.port,
    path: input.pathname + input.search,
    auth: input.username ? `${decodeURIComponent(input.username)}:${decodeURIComponent(input.password)}` : undefined,
  } : input ?? {};
  return { options: { ...fromUrl, ...(input instanceof URL ? options : {}) }, callback };
}

class ClientRequest extends Writable {
  constructor(defaultProtocol, options, callback) {
    super({ autoDestroy: false, emitClose: false }); // it lives on until the response ends
    const protocol = options.protocol ?? defaultProtocol;
    if (protocol !== defaultProtocol) throw invalidProtocol(protocol, defaultProtocol);
    this.method = String(options.method ?? "GET").toUpperCase();
    this.host = options.hostname ?? options.host ?? "localhost";
    this.protocol = protocol;
    this.path = options.path ?? "/";
    this.port = options.port || options.defaultPort || (protocol === "https:" ? 443 : 80);
    this.agent = options.agent;
    this.aborted = false;
    this.reusedSocket = false;
    this.maxHeadersCount = null;
    this._headers = new Map();
    for (const [name, value] of Object.entries(options.headers ?? {})) this.setHeader(name, value);
    if (options.auth && !this.hasHeader("authorization")) {
      this.setHeader("Authorization", "Basic " + Buffer.from(options.auth).toString("base64"));
    }
    this._chunks = [];
    this._controller = new AbortController();
    if (options.signal) options.signal.addEventListener("abort", () => this.destroy(options.signal.reason), { once: true });
    if (callback) this.once("response", callback);
  }
  get url() {
    const host = this.host.includes(":") ? `[${this.host}]` : this.host;
    return `${this.protocol}//${host}:${this.port}${this.path}`;
  }
  setHeader(name, value) { this._headers.set(String(name).toLowerCase(), [name, value]); return this; }
  getHeader(name) { return this._headers.get(String(name).toLowerCase())?.[1]; }
  hasHeader(name) { return this._headers.has(String(name).toLowerCase()); }
  removeHeader(name) { this._headers.delete(String(name).toLowerCase()); }
  getHeaders() { return Object.fromEntries([...this._headers].map(([key, [, value]]) => [key, value])); }
  getHeaderNames() { return [...this._headers.keys()]; }
  getRawHeaderNames() { return [...this._headers.values()].map(([name]) => name); }
  flushHeaders() {}
  setTimeout(ms, callback) { if (callback) this.once("timeout", callback); return this; }
  setNoDelay() {}
  setSocketKeepAlive() {}
  abort() { if (!this.aborted) { this.aborted = true; this.emit("abort"); this.destroy(); } }
  _write(chunk, encoding, callback) {
    this._chunks.push(typeof chunk === "string" ? Buffer.from(chunk, encoding) : Buffer.from(chunk));
    callback();
  }
  _final(callback) {
    const headers = new Headers();
    for (const [name, value] of this._headers.values()) {
      for (const one of Array.isArray(value) ? value : [value]) headers.append(name, String(one));
    }
    const hasBody = this._chunks.length > 0 && this.method !== "GET" && this.method !== "HEAD";
    fetch(this.url, {
      method: this.method, headers, redirect: "manual", signal: this._controller.signal,
      body: hasBody ? Buffer.concat(this._chunks) : undefined,
    }).then((response) => {
      const message = new IncomingMessage(response);
      this.res = message;
      message.once("end", () => this.emit("close"));
      if (!this.emit("response", message)) message.resume();
    }, (err) => this.destroy(err));
    callback();
  }
  _destroy(err, callback) {
    this._controller.abort(err ?? undefined);
    this.res?.destroy(err ?? undefined);
    callback(err);
  }
}

// The module for one protocol: "http:" or "https:".
function client(protocol) {
  const globalAgent = new Agent({ defaultPort: protocol === "https:" ? 443 : 80, protocol });
  function request(...args) {
    const { options, callback } = requestArguments(args);
    return new ClientRequest(protocol, options, callback);
  }
  function get(...args) {
    const req = request(...args);
    req.end();
    return req;
  }
  return {
    request, get, Agent, globalAgent, ClientRequest, IncomingMessage, METHODS, STATUS_CODES,
    maxHeaderSize: 16384,
    createServer: notImplemented(`${protocol.slice(0, -1)}.createServer`),
    Server: notImplementedClass(`${protocol.slice(0, -1)}.Server`),
    ServerResponse: notImplementedClass(`${protocol.slice(0, -1)}.ServerResponse`),
    OutgoingMessage: notImplementedClass(`${protocol.slice(0, -1)}.OutgoingMessage`),
    validateHeaderName: notImplemented(`${protocol.slice(0, -1)}.validateHeaderName`),
    validateHeaderValue: notImplemented(`${protocol.slice(0, -1)}.validateHeaderValue`),
    setMaxIdleHTTPParsers: notImplemented(`${protocol.slice(0, -1)}.setMaxIdleHTTPParsers`),
  };
}

module.exports = { client };
