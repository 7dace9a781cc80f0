"""`pyworkerd queues send QUEUE [BODY | --file F]`: put a message on a local queue.

wrangler has no such verb for local development. The message goes into the same state
directory `dev` uses (safe while it runs: its broker notices new rows within a fraction
of a second) through the producer's gateway, so the limits and messages are a worker's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from pyworkerd.cli.project import (
    ProjectError,
    add_state_options,
    command_config,
    command_state_dir,
)

__all__ = ["add_commands"]

CLI_CONTENT_TYPES = ("json", "text", "bytes")


def add_commands(sub: Any) -> None:
    queues = sub.add_parser("queues", help="send messages to local queues")
    queues_sub = queues.add_subparsers(dest="queues_command", required=True)
    send = queues_sub.add_parser("send", help="send one message to a queue")
    send.add_argument("queue", help="the queue's name (as in queues.producers/consumers)")
    send.add_argument("body", nargs="?", help="the message body (or --file)")
    send.add_argument("--file", type=Path, help="read the body from this file ('-': stdin)")
    send.add_argument(
        "--content-type",
        choices=CLI_CONTENT_TYPES,
        default="json",
        help="how the consumer sees the body (default: json)",
    )
    send.add_argument("--delay", type=int, help="seconds before the message is delivered")
    add_state_options(send)
    send.set_defaults(func=_send)


def _state_dir(args: argparse.Namespace) -> Path:
    try:
        config = command_config(args)
    except ProjectError:
        if args.persist_to:
            return Path(args.persist_to).resolve()
        raise
    return command_state_dir(args, config)


def _read_body(args: argparse.Namespace) -> bytes:
    if (args.body is None) == (args.file is None):
        raise ProjectError("pass exactly one of BODY and --file")
    if args.file is None:
        return str(args.body).encode("utf-8", "surrogateescape")
    if str(args.file) == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(args.file).read_bytes()
    except OSError as exc:
        raise ProjectError(f"{args.file}: {exc.strerror or exc}") from None


def _encode(body: bytes, content_type: str) -> bytes:
    """The bytes a worker's `send(body, {contentType})` would have produced."""
    if content_type == "bytes":
        return body
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ProjectError(f"a {content_type} body must be UTF-8 text") from None
    if content_type == "text":
        return body
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise ProjectError(f"the body is not valid JSON ({exc}); use --content-type text") from None
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _send(args: argparse.Namespace) -> int:
    from pyworkerd.bindings.queues.gateway import Outgoing, QueueGateway, QueueSendError
    from pyworkerd.bindings.queues.store import store_for
    from pyworkerd.storage import StateDir

    body = _encode(_read_body(args), args.content_type)
    store = store_for(StateDir(_state_dir(args)), args.queue)
    gateway = QueueGateway(store)
    try:
        backlog = asyncio.run(gateway.send(Outgoing(args.content_type, body, args.delay)))
    except QueueSendError as exc:
        print(f"pyworkerd: {exc.message('send', False)}", file=sys.stderr)
        return 1
    finally:
        store.close()
    when = f" (delivered in {args.delay}s)" if args.delay else ""
    s = "" if backlog.count == 1 else "s"
    print(f'Sent a message to queue "{args.queue}"{when}; it holds {backlog.count} message{s}.')
    return 0
