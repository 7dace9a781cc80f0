// HTMLRewriter, as workerd has it (src/workerd/api/html-rewriter.{h,c++}), running lol-html
// itself: the WebAssembly build from the npm package html-rewriter-wasm (pinned in
// runtime/npm/htmlrewriter). Isolates that never call transform() never hold it: the first
// transform() asks the host for the bytes (op "htmlrewriter.wasm", in pieces of ≤256 KiB),
// compiles them once per isolate with the WebAssembly API captured below (the worker's own
// WebAssembly is locked down later, see 70_worker.js), and every transform runs on a fresh
// instance: its own linear memory, its own Asyncify state (async handlers unwind the Wasm
// stack while their promise is pending) and nothing left behind when it is dropped.
//
// The glue below speaks the wasm-bindgen ABI of that build (imports named
// "__wbg_<what>_<hash>"); a build whose imports differ fails loudly on instantiation.
//
// Streaming: the transformed body is a pull stream. Each pull reads one chunk of the input,
// writes it to lol-html and enqueues what came out, so memory stays bounded by a chunk and
// the first bytes leave before the last arrive. Selectors are checked by on() at once, with
// lol-html's messages (check in selectorError below; lol-html parses them again on use).

const {
  ArrayPrototypePush, ArrayPrototypeValues, ArrayPrototypeSlice, Array: ArrayCtor,
  Error: ErrorCtor, TypeError: TypeErrorCtor, ObjectGetOwnPropertyDescriptor, ObjectGetPrototypeOf,
  Promise: PromiseCtor, PromisePrototypeThen, ReflectApply, String: StringCtor,
  Uint8Array: U8, Int32Array: I32, TypedArrayPrototypeSet,
  TypedArrayPrototypeByteLengthGetter, TypedArrayPrototypeBufferGetter, ArrayBufferIsView,
  ObjectPrototypeToString, WeakMap: WeakMapCtor, WeakMapPrototypeGet, WeakMapPrototypeSet,
  StringPrototypeCharCodeAt, StringPrototypeToLowerCase, StringPrototypeSlice, RegExpPrototypeExec,
  uncurryThis,
} = internals.primordials;
const webidl = internals.webidl;
const { utf8Encode, utf8Decode } = internals;

// The WebAssembly API as the engine made it, before lockDownWebAssembly replaces it.
const Wasm = internals.primordials.globalThis.WebAssembly;
const wasmCompile = Wasm.compile;
const WasmInstance = Wasm.Instance;
const wasmModuleImports = Wasm.Module.imports;
const instanceExports = uncurryThis(ObjectGetOwnPropertyDescriptor(Wasm.Instance.prototype, "exports").get);
const memoryBuffer = uncurryThis(ObjectGetOwnPropertyDescriptor(Wasm.Memory.prototype, "buffer").get);

const ResponseCtor = internals.primordials.globalThis.Response;
const BodyPrototype = ObjectGetPrototypeOf(ResponseCtor.prototype); // Request's too
const responseBody = uncurryThis(ObjectGetOwnPropertyDescriptor(BodyPrototype, "body").get);
const responseBodyUsed = uncurryThis(ObjectGetOwnPropertyDescriptor(BodyPrototype, "bodyUsed").get);

const INVALID_TOKEN = "This content token is no longer valid. Content tokens are only valid " +
  "during the execution of the relevant content handler.";
const LOCKED = "The ReadableStream has been locked to a reader.";
const PIECE_OP = "htmlrewriter.wasm";

// -- loading: once per isolate ----------------------------------------------------------
let modulePromise = null;

function fetchBytes() {
  const host = internals.host;
  if (!host) return PromiseCtor.reject(new ErrorCtor("HTMLRewriter is not available in this runtime."));
  return PromisePrototypeThen(host.call(PIECE_OP, { offset: 0 }), (first) => {
    const size = first[0].size;
    const bytes = new U8(size);
    TypedArrayPrototypeSet(bytes, first[1], 0);
    const step = TypedArrayPrototypeByteLengthGetter(first[1]);
    const rest = [];
    for (let offset = step; step > 0 && offset < size; offset += step) {
      const at = offset;
      ArrayPrototypePush(rest, PromisePrototypeThen(host.call(PIECE_OP, { offset: at }),
        (piece) => { TypedArrayPrototypeSet(bytes, piece[1], at); }));
    }
    return PromisePrototypeThen(PromiseCtor.all(rest), () => bytes);
  });
}

function loadModule() {
  if (modulePromise === null) {
    modulePromise = PromisePrototypeThen(fetchBytes(), (bytes) => ReflectApply(wasmCompile, Wasm, [bytes]));
    // A failure (say, npm unreachable) is not cached: the next transform tries again.
    PromisePrototypeThen(modulePromise, undefined, () => { modulePromise = null; });
  }
  return modulePromise;
}

// -- content tokens ---------------------------------------------------------------------
// token -> { glue, ptr, kind }; ptr 0 once its handler has returned.
const tokens = new WeakMapCtor();
const CONSTRUCT = Symbol("construct");

