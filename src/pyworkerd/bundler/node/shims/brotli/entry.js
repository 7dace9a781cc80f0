// Pre-bundled once (nodecompat.py, _set_up) into brotli/index.js: brotli-wasm's Node build,
// whose loader reads its .wasm with fs.readFileSync and compiles it with
// new WebAssembly.Module. A worker may not compile Wasm from bytes, so that pre-bundle
// points `fs`, `path` and `util` at host.js, and `WebAssembly.Module` at host.js's
// `compiledModule`: the loader then instantiates the WebAssembly.Module that the worker's
// module table compiled from the same file at load (the default CompiledWasm rule).
module.exports = require("../../node_modules/brotli-wasm/pkg.node/brotli_wasm.js");
