"""Service bindings: `env.SVC` reaches another worker of this runtime by its name.

Config `services: [{binding, service, entrypoint?}]`. The facade (facade.js) is a Fetcher:
`env.SVC.fetch()` runs the regular fetch exchange (runtime/fetch.py) over an in-process
transport to the target's isolates, and any other method is an RPC call to the target's
WorkerEntrypoint (js/75_rpc.js). Host ops:

- ``service.fetch``: `fetch.start` for the binding named in args.binding.
- ``service.call`` {binding, method, args}: an RPC method call; the result in RPC wire form.
- ``service.websocket``: `websocket.connect` for fetch() with `Upgrade: websocket`.
"""

from __future__ import annotations

from typing import Any

from pyworkerd.bindings.service.transport import service_transport, service_websocket
from pyworkerd.config import WorkerConfig
from pyworkerd.config.model import ServiceBinding
from pyworkerd.engine.hostops import HostCall, HostError, HostOp, HostResult
from pyworkerd.engine.services import ServiceTarget, service
from pyworkerd.engine.types import Invocation
from pyworkerd.runtime.fetch import start_exchange
from pyworkerd.runtime.rpc import invoke_for_host
from pyworkerd.storage import StateDir

__all__ = ["build", "not_running"]

TYPE = "service"


def not_running(name: str) -> str:
    """What a call to a service that this runtime does not run says."""
    return (
        f'Service "{name}" is not running in this pyworkerd; start it in the same process '
        f"(pyworkerd dev -c <its wrangler config> -c …)."
    )


def build(
    config: WorkerConfig, state: StateDir
) -> tuple[dict[str, dict[str, Any]], dict[str, HostOp]]:
    if not config.services:
        return {}, {}
    bindings = {svc.binding: svc for svc in config.services}
    descriptors = {
        svc.binding: {"type": TYPE, "service": svc.service, "entrypoint": svc.entrypoint}
        for svc in config.services
    }

    def target_of(call: HostCall) -> tuple[ServiceBinding, ServiceTarget]:
        args = call.args if isinstance(call.args, dict) else {}
        svc = bindings.get(str(args.get("binding")))
        if svc is None:
            raise HostError("TypeError", "no such service binding")
        target = service(svc.service)
        if target is None:
            raise HostError("Error", not_running(svc.service))
        return svc, target

    async def fetch(call: HostCall) -> HostResult:
        svc, target = target_of(call)
        return await start_exchange(call, service_transport(target, entrypoint=svc.entrypoint))

    async def rpc(call: HostCall) -> HostResult:
        svc, target = target_of(call)
        method = call.args.get("method")
        if not isinstance(method, str):
            raise HostError("TypeError", "RPC method name must be a string")
        return await invoke_for_host(
            target.invoke(
                Invocation(
                    "rpc",
                    call.args.get("args"),
                    entrypoint=svc.entrypoint or "default",
                    name=method,
                )
            )
        )

    async def websocket(call: HostCall) -> HostResult:
        svc, target = target_of(call)
        return await service_websocket(call, target, entrypoint=svc.entrypoint)

    return descriptors, {
        "service.fetch": fetch,
        "service.call": rpc,
        "service.websocket": websocket,
    }
