// What brotli-wasm's Node loader asks of `fs`, `path` and `util` (see entry.js).
export function readFileSync() {
  return require("../../node_modules/brotli-wasm/pkg.node/brotli_wasm_bg.wasm").default;
}
export function join(...parts) {
  return parts.join("/");
}
export function compiledModule(module) {
  return module;
}
export const TextDecoder = globalThis.TextDecoder;
export const TextEncoder = globalThis.TextEncoder;
