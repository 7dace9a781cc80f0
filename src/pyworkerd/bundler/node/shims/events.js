// node:events: the `events` package, plus `on` (an async iterator of one event).
const events = require("../node_modules/events/events.js");

function on(emitter, name, options = {}) {
  const queue = [];
  const waiting = [];
  let error = null;
  let done = false;
  const push = (...args) => {
    if (waiting.length) waiting.shift().resolve({ value: args, done: false });
    else queue.push(args);
  };
  const fail = (err) => {
    done = true;
    if (waiting.length) waiting.shift().reject(err);
    else error = err;
  };
  const cleanup = () => {
    emitter.removeListener(name, push);
    if (name !== "error") emitter.removeListener("error", fail);
  };
  emitter.on(name, push);
  if (name !== "error") emitter.on("error", fail);
  options.signal?.addEventListener("abort", () => {
    const err = new Error("The operation was aborted");
    err.name = "AbortError";
    err.code = "ABORT_ERR";
    fail(err);
    cleanup();
  }, { once: true });
  return {
    next() {
      if (queue.length) return Promise.resolve({ value: queue.shift(), done: false });
      if (error) { const err = error; error = null; return Promise.reject(err); }
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    return() {
      done = true;
      cleanup();
      for (const w of waiting.splice(0)) w.resolve({ value: undefined, done: true });
      return Promise.resolve({ value: undefined, done: true });
    },
    throw(err) { fail(err); cleanup(); return Promise.reject(err); },
    [Symbol.asyncIterator]() { return this; },
  };
}

events.on = on;
events.EventEmitter.on = on;
module.exports = events;
