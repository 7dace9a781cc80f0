"""D1: `env.DB` as a SQLite database under the project's state directory.

One SQLite database per D1 database, `backend_for(state).sql("d1", <database_id |
database_name | binding>)`: by default the file `<state>/d1/<that name>.sqlite3` (WAL,
synchronous=FULL), shared with `pyworkerd d1 …` and with other processes.
Host op (the facade in facade.js calls it; the gateway does the work):

- `d1.query` {binding, queries: [{sql, params}], lines?: bool} → a list of results
  ({success, results: {columns, rows}, meta, bookmark}) or {success: false, error}
"""

from __future__ import annotations

from typing import Any

from pyworkerd.bindings import SharedPerProcess
from pyworkerd.bindings.d1.gateway import D1Database, D1Failure
from pyworkerd.config import WorkerConfig
from pyworkerd.config.model import D1Database as D1Config
from pyworkerd.engine.hostops import HostCall, HostError, HostOp, HostResult
from pyworkerd.storage import SqlDatabase, StateDir, backend_for

__all__ = ["D1Database", "D1Failure", "build", "database_for", "database_id"]

TYPE = "d1"

_OPEN: SharedPerProcess[SqlDatabase, D1Database] = SharedPerProcess(close=D1Database.close)


def database_id(db: D1Config) -> str:
    """The name of a database's file: its id, else its name, else its binding."""
    return db.database_id or db.database_name or db.binding


def database_for(db: D1Config, state: StateDir) -> D1Database:
    """The process's one `D1Database` for this database (kept across reloads)."""
    sql = backend_for(state).sql("d1", database_id(db))
    return _OPEN.get(sql, lambda: D1Database(sql, database_id(db)))


def build(
    config: WorkerConfig, state: StateDir
) -> tuple[dict[str, dict[str, Any]], dict[str, HostOp]]:
    if not config.d1_databases:
        return {}, {}
    databases = {db.binding: database_for(db, state) for db in config.d1_databases}
    descriptors = {db.binding: {"type": TYPE, "id": database_id(db)} for db in config.d1_databases}

    async def query(call: HostCall) -> HostResult:
        args = call.args if isinstance(call.args, dict) else {}
        database = databases.get(str(args.get("binding")))
        if database is None:
            raise HostError("Error", "D1_ERROR: no such database")
        queries = args.get("queries")
        if not isinstance(queries, list) or not all(isinstance(q, dict) for q in queries):
            raise HostError("TypeError", "D1_ERROR: queries must be a list of {sql, params}")
        try:
            result = await database.run(queries, lines=bool(args.get("lines")))
        except D1Failure as exc:
            result = {"success": False, "error": exc.message}
        return result, None

    return descriptors, {"d1.query": query}
