"""Queues between two workers of one `pyworkerd dev -c producer -c consumer`: send and
sendBatch with the platform's checks and messages, delivery in batches, explicit acks
and retries, dead-letter queues, delays, concurrency.

The expected error texts are those workerd + Miniflare 4.20260426 gave for the same calls
(wrangler dev's stack; see the brief's report for the script)."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator

import pytest

from pyworkerd.testing.server import RunningServer, running_server
from tests.bindings.queues.conftest import batch_totals, got_lines, wait_for_batches
from tests.server.conftest import request, write_project

PRODUCER = r"""
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const t = url.pathname;
    if (t === "/types") {
      await env.TYPES.send({a: 1});
      await env.TYPES.send("plain", {contentType: "text"});
      await env.TYPES.send(new Uint8Array([1, 2, 255]), {contentType: "bytes"});
      await env.TYPES.send(new Map([["d", new Date(5)], ["n", 1n]]), {contentType: "v8"});
      await env.TYPES.send("shout", {contentType: "TEXT"});
      return new Response("sent");
    }
    if (t === "/many") {
      const messages = Array.from({length: 10}, (_, i) => ({body: {i}}));
      return Response.json(await env.TYPES.sendBatch(messages));
    }
    if (t === "/jobs") {
      await env.JOBS.sendBatch([{body: {name: "A", ack: true}}, {body: {name: "B"}}]);
      return new Response("sent");
    }
    if (t === "/drop") { await env.DROP.send("doomed", {contentType: "text"}); return new Response("sent"); }
    if (t === "/later") { await env.LATER.send({later: true}, {delaySeconds: 1}); return new Response("sent"); }
    if (t === "/slow") { await env.SLOW.send({slow: true}); return new Response("sent"); }
    if (t === "/warn") { await env.WARN.send(1); return new Response("sent"); }
    if (t === "/conc") {
      await env.CONC.sendBatch([1, 2, 3, 4].map((n) => ({body: n})));
      return new Response("sent");
    }
    if (t === "/metrics") {
      const m = await env.IDLE.metrics();
      const sent = await env.IDLE.send("x", {contentType: "text"});
      const after = await env.IDLE.metrics();
      return Response.json({
        before: m, sentCount: sent.metadata.metrics.backlogCount, afterCount: after.backlogCount,
        afterBytes: after.backlogBytes, oldest: after.oldestMessageTimestamp instanceof Date,
        keys: Object.getOwnPropertyNames(Object.getPrototypeOf(env.IDLE)).sort().join(),
      });
    }
    if (t === "/errors") {
      const out = {};
      const tryIt = async (name, fn) => {
        try { await fn(); out[name] = "ok"; } catch (e) { out[name] = `${e.constructor.name}: ${e.message}`; }
      };
      const Q = env.ERRS;
      await tryIt("undefined", () => Q.send(undefined));
      await tryIt("noArgs", () => Q.send());
      await tryIt("badType", () => Q.send("x", {contentType: "XML"}));
      await tryIt("textNumber", () => Q.send(5, {contentType: "text"}));
      await tryIt("bytesString", () => Q.send("x", {contentType: "bytes"}));
      await tryIt("bytesArrayBuffer", () => Q.send(new ArrayBuffer(3), {contentType: "bytes"}));
      await tryIt("jsonBigInt", () => Q.send(1n));
      await tryIt("v8Function", () => Q.send({f() {}}, {contentType: "v8"}));
      await tryIt("tooBig", () => Q.send("x".repeat(128001), {contentType: "text"}));
      await tryIt("maxSize", () => Q.send("x".repeat(128000), {contentType: "text"}));
      await tryIt("delayTooLong", () => Q.send("x", {delaySeconds: 43201}));
      await tryIt("delayNegative", () => Q.send("x", {delaySeconds: -1}));
      await tryIt("delayHuge", () => Q.send("x", {delaySeconds: 2 ** 32}));
      await tryIt("optionsString", () => Q.send("x", "text"));
      await tryIt("batchEmpty", () => Q.sendBatch([]));
      await tryIt("batchNotSequence", () => Q.sendBatch("ab"));
      await tryIt("batchNumberItem", () => Q.sendBatch([5]));
      await tryIt("batch101", () => Q.sendBatch(Array.from({length: 101}, (_, i) => ({body: i}))));
      await tryIt("batchTooBig", () => Q.sendBatch([1, 2, 3].map(() => ({body: "x".repeat(100000), contentType: "text"}))));
      await tryIt("batchBigMessage", () => Q.sendBatch([{body: "x".repeat(128001), contentType: "text"}]));
      await tryIt("batchUndefinedBody", () => Q.sendBatch([{}]));
      await tryIt("batchSet", () => Q.sendBatch(new Set([{body: 1}])));
      await tryIt("illegal", () => Q.send.call({}, 1));
      return Response.json(out);
    }
    return new Response("not found", {status: 404});
  },
};
"""

CONSUMER = r"""
const show = (b) => {
  if (b instanceof ArrayBuffer) return "bytes:" + Array.from(new Uint8Array(b)).join(",");
  if (b instanceof Map) return "map:" + [...b].map(([k, v]) =>
    k + "=" + (v instanceof Date ? "date" + v.getTime() : typeof v + String(v))).join(",");
  return typeof b + ":" + JSON.stringify(b);
};
export default {
  async fetch() { return new Response("consumer"); },
  async queue(batch, env, ctx) {
    const q = batch.queue;
    for (const m of batch.messages) {
      const age = Date.now() - m.timestamp.getTime();
      console.log(`got ${q} ${show(m.body)} attempts=${m.attempts} idlen=${m.id.length} ` +
        `ts=${m.timestamp instanceof Date} aged=${age >= 1000} ` +
        `meta=${typeof batch.metadata.metrics.backlogCount}`);
    }
    if (q === "jobs") {
      for (const m of batch.messages) if (m.body.ack) m.ack();
      throw new Error("jobs handler failed");
    }
    if (q === "drop") batch.retryAll();
    if (q === "later") for (const m of batch.messages) if (m.attempts === 1) m.retry({delaySeconds: 1});
    if (q === "warn") { batch.ackAll(); batch.messages[0].retry(); batch.retryAll(); }
    if (q === "conc") {
      const start = Date.now();
      await scheduler.wait(60);
      console.log(`span ${start} ${Date.now()}`);
    }
  },
};
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    root = tmp_path_factory.mktemp("queues")
    bindings = {
        "TYPES": "types",
        "JOBS": "jobs",
        "DROP": "drop",
        "LATER": "later",
        "WARN": "warn",
        "CONC": "conc",
        "IDLE": "idle",
        "ERRS": "errs",
    }
    producer = write_project(
        root / "producer",
        {"src/index.js": PRODUCER},
        {
            "name": "producer",
            "queues": {
                "producers": [
                    *({"binding": b, "queue": q} for b, q in bindings.items()),
                    {"binding": "SLOW", "queue": "slow", "delivery_delay": 1},
                ]
            },
        },
    )
    fast = {"max_batch_timeout": 0.1}
    consumer = write_project(
        root / "consumer",
        {"src/index.js": CONSUMER},
        {
            "name": "consumer",
            "queues": {
                "consumers": [
                    {"queue": "types", "max_batch_size": 4, **fast},
                    {"queue": "jobs", "max_retries": 2, "dead_letter_queue": "jobs-dlq", **fast},
                    {"queue": "jobs-dlq", **fast},
                    {"queue": "drop", "max_retries": 0, **fast},
                    {"queue": "later", **fast},
                    {"queue": "slow", **fast},
                    {"queue": "warn", **fast},
                    {"queue": "conc", "max_batch_size": 1, "max_concurrency": 1, **fast},
                ]
            },
        },
    )
    with running_server(
        producer, "-c", str(producer / "wrangler.jsonc"), "-c", str(consumer / "wrangler.jsonc")
    ) as srv:
        yield srv


