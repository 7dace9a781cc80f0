"""Readable byte streams (30_streams.js): ReadableByteStreamController, BYOB readers and
requests, autoAllocateChunkSize, read({min}), buffer transfer, and tee() of byte streams.

Traces follow the Streams Standard's abstract operations, microtask order included (see
test_streams.py for the helpers); scenarios are adapted from the behaviours that
web-platform-tests/streams/readable-byte-streams checks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.runtime.test_streams import trace


def test_byob_reads_fill_views_of_any_size(run_js: Callable[..., Any]) -> None:
    """BYOB reads fill views of any element size; the reader's buffer is transferred."""
    log = trace(
        run_js,
        r"""
      const view = (v) => v === null ? 'null' : v.constructor.name + '(' + v.byteOffset + ',' + v.byteLength + '/' + v.buffer.byteLength + ')';
      {
        let n = 0;
        const rs = new ReadableStream({ type: 'bytes', pull(c) {
          const req = c.byobRequest; L('pull', view(req && req.view), c.desiredSize);
          n++;
          for (let i = 0; i < 3; i++) req.view[i] = n * 10 + i;
          req.respond(3);
          L('after respond', view(req.view), c.byobRequest === null);
        } });
        const r = rs.getReader({ mode: 'byob' });
        const buf = new Uint16Array(4);
        const res = await r.read(buf);
        // 3 bytes into a Uint16Array: one element now, the odd byte is queued for the next read
        L('u16', rr(res), 'caller buffer detached', buf.byteLength === 0, res.value.buffer.byteLength);
        L('u8', rr(await r.read(new Uint8Array(2))));
        const res3 = await r.read(new DataView(new ArrayBuffer(5), 1, 3));
        L('dataview', res3.value.constructor.name, res3.value.byteOffset, res3.value.byteLength, res3.value.getUint8(0));
      }
      {
        // reads served from the queue, chunk boundaries ignored
        const rs = new ReadableStream({ type: 'bytes', start(c) { c.enqueue(new Uint8Array([1, 2, 3, 4, 5])); c.enqueue(new Uint8Array([6, 7])); c.close(); } });
        const r = rs.getReader({ mode: 'byob' });
        for (let i = 0; i < 4; i++) L('queued', rr(await r.read(new Uint8Array(3))));
        const big = await r.read(new Float64Array(2));
        L('after close', rr(big), big.value.constructor.name);
      }
      {
        // one enqueue fills several pending BYOB reads in order
        let c;
        const rs = new ReadableStream({ type: 'bytes', start(ctrl) { c = ctrl; } });
        const r = rs.getReader({ mode: 'byob' });
        settle(r.read(new Uint8Array(2)), 'm1'); settle(r.read(new Uint16Array(2)), 'm2'); settle(r.read(new Uint8Array(8)), 'm3');
        await tick();
        L('request', view(c.byobRequest.view));
        c.enqueue(new Uint8Array([1, 2, 3, 4, 5, 6, 7]));
        await tick();
        L('request after', c.byobRequest);
      }
      {
        // pull may enqueue instead of responding; the rest stays queued
        let n = 0;
        const rs = new ReadableStream({ type: 'bytes', pull(c) { n++; L('pull', n, view(c.byobRequest && c.byobRequest.view)); c.enqueue(new Uint8Array([n, n, n, n, n])); if (n === 2) c.close(); } });
        const r = rs.getReader({ mode: 'byob' });
        for (let i = 0; i < 5; i++) L('read', rr(await r.read(new Uint8Array(3))));
      }
      {
        // argument checks on read()
        const rs = new ReadableStream({ type: 'bytes' });
        const r = rs.getReader({ mode: 'byob' });
        settle(r.read(new Uint8Array(0)), 'zero-length view');
        settle(r.read(new Uint8Array(new ArrayBuffer(0))), 'zero-length buffer');
        settle(r.read({}), 'not a view');
        settle(r.read(), 'no view');
        const ab = new ArrayBuffer(4); const dv = new Uint8Array(ab); ab.transfer();
        settle(r.read(dv), 'detached view');
        r.releaseLock();
        settle(r.read(new Uint8Array(1)), 'released');
        try { new ReadableStream().getReader({ mode: 'byob' }); } catch (e) { L('byob reader on default stream', en(e), e.message); }
        await tick();
      }
    """,
    )
    assert log == [
        "pull Uint8Array(0,8/8) 0",
        "after respond null true",
        'u16 v:["Uint16Array",2826] caller buffer detached true 8',
        'u8 v:["Uint8Array",12]',
        "pull Uint8Array(1,3/5) 0",
        "after respond null true",
        "dataview DataView 1 3 20",
        'queued v:["Uint8Array",1,2,3]',
        'queued v:["Uint8Array",4,5,6]',
        'queued v:["Uint8Array",7]',
        'queued done:["Uint8Array"]',
        'after close done:["Float64Array"] Float64Array',
        "request Uint8Array(0,2/2)",
        'm1 ok v:["Uint8Array",1,2]',
        'm2 ok v:["Uint16Array",1027,1541]',
        'm3 ok v:["Uint8Array",7]',
        "request after ",
        "pull 1 Uint8Array(0,3/3)",
        'read v:["Uint8Array",1,1,1]',
        'read v:["Uint8Array",1,1]',
        "pull 2 Uint8Array(0,3/3)",
        'read v:["Uint8Array",2,2,2]',
        'read v:["Uint8Array",2,2]',
        'read done:["Uint8Array"]',
        "byob reader on default stream TypeError This ReadableStream does not support BYOB reads.",
        "zero-length view err TypeError",
        "zero-length buffer err TypeError",
        "not a view err TypeError",
        "no view err TypeError",
        "detached view err TypeError",
        "released err TypeError",
    ]


