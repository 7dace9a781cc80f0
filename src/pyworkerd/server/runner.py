"""Run workers behind the HTTP front end until SIGINT/SIGTERM: `dev` and `serve` share it.

granian runs embedded in this process's event loop (its RSGI interface), so the front
end, the engine and the reloader share one loop. The port is reserved with SO_REUSEPORT
before granian binds it, which makes `--port 0` race-free and lets several processes of
`serve --workers N` share one port.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import signal
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from granian.constants import Interfaces
from granian.http import HTTP1Settings
from granian.server.embed import Server as GranianServer

from pyworkerd.bindings.durable_objects.alarms import AlarmScheduler
from pyworkerd.bindings.queues.broker import run_consumers
from pyworkerd.config import WorkerConfig
from pyworkerd.engine import hostops
from pyworkerd.engine.boot import SpareContexts
from pyworkerd.engine.pool import IsolateBudget
from pyworkerd.engine.services import register_service, unregister_service
from pyworkerd.server.frontend import FrontEnd, Limits
from pyworkerd.server.logs import LogPrinter
from pyworkerd.server.router import Router
from pyworkerd.server.scheduled import CronScheduler
from pyworkerd.server.workers import BuildFailed, Worker
from pyworkerd.storage import StateDir

__all__ = ["PortInUse", "ServeOptions", "reserve_port", "run"]

# Workers built at once at start-up (each runs esbuild, then boots an isolate).
BUILD_CONCURRENCY = 4
GC_THRESHOLD = 20_000


@dataclass
class ServeOptions:
    configs: list[WorkerConfig]
    # Re-read each config from disk (reload); same order as `configs`.
    loaders: list[Callable[[], WorkerConfig]] = field(default_factory=list)
    ip: str = "127.0.0.1"
    port: int = 8787
    dev: bool = True
    enforce_limits: bool = True
    watch: bool = False
    memory_budget_mb: int = 2048
    max_body_mb: int = 100
    # One line per request (wrangler dev does this; workerd does not).
    log_requests: bool = True
    # Set for the processes of `serve --workers N`, which share the parent's port.
    shared_port: bool = False
    state_dir: Path | None = None
    printer: LogPrinter = field(default_factory=LogPrinter)
    # Called with the URL once the server accepts connections (tests, banners).
    on_ready: Callable[[str], None] | None = None
    # wrangler's --test-scheduled: a /__scheduled route runs the scheduled handler.
    test_scheduled: bool = False
    # Run what happens on a schedule (cron triggers, Durable Object alarms, queue
    # consumers): in one process only of `serve --workers N`.
    background: bool = True


class PortInUse(OSError):
    """Another process listens on the address asked for."""


def reserve_port(ip: str, port: int, *, shared: bool = False) -> socket.socket:
    """Bind (not listen) a SO_REUSEPORT socket: holds the port for granian to share.

    Unless `shared` (the processes of one `serve --workers N`), the port must be free:
    SO_REUSEPORT alone would let a second server silently take half the traffic.
    """
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    if port and not shared:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((ip, port))
            except OSError as exc:
                raise PortInUse(
                    f"{ip}:{port} is already in use ({exc.strerror}); stop the other server "
                    "or choose another --port"
                ) from None
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((ip, port))
    return sock


async def run(options: ServeOptions) -> int:
    """Serve until a signal; return the process exit status."""
    printer = options.printer
    spares = SpareContexts(1)
    spares.start_refill()
    budget = IsolateBudget(options.memory_budget_mb)
    state = StateDir(options.state_dir)
    workers = [
        Worker(
            cfg,
            log=printer.worker_log,
            budget=budget,
            spares=spares,
            state=state,
            enforce_limits=options.enforce_limits,
            config_loader=options.loaders[i] if i < len(options.loaders) else None,
        )
        for i, cfg in enumerate(options.configs)
    ]
    for worker in workers:
        register_service(worker.name, worker)
    if not await _start_all(workers, printer) and not options.dev:
        await _close_all(workers, spares)
        return 1
    frontend = FrontEnd(
        Router(workers),
        printer=printer,
        dev=options.dev,
        limits=Limits(max_body_bytes=options.max_body_mb * 1024 * 1024),
        log_requests=options.log_requests,
        test_scheduled=options.test_scheduled,
    )
    try:
        holder = reserve_port(options.ip, options.port, shared=options.shared_port)
    except PortInUse as exc:
        printer.error(str(exc))
        await _close_all(workers, spares)
        return 1
    port = holder.getsockname()[1]
    host = f"[{options.ip}]" if ":" in options.ip else options.ip
    url = f"http://{host}:{port}"
    server = GranianServer(
        frontend,
        address=options.ip,
        port=port,
        interface=Interfaces.RSGI,
        log_enabled=bool(os.environ.get("PYWORKERD_DEBUG_GRANIAN")),
        websockets=True,
        backlog=1024,
        http1_settings=HTTP1Settings(max_buffer_size=512 * 1024),
    )
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()

    def stop() -> None:
        if not stopping.is_set():
            stopping.set()
            printer.info("shutting down: finishing requests in flight")
            server.stop()  # type: ignore[no-untyped-call]

    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop)
    serving = loop.create_task(server.serve())
    watcher: asyncio.Task[None] | None = None
    scheduler = CronScheduler(workers, printer)
    alarms = AlarmScheduler(state, printer)
    consumers: asyncio.Task[None] | None = None
    try:
        await _wait_listening(options.ip, port, serving)
        holder.close()
        _settle_garbage_collector()
        printer.info(f"Ready on {url}")
        if options.on_ready is not None:
            options.on_ready(url)
        if options.background:
            scheduler.start()
            alarms.start()
            consumers = loop.create_task(run_consumers(workers, state, printer))
        if options.watch:
            from pyworkerd.server.reload import watch_and_reload

            watcher = loop.create_task(watch_and_reload(workers, printer))
        await serving
    finally:
        holder.close()
        await scheduler.stop()
        await alarms.stop()
        if consumers is not None:
            consumers.cancel()
            await asyncio.gather(consumers, return_exceptions=True)
        if watcher is not None:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
        await _close_all(workers, spares)
    return 0


def _settle_garbage_collector() -> None:
    """Start-up's objects live for good: freeze them out of the collector's sight, and
    collect the young generation less often (each request allocates a few hundred
    short-lived objects; the default threshold of 700 collects every few requests)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])


