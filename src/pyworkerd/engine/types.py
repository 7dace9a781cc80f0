"""What goes into a worker and what comes out of it, independent of HTTP and of V8."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pyworkerd.engine.hostops import HostOp, SyncOp, runtime_ops, runtime_sync_ops

__all__ = [
    "HostRequest",
    "HostResponse",
    "Invocation",
    "LogSink",
    "Outcome",
    "WebSocketLink",
    "WorkerFailure",
    "WorkerLoadError",
    "WorkerModule",
    "WorkerSpec",
]

Outcome = Literal["ok", "exception", "exceededCpu", "exceededMemory", "canceled", "neverResponds"]
ResponseBody = str | bytes | AsyncIterator[bytes] | None
RequestBody = bytes | AsyncIterator[bytes] | None
# (worker name, level, request id, text)
LogSink = Callable[[str, str, int, str], None]


@dataclass(frozen=True)
class WorkerModule:
    """A module the bundle requires at run time: wasm, text or data."""

    kind: Literal["wasm", "text", "data"]
    data: bytes


@dataclass(frozen=True)
class WorkerSpec:
    """Everything an isolate needs to run one worker."""

    name: str
    # A function expression `(function (module, exports, require) { <CJS bundle> })`.
    script: str
    source_url: str = "worker.js"
    modules: dict[str, WorkerModule] = field(default_factory=dict)
    vars: dict[str, Any] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    bindings: dict[str, dict[str, Any]] = field(default_factory=dict)
    heap_limit_mb: int = 128
    cpu_ms: int | None = 30_000
    # How long waitUntil work may run after the response (workerd: about 30 s).
    wait_until_s: float = 30.0
    # The host operations this worker's JS may call (the runtime's, plus its bindings').
    host_ops: Mapping[str, HostOp] = field(default_factory=runtime_ops)
    # The ops it may call synchronously (the runtime's, plus its bindings').
    sync_ops: Mapping[str, SyncOp] = field(default_factory=runtime_sync_ops)


@dataclass
class HostRequest:
    method: str
    url: str
    headers: list[str]  # flat: [name1, value1, name2, value2, ...]
    body: RequestBody = None
    # The named export that handles it (service bindings with `entrypoint`), and ctx.props.
    entrypoint: str | None = None
    props: Any = None
    # For a Durable Object: {ns, className, id, name} of the object that handles it.
    actor: dict[str, Any] | None = None


@dataclass(frozen=True)
class Invocation:
    """An event that is not an HTTP request: a handler kind ("scheduled", "queue", "rpc",
    "actor", "alarm", "ref" …) with JSON arguments, for an entrypoint or method `name`."""

    kind: str
    args: Any = None
    entrypoint: str | None = None
    name: str | None = None
    props: Any = None


@dataclass
class HostResponse:
    status: int
    status_text: str
    headers: list[tuple[str, str]]
    body: ResponseBody
    # For a streamed body: the byte count it is known to deliver, else None (chunked).
    length: int | None = None
    # For a 101 with a WebSocket: the worker's end of the connection.
    websocket: WebSocketLink | None = None
    # encodeBody: "manual": the body is already in its Content-Encoding. Otherwise, as
    # on workerd, the runtime encodes it (gzip, br) for the wire.
    encoded: bool = False
    # A local file that holds the whole body (an R2 object passed on unread): the front end
    # may send it directly (and must then close `body`).
    file: str | None = None


class WebSocketLink:
    """The host's end of a WebSocket whose other end the worker holds.

    `send`/`close` reach the worker as "message"/"close" events; what the worker sends
    comes out of `outgoing` as str, bytes, or a `(code, reason)` close.
    """

    def __init__(
        self, send: Callable[[str | bytes], None], close: Callable[[int, str], None]
    ) -> None:
        self.send = send
        self.close = close
        self.outgoing: asyncio.Queue[str | bytes | tuple[int, str]] = asyncio.Queue()


class WorkerFailure(Exception):
    """A request the worker could not answer: its outcome and the JS error, if any."""

    def __init__(
        self,
        outcome: Outcome,
        name: str,
        message: str,
        stack: str = "",
        pass_through: bool = False,
    ) -> None:
        super().__init__(f"{name}: {message}")
        self.outcome = outcome
        self.name = name
        self.message = message
        self.stack = stack
        self.pass_through = pass_through


class WorkerLoadError(Exception):
    """The worker's script failed at its top level (or did not compile)."""

    def __init__(self, worker: str, message: str, stack: str = "") -> None:
        super().__init__(message)
        self.worker = worker
        self.message = message
        self.stack = stack