def test_enqueue_transfers_and_validates(run_js: Callable[..., Any]) -> None:
    """enqueue() transfers the chunk's buffer; default readers get Uint8Arrays over it."""
    log = trace(
        run_js,
        r"""
      let ctrl;
      const rs = new ReadableStream({ type: 'bytes', start(c) { ctrl = c; }, pull() { L('pull'); } });
      L('desiredSize', ctrl.desiredSize);
      const chunk = new Uint8Array([1, 2, 3, 4]);
      ctrl.enqueue(chunk.subarray(1, 3));
      L('enqueued chunk detached', chunk.byteLength, chunk.buffer.byteLength, chunk.buffer.detached, ctrl.desiredSize);
      const r = rs.getReader();
      const res = await r.read();
      L('read', rr(res), 'offset', res.value.byteOffset, 'buffer', res.value.buffer.byteLength);
      settle(r.read(), 'd1'); settle(r.read(), 'd2');
      await tick();
      ctrl.enqueue(new Uint8Array([7])); ctrl.enqueue(new Uint8Array([8])); ctrl.enqueue(new Uint8Array([9]));
      L('desiredSize with one queued', ctrl.desiredSize);
      settle(r.read(), 'd3');
      await tick();
      const dv = new DataView(new ArrayBuffer(3), 1, 2);
      dv.setUint8(0, 5);
      ctrl.enqueue(dv);
      settle(r.read(), 'from DataView');
      await tick();
      try { ctrl.enqueue(new Uint8Array(0)); } catch (e) { L('zero enqueue', en(e), e.message); }
      try { ctrl.enqueue(new Uint8Array(new ArrayBuffer(0))); } catch (e) { L('zero buffer', en(e)); }
      try { ctrl.enqueue({}); } catch (e) { L('bad enqueue', en(e), e.message); }
      try { ctrl.enqueue(new ArrayBuffer(2)); } catch (e) { L('ArrayBuffer enqueue', en(e)); }
      try { ctrl.enqueue(chunk); } catch (e) { L('detached enqueue', en(e)); }
      ctrl.close();
      try { ctrl.close(); } catch (e) { L('double close', en(e), e.message); }
      try { ctrl.enqueue(new Uint8Array(1)); } catch (e) { L('enqueue after close', en(e), e.message); }
      L('desiredSize closed', ctrl.desiredSize);
      settle(r.read(), 'after close');
      await tick();
      // a highWaterMark makes pull run until the queue holds that many bytes
      const rs2 = new ReadableStream({ type: 'bytes', start(c) { L('start ds', c.desiredSize); },
        pull(c) { L('pull ds', c.desiredSize, c.byobRequest); c.enqueue(new Uint8Array(3)); } }, { highWaterMark: 5 });
      await tick();
      L('after start');
      await rs2.getReader().read();
      await tick();
    """,
    )
    assert log == [
        "desiredSize 0",
        "enqueued chunk detached 0 0 true -2",
        'read v:["Uint8Array",2,3] offset 1 buffer 4',
        "pull",
        "pull",
        "pull",
        "desiredSize with one queued -1",
        'd1 ok v:["Uint8Array",7]',
        'd2 ok v:["Uint8Array",8]',
        'd3 ok v:["Uint8Array",9]',
        'from DataView ok v:["Uint8Array",5,0]',
        "zero enqueue TypeError Cannot enqueue a zero-length ArrayBuffer.",
        "zero buffer TypeError",
        "bad enqueue TypeError Failed to execute 'enqueue' on 'ReadableByteStreamController': parameter 1 is not of type 'ArrayBufferView'.",
        "ArrayBuffer enqueue TypeError",
        "detached enqueue TypeError",
        "double close TypeError This ReadableByteStreamController is closed.",
        "enqueue after close TypeError This ReadableByteStreamController is closed.",
        "desiredSize closed 0",
        "after close ok done",
        "start ds 5",
        "pull ds 5 ",
        "pull ds 2 ",
        "after start",
        "pull ds 2 ",
    ]


