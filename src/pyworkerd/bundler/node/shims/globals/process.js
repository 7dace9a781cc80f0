// Injected by esbuild for the global `process` (nodejs_compat v2), and the property
// globalThis.process as workerd has it, for code that reads it by string.
import process from "../process.js";

export { process };
Object.defineProperty(globalThis, "process", { value: process, writable: true, enumerable: true, configurable: true });
Object.defineProperty(globalThis, "global", { value: globalThis, writable: true, enumerable: true, configurable: true });
