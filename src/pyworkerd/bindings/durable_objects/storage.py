"""Durable Object storage (`ctx.storage`): one SQLite database per object.

`<state>/do/<script>.<class>/<object id>.sqlite3` (`backend_for(state).sql`, WAL,
`synchronous=FULL`) holds, as workerd's SQLite-backed objects do, the key-value API in
`_cf_KV (key TEXT PRIMARY KEY, value BLOB)`, the alarm in `_cf_METADATA` (key 1), and the
user's own SQL tables. `<state>/do/alarms.sqlite3` indexes every pending alarm so the
alarm scheduler finds them at start-up (`pending_alarms`).

As in workerd, operations run synchronously and their commit comes later: storage.js
calls the SYNCHRONOUS op ``do.storage.run`` ``[ns, id, owner, items]`` (on the isolate's
thread, while its JS waits), which runs the items in order in the object's open
transaction (opened on the first write; a call that wrote nothing commits at once) and
answers ``[results, databaseSize, dirty]``; when `dirty`, storage.js sends the async op
``do.storage.commit`` ``[ns, id, owner]``, which commits (the fsync) on an executor thread
while JS goes on, and the output gate waits for it. `owner` names one live storage object
in JS: a transaction left open by another (an instance that died before committing) is
rolled back. Items:

- ``["get", keys]`` → ``[[key, value], …]`` sorted by key (values in storage.js's form);
- ``["list", start, startAfter, end, prefix, reverse, limit]`` (each may be null) → entries;
- ``["put", [[key, value], …]]``; ``["delete", keys]`` → how many existed; ``["deleteAll"]``;
- ``["getAlarm"]`` → ms or null; ``["setAlarm", ms | null]``;
- ``["sql", query, binds]`` → ``{columns, rows, read, written}`` or ``{error}`` (a failed
  statement is undone alone);
- ``["begin"]`` / ``["release"]`` / ``["rollback"]``: transactionSync's savepoint.

Entries and rows beyond ~2 MiB of JSON in one answer are held back: the result then
carries ``more`` (an id) and the synchronous op ``do.storage.more`` ``[ns, id, more]``
answers ``[next rows, more | null]``. A failure of anything but user SQL rolls the open
transaction back and fails the call: storage.js then breaks the object, as a failed write
does on the platform.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import math
import re
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from pyworkerd.bindings.d1.gateway import (
    _LIMITS,
    _PRIMARY_CODES,
    ONLY_LAST_HAS_PARAMS,
    TRANSACTION_MESSAGE,
    WRONG_BINDINGS,
    _authorized,
    _ErrorOffset,
    split_statements,
)
from pyworkerd.bindings.durable_objects.alarms import alarm_changed
from pyworkerd.engine.hostops import HostCall, HostError, HostOp, HostResult, SyncOp
from pyworkerd.storage import SqlDatabase, StateDir, backend_for

__all__ = [
    "ObjectDatabase",
    "open_object",
    "pending_alarms",
    "rename_namespace",
    "run_items",
    "storage_ops",
    "storage_sync_ops",
    "stored_alarm",
]

KIND = "do"
ALARMS = "alarms"
KV_TABLE = "_cf_KV"
META_TABLE = "_cf_METADATA"
ALARM_KEY = 1
NO_STATEMENT = "SQL code did not contain a statement."
# Open databases kept per process; beyond this the least recently used idle one closes
# (each open WAL database holds three file descriptors).
MAX_OPEN = 2048
# Rows (entries) answered in one synchronous call, in JSON characters at most (roughly):
# the rest follow through do.storage.more (a synchronous answer holds 4 MiB).
PAGE_BUDGET = 2 << 20
# How long a commit waits for a transactionSync of the same object to end.
COMMIT_WAIT_S = 30.0
# What the authorizer sees of a statement that only reads.
_READS = frozenset(
    {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, 33}  # 33: RECURSIVE
)

# Created on first write, as workerd does (a SQL-only object shows neither table).
_SCHEMA = {
    KV_TABLE: f"CREATE TABLE {KV_TABLE} (key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID",
    META_TABLE: f"CREATE TABLE {META_TABLE} (key INTEGER PRIMARY KEY, value)",
}
_SAFE = re.compile(r"[^A-Za-z0-9._-]")
_T = TypeVar("_T")


class SqlFailure(Exception):
    """A user statement failed; the message reads like workerd's."""