function live(token) {
  const state = WeakMapPrototypeGet(tokens, token);
  if (state === undefined) throw new TypeErrorCtor("Illegal invocation");
  if (state.ptr === 0) throw new TypeErrorCtor(INVALID_TOKEN);
  return state;
}

function contentOptions(options) {
  if (options === undefined || options === null) return undefined;
  if (typeof options !== "object" && typeof options !== "function") {
    throw new TypeErrorCtor("Failed to execute operation: parameter 2 is not of type 'ContentOptions'.");
  }
  return { html: options.html === undefined ? undefined : !!options.html };
}

// element.before(content, options) and its kind: the export "<kind>_<op>".
function insert(token, op, content, options) {
  const state = live(token);
  const text = StringCtor(content);
  const opts = contentOptions(options);
  const glue = state.glue;
  const [ptr, len] = glue.passString(text);
  glue.exports[state.kind + "_" + op](state.ptr, ptr, len, opts === undefined ? 0 : glue.addHeapObject(opts));
  return token;
}

function call(token, op) {
  const state = live(token);
  return state.glue.exports[state.kind + "_" + op](state.ptr);
}

function getString(token, op) {
  const state = live(token);
  return state.glue.returnString(state.glue.exports[state.kind + "_" + op], state.ptr);
}

function getObject(token, op) {
  const state = live(token);
  return state.glue.takeObject(state.glue.exports[state.kind + "_" + op](state.ptr));
}

function setString(token, op, value) {
  const state = live(token);
  const [ptr, len] = state.glue.passString(StringCtor(value));
  state.glue.exports[state.kind + "_" + op](state.ptr, ptr, len);
}

class Element {
  constructor(key) { if (key !== CONSTRUCT) throw new TypeErrorCtor("Illegal constructor"); }
  get tagName() { return getString(this, "tag_name"); }
  set tagName(name) { setString(this, "set_tag_name", name); }
  get attributes() { return ArrayPrototypeValues(getObject(this, "attributes")); }
  get removed() { return call(this, "removed") !== 0; }
  get namespaceURI() { return getObject(this, "namespace_uri"); }
  getAttribute(name) { return nameCall(this, "getAttribute", name); }
  hasAttribute(name) { return nameCall(this, "hasAttribute", name) !== 0; }
  setAttribute(name, value) {
    const state = live(this);
    const glue = state.glue;
    const [np, nl] = glue.passString(StringCtor(name));
    const [vp, vl] = glue.passString(StringCtor(value));
    glue.exports.element_setAttribute(state.ptr, np, nl, vp, vl);
    return this;
  }
  removeAttribute(name) { nameCall(this, "removeAttribute", name); return this; }
  before(content, options = undefined) { return insert(this, "before", content, options); }
  after(content, options = undefined) { return insert(this, "after", content, options); }
  prepend(content, options = undefined) { return insert(this, "prepend", content, options); }
  append(content, options = undefined) { return insert(this, "append", content, options); }
  replace(content, options = undefined) { return insert(this, "replace", content, options); }
  setInnerContent(content, options = undefined) { return insert(this, "setInnerContent", content, options); }
  remove() { call(this, "remove"); return this; }
  removeAndKeepContent() { call(this, "removeAndKeepContent"); return this; }
  onEndTag(handler) {
    if (typeof handler !== "function") {
      throw new TypeErrorCtor("Failed to execute 'onEndTag' on 'Element': parameter 1 is not of type 'Function'.");
    }
    const state = live(this);
    state.glue.exports.element_onEndTag(state.ptr, state.glue.addHeapObject(handlerWrapper(handler, undefined)));
  }
}

function nameCall(token, op, name) {
  const state = live(token);
  const [ptr, len] = state.glue.passString(StringCtor(name));
  const result = state.glue.exports["element_" + op](state.ptr, ptr, len);
  return op === "getAttribute" ? state.glue.takeObject(result) : result;
}

class EndTag {
  constructor(key) { if (key !== CONSTRUCT) throw new TypeErrorCtor("Illegal constructor"); }
  get name() { return getString(this, "name"); }
  set name(name) { setString(this, "set_name", name); }
  before(content, options = undefined) { return insert(this, "before", content, options); }
  after(content, options = undefined) { return insert(this, "after", content, options); }
  remove() { call(this, "remove"); return this; }
}

class Comment {
  constructor(key) { if (key !== CONSTRUCT) throw new TypeErrorCtor("Illegal constructor"); }
  get text() { return getString(this, "text"); }
  set text(text) { setString(this, "set_text", text); }
  get removed() { return call(this, "removed") !== 0; }
  before(content, options = undefined) { return insert(this, "before", content, options); }
  after(content, options = undefined) { return insert(this, "after", content, options); }
  replace(content, options = undefined) { return insert(this, "replace", content, options); }
  remove() { call(this, "remove"); return this; }
}

