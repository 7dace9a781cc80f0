"""Bodies and uploads a binding keeps open for a worker between host calls (R2, the Cache API).

A handle belongs to the worker and request that opened it: another worker cannot reach it,
it is dropped when its request ends, and one nobody touched for IDLE_TIMEOUT_S is dropped
by a sweep. A handle an op is using (`busy`) is never closed under it: it is marked
`dropped`, and the op closes it when done.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

from pyworkerd.engine.hostops import HostCall, HostError, on_request_finished

__all__ = ["IDLE_TIMEOUT_S", "Handle", "HandleTable"]

IDLE_TIMEOUT_S = 120.0  # a body or upload nobody touched for this long is dropped


class Handle(Protocol):
    worker: str
    request_id: int
    busy: bool
    dropped: bool
    last_used: float

    def close(self) -> None: ...


H = TypeVar("H", bound=Handle)


class HandleTable(Generic[H]):
    """The open handles of one binding kind, by id. `gone` is the worker's error for a
    handle that no longer exists; `close` closes a dropped one (it may hand the work to a
    thread)."""

    def __init__(self, gone: str, close: Callable[[H], None]) -> None:
        self._gone = gone
        self._close = close
        self._open: dict[int, H] = {}
        self._ids = itertools.count(1)
        self._sweeper: asyncio.TimerHandle | None = None
        on_request_finished(self._release)

    def __len__(self) -> int:
        return len(self._open)

    def add(self, handle: H) -> int:
        hid = next(self._ids)
        self._open[hid] = handle
        if self._sweeper is None:
            loop = asyncio.get_running_loop()
            self._sweeper = loop.call_later(IDLE_TIMEOUT_S / 4, self._sweep)
        return hid

    def get(self, hid: int) -> H:
        return self._open[hid]

    def take(self, call: HostCall) -> tuple[int, H]:
        """The handle named by the call's `id`, if it is the calling worker's."""
        hid = call.args.get("id") if isinstance(call.args, dict) else None
        handle = self._open.get(hid) if isinstance(hid, int) else None
        if handle is None or handle.worker != call.worker:
            raise HostError("Error", self._gone)
        handle.last_used = time.monotonic()
        return hid, handle  # type: ignore[return-value]

    def pop(self, hid: int) -> None:
        self._open.pop(hid, None)

    def cancel(self, call: HostCall) -> H | None:
        """Drop the call's handle: returned for the caller to close, or None when there is
        none or an op is using it (that op closes it)."""
        hid = call.args.get("id") if isinstance(call.args, dict) else None
        handle = self._open.get(hid) if isinstance(hid, int) else None
        if handle is None or handle.worker != call.worker:
            return None
        del self._open[hid]  # type: ignore[arg-type]
        if handle.busy:
            handle.dropped = True
            return None
        return handle

    def _sweep(self) -> None:
        self._sweeper = None
        deadline = time.monotonic() - IDLE_TIMEOUT_S
        for hid, handle in list(self._open.items()):
            if not handle.busy and handle.last_used <= deadline:
                del self._open[hid]
                self._close(handle)
        if self._open:
            loop = asyncio.get_running_loop()
            self._sweeper = loop.call_later(IDLE_TIMEOUT_S / 4, self._sweep)

    def _release(self, worker: str, request_id: int) -> None:
        if request_id == 0:
            return
        for hid, handle in list(self._open.items()):
            if handle.worker == worker and handle.request_id == request_id:
                del self._open[hid]
                if handle.busy:
                    handle.dropped = True
                else:
                    self._close(handle)
