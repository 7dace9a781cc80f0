"""Client WebSockets: `new WebSocket(url)` and `fetch()` with `Upgrade: websocket`, against a
real aiohttp WebSocket server on 127.0.0.1, through a real pyworkerd server."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from pyworkerd.testing import RunningServer, running_server
from tests.server.conftest import request, write_project

BIG_BINARY = 600_000  # more than one host result (256 KiB): comes in pieces
BIG_TEXT = 300_000


@dataclass
class EchoServer:
    """An aiohttp WebSocket server in a thread; `closes` records the clients' close codes."""

    port: int = 0
    closes: list[tuple[int | None, str]] = field(default_factory=list)
    loop: asyncio.AbstractEventLoop | None = None
    runner: web.AppRunner | None = None

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    async def echo(self, req: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(protocols=("chat", "superchat"))
        await ws.prepare(req)
        async for msg in ws:
            if msg.type is aiohttp.WSMsgType.TEXT:
                if msg.data == "close-me":
                    await ws.close(code=4001, message=b"server says bye")
                elif msg.data == "big":
                    await ws.send_bytes(bytes(i % 251 for i in range(BIG_BINARY)))
                    await ws.send_str("\u00e9" * BIG_TEXT)
                else:
                    await ws.send_str("echo: " + msg.data)
            elif msg.type is aiohttp.WSMsgType.BINARY:
                await ws.send_bytes(bytes(reversed(msg.data)))
        self.closes.append((ws.close_code, req.path_qs))
        return ws

    async def plain(self, req: web.Request) -> web.StreamResponse:
        return web.Response(text="not a websocket", headers={"X-Echo": "plain"})

    def start(self) -> None:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self.loop = loop
            app = web.Application()
            app.router.add_get("/echo", self.echo)
            app.router.add_get("/plain", self.plain)
            self.runner = web.AppRunner(app)
            loop.run_until_complete(self.runner.setup())
            site = web.TCPSite(self.runner, "127.0.0.1", 0)
            loop.run_until_complete(site.start())
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self.runner.cleanup())
            loop.close()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        assert ready.wait(10)

    def stop(self) -> None:
        assert self.loop is not None
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


