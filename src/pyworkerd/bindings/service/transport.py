"""The fetch exchange's transport to another worker of this process (service bindings).

The request goes to the target's isolates as a HostRequest; its HostResponse is adapted to
what runtime/fetch.py reads from a network response (status, raw headers, a body reader).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from typing import Any

from multidict import CIMultiDict
from yarl import URL

from pyworkerd.engine.hostops import HostCall, HostResult
from pyworkerd.engine.services import ServiceTarget
from pyworkerd.engine.types import HostRequest, HostResponse, WorkerFailure
from pyworkerd.runtime.fetch import ResponseLike, Transport
from pyworkerd.runtime.rpc import host_error_of
from pyworkerd.runtime.websocket import open_linked

__all__ = ["service_transport", "service_websocket"]


class _Body:
    """A HostResponse body read the way aiohttp's StreamReader is."""

    def __init__(self, body: Any) -> None:
        self._buffer = bytearray()
        self._chunks: AsyncIterator[bytes] | None = None
        self._eof = False
        if isinstance(body, str):
            self._buffer += body.encode()
            self._eof = True
        elif isinstance(body, bytes | bytearray | memoryview):
            self._buffer += body
            self._eof = True
        elif body is None:
            self._eof = True
        else:
            self._chunks = body

    def _take(self, n: int) -> bytes:
        size = len(self._buffer) if n < 0 else min(n, len(self._buffer))
        out = bytes(self._buffer[:size])
        del self._buffer[:size]
        return out

    async def read(self, n: int = -1) -> bytes:
        while not self._buffer and not self._eof:
            assert self._chunks is not None
            try:
                self._buffer += await anext(self._chunks)
            except StopAsyncIteration:
                self._eof = True
        return self._take(n)

    def read_nowait(self, n: int = -1) -> bytes:
        return self._take(n)

    def at_eof(self) -> bool:
        return self._eof and not self._buffer

    async def close(self) -> None:
        self._eof = True
        self._buffer.clear()
        aclose = getattr(self._chunks, "aclose", None)
        if aclose is not None:
            await aclose()


class _LocalResponse:
    def __init__(self, response: HostResponse) -> None:
        self.status = response.status
        self.reason: str | None = response.status_text
        self.raw_headers = tuple(
            (k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers
        )
        self.headers: Mapping[str, str] = CIMultiDict(response.headers)
        self.content = _Body(response.body)

    def release(self) -> None:
        self.close()

    def close(self) -> None:
        if not self.content.at_eof():
            asyncio.get_running_loop().create_task(self.content.close())


def service_transport(
    target: ServiceTarget,
    *,
    entrypoint: str | None = None,
    actor: dict[str, Any] | None = None,
) -> Transport:
    """Requests to `target`'s named entrypoint, or to one of its Durable Objects."""

    async def send(method: str, url: URL, headers: CIMultiDict[str], body: Any) -> ResponseLike:
        flat: list[str] = []
        for name, value in headers.items():
            flat += [name.lower(), value]
        request = HostRequest(method, str(url), flat, body, entrypoint=entrypoint, actor=actor)
        try:
            response, _done = await target.fetch(request)
        except WorkerFailure as failure:  # the callee threw: so does the caller's fetch()
            raise host_error_of(failure) from None
        return _LocalResponse(response)

    return send


async def service_websocket(
    call: HostCall,
    target: ServiceTarget,
    *,
    entrypoint: str | None = None,
    actor: dict[str, Any] | None = None,
) -> HostResult:
    """A binding's fetch() with `Upgrade: websocket`: the request goes to `target`, and a
    101 answer's socket becomes the caller's client WebSocket (runtime/websocket.py)."""
    args = call.args if isinstance(call.args, dict) else {}
    raw = args.get("headers") or []
    flat = [str(item) if i % 2 else str(item).lower() for i, item in enumerate(raw)]
    request = HostRequest(
        "GET", str(args.get("url", "")), flat, None, entrypoint=entrypoint, actor=actor
    )
    try:
        response, _done = await target.fetch(request)
    except WorkerFailure as failure:
        raise host_error_of(failure) from None
    return open_linked(call, response)