class Text {
  constructor(key) { if (key !== CONSTRUCT) throw new TypeErrorCtor("Illegal constructor"); }
  get text() { return getString(this, "text"); }
  get lastInTextNode() { return call(this, "last_in_text_node") !== 0; }
  get removed() { return call(this, "removed") !== 0; }
  before(content, options = undefined) { return insert(this, "before", content, options); }
  after(content, options = undefined) { return insert(this, "after", content, options); }
  replace(content, options = undefined) { return insert(this, "replace", content, options); }
  remove() { call(this, "remove"); return this; }
}

class Doctype {
  constructor(key) { if (key !== CONSTRUCT) throw new TypeErrorCtor("Illegal constructor"); }
  get name() { return getObject(this, "name"); }
  get publicId() { return getObject(this, "public_id"); }
  get systemId() { return getObject(this, "system_id"); }
}

class DocumentEnd {
  constructor(key) { if (key !== CONSTRUCT) throw new TypeErrorCtor("Illegal constructor"); }
  append(content, options = undefined) { return insert(this, "append", content, options); }
}

for (const [Class, name] of [[Element, "Element"], [EndTag, "EndTag"], [Comment, "Comment"],
  [Text, "Text"], [Doctype, "Doctype"], [DocumentEnd, "DocumentEnd"]]) {
  webidl.configureInterface(Class, name);
}

// The wasm export prefix and free function of each token kind.
const KINDS = {
  element: [Element, "element"], endtag: [EndTag, "endtag"], comment: [Comment, "comment"],
  textchunk: [Text, "textchunk"], doctype: [Doctype, "doctype"], documentend: [DocumentEnd, "documentend"],
};

function makeToken(glue, kind, ptr) {
  const [Class, prefix] = KINDS[kind];
  const token = new Class(CONSTRUCT);
  WeakMapPrototypeSet(tokens, token, { glue, ptr, kind: prefix });
  return token;
}

// A token lives as long as its handler runs (until its promise settles, for async ones);
// then its Rust box is freed and the JS object only throws INVALID_TOKEN.
function retire(token) {
  const state = WeakMapPrototypeGet(tokens, token);
  if (state === undefined || state.ptr === 0) return;
  const ptr = state.ptr;
  state.ptr = 0;
  if (!state.glue.dead) state.glue.exports["__wbg_" + state.kind + "_free"](ptr);
}

function isPromise(value) {
  return value !== null && typeof value === "object" && ObjectPrototypeToString(value) === "[object Promise]";
}

// The function lol-html calls for a handler: `fn` with `self` as this; the token retired after.
function handlerWrapper(fn, self) {
  return function (token) {
    let result;
    try {
      result = ReflectApply(fn, self, [token]);
    } catch (err) {
      retire(token);
      throw err;
    }
    if (!isPromise(result)) {
      retire(token);
      return result;
    }
    return PromisePrototypeThen(result, (value) => { retire(token); return value; },
      (err) => { retire(token); throw err; });
  };
}

// -- the wasm-bindgen glue, one per instance --------------------------------------------
const ASYNCIFY_NONE = 0, ASYNCIFY_UNWINDING = 1, ASYNCIFY_REWINDING = 2;
const NONE_BOOL = 0xFFFFFF;

