"""Bundle a worker with esbuild into one CommonJS script plus its Text/Data/Wasm modules.

The runtime evaluates :attr:`Bundle.script` as the body of a function
(:func:`wrap_script`: ``(function (module, exports, require) { "use strict";`` on one line,
then the script, then ``})``), and answers ``require()`` for ``cloudflare:*``, ``node:*`` and
every key of :attr:`Bundle.modules`. So the script is plain CJS without a
``//# sourceMappingURL`` comment, and its line 1 is line 1 of the source map's generated code:
a V8 line number minus :data:`LINE_OFFSET` is a script line.

Imports that wrangler's module ``rules`` claim (``.txt``/``.html``/``.sql`` text, ``.bin``
data, ``.wasm`` compiled wasm by default) are marked external, so the bundle keeps
``require("./page.html")`` exactly as written, and the file is returned as a
:class:`Module` under that same specifier, resolved relative to the module that imported it
(found through esbuild's metafile). Should one specifier name two files, the keys become
the files' paths as esbuild writes them (see :class:`_Job`).

:func:`bundle` and :func:`bundle_async` share :func:`_prepare` (arguments → esbuild command)
and :meth:`_Job.finish` (esbuild's files → :class:`Bundle`); only running the process differs.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypedDict, Unpack

from .cache import load_cached, store_cached
from .errors import BundleError, EsbuildUnavailableError, Message
from .esbuild import ESBUILD_VERSION, EsbuildBinary, esbuild_version, locate_esbuild
from .nodecompat import NodeCompat
from .rules import (
    MODULE_KINDS,
    ModuleKind,
    ParsedRules,
    Rule,
    RuleLike,
    external_pattern,
    parse_rules,
)
from .sourcemap import SourceMap

__all__ = [
    "DEFAULT_CONDITIONS",
    "LINE_OFFSET",
    "WRAPPER_HEAD",
    "WRAPPER_TAIL",
    "Bundle",
    "Module",
    "bundle",
    "bundle_async",
    "wrap_script",
]

DEFAULT_CONDITIONS: tuple[str, ...] = ("workerd", "worker", "browser")

#: The runtime's wrapper around :attr:`Bundle.script`. The head is exactly one line (ES modules
#: are strict, so the bundle runs strict too); the tail starts on a line of its own so a
#: trailing ``//`` comment in the script cannot swallow it.
WRAPPER_HEAD = '(function (module, exports, require) { "use strict";\n'
WRAPPER_TAIL = "\n})"
#: Lines the wrapper puts before the script: V8 line N is script (and source map) line N - 1.
LINE_OFFSET = 1

# Always outside the bundle: served by the runtime's own module table (and Workers Sites).
_BUILTIN_EXTERNALS = ("cloudflare:*", "node:*", "__STATIC_CONTENT_MANIFEST")

_LOG_HEADER = re.compile(r"^[✘▲] \[(ERROR|WARNING)\] (.*)$")
_LOG_LOCATION = re.compile(r"^    (\S.*):(\d+):(\d+):$")
_LOG_NOTE = re.compile(r"^  (\S.*)$")


def wrap_script(script: str) -> str:
    """``script`` inside the runtime's CJS wrapper: a function expression of
    ``(module, exports, require)``."""
    return WRAPPER_HEAD + script + WRAPPER_TAIL


@dataclass(frozen=True, slots=True)
class Module:
    """A module the bundle ``require``s but does not contain.

    ``wasm`` → a ``WebAssembly.Module`` of ``data``; ``text`` → ``data`` decoded as UTF-8;
    ``data`` → an ``ArrayBuffer`` copy of ``data``. ``path`` is the file it came from.
    """

    kind: ModuleKind  # "wasm", "text" or "data"
    data: bytes
    path: Path


@dataclass(frozen=True)
class Bundle:
    """One built worker. See the module docstring for how the runtime runs it."""

    script: str
    sourcemap: SourceMap
    modules: dict[str, Module]
    #: Every file the build read: esbuild's inputs and the module files (for the file watcher).
    inputs: tuple[Path, ...]
    #: esbuild's warnings (``path:line:column: WARNING: text``) and the bundler's own.
    warnings: tuple[str, ...]

    def wrapped(self) -> str:
        return wrap_script(self.script)

    def map_stack(self, stack: str, script_url: str | None = None) -> str:
        """``sourcemap.map_stack`` for a script run through :func:`wrap_script` under the URL
        ``script_url`` (default: the ``script_name`` it was built with)."""
        url = script_url or self.sourcemap.file or "worker.js"
        return self.sourcemap.map_stack(stack, url, line_offset=LINE_OFFSET)


@dataclass
class _Job:
    """One build: the esbuild command, and everything needed to read its result.

    Module-rule imports are first made external by pattern (``--external:*.txt``), which keeps
    specifiers as written. Should one specifier name two files (``./data.txt`` in two
    folders), :meth:`finish` asks for a second run that makes those files external by their
    absolute paths instead; esbuild then writes each as a path relative to its output
    directory, unique per file, and those become the keys.
    """

    argv: list[str]  # everything except the module-rule externals
    rule_externals: list[str]
    cwd: Path
    project_dir: Path
    entry: Path
    tmp: tempfile.TemporaryDirectory[str]
    outfile: Path
    metafile: Path
    rules: ParsedRules
    no_bundle: bool
    esbuild: EsbuildBinary
    conditions: tuple[str, ...]
    node: NodeCompat | None = None
    warnings: list[str] = field(default_factory=list)
    by_path: dict[Path, ModuleKind] | None = None  # set for the second run

    @property
    def command(self) -> list[str]:
        return [*self.argv, *self.rule_externals]

    def close(self) -> None:
        self.tmp.cleanup()

    def version_note(self) -> str | None:
        if self.esbuild.pinned:
            return None
        return (
            f"(built with esbuild {self.esbuild.version} from {self.esbuild.path}; "
            f"pyworkerd pins {ESBUILD_VERSION})"
        )

    def finish(self, returncode: int, stderr: bytes) -> Bundle | list[str]:
        """Turn esbuild's exit status, log and output files into a Bundle or a BundleError;
        or into the command of a second run (see the class docstring)."""
        log = _parse_log(stderr.decode("utf-8", "replace"))
        if returncode != 0:
            errors = [m for m in log if m.kind == "ERROR"]
            if not errors:
                tail = [ln for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
                text = tail[-1].strip() if tail else f"esbuild exited with status {returncode}"
                errors = [Message("ERROR", text)]
            if self.node is not None:
                errors = self.node.explain(errors)
            raise BundleError(errors, self.version_note())

        meta = json.loads(self.metafile.read_text("utf-8"))
        if self.by_path is None:
            modules, errors, files = self._collect_modules(meta)
            if errors:
                raise BundleError(errors, self.version_note())
            if len(files) > len({m.path for m in modules.values()}):
                self.by_path = files
                self.rule_externals = [f"--external:{p}" for p in files]
                return self.command
        else:
            modules = self._modules_by_path(meta)

        warnings = [*self.warnings, *(str(m) for m in log if m.kind == "WARNING")]
        script = self.outfile.read_text("utf-8")
        out_dir = self.outfile.parent
        raw_map = SourceMap.from_json(Path(str(self.outfile) + ".map").read_bytes())
        sourcemap = raw_map.with_sources(lambda s: _project_relative(s, out_dir, self.project_dir))
        sourcemap.file = self.outfile.name  # script_name: the URL the runtime should give it

        inputs: dict[Path, None] = {}
        for key in meta.get("inputs", {}):
            path = Path(os.path.normpath(self.cwd / key))
            if path.is_file():
                inputs[path] = None
        for module in modules.values():
            inputs[module.path] = None
        return Bundle(
            script=script,
            sourcemap=sourcemap,
            modules=modules,
            inputs=tuple(inputs),
            warnings=tuple(warnings),
        )

    @staticmethod
    def _used(meta: Mapping[str, Any]) -> set[str]:
        """Every external specifier the output still ``require``s."""
        used: set[str] = set()
        for output in meta.get("outputs", {}).values():
            used.update(i["path"] for i in output.get("imports", ()) if i.get("external"))
        return used

    def _collect_modules(
        self, meta: Mapping[str, Any]
    ) -> tuple[dict[str, Module], list[Message], dict[Path, ModuleKind]]:
        """Find the file behind every rule-matched external ``require`` left in the output.

        Returns the modules by specifier, the errors, and every module file found: more files
        than modules means that some specifier names two files.
        """
        used = self._used(meta)
        pairs: list[tuple[Path, str]] = []
        if self.no_bundle:
            pairs = [(self.entry, spec) for spec in sorted(used)]
        else:
            for key, info in meta.get("inputs", {}).items():
                importer = Path(os.path.normpath(self.cwd / key))
                for imp in info.get("imports", ()):
                    if imp.get("external") and imp["path"] in used:
                        pairs.append((importer, imp["path"]))

        modules: dict[str, Module] = {}
        files: dict[Path, ModuleKind] = {}
        errors: list[Message] = []
        for importer, spec in pairs:
            matched = self.rules.match(spec)
            if matched is None:
                continue  # cloudflare:*, node:* or the caller's own externals
            rule, active = matched
            if not active:
                errors.append(
                    self._message(
                        importer,
                        spec,
                        f"The file {spec} matched a module rule in your configuration "
                        f"({rule.describe()}), but was ignored because a previous rule with the "
                        "same type was not marked as `fallthrough = true`.",
                    )
                )
                continue
            kind = MODULE_KINDS.get(rule.type)
            if kind is None:
                continue  # a JS or Python rule: nothing for the bundler to provide
            path = _resolve_file(spec, importer.parent, self.conditions)
            if path is None:
                errors.append(self._message(importer, spec, f'Could not resolve "{spec}"'))
                continue
            files.setdefault(path, kind)
            if spec not in modules:
                modules[spec] = Module(kind=kind, data=path.read_bytes(), path=path)
        return modules, errors, files

    def _modules_by_path(self, meta: Mapping[str, Any]) -> dict[str, Module]:
        """Second run: esbuild wrote each module file relative to the output directory."""
        assert self.by_path is not None
        modules: dict[str, Module] = {}
        for spec in self._used(meta):
            path = Path(os.path.normpath(self.outfile.parent / spec.split("?", 1)[0]))
            kind = self.by_path.get(path)
            if kind is not None:
                modules[spec] = Module(kind=kind, data=path.read_bytes(), path=path)
        return modules

    def _rel(self, path: Path) -> str:
        return _relpath(path, self.project_dir)

    def _message(self, importer: Path, spec: str, text: str) -> Message:
        """An esbuild-style message pointing at the specifier's string in the importer."""
        line = column = None
        try:
            source = importer.read_text("utf-8")
        except OSError:
            source = ""
        for quote in ('"', "'", "`"):
            at = source.find(quote + spec + quote)
            if at >= 0:
                line = source.count("\n", 0, at) + 1
                column = at - (source.rfind("\n", 0, at) + 1) + 1
                break
        return Message("ERROR", text, self._rel(importer), line, column)


