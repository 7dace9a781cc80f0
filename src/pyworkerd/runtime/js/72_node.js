// The runtime half of nodejs_compat (bundler/nodecompat.py bundles the rest from npm
// polyfills): `node:async_hooks`, and `pyworkerd:node`, the runtime's pieces the bundled
// shims reuse (util.inspect/format as console.log formats).
//
// AsyncLocalStorage without V8 promise hooks: an async context is the current "frame" (a
// Map from storage to store). Once a worker first makes an AsyncLocalStorage, every
// continuation a worker can register — Promise.prototype.then (and so catch, finally and
// the `await`s that the bundler lowers to `.then` for nodejs_compat workers), timers,
// queueMicrotask — captures the frame and restores it when it runs.

const { Map: MapCtor, MapPrototypeGet, MapPrototypeSet, MapPrototypeHas, MapPrototypeDelete,
  ReflectApply, ReflectDefineProperty, ObjectFreeze, PromisePrototypeThen, Promise: PromiseCtor,
  TypeError: TypeErrorCtor, StringPrototypeStartsWith, StringPrototypeSlice, globalThis: global } = internals.primordials;

// process.getBuiltinModule(id): the Node modules of this isolate's worker, registered by
// the bundled polyfills as they are first evaluated (bundler/nodecompat.py), plus the
// runtime's own node:async_hooks. The first registration of a name stays.
const builtins = new MapCtor();

internals.modules["pyworkerd:node"] = ObjectFreeze({
  inspect: internals.inspect,
  format: (...args) => internals.formatWithOptions(undefined, args),
  formatWithOptions: (options, ...args) => internals.formatWithOptions(options, args),
  registerBuiltin(name, exports) {
    if (!MapPrototypeHas(builtins, name)) MapPrototypeSet(builtins, name, exports);
  },
  builtin(id) {
    return MapPrototypeGet(builtins, StringPrototypeStartsWith(id, "node:") ? StringPrototypeSlice(id, 5) : id);
  },
});

let frame = null; // null: the empty frame
let enabled = false;

// fn bound to the frame current now (or to `at`).
function bindFrame(fn, at = frame) {
  return function bound(...args) {
    const previous = frame;
    frame = at;
    try {
      return ReflectApply(fn, this, args);
    } finally {
      frame = previous;
    }
  };
}

function withStore(storage, store) {
  const next = new MapCtor();
  if (frame !== null) {
    for (const [key, value] of frame) MapPrototypeSet(next, key, value);
  }
  MapPrototypeSet(next, storage, store);
  return next;
}

function withoutStore(storage) {
  if (frame === null || !MapPrototypeHas(frame, storage)) return frame;
  const next = new MapCtor();
  for (const [key, value] of frame) MapPrototypeSet(next, key, value);
  MapPrototypeDelete(next, storage);
  return next.size === 0 ? null : next;
}

function runIn(at, fn, thisArg, args) {
  const previous = frame;
  frame = at;
  try {
    return ReflectApply(fn, thisArg, args);
  } finally {
    frame = previous;
  }
}

function patchMethod(target, name, make) {
  const original = target[name];
  const replacement = make(original);
  ReflectDefineProperty(replacement, "name", { value: name, configurable: true });
  ReflectDefineProperty(target, name, { value: replacement, writable: true, configurable: true, enumerable: false });
}

// Install the frame-carrying wrappers once, when a worker first uses async context.
function enable() {
  if (enabled) return;
  enabled = true;
  const proto = PromiseCtor.prototype;
  patchMethod(proto, "then", () => function then(onFulfilled, onRejected) {
    if (frame !== null) {
      if (typeof onFulfilled === "function") onFulfilled = bindFrame(onFulfilled);
      if (typeof onRejected === "function") onRejected = bindFrame(onRejected);
    }
    return PromisePrototypeThen(this, onFulfilled, onRejected);
  });
  for (const name of ["setTimeout", "setInterval", "queueMicrotask"]) {
    patchMethod(global, name, (original) => function (fn, ...rest) {
      return ReflectApply(original, this, [typeof fn === "function" && frame !== null ? bindFrame(fn) : fn, ...rest]);
    });
  }
}

// Each invocation starts in the empty frame (the bridge calls this as it enters one), so a
// store set by enterWith() in one handler's synchronous part never reaches the next.
internals.enterRootContext = () => { frame = null; };

class AsyncLocalStorage {
  constructor() { enable(); }
  static bind(fn) { return bindFrame(fn); }
  static snapshot() {
    const at = frame;
    return (fn, ...args) => runIn(at, fn, undefined, args);
  }
  getStore() {
    return frame === null ? undefined : MapPrototypeGet(frame, this);
  }
  run(store, callback, ...args) {
    return runIn(withStore(this, store), callback, undefined, args);
  }
  exit(callback, ...args) {
    return runIn(withoutStore(this), callback, undefined, args);
  }
  enterWith(store) {
    frame = withStore(this, store);
  }
  disable() {
    frame = withoutStore(this);
  }
}

let nextAsyncId = 1;
class AsyncResource {
  constructor(type, options = undefined) {
    if (typeof type !== "string") {
      throw new TypeErrorCtor('The "type" argument must be of type string.');
    }
    enable();
    this.type = type;
    this._frame = frame;
    this._asyncId = nextAsyncId++;
    this._triggerAsyncId = typeof options === "number" ? options : options?.triggerAsyncId ?? 0;
  }
  static bind(fn, type = "bound-anonymous-fn", thisArg = undefined) {
    return new AsyncResource(type).bind(fn, thisArg);
  }
  runInAsyncScope(fn, thisArg, ...args) {
    return runIn(this._frame, fn, thisArg, args);
  }
  bind(fn, thisArg = undefined) {
    const resource = this;
    const bound = function (...args) {
      return resource.runInAsyncScope(fn, thisArg === undefined ? this : thisArg, ...args);
    };
    ReflectDefineProperty(bound, "length", { value: fn.length, configurable: true });
    ReflectDefineProperty(bound, "asyncResource", { value: this, configurable: true, enumerable: true });
    return bound;
  }
  emitDestroy() { return this; }
  asyncId() { return this._asyncId; }
  triggerAsyncId() { return this._triggerAsyncId; }
}

const notImplemented = (name) => () => {
  throw new internals.primordials.Error(`[unenv] async_hooks.${name} is not implemented yet!`);
};

const asyncHooks = ObjectFreeze({
  AsyncLocalStorage,
  AsyncResource,
  executionAsyncId: () => 0,
  triggerAsyncId: () => 0,
  executionAsyncResource: () => ({}),
  createHook: () => ({ enable() { return this; }, disable() { return this; } }),
  asyncWrapProviders: ObjectFreeze({}),
  registerDestroyHook: notImplemented("registerDestroyHook"),
});
internals.modules["node:async_hooks"] = asyncHooks;
MapPrototypeSet(builtins, "async_hooks", asyncHooks);
