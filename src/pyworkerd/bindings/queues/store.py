"""One queue's messages, durable in SQLite: what producers append and the broker leases.

A message row is visible once `visible_ms` has passed. The broker *leases* a batch: the
rows get a lease token and become invisible until the lease would expire, so a batch is
never handed to two deliveries at once, and a batch whose process died comes back (at
start-up the broker releases every lease, see `release_leases`). Settling a batch
deletes acknowledged rows and schedules retried ones, guarded by the lease token.

Every write commits before it returns (WAL, `synchronous=FULL`): a `send()` the worker
saw succeed survives `kill -9`. Producers in other processes (`serve --workers N`, the
CLI) append to the same file; `changed()` tells the broker to look again, and it polls
cheaply for what other processes wrote.
"""

from __future__ import annotations

import itertools
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pyworkerd.bindings import SharedPerProcess
from pyworkerd.storage import (
    ConnectionThread,
    SqlDatabase,
    StateDir,
    backend_for,
    write_transaction,
)

__all__ = ["Backlog", "Leased", "NewMessage", "QueueStore", "now_ms", "store_for"]

T = TypeVar("T")

# How long a leased batch stays invisible: Cloudflare's wall-clock limit for a consumer
# invocation (15 minutes). The broker settles or releases it long before.
LEASE_MS = 15 * 60 * 1000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  sent_ms INTEGER NOT NULL,
  content_type TEXT NOT NULL,
  body BLOB NOT NULL,
  size INTEGER NOT NULL,
  failed INTEGER NOT NULL DEFAULT 0,
  visible_ms INTEGER NOT NULL,
  lease INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS messages_due ON messages(visible_ms, seq);
CREATE INDEX IF NOT EXISTS messages_sent ON messages(sent_ms);
CREATE INDEX IF NOT EXISTS messages_lease ON messages(lease) WHERE lease != 0;
CREATE TABLE IF NOT EXISTS backlog (
  one INTEGER PRIMARY KEY CHECK (one = 1),
  count INTEGER NOT NULL,
  bytes INTEGER NOT NULL
);
INSERT OR IGNORE INTO backlog VALUES (1, 0, 0);
CREATE TRIGGER IF NOT EXISTS backlog_in AFTER INSERT ON messages BEGIN
  UPDATE backlog SET count = count + 1, bytes = bytes + NEW.size WHERE one = 1;
END;
CREATE TRIGGER IF NOT EXISTS backlog_out AFTER DELETE ON messages BEGIN
  UPDATE backlog SET count = count - 1, bytes = bytes - OLD.size WHERE one = 1;
END;
"""


def now_ms() -> int:
    return int(time.time() * 1000)


def new_id() -> str:
    """32 hex digits, as the platform's (and Miniflare's) message ids."""
    return secrets.token_hex(16)


@dataclass(frozen=True)
class NewMessage:
    content_type: str
    body: bytes
    delay_s: int = 0
    # Kept when a message moves to a dead-letter queue.
    id: str | None = None
    sent_ms: int | None = None


@dataclass(frozen=True)
class Leased:
    id: str
    sent_ms: int
    content_type: str
    body: bytes
    failed: int  # deliveries that failed before this one


@dataclass(frozen=True)
class Backlog:
    """What `metrics()` and a batch's `metadata.metrics` report."""

    count: int
    bytes: int
    oldest_ms: int  # 0 when empty

    def as_json(self) -> dict[str, Any]:
        return {
            "backlogCount": self.count,
            "backlogBytes": self.bytes,
            "oldestMessageTimestamp": self.oldest_ms,
        }


_LEASES = itertools.count(1)


