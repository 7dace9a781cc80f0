"""The batcher: concurrent embedding requests share model calls, which run off the loop."""

from __future__ import annotations

import asyncio
import threading

import numpy as np

from pyworkerd.bindings.ai.local import Batcher, embedder


def test_requests_that_arrive_while_a_batch_runs_go_together() -> None:
    model = embedder("@cf/baai/bge-small-en-v1.5")
    threads: list[str] = []

    def run(texts: list[str]) -> np.ndarray:
        threads.append(threading.current_thread().name)
        return model.embed(texts)

    async def main() -> tuple[list[np.ndarray], int]:
        batcher = Batcher(run)
        first = asyncio.ensure_future(batcher.submit(["first request"]))
        await asyncio.sleep(0)
        await asyncio.sleep(0)  # the first batch is now running in the pool
        rest = [batcher.submit([f"text {i}", f"more {i}"]) for i in range(10)]
        results = await asyncio.gather(first, *rest)
        return list(results), batcher.batches

    results, batches = asyncio.run(main())
    assert batches == 2  # one for the first request, one for the ten that queued behind it
    assert all(name.startswith("pyworkerd-ai") for name in threads)  # never the loop's thread
    assert results[0].shape == (1, 256)
    for i, rows in enumerate(results[1:]):
        assert rows.shape == (2, 256)
        assert np.allclose(rows, model.embed([f"text {i}", f"more {i}"]), atol=1e-6)


def test_a_batch_larger_than_the_limit_is_split() -> None:
    model = embedder("@cf/baai/bge-small-en-v1.5")

    async def main() -> int:
        batcher = Batcher(model.embed, max_batch=5)
        await asyncio.gather(*(batcher.submit([f"t{i}", f"u{i}"]) for i in range(6)))
        return batcher.batches

    assert asyncio.run(main()) == 3  # 12 texts, at most 5 per call: requests of 2 go 2 by 2


def test_a_failing_model_fails_every_request_of_its_batch() -> None:
    def broken(texts: list[str]) -> np.ndarray:
        raise RuntimeError("model crashed")

    async def main() -> list[BaseException | np.ndarray]:
        batcher = Batcher(broken)
        return await asyncio.gather(
            *(batcher.submit(["x"]) for _ in range(3)), return_exceptions=True
        )

    results = asyncio.run(main())
    assert [str(r) for r in results] == ["model crashed"] * 3
