// Pre-bundled once into buffer/index.js (an ES module without imports) so that the global
// `Buffer` (injected) costs nothing in a worker that never names it: this package is
// side-effect free, and esbuild drops an unused module only when nothing in it imports
// CommonJS. `node:buffer` and the global are the same class.
import * as b from "../node_modules/buffer/index.js";

export const { Buffer, SlowBuffer, INSPECT_MAX_BYTES, kMaxLength } = b;

// "base64url", which the package lacks: its base64 decoder already reads the URL alphabet.
const isUrl = (encoding) => typeof encoding === "string" && encoding.toLowerCase() === "base64url";
const base64 = (encoding) => (isUrl(encoding) ? "base64" : encoding);
const { from, byteLength, isEncoding } = Buffer;
const { toString, write } = Buffer.prototype;
Buffer.from = function (value, encodingOrOffset, length) { return from.call(this, value, base64(encodingOrOffset), length); };
Buffer.byteLength = function (value, encoding) { return byteLength.call(this, value, base64(encoding)); };
Buffer.isEncoding = function (encoding) { return isUrl(encoding) || isEncoding.call(this, encoding); };
Buffer.prototype.toString = function (encoding, start, end) {
  if (!isUrl(encoding)) return toString.apply(this, arguments);
  return toString.call(this, "base64", start, end).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
};
Buffer.prototype.write = function (text, ...rest) { return write.call(this, text, ...rest.map(base64)); };
export const kStringMaxLength = 0x1fffffe8;
export const constants = { MAX_LENGTH: kMaxLength, MAX_STRING_LENGTH: kStringMaxLength };
export const atob = globalThis.atob;
export const btoa = globalThis.btoa;
export const Blob = globalThis.Blob;
export const File = globalThis.File;
export function isUtf8(input) {
  try { new TextDecoder("utf-8", { fatal: true }).decode(input); return true; } catch { return false; }
}
export function isAscii(input) {
  const bytes = input instanceof ArrayBuffer ? new Uint8Array(input)
    : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  for (let i = 0; i < bytes.length; i++) if (bytes[i] > 0x7f) return false;
  return true;
}
export default {
  Buffer, SlowBuffer, INSPECT_MAX_BYTES, kMaxLength, kStringMaxLength, constants,
  atob, btoa, Blob, File, isUtf8, isAscii,
};
