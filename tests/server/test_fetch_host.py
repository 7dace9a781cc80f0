"""The fetch host ops on their own (runtime/fetch.py) against a real local origin:
ownership of exchange ids, cleanup of bodies nobody reads, the subrequest counter."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from pyworkerd.engine.hostops import HostCall, HostError
from pyworkerd.runtime import fetch as host_fetch

CONNECTED = web.AppKey("connected", asyncio.Event)
DROPPED = web.AppKey("dropped", asyncio.Event)
Op = Callable[[HostCall], Awaitable[tuple[Any, bytes | None]]]


def call(
    op: Op, args: Any, *, worker: str = "w", rid: int = 1, payload: bytes | None = None
) -> Any:
    return op(HostCall("fetch.x", args, payload, worker, rid))


async def endless(req: web.Request) -> web.StreamResponse:
    resp = web.StreamResponse()
    await resp.prepare(req)
    req.app[CONNECTED].set()
    try:
        while True:
            await resp.write(b"x" * 65536)
            await asyncio.sleep(0.01)
    except (ConnectionResetError, asyncio.CancelledError):
        req.app[DROPPED].set()
        raise
    return resp


async def small(_req: web.Request) -> web.Response:
    return web.Response(text="small body")


async def with_origin(test: Callable[[str, web.Application], Awaitable[None]]) -> None:
    app = web.Application()
    app[CONNECTED] = asyncio.Event()
    app[DROPPED] = asyncio.Event()
    app.router.add_get("/endless", endless)
    app.router.add_get("/small", small)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        await test(f"http://127.0.0.1:{port}", app)
    finally:
        await host_fetch.close_session()
        await runner.cleanup()


def start_args(url: str) -> dict[str, Any]:
    return {"method": "GET", "url": url, "headers": [], "redirect": "follow", "body": "none"}


def test_small_body_comes_whole_with_the_head() -> None:
    async def go(origin: str, _app: web.Application) -> None:
        fid, _ = await call(host_fetch.start, start_args(f"{origin}/small"))
        head, first = await call(host_fetch.response, fid)
        assert head["status"] == 200 and head["done"] is True and first == b"small body"
        assert head["urlList"] == [f"{origin}/small"]
        assert host_fetch.open_fetches() == 0

    asyncio.run(with_origin(go))


def test_ids_belong_to_their_worker_and_unread_bodies_are_released() -> None:
    async def go(origin: str, app: web.Application) -> None:
        fid, _ = await call(host_fetch.start, start_args(f"{origin}/endless"), rid=7)
        head, _first = await call(host_fetch.response, fid, rid=7)
        assert head["status"] == 200 and head["done"] is False
        await asyncio.wait_for(app[CONNECTED].wait(), 5)
        with pytest.raises(HostError) as info:
            await call(host_fetch.read, fid, worker="another")
        assert info.value.name == "AbortError"
        chunk = await call(host_fetch.read, fid, rid=7)
        assert chunk[0] is None and chunk[1]
        assert host_fetch.open_fetches() == 1
        # The request is over: its exchanges close and the origin sees the connection drop.
        host_fetch.release_request("w", 7)
        assert host_fetch.open_fetches() == 0
        await asyncio.wait_for(app[DROPPED].wait(), 5)

    asyncio.run(with_origin(go))


def test_subrequests_are_counted_per_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(host_fetch.SUBREQUEST_LIMIT_ENV, "2")

    async def go(origin: str, _app: web.Application) -> None:
        for _ in range(2):
            fid, _ = await call(host_fetch.start, start_args(f"{origin}/small"), rid=11)
            await call(host_fetch.response, fid, rid=11)
        with pytest.raises(HostError) as info:
            await call(host_fetch.start, start_args(f"{origin}/small"), rid=11)
        assert info.value.message == host_fetch.TOO_MANY_SUBREQUESTS
        fid, _ = await call(host_fetch.start, start_args(f"{origin}/small"), rid=12)
        await call(host_fetch.response, fid, rid=12)
        host_fetch.release_request("w", 11)
        fid, _ = await call(host_fetch.start, start_args(f"{origin}/small"), rid=11)
        await call(host_fetch.response, fid, rid=11)

    asyncio.run(with_origin(go))
    assert host_fetch.subrequest_limit() == 2
    monkeypatch.setenv(host_fetch.SUBREQUEST_LIMIT_ENV, "-1")
    assert host_fetch.subrequest_limit() is None
    monkeypatch.delenv(host_fetch.SUBREQUEST_LIMIT_ENV)
    assert host_fetch.subrequest_limit() == host_fetch.SUBREQUEST_LIMIT == 1000