def _relpath(path: Path, base: Path) -> str:
    try:
        return Path(os.path.relpath(path, base)).as_posix()
    except ValueError:  # another drive on Windows
        return path.as_posix()


def _project_relative(source: str, out_dir: Path, project_dir: Path) -> str:
    """esbuild writes map sources relative to the output file; we want them per project."""
    if not source or source[0] in "<(" or re.match(r"^[a-z][\w+.-]*:(?![\\/])", source):
        return source  # a virtual module such as "<stdin>" or "(disabled):fs"
    return _relpath(Path(os.path.normpath(out_dir / source)), project_dir)


def _parse_log(text: str) -> list[Message]:
    """Read esbuild's ``--color=false`` log: a header, a location block, then notes."""
    messages: list[Message] = []
    kind = body = path = None
    line = column = None
    notes: list[str] = []

    def flush() -> None:
        if kind is not None and body is not None:
            messages.append(Message(kind, body, path, line, column, tuple(notes)))

    for raw in text.splitlines():
        if m := _LOG_HEADER.match(raw):
            flush()
            kind, body, path, line, column, notes = m.group(1), m.group(2), None, None, None, []
        elif kind is None:
            continue
        elif m := _LOG_LOCATION.match(raw):
            if path is None and not notes:
                path, line, column = m.group(1), int(m.group(2)), int(m.group(3)) + 1
            elif notes:
                notes[-1] += f" ({m.group(1)}:{m.group(2)}:{int(m.group(3)) + 1})"
        elif m := _LOG_NOTE.match(raw):
            notes.append(m.group(1))
    flush()
    return messages


