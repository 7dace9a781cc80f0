"""Codes of the bridge protocol; runtime/js/90_bridge.js holds the JS side of each."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["BodyKind", "Event", "Message", "RequestBodyMode"]


class Event(IntEnum):
    """Python -> JS events, each a JSON array ``[code, ...fields]``."""

    REQUEST = 1  # rid, method, url, headers(flat), body mode, staging offset, length
    BODY_CHUNK = 2  # rid, staging offset, length
    BODY_END = 3  # rid
    BODY_ERROR = 4  # rid, message
    TIMER = 5  # timer id
    CREDIT = 7  # rid, chunks the host can take
    CANCEL = 8  # rid, reason: the client went away; waitUntil work goes on
    FORGET = 9  # rid: drop the request's state (its waitUntil time is up)
    # call id, ok (1/0), value | {name, message}, then staging offset and length of the
    # result's bytes, or null when it has none
    HOST_RESULT = 10
    WS_MESSAGE = 11  # socket id, 0, text | socket id, 1, staging offset, length
    WS_CLOSE = 12  # socket id, code, reason, wasClean, rid
    # rid, kind ("scheduled" | "queue" | "rpc" …), entrypoint, name, args (JSON), props:
    # an invocation that is not an HTTP request; answered by RESULT or FAIL, then DONE
    INVOKE = 13
    HOST_BODY_DONE = 14  # rid: the host has sent (or dropped) a BodyKind.HOST body


class Message(IntEnum):
    """JS -> Python messages returned by a drain."""

    # rid, status, statusText, headers(flat), body kind, body | blob index | null,
    # for streams the length they are known to deliver (or null), for a 101 the id of the
    # WebSocket whose other end the host now holds (or null), 1 if encodeBody is "manual"
    HEAD = 1
    CHUNK = 2  # rid, blob index
    END = 3  # rid
    STREAM_ERROR = 4  # rid, {name, message, stack}
    FAIL = 5  # rid, {name, message, stack}, passThroughOnException
    LOG = 6  # level, rid, text
    TIMER_SET = 7  # timer id, ms
    TIMER_CLEAR = 8  # timer id
    BODY_PULL = 9  # rid
    DONE = 10  # rid: response sent and every waitUntil promise settled
    HOST_CALL = 11  # call id, rid, op, args, blob index | null
    WS_SEND = 12  # socket id, 0, text | socket id, 1, blob index
    WS_CLOSE = 13  # socket id, code, reason
    RESULT = 14  # rid, value (JSON): the answer to an INVOKE


class BodyKind(IntEnum):
    NONE = 0
    STRING = 1
    BYTES = 2
    STREAM = 3
    # [op, args, cancel op, blob index of the first bytes | null, 1 if that was all, path of
    # a local file holding the whole body | null]: a binding's body the worker passed on
    # unread; the host reads it from the op itself (or the front end sends the file).
    HOST = 4


class RequestBodyMode(IntEnum):
    NONE = 0
    INLINE = 1
    STREAM = 2
