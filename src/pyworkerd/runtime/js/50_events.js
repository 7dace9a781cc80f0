// Event, EventTarget, CustomEvent, AbortController and AbortSignal (DOM Standard,
// https://dom.spec.whatwg.org/#events and #aborting-ongoing-activities), shaped as workerd
// shapes them (src/workerd/api/basics.c++): no DOM tree, so dispatch has one target and
// the phases are NONE and AT_TARGET only.
//
// For the rest of the runtime:
//   internals.isAbortSignal(x) -> boolean
//   internals.addAbortAlgorithm(signal, fn) / internals.removeAbortAlgorithm(signal, fn):
//     "abort algorithms" run (in order, before the abort event) when the signal aborts;
//     unlike an "abort" listener a worker cannot see or remove them.
//   internals.newNeverAbortSignal() -> a signal that never aborts (request.signal default)
//   internals.abortReason(signal) -> the signal's reason
//   internals.events = { Event, EventTarget, dispatch(target, event) }

const {
  ArrayPrototypePush, ArrayPrototypeSlice, ArrayPrototypeIndexOf, ArrayPrototypeSplice,
  DateNow, Map: MapCtor, MapPrototypeGet, MapPrototypeSet, MapPrototypeDelete,
  ObjectDefineProperty, ObjectFreeze, ReflectApply, String: StringCtor, SymbolIterator,
  TypeError: TypeErrorCtor, NumberIsFinite, MathTrunc,
  WeakRef: WeakRefCtor, globalThis: realGlobal,
} = internals.primordials;
const webidl = internals.webidl;
const DOMExceptionCtor = internals.DOMException;

function isObjectLike(x) { return x !== null && (typeof x === "object" || typeof x === "function"); }

function reportListenerError(err) {
  if (typeof internals.reportError === "function") {
    internals.reportError(err);
    return;
  }
  // Before the bridge exists (runtime tests): the console, if any.
  try { realGlobal.console.error(err); } catch { /* nothing to report to */ }
}

// ---------------------------------------------------------------------------------------
// Event

const NONE = 0, CAPTURING_PHASE = 1, AT_TARGET = 2, BUBBLING_PHASE = 3;

let eventState; // (event) -> the record behind it, or undefined

function rec(event) {
  const s = eventState(event);
  if (s === undefined) throw new TypeErrorCtor("Illegal invocation");
  return s;
}

class Event {
  #s;

  constructor(type, eventInitDict = undefined) {
    const prefix = "Failed to construct 'Event'";
    if (arguments.length === 0) throw new TypeErrorCtor(`${prefix}: constructor parameter 1 is not of type 'string'.`);
    this.#s = newEventRecord(StringCtor(type), eventInitDict, prefix);
  }

  // Members in workerd's order (basics.h), so Object.keys(Event.prototype) matches.
  get type() { return rec(this).type; }
  get eventPhase() { return rec(this).phase; }
  get composed() { return rec(this).composed; }
  get bubbles() { return rec(this).bubbles; }
  get cancelable() { return rec(this).cancelable; }
  get defaultPrevented() { return rec(this).canceled; }
  get returnValue() { return !rec(this).canceled; }
  get currentTarget() { return rec(this).currentTarget; }
  get target() { return rec(this).target; }
  get srcElement() { return rec(this).target; }
  get timeStamp() { return rec(this).timeStamp; }
  get isTrusted() { return rec(this).trusted; }
  get cancelBubble() { return rec(this).stop; }
  set cancelBubble(value) { const s = rec(this); if (value) s.stop = true; }
  stopImmediatePropagation() { const s = rec(this); s.stop = true; s.stopImmediate = true; }
  preventDefault() { setCanceled(rec(this)); }
  stopPropagation() { rec(this).stop = true; }
  // No tree: the path is the target while the event is being dispatched, else empty.
  composedPath() {
    const s = rec(this);
    return s.dispatching && s.currentTarget !== null ? [s.currentTarget] : [];
  }

