"""Without the `ai` extra (its packages hidden from the server) and without an endpoint:
each task fails with a message that says what to install or set."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from pyworkerd.testing import RunningServer, running_server
from tests.bindings.ai.conftest import make_ai_project, run_ai

HIDDEN = ("tokenizers", "safetensors", "vaderSentiment")


@pytest.fixture(scope="module")
def bare(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    # A directory first on the server's path whose packages fail to import, as missing ones do.
    hide = tmp_path_factory.mktemp("hide")
    for name in HIDDEN:
        (hide / name).mkdir()
        (hide / name / "__init__.py").write_text(
            f"raise ModuleNotFoundError(\"No module named '{name}'\", name={name!r})\n"
        )
    path = os.pathsep.join([str(hide), *filter(None, [os.environ.get("PYTHONPATH")])])
    env = {"PYTHONPATH": path, "PYWORKERD_AI_ENDPOINT": ""}
    with running_server(make_ai_project(tmp_path_factory.mktemp("ai-bare")), env=env) as srv:
        yield srv


@pytest.mark.parametrize(
    ("model", "inputs"),
    [
        ("@cf/baai/bge-base-en-v1.5", {"text": "hello"}),
        ("@cf/huggingface/distilbert-sst-2-int8", {"text": "hello"}),
    ],
)
def test_local_models_name_the_extra(bare: RunningServer, model: str, inputs: object) -> None:
    assert run_ai(bare, model, inputs) == [
        "InferenceUpstreamError",
        f"The local model for {model} is not installed: install the AI extra with "
        "pip install 'pyworkerd[ai]'",
        "InferenceUpstreamError",
        True,
    ]


def test_generation_without_endpoint_names_the_setting(bare: RunningServer) -> None:
    name, message, ctor, is_error = run_ai(
        bare, "@cf/mistral/mistral-7b-instruct-v0.1", {"prompt": "hi"}
    )
    assert (name, ctor, is_error) == ("InferenceUpstreamError", "InferenceUpstreamError", True)
    assert "set PYWORKERD_AI_ENDPOINT" in message
    assert "@cf/mistral/mistral-7b-instruct-v0.1" in message


def test_bad_inputs_are_still_checked(bare: RunningServer) -> None:
    assert run_ai(bare, "@cf/baai/bge-m3", {"text": ""})[:2] == [
        "AiError",
        "5006: Error: minLength at '/text' must be 1",
    ]
    assert run_ai(bare, "@cf/unknown/model", {"text": "x"})[:2] == [
        "AiError",
        "5007: No such model @cf/unknown/model or task",
    ]


def test_the_hiding_is_real(tmp_path: Path) -> None:
    """The server really lacked the packages: importing one from the hidden path fails."""
    import subprocess
    import sys

    (tmp_path / "tokenizers").mkdir()
    (tmp_path / "tokenizers" / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'tokenizers'\", name='tokenizers')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", "import tokenizers"],
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1 and "No module named 'tokenizers'" in proc.stderr
