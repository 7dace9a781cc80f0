"""Reuse a build whose inputs have not changed since (restarts skip esbuild).

An entry is keyed by everything that shapes the build (esbuild's version, the project
folder and the command line) and remembers the size and modification time of every input
file, of the folders holding them (a file added next to an import may change how it
resolves) and of the package.json/tsconfig.json files above them. Anything different,
missing or unreadable is a miss, never an error.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from .esbuild import cache_dir
from .sourcemap import SourceMap

__all__ = ["load_cached", "store_cached"]

_FORMAT = 1


def _entry_path(key_parts: list[str]) -> Path:
    digest = hashlib.sha256("\0".join([str(_FORMAT), *key_parts]).encode()).hexdigest()[:32]
    return cache_dir() / "bundles" / f"{digest}.json"


def _stamp(path: Path) -> list[int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_mtime_ns, st.st_size]


# Files that change how imports resolve without being inputs themselves.
_RESOLUTION_FILES = ("package.json", "tsconfig.json", "jsconfig.json")


def _stamps(inputs: list[Path], root: Path) -> dict[str, list[int] | None]:
    """Inputs, their folders, and the package/tsconfig files from each folder up to `root`
    (present or not: one appearing is a change too)."""
    watched = set(inputs)
    for path in inputs:
        for folder in path.parents:
            watched.add(folder)
            watched.update(folder / name for name in _RESOLUTION_FILES)
            if folder == root or folder == folder.parent:
                break
    return {str(p): _stamp(p) for p in sorted(watched)}


def load_cached(key_parts: list[str]) -> dict[str, Any] | None:
    """The stored build for this key if every input is as it was, else None."""
    path = _entry_path(key_parts)
    try:
        entry = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    stamps = entry.get("stamps", {})
    if not stamps or any(_stamp(Path(p)) != stamp for p, stamp in stamps.items()):
        return None
    return {
        "script": entry["script"],
        "sourcemap": SourceMap.from_json(entry["sourcemap"]),
        "modules": {
            spec: (m["kind"], base64.b64decode(m["data"]), Path(m["path"]))
            for spec, m in entry["modules"].items()
        },
        "inputs": tuple(Path(p) for p in entry["inputs"]),
        "warnings": tuple(entry["warnings"]),
    }


def store_cached(
    key_parts: list[str],
    *,
    script: str,
    sourcemap: SourceMap,
    modules: dict[str, tuple[str, bytes, Path]],
    inputs: tuple[Path, ...],
    warnings: tuple[str, ...],
    root: Path,
) -> None:
    """Remember a build (best effort: a cache that cannot be written is skipped)."""
    entry = {
        "script": script,
        "sourcemap": sourcemap.to_json(),
        "modules": {
            spec: {"kind": kind, "data": base64.b64encode(data).decode(), "path": str(p)}
            for spec, (kind, data, p) in modules.items()
        },
        "inputs": [str(p) for p in inputs],
        "warnings": list(warnings),
        "stamps": _stamps(list(inputs), root),
    }
    path = _entry_path(key_parts)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(entry, out)
        Path(tmp).replace(path)
    except OSError:
        return
