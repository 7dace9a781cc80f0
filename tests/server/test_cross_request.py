"""workerd's "Cannot perform I/O on behalf of a different request", for bodies and streams.

Request 1 keeps an object in a global; request 2 uses it. What is refused, how (a throw or a
rejected promise) and with which I/O type was recorded from workerd 1.20261117 running the
same worker: native streams (request and response bodies, IdentityTransformStream,
FixedLengthStream, Blob streams, readers of those) are bound to their request; streams made
in JS are bound to nothing; a Durable Object's requests share one I/O context.
"""

from __future__ import annotations

import http.client
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pyworkerd.testing import RunningServer, running_server
from tests.server.conftest import request, write_project

WORKER = r"""
const kept = {};
// Made at the top level, outside any request: bound to none.
const topLevel = new ReadableStream({ pull(c) { c.enqueue(new Uint8Array([7])); c.close(); } });

const bytes = (s) => new TextEncoder().encode(s);
const makers = {
  body: (req) => req.body,
  request: (req) => req,
  reader: (req) => req.body.getReader(),
  response: () => new Response("hello"),
  bytesRequest: () => new Request("http://x/", { method: "POST", body: new Uint8Array([1, 2]) }),
  identity: () => new IdentityTransformStream(),
  fixed: () => new FixedLengthStream(3),
  compress: () => new CompressionStream("gzip"),
  writer: () => new IdentityTransformStream().writable.getWriter(),
  blobStream: () => new Blob(["abc"]).stream(),
  jsStream: () => new ReadableStream({ pull(c) { c.enqueue(bytes("js")); c.close(); } }),
  jsTransform: () => new TransformStream(),
  topLevel: () => topLevel,
  closedBody: async (req) => {
    const reader = req.body.getReader();
    while (!(await reader.read()).done);
    reader.releaseLock();
    return req.body;
  },
};

const ops = {
  getReader: (o) => o.getReader(),
  locked: (o) => o.locked,
  read: (o) => o.getReader().read(),
  byobRead: (o) => o.getReader({ mode: "byob" }).read(new Uint8Array(4)),
  cancel: (o) => o.cancel(),
  tee: (o) => o.tee(),
  pipeTo: (o) => o.pipeTo(new WritableStream()),
  pipeThroughRead: (o) => o.pipeThrough(new TransformStream()).getReader().read(),
  iterate: async (o) => { for await (const chunk of o) return chunk; },
  asBody: (o) => new Response(o).text(),
  readerRead: (o) => o.read(),
  readerCancel: (o) => o.cancel(),
  readerRelease: (o) => o.releaseLock(),
  text: (o) => o.text(),
  arrayBuffer: (o) => o.arrayBuffer(),
  json: (o) => o.json(),
  blob: (o) => o.blob(),
  clone: (o) => o.clone(),
  status: (o) => o.status,
  bodyUsed: (o) => o.bodyUsed,
  bodyRead: (o) => o.body.getReader().read(),
  write: (o) => o.writable.getWriter().write(new Uint8Array([1])),
  close: (o) => o.writable.getWriter().close(),
  abort: (o) => o.writable.abort("x"),
  writableClose: (o) => o.writable.close(),
  readableRead: (o) => o.readable.getReader().read(),
  readableCancel: (o) => o.readable.cancel(),
  pipeInto: (o) => new Response("abc").body.pipeTo(o.writable),
  writerWrite: (o) => o.write(new Uint8Array([1])),
  writerReady: (o) => o.ready,
  writerRelease: (o) => o.releaseLock(),
  fetchWith: (o, req) => fetch(new URL("/echo", req.url), { method: "POST", body: o }).then((r) => r.text()),
  fetchRequest: (o) => fetch(o).then((r) => r.text()),
};

// How an operation ended: thrown, rejected, or its value.
async function attempt(fn) {
  let result;
  try { result = fn(); } catch (e) { return { how: "throw", name: e.name, message: e.message }; }
  if (!(result instanceof Promise)) return { how: "ok" };
  try { await result; return { how: "resolved" }; }
  catch (e) { return { how: "reject", name: e.name, message: e.message }; }
}

export default {
  async fetch(req, env, ctx) {
    const [verb, kind, op] = new URL(req.url).pathname.split("/").slice(1);
    switch (verb) {
      case "keep":
        kept[kind] = await makers[kind](req);
        return new Response("kept " + kind);
      case "use":
        return Response.json(await attempt(() => ops[op](kept[kind], req)));
      case "in-timer":
        // The same use from a timer callback of request 2.
        return Response.json(await new Promise((resolve) =>
          setTimeout(() => resolve(attempt(() => ops[op](kept[kind], req))), 1)));
      case "own-after-await": {
        // A request's own objects stay usable after awaits and in timers.
        const response = new Response("own");
        const identity = new IdentityTransformStream();
        const writer = identity.writable.getWriter();
        await scheduler.wait(1);
        const text = await new Promise((resolve) => setTimeout(() => resolve(response.text()), 1));
        writer.write(bytes("x"));
        writer.close();
        return new Response(text + ":" + await new Response(identity.readable).text() + ":" + await req.text());
      }
      case "stream":
        // Request 1: a streamed response whose writer request 2 will try. It goes on
        // writing from its own timer once request 2 has had its go.
        kept.stream = new IdentityTransformStream();
        kept.writer = kept.stream.writable.getWriter();
        kept.writer.write(bytes("first;"));
        kept.poked = false;
        const timer = setInterval(async () => {
          if (!kept.poked) return;
          clearInterval(timer);
          await kept.writer.write(bytes("late;"));
          await kept.writer.close();
        }, 5);
        return new Response(kept.stream.readable);
      case "poke":
        return Response.json(await attempt(() => kept.writer[kind](bytes("intruder;"))));
      case "poked":
        kept.poked = true;
        return new Response("ok");
      case "echo":
        return new Response("echo:" + await req.text());
      case "return-kept":
        // Request 2 answers with request 1's response (workerd: 500, the error logged).
        return kept[kind];
      case "room":
        return env.ROOM.get(env.ROOM.idFromName("one")).fetch(req);
    }
    return new Response("not found", { status: 404 });
  },
};

// A Durable Object: its requests share one I/O context, so a stream one request made is
// the next request's to write.
export class Room {
  constructor(ctx, env) { this.pipe = null; }
  async fetch(req) {
    if (new URL(req.url).pathname === "/room/open") {
      this.pipe = new IdentityTransformStream();
      this.writer = this.pipe.writable.getWriter();
      return new Response("open");
    }
    // Not awaited: an identity stream's write settles once the response reads it.
    this.writer.write(new TextEncoder().encode("from another request")).catch((e) => console.log(e.message));
    this.writer.close();
    return new Response(this.pipe.readable);
  }
}
"""

