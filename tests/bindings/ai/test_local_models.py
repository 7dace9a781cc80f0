"""Embeddings and sentiment from the real local models, through a real server."""

from __future__ import annotations

import importlib.util
import json
import math
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pyworkerd.bindings.ai.catalog import EMBEDDING_DIMS
from pyworkerd.testing import RunningServer, running_server
from tests.bindings.ai.conftest import make_ai_project, ok, run_ai
from tests.server.conftest import request

SMALL = "@cf/baai/bge-small-en-v1.5"
SST2 = "@cf/huggingface/distilbert-sst-2-int8"


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(make_ai_project(tmp_path_factory.mktemp("ai"))) as srv:
        yield srv


def cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


def test_embeddings_keep_each_model_width(dev: RunningServer) -> None:
    for model, dims in EMBEDDING_DIMS.items():
        out = ok(dev, model, {"text": "hello world"})
        assert out["shape"] == [1, dims]
        assert out["pooling"] == "mean"
        (row,) = out["data"]
        assert len(row) == dims
        assert math.isclose(math.sqrt(sum(x * x for x in row)), 1.0, rel_tol=1e-5)
        assert all(x == 0.0 for x in row[256:])  # the local model's 256 dims, zero-padded


def test_embeddings_carry_meaning(dev: RunningServer) -> None:
    texts = [
        "The cat is sleeping on the sofa.",
        "A kitten naps on the couch.",
        "Interest rates were raised by the central bank.",
        "The cat is sleeping on the sofa.",
    ]
    out = ok(dev, SMALL, {"text": texts})
    assert out["shape"] == [4, 384]
    cat, kitten, bank, same = out["data"]
    assert cosine(cat, same) == pytest.approx(1.0)
    assert cosine(cat, kitten) > cosine(cat, bank) + 0.1
    assert cosine(kitten, cat) > cosine(kitten, bank) + 0.1


def test_embeddings_match_the_wordllama_library(dev: RunningServer) -> None:
    """Our loader reads WordLlama's shipped files; its own inference gives the same vectors."""
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer
    from wordllama.inference import WordLlamaInference

    spec = importlib.util.find_spec("wordllama")
    assert spec is not None and spec.submodule_search_locations
    pkg = Path(next(iter(spec.submodule_search_locations)))
    table = load_file(str(pkg / "weights/l2_supercat_256.safetensors"))["embedding.weight"]
    tok = Tokenizer.from_file(str(pkg / "tokenizers/l2_supercat_tokenizer_config.json"))
    reference = WordLlamaInference(table, tok).embed(
        ["vector search in a database", "hello"], norm=True
    )
    out = ok(dev, SMALL, {"text": ["vector search in a database", "hello"]})
    for got, want in zip(out["data"], reference.tolist(), strict=True):
        assert cosine(got[:256], want) == pytest.approx(1.0, abs=1e-5)


def test_concurrent_embedding_requests_each_get_their_own_vectors(dev: RunningServer) -> None:
    texts = [f"document number {i} about topic {i % 3}" for i in range(8)]
    alone = {t: ok(dev, SMALL, {"text": t})["data"][0] for t in texts}
    results: dict[str, Any] = {}

    def call(text: str) -> None:
        results[text] = ok(dev, SMALL, {"text": [text, "shared filler"]})

    threads = [threading.Thread(target=call, args=(t,)) for t in texts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for text in texts:
        assert results[text]["shape"] == [2, 384]
        assert results[text]["data"][0] == pytest.approx(alone[text], abs=1e-6)


def test_classification_is_real_sentiment(dev: RunningServer) -> None:
    good = ok(dev, SST2, {"text": "This movie was wonderful, I loved every minute of it!"})
    bad = ok(dev, SST2, {"text": "Terrible, boring and far too long. I hated it."})
    for out in (good, bad):
        assert [x["label"] for x in out] == ["NEGATIVE", "POSITIVE"]
        assert sum(x["score"] for x in out) == pytest.approx(1.0)
    assert good[1]["score"] > 0.8
    assert bad[0]["score"] > 0.8


@pytest.mark.parametrize(
    ("model", "inputs", "message"),
    [
        ("@cf/baai/bge-tiny", {"text": "x"}, "5007: No such model @cf/baai/bge-tiny or task"),
        ("", {"text": "x"}, "5007: No such model  or task"),
        (SMALL, {}, "5006: Error: required properties at '/' are 'text'"),
        (SMALL, {"text": 3}, "5006: Error: type at '/text' must be string or array of strings"),
        (SMALL, {"text": ""}, "5006: Error: minLength at '/text' must be 1"),
        (SMALL, {"text": ["a"] * 101}, "5006: Error: array at '/text' must have 1 to 100 items"),
        (
            SMALL,
            {"text": "a", "pooling": "max"},
            "5006: Error: enum at '/pooling' must be 'mean' or 'cls'",
        ),
        (SST2, {"text": ["a", "b"]}, "5006: Error: type at '/text' must be string"),
        (SST2, "just a string", "5006: Error: type at '/' must be object"),
    ],
)
def test_errors_have_the_platform_shape(
    dev: RunningServer, model: str, inputs: Any, message: str
) -> None:
    assert run_ai(dev, model, inputs) == ["AiError", message, "InferenceUpstreamError", True]


def test_raw_response_and_request_id(dev: RunningServer) -> None:
    out = ok(dev, SST2, {"text": "great"}, {"returnRawResponse": True})
    assert out["response"]["type"] == "application/json"
    assert [x["label"] for x in json.loads(out["response"]["body"])] == ["NEGATIVE", "POSITIVE"]
    reply = request(dev.url, "/id")
    request_id, name, logs = reply.json()
    assert len(request_id) == 36 and request_id.count("-") == 4
    assert name == "[object Ai]"
    assert logs == []
