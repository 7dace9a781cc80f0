"""Which worker answers a request.

As with `wrangler dev -c a -c b`, the first worker is the one served on the port; the
others are reachable from it (service bindings, Durable Objects) but not directly.
"""

from __future__ import annotations

from typing import Any

from pyworkerd.server.workers import Worker

__all__ = ["Router"]


class Router:
    def __init__(self, workers: list[Worker]) -> None:
        self.workers = workers

    @property
    def primary(self) -> Worker | None:
        return self.workers[0] if self.workers else None

    def route(self, scope: Any) -> Worker | None:
        return self.primary

    def by_name(self, name: str) -> Worker | None:
        return next((w for w in self.workers if w.name == name), None)
