"""Durable Object WebSockets through the real server: a stub's fetch() upgrade, the
hibernation API (tags, getWebSockets, auto-response, attachments), and an object evicted
while its sockets stay open, rebuilt when a message arrives."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import aiohttp
import pytest

from pyworkerd.testing.server import RunningServer, running_server
from tests.server.conftest import write_project

WORKER = r"""
import { DurableObject } from "cloudflare:workers";

let built = 0;

export class Room extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.generation = ++built;
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }
  async fetch(request) {
    const user = new URL(request.url).searchParams.get("user");
    const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server, [user, "all"]);
    server.serializeAttachment({ user, joined: this.ctx.getWebSockets().length });
    return new Response(null, { status: 101, webSocket: client });
  }
  webSocketMessage(ws, message) {
    const { user } = ws.deserializeAttachment();
    if (message === "who") {
      ws.send(JSON.stringify({ tags: this.ctx.getTags(ws), sockets: this.ctx.getWebSockets("all").length,
        generation: this.generation,
        auto: this.ctx.getWebSocketAutoResponseTimestamp(ws) instanceof Date }));
      return;
    }
    for (const peer of this.ctx.getWebSockets()) peer.send(`${user}: ${message}`);
  }
  webSocketClose(ws, code, reason) {
    for (const peer of this.ctx.getWebSockets()) if (peer !== ws) peer.send(`left ${code}`);
  }
}

export default {
  fetch(request, env) {
    const url = new URL(request.url);
    if (request.headers.get("Upgrade") !== "websocket") return new Response("expected a websocket", { status: 426 });
    return env.ROOM.getByName(url.pathname.slice(1)).fetch(request);
  },
};
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    project = write_project(
        tmp_path_factory.mktemp("dows"),
        {"src/index.js": WORKER},
        {
            "durable_objects": {"bindings": [{"name": "ROOM", "class_name": "Room"}]},
            "migrations": [{"tag": "v1", "new_sqlite_classes": ["Room"]}],
        },
    )
    with running_server(project, env={"PYWORKERD_DO_IDLE_S": "1"}) as srv:
        yield srv


async def _chat(url: str) -> dict[str, object]:
    out: dict[str, object] = {}
    async with aiohttp.ClientSession() as session:
        ws_url = url.replace("http", "ws")
        async with (
            session.ws_connect(ws_url + "/lobby?user=ann") as ann,
            session.ws_connect(ws_url + "/lobby?user=bob") as bob,
        ):
            await ann.send_str("hello")
            out["ann_sees"] = (await ann.receive(timeout=10)).data
            out["bob_sees"] = (await bob.receive(timeout=10)).data
            await bob.send_str("ping")
            out["auto"] = (await bob.receive(timeout=10)).data
            await bob.send_str("who")
            out["who"] = json.loads((await bob.receive(timeout=10)).data)
            # Idle: the object is evicted (PYWORKERD_DO_IDLE_S=1), the sockets stay open.
            await asyncio.sleep(3.5)
            await ann.send_str("who")
            out["after"] = json.loads((await ann.receive(timeout=10)).data)
            await ann.send_str("still here")
            out["bob_after"] = (await bob.receive(timeout=10)).data
            await ann.close()
            out["left"] = (await bob.receive(timeout=10)).data
    return out


def test_chat_room_over_hibernatable_websockets(server: RunningServer) -> None:
    seen = asyncio.run(_chat(server.url))
    assert seen["ann_sees"] == "ann: hello"
    assert seen["bob_sees"] == "ann: hello"
    assert seen["auto"] == "pong"
    assert seen["who"] == {"tags": ["bob", "all"], "sockets": 2, "generation": 1, "auto": True}
    after = seen["after"]
    assert isinstance(after, dict)
    assert after["sockets"] == 2 and after["generation"] == 2  # rebuilt after eviction
    assert seen["bob_after"] == "ann: still here"
    assert seen["left"] == "left 1000"
