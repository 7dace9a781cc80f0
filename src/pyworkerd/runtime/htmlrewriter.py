"""Host side of `HTMLRewriter` (js/85_htmlrewriter.js): the lol-html WebAssembly build.

lol-html is the engine workerd's HTMLRewriter runs. Its Wasm build is the npm package
``html-rewriter-wasm`` (BSD-3-Clause), pinned by the lockfile in ``npm/htmlrewriter/`` and
installed once per machine by ``npm ci`` (see ``bundler.npm``). An isolate asks for the bytes
the first time one of its workers calls ``transform()``; isolates that never rewrite HTML
never hold them. One host result carries at most 256 KiB, so the ~0.9 MB module comes in
pieces: ``{offset}`` -> ``({size}, bytes[offset:offset + PIECE])``.
"""

from __future__ import annotations

import asyncio
from functools import cache
from importlib import resources
from pathlib import Path

from pyworkerd.bundler.errors import BundlerError
from pyworkerd.bundler.npm import installed_node_modules
from pyworkerd.engine.hostops import HostCall, HostError, HostResult, runtime_op
from pyworkerd.engine.isolate import CHUNK_MAX

__all__ = ["PIECE", "WASM_FILE", "wasm", "wasm_bytes"]

PIECE = CHUNK_MAX
WASM_FILE = "html-rewriter-wasm/dist/html_rewriter_bg.wasm"
_PACKAGE = "npm/htmlrewriter"


@cache
def wasm_bytes() -> bytes:
    """The module's bytes, installing the pinned package first if this machine lacks it."""
    folder = Path(str(resources.files(__package__).joinpath(_PACKAGE)))
    return (installed_node_modules(folder) / WASM_FILE).read_bytes()


@runtime_op("htmlrewriter.wasm")
async def wasm(call: HostCall) -> HostResult:
    """args: {offset: int} -> ({size}, the piece of the module starting at offset)."""
    args = call.args if isinstance(call.args, dict) else {}
    offset = args.get("offset", 0)
    if not isinstance(offset, int) or offset < 0:
        raise HostError("TypeError", "htmlrewriter.wasm: bad offset")
    try:
        data = await asyncio.to_thread(wasm_bytes)
    except (BundlerError, OSError) as exc:
        raise HostError("Error", f"HTMLRewriter is unavailable: {exc}") from None
    return {"size": len(data)}, data[offset : offset + PIECE]
