"""The HTTP front end: granian's RSGI interface in, a worker's response out.

It owns HTTP only (limits on sizes, streaming bodies both ways, error pages) and hands
each request to the router; it never touches V8.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from pyworkerd.engine.types import HostRequest, HostResponse, WebSocketLink, WorkerFailure
from pyworkerd.server.encoding import encode_body, encoder_for
from pyworkerd.server.errors import ErrorPage, failure_page, front_end_error, load_error_page
from pyworkerd.server.logs import LogPrinter
from pyworkerd.server.router import Router
from pyworkerd.server.scheduled import manual_trigger, run_scheduled

__all__ = ["FrontEnd", "Limits"]

# Bodies up to this size are read whole before the worker starts (one bridge crossing).
READ_WHOLE_MAX = 256 * 1024
# How long a body sent as a file is held open after granian was handed its path.
FILE_HOLD_S = 5.0
_PATH_SAFE = "/:@!$&'()*+,;=-._~"
_HTTP_SCHEMES = {"ws": "http", "wss": "https"}
WEBSOCKET_WITHOUT_UPGRADE = (
    "Worker tried to return a WebSocket in a response to a request which did not contain the "
    'header "Upgrade: websocket".'
)


@dataclass(frozen=True)
class Limits:
    """Request limits of Cloudflare's edge (defaults: the Free/Pro plan)."""

    max_body_bytes: int = 100 * 1024 * 1024
    max_url_bytes: int = 16 * 1024
    max_header_bytes: int = 128 * 1024


class BodyTooLarge(Exception):
    pass


