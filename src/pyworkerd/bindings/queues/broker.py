"""The queue broker: delivers each consumed queue's messages to its consumer in batches.

`run_consumers` runs in one process only (of `serve --workers N`, the one that runs
what happens in the background). For each `queues.consumers` entry of the workers it
leases due messages from the queue's store (store.py) and calls the worker's
`queue(batch, env, ctx)` (the "queue" invoker of facade.js), as Cloudflare does:

- a batch goes out when `max_batch_size` messages are due, or `max_batch_timeout`
  seconds after the first of them was seen;
- at most `max_concurrency` batches at once (unset: one, and more while full batches are
  waiting, up to `AUTOSCALE_MAX`, as the platform scales consumers with the backlog);
- a message acknowledged (explicitly, by `ackAll()`, or by a handler that returned) is
  deleted; one retried (`retry()`, `retryAll()`, or any message not explicitly acked
  when the handler throws) comes back after its delay (`delaySeconds`, else
  `retry_delay`, else at once) until it has failed `max_retries + 1` times; then it
  moves to the `dead_letter_queue`, or is dropped with a warning;
- messages older than the retention period (4 days) are deleted, with a warning.

Everything is in SQLite before it is acted on: a process that dies mid-batch delivers
the batch again when it restarts (at-least-once). Each batch is logged as wrangler does:
`QUEUE <queue> <acked>/<total> (<ms>ms)`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pyworkerd.bindings.queues.store import (
    Backlog,
    Leased,
    NewMessage,
    QueueStore,
    now_ms,
    store_for,
)
from pyworkerd.config import WorkerConfig
from pyworkerd.config.model import QueueConsumer
from pyworkerd.config.parse import MAX_DELAY_S
from pyworkerd.engine.types import Invocation, WorkerFailure
from pyworkerd.storage import StateDir

__all__ = ["Outcome", "Printer", "QueueWorker", "run_consumers"]

POLL_S = 0.2  # how often an idle consumer looks for what other processes sent
RECHECK_S = 2.0  # how often the set of consumers is re-read (a reload may change it)
HANDLER_TIMEOUT_S = 15 * 60  # Cloudflare's wall-clock limit for a consumer invocation
AUTOSCALE_MAX = 10
RETENTION_MS = 4 * 24 * 3600 * 1000
EXPIRE_EVERY_S = 60.0
SHUTDOWN_GRACE_S = 5.0  # batches in flight at shutdown may finish (else: delivered again)
NO_WAIT_FLAG = "queue_consumer_no_wait_for_wait_until"


class Printer(Protocol):
    """Where the broker's lines go (server.logs.LogPrinter is one)."""

    def info(self, text: str) -> None: ...

    def warn(self, text: str) -> None: ...

    def error(self, text: str) -> None: ...


class QueueWorker(Protocol):
    """What the broker needs of a worker (server.workers.Worker is one)."""

    name: str
    config: WorkerConfig

    async def invoke(self, invocation: Invocation) -> tuple[Any, asyncio.Future[None]]: ...


@dataclass
class Outcome:
    """What a delivery decided (facade.js `outcome()`), or a failed invocation."""

    acks: set[str] = field(default_factory=set)
    retries: dict[str, int | None] = field(default_factory=dict)
    ack_all: bool = False
    retry_all: bool = False
    retry_delay: int | None = None
    failed: bool = False

    @classmethod
    def from_json(cls, value: Any) -> Outcome:
        return cls(
            acks={str(i) for i in value["acks"]},
            retries={str(i): _int_or_none(d) for i, d in value["retries"]},
            ack_all=bool(value["ackAll"]),
            retry_all=bool(value["retryAll"]),
            retry_delay=_int_or_none(value["retryDelay"]),
            failed=value["error"] is not None,
        )

    def retry_of(self, message_id: str) -> tuple[bool, int | None]:
        """(retried?, its delay if one was asked for)."""
        if message_id in self.acks or self.ack_all:
            return False, None
        if message_id in self.retries:
            delay = self.retries[message_id]
            return True, delay if delay is not None else self.retry_delay
        if self.retry_all or self.failed:
            return True, self.retry_delay
        return False, None


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def _body_for_js(row: Leased) -> str:
    if row.content_type == "bytes":
        return base64.b64encode(row.body).decode("ascii")
    return row.body.decode("utf-8", "replace")


def _plural(n: int) -> str:
    return "" if n == 1 else "s"


