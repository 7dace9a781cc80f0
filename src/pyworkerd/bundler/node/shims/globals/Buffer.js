// Injected by esbuild for the global `Buffer` (nodejs_compat v2).
export { Buffer } from "../buffer/index.js";