def _split_package(spec: str) -> tuple[str, str]:
    parts = spec.split("/")
    n = 2 if spec.startswith("@") else 1
    name, rest = "/".join(parts[:n]), "/".join(parts[n:])
    return name, ("./" + rest) if rest else "."


def _exports_target(exports: Any, subpath: str, conditions: Sequence[str]) -> str | None:
    """A small ``package.json`` ``exports`` resolver: exact keys and one-``*`` patterns."""
    if not isinstance(exports, dict) or not any(str(k).startswith(".") for k in exports):
        exports = {".": exports}
    if subpath in exports:
        return _conditional(exports[subpath], conditions, None)
    for key, target in exports.items():
        prefix, star, suffix = str(key).partition("*")
        if (
            star
            and subpath.startswith(prefix)
            and subpath.endswith(suffix)
            and len(subpath) >= len(prefix) + len(suffix)
        ):
            return _conditional(
                target, conditions, subpath[len(prefix) : len(subpath) - len(suffix)]
            )
    return None


def _conditional(target: Any, conditions: Sequence[str], star: str | None) -> str | None:
    if isinstance(target, str):
        return target.replace("*", star) if star is not None else target
    if isinstance(target, list):
        for item in target:
            if (found := _conditional(item, conditions, star)) is not None:
                return found
        return None
    if isinstance(target, dict):
        for key, value in target.items():
            active = key in conditions or key in ("import", "default")
            if active and (found := _conditional(value, conditions, star)) is not None:
                return found
    return None