def test_byob_request_respond(run_js: Callable[..., Any]) -> None:
    """ReadableStreamBYOBRequest: respond, respondWithNewView, validation, invalidation."""
    log = trace(
        run_js,
        r"""
      const view = (v) => v === null ? 'null' : v.constructor.name + '(' + v.byteOffset + ',' + v.byteLength + '/' + v.buffer.byteLength + ')';
      {
        let c;
        const rs = new ReadableStream({ type: 'bytes', start(ctrl) { c = ctrl; } });
        const r = rs.getReader({ mode: 'byob' });
        settle(r.read(new Uint8Array(8)), 'rwnv read');
        await tick();
        const req = c.byobRequest;
        L('same request object', req === c.byobRequest, view(req.view));
        const v = req.view;
        try { req.respondWithNewView(new Uint8Array(2)); } catch (e) { L('rwnv other buffer', en(e)); }
        try { req.respond(9); } catch (e) { L('respond too big', en(e)); }
        try { req.respond(0); } catch (e) { L('respond 0 while open', en(e), e.message); }
        try { req.respond(-1); } catch (e) { L('respond -1', en(e)); }
        try { req.respondWithNewView(new Uint8Array(v.buffer, 1, 1)); } catch (e) { L('rwnv wrong offset', en(e)); }
        try { req.respondWithNewView({}); } catch (e) { L('rwnv not a view', en(e)); }
        const nv = new Uint8Array(v.buffer, v.byteOffset, 2);
        nv[0] = 42; nv[1] = 43;
        req.respondWithNewView(nv);
        L('invalidated', req.view, c.byobRequest);
        try { req.respond(1); } catch (e) { L('respond invalidated', en(e), e.message); }
        await tick();
      }
      {
        // respond after the stream closed: only 0 is allowed; pending reads end "done"
        let c;
        const rs = new ReadableStream({ type: 'bytes', start(ctrl) { c = ctrl; } });
        const r = rs.getReader({ mode: 'byob' });
        settle(r.read(new Uint8Array(4)), 'read before close');
        await tick();
        c.close();
        L('request after close', view(c.byobRequest.view));
        try { c.byobRequest.respond(1); } catch (e) { L('respond 1 closed', en(e), e.message); }
        c.byobRequest.respond(0);
        await tick();
        settle(r.read(new Uint8Array(2)), 'read on closed');
        await tick();
      }
      {
        // close() with a partly filled element errors the stream
        let c;
        const rs = new ReadableStream({ type: 'bytes', start(ctrl) { c = ctrl; } });
        const r = rs.getReader({ mode: 'byob' });
        settle(r.read(new Uint16Array(2)), 'partial read');
        await tick();
        c.byobRequest.respond(1);
        try { c.close(); } catch (e) { L('close partial', en(e), e.message); }
        settle(r.closed, 'partial closed');
        await tick();
      }
      {
        // enqueue() invalidates an outstanding request
        let c;
        const rs = new ReadableStream({ type: 'bytes', start(ctrl) { c = ctrl; } });
        const r = rs.getReader({ mode: 'byob' });
        settle(r.read(new Uint8Array(4)), 'y1');
        await tick();
        const req = c.byobRequest;
        c.enqueue(new Uint8Array([1]));
        L('request invalidated', req.view);
        try { req.respondWithNewView(new Uint8Array(1)); } catch (e) { L('rwnv invalidated', en(e)); }
        await tick();
        settle(r.read(new Uint8Array(4)), 'y2');
        await tick();
        c.close();
        const req2 = c.byobRequest;
        try { req2.respondWithNewView(new Uint8Array(req2.view.buffer, 0, 1)); } catch (e) { L('rwnv non-empty when closed', en(e)); }
        req2.respondWithNewView(new Uint8Array(req2.view.buffer, 0, 0));
        await tick();
      }
      {
        // a detached request buffer
        let c;
        const rs = new ReadableStream({ type: 'bytes', start(ctrl) { c = ctrl; } });
        settle(rs.getReader({ mode: 'byob' }).read(new Uint8Array(4)), 'z1');
        await tick();
        const req = c.byobRequest;
        req.view.buffer.transfer();
        try { req.respond(1); } catch (e) { L('respond detached', en(e)); }
        try { c.enqueue(new Uint8Array(1)); } catch (e) { L('enqueue with detached request', en(e)); }
        await tick();
      }
      {
        // default readers without autoAllocateChunkSize get no byobRequest
        let c;
        const rs = new ReadableStream({ type: 'bytes', start(ctrl) { c = ctrl; }, pull(ctrl) { L('byobRequest for default read', ctrl.byobRequest); } });
        settle(rs.getReader().read(), 'w1');
        await tick();
        c.enqueue(new Uint8Array([1]));
        await tick();
      }
    """,
    )
    assert log == [
        "same request object true Uint8Array(0,8/8)",
        "rwnv other buffer RangeError",
        "respond too big RangeError",
        "respond 0 while open TypeError The bytesWritten must be more than zero while the stream is open.",
        "respond -1 TypeError",
        "rwnv wrong offset RangeError",
        "rwnv not a view TypeError",
        "invalidated  ",
        "respond invalidated TypeError This ReadableStreamBYOBRequest has been invalidated.",
        'rwnv read ok v:["Uint8Array",42,43]',
        "request after close Uint8Array(0,4/4)",
        "respond 1 closed TypeError The bytesWritten must be zero after the stream is closed.",
        'read before close ok done:["Uint8Array"]',
        'read on closed ok done:["Uint8Array"]',
        "close partial TypeError This ReadableStream was closed with a partial read pending.",
        "partial read err TypeError",
        "partial closed err TypeError",
        "request invalidated ",
        "rwnv invalidated TypeError",
        'y1 ok v:["Uint8Array",1]',
        "rwnv non-empty when closed TypeError",
        'y2 ok done:["Uint8Array"]',
        "respond detached TypeError",
        "enqueue with detached request TypeError",
        "byobRequest for default read ",
        'w1 ok v:["Uint8Array",1]',
    ]