async def _start_all(workers: list[Worker], printer: LogPrinter) -> bool:
    """Build every worker, a few at a time (esbuild runs as a process, isolates boot on
    their own threads); print each failure. True if all started."""
    gate = asyncio.Semaphore(BUILD_CONCURRENCY)

    async def start(worker: Worker) -> bool:
        async with gate:
            try:
                await worker.start()
            except BuildFailed as exc:
                printer.error(f"{worker.name}: {exc}")
                return False
            return True

    return all(await asyncio.gather(*(start(w) for w in workers)))


async def _close_all(workers: list[Worker], spares: SpareContexts) -> None:
    for worker in workers:
        unregister_service(worker.name, worker)
    await asyncio.gather(*(w.close() for w in workers))
    await spares.close()
    await hostops.shutdown()


async def _wait_listening(ip: str, port: int, serving: asyncio.Task[None]) -> None:
    """Return once a connection to the port succeeds (granian binds in the background)."""
    for _ in range(500):
        if serving.done():
            serving.result()
            raise RuntimeError("the HTTP server stopped during start-up")
        try:
            _reader, writer = await asyncio.open_connection(ip, port)
        except OSError:
            await asyncio.sleep(0.01)
            continue
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()
        return
    raise RuntimeError(f"the HTTP server did not start listening on {ip}:{port}")
