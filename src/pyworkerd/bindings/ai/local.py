"""The local models behind embeddings and classification, run off the event loop.

- Embeddings: WordLlama's `l2_supercat_256` (package `wordllama`): a 32 000 × 256 token
  embedding table distilled from large language models, with its tokenizer. A text's
  vector is the mean of its tokens' rows (at most 512 tokens, bge's limit), L2-normalised.
  The files ship inside the wheel and are read straight from it (`tokenizers` and
  `safetensors`), so nothing is ever downloaded. The vectors are zero-padded to the
  Cloudflare model's width: cosine similarities are those of the 256 real dimensions.
- Classification: VADER (package `vaderSentiment`), a lexicon-and-rules sentiment model;
  its compound score c in [-1, 1] gives POSITIVE = (c + 1) / 2.

Both are optional (`pip install 'pyworkerd[ai]'`). Inference runs in a small thread pool;
concurrent embedding requests are batched: while one batch runs, the requests that arrive
are queued and then embedded together in one call.
"""

from __future__ import annotations

import asyncio
import importlib.util
import threading
import weakref
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pyworkerd.bindings.ai.errors import AiError, upstream

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "EMBEDDING_MODEL",
    "EXTRA_MESSAGE",
    "Batcher",
    "Embedder",
    "classify",
    "embed",
    "embedder",
    "executor",
]

EMBEDDING_MODEL = "wordllama l2_supercat_256"
EXTRA_MESSAGE = (
    "The local model for {model} is not installed: install the AI extra with "
    "pip install 'pyworkerd[ai]'"
)
MAX_TOKENS = 512
MAX_BATCH = 512  # texts embedded in one call at most

_EXECUTOR: ThreadPoolExecutor | None = None
_LOCK = threading.Lock()


def executor() -> ThreadPoolExecutor:
    """The inference threads (2: tokenizers and numpy release the GIL while they work)."""
    global _EXECUTOR
    with _LOCK:
        if _EXECUTOR is None:
            _EXECUTOR = ThreadPoolExecutor(max_workers=2, thread_name_prefix="pyworkerd-ai")
        return _EXECUTOR


def _missing(model: str) -> AiError:
    return upstream(EXTRA_MESSAGE.format(model=model))


@dataclass
class Embedder:
    """WordLlama's token table and tokenizer, as loaded from the installed wheel."""

    table: npt.NDArray[np.float32]
    tokenizer: Any

    @property
    def dims(self) -> int:
        return int(self.table.shape[1])

    @classmethod
    def load(cls) -> Embedder:
        import numpy as np
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        spec = importlib.util.find_spec("wordllama")
        if spec is None or not spec.submodule_search_locations:
            raise ModuleNotFoundError("No module named 'wordllama'", name="wordllama")
        root = Path(next(iter(spec.submodule_search_locations)))
        tokenizer = Tokenizer.from_file(str(root / "tokenizers/l2_supercat_tokenizer_config.json"))
        tokenizer.no_padding()
        tokenizer.enable_truncation(MAX_TOKENS)
        weights = load_file(str(root / "weights/l2_supercat_256.safetensors"))
        table = np.ascontiguousarray(weights["embedding.weight"], dtype=np.float32)
        return cls(table, tokenizer)

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """One unit vector (or zeros, for a text with no tokens) per text."""
        import numpy as np

        encodings = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        lengths = np.array([len(e.ids) for e in encodings], dtype=np.int64)
        total = int(lengths.sum())
        ids = np.fromiter((i for e in encodings for i in e.ids), dtype=np.int64, count=total)
        np.clip(ids, 0, self.table.shape[0] - 1, out=ids)
        out = np.zeros((len(encodings), self.dims), dtype=np.float32)
        nonempty = lengths > 0
        if ids.size:
            starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))[nonempty]
            sums = np.add.reduceat(self.table[ids], starts, axis=0)
            out[nonempty] = sums / lengths[nonempty, None]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out


_EMBEDDER: Embedder | None = None
_SENTIMENT: Any = None


def embedder(model: str) -> Embedder:
    """The loaded embedding model (loaded once per process; call it off the loop)."""
    global _EMBEDDER
    with _LOCK:
        if _EMBEDDER is None:
            try:
                _EMBEDDER = Embedder.load()
            except ImportError:
                raise _missing(model) from None
        return _EMBEDDER


def _sentiment(model: str) -> Any:
    global _SENTIMENT
    with _LOCK:
        if _SENTIMENT is None:
            try:
                from vaderSentiment.vaderSentiment import (  # type: ignore[import-untyped]
                    SentimentIntensityAnalyzer,
                )
            except ImportError:
                raise _missing(model) from None
            _SENTIMENT = SentimentIntensityAnalyzer()
        return _SENTIMENT


def _classify_sync(model: str, text: str) -> list[dict[str, Any]]:
    compound = float(_sentiment(model).polarity_scores(text)["compound"])
    positive = min(1.0, max(0.0, (compound + 1.0) / 2.0))
    return [
        {"label": "NEGATIVE", "score": 1.0 - positive},
        {"label": "POSITIVE", "score": positive},
    ]


async def classify(model: str, text: str) -> list[dict[str, Any]]:
    """`[{label: "NEGATIVE", score}, {label: "POSITIVE", score}]` for one text."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(executor(), _classify_sync, model, text)


@dataclass
class _Pending:
    texts: list[str]
    future: asyncio.Future[Any]


@dataclass
class Batcher:
    """Requests that arrive while a batch runs are embedded together in the next one."""

    run: Callable[[list[str]], Any]
    max_batch: int = MAX_BATCH
    batches: int = 0  # how many calls of `run` so far (the bench and tests read it)
    _queue: list[_Pending] = field(default_factory=list)
    _draining: bool = False

    async def submit(self, texts: list[str]) -> Any:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.append(_Pending(texts, future))
        if not self._draining:
            self._draining = True
            asyncio.get_running_loop().create_task(self._drain())
        return await future

    def _take(self) -> list[_Pending]:
        batch: list[_Pending] = []
        size = 0
        while self._queue and (not batch or size + len(self._queue[0].texts) <= self.max_batch):
            item = self._queue.pop(0)
            batch.append(item)
            size += len(item.texts)
        return batch

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            await asyncio.sleep(0)  # let the requests of this loop turn join the first batch
            while self._queue:
                batch = self._take()
                flat = [t for item in batch for t in item.texts]
                self.batches += 1
                try:
                    rows = await loop.run_in_executor(executor(), self.run, flat)
                except Exception as exc:  # the model failed: every caller in the batch sees it
                    for item in batch:
                        if not item.future.done():
                            item.future.set_exception(exc)
                    continue
                start = 0
                for item in batch:
                    if not item.future.done():
                        item.future.set_result(rows[start : start + len(item.texts)])
                    start += len(item.texts)
        finally:
            self._draining = False


# One batcher per event loop (a server has one; tests may run several in turn).
_BATCHERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Batcher] = (
    weakref.WeakKeyDictionary()
)


def batcher(model: str) -> Batcher:
    loop = asyncio.get_running_loop()
    found = _BATCHERS.get(loop)
    if found is None:
        found = _BATCHERS[loop] = Batcher(lambda texts: embedder(model).embed(texts))
    return found


async def embed(model: str, texts: list[str], dims: int) -> dict[str, Any]:
    """Workers AI's embeddings output `{shape, data, pooling}` for `texts`."""
    rows = await batcher(model).submit(texts)
    width = rows.shape[1]
    data = [[*row.tolist(), *([0.0] * (dims - width))] for row in rows]
    return {"shape": [len(data), dims], "data": data, "pooling": "mean"}
