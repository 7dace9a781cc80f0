// Injected by esbuild for the global `Buffer` (nodejs_compat v2), and the property
// globalThis.Buffer as workerd has it, for code that reads it by string.
import * as buffer from "../buffer/index.js";
import { registerBuiltin } from "pyworkerd:node";

export const Buffer = buffer.Buffer;
Object.defineProperty(globalThis, "Buffer", { value: Buffer, writable: true, enumerable: true, configurable: true });
Object.defineProperty(globalThis, "global", { value: globalThis, writable: true, enumerable: true, configurable: true });
registerBuiltin("buffer", buffer);
