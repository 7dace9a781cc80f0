"""Helpers for the queue tests: worker projects with queues, and the broker's log lines."""

from __future__ import annotations

import re
import time

from pyworkerd.testing.server import RunningServer


def got_lines(server: RunningServer, queue: str) -> list[str]:
    """What the consumer logged for `queue` ("got <queue> <body> attempts=N …")."""
    prefix = f"got {queue} "
    return [
        line.split("] ", 1)[1]
        for line in server.output().splitlines()
        if "] " in line and line.split("] ", 1)[1].startswith(prefix)
    ]


def batch_totals(server: RunningServer, queue: str) -> list[tuple[int, int]]:
    """(acked, total) of every `QUEUE <queue> a/t (…ms)` line, in order."""
    rx = re.compile(rf"QUEUE {re.escape(queue)} (\d+)/(\d+) \(\d+ms\)")
    return [(int(m.group(1)), int(m.group(2))) for m in rx.finditer(server.output())]


def wait_for_batches(
    server: RunningServer, queue: str, messages: int, timeout: float = 20.0
) -> list[tuple[int, int]]:
    """The batch lines of `queue` once they account for at least `messages` deliveries."""
    deadline = time.monotonic() + timeout
    while True:
        totals = batch_totals(server, queue)
        if sum(total for _, total in totals) >= messages:
            return totals
        if time.monotonic() > deadline:
            raise TimeoutError(f"{queue}: {totals}\n{server.output()}")
        time.sleep(0.05)
