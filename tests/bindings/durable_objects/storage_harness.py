"""A real isolate with the runtime's `internals` exposed and the DO storage ops wired in.

`run_storage_js(state, body)` runs `body` as the async fetch handler of a worker in a
fresh isolate (the real bridge, real host calls to storage.py, real SQLite files), with
`storage` = `internals.doStorage.create({ns, id, sqlite}, hooks)` (async and
synchronous ops wired) and `gate` recording
the hooks' calls; the handler's return value comes back as JSON.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from pyworkerd.bindings.durable_objects.storage import storage_ops, storage_sync_ops
from pyworkerd.bundler import wrap_script
from pyworkerd.engine.boot import BootedContext
from pyworkerd.engine.hostops import ops_with_runtime
from pyworkerd.engine.isolate import Isolate
from pyworkerd.engine.native import NativeContext
from pyworkerd.engine.types import HostRequest, WorkerSpec
from pyworkerd.runtime import EXPOSE_INTERNALS_FLAG
from pyworkerd.storage import StateDir

NS = "worker/Counter"
ID = "ab" * 32

_WORKER = """
const gate = { started: 0, finished: 0, open: 0, maxOpen: 0, broken: null };
const hooks = {
  opStarted() { gate.started++; gate.open++; gate.maxOpen = Math.max(gate.maxOpen, gate.open); },
  opFinished() { gate.finished++; gate.open--; },
  onBroken(err) { gate.broken = String(err && err.message); },
};
const storages = new Map();
function storageFor(ref) {
  const key = JSON.stringify(ref);
  if (!storages.has(key)) storages.set(key, internals.doStorage.create(ref, hooks));
  return storages.get(key);
}
module.exports.default = {
  async fetch(request) {
    const ref = JSON.parse(request.headers.get("x-ref"));
    const storage = storageFor(ref);
    const encode = (v) => JSON.parse(JSON.stringify(v, (k, x) =>
      x instanceof Map ? { $map: [...x] } : x === undefined ? { $undefined: true }
        : typeof x === "bigint" ? { $bigint: String(x) } : x));
    try {
      const value = await (async () => { %BODY% })();
      await internals.doStorage.sync(storage);  // the output gate (facade.js)
      return Response.json({ ok: encode(value), gate });
    } catch (err) {
      return Response.json({ error: { name: err.name, message: err.message }, gate });
    }
  },
};
"""


class StorageJSError(Exception):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


async def _start(state: StateDir, body: str, logs: list[str]) -> Isolate:
    ctx = NativeContext()
    ctx.eval(f"globalThis.{EXPOSE_INTERNALS_FLAG} = true")
    booted = BootedContext(ctx)
    await booted.install()
    spec = WorkerSpec(
        name="w",
        script=wrap_script(_WORKER.replace("%BODY%", body)),
        host_ops=ops_with_runtime(storage_ops(state)),
        sync_ops=storage_sync_ops(state),
    )
    return await Isolate.start(
        spec,
        booted,
        log=lambda _w, _level, _rid, text: logs.append(text),
        on_retire=lambda _i: None,
    )


async def call(isolate: Isolate, ref: dict[str, Any]) -> dict[str, Any]:
    response, done = await isolate.fetch(
        HostRequest("GET", "http://do/", ["x-ref", json.dumps(ref)])
    )
    await done
    assert isinstance(response.body, str | bytes)
    out: dict[str, Any] = json.loads(response.body)
    return out


def run_storage_js(
    state: StateDir,
    body: str,
    *,
    times: int = 1,
    ns: str = NS,
    object_id: str = ID,
    sqlite: bool = True,
    logs: list[str] | None = None,
) -> Any:
    """Run `body` `times` times (same isolate, same storage object); the last result.
    A JS throw raises StorageJSError; `gate` is in the result under "gate" when asked."""

    async def go() -> dict[str, Any]:
        isolate = await _start(state, body, logs if logs is not None else [])
        try:
            ref = {"ns": ns, "id": object_id, "sqlite": sqlite}
            out: dict[str, Any] = {}
            for _ in range(times):
                out = await asyncio.wait_for(call(isolate, ref), 20)
            return out
        finally:
            isolate.close()

    out = asyncio.run(go())
    if "error" in out:
        raise StorageJSError(out["error"]["name"], out["error"]["message"])
    return out["ok"]


def run_with_gate(state: StateDir, body: str, **kw: Any) -> tuple[Any, dict[str, Any]]:
    """Like run_storage_js, also returning the hooks' record."""

    async def go() -> dict[str, Any]:
        isolate = await _start(state, body, [])
        try:
            ref = {"ns": kw.get("ns", NS), "id": kw.get("object_id", ID), "sqlite": True}
            return await asyncio.wait_for(call(isolate, ref), 20)
        finally:
            isolate.close()

    out = asyncio.run(go())
    if "error" in out:
        raise StorageJSError(out["error"]["name"], out["error"]["message"])
    return out["ok"], out["gate"]
