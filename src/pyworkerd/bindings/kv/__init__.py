"""KV namespaces (`kv_namespaces`): `env.X.get/getWithMetadata/put/delete/list`.

Storage: one `KeyValueStore` per namespace, `backend_for(state).kv("kv", <id>)` (id from
the config, else the binding name); by default `<state>/kv/<id>.sqlite3`, with values
over 256 KiB as blob files in `<state>/kv/<id>.blobs/`.

Host ops (JS side in facade.js; args are JSON lists, the binding name first):

- ``kv.get`` ``[binding, key, asText, cacheTtl|null]`` → ``null`` when missing, else
  ``[metadataJSON|null, size, readToken|null, text|null]`` with the value's bytes (or its
  first 256 KiB piece) as payload; ``text`` is set instead for a small value read as text.
- ``kv.read`` ``[binding, token]`` → the next piece, with ``true`` when it is the last.
- ``kv.close`` ``[binding, token]``: a read no longer wanted.
- ``kv.getBulk`` ``[binding, keys, type|null, withMetadata, cacheTtl|null]`` →
  ``[[key, text|null, metadataJSON|null], …]``.
- ``kv.put`` ``[binding, key, expiration|null, expirationTtl|null, metadataJSON|null]``,
  payload the whole value. Resolves once the value is durable.
- ``kv.putStart`` (same args plus ``length|null``) → token; ``kv.putWrite`` ``[binding,
  token]`` with a piece (≤ 1 MiB); ``kv.putCommit`` / ``kv.putAbort`` ``[binding, token]``.
- ``kv.delete`` ``[binding, key]``; ``kv.list`` ``[binding, limit|null, prefix|null,
  cursor|null]`` → ``{keys, list_complete, cursor?, cacheStatus}``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pyworkerd.bindings import SharedPerProcess, named_binding
from pyworkerd.bindings.kv.gateway import KeyNameError, KVError, KvGateway
from pyworkerd.config import WorkerConfig
from pyworkerd.engine.hostops import (
    HostCall,
    HostError,
    HostOp,
    HostResult,
    on_request_finished,
)
from pyworkerd.storage import KeyValueStore, StateDir, backend_for

__all__ = ["KVError", "KvGateway", "build", "namespace_id", "open_gateway"]

DESCRIPTOR_TYPE = "kv_namespace"

# Stores are shared by every worker (and every reload) of this process that names the
# same file; they close when the server stops.
_GATEWAYS: SharedPerProcess[KeyValueStore, KvGateway] = SharedPerProcess(
    close=lambda gateway: gateway.store.close(), stale=lambda gateway: gateway.store.closed
)


def namespace_id(binding: str, id_: str | None) -> str:
    return id_ or binding


def open_gateway(state: StateDir, ns_id: str) -> KvGateway:
    """The process's gateway over one namespace (shared by workers and reloads)."""
    store = backend_for(state).kv("kv", ns_id)
    return _GATEWAYS.get(store, lambda: KvGateway(store))


def _release(worker: str, request_id: int) -> None:
    if request_id == 0:
        return
    for gateway in _GATEWAYS.values():
        gateway.release(worker, request_id)


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def build(
    config: WorkerConfig, state: StateDir
) -> tuple[dict[str, dict[str, Any]], dict[str, HostOp]]:
    if not config.kv_namespaces:
        return {}, {}
    on_request_finished(_release)
    gateways: dict[str, KvGateway] = {}
    descriptors: dict[str, dict[str, Any]] = {}
    for ns in config.kv_namespaces:
        gateways[ns.binding] = open_gateway(state, namespace_id(ns.binding, ns.id))
        descriptors[ns.binding] = {"type": DESCRIPTOR_TYPE}

    def op(
        fn: Callable[[KvGateway, HostCall, list[Any]], Awaitable[HostResult]],
    ) -> HostOp:
        async def run(call: HostCall) -> HostResult:
            gateway, args = named_binding(gateways, call)
            try:
                return await fn(gateway, call, args)
            except KeyNameError as exc:
                raise HostError("TypeError", str(exc)) from None
            except KVError as exc:
                raise HostError("Error", str(exc)) from None

        return run

    async def get(gw: KvGateway, call: HostCall, a: list[Any]) -> HostResult:
        return await gw.get(
            str(a[1]), _int_or_none(a[3]), bool(a[2]), (call.worker, call.request_id)
        )

    async def read(gw: KvGateway, call: HostCall, a: list[Any]) -> HostResult:
        done, piece = await gw.read(int(a[1]), call.worker)
        return done, piece

    async def close(gw: KvGateway, call: HostCall, a: list[Any]) -> HostResult:
        gw.close_read(int(a[1]), call.worker)
        return None, None

    async def get_bulk(gw: KvGateway, call: HostCall, a: list[Any]) -> HostResult:
        keys = [str(k) for k in a[1]]
        return await gw.get_bulk(keys, _str_or_none(a[2]), bool(a[3]), _int_or_none(a[4])), None

    async def put(gw: KvGateway, call: HostCall, a: list[Any]) -> HostResult:
        value = call.payload or b""
        await gw.put(str(a[1]), value, _int_or_none(a[2]), _int_or_none(a[3]), _str_or_none(a[4]))
        return None, None

    async def put_start(gw: KvGateway, call: HostCall, a: list[Any]) -> HostResult:
        token = await gw.put_start(
            str(a[1]),
            _int_or_none(a[2]),
            _int_or_none(a[3]),
            _str_or_none(a[4]),
            _int_or_none(a[5]),
            (call.worker, call.request_id),
        )
        return token, None

    async def put_write(gw: KvGateway, call: HostCall, a: list[Any]) -> HostResult:
        await gw.put_write(int(a[1]), call.payload or b"", call.worker)
        return None, None

    async def put_commit(gw: KvGateway, call: HostCall, a: list[Any]) -> HostResult:
        await gw.put_commit(int(a[1]), call.worker)
        return None, None

    async def put_abort(gw: KvGateway, call: HostCall, a: list[Any]) -> HostResult:
        await gw.put_abort(int(a[1]), call.worker)
        return None, None

    async def delete(gw: KvGateway, call: HostCall, a: list[Any]) -> HostResult:
        await gw.delete(str(a[1]))
        return None, None

    async def list_(gw: KvGateway, call: HostCall, a: list[Any]) -> HostResult:
        result = await gw.list(_int_or_none(a[1]), _str_or_none(a[2]), _str_or_none(a[3]))
        return result, None

    ops: dict[str, HostOp] = {
        "kv.get": op(get),
        "kv.read": op(read),
        "kv.close": op(close),
        "kv.getBulk": op(get_bulk),
        "kv.put": op(put),
        "kv.putStart": op(put_start),
        "kv.putWrite": op(put_write),
        "kv.putCommit": op(put_commit),
        "kv.putAbort": op(put_abort),
        "kv.delete": op(delete),
        "kv.list": op(list_),
    }
    return descriptors, ops
