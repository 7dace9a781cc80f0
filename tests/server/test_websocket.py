"""Server-side WebSockets: WebSocketPair, 101 responses, frames both ways, close."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from pyworkerd.testing import RunningServer, running_server
from tests.server.conftest import request, write_project

WORKER = """
export default {
  async fetch(request) {
    if (request.headers.get("upgrade") !== "websocket") {
      if (new URL(request.url).pathname === "/wrong") {
        const [client] = Object.values(new WebSocketPair());
        return new Response(null, { status: 101, webSocket: client });
      }
      return new Response("expected a websocket", { status: 426 });
    }
    const [client, server] = Object.values(new WebSocketPair());
    server.accept();
    let count = 0;
    server.addEventListener("message", (event) => {
      count++;
      if (typeof event.data === "string") {
        if (event.data === "bye") { server.close(4000, "asked to"); return; }
        server.send(`echo ${count}: ${event.data}`);
      } else {
        const bytes = new Uint8Array(event.data);
        server.send(bytes.map((b) => 255 - b));
      }
    });
    server.addEventListener("close", (event) => console.log(`closed by client ${event.code}`));
    return new Response(null, { status: 101, webSocket: client });
  },
};
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    root = write_project(tmp_path_factory.mktemp("ws"), {"src/index.js": WORKER}, {"name": "ws"})
    with running_server(root) as srv:
        yield srv


def run(coro: object) -> object:
    return asyncio.run(asyncio.wait_for(coro, 30))  # type: ignore[arg-type]


def test_messages_flow_both_ways_and_the_worker_can_close(server: RunningServer) -> None:
    async def go() -> tuple[list[object], int | None, str]:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(server.url + "/chat") as ws,
        ):
            got: list[object] = []
            await ws.send_str("hello")
            got.append((await ws.receive()).data)
            await ws.send_bytes(bytes([0, 1, 254]))
            got.append((await ws.receive()).data)
            await ws.send_str("again")
            got.append((await ws.receive()).data)
            await ws.send_str("bye")
            closing = await ws.receive()
            return got, ws.close_code, closing.type

    got, _code, kind = run(go())  # type: ignore[misc]
    assert got == ["echo 1: hello", bytes([255, 254, 1]), "echo 3: again"]
    # The worker's close ends the connection; granian's RSGI sends no close code of ours.
    assert kind == aiohttp.WSMsgType.CLOSE


def test_a_client_close_reaches_the_worker(server: RunningServer) -> None:
    start = server.line_count()

    async def go() -> None:
        async with aiohttp.ClientSession() as session, session.ws_connect(server.url + "/") as ws:
            await ws.send_str("hi")
            await ws.receive()
            await ws.close()

    run(go())
    server.wait_for_output(r"\[ws\] closed by client 1000", start=start)


def test_no_upgrade_and_wrong_use(server: RunningServer) -> None:
    assert request(server.url, "/").status == 426
    wrong = request(server.url, "/wrong")
    assert wrong.status == 500
    assert 'did not contain the header "Upgrade: websocket"' in wrong.text


def test_a_pair_talks_inside_the_isolate(tmp_path: Path) -> None:
    worker = """export default { async fetch() {
      const [a, b] = Object.values(new WebSocketPair());
      const got = [];
      b.addEventListener("message", (e) => got.push(e.data));
      a.accept(); b.accept();
      a.send("one"); a.send("two");
      const closed = new Promise((r) => b.addEventListener("close", (e) => r([e.code, e.reason, e.wasClean])));
      a.close(1000, "done");
      let error;
      try { a.send("late"); } catch (e) { error = e.message; }
      return Response.json({ got, close: await closed, error, state: a.readyState });
    } };"""
    root = write_project(tmp_path, {"src/index.js": worker}, {})
    with running_server(root) as srv:
        out = request(srv.url, "/").json()
    assert out == {
        "got": ["one", "two"],
        "close": [1000, "done", True],
        "error": "Can't call WebSocket send() after close().",
        "state": 3,
    }
