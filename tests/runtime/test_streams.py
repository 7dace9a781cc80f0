"""ReadableStream (default streams), readers, tee, ReadableStream.from, async iteration,
queuing strategies and the WebIDL surface of the streams globals (30_streams.js).

Each snippet records what happened in order in `log` (see PRELUDE) and the test compares
the whole trace, so one isolate checks many behaviours. The traces follow the Streams
Standard's algorithms step by step (microtask order included); scenarios are adapted from
the behaviours web-platform-tests/streams checks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import JSError

# Helpers for snippets: L(...) appends a line to `log`; tick() lets queued microtasks run;
# en(e) names an error; settle(p, name) logs how a promise settles; rr(result) formats a
# read result.
PRELUDE = r"""
const log = [];
const fmt = (x) => typeof x === 'object' && x !== null && !Array.isArray(x) ? JSON.stringify(x) : x;
const L = (...a) => log.push(a.map(fmt).join(' '));
const tick = async (n = 30) => { for (let i = 0; i < n; i++) await Promise.resolve(); };
const en = (e) => e === undefined ? 'undef' : (e && e.name) ? e.name : String(e);
const show = (v) => ArrayBuffer.isView(v) ? [v.constructor.name, ...Array.from(v)] : v;
const rr = (r) => r.done ? 'done' + (r.value === undefined ? '' : ':' + JSON.stringify(show(r.value)))
                         : 'v:' + JSON.stringify(show(r.value));
const settle = (p, name) => p.then(
  (v) => L(name, 'ok', v === undefined ? '' : (typeof v === 'object' && v && 'done' in v ? rr(v) : String(v))),
  (e) => L(name, 'err', en(e)));
