"""Host operations behind client WebSockets: `new WebSocket(url)` and `fetch()` with
`Upgrade: websocket`, through aiohttp's WebSocket client.

One connection is a state in `_SOCKETS`, keyed by an id the worker's JS gets from
`websocket.connect`; every op checks that the id belongs to the calling worker.

Protocol (JS side in js/80_websocket.js):

- ``websocket.connect`` args ``{url, protocols: [str], headers: [k1, v1, ...], mode:
  "socket"|"fetch"}``. Counts one subrequest, opens the connection and returns ``{id,
  protocol, extensions, status: 101, statusText, headers}`` (``protocol`` and
  ``extensions`` null when the server chose none). In ``"fetch"`` mode a server that answers
  without upgrading gives ``{id: null, status, statusText, headers}`` (its body is not
  kept); in ``"socket"`` mode that is workerd's TypeError.
- ``websocket.send`` args ``[id, text]`` (a text frame), or ``id`` with the bytes as payload
  (a binary frame). Frames go out in the order of the calls; resolves at once.
- ``websocket.receive`` args ``id``: waits for the next event and returns it. The first
  call starts reading (so frames that arrive before `accept()` wait in the socket).
  Values: ``{kind: "text", data}``; ``{kind: "text"|"binary", size}`` with the first piece
  of the message as payload, followed (when ``size`` is larger) by ``{kind: "part"}``
  pieces; ``{kind: "close", code, reason, clean}`` (the last one); ``{kind: "error",
  message}`` (the last one).
- ``websocket.close`` args ``[id, code, reason]``: queue a Close frame behind the frames
  already sent. The "close" event follows once the server answered it (or gave up).

A connection ends with its request (``on_request_finished``: a Close 1001 "Going away" is
sent) and with the server (``on_shutdown``).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import aiohttp
from multidict import CIMultiDict
from yarl import URL

from pyworkerd.engine.hostops import (
    HostCall,
    HostError,
    HostResult,
    on_request_finished,
    on_shutdown,
    runtime_op,
)
from pyworkerd.engine.types import HostResponse, WebSocketLink
from pyworkerd.runtime import fetch as _fetch

__all__ = [
    "CLOSE_TIMEOUT_S",
    "MAX_MESSAGE_SIZE",
    "close_all",
    "open_linked",
    "open_sockets",
    "release_request",
]

MAX_MESSAGE_SIZE = 1 << 20  # workerd's limit on one incoming message (1 MiB)
CLOSE_TIMEOUT_S = 10.0  # how long a Close waits for the server's Close
PIECE = _fetch.CHUNK_MAX  # bytes of one host result
TEXT_INLINE = PIECE // 4  # text up to this many characters goes in the JSON value
INBOX = 16  # events read ahead of the worker; past it the socket is not read (backpressure)
GOING_AWAY = 1001

NOT_101 = (
    "Failed to establish the WebSocket connection: expected server to reply with HTTP status "
    "code 101 (switching protocols), but received {status} instead."
)
DISCONNECTED = "WebSocket disconnected without sending Close frame."
# Headers of the handshake that the client itself sets: a worker's own values are dropped.
HANDSHAKE_HEADERS = frozenset(
    {
        "upgrade",
        "connection",
        "sec-websocket-key",
        "sec-websocket-version",
        "sec-websocket-extensions",
        "sec-websocket-protocol",
        "content-length",
        "transfer-encoding",
    }
)

Event = tuple[dict[str, Any], bytes | None]


class _LinkedSocket:
    """The part of aiohttp's client WebSocket that _Socket uses, over a WebSocketLink: the
    connection to a WebSocket that another worker of this runtime answered with."""

    protocol: str | None = None

    def __init__(self, link: WebSocketLink) -> None:
        self._link = link
        self.closed = False
        self.close_code: int | None = None

    async def receive(self) -> aiohttp.WSMessage:
        item = await self._link.outgoing.get()
        if isinstance(item, str):
            return aiohttp.WSMessage(aiohttp.WSMsgType.TEXT, item, None)
        if isinstance(item, bytes | bytearray):
            return aiohttp.WSMessage(aiohttp.WSMsgType.BINARY, bytes(item), None)
        self.closed = True
        self.close_code = item[0]
        return aiohttp.WSMessage(aiohttp.WSMsgType.CLOSE, item[0], item[1])

    async def send_str(self, data: str) -> None:
        self._link.send(data)

    async def send_bytes(self, data: bytes) -> None:
        self._link.send(data)

    async def close(self, *, code: int = 1000, message: bytes = b"") -> bool:
        if not self.closed:
            self.closed = True
            self.close_code = code
            self._link.close(code, message.decode("utf-8", "replace"))
        return True


@dataclass(eq=False)
class _Socket:
    id: int
    worker: str
    request_id: int
    ws: aiohttp.ClientWebSocketResponse | _LinkedSocket
    inbox: asyncio.Queue[Event] = field(default_factory=asyncio.Queue)
    room: asyncio.Event = field(default_factory=asyncio.Event)
    outbox: asyncio.Queue[tuple[str, Any]] = field(default_factory=asyncio.Queue)
    reader: asyncio.Task[None] | None = None
    writer: asyncio.Task[None] | None = None
    ended: bool = False  # the last event (close or error) is in the inbox
    close_queued: bool = False
    released: bool = False

    def start_reading(self) -> None:
        if self.reader is None and not self.ended:
            self.reader = asyncio.get_running_loop().create_task(_read(self))

    def start_writing(self) -> None:
        if self.writer is None:
            self.writer = asyncio.get_running_loop().create_task(_write(self))

    def end(self, event: dict[str, Any]) -> None:
        """Queue the last event (once)."""
        if self.ended:
            return
        self.ended = True
        self.inbox.put_nowait((event, None))

    async def release(self, code: int = GOING_AWAY) -> None:
        """Close the connection (its request or the server is over) and forget it."""
        if self.released:
            return
        self.released = True
        _SOCKETS.pop(self.id, None)
        self.end({"kind": "close", "code": 1006, "reason": DISCONNECTED, "clean": False})
        if self.reader is not None:
            self.reader.cancel()
        if self.writer is not None and self.close_queued:
            # The worker's own Close is on its way: let it go out first.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(self.writer), CLOSE_TIMEOUT_S)
        if self.writer is not None:
            self.writer.cancel()
        if not self.ws.closed:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(code=code), CLOSE_TIMEOUT_S)


_SOCKETS: dict[int, _Socket] = {}
_IDS = itertools.count(1)
_TASKS: set[asyncio.Task[None]] = set()


def open_sockets() -> int:
    """How many connections are open (for tests and stats)."""
    return len(_SOCKETS)


def _spawn(coro: Any) -> None:
    task = asyncio.get_running_loop().create_task(coro)
    _TASKS.add(task)
    task.add_done_callback(_TASKS.discard)


def release_request(worker: str, request_id: int) -> None:
    """The request is over: close its connections."""
    mine = [s for s in _SOCKETS.values() if s.worker == worker and s.request_id == request_id]
    for state in mine:
        _spawn(state.release())


async def close_all() -> None:
    """Close every connection (server shutdown)."""
    states = list(_SOCKETS.values())
    if states:
        await asyncio.gather(*(s.release() for s in states), return_exceptions=True)


def _state(call: HostCall) -> _Socket:
    socket_id = call.args[0] if isinstance(call.args, list) else call.args
    state = _SOCKETS.get(socket_id) if isinstance(socket_id, int) else None
    if state is None or state.worker != call.worker:
        raise HostError("TypeError", "This WebSocket is closed.")
    return state


# ------------------------------------------------------------------------- reading
async def _put(state: _Socket, event: Event) -> None:
    """Queue a message event, waiting while the worker is INBOX events behind."""
    while state.inbox.qsize() >= INBOX:
        state.room.clear()
        await state.room.wait()
    state.inbox.put_nowait(event)


async def _deliver(state: _Socket, kind: str, data: str | bytes) -> None:
    if isinstance(data, str):
        if len(data) <= TEXT_INLINE:
            await _put(state, ({"kind": "text", "data": data}, None))
            return
        data = data.encode("utf-8", "surrogatepass")
    size = len(data)
    await _put(state, ({"kind": kind, "size": size}, data[:PIECE]))
    for start in range(PIECE, size, PIECE):
        await _put(state, ({"kind": "part"}, data[start : start + PIECE]))


async def _read(state: _Socket) -> None:
    ws = state.ws
    try:
        while True:
            msg = await ws.receive()
            if msg.type is aiohttp.WSMsgType.TEXT:
                await _deliver(state, "text", msg.data)
            elif msg.type is aiohttp.WSMsgType.BINARY:
                await _deliver(state, "binary", msg.data)
            elif msg.type is aiohttp.WSMsgType.CLOSE:
                # aiohttp has answered it (autoclose).
                code = msg.data or 1005
                state.end({"kind": "close", "code": code, "reason": msg.extra or "", "clean": True})
                return
            elif msg.type is aiohttp.WSMsgType.CLOSING:
                return  # our own Close broke the read: _write reports the outcome
            elif msg.type is aiohttp.WSMsgType.ERROR:
                state.end({"kind": "error", "message": str(msg.data)})
                return
            else:  # CLOSED: the connection went away
                if not state.close_queued:
                    state.end(
                        {"kind": "close", "code": 1006, "reason": DISCONNECTED, "clean": False}
                    )
                return
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        state.end({"kind": "error", "message": str(exc) or _fetch.NETWORK_LOST})


# ------------------------------------------------------------------------- writing
async def _write(state: _Socket) -> None:
    ws = state.ws
    while True:
        kind, data = await state.outbox.get()
        try:
            if kind == "text":
                await ws.send_str(data)
            elif kind == "binary":
                await ws.send_bytes(data)
            else:
                code, reason = data
                await ws.close(code=code, message=reason.encode("utf-8"))
                closed_code = ws.close_code or 1005
                clean = closed_code != 1006
                state.end(
                    {
                        "kind": "close",
                        "code": closed_code,
                        "reason": "" if clean else DISCONNECTED,
                        "clean": clean,
                    }
                )
                return
        except asyncio.CancelledError:
            raise
        except Exception:
            # The connection is gone: the reader reports how; later frames are dropped
            # (workerd ignores send() on a connection that went away).
            if state.close_queued:
                state.end({"kind": "close", "code": 1006, "reason": DISCONNECTED, "clean": False})
            return


# ------------------------------------------------------------------------- ops
def _flat_headers(raw: Any) -> list[tuple[str, str]]:
    if not isinstance(raw, list) or len(raw) % 2:
        raise HostError("TypeError", "WebSocket: bad headers")
    return [(str(raw[i]), str(raw[i + 1])) for i in range(0, len(raw), 2)]


def _head(response: aiohttp.ClientResponse | None, status: int) -> dict[str, Any]:
    flat: list[str] = []
    reason = ""
    if response is not None:
        reason = response.reason or ""
        for name, value in response.raw_headers:
            flat.append(name.decode("latin-1"))
            flat.append(value.decode("latin-1"))
    return {"status": status, "statusText": reason, "headers": flat}


@runtime_op("websocket.connect")
async def connect(call: HostCall) -> HostResult:
    args = call.args
    if not isinstance(args, dict):
        raise HostError("TypeError", "WebSocket: bad arguments")
    mode = "fetch" if args.get("mode") == "fetch" else "socket"
    raw_url = str(args.get("url", ""))
    try:
        url = URL(raw_url)
    except ValueError as exc:
        raise HostError("TypeError", f"Fetch API cannot load: {raw_url}") from exc
    if url.scheme not in ("http", "https", "ws", "wss") or not url.host:
        raise HostError("TypeError", f"Fetch API cannot load: {raw_url}")
    _fetch._count_subrequest(call)
    protocols = [str(p) for p in args.get("protocols") or []]
    headers: CIMultiDict[str] = CIMultiDict()
    for name, value in _flat_headers(args.get("headers", [])):
        lower = name.lower()
        if lower == "sec-websocket-protocol" and not protocols:
            protocols = [p.strip() for p in value.split(",") if p.strip()]
        if lower not in HANDSHAKE_HEADERS:
            headers.add(name, value)
    session = _fetch._get_session()
    try:
        ws = await session.ws_connect(
            url,
            protocols=protocols,
            headers=headers,
            autoclose=True,
            autoping=True,
            compress=0,  # workerd offers no permessage-deflate without its compat flag
            max_msg_size=MAX_MESSAGE_SIZE,
            timeout=aiohttp.ClientWSTimeout(ws_receive=None, ws_close=CLOSE_TIMEOUT_S),
        )
    except asyncio.CancelledError:
        raise
    except aiohttp.WSServerHandshakeError as exc:
        if exc.status == 101:
            raise HostError("Error", _fetch.NETWORK_LOST) from exc
        if mode == "socket":
            raise HostError("TypeError", NOT_101.format(status=exc.status)) from exc
        flat: list[str] = []
        for name, value in (exc.headers or {}).items():
            flat += [name, value]
        try:
            phrase = HTTPStatus(exc.status).phrase
        except ValueError:
            phrase = ""
        return {"id": None, "status": exc.status, "statusText": phrase, "headers": flat}, None
    except aiohttp.InvalidURL as exc:
        raise HostError("TypeError", f"Fetch API cannot load: {raw_url}") from exc
    except (aiohttp.ClientError, OSError) as exc:
        raise HostError("Error", _fetch.NETWORK_LOST) from exc
    state = _Socket(id=next(_IDS), worker=call.worker, request_id=call.request_id, ws=ws)
    _SOCKETS[state.id] = state
    response: aiohttp.ClientResponse | None = getattr(ws, "_response", None)
    extensions = response.headers.get("Sec-WebSocket-Extensions") if response else None
    result: dict[str, Any] = {
        "id": state.id,
        "protocol": ws.protocol,
        "extensions": extensions,
        **_head(response, 101),
    }
    return result, None


def open_linked(call: HostCall, response: HostResponse) -> HostResult:
    """The answer of `websocket.connect` for a connection to another worker of this runtime
    (a binding's fetch() with `Upgrade: websocket`): its response, and its socket if 101."""
    flat: list[str] = []
    for name, value in response.headers:
        flat += [name, value]
    head = {"status": response.status, "statusText": response.status_text, "headers": flat}
    if response.websocket is None:
        return {"id": None, **head}, None
    state = _Socket(
        id=next(_IDS),
        worker=call.worker,
        request_id=call.request_id,
        ws=_LinkedSocket(response.websocket),
    )
    _SOCKETS[state.id] = state
    return {"id": state.id, "protocol": None, "extensions": None, **head}, None


@runtime_op("websocket.send")
async def send(call: HostCall) -> HostResult:
    state = _state(call)
    if state.close_queued or state.released or state.ended:
        return False, None
    if isinstance(call.args, list):
        state.outbox.put_nowait(("text", str(call.args[1])))
    else:
        state.outbox.put_nowait(("binary", call.payload or b""))
    state.start_writing()
    return True, None


@runtime_op("websocket.receive")
async def receive(call: HostCall) -> HostResult:
    state = _state(call)
    state.start_reading()
    event = await state.inbox.get()
    state.room.set()
    if event[0].get("kind") in ("close", "error"):
        _SOCKETS.pop(state.id, None)
        if not state.released:
            _spawn(state.release())
    return event


@runtime_op("websocket.close")
async def close(call: HostCall) -> HostResult:
    state = _state(call)
    args = call.args
    if not isinstance(args, list) or len(args) < 3:
        raise HostError("TypeError", "WebSocket: bad arguments")
    if not state.close_queued and not state.released:
        state.close_queued = True
        code = int(args[1])
        # 1005 ("no code") cannot go on the wire through aiohttp: a plain Close 1000.
        state.outbox.put_nowait(("close", (1000 if code == 1005 else code, str(args[2]))))
        state.start_writing()
    return None, None


on_request_finished(release_request)
on_shutdown(close_all)
