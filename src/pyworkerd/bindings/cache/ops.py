"""The host ops behind `caches` (the JS half is facade.js). Every op names its cache by
namespace: "default" for `caches.default`, "named:<name>" for `caches.open(name)`.

Bodies move in pieces of at most `PIECE` bytes, as R2's do (bindings/r2/ops.py): a match
sends its first piece with the answer and the rest on `cache.read`; a put sends its first
piece with `cache.put` and the rest with `cache.putNext`. An open body or upload belongs to
the worker and request that opened it and is dropped when that request ends.

- ``cache.match`` {ns, key, req: {range?, if-none-match?, if-modified-since?}} -> null |
  {status, headers: [[k, v]…], length, id, done} with the first piece as payload;
  ``cache.read`` {id} -> the next piece, with `true` when it is the last;
  ``cache.cancel`` {id}.
- ``cache.put`` {ns, key, status, headers: [k1, v1…], auth, final} + first piece ->
  {stored: false} (not storable: nothing changed, or a zero lifetime: entry removed) |
  {stored: true} | {id} while more is to come; ``cache.putNext`` {id, final} + piece ->
  null | {stored: true}; ``cache.putAbort`` {id}.
- ``cache.delete`` {ns, key} -> whether a fresh entry was removed.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pyworkerd.bindings.cache.gateway import (
    Segment,
    Stored,
    answer,
    combine_headers,
    store_decision,
)
from pyworkerd.bindings.cache.store import BlobSink, CacheStore, Entry
from pyworkerd.bindings.handles import HandleTable
from pyworkerd.engine.hostops import HostCall, HostError, HostOp, HostResult

__all__ = ["PIECE", "make_ops", "open_bodies"]

PIECE = 256 * 1024  # the bridge's limit on the bytes of one host result

T = TypeVar("T")


@dataclass(eq=False)
class _Body:
    """A match's body being read: segments of an entry's bytes."""

    entry: Entry
    segments: deque[Segment]

    def next(self, limit: int) -> bytes:
        out: list[bytes] = []
        left = limit
        while self.segments and left:
            seg = self.segments[0]
            if isinstance(seg, bytes):
                part = seg[:left]
                if len(part) < len(seg):
                    self.segments[0] = seg[len(part) :]
                else:
                    self.segments.popleft()
            else:
                start, end = seg
                if start >= end:
                    self.segments.popleft()
                    continue
                part = self.entry.read(start, min(left, end - start))
                if not part:
                    raise OSError("cache blob shorter than its entry says")
                if start + len(part) < end:
                    self.segments[0] = (start + len(part), end)
                else:
                    self.segments.popleft()
            out.append(part)
            left -= len(part)
        return b"".join(out)


@dataclass(eq=False)
class _Upload:
    """A put whose body is still arriving."""

    store: CacheStore
    ns: str
    key: str
    stored: Stored
    stored_at: float
    sink: BlobSink | None = None


@dataclass(eq=False)
class _Open:
    worker: str
    request_id: int
    item: _Body | _Upload
    busy: bool = False
    dropped: bool = False
    last_used: float = field(default_factory=time.monotonic)

    def close(self) -> None:
        if isinstance(self.item, _Body):
            self.item.entry.close()
        elif self.item.sink is not None:
            self.item.sink.abort()


def _close_later(op: _Open) -> None:
    if isinstance(op.item, _Upload):
        asyncio.get_running_loop().run_in_executor(None, op.close)
    else:
        op.close()


_OPEN: HandleTable[_Open] = HandleTable("The cache body is no longer available.", _close_later)


def open_bodies() -> int:
    """How many bodies and uploads are open (for tests)."""
    return len(_OPEN)


def _add(call: HostCall, item: _Body | _Upload) -> int:
    return _OPEN.add(_Open(call.worker, call.request_id, item))


def _take(call: HostCall) -> tuple[int, _Open]:
    oid, op = _OPEN.take(call)
    if op.busy:
        raise HostError("Error", "The cache body is no longer available.")
    return oid, op


async def _using(oid: int, op: _Open, fn: Callable[[], T]) -> T:
    """Run `fn` in a thread with `op` marked busy; on failure `op` is closed."""
    op.busy = True
    try:
        return await asyncio.to_thread(fn)
    except BaseException:
        _OPEN.pop(oid)
        await asyncio.to_thread(op.close)
        raise
    finally:
        op.busy = False


def _args(call: HostCall) -> dict[str, Any]:
    if not isinstance(call.args, dict):
        raise HostError("TypeError", "cache: bad arguments")
    return call.args


def make_ops(store: CacheStore) -> dict[str, HostOp]:
    """The cache ops of one worker (every worker of a state directory shares `store`)."""

    async def match(call: HostCall) -> HostResult:
        args = _args(call)
        ns, key = str(args["ns"]), str(args["key"])
        req = {str(k): str(v) for k, v in (args.get("req") or {}).items()}

        def look() -> tuple[dict[str, Any], _Body, bytes] | None:
            now = time.time()
            entry = store.get(ns, key, now)
            if entry is None:
                return None
            try:
                ans = answer(
                    entry.status, entry.headers, entry.size, entry.age + now - entry.stored_at, req
                )
                body = _Body(entry, deque(ans.body))
                first = body.next(PIECE)
            except BaseException:
                entry.close()
                raise
            head = {"status": ans.status, "headers": ans.headers, "length": ans.length}
            return head, body, first

        found = await asyncio.to_thread(look)
        if found is None:
            return None, None
        head, body, first = found
        if body.segments:
            head.update(done=False, id=_add(call, body))
        else:
            body.entry.close()
            head.update(done=True, id=None)
        return head, first

    async def read(call: HostCall) -> HostResult:
        oid, op = _take(call)
        body = op.item
        if not isinstance(body, _Body):
            raise HostError("Error", "The cache body is no longer available.")
        piece = await _using(oid, op, lambda: body.next(PIECE))
        last = not body.segments
        if last or op.dropped:
            _OPEN.pop(oid)
            op.close()
        return last, piece

    async def cancel(call: HostCall) -> HostResult:
        op = _OPEN.cancel(call)
        if op is not None:
            await asyncio.to_thread(op.close)
        return None, None

    def commit(up: _Upload, size: int, body: bytes | None, blob: str | None) -> None:
        st = up.stored
        up.store.put(
            up.ns,
            up.key,
            status=st.status,
            headers=st.headers,
            size=size,
            body=body,
            blob=blob,
            stored_at=up.stored_at,
            age=st.age_s,
            expires_at=up.stored_at + st.ttl_s,
        )

    async def put(call: HostCall) -> HostResult:
        args = _args(call)
        ns, key = str(args["ns"]), str(args["key"])
        headers = combine_headers([str(h) for h in args.get("headers") or []])
        now = time.time()
        stored = store_decision(int(args["status"]), headers, bool(args.get("auth")), now * 1000)
        if stored is None:
            return {"stored": False}, None
        if stored.ttl_s <= 0:
            await asyncio.to_thread(store.delete, ns, key, now)
            return {"stored": False}, None
        first = call.payload or b""
        up = _Upload(store, ns, key, stored, now)
        if args.get("final"):
            await asyncio.to_thread(commit, up, len(first), first, None)
            return {"stored": True}, None
        up.sink = await asyncio.to_thread(store.sink)
        oid = _add(call, up)
        await put_piece(oid, _OPEN.get(oid), first, False)
        return {"id": oid}, None

    async def put_piece(oid: int, op: _Open, piece: bytes, final: bool) -> bool:
        up = op.item
        assert isinstance(up, _Upload)

        sink = up.sink
        assert sink is not None

        def step() -> bool:
            sink.feed(piece)
            if not final:
                return False
            commit(up, sink.finish(), None, sink.name)
            return True

        done = await _using(oid, op, step)
        if done or op.dropped:
            _OPEN.pop(oid)
            if not done:
                await asyncio.to_thread(op.close)
        return done

    async def put_next(call: HostCall) -> HostResult:
        oid, op = _take(call)
        if not isinstance(op.item, _Upload):
            raise HostError("Error", "The cache upload is no longer available.")
        done = await put_piece(oid, op, call.payload or b"", bool(call.args.get("final")))
        return ({"stored": True} if done else None), None

    async def put_abort(call: HostCall) -> HostResult:
        return await cancel(call)

    async def delete(call: HostCall) -> HostResult:
        args = _args(call)
        removed = await asyncio.to_thread(
            store.delete, str(args["ns"]), str(args["key"]), time.time()
        )
        return removed, None

    return {
        "cache.match": match,
        "cache.read": read,
        "cache.cancel": cancel,
        "cache.put": put,
        "cache.putNext": put_next,
        "cache.putAbort": put_abort,
        "cache.delete": delete,
    }