function createGlue(module, sink) {
  const heap = new ArrayCtor(32);
  ArrayPrototypePush(heap, undefined, null, true, false);
  let heapNext = heap.length;
  let exports = null;
  let mem8 = null, mem32 = null;
  let pending = null; // the promise an async handler returned while the stack is unwound

  const glue = { dead: false, exports: null };
  const getObj = (idx) => heap[idx];
  function addHeapObject(obj) {
    if (heapNext === heap.length) ArrayPrototypePush(heap, heap.length + 1);
    const idx = heapNext;
    heapNext = heap[idx];
    heap[idx] = obj;
    return idx;
  }
  function takeObject(idx) {
    const obj = heap[idx];
    if (idx >= 36) { heap[idx] = heapNext; heapNext = idx; }
    return obj;
  }
  function u8() {
    const buffer = memoryBuffer(exports.memory);
    if (mem8 === null || TypedArrayPrototypeBufferGetter(mem8) !== buffer) mem8 = new U8(buffer);
    return mem8;
  }
  function i32() {
    const buffer = memoryBuffer(exports.memory);
    if (mem32 === null || TypedArrayPrototypeBufferGetter(mem32) !== buffer) mem32 = new I32(buffer);
    return mem32;
  }
  const readString = (ptr, len) => utf8Decode(u8(), ptr, ptr + len);
  function passBytes(bytes) {
    const len = TypedArrayPrototypeByteLengthGetter(bytes);
    const ptr = exports.__wbindgen_malloc(len);
    TypedArrayPrototypeSet(u8(), bytes, ptr);
    return [ptr, len];
  }
  const passString = (text) => passBytes(utf8Encode(text));
  function writeString(retptr, text) {
    const [ptr, len] = passString(text);
    const mem = i32();
    mem[retptr / 4 + 1] = len;
    mem[retptr / 4] = ptr;
  }
  function returnString(fn, ptr) {
    const retptr = exports.__wbindgen_add_to_stack_pointer(-16);
    let r0 = 0, r1 = 0;
    try {
      fn(retptr, ptr);
      const mem = i32();
      r0 = mem[retptr / 4];
      r1 = mem[retptr / 4 + 1];
      return readString(r0, r1);
    } finally {
      exports.__wbindgen_add_to_stack_pointer(16);
      exports.__wbindgen_free(r0, r1);
    }
  }
  const optionalBool = (value) => (value === undefined || value === null ? NONE_BOOL : value ? 1 : 0);
  const property = (name) => (idx) => {
    const value = heap[idx][name];
    return value === undefined || value === null ? 0 : addHeapObject(value);
  };
  const wrapToken = (kind) => (ptr) => addHeapObject(makeToken(glue, kind, ptr));

  const table = {
    __wbindgen_object_drop_ref: (idx) => { takeObject(idx); },
    __wbindgen_object_clone_ref: (idx) => addHeapObject(heap[idx]),
    __wbindgen_string_new: (ptr, len) => addHeapObject(readString(ptr, len)),
    __wbindgen_memory: () => addHeapObject(exports.memory),
    __wbindgen_debug_string: (retptr, idx) => { writeString(retptr, StringCtor(heap[idx])); },
    __wbindgen_throw: (ptr, len) => { throw new ErrorCtor(readString(ptr, len)); },
    __wbindgen_rethrow: (idx) => { throw takeObject(idx); },
    __wbg_html_cd9a0f328493678b: (idx) => optionalBool(heap[idx].html),
    __wbg_enableEsiTags_de6b91cc61a25874: (idx) => optionalBool(heap[idx].enableEsiTags),
    __wbg_element_c38470ed972aea27: property("element"),
    __wbg_comments_ba86bc03331d9378: property("comments"),
    __wbg_text_7800bf26cb443911: property("text"),
    __wbg_doctype_ac58c0964a59b61b: property("doctype"),
    __wbg_comments_94d876f6c0502e82: property("comments"),
    __wbg_text_4606a16c30e4ae91: property("text"),
    __wbg_end_34efb9402eac8a4e: property("end"),
    __wbg_element_new: wrapToken("element"),
    __wbg_endtag_new: wrapToken("endtag"),
    __wbg_comment_new: wrapToken("comment"),
    __wbg_textchunk_new: wrapToken("textchunk"),
    __wbg_doctype_new: wrapToken("doctype"),
    __wbg_documentend_new: wrapToken("documentend"),
    __wbg_String_60c4ba333b5ca1c6: (retptr, idx) => { writeString(retptr, StringCtor(heap[idx])); },
    __wbg_new_4fee7e2900033464: () => addHeapObject([]),
    __wbg_push_ba9b5e3c25cff8f9: (arr, idx) => ArrayPrototypePush(heap[arr], heap[idx]),
    __wbg_call_6c4ea719458624eb: (fn, self, arg) => {
      try {
        return addHeapObject(ReflectApply(heap[fn], heap[self], [heap[arg]]));
      } catch (err) {
        exports.__wbindgen_exn_store(addHeapObject(err));
        return 0;
      }
    },
    __wbg_new_917809a3e20a4b00: (ptr, len) => addHeapObject(new TypeErrorCtor(readString(ptr, len))),
    __wbg_instanceof_Promise_c6535fc791fcc4d2: (idx) => isPromise(heap[idx]),
    __wbg_buffer_89a8560ab6a3d9c6: (idx) => addHeapObject(memoryBuffer(heap[idx])),
    __wbg_newwithbyteoffsetandlength_e45d8b33c02dc3b5: (buf, offset, len) =>
      addHeapObject(new U8(heap[buf], offset >>> 0, len >>> 0)),
    __wbg_new_bd2e1d010adb8a1a: (idx) => addHeapObject(new U8(heap[idx])),
    // Asyncify: a handler returned a promise. Unwind the Wasm stack into this rewriter's
    // buffer (its first 8 bytes say where the buffer starts and ends); drive() awaits the
    // promise and rewinds, and this import is then re-entered to stop the rewind.
    __wbg_awaitPromise_39a1101fd8518869: (stackPtr, idx) => {
      if (exports.asyncify_get_state() === ASYNCIFY_REWINDING) {
        exports.asyncify_stop_rewind();
        return;
      }
      const mem = i32();
      mem[stackPtr / 4] = stackPtr + 8;
      mem[stackPtr / 4 + 1] = stackPtr + 1024;
      exports.asyncify_start_unwind(stackPtr);
      pending = heap[idx];
    },
  };
  const imports = {};
  for (const { module: from, name } of wasmModuleImports(module)) {
    const fn = table[name];
    if (from !== "__wbindgen_placeholder__" || fn === undefined) {
      throw new ErrorCtor(`HTMLRewriter: the lol-html build wants ${from}.${name}, which this runtime lacks.`);
    }
    imports[name] = fn;
  }
  exports = instanceExports(new WasmInstance(module, { __wbindgen_placeholder__: imports }));
  glue.exports = exports;
  glue.addHeapObject = addHeapObject;
  glue.takeObject = takeObject;
  glue.passString = passString;
  glue.returnString = returnString;

  // Run `fn(...args)` to completion, awaiting (with the stack unwound) whatever promises
  // the handlers return. Returns undefined when no handler was async, else a promise.
  function drive(fn, args, stackPtr) {
    ReflectApply(fn, undefined, args);
    if (exports.asyncify_get_state() !== ASYNCIFY_UNWINDING) return undefined;
    exports.asyncify_stop_unwind();
    const waiting = pending;
    pending = null;
    return PromisePrototypeThen(waiting, () => {
      exports.asyncify_start_rewind(stackPtr);
      return drive(fn, args, stackPtr);
    });
  }

  const borrowed = 31; // wasm-bindgen's stack of borrowed objects grows down from 32
  heap[borrowed] = sink;
  const rewriterPtr = exports.htmlrewriter_new(borrowed, 0);
  heap[borrowed] = undefined;
  const stackPtr = exports.htmlrewriter_asyncify_stack_ptr(rewriterPtr);
  glue.rewriter = {
    on(selector, handlers) {
      const [ptr, len] = passString(selector);
      exports.htmlrewriter_on(rewriterPtr, ptr, len, addHeapObject(handlers));
    },
    onDocument(handlers) {
      exports.htmlrewriter_onDocument(rewriterPtr, addHeapObject(handlers));
    },
    write(bytes) {
      const [ptr, len] = passBytes(bytes);
      return drive(exports.htmlrewriter_write, [rewriterPtr, ptr, len], stackPtr);
    },
    end() {
      return drive(exports.htmlrewriter_end, [rewriterPtr], stackPtr);
    },
  };
  return glue;
}

