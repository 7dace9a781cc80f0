from __future__ import annotations

from collections.abc import Callable
from typing import Any


def test_navigator_performance_and_self(run_js: Callable[..., Any]) -> None:
    out = run_js(
        """
        const t0 = performance.now();
        let x = 0; for (let i = 0; i < 1e6; i++) x += i;
        return {
          ua: navigator.userAgent, cores: navigator.hardwareConcurrency,
          selfIsGlobal: self === globalThis, origin: typeof performance.timeOrigin,
          monotonic: performance.now() >= t0,
        };
        """
    )
    assert out == {
        "ua": "Cloudflare-Workers",
        "cores": 1,
        "selfIsGlobal": True,
        "origin": "number",
        "monotonic": True,
    }
