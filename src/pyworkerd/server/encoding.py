"""Content-Encoding on the way out, as workerd does it.

A worker that sets `Content-Encoding: gzip` (or br) on a Response gets its body encoded by
the runtime, unless it built the Response with `encodeBody: "manual"` because the bytes
are already encoded. Other encodings (deflate …) go out as they are, as on workerd.
Encoding streams: nothing is held whole.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Callable
from typing import Any

__all__ = ["encode_body", "encoder_for"]

Encoder = tuple[Callable[[bytes], bytes], Callable[[], bytes]]


def encoder_for(content_encoding: str) -> Encoder | None:
    """(compress, flush) for a Content-Encoding the runtime applies, else None."""
    name = content_encoding.strip().lower()
    if name in ("gzip", "x-gzip"):
        z = zlib.compressobj(wbits=31)
        return z.compress, z.flush
    if name == "br":
        import brotli

        b = brotli.Compressor()
        return b.process, b.finish
    return None


async def encode_body(
    body: str | bytes | AsyncIterator[bytes] | Any, encoder: Encoder
) -> AsyncIterator[bytes]:
    compress, flush = encoder
    if isinstance(body, str):
        body = body.encode()
    if isinstance(body, bytes):
        yield compress(body) + flush()
        return
    async for chunk in body:
        out = compress(chunk)
        if out:
            yield out
    tail = flush()
    if tail:
        yield tail
