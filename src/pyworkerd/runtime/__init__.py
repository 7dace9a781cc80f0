"""The Workers API surface that runs inside every isolate.

The JavaScript lives in ``js/``; files are loaded in the order of their numeric prefix.
Each file is the body of ``function (internals) { "use strict"; ... }``: it reads what
earlier files put on ``internals`` (a private object never reachable from ``globalThis``),
adds its own pieces there, and defines the globals it owns with ``internals.defineGlobal``.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

__all__ = ["RUNTIME_SOURCE_URL", "runtime_files", "runtime_source"]

RUNTIME_SOURCE_URL = "pyworkerd:runtime.js"


def runtime_files() -> list[tuple[str, str]]:
    """(name, source) of every runtime JS file, in load order."""
    folder = resources.files(__package__).joinpath("js")
    names = sorted(p.name for p in folder.iterdir() if p.name.endswith(".js"))
    return [(name, folder.joinpath(name).read_text("utf-8")) for name in names]


@cache
def runtime_source() -> str:
    """One script that installs the whole runtime into a fresh isolate's global scope."""
    parts = ["(function () {\n'use strict';\nconst internals = Object.create(null);\n"]
    for name, source in runtime_files():
        parts.append(
            f"// ---- {name}\n(function (internals) {{\n'use strict';\n{source}\n}})(internals);\n"
        )
    parts.append("})();\n//# sourceURL=" + RUNTIME_SOURCE_URL + "\n")
    return "".join(parts)
