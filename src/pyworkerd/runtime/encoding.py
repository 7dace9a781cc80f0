"""The legacy encodings' multi-byte tables, handed to an isolate the first time it needs one.

They used to be part of the runtime source, which V8 keeps in every isolate's heap: +137 KiB
per idle isolate for tables most workers never use. Now 11_encoding_legacy.js fetches an
index with a synchronous host call ("encoding.table", allowed at a worker's top level since
TextDecoder works there on workerd) the first time a decoder meets a multi-byte sequence of
that encoding. Each index is built from Python's codecs (``encoding_tables``) on the first
request in this process and kept: sync ops run on isolates' threads, so building is locked
so it happens once.
"""

from __future__ import annotations

import threading
from functools import cache

from pyworkerd.engine.hostops import HostCall, HostError, runtime_sync_op

from .encoding_tables import MULTI_INDEXES, pack

__all__ = ["packed_index"]

_BUILDING = threading.Lock()


@cache
def _build(name: str) -> tuple[int, str]:
    table = MULTI_INDEXES[name]()
    return len(table), pack(table)


def packed_index(name: str) -> tuple[int, str]:
    """(length, packed text) of the multi-byte index `name` (see ``encoding_tables``)."""
    with _BUILDING:
        return _build(name)


@runtime_sync_op("encoding.table")
def _table(call: HostCall) -> tuple[int, str]:
    name = call.args
    if not isinstance(name, str) or name not in MULTI_INDEXES:
        raise HostError("TypeError", f"There is no encoding table {name!r}.")
    return packed_index(name)
