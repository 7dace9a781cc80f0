"""WritableStream, TransformStream, pipeTo and pipeThrough (30_streams.js).

Traces follow the Streams Standard's abstract operations, microtask order included (see
test_streams.py for the helpers); scenarios are adapted from the behaviours that
web-platform-tests/streams/{writable-streams,transform-streams,piping} check.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.runtime.test_streams import trace


def test_writable_stream_queue_and_backpressure(run_js: Callable[..., Any]) -> None:
    """Writes run one at a time in order; desiredSize and ready follow the queue."""
    log = trace(
        run_js,
        r"""
      const resolvers = [];
      const ws = new WritableStream({
        start(c) { L('start', Object.prototype.toString.call(c)); },
        write(chunk, c) { L('write', chunk); return new Promise((r) => resolvers.push(r)); },
        close() { L('close'); },
        abort(r) { L('abort', r); },
      }, { highWaterMark: 2 });
      const w = ws.getWriter();
      L('locked', ws.locked, 'desiredSize', w.desiredSize);
      settle(w.ready, 'ready0');
      settle(w.write('a'), 'wa');
      L('ds1', w.desiredSize);
      settle(w.write('b'), 'wb');
      L('ds2', w.desiredSize);
      const ready = w.ready;
      settle(ready, 'ready (backpressure)');
      settle(w.write('c'), 'wc');
      L('ds3', w.desiredSize, 'same ready', ready === w.ready);
      await tick();
      resolvers.shift()();
      await tick();
      L('ds after first write', w.desiredSize);
      resolvers.shift()();
      await tick();
      resolvers.shift()();
      await tick();
      settle(w.close(), 'close');
      settle(w.closed, 'closed');
      settle(w.write('d'), 'write after close');
      settle(w.close(), 'second close');
      await tick();
      L('ds closed', w.desiredSize);
      L('write after close message', await w.write('e').catch((e) => e.message));
      // a size function and the writer's desiredSize
      const sized = new WritableStream({}, { highWaterMark: 10, size(c) { return c.length; } }).getWriter();
      sized.write('abcd');
      L('sized desiredSize', sized.desiredSize);
      const bl = new WritableStream({}, new ByteLengthQueuingStrategy({ highWaterMark: 8 })).getWriter();
      bl.write(new Uint8Array(5));
      L('byte length desiredSize', bl.desiredSize);
      // writes wait for start
      let startDone;
      const slow = new WritableStream({ start() { return new Promise((r) => { startDone = r; }); }, write(c) { L('slow write', c); } });
      const sw = slow.getWriter();
      settle(sw.write('x'), 'slow x');
      await tick();
      L('before start resolves');
      startDone();
      await tick();
    """,
    )
    assert log == [
        "start [object WritableStreamDefaultController]",
        "locked true desiredSize 2",
        "ds1 1",
        "ds2 0",
        "ds3 -1 same ready true",
        "write a",
        "ready0 ok ",
        "write b",
        "wa ok ",
        "ds after first write 0",
        "write c",
        "wb ok ",
        "ready (backpressure) ok ",
        "wc ok ",
        "close",
        "write after close err TypeError",
        "second close err TypeError",
        "close ok ",
        "closed ok ",
        "ds closed 0",
        "write after close message This WritableStream has been closed.",
        "sized desiredSize 6",
        "byte length desiredSize 3",
        "before start resolves",
        "slow write x",
        "slow x ok ",
    ]


def test_writable_stream_abort(run_js: Callable[..., Any]) -> None:
    """abort() waits for the write in flight, rejects queued writes, signals the controller."""
    log = trace(
        run_js,
        r"""
      const resolvers = [];
      let signal;
      const ws = new WritableStream({
        start(c) { signal = c.signal; L('signal', typeof signal.addEventListener, signal.aborted, c.signal === signal); },
        write(chunk, c) { L('write', chunk); c.signal.addEventListener('abort', () => L('abort event', c.signal.reason)); return new Promise((r) => resolvers.push(r)); },
        abort(r) { L('sink abort', r); return new Promise((res) => Promise.resolve().then(res)); },
      });
      const w = ws.getWriter();
      settle(w.write(1), 'p1');
      settle(w.write(2), 'p2');
      await tick();
      settle(w.abort('R'), 'abort');
      settle(w.abort('R2'), 'abort again');
      L('signal aborted', signal.aborted, signal.reason);
      settle(w.ready, 'ready');
      settle(w.closed, 'closed');
      L('desiredSize erroring', w.desiredSize);
      await tick();
      L('write in flight finishes');
      resolvers.shift()();
      await tick();
      // abort on a closed stream resolves; abort while closing lets the close finish
      let finishClose;
      const ws2 = new WritableStream({ close() { L('closing'); return new Promise((r) => { finishClose = r; }); }, abort() { L('not called'); } });
      const w2 = ws2.getWriter();
      settle(w2.close(), 'close');
      await tick();
      settle(w2.abort('A'), 'abort during close');
      finishClose();
      await tick();
      settle(w2.closed, 'closed after close');
      settle(w2.abort('late'), 'abort closed');
      await tick();
      // abort() before anyone read the signal: it is aborted when read
      let ctrl;
      const ws3 = new WritableStream({ start(c) { ctrl = c; } });
      await tick();
      settle(ws3.abort('early'), 'early abort');
      L('signal later', ctrl.signal.aborted, ctrl.signal.reason);
      await tick();
      // the sink's abort rejecting
      const ws4 = new WritableStream({ abort() { throw new RangeError('ab'); } });
      settle(ws4.abort('x'), 'sink abort throws');
      settle(ws4.getWriter().closed, 'closed with abort reason');
      await tick();
    """,
    )
    assert log == [
        "signal function false true",
        "write 1",
        "abort event R",
        "signal aborted true R",
        "desiredSize erroring ",
        "ready err R",
        "write in flight finishes",
        "sink abort R",
        "p1 ok ",
        "p2 err R",
        "abort ok ",
        "abort again ok ",
        "closed err R",
        "closing",
        "close ok ",
        "abort during close ok ",
        "closed after close ok ",
        "abort closed ok ",
        "signal later true early",
        "early abort ok ",
        "sink abort throws err RangeError",
        "closed with abort reason err x",
    ]


def test_writable_stream_errors_and_locking(run_js: Callable[..., Any]) -> None:
    """controller.error(), a failing write or close, releaseLock and locking."""
    log = trace(
        run_js,
        r"""
      {
        let ctrl;
        const ws = new WritableStream({ start(c) { ctrl = c; }, write() { L('never'); } });
        const w = ws.getWriter();
        await tick();
        ctrl.error(new RangeError('boom'));
        ctrl.error(new SyntaxError('ignored'));
        settle(w.write(1), 'write errored');
        settle(w.closed, 'closed errored');
        settle(w.ready, 'ready errored');
        settle(w.close(), 'close errored');
        settle(w.abort('x'), 'abort errored');
        await tick();
      }
      {
        const ws = new WritableStream({ write(c) { if (c === 2) throw new SyntaxError('w'); L('wrote', c); } });
        const w = ws.getWriter();
        settle(w.write(1), 's1'); settle(w.write(2), 's2'); settle(w.write(3), 's3'); settle(w.closed, 'sclosed');
        await tick();
      }
      {
        const w = new WritableStream({ close() { return Promise.reject(new EvalError('c')); } }).getWriter();
        settle(w.close(), 'close rejects'); settle(w.closed, 'closed');
        await tick();
      }
      {
        const ws = new WritableStream({ start() { return Promise.reject(new URIError('s')); } });
        const w = ws.getWriter();
        settle(w.write('y'), 'start rejected write'); settle(w.closed, 'start rejected closed');
        await tick();
      }
      {
        const w = new WritableStream({}, { size() { throw new RangeError('sz'); } }).getWriter();
        settle(w.write('q'), 'size throws'); settle(w.closed, 'size throws closed');
        await tick();
      }
      {
        const ws = new WritableStream();
        const w = ws.getWriter();
        w.releaseLock();
        w.releaseLock();
        settle(w.closed, 'released closed'); settle(w.ready, 'released ready');
        settle(w.write(1), 'released write'); settle(w.close(), 'released close'); settle(w.abort(), 'released abort');
        try { w.desiredSize; } catch (e) { L('released desiredSize', en(e), e.message); }
        L('locked', ws.locked);
        ws.getWriter();
        try { ws.getWriter(); } catch (e) { L('second writer', en(e), e.message); }
        try { new WritableStreamDefaultWriter(ws); } catch (e) { L('writer ctor', en(e)); }
        settle(ws.abort(), 'abort locked'); settle(ws.close(), 'close locked');
        await tick();
      }
      {
        // close() and abort() on the stream itself
        const ws = new WritableStream({ close() { L('sink close'); } });
        settle(ws.close(), 'ws close');
        settle(ws.close(), 'ws close again');
        await tick();
        // reentrant write from the size function
        let w;
        const ws2 = new WritableStream({ write(ch) { L('rw', ch); } }, { size(ch) { if (ch === 'a') w.write('inner'); return 1; } });
        w = ws2.getWriter();
        settle(w.write('a'), 'rwa');
        await tick();
      }
    """,
    )
    assert log == [
        "write errored err RangeError",
        "closed errored err RangeError",
        "ready errored err RangeError",
        "close errored err TypeError",
        "abort errored ok ",
        "wrote 1",
        "s1 ok ",
        "s2 err SyntaxError",
        "s3 err SyntaxError",
        "sclosed err SyntaxError",
        "close rejects err EvalError",
        "closed err EvalError",
        "start rejected write err URIError",
        "start rejected closed err URIError",
        "size throws err RangeError",
        "size throws closed err RangeError",
        "released desiredSize TypeError This WritableStream writer has been released.",
        "locked false",
        "second writer TypeError This WritableStream is currently locked to a writer.",
        "writer ctor TypeError",
        "released closed err TypeError",
        "released ready err TypeError",
        "released write err TypeError",
        "released close err TypeError",
        "released abort err TypeError",
        "abort locked err TypeError",
        "close locked err TypeError",
        "sink close",
        "ws close again err TypeError",
        "ws close ok ",
        "rw inner",
        "rw a",
        "rwa ok ",
    ]


def test_transform_stream(run_js: Callable[..., Any]) -> None:
    """TransformStream: transform/flush ordering, backpressure, errors both ways."""
    log = trace(
        run_js,
        r"""
      {
        const ts = new TransformStream({
          start(c) { L('start', c.desiredSize); },
          transform(ch, c) { L('transform', ch, c.desiredSize); c.enqueue(ch + '!'); L('after enqueue', c.desiredSize); },
          flush(c) { L('flush'); c.enqueue('end'); },
        });
        const w = ts.writable.getWriter();
        const r = ts.readable.getReader();
        L('writer desiredSize', w.desiredSize);
        settle(w.write('a'), 'wa');
        settle(w.write('b'), 'wb');
        L('writer desiredSize 2', w.desiredSize);
        await tick();
        L('nothing read yet');
        settle(r.read(), 'r1');
        await tick();
        settle(r.read(), 'r2');
        await tick();
        settle(w.close(), 'close');
        settle(r.read(), 'r3');
        settle(r.read(), 'r4');
        await tick();
      }
      {
        const ts = new TransformStream({ transform() { throw new RangeError('t'); } });
        const w = ts.writable.getWriter();
        settle(w.write(1), 'transform throws'); settle(w.closed, 'writable closed'); settle(ts.readable.getReader().closed, 'readable closed');
        await tick();
      }
      {
        const ts = new TransformStream({ flush() { return Promise.reject(new SyntaxError('f')); } });
        settle(ts.writable.getWriter().close(), 'flush rejects'); settle(ts.readable.getReader().closed, 'flush readable');
        await tick();
      }
      {
        // readable.cancel() runs the transformer's cancel and errors the writable side
        const ts = new TransformStream({ cancel(r) { L('transformer cancel', r); } });
        const w = ts.writable.getWriter();
        settle(ts.readable.cancel('rc'), 'readable cancel');
        settle(w.closed, 'writer closed after cancel');
        settle(w.write(1), 'write after cancel');
        await tick();
      }
      {
        // writable.abort() runs cancel too and errors the readable side
        const ts = new TransformStream({ cancel(r) { L('transformer cancel on abort', r); } });
        const r = ts.readable.getReader();
        settle(ts.writable.abort('wa'), 'writable abort');
        settle(r.closed, 'reader closed after abort');
        await tick();
      }
      {
        const ts = new TransformStream({ transform(ch, c) { c.enqueue(ch); c.terminate(); } });
        const w = ts.writable.getWriter(); const r = ts.readable.getReader();
        settle(w.write('x'), 'terminate x'); settle(w.write('y'), 'terminate y');
        settle(r.read(), 'tr1'); settle(r.read(), 'tr2');
        settle(w.closed, 'terminated writer closed');
        await tick();
        L('terminate message', await w.write('z').catch((e) => e.message));
      }
      {
        let ctrl;
        const ts = new TransformStream({ start(c) { ctrl = c; } });
        ctrl.error(new EvalError('ce'));
        settle(ts.writable.getWriter().closed, 'error writable'); settle(ts.readable.getReader().closed, 'error readable');
        try { ctrl.enqueue(1); } catch (e) { L('enqueue after error', en(e)); }
        await tick();
      }
      {
        // strategies of both sides
        const ts = new TransformStream({}, { highWaterMark: 3 }, { highWaterMark: 2 });
        const w = ts.writable.getWriter();
        L('desiredSize w', w.desiredSize);
        w.write(1); w.write(2); w.write(3);
        await tick();
        L('after 3 writes', w.desiredSize);
        await ts.readable.getReader().read();
        await tick();
        L('after a read', w.desiredSize);
      }
      {
        // no transformer: chunks pass through
        const ts = new TransformStream();
        const w = ts.writable.getWriter();
        w.write('q'); w.close();
        const out = []; for await (const x of ts.readable) out.push(x);
        L('identity', out.join());
      }
      {
        // start is awaited before the first transform
        let done;
        const ts = new TransformStream({ start() { return new Promise((r) => { done = r; }); }, transform(ch, c) { L('late transform', ch); c.enqueue(ch); } });
        const w = ts.writable.getWriter();
        settle(w.write('l'), 'late write');
        settle(ts.readable.getReader().read(), 'late read');
        await tick(); L('start resolves'); done(); await tick();
        try { new TransformStream({ start() { throw new URIError('s'); } }); } catch (e) { L('start throws', en(e)); }
      }
    """,
    )
    assert log == [
        "start 0",
        "writer desiredSize 1",
        "writer desiredSize 2 -1",
        "nothing read yet",
        "transform a 0",
        "after enqueue 0",
        'r1 ok v:"a!"',
        "wa ok ",
        "transform b 0",
        "after enqueue 0",
        'r2 ok v:"b!"',
        "wb ok ",
        "flush",
        'r3 ok v:"end"',
        "r4 ok done",
        "close ok ",
        "flush readable err SyntaxError",
        "flush rejects err SyntaxError",
        "transformer cancel rc",
        "readable cancel ok ",
        "write after cancel err rc",
        "writer closed after cancel err rc",
        "transformer cancel on abort wa",
        "reader closed after abort err wa",
        "writable abort ok ",
        'tr1 ok v:"x"',
        "tr2 ok done",
        "terminate x ok ",
        "terminate y err TypeError",
        "terminated writer closed err TypeError",
        "terminate message The transform stream has been terminated.",
        "enqueue after error TypeError",
        "error readable err EvalError",
        "error writable err EvalError",
        "desiredSize w 3",
        "after 3 writes 2",
        "after a read 3",
        "identity q",
        "start resolves",
        "late transform l",
        'late read ok v:"l"',
        "late write ok ",
        "start throws URIError",
    ]


def test_pipe_to_propagation_and_options(run_js: Callable[..., Any]) -> None:
    """pipeTo: close/error propagation both ways and the prevent* options."""
    log = trace(
        run_js,
        r"""
      const rec = (name, opts = {}) => new WritableStream({
        start() { L(name, 'start'); },
        write(ch) { L(name, 'write', ch); if (opts.writeReject === ch) return Promise.reject(new RangeError('wr')); },
        close() { L(name, 'close'); },
        abort(r) { L(name, 'abort', en(r)); },
      }, opts.strategy);
      const src = (name, chunks, opts = {}) => new ReadableStream({
        start(c) { for (const x of chunks) c.enqueue(x); if (opts.close) c.close(); if (opts.error) c.error(opts.error); },
        pull(c) { L(name, 'pull', c.desiredSize); },
        cancel(r) { L(name, 'cancel', en(r)); },
      });
      await settle(src('s1', ['a', 'b'], { close: true }).pipeTo(rec('d1')), 'p1');
      await settle(src('s2', ['a'], { error: new SyntaxError('x') }).pipeTo(rec('d2')), 'p2');
      { const d = rec('d3'); await settle(src('s3', [], { error: new SyntaxError('x') }).pipeTo(d, { preventAbort: true }), 'p3'); L('d3 locked', d.locked); }
      {
        let ctrl; const d = new WritableStream({ start(c) { ctrl = c; }, write(ch) { L('d4 write', ch); } });
        const s = src('s4', ['a']);
        settle(s.pipeTo(d), 'p4');
        L('locked while piping', s.locked, d.locked);
        await tick(); ctrl.error(new EvalError('de')); await tick();
        L('s4 locked', s.locked);
      }
      {
        const d = new WritableStream({ start(c) { c.error(new EvalError('pre')); } });
        const s = src('s5', ['a']);
        await settle(s.pipeTo(d, { preventCancel: true }), 'p5'); L('s5 locked', s.locked);
      }
      { const d = rec('d6'); await settle(src('s6', ['z'], { close: true }).pipeTo(d, { preventClose: true }), 'p6'); const w = d.getWriter(); L('d6 still writable'); await w.write('after'); }
      { const d = rec('d7'); await d.close(); await settle(src('s7', ['a']).pipeTo(d), 'p7'); }
      await settle(src('s8', ['a', 'b', 'c'], { close: true }).pipeTo(rec('d8', { writeReject: 'b' })), 'p8');
      {
        // backpressure: one chunk read per write the destination accepts
        let resolveWrite;
        const d = new WritableStream({ write(ch) { L('d9 write', ch); return new Promise((r) => { resolveWrite = r; }); } }, { highWaterMark: 1 });
        let n = 0;
        const s = new ReadableStream({ pull(c) { n++; L('s9 pull', n); c.enqueue(n); if (n === 3) c.close(); } }, { highWaterMark: 0 });
        settle(s.pipeTo(d), 'p9');
        await tick(); L('tick1'); resolveWrite(); await tick(); L('tick2'); resolveWrite(); await tick(); resolveWrite(); await tick();
      }
      {
        // shutdown waits for writes already started
        const resolvers = [];
        let c;
        const rs = new ReadableStream({ start(ctrl) { c = ctrl; } });
        const ws = new WritableStream({ write(ch) { L('w10 write', ch); return new Promise((r) => resolvers.push(r)); }, abort(r) { L('w10 abort', r); } }, { highWaterMark: 3 });
        settle(rs.pipeTo(ws), 'p10');
        c.enqueue(1); c.enqueue(2); c.enqueue(3);
        await tick();
        c.error('E');
        await tick();
        L('finishing writes', resolvers.length);
        while (resolvers.length) { resolvers.shift()(); await tick(); }
      }
      settle(new ReadableStream().pipeTo({}), 'bad dest');
      settle(new ReadableStream().pipeTo(new WritableStream(), { signal: {} }), 'bad signal');
      await tick();
    """,
    )
    assert log == [
        "d1 start",
        "d1 write a",
        "d1 write b",
        "d1 close",
        "p1 ok ",
        "d2 start",
        "d2 abort SyntaxError",
        "p2 err SyntaxError",
        "d3 start",
        "p3 err SyntaxError",
        "d3 locked false",
        "locked while piping true true",
        "s4 pull 1",
        "d4 write a",
        "s4 pull 1",
        "s4 cancel EvalError",
        "p4 err EvalError",
        "s4 locked false",
        "p5 err EvalError",
        "s5 locked false",
        "d6 start",
        "d6 write z",
        "p6 ok ",
        "d6 still writable",
        "d6 write after",
        "d7 start",
        "d7 close",
        "s7 cancel TypeError",
        "p7 err TypeError",
        "d8 start",
        "d8 write a",
        "d8 write b",
        "s8 cancel RangeError",
        "p8 err RangeError",
        "s9 pull 1",
        "d9 write 1",
        "tick1",
        "s9 pull 2",
        "d9 write 2",
        "tick2",
        "s9 pull 3",
        "d9 write 3",
        "p9 ok ",
        "w10 write 1",
        "finishing writes 1",
        "w10 write 2",
        "w10 write 3",
        "w10 abort E",
        "p10 err E",
        "bad dest err TypeError",
        "bad signal err TypeError",
    ]


def test_pipe_to_abort_signal(run_js: Callable[..., Any]) -> None:
    """pipeTo with an AbortSignal."""
    log = trace(
        run_js,
        r"""
      const controller = () => new AbortController();
      const rec = (name) => new WritableStream({ write(ch) { L(name, 'write', ch); }, close() { L(name, 'close'); }, abort(r) { L(name, 'abort', en(r)); } });
      {
        const ac = controller();
        let c; const s = new ReadableStream({ start(ctrl) { c = ctrl; }, cancel(r) { L('s1 cancel', en(r)); } });
        const d = rec('d1');
        settle(s.pipeTo(d, { signal: ac.signal }), 'p1');
        c.enqueue('a');
        await tick();
        ac.abort(new RangeError('stop'));
        await tick();
        L('locks', s.locked, d.locked);
      }
      {
        const ac = controller(); ac.abort(new URIError('pre'));
        const s = new ReadableStream({ start(c) { c.enqueue('a'); }, cancel(r) { L('s2 cancel', en(r)); } });
        await settle(s.pipeTo(rec('d2'), { signal: ac.signal, preventCancel: true }), 'p2');
        L('s2 locked', s.locked);
      }
      {
        const ac = controller();
        const s = new ReadableStream({ start(c) { c.enqueue('a'); }, cancel() { L('never'); } });
        const d = rec('d3');
        settle(s.pipeTo(d, { signal: ac.signal, preventAbort: true, preventCancel: true }), 'p3');
        await tick(); ac.abort('why'); await tick();
        L('s3/d3 locked', s.locked, d.locked);
        await d.getWriter().write('still writable');
      }
      {
        // a pipe that finished removes its listener; aborting later changes nothing
        const ac = controller();
        await settle(new ReadableStream({ start(c) { c.close(); } }).pipeTo(rec('d4'), { signal: ac.signal }), 'p4');
        ac.abort('late');
        await tick();
      }
    """,
    )
    assert log == [
        "d1 write a",
        "d1 abort RangeError",
        "s1 cancel RangeError",
        "p1 err RangeError",
        "locks false false",
        "d2 abort URIError",
        "p2 err URIError",
        "s2 locked false",
        "d3 write a",
        "p3 err why",
        "s3/d3 locked false false",
        "d3 write still writable",
        "d4 close",
        "p4 ok ",
    ]


def test_pipe_through(run_js: Callable[..., Any]) -> None:
    """pipeThrough returns the transform's readable and pipes in the background."""
    log = trace(
        run_js,
        r"""
      const t = new TransformStream({ transform(ch, c) { c.enqueue(ch + ch); } });
      const s = new ReadableStream({ start(c) { c.enqueue('x'); c.enqueue('y'); c.close(); } });
      const out = s.pipeThrough(t);
      L('same readable', out === t.readable, 'locked', s.locked, t.writable.locked);
      const r = out.getReader();
      settle(r.read(), 'pt1'); settle(r.read(), 'pt2'); settle(r.read(), 'pt3');
      await tick();
      // errors travel through a chain of transforms
      const chain = new ReadableStream({ start(c) { c.enqueue(1); c.error(new SyntaxError('src')); } })
        .pipeThrough(new TransformStream()).pipeThrough(new TransformStream({ transform(ch, c) { c.enqueue(ch * 10); } }));
      const cr = chain.getReader();
      settle(cr.read(), 'chain1'); settle(cr.read(), 'chain2');
      await tick();
      // cancelling the end of a chain cancels the source
      const src = new ReadableStream({ cancel(r) { L('source cancelled', r); } });
      settle(src.pipeThrough(new TransformStream()).cancel('end'), 'cancel chain');
      await tick(60);
      try { new ReadableStream().pipeThrough({ readable: 1, writable: new WritableStream() }); } catch (e) { L('bad pair', en(e), e.message); }
      try { new ReadableStream().pipeThrough(); } catch (e) { L('no pair', en(e)); }
      const locked = new TransformStream(); locked.writable.getWriter();
      try { new ReadableStream().pipeThrough(locked); } catch (e) { L('writable locked', en(e), e.message); }
    """,
    )
    assert log == [
        "same readable true locked true true",
        'pt1 ok v:"xx"',
        'pt2 ok v:"yy"',
        "pt3 ok done",
        "chain1 err SyntaxError",
        "chain2 err SyntaxError",
        "source cancelled end",
        "cancel chain ok ",
        "bad pair TypeError Failed to execute 'pipeThrough' on 'ReadableStream': Failed to read the 'readable' property from 'ReadableWritablePair': Failed to convert value to 'ReadableStream'.",
        "no pair TypeError",
        "writable locked TypeError This WritableStream is currently locked to a writer.",
    ]
