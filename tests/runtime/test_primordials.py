from __future__ import annotations

from collections.abc import Callable
from typing import Any


def test_runtime_loads_and_hides_internals(run_js: Callable[..., Any]) -> None:
    assert run_js("return typeof internals") == "undefined"
    assert run_js("return Object.getOwnPropertyNames(globalThis).includes('internals')") is False
