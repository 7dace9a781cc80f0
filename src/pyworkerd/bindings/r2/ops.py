"""The host ops behind `env.<R2 binding>` (the JS half is facade.js).

Every op takes `{binding, ...}` and reaches only the buckets of the worker it was built
for. Bodies move in pieces of at most `PIECE` bytes, so an object of any size streams in
and out without being held whole in memory; file and SQLite work runs in threads.

- ``r2.head`` {binding, key} -> object | null
- ``r2.get`` {binding, key, range?, rangeHeader?, onlyIf?} -> null | {object, body: false}
  (precondition failed) | {object, body: true, id, done} with the first piece as payload;
  ``r2.read`` {id} -> the next piece (payload), with `true` when it is the last (or at the
  end, with no payload); ``r2.cancel`` {id}.
- ``r2.put`` {binding, key, size, final, options} / ``r2.uploadPart`` {binding, key,
  uploadId, partNumber, size, final}, first piece as payload -> {id} while more is to come,
  else {result}; ``r2.putNext`` {id, final} + piece -> null | {result}; ``r2.putAbort`` {id}.
- ``r2.delete`` {binding, keys}; ``r2.list`` {binding, options} -> {objects, truncated,
  cursor?, delimitedPrefixes}.
- ``r2.createMultipartUpload`` {binding, key, options} -> uploadId;
  ``r2.completeMultipartUpload`` {binding, key, uploadId, parts} -> object;
  ``r2.abortMultipartUpload`` {binding, key, uploadId}.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pyworkerd.bindings.handles import HandleTable
from pyworkerd.bindings.r2.gateway import GetResult, R2Error, R2Gateway, Upload
from pyworkerd.engine.hostops import HostCall, HostError, HostOp, HostResult
from pyworkerd.storage.objects import BlobReader

__all__ = ["PIECE", "make_ops", "open_streams", "read_ahead_bytes"]

PIECE = 256 * 1024  # the bridge's limit on the bytes of one host result
# One trip to a thread reads up to this many pieces of a body; the rest wait in memory
# for the next r2.read, which then needs no thread (an object of up to 1 MiB: one trip).
# Read-ahead stops while all bodies together hold READ_AHEAD_BUDGET bytes.
READ_AHEAD_PIECES = 4
READ_AHEAD_BUDGET = 64 * 1024 * 1024

T = TypeVar("T")


@dataclass(eq=False)
class _Stream:
    """An open body being read, or an upload being written."""

    worker: str
    request_id: int
    reader: BlobReader | None = None
    upload: Upload | None = None
    gateway: R2Gateway | None = None
    last_used: float = field(default_factory=time.monotonic)
    busy: bool = False
    dropped: bool = False  # cancelled or aborted while an op was using it
    ahead: deque[bytes] = field(default_factory=deque)  # pieces read, not yet asked for

    def close(self) -> None:
        while self.ahead:
            _unbuffer(self.ahead.popleft())
        if self.reader is not None:
            self.reader.close()
            self.reader = None
        if self.upload is not None:
            self.upload.discard()
            self.upload = None


_buffered = 0  # bytes held by every stream's `ahead` (counted on the event loop only)


def _read_pieces(reader: BlobReader, count: int) -> list[bytes]:
    """One piece, and up to `count` in all while the body lasts (in a thread)."""
    pieces = [reader.read(PIECE)]
    while len(pieces) < count and not reader.done:
        piece = reader.read(PIECE)
        if not piece:
            break
        pieces.append(piece)
    return pieces


def _ahead_count() -> int:
    """How many pieces a read may take now (1 once the read-ahead budget is spent)."""
    return READ_AHEAD_PIECES if _buffered < READ_AHEAD_BUDGET else 1


def _keep_ahead(st: _Stream, pieces: list[bytes]) -> None:
    global _buffered
    st.ahead.extend(pieces)
    _buffered += sum(len(p) for p in pieces)


def _unbuffer(piece: bytes) -> None:
    global _buffered
    _buffered -= len(piece)


_STREAMS: HandleTable[_Stream] = HandleTable(
    "The R2 body or upload is no longer available.", lambda st: st.close()
)


def open_streams() -> int:
    """How many bodies and uploads are open (for tests)."""
    return len(_STREAMS)


def read_ahead_bytes() -> int:
    """How many bytes of bodies wait in memory for their reader (for tests)."""
    return _buffered


async def _off_loop(action: str, fn: Callable[[], T]) -> T:
    try:
        return await asyncio.to_thread(fn)
    except R2Error as exc:
        raise HostError("Error", exc.for_action(action)) from None


def _get_with_pieces(
    gw: R2Gateway, key: str, args: dict[str, Any], count: int
) -> tuple[GetResult | None, list[bytes]]:
    """The object and the first pieces of its body, in one trip to a thread."""
    result = gw.get(key, args)
    if result is None or result.reader is None:
        return result, []
    try:
        return result, _read_pieces(result.reader, count)
    except BaseException:
        result.reader.close()
        raise


def make_ops(gateways: dict[str, R2Gateway]) -> dict[str, HostOp]:
    """The ops of one worker over its buckets (binding name -> gateway)."""

    def gateway(call: HostCall) -> tuple[dict[str, Any], R2Gateway]:
        args = call.args
        if not isinstance(args, dict):
            raise HostError("TypeError", "R2: bad arguments")
        gw = gateways.get(str(args.get("binding")))
        if gw is None:
            raise HostError("TypeError", "R2: no such bucket binding")
        return args, gw

    async def head(call: HostCall) -> HostResult:
        args, gw = gateway(call)
        return await _off_loop("head", lambda: gw.head(str(args["key"]))), None

    async def get(call: HostCall) -> HostResult:
        args, gw = gateway(call)
        count = _ahead_count()
        result, pieces = await _off_loop(
            "get", lambda: _get_with_pieces(gw, str(args["key"]), args, count)
        )
        if result is None:
            return None, None
        if result.reader is None:
            return {"object": result.meta, "body": False}, None
        reader, first = result.reader, pieces[0]
        if reader.done and len(pieces) == 1:
            reader.close()
            return {"object": result.meta, "body": True, "done": True, "id": None}, first
        st = _Stream(call.worker, call.request_id, reader=reader)
        _keep_ahead(st, pieces[1:])
        sid = _STREAMS.add(st)
        # The object as one file: a body passed on unread is sent from it by the front end.
        file = reader.whole_file()
        return {"object": result.meta, "body": True, "done": False, "id": sid, "file": file}, first

    async def read(call: HostCall) -> HostResult:
        sid, st = _STREAMS.take(call)
        if st.reader is None or st.busy:
            raise HostError("Error", "The R2 body is no longer available.")
        reader = st.reader
        if st.ahead:
            chunk = st.ahead.popleft()
            _unbuffer(chunk)
        else:
            st.busy = True
            try:
                count = _ahead_count()
                pieces = await _off_loop("get", lambda: _read_pieces(reader, count))
            except BaseException:
                _STREAMS.pop(sid)
                st.close()
                raise
            finally:
                st.busy = False
            chunk = pieces[0]
            _keep_ahead(st, pieces[1:])
            if st.dropped:
                _STREAMS.pop(sid)
                st.close()
                return True, None
        if not chunk or (reader.done and not st.ahead):  # the last piece says so
            _STREAMS.pop(sid)
            st.close()
            return True, chunk or None
        return None, chunk

    async def cancel(call: HostCall) -> HostResult:
        st = _STREAMS.cancel(call)
        if st is not None:
            st.close()
        return None, None

    async def _continue(
        st_upload: Upload, gw: R2Gateway, payload: bytes | None, final: bool, call: HostCall
    ) -> HostResult:
        action = st_upload.action

        def step() -> Any:
            try:
                if payload:
                    st_upload.write(payload)
                if not final:
                    return None
                if st_upload.kind == "put":
                    return gw.finish_put(st_upload)
                return gw.finish_part(st_upload)
            except BaseException:
                st_upload.discard()
                raise

        result = await _off_loop(action, step)
        if final:
            return {"result": result}, None
        return None, None

    async def put(call: HostCall) -> HostResult:
        args, gw = gateway(call)
        size = int(args.get("size") or 0)
        options = args.get("options") or {}
        upload = await _off_loop("put", lambda: gw.begin_put(str(args["key"]), size, options))
        return await _start_upload(call, args, gw, upload)

    async def upload_part(call: HostCall) -> HostResult:
        args, gw = gateway(call)
        size = int(args.get("size") or 0)
        upload = await _off_loop(
            "uploadPart",
            lambda: gw.begin_part(
                str(args["key"]), str(args["uploadId"]), int(args["partNumber"]), size
            ),
        )
        return await _start_upload(call, args, gw, upload)

    async def _start_upload(
        call: HostCall, args: dict[str, Any], gw: R2Gateway, upload: Upload
    ) -> HostResult:
        final = bool(args.get("final"))
        if final:
            return await _continue(upload, gw, call.payload, True, call)
        try:
            await _continue(upload, gw, call.payload, False, call)
        except BaseException:
            upload.discard()
            raise
        sid = _STREAMS.add(_Stream(call.worker, call.request_id, upload=upload, gateway=gw))
        return {"id": sid}, None

    async def put_next(call: HostCall) -> HostResult:
        sid, st = _STREAMS.take(call)
        upload, gw = st.upload, st.gateway
        if upload is None or gw is None or st.busy:
            raise HostError("Error", "The R2 upload is no longer available.")
        final = bool(call.args.get("final"))
        st.busy = True
        try:
            result = await _continue(upload, gw, call.payload, final, call)
        except BaseException:
            _STREAMS.pop(sid)
            st.upload = None
            raise
        finally:
            st.busy = False
        if final:
            _STREAMS.pop(sid)
            st.upload = None
        elif st.dropped:
            _STREAMS.pop(sid)
            await asyncio.to_thread(st.close)
        return result

    async def put_abort(call: HostCall) -> HostResult:
        st = _STREAMS.cancel(call)  # one r2.putNext is using discards it when done
        if st is not None:
            await asyncio.to_thread(st.close)
        return None, None

    async def delete(call: HostCall) -> HostResult:
        args, gw = gateway(call)
        keys = [str(k) for k in args.get("keys") or []]
        await _off_loop("delete", lambda: gw.delete(keys))
        return None, None

    async def list_(call: HostCall) -> HostResult:
        args, gw = gateway(call)
        return await _off_loop("list", lambda: gw.list_objects(args.get("options") or {})), None

    async def create_multipart(call: HostCall) -> HostResult:
        args, gw = gateway(call)
        upload_id = await _off_loop(
            "createMultipartUpload",
            lambda: gw.create_multipart_upload(str(args["key"]), args.get("options") or {}),
        )
        return upload_id, None

    async def complete_multipart(call: HostCall) -> HostResult:
        args, gw = gateway(call)
        meta = await _off_loop(
            "completeMultipartUpload",
            lambda: gw.complete_multipart_upload(
                str(args["key"]), str(args["uploadId"]), list(args.get("parts") or [])
            ),
        )
        return meta, None

    async def abort_multipart(call: HostCall) -> HostResult:
        args, gw = gateway(call)
        await _off_loop(
            "abortMultipartUpload",
            lambda: gw.abort_multipart_upload(str(args["key"]), str(args["uploadId"])),
        )
        return None, None

    return {
        "r2.head": head,
        "r2.get": get,
        "r2.read": read,
        "r2.cancel": cancel,
        "r2.put": put,
        "r2.uploadPart": upload_part,
        "r2.putNext": put_next,
        "r2.putAbort": put_abort,
        "r2.delete": delete,
        "r2.list": list_,
        "r2.createMultipartUpload": create_multipart,
        "r2.completeMultipartUpload": complete_multipart,
        "r2.abortMultipartUpload": abort_multipart,
    }
