"""Node.js compatibility (``nodejs_compat``, ``nodejs_als``): which ``node:*`` modules a
worker may import, and the esbuild arguments that give them to it.

The modules are npm polyfills pinned by ``node/package-lock.json`` (installed once per
machine, :func:`~pyworkerd.bundler.npm.installed_node_modules`) plus this project's shims in
``node/shims/``, copied next to them so that the shims' relative ``../node_modules/...``
imports resolve. esbuild aliases ``node:X`` (and, from v2 on, bare ``X``) to them, so a
worker's bundle carries only what it imports. ``node:async_hooks`` is the runtime's own
(``runtime/js/72_node.js``): AsyncLocalStorage needs the runtime's timers and promises.

The global ``Buffer`` and ``process`` of v2 are esbuild ``--inject`` files in a
``sideEffects: false`` package: a worker that never names them pays nothing.

Without the flag, importing a Node module fails at build time as wrangler fails, naming the
flag; ``fs``, ``net``, ``child_process`` and their kind never resolve (a worker gets no host
files, sockets or processes), and the stub modules import but throw unenv's "not
implemented" error when called.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Literal

from .errors import BundlerError, Message
from .npm import build_once, installed_node_modules

__all__ = ["NodeCompat", "node_compat"]

Mode = Literal["off", "als", "v1", "v2"]

V2_DATE = "2024-09-23"
POPULATE_ENV_DATE = "2025-04-01"

#: Node's own module names (``require("module").builtinModules``, Node 20, without ``_*``).
NODE_BUILTINS = frozenset({
    "assert", "assert/strict", "async_hooks", "buffer", "child_process", "cluster", "console",
    "constants", "crypto", "dgram", "diagnostics_channel", "dns", "dns/promises", "domain",
    "events", "fs", "fs/promises", "http", "http2", "https", "inspector", "inspector/promises",
    "module", "net", "os", "path", "path/posix", "path/win32", "perf_hooks", "process",
    "punycode", "querystring", "readline", "readline/promises", "repl", "stream",
    "stream/consumers", "stream/promises", "stream/web", "string_decoder", "sys", "timers",
    "timers/promises", "tls", "trace_events", "tty", "url", "util", "util/types", "v8", "vm",
    "wasi", "worker_threads", "zlib",
})

#: Modules that give a worker the host's files, sockets or processes: never resolved.
REFUSED = frozenset({
    "fs", "fs/promises", "net", "child_process", "tls", "dgram", "cluster",
})

#: Module → alias target: ``nm:`` a polyfill package folder, anything else a shim path.
POLYFILLS: dict[str, str] = {
    "assert": "assert/index.js",
    "assert/strict": "assert/strict.js",
    "buffer": "buffer",
    "crypto": "crypto.js",
    "diagnostics_channel": "diagnostics_channel.js",
    "events": "events.js",
    "http": "http/index.js",
    "https": "http/https.js",
    "path": "nm:path-browserify",
    "path/posix": "nm:path-browserify",
    "process": "process.js",
    "punycode": "nm:punycode",
    "querystring": "nm:querystring-es3",
    "stream": "stream",
    "stream/consumers": "stream/consumers.js",
    "stream/promises": "stream/promises.js",
    "stream/web": "stream/web.js",
    "string_decoder": "nm:string_decoder",
    "sys": "util/index.js",
    "timers": "timers",
    "timers/promises": "timers/promises.js",
    "url": "url.js",
    "util": "util",
    "util/types": "util/types.js",
    "zlib": "zlib.js",
}

#: Stub modules: exported functions (lower case) and classes (capitalised) throw unenv's
#: "[unenv] module.name is not implemented yet!"; values are JS expressions.
STUBS: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "os": (
        ("arch", "availableParallelism", "cpus", "endianness", "freemem", "getPriority",
         "homedir", "hostname", "loadavg", "machine", "networkInterfaces", "platform",
         "release", "setPriority", "tmpdir", "totalmem", "type", "uptime", "userInfo",
         "version"),
        {"EOL": '"\\n"', "devNull": '"/dev/null"', "constants": "{}"},
    ),
    "perf_hooks": (
        ("PerformanceObserver", "monitorEventLoopDelay", "createHistogram"),
        {"performance": "globalThis.performance", "constants": "{}"},
    ),
    "module": (
        ("createRequire", "isBuiltin", "register", "syncBuiltinESMExports", "findSourceMap",
         "SourceMap", "Module"),
        {"builtinModules": json.dumps(sorted(NODE_BUILTINS))},
    ),
    "worker_threads": (
        ("Worker", "receiveMessageOnPort", "markAsUntransferable", "moveMessagePortToContext",
         "getEnvironmentData", "setEnvironmentData"),
        {"isMainThread": "true", "parentPort": "null", "threadId": "0", "workerData": "null",
         "resourceLimits": "{}", "MessageChannel": "globalThis.MessageChannel",
         "MessagePort": "globalThis.MessagePort",
         "BroadcastChannel": "globalThis.BroadcastChannel"},
    ),
    "tty": (("isatty", "ReadStream", "WriteStream"), {}),
    "v8": (
        ("cachedDataVersionTag", "getHeapSnapshot", "getHeapStatistics",
         "getHeapSpaceStatistics", "getHeapCodeStatistics", "setFlagsFromString", "serialize",
         "deserialize", "takeCoverage", "stopCoverage", "writeHeapSnapshot", "Serializer",
         "Deserializer"),
        {},
    ),
    "vm": (
        ("createContext", "isContext", "runInContext", "runInNewContext", "runInThisContext",
         "compileFunction", "measureMemory", "Script"),
        {},
    ),
    "http2": (("connect", "createServer", "createSecureServer", "getDefaultSettings",
               "getPackedSettings", "getUnpackedSettings"), {"constants": "{}"}),
    "inspector": (("open", "close", "url", "waitForDebugger", "Session"),
                  {"console": "globalThis.console"}),
    "inspector/promises": (("open", "close", "url", "waitForDebugger", "Session"), {}),
    "readline": (("createInterface", "clearLine", "clearScreenDown", "cursorTo",
                  "emitKeypressEvents", "moveCursor", "Interface"), {}),
    "readline/promises": (("createInterface", "Interface", "Readline"), {}),
    "repl": (("start", "REPLServer"), {"builtinModules": "[]"}),
    "trace_events": (("createTracing", "getEnabledCategories"), {}),
    "wasi": (("WASI",), {}),
    "domain": (("create", "createDomain", "Domain"), {"active": "null"}),
    "dns": (("lookup", "lookupService", "resolve", "resolve4", "resolve6", "resolveAny",
             "resolveCname", "resolveMx", "resolveNs", "resolveTxt", "resolveSrv",
             "reverse", "getServers", "setServers", "setDefaultResultOrder", "Resolver"), {}),
    "dns/promises": (("lookup", "lookupService", "resolve", "resolve4", "resolve6",
                      "resolveAny", "resolveTxt", "reverse", "getServers", "setServers",
                      "Resolver"), {}),
    "console": ((), {"default_": "globalThis.console"}),
    "constants": ((), {}),
    "path/win32": (("basename", "dirname", "extname", "format", "isAbsolute", "join",
                    "normalize", "parse", "relative", "resolve", "toNamespacedPath"),
                   {"sep": '"\\\\"', "delimiter": '";"'}),
}

#: AsyncLocalStorage follows async context through Promise.prototype.then (72_node.js); a
#: native `await` bypasses it, so esbuild lowers async functions to generators whose steps
#: are chained with `.then`.
LOWER_ASYNC = (
    "--supported:async-await=false",
    "--supported:async-generator=false",
    "--supported:for-await=false",
)

#: ``globalThis.Buffer``, ``global.process``… named in code are the globals, so that they too
#: bring in the injected polyfill (which then also sets the property, for reads by string).
#: A library's own ``globalThis.Buffer = …`` is left as it is: esbuild's warning is silenced.
GLOBAL_PROPERTIES = (
    *(f"--define:{scope}.{name}={name}" for scope in ("globalThis", "global")
      for name in ("Buffer", "process")),
    "--log-override:assign-to-define=silent",
)

#: The pre-bundle of brotli-wasm's Node build (see ``shims/brotli/entry.js``): its file
#: reading and Wasm compiling are pointed at the module the worker's module table compiled.
BROTLI_ADAPTER = (
    "--external:*.wasm",
    "--alias:fs=./brotli/host.js",
    "--alias:path=./brotli/host.js",
    "--alias:util=./brotli/host.js",
    "--define:__dirname=\"/bundle\"",
    "--define:WebAssembly.Module=compiledModule",
    "--inject:./brotli/host.js",
)

_NODE_DIR = "node"


@dataclass(frozen=True, slots=True)
class NodeCompat:
    """What a worker's compatibility date and flags allow (see :func:`node_compat`)."""

    mode: Mode = "off"
    #: ``process.env`` holds the worker's vars and secrets (nodejs_compat_populate_process_env).
    populate_env: bool = False

    @property
    def externals(self) -> tuple[str, ...]:
        """Specifiers the runtime serves itself."""
        return () if self.mode == "off" else ("node:async_hooks", "pyworkerd:node")

    def esbuild_args(self, esbuild: Path) -> list[str]:
        """Aliases, injected globals and defines for this mode (installs the polyfills)."""
        if self.mode == "off":
            return []
        if self.mode == "als":
            return list(LOWER_ASYNC)
        root = polyfill_root(esbuild)
        args = [*LOWER_ASYNC, "--define:global=globalThis",
                f"--define:__PYWORKERD_POPULATE_ENV__={'true' if self.populate_env else 'false'}"]
        for name in sorted([*POLYFILLS, *STUBS]):
            target = root / "builtins" / _file_name(name)
            args.append(f"--alias:node:{name}={target}")
            if self.mode == "v2":
                args.append(f"--alias:{name}={target}")
        if self.mode == "v2":
            args.append("--alias:async_hooks=node:async_hooks")
            args += [f"--inject:{root / 'globals' / f}" for f in ("Buffer.js", "process.js")]
            args += GLOBAL_PROPERTIES
        return args

    def explain(self, messages: Sequence[Message]) -> list[Message]:
        """esbuild's "Could not resolve" errors for Node modules, told the way wrangler
        tells them (with the flag to add), or as refused by this runtime."""
        return [self._explain(m) for m in messages]

    def _explain(self, message: Message) -> Message:
        match = re.fullmatch(r'Could not resolve "((node:)?([^"]+))"', message.text)
        if match is None or match.group(3) not in NODE_BUILTINS:
            return message
        spec, prefixed, name = match.group(1), match.group(2), match.group(3)
        if self.mode in ("off", "als"):
            note = 'Add the "nodejs_compat" compatibility flag to your project.'
        elif self.mode == "v1" and not prefixed:
            note = ('Make sure to prefix the module name with "node:" or update your '
                    f"compatibility_date to {V2_DATE} or later.")
        elif name in REFUSED or name.split("/")[0] in REFUSED:
            note = (f'pyworkerd does not provide "{name}": a worker has no access to the '
                    "host's files, sockets or processes.")
        else:
            note = f'pyworkerd does not provide "{name}" yet.'
        issue = f'The package "{spec}" wasn\'t found on the file system but is built into node.'
        return replace(message, text=f"{message.text}. {issue} {note}", notes=(issue, note))