class Consumer:
    """Delivers one queue's messages to the worker that consumes it."""

    def __init__(
        self,
        queue: str,
        lookup: Callable[[], tuple[QueueWorker, QueueConsumer] | None],
        state: StateDir,
        printer: Printer,
    ) -> None:
        self.queue = queue
        self.lookup = lookup
        self.state = state
        self.printer = printer
        self.store: QueueStore = store_for(state, queue)
        self._wake = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self._inflight: set[asyncio.Task[None]] = set()

    def _poke(self) -> None:
        self._loop.call_soon_threadsafe(self._wake.set)

    async def run(self) -> None:
        unsubscribe = self.store.on_change(self._poke)
        try:
            await self.store.release_leases()
            await self._loop_until_gone()
        finally:
            unsubscribe()
            await self._finish_inflight()

    async def _loop_until_gone(self) -> None:
        deadline: int | None = None
        next_expiry = 0.0
        while (found := self.lookup()) is not None:
            worker, cfg = found
            self._wake.clear()
            if time.monotonic() >= next_expiry:
                next_expiry = time.monotonic() + EXPIRE_EVERY_S
                await self._expire()
            now = now_ms()
            size = cfg.max_batch_size
            due, upcoming = await self.store.peek(now, size)
            if due == 0:
                deadline = None
            elif deadline is None:
                deadline = now + int(cfg.max_batch_timeout * 1000)
            ready = due > 0 and (due >= size or now >= (deadline or now))
            if ready and len(self._inflight) < self._concurrency(cfg, due >= size):
                await self._start_batch(worker, cfg, now)
                deadline = None
                continue
            wait_ms = POLL_S * 1000
            for at in (deadline, upcoming):
                if at is not None:
                    wait_ms = min(wait_ms, at - now)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), max(wait_ms, 0) / 1000)

    @staticmethod
    def _concurrency(cfg: QueueConsumer, full: bool) -> int:
        if cfg.max_concurrency is not None:
            return cfg.max_concurrency
        return AUTOSCALE_MAX if full else 1

    async def _expire(self) -> None:
        gone = await self.store.expire(now_ms() - RETENTION_MS)
        if gone:
            self.printer.warn(
                f'Deleted {gone} message{_plural(gone)} on queue "{self.queue}" older than the '
                "retention period (4 days)"
            )

    async def _start_batch(self, worker: QueueWorker, cfg: QueueConsumer, now: int) -> None:
        token, rows, backlog = await self.store.lease(now, cfg.max_batch_size)
        if not rows:
            return
        task = self._loop.create_task(self._deliver(worker, cfg, token, rows, backlog))
        self._inflight.add(task)
        task.add_done_callback(self._delivered)

    def _delivered(self, task: asyncio.Task[None]) -> None:
        self._inflight.discard(task)
        self._wake.set()

    async def _finish_inflight(self) -> None:
        if not self._inflight:
            return
        pending = set(self._inflight)
        with contextlib.suppress(asyncio.CancelledError):
            _done, late = await asyncio.wait(pending, timeout=SHUTDOWN_GRACE_S)
            for task in late:
                task.cancel()

    async def _deliver(
        self,
        worker: QueueWorker,
        cfg: QueueConsumer,
        token: int,
        rows: list[Leased],
        backlog: Backlog,
    ) -> None:
        started = time.monotonic()
        outcome = await self._invoke(worker, rows, backlog)
        elapsed = (time.monotonic() - started) * 1000
        try:
            retried = await self._settle(cfg, token, rows, outcome)
        except Exception as exc:  # the database failed: the lease brings them back later
            self.printer.error(f'queue "{self.queue}": could not record a batch\'s outcome: {exc}')
            return
        acked = len(rows) - retried
        self.printer.info(f"QUEUE {self.queue} {acked}/{len(rows)} ({elapsed:.0f}ms)")

    async def _invoke(self, worker: QueueWorker, rows: list[Leased], backlog: Backlog) -> Outcome:
        args = {
            "queue": self.queue,
            "messages": [
                {
                    "id": row.id,
                    "timestamp": row.sent_ms,
                    "contentType": row.content_type,
                    "body": _body_for_js(row),
                    "attempts": row.failed + 1,
                }
                for row in rows
            ],
            "metadata": {"metrics": backlog.as_json()},
        }
        try:
            async with asyncio.timeout(HANDLER_TIMEOUT_S):
                value, done = await worker.invoke(Invocation("queue", args))
                if NO_WAIT_FLAG not in worker.config.compatibility_flags:
                    await done  # workerd waits for ctx.waitUntil() before it reports
        except WorkerFailure as failure:
            self._log_failure(worker, failure.stack or f"{failure.name}: {failure.message}")
            return Outcome(failed=True)
        except (RuntimeError, TimeoutError) as exc:  # not built, or never finished
            self._log_failure(worker, str(exc) or "the handler did not finish in 15 minutes")
            return Outcome(failed=True)
        outcome = Outcome.from_json(value)
        error = value["error"]
        if error is not None:
            self._log_failure(worker, error["stack"] or f"{error['name']}: {error['message']}")
        return outcome

    def _log_failure(self, worker: QueueWorker, detail: str) -> None:
        map_stack: Callable[[str], str] | None = getattr(worker, "map_stack", None)
        if map_stack is not None:
            detail = map_stack(detail)
        self.printer.error(f'{worker.name}: queue "{self.queue}" batch failed: {detail}')

    async def _settle(
        self, cfg: QueueConsumer, token: int, rows: Sequence[Leased], outcome: Outcome
    ) -> int:
        """Record the outcome; the number of messages not acknowledged."""
        max_attempts = cfg.max_retries + 1
        removed: list[str] = []
        retried: list[tuple[str, int]] = []
        dead: list[Leased] = []
        for row in rows:
            retry, delay = outcome.retry_of(row.id)
            if not retry:
                removed.append(row.id)
            elif row.failed + 1 >= max_attempts:
                dead.append(row)
            else:
                if delay is None:
                    delay = cfg.retry_delay or 0
                retried.append((row.id, min(max(delay, 0), MAX_DELAY_S)))
        if dead:
            await self._give_up(cfg, dead, max_attempts)
            removed.extend(row.id for row in dead)
        await self.store.settle(token, removed, retried, now_ms())
        return len(retried) + len(dead)

    async def _give_up(self, cfg: QueueConsumer, dead: Sequence[Leased], attempts: int) -> None:
        """Move messages out of retries: to the dead-letter queue, else drop them (logged)."""
        dlq = cfg.dead_letter_queue
        s = _plural(attempts)
        for row in dead:
            if dlq:
                self.printer.warn(
                    f'Moving message "{row.id}" on queue "{self.queue}" to dead letter queue '
                    f'"{dlq}" after {attempts} failed attempt{s}...'
                )
            else:
                self.printer.warn(
                    f'Dropped message "{row.id}" on queue "{self.queue}" after {attempts} '
                    f"failed attempt{s}!"
                )
        if dlq:
            # Copied before it is deleted here: a crash in between keeps it twice (the copy
            # is keyed by id, so not twice in the dead-letter queue), never loses it.
            await store_for(self.state, dlq).append(
                [NewMessage(r.content_type, r.body, 0, r.id, r.sent_ms) for r in dead]
            )


