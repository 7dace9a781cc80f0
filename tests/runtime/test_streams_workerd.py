"""workerd's non-standard streams (IdentityTransformStream, FixedLengthStream) and the
helpers 30_streams.js gives the rest of the runtime on `internals.streams`.

The IdentityTransformStream backpressure cases follow workerd's own
identitytransformstream-backpressure-test.js; error messages are workerd's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import run_js_snippet
from tests.runtime.test_streams import PRELUDE, trace


def run_with_streams(body: str) -> Any:
    """Like run_js, with `streams` (internals.streams) in scope and the trace helpers."""
    return run_js_snippet(
        "const streams = internals.streams;\n" + PRELUDE + body, expose_internals=True
    )


def test_identity_transform_stream_backpressure_counts_bytes(run_js: Callable[..., Any]) -> None:
    log = trace(
        run_js,
        """
      {
        const ts = new IdentityTransformStream({ highWaterMark: 10 });
        const writer = ts.writable.getWriter();
        const reader = ts.readable.getReader();
        L('hwm', writer.desiredSize);
        const firstReady = writer.ready;
        await writer.ready;
        writer.write(new Uint8Array(1));
        L('after 1 byte', writer.desiredSize);
        writer.write(new Uint8Array(9));
        L('after 9 more', writer.desiredSize, 'ready replaced', firstReady !== writer.ready);
        await Promise.all([(async () => { await writer.ready; L('ready again', writer.desiredSize); })(), reader.read()]);
        await reader.read();
        L('all read', writer.desiredSize);
      }
      {
        // without a highWaterMark desiredSize stays 1 and ready never changes
        const ts = new IdentityTransformStream();
        const writer = ts.writable.getWriter();
        const reader = ts.readable.getReader();
        const firstReady = writer.ready;
        writer.write(new Uint8Array(1)); writer.write(new Uint8Array(9));
        L('no hwm', writer.desiredSize, firstReady === writer.ready);
        const a = await reader.read(); const b = await reader.read();
        L('reads', a.value.length, b.value.length, writer.desiredSize);
      }
      {
        // FixedLengthStream caps the highWaterMark at the expected length
        const ts = new FixedLengthStream(10, { highWaterMark: 100 });
        L('fixed hwm', ts.writable.getWriter().desiredSize);
      }
      {
        // a write settles only once a reader took all its bytes
        const ts = new IdentityTransformStream();
        const w = ts.writable.getWriter();
        let settled = false;
        w.write(new Uint8Array([1, 2, 3])).then(() => { settled = true; });
        await tick();
        L('settled before read', settled);
        const r = ts.readable.getReader();
        L('read', rr(await r.read()));
        await tick();
        L('settled after read', settled);
      }
    """,
    )
    assert log == [
        "hwm 10",
        "after 1 byte 9",
        "after 9 more 0 ready replaced true",
        "ready again 1",
        "all read 10",
        "no hwm 1 true",
        "reads 1 9 1",
        "fixed hwm 10",
        "settled before read false",
        'read v:["Uint8Array",1,2,3]',
        "settled after read true",
    ]


def test_identity_transform_stream_byob_and_chunks(run_js: Callable[..., Any]) -> None:
    log = trace(
        run_js,
        """
      {
        // BYOB reads take a write in pieces
        const ts = new IdentityTransformStream();
        const reader = ts.readable.getReader({ mode: 'byob' });
        const writer = ts.writable.getWriter();
        let done = false;
        writer.write(new Uint8Array(10).map((_, i) => i)).then(() => { done = true; });
        const r1 = await reader.read(new Uint8Array(4));
        await tick();
        L('byob 4', rr(r1), 'write settled', done);
        const r2 = await reader.read(new Uint8Array(100));
        await tick();
        L('byob rest', rr(r2), 'write settled', done);
        const pending = reader.read(new Uint16Array(2));
        writer.close();
        L('after close', rr(await pending));
      }
      {
        const ts = new IdentityTransformStream();
        const writer = ts.writable.getWriter();
        const reader = ts.readable.getReader();
        L(await writer.write('str').catch((e) => e.name + ': ' + e.message));
        L(await writer.write(42).catch((e) => e.name + ': ' + e.message));
        L(await writer.write(new Uint8Array(0)).then(() => 'empty write settles at once'));
        // the stream survives bad chunks
        const p = writer.write(new Uint16Array([0x0201]));
        L('after bad chunks', rr(await reader.read()));
        await p;
        // the bytes are copied when written
        const chunk = new Uint8Array([1, 2, 3]);
        writer.write(chunk);
        chunk[0] = 99;
        chunk.buffer.transfer();
        L('copied at write', rr(await reader.read()));
        const ab = new ArrayBuffer(2);
        writer.write(ab);
        L('ArrayBuffer chunk', rr(await reader.read()));
        writer.write(new DataView(new ArrayBuffer(4), 1, 2));
        L('DataView chunk', rr(await reader.read()));
        writer.close();
        L('closed', rr(await reader.read()));
      }
      {
        const ts = new IdentityTransformStream();
        L(ts instanceof TransformStream, Object.prototype.toString.call(ts),
          Object.prototype.toString.call(new FixedLengthStream(1)),
          new FixedLengthStream(1) instanceof IdentityTransformStream);
      }
    """,
    )
    assert log == [
        'byob 4 v:["Uint8Array",0,1,2,3] write settled false',
        'byob rest v:["Uint8Array",4,5,6,7,8,9] write settled true',
        'after close done:["Uint16Array"]',
        "TypeError: This TransformStream is being used as a byte stream, but received a string "
        "on its writable side. If you wish to write a string, you'll probably want to "
        "explicitly UTF-8-encode it with TextEncoder.",
        "TypeError: This TransformStream is being used as a byte stream, but received an object "
        "of non-ArrayBuffer/ArrayBufferView type on its writable side.",
        "empty write settles at once",
        'after bad chunks v:["Uint8Array",1,2]',
        'copied at write v:["Uint8Array",1,2,3]',
        'ArrayBuffer chunk v:["Uint8Array",0,0]',
        'DataView chunk v:["Uint8Array",0,0]',
        "closed done",
        "true [object IdentityTransformStream] [object FixedLengthStream] true",
    ]


def test_identity_transform_stream_abort_cancel_and_pipes(run_js: Callable[..., Any]) -> None:
    log = trace(
        run_js,
        """
      {
        const ts = new IdentityTransformStream();
        const w = ts.writable.getWriter(); const r = ts.readable.getReader();
        const rp = r.read();
        settle(rp, 'pending read');
        settle(w.abort('gone'), 'abort');
        await tick();
      }
      {
        // a write waiting for a reader is failed by abort, not waited for
        const ts = new IdentityTransformStream();
        const w = ts.writable.getWriter();
        settle(w.write(new Uint8Array(3)), 'pending write');
        settle(w.abort('stop'), 'abort with write pending');
        settle(ts.readable.getReader().closed, 'readable after abort');
        await tick();
      }
      {
        const ts = new IdentityTransformStream();
        const w = ts.writable.getWriter();
        settle(w.write(new Uint8Array(3)), 'write');
        settle(ts.readable.cancel('nope'), 'cancel');
        settle(w.closed, 'writer closed');
        await tick();
      }
      {
        const ts = new IdentityTransformStream();
        const src = new ReadableStream({ start(c) { for (let i = 0; i < 5; i++) c.enqueue(new Uint8Array([i])); c.close(); } });
        settle(src.pipeTo(ts.writable), 'pipe bytes');
        const got = [];
        for await (const ch of ts.readable) got.push(...ch);
        L('piped', got.join());
      }
      {
        // a pipe of strings fails the pipe and errors the readable side
        const ts = new IdentityTransformStream();
        const src = new ReadableStream({ start(c) { c.enqueue('abc'); }, cancel(r) { L('source cancelled', en(r)); } });
        settle(src.pipeTo(ts.writable), 'pipe strings');
        settle(ts.readable.getReader().read(), 'read');
        await tick();
      }
      {
        // pipeThrough works too
        const out = new ReadableStream({ start(c) { c.enqueue(new Uint8Array([7, 8])); c.close(); } })
          .pipeThrough(new IdentityTransformStream());
        L('pipeThrough', rr(await out.getReader().read()));
      }
    """,
    )
    assert log == [
        "pending read err gone",
        "abort ok ",
        "readable after abort err stop",
        "pending write err stop",
        "abort with write pending ok ",
        "write err nope",
        "writer closed err nope",
        "cancel ok ",
        "piped 0,1,2,3,4",
        "pipe bytes ok ",
        "source cancelled TypeError",
        "read err TypeError",
        "pipe strings err TypeError",
        'pipeThrough v:["Uint8Array",7,8]',
    ]


def test_fixed_length_stream(run_js: Callable[..., Any]) -> None:
    log = trace(
        run_js,
        """
      {
        const f = new FixedLengthStream(4);
        const w = f.writable.getWriter(); const r = f.readable.getReader();
        w.write(new Uint8Array(3));
        await r.read();
        settle(w.write(new Uint8Array(3)), 'too many: write');
        settle(r.read(), 'too many: read');
        settle(w.closed, 'too many: closed');
        await tick();
      }
      {
        const f = new FixedLengthStream(3);
        const w = f.writable.getWriter();
        w.write(new Uint8Array([1, 2])).catch(() => {});
        settle(w.close(), 'too few: close');
        const r = f.readable.getReader();
        L('too few: first read', rr(await r.read()));
        settle(r.read(), 'too few: read');
        await tick();
      }
      {
        const f = new FixedLengthStream(3);
        const w = f.writable.getWriter();
        w.write(new Uint8Array([1])); w.write(new Uint8Array([2, 3])); w.close();
        const got = [];
        for await (const c of f.readable) got.push(...c);
        L('exact', got.join());
        const z = new FixedLengthStream(0);
        await z.writable.close();
        L('zero', rr(await z.readable.getReader().read()));
        L('bigint', new FixedLengthStream(5n) instanceof FixedLengthStream);
      }
      for (const v of [-1, 1.5, 2 ** 53, NaN, 'x', undefined]) {
        try { new FixedLengthStream(v); L('accepted', String(v)); } catch (e) { L(String(v), en(e), e.message); }
      }
      L('max', new FixedLengthStream(2 ** 53 - 1) instanceof FixedLengthStream);
    """,
    )
    too_many = "Attempt to write too many bytes through a FixedLengthStream."
    bad_length = "TypeError FixedLengthStream requires an integer expected length less than 2^53."
    assert log == [
        "too many: read err TypeError",
        "too many: write err TypeError",
        "too many: closed err TypeError",
        'too few: first read v:["Uint8Array",1,2]',
        "too few: read err TypeError",
        "too few: close err TypeError",
        "exact 1,2,3",
        "zero done",
        "bigint true",
        f"-1 {bad_length}",
        f"1.5 {bad_length}",
        f"9007199254740992 {bad_length}",
        f"NaN {bad_length}",
        f"x {bad_length}",
        f"undefined {bad_length}",
        "max true",
    ]
    messages = run_js("""
      const f = new FixedLengthStream(1);
      const w = f.writable.getWriter();
      const tooMany = await w.write(new Uint8Array(2)).catch((e) => e.message);
      const g = new FixedLengthStream(2);
      const tooFew = await g.writable.close().catch((e) => e.message);
      return [tooMany, tooFew];
    """)
    assert messages == [
        too_many,
        "FixedLengthStream did not see all expected bytes before close().",
    ]


def test_internals_predicates_and_expected_length() -> None:
    result = run_with_streams("""
      const rs = new ReadableStream();
      const out = {
        isReadable: [streams.isReadableStream(rs), streams.isReadableStream({}), streams.isReadableStream(null),
                     streams.isWritableStream(new WritableStream()), streams.isWritableStream(rs)],
        fresh: [streams.isDisturbed(rs), streams.isLocked(rs), streams.state(rs)],
      };
      const reader = rs.getReader();
      out.locked = streams.isLocked(rs);
      reader.read();
      out.disturbed = streams.isDisturbed(rs);
      const errored = new ReadableStream({ start(c) { c.error(new RangeError('x')); } });
      out.errored = [streams.state(errored), streams.storedError(errored).name];
      const f = new FixedLengthStream(12);
      out.fixed = streams.expectedLength(f.readable);
      const [b1, b2] = streams.tee(f.readable);
      out.teeLengths = [streams.expectedLength(b1), streams.expectedLength(b2)];
      out.identity = streams.expectedLength(new IdentityTransformStream().readable) ?? null;
      out.plain = streams.expectedLength(new ReadableStream()) ?? null;
      const s = new ReadableStream();
      streams.setExpectedLength(s, 5);
      out.set = streams.expectedLength(s);
      try { streams.isDisturbed({}); } catch (e) { out.notAStream = e.message; }
      return out;
    """)
    assert result == {
        "isReadable": [True, False, False, True, False],
        "fresh": [False, False, "readable"],
        "locked": True,
        "disturbed": True,
        "errored": ["errored", "RangeError"],
        "fixed": 12,
        "teeLengths": [12, 12],
        "identity": None,
        "plain": None,
        "set": 5,
        "notAStream": "Illegal invocation",
    }


def test_internals_read_all() -> None:
    result = run_with_streams("""
      const out = {};
      const chunks = [new Uint8Array([1, 2]), new ArrayBuffer(1), new DataView(new Uint8Array([3, 4, 5]).buffer, 1, 2),
                      new Uint16Array([0x0706])];
      const rs = new ReadableStream({ start(c) { for (const x of chunks) c.enqueue(x); c.close(); } });
      const all = await streams.readAll(rs);
      out.mixed = [all.constructor.name, Array.from(all), streams.isDisturbed(rs), streams.isLocked(rs)];
      // chunks that arrive over time
      let n = 0;
      const slow = new ReadableStream({ async pull(c) { await tick(3); n++; c.enqueue(new Uint8Array([n])); if (n === 4) c.close(); } });
      out.slow = Array.from(await streams.readAll(slow));
      // a byte stream, and a single chunk
      const bytes = new ReadableStream({ type: 'bytes', start(c) { c.enqueue(new Uint8Array([9, 8])); c.close(); } });
      out.bytes = Array.from(await streams.readAll(bytes));
      out.empty = (await streams.readAll(new ReadableStream({ start(c) { c.close(); } }))).length;
      // not bytes: rejected, and the stream is cancelled
      let cancelled;
      const strings = new ReadableStream({ start(c) { c.enqueue(new Uint8Array(1)); c.enqueue('nope'); }, cancel(r) { cancelled = r.message; } });
      out.notBytes = await streams.readAll(strings).catch((e) => e.name + ': ' + e.message);
      out.cancelledWith = cancelled;
      const locked = new ReadableStream(); locked.getReader();
      out.locked = await streams.readAll(locked).catch((e) => e.message);
      out.errored = await streams.readAll(new ReadableStream({ start(c) { c.error(new SyntaxError('bad')); } })).catch((e) => e.name);
      out.notStream = await streams.readAll({}).catch((e) => e.name);
      // many small chunks at once are concatenated once
      const many = new ReadableStream({ start(c) { for (let i = 0; i < 1000; i++) c.enqueue(new Uint8Array([i & 255])); c.close(); } });
      const m = await streams.readAll(many);
      out.many = [m.length, m[999], m.byteOffset, m.buffer.byteLength];
      return out;
    """)
    assert result == {
        "mixed": ["Uint8Array", [1, 2, 0, 4, 5, 6, 7], True, False],
        "slow": [1, 2, 3, 4],
        "bytes": [9, 8],
        "empty": 0,
        "notBytes": "TypeError: This ReadableStream did not return bytes.",
        "cancelledWith": "This ReadableStream did not return bytes.",
        "locked": "This ReadableStream is currently locked to a reader.",
        "errored": "SyntaxError",
        "notStream": "TypeError",
        "many": [1000, 231, 0, 1000],
    }


def test_internals_from_bytes() -> None:
    result = run_with_streams("""
      const out = {};
      const source = new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7]);
      const part = source.subarray(2, 7);
      const rs = streams.fromBytes(part);
      out.fresh = [streams.expectedLength(rs), streams.isDisturbed(rs)];
      const r = rs.getReader();
      const first = await r.read();
      out.read = [Array.from(first.value), (await r.read()).done, source.buffer.byteLength];
      out.disturbedLength = streams.expectedLength(rs) ?? null;
      // BYOB reads copy out of it
      const b = streams.fromBytes(new Uint8Array([1, 2, 3, 4, 5])).getReader({ mode: 'byob' });
      out.byob = [Array.from((await b.read(new Uint8Array(2))).value), Array.from((await b.read(new Uint8Array(8))).value),
                  (await b.read(new Uint8Array(1))).done];
      const e = streams.fromBytes(new Uint8Array(0));
      out.empty = [streams.expectedLength(e), (await e.getReader().read()).done];
      out.readAll = Array.from(await streams.readAll(streams.fromBytes(new Uint8Array([5, 6]))));
      const [t1, t2] = streams.fromBytes(new Uint8Array([7, 7])).tee();
      out.tee = [Array.from(await streams.readAll(t1)), Array.from(await streams.readAll(t2))];
      out.fromArrayBuffer = Array.from(await streams.readAll(streams.fromBytes(new Uint8Array([3]).buffer)));
      out.intoResponse = await new Response(streams.fromBytes(new Uint8Array([104, 105]))).text();
      return out;
    """)
    assert result == {
        "fresh": [5, False],
        # the bytes are handed out as they are, not copied or detached
        "read": [[2, 3, 4, 5, 6], True, 8],
        "disturbedLength": None,
        "byob": [[1, 2], [3, 4, 5], True],
        "empty": [0, True],
        "readAll": [5, 6],
        "tee": [[7, 7], [7, 7]],
        "fromArrayBuffer": [3],
        "intoResponse": "hi",
    }


def test_internals_create_pull_stream() -> None:
    result = run_with_streams("""
      const out = { calls: [] };
      let n = 0;
      const rs = streams.createPullStream({
        pull(c) {
          n++;
          out.calls.push('pull ' + n + ' ' + c.desiredSize);
          return tick(2).then(() => {
            if (n === 1) c.enqueue(new Uint8Array([1, 2, 3]));
            else if (n === 2) { c.enqueue(new Uint8Array([4])); c.enqueue(new Uint8Array(0)); }
            else c.close();
          });
        },
        cancel(reason) { out.calls.push('cancel ' + reason); },
      }, { expectedLength: 4 });
      await tick();
      out.calls.push('no pull before a read: ' + n);
      out.expected = streams.expectedLength(rs);
      out.all = Array.from(await streams.readAll(rs));
      // BYOB reads copy what the host enqueues
      let hostController;
      const b = streams.createPullStream({ pull(c) { hostController = c; } });
      const br = b.getReader({ mode: 'byob' });
      const p = br.read(new Uint8Array(2));
      await tick();
      hostController.enqueue(new Uint8Array([9, 8, 7]));
      out.byob = Array.from((await p).value);
      out.byobRest = Array.from((await br.read(new Uint8Array(4))).value);
      const p2 = br.read(new Uint8Array(4));
      await tick();
      hostController.close();
      const last = await p2;
      out.byobDone = [last.done, last.value.byteLength];
      hostController.enqueue(new Uint8Array([1]));  // ignored once closed
      // errors and cancel
      const e = streams.createPullStream({ pull(c) { c.error(new RangeError('host')); } });
      out.error = await e.getReader().read().catch((err) => err.name);
      const c = streams.createPullStream({ pull() {}, cancel(r) { out.calls.push('cancelled ' + r); } });
      await c.cancel('bye');
      const thrower = streams.createPullStream({ pull() { throw new SyntaxError('sync'); } });
      out.pullThrows = await thrower.getReader().read().catch((err) => err.name);
      // a highWaterMark makes it pull ahead, until 4 bytes are queued
      let ahead = 0;
      streams.createPullStream({ pull(c) { ahead++; if (ahead < 3) c.enqueue(new Uint8Array(2)); } }, { highWaterMark: 4 });
      await tick();
      out.ahead = ahead;
      return out;
    """)
    assert result == {
        "calls": ["no pull before a read: 0", "pull 1 0", "pull 2 0", "pull 3 0", "cancelled bye"],
        "expected": 4,
        "all": [1, 2, 3, 4],
        "byob": [9, 8],
        "byobRest": [7],
        "byobDone": [True, 0],
        "error": "RangeError",
        "pullThrows": "SyntaxError",
        "ahead": 2,
    }


def test_internals_reader_cancel_and_pipe() -> None:
    result = run_with_streams("""
      const out = { events: [] };
      const rs = new ReadableStream({ start(c) { c.enqueue('a'); c.enqueue('b'); c.close(); } });
      const reader = streams.reader(rs);
      out.locked = rs.locked;
      const ev = out.events;
      const next = () => reader.read((chunk) => { ev.push('chunk ' + chunk); next(); }, () => ev.push('close'), (e) => ev.push('error ' + e));
      next();
      reader.release();
      out.released = rs.locked;
      const broken = new ReadableStream({ start(c) { c.error('bad'); } });
      streams.reader(broken).read(() => {}, () => {}, (e) => ev.push('error ' + e));
      // cancel works on a locked stream and leaves it disturbed
      let reason;
      const locked = new ReadableStream({ cancel(r) { reason = r; } });
      locked.getReader();
      await streams.cancel(locked, 'why');
      out.cancel = [reason, streams.isDisturbed(locked), streams.state(locked)];
      // pipeTo without the public method
      const got = [];
      await streams.pipeTo(new ReadableStream({ start(c) { c.enqueue(1); c.close(); } }),
                           new WritableStream({ write(x) { got.push(x); } }));
      out.piped = got;
      // patched prototypes do not reach the runtime's reader
      ReadableStreamDefaultReader.prototype.read = () => { throw new Error('patched'); };
      const rs2 = new ReadableStream({ start(c) { c.enqueue('z'); } });
      streams.reader(rs2).read((chunk) => ev.push('unpatched ' + chunk), () => {}, () => {});
      return out;
    """)
    assert result == {
        "events": ["chunk a", "chunk b", "close", "error bad", "unpatched z"],
        "locked": True,
        "released": False,
        "cancel": ["why", True, "closed"],
        "piped": [1],
    }
