"""D1 semantics over one SQLite file: queries, batches, limits and D1's error wording.

The rules follow workerd's SQLite storage, which D1 (and Miniflare's local D1) runs on:
- every call runs in one transaction, rolled back if any statement fails (`batch`);
- a query may hold several statements; all run, the last one's rows are returned, and
  only the last one may have parameters;
- an authorizer allows what workerd allows: no `BEGIN`/`COMMIT`/`SAVEPOINT` (use
  `batch`), no `ATTACH`, no temporary tables, no tables named `_cf_…`, only the listed
  functions and pragmas, FTS5 as the one virtual-table module;
- SQLite's limits are lowered to D1's (100 bound parameters, 100 KB of SQL, 100 columns …);
- an error reads like workerd's: SQLite's message, " at offset N" when SQLite knows the
  position, then ": SQLITE_<CODE>".

The gateway knows nothing of HTTP or V8: it takes JSON-able queries and returns
JSON-able results. All SQLite work for one database happens on one thread.
"""

from __future__ import annotations

import ctypes
import math
import re
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

from pyworkerd.storage import ConnectionThread, SqlDatabase

__all__ = [
    "MAX_BOUND_PARAMETERS",
    "MAX_SQL_LENGTH",
    "D1Database",
    "D1Failure",
    "dump_sql",
    "split_statements",
]

# D1's limits (https://developers.cloudflare.com/d1/platform/limits/), as workerd sets them.
MAX_BOUND_PARAMETERS = 100
MAX_SQL_LENGTH = 100_000
MAX_COLUMNS = 100
MAX_VALUE_LENGTH = 2_200_000  # a 2 MB row/string/BLOB, with workerd's padding
QUERY_TIMEOUT_S = 30.0  # D1 stops a query after 30 s
SERVED_BY = "miniflare.db"  # what local D1 (Miniflare) reports
SERVED_BY_REGION = "local"

_LIMITS = (
    (sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_LENGTH),
    (sqlite3.SQLITE_LIMIT_SQL_LENGTH, MAX_SQL_LENGTH),
    (sqlite3.SQLITE_LIMIT_COLUMN, MAX_COLUMNS),
    (sqlite3.SQLITE_LIMIT_EXPR_DEPTH, 100),
    (sqlite3.SQLITE_LIMIT_COMPOUND_SELECT, 5),
    (sqlite3.SQLITE_LIMIT_VDBE_OP, 25_000),
    (sqlite3.SQLITE_LIMIT_FUNCTION_ARG, 127),
    (sqlite3.SQLITE_LIMIT_ATTACHED, 0),
    (sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 50),
    (sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, MAX_BOUND_PARAMETERS),
    (sqlite3.SQLITE_LIMIT_TRIGGER_DEPTH, 10),
    (sqlite3.SQLITE_LIMIT_WORKER_THREADS, 0),
)

