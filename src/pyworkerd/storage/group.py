"""Group commit: the writes that arrive while a batch is being committed go together in
the next one.

Under load many requests write at once; committing each on its own costs a transaction
(and an fsync) and a thread hop apiece. A `GroupCommit` keeps at most one batch in
flight per store: every write submitted meanwhile waits in a queue, and the next batch
takes the whole queue into one atomic `KeyValueStore.write`. Each caller still resumes
only once its own write is durable. Should a batch fail, its writes are retried one by
one, so that each caller gets its own write's outcome (so: whole values and deletes
only; a streamed `KvUpload` is written on its own, as a failed write discards it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from pyworkerd.storage.kv import KeyValueStore, KvWrite

__all__ = ["GroupCommit"]

MAX_BATCH = 512  # writes per transaction


class GroupCommit:
    """Batches the writes of one event loop to one store."""

    def __init__(self, store: KeyValueStore) -> None:
        self.store = store
        self._queue: list[tuple[KvWrite, asyncio.Future[None]]] = []
        self._running = False

    async def write(self, item: KvWrite) -> None:
        """Resolves once `item` is committed (raises what its commit raised)."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        if not self._running:
            self._running = True
            asyncio.get_running_loop().create_task(self._drain())
        await future

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._queue:
                batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
                items = [item for item, _ in batch]
                try:
                    errors = await loop.run_in_executor(self.store.executor, self._commit, items)
                except Exception as exc:  # the store is closed: nothing was written
                    errors = [exc] * len(items)
                for (_, future), error in zip(batch, errors, strict=True):
                    if future.done():
                        continue  # its caller was cancelled
                    if error is None:
                        future.set_result(None)
                    else:
                        future.set_exception(error)
        finally:
            self._running = False

    def _commit(self, items: Sequence[KvWrite]) -> list[BaseException | None]:
        try:
            self.store.write(items)
            return [None] * len(items)
        except Exception as exc:
            if len(items) == 1:
                return [exc]
        out: list[BaseException | None] = []
        for item in items:
            try:
                self.store.write([item])
                out.append(None)
            except Exception as exc:
                out.append(exc)
        return out
