"""Scheduled events: cron triggers firing on their schedule, and the manual HTTP routes.

wrangler never fires `triggers.crons` locally; here they fire while `dev` or `serve`
runs, in UTC as on Cloudflare, each calling the worker's `scheduled(controller, env,
ctx)`. A worker reloaded with other crons is rescheduled by its next check. The routes
`/cdn-cgi/handler/scheduled?cron=…&time=…` (dev) and `/__scheduled?cron=…`
(`--test-scheduled`) run one event on demand and answer as wrangler/Miniflare do.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, datetime
from urllib.parse import parse_qs

from pyworkerd.config.cron import next_fire
from pyworkerd.engine.types import Invocation, WorkerFailure
from pyworkerd.server.logs import LogPrinter
from pyworkerd.server.workers import Worker

__all__ = ["CronScheduler", "manual_trigger", "run_scheduled"]

# How often the scheduler re-reads each worker's crons (a reload may change them).
RECHECK_S = 30.0


async def run_scheduled(
    worker: Worker, cron: str, scheduled_time_ms: float, printer: LogPrinter
) -> bool:
    """Run one scheduled event; True when the handler succeeded. Failures are logged."""
    try:
        _result, _done = await worker.invoke(
            Invocation("scheduled", {"cron": cron, "scheduledTime": scheduled_time_ms})
        )
    except WorkerFailure as failure:
        detail = worker.map_stack(failure.stack) if failure.stack else failure.message
        printer.error(f'{worker.name}: scheduled event (cron "{cron}") failed: {detail}')
        return False
    except RuntimeError as exc:  # the worker is not built
        printer.error(f'{worker.name}: scheduled event (cron "{cron}") not run: {exc}')
        return False
    return True


def manual_trigger(path: str, query: str, *, test_scheduled: bool) -> tuple[str, float] | None:
    """(cron, scheduledTime) when the request is one of the scheduled-event routes."""
    if path == "/cdn-cgi/handler/scheduled" or (test_scheduled and path == "/__scheduled"):
        params = parse_qs(query, keep_blank_values=True)
        cron = params.get("cron", [""])[0]
        raw_time = params.get("time", [""])[0]
        try:
            scheduled = float(raw_time) if raw_time else time.time() * 1000
        except ValueError:
            scheduled = time.time() * 1000
        return cron, scheduled
    return None


class CronScheduler:
    """Fires every worker's `triggers.crons` on schedule until stopped."""

    def __init__(self, workers: list[Worker], printer: LogPrinter) -> None:
        self._workers = workers
        self._printer = printer
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._run(w)) for w in self._workers]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def _run(self, worker: Worker) -> None:
        while True:
            crons = worker.config.triggers.crons
            now = datetime.now(UTC)
            upcoming = sorted((next_fire(c, now), c) for c in crons) if crons else []
            if not upcoming:
                await asyncio.sleep(RECHECK_S)
                continue
            when, _ = upcoming[0]
            delay = (when - datetime.now(UTC)).total_seconds()
            if delay > RECHECK_S:
                await asyncio.sleep(RECHECK_S)
                continue
            await asyncio.sleep(max(0.0, delay))
            due = [c for w, c in upcoming if w == when and c in worker.config.triggers.crons]
            for cron in due:
                self._printer.info(f'{worker.name}: cron "{cron}" fired')
                asyncio.get_running_loop().create_task(
                    run_scheduled(worker, cron, when.timestamp() * 1000, self._printer)
                )