"""


def trace(run_js: Callable[..., Any], body: str) -> list[str]:
    result = run_js(PRELUDE + body + "\nreturn log;")
    assert isinstance(result, list)
    return result


def test_enqueue_read_close_ordering_and_desired_size(run_js: Callable[..., Any]) -> None:
    log = trace(
        run_js,
        """
      let c;
      const rs = new ReadableStream({
        start(ctrl) { c = ctrl; L('start', ctrl.desiredSize); },
        pull(ctrl) { L('pull', ctrl.desiredSize); },
        cancel(r) { L('cancel', r); },
      }, { highWaterMark: 2, size(ch) { L('size', ch); return ch.length; } });
      L('constructed');
      await tick();
      c.enqueue('ab');
      L('after enqueue', c.desiredSize);
      await tick();
      c.enqueue('c');
      L('after enqueue2', c.desiredSize);
      const r = rs.getReader();
      settle(r.read(), 'r1'); settle(r.read(), 'r2'); settle(r.read(), 'r3');
      L('sync after reads', c.desiredSize);
      await tick();
      c.enqueue('xyz');
      c.close();
      try { c.enqueue('z'); } catch (e) { L('enqueue after close', en(e), e.message); }
      try { c.close(); } catch (e) { L('close after close', en(e)); }
      settle(r.read(), 'r4');
      await tick();
      settle(r.closed, 'closed');
      await tick();
    """,
    )
    assert log == [
        # start runs in the constructor; pull only after start's promise settles
        "start 2",
        "constructed",
        "pull 2",
        "size ab",
        "after enqueue 0",
        "size c",
        "after enqueue2 -1",
        # the first read takes "ab": the queue drops below the mark and pull runs at once
        "pull 1",
        "sync after reads 2",
        "pull 2",
        'r1 ok v:"ab"',
        'r2 ok v:"c"',
        "pull 2",
        "enqueue after close TypeError Unable to enqueue",
        "close after close TypeError",
        'r3 ok v:"xyz"',
        "r4 ok done",
        "closed ok ",
    ]


def test_errors_from_start_pull_size_and_controller(run_js: Callable[..., Any]) -> None:
    log = trace(
        run_js,
        """
      const rs2 = new ReadableStream({ start(ctrl) { ctrl.enqueue(1); ctrl.error(new RangeError('x')); } });
      const r2 = rs2.getReader();
      settle(r2.read(), 'queued chunk after error'); settle(r2.closed, 'closed');
      await tick();
      const rs3 = new ReadableStream({ start(ctrl) { try { ctrl.enqueue(1); } catch (e) { L('size threw', en(e)); } } },
                                     { size() { throw new SyntaxError('s'); } });
      settle(rs3.getReader().closed, 'size-throws closed');
      const rs4 = new ReadableStream({ start(ctrl) { try { ctrl.enqueue(1); } catch (e) { L('bad size', en(e)); } } },
                                     { size() { return -1; } });
      settle(rs4.getReader().closed, 'bad-size closed');
      const rs4b = new ReadableStream({ start(ctrl) { ctrl.enqueue(1); L('size as string ok', ctrl.desiredSize); } },
                                      { highWaterMark: 5, size() { return '2'; } });
      await tick();
      const rs5 = new ReadableStream({ pull() { return Promise.reject(new TypeError('p')); } });
      settle(rs5.getReader().read(), 'pull rejects');
      await tick();
      const rs6 = new ReadableStream({ start() { return Promise.reject(new EvalError('st')); } });
      settle(rs6.getReader().read(), 'start rejects');
      try { new ReadableStream({ start() { throw new URIError('u'); } }); } catch (e) { L('start throws', en(e)); }
      await tick();
      new ReadableStream({ start(c) { c.close(); L('desiredSize closed', c.desiredSize); } });
      new ReadableStream({ start(c) { c.error(); L('desiredSize errored', c.desiredSize);
        try { c.close(); } catch (e) { L('close after error', en(e)); }
        c.error('again'); L('second error ignored'); } });
    """,
    )
    assert log == [
        "queued chunk after error err RangeError",
        "closed err RangeError",
        "size threw SyntaxError",
        "bad size RangeError",
        "size as string ok 3",
        "size-throws closed err SyntaxError",
        "bad-size closed err RangeError",
        "pull rejects err TypeError",
        "start throws URIError",
        "start rejects err EvalError",
        "desiredSize closed 0",
        "desiredSize errored ",
        "close after error TypeError",
        "second error ignored",
    ]


def test_cancel_propagates_to_source_and_settles_reads(run_js: Callable[..., Any]) -> None:
    log = trace(
        run_js,
        """
      let pulls = 0;
      const rs = new ReadableStream({
        pull(c) { pulls++; c.enqueue(pulls); },
        cancel(r) {
          L('cancel called', r);
          return new Promise((res) => Promise.resolve().then(() => { L('cancel resolving'); res('ignored'); }));
        },
      });
      const r = rs.getReader();
      settle(r.read(), 'read1');
      await tick();
      settle(r.cancel('why'), 'cancel');
      settle(r.read(), 'read after cancel');
      settle(r.closed, 'closed');
      await tick();
      L('pulls', pulls);
      // cancel() on the stream itself, and the source's cancel rejecting
      const rs2 = new ReadableStream({ cancel() { throw new RangeError('c'); } });
      settle(rs2.cancel(), 'source cancel throws');
      settle(new ReadableStream({ start(c) { c.close(); } }).cancel(), 'cancel closed');
      settle(new ReadableStream({ start(c) { c.error(new SyntaxError()); } }).cancel(), 'cancel errored');
      // a pending read is answered "done" when the stream is cancelled
      const rs3 = new ReadableStream();
      const r3 = rs3.getReader();
      settle(r3.read(), 'pending read');
      settle(r3.cancel(), 'cancel with pending read');
      await tick();
      // the cancel reason reaches the source unchanged
      const reason = { why: 1 };
      let got;
      await new ReadableStream({ cancel(x) { got = x; } }).cancel(reason);
      L('same reason object', got === reason);
    """,
    )
    assert log == [
        "read1 ok v:1",
        "cancel called why",
        "cancel resolving",
        "read after cancel ok done",
        "closed ok ",
        "cancel ok ",
        "pulls 2",
        "cancel closed ok ",
        "cancel errored err SyntaxError",
        "pending read ok done",
        "source cancel throws err RangeError",
        "cancel with pending read ok ",
        "same reason object true",
    ]


def test_locking_and_release(run_js: Callable[..., Any]) -> None:
    log = trace(
        run_js,
        """
      const rs = new ReadableStream();
      const r = rs.getReader();
      L('locked', rs.locked);
      settle(r.read(), 'pending read');
      r.releaseLock();
      settle(r.closed, 'closed after release');
      settle(r.read(), 'read after release');
      settle(r.cancel(), 'cancel after release');
      r.releaseLock();
      L('locked after release', rs.locked);
      const r2 = rs.getReader();
      try { rs.getReader(); } catch (e) { L('getReader locked', en(e), e.message); }
      try { new ReadableStreamDefaultReader(rs); } catch (e) { L('reader ctor locked', en(e)); }
      try { rs.tee(); } catch (e) { L('tee locked', en(e)); }
      try { rs.values(); } catch (e) { L('values locked', en(e)); }
      settle(rs.cancel(), 'cancel locked');
      settle(rs.pipeTo(new WritableStream()), 'pipeTo locked');
      try { rs.pipeThrough(new TransformStream()); } catch (e) { L('pipeThrough locked', en(e)); }
      await tick();
      L('release message', await r.read().catch((e) => e.message));
      // a reader made on a closed / errored stream
      const closed = new ReadableStream({ start(c) { c.close(); } });
      settle(closed.getReader().closed, 'reader of closed');
      const errored = new ReadableStream({ start(c) { c.error(new EvalError()); } });
      const er = errored.getReader();
      settle(er.closed, 'reader of errored');
      er.releaseLock();
      settle(errored.getReader().read(), 'read errored');
      await tick();
    """,
    )
    assert log == [
        "locked true",
        "locked after release false",
        "getReader locked TypeError This ReadableStream is currently locked to a reader.",
        "reader ctor locked TypeError",
        "tee locked TypeError",
        "values locked TypeError",
        "pipeThrough locked TypeError",
        "pending read err TypeError",
        "closed after release err TypeError",
        "read after release err TypeError",
        "cancel after release err TypeError",
        "cancel locked err TypeError",
        "pipeTo locked err TypeError",
        "release message This ReadableStream reader has been released.",
        "reader of closed ok ",
        "reader of errored err EvalError",
        "read errored err EvalError",
    ]


def test_backpressure_pull_is_driven_by_high_water_mark(run_js: Callable[..., Any]) -> None:
    log = trace(
        run_js,
        """
      let n = 0;
      const rs = new ReadableStream({
        pull(c) { n++; L('pull', n, c.desiredSize); c.enqueue(n); },
      }, new CountQueuingStrategy({ highWaterMark: 3 }));
      await tick();
      L('filled', n);
      const r = rs.getReader();
      await r.read();
      await tick();
      L('after one read', n);
      // highWaterMark 0: pull only when a read is waiting
      let m = 0;
      const lazy = new ReadableStream({ pull(c) { m++; c.enqueue(m); } }, { highWaterMark: 0 });
      await tick();
      L('lazy pulls', m);
      const lr = lazy.getReader();
      L('lazy read', rr(await lr.read()));
      await tick();
      L('lazy pulls after read', m);
      // a pull that never settles is not called again
      let calls = 0;
      const stuck = new ReadableStream({ pull() { calls++; return new Promise(() => {}); } });
      const sr = stuck.getReader();
      sr.read(); sr.read();
      await tick();
      L('stuck pull calls', calls);
      // ByteLengthQueuingStrategy sizes chunks by byteLength
      let bc;
      const bytes = new ReadableStream({ start(c) { bc = c; } }, new ByteLengthQueuingStrategy({ highWaterMark: 10 }));
      bc.enqueue(new Uint8Array(4)); bc.enqueue(new ArrayBuffer(3));
      L('byte length desiredSize', bc.desiredSize);
    """,
    )
    assert log == [
        "pull 1 3",
        "pull 2 2",
        "pull 3 1",
        "filled 3",
        "pull 4 1",
        "after one read 4",
        "lazy pulls 0",
        "lazy read v:1",
        "lazy pulls after read 1",
        "stuck pull calls 1",
        "byte length desiredSize 3",
    ]


def test_tee_default_stream(run_js: Callable[..., Any]) -> None:
    log = trace(
        run_js,
        """
      let c; let pulls = 0;
      const rs = new ReadableStream({
        start(ctrl) { c = ctrl; }, pull() { pulls++; L('src pull', pulls); },
        cancel(r) { L('src cancel', JSON.stringify(r)); return 'x'; },
      });
      const [a, b] = rs.tee();
      L('locked', rs.locked, a instanceof ReadableStream, a !== b);
      const ra = a.getReader(), rb = b.getReader();
      settle(ra.read(), 'a1');
      await tick();
      c.enqueue('one');
      await tick();
      settle(rb.read(), 'b1');
      await tick();
      c.enqueue('two');
      settle(ra.read(), 'a2');
      await tick();
      settle(ra.cancel('ra'), 'cancel a');
      await tick();
      settle(rb.read(), 'b2');
      c.enqueue('three');
      settle(rb.read(), 'b3');
      await tick();
      settle(rb.cancel('rb'), 'cancel b');
      await tick();
      L('pulls', pulls);
      // errors reach both branches
      let ec;
      const [ea, eb] = new ReadableStream({ start(ctrl) { ec = ctrl; } }).tee();
      settle(ea.getReader().closed, 'ea closed'); settle(eb.getReader().closed, 'eb closed');
      ec.error(new RangeError('e'));
      await tick();
      // one cancelled branch does not stop the other; the source is not cancelled
      const rs2 = new ReadableStream({ start(c) { c.enqueue('p'); c.enqueue('q'); c.close(); },
                                       cancel() { L('must not cancel'); } });
      const [x, y] = rs2.tee();
      settle(x.cancel('x'), 'x cancel');  // settles once the source closes
      const out = []; for await (const v of y) out.push(v);
      L('y got', out.join());
      // the same object reaches both branches (no clone for ReadableStream.prototype.tee)
      const obj = { k: 1 };
      const [o1, o2] = new ReadableStream({ start(c) { c.enqueue(obj); } }).tee();
      const v1 = (await o1.getReader().read()).value, v2 = (await o2.getReader().read()).value;
      L('same chunk', v1 === obj && v2 === obj);
    """,
    )
    assert log == [
        "locked true true true",
        # the source is pulled whenever the tee's reader has a read waiting
        "src pull 1",
        "src pull 2",
        "src pull 3",
        "src pull 4",
        'a1 ok v:"one"',
        'b1 ok v:"one"',
        "src pull 5",
        "src pull 6",
        'a2 ok v:"two"',
        "src pull 7",
        'b2 ok v:"two"',
        "src pull 8",
        'b3 ok v:"three"',
        # cancelled only once both branches are, with both reasons
        'src cancel ["ra","rb"]',
        "cancel a ok ",
        "cancel b ok ",
        "pulls 8",
        "ea closed err RangeError",
        "eb closed err RangeError",
        "x cancel ok ",
        "y got p,q",
        "same chunk true",
    ]


def test_async_iteration(run_js: Callable[..., Any]) -> None:
    log = trace(
        run_js,
        """
      const rs = new ReadableStream({ start(c) { c.enqueue(1); c.enqueue(2); c.enqueue(3); c.close(); } });
      const out = []; for await (const x of rs) out.push(x);
      L('all', out.join(), rs.locked);
      // breaking out cancels the stream and releases the lock
      const rs2 = new ReadableStream({ start(c) { c.enqueue(1); c.enqueue(2); }, cancel(r) { L('cancel', r); } });
      for await (const x of rs2) { L('got', x); break; }
      L('after break locked', rs2.locked);
      settle(rs2.getReader().closed, 'closed after break');
      await tick();
      // preventCancel leaves the stream readable and unlocked
      const rs3 = new ReadableStream({ start(c) { c.enqueue(1); c.enqueue(2); }, cancel() { L('never'); } });
      for await (const x of rs3.values({ preventCancel: true })) { L('pc got', x); break; }
      L('pc locked', rs3.locked);
      settle(rs3.getReader().read(), 'pc next');
      await tick();
      // an error ends the loop and releases the lock
      const rs4 = new ReadableStream({ start(c) { c.error(new RangeError('it')); } });
      try { for await (const x of rs4) L('x', x); } catch (e) { L('iter error', en(e)); }
      L('locked after error', rs4.locked);
      // next() calls queue behind each other; return() waits for them
      let c5;
      const it = new ReadableStream({ start(ctrl) { c5 = ctrl; }, cancel(r) { L('ret cancel', r); } }).values();
      settle(it.next(), 'n1'); settle(it.next(), 'n2'); settle(it.return('R'), 'ret'); settle(it.next(), 'n3');
      await tick(); c5.enqueue('x'); await tick(); c5.enqueue('y'); await tick();
      const it2 = new ReadableStream({ start(c) { c.close(); } })[Symbol.asyncIterator]();
      L('done result', JSON.stringify(await it2.next()), JSON.stringify(await it2.return(7)));
      const proto = Object.getPrototypeOf(it2);
      L('iterator', Object.getOwnPropertyNames(proto).join(), Object.prototype.toString.call(it2),
        Object.getPrototypeOf(proto) === Object.getPrototypeOf(Object.getPrototypeOf(async function* () {}).prototype),
        ReadableStream.prototype.values === ReadableStream.prototype[Symbol.asyncIterator]);
      settle(proto.next.call({}), 'next brand');
    """,
    )
    assert log == [
        "all 1,2,3 false",
        "got 1",
        "cancel ",
        "after break locked false",
        "closed after break ok ",
        "pc got 1",
        "pc locked false",
        "pc next ok v:2",
        "iter error RangeError",
        "locked after error false",
        'n1 ok v:"x"',
        'n2 ok v:"y"',
        "ret cancel R",
        'ret ok done:"R"',
        "n3 ok done",
        'done result {"done":true} {"value":7,"done":true}',
        "iterator next,return [object ReadableStream AsyncIterator] true true",
        "next brand err TypeError",
    ]


def test_readable_stream_from(run_js: Callable[..., Any]) -> None:
    log = trace(
        run_js,
        """
      const out = [];
      for await (const x of ReadableStream.from(['a', 'b'])) out.push(x);
      for await (const x of ReadableStream.from('hi')) out.push(x);
      async function* g() { yield 1; yield 2; }
      for await (const x of ReadableStream.from(g())) out.push(x);
      for await (const x of ReadableStream.from([Promise.resolve('p')])) out.push(x);
      const custom = { [Symbol.asyncIterator]() { let i = 0; return { next: async () => ({ done: i > 1, value: i++ }) }; } };
      for await (const x of ReadableStream.from(custom)) out.push(x);
      L('from', JSON.stringify(out));
      for (const bad of [null, undefined, 5, {}, { [Symbol.asyncIterator]: 1 }]) {
        try { ReadableStream.from(bad); L('no throw'); } catch (e) { L('from bad', en(e)); }
      }
      // pulls lazily (highWaterMark 0), cancel calls the iterator's return()
      let pulled = 0, returned = null;
      const iterable = { [Symbol.iterator]() { return {
        next() { pulled++; return { value: pulled, done: false }; },
        return(v) { returned = v; return {}; } }; } };
      const rs = ReadableStream.from(iterable);
      await tick();
      L('pulled before read', pulled);
      const r = rs.getReader();
      settle(r.read(), 'inf1'); await tick();
      settle(r.cancel('stop'), 'inf cancel'); await tick();
      L('returned', returned, 'pulled', pulled);
      // a generator is finished by cancel
      let finallyRan = false;
      async function* g2() { try { yield 1; yield 2; } finally { finallyRan = true; } }
      const r2 = ReadableStream.from(g2()).getReader();
      await r2.read(); await r2.cancel();
      L('generator finally', finallyRan);
      const rs2 = ReadableStream.from({ [Symbol.asyncIterator]() { return { next() { return Promise.resolve(5); } }; } });
      settle(rs2.getReader().read(), 'non-object result');
      const rs3 = ReadableStream.from({ [Symbol.asyncIterator]() { return { next() { throw new EvalError('n'); } }; } });
      settle(rs3.getReader().read(), 'next throws');
      const rs4 = ReadableStream.from([Promise.reject(new URIError('rej'))]);
      settle(rs4.getReader().read(), 'rejected value');
      const rs5 = ReadableStream.from({ [Symbol.asyncIterator]() { return { next() { return { done: false, value: 1 }; }, return() { return 5; } }; } });
      const r5 = rs5.getReader(); await r5.read(); settle(r5.cancel(), 'return non-object');
      await tick();
      L('instance', ReadableStream.from([]) instanceof ReadableStream,
        Object.getOwnPropertyDescriptor(ReadableStream, 'from').enumerable, ReadableStream.from.length);
    """,
    )
    assert log == [
        'from ["a","b","h","i",1,2,"p",0,1]',
        "from bad TypeError",
        "from bad TypeError",
        "from bad TypeError",
        "from bad TypeError",
        "from bad TypeError",
        "pulled before read 0",
        "inf1 ok v:1",
        "inf cancel ok ",
        "returned stop pulled 1",
        "generator finally true",
        "next throws err EvalError",
        "non-object result err TypeError",
        "rejected value err URIError",
        "return non-object err TypeError",
        "instance true true 1",
    ]


def test_queuing_strategies(run_js: Callable[..., Any]) -> None:
    result = run_js("""
      const b = new ByteLengthQueuingStrategy({ highWaterMark: 4 });
      const c = new CountQueuingStrategy({ highWaterMark: 2 });
      const out = {
        blqs: [b.highWaterMark, b.size(new Uint8Array(7)), b.size.name, b.size.length,
               b.size === new ByteLengthQueuingStrategy({ highWaterMark: 1 }).size],
        cqs: [c.highWaterMark, c.size(), c.size.name, c.size.length],
        hwmNotValidated: [new CountQueuingStrategy({ highWaterMark: -5 }).highWaterMark,
                          String(new CountQueuingStrategy({ highWaterMark: 'x' }).highWaterMark)],
        errors: [],
      };
      for (const f of [() => new b.size(), () => b.size(undefined), () => new ByteLengthQueuingStrategy(),
                       () => new CountQueuingStrategy({}),
                       () => Object.getOwnPropertyDescriptor(CountQueuingStrategy.prototype, 'size').get.call({})]) {
        try { f(); out.errors.push('none'); } catch (e) { out.errors.push(e.name); }
      }
      out.message = (() => { try { new CountQueuingStrategy({}); } catch (e) { return e.message; } })();
      return out;
    """)
    assert result == {
        "blqs": [4, 7, "size", 1, True],
        "cqs": [2, 1, "size", 0],
        "hwmNotValidated": [-5, "NaN"],
        "errors": ["TypeError"] * 5,
        "message": "Failed to construct 'CountQueuingStrategy': Failed to read the 'highWaterMark' "
        "property from 'QueuingStrategyInit': Required member is undefined.",
    }


def test_interfaces_look_like_webidl(run_js: Callable[..., Any]) -> None:
    result = run_js("""
      const names = ['ReadableStream', 'ReadableStreamDefaultReader', 'ReadableStreamBYOBReader',
        'ReadableStreamBYOBRequest', 'ReadableStreamDefaultController', 'ReadableByteStreamController',
        'WritableStream', 'WritableStreamDefaultWriter', 'WritableStreamDefaultController', 'TransformStream',
        'TransformStreamDefaultController', 'ByteLengthQueuingStrategy', 'CountQueuingStrategy',
        'IdentityTransformStream', 'FixedLengthStream'];
      const out = {};
      for (const n of names) {
        const C = globalThis[n];
        const d = Object.getOwnPropertyDescriptor(globalThis, n);
        const p = C.prototype;
        const props = Object.getOwnPropertyNames(p).filter((k) => k !== 'constructor').sort().map((k) => {
          const pd = Object.getOwnPropertyDescriptor(p, k);
          return k + (pd.get ? '(get)' : '/' + pd.value.length) + (pd.enumerable ? '' : '!E');
        });
        out[n] = [C.length, d.enumerable, d.writable, d.configurable, p[Symbol.toStringTag], props.join(' ')];
      }
      out.illegal = [];
      for (const n of ['ReadableStreamBYOBRequest', 'ReadableStreamDefaultController',
                       'ReadableByteStreamController', 'WritableStreamDefaultController',
                       'TransformStreamDefaultController']) {
        try { new globalThis[n](); out.illegal.push('constructed'); } catch (e) { out.illegal.push(e.message); }
      }
      return out;
    """)
    assert result["ReadableStream"] == [
        0,
        False,
        True,
        True,
        "ReadableStream",
        "cancel/0 getReader/0 locked(get) pipeThrough/1 pipeTo/1 tee/0 values/0",
    ]
    assert result["ReadableStreamDefaultReader"] == [
        1,
        False,
        True,
        True,
        "ReadableStreamDefaultReader",
        "cancel/0 closed(get) read/0 releaseLock/0",
    ]
    assert result["ReadableStreamBYOBReader"][4:] == [
        "ReadableStreamBYOBReader",
        "cancel/0 closed(get) read/1 releaseLock/0",
    ]
    assert result["ReadableStreamBYOBRequest"][4:] == [
        "ReadableStreamBYOBRequest",
        "respond/1 respondWithNewView/1 view(get)",
    ]
    assert result["ReadableStreamDefaultController"][4:] == [
        "ReadableStreamDefaultController",
        "close/0 desiredSize(get) enqueue/0 error/0",
    ]
    assert result["ReadableByteStreamController"][4:] == [
        "ReadableByteStreamController",
        "byobRequest(get) close/0 desiredSize(get) enqueue/1 error/0",
    ]
    assert result["WritableStream"] == [
        0,
        False,
        True,
        True,
        "WritableStream",
        "abort/0 close/0 getWriter/0 locked(get)",
    ]
    assert result["WritableStreamDefaultWriter"][4:] == [
        "WritableStreamDefaultWriter",
        "abort/0 close/0 closed(get) desiredSize(get) ready(get) releaseLock/0 write/0",
    ]
    assert result["WritableStreamDefaultController"][4:] == [
        "WritableStreamDefaultController",
        "error/0 signal(get)",
    ]
    assert result["TransformStream"] == [
        0,
        False,
        True,
        True,
        "TransformStream",
        "readable(get) writable(get)",
    ]
    assert result["TransformStreamDefaultController"][4:] == [
        "TransformStreamDefaultController",
        "desiredSize(get) enqueue/0 error/0 terminate/0",
    ]
    assert result["ByteLengthQueuingStrategy"] == [
        1,
        False,
        True,
        True,
        "ByteLengthQueuingStrategy",
        "highWaterMark(get) size(get)",
    ]
    assert result["CountQueuingStrategy"][0] == 1
    assert result["IdentityTransformStream"][:5] == [
        0,
        False,
        True,
        True,
        "IdentityTransformStream",
    ]
    assert result["FixedLengthStream"][:5] == [1, False, True, True, "FixedLengthStream"]
    assert result["illegal"] == ["Illegal constructor"] * 5


def test_brand_checks(run_js: Callable[..., Any]) -> None:
    log = trace(
        run_js,
        """
      const fake = Object.create(ReadableStream.prototype);
      try { fake.locked; } catch (e) { L('locked', en(e), e.message); }
      settle(ReadableStream.prototype.cancel.call(fake), 'cancel');
      try { ReadableStream.prototype.getReader.call(fake); } catch (e) { L('getReader', en(e)); }
      settle(ReadableStream.prototype.pipeTo.call(fake, new WritableStream()), 'pipeTo');
      try { ReadableStream.prototype.tee.call(fake); } catch (e) { L('tee', en(e)); }
      settle(Object.getOwnPropertyDescriptor(ReadableStreamDefaultReader.prototype, 'closed').get.call({}), 'closed');
      settle(ReadableStreamDefaultReader.prototype.read.call({}), 'read');
      settle(ReadableStreamBYOBReader.prototype.read.call({}, new Uint8Array(1)), 'byob read');
      try { ReadableStreamDefaultReader.prototype.releaseLock.call({}); } catch (e) { L('releaseLock', en(e)); }
      settle(WritableStreamDefaultWriter.prototype.write.call({}), 'write');
      settle(Object.getOwnPropertyDescriptor(WritableStreamDefaultWriter.prototype, 'ready').get.call({}), 'ready');
      try { Object.getOwnPropertyDescriptor(TransformStream.prototype, 'readable').get.call({}); } catch (e) { L('readable', en(e)); }
      try { ReadableStreamDefaultController.prototype.enqueue.call({}, 1); } catch (e) { L('enqueue', en(e)); }
      // the wrong stream type as an argument
      try { new ReadableStreamDefaultReader({}); } catch (e) { L('reader arg', e.message); }
      try { new WritableStreamDefaultWriter(new ReadableStream()); } catch (e) { L('writer arg', e.message); }
      settle(new ReadableStream().pipeTo({}), 'pipeTo arg');
      await tick();
    """,
    )
    assert log == [
        "locked TypeError Illegal invocation",
        "getReader TypeError",
        "tee TypeError",
        "releaseLock TypeError",
        "readable TypeError",
        "enqueue TypeError",
        "reader arg Failed to construct 'ReadableStreamDefaultReader': parameter 1 is not of type 'ReadableStream'.",
        "writer arg Failed to construct 'WritableStreamDefaultWriter': parameter 1 is not of type 'WritableStream'.",
        "cancel err TypeError",
        "pipeTo err TypeError",
        "closed err TypeError",
        "read err TypeError",
        "byob read err TypeError",
        "write err TypeError",
        "ready err TypeError",
        "pipeTo arg err TypeError",
    ]


@pytest.mark.parametrize(
    ("expr", "error"),
    [
        ("new ReadableStream(null)", "TypeError"),
        ("new ReadableStream(5)", "TypeError"),
        ("new ReadableStream({ type: 'byte' })", "TypeError"),
        ("new ReadableStream({ type: 'bytes' }, { size() { return 1; } })", "RangeError"),
        ("new ReadableStream({ type: 'bytes' }, { highWaterMark: NaN })", "RangeError"),
        ("new ReadableStream({}, { highWaterMark: -1 })", "RangeError"),
        ("new ReadableStream({}, 5)", "TypeError"),
        ("new ReadableStream({}, { size: 1 })", "TypeError"),
        ("new ReadableStream({ pull: 'x' })", "TypeError"),
        ("new ReadableStream({ type: 'bytes', autoAllocateChunkSize: 0 })", "TypeError"),
        ("new ReadableStream({ type: 'bytes', autoAllocateChunkSize: -1 })", "TypeError"),
        ("new ReadableStreamBYOBReader(new ReadableStream())", "TypeError"),
        ("new ReadableStream().getReader({ mode: 'nope' })", "TypeError"),
        ("new WritableStream({ type: 'bytes' })", "RangeError"),
        ("new WritableStream({ write: 5 })", "TypeError"),
        ("new TransformStream(null)", "TypeError"),
        ("new TransformStream({ readableType: 'bytes' })", "RangeError"),
        ("new TransformStream({ writableType: 'bytes' })", "RangeError"),
    ],
)
def test_constructor_argument_errors(run_js: Callable[..., Any], expr: str, error: str) -> None:
    with pytest.raises(JSError) as info:
        run_js(f"{expr}; return 'no error';")
    assert info.value.name == error


def test_constructor_arguments_accepted_and_read_in_webidl_order(
    run_js: Callable[..., Any],
) -> None:
    result = run_js("""
      const ok = [
        new ReadableStream(undefined, undefined), new ReadableStream({}, null),
        new ReadableStream(function () {}), new ReadableStream({ type: undefined }),
        new ReadableStream({}, { highWaterMark: '5' }), new ReadableStream({}, { highWaterMark: Infinity }),
        new ReadableStream({ autoAllocateChunkSize: 0 }), new TransformStream(undefined, null, {}),
      ].length;
      const seen = [];
      const src = new Proxy({}, { get(t, k) { seen.push(String(k)); return undefined; } });
      const strat = new Proxy({}, { get(t, k) { seen.push('s.' + String(k)); return undefined; } });
      new ReadableStream(src, strat); const rs = seen.splice(0);
      new WritableStream(src, strat); const ws = seen.splice(0);
      new TransformStream(src, strat, strat); const ts = seen.splice(0);
      new ReadableStream().pipeTo(new WritableStream(), strat); const pipe = seen.splice(0);
      new ReadableStream().pipeThrough(new Proxy({ readable: new ReadableStream(), writable: new WritableStream() },
        { get(t, k) { seen.push('t.' + String(k)); return t[k]; } }), strat);
      return { ok, rs, ws, ts, pipe, pipeThrough: seen };
    """)
    assert result == {
        "ok": 8,
        "rs": [
            "s.highWaterMark",
            "s.size",
            "autoAllocateChunkSize",
            "cancel",
            "pull",
            "start",
            "type",
        ],
        "ws": ["s.highWaterMark", "s.size", "abort", "close", "start", "type", "write"],
        "ts": [
            "s.highWaterMark",
            "s.size",
            "s.highWaterMark",
            "s.size",
            "cancel",
            "flush",
            "readableType",
            "start",
            "transform",
            "writableType",
        ],
        "pipe": ["s.preventAbort", "s.preventCancel", "s.preventClose", "s.signal"],
        "pipeThrough": [
            "t.readable",
            "t.writable",
            "s.preventAbort",
            "s.preventCancel",
            "s.preventClose",
            "s.signal",
        ],
    }


def test_runtime_does_not_use_patchable_builtins(run_js: Callable[..., Any]) -> None:
    # Counts calls to methods a worker could replace while data flows through a tee, a
    # pipeThrough and a writer: the runtime uses its own captured copies.
    result = run_js("""
      const P = Promise.prototype, A = Array.prototype;
      const names = [['then', P], ['catch', P], ['push', A], ['shift', A], ['splice', A], ['slice', A]];
      const orig = {}, counts = {};
      for (const [k, o] of names) {
        orig[k] = o[k]; counts[k] = 0;
        o[k] = function (...a) { counts[k]++; return orig[k].apply(this, a); };
      }
      const rs = new ReadableStream({ start(c) { c.enqueue('a'); c.enqueue('b'); c.close(); } });
      const [x, y] = rs.tee();
      const rd = x.pipeThrough(new TransformStream()).getReader();
      const got = [];
      got[got.length] = (await rd.read()).value;
      got[got.length] = (await rd.read()).value;
      got[got.length] = (await y.getReader().read()).value;
      const bytes = new ReadableStream({ type: 'bytes', start(c) { c.enqueue(new Uint8Array([1, 2])); } });
      got[got.length] = (await bytes.getReader({ mode: 'byob' }).read(new Uint8Array(4))).value.length;
      await new WritableStream().getWriter().write(1);
      const during = { ...counts };
      for (const [k, o] of names) o[k] = orig[k];
      return { got, during };
    """)
    # The one `then` is the test harness's own, on the snippet's promise.
    assert result == {
        "got": ["a", "b", "a", 2],
        "during": {"then": 1, "catch": 0, "push": 0, "shift": 0, "splice": 0, "slice": 0},
    }
