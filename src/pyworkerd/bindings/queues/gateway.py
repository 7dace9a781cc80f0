"""What a queue's broker checks when a producer sends: sizes, counts and delays.

workerd serializes the bodies and checks their types (facade.js does the same); the
queue service behind it refuses what is too big or delayed too long, and workerd throws
`Queue send failed: <the service's status text>` (or, with the compatibility flag
`queue_expose_error_codes`, `<cause> (<code>)` with the platform's error codes). The
texts are Miniflare's, whose broker `wrangler dev` runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pyworkerd.bindings.queues.store import Backlog, NewMessage, QueueStore
from pyworkerd.config.parse import MAX_DELAY_S

__all__ = [
    "CONTENT_TYPES",
    "MAX_BATCH_BYTES",
    "MAX_BATCH_MESSAGES",
    "MAX_MESSAGE_BYTES",
    "Outgoing",
    "QueueGateway",
    "QueueSendError",
]

CONTENT_TYPES = ("text", "bytes", "json", "v8")
MAX_MESSAGE_BYTES = 128_000
MAX_BATCH_MESSAGES = 100
MAX_BATCH_BYTES = 256_000


class QueueSendError(Exception):
    """The broker refused a send: the platform's error code and cause, and the detail."""

    def __init__(self, code: int, cause: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.cause = cause
        self.detail = detail

    def message(self, method: str, expose_codes: bool) -> str:
        if expose_codes:
            return f"{self.cause} ({self.code})"
        return f"Queue {method} failed: {self.detail}"


def _too_large(detail: str) -> QueueSendError:
    return QueueSendError(10204, "Message size out of bounds", detail)


def _check_delay(delay: int | None, *, batch: bool = False) -> None:
    if delay is not None and not 0 <= delay <= MAX_DELAY_S:
        detail = f"message delay {delay} is invalid: must be between 0 and {MAX_DELAY_S} seconds"
        if batch:
            raise QueueSendError(10202, "Invalid batch delay", detail)
        raise QueueSendError(10203, "Invalid message metadata", detail)


@dataclass(frozen=True)
class Outgoing:
    """One message as the producer's binding hands it over (body already serialized)."""

    content_type: str
    body: bytes
    delay_s: int | None = None


class QueueGateway:
    """A producer binding's side of one queue."""

    def __init__(self, store: QueueStore, delivery_delay: int | None = None) -> None:
        self.store = store
        self.delivery_delay = delivery_delay

    def _message(self, item: Outgoing, default_delay: int | None) -> NewMessage:
        if item.content_type not in CONTENT_TYPES:
            raise QueueSendError(
                10203,
                "Invalid message metadata",
                f"message content type {item.content_type} is invalid; if specified, must be "
                "one of 'text', 'json', 'bytes', or 'v8'",
            )
        _check_delay(item.delay_s)
        delay = item.delay_s if item.delay_s is not None else default_delay
        return NewMessage(item.content_type, item.body, delay or 0)

    def prepare_send(self, item: Outgoing) -> NewMessage:
        if len(item.body) > MAX_MESSAGE_BYTES:
            raise _too_large(
                f"message length of {len(item.body)} bytes exceeds limit of {MAX_MESSAGE_BYTES}"
            )
        return self._message(item, self.delivery_delay)

    def prepare_batch(self, items: Sequence[Outgoing], delay_s: int | None) -> list[NewMessage]:
        if len(items) > MAX_BATCH_MESSAGES:
            raise QueueSendError(
                10206,
                "Batch count out of bounds",
                f"batch message count of {len(items)} exceeds limit of {MAX_BATCH_MESSAGES}",
            )
        largest = max((len(i.body) for i in items), default=0)
        if largest > MAX_MESSAGE_BYTES:
            raise _too_large(
                f"message in batch has length {largest} bytes which exceeds single message "
                f"size limit of {MAX_MESSAGE_BYTES}"
            )
        total = sum(len(i.body) for i in items)
        if total > MAX_BATCH_BYTES:
            raise QueueSendError(
                10205,
                "Batch size out of bounds",
                f"batch size of {total} bytes exceeds limit of {MAX_BATCH_BYTES}",
            )
        _check_delay(delay_s, batch=True)
        default = delay_s if delay_s is not None else self.delivery_delay
        return [self._message(item, default) for item in items]

    async def send(self, item: Outgoing) -> Backlog:
        return await self.store.append([self.prepare_send(item)])

    async def send_batch(self, items: Sequence[Outgoing], delay_s: int | None) -> Backlog:
        return await self.store.append(self.prepare_batch(items, delay_s))
