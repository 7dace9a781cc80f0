"""Queues (`queues.producers` / `queues.consumers`): `env.Q.send/sendBatch/metrics`, and
the broker delivering batches to consumers' `queue(batch, env, ctx)`.

Storage: one SQLite database per queue, `backend_for(state).sql("queues", <queue>)`
(by default `<state>/queues/<queue>.sqlite3`), shared by every worker of the process,
the other processes of `serve --workers N` and `pyworkerd queues send`.

Host ops (JS side in facade.js; args are JSON lists, the binding name first; each
resolves once the messages are durable, with the queue's backlog
`{backlogCount, backlogBytes, oldestMessageTimestamp}`):

- ``queues.send`` ``[binding, contentType, delaySeconds|null]``, payload the body;
- ``queues.sendBatch`` ``[binding, [[contentType, delaySeconds|null, size], …],
  delaySeconds|null]``, payload the bodies one after another;
- ``queues.metrics`` ``[binding]``.

Consumers run in broker.py (`run_consumers`), in one process only; the worker side of a
delivery is the "queue" invoker of facade.js.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pyworkerd.bindings import named_binding
from pyworkerd.bindings.queues.gateway import Outgoing, QueueGateway, QueueSendError
from pyworkerd.bindings.queues.store import store_for
from pyworkerd.config import WorkerConfig
from pyworkerd.engine.hostops import HostCall, HostError, HostOp, HostResult
from pyworkerd.storage import StateDir

__all__ = ["QueueGateway", "QueueSendError", "build", "default_content_type"]

DESCRIPTOR_TYPE = "queue"
JSON_BY_DEFAULT_SINCE = "2024-03-18"  # workerd's queues_json_messages


def default_content_type(config: WorkerConfig) -> str:
    """workerd's `queues_json_messages`: JSON by default since 2024-03-18, before it v8."""
    flags = config.compatibility_flags
    if "no_queues_json_messages" in flags:
        return "v8"
    if "queues_json_messages" in flags or config.compatibility_date >= JSON_BY_DEFAULT_SINCE:
        return "json"
    return "v8"


def _delay(value: Any) -> int | None:
    return None if value is None else int(value)


def build(
    config: WorkerConfig, state: StateDir
) -> tuple[dict[str, dict[str, Any]], dict[str, HostOp]]:
    if not config.queues.producers:
        return {}, {}
    expose_codes = "queue_expose_error_codes" in config.compatibility_flags
    content_type = default_content_type(config)
    gateways: dict[str, QueueGateway] = {}
    descriptors: dict[str, dict[str, Any]] = {}
    for producer in config.queues.producers:
        store = store_for(state, producer.queue)
        gateways[producer.binding] = QueueGateway(store, producer.delivery_delay)
        descriptors[producer.binding] = {"type": DESCRIPTOR_TYPE, "contentType": content_type}

    def op(
        method: str, fn: Callable[[QueueGateway, HostCall, list[Any]], Awaitable[Any]]
    ) -> HostOp:
        async def run(call: HostCall) -> HostResult:
            gateway, args = named_binding(gateways, call)
            try:
                return await fn(gateway, call, args), None
            except QueueSendError as exc:
                raise HostError("Error", exc.message(method, expose_codes)) from None

        return run

    async def send(gw: QueueGateway, call: HostCall, a: list[Any]) -> Any:
        item = Outgoing(str(a[1]), call.payload or b"", _delay(a[2]))
        return (await gw.send(item)).as_json()

    async def send_batch(gw: QueueGateway, call: HostCall, a: list[Any]) -> Any:
        payload = call.payload or b""
        items: list[Outgoing] = []
        offset = 0
        for type_, delay, size in a[1]:
            items.append(Outgoing(str(type_), payload[offset : offset + size], _delay(delay)))
            offset += size
        return (await gw.send_batch(items, _delay(a[2]))).as_json()

    async def metrics(gw: QueueGateway, call: HostCall, a: list[Any]) -> Any:
        return (await gw.store.backlog()).as_json()

    ops: dict[str, HostOp] = {
        "queues.send": op("send", send),
        "queues.sendBatch": op("sendBatch", send_batch),
        "queues.metrics": op("metrics", metrics),
    }
    return descriptors, ops
