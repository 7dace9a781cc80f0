"""Isolates per worker: reuse a warm one, start one on demand, evict idle ones (LRU).

A worker normally runs in one isolate: batching makes one isolate the fastest way to
serve many concurrent requests. A second isolate starts only when every live one is
stuck in a long stretch of JS (so a runaway request never blocks the others) or has
been retired by a limit. Idle isolates are evicted least-recently-used first when the
process-wide budget of isolates is exceeded, and after ``idle_ttl`` seconds unused.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from pyworkerd.engine.boot import SpareContexts
from pyworkerd.engine.isolate import Isolate, NotStarted
from pyworkerd.engine.types import HostRequest, HostResponse, Invocation, LogSink, WorkerSpec

__all__ = ["IsolateBudget", "PoolSettings", "WorkerPool"]

# A live isolate busy longer than this without a break gets no new requests.
STUCK_AFTER_S = 0.005
# A request is moved to a fresh isolate at most this many times.
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class PoolSettings:
    max_isolates_per_worker: int = 8
    idle_ttl_s: float = 600.0
    enforce_limits: bool = True


class IsolateBudget:
    """Process-wide cap on live isolates; evicts the least recently used idle ones.

    The cap comes from a memory budget divided by the measured cost of an idle isolate.
    """

    def __init__(self, memory_budget_mb: int = 2048, per_isolate_mb: float = 4.0) -> None:
        self.max_isolates = max(1, int(memory_budget_mb / per_isolate_mb))
        self._pools: list[WorkerPool] = []

    def register(self, pool: WorkerPool) -> None:
        self._pools.append(pool)

    def unregister(self, pool: WorkerPool) -> None:
        if pool in self._pools:
            self._pools.remove(pool)

    def live(self) -> int:
        return sum(len(p.isolates) for p in self._pools)

    def make_room(self) -> None:
        """Evict idle isolates, oldest use first, until one more fits."""
        while self.live() >= self.max_isolates:
            idle = [i for p in self._pools for i in p.isolates if i.inflight == 0]
            if not idle:
                return
            victim = min(idle, key=lambda i: i.last_used)
            victim.close()


class WorkerPool:
    """The isolates of one worker."""

    def __init__(
        self,
        spec: WorkerSpec,
        *,
        log: LogSink,
        budget: IsolateBudget | None = None,
        settings: PoolSettings | None = None,
        spares: SpareContexts | None = None,
    ) -> None:
        self.spec = spec
        self._log = log
        self._budget = budget or IsolateBudget()
        self._settings = settings or PoolSettings()
        self.isolates: list[Isolate] = []
        self._budget.register(self)
        self._reaper: asyncio.TimerHandle | None = None
        self._starting: asyncio.Task[Isolate] | None = None
        self._spares = spares or SpareContexts(0)
        self.isolates_started = 0
        # Durable Object key -> the isolate its live instance is in.
        self._affinity: dict[str, Isolate] = {}

    async def start_isolate(self) -> Isolate:
        """Cold-start an isolate (raises WorkerLoadError if the script fails to load).

        Concurrent callers share one start rather than each booting an isolate.
        """
        if self._starting is None:
            self._starting = asyncio.get_running_loop().create_task(self._start())
        starting = self._starting
        try:
            return await asyncio.shield(starting)
        finally:
            if self._starting is starting and starting.done():
                self._starting = None

    async def _start(self) -> Isolate:
        self._budget.make_room()
        booted = await self._spares.take()
        isolate = await Isolate.start(
            self.spec,
            booted,
            log=self._log,
            on_retire=self._forget,
            enforce_limits=self._settings.enforce_limits,
        )
        self.isolates.append(isolate)
        self.isolates_started += 1
        self._schedule_reaper()
        return isolate

    def _forget(self, isolate: Isolate) -> None:
        if isolate in self.isolates:
            self.isolates.remove(isolate)
        for key in [k for k, i in self._affinity.items() if i is isolate]:
            del self._affinity[key]

    async def pick(self) -> Isolate:
        """A warm isolate that can take a request now, else a new one."""
        best: Isolate | None = None
        for isolate in self.isolates:
            if isolate.dead:
                continue
            if isolate.busy_for() < STUCK_AFTER_S:
                return isolate
            if best is None or isolate.busy_for() < best.busy_for():
                best = isolate
        if best is None or len(self.isolates) < self._settings.max_isolates_per_worker:
            return await self.start_isolate()
        return best

    async def pick_for(self, affinity: str | None) -> Isolate:
        """The isolate for an object (a Durable Object lives in one isolate at a time),
        or any warm one when there is no affinity."""
        if affinity is None:
            return await self.pick()
        isolate = self._affinity.get(affinity)
        if isolate is None or isolate.dead:
            isolate = await self.pick()
            self._affinity[affinity] = isolate
        return isolate

    def forget_affinity(self, affinity: str) -> None:
        self._affinity.pop(affinity, None)

    async def fetch(self, request: HostRequest) -> tuple[HostResponse, asyncio.Future[None]]:
        """Serve a request; one whose isolate was retired before it ran goes to another."""
        affinity = _affinity_of(request.actor)
        for _attempt in range(MAX_ATTEMPTS - 1):
            try:
                return await (await self.pick_for(affinity)).fetch(request)
            except NotStarted:
                continue
        return await (await self.pick_for(affinity)).fetch(request)

    async def invoke(self, invocation: Invocation) -> tuple[Any, asyncio.Future[None]]:
        """Run a non-fetch handler (see Isolate.invoke), retried like fetch when unstarted."""
        args = invocation.args
        affinity = _affinity_of(args.get("actor") if isinstance(args, dict) else None)
        for attempt in range(MAX_ATTEMPTS):
            isolate = await self.pick_for(affinity)
            try:
                return await isolate.invoke(invocation)
            except NotStarted:
                if attempt == MAX_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        for isolate in list(self.isolates):
            isolate.close()
        self.isolates.clear()
        self._budget.unregister(self)
        if self._reaper is not None:
            self._reaper.cancel()
            self._reaper = None

    def _schedule_reaper(self) -> None:
        if self._reaper is None and self._settings.idle_ttl_s > 0:
            loop = asyncio.get_running_loop()
            self._reaper = loop.call_later(self._settings.idle_ttl_s, self._reap)

    def _reap(self) -> None:
        self._reaper = None
        now = time.monotonic()
        for isolate in list(self.isolates):
            if isolate.inflight == 0 and now - isolate.last_used >= self._settings.idle_ttl_s:
                isolate.close()
        if self.isolates:
            self._schedule_reaper()


def _affinity_of(actor: Any) -> str | None:
    """The key that pins a Durable Object's events to one isolate."""
    if isinstance(actor, dict):
        return f"{actor.get('ns')}:{actor.get('id')}"
    return None