def consumers_of(
    workers: Sequence[QueueWorker],
) -> tuple[dict[str, tuple[QueueWorker, QueueConsumer]], list[tuple[str, str]]]:
    """Each consumed queue and who consumes it (push consumers only), and the (queue,
    worker) pairs left out: a queue has one consumer, as on Cloudflare (the first wins)."""
    found: dict[str, tuple[QueueWorker, QueueConsumer]] = {}
    ignored: list[tuple[str, str]] = []
    for worker in workers:
        for consumer in worker.config.queues.consumers:
            if consumer.type == "http_pull":
                continue
            if consumer.queue in found:
                if found[consumer.queue][0] is not worker:
                    ignored.append((consumer.queue, worker.name))
                continue
            found[consumer.queue] = (worker, consumer)
    return found, ignored


async def run_consumers(workers: Sequence[QueueWorker], state: StateDir, printer: Printer) -> None:
    """Deliver every consumed queue's messages until cancelled (the server's shutdown)."""
    tasks: dict[str, asyncio.Task[None]] = {}
    warned: set[tuple[str, str]] = set()
    current: dict[str, tuple[QueueWorker, QueueConsumer]] = {}
    loop = asyncio.get_running_loop()

    def lookup_for(queue: str) -> Callable[[], tuple[QueueWorker, QueueConsumer] | None]:
        return lambda: current.get(queue)

    def report(task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            printer.error(f"queue consumer stopped: {task.exception()!r} (restarting)")

    try:
        while True:
            current, ignored = consumers_of(workers)
            for queue, name in ignored:
                if (queue, name) not in warned:
                    warned.add((queue, name))
                    owner = current[queue][0].name
                    printer.warn(
                        f'queue "{queue}" already has a consumer ("{owner}"); '
                        f'"{name}" does not consume it'
                    )
            for queue in current:
                task = tasks.get(queue)
                if task is None or task.done():
                    consumer = Consumer(queue, lookup_for(queue), state, printer)
                    tasks[queue] = task = loop.create_task(consumer.run())
                    task.add_done_callback(report)
            await asyncio.sleep(RECHECK_S)
    finally:
        for task in tasks.values():
            task.cancel()
        for task in tasks.values():
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
