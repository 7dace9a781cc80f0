"""Durable Object alarms: fired at least once, retried with backoff, kept across restarts.

An object's alarm lives in its own database (storage.py); `<state>/do/alarms.sqlite3`
indexes the pending ones. The scheduler (one per server process that runs background
work) reads the index, and is woken at once when an object of this process changes its
alarm (`alarm_changed`). A due alarm is checked against the object's database (the index
may be stale after a crash), then the object's `alarm({retryCount, isRetry})` runs. On
success the alarm is cleared unless the handler set a new one; on failure it is retried
after 2, 4, 8 … seconds, at most MAX_RETRIES times, as on Cloudflare. An alarm whose
worker this process does not run waits for one that does.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from pyworkerd.engine.services import service
from pyworkerd.engine.types import Invocation, WorkerFailure
from pyworkerd.storage import StateDir

__all__ = ["AlarmScheduler", "alarm_changed"]

MAX_RETRIES = 6
POLL_S = 0.5  # how often the index is read (it may change in another process)
_WAKE: dict[str, asyncio.Event] = {}


def alarm_changed(state: StateDir, ns: str, object_id: str, when_ms: float | None) -> None:
    """An object's alarm was set (when_ms) or deleted (None): wake this process's scheduler."""
    event = _WAKE.get(str(state.root))
    if event is not None:
        event.set()


class AlarmScheduler:
    """Fires the due alarms of the objects stored in one state directory."""

    def __init__(self, state: StateDir, log: Any) -> None:
        self._state = state
        self._log = log  # a LogPrinter: .info / .error
        self._retries: dict[tuple[str, str], tuple[int, float]] = {}  # -> (count, not before)
        self._running: set[tuple[str, str]] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    def start(self) -> None:
        _WAKE[str(self._state.root)] = self._wake
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if _WAKE.get(str(self._state.root)) is self._wake:
            del _WAKE[str(self._state.root)]
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        from pyworkerd.bindings.durable_objects.storage import pending_alarms

        loop = asyncio.get_running_loop()
        while True:
            self._wake.clear()
            now = time.time() * 1000
            pending = await loop.run_in_executor(None, pending_alarms, self._state)
            soonest: float | None = None
            for ns, object_id, when in pending:
                key = (ns, object_id)
                count, not_before = self._retries.get(key, (0, 0.0))
                due = max(when, not_before)
                if key in self._running or service(ns.split("/", 1)[0]) is None:
                    continue
                if due <= now:
                    self._running.add(key)
                    task = loop.create_task(self._fire(ns, object_id, when, count))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
                elif soonest is None or due < soonest:
                    soonest = due
            delay = POLL_S if soonest is None else min(POLL_S, max(0.0, (soonest - now) / 1000))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)

    async def _fire(self, ns: str, object_id: str, when: float, retry_count: int) -> None:
        from pyworkerd.bindings.durable_objects.storage import run_items, stored_alarm

        loop = asyncio.get_running_loop()
        key = (ns, object_id)
        script, class_name = ns.split("/", 1)
        try:
            if await loop.run_in_executor(None, stored_alarm, self._state, ns, object_id) != when:
                return  # deleted or moved since the index was read
            target = service(script)
            if target is None:
                return
            actor = {"ns": ns, "className": class_name, "id": object_id, "name": None}
            try:
                await target.invoke(
                    Invocation("alarm", {"actor": actor, "retryCount": retry_count})
                )
            except (WorkerFailure, RuntimeError) as exc:
                self._failed(key, retry_count, exc)
                return
            self._retries.pop(key, None)
            # Done: clear it, unless the handler set another one.
            if await loop.run_in_executor(None, stored_alarm, self._state, ns, object_id) == when:
                await loop.run_in_executor(
                    None, run_items, self._state, ns, object_id, [["setAlarm", None]]
                )
        finally:
            self._running.discard(key)
            self._wake.set()

    def _failed(self, key: tuple[str, str], retry_count: int, exc: Exception) -> None:
        message = exc.message if isinstance(exc, WorkerFailure) else str(exc)
        which = f"alarm of {key[0]} {key[1][:12]}…"
        if retry_count + 1 > MAX_RETRIES:
            self._log.error(f"{which} failed {MAX_RETRIES + 1} times: {message}; dropped")
            self._retries.pop(key, None)
            ns, object_id = key
            from pyworkerd.bindings.durable_objects.storage import run_items

            asyncio.get_running_loop().run_in_executor(
                None, run_items, self._state, ns, object_id, [["setAlarm", None]]
            )
            return
        backoff_ms = 2000 * (2**retry_count)
        self._log.error(f"{which} failed: {message}; retry in {backoff_ms // 1000} s")
        self._retries[key] = (retry_count + 1, time.time() * 1000 + backoff_ms)
