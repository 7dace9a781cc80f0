// node:process. `env` holds the worker's text vars and secrets (JSON vars as JSON text)
// when the nodejs_compat_populate_process_env behaviour is on, as workerd fills it;
// __PYWORKERD_POPULATE_ENV__ is defined by the bundler from the compatibility date and flags.
import { env as workerEnv } from "cloudflare:workers";
import { builtin, registerBuiltin } from "pyworkerd:node";
import { notImplemented } from "./unenv.js";

let envObject = null;
function env() {
  if (envObject === null) {
    envObject = {};
    if (__PYWORKERD_POPULATE_ENV__) {
      for (const key of Object.keys(workerEnv || {})) {
        const value = workerEnv[key];
        if (typeof value === "string") envObject[key] = value;
        else if (value === null || typeof value !== "object" || Object.getPrototypeOf(value) === Object.prototype || Array.isArray(value)) {
          if (value !== undefined && typeof value !== "function") envObject[key] = JSON.stringify(value);
        }
      }
    }
  }
  return envObject;
}

function nextTick(callback, ...args) {
  queueMicrotask(() => callback(...args));
}

const start = performance.now();
function hrtime(previous) {
  const now = performance.now();
  let seconds = Math.floor(now / 1e3);
  let nanos = Math.floor((now % 1e3) * 1e6);
  if (previous) {
    seconds -= previous[0];
    nanos -= previous[1];
    if (nanos < 0) { seconds -= 1; nanos += 1e9; }
  }
  return [seconds, nanos];
}
hrtime.bigint = () => BigInt(Math.floor(performance.now() * 1e6));

const listeners = new Map();
const process = {
  get env() { return env(); },
  set env(value) { envObject = value; },
  nextTick,
  platform: "linux",
  arch: "x64",
  version: "v22.14.0",
  versions: { node: "22.14.0" },
  release: { name: "node" },
  title: "workerd",
  argv: ["workerd"],
  execArgv: [],
  pid: 1,
  ppid: 0,
  exitCode: undefined,
  features: {},
  browser: false,
  hrtime,
  uptime() { return (performance.now() - start) / 1e3; },
  cwd() { return "/bundle"; },
  umask() { return 0o22; },
  memoryUsage: notImplemented("process.memoryUsage"),
  chdir: notImplemented("process.chdir"),
  kill: notImplemented("process.kill"),
  exit: notImplemented("process.exit"),
  abort: notImplemented("process.abort"),
  emitWarning(warning) { console.warn(typeof warning === "string" ? "Warning: " + warning : warning); },
  // The Node modules this worker's bundle carries (those it imports somewhere), else undefined.
  getBuiltinModule(id) {
    return typeof id === "string" ? builtin(id) : undefined;
  },
  on(name, fn) { listeners.set(name, [...(listeners.get(name) || []), fn]); return process; },
  once(name, fn) { return process.on(name, fn); },
  off(name, fn) { listeners.set(name, (listeners.get(name) || []).filter((f) => f !== fn)); return process; },
  removeListener(name, fn) { return process.off(name, fn); },
  removeAllListeners(name) { if (name === undefined) listeners.clear(); else listeners.delete(name); return process; },
  emit(name, ...args) { const fns = listeners.get(name) || []; for (const fn of fns) fn(...args); return fns.length > 0; },
  listeners(name) { return [...(listeners.get(name) || [])]; },
  binding: notImplemented("process.binding"),
};
registerBuiltin("process", process);
export default process;
export { nextTick, hrtime };
export const platform = process.platform;
export const version = process.version;
export const versions = process.versions;
