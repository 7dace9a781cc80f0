// Node's globals as properties, and process.getBuiltinModule, under nodejs_compat. The
// same file ran on workerd 1.20261117 (nodejs_compat, 2025-09-01);
// tests/bundler/test_node_more.py expects what it answered.
import zlib from "node:zlib";
import { Buffer as ImportedBuffer } from "node:buffer";

const describe = (name) => {
  const d = Object.getOwnPropertyDescriptor(globalThis, name);
  return d && [typeof d.value, d.writable, d.enumerable, d.configurable];
};

export default {
  async fetch() {
    const out = {};
    const t = async (k, f) => { try { out[k] = await f(); } catch (e) { out[k] = `THROW ${e.name}: ${e.message}${e.code ? ` [${e.code}]` : ""}`; } };
    await t("property", () => [globalThis.Buffer === ImportedBuffer, typeof globalThis.process, global === globalThis, global.Buffer === ImportedBuffer]);
    await t("byString", () => [globalThis["Buf" + "fer"] === ImportedBuffer, typeof globalThis["proc" + "ess"]?.nextTick, "Buffer" in globalThis, "global" in globalThis]);
    await t("descriptors", () => [describe("Buffer"), describe("process"), describe("global")]);
    await t("keys", () => Object.keys(globalThis).filter((k) => ["Buffer", "process", "global"].includes(k)).sort());
    await t("getBuiltinModule", () => [process.getBuiltinModule("node:buffer").Buffer === ImportedBuffer,
      process.getBuiltinModule("zlib") === zlib, process.getBuiltinModule("node:zlib") === zlib,
      typeof process.getBuiltinModule("node:async_hooks").AsyncLocalStorage, String(process.getBuiltinModule("nope")),
      process.getBuiltinModule("process") === process]);
    await t("getBuiltinModuleBad", () => process.getBuiltinModule(5));
    return Response.json(out);
  },
};
