"""Host operations behind the global `fetch()`: outbound HTTP through aiohttp.

One exchange is a state in `_FETCHES`, keyed by an id the worker's JS gets from
`fetch.start`; every op checks that the id belongs to the calling worker.

Protocol (JS side in js/68_fetch.js):

- ``fetch.start`` args ``{method, url, headers: [k1, v1, ...], redirect: "follow"|"manual",
  body: "none"|"bytes"|"stream", length: int|null, respond?, key?}``, payload the whole body
  when ``body == "bytes"``. Counts one subrequest, sends the request at once (for a stream
  the upload starts as chunks arrive) and returns the id; with ``respond`` (no streamed
  body) it waits and returns what ``fetch.response`` would, plus ``id``.
- ``fetch.send`` args ``id``, payload one upload chunk (<= 256 KiB). Resolves once the
  chunk is queued (at most ``UPLOAD_QUEUE`` chunks wait: backpressure); returns ``false``
  when the upload is no longer wanted (the exchange ended or failed), else ``true``.
- ``fetch.finish`` args ``id``: the upload is complete.
- ``fetch.response`` args ``id``: waits for the response head and returns ``{status,
  statusText, headers: [k1, v1, ...], urlList: [...], done}``, with the body bytes already
  buffered (up to 256 KiB) as payload; ``done`` means that was the whole body.
- ``fetch.read`` args ``id``: the next body chunk (payload, <= 256 KiB), or value ``true``
  and no payload at the end (the exchange is then closed).
- ``fetch.abort`` args ``id``: cancel the exchange (request and response body); or
  ``{key}`` for a ``fetch.start`` with ``respond`` that has not answered yet.

Limits: ``SUBREQUEST_LIMIT`` fetches per incoming request (``PYWORKERD_SUBREQUEST_LIMIT``
overrides it; a negative value disables it). An exchange that nobody touches for
``IDLE_TIMEOUT_S`` (a response body dropped unread) is closed by a sweep; ``release_request``
closes every exchange of one request, for an engine that reports finished requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp
from aiohttp.compression_utils import HAS_BROTLI, HAS_ZSTD
from multidict import CIMultiDict
from yarl import URL

from pyworkerd.engine.hostops import (
    HostCall,
    HostError,
    HostResult,
    check_same_request,
    on_request_finished,
    on_shutdown,
    runtime_op,
)

__all__ = [
    "CHUNK_MAX",
    "IDLE_TIMEOUT_S",
    "MAX_REDIRECTS",
    "SUBREQUEST_LIMIT",
    "TOO_MANY_SUBREQUESTS",
    "ResponseLike",
    "Transport",
    "close_session",
    "open_fetches",
    "release_request",
    "start_exchange",
    "subrequest_limit",
]

# Subrequests per incoming request: Cloudflare's paid-plan default (free plan: 50).
SUBREQUEST_LIMIT = 1000
SUBREQUEST_LIMIT_ENV = "PYWORKERD_SUBREQUEST_LIMIT"
# Cloudflare's message, as the platform sends it.
TOO_MANY_SUBREQUESTS = (
    "Too many subrequests by single Worker invocation. To configure this limit, refer to "
    "https://developers.cloudflare.com/workers/platform/limits/"
)
CHUNK_MAX = 256 * 1024  # the bridge's limit on the bytes of one host result
UPLOAD_QUEUE = 4  # upload chunks buffered in the host before fetch.send waits
MAX_REDIRECTS = 20  # as workerd (and the Fetch Standard)
IDLE_TIMEOUT_S = 120.0  # an exchange nobody touched for this long is closed
MAX_OPEN = 10_000  # exchanges in the whole process; past it the least recently used go
MAX_COUNTERS = 100_000  # requests whose subrequest count is remembered
# A count untouched this long starts again: request ids are per isolate, so a new isolate
# of the same worker reuses them, and nothing yet tells this module that a request ended.
COUNTER_IDLE_S = 60.0

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
NETWORK_LOST = "Network connection lost."
# Content-Encodings aiohttp decodes with auto_decompress.
DECODED_ENCODINGS = frozenset(
    {"gzip", "x-gzip", "deflate"}
    | ({"br"} if HAS_BROTLI else set())
    | ({"zstd"} if HAS_ZSTD else set())
)
# Headers aiohttp would add on its own; workerd sends none of them unless the worker does.
SKIP_AUTO_HEADERS = ("User-Agent", "Accept", "Accept-Encoding", "Content-Type")


def subrequest_limit() -> int | None:
    """The limit in force: the env override if set, else SUBREQUEST_LIMIT; None: no limit."""
    raw = os.environ.get(SUBREQUEST_LIMIT_ENV)
    if raw is None or raw.strip() == "":
        return SUBREQUEST_LIMIT
    try:
        value = int(raw)
    except ValueError:
        return SUBREQUEST_LIMIT
    return None if value < 0 else value


# ------------------------------------------------------------------------- session
_session: aiohttp.ClientSession | None = None
_session_loop: asyncio.AbstractEventLoop | None = None


def _get_session() -> aiohttp.ClientSession:
    """One ClientSession per process (per event loop), made inside the running loop."""
    global _session, _session_loop
    loop = asyncio.get_running_loop()
    if _session is None or _session.closed or _session_loop is not loop:
        _session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, enable_cleanup_closed=True),
            cookie_jar=aiohttp.DummyCookieJar(),
            trust_env=False,
            auto_decompress=True,
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=60),
            max_line_size=65536,
            max_field_size=65536,
            read_bufsize=CHUNK_MAX,
        )
        _session_loop = loop
    return _session


async def close_session() -> None:
    """Close every exchange and the shared session (server shutdown)."""
    global _session, _session_loop
    for state in list(_FETCHES.values()):
        state.close()
    if _session is not None and not _session.closed:
        await _session.close()
    _session = None
    _session_loop = None


class BodyReader(Protocol):
    """What the exchange reads a response body through (aiohttp's StreamReader has it)."""

    async def read(self, n: int = -1) -> bytes: ...
    def read_nowait(self, n: int = -1) -> bytes: ...
    def at_eof(self) -> bool: ...


class ResponseLike(Protocol):
    """A response as the exchange needs it (aiohttp's ClientResponse has it)."""

    @property
    def status(self) -> int: ...
    @property
    def reason(self) -> str | None: ...
    @property
    def raw_headers(self) -> tuple[tuple[bytes, bytes], ...]: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def content(self) -> BodyReader: ...
    def release(self) -> Any: ...
    def close(self) -> None: ...


# Sends one request (no redirects followed) and returns the response once its head is in.
Transport = Callable[[str, URL, CIMultiDict[str], Any], Awaitable[ResponseLike]]


async def _network(method: str, url: URL, headers: CIMultiDict[str], body: Any) -> ResponseLike:
    return await _get_session().request(
        method,
        url,
        headers=headers,
        data=body,
        allow_redirects=False,
        skip_auto_headers=SKIP_AUTO_HEADERS,
        compress=None,
    )


# Exchanges closed because their request ended: (worker, id) -> the request that made them.
_RELEASED: OrderedDict[tuple[str, Any], int] = OrderedDict()
MAX_RELEASED = 10_000

# ------------------------------------------------------------------------- state
@dataclass(eq=False)
class _Fetch:
    id: int
    worker: str
    request_id: int
    method: str
    url: URL
    headers: list[tuple[str, str]]
    redirect: str
    body: bytes | None
    upload: asyncio.Queue[bytes | None] | None
    head: asyncio.Future[dict[str, Any]]
    transport: Transport
    task: asyncio.Task[None] | None = None
    response: ResponseLike | None = None
    url_list: list[str] = field(default_factory=list)
    last_used: float = field(default_factory=time.monotonic)
    busy: int = 0
    closed: bool = False

    def touch(self) -> None:
        self.last_used = time.monotonic()
        if not self.closed:
            _FETCHES.move_to_end(self.id)

    def close(self) -> None:
        """Cancel whatever is in flight and release the connection."""
        if self.closed:
            return
        self.closed = True
        _FETCHES.pop(self.id, None)
        if self.task is not None and not self.task.done():
            self.task.cancel()
        if not self.head.done():
            self.head.set_exception(HostError("AbortError", "The operation was aborted"))
            self.head.exception()  # retrieved: no "never retrieved" warning
        if self.response is not None:
            if self.response.content.at_eof():
                self.response.release()  # read to the end: the connection may be reused
            else:
                self.response.close()
        if self.upload is not None:
            # Wake an upload generator waiting for a chunk.
            with contextlib.suppress(asyncio.QueueFull):
                self.upload.put_nowait(None)


_FETCHES: OrderedDict[int, _Fetch] = OrderedDict()
# Exchanges whose fetch.start (with respond) still waits for the head: (worker, key) -> it.
_PENDING: dict[tuple[str, str], _Fetch] = {}
_IDS = itertools.count(1)
_COUNTS: OrderedDict[tuple[str, int], tuple[int, float]] = OrderedDict()
_sweeper: asyncio.TimerHandle | None = None


def open_fetches() -> int:
    """How many exchanges are open (for tests and stats)."""
    return len(_FETCHES)


def release_request(worker: str, request_id: int) -> None:
    """The request is over: close its exchanges and forget its subrequest count."""
    _COUNTS.pop((worker, request_id), None)
    mine = [
        (fid, s)
        for fid, s in _FETCHES.items()
        if s.worker == worker and s.request_id == request_id
    ]
    for fetch_id, state in mine:
        state.close()
        # Remembered a while, so a later request using it is told why it cannot.
        _RELEASED[(worker, fetch_id)] = request_id
        while len(_RELEASED) > MAX_RELEASED:
            _RELEASED.popitem(last=False)


def _sweep() -> None:
    global _sweeper
    _sweeper = None
    deadline = time.monotonic() - IDLE_TIMEOUT_S
    for state in list(_FETCHES.values()):
        if state.busy == 0 and state.last_used <= deadline:
            state.close()
    if _FETCHES:
        _schedule_sweep()


def _schedule_sweep() -> None:
    global _sweeper
    if _sweeper is None:
        _sweeper = asyncio.get_running_loop().call_later(IDLE_TIMEOUT_S / 4, _sweep)


def _count_subrequest(call: HostCall) -> None:
    limit = subrequest_limit()
    if call.request_id == 0:
        # Not attributable to a request (see the module's notes): not counted.
        return
    key = (call.worker, call.request_id)
    now = time.monotonic()
    count, last = _COUNTS.get(key, (0, now))
    if now - last > COUNTER_IDLE_S:
        count = 0
    count += 1
    if limit is not None and count > limit:
        raise HostError("Error", TOO_MANY_SUBREQUESTS)
    _COUNTS[key] = (count, now)
    _COUNTS.move_to_end(key)
    while len(_COUNTS) > MAX_COUNTERS:
        _COUNTS.popitem(last=False)


def _state(call: HostCall) -> _Fetch:
    fetch_id = call.args[0] if isinstance(call.args, list) else call.args
    state = _FETCHES.get(fetch_id) if isinstance(fetch_id, int) else None
    if state is None or state.worker != call.worker:
        owner = _RELEASED.get((call.worker, fetch_id))
        if owner is not None:  # its request is over: used from another one
            check_same_request(owner, call, "Native")
        raise HostError("AbortError", "The operation was aborted")
    check_same_request(state.request_id, call, "Native")
    state.touch()
    return state


# ------------------------------------------------------------------------- the exchange
def _flat_headers(raw: Any) -> list[tuple[str, str]]:
    if not isinstance(raw, list) or len(raw) % 2:
        raise HostError("TypeError", "fetch: bad headers")
    return [(str(raw[i]), str(raw[i + 1])) for i in range(0, len(raw), 2)]


async def _upload(queue: asyncio.Queue[bytes | None]) -> AsyncIterator[bytes]:
    while True:
        chunk = await queue.get()
        if chunk is None:
            return
        yield chunk


async def _run(state: _Fetch) -> None:
    """Send the request, follow redirects if asked, and publish the response head."""
    method = state.method
    url = state.url
    headers = CIMultiDict(state.headers)
    body: Any = state.body
    if state.upload is not None:
        body = _upload(state.upload)
    state.url_list = [str(url)]
    while True:
        try:
            response = await state.transport(method, url, headers, body)
        except asyncio.CancelledError:
            raise
        except aiohttp.InvalidURL as exc:
            raise HostError("TypeError", f"Fetch API cannot load: {exc}") from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise HostError("Error", NETWORK_LOST) from exc
        location = response.headers.get("Location")
        if (
            state.redirect != "follow"
            or response.status not in REDIRECT_STATUSES
            or location is None
        ):
            state.response = response
            return
        response.release()
        if len(state.url_list) > MAX_REDIRECTS:
            raise HostError("TypeError", "Too many redirects." + ", ".join(state.url_list))
        try:
            next_url = url.join(URL(location))
        except ValueError as exc:
            raise HostError("TypeError", f"Invalid redirect URL: {location}") from exc
        if next_url.scheme not in ("http", "https"):
            raise HostError("TypeError", f"Fetch API cannot load: {next_url}")
        status = response.status
        if (status in (301, 302) and method == "POST") or (status == 303 and method != "HEAD"):
            # Fetch Standard, HTTP-redirect fetch step 12: becomes a GET without a body.
            method = "GET"
            body = None
            for name in (
                "Content-Type",
                "Content-Length",
                "Content-Encoding",
                "Content-Language",
                "Content-Location",
            ):
                headers.popall(name, None)
        elif state.upload is not None:
            # A streamed body cannot be sent again (Fetch: "body's source is null").
            raise HostError(
                "TypeError",
                "A redirect that keeps the request body cannot be followed when the body "
                'is a stream; use redirect: "manual".',
            )
        if next_url.origin() != url.origin():
            headers.popall("Authorization", None)
        headers.popall("Host", None)
        url = next_url
        state.url_list.append(str(url))


def _head_value(state: _Fetch) -> dict[str, Any]:
    response = state.response
    assert response is not None
    encoding = response.headers.get("Content-Encoding", "").strip().lower()
    decoded = encoding in DECODED_ENCODINGS
    flat: list[str] = []
    for raw_name, raw_value in response.raw_headers:
        name = raw_name.decode("latin-1")
        lower = name.lower()
        # aiohttp hands over the decoded body: the encoding and the length no longer
        # describe it (workerd keeps both and re-encodes a passed-through body).
        if decoded and lower in ("content-encoding", "content-length"):
            continue
        flat.append(name)
        flat.append(raw_value.decode("latin-1"))
    return {
        "status": response.status,
        "statusText": response.reason or "",
        "headers": flat,
        "urlList": state.url_list,
    }


def _done_running(state: _Fetch, task: asyncio.Task[None]) -> None:
    if state.head.done():
        return
    if task.cancelled():
        state.head.set_exception(HostError("AbortError", "The operation was aborted"))
    elif (exc := task.exception()) is not None:
        error = exc if isinstance(exc, HostError) else HostError("Error", NETWORK_LOST)
        state.head.set_exception(error)
    else:
        state.head.set_result(_head_value(state))
    state.head.exception()  # mark retrieved; fetch.response re-raises it


def _body_error(exc: BaseException) -> HostError:
    """A failure while reading a response body, as the worker sees it."""
    text = str(exc)
    if "content-encoding" in text:
        # aiohttp could not decode the body (br or zstd without its package installed).
        return HostError("TypeError", text)
    return HostError("Error", NETWORK_LOST)


# ------------------------------------------------------------------------- ops
@runtime_op("fetch.start")
async def start(call: HostCall) -> HostResult:
    return await start_exchange(call, _network)


async def start_exchange(call: HostCall, transport: Transport) -> HostResult:
    """`fetch.start` over any transport: the network, or another worker (service bindings).

    With ``respond: true`` (a request whose body went whole with it) the answer is the
    response head at once, as ``fetch.response`` gives it plus the exchange's ``id``: one
    crossing of the bridge instead of two."""
    args = call.args
    if not isinstance(args, dict):
        raise HostError("TypeError", "fetch: bad arguments")
    url = URL(str(args.get("url", "")))
    if url.scheme not in ("http", "https") or not url.host:
        raise HostError("TypeError", f"Fetch API cannot load: {args.get('url')}")
    _count_subrequest(call)
    while len(_FETCHES) >= MAX_OPEN:
        _FETCHES[next(iter(_FETCHES))].close()
    mode = args.get("body")
    headers = _flat_headers(args.get("headers", []))
    length = args.get("length")
    if (
        mode == "stream"
        and isinstance(length, int)
        and length >= 0
        and not any(name.lower() == "content-length" for name, _ in headers)
    ):
        headers.append(("Content-Length", str(length)))
    loop = asyncio.get_running_loop()
    state = _Fetch(
        id=next(_IDS),
        worker=call.worker,
        request_id=call.request_id,
        method=str(args.get("method", "GET")),
        url=url,
        headers=headers,
        redirect="manual" if args.get("redirect") == "manual" else "follow",
        body=(call.payload or b"") if mode == "bytes" else None,
        upload=asyncio.Queue(UPLOAD_QUEUE) if mode == "stream" else None,
        head=loop.create_future(),
        transport=transport,
    )
    _FETCHES[state.id] = state
    task = loop.create_task(_run(state))
    task.add_done_callback(lambda t: _done_running(state, t))
    state.task = task
    _schedule_sweep()
    if args.get("respond") and state.upload is None:
        key = (call.worker, str(args.get("key")))
        _PENDING[key] = state
        try:
            head, first = await _respond(state)
        finally:
            _PENDING.pop(key, None)
        return {**head, "id": state.id}, first
    return state.id, None


@runtime_op("fetch.send")
async def send(call: HostCall) -> HostResult:
    state = _state(call)
    queue = state.upload
    if queue is None or state.closed:
        return False, None
    if state.head.done() and state.response is None:
        return False, None  # the request failed: its error comes from fetch.response
    state.busy += 1
    try:
        put = asyncio.ensure_future(queue.put(call.payload or b""))
        assert state.task is not None
        waiters: set[asyncio.Future[Any]] = {put, state.task}
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        if not put.done():
            put.cancel()
            return False, None
        return not state.closed, None
    finally:
        state.busy -= 1
        state.touch()


@runtime_op("fetch.finish")
async def finish(call: HostCall) -> HostResult:
    state = _state(call)
    if state.upload is not None and not state.closed:
        state.busy += 1
        try:
            assert state.task is not None
            put = asyncio.ensure_future(state.upload.put(None))
            await asyncio.wait({put, state.task}, return_when=asyncio.FIRST_COMPLETED)
            if not put.done():
                put.cancel()
        finally:
            state.busy -= 1
    return None, None


@runtime_op("fetch.response")
async def response(call: HostCall) -> HostResult:
    return await _respond(_state(call))


async def _respond(state: _Fetch) -> HostResult:
    """The response head (and the body bytes already here) once it has come."""
    state.busy += 1
    try:
        try:
            head = await state.head
        except HostError:
            state.close()
            raise
        assert state.response is not None
        content = state.response.content
        try:
            first = content.read_nowait(CHUNK_MAX)
        except (aiohttp.ClientError, OSError, RuntimeError) as exc:
            state.close()
            raise _body_error(exc) from exc
        done = content.at_eof()
        if done:
            state.close()
        return {**head, "done": done}, first
    finally:
        state.busy -= 1


@runtime_op("fetch.read")
async def read(call: HostCall) -> HostResult:
    state = _state(call)
    if state.response is None:
        raise HostError("Error", NETWORK_LOST)
    state.busy += 1
    try:
        try:
            chunk = await state.response.content.read(CHUNK_MAX)
        except (aiohttp.ClientError, OSError) as exc:
            state.close()
            raise _body_error(exc) from exc
        if not chunk:
            state.close()
            return True, None
        return None, chunk
    finally:
        state.busy -= 1


@runtime_op("fetch.abort")
async def abort(call: HostCall) -> HostResult:
    fetch_id = call.args
    if isinstance(fetch_id, dict):  # {key}: aborted before fetch.start answered
        state = _PENDING.get((call.worker, str(fetch_id.get("key"))))
        if state is not None:
            state.close()
        return None, None
    state = _FETCHES.get(fetch_id) if isinstance(fetch_id, int) else None
    if state is not None and state.worker == call.worker:
        state.close()
    return None, None


on_request_finished(release_request)
on_shutdown(close_session)