def test_auto_allocate_chunk_size(run_js: Callable[..., Any]) -> None:
    """autoAllocateChunkSize: default reads get a byobRequest over a fresh buffer."""
    log = trace(
        run_js,
        r"""
      const view = (v) => v === null ? 'null' : v.constructor.name + '(' + v.byteOffset + ',' + v.byteLength + '/' + v.buffer.byteLength + ')';
      const rs = new ReadableStream({ type: 'bytes', autoAllocateChunkSize: 16, pull(c) {
        const req = c.byobRequest; L('pull', view(req.view));
        req.view[0] = 5; req.respond(1);
      } });
      const r = rs.getReader();
      L(rr(await r.read()));
      const res = await r.read();
      L('second', res.value.byteOffset, res.value.byteLength, res.value.buffer.byteLength);
      // a BYOB reader still uses its own buffer
      const rs2 = new ReadableStream({ type: 'bytes', autoAllocateChunkSize: 16, pull(c) { L('byob pull', view(c.byobRequest.view)); c.byobRequest.respond(2); } });
      L(rr(await rs2.getReader({ mode: 'byob' }).read(new Uint8Array(3))));
      // cancel with an auto-allocated read pending
      const rs3 = new ReadableStream({ type: 'bytes', autoAllocateChunkSize: 4, cancel(r) { L('cancel', r); } });
      const r3 = rs3.getReader();
      settle(r3.read(), 'pending');
      await tick();
      settle(r3.cancel('c'), 'cancelled');
      await tick();
      // enqueue() answers an auto-allocated read too
      let c4;
      const rs4 = new ReadableStream({ type: 'bytes', autoAllocateChunkSize: 8, start(c) { c4 = c; } });
      const r4 = rs4.getReader();
      settle(r4.read(), 'enqueued');
      await tick();
      L('request', view(c4.byobRequest.view));
      c4.enqueue(new Uint8Array([3, 4]));
      await tick();
    """,
    )
    assert log == [
        "pull Uint8Array(0,16/16)",
        'v:["Uint8Array",5]',
        "pull Uint8Array(0,16/16)",
        "second 0 1 16",
        "byob pull Uint8Array(0,3/3)",
        'v:["Uint8Array",0,0]',
        "cancel c",
        "pending ok done",
        "cancelled ok ",
        "request Uint8Array(0,8/8)",
        'enqueued ok v:["Uint8Array",3,4]',
    ]