class FrontEnd:
    """An RSGI application serving the router's workers."""

    def __init__(
        self,
        router: Router,
        *,
        printer: LogPrinter,
        dev: bool,
        limits: Limits | None = None,
        log_requests: bool = True,
        test_scheduled: bool = False,
    ) -> None:
        self.router = router
        self.printer = printer
        self.dev = dev
        # /cdn-cgi/handler/scheduled in dev; /__scheduled too with --test-scheduled.
        self.test_scheduled = test_scheduled
        self.log_requests = log_requests
        self.limits = limits or Limits()
        self.inflight = 0
        self._closing: set[asyncio.Task[None]] = set()
        self._ids = itertools.count(1)
        self._ray_prefix = os.urandom(4).hex()

    # granian calls these
    def __rsgi_init__(self, loop: asyncio.AbstractEventLoop) -> None:
        return None

    def __rsgi_del__(self, loop: asyncio.AbstractEventLoop) -> None:
        return None

    async def __rsgi__(self, scope: Any, proto: Any) -> None:
        if scope.proto == "ws":
            await self._serve_websocket(scope, proto)
            return
        self.inflight += 1
        try:
            if not self.log_requests:
                await self._serve(scope, proto)
                return
            started = time.monotonic()
            status, outcome = 500, "exception"
            try:
                status, outcome = await self._serve(scope, proto)
            finally:
                ms = (time.monotonic() - started) * 1000
                self.printer.request(scope.method, scope.path, status, ms, outcome)
        finally:
            self.inflight -= 1

    async def _serve(self, scope: Any, proto: Any) -> tuple[int, str]:
        request_id = f"{self._ray_prefix}{next(self._ids):08x}"
        raw_headers = scope.headers.items()
        problem = self._check_limits(scope, raw_headers)
        if problem is not None:
            return self._send_page(proto, problem), "rejected"
        worker = self.router.route(scope)
        if worker is None:
            return self._send_page(proto, front_end_error(404, "No worker serves this host.")), "ok"
        if self.dev:
            trigger = manual_trigger(
                scope.path, scope.query_string, test_scheduled=self.test_scheduled
            )
            if trigger is not None:
                return await self._run_scheduled(proto, scope.path, worker, *trigger)
        flat = _flatten(raw_headers)
        length = scope.headers.get("content-length") or ""
        content_length = int(length) if length.isdigit() else -1
        body: bytes | AsyncIterator[bytes] | None = None
        if scope.method not in ("GET", "HEAD"):
            if content_length > self.limits.max_body_bytes:
                return self._send_page(proto, front_end_error(413, "Payload Too Large")), "rejected"
            if 0 <= content_length <= READ_WHOLE_MAX:
                body = await proto() if content_length else None
            elif content_length > 0 or "transfer-encoding" in scope.headers:
                body = self._stream_request(proto)
        request = HostRequest(scope.method, self._url(scope), flat, body)
        try:
            response, _done = await worker.fetch(request)
        except WorkerFailure as failure:
            return self._send_failure(proto, scope, worker, failure, request_id), failure.outcome
        except RuntimeError as exc:
            return self._send_page(proto, load_error_page(worker.name, str(exc))), "exception"
        return await self._send_response(proto, response), "ok"

    async def _run_scheduled(
        self, proto: Any, path: str, worker: Any, cron: str, scheduled_time: float
    ) -> tuple[int, str]:
        """Run a scheduled event on demand; Miniflare's answers ("ok" / 500 "exception"),
        and wrangler's "Ran scheduled event" on its /__scheduled route."""
        ok = await run_scheduled(worker, cron, scheduled_time, self.printer)
        if path == "/__scheduled":
            body, status = "Ran scheduled event", 200 if ok else 500
        else:
            body, status = ("ok", 200) if ok else ("exception", 500)
        headers = [("content-type", "text/plain;charset=UTF-8")]
        proto.response_str(status, headers, body)
        return status, "ok" if ok else "exception"

    async def _serve_websocket(self, scope: Any, proto: Any) -> None:
        """An upgrade request: the worker answers 101 with a WebSocket, or anything else."""
        worker = self.router.route(scope)
        if worker is None:
            proto.close(404)
            return
        request = HostRequest("GET", self._url(scope), _flatten(scope.headers.items()), None)
        try:
            response, _done = await worker.fetch(request)
        except (WorkerFailure, RuntimeError) as exc:
            self.printer.error(f"WebSocket upgrade failed: {exc}")
            proto.close(500)
            return
        link = response.websocket
        if response.status != 101 or link is None:
            proto.close(response.status)
            return
        transport = await proto.accept()
        from_client = asyncio.ensure_future(_client_to_worker(transport, link))
        item: str | bytes | tuple[int, str] = (1006, "")
        try:
            while True:
                item = await link.outgoing.get()
                if isinstance(item, tuple):
                    break
                if isinstance(item, str):
                    await transport.send_str(item)
                else:
                    await transport.send_bytes(item)
        except Exception:  # the client went away
            link.close(1006, "")
        finally:
            from_client.cancel()
            proto.close(item[0] if isinstance(item, tuple) else 1006)

    def _check_limits(self, scope: Any, headers: list[tuple[str, str]]) -> ErrorPage | None:
        url_len = len(scope.path) + len(scope.query_string)
        if url_len > self.limits.max_url_bytes:
            return front_end_error(414, "URI Too Long")
        size = sum(len(k) + len(v) + 4 for k, v in headers)
        if size > self.limits.max_header_bytes:
            return front_end_error(431, "Request Header Fields Too Large")
        return None

    def _url(self, scope: Any) -> str:
        host = scope.authority or scope.headers.get("host") or "localhost"
        # RSGI hands over a percent-decoded path: encode it again for the URL.
        path = quote(scope.path, safe=_PATH_SAFE)
        qs = scope.query_string
        scheme = _HTTP_SCHEMES.get(scope.scheme, scope.scheme)  # a worker sees http(s)
        return f"{scheme}://{host}{path}" + (f"?{qs}" if qs else "")

    async def _stream_request(self, proto: Any) -> AsyncIterator[bytes]:
        received = 0
        async for chunk in proto:
            received += len(chunk)
            if received > self.limits.max_body_bytes:
                raise BodyTooLarge("request body exceeds the size limit")
            if chunk:
                yield bytes(chunk)

    async def _send_response(self, proto: Any, response: HostResponse) -> int:
        if response.websocket is not None:
            response.websocket.close(1011, "")
            return self._send_page(proto, front_end_error(500, WEBSOCKET_WITHOUT_UPGRADE))
        status, body = response.status, response.body
        # The runtime decides the framing, as workerd does: a worker's own Content-Length
        # is dropped; a known length is sent, anything else streams chunked.
        headers = [h for h in response.headers if h[0].lower() != "content-length"]
        encoder = None
        if not response.encoded and body is not None:
            declared = next((v for k, v in headers if k.lower() == "content-encoding"), "")
            encoder = encoder_for(declared) if declared else None
        if encoder is not None:
            body = encode_body(body, encoder)
        elif response.length is not None:
            headers.append(("content-length", str(response.length)))
        if response.file is not None and encoder is None:
            # An R2 object passed on unread: granian sends the file, at the client's pace.
            proto.response_file(status, headers, response.file)
            self._close_later(body)
            return status
        if body is None:
            proto.response_empty(status, headers)
        elif isinstance(body, str):
            proto.response_str(status, headers, body)
        elif isinstance(body, bytes):
            proto.response_bytes(status, headers, body)
        else:
            transport = proto.response_stream(status, headers)
            try:
                async for chunk in body:
                    await transport.send_bytes(chunk)
            except WorkerFailure as failure:
                # Headers are gone already: all we can do is cut the body short and log.
                self.printer.error(f"response body failed: {failure.name}: {failure.message}")
            except Exception:
                # The client went away: closing the iterator cancels the stream in the worker.
                await _aclose(body)
        return status

    def _close_later(self, body: Any) -> None:
        """Close a body whose bytes granian sends from its file, once granian has surely
        opened that file (until then the body's open reader keeps the file from being
        removed by an overwrite)."""
        loop = asyncio.get_running_loop()

        def close() -> None:
            task = loop.create_task(_aclose(body))
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

        loop.call_later(FILE_HOLD_S, close)

    def _send_failure(
        self, proto: Any, scope: Any, worker: Any, failure: WorkerFailure, request_id: str
    ) -> int:
        stack = worker.map_stack(failure.stack) if failure.stack else ""
        if failure.outcome == "exception":
            self.printer.error(f"{stack or failure.message}\n  (request id {request_id})")
        elif failure.outcome == "neverResponds":
            self.printer.error(f"{failure.message} (request id {request_id})")
        accept = scope.headers.get("accept") or ""
        page = failure_page(
            failure,
            dev=self.dev,
            request_id=request_id,
            stack=stack,
            wants_html="text/html" in accept,
        )
        return self._send_page(proto, page)

    @staticmethod
    def _send_page(proto: Any, page: ErrorPage) -> int:
        proto.response_str(page.status, page.headers, page.body)
        return page.status


def _flatten(headers: list[tuple[str, str]]) -> list[str]:
    flat: list[str] = []
    for name, value in headers:
        flat.append(name)
        flat.append(value)
    return flat


async def _client_to_worker(transport: Any, link: WebSocketLink) -> None:
    """Frames from the client become "message" events; its close, a "close" event."""
    while True:
        try:
            message = await transport.receive()
        except Exception:
            link.close(1006, "")
            return
        if message.kind == 0:  # close
            link.close(1000, "")
            return
        link.send(message.data)


async def _aclose(body: Any) -> None:
    close = getattr(body, "aclose", None)
    if close is not None:
        try:
            await close()
        except Exception:
            return
