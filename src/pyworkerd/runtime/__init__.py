"""The Workers API surface that runs inside every isolate.

The JavaScript lives in ``js/``; files are loaded in the order of their numeric prefix.
Each file is the body of ``function (internals) { "use strict"; ... }``: it reads what
earlier files put on ``internals`` (a private object never reachable from ``globalThis``),
adds its own pieces there, and defines the globals it owns with ``internals.defineGlobal``.

Files in ``LAZY_FILES`` run on first use instead (see ``internals.lazyModule`` in
00_primordials.js): until a worker reads one of the globals or ``internals`` entries such a
file defines, the isolate holds only its source, not its classes and closures. What a file
defines is read from its text (``lazy_exports``): ``internals.defineGlobal("Name", …)``
calls and ``internals.name =`` assignments at the start of a line; other files must look
those entries up when needed, not at load.

Isolates get the runtime minified (cached once per machine, see ``bundler.minify``): V8
keeps every script's source in each isolate's heap. ``PYWORKERD_RUNTIME_DEBUG=1`` loads
it as written, for readable stack traces inside the runtime.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Sequence, Set
from functools import cache
from importlib import resources

__all__ = [
    "EXPOSE_INTERNALS_FLAG",
    "LAZY_FILES",
    "RUNTIME_SOURCE_URL",
    "assemble",
    "lazy_exports",
    "runtime_files",
    "runtime_source",
]

RUNTIME_SOURCE_URL = "pyworkerd:runtime.js"
# Set to true on globalThis before the runtime loads, and `internals` becomes a global:
# only the runtime's own tests do this (a worker's code always runs after the runtime).
EXPOSE_INTERNALS_FLAG = "__pyworkerdExposeInternals"

# Self-contained files an isolate may well never use, each worth its laziness in heap
# (benches/runtime_cost.py; benches/results/2026-12-06-runtime-cost.md).
LAZY_FILES = frozenset({"21_urlpattern.js", "30_streams.js", "36_compression.js", "66_crypto.js"})

_GLOBAL_RE = re.compile(r'internals\.defineGlobal\(\s*"([A-Za-z_$][\w$]*)"')
_INTERNAL_RE = re.compile(r"^internals\.([A-Za-z_$][\w$]*)\s*=(?!=)", re.MULTILINE)


def runtime_files() -> list[tuple[str, str]]:
    """(name, source) of every runtime JS file in load order, then the bindings' facades.

    One file is generated rather than stored: the encoding labels and single-byte tables,
    built from Python's codecs (see ``encoding_tables``), loaded just before 10_encoding.js.
    (The multi-byte tables are fetched by isolates on first use: ``runtime/encoding.py``.)
    """
    from pyworkerd.bindings import facade_files

    from .encoding_tables import TABLES_FILE, tables_source

    folder = resources.files(__package__).joinpath("js")
    files = [(p.name, p.read_text("utf-8")) for p in folder.iterdir() if p.name.endswith(".js")]
    files.append((TABLES_FILE, tables_source()))
    return sorted(files) + facade_files()


def lazy_exports(source: str) -> tuple[list[str], list[str]]:
    """The globals and the ``internals`` entries a runtime file defines, in order."""
    globals_ = list(dict.fromkeys(_GLOBAL_RE.findall(source)))
    entries = list(dict.fromkeys(_INTERNAL_RE.findall(source)))
    return globals_, entries


def assemble(files: Sequence[tuple[str, str]], lazy: Set[str] = LAZY_FILES) -> str:
    """One script evaluating `files` in order, those named in `lazy` on first use."""
    parts = [
        "(function () {\n'use strict';\nconst internals = Object.create(null);\n"
        f"if (globalThis.{EXPOSE_INTERNALS_FLAG} === true) globalThis.internals = internals;\n"
        f"delete globalThis.{EXPOSE_INTERNALS_FLAG};\n"
    ]
    for name, source in files:
        body = f"function (internals) {{\n'use strict';\n{source}\n}}"
        if name in lazy:
            # Not parenthesised: V8 then only pre-parses the body until it is called.
            globals_, entries = lazy_exports(source)
            parts.append(
                f"// ---- {name} (lazy)\ninternals.lazyModule({json.dumps(name)}, {body}, "
                f"{json.dumps(globals_)}, {json.dumps(entries)});\n"
            )
        else:
            parts.append(f"// ---- {name}\n({body})(internals);\n")
    parts.append("})();\n")
    return "".join(parts)


def _assemble() -> str:
    return assemble(runtime_files())


@cache
def runtime_source() -> str:
    """One script that installs the whole runtime into a fresh isolate's global scope."""
    source = _assemble()
    if not os.environ.get("PYWORKERD_RUNTIME_DEBUG"):
        from pyworkerd.bundler import BundlerError, minify_cached

        try:
            source = minify_cached(source, name="runtime")
        except BundlerError as exc:
            print(f"pyworkerd: using the runtime unminified ({exc})", file=sys.stderr)
    return source + "//# sourceURL=" + RUNTIME_SOURCE_URL + "\n"