def node_compat(compatibility_date: str, flags: Iterable[str]) -> NodeCompat:
    """The Node.js mode of a worker, by workerd's and wrangler's rules: ``nodejs_compat``
    is v2 from the compatibility date 2024-09-23 on (or with ``nodejs_compat_v2``, unless
    ``no_nodejs_compat_v2``), v1 before; ``nodejs_als`` alone allows ``node:async_hooks``."""
    flagset = set(flags)
    date = compatibility_date or ""
    if "nodejs_compat" in flagset:
        v2 = (date >= V2_DATE or "nodejs_compat_v2" in flagset) and (
            "no_nodejs_compat_v2" not in flagset
        )
        populate = (
            date >= POPULATE_ENV_DATE or "nodejs_compat_populate_process_env" in flagset
        ) and "nodejs_compat_do_not_populate_process_env" not in flagset
        return NodeCompat("v2" if v2 else "v1", populate)
    if "nodejs_als" in flagset:
        return NodeCompat("als")
    return NodeCompat("off")


def _file_name(module: str) -> str:
    return f"{module.replace('/', '_')}.js"


def _builtin_source(name: str) -> str:
    """The module a worker gets for ``node:<name>``: the polyfill or stub, registered for
    ``process.getBuiltinModule`` when it is first evaluated."""
    target = POLYFILLS.get(name)
    if target is None:
        path = f"../stubs/{_file_name(name)}"
    elif target.startswith("nm:"):
        path = f"../../node_modules/{target[3:]}"
    else:
        path = f"../{target}"
    return (f"const m = require({json.dumps(path)});\n"
            f'require("pyworkerd:node").registerBuiltin({json.dumps(name)}, m);\n'
            "module.exports = m;\n")