def test_read_min(run_js: Callable[..., Any]) -> None:
    """read(view, {min}): the read waits until at least `min` elements are filled."""
    log = trace(
        run_js,
        r"""
      let c;
      const rs = new ReadableStream({ type: 'bytes', start(ctrl) { c = ctrl; }, pull(ctrl) { L('pull', ctrl.byobRequest && ctrl.byobRequest.view.byteLength); } });
      const r = rs.getReader({ mode: 'byob' });
      let res = null;
      r.read(new Uint8Array(8), { min: 5 }).then((v) => { res = v; });
      await tick();
      c.enqueue(new Uint8Array([1, 2]));
      await tick();
      L('after 2 bytes', res);
      c.byobRequest.view.set([3, 4]); c.byobRequest.respond(2);
      await tick();
      L('after 4 bytes', res);
      c.enqueue(new Uint8Array([5, 6, 7, 8, 9, 10]));
      await tick();
      L('after enqueue', rr(res));
      const r2 = await r.read(new Uint16Array(4), { min: 1 });
      L('rest as u16', r2.value.length, r2.value.byteLength);
      L(await r.read(new Uint8Array(2), { min: 3 }).catch((e) => e.name + ' ' + e.message));
      L(await r.read(new Uint8Array(2), { min: 0 }).catch((e) => e.name + ' ' + e.message));
      L(await r.read(new Uint16Array(2), { min: 3 }).catch((e) => e.name));
      L(await r.read(new DataView(new ArrayBuffer(4)), { min: 5 }).catch((e) => e.name));
      L(await r.read(new Uint8Array(2), { min: -1 }).catch((e) => e.name));
      // closing delivers what was filled, with done
      let res2;
      r.read(new Uint8Array(4), { min: 4 }).then((v) => { res2 = v; });
      await tick();
      c.enqueue(new Uint8Array([1]));
      await tick();
      c.close();
      c.byobRequest.respond(0);
      await tick();
      L('closed with partial', rr(res2));
      // enough bytes already queued
      const q = new ReadableStream({ type: 'bytes', start(ctrl) { ctrl.enqueue(new Uint8Array([1, 2, 3])); ctrl.enqueue(new Uint8Array([4, 5, 6])); } });
      L('from queue', rr(await q.getReader({ mode: 'byob' }).read(new Uint8Array(10), { min: 6 })));
      // closing with fewer queued bytes than min errors the stream
      const q2 = new ReadableStream({ type: 'bytes', start(ctrl) { ctrl.enqueue(new Uint8Array([1, 2])); ctrl.close(); } });
      L(await q2.getReader({ mode: 'byob' }).read(new Uint8Array(4), { min: 3 }).catch((e) => 'err ' + e.name));
    """,
    )
    assert log == [
        "pull 8",
        "pull 6",
        "after 2 bytes ",
        "pull 4",
        "after 4 bytes ",
        'after enqueue v:["Uint8Array",1,2,3,4,5,6,7,8]',
        "rest as u16 1 2",
        "RangeError Minimum bytes to read (3) exceeds size of buffer (2).",
        "TypeError Requested invalid minimum number of bytes to read (0).",
        "RangeError",
        "RangeError",
        "TypeError",
        "pull 4",
        "pull 3",
        'closed with partial done:["Uint8Array",1]',
        'from queue v:["Uint8Array",1,2,3,4,5,6]',
        "err TypeError",
    ]