def _resolve_file(spec: str, importer_dir: Path, conditions: Sequence[str]) -> Path | None:
    """The file a module-rule specifier names: relative to its importer, or in a package."""
    target = spec.split("?", 1)[0]  # "./add.wasm?module" is the file ./add.wasm
    if target.startswith(("./", "../")) or target in (".", ".."):
        candidate = Path(os.path.normpath(importer_dir / target))
        return candidate if candidate.is_file() else None
    if os.path.isabs(target):
        return Path(target) if Path(target).is_file() else None
    name, subpath = _split_package(target)
    for base in (importer_dir, *importer_dir.parents):
        pkg_dir = base / "node_modules" / name
        if not pkg_dir.is_dir():
            continue
        try:
            exports = json.loads((pkg_dir / "package.json").read_text("utf-8")).get("exports")
        except (OSError, ValueError, AttributeError):
            exports = None
        found = _exports_target(exports, subpath, conditions) if exports is not None else None
        candidate = Path(os.path.normpath(pkg_dir / (found or subpath)))
        return candidate if candidate.is_file() else None
    return None


def _prepare(
    entry: Path,
    *,
    project_dir: Path,
    rules: Iterable[RuleLike | Mapping[str, Any] | Rule] = (),
    define: Mapping[str, str] | None = None,
    alias: Mapping[str, str] | None = None,
    minify: bool = False,
    no_bundle: bool = False,
    external: Iterable[str] = (),
    conditions: Sequence[str] = DEFAULT_CONDITIONS,
    script_name: str = "worker.js",
    jsx_factory: str | None = None,
    jsx_fragment: str | None = None,
    tsconfig: Path | None = None,
    keep_names: bool = True,
    esbuild: Path | None = None,
    node_compat: NodeCompat | None = None,
) -> _Job:
    project = Path(project_dir).resolve()
    entry_path = Path(os.path.normpath(project / entry))
    if not script_name or "/" in script_name or "\\" in script_name:
        raise ValueError(f"script_name must be a plain file name, not {script_name!r}")
    parsed = parse_rules(rules)
    binary = (
        EsbuildBinary(Path(esbuild), "argument", _version_of(Path(esbuild)))
        if esbuild is not None
        else locate_esbuild(project)
    )
    warnings = list(parsed.warnings)
    if not binary.pinned:
        warnings.append(
            f"using esbuild {binary.version} from {binary.path}; pyworkerd pins {ESBUILD_VERSION}"
        )

    tmp = tempfile.TemporaryDirectory(prefix="pyworkerd-bundle-")
    outfile = Path(tmp.name) / script_name
    metafile = Path(tmp.name) / "meta.json"
    rel_entry = _relpath(entry_path, project)
    if not rel_entry.startswith("../") and not os.path.isabs(rel_entry):
        rel_entry = "./" + rel_entry

    # esbuild's browser platform (wrangler's) defines process.env.NODE_ENV unless the user
    # defines process, process.env or it; the neutral platform we use does not, so we do.
    defines = dict(define or {})
    if not defines.keys() & {"process", "process.env", "process.env.NODE_ENV"}:
        defines["process.env.NODE_ENV"] = '"production"' if minify else '"development"'
    argv = [
        str(binary.path),
        rel_entry,
        "--format=cjs",
        "--platform=neutral",
        "--target=es2022",
        f"--outfile={outfile}",
        "--sourcemap=external",
        f"--metafile={metafile}",
        "--log-level=warning",
        "--color=false",
        "--log-limit=0",
        # wrangler lets .js/.mjs/.cjs files hold JSX; so do we.
        "--loader:.js=jsx",
        "--loader:.mjs=jsx",
        "--loader:.cjs=jsx",
        *(f"--define:{k}={v}" for k, v in defines.items()),
    ]
    rule_externals: list[str] = []
    if not no_bundle:
        builtins = _BUILTIN_EXTERNALS if node_compat is None else _node_externals(node_compat)
        patterns = dict.fromkeys([*builtins, *external])
        rule_patterns = dict.fromkeys(
            external_pattern(g) for r in parsed.module_rules() for g in r.globs
        )
        rule_externals = [f"--external:{p}" for p in rule_patterns if p not in patterns]
        argv += [
            "--bundle",
            f"--conditions={','.join(conditions)}",
            "--main-fields=browser,module,main",
            *(f"--external:{p}" for p in patterns),
            *(f"--alias:{k}={v}" for k, v in (alias or {}).items()),
            *(node_compat.esbuild_args(binary.path) if node_compat is not None else ()),
        ]
    if minify:
        argv.append("--minify")
    if keep_names:
        argv.append("--keep-names")
    if jsx_factory:
        argv.append(f"--jsx-factory={jsx_factory}")
    if jsx_fragment:
        argv.append(f"--jsx-fragment={jsx_fragment}")
    if tsconfig is not None:
        argv.append(f"--tsconfig={Path(os.path.normpath(project / tsconfig))}")
    return _Job(
        argv=argv,
        rule_externals=rule_externals,
        cwd=project,
        project_dir=project,
        entry=entry_path,
        tmp=tmp,
        outfile=outfile,
        metafile=metafile,
        rules=parsed,
        no_bundle=no_bundle,
        esbuild=binary,
        conditions=tuple(conditions),
        node=node_compat,
        warnings=warnings,
    )