def _shim_files() -> list[tuple[str, bytes]]:
    """(relative path, content) of every file under ``node/shims``."""
    base = resources.files(__package__).joinpath(_NODE_DIR, "shims")
    out: list[tuple[str, bytes]] = []

    def walk(folder: resources.abc.Traversable, prefix: str) -> None:
        for item in sorted(folder.iterdir(), key=lambda p: p.name):
            if item.is_dir():
                walk(item, f"{prefix}{item.name}/")
            else:
                out.append((prefix + item.name, item.read_bytes()))

    walk(base, "")
    return out


def _stub_source(name: str, functions: Sequence[str], values: dict[str, str]) -> str:
    lines = ['import { notImplemented, notImplementedClass } from "../unenv.js";']
    exported: list[str] = []
    for fn in functions:
        maker = "notImplementedClass" if fn[0].isupper() else "notImplemented"
        lines.append(f'export const {fn} = /* @__PURE__ */ {maker}("{name}.{fn}");')
        exported.append(fn)
    default = values.get("default_")
    for key, expr in values.items():
        if key != "default_":
            lines.append(f"export const {key} = {expr};")
            exported.append(key)
    lines.append(f"export default {default or '{ ' + ', '.join(exported) + ' }'};")
    return "\n".join(lines) + "\n"


