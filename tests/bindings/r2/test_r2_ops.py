"""The R2 host ops over a real bucket: bodies are read ahead in a few pieces per trip to
a thread, and whatever was read ahead is let go when the body ends or is cancelled."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from pyworkerd.bindings.r2 import bucket_gateway
from pyworkerd.bindings.r2.ops import PIECE, make_ops, open_streams, read_ahead_bytes
from pyworkerd.engine.hostops import HostCall
from pyworkerd.storage import StateDir

BODY = bytes(range(256)) * (7 * PIECE // 256 // 2)  # three and a half pieces


def _call(op: str, args: dict[str, Any], request_id: int = 1) -> HostCall:
    return HostCall(op, dict(args, binding="B"), None, "w", request_id)


def _ops(tmp_path: Path) -> dict[str, Any]:
    gw = bucket_gateway(StateDir(tmp_path), "bucket")
    upload = gw.begin_put("k", len(BODY), {})
    upload.write(BODY)
    assert gw.finish_put(upload) is not None
    return make_ops({"B": gw})


def test_a_body_is_read_whole_then_let_go(tmp_path: Path) -> None:
    ops = _ops(tmp_path)

    async def scenario() -> bytes:
        head, first = await ops["r2.get"](_call("r2.get", {"key": "k"}))
        assert head["done"] is False and len(first) == PIECE
        assert read_ahead_bytes() == len(BODY) - PIECE  # one trip read it all
        pieces, done = [first], False
        while not done:
            last, piece = await ops["r2.read"](_call("r2.read", {"id": head["id"]}))
            done = last is True
            pieces.append(piece)
        return b"".join(pieces)

    assert asyncio.run(scenario()) == BODY
    assert open_streams() == 0 and read_ahead_bytes() == 0


def test_a_cancelled_body_lets_go_of_what_was_read_ahead(tmp_path: Path) -> None:
    ops = _ops(tmp_path)

    async def scenario() -> None:
        head, _ = await ops["r2.get"](_call("r2.get", {"key": "k", "range": {"offset": 1}}))
        await ops["r2.read"](_call("r2.read", {"id": head["id"]}))
        assert read_ahead_bytes() > 0
        await ops["r2.cancel"](_call("r2.cancel", {"id": head["id"]}))

    asyncio.run(scenario())
    assert open_streams() == 0 and read_ahead_bytes() == 0