CROSS = (
    "Cannot perform I/O on behalf of a different request. I/O objects (such as streams, "
    "request/response bodies, and others) created in the context of one request handler "
    "cannot be accessed from a different request's handler. This is a limitation of "
    "Cloudflare Workers which allows us to improve overall performance."
)
READABLE = f"{CROSS} (I/O type: ReadableStreamSource>)"
WRITABLE = f"{CROSS} (I/O type: Writable)"
READER = f"{CROSS} (I/O type: Canceler)"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    root = write_project(
        tmp_path_factory.mktemp("xreq") / "project",
        {"src/index.js": WORKER},
        {
            "durable_objects": {"bindings": [{"name": "ROOM", "class_name": "Room"}]},
            "migrations": [{"tag": "v1", "new_sqlite_classes": ["Room"]}],
        },
    )
    with running_server(root) as srv:
        yield srv


def keep_then_use(server: RunningServer, kind: str, op: str, verb: str = "use") -> Any:
    """Request 1 keeps a `kind`, request 2 applies `op` to it; how request 2's op ended."""
    kept = request(server.url, f"/keep/{kind}", method="POST", body=b"request one's body")
    assert kept.status == 200, kept.text
    used = request(server.url, f"/{verb}/{kind}/{op}")
    assert used.status == 200, used.text
    return used.json()


# (kind, op) -> what workerd did: thrown or rejected, with which message.
REFUSED = [
    ("body", "read", "reject", READABLE),
    ("body", "byobRead", "reject", READABLE),
    ("body", "cancel", "reject", READABLE),
    ("body", "tee", "throw", READABLE),
    ("body", "pipeTo", "reject", READABLE),
    ("body", "pipeThroughRead", "reject", READABLE),
    ("body", "iterate", "reject", READABLE),
    ("body", "asBody", "reject", READABLE),
    ("body", "fetchWith", "reject", READABLE),
    ("request", "text", "reject", READABLE),
    ("request", "arrayBuffer", "reject", READABLE),
    ("request", "json", "reject", READABLE),
    ("request", "clone", "throw", READABLE),
    ("request", "bodyRead", "reject", READABLE),
    ("response", "text", "reject", READABLE),
    ("response", "blob", "reject", READABLE),
    ("response", "clone", "throw", READABLE),
    ("response", "bodyRead", "reject", READABLE),
    ("bytesRequest", "text", "reject", READABLE),
    ("bytesRequest", "fetchRequest", "reject", READABLE),
    ("blobStream", "read", "reject", READABLE),
    ("reader", "readerRead", "reject", READABLE),
    ("reader", "readerCancel", "reject", READER),
    ("reader", "readerRelease", "throw", READER),
    ("identity", "write", "reject", WRITABLE),
    ("identity", "close", "reject", WRITABLE),
    ("identity", "abort", "reject", WRITABLE),
    ("identity", "writableClose", "reject", WRITABLE),
    ("identity", "readableRead", "reject", READABLE),
    ("identity", "pipeInto", "reject", WRITABLE),
    ("fixed", "write", "reject", WRITABLE),
    ("fixed", "readableRead", "reject", READABLE),
    ("compress", "write", "reject", WRITABLE),
    ("compress", "abort", "reject", WRITABLE),
    ("compress", "readableRead", "reject", READABLE),
    ("compress", "readableCancel", "reject", READABLE),
    ("writer", "writerWrite", "reject", WRITABLE),
]


