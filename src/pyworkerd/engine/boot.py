"""Booting isolates with the runtime loaded, ahead of need.

Loading the runtime (a few hundred KB of JS) is most of an isolate's cold start, and it is
the same for every worker. So a few isolates are booted in the background with the
runtime and the bridge installed; a worker that needs an isolate takes one and only has to
load its own bundle. Booting is awaited, never blocking the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from pyworkerd.engine.native import NativeContext
from pyworkerd.runtime import runtime_source

__all__ = ["BootedContext", "SpareContexts", "boot_context"]


class BootedContext:
    """An isolate with the runtime and the bridge installed, not yet running a worker.

    The bridge's callbacks are registered here; whoever adopts the context points them at
    itself with ``route``.
    """

    def __init__(self, ctx: NativeContext) -> None:
        self.ctx = ctx
        self.on_notify: Callable[[Any], None] = _ignore
        self.on_drain: Callable[[Any], None] = _ignore
        # A synchronous host call (JS waits for it; runs on the isolate's thread).
        self.on_sync: Callable[[], None] = _nothing
        self.cb_notify = ctx.register_callback(lambda v: self.on_notify(v))
        self.cb_drain = ctx.register_callback(lambda v: self.on_drain(v))
        self.cb_sync = ctx.register_sync(lambda: self.on_sync())

    async def install(self) -> None:
        ctx = self.ctx
        await ctx.eval_async(runtime_source())
        install = await ctx.eval_async("globalThis.__pyworkerdInstallBridge")
        parts = await ctx.call_async(
            install, ctx.notifier(self.cb_notify), ctx.notifier(self.cb_sync)
        )
        self.staging: memoryview = parts[2]
        # Int32 [batch seq, event index] that JS writes as it handles a batch, then
        # [start, length] of the batch's JSON in staging, which Python writes.
        self.control: memoryview = parts[4].cast("i")
        self.h_batch = ctx.handle(parts[0])
        self.h_drain = ctx.handle(parts[1])
        self.load_fn = parts[3]
        # [status, length, …] then the JSON of a synchronous host call and its answer.
        self.sync_buffer: memoryview = parts[5]
        self.h_argv = ctx.handle(await ctx.eval_async("[]"))
        self.h_null = ctx.handle(None)


def _ignore(_value: Any) -> None:
    return None


def _nothing() -> None:
    return None


async def boot_context() -> BootedContext:
    ctx = NativeContext()
    booted = BootedContext(ctx)
    try:
        await booted.install()
    except BaseException:
        ctx.close()
        raise
    # Loading the runtime leaves garbage behind; an idle isolate should not keep it.
    ctx.collect_garbage()
    return booted


class SpareContexts:
    """Keeps `size` booted contexts ready; refills in the background after each take."""

    def __init__(self, size: int = 1) -> None:
        self.size = size
        self._ready: list[BootedContext] = []
        self._refill: asyncio.Task[None] | None = None

    async def take(self) -> BootedContext:
        """A booted context: a ready spare, the one being booted, or a new one."""
        if not self._ready and self._refill is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(self._refill)
        booted = self._ready.pop() if self._ready else await boot_context()
        self.start_refill()
        return booted

    def start_refill(self) -> None:
        if self.size > 0 and self._refill is None and len(self._ready) < self.size:
            self._refill = asyncio.get_running_loop().create_task(self._fill())

    async def _fill(self) -> None:
        try:
            while len(self._ready) < self.size:
                self._ready.append(await boot_context())
        finally:
            self._refill = None

    async def close(self) -> None:
        if self._refill is not None:
            self._refill.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._refill
        for booted in self._ready:
            booted.ctx.close()
        self._ready.clear()