WORKER = r"""
const once = (ws, type) => new Promise((resolve) => ws.addEventListener(type, resolve, { once: true }));
const bytesOf = (data) => Array.from(new Uint8Array(data));
const closeInfo = (e) => ({ code: e.code, reason: e.reason, wasClean: e.wasClean });
function attempt(fn) {
  try { fn(); return null; } catch (e) { return { name: e.name, message: e.message, isDOM: e instanceof DOMException }; }
}

async function client(env) {
  const ws = new WebSocket(env.ECHO + "/echo", ["superchat", "other"]);
  const out = { before: { readyState: ws.readyState, url: ws.url, protocol: ws.protocol,
    extensions: ws.extensions, binaryType: ws.binaryType } };
  out.sendEarly = attempt(() => ws.send("too soon"));
  out.acceptEarly = attempt(() => ws.accept());
  await once(ws, "open");
  out.open = { readyState: ws.readyState, protocol: ws.protocol, extensions: ws.extensions };
  ws.accept(); // a no-op once open
  const messages = [];
  ws.addEventListener("message", (e) => messages.push(typeof e.data === "string" ? e.data
    : { type: e.data.constructor.name, bytes: bytesOf(e.data) }));
  ws.send("hello");
  ws.send(new Uint8Array([1, 2, 3]));
  ws.send(new Uint16Array([0x0102]).buffer);
  while (messages.length < 3) await once(ws, "message");
  out.messages = messages;
  out.badCode = attempt(() => ws.close(1005));
  out.reasonOnly = attempt(() => ws.close(undefined, "why"));
  const closed = once(ws, "close");
  ws.close(1000, "done");
  out.closing = ws.readyState;
  out.sendAfterClose = attempt(() => ws.send("late"));
  out.close = closeInfo(await closed);
  out.after = ws.readyState;
  return out;
}

async function blob(env) {
  const ws = new WebSocket(env.ECHO + "/echo");
  ws.binaryType = "nonsense";
  const ignored = ws.binaryType;
  ws.binaryType = "blob";
  await once(ws, "open");
  ws.send(new Uint8Array([7, 8, 9]));
  const e = await once(ws, "message");
  const isBlob = e.data instanceof Blob;
  const bytes = bytesOf(await e.data.arrayBuffer());
  ws.close(1000);
  await once(ws, "close");
  return { ignored, binaryType: ws.binaryType, protocol: ws.protocol, isBlob, bytes };
}

async function serverCloses(env) {
  const ws = new WebSocket(env.ECHO + "/echo");
  await once(ws, "open");
  ws.send("close-me");
  const e = await once(ws, "close");
  const out = { close: closeInfo(e), readyState: ws.readyState };
  out.closeAgain = attempt(() => ws.close(1000));
  out.sendAfter = attempt(() => ws.send("ignored"));
  return out;
}

async function big(env) {
  const ws = new WebSocket(env.ECHO + "/echo");
  await once(ws, "open");
  const got = [];
  const done = new Promise((resolve) => ws.addEventListener("message", (e) => {
    got.push(e.data);
    if (got.length === 2) resolve();
  }));
  ws.send("big");
  await done;
  const bin = new Uint8Array(got[0]);
  let ok = bin.length === __BIG_BINARY__;
  for (let i = 0; ok && i < bin.length; i++) ok = bin[i] === i % 251;
  ws.close(1000);
  await once(ws, "close");
  return { binaryOk: ok, textLength: got[1].length, textOk: got[1] === "\u00e9".repeat(__BIG_TEXT__) };
}

async function viaFetch(env) {
  const resp = await fetch(env.ECHO_HTTP + "/echo", { headers: { Upgrade: "websocket", "Sec-WebSocket-Protocol": "chat" } });
  const ws = resp.webSocket;
  const out = { status: resp.status, hasSocket: ws !== null, readyState: ws.readyState, url: ws.url,
    protocol: ws.protocol, upgrade: resp.headers.get("upgrade") };
  out.sendEarly = attempt(() => ws.send("x"));
  ws.accept();
  const messages = [];
  ws.addEventListener("message", (e) => messages.push(typeof e.data === "string" ? e.data : bytesOf(e.data)));
  ws.send("via fetch");
  ws.send(new Uint8Array([4, 5, 6]));
  while (messages.length < 2) await once(ws, "message");
  out.messages = messages;
  const closed = once(ws, "close");
  ws.close(4000, "fetch done");
  out.close = closeInfo(await closed);
  out.after = ws.readyState;
  out.acceptAgain = attempt(() => ws.accept());
  return out;
}

async function fetchPlain(env) {
  const resp = await fetch(env.ECHO_HTTP + "/plain", { headers: { Upgrade: "websocket" } });
  return { status: resp.status, statusText: resp.statusText, webSocket: resp.webSocket, echo: resp.headers.get("x-echo") };
}

async function failures(env, refusedPort) {
  const out = {};
  out.noArgs = attempt(() => new WebSocket());
  out.badScheme = attempt(() => new WebSocket("http://127.0.0.1/"));
  out.badUrl = attempt(() => new WebSocket("not a url"));
  out.fragment = attempt(() => new WebSocket(env.ECHO + "/echo#x"));
  out.badProtocol = attempt(() => new WebSocket(env.ECHO + "/echo", "a b"));
  out.emptyProtocols = attempt(() => new WebSocket(env.ECHO + "/echo", []));
  out.repeated = attempt(() => new WebSocket(env.ECHO + "/echo", ["x", "x"]));

  const events = [];
  const ws = new WebSocket(`ws://127.0.0.1:${refusedPort}/`);
  ws.addEventListener("error", (e) => events.push({ type: e.type, isErrorEvent: e instanceof ErrorEvent,
    error: e.error && e.error.message, state: ws.readyState }));
  ws.addEventListener("open", () => events.push({ type: "open" }));
  const closed = await once(ws, "close");
  out.refused = { events, close: closeInfo(closed), readyState: ws.readyState };
  out.acceptFailed = attempt(() => ws.accept());

  const not101 = new WebSocket(env.ECHO + "/plain");
  const [err, closeEvent] = await Promise.all([once(not101, "error"), once(not101, "close")]);
  out.not101 = { name: err.error.name, message: err.error.message, close: closeInfo(closeEvent) };

  const early = new WebSocket(env.ECHO + "/echo");
  const earlyEvents = [];
  for (const t of ["open", "error", "close"]) early.addEventListener(t, (e) => earlyEvents.push(t));
  early.close();
  await once(early, "close");
  out.closedWhileConnecting = { events: earlyEvents, readyState: early.readyState };

  try {
    await fetch(`http://127.0.0.1:${refusedPort}/`, { headers: { Upgrade: "websocket" } });
    out.fetchRefused = "resolved";
  } catch (e) {
    out.fetchRefused = { name: e.name, message: e.message };
  }
  return out;
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/client": return Response.json(await client(env));
      case "/blob": return Response.json(await blob(env));
      case "/server-closes": return Response.json(await serverCloses(env));
      case "/big": return Response.json(await big(env));
      case "/fetch": return Response.json(await viaFetch(env));
      case "/fetch-plain": return Response.json(await fetchPlain(env));
      case "/failures": return Response.json(await failures(env, url.searchParams.get("port")));
      case "/proxy": {
        const resp = await fetch(env.ECHO_HTTP + "/echo", { headers: { Upgrade: "websocket" } });
        return new Response(null, { status: 101, webSocket: resp.webSocket });
      }
      case "/accepted-proxy": {
        const resp = await fetch(env.ECHO_HTTP + "/echo", { headers: { Upgrade: "websocket" } });
        resp.webSocket.accept();
        return new Response(null, { status: 101, webSocket: resp.webSocket });
      }
      case "/left-open": {
        const ws = new WebSocket(env.ECHO + "/echo?left-open");
        await once(ws, "open");
        return new Response("left open");
      }
    }
    return new Response("not found", { status: 404 });
  },
};
""".replace("__BIG_BINARY__", str(BIG_BINARY)).replace("__BIG_TEXT__", str(BIG_TEXT))