def test_release_cancel_error_with_byob_reads(run_js: Callable[..., Any]) -> None:
    """releaseLock, cancel and error with BYOB reads pending."""
    log = trace(
        run_js,
        r"""
      const view = (v) => v === null ? 'null' : v.constructor.name + '(' + v.byteOffset + ',' + v.byteLength + '/' + v.buffer.byteLength + ')';
      {
        // a request outlives its reader: responded bytes go to the queue for the next reader
        let c;
        const rs = new ReadableStream({ type: 'bytes', start(ctrl) { c = ctrl; } });
        const r = rs.getReader({ mode: 'byob' });
        settle(r.read(new Uint8Array(4)), 'pending byob');
        await tick();
        const req = c.byobRequest;
        r.releaseLock();
        await tick();
        L('request still', view(req.view));
        req.view[0] = 1; req.view[1] = 2;
        req.respond(2);
        settle(rs.getReader().read(), 'default after release');
        await tick();
      }
      {
        // a partly filled element survives the release and comes first
        let c;
        const rs = new ReadableStream({ type: 'bytes', start(ctrl) { c = ctrl; } });
        const r = rs.getReader({ mode: 'byob' });
        settle(r.read(new Uint8Array(4)), 'x1');
        await tick();
        c.byobRequest.view[0] = 9; c.byobRequest.respond(1);
        await tick();
        settle(r.read(new Uint16Array(2)), 'x2');
        await tick();
        c.byobRequest.view[0] = 1; c.byobRequest.respond(1);
        await tick();
        r.releaseLock();
        await tick();
        c.enqueue(new Uint8Array([7, 8]));
        const r2 = rs.getReader();
        settle(r2.read(), 'x3'); settle(r2.read(), 'x4');
        await tick();
      }
      {
        let c;
        const rs = new ReadableStream({ type: 'bytes', start(ctrl) { c = ctrl; } });
        const r = rs.getReader({ mode: 'byob' });
        settle(r.read(new Uint8Array(2)), 'e1');
        await tick();
        const req = c.byobRequest;
        c.error(new RangeError('be'));
        L('request after error', req.view);
        try { req.respond(1); } catch (e) { L('respond after error', en(e)); }
        await tick();
      }
      {
        const rs = new ReadableStream({ type: 'bytes', cancel(r) { L('cancel', r); } });
        let c;
        const rs2 = new ReadableStream({ type: 'bytes', start(ctrl) { c = ctrl; }, cancel(r) { L('cancel2', r); } });
        const r = rs2.getReader({ mode: 'byob' });
        settle(r.read(new Uint8Array(3)), 'cancelled read');
        await tick();
        const req = c.byobRequest;
        settle(r.cancel('bye'), 'cancel');
        L('request after cancel', req.view, c.desiredSize);
        await tick();
      }
    """,
    )
    assert log == [
        "pending byob err TypeError",
        "request still Uint8Array(0,4/4)",
        'default after release ok v:["Uint8Array",1,2]',
        'x1 ok v:["Uint8Array",9]',
        "x2 err TypeError",
        'x3 ok v:["Uint8Array",1]',
        'x4 ok v:["Uint8Array",7,8]',
        "request after error ",
        "respond after error TypeError",
        "e1 err RangeError",
        "cancel2 bye",
        "request after cancel  0",
        "cancelled read ok done",
        "cancel ok ",
    ]


