// Injected by esbuild for the global `process` (nodejs_compat v2).
export { default as process } from "../process.js";
