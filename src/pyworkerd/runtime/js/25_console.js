// console.*: every call becomes one log line handed to the host, tagged there with the
// worker's name. Formatting (printf-style %s/%d/%o…, objects inspected like Node) comes
// from internals.formatLogArgs when 15_inspect.js provides it.

const { ArrayPrototypeJoin, ArrayPrototypeMap, StringPrototypeSplit, ArrayPrototypeSlice,
  ErrorCaptureStackTrace, String: StringCtor } = internals.primordials;

function format(args) {
  if (internals.formatLogArgs) return internals.formatLogArgs(args);
  return ArrayPrototypeJoin(ArrayPrototypeMap(args, (a) => {
    if (a instanceof Error) return a.stack || StringCtor(a);
    if (typeof a === "string") return a;
    try { return JSON.stringify(a); } catch { return StringCtor(a); }
  }), " ");
}

// The host installs the sink (bridge); until then (set-up in tests) lines are dropped.
internals.logSink = null;
function emit(level, text) {
  const sink = internals.logSink;
  if (sink) sink(level, text);
}

const counts = new Map();
const timers = new Map();
let groupIndent = "";

function write(level, args) {
  let text = format(args);
  if (groupIndent) text = ArrayPrototypeJoin(ArrayPrototypeMap(StringPrototypeSplit(text, "\n"), (l) => groupIndent + l), "\n");
  emit(level, text);
}

const consoleObject = {
  log(...args) { write("log", args); },
  info(...args) { write("info", args); },
  debug(...args) { write("debug", args); },
  warn(...args) { write("warn", args); },
  error(...args) { write("error", args); },
  trace(...args) {
    const holder = {};
    ErrorCaptureStackTrace(holder, consoleObject.trace);
    const stack = ArrayPrototypeJoin(ArrayPrototypeSlice(StringPrototypeSplit(holder.stack, "\n"), 1), "\n");
    const text = args.length ? format(args) : "";
    write("log", ["Trace" + (text ? ": " + text : "") + "\n" + stack]);
  },
  assert(condition, ...args) {
    if (!condition) write("error", ["Assertion failed" + (args.length ? ": " + format(args) : "")]);
  },
  dir(value) { write("log", [value]); },
  dirxml(...args) { write("log", args); },
  table(...args) { write("log", args); },
  count(label = "default") {
    const n = (counts.get(label) || 0) + 1;
    counts.set(label, n);
    write("info", [`${label}: ${n}`]);
  },
  countReset(label = "default") { counts.delete(label); },
  group(...args) { if (args.length) write("log", args); groupIndent += "  "; },
  groupCollapsed(...args) { consoleObject.group(...args); },
  groupEnd() { groupIndent = groupIndent.slice(0, -2); },
  time(label = "default") { timers.set(label, Date.now()); },
  timeLog(label = "default", ...args) {
    const start = timers.get(label);
    if (start === undefined) { write("warn", [`Timer '${label}' does not exist`]); return; }
    write("info", [`${label}: ${Date.now() - start}ms`, ...args]);
  },
  timeEnd(label = "default") { consoleObject.timeLog(label); timers.delete(label); },
};
internals.defineGlobal("console", consoleObject);
