"""Host operations behind `CompressionStream` / `DecompressionStream` (js/36_compression.js).

Each JS stream owns one zlib compressor or decompressor here, found by the id the first
call hands back. A call feeds at most one piece of input and returns at most `OUT_MAX`
bytes of output; `more` tells JS to call again (without input) for the rest, so a
decompression bomb is produced piece by piece, never all at once in Python. Errors are
workerd's (src/workerd/api/streams/compression.c++, with strict_compression_checks on, as
it is for every compatibility date since 2023-08-01).
"""

from __future__ import annotations

import asyncio
import itertools
import time
import zlib
from dataclasses import dataclass, field
from typing import Any

from pyworkerd.engine.hostops import HostCall, HostError, HostResult, runtime_op

__all__ = ["FORMATS", "OUT_MAX", "close", "pump"]

# windowBits per format: zlib header (15), gzip (15 + 16), raw deflate (-15).
FORMATS = {"gzip": 31, "deflate": 15, "deflate-raw": -15}
OUT_MAX = 256 * 1024
# Input at least this large is (de)compressed on a worker thread (zlib releases the GIL).
THREAD_MIN = 64 * 1024
# A stream nobody has touched for this long was abandoned (its isolate died, say).
IDLE_SECONDS = 600.0

DECOMPRESSION_FAILED = "Decompression failed."
TRAILING = "Trailing bytes after end of compressed data"
INCOMPLETE = "Called close() on a decompression stream with incomplete data"


@dataclass
class _Stream:
    worker: str
    compress: bool
    zobj: Any  # zlib.Compress or zlib.Decompress
    pending: bytearray = field(default_factory=bytearray)  # compressed output not yet sent
    finished: bool = False
    last_used: float = field(default_factory=time.monotonic)


_streams: dict[int, _Stream] = {}
_ids = itertools.count(1)
_last_sweep = time.monotonic()


def _sweep(now: float) -> None:
    global _last_sweep
    if now - _last_sweep < 60:
        return
    _last_sweep = now
    for sid in [sid for sid, s in _streams.items() if now - s.last_used > IDLE_SECONDS]:
        del _streams[sid]


def _open(worker: str, mode: str, fmt: str) -> tuple[int, _Stream]:
    wbits = FORMATS.get(fmt)
    if wbits is None:
        raise HostError(
            "TypeError", "The compression format must be either 'deflate', 'deflate-raw' or 'gzip'."
        )
    zobj: Any = (
        zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, wbits, 8)
        if mode == "compress"
        else zlib.decompressobj(wbits)
    )
    sid = next(_ids)
    stream = _Stream(worker, mode == "compress", zobj)
    _streams[sid] = stream
    return sid, stream


def _compress_step(stream: _Stream, data: bytes | None, finish: bool) -> tuple[bytes, bool]:
    if data:
        stream.pending += stream.zobj.compress(data)
    if finish and not stream.finished:
        stream.pending += stream.zobj.flush(zlib.Z_FINISH)
        stream.finished = True
    out = bytes(stream.pending[:OUT_MAX])
    del stream.pending[:OUT_MAX]
    return out, bool(stream.pending)


def _decompress_step(stream: _Stream, data: bytes | None, finish: bool) -> tuple[bytes, bool]:
    zobj = stream.zobj
    if data:
        if zobj.eof:
            raise HostError("TypeError", TRAILING)
        source = data
    else:
        source = zobj.unconsumed_tail
    try:
        out = zobj.decompress(source, OUT_MAX)
    except zlib.error:
        raise HostError("TypeError", DECOMPRESSION_FAILED) from None
    if zobj.eof and zobj.unused_data:
        raise HostError("TypeError", TRAILING)
    # Output that filled the limit may leave more inside zlib even with no input left.
    more = bool(zobj.unconsumed_tail) or (len(out) == OUT_MAX and not zobj.eof)
    if finish and not more and not zobj.eof:
        raise HostError("TypeError", INCOMPLETE)
    return out, more


def _step(stream: _Stream, data: bytes | None, finish: bool) -> tuple[bytes, bool]:
    if stream.compress:
        return _compress_step(stream, data, finish)
    return _decompress_step(stream, data, finish)


@runtime_op("compression.pump")
async def pump(call: HostCall) -> HostResult:
    """args: {id: int | null, mode: "compress" | "decompress", format, finish: bool};
    payload: input bytes (none when asking for more). -> ({id, more}, output)."""
    args = call.args if isinstance(call.args, dict) else {}
    now = time.monotonic()
    _sweep(now)
    sid = args.get("id")
    if sid is None:
        sid, stream = _open(call.worker, str(args.get("mode")), str(args.get("format")))
    else:
        found = _streams.get(sid) if isinstance(sid, int) else None
        if found is None or found.worker != call.worker:
            raise HostError("TypeError", "This compression stream is no longer usable.")
        stream = found
    stream.last_used = now
    finish = bool(args.get("finish"))
    data = call.payload
    try:
        if data is not None and len(data) >= THREAD_MIN:
            out, more = await asyncio.to_thread(_step, stream, data, finish)
        else:
            out, more = _step(stream, data, finish)
    except BaseException:
        _streams.pop(sid, None)
        raise
    if finish and not more:
        _streams.pop(sid, None)
    return {"id": sid, "more": more}, out


@runtime_op("compression.close")
async def close(call: HostCall) -> HostResult:
    """Forget a stream that was cancelled or aborted (args: its id)."""
    stream = _streams.get(call.args) if isinstance(call.args, int) else None
    if stream is not None and stream.worker == call.worker:
        del _streams[call.args]
    return None, None