def polyfill_root(esbuild: Path) -> Path:
    """The folder of shims (beside the installed polyfills), set up once per machine."""
    modules = installed_node_modules(Path(str(resources.files(__package__).joinpath(_NODE_DIR))))
    files = _shim_files()
    digest = hashlib.sha256()
    for rel, data in files:
        digest.update(rel.encode() + b"\0" + data + b"\0")
    digest.update(repr((sorted(STUBS.items()), sorted(POLYFILLS.items()))).encode())
    root = modules.parent / f"pyworkerd-{digest.hexdigest()[:16]}"
    return build_once(root, lambda work: _set_up(work, files, esbuild))


def _prebundle(esbuild: Path, work: Path, entry: str, out: str, fmt: str, *extra: str) -> None:
    """Bundle ``entry`` once into ``out`` (in the shared polyfill folder ``work``)."""
    proc = subprocess.run(
        [str(esbuild), entry, "--bundle", f"--format={fmt}", "--platform=neutral",
         "--target=es2022", f"--outfile={out}", "--log-level=error", "--color=false",
         "--legal-comments=none", *extra],
        cwd=work, capture_output=True, text=True, check=False, timeout=120,
    )
    if proc.returncode != 0:
        raise BundlerError(f"could not prepare the {entry} polyfill: {proc.stderr.strip()}")


def _set_up(work: Path, files: list[tuple[str, bytes]], esbuild: Path) -> None:
    """Fill the shim folder: the shim files, generated stub and builtin modules, and the
    polyfills bundled once ahead (buffer as ESM, brotli's adapter)."""
    for rel, data in files:
        (work / rel).parent.mkdir(parents=True, exist_ok=True)
        (work / rel).write_bytes(data)
    (work / "stubs").mkdir()
    for name, (functions, values) in STUBS.items():
        source = _stub_source(name, functions, values)
        (work / "stubs" / _file_name(name)).write_text(source, "utf-8")
    (work / "builtins").mkdir()
    for name in [*POLYFILLS, *STUBS]:
        (work / "builtins" / _file_name(name)).write_text(_builtin_source(name), "utf-8")
    _prebundle(esbuild, work, "buffer-entry.js", "buffer/index.js", "esm")
    _prebundle(esbuild, work, "brotli/entry.js", "brotli/index.js", "cjs", *BROTLI_ADAPTER)