@pytest.fixture(scope="module")
def echo() -> Iterator[EchoServer]:
    server = EchoServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, echo: EchoServer) -> Iterator[RunningServer]:
    vars_ = {"ECHO": echo.ws_url, "ECHO_HTTP": f"http://127.0.0.1:{echo.port}"}
    root = write_project(
        tmp_path_factory.mktemp("wsclient"),
        {"src/index.js": WORKER},
        {"name": "wsclient", "vars": vars_},
    )
    with running_server(root) as srv:
        yield srv


def get(server: RunningServer, path: str) -> Any:
    reply = request(server.url, path)
    assert reply.status == 200, reply.text
    return reply.json()


def test_new_websocket_opens_exchanges_and_closes(server: RunningServer, echo: EchoServer) -> None:
    out = get(server, "/client")
    assert out["before"] == {
        "readyState": 0,
        "url": echo.ws_url + "/echo",
        "protocol": "",
        "extensions": "",
        "binaryType": "arraybuffer",
    }
    not_accepted = (
        "You must call one of accept() or state.acceptWebSocket() on this WebSocket "
        "before sending messages."
    )
    assert out["sendEarly"] == {"name": "TypeError", "message": not_accepted, "isDOM": False}
    assert out["acceptEarly"]["message"] == (
        "Websockets obtained from the 'new WebSocket()' constructor cannot call accept"
    )
    assert out["open"] == {"readyState": 1, "protocol": "superchat", "extensions": None}
    assert out["messages"] == [
        "echo: hello",
        {"type": "ArrayBuffer", "bytes": [3, 2, 1]},
        {"type": "ArrayBuffer", "bytes": [1, 2]},
    ]
    assert out["badCode"]["message"] == "Invalid WebSocket close code: 1005."
    assert out["reasonOnly"]["message"] == (
        "If you specify a WebSocket close reason, you must also specify a code."
    )
    assert out["closing"] == 2
    assert out["sendAfterClose"]["message"] == "Can't call WebSocket send() after close()."
    assert out["close"]["code"] == 1000
    assert out["close"]["wasClean"] is True
    assert out["after"] == 3


def test_binary_type_blob(server: RunningServer) -> None:
    out = get(server, "/blob")
    assert out == {
        "ignored": "arraybuffer",
        "binaryType": "blob",
        "protocol": None,
        "isBlob": True,
        "bytes": [9, 8, 7],
    }


def test_the_server_closes(server: RunningServer) -> None:
    out = get(server, "/server-closes")
    assert out["close"] == {"code": 4001, "reason": "server says bye", "wasClean": True}
    assert out["readyState"] == 3
    assert out["closeAgain"] is None  # a no-op
    assert out["sendAfter"] is None  # ignored: the connection is gone


def test_large_messages_come_whole(server: RunningServer) -> None:
    assert get(server, "/big") == {"binaryOk": True, "textLength": BIG_TEXT, "textOk": True}


