"""Durable Objects: namespaces, ids, stubs, and one live instance per id.

Config `durable_objects.bindings: [{name, class_name, script_name?}]`. An object lives in
the worker that exports its class (`script_name`, else this worker), in ONE of its
isolates at a time (engine/pool.py pins it by "<ns>:<id>"), where facade.js builds it on
first use. Its namespace `ns` is "<script>/<class>"; its storage is storage.py's, one
SQLite file per object. Host ops (args carry the binding and `target: {id, name}`):

- ``do.fetch``: `fetch.start` over a transport to the object (runtime/fetch.py);
- ``do.call`` {method, args}: an RPC call on the object; the result in RPC wire form;
- ``do.websocket``: `websocket.connect` for a stub's fetch() with `Upgrade: websocket`;
- ``do.storage.*``: the object's storage (storage.py), for the worker hosting objects.

Objects unused for ``idle_seconds()`` are dropped from memory (their storage stays).
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import time
from typing import Any

from pyworkerd.bindings.service import not_running
from pyworkerd.bindings.service.transport import service_transport, service_websocket
from pyworkerd.config import WorkerConfig
from pyworkerd.config.model import DurableObjectBinding
from pyworkerd.engine.hostops import HostCall, HostError, HostOp, HostResult, SyncOp
from pyworkerd.engine.services import ServiceTarget, service
from pyworkerd.engine.types import Invocation
from pyworkerd.runtime.fetch import start_exchange
from pyworkerd.runtime.rpc import invoke_for_host
from pyworkerd.storage import StateDir

__all__ = ["TYPE", "build", "build_sync", "class_origin", "idle_seconds", "namespace_of"]

TYPE = "durable_object"
IDLE_ENV = "PYWORKERD_DO_IDLE_S"
DEFAULT_IDLE_S = 70.0  # Cloudflare evicts an idle object after 70-140 s


def idle_seconds() -> float:
    try:
        return float(os.environ.get(IDLE_ENV, DEFAULT_IDLE_S))
    except ValueError:
        return DEFAULT_IDLE_S


def class_origin(config: WorkerConfig, class_name: str) -> tuple[str, bool]:
    """The name the class was created under (following `renamed_classes` back), and
    whether its storage has the SQL API (`new_sqlite_classes`) or only the key-value one
    (`new_classes`; SQLite when no migration names it)."""
    name = class_name
    for migration in reversed(config.migrations):
        for renamed in migration.renamed_classes:
            if renamed.to == name:
                name = renamed.from_
        if name in migration.new_sqlite_classes:
            return name, True
        if name in migration.new_classes:
            return name, False
    return name, True


def namespace_of(config: WorkerConfig, binding: DurableObjectBinding) -> tuple[str, str]:
    """(the worker hosting the class, the namespace "<script>/<class>" its objects are
    stored under)."""
    script = binding.script_name or config.name or "worker"
    return script, f"{script}/{binding.class_name}"


def _host_config(config: WorkerConfig, script: str) -> WorkerConfig:
    """The config of the worker that hosts a class (this one, or a running `script_name`)."""
    if script == (config.name or "worker"):
        return config
    found = getattr(service(script), "config", None)
    return found if isinstance(found, WorkerConfig) else config


# Objects recently used: key -> (target, descriptor, last use), for the idle sweep.
_RECENT: dict[str, tuple[ServiceTarget, dict[str, Any], float]] = {}
_sweeper: asyncio.TimerHandle | None = None
_EVICTING: set[asyncio.Task[None]] = set()


def _touch(target: ServiceTarget, descriptor: dict[str, Any]) -> None:
    global _sweeper
    _RECENT[f"{descriptor['ns']}:{descriptor['id']}"] = (target, descriptor, time.monotonic())
    if _sweeper is None:
        loop = asyncio.get_running_loop()
        _sweeper = loop.call_later(max(1.0, idle_seconds() / 4), _sweep)


def _sweep() -> None:
    global _sweeper
    _sweeper = None
    deadline = time.monotonic() - idle_seconds()
    loop = asyncio.get_running_loop()
    for key, (target, descriptor, used) in list(_RECENT.items()):
        if used <= deadline:
            del _RECENT[key]
            task = loop.create_task(_evict(target, descriptor, key))
            _EVICTING.add(task)
            task.add_done_callback(_EVICTING.discard)
    if _RECENT:
        _sweeper = loop.call_later(max(1.0, idle_seconds() / 4), _sweep)


async def _evict(target: ServiceTarget, descriptor: dict[str, Any], key: str) -> None:
    try:
        await target.invoke(Invocation("actorEvict", {"actor": descriptor, "key": key}))
    except Exception:  # the worker is gone or reloading: nothing to evict
        return


def _storage_ops(state: StateDir) -> dict[str, HostOp]:
    if importlib.util.find_spec(f"{__name__}.storage") is None:
        return {}
    from pyworkerd.bindings.durable_objects.storage import storage_ops

    return storage_ops(state)


def apply_renames(config: WorkerConfig, state: StateDir) -> None:
    """`renamed_classes` migrations of the classes this worker hosts: their objects'
    storage moves to the new name (as a deploy with the migration does)."""
    if not state.persistent or importlib.util.find_spec(f"{__name__}.storage") is None:
        return
    from pyworkerd.bindings.durable_objects.storage import rename_namespace

    script = config.name or "worker"
    for migration in config.migrations:
        for renamed in migration.renamed_classes:
            rename_namespace(state, f"{script}/{renamed.from_}", f"{script}/{renamed.to}")


def build_sync(config: WorkerConfig, state: StateDir) -> dict[str, SyncOp]:
    """The storage ops objects call synchronously (storage.py: SQL and key-value calls
    run at once, as on workerd)."""
    from pyworkerd.bindings.durable_objects.storage import storage_sync_ops

    return storage_sync_ops(state)


def build(
    config: WorkerConfig, state: StateDir
) -> tuple[dict[str, dict[str, Any]], dict[str, HostOp]]:
    apply_renames(config, state)
    ops: dict[str, HostOp] = dict(_storage_ops(state))
    bindings = {b.name: b for b in config.durable_objects.bindings}
    if not bindings:
        return {}, ops
    descriptors: dict[str, dict[str, Any]] = {}
    for b in bindings.values():
        script, ns = namespace_of(config, b)
        origin, _sqlite = class_origin(_host_config(config, script), b.class_name)
        # Ids are sealed with the class's first name, so a rename keeps every object's id.
        descriptors[b.name] = {
            "type": TYPE,
            "ns": ns,
            "idKey": f"{script}/{origin}",
            "className": b.class_name,
            "script": script,
        }

    def actor_of(call: HostCall) -> tuple[ServiceTarget, dict[str, Any]]:
        args = call.args if isinstance(call.args, dict) else {}
        binding = bindings.get(str(args.get("binding")))
        target_id = args.get("target")
        if binding is None or not isinstance(target_id, dict):
            raise HostError("TypeError", "no such Durable Object binding")
        script, ns = namespace_of(config, binding)
        target = service(script)
        if target is None:
            raise HostError("Error", not_running(script))
        descriptor = {
            "ns": ns,
            "className": binding.class_name,
            "id": str(target_id.get("id")),
            "name": target_id.get("name"),
            "sqlite": class_origin(_host_config(config, script), binding.class_name)[1],
        }
        _touch(target, descriptor)
        return target, descriptor

    async def fetch(call: HostCall) -> HostResult:
        target, descriptor = actor_of(call)
        return await start_exchange(call, service_transport(target, actor=descriptor))

    async def rpc(call: HostCall) -> HostResult:
        target, descriptor = actor_of(call)
        method = call.args.get("method")
        if not isinstance(method, str):
            raise HostError("TypeError", "RPC method name must be a string")
        args = {"actor": descriptor, "args": call.args.get("args")}
        return await invoke_for_host(target.invoke(Invocation("actor", args, name=method)))

    async def websocket(call: HostCall) -> HostResult:
        target, descriptor = actor_of(call)
        return await service_websocket(call, target, actor=descriptor)

    ops.update({"do.fetch": fetch, "do.call": rpc, "do.websocket": websocket})
    return descriptors, ops
