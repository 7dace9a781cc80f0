"""One V8 isolate running one worker, and the Python half of the batched bridge.

Every event for this isolate that arrives within one event-loop tick is sent in ONE
non-blocking call (``batch``), and a ``drain`` call is queued right behind it: mini-racer
runs tasks in order with a microtask checkpoint after each, so that drain collects all
that the batch finished synchronously. Results that finish later wake Python through an
empty notification, and Python queues another drain.

Limits: a watchdog measures how long the isolate has been busy without a break; past the
CPU limit, or when V8 reports its heap limit reached, the isolate is retired: its requests
fail with the Workers outcome (``exceededCpu`` / ``exceededMemory``) and it is closed on a
worker thread so the event loop never waits for it.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import os
import secrets
import time
import weakref
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from pyworkerd.engine.boot import BootedContext
from pyworkerd.engine.hostops import HostCall, HostError, request_finished
from pyworkerd.engine.native import JSEvalException, JSOOMException, JSTerminatedException
from pyworkerd.engine.protocol import BodyKind, Event, Message, RequestBodyMode
from pyworkerd.engine.types import (
    HostRequest,
    HostResponse,
    Invocation,
    LogSink,
    Outcome,
    WebSocketLink,
    WorkerFailure,
    WorkerLoadError,
    WorkerSpec,
)

__all__ = ["Isolate", "NotStarted", "isolate_by_key"]

STAGING_SIZE = 1 << 20  # must match 90_bridge.js
ENTROPY_BYTES = 32  # fresh os.urandom bytes at the end of staging for every batch
STAGING_ROOM = STAGING_SIZE - ENTROPY_BYTES
INLINE_BODY_MAX = 256 * 1024
CHUNK_MAX = 256 * 1024
INITIAL_CREDIT = 8  # must match 90_bridge.js

CPU_EXCEEDED = "Worker exceeded CPU time limit."
MEMORY_EXCEEDED = "Worker exceeded memory limit."
NEVER_RESPONDS = "The script will never generate a response."
STARTUP_EXCEEDED = "Script startup exceeded CPU time limit."
WAIT_UNTIL_EXPIRED = (
    "waitUntil() tasks did not complete within the allowed time after invocation end "
    "and have been cancelled."
)
STARTUP_LIMIT_S = 1.0


# Request ids are unique in the process (host ops key their state by worker and id).
_REQUEST_IDS = itertools.count(1)
# Live isolates by their unguessable key: RPC references name the isolate that owns the
# object they point at.
_LIVE: weakref.WeakValueDictionary[str, Isolate] = weakref.WeakValueDictionary()


def isolate_by_key(key: str) -> Isolate | None:
    """The live isolate with this key (RPC stubs of objects passed by reference)."""
    found = _LIVE.get(key)
    return None if found is None or found.dead else found


class NotStarted(Exception):
    """The isolate was retired before this request's handler ran: safe to run elsewhere."""


class _Exchange:
    """One request in flight inside this isolate."""

    __slots__ = (
        "batch_index",
        "batch_seq",
        "body_iter",
        "body_queue",
        "body_task",
        "chunks_acked",
        "chunks_received",
        "done",
        "head",
        "host_body",
        "retryable",
        "rid",
        "sent_at",
        "started",
    )

    def __init__(self, rid: int, loop: asyncio.AbstractEventLoop) -> None:
        self.rid = rid
        # The HostResponse of a request, or the JSON value answering an invocation.
        self.head: asyncio.Future[Any] = loop.create_future()
        self.done: asyncio.Future[None] = loop.create_future()
        self.body_queue: asyncio.Queue[bytes | BaseException | None] | None = None
        self.body_iter: AsyncIterator[bytes] | None = None
        self.body_task: asyncio.Task[None] | None = None
        self.chunks_received = 0
        self.chunks_acked = 0
        self.started = time.monotonic()
        self.batch_seq = 0  # the batch that carried the request to JS (0: not sent yet)
        self.batch_index = 0  # its position in that batch
        self.retryable = False  # its body can be sent again (none, or whole bytes)
        self.host_body = False  # its response body is read by the host (BodyKind.HOST)
        self.sent_at: float | None = None  # when the response was complete (waitUntil bound)