@pytest.mark.parametrize(("kind", "op", "how", "message"), REFUSED)
def test_native_object_of_another_request_is_refused(
    server: RunningServer, kind: str, op: str, how: str, message: str
) -> None:
    outcome = keep_then_use(server, kind, op)
    assert outcome == {"how": how, "name": "Error", "message": message}


# What workerd lets through: no I/O (looking, locking), streams made in JS or at the top
# level, and a stream that has already closed.
ALLOWED = [
    ("body", "getReader", "ok"),
    ("body", "locked", "ok"),
    ("request", "bodyUsed", "ok"),
    ("response", "status", "ok"),
    ("writer", "writerReady", "resolved"),
    ("writer", "writerRelease", "ok"),
    ("jsStream", "read", "resolved"),
    ("jsStream", "tee", "ok"),
    ("jsTransform", "close", "resolved"),
    ("closedBody", "read", "resolved"),
    ("closedBody", "cancel", "resolved"),
    ("topLevel", "read", "resolved"),
]


@pytest.mark.parametrize(("kind", "op", "how"), ALLOWED)
def test_what_workerd_allows_across_requests(
    server: RunningServer, kind: str, op: str, how: str
) -> None:
    assert keep_then_use(server, kind, op) == {"how": how}


def test_refused_in_a_timer_callback_of_the_other_request(server: RunningServer) -> None:
    outcome = keep_then_use(server, "body", "read", verb="in-timer")
    assert outcome == {"how": "reject", "name": "Error", "message": READABLE}


def test_a_request_keeps_its_own_objects_across_awaits_and_timers(server: RunningServer) -> None:
    reply = request(server.url, "/own-after-await", method="POST", body=b"mine")
    assert (reply.status, reply.text) == (200, "own:x:mine")


def test_the_refusal_leaves_request_one_untouched(server: RunningServer) -> None:
    """Request 2's write and abort fail; request 1's streamed response goes on and ends
    whole. (Request 2's close() is refused the same way, and here leaves the stream alone;
    workerd marks the writable closed before refusing, so request 1's later writes fail and
    its response ends truncated. Not copied: it would leave request 1 hanging.)"""
    conn = http.client.HTTPConnection("127.0.0.1", int(server.url.rsplit(":", 1)[1]), timeout=30)
    try:
        conn.request("GET", "/stream/x")
        first = conn.getresponse()
        assert first.status == 200
        assert first.read(len(b"first;")) == b"first;"
        outcomes = [request(server.url, f"/poke/{op}").json() for op in ("write", "abort")]
        assert outcomes == [{"how": "reject", "name": "Error", "message": WRITABLE}] * 2
        assert request(server.url, "/poked").text == "ok"
        assert first.read() == b"late;"
    finally:
        conn.close()


def test_a_durable_objects_requests_share_their_streams(server: RunningServer) -> None:
    assert request(server.url, "/room/open").text == "open"
    reply = request(server.url, "/room/write", timeout=10)
    assert (reply.status, reply.text) == (200, "from another request")


def test_the_host_contract_refuses_a_body_to_another_request(
    run_internal_js: Callable[..., Any],
) -> None:
    """responseForHost(response, rid): what the bridge sends for request `rid`."""
    out = run_internal_js("""
      internals.currentRequest = 1;
      const made = () => [new Response("one"), new Response(new Response("one").body)];
      const [a, b] = made(), [c, d] = made();
      internals.currentRequest = 0;
      const refusal = (r) => {
        try { internals.http.responseForHost(r, 2); return null; } catch (e) { return e.message; }
      };
      return [refusal(a), refusal(b), internals.http.responseForHost(c, 1).body,
              internals.streams.isReadableStream(internals.http.responseForHost(d, 1).body)];
    """)
    assert out == [READABLE, READABLE, "one", True]


def test_answering_with_another_requests_body_is_a_500(server: RunningServer) -> None:
    assert request(server.url, "/keep/response").text == "kept response"
    start = server.line_count()
    reply = request(server.url, "/return-kept/response")
    assert reply.status == 500
    server.wait_for_output("Cannot perform I/O on behalf of a different request", start=start)