def test_byte_stream_tee(run_js: Callable[..., Any]) -> None:
    """tee() of a byte stream: branches are byte streams; BYOB reads pass through."""
    log = trace(
        run_js,
        r"""
      const view = (v) => v === null ? 'null' : v.constructor.name + '(' + v.byteOffset + ',' + v.byteLength + '/' + v.buffer.byteLength + ')';
      {
        let c;
        const rs = new ReadableStream({ type: 'bytes', start(ctrl) { c = ctrl; }, pull(ctrl) { L('source pull', ctrl.byobRequest ? ctrl.byobRequest.view.byteLength : 'no byobRequest'); }, cancel(r) { L('source cancel', JSON.stringify(r)); } });
        const [a, b] = rs.tee();
        for (const s of [a, b]) s.getReader({ mode: 'byob' }).releaseLock();
        L('branches accept BYOB readers');
        const ra = a.getReader({ mode: 'byob' });
        const rb = b.getReader();
        settle(ra.read(new Uint8Array(2)), 'a1');
        await tick();
        c.byobRequest.view.set([1, 2]); c.byobRequest.respond(2);
        await tick();
        settle(rb.read(), 'b1');
        await tick();
        settle(rb.read(), 'b2');
        await tick();
        const chunk = new Uint8Array([3, 4, 5]);
        c.enqueue(chunk);
        await tick();
        settle(ra.read(new Uint8Array(1)), 'a2');
        await tick();
        settle(ra.read(new Uint8Array(4)), 'a3');
        await tick();
        c.close();
        await tick();
        settle(ra.read(new Uint8Array(4)), 'a4');
        settle(rb.read(), 'b3');
        await tick();
      }
      {
        // both branches reading BYOB, at different sizes
        let n = 0;
        const rs = new ReadableStream({ type: 'bytes', pull(c) { n++; const v = c.byobRequest.view; L('pull', view(v)); v[0] = n; c.byobRequest.respond(1); if (n === 3) c.close(); } });
        const [a, b] = rs.tee();
        const ra = a.getReader({ mode: 'byob' }), rb = b.getReader({ mode: 'byob' });
        settle(ra.read(new Uint8Array(4)), 'ta1'); settle(rb.read(new Uint8Array(2)), 'tb1');
        await tick();
        settle(rb.read(new Uint8Array(2)), 'tb2'); settle(ra.read(new Uint8Array(4)), 'ta2');
        await tick();
        settle(ra.read(new Uint8Array(4)), 'ta3'); settle(rb.read(new Uint8Array(2)), 'tb3');
        await tick();
        settle(ra.read(new Uint8Array(4)), 'ta4'); settle(rb.read(new Uint8Array(2)), 'tb4');
        await tick();
      }
      {
        // chunks are cloned: the branches do not share memory
        const rs = new ReadableStream({ type: 'bytes', start(c) { c.enqueue(new Uint8Array([1, 2])); c.close(); } });
        const [a, b] = rs.tee();
        const va = (await a.getReader().read()).value, vb = (await b.getReader().read()).value;
        va[0] = 99;
        L('independent', va.buffer !== vb.buffer, vb[0]);
      }
      {
        let c;
        const rs = new ReadableStream({ type: 'bytes', start(ctrl) { c = ctrl; } });
        const [a, b] = rs.tee();
        settle(a.getReader({ mode: 'byob' }).read(new Uint8Array(1)), 'error read'); settle(b.getReader().closed, 'error b closed');
        await tick();
        c.error(new SyntaxError('te'));
        await tick();
      }
      {
        const rs = new ReadableStream({ type: 'bytes', cancel(r) { L('cancel both', JSON.stringify(r)); } });
        const [a, b] = rs.tee();
        settle(a.cancel('A'), 'cancel a'); await tick(); settle(b.cancel('B'), 'cancel b');
        await tick();
      }
      {
        // pipeTo from a byte stream delivers Uint8Arrays
        const chunks = [];
        const rs = new ReadableStream({ type: 'bytes', start(c) { c.enqueue(new Uint8Array([1, 2])); c.enqueue(new Uint8Array([3])); c.close(); } });
        await rs.pipeTo(new WritableStream({ write(ch) { chunks.push(ch.constructor.name + ':' + Array.from(ch).join('.')); } }));
        L('piped', chunks.join('|'));
      }
    """,
    )
    assert log == [
        "branches accept BYOB readers",
        "source pull 2",
        'a1 ok v:["Uint8Array",1,2]',
        'b1 ok v:["Uint8Array",1,2]',
        "source pull no byobRequest",
        'b2 ok v:["Uint8Array",3,4,5]',
        'a2 ok v:["Uint8Array",3]',
        'a3 ok v:["Uint8Array",4,5]',
        'a4 ok done:["Uint8Array"]',
        "b3 ok done",
        "pull Uint8Array(0,4/4)",
        'ta1 ok v:["Uint8Array",1]',
        'tb1 ok v:["Uint8Array",1]',
        "pull Uint8Array(0,2/2)",
        'tb2 ok v:["Uint8Array",2]',
        'ta2 ok v:["Uint8Array",2]',
        "pull Uint8Array(0,4/4)",
        'ta3 ok v:["Uint8Array",3]',
        'tb3 ok v:["Uint8Array",3]',
        'ta4 ok done:["Uint8Array"]',
        'tb4 ok done:["Uint8Array"]',
        "independent true 1",
        "error read err SyntaxError",
        "error b closed err SyntaxError",
        'cancel both ["A","B"]',
        "cancel a ok ",
        "cancel b ok ",
        "piped Uint8Array:1.2|Uint8Array:3",
    ]