class Closed(Exception):
    """The database was closed (to bound open files) between lookup and use: reopen it."""


class ObjectDatabase:
    """One object's database, its open transaction (writes not yet committed), and the
    lock that keeps its connection to one thread at a time."""

    def __init__(self, db: SqlDatabase, state: StateDir, ns: str, object_id: str) -> None:
        self.state, self.ns, self.id = state, ns, object_id
        self.lock = threading.Lock()
        # Signalled when a transactionSync savepoint ends: a commit waits for it.
        self._idle = threading.Condition(self.lock)
        # No statement cache: the authorizer runs when a statement is prepared, and a
        # "SAVEPOINT" prepared for our own use must never serve a worker's.
        conn = db.connect(cached_statements=0)
        for category, limit in _LIMITS:
            conn.setlimit(category, limit)
        self._trusted = True
        self._auth_error: str | None = None
        self._wrote = False  # the open transaction changed something
        conn.set_authorizer(self._authorize)
        self._offset = _ErrorOffset(conn, db.filename)
        self.conn: sqlite3.Connection | None = conn
        self._tables: set[str] = set()
        self._refresh_tables()
        self._owner: str | None = None  # who opened the transaction
        self._depth = 0  # transactionSync savepoints open
        self._alarm_before: float | None = None
        self._pages: dict[int, list[Any]] = {}
        self._page_ids = itertools.count(1)
        self._budget = 0

    @property
    def busy(self) -> bool:
        """A transaction is open (its writes must not be lost by closing)."""
        return self.conn is not None and self.conn.in_transaction

    def close(self) -> None:
        with self.lock:
            if self.conn is not None:
                if self.conn.in_transaction:
                    self._rollback()
                self.conn.close()
                self.conn = None

    # -- the authorizer: the user's SQL gets what workerd allows; our own SQL anything
    def _authorize(
        self, action: int, arg1: str | None, arg2: str | None, db: str | None, _trigger: str | None
    ) -> int:
        if self._trusted:
            return sqlite3.SQLITE_OK
        if action in (sqlite3.SQLITE_TRANSACTION, sqlite3.SQLITE_SAVEPOINT):
            self._auth_error = TRANSACTION_MESSAGE
            return sqlite3.SQLITE_DENY
        if action not in _READS and not (action == sqlite3.SQLITE_PRAGMA and arg2 is None):
            self._wrote = True
        if action in (sqlite3.SQLITE_ALTER_TABLE, sqlite3.SQLITE_DETACH):
            arg1, arg2, db = arg2, db, arg1
        if db is not None and db != "main":
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK if _authorized(action, arg1, arg2) else sqlite3.SQLITE_DENY

    def _own(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        assert self.conn is not None
        self._trusted = True
        try:
            return self.conn.execute(sql, tuple(params)).fetchall()
        finally:
            self._trusted = False

    # -- the transaction
    def _begin(self, owner: str | None) -> None:
        assert self.conn is not None
        if self.conn.in_transaction and owner is not None and self._owner not in (None, owner):
            # Left open by an instance that is gone: its writes were never confirmed.
            self._rollback()
        if not self.conn.in_transaction:
            self._own("BEGIN IMMEDIATE")
            self._owner, self._wrote, self._depth = owner, False, 0
            self._alarm_before = self._alarm()
        elif owner is not None:
            self._owner = owner

    def _rollback(self) -> None:
        self._own("ROLLBACK")
        self._owner, self._wrote, self._depth = None, False, 0
        self._refresh_tables()
        self._idle.notify_all()

    def _commit(self) -> tuple[bool, float | None]:
        """Commit the open transaction: (alarm changed?, its new time)."""
        after = self._alarm()
        changed = after != self._alarm_before
        try:
            if changed:
                # The index first: a crash between the two commits leaves an entry the
                # scheduler finds stale (stored_alarm), never an alarm it cannot find.
                _index_alarm(self.state, self.ns, self.id, after)
            self._own("COMMIT")
        except BaseException:
            self._rollback()
            raise
        self._owner, self._wrote = None, False
        return changed, after

    def execute(self, owner: str | None, items: list[Any]) -> tuple[list[Any], int, bool]:
        """Run `items` in the open transaction: (results, database size, whether
        uncommitted writes remain). A transaction that wrote nothing ends at once."""
        with self.lock:
            if self.conn is None:
                raise Closed
            self._begin(owner)
            self._pages.clear()
            self._budget = PAGE_BUDGET
            try:
                results = [self._item(item) for item in items]
                if not self._wrote and self._depth == 0:
                    self._own("COMMIT")
                    self._owner = None
            except BaseException:
                if self.conn.in_transaction:
                    self._rollback()
                raise
            return results, self._size(), self.conn.in_transaction

    def commit(self, owner: str | None) -> tuple[bool, float | None]:
        """Commit what `owner` (None: anyone) left open, once no transactionSync is
        running; (alarm changed?, its new time)."""
        with self.lock:
            deadline = time.monotonic() + COMMIT_WAIT_S
            while self._depth > 0:
                left = deadline - time.monotonic()
                if left <= 0 or not self._idle.wait(left):
                    raise sqlite3.OperationalError("a synchronous transaction never ended")
            if not self.busy or (owner is not None and self._owner not in (None, owner)):
                return False, None
            return self._commit()

    def run(self, items: list[Any]) -> tuple[list[Any], int, tuple[bool, float | None]]:
        """`items` and a commit, for the host's own use (the alarm scheduler). Writes the
        object left open are committed with them: early, which changes nothing it saw."""
        results, size, dirty = self.execute(None, items)
        return results, size, self.commit(None) if dirty else (False, None)

    def more(self, page: int) -> list[Any]:
        """The next rows of a result held back (see PAGE_BUDGET), and the id of the rest."""
        with self.lock:
            rows = self._pages.pop(page, None)
            if rows is None:
                raise HostError("Error", "Durable Object storage: these rows are gone")
            self._budget = PAGE_BUDGET
            paged = self._paged(rows, {})
            return [paged["rows"], paged.get("more")]

    def _item(self, item: list[Any]) -> Any:
        kind = item[0]
        if kind in ("get", "list", "delete") and KV_TABLE not in self._tables:
            return 0 if kind == "delete" else []
        if kind == "get":
            # One parameter whatever the count (SQLite's variable limit is lowered to 100).
            keys = json.dumps([str(k) for k in item[1]])
            return self._entries(
                self._own(
                    f"SELECT key, value FROM {KV_TABLE} "
                    "WHERE key IN (SELECT value FROM json_each(?)) ORDER BY key",
                    [keys],
                )
            )
        if kind == "list":
            return self._entries(self._list(*item[1:]))
        if kind == "put":
            self._create(KV_TABLE)
            assert self.conn is not None
            self._trusted = self._wrote = True
            try:
                self.conn.executemany(
                    f"INSERT OR REPLACE INTO {KV_TABLE} (key, value) VALUES (?, ?)",
                    [(str(k), str(v)) for k, v in item[1]],
                )
            finally:
                self._trusted = False
            return None
        if kind == "delete":
            count = 0
            for key in item[1]:
                count += len(self._own(f"DELETE FROM {KV_TABLE} WHERE key = ? RETURNING 1", [key]))
            self._wrote = self._wrote or count > 0
            return count
        if kind == "deleteAll":
            self._wrote = True
            self._delete_all()
            return None
        if kind == "getAlarm":
            return self._alarm()
        if kind == "setAlarm":
            self._wrote = True
            self._set_alarm(item[1])
            return None
        if kind == "sql":
            return self._savepoint(str(item[1]), item[2])
        if kind == "begin":
            self._own(f"SAVEPOINT _cf_sync{self._depth}")
            self._depth += 1
            return None
        if kind in ("release", "rollback"):
            if self._depth == 0:
                raise HostError("Error", "no synchronous transaction is open")
            self._depth -= 1
            if kind == "rollback":
                self._own(f"ROLLBACK TO _cf_sync{self._depth}")
                self._refresh_tables()
            self._own(f"RELEASE _cf_sync{self._depth}")
            self._idle.notify_all()
            return None
        raise HostError("TypeError", f"unknown storage operation {kind!r}")

    def _set_alarm(self, when: float | None) -> None:
        if when is None:
            if META_TABLE in self._tables:
                self._own(f"DELETE FROM {META_TABLE} WHERE key = ?", [ALARM_KEY])
        else:
            self._create(META_TABLE)
            self._own(
                f"INSERT OR REPLACE INTO {META_TABLE} (key, value) VALUES (?, ?)",
                [ALARM_KEY, float(when)],
            )

    def _refresh_tables(self) -> None:
        """Which of our tables exist (after a rollback may have undone a creation)."""
        self._tables = {r[0] for r in self._own("SELECT name FROM sqlite_schema")} & set(_SCHEMA)

    def _create(self, table: str) -> None:
        if table not in self._tables:
            self._own(_SCHEMA[table])
            self._tables.add(table)

    def _savepoint(self, query: str, binds: list[Any]) -> Any:
        """A user statement; if it fails, only what it did is undone and the error reported."""
        self._own("SAVEPOINT _cf_item")
        try:
            result = self._sql(query, binds)
        except SqlFailure as exc:
            self._own("ROLLBACK TO _cf_item")
            self._own("RELEASE _cf_item")
            self._refresh_tables()
            return {"error": str(exc)}
        self._own("RELEASE _cf_item")
        return result

    # -- answers of bounded size
    def _entries(self, rows: list[Any]) -> Any:
        entries = [[str(key), str(value)] for key, value in rows]
        paged = self._paged(entries, {})
        return paged if "more" in paged else entries

    def _paged(self, rows: list[Any], result: dict[str, Any]) -> dict[str, Any]:
        """`result` with as many `rows` as the call's budget allows; the rest held back
        under `more`."""
        for i, row in enumerate(rows):
            self._budget -= _weight(row)
            if self._budget < 0 and i > 0:
                page = next(self._page_ids)
                self._pages[page] = rows[i:]
                result.update(rows=rows[:i], more=page)
                return result
        result["rows"] = rows
        return result

    def _list(
        self,
        start: str | None,
        start_after: str | None,
        end: str | None,
        prefix: str | None,
        reverse: bool,
        limit: int | None,
    ) -> list[Any]:
        where: list[str] = []
        params: list[Any] = []
        for sql, value in (
            ("key >= ?", start),
            ("key > ?", start_after),
            ("key < ?", end),
            ("substr(key, 1, length(?)) = ?", prefix or None),
        ):
            if value is not None:
                where.append(sql)
                params.extend([value] * sql.count("?"))
        query = f"SELECT key, value FROM {KV_TABLE}"
        if where:
            query += " WHERE " + " AND ".join(where)
        query += " ORDER BY key" + (" DESC" if reverse else "")
        if limit is not None:
            query += " LIMIT ?"
            params.append(int(limit))
        return self._own(query, params)

    def _delete_all(self) -> None:
        """The KV data and, as on SQLite-backed objects, every table of the user's (the
        alarm stays, as in workerd)."""
        if KV_TABLE in self._tables:
            self._own(f"DROP TABLE {KV_TABLE}")
            self._tables.discard(KV_TABLE)
        rows = self._own(
            "SELECT type, name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND type IN ('table', 'view')"
        )
        self._own("PRAGMA defer_foreign_keys = ON")
        for kind, name in rows:
            self._own(f'DROP {kind.upper()} IF EXISTS "{name.replace(chr(34), chr(34) * 2)}"')

    def _alarm(self) -> float | None:
        if META_TABLE not in self._tables:
            return None
        rows = self._own(f"SELECT value FROM {META_TABLE} WHERE key = ?", [ALARM_KEY])
        return float(rows[0][0]) if rows else None

    def _size(self) -> int:
        rows = self._own("SELECT page_count * page_size FROM pragma_page_count, pragma_page_size")
        return int(rows[0][0])

    # -- user SQL
    def _sql(self, query: str, binds: list[Any]) -> dict[str, Any]:
        assert self.conn is not None
        params = [_to_sqlite(v) for v in binds]
        statements = split_statements(query)
        if not statements:
            raise SqlFailure(NO_STATEMENT)
        changes = self.conn.total_changes
        columns: list[str] = []
        rows: list[list[Any]] = []
        read = 0
        for i, statement in enumerate(statements):
            last = i == len(statements) - 1
            self._auth_error = None
            try:
                cursor = self.conn.execute(statement, params if last else ())
                fetched = cursor.fetchall()
            except sqlite3.ProgrammingError as exc:
                if "bindings" not in str(exc):
                    raise SqlFailure(str(exc)) from None
                message = ONLY_LAST_HAS_PARAMS if params and not last else WRONG_BINDINGS
                raise SqlFailure(message) from None
            except sqlite3.Error as exc:
                raise SqlFailure(self._message(exc)) from None
            except OverflowError as exc:
                raise SqlFailure(str(exc)) from None
            read += len(fetched)
            if last:
                columns = [d[0] for d in cursor.description or ()]
                rows = [[_from_sqlite(v) for v in row] for row in fetched]
        written = self.conn.total_changes - changes
        return self._paged(rows, {"columns": columns, "read": read, "written": written})

    def _message(self, exc: sqlite3.Error) -> str:
        auth, self._auth_error = self._auth_error, None
        code = getattr(exc, "sqlite_errorcode", None)
        if code is None:
            return str(exc)
        if auth is not None and code & 0xFF == sqlite3.SQLITE_AUTH:
            return auth
        text = str(exc)
        offset = self._offset.get()
        if offset >= 0:
            text += f" at offset {offset}"
        name = _PRIMARY_CODES.get(code & 0xFF, f"SQLITE_UNKNOWN_ERROR_CODE({code & 0xFF})")
        return f"{text}: {name}"


def _weight(row: list[Any]) -> int:
    """About how many characters of JSON `row` takes (non-ASCII text may be escaped)."""
    total = 4
    for cell in row:
        if isinstance(cell, str):
            total += len(cell) + 2 if cell.isascii() else 6 * len(cell) + 2
        elif isinstance(cell, dict):
            total += len(cell.get("b", "")) + 12
        else:
            total += 24
    return total


def _to_sqlite(value: Any) -> Any:
    """storage.js's bind values: JSON scalars, {"b": base64} blobs, {"f": "±Infinity"}."""
    if isinstance(value, dict):
        if "b" in value:
            return base64.b64decode(value["b"])
        return math.inf if value.get("f") == "Infinity" else -math.inf
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return float(value)  # workerd binds every JS number as a double
    return value


def _from_sqlite(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"b": base64.b64encode(value).decode()}
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else {"f": "Infinity" if value > 0 else "-Infinity"}
    return value


# -- the databases open in this process -------------------------------------------------

_OPEN: OrderedDict[tuple[str, str, str], ObjectDatabase] = OrderedDict()
_OPEN_LOCK = threading.Lock()
_EXECUTOR = ThreadPoolExecutor(4, thread_name_prefix="do-storage")


def _folder(ns: str) -> str:
    """The folder of a namespace "<script>/<class>": "do/<script>.<class>"."""
    return f"{KIND}/" + _SAFE.sub("_", ns.replace("/", "."))


def open_object(state: StateDir, ns: str, object_id: str) -> ObjectDatabase:
    """The process's open database of one object (opened on first use)."""
    key = (str(state.root), ns, object_id)
    with _OPEN_LOCK:
        found = _OPEN.get(key)
        if found is not None and found.conn is not None:
            _OPEN.move_to_end(key)
            return found
        db = backend_for(state).sql(_folder(ns), object_id)
        found = _OPEN[key] = ObjectDatabase(db, state, ns, object_id)
        _close_idle()
        return found


def _close_idle() -> None:
    for key in list(_OPEN)[: max(0, len(_OPEN) - MAX_OPEN)]:
        db = _OPEN[key]
        if db.lock.acquire(blocking=False):
            busy = db.busy
            db.lock.release()
            if not busy:
                del _OPEN[key]
                db.close()


def stored_alarm(state: StateDir, ns: str, object_id: str) -> float | None:
    """The alarm an object's own database holds (the truth behind the index)."""
    return run_items(state, ns, object_id, [["getAlarm"]])[0][0]  # type: ignore[no-any-return]


def run_items(
    state: StateDir, ns: str, object_id: str, items: list[Any]
) -> tuple[list[Any], int, tuple[bool, float | None]]:
    """`ObjectDatabase.run`: `items`, committed, for the host's own use."""
    return _on_object(state, ns, object_id, lambda db: db.run(items))


def _on_object(state: StateDir, ns: str, object_id: str, use: Callable[[ObjectDatabase], _T]) -> _T:
    """`use(db)` on the object's open database (reopened if it was just closed)."""
    while True:
        try:
            return use(open_object(state, ns, object_id))
        except Closed:
            continue


# -- the alarm index ----------------------------------------------------------------------

_INDEX_LOCK = threading.Lock()
_INDEXES: dict[str, sqlite3.Connection] = {}


def _index(state: StateDir) -> sqlite3.Connection:
    with _INDEX_LOCK:
        conn = _INDEXES.get(str(state.root))
        if conn is None:
            conn = backend_for(state).sql(KIND, ALARMS).connect()
            conn.execute(
                "CREATE TABLE IF NOT EXISTS alarms "
                "(ns TEXT, id TEXT, when_ms REAL, PRIMARY KEY (ns, id)) WITHOUT ROWID"
            )
            _INDEXES[str(state.root)] = conn
        return conn


def _index_alarm(state: StateDir, ns: str, object_id: str, when_ms: float | None) -> None:
    conn = _index(state)
    with _INDEX_LOCK:
        if when_ms is None:
            conn.execute("DELETE FROM alarms WHERE ns = ? AND id = ?", (ns, object_id))
        else:
            conn.execute(
                "INSERT OR REPLACE INTO alarms (ns, id, when_ms) VALUES (?, ?, ?)",
                (ns, object_id, when_ms),
            )


def rename_namespace(state: StateDir, old_ns: str, new_ns: str) -> bool:
    """A `renamed_classes` migration: the objects of `old_ns` become `new_ns`'s (their
    folder moves, their alarms follow). Nothing happens when the new one already has
    objects or the old one has none. True when something moved."""
    old_dir, new_dir = state.root / _folder(old_ns), state.root / _folder(new_ns)
    if not old_dir.is_dir() or new_dir.exists():
        return False
    with _OPEN_LOCK:
        for key in [k for k in _OPEN if k[0] == str(state.root) and k[1] == old_ns]:
            _OPEN.pop(key).close()
    old_dir.rename(new_dir)
    conn = _index(state)
    with _INDEX_LOCK:
        conn.execute("UPDATE alarms SET ns = ? WHERE ns = ?", (new_ns, old_ns))
    return True


def pending_alarms(state: StateDir) -> list[tuple[str, str, float]]:
    """Every alarm set and not yet deleted: (ns, id, when_ms), soonest first. (A state
    directory that never had an object gets no index file.)"""
    index_file = state.root / KIND / f"{ALARMS}.sqlite3"
    if str(state.root) not in _INDEXES and state.persistent and not index_file.exists():
        return []
    conn = _index(state)
    with _INDEX_LOCK:
        rows = conn.execute("SELECT ns, id, when_ms FROM alarms ORDER BY when_ms").fetchall()
    return [(str(ns), str(i), float(w)) for ns, i, w in rows]


# -- the host ops ---------------------------------------------------------------------


def _target(args: Any, count: int) -> tuple[str, str, list[Any]]:
    if not (isinstance(args, list) and len(args) == count):
        raise HostError("TypeError", "do.storage: bad arguments")
    return str(args[0]), str(args[1]), args[2:]


def _failed(exc: sqlite3.Error) -> HostError:
    return HostError("Error", f"Durable Object storage failed: {exc}")


def storage_sync_ops(state: StateDir) -> dict[str, SyncOp]:
    """The synchronous ops of the objects whose storage lives in `state`."""

    def run(call: HostCall) -> Any:
        ns, object_id, (owner, items) = _target(call.args, 4)
        if not isinstance(items, list):
            raise HostError("TypeError", "do.storage.run: bad arguments")
        try:
            results, size, dirty = _on_object(
                state, ns, object_id, lambda db: db.execute(str(owner), items)
            )
        except sqlite3.Error as exc:
            raise _failed(exc) from None
        return [results, size, dirty]

    def more(call: HostCall) -> Any:
        ns, object_id, (page,) = _target(call.args, 3)
        return _on_object(state, ns, object_id, lambda db: db.more(int(page)))

    return {"do.storage.run": run, "do.storage.more": more}


def storage_ops(state: StateDir) -> dict[str, HostOp]:
    """The async op: the commit of what an object's calls left open (see the docstring)."""

    async def commit(call: HostCall) -> HostResult:
        ns, object_id, (owner,) = _target(call.args, 3)
        loop = asyncio.get_running_loop()
        try:
            changed, when = await loop.run_in_executor(
                _EXECUTOR, _on_object, state, ns, object_id, lambda db: db.commit(str(owner))
            )
        except sqlite3.Error as exc:
            raise _failed(exc) from None
        if changed:
            alarm_changed(state, ns, object_id, when)
        return None, None

    return {"do.storage.commit": commit}
