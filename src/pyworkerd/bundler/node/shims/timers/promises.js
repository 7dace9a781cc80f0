// node:timers/promises.
function abortError(signal) {
  const err = new Error("The operation was aborted");
  err.name = "AbortError";
  err.code = "ABORT_ERR";
  err.cause = signal.reason;
  return err;
}
function setTimeout(ms, value, options = {}) {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(abortError(signal));
  return new Promise((resolve, reject) => {
    const id = globalThis.setTimeout(() => resolve(value), ms);
    signal?.addEventListener("abort", () => { globalThis.clearTimeout(id); reject(abortError(signal)); }, { once: true });
  });
}
function setImmediate(value, options) { return setTimeout(0, value, options); }
async function* setInterval(ms, value, options = {}) {
  const { signal } = options;
  while (true) {
    await setTimeout(ms, undefined, { signal });
    yield value;
  }
}
const scheduler = { wait: (ms, options) => setTimeout(ms, undefined, options), yield: () => setImmediate() };
module.exports = { setTimeout, setImmediate, setInterval, scheduler };