TRANSACTION_MESSAGE = (
    "To execute a transaction, please use the state.storage.transaction() or "
    "state.storage.transactionSync() APIs instead of the SQL BEGIN TRANSACTION or SAVEPOINT "
    "statements. The JavaScript API is safer because it will automatically roll back on "
    "exceptions, and because it interacts correctly with Durable Objects' automatic atomic "
    "write coalescing."
)
NO_STATEMENTS = "No SQL statements detected."
TIMEOUT_MESSAGE = "D1 DB storage operation exceeded timeout which caused object to be reset."
WRONG_BINDINGS = "Wrong number of parameter bindings for SQL query."
ONLY_LAST_HAS_PARAMS = (
    "When executing multiple SQL statements in a single call, only the last statement "
    "can have parameters."
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# workerd's allowlists (src/workerd/util/sqlite.c++).
_ALLOWED_FUNCTIONS = _words(
    """abs changes char coalesce concat concat_ws format glob hex ifnull iif instr
    last_insert_rowid length like likelihood likely load_extension lower ltrim max_scalar
    min_scalar nullif octet_length printf quote random randomblob replace round rtrim sign
    soundex substr substring total_changes trim typeof unhex unicode unlikely upper zeroblob
    date time datetime julianday unixepoch strftime timediff current_date current_time
    current_timestamp avg count group_concat max min string_agg sum total row_number rank
    dense_rank percent_rank cume_dist ntile lag lead first_value last_value nth_value acos
    acosh asin asinh atan atan2 atanh ceil ceiling cos cosh degrees exp floor ln log log10
    log2 mod pi pow power radians sin sinh sqrt tan tanh trunc json json_array
    json_array_length json_extract -> ->> json_insert json_object json_patch json_remove
    json_replace json_set json_type json_valid json_quote json_group_array json_group_object
    json_each json_tree match highlight bm25 snippet sqlite_rename_column sqlite_rename_table
    sqlite_rename_test sqlite_drop_column sqlite_rename_quotefix"""
)
_BOOLEAN_PRAGMAS = _words(
    """case_sensitive_like foreign_keys defer_foreign_keys ignore_check_constraints
    legacy_alter_table recursive_triggers reverse_unordered_selects"""
)
_BOOLEAN_WORDS = ("true", "false", "yes", "no", "on", "off", "1", "0")
_PRIMARY_CODES = {
    getattr(sqlite3, name): name
    for name in _words(
        "SQLITE_ERROR SQLITE_INTERNAL SQLITE_PERM SQLITE_ABORT SQLITE_BUSY SQLITE_LOCKED "
        "SQLITE_NOMEM SQLITE_READONLY SQLITE_INTERRUPT SQLITE_IOERR SQLITE_CORRUPT "
        "SQLITE_NOTFOUND SQLITE_FULL SQLITE_CANTOPEN SQLITE_PROTOCOL SQLITE_EMPTY SQLITE_SCHEMA "
        "SQLITE_TOOBIG SQLITE_CONSTRAINT SQLITE_MISMATCH SQLITE_MISUSE SQLITE_NOLFS SQLITE_AUTH "
        "SQLITE_FORMAT SQLITE_RANGE SQLITE_NOTADB SQLITE_NOTICE SQLITE_WARNING"
    )
}
_SQLITE_RECURSIVE = 33
_SQLITE_COPY = 0


class D1Failure(Exception):
    """A query failed; `message` is what follows "D1_ERROR: "."""

    def __init__(self, message: str, index: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.index = index


# -- splitting ----------------------------------------------------------------------------


def _skip_quoted(sql: str, i: int, close: str) -> int:
    n = len(sql)
    while i < n:
        if sql[i] == close:
            if close != "]" and i + 1 < n and sql[i + 1] == close:
                i += 2
                continue
            return i + 1
        i += 1
    return n


def _semicolons(sql: str) -> Iterator[int]:
    """The index of each `;` outside strings, quoted names and comments."""
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c in "'\"`":
            i = _skip_quoted(sql, i + 1, c)
        elif c == "[":
            i = _skip_quoted(sql, i + 1, "]")
        elif c == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end + 1
        elif c == "/" and sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif c == ";":
            yield i
            i += 1
        else:
            i += 1


def _strip_comments(sql: str) -> str:
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c in "'\"`[":
            j = _skip_quoted(sql, i + 1, "]" if c == "[" else c)
            out.append(sql[i:j])
            i = j
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end + 1
            out.append(" ")
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            i = n if end < 0 else end + 2
            out.append(" ")
        else:
            out.append(c)
            i += 1
    return "".join(out)


def is_blank(sql: str) -> bool:
    """True if `sql` holds nothing but whitespace, comments and semicolons."""
    return not _strip_comments(sql).replace(";", "").strip()


def split_statements(sql: str) -> list[str]:
    """`sql` cut into statements (a `CREATE TRIGGER … BEGIN …; END;` stays whole); pieces
    holding only comments or whitespace are dropped. Each piece keeps its `;`."""
    pieces: list[str] = []
    start = 0
    for index in _semicolons(sql):
        candidate = sql[start : index + 1]
        if sqlite3.complete_statement(candidate):
            pieces.append(candidate)
            start = index + 1
    pieces.append(sql[start:])
    return [p.lstrip(" \t\n\r\v\f") for p in pieces if not is_blank(p)]


# -- values -------------------------------------------------------------------------------


def _to_sqlite(value: Any) -> Any:
    # workerd binds every JS number as a double (SqlStorage's BindingValue).
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, list) and all(isinstance(b, int) and 0 <= b < 256 for b in value):
        return bytes(value)
    raise D1Failure(f"Type '{type(value).__name__}' not supported for value '{value}'")


def _from_sqlite(value: Any) -> Any:
    if isinstance(value, bytes):
        return list(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON.stringify turns Infinity and NaN into null on the way out
    return value


# -- error messages ----------------------------------------------------------------------


class _ErrorOffset:
    """`sqlite3_error_offset()` of a Python connection, when it can be reached safely.

    Python's sqlite3 does not expose it; CPython's connection object starts with its
    `sqlite3 *db` right after the object header. The pointer is checked against
    `sqlite3_db_filename()` before it is trusted; failing that, offsets are left out.
    """

    def __init__(self, conn: sqlite3.Connection, db_filename: str) -> None:
        self._db: int | None = None
        self._fn: Any = None
        try:
            import _sqlite3

            lib = ctypes.CDLL(_sqlite3.__file__)
            offset = lib.sqlite3_error_offset
            offset.restype = ctypes.c_int
            offset.argtypes = [ctypes.c_void_p]
            filename = lib.sqlite3_db_filename
            filename.restype = ctypes.c_char_p
            filename.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
            header = ctypes.sizeof(ctypes.c_ssize_t) + ctypes.sizeof(ctypes.c_void_p)
            db = ctypes.c_void_p.from_address(id(conn) + header).value
            if db and db_filename and filename(db, b"main") == db_filename.encode():
                self._db, self._fn = db, offset
        except (OSError, AttributeError, ImportError, ValueError):
            pass

    def get(self) -> int:
        if self._db is None:
            return -1
        return int(self._fn(self._db))


# -- the database -------------------------------------------------------------------------


class D1Database:
    """One D1 database: a SQLite database (storage's `SqlDatabase`: a file by default), a
    connection and the one thread that uses it."""

    def __init__(
        self, db: SqlDatabase, name: str = "", *, timeout: float = QUERY_TIMEOUT_S
    ) -> None:
        self.db = db
        self.timeout = timeout
        self._deadline = math.inf
        self.name = name or db.name
        self._thread = ConnectionThread(f"d1-{self.name}", self._open)
        self._trusted = False
        self._auth_error: str | None = None
        self._offset: _ErrorOffset | None = None
        self._bookmark = 0
        self._lock = threading.Lock()

    # -- lifecycle
    def _open(self) -> sqlite3.Connection:
        # No statement cache: the authorizer runs when a statement is prepared, and a
        # cached "BEGIN" prepared for the gateway must never serve a worker's "BEGIN".
        conn = self.db.connect(cached_statements=0)
        conn.execute("PRAGMA foreign_keys=ON")
        for category, limit in _LIMITS:
            conn.setlimit(category, limit)
        conn.set_authorizer(self._authorize)
        conn.set_progress_handler(self._progress, 10_000)
        self._offset = _ErrorOffset(conn, self.db.filename)
        return conn

    def close(self) -> None:
        self._thread.close()

    def _progress(self) -> int:
        """Non-zero interrupts the running statement: past its deadline."""
        return 1 if time.monotonic() > self._deadline else 0

    # -- authorizer (workerd's isAuthorized)
    def _authorize(
        self, action: int, arg1: str | None, arg2: str | None, db: str | None, _trigger: str | None
    ) -> int:
        ok, deny = sqlite3.SQLITE_OK, sqlite3.SQLITE_DENY
        if action in (sqlite3.SQLITE_ALTER_TABLE, sqlite3.SQLITE_DETACH):
            arg1, arg2, db = arg2, db, arg1
        if db == "temp":
            if action in (sqlite3.SQLITE_READ, sqlite3.SQLITE_UPDATE):
                return ok if _allowed_name(arg1) else deny
            return deny
        if db is not None and db != "main":
            return deny
        if action in (sqlite3.SQLITE_TRANSACTION, sqlite3.SQLITE_SAVEPOINT):
            if self._trusted:
                return ok
            self._auth_error = TRANSACTION_MESSAGE
            return deny
        if self._trusted:
            return ok
        return ok if _authorized(action, arg1, arg2) else deny

    # -- running
    async def run(self, queries: Sequence[dict[str, Any]], *, lines: bool = False) -> Any:
        """Run `queries` ([{sql, params}]) in one transaction on the database's thread."""
        return await self._thread.run(self.run_sync, list(queries), lines)

    def run_sync(self, queries: list[dict[str, Any]], lines: bool = False) -> Any:
        """Results for each query ({success, results: {columns, rows}, meta, bookmark});
        or, when one fails, {success: false, error} and nothing is kept; with `lines`
        (exec) the failure also names the index of the failing query as `line`."""
        with self._lock:
            return self._run_locked(queries, lines)

    def _run_locked(self, queries: list[dict[str, Any]], lines: bool) -> Any:
        conn = self._thread.connection()
        # Queries holding only comments or whitespace are dropped (Miniflare does too).
        kept = [(i, q) for i, q in enumerate(queries) if not is_blank(str(q.get("sql") or ""))]
        if not kept:
            return {"success": False, "error": NO_STATEMENTS, "line": 0}
        results: list[dict[str, Any]] = []
        self._internal("BEGIN IMMEDIATE")
        try:
            for index, query in kept:
                try:
                    results.append(self._query(conn, query))
                except D1Failure as exc:
                    exc.index = index
                    raise
            self._internal("COMMIT")
        except D1Failure as exc:
            self._rollback()
            failure: dict[str, Any] = {"success": False, "error": exc.message}
            if lines:
                failure["line"] = exc.index
            return failure
        except BaseException:
            self._rollback()
            raise
        self._bookmark = max(self._bookmark + 1, time.time_ns())
        for result in results:
            result["bookmark"] = f"{self._bookmark:020x}"
        return results

    def _internal(self, sql: str) -> None:
        conn = self._thread.connection()
        self._deadline = math.inf
        self._trusted = True
        try:
            conn.execute(sql)
        except sqlite3.Error as exc:
            raise D1Failure(self._message(exc)) from None
        finally:
            self._trusted = False

    def _rollback(self) -> None:
        conn = self._thread.connection()
        self._deadline = math.inf
        if conn.in_transaction:
            self._trusted = True
            try:
                conn.execute("ROLLBACK")
            finally:
                self._trusted = False

    def _message(self, exc: sqlite3.Error) -> str:
        auth, self._auth_error = self._auth_error, None
        code = getattr(exc, "sqlite_errorcode", None)
        if auth is not None and code is not None and code & 0xFF == sqlite3.SQLITE_AUTH:
            return auth
        if isinstance(exc, sqlite3.ProgrammingError) and "bindings" in str(exc):
            return WRONG_BINDINGS
        if code is not None and code & 0xFF == sqlite3.SQLITE_INTERRUPT:
            return TIMEOUT_MESSAGE
        if code is None:
            return str(exc)
        text = str(exc)
        offset = self._offset.get() if self._offset is not None else -1
        if offset >= 0:
            text += f" at offset {offset}"
        name = _PRIMARY_CODES.get(code & 0xFF, f"SQLITE_UNKNOWN_ERROR_CODE({code & 0xFF})")
        return f"{text}: {name}"

    def _query(self, conn: sqlite3.Connection, query: dict[str, Any]) -> dict[str, Any]:
        sql = str(query.get("sql") or "")
        raw_params = query.get("params") or []
        if not isinstance(raw_params, list):
            raise D1Failure(WRONG_BINDINGS)
        params = [_to_sqlite(p) for p in raw_params]
        started = time.perf_counter()
        self._deadline = time.monotonic() + self.timeout
        before_size = self._size(conn)
        before_changes = conn.total_changes
        before_last = self._last_row_id(conn)
        if len(sql.encode()) > MAX_SQL_LENGTH:
            raise D1Failure("string or blob too big: SQLITE_TOOBIG")
        statements = split_statements(sql)
        if not statements:
            raise D1Failure("SQL code did not contain a statement.")
        columns: list[str] = []
        rows: list[list[Any]] = []
        for i, statement in enumerate(statements):
            last = i == len(statements) - 1
            self._auth_error = None
            try:
                cursor = conn.execute(statement, params if last else ())
                fetched = cursor.fetchall()
            except sqlite3.ProgrammingError as exc:
                if "bindings" in str(exc) and not last:
                    raise D1Failure(ONLY_LAST_HAS_PARAMS) from None
                raise D1Failure(self._message(exc)) from None
            except sqlite3.Error as exc:
                raise D1Failure(self._message(exc)) from None
            except OverflowError as exc:
                raise D1Failure(str(exc)) from None
            if last:
                columns = [d[0] for d in cursor.description or ()]
                rows = [[_from_sqlite(v) for v in row] for row in fetched]
        self._deadline = math.inf
        duration = (time.perf_counter() - started) * 1000
        after_size = self._size(conn)
        changes = conn.total_changes - before_changes
        last_row_id = self._last_row_id(conn)
        changed = changes != 0 or last_row_id != before_last or after_size != before_size
        meta = {
            "served_by": SERVED_BY,
            "served_by_region": SERVED_BY_REGION,
            "served_by_primary": True,
            "timings": {"sql_duration_ms": duration},
            "duration": duration,
            "changes": changes,
            "last_row_id": last_row_id,
            "changed_db": changed,
            "size_after": after_size,
            # Python's sqlite3 cannot read SQLite's per-statement row counters: these are
            # the rows returned and the rows changed.
            "rows_read": len(rows),
            "rows_written": changes,
            "total_attempts": 1,
        }
        return {"success": True, "results": {"columns": columns, "rows": rows}, "meta": meta}

    def _size(self, conn: sqlite3.Connection) -> int:
        self._trusted = True
        try:
            row = conn.execute(
                "SELECT (SELECT page_count FROM pragma_page_count) - "
                "(SELECT freelist_count FROM pragma_freelist_count), "
                "(SELECT page_size FROM pragma_page_size)"
            ).fetchone()
        finally:
            self._trusted = False
        return int(row[0]) * int(row[1])

    def _last_row_id(self, conn: sqlite3.Connection) -> int:
        self._trusted = True
        try:
            return int(conn.execute("SELECT last_insert_rowid()").fetchone()[0])
        finally:
            self._trusted = False

    # -- tools for the CLI (trusted: our own SQL)
    def trusted(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            conn = self._thread.connection()
            self._trusted = True
            try:
                return conn.execute(sql, tuple(params)).fetchall()
            finally:
                self._trusted = False

    def export(
        self, *, no_schema: bool = False, no_data: bool = False, tables: Sequence[str] = ()
    ) -> list[str]:
        with self._lock:
            conn = self._thread.connection()
            self._trusted = True
            try:
                return list(dump_sql(conn, no_schema=no_schema, no_data=no_data, tables=tables))
            finally:
                self._trusted = False


def _allowed_name(name: str | None) -> bool:
    return name is None or not name.startswith("_cf_")


def _authorized(action: int, arg1: str | None, arg2: str | None) -> bool:
    s = sqlite3
    if action == s.SQLITE_SELECT or action == _SQLITE_RECURSIVE or action == s.SQLITE_ANALYZE:
        return True
    if action in (
        s.SQLITE_CREATE_TABLE,
        s.SQLITE_DELETE,
        s.SQLITE_DROP_TABLE,
        s.SQLITE_INSERT,
        s.SQLITE_CREATE_VIEW,
        s.SQLITE_DROP_VIEW,
        s.SQLITE_REINDEX,
        s.SQLITE_ALTER_TABLE,
        s.SQLITE_READ,
        s.SQLITE_UPDATE,
    ):
        return _allowed_name(arg1)
    if action in (
        s.SQLITE_CREATE_INDEX,
        s.SQLITE_DROP_INDEX,
        s.SQLITE_CREATE_TRIGGER,
        s.SQLITE_DROP_TRIGGER,
    ):
        return _allowed_name(arg1) and _allowed_name(arg2)
    if action == s.SQLITE_PRAGMA:
        return _pragma_allowed((arg1 or "").lower(), arg2)
    if action == s.SQLITE_FUNCTION:
        return (arg2 or "").lower() in _ALLOWED_FUNCTIONS
    if action in (s.SQLITE_CREATE_VTABLE, s.SQLITE_DROP_VTABLE):
        return (arg2 or "").lower() in ("fts5", "fts5vocab")
    return False


def _pragma_allowed(pragma: str, arg: str | None) -> bool:
    if pragma == "table_list":
        return True
    if pragma in ("table_info", "table_xinfo"):
        return arg is not None and _allowed_name(arg)
    if pragma == "data_version":
        return arg is None
    if pragma in _BOOLEAN_PRAGMAS:
        if arg is None:
            return True
        value = arg
        if len(value) >= 2 and value[0] in "'\"" and value[-1] == value[0]:
            value = value[1:-1]
        return value.lower().startswith(_BOOLEAN_WORDS)
    if pragma in ("foreign_key_list", "index_info", "index_list", "index_xinfo"):
        return arg is not None and _allowed_name(arg)
    if pragma == "foreign_key_check":
        return _allowed_name(arg)
    if pragma == "optimize":
        return arg is None or re.fullmatch(r"-?\d+", arg) is not None
    if pragma == "quick_check":
        return arg is None or arg.isdigit() or _allowed_name(arg)
    return False


# -- export (SQLite shell's .dump, as D1's export writes it) ------------------------------


def _quote_id(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _quote_text(value: str) -> str:
    if "\n" not in value and "\r" not in value:
        return "'" + value.replace("'", "''") + "'"

    def unused(primary: str, secondary: str) -> str:
        if primary not in value:
            return primary
        if secondary not in value:
            return secondary
        n = 0
        while f"({primary}{n})" in value:
            n += 1
        return f"({primary}{n})"

    nl, cr = unused("\\n", "\\012"), unused("\\r", "\\015")
    out = "'" + value.replace("'", "''").replace("\n", nl).replace("\r", cr) + "'"
    if "\r" in value:
        out = f"replace({out},'{cr}',char(13))"
    if "\n" in value:
        out = f"replace({out},'{nl}',char(10))"
    return out


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bytes):
        return "X'" + value.hex() + "'"
    if isinstance(value, str):
        return _quote_text(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ("1e999" if value > 0 else "-1e999")
    return str(value)


def dump_sql(
    conn: sqlite3.Connection,
    *,
    no_schema: bool = False,
    no_data: bool = False,
    tables: Sequence[str] = (),
) -> Iterator[str]:
    """The statements that rebuild the database (or the chosen tables)."""
    yield "PRAGMA defer_foreign_keys=TRUE;"
    wanted = set(tables)
    rows = conn.execute(
        "SELECT name, type, sql FROM sqlite_schema WHERE type=='table' AND sql NOT NULL "
        "ORDER BY tbl_name='sqlite_sequence', rowid"
    ).fetchall()
    for name, _type, sql in rows:
        if wanted and name not in wanted:
            continue
        if name == "sqlite_sequence":
            if not no_schema:
                yield "DELETE FROM sqlite_sequence;"
        elif re.match(r"sqlite_stat.", name):
            if not no_schema:
                yield "ANALYZE sqlite_schema;"
        elif sql.startswith("CREATE VIRTUAL TABLE"):
            raise D1Failure("D1 Export error: cannot export databases with Virtual Tables (fts5)")
        elif name.startswith(("_cf_", "sqlite_")):
            continue
        elif not no_schema:
            if re.match(r"CREATE TABLE ['\"]", sql):
                yield f"CREATE TABLE IF NOT EXISTS {sql[13:]};"
            else:
                yield f"{sql};"
        if no_data:
            continue
        columns = [r[1] for r in conn.execute(f"PRAGMA table_info={_quote_id(name)}")]
        names = ",".join(_quote_id(c) for c in columns)
        select = ", ".join(_quote_id(c) for c in columns)
        for row in conn.execute(f"SELECT {select} FROM {_quote_id(name)}"):
            cells = ",".join(_literal(v) for v in row)
            yield f"INSERT INTO {_quote_id(name)} ({names}) VALUES({cells});"
    if not no_schema:
        rest = conn.execute(
            "SELECT name, sql FROM sqlite_schema WHERE sql NOT NULL "
            "AND type IN ('index', 'trigger', 'view') ORDER BY type COLLATE NOCASE"
        ).fetchall()
        for name, sql in rest:
            if wanted and name not in wanted:
                continue
            yield f"{sql};"
