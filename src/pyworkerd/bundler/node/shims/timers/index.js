// node:timers: the runtime's timers (ids are numbers, as workerd's).
const g = globalThis;
function setImmediate(fn, ...args) { return g.setTimeout(fn, 0, ...args); }
module.exports = {
  setTimeout: (...a) => g.setTimeout(...a), clearTimeout: (id) => g.clearTimeout(id),
  setInterval: (...a) => g.setInterval(...a), clearInterval: (id) => g.clearInterval(id),
  setImmediate, clearImmediate: (id) => g.clearTimeout(id),
  promises: require("./promises.js"),
};