def _node_externals(node: NodeCompat) -> tuple[str, ...]:
    """With the worker's Node.js mode known, ``node:*`` is no longer external wholesale:
    the modules it allows are aliased, and the others fail to resolve
    (:meth:`NodeCompat.explain`)."""
    return ("cloudflare:*", "__STATIC_CONTENT_MANIFEST", *node.externals)


def _version_of(path: Path) -> str:
    try:
        return esbuild_version(path)
    except OSError as exc:
        raise EsbuildUnavailableError(f"{path} is not a working esbuild ({exc})") from None


def _cannot_start(job: _Job, exc: OSError) -> EsbuildUnavailableError:
    return EsbuildUnavailableError(
        f"cannot run esbuild at {job.esbuild.path} ({exc}); "
        "set PYWORKERD_ESBUILD to a working esbuild binary"
    )


class BuildSettings(TypedDict, total=False):
    """What :func:`bundle` and :func:`bundle_async` take besides the entry and project."""

    rules: Iterable[RuleLike | Mapping[str, Any] | Rule]
    define: Mapping[str, str] | None
    alias: Mapping[str, str] | None
    minify: bool
    no_bundle: bool
    external: Iterable[str]
    conditions: Sequence[str]
    script_name: str
    jsx_factory: str | None
    jsx_fragment: str | None
    tsconfig: Path | None
    keep_names: bool
    esbuild: Path | None
    node_compat: NodeCompat | None


