"""examples/chat: a Durable Object chat room over hibernatable WebSockets, its history in
the object's SQL storage, kept across a restart of the server."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import aiohttp

from pyworkerd.testing import running_server
from tests.server.conftest import ok_text, request

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "chat"


async def _talk(url: str) -> list[list[dict[str, Any]]]:
    ws_url = url.replace("http", "ws") + "/rooms/lobby"
    seen: list[list[dict[str, Any]]] = [[], []]
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(ws_url + "?name=ann") as ann,
    ):
        seen[0].append(json.loads((await ann.receive(timeout=10)).data))  # ann joined
        async with session.ws_connect(ws_url + "?name=bob") as bob:
            seen[0].append(json.loads((await ann.receive(timeout=10)).data))  # bob joined
            seen[1].append(json.loads((await bob.receive(timeout=10)).data))
            await ann.send_str("hello bob")
            seen[1].append(json.loads((await bob.receive(timeout=10)).data))
            await bob.send_str("ping")
            assert (await bob.receive(timeout=10)).data == "pong"
        seen[0].append(json.loads((await ann.receive(timeout=10)).data))  # hello echo
        seen[0].append(json.loads((await ann.receive(timeout=10)).data))  # bob left
    return seen


def test_chat_room(tmp_path: Path) -> None:
    with running_server(EXAMPLE, "--persist-to", str(tmp_path)) as srv:
        ann, bob = asyncio.run(_talk(srv.url))
        assert [e["type"] for e in ann] == ["joined", "joined", "message", "left"]
        assert bob[1]["name"] == "ann" and bob[1]["text"] == "hello bob"
        assert request(srv.url, "/rooms/lobby").status == 426
    with running_server(EXAMPLE, "--persist-to", str(tmp_path)) as srv:
        history = json.loads(ok_text(srv.url, "/rooms/lobby/history"))
        assert [(m["name"], m["text"]) for m in history] == [("ann", "hello bob")]