def get(server: RunningServer, path: str) -> str:
    reply = request(server.url, path)
    assert reply.status == 200, reply.text
    return reply.text


def test_every_content_type_reaches_the_consumer_as_sent(server: RunningServer) -> None:
    get(server, "/types")
    wait_for_batches(server, "types", 5)
    bodies = sorted(line.split(" ")[2] for line in got_lines(server, "types"))
    assert bodies == sorted(
        [
            'object:{"a":1}',
            'string:"plain"',
            "bytes:1,2,255",
            "map:d=date5,n=bigint1",
            'string:"shout"',
        ]
    )
    first = got_lines(server, "types")[0]
    assert "attempts=1 idlen=32 ts=true" in first and "meta=number" in first


def test_a_batch_holds_at_most_max_batch_size(server: RunningServer) -> None:
    before = sum(total for _, total in batch_totals(server, "types"))
    reply = json.loads(get(server, "/many"))
    assert reply["metadata"]["metrics"]["backlogCount"] >= 1
    totals = wait_for_batches(server, "types", before + 10)
    assert sum(total for _, total in totals) == before + 10
    assert all(acked == total <= 4 for acked, total in totals)


def test_a_throwing_handler_retries_all_but_acked_then_dead_letters(server: RunningServer) -> None:
    get(server, "/jobs")
    wait_for_batches(server, "jobs-dlq", 1)
    assert got_lines(server, "jobs-dlq")[0].startswith(
        'got jobs-dlq object:{"name":"B"} attempts=1'
    )
    jobs = got_lines(server, "jobs")
    a = [line for line in jobs if '"A"' in line]
    b = [line for line in jobs if '"B"' in line]
    assert len(a) == 1 and "attempts=1" in a[0]  # acked, then the handler threw: not retried
    assert [re.search(r"attempts=(\d)", line).group(1) for line in b] == ["1", "2", "3"]  # type: ignore[union-attr]
    assert batch_totals(server, "jobs") == [(1, 2), (0, 1), (0, 1)]
    out = server.output()
    assert 'consumer: queue "jobs" batch failed: Error: jobs handler failed' in out
    assert re.search(
        r'Moving message "[0-9a-f]{32}" on queue "jobs" to dead letter queue "jobs-dlq" '
        r"after 3 failed attempts\.\.\.",
        out,
    )
    assert batch_totals(server, "jobs-dlq") == [(1, 1)]


