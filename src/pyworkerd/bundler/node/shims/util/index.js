// node:util: the `util` package, with the runtime's Node-style inspect/format (the ones
// console.log uses) and what the package lacks.
const base = require("../../node_modules/util/util.js");
const native = require("pyworkerd:node");

function isDeepStrictEqual(a, b) {
  try {
    require("../../node_modules/assert/build/assert.js").deepStrictEqual(a, b);
    return true;
  } catch {
    return false;
  }
}

function stripVTControlCharacters(text) {
  // eslint-disable-next-line no-control-regex
  return String(text).replace(/[\u001B\u009B][[\]()#;?]*(?:(?:(?:[a-zA-Z\d]*(?:;[-a-zA-Z\d/#&.:=?%@~_]*)*)?\u0007)|(?:(?:\d{1,4}(?:;\d{0,4})*)?[\dA-PR-TZcf-ntqry=><~]))/g, "");
}

function toUSVString(text) {
  return String(text).toWellFormed();
}

module.exports = {
  ...base,
  inspect: native.inspect,
  format: native.format,
  formatWithOptions: native.formatWithOptions,
  isDeepStrictEqual,
  stripVTControlCharacters,
  toUSVString,
  TextEncoder: globalThis.TextEncoder,
  TextDecoder: globalThis.TextDecoder,
  types: { ...base.types, isKeyObject: () => false, isCryptoKey: (v) => v instanceof CryptoKey },
  aborted(signal) {
    return new Promise((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener("abort", () => resolve(), { once: true });
    });
  },
};