def test_fetch_upgrade_gives_a_socket_to_accept(server: RunningServer, echo: EchoServer) -> None:
    out = get(server, "/fetch")
    assert out["status"] == 101
    assert out["hasSocket"] is True
    assert out["readyState"] == 1
    assert out["url"] is None
    assert out["protocol"] == ""
    assert out["upgrade"] == "websocket"
    assert out["sendEarly"]["message"].startswith("You must call one of accept()")
    assert out["messages"] == ["echo: via fetch", [6, 5, 4]]
    assert out["close"]["wasClean"] is True
    assert out["after"] == 3
    assert out["acceptAgain"] is None
    assert (4000, "/echo") in echo.closes


def test_fetch_upgrade_refused_by_the_server_is_a_plain_response(server: RunningServer) -> None:
    assert get(server, "/fetch-plain") == {
        "status": 200,
        "statusText": "OK",
        "webSocket": None,
        "echo": "plain",
    }


def test_failures(server: RunningServer) -> None:
    out = get(server, f"/failures?port={closed_port()}")
    syntax = {"name": "SyntaxError", "isDOM": True}
    assert out["noArgs"]["name"] == "TypeError"
    assert out["badScheme"] == {
        **syntax,
        "message": "WebSocket Constructor: The url scheme must be ws or wss.",
    }
    assert out["badUrl"] == {**syntax, "message": "WebSocket Constructor: The url is invalid."}
    assert out["fragment"] == {
        **syntax,
        "message": "WebSocket Constructor: The url fragment must be empty.",
    }
    assert out["badProtocol"]["message"] == (
        "WebSocket Constructor: The protocol header token is invalid."
    )
    assert out["emptyProtocols"]["message"] == (
        "WebSocket Constructor: The protocols array cannot be empty."
    )
    assert out["repeated"]["message"] == (
        "WebSocket Constructor: The protocols header cannot have repeating values."
    )
    refused = out["refused"]
    assert refused["events"] == [
        {"type": "error", "isErrorEvent": True, "error": "Network connection lost.", "state": 3}
    ]
    assert refused["close"] == {
        "code": 1006,
        "reason": "Failed to establish websocket connection",
        "wasClean": False,
    }
    assert refused["readyState"] == 3
    assert out["acceptFailed"]["message"] == (
        "Can't accept() WebSocket that was already used in a response."
    )
    assert out["not101"] == {
        "name": "TypeError",
        "message": "Failed to establish the WebSocket connection: expected server to reply "
        "with HTTP status code 101 (switching protocols), but received 200 instead.",
        "close": {
            "code": 1006,
            "reason": "Failed to establish websocket connection",
            "wasClean": False,
        },
    }
    assert out["closedWhileConnecting"] == {"events": ["error", "close"], "readyState": 3}
    assert out["fetchRefused"] == {"name": "Error", "message": "Network connection lost."}


def test_a_fetched_socket_returned_in_a_response_is_proxied(
    server: RunningServer, echo: EchoServer
) -> None:
    async def go() -> list[Any]:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(server.url + "/proxy") as ws,
        ):
            got: list[Any] = []
            await ws.send_str("through")
            got.append((await ws.receive()).data)
            await ws.send_bytes(b"\x01\x02")
            got.append((await ws.receive()).data)
            await ws.send_str("close-me")
            closing = await ws.receive()
            got.append(closing.type)
            return got

    got = asyncio.run(asyncio.wait_for(go(), 30))
    assert got == ["echo: through", b"\x02\x01", aiohttp.WSMsgType.CLOSE]


def test_an_accepted_socket_cannot_go_in_a_response(server: RunningServer) -> None:
    start = server.line_count()

    async def go() -> int:
        async with aiohttp.ClientSession() as session:
            try:
                await session.ws_connect(server.url + "/accepted-proxy")
            except aiohttp.WSServerHandshakeError as exc:
                return exc.status
            return 101

    assert asyncio.run(asyncio.wait_for(go(), 30)) == 500
    server.wait_for_output(
        r"Can't return WebSocket in a Response after calling accept\(\)\.", start=start
    )


def test_a_socket_left_open_is_closed_when_its_request_ends(
    server: RunningServer, echo: EchoServer
) -> None:
    assert request(server.url, "/left-open").text == "left open"
    deadline = time.monotonic() + 10
    while (1001, "/echo?left-open") not in echo.closes and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (1001, "/echo?left-open") in echo.closes  # 1001 Going Away