// -- HTMLRewriter -----------------------------------------------------------------------
// The handlers object lol-html gets: each function of the user's object, called with that
// object as `this` (workerd's "callback interface" behaviour), read once at on() time.
function collectHandlers(handlers, names, method, type) {
  if (handlers === undefined || handlers === null) return {};
  if (typeof handlers !== "object" && typeof handlers !== "function") {
    throw new TypeErrorCtor(`Failed to execute '${method}' on 'HTMLRewriter': parameter ${method === "on" ? 2 : 1} is not of type '${type}'.`);
  }
  const out = {};
  for (const name of names) {
    const fn = handlers[name];
    if (fn === undefined) continue;
    if (typeof fn !== "function") {
      throw new TypeErrorCtor(`Failed to execute '${method}' on 'HTMLRewriter': parameter ${method === "on" ? 2 : 1} has a member '${name}' that is not of type 'function'.`);
    }
    out[name] = handlerWrapper(fn, handlers);
  }
  return out;
}

const registrations = new WeakMapCtor();

class HTMLRewriter {
  constructor() {
    WeakMapPrototypeSet(registrations, this, []);
  }

  on(selector, handlers) {
    const list = ownRegistrations(this);
    const text = StringCtor(selector);
    const problem = selectorError(text);
    if (problem !== null) throw new TypeErrorCtor("Parser error: " + problem);
    const wrapped = collectHandlers(handlers, ["element", "comments", "text"], "on", "ElementContentHandlers");
    ArrayPrototypePush(list, [text, wrapped]);
    return this;
  }

  onDocument(handlers) {
    const list = ownRegistrations(this);
    const wrapped = collectHandlers(handlers, ["doctype", "comments", "text", "end"], "onDocument", "DocumentContentHandlers");
    ArrayPrototypePush(list, [null, wrapped]);
    return this;
  }

  transform(response) {
    const list = ownRegistrations(this);
    if (!internals.http.isResponse(response)) {
      throw new TypeErrorCtor("Failed to execute 'transform' on 'HTMLRewriter': parameter 1 is not of type 'Response'.");
    }
    const body = responseBody(response);
    if (body === null) return response;
    if (responseBodyUsed(response) || internals.streams.isLocked(body)) throw new TypeErrorCtor(LOCKED);
    const output = rewrite(body, ArrayPrototypeSlice(list));
    return new ResponseCtor(output, response);
  }
}
webidl.configureInterface(HTMLRewriter, "HTMLRewriter");

function ownRegistrations(rewriter) {
  const list = WeakMapPrototypeGet(registrations, rewriter);
  if (list === undefined) throw new TypeErrorCtor("Illegal invocation");
  return list;
}

function chunkBytes(chunk) {
  if (ArrayBufferIsView(chunk) || webidl.isArrayBuffer(chunk)) return webidl.toUint8Array(chunk);
  throw new TypeErrorCtor("This TransformStream is being used as a byte stream, but received an " +
    "object of non-ArrayBuffer/ArrayBufferView type on its writable side.");
}

