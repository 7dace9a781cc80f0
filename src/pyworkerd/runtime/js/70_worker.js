// The worker's module, its `env`, its entrypoints and the per-request ExecutionContext.
// The bundle arrives as CommonJS wrapped in `function (module, exports, require)`;
// `require` serves `cloudflare:*` from the runtime's module table and the wasm/text/data
// modules that the bundler left external.

const { ObjectCreate, ObjectKeys,
  Promise: PromiseCtor, TypeError: TypeErrorCtor, Error: ErrorCtor, ArrayPrototypePush,
  ReflectApply, WeakMap: WeakMapCtor, PromisePrototypeThen } = internals.primordials;

// -- cloudflare:workers --------------------------------------------------------------
class WorkerEntrypoint {
  constructor(ctx, env) {
    this.ctx = ctx;
    this.env = env;
  }
}
class DurableObject {
  constructor(ctx, env) {
    this.ctx = ctx;
    this.env = env;
  }
}
class RpcTarget {}
class WorkflowEntrypoint {
  constructor(ctx, env) {
    this.ctx = ctx;
    this.env = env;
  }
}

const workerState = { exports: null, env: null, name: "worker" };

const cloudflareWorkers = {
  WorkerEntrypoint, DurableObject, RpcTarget, WorkflowEntrypoint,
  get env() { return workerState.env; },
  waitUntil(promise) {
    const ctx = internals.currentContext;
    if (!ctx) throw new ErrorCtor("waitUntil() can only be called while handling a request.");
    ctx.waitUntil(promise);
  },
};

internals.modules = ObjectCreate(null);
// Binding facades (bindings/<kind>/facade.js) register their constructors here:
// internals.bindings[type] = (descriptor, name) => the object a worker sees as env[name].
internals.bindings = ObjectCreate(null);
internals.modules["cloudflare:workers"] = cloudflareWorkers;

// -- ExecutionContext ------------------------------------------------------------------
// One per request. `waitUntil` promises keep the invocation alive after the response;
// the bridge reports the request done once they have all settled.
const contextState = new WeakMapCtor();

class ExecutionContext {
  constructor() { throw new TypeErrorCtor("Illegal constructor"); }
  waitUntil(promise) {
    const state = contextState.get(this);
    if (!state) throw new TypeErrorCtor("Illegal invocation");
    ArrayPrototypePush(state.waitUntil, PromiseCtor.resolve(promise));
    if (state.onWaitUntil) state.onWaitUntil();
  }
  passThroughOnException() {
    const state = contextState.get(this);
    if (!state) throw new TypeErrorCtor("Illegal invocation");
    state.passThrough = true;
  }
  get props() { return contextState.get(this)?.props ?? {}; }
}

internals.createContext = (props) => {
  const ctx = ObjectCreate(ExecutionContext.prototype);
  const state = { waitUntil: [], passThrough: false, props: props ?? {}, onWaitUntil: null };
  contextState.set(ctx, state);
  return { ctx, state };
};