class QueueStore:
    """A queue's database, one connection used from one thread of its own."""

    def __init__(self, name: str, db: SqlDatabase) -> None:
        self.name = name
        self.db = db
        self._thread = ConnectionThread(f"queue-{name}", self._open)
        self._listeners: list[Callable[[], None]] = []
        self._lock = threading.Lock()
        self.closed = False

    # ------------------------------------------------------------------ plumbing
    def _open(self) -> sqlite3.Connection:
        conn = self.db.connect()
        conn.executescript(_SCHEMA)
        return conn

    async def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        return await self._thread.run(lambda: fn(self._thread.connection()))

    def on_change(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener` after each append in this process; returns the unsubscriber."""
        with self._lock:
            self._listeners.append(listener)

        def remove() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return remove

    def changed(self) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._thread.close()

    # ------------------------------------------------------------------ producers
    async def append(self, messages: Sequence[NewMessage]) -> Backlog:
        """Commit the messages (one transaction); the backlog after it."""
        backlog = await self._run(lambda c: _append(c, messages, now_ms()))
        self.changed()
        return backlog

    async def backlog(self) -> Backlog:
        return await self._run(_backlog)

    # ------------------------------------------------------------------ the broker
    async def peek(self, now: int, limit: int) -> tuple[int, int | None]:
        """(messages due now, up to `limit`; when the next one falls due, or None)."""
        return await self._run(lambda c: _peek(c, now, limit))

    async def lease(self, now: int, limit: int) -> tuple[int, list[Leased], Backlog]:
        """Lease up to `limit` due messages, oldest first: (token, rows, backlog left)."""
        token = next(_LEASES)
        rows, backlog = await self._run(lambda c: _lease(c, now, limit, token))
        return token, rows, backlog

    async def settle(
        self, token: int, removed: Sequence[str], retried: Sequence[tuple[str, int]], now: int
    ) -> None:
        """Delete `removed` (acknowledged, or given up on); make each retried (id, delay_s)
        visible again after its delay."""
        await self._run(lambda c: _settle(c, token, removed, retried, now))

    async def release_leases(self) -> int:
        """Make every leased message due now (a previous run died mid-delivery)."""
        return await self._run(lambda c: _release(c, now_ms()))

    async def expire(self, before_ms: int) -> int:
        """Delete messages sent before `before_ms` (the retention period); how many."""
        sql = "DELETE FROM messages WHERE sent_ms < ? AND lease = 0"
        return await self._run(lambda c: c.execute(sql, (before_ms,)).rowcount)


def _append(conn: sqlite3.Connection, messages: Sequence[NewMessage], now: int) -> Backlog:
    rows = [
        (
            m.id or new_id(),
            m.sent_ms if m.sent_ms is not None else now,
            m.content_type,
            m.body,
            len(m.body),
            now + m.delay_s * 1000,
        )
        for m in messages
    ]
    with write_transaction(conn):
        # A message moved twice to a dead-letter queue (a crash between the copy and the
        # delete) is kept once.
        conn.executemany(
            "INSERT OR IGNORE INTO messages (id, sent_ms, content_type, body, size, visible_ms)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
        backlog = _backlog(conn)
    return backlog


def _backlog(conn: sqlite3.Connection) -> Backlog:
    count, size = conn.execute("SELECT count, bytes FROM backlog WHERE one = 1").fetchone()
    oldest = conn.execute("SELECT MIN(sent_ms) FROM messages").fetchone()[0]
    return Backlog(int(count), int(size), int(oldest or 0))


def _peek(conn: sqlite3.Connection, now: int, limit: int) -> tuple[int, int | None]:
    due = conn.execute(
        "SELECT COUNT(*) FROM (SELECT 1 FROM messages WHERE visible_ms <= ? LIMIT ?)",
        (now, limit),
    ).fetchone()[0]
    upcoming = conn.execute(
        "SELECT MIN(visible_ms) FROM messages WHERE visible_ms > ?", (now,)
    ).fetchone()[0]
    return int(due), None if upcoming is None else int(upcoming)


def _lease(
    conn: sqlite3.Connection, now: int, limit: int, token: int
) -> tuple[list[Leased], Backlog]:
    with write_transaction(conn):
        found = conn.execute(
            "SELECT seq, id, sent_ms, content_type, body, failed FROM messages"
            " WHERE visible_ms <= ? ORDER BY visible_ms, seq LIMIT ?",
            (now, limit),
        ).fetchall()
        conn.executemany(
            "UPDATE messages SET lease = ?, visible_ms = ? WHERE seq = ?",
            [(token, now + LEASE_MS, row[0]) for row in found],
        )
        backlog = _backlog(conn)
    rows = [Leased(r[1], int(r[2]), str(r[3]), bytes(r[4]), int(r[5])) for r in found]
    # The backlog beside this batch (the oldest message may be in it: an approximation, as
    # the platform's own metrics are).
    count = backlog.count - len(rows)
    size = backlog.bytes - sum(len(r.body) for r in rows)
    return rows, Backlog(count, size, backlog.oldest_ms if count else 0)


def _settle(
    conn: sqlite3.Connection,
    token: int,
    removed: Sequence[str],
    retried: Sequence[tuple[str, int]],
    now: int,
) -> None:
    with write_transaction(conn):
        conn.executemany(
            "DELETE FROM messages WHERE id = ? AND lease = ?", [(i, token) for i in removed]
        )
        conn.executemany(
            "UPDATE messages SET failed = failed + 1, visible_ms = ?, lease = 0"
            " WHERE id = ? AND lease = ?",
            [(now + delay * 1000, i, token) for i, delay in retried],
        )


def _release(conn: sqlite3.Connection, now: int) -> int:
    return conn.execute(
        "UPDATE messages SET lease = 0, visible_ms = ? WHERE lease != 0", (now,)
    ).rowcount


# One store per queue database per process: every worker, reload and the broker share it.
_STORES: SharedPerProcess[SqlDatabase, QueueStore] = SharedPerProcess(
    close=QueueStore.close, stale=lambda store: store.closed
)


def store_for(state: StateDir, queue: str) -> QueueStore:
    """The process's store of a queue (`<state>/queues/<queue>.sqlite3` by default)."""
    db = backend_for(state).sql("queues", queue)
    return _STORES.get(db, lambda: QueueStore(queue, db))