def test_exhausted_messages_without_a_dead_letter_queue_are_dropped_with_a_warning(
    server: RunningServer,
) -> None:
    get(server, "/drop")
    assert wait_for_batches(server, "drop", 1) == [(0, 1)]
    assert re.search(
        r'Dropped message "[0-9a-f]{32}" on queue "drop" after 1 failed attempt!', server.output()
    )
    assert len(got_lines(server, "drop")) == 1


def test_delays_on_send_and_on_retry(server: RunningServer) -> None:
    get(server, "/later")
    assert wait_for_batches(server, "later", 2) == [(0, 1), (1, 1)]
    first, second = got_lines(server, "later")
    assert "attempts=1" in first and "aged=true" in first  # delaySeconds: 1 on send
    assert "attempts=2" in second


def test_a_producers_delivery_delay(server: RunningServer) -> None:
    get(server, "/slow")
    assert wait_for_batches(server, "slow", 1) == [(1, 1)]
    (line,) = got_lines(server, "slow")
    assert "attempts=1" in line and "aged=true" in line


def test_ack_and_retry_after_ack_all_warn_as_workerd(server: RunningServer) -> None:
    get(server, "/warn")
    assert wait_for_batches(server, "warn", 1) == [(1, 1)]
    out = server.output()
    assert re.search(
        r"Received a call to retry\(\) on message [0-9a-f]{32} after ackAll\(\) was already "
        r"called\. Calling retry\(\) on a message after calling ackAll\(\) has no effect\.",
        out,
    )
    assert (
        "Received a call to retryAll() after ackAll() was already called. "
        "Calling retryAll() after calling ackAll() has no effect." in out
    )


def test_max_concurrency_one_never_overlaps_batches(server: RunningServer) -> None:
    get(server, "/conc")
    assert wait_for_batches(server, "conc", 4) == [(1, 1)] * 4
    spans = sorted((int(a), int(b)) for a, b in re.findall(r"span (\d+) (\d+)", server.output()))
    assert len(spans) == 4
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert start >= end


def test_metrics_and_send_results(server: RunningServer) -> None:
    reply = json.loads(get(server, "/metrics"))
    assert reply["before"] == {"backlogCount": 0, "backlogBytes": 0}
    assert reply["sentCount"] == reply["afterCount"] == 1
    assert reply["afterBytes"] == 1 and reply["oldest"] is True
    assert reply["keys"] == "constructor,metrics,send,sendBatch"


def test_producer_errors_match_workerd_and_miniflare(server: RunningServer) -> None:
    out = json.loads(get(server, "/errors"))
    # The function's source as the bundler printed it ("f() {\n}" here).
    assert re.fullmatch(r"DOMException: f\(\) \{\s*\} could not be cloned\.", out.pop("v8Function"))
    assert out == {
        "undefined": "TypeError: Message body cannot be undefined",
        "noArgs": "TypeError: Failed to execute 'send' on 'WorkerQueue': parameter 1 is not of "
        "type 'JsValue'.",
        "badType": "TypeError: Unsupported queue message content type: XML",
        "textNumber": 'TypeError: Content Type "text" requires a value of type string, but '
        "received: number",
        "bytesString": 'TypeError: Content Type "bytes" requires a value of type ArrayBufferView, '
        "but received: string",
        "bytesArrayBuffer": 'TypeError: Content Type "bytes" requires a value of type '
        "ArrayBufferView, but received: object",
        "jsonBigInt": "TypeError: Do not know how to serialize a BigInt",
        "tooBig": "Error: Queue send failed: message length of 128001 bytes exceeds limit of "
        "128000",
        "maxSize": "ok",
        "delayTooLong": "Error: Queue send failed: message delay 43201 is invalid: must be "
        "between 0 and 43200 seconds",
        "delayNegative": "Error: Queue send failed: message delay -1 is invalid: must be "
        "between 0 and 43200 seconds",
        "delayHuge": "TypeError: Value out of range. Must be between -2147483648 and 2147483647 "
        "(inclusive).",
        "optionsString": "TypeError: Failed to execute 'send' on 'WorkerQueue': parameter 2 is "
        "not of type 'SendOptions'.",
        "batchEmpty": "TypeError: sendBatch() requires at least one message",
        "batchNotSequence": "TypeError: Failed to execute 'sendBatch' on 'WorkerQueue': "
        "parameter 1 is not of type 'Sequence'.",
        "batchNumberItem": "TypeError: Incorrect type: the provided value is not of type "
        "'MessageSendRequest'.",
        "batch101": "Error: Queue sendBatch failed: batch message count of 101 exceeds limit "
        "of 100",
        "batchTooBig": "Error: Queue sendBatch failed: batch size of 300000 bytes exceeds limit "
        "of 256000",
        "batchBigMessage": "Error: Queue sendBatch failed: message in batch has length 128001 "
        "bytes which exceeds single message size limit of 128000",
        "batchUndefinedBody": "TypeError: Message body cannot be undefined",
        "batchSet": "ok",
        "illegal": "TypeError: Illegal invocation",
    }
