"""npm packages the runtime bundles (polyfills, Wasm builds), installed from a lockfile.

A folder holding ``package.json`` and ``package-lock.json`` names the packages and pins each
one's version and sha512 integrity. ``installed_node_modules(folder)`` runs ``npm ci`` for it
once per machine into the cache (``<cache>/npm/<hash of the two files>/``): npm checks every
tarball against the lockfile's integrity, and install scripts never run. Concurrent callers
(several processes starting at once) wait for the first; a half-done install is never used.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from .errors import BundlerError
from .esbuild import cache_dir, run_npm

__all__ = ["NpmInstallError", "build_once", "installed_node_modules"]

LOCK_FILES = ("package.json", "package-lock.json")
_DONE_MARK = ".pyworkerd-complete"
_thread_lock = threading.Lock()


class NpmInstallError(BundlerError):
    """The packages could not be installed; the message is one line with the way out."""


def _lock_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for name in LOCK_FILES:
        path = folder / name
        if not path.is_file():
            raise NpmInstallError(f"{path}: missing; the runtime's npm packages need it")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def installed_node_modules(folder: Path, *, cache: Path | None = None) -> Path:
    """The ``node_modules`` folder for the lockfile in ``folder``, installing it once."""
    target = (cache or cache_dir()) / "npm" / _lock_hash(folder)
    return build_once(target, lambda work: _install(folder, work)) / "node_modules"


def build_once(target: Path, fill: Callable[[Path], None]) -> Path:
    """``target``, made once per machine by ``fill(work folder)``: concurrent callers (threads
    and processes) wait for the first, and a half-made folder is never seen (it is filled
    aside, marked complete, then renamed into place)."""
    if (target / _DONE_MARK).is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with _thread_lock, open(target.parent / f".{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / _DONE_MARK).is_file():
            return target
        work = Path(tempfile.mkdtemp(dir=target.parent, prefix=".build-"))
        try:
            fill(work)
            (work / _DONE_MARK).write_text("ok\n")
            if target.exists():
                shutil.rmtree(target)
            os.replace(work, target)
        finally:
            if work.exists():
                shutil.rmtree(work, ignore_errors=True)
    return target


def _install(folder: Path, work: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise NpmInstallError(
            "npm is not found; install Node.js and npm (they fetch the runtime's pinned packages)"
        )
    for name in LOCK_FILES:
        shutil.copyfile(folder / name, work / name)
    args = ["ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"]
    stdout, why = run_npm(npm, args, work)
    if stdout is None:
        raise NpmInstallError(f"npm ci for {folder} failed ({why})")
