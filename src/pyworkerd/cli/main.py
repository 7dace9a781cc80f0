"""`pyworkerd` command line: parse, call, print. Commands: dev, serve."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import importlib.util
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from pyworkerd import __version__
from pyworkerd.cli.project import ProjectError, load_project
from pyworkerd.server.logs import LogPrinter

__all__ = ["main"]

# Modules of `pyworkerd <name> …` verbs for local binding state; each has add_commands(sub)
# and sets `func` on its parsers (func(args) -> exit status).
BINDING_COMMANDS = ("kv", "r2", "d1", "queues")

# Tells the processes of `serve --workers N` that sharing the parent's port is intended.
SHARED_PORT_ENV = "PYWORKERD_SHARED_PORT"
PROCESS_INDEX_ENV = "PYWORKERD_PROCESS_INDEX"


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", nargs="?", default=".", help="project directory (default: .)")
    p.add_argument(
        "-c",
        "--config",
        action="append",
        type=Path,
        default=[],
        help="wrangler.jsonc/.json/.toml; repeat for several workers (first is served)",
    )
    p.add_argument("-e", "--env", help="environment from the config's env.<name>")
    p.add_argument("--ip", help="address to listen on (default: dev.ip or 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: dev.port or 8787; 0 picks a free one)")
    p.add_argument(
        "--var",
        action="append",
        default=[],
        metavar="KEY:VALUE",
        help="add or override a var (repeatable)",
    )
    p.add_argument(
        "--define",
        action="append",
        default=[],
        metavar="KEY:VALUE",
        help="replace a global identifier when bundling (repeatable)",
    )
    p.add_argument("--compatibility-date", help="override compatibility_date")
    p.add_argument("--compatibility-flags", action="append", default=None, help="override flags")
    p.add_argument("--persist-to", type=Path, help="state directory (default: .pyworkerd/state)")
    p.add_argument("--no-persist", action="store_true", help="keep state in memory only")
    p.add_argument("--no-limits", action="store_true", help="do not enforce CPU and memory limits")
    p.add_argument(
        "--memory-budget-mb",
        type=int,
        default=2048,
        help="memory for isolates in this process; idle ones are evicted beyond it",
    )
    p.add_argument(
        "--max-body-mb",
        type=int,
        default=100,
        help="largest request body accepted, in MiB (Cloudflare: 100 on Free/Pro)",
    )
    p.add_argument("--log-level", default="log", choices=["debug", "log", "info", "warn", "error"])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pyworkerd", description="Run Cloudflare Workers locally."
    )
    parser.add_argument("--version", action="version", version=f"pyworkerd {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    dev = sub.add_parser("dev", help="run workers for development, reloading on changes")
    _add_common(dev)
    dev.add_argument(
        "--test-scheduled",
        action="store_true",
        help="add wrangler's /__scheduled?cron=… route that runs the scheduled handler",
    )
    serve = sub.add_parser("serve", help="run workers for production (no reload)")
    _add_common(serve)
    serve.add_argument("--workers", type=int, default=1, help="number of server processes")
    serve.add_argument("--log-requests", action="store_true", help="print one line per request")
    for name in BINDING_COMMANDS:
        if importlib.util.find_spec(f"pyworkerd.cli.{name}") is not None:
            importlib.import_module(f"pyworkerd.cli.{name}").add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    sys.exit(_run_command(args))


def _run_command(args: argparse.Namespace) -> int:
    if getattr(args, "func", None) is not None:  # kv / r2 / d1 verbs
        try:
            return int(args.func(args))
        except ProjectError as exc:
            print(f"pyworkerd: {exc}", file=sys.stderr)
            return 2
    printer = LogPrinter(level=args.log_level)
    try:
        project = load_project(args)
    except ProjectError as exc:
        print(f"pyworkerd: {exc}", file=sys.stderr)
        return 2
    for warning in project.warnings:
        printer.warn(warning)
    if args.command == "serve" and args.workers > 1:
        return _serve_processes(args, project.ip, project.port)
    for line in project.banner():
        printer.info(line)
    shared = os.environ.get(SHARED_PORT_ENV) == "1"
    dev = args.command == "dev"
    log_requests = dev or args.log_requests
    return _run_loop(
        lambda: project.serve(
            printer,
            dev=dev,
            shared_port=shared,
            log_requests=log_requests,
            # Crons and queue consumers run in the first process of `serve --workers N`.
            background=os.environ.get(PROCESS_INDEX_ENV, "0") == "0",
            test_scheduled=bool(getattr(args, "test_scheduled", False)),
        )
    )


def _run_loop(make: Callable[[], Coroutine[Any, Any, int]]) -> int:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency on POSIX
        return asyncio.run(make())
    return int(uvloop.run(make()))


def _serve_processes(args: argparse.Namespace, ip: str, port: int) -> int:
    """`serve --workers N`: N processes sharing one port (SO_REUSEPORT)."""
    from pyworkerd.server.runner import reserve_port

    holder = reserve_port(ip, port)
    port = holder.getsockname()[1]
    child_args = _drop_option(list(sys.argv[1:]), "--workers")
    child_args = _drop_option(child_args, "--port")
    env = {**os.environ, SHARED_PORT_ENV: "1"}
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "pyworkerd", *child_args, "--port", str(port)],
            env={**env, PROCESS_INDEX_ENV: str(index)},
        )
        for index in range(args.workers)
    ]

    def forward(signum: int, _frame: Any) -> None:
        for child in children:
            child.send_signal(signum)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    status = 0
    for child in children:
        status = child.wait() or status
    holder.close()
    return status


def _drop_option(argv: list[str], name: str) -> list[str]:
    """Remove `name VALUE` and `name=VALUE` from an argument list."""
    out: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg == name:
            skip = True
            continue
        if arg.startswith(name + "="):
            continue
        out.append(arg)
    return out


if __name__ == "__main__":  # pragma: no cover
    main()
