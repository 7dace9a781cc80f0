"""`dev`'s reload: watch each worker's sources, config and .dev.vars; rebuild on change.

Changes are debounced (an editor's atomic save is several events); a broken save keeps
the last good version serving and prints why.
"""

from __future__ import annotations

import os
from pathlib import Path

from watchfiles import Change, awatch

from pyworkerd.config import ConfigError
from pyworkerd.server.logs import LogPrinter
from pyworkerd.server.workers import BuildFailed, Worker

__all__ = ["watch_and_reload"]

DEBOUNCE_MS = 150


def _roots(files: set[Path]) -> list[Path]:
    """The fewest existing directories that contain every watched file."""
    dirs = sorted({f.parent for f in files if f.parent.exists()}, key=lambda p: len(p.parts))
    roots: list[Path] = []
    for d in dirs:
        if not any(d.is_relative_to(r) for r in roots):
            roots.append(d)
    return roots


async def watch_and_reload(workers: list[Worker], printer: LogPrinter) -> None:
    while True:
        for worker in await _next_change(workers):
            await _reload(worker, printer)


async def _next_change(workers: list[Worker]) -> set[Worker]:
    """Wait for a (debounced) change; return the workers it concerns."""
    watched = {f: w for w in workers for f in w.watched_files()}

    def relevant(_change: Change, path: str) -> bool:
        p = Path(path)
        return p in watched or p.name.startswith((".dev.vars", ".env"))

    changed: set[Worker] = set()
    async for changes in awatch(
        *_roots(set(watched)), watch_filter=relevant, debounce=DEBOUNCE_MS, recursive=True
    ):
        for _change, path in changes:
            p = Path(path)
            owner = watched.get(p)
            if owner is not None:
                changed.add(owner)
            else:  # a new secrets file: it belongs to the worker in that folder
                changed.update(w for w in workers if w.config.project_dir.resolve() == p.parent)
        if changed:
            break
    return changed


async def _reload(worker: Worker, printer: LogPrinter) -> None:
    try:
        config = worker.config_loader() if worker.config_loader else None
        await worker.reload(config)
    except (ConfigError, BuildFailed) as exc:
        printer.error(
            f"{worker.name}: reload failed, still serving the last good version:{os.linesep}{exc}"
        )
        return
    printer.info(f"{worker.name}: reloaded")