// -- loading -------------------------------------------------------------------------
function decodeBase64(b64) {
  const bin = internals.primordials.globalThis.atob
    ? internals.primordials.globalThis.atob(b64)
    : undefined;
  if (bin === undefined) throw new ErrorCtor("atob unavailable while loading modules");
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function makeRequire(extraModules) {
  return function require(specifier) {
    const builtin = internals.modules[specifier];
    if (builtin !== undefined) return builtin;
    const extra = extraModules[specifier];
    if (extra !== undefined) return extra;
    throw new ErrorCtor(`No such module "${specifier}".`);
  };
}

function loadExtraModules(descriptors) {
  const table = ObjectCreate(null);
  for (const specifier of ObjectKeys(descriptors)) {
    const { kind, data } = descriptors[specifier];
    if (kind === "text") {
      table[specifier] = { __esModule: true, default: data };
    } else {
      const bytes = decodeBase64(data);
      const value = kind === "wasm" ? new WebAssembly.Module(bytes) : bytes.buffer;
      table[specifier] = { __esModule: true, default: value };
    }
  }
  return table;
}

// load(moduleFn, config): run the worker's top level once per isolate.
// config = { name, vars: {}, secrets: {}, modules: {specifier: {kind, data}} }
internals.loadWorker = (moduleFn, config) => {
  const env = {};
  for (const key of ObjectKeys(config.vars || {})) env[key] = config.vars[key];
  for (const key of ObjectKeys(config.secrets || {})) env[key] = config.secrets[key];
  for (const key of ObjectKeys(config.bindings || {})) {
    const make = internals.bindings[config.bindings[key].type];
    if (make) env[key] = make(config.bindings[key], key);
  }
  workerState.env = env;
  workerState.name = config.name;
  if (internals.setRpcIsolateKey) internals.setRpcIsolateKey(config.isolateKey ?? "");
  const module = { exports: {} };
  const require = makeRequire(loadExtraModules(config.modules || {}));
  lockDownWebAssembly();
  internals.atTopLevel = true;
  try {
    ReflectApply(moduleFn, module.exports, [module, module.exports, require]);
  } finally {
    internals.atTopLevel = false;
  }
  workerState.exports = module.exports;
};

// workerd's rule: the worker's top level runs once, outside any request, so it may not
// start I/O, timers or make random values. Runtime files call this before doing so.
const TOP_LEVEL_MESSAGE = "Some functionality, such as asynchronous I/O, timeouts, and " +
  "generating random values, can only be performed while handling a request.";
internals.atTopLevel = false;
internals.assertInRequest = () => {
  if (internals.atTopLevel) throw new ErrorCtor(TOP_LEVEL_MESSAGE);
};

// Wasm comes in as modules the bundler found (compiled above); like workerd, a worker may
// not compile Wasm from bytes it made itself. (eval and new Function are refused by V8's
// --disallow-code-generation-from-strings, set by the engine.)
function lockDownWebAssembly() {
  const wasm = globalThis.WebAssembly;
  if (!wasm) return;
  const refuse = (name) => {
    const error = new wasm.CompileError(`WebAssembly.${name}(): Wasm code generation disallowed by embedder`);
    return error;
  };
  const OriginalModule = wasm.Module;
  const originalInstantiate = wasm.instantiate;
  function Module() { throw refuse("Module"); }
  Module.prototype = OriginalModule.prototype;
  Module.exports = OriginalModule.exports;
  Module.imports = OriginalModule.imports;
  Module.customSections = OriginalModule.customSections;
  wasm.Module = Module;
  wasm.compile = function compile() { return PromiseCtor.reject(refuse("compile")); };
  wasm.compileStreaming = function compileStreaming() { return PromiseCtor.reject(refuse("compileStreaming")); };
  wasm.instantiateStreaming = function instantiateStreaming() { return PromiseCtor.reject(refuse("instantiateStreaming")); };
  wasm.instantiate = function instantiate(source, imports) {
    if (source instanceof OriginalModule) return ReflectApply(originalInstantiate, wasm, [source, imports]);
    return PromiseCtor.reject(refuse("instantiate"));
  };
}

function isClass(value, base) {
  return typeof value === "function" && value.prototype instanceof base;
}

// The handler `method` of an entrypoint ("default" unless a named one is asked for), as a
// function of the event's own arguments: for an object export `obj[method](...args, env,
// ctx)`, for a WorkerEntrypoint class `new Class(ctx, env)[method](...args)`. null when
// the export has no such method.
function exportedHandler(entrypoint, method, ctx) {
  const exported = workerState.exports?.[entrypoint];
  const env = workerState.env;
  if (isClass(exported, WorkerEntrypoint)) {
    if (typeof exported.prototype[method] !== "function") return null;
    return (...args) => {
      const instance = new exported(ctx, env);
      return ReflectApply(instance[method], instance, args);
    };
  }
  if (exported && typeof exported[method] === "function") {
    return (...args) => ReflectApply(exported[method], exported, [...args, env, ctx]);
  }
  return null;
}
internals.exportedHandler = exportedHandler;
internals.isEntrypointClass = (value) => isClass(value, WorkerEntrypoint);
internals.workerExports = () => workerState.exports;
internals.workerEnv = () => workerState.env;

// Invocations that are not HTTP requests (90_bridge.js E_INVOKE), by kind. Runtime files
// and binding facades add theirs: invokers[kind] = (entrypoint, name, args, ctx) => value.
const invokers = ObjectCreate(null);
internals.invokers = invokers;
internals.invokeHandler = (kind, entrypoint, name, args, ctx) => {
  const invoker = invokers[kind];
  if (invoker === undefined) throw new TypeErrorCtor(`Unknown event kind "${kind}".`);
  return invoker(entrypoint ?? "default", name, args, ctx);
};

// scheduled(controller, env, ctx): cron triggers, /cdn-cgi/handler/scheduled, /__scheduled.
class ScheduledController {
  constructor() { throw new TypeErrorCtor("Illegal constructor"); }
}
invokers.scheduled = (entrypoint, _name, args) => {
  const handler = exportedHandler(entrypoint, "scheduled", internals.currentContext);
  if (handler === null) throw new ErrorCtor("Handler does not export a scheduled() function.");
  const controller = ObjectCreate(ScheduledController.prototype);
  const state = { noRetry: false };
  controller.scheduledTime = args.scheduledTime;
  controller.cron = args.cron;
  controller.noRetry = function noRetry() { state.noRetry = true; };
  return PromisePrototypeThen(PromiseCtor.resolve(handler(controller)),
    () => ({ noRetry: state.noRetry }));
};

internals.workerName = () => workerState.name;

// queueMicrotask: errors thrown by the callback are reported, never lost.
internals.defineGlobal("queueMicrotask", function queueMicrotask(callback) {
  if (typeof callback !== "function") {
    throw new TypeErrorCtor("Failed to execute 'queueMicrotask': parameter 1 is not of type 'Function'.");
  }
  const rid = internals.currentRequest;
  internals.primordials.queueMicrotask(() => {
    const previous = internals.currentRequest;
    internals.currentRequest = rid;
    try { callback(); } catch (err) { internals.reportError(err); } finally { internals.currentRequest = previous; }
  });
});