// The rewritten body of `input`: a pull stream driving one lol-html instance.
function rewrite(input, list) {
  const reader = internals.streams.reader(input);
  let glue = null;
  let out = [];
  let outBytes = 0;
  const sink = (chunk) => {
    ArrayPrototypePush(out, chunk);
    outBytes += TypedArrayPrototypeByteLengthGetter(chunk);
  };

  function start(module) {
    glue = createGlue(module, sink);
    for (const [selector, handlers] of list) {
      if (selector === null) glue.rewriter.onDocument(handlers);
      else glue.rewriter.on(selector, handlers);
    }
  }
  // Enqueue what lol-html wrote since the last flush, as one chunk; false if nothing.
  function flush(controller) {
    if (outBytes === 0) { out = []; return false; }
    let bytes;
    if (out.length === 1) {
      bytes = out[0];
    } else {
      bytes = new U8(outBytes);
      let at = 0;
      for (const piece of out) {
        TypedArrayPrototypeSet(bytes, piece, at);
        at += TypedArrayPrototypeByteLengthGetter(piece);
      }
    }
    out = [];
    outBytes = 0;
    controller.enqueue(bytes);
    return true;
  }
  function stop() {
    if (glue !== null) glue.dead = true; // the instance (and its memory) goes with the GC
    glue = null;
  }
  const after = (result, then) => (result === undefined ? then() : PromisePrototypeThen(result, then));

  // One pull: read and rewrite input until some output is enqueued or the input ends (a pull
  // that enqueues nothing would stall the stream).
  function step(controller) {
    return new PromiseCtor((resolve, reject) => {
      reader.read((chunk) => {
        try {
          const bytes = chunkBytes(chunk);
          resolve(after(glue.rewriter.write(bytes), () => (flush(controller) ? undefined : step(controller))));
        } catch (err) { reject(err); }
      }, () => {
        try {
          resolve(after(glue.rewriter.end(), () => {
            flush(controller);
            controller.close();
            stop();
          }));
        } catch (err) { reject(err); }
      }, reject);
    });
  }
  function fail(err) {
    stop();
    PromisePrototypeThen(reader.cancel(err), undefined, () => {});
    throw err;
  }

  return internals.streams.createPullStream({
    pull(controller) {
      const run = () => PromisePrototypeThen(step(controller), undefined, fail);
      if (glue !== null) return run();
      return PromisePrototypeThen(PromisePrototypeThen(loadModule(), start), run, fail);
    },
    cancel(reason) {
      stop();
      return reader.cancel(reason);
    },
  });
}

// -- selectors --------------------------------------------------------------------------
// on() must throw at once, as workerd does, but the Wasm may not be loaded yet: this is
// lol-html's selector grammar (the `selectors` crate's parser over CSS tokens, narrowed by
// lol-html's checks) giving lol-html's messages. lol-html parses the selector again when the
// transform starts; the two were compared on workerd (tests/server/test_htmlrewriter*.py).
const SEL_EMPTY = "The selector is empty.";
const SEL_END = "Unexpected end of selector.";
const SEL_TOKEN = "Unexpected token in selector.";
const SEL_ATTR_NAME = "Missing attribute name in attribute selector.";
const SEL_ATTR_TOKEN = "Unexpected token in the attribute selector.";
const SEL_PSEUDO = "Unsupported pseudo-class or pseudo-element in selector.";
const SEL_DANGLING = "Dangling combinator in selector.";
const SEL_NAMESPACE = "Selectors with explicit namespaces are not supported.";
const SEL_CLASS = "Invalid or unescaped class name in selector.";
const SEL_SYNTAX = "Unsupported syntax in selector.";
// An+B (CSS Syntax 3): odd, even, an integer, or a multiple of n plus an optional offset.
const AN_PLUS_B = /^\s*(?:odd|even|[+-]?\d+|[+-]?\d*n(?:\s*[+-]\s*\d+|\s*[+-]\d+)?)\s*$/i;

class SelectorError {
  constructor(message) { this.message = message; }
}

const isNameStart = (c) => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c >= 0x80;
const isDigit = (c) => c >= 0x30 && c <= 0x39;
const isName = (c) => isNameStart(c) || isDigit(c) || c === 0x2d;
const isHex = (c) => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
const isSpace = (c) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0c;