  static {
    eventState = (e) => (isObjectLike(e) && #s in e ? e.#s : undefined);
  }
}

function newEventRecord(type, init, prefix) {
  let bubbles = false, cancelable = false, composed = false;
  if (init !== undefined && init !== null) {
    if (!isObjectLike(init)) {
      throw new TypeErrorCtor(`${prefix}: constructor parameter 2 is not of type 'Init'.`);
    }
    bubbles = !!init.bubbles;
    cancelable = !!init.cancelable;
    composed = !!init.composed;
  }
  return {
    type, bubbles, cancelable, composed, target: null, currentTarget: null, phase: NONE,
    canceled: false, inPassiveListener: false, stop: false, stopImmediate: false,
    dispatching: false, trusted: false, timeStamp: DateNow(),
  };
}

function setCanceled(s) {
  if (s.cancelable && !s.inPassiveListener) s.canceled = true;
}

for (const [name, value] of [["NONE", NONE], ["CAPTURING_PHASE", CAPTURING_PHASE],
  ["AT_TARGET", AT_TARGET], ["BUBBLING_PHASE", BUBBLING_PHASE]]) {
  ObjectDefineProperty(Event, name, { value, enumerable: true });
  ObjectDefineProperty(Event.prototype, name, { value, enumerable: true });
}
webidl.configureInterface(Event, "Event");

function isEvent(x) { return eventState(x) !== undefined; }

// ---------------------------------------------------------------------------------------
// CustomEvent

class CustomEvent extends Event {
  #detail;
  constructor(type, eventInitDict = undefined) {
    if (arguments.length === 0) {
      throw new TypeErrorCtor("Failed to construct 'CustomEvent': constructor parameter 1 is not of type 'string'.");
    }
    super(type, eventInitDict);
    this.#detail = isObjectLike(eventInitDict) && eventInitDict.detail !== undefined
      ? eventInitDict.detail : null;
  }
  get detail() {
    if (!isObjectLike(this) || !(#detail in this)) throw new TypeErrorCtor("Illegal invocation");
    return this.#detail;
  }
}
webidl.configureInterface(CustomEvent, "CustomEvent");

// ---------------------------------------------------------------------------------------
// EventTarget

let listenersOf; // (target) -> Map(type -> [listener records]) or undefined

function mapOf(target) {
  const map = listenersOf(target);
  if (map === undefined) throw new TypeErrorCtor("Illegal invocation");
  return map;
}

// "flatten more" options: { capture, once, passive, signal }.
function flattenOptions(options, prefix, full) {
  const out = { capture: false, once: false, passive: false, signal: null };
  if (typeof options === "boolean" || !isObjectLike(options)) {
    out.capture = !!options;
    return out;
  }
  out.capture = !!options.capture;
  if (!full) return out;
  out.once = !!options.once;
  out.passive = !!options.passive;
  const signal = options.signal;
  if (signal !== undefined) {
    if (!isAbortSignal(signal)) {
      throw new TypeErrorCtor("Incorrect type for the 'signal' field on 'AddEventListenerOptions': the provided value is not of type 'AbortSignal'.");
    }
    out.signal = signal;
  }
  return out;
}

function checkCallback(listener, prefix) {
  if (listener === null || listener === undefined) return null;
  if (!isObjectLike(listener)) {
    throw new TypeErrorCtor(`${prefix}: parameter 2 is not of type 'function or HandlerObject'.`);
  }
  return listener;
}

class EventTarget {
  #listeners = new MapCtor();

  constructor() {}

  addEventListener(type, listener, options = undefined) {
    const map = mapOf(this);
    const prefix = "Failed to execute 'addEventListener' on 'EventTarget'";
    webidl.requiredArguments(arguments.length, 2, prefix);
    type = StringCtor(type);
    const callback = checkCallback(listener, prefix);
    const opts = flattenOptions(options, prefix, true);
    if (callback === null) return;
    const signal = opts.signal;
    if (signal !== null && signalRecord(signal).aborted) return;
    let list = MapPrototypeGet(map, type);
    if (list === undefined) {
      list = [];
      MapPrototypeSet(map, type, list);
    }
    for (let i = 0; i < list.length; i++) {
      if (list[i].callback === callback && list[i].capture === opts.capture) return;
    }
    const record = {
      callback, capture: opts.capture, once: opts.once, passive: opts.passive, removed: false,
      signal, abortAlgorithm: null,
    };
    ArrayPrototypePush(list, record);
    if (signal !== null) {
      // The target is held weakly: a long-lived signal must not keep every target alive.
      const targetRef = new WeakRefCtor(this);
      record.abortAlgorithm = () => {
        const target = targetRef.deref();
        if (target !== undefined) removeRecord(target, type, record);
      };
      addAbortAlgorithm(signal, record.abortAlgorithm);
    }
  }

  removeEventListener(type, listener, options = undefined) {
    const map = mapOf(this);
    const prefix = "Failed to execute 'removeEventListener' on 'EventTarget'";
    webidl.requiredArguments(arguments.length, 2, prefix);
    type = StringCtor(type);
    const callback = checkCallback(listener, prefix);
    const opts = flattenOptions(options, prefix, false);
    if (callback === null) return;
    const list = MapPrototypeGet(map, type);
    if (list === undefined) return;
    for (let i = 0; i < list.length; i++) {
      const record = list[i];
      if (record.callback === callback && record.capture === opts.capture) {
        removeRecord(this, type, record);
        return;
      }
    }
  }

  dispatchEvent(event) {
    mapOf(this);
    const prefix = "Failed to execute 'dispatchEvent' on 'EventTarget'";
    webidl.requiredArguments(arguments.length, 1, prefix);
    const s = eventState(event);
    if (s === undefined) throw new TypeErrorCtor(`${prefix}: parameter 1 is not of type 'Event'.`);
    if (s.dispatching) {
      throw new DOMExceptionCtor("The event is already being dispatched.", "InvalidStateError");
    }
    s.trusted = false;
    return dispatch(this, event);
  }

  static {
    listenersOf = (t) => (isObjectLike(t) && #listeners in t ? t.#listeners : undefined);
  }
}
webidl.configureInterface(EventTarget, "EventTarget");

function removeRecord(target, type, record) {
  const map = listenersOf(target);
  if (map === undefined) return;
  const list = MapPrototypeGet(map, type);
  record.removed = true;
  if (record.signal !== null && record.abortAlgorithm !== null) {
    removeAbortAlgorithm(record.signal, record.abortAlgorithm);
    record.abortAlgorithm = null;
  }
  if (list === undefined) return;
  const i = ArrayPrototypeIndexOf(list, record);
  if (i !== -1) ArrayPrototypeSplice(list, i, 1);
  if (list.length === 0) MapPrototypeDelete(map, type);
}

// Dispatch `event` at `target` (no tree: only the target itself). Returns false when a
// listener cancelled it.
function dispatch(target, event) {
  const s = eventState(event);
  s.dispatching = true;
  s.target = target;
  s.currentTarget = target;
  s.phase = AT_TARGET;
  try {
    const map = listenersOf(target);
    const list = map === undefined ? undefined : MapPrototypeGet(map, s.type);
    if (list !== undefined) {
      // Listeners added during dispatch do not run; removed ones are skipped.
      const snapshot = ArrayPrototypeSlice(list);
      for (let i = 0; i < snapshot.length; i++) {
        const record = snapshot[i];
        if (record.removed) continue;
        if (record.once) removeRecord(target, s.type, record);
        s.inPassiveListener = record.passive;
        // As in workerd, an exception thrown by a listener ends the dispatch and
        // propagates to dispatchEvent's caller (the DOM would report it and go on).
        const callback = record.callback;
        if (typeof callback === "function") {
          ReflectApply(callback, target, [event]);
        } else {
          const handleEvent = callback.handleEvent;
          if (typeof handleEvent !== "function") {
            throw new TypeErrorCtor("Incorrect type for the 'handleEvent' field on 'HandlerObject': the provided value is not of type 'function'.");
          }
          ReflectApply(handleEvent, callback, [event]);
        }
        s.inPassiveListener = false;
        if (s.stopImmediate) break;
      }
    }
  } finally {
    // workerd leaves currentTarget set after the dispatch.
    s.dispatching = false;
    s.inPassiveListener = false;
    s.phase = NONE;
    s.stop = false;
    s.stopImmediate = false;
  }
  return !s.canceled;
}

// ---------------------------------------------------------------------------------------
// AbortSignal and AbortController

const kConstruct = {};
let signalRecordImpl;

function signalRecord(signal) {
  const rec = signalRecordImpl(signal);
  if (rec === undefined) throw new TypeErrorCtor("Illegal invocation");
  return rec;
}
function isAbortSignal(x) { return signalRecordImpl(x) !== undefined; }

function abortError() {
  return new DOMExceptionCtor("The operation was aborted", "AbortError");
}
function timeoutError() {
  return new DOMExceptionCtor("The operation was aborted due to timeout", "TimeoutError");
}

class AbortSignal extends EventTarget {
  #r;

  constructor(key = undefined) {
    if (key !== kConstruct) throw new TypeErrorCtor("Illegal constructor");
    super();
    this.#r = {
      aborted: false, reason: undefined, algorithms: [], onabort: null, onabortListener: null,
      // AbortSignal.any: the signals this one follows, and those that follow it (weakly).
      dependent: false, sources: [], dependents: [], neverAborts: false,
    };
  }

  get aborted() { return signalRecord(this).aborted; }
  get reason() { return signalRecord(this).reason; }

  throwIfAborted() {
    const r = signalRecord(this);
    if (r.aborted) throw r.reason;
  }

  get onabort() { return signalRecord(this).onabort; }
  set onabort(value) {
    const r = signalRecord(this);
    const handler = typeof value === "function" || isObjectLike(value) ? value : null;
    r.onabort = handler;
    if (handler !== null && r.onabortListener === null) {
      // An event handler attribute: one listener, added when first set, that calls
      // whatever the attribute holds at dispatch time.
      r.onabortListener = (event) => {
        const current = r.onabort;
        // workerd calls the handler with no `this`.
        if (typeof current === "function") ReflectApply(current, undefined, [event]);
      };
      this.addEventListener("abort", r.onabortListener);
    }
  }

  static abort(reason = undefined) {
    const signal = new AbortSignal(kConstruct);
    const r = signalRecord(signal);
    r.aborted = true;
    r.reason = reason === undefined ? abortError() : reason;
    return signal;
  }

  static timeout(milliseconds) {
    if (typeof milliseconds !== "number" && arguments.length === 0) {
      throw new TypeErrorCtor("Failed to execute 'timeout' on 'AbortSignal': parameter 1 is not of type 'number'.");
    }
    // workerd takes any number; a negative or NaN delay fires at once.
    let ms = +milliseconds;
    if (!NumberIsFinite(ms) || ms < 0) ms = ms === Infinity ? 2147483647 : 0;
    const signal = new AbortSignal(kConstruct);
    const set = realGlobal.setTimeout;
    if (typeof set !== "function") {
      throw new TypeErrorCtor("AbortSignal.timeout() needs setTimeout, which is not available.");
    }
    // The timer holds the signal weakly: a signal nobody references may be collected.
    const ref = new WeakRefCtor(signal);
    ReflectApply(set, realGlobal, [() => {
      const target = ref.deref();
      if (target !== undefined) signalAbort(target, timeoutError());
    }, MathTrunc(ms)]);
    return signal;
  }

  static any(signals) {
    if (!isObjectLike(signals) || typeof signals[SymbolIterator] !== "function") {
      throw new TypeErrorCtor("Failed to execute 'any' on 'AbortSignal': parameter 1 is not of type 'Array'.");
    }
    const list = [];
    for (const s of signals) {
      if (!isAbortSignal(s)) {
        throw new TypeErrorCtor(`Incorrect type for array element ${list.length}: the provided value is not of type 'AbortSignal'.`);
      }
      ArrayPrototypePush(list, s);
    }
    const result = new AbortSignal(kConstruct);
    const rr = signalRecord(result);
    for (let i = 0; i < list.length; i++) {
      const sr = signalRecord(list[i]);
      if (sr.aborted) {
        rr.aborted = true;
        rr.reason = sr.reason;
        return result;
      }
    }
    rr.dependent = true;
    const resultRef = new WeakRefCtor(result);
    for (let i = 0; i < list.length; i++) {
      const sr = signalRecord(list[i]);
      if (!sr.dependent) {
        followSignal(list[i], sr, result, rr, resultRef);
      } else {
        for (let j = 0; j < sr.sources.length; j++) {
          const source = sr.sources[j].deref();
          if (source !== undefined) followSignal(source, signalRecord(source), result, rr, resultRef);
        }
      }
    }
    return result;
  }

  static {
    signalRecordImpl = (x) => (isObjectLike(x) && #r in x ? x.#r : undefined);
  }
}
webidl.configureInterface(AbortSignal, "AbortSignal");

function followSignal(source, sourceRecord, result, resultRecord, resultRef) {
  for (let i = 0; i < resultRecord.sources.length; i++) {
    if (resultRecord.sources[i].deref() === source) return;
  }
  ArrayPrototypePush(resultRecord.sources, new WeakRefCtor(source));
  ArrayPrototypePush(sourceRecord.dependents, resultRef);
}

// "signal abort" (DOM 3.3): set the reason, run the abort algorithms, fire "abort", then
// the same for dependent signals.
function signalAbort(signal, reason) {
  const r = signalRecord(signal);
  if (r.aborted) return;
  r.aborted = true;
  r.reason = reason === undefined ? abortError() : reason;
  const toAbort = [];
  for (let i = 0; i < r.dependents.length; i++) {
    const dep = r.dependents[i].deref();
    if (dep === undefined) continue;
    const dr = signalRecord(dep);
    if (!dr.aborted) {
      dr.aborted = true;
      dr.reason = r.reason;
      ArrayPrototypePush(toAbort, dep);
    }
  }
  r.dependents = [];
  runAbortSteps(signal);
  for (let i = 0; i < toAbort.length; i++) runAbortSteps(toAbort[i]);
}

function runAbortSteps(signal) {
  const r = signalRecord(signal);
  const algorithms = r.algorithms;
  r.algorithms = [];
  for (let i = 0; i < algorithms.length; i++) {
    try {
      algorithms[i](r.reason);
    } catch (err) {
      reportListenerError(err);
    }
  }
  const event = new Event("abort");
  eventState(event).trusted = true;
  dispatch(signal, event);
}

function addAbortAlgorithm(signal, fn) {
  const r = signalRecord(signal);
  if (r.aborted || r.neverAborts) return;
  ArrayPrototypePush(r.algorithms, fn);
}
function removeAbortAlgorithm(signal, fn) {
  const r = signalRecordImpl(signal);
  if (r === undefined) return;
  const i = ArrayPrototypeIndexOf(r.algorithms, fn);
  if (i !== -1) ArrayPrototypeSplice(r.algorithms, i, 1);
}

class AbortController {
  #signal;
  constructor() {
    this.#signal = new AbortSignal(kConstruct);
  }
  get signal() {
    if (!isObjectLike(this) || !(#signal in this)) throw new TypeErrorCtor("Illegal invocation");
    return this.#signal;
  }
  abort(reason = undefined) {
    if (!isObjectLike(this) || !(#signal in this)) throw new TypeErrorCtor("Illegal invocation");
    signalAbort(this.#signal, reason);
  }
}
webidl.configureInterface(AbortController, "AbortController");

internals.isAbortSignal = isAbortSignal;
internals.addAbortAlgorithm = addAbortAlgorithm;
internals.removeAbortAlgorithm = removeAbortAlgorithm;
internals.abortReason = (signal) => signalRecord(signal).reason;
internals.signalAbort = signalAbort;
internals.newNeverAbortSignal = () => {
  const signal = new AbortSignal(kConstruct);
  signalRecord(signal).neverAborts = true;
  return signal;
};
internals.events = ObjectFreeze({ __proto__: null, Event, EventTarget, CustomEvent, dispatch, isEvent });

internals.defineGlobal("Event", Event);
internals.defineGlobal("EventTarget", EventTarget);
internals.defineGlobal("CustomEvent", CustomEvent);
internals.defineGlobal("AbortController", AbortController);
internals.defineGlobal("AbortSignal", AbortSignal);
