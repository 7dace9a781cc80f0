"""The workers of this process by name, for calls between them.

Service bindings, Durable Object namespaces of another script (`script_name`) and queue
consumers reach a worker through its name here; the server registers every worker it
runs. A target answers HTTP requests and other invocations (RPC, scheduled, queue …)
exactly as its isolates do (WorkerPool.fetch / WorkerPool.invoke).
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

from pyworkerd.engine.types import HostRequest, HostResponse, Invocation

__all__ = ["ServiceTarget", "register_service", "service", "unregister_service"]


class ServiceTarget(Protocol):
    async def fetch(self, request: HostRequest) -> tuple[HostResponse, asyncio.Future[None]]: ...

    async def invoke(self, invocation: Invocation) -> tuple[Any, asyncio.Future[None]]: ...


_TARGETS: dict[str, ServiceTarget] = {}


def register_service(name: str, target: ServiceTarget) -> None:
    _TARGETS[name] = target


def unregister_service(name: str, target: ServiceTarget) -> None:
    if _TARGETS.get(name) is target:
        del _TARGETS[name]


def service(name: str) -> ServiceTarget | None:
    return _TARGETS.get(name)
