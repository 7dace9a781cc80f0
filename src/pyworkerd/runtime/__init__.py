"""The Workers API surface that runs inside every isolate.

The JavaScript lives in ``js/``; files are loaded in the order of their numeric prefix.
Each file is the body of ``function (internals) { "use strict"; ... }``: it reads what
earlier files put on ``internals`` (a private object never reachable from ``globalThis``),
adds its own pieces there, and defines the globals it owns with ``internals.defineGlobal``.

Isolates get the runtime minified (cached once per machine, see ``bundler.minify``): V8
keeps every script's source in each isolate's heap. ``PYWORKERD_RUNTIME_DEBUG=1`` loads
it as written, for readable stack traces inside the runtime.
"""

from __future__ import annotations

import os
import sys
from functools import cache
from importlib import resources

__all__ = ["EXPOSE_INTERNALS_FLAG", "RUNTIME_SOURCE_URL", "runtime_files", "runtime_source"]

RUNTIME_SOURCE_URL = "pyworkerd:runtime.js"
# Set to true on globalThis before the runtime loads, and `internals` becomes a global:
# only the runtime's own tests do this (a worker's code always runs after the runtime).
EXPOSE_INTERNALS_FLAG = "__pyworkerdExposeInternals"


def runtime_files() -> list[tuple[str, str]]:
    """(name, source) of every runtime JS file in load order, then the bindings' facades.

    One file is generated rather than stored: the legacy encodings' tables, built from
    Python's codecs (see ``encoding_tables``), loaded just before 10_encoding.js.
    """
    from pyworkerd.bindings import facade_files

    from .encoding_tables import TABLES_FILE, tables_source

    folder = resources.files(__package__).joinpath("js")
    files = [(p.name, p.read_text("utf-8")) for p in folder.iterdir() if p.name.endswith(".js")]
    files.append((TABLES_FILE, tables_source()))
    return sorted(files) + facade_files()


def _assemble() -> str:
    parts = [
        "(function () {\n'use strict';\nconst internals = Object.create(null);\n"
        f"if (globalThis.{EXPOSE_INTERNALS_FLAG} === true) globalThis.internals = internals;\n"
        f"delete globalThis.{EXPOSE_INTERNALS_FLAG};\n"
    ]
    for name, source in runtime_files():
        parts.append(
            f"// ---- {name}\n(function (internals) {{\n'use strict';\n{source}\n}})(internals);\n"
        )
    parts.append("})();\n")
    return "".join(parts)


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
