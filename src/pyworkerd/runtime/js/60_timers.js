// setTimeout / setInterval / clearTimeout / clearInterval and scheduler.wait.
// Bare V8 has no timers: each one becomes a host call (the bridge's `timerSet`), and the
// host sends a "timer fired" event back in a later batch. Callbacks run with the request
// that created them as the current one, so their log lines are tagged right.

const { MapPrototypeGet, MapPrototypeSet, MapPrototypeDelete, MapPrototypeHas, Map: MapCtor,
  NumberIsFinite, MathMax, MathTrunc, Promise: PromiseCtor, TypeError: TypeErrorCtor } = internals.primordials;

const active = new MapCtor(); // id -> { fn, args, interval, ms, rid }
let nextId = 1;

function clampDelay(ms) {
  ms = +ms;
  if (!NumberIsFinite(ms) || ms < 0) return 0;
  return MathTrunc(ms);
}

function schedule(fn, ms, args, interval) {
  if (typeof fn !== "function") {
    throw new TypeErrorCtor("Failed to execute 'setTimeout': parameter 1 is not of type 'Function'.");
  }
  internals.assertInRequest();
  const id = nextId++;
  const timer = { fn, args, interval, ms: clampDelay(ms), rid: internals.currentRequest };
  MapPrototypeSet(active, id, timer);
  internals.host.timerSet(id, timer.ms);
  return id;
}

function clear(id) {
  id = +id;
  if (MapPrototypeHas(active, id)) {
    MapPrototypeDelete(active, id);
    internals.host.timerClear(id);
  }
}

// Called by the bridge when the host says timer `id` is due.
internals.fireTimer = (id) => {
  const timer = MapPrototypeGet(active, id);
  if (timer === undefined) return;
  if (timer.interval) {
    internals.host.timerSet(id, MathMax(timer.ms, 1));
  } else {
    MapPrototypeDelete(active, id);
  }
  const previous = internals.currentRequest;
  internals.currentRequest = timer.rid;
  try {
    timer.fn(...timer.args);
  } catch (err) {
    internals.reportError(err);
  } finally {
    internals.currentRequest = previous;
  }
};

internals.defineGlobal("setTimeout", function setTimeout(fn, ms = 0, ...args) { return schedule(fn, ms, args, false); });
internals.defineGlobal("setInterval", function setInterval(fn, ms = 0, ...args) { return schedule(fn, ms, args, true); });
internals.defineGlobal("clearTimeout", function clearTimeout(id) { clear(id); });
internals.defineGlobal("clearInterval", function clearInterval(id) { clear(id); });
internals.defineGlobal("scheduler", {
  wait(ms) { return new PromiseCtor((resolve) => schedule(resolve, ms, [], false)); },
});