class _HostBody:
    """The async iterator of a BodyKind.HOST body: the first bytes, then what the op reads.
    `ended(finished)` runs exactly once: at the end, on an error, or when closed (even
    before the first chunk, which a plain async generator would skip)."""

    def __init__(
        self,
        first: bytes | None,
        op: Any,
        call: HostCall,
        ended: Callable[[bool], Awaitable[None]],
    ) -> None:
        self._first = first
        self._op = op  # None: the first bytes were all
        self._call = call
        self._ended: Callable[[bool], Awaitable[None]] | None = ended

    def __aiter__(self) -> _HostBody:
        return self

    async def __anext__(self) -> bytes:
        if self._first is not None:
            first, self._first = self._first, None
            return first
        while self._op is not None:
            try:
                value, data = await self._op(self._call)
            except HostError as exc:
                await self._end(False)
                raise WorkerFailure("exception", exc.name, exc.message) from None
            if value:
                self._op = None
            if data:
                return bytes(data)
        await self._end(True)
        raise StopAsyncIteration

    async def aclose(self) -> None:
        await self._end(self._op is None and self._first is None)

    async def _end(self, finished: bool) -> None:
        ended, self._ended = self._ended, None
        if ended is not None:
            await ended(finished)


class Isolate:
    """A warm V8 isolate for one worker; many requests may be in flight in it at once."""

    def __init__(
        self,
        spec: WorkerSpec,
        booted: BootedContext,
        *,
        log: LogSink,
        on_retire: Callable[[Isolate], None],
        enforce_limits: bool = True,
    ) -> None:
        self.spec = spec
        self._log = log
        self._on_retire = on_retire
        self._enforce = enforce_limits
        self.loop = asyncio.get_running_loop()
        self.created = time.monotonic()
        self.last_used = self.created
        self.dead = False
        self.retire_reason: Outcome | None = None
        self.key = secrets.token_hex(12)
        _LIVE[self.key] = self
        self._exchanges: dict[int, _Exchange] = {}
        self._events: list[list[Any]] = []
        self._flush_scheduled = False
        self._staging_busy = False
        # Posted tasks in order: (task id, `this` kept alive, callback id or None).
        self._outstanding: deque[tuple[int, Any, int | None]] = deque()
        self._batches_posted = 0
        self._busy_since: float | None = None
        self._drain_queued = False
        self._timers: dict[int, asyncio.TimerHandle] = {}
        self._host_calls: dict[int, asyncio.Task[None]] = {}
        self._websockets: dict[int, WebSocketLink] = {}
        self._watchdog: asyncio.TimerHandle | None = None
        self._sweeper: asyncio.TimerHandle | None = None

        self._booted = booted
        self.ctx = booted.ctx
        booted.on_notify = self._on_notify
        booted.on_sync = self._on_sync
        self._sync_buffer = booted.sync_buffer
        booted.on_drain = self._on_drain
        self._cb_drain = booted.cb_drain
        self._staging = booted.staging
        self._control = booted.control
        self._h_batch, self._h_drain = booted.h_batch, booted.h_drain
        self._h_argv, self._h_null = booted.h_argv, booted.h_null
        self.ctx.set_heap_limit(spec.heap_limit_mb * 1024 * 1024 if enforce_limits else None)

    @classmethod
    async def start(
        cls,
        spec: WorkerSpec,
        booted: BootedContext,
        *,
        log: LogSink,
        on_retire: Callable[[Isolate], None],
        enforce_limits: bool = True,
    ) -> Isolate:
        """Load the worker into a booted context; WorkerLoadError if its top level fails."""
        isolate = cls(spec, booted, log=log, on_retire=on_retire, enforce_limits=enforce_limits)
        try:
            await isolate._load()
        except BaseException:
            isolate.dead = True
            isolate.ctx.close()
            raise
        return isolate

    async def _load(self) -> None:
        ctx, spec = self.ctx, self.spec
        limit = STARTUP_LIMIT_S if self._enforce else None
        try:
            module_fn = await ctx.eval_async(spec.script + "\n//# sourceURL=" + spec.source_url)
            await asyncio.wait_for(
                ctx.call_async(self._booted.load_fn, module_fn, json.dumps(self._load_config())),
                limit,
            )
        except TimeoutError:
            raise WorkerLoadError(spec.name, STARTUP_EXCEEDED) from None
        except JSEvalException as exc:
            text = str(exc)
            raise WorkerLoadError(spec.name, text.splitlines()[0] if text else "", text) from None
        # Top-level console output of the worker: collect it now.
        self._post_drain()

    def _load_config(self) -> dict[str, Any]:
        spec = self.spec
        modules = {
            name: {
                "kind": m.kind,
                "data": m.data.decode("utf-8")
                if m.kind == "text"
                else base64.b64encode(m.data).decode(),
            }
            for name, m in spec.modules.items()
        }
        return {
            "name": spec.name,
            "vars": spec.vars,
            "secrets": spec.secrets,
            "bindings": spec.bindings,
            "modules": modules,
            "isolateKey": self.key,
        }

    # ------------------------------------------------------------------ requests
    @property
    def inflight(self) -> int:
        return len(self._exchanges)

    def busy_for(self) -> float:
        """Seconds the isolate thread has been busy without a break (0 when idle)."""
        return 0.0 if self._busy_since is None else time.monotonic() - self._busy_since

    async def fetch(self, request: HostRequest) -> tuple[HostResponse, asyncio.Future[None]]:
        """Run the worker's fetch handler; return the response and a future that settles
        when the request is over (body sent and every waitUntil promise settled)."""
        if self.dead:
            raise WorkerFailure(self.retire_reason or "canceled", "Error", "isolate retired")
        rid = next(_REQUEST_IDS)
        ex = _Exchange(rid, self.loop)
        self._exchanges[rid] = ex
        self.last_used = time.monotonic()
        body = request.body
        # [REQUEST, rid, method, url, headers, body mode, then staging offset and length
        # (filled in at flush; the inline bytes until then), and for a named entrypoint,
        # props (service bindings) or a Durable Object: the entrypoint's name, ctx.props
        # and the object's descriptor]
        event: list[Any] = [Event.REQUEST, rid, request.method, request.url, request.headers]
        if body is None:
            ex.retryable = True
            event += [RequestBodyMode.NONE, 0, 0]
        elif isinstance(body, bytes | bytearray | memoryview):
            ex.retryable = True
            if len(body) <= INLINE_BODY_MAX:
                event += [RequestBodyMode.INLINE, bytes(body), 0]
            else:
                ex.body_iter = _iterate(bytes(body))
                event += [RequestBodyMode.STREAM, 0, 0]
        else:
            ex.body_iter = body
            event += [RequestBodyMode.STREAM, 0, 0]
        if request.entrypoint is not None or request.props is not None or request.actor:
            event += [request.entrypoint, request.props, request.actor]
        self._queue(event)
        response = await ex.head
        return response, ex.done

    async def invoke(self, invocation: Invocation) -> tuple[Any, asyncio.Future[None]]:
        """Run a handler that is not `fetch` (scheduled, queue, an RPC method …).

        Returns the handler's JSON answer and a future that settles when the invocation is
        over (every waitUntil promise settled). A JS exception raises WorkerFailure.
        """
        if self.dead:
            raise WorkerFailure(self.retire_reason or "canceled", "Error", "isolate retired")
        rid = next(_REQUEST_IDS)
        ex = _Exchange(rid, self.loop)
        ex.retryable = True
        self._exchanges[rid] = ex
        self.last_used = time.monotonic()
        inv = invocation
        self._queue([Event.INVOKE, rid, inv.kind, inv.entrypoint, inv.name, inv.args, inv.props])
        value = await ex.head
        return value, ex.done

    def cancel(self, rid: int, reason: str = "The client disconnected.") -> None:
        if rid in self._exchanges and not self.dead:
            self._queue([Event.CANCEL, rid, reason])

    # ------------------------------------------------------------------ sending
    def _queue(self, event: list[Any]) -> None:
        self._events.append(event)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self.loop.call_soon(self._flush)

    def _flush(self) -> None:
        """Send every queued event in one batch through the staging buffer.

        One batch is in flight at a time: the staging buffer is JS's to read until the drain
        behind the batch has run, and events arriving meanwhile join the next batch.
        """
        self._flush_scheduled = False
        if self.dead or not self._events or self._staging_busy:
            return
        events = self._events
        send: list[list[Any]] = []
        offset = 0
        for i, ev in enumerate(events):
            data = _binary_of(ev)
            if data is not None:
                if offset + len(data) > STAGING_ROOM:
                    self._events = events[i:]
                    break
                self._staging[offset : offset + len(data)] = data
                ev = _place(ev, offset, len(data))
                offset += len(data)
            send.append(ev)
        else:
            self._events = []
        self._batches_posted += 1
        seq = self._batches_posted
        for index, ev in enumerate(send, 1):
            if ev[0] in (Event.REQUEST, Event.INVOKE):
                sent = self._exchanges.get(ev[1])
                if sent is not None:
                    sent.batch_seq, sent.batch_index = seq, index
        # [seq, event, event, ...]: JS records (seq, index) before handling each event.
        text = json.dumps([seq, *send], separators=(",", ":")).encode()
        control = self._control
        # Entropy for the runtime's CSPRNG (crypto.getRandomValues), reseeded per batch.
        self._staging[STAGING_ROOM:STAGING_SIZE] = os.urandom(ENTROPY_BYTES)
        if offset + len(text) <= STAGING_ROOM:
            # The usual way: the batch's JSON follows the binary payloads in staging.
            self._staging[offset : offset + len(text)] = text
            control[2], control[3] = offset, len(text)
            this = self._h_null
        else:  # an outsize batch: its JSON goes as a string
            control[3] = 0
            this = self.ctx.handle(text.decode())
        self._staging_busy = True
        # No callback: the drain queued right behind reports for both (tasks run in order).
        self._post(self._h_batch, this, None)
        # Right behind the batch: it collects what the batch finished synchronously.
        self._post_drain()

    def _queue_drain(self) -> None:
        """A drain for output produced after the last one (timers, streams, host results)."""
        if not self._drain_queued:
            self._post_drain()

    def _post_drain(self) -> None:
        self._drain_queued = True
        self._post(self._h_drain, self._h_null, self._cb_drain)

    def _post(self, fn: Any, this: Any, callback_id: int | None) -> None:
        if callback_id is None:
            task_id = self.ctx.post_call_silent(fn, this, self._h_argv)
        else:
            task_id = self.ctx.post_call(fn, this, self._h_argv, callback_id)
        if not self._outstanding:
            self._busy_since = time.monotonic()
            self._arm_watchdog()
        # Keep `this` alive until the task has run; None marks a task that reports nothing.
        self._outstanding.append((task_id, this, callback_id))

    def _drain_done(self) -> None:
        """The drain at the head of the queue ran, and every silent task before it."""
        while self._outstanding:
            _task, _this, callback_id = self._outstanding.popleft()
            if callback_id is not None:
                break
        self._busy_since = time.monotonic() if self._outstanding else None

    # ------------------------------------------------------------------ callbacks
    def _on_sync(self) -> None:
        """A synchronous host call, on the isolate's thread while its JS waits: the call's
        JSON is in the sync buffer, and the answer replaces it (90_bridge.js callSync)."""
        buf = self._sync_buffer
        head = buf[:16].cast("i")
        op_name, args, rid = json.loads(bytes(buf[16 : 16 + head[1]]))
        ok = 1
        try:
            op = self.spec.sync_ops.get(op_name)
            if op is None:
                raise HostError("TypeError", f"{op_name} is not available to this worker.")
            value = op(HostCall(op_name, args, None, self.spec.name, rid))
        except HostError as exc:
            ok, value = 0, {"name": exc.name, "message": exc.message}
        except Exception as exc:  # a bug in the op: the worker sees an Error, not a crash
            ok, value = 0, {"name": "Error", "message": f"{op_name} failed: {exc}"}
        data = json.dumps(value, separators=(",", ":")).encode()
        if len(data) > len(buf) - 16:
            ok = 0
            message = f"{op_name}: the answer ({len(data)} bytes) is too large for one call"
            data = json.dumps({"name": "RangeError", "message": message}).encode()
        buf[16 : 16 + len(data)] = data
        head[0], head[1] = ok, len(data)

    def _on_notify(self, _value: Any) -> None:
        if not self.dead:
            self._queue_drain()

    def _on_drain(self, value: Any) -> None:
        self._drain_done()
        self._drain_queued = False
        self._staging_busy = False
        failure = self.ctx.take_silent_failure()
        if self._check_fatal(failure if failure is not None else value):
            return
        if value:
            try:
                self._dispatch(value)
            except Exception as exc:  # a runtime bug: never leave requests hanging
                self._retire("exception", f"bridge failure: {exc!r}")
                return
        if self._events and not self._flush_scheduled:
            self._flush_scheduled = True
            self.loop.call_soon(self._flush)
        self._check_quiescent()

    def _check_fatal(self, value: Any) -> bool:
        if self.dead:
            return True
        if self._enforce and self.ctx.memory_limit_reached():
            self._retire("exceededMemory", MEMORY_EXCEEDED)
            return True
        if isinstance(value, JSOOMException):
            self._retire("exceededMemory", MEMORY_EXCEEDED)
            return True
        if isinstance(value, JSTerminatedException):
            self._retire(self.retire_reason or "exceededCpu", CPU_EXCEEDED)
            return True
        if isinstance(value, JSEvalException):
            self._retire("exception", f"runtime failure: {value}")
            return True
        return False

    # ------------------------------------------------------------------ messages
    def _dispatch(self, value: Any) -> None:
        if isinstance(value, str):
            records = json.loads(value)
            blobs: list[bytes] = []
        else:
            data = bytes(value)  # copy out of V8 memory at once
            n = int.from_bytes(data[:4], "little")
            records, lengths = json.loads(data[4 : 4 + n])
            blobs = []
            pos = 4 + n
            for length in lengths:
                blobs.append(data[pos : pos + length])
                pos += length
        for rec in records:
            self._handle(rec, blobs)

    def _handle(self, rec: list[Any], blobs: list[bytes]) -> None:
        code = rec[0]
        if code == Message.LOG:
            self._log(self.spec.name, rec[1], rec[2], rec[3])
            return
        if code == Message.TIMER_SET:
            timer_id = rec[1]
            old = self._timers.pop(timer_id, None)
            if old is not None:
                old.cancel()
            self._timers[timer_id] = self.loop.call_later(rec[2] / 1000, self._fire_timer, timer_id)
            return
        if code == Message.TIMER_CLEAR:
            handle = self._timers.pop(rec[1], None)
            if handle is not None:
                handle.cancel()
            return
        if code == Message.HOST_CALL:
            payload = None if rec[5] is None else blobs[rec[5]]
            rid = rec[2]
            if rid == 0 and len(self._exchanges) == 1:
                # JS cannot tell which request a call after an `await` belongs to; with
                # one request in flight, it is that one.
                rid = next(iter(self._exchanges))
            call = HostCall(rec[3], rec[4], payload, self.spec.name, rid)
            task = self.loop.create_task(self._run_host_call(rec[1], call))
            self._host_calls[rec[1]] = task
            return
        if code == Message.WS_SEND:
            link = self._websockets.get(rec[1])
            if link is not None:
                link.outgoing.put_nowait(rec[3] if rec[2] == 0 else blobs[rec[3]])
            return
        if code == Message.WS_CLOSE:
            # The worker closed: the connection ends, and its own "close" event follows.
            link = self._websockets.get(rec[1])
            if link is not None:
                link.close(rec[2], rec[3])
            return
        ex = self._exchanges.get(rec[1])
        if ex is None:
            return
        if code == Message.HEAD:
            self._on_head(ex, rec, blobs)
        elif code == Message.RESULT:
            if not ex.head.done():
                ex.head.set_result(rec[2])
            self._response_sent(ex)
        elif code == Message.CHUNK:
            ex.chunks_received += 1
            if ex.body_queue is not None:
                ex.body_queue.put_nowait(blobs[rec[2]])
        elif code == Message.END:
            self._response_sent(ex)
            if ex.body_queue is not None:
                ex.body_queue.put_nowait(None)
        elif code == Message.STREAM_ERROR:
            self._response_sent(ex)
            if ex.body_queue is not None:
                info = rec[2]
                ex.body_queue.put_nowait(
                    WorkerFailure("exception", info["name"], info["message"], info["stack"])
                )
        elif code == Message.FAIL:
            info = rec[2]
            if not ex.head.done():
                ex.head.set_exception(
                    WorkerFailure(
                        "exception", info["name"], info["message"], info["stack"], bool(rec[3])
                    )
                )
        elif code == Message.BODY_PULL:
            if ex.body_iter is not None and ex.body_task is None:
                ex.body_task = self.loop.create_task(self._read_body(ex))
        elif code == Message.DONE:
            self._finish(ex)

    def _on_head(self, ex: _Exchange, rec: list[Any], blobs: list[bytes]) -> None:
        status, status_text, flat, kind, payload = rec[2], rec[3], rec[4], rec[5], rec[6]
        headers = [(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]
        body: Any
        if kind == BodyKind.STRING:
            body = payload
        elif kind == BodyKind.BYTES:
            body = blobs[payload]
        elif kind == BodyKind.STREAM:
            ex.body_queue = asyncio.Queue()
            body = self._stream_body(ex)
        elif kind == BodyKind.HOST:
            ex.host_body = True
            body = self._host_body(ex, payload, blobs)
        else:
            body = None
        length = rec[7] if kind in (BodyKind.STREAM, BodyKind.HOST) else None
        link = self._open_websocket(rec[8], ex.rid) if rec[8] is not None else None
        file = payload[5] if kind == BodyKind.HOST else None
        response = HostResponse(status, status_text, headers, body, length, link, rec[9] == 1, file)
        if not ex.head.done():
            ex.head.set_result(response)
        if kind not in (BodyKind.STREAM, BodyKind.HOST) and link is None:
            self._response_sent(ex)

    def _open_websocket(self, wsid: int, rid: int) -> WebSocketLink:
        def send(data: str | bytes) -> None:
            if not self.dead:
                if isinstance(data, str):
                    self._queue([Event.WS_MESSAGE, wsid, 0, data])
                else:
                    self._queue([Event.WS_MESSAGE, wsid, 1, data])

        def close(code: int, reason: str) -> None:
            """Either side closed: end the connection and tell the worker."""
            if self._websockets.pop(wsid, None) is not None:
                link.outgoing.put_nowait((code, reason))
                if not self.dead:
                    self._queue([Event.WS_CLOSE, wsid, code, reason, code != 1006, rid])

        link = WebSocketLink(send, close)
        self._websockets[wsid] = link
        return link

    def _response_sent(self, ex: _Exchange) -> None:
        """From here on only waitUntil work keeps the request alive, and only so long.

        Most requests are done in the same drain; one sweep per isolate catches the rest,
        so no timer is made per request.
        """
        if ex.sent_at is None:
            ex.sent_at = time.monotonic()
            if self._sweeper is None:
                self._sweeper = self.loop.call_later(self.spec.wait_until_s, self._sweep)

    def _sweep(self) -> None:
        self._sweeper = None
        if self.dead:
            return
        deadline = time.monotonic() - self.spec.wait_until_s
        waiting = False
        for ex in list(self._exchanges.values()):
            if ex.sent_at is None:
                continue
            if ex.sent_at <= deadline:
                self._log(self.spec.name, "warn", ex.rid, WAIT_UNTIL_EXPIRED)
                self._queue([Event.FORGET, ex.rid])
                self._finish(ex)
            else:
                waiting = True
        if waiting:
            self._sweeper = self.loop.call_later(self.spec.wait_until_s / 4, self._sweep)

    async def _stream_body(self, ex: _Exchange) -> AsyncIterator[bytes]:
        queue = ex.body_queue
        assert queue is not None
        try:
            while True:
                item = await queue.get()
                if item is None:
                    return
                if isinstance(item, BaseException):
                    raise item
                ex.chunks_acked += 1
                if not self.dead and ex.rid in self._exchanges:
                    self._queue([Event.CREDIT, ex.rid, 1])
                yield item
        finally:
            if ex.rid in self._exchanges and not ex.done.done():
                # The consumer went away before the end: cancel the stream in JS.
                self.cancel(ex.rid)

    def _host_body(self, ex: _Exchange, source: list[Any], blobs: list[bytes]) -> _HostBody:
        """A binding's body the worker passed on unread: read from its host op directly,
        never through JS (the op answers (done?, bytes)); when it ends or is dropped, even
        unread, the request hears it (HOST_BODY_DONE) and an unfinished source is cancelled."""
        op_name, args, cancel_name, first, done, _file = source
        call = HostCall(op_name, args, None, self.spec.name, ex.rid)

        async def ended(finished: bool) -> None:
            if not finished and cancel_name is not None:
                cancel = self.spec.host_ops.get(cancel_name)
                if cancel is not None:
                    with contextlib.suppress(Exception):
                        await cancel(HostCall(cancel_name, args, None, self.spec.name, ex.rid))
            ex.host_body = False
            self._response_sent(ex)
            if not self.dead and ex.rid in self._exchanges:
                self._queue([Event.HOST_BODY_DONE, ex.rid])

        return _HostBody(
            blobs[first] if first is not None else None,
            None if done else self.spec.host_ops.get(op_name),
            call,
            ended,
        )

    async def _read_body(self, ex: _Exchange) -> None:
        assert ex.body_iter is not None
        try:
            chunk = await anext(ex.body_iter, None)
        except Exception as exc:
            if not self.dead:
                self._queue([Event.BODY_ERROR, ex.rid, f"request body failed: {exc}"])
            ex.body_task = None
            return
        ex.body_task = None
        if self.dead or ex.rid not in self._exchanges:
            return
        if chunk is None:
            ex.body_iter = None
            self._queue([Event.BODY_END, ex.rid])
            return
        for piece in _split(chunk):
            self._queue([Event.BODY_CHUNK, ex.rid, piece])

    async def _run_host_call(self, call_id: int, call: HostCall) -> None:
        """Run one host op; its result (or error) goes back to JS in the next batch."""
        try:
            op = self.spec.host_ops.get(call.op)
            if op is None:
                raise HostError("TypeError", f"{call.op} is not available to this worker.")
            value, data = await op(call)
            if data is not None and len(data) > CHUNK_MAX:
                raise HostError("RangeError", f"{call.op}: result too large for one piece")
            event: list[Any] = [Event.HOST_RESULT, call_id, 1, value, data]
        except HostError as exc:
            event = [
                Event.HOST_RESULT,
                call_id,
                0,
                {"name": exc.name, "message": exc.message},
                None,
            ]
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug in an op: the worker sees an Error, we log it
            self._log(
                self.spec.name, "error", call.request_id, f"host op {call.op} failed: {exc!r}"
            )
            event = [
                Event.HOST_RESULT,
                call_id,
                0,
                {"name": "Error", "message": "internal error"},
                None,
            ]
        finally:
            self._host_calls.pop(call_id, None)
        if not self.dead:
            self._queue(event)

    def _fire_timer(self, timer_id: int) -> None:
        if self._timers.pop(timer_id, None) is not None and not self.dead:
            self._queue([Event.TIMER, timer_id])

    def _finish(self, ex: _Exchange) -> None:
        self._exchanges.pop(ex.rid, None)
        request_finished(self.spec.name, ex.rid)
        if not ex.head.done():
            ex.head.set_exception(WorkerFailure("neverResponds", "Error", NEVER_RESPONDS))
        if not ex.done.done():
            ex.done.set_result(None)
        self.last_used = time.monotonic()

    def _check_quiescent(self) -> None:
        """Nothing left that could ever wake JS: requests still waiting will never finish."""
        if (
            self.dead
            or self._outstanding
            or self._events
            or self._timers
            or self._host_calls
            or self._websockets
            or not self._exchanges
        ):
            return
        for ex in list(self._exchanges.values()):
            if (
                ex.body_task is not None
                or ex.host_body
                or (ex.body_iter is not None and not ex.head.done())
            ):
                continue
            if not ex.head.done():
                ex.head.set_exception(WorkerFailure("neverResponds", "Error", NEVER_RESPONDS))
                self._queue([Event.CANCEL, ex.rid, NEVER_RESPONDS])
            elif ex.body_queue is not None:
                credit = INITIAL_CREDIT + ex.chunks_acked - ex.chunks_received
                if credit > 0 and ex.body_queue.empty():
                    ex.body_queue.put_nowait(
                        WorkerFailure("neverResponds", "Error", NEVER_RESPONDS)
                    )
                    self._queue([Event.CANCEL, ex.rid, NEVER_RESPONDS])
                continue
            else:
                # Response sent; waitUntil promises that can never settle are dropped.
                self._finish(ex)

    # ------------------------------------------------------------------ limits
    def _arm_watchdog(self) -> None:
        if not self._enforce or self.spec.cpu_ms is None or self._watchdog is not None:
            return
        self._watchdog = self.loop.call_later(self.spec.cpu_ms / 1000, self._check_watchdog)

    def _check_watchdog(self) -> None:
        self._watchdog = None
        if self.dead or self._busy_since is None or self.spec.cpu_ms is None:
            return
        limit = self.spec.cpu_ms / 1000
        busy = time.monotonic() - self._busy_since
        if busy >= limit:
            self._retire("exceededCpu", CPU_EXCEEDED)
        else:
            self._watchdog = self.loop.call_later(limit - busy, self._check_watchdog)

    def _retire(self, outcome: Outcome, message: str) -> None:
        """Stop this isolate for good: fail what is in flight, close it off-loop."""
        if self.dead:
            return
        self.dead = True
        self.retire_reason = outcome
        if outcome in ("exceededCpu", "exceededMemory"):
            self._log(
                self.spec.name,
                "error",
                0,
                f"{message} (outcome: {outcome}); the isolate was replaced",
            )
        # How far JS got: the (batch, event) it was handling last. Later events never ran.
        reached = (self._control[0], self._control[1])
        for ex in list(self._exchanges.values()):
            failure = WorkerFailure(outcome, "Error", message)
            never_ran = ex.batch_seq == 0 or (ex.batch_seq, ex.batch_index) > reached
            if not ex.head.done() and never_ran and ex.retryable:
                ex.head.set_exception(NotStarted())
            elif not ex.head.done():
                ex.head.set_exception(failure)
            elif ex.body_queue is not None:
                ex.body_queue.put_nowait(failure)
            if ex.body_task is not None:
                ex.body_task.cancel()
            if not ex.done.done():
                ex.done.set_result(None)
            request_finished(self.spec.name, ex.rid)
        self._exchanges.clear()
        for handle in self._timers.values():
            handle.cancel()
        self._timers.clear()
        for task in self._host_calls.values():
            task.cancel()
        self._host_calls.clear()
        for link in self._websockets.values():
            link.outgoing.put_nowait((1011, message))
        self._websockets.clear()
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        for task_id, _this, _callback in self._outstanding:
            self.ctx.cancel(task_id)
        self._outstanding.clear()
        self._on_retire(self)
        # On the loop thread: mini-racer crashes when a context is freed from another
        # thread. Usually ~1-6 ms; ~80 ms when the runaway spins inside a microtask.
        self.ctx.close()

    def close(self) -> None:
        """Retire an idle isolate (eviction, reload, shutdown)."""
        if not self.dead:
            self._retire("canceled", "The worker was stopped.")


def _host_failure(call_id: int, name: str, message: str) -> list[Any]:
    return [Event.HOST_RESULT, call_id, 0, {"name": name, "message": message}, None]


def _binary_of(ev: list[Any]) -> bytes | None:
    if ev[0] == Event.WS_MESSAGE and ev[2] == 1:
        frame: bytes = ev[3]
        return frame
    if ev[0] == Event.HOST_RESULT:
        result: bytes | None = ev[4]
        return result
    if ev[0] == Event.REQUEST and ev[5] == RequestBodyMode.INLINE:
        data: bytes = ev[6]
        return data
    if ev[0] == Event.BODY_CHUNK:
        chunk: bytes = ev[2]
        return chunk
    return None


def _place(ev: list[Any], offset: int, length: int) -> list[Any]:
    if ev[0] == Event.REQUEST:
        return [*ev[:6], offset, length, *ev[8:]]
    if ev[0] == Event.HOST_RESULT:
        return [*ev[:4], offset, length]
    if ev[0] == Event.WS_MESSAGE:
        return [ev[0], ev[1], 1, offset, length]
    return [ev[0], ev[1], offset, length]


def _split(data: bytes) -> list[bytes]:
    """Pieces no larger than CHUNK_MAX, so each fits the staging buffer."""
    return [data[i : i + CHUNK_MAX] for i in range(0, len(data), CHUNK_MAX)]


async def _iterate(data: bytes) -> AsyncIterator[bytes]:
    """A whole body too large to inline, streamed in pieces."""
    for piece in _split(data):
        yield piece
