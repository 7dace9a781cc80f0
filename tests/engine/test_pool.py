"""The engine without HTTP: isolates, the batched bridge, the pool, limits, eviction."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from pyworkerd.bundler import wrap_script
from pyworkerd.engine.boot import SpareContexts
from pyworkerd.engine.native import check_native_contract
from pyworkerd.engine.pool import IsolateBudget, WorkerPool
from pyworkerd.engine.types import HostRequest, HostResponse, WorkerFailure, WorkerSpec

Logs = list[tuple[str, str, int, str]]

COUNTER = """
let hits = 0;
module.exports.default = {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const mine = ++hits;
    if (url.pathname === "/slow") await scheduler.wait(Number(url.searchParams.get("ms")));
    if (url.pathname === "/forever-background") {
      ctx.waitUntil(new Promise(() => {}));
      setInterval(() => {}, 10);
    }
    globalThis.seen = (globalThis.seen ?? 0) + 1;
    return new Response(`${env.NAME}:${mine}:${globalThis.seen}`);
  },
};
"""


def spec(name: str, script: str = COUNTER, **kw: Any) -> WorkerSpec:
    return WorkerSpec(name=name, script=wrap_script(script), vars={"NAME": name}, **kw)


def run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(test(), 60))


async def text(pool: WorkerPool, path: str = "/") -> str:
    response, _done = await pool.fetch(HostRequest("GET", "http://w" + path, ["host", "w"]))
    assert isinstance(response, HostResponse) and isinstance(response.body, str)
    return response.body


def test_native_layer_is_the_pinned_one() -> None:
    check_native_contract()


def test_many_requests_in_flight_share_one_warm_isolate() -> None:
    async def go() -> None:
        pool = WorkerPool(spec("a"), log=lambda *a: None)
        try:
            bodies = await asyncio.gather(*(text(pool, "/slow?ms=50") for _ in range(200)))
            assert len(pool.isolates) == 1
            assert sorted(int(b.split(":")[1]) for b in bodies) == list(range(1, 201))
            # globals persist between requests in a warm isolate
            assert await text(pool) == "a:201:201"
        finally:
            pool.close()

    run(go)


def test_workers_share_nothing() -> None:
    async def go() -> None:
        budget = IsolateBudget()
        a = WorkerPool(spec("a"), log=lambda *x: None, budget=budget)
        b = WorkerPool(spec("b"), log=lambda *x: None, budget=budget)
        try:
            assert await text(a) == "a:1:1"
            assert await text(a) == "a:2:2"
            assert await text(b) == "b:1:1"  # b's globals are its own
        finally:
            a.close()
            b.close()

    run(go)


def test_idle_isolates_are_evicted_lru_under_the_budget() -> None:
    async def go() -> None:
        budget = IsolateBudget(memory_budget_mb=8, per_isolate_mb=4.0)  # room for two
        assert budget.max_isolates == 2
        pools = [WorkerPool(spec(f"w{i}"), log=lambda *x: None, budget=budget) for i in range(3)]
        try:
            for pool in pools:
                await text(pool)
            assert [len(p.isolates) for p in pools] == [0, 1, 1]  # w0 was least recently used
            assert await text(pools[0]) == "w0:1:1"  # cold again: its globals were dropped
            assert [len(p.isolates) for p in pools] == [1, 0, 1]
        finally:
            for pool in pools:
                pool.close()

    run(go)


def test_a_spare_booted_isolate_makes_the_first_request_fast() -> None:
    async def go() -> None:
        spares = SpareContexts(1)
        spares.start_refill()
        while not spares._ready:
            await asyncio.sleep(0.01)
        pool = WorkerPool(spec("cold"), log=lambda *x: None, spares=spares)
        try:
            assert await text(pool) == "cold:1:1"
            assert pool.isolates_started == 1
        finally:
            pool.close()
            await spares.close()

    run(go)


def test_wait_until_is_bounded_after_the_response() -> None:
    async def go() -> None:
        logs: Logs = []
        pool = WorkerPool(spec("bg", wait_until_s=0.3), log=lambda *a: logs.append(a))
        try:
            response, done = await pool.fetch(HostRequest("GET", "http://w/forever-background", []))
            assert response.status == 200
            began = time.monotonic()
            await asyncio.wait_for(done, 5)
            assert 0.25 < time.monotonic() - began < 3
            assert any("waitUntil() tasks did not complete" in line for *_, line in logs)
            assert pool.isolates[0].inflight == 0
        finally:
            pool.close()

    run(go)


def test_a_runaway_in_one_worker_leaves_another_worker_serving() -> None:
    spin = "module.exports.default = { fetch() { while (true) {} } };"

    async def go() -> None:
        budget = IsolateBudget()
        bad = WorkerPool(spec("bad", spin, cpu_ms=2000), log=lambda *x: None, budget=budget)
        good = WorkerPool(spec("good"), log=lambda *x: None, budget=budget)
        try:
            runaway = asyncio.ensure_future(text(bad))
            await asyncio.sleep(0.05)
            for _ in range(20):
                assert (await text(good)).startswith("good:")
            assert not runaway.done()  # all served while the other still spins
            with pytest.raises(WorkerFailure) as failure:
                await runaway
            assert failure.value.outcome == "exceededCpu"
        finally:
            bad.close()
            good.close()

    run(go)