// CSS Syntax tokens: {t: "ws"|"ident"|"function"|"hash"|"string"|"number"|"delim"|"["|"]"|"("|")"|","|":", v, id}
function tokenize(text) {
  const out = [];
  const n = text.length;
  const code = (i) => (i < n ? StringPrototypeCharCodeAt(text, i) : -1);
  const validEscape = (i) => code(i) === 0x5c && code(i + 1) !== 0x0a && i + 1 < n;
  const startsIdent = (i) => {
    const c = code(i);
    if (c === 0x2d) return isNameStart(code(i + 1)) || code(i + 1) === 0x2d || validEscape(i + 1);
    return isNameStart(c) || validEscape(i);
  };
  let i = 0;
  function name() {
    let value = "";
    for (;;) {
      const c = code(i);
      if (c !== -1 && isName(c)) { value += text[i]; i++; } else if (validEscape(i)) {
        i++;
        let hex = "";
        while (hex.length < 6 && isHex(code(i))) { hex += text[i]; i++; }
        if (hex.length > 0) {
          if (isSpace(code(i))) i++;
          value += "\uFFFD";
        } else { value += text[i]; i++; }
      } else return value;
    }
  }
  while (i < n) {
    const c = code(i);
    const start = out.length;
    const from = i;
    if (isSpace(c)) {
      while (isSpace(code(i))) i++;
      ArrayPrototypePush(out, { t: "ws" });
    } else if (c === 0x22 || c === 0x27) {
      i++;
      let value = "";
      while (i < n && code(i) !== c) {
        if (code(i) === 0x5c) i++;
        value += text[i] ?? "";
        i++;
      }
      i++;
      ArrayPrototypePush(out, { t: "string", v: value });
    } else if (c === 0x23 && (isName(code(i + 1)) || validEscape(i + 1))) {
      i++;
      const id = startsIdent(i);
      ArrayPrototypePush(out, { t: "hash", v: name(), id });
    } else if (isDigit(c) || ((c === 0x2b || c === 0x2d || c === 0x2e) &&
        (isDigit(code(i + 1)) || (code(i + 1) === 0x2e && isDigit(code(i + 2)))))) {
      let j = i + 1;
      while (isDigit(code(j)) || code(j) === 0x2e) j++;
      i = j;
      if (startsIdent(i)) name();
      else if (code(i) === 0x25) i++;
      ArrayPrototypePush(out, { t: "number" });
    } else if (startsIdent(i)) {
      const value = name();
      if (code(i) === 0x28) { i++; ArrayPrototypePush(out, { t: "function", v: value }); }
      else ArrayPrototypePush(out, { t: "ident", v: value });
    } else if (c === 0x5b || c === 0x5d || c === 0x28 || c === 0x29 || c === 0x2c || c === 0x3a) {
      ArrayPrototypePush(out, { t: text[i] });
      i++;
    } else {
      ArrayPrototypePush(out, { t: "delim", v: text[i] });
      i++;
    }
    out[start].src = StringPrototypeSlice(text, from, i);
  }
  return out;
}

