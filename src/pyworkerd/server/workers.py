"""A configured worker as the server sees it: config -> bundle -> isolate pool, and reload.

A reload builds the new version first; only when it bundles and loads does it replace the
running one, so a broken save keeps the last good version serving. The old version's
isolates finish the requests they have in flight before they are closed.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyworkerd.bindings import build_bindings
from pyworkerd.bundler import Bundle, BundlerError, bundle_async
from pyworkerd.bundler.nodecompat import node_compat
from pyworkerd.config import DEFAULT_MEMORY_MB, WorkerConfig
from pyworkerd.engine.boot import SpareContexts
from pyworkerd.engine.hostops import ops_with_runtime, sync_ops_with_runtime
from pyworkerd.engine.pool import IsolateBudget, PoolSettings, WorkerPool
from pyworkerd.engine.types import (
    HostRequest,
    HostResponse,
    Invocation,
    LogSink,
    WorkerLoadError,
    WorkerModule,
    WorkerSpec,
)
from pyworkerd.runtime import RUNTIME_SOURCE_URL
from pyworkerd.storage import StateDir

__all__ = ["BuildFailed", "Worker", "WorkerVersion"]

DEFAULT_CPU_MS = 30_000
DRAIN_TIMEOUT_S = 30.0


class BuildFailed(Exception):
    """The worker did not bundle or its top level threw; str() says why, one error per line."""


@dataclass
class WorkerVersion:
    """One built version of a worker and the isolates running it."""

    bundle: Bundle
    spec: WorkerSpec
    pool: WorkerPool
    built_at: float


def script_name_for(worker: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", worker) + ".js"


class Worker:
    """One worker of the server: builds, serves and reloads it."""

    def __init__(
        self,
        config: WorkerConfig,
        *,
        log: LogSink,
        budget: IsolateBudget,
        spares: SpareContexts,
        state: StateDir,
        enforce_limits: bool = True,
        config_loader: Callable[[], WorkerConfig] | None = None,
    ) -> None:
        self.config = config
        # Re-reads the config (and .dev.vars) from disk on reload.
        self.config_loader = config_loader
        self.name = config.name or "worker"
        self._log = log
        self._budget = budget
        self._spares = spares
        self._state = state
        self._enforce = enforce_limits
        self.current: WorkerVersion | None = None
        # Why the last build failed (shown on requests while no version runs).
        self.last_error: str | None = None

    # ------------------------------------------------------------------ building
    async def build(self, config: WorkerConfig | None = None) -> WorkerVersion:
        """Bundle and load a new version (one isolate started to prove it loads).

        Raises BuildFailed, leaving the current version in place.
        """
        config = config or self.config
        if config.main is None:
            raise BuildFailed(f"{config.config_path.name}: no `main` entry point to run")
        try:
            bundle = await bundle_async(
                config.main,
                project_dir=config.project_dir,
                rules=config.rules,
                define=dict(config.define),
                alias=dict(config.alias),
                minify=config.minify,
                no_bundle=config.no_bundle,
                script_name=script_name_for(self.name),
                jsx_factory=config.jsx_factory,
                jsx_fragment=config.jsx_fragment,
                tsconfig=config.tsconfig,
                keep_names=config.keep_names,
                node_compat=node_compat(config.compatibility_date, config.compatibility_flags),
            )
        except BundlerError as exc:
            raise BuildFailed(str(exc)) from None
        spec = self._spec(config, bundle)
        pool = WorkerPool(
            spec,
            log=self._log,
            budget=self._budget,
            spares=self._spares,
            settings=PoolSettings(enforce_limits=self._enforce),
        )
        try:
            await pool.start_isolate()
        except WorkerLoadError as exc:
            pool.close()
            raise BuildFailed(bundle.map_stack(exc.stack or exc.message)) from None
        return WorkerVersion(bundle, spec, pool, time.time())

    def _spec(self, config: WorkerConfig, bundle: Bundle) -> WorkerSpec:
        limits = config.limits
        bindings = build_bindings(config, self._state)
        return WorkerSpec(
            name=self.name,
            script=bundle.wrapped(),
            source_url=script_name_for(self.name),
            modules={k: WorkerModule(m.kind, m.data) for k, m in bundle.modules.items()},
            vars=dict(config.vars),
            secrets=dict(config.secrets),
            heap_limit_mb=limits.memory_mb or DEFAULT_MEMORY_MB,
            cpu_ms=limits.cpu_ms or DEFAULT_CPU_MS,
            bindings=bindings.descriptors,
            host_ops=ops_with_runtime(bindings.ops),
            sync_ops=sync_ops_with_runtime(bindings.sync_ops),
        )

    async def start(self) -> None:
        await self.reload()

    async def reload(self, config: WorkerConfig | None = None) -> WorkerVersion:
        """Swap in a new version; the old one drains in the background."""
        try:
            version = await self.build(config)
        except BuildFailed as exc:
            self.last_error = str(exc)
            raise
        self.last_error = None
        if config is not None:
            self.config = config
        old, self.current = self.current, version
        if old is not None:
            asyncio.get_running_loop().create_task(_retire_when_idle(old.pool))
        return version

    # ------------------------------------------------------------------ serving
    async def fetch(self, request: HostRequest) -> tuple[HostResponse, asyncio.Future[None]]:
        version = self.current
        if version is None:
            raise RuntimeError(self.last_error or "the worker is not built")
        return await version.pool.fetch(request)

    async def invoke(self, invocation: Invocation) -> tuple[Any, asyncio.Future[None]]:
        """Run a non-fetch handler (scheduled, queue, RPC …) in the current version."""
        version = self.current
        if version is None:
            raise RuntimeError(self.last_error or "the worker is not built")
        return await version.pool.invoke(invocation)

    def watched_files(self) -> set[Path]:
        """Sources of the running version, its config and its secrets files."""
        cfg = self.config
        files = {cfg.config_path.resolve()}
        for name in (".dev.vars", ".env"):
            files.update(p.resolve() for p in cfg.project_dir.glob(name + "*"))
        if self.current is not None:
            files.update(p.resolve() for p in self.current.bundle.inputs)
        elif cfg.main is not None:
            files.add(cfg.main.resolve())
        return files

    def map_stack(self, stack: str) -> str:
        """The stack in the user's own files; frames inside the runtime are left out."""
        mapped = self.current.bundle.map_stack(stack) if self.current else stack
        return "\n".join(line for line in mapped.split("\n") if RUNTIME_SOURCE_URL not in line)

    async def close(self) -> None:
        if self.current is not None:
            await _retire_when_idle(self.current.pool)
            self.current = None


async def _retire_when_idle(pool: WorkerPool) -> None:
    deadline = time.monotonic() + DRAIN_TIMEOUT_S
    while any(i.inflight for i in pool.isolates) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    pool.close()