def bundle(entry: Path, *, project_dir: Path, **settings: Unpack[BuildSettings]) -> Bundle:
    """Build ``entry`` (relative to ``project_dir`` or absolute) into a :class:`Bundle`.

    ``rules``, ``define``, ``alias``, ``minify``, ``no_bundle``, ``jsx_factory``,
    ``jsx_fragment``, ``tsconfig`` and ``keep_names`` mean what wrangler's settings of those
    names mean (``define`` values are JS source text). ``external`` adds to the always-external
    ``cloudflare:*`` and ``node:*`` (``node_compat``, the worker's Node.js mode from its
    compatibility date and flags, replaces the latter with what the mode allows; see
    :mod:`.nodecompat`). ``process.env.NODE_ENV`` is defined as esbuild's browser
    platform (wrangler's) defines it, unless ``define`` says otherwise. ``esbuild`` skips the
    lookup. Raises :class:`BundleError` when the code does not build and
    :class:`EsbuildUnavailableError` when there is no esbuild to build it with.
    """
    job = _prepare(entry, project_dir=project_dir, **settings)
    cached = _cached(job)
    if cached is not None:
        job.close()
        return cached
    try:
        argv = job.command
        while True:  # at most twice: see _Job
            try:
                proc = subprocess.run(
                    argv,
                    cwd=job.cwd,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    check=False,
                )
            except OSError as exc:
                raise _cannot_start(job, exc) from None
            result = job.finish(proc.returncode, proc.stderr)
            if isinstance(result, Bundle):
                return _remember(job, result)
            argv = result
    finally:
        job.close()


async def bundle_async(
    entry: Path, *, project_dir: Path, **settings: Unpack[BuildSettings]
) -> Bundle:
    """:func:`bundle` without blocking the event loop (a first-time esbuild fetch and the
    reading of the output run in a worker thread; esbuild runs as an asyncio subprocess)."""
    job = await asyncio.to_thread(partial(_prepare, entry, project_dir=project_dir, **settings))
    cached = await asyncio.to_thread(_cached, job)
    if cached is not None:
        job.close()
        return cached
    try:
        argv = job.command
        while True:  # at most twice: see _Job
            returncode, stderr = await _run_async(job, argv)
            result = await asyncio.to_thread(job.finish, returncode, stderr)
            if isinstance(result, Bundle):
                return await asyncio.to_thread(_remember, job, result)
            argv = result
    finally:
        job.close()


def _cache_key(job: _Job) -> list[str]:
    """What shapes a build: esbuild itself and its command line (minus the temp folder)."""
    tmp = job.tmp.name
    return [
        job.esbuild.version,
        str(job.esbuild.path),
        str(job.cwd),
        *(arg.replace(tmp, "<tmp>") for arg in job.argv),
        *job.rule_externals,
    ]


def _cached(job: _Job) -> Bundle | None:
    hit = load_cached(_cache_key(job))
    if hit is None:
        return None
    modules = {
        spec: Module(kind, data, path) for spec, (kind, data, path) in hit["modules"].items()
    }
    return Bundle(hit["script"], hit["sourcemap"], modules, hit["inputs"], hit["warnings"])


def _remember(job: _Job, built: Bundle) -> Bundle:
    store_cached(
        _cache_key(job),
        script=built.script,
        sourcemap=built.sourcemap,
        modules={spec: (m.kind, m.data, m.path) for spec, m in built.modules.items()},
        inputs=built.inputs,
        warnings=built.warnings,
        root=job.project_dir,
    )
    return built


async def _run_async(job: _Job, argv: list[str]) -> tuple[int, bytes]:
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            cwd=job.cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
    except OSError as exc:
        raise _cannot_start(job, exc) from None
    try:
        _, stderr = await proc.communicate()
    except BaseException:  # cancelled: do not leave esbuild running
        if proc.returncode is None:
            proc.kill()
            await asyncio.shield(proc.wait())
        raise
    assert proc.returncode is not None
    return proc.returncode, stderr