// A cursor over the tokens between `start` and `end` (a nested block's contents).
function selectorParser(tokens) {
  let pos = 0;
  const peek = () => tokens[pos];
  const next = () => tokens[pos++];
  const skipWs = () => { while (pos < tokens.length && tokens[pos].t === "ws") pos++; };
  const fail = (message) => { throw new SelectorError(message); };

  // The tokens of a () or [] block opened just before pos, consumed up to its end.
  function block(close) {
    const start = pos;
    let depth = 0;
    while (pos < tokens.length) {
      const t = tokens[pos].t;
      if ((t === "(" || t === "[" || t === "function") ) depth++;
      else if ((t === ")" || t === "]") && depth === 0) {
        if (t !== close) fail(SEL_TOKEN);
        pos++;
        return ArrayPrototypeSlice(tokens, start, pos - 1);
      } else if (t === ")" || t === "]") depth--;
      pos++;
    }
    return ArrayPrototypeSlice(tokens, start, pos);
  }

  // [qualified name] before the simple selectors: true when one was there.
  function typeSelector() {
    const t = peek();
    if (t === undefined) return false;
    const isStar = t.t === "delim" && t.v === "*";
    const isBar = t.t === "delim" && t.v === "|";
    if (t.t !== "ident" && !isStar && !isBar) return false;
    pos++;
    // "|p" (no namespace) and "*|p" (any) are fine; a named prefix is not.
    const after = isBar ? t : peek();
    if (after === undefined || after.t !== "delim" || after.v !== "|") return true;
    if (!isBar) pos++;
    const local = next();
    if (local === undefined) fail(SEL_END);
    if (local.t !== "ident" && !(local.t === "delim" && local.v === "*")) fail(SEL_TOKEN);
    if (t.t === "ident") fail(SEL_NAMESPACE);
    return true;
  }

  function anPlusB(inner) {
    let text = "";
    for (const t of inner) text += t.src;
    if (RegExpPrototypeExec(AN_PLUS_B, text) !== null) return;
    const last = inner.length === 0 ? null : inner[inner.length - 1];
    fail(last === null || (last.t === "delim" && (last.v === "+" || last.v === "-")) ? SEL_END : SEL_TOKEN);
  }

  function pseudo(negated) {
    const t = next();
    if (t === undefined) fail(SEL_END);
    if (t.t === ":") { // a pseudo-element
      if (peek() === undefined) fail(SEL_END);
      fail(negated ? SEL_SYNTAX : SEL_PSEUDO);
    }
    if (t.t === "ident") {
      const lower = StringPrototypeToLowerCase(t.v);
      if (lower === "first-child" || lower === "first-of-type") return;
      fail(SEL_PSEUDO);
    }
    if (t.t === "function") {
      const lower = StringPrototypeToLowerCase(t.v);
      const inner = block(")");
      if (lower === "not") {
        selectorParser(inner).compoundOnly();
        return;
      }
      if (lower === "nth-child" || lower === "nth-of-type") {
        anPlusB(inner);
        return;
      }
      fail(SEL_PSEUDO);
    }
    fail(SEL_PSEUDO);
  }

  // A compound selector: true if it was empty.
  function compound(negated) {
    skipWs();
    let empty = !typeSelector();
    for (;;) {
      const t = peek();
      if (t === undefined) break;
      if (t.t === "hash") {
        if (!t.id) break;
        pos++;
      } else if (t.t === "delim" && t.v === ".") {
        pos++;
        const cls = next();
        if (cls === undefined) fail(SEL_END);
        if (cls.t !== "ident") fail(SEL_CLASS);
      } else if (t.t === "[") {
        pos++;
        selectorParser(block("]")).attribute();
      } else if (t.t === ":") {
        pos++;
        pseudo(negated);
      } else break;
      empty = false;
    }
    return empty;
  }

  let unsupported = null; // the first `+` or `~`: lol-html refuses it once all else parsed

  const api = {
    // A complex selector up to a comma or the end: compounds joined by combinators.
    complex() {
      let combinators = 0;
      for (;;) {
        if (compound(false)) fail(combinators > 0 ? SEL_DANGLING : SEL_EMPTY);
        let whitespace = false;
        let combinator = null;
        for (;;) {
          const t = peek();
          if (t === undefined || t.t === ",") return;
          if (t.t === "ws") { whitespace = true; pos++; continue; }
          if (t.t === "delim" && (t.v === ">" || t.v === "+" || t.v === "~")) {
            combinator = t.v;
            pos++;
            break;
          }
          if (whitespace) { combinator = " "; break; }
          fail(SEL_TOKEN);
        }
        if ((combinator === "+" || combinator === "~") && unsupported === null) unsupported = combinator;
        combinators++;
      }
    },
    list() {
      for (;;) {
        api.complex();
        if (next() === undefined) break;
      }
      if (unsupported !== null) fail(`Unsupported combinator \`${unsupported}\` in selector.`);
    },
    // :not(...): compound selectors only (no combinators).
    compoundOnly() {
      for (;;) {
        skipWs();
        if (compound(true)) fail(SEL_EMPTY);
        skipWs();
        const t = next();
        if (t === undefined) return;
        if (t.t !== ",") fail(SEL_PSEUDO);
      }
    },
    attribute() {
      skipWs();
      const t = next();
      if (t === undefined) fail(SEL_END);
      if (t.t === "delim" && t.v === "|") { // [|a]: no namespace
        const local = next();
        if (local === undefined) fail(SEL_END);
        if (local.t !== "ident") fail(SEL_ATTR_NAME);
      } else if (t.t === "delim" && t.v === "*" && peek()?.t === "delim" && peek().v === "|") {
        fail(SEL_NAMESPACE);
      } else if (t.t !== "ident") {
        fail(SEL_ATTR_NAME);
      } else if (peek()?.t === "delim" && peek().v === "|" && tokens[pos + 1]?.t === "ident") {
        fail(SEL_NAMESPACE);
      }
      skipWs();
      const op = next();
      if (op === undefined) return;
      if (op.t !== "delim") fail(SEL_ATTR_TOKEN);
      if (op.v !== "=") {
        if (op.v !== "~" && op.v !== "|" && op.v !== "^" && op.v !== "$" && op.v !== "*") fail(SEL_ATTR_TOKEN);
        const eq = next();
        if (eq === undefined) fail(SEL_END);
        if (eq.t !== "delim" || eq.v !== "=") fail(SEL_ATTR_TOKEN);
      }
      skipWs();
      const value = next();
      if (value === undefined) fail(SEL_END);
      if (value.t !== "ident" && value.t !== "string") fail(SEL_ATTR_TOKEN);
      skipWs();
      const flag = next();
      if (flag === undefined) return;
      const lower = flag.t === "ident" ? StringPrototypeToLowerCase(flag.v) : "";
      if (lower !== "i" && lower !== "s") fail(flag.t === "ident" ? SEL_TOKEN : SEL_ATTR_TOKEN);
      skipWs();
      if (next() !== undefined) fail(SEL_TOKEN);
    },
  };
  return api;
}

// lol-html's verdict on a selector: null when it accepts it, else its message.
function selectorError(selector) {
  try {
    selectorParser(tokenize(selector)).list();
    return null;
  } catch (err) {
    if (err instanceof SelectorError) return err.message;
    throw err;
  }
}

internals.defineGlobal("HTMLRewriter", HTMLRewriter);
