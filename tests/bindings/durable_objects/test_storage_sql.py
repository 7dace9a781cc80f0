"""ctx.storage.sql in a real isolate over the object's real SQLite file.

Results and messages as Miniflare 4.20260426 and workerd 1.20261117 gave them for the same
statements: `exec` runs at once and throws at once, as on the platform.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from pyworkerd.storage import StateDir

from .storage_harness import ID, StorageJSError, run_storage_js


@pytest.fixture
def state(tmp_path: Path) -> StateDir:
    return StateDir(tmp_path / "state")


def test_exec_cursor_api(state: StateDir) -> None:
    out = run_storage_js(
        state,
        """
        const sql = storage.sql, r = {};
        const created = sql.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, b BLOB)");
        r.created = [created.columnNames, created.toArray()];
        const inserted = sql.exec("INSERT INTO t (name, b) VALUES (?, ?), (?, ?)",
          "x", new Uint8Array([1, 2]), "y", null);
        r.inserted = [inserted.rowsWritten, inserted.toArray()];
        const c = sql.exec("SELECT * FROM t");
        const rows = c.toArray();
        r.select = [c.columnNames, rows.map((row) => ({ ...row,
          b: row.b === null ? null : row.b.constructor.name + [...new Uint8Array(row.b)] })),
          c.rowsRead, c.rowsWritten];
        r.again = c.toArray();
        r.raw = [...sql.exec("SELECT id, name FROM t").raw()];
        r.rawDirect = sql.exec("SELECT id FROM t").raw().toArray();
        r.one = sql.exec("SELECT name FROM t WHERE id = 1").one();
        const n = sql.exec("SELECT id FROM t");
        r.next = [n.next(), n.next(), n.next()];
        r.iter = [];
        for (const row of sql.exec("SELECT id FROM t")) r.iter.push(row.id);
        // Awaiting a cursor gives the cursor (it is no thenable), as on the platform.
        r.asyncIter = [];
        for await (const row of await sql.exec("SELECT id FROM t")) r.asyncIter.push(row.id);
        r.mixed = (() => { const m = sql.exec("SELECT id FROM t");
          return [m.next().value, m.raw().toArray()]; })();
        r.toArrayDirect = sql.exec("SELECT count(*) AS n FROM t").toArray();
        r.two = sql.exec("SELECT 1 AS a; SELECT 2 AS b").toArray();
        r.dup = sql.exec("SELECT 1 AS a, 2 AS a").toArray();
        r.dupRaw = sql.exec("SELECT 1 AS a, 2 AS a").raw().toArray();
        r.bool = sql.exec("SELECT ? AS v", true).one();
        r.nan = sql.exec("SELECT ? AS v", NaN).one();
        r.big = sql.exec("SELECT 9007199254740993 AS v").one();
        r.buffer = sql.exec("SELECT ? AS v", new Uint8Array([1, 2, 3]).buffer).one().v.byteLength;
        r.size = sql.databaseSize > 0;
        r.types = [String(sql), String(c), typeof c.then,
          Object.getOwnPropertyNames(Object.getPrototypeOf(c)).sort().join()];
        return r;
        """,
    )
    assert out["created"] == [[], []]
    assert out["inserted"] == [2, []]
    assert out["select"] == [
        ["id", "name", "b"],
        [{"id": 1, "name": "x", "b": "ArrayBuffer1,2"}, {"id": 2, "name": "y", "b": None}],
        2,
        0,
    ]
    assert out["again"] == []
    assert out["raw"] == [[1, "x"], [2, "y"]]
    assert out["rawDirect"] == [[1], [2]]
    assert out["one"] == {"name": "x"}
    assert out["next"] == [
        {"done": False, "value": {"id": 1}},
        {"done": False, "value": {"id": 2}},
        {"done": True, "value": {"$undefined": True}},
    ]
    assert out["iter"] == out["asyncIter"] == [1, 2]
    assert out["mixed"] == [{"id": 1}, [[2]]]
    assert out["toArrayDirect"] == [{"n": 2}]
    assert out["two"] == [{"b": 2}]
    assert out["dup"] == [{"a": 2}]
    assert out["dupRaw"] == [[1, 2]]
    assert out["bool"] == {"v": "true"}
    assert out["nan"] == {"v": None}
    assert out["big"] == {"v": 9007199254740992}
    assert out["buffer"] == 3
    assert out["size"] is True
    assert out["types"] == [
        "[object SqlStorage]",
        "[object SqlStorageCursor]",
        "undefined",
        "columnNames,constructor,next,one,raw,rowsRead,rowsWritten,toArray",
    ]


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ('"SELEC 1"', 'near "SELEC": syntax error at offset 0: SQLITE_ERROR'),
        ('"SELECT ?", 1, 2', "Wrong number of parameter bindings for SQL query."),
        (
            '"SELECT ?; SELECT 1", 1',
            "When executing multiple SQL statements in a single call, only the last statement "
            "can have parameters.",
        ),
        ('""', "SQL code did not contain a statement."),
        ('"SELECT * FROM _cf_KV"', "access to _cf_KV.key is prohibited: SQLITE_AUTH"),
        ('"CREATE TABLE _cf_x (a)"', "not authorized: SQLITE_AUTH"),
        ("\"ATTACH 'x' AS y\"", "not authorized: SQLITE_AUTH"),
        (
            '"BEGIN TRANSACTION"',
            "To execute a transaction, please use the state.storage.transaction() or "
            "state.storage.transactionSync() APIs instead of the SQL BEGIN TRANSACTION or "
            "SAVEPOINT statements. The JavaScript API is safer because it will automatically "
            "roll back on exceptions, and because it interacts correctly with Durable Objects' "
            "automatic atomic write coalescing.",
        ),
    ],
)
def test_sql_errors_as_workerd(state: StateDir, statement: str, message: str) -> None:
    with pytest.raises(StorageJSError) as caught:
        run_storage_js(
            state,
            f"await storage.put('k', 1); return storage.sql.exec({statement}).toArray();",
        )
    assert (caught.value.name, caught.value.message) == ("Error", message)


def test_one_wants_exactly_one_row(state: StateDir) -> None:
    out = run_storage_js(
        state,
        """
        const r = [];
        for (const q of ["SELECT 1 WHERE 0", "SELECT 1 UNION ALL SELECT 2"]) {
          try { storage.sql.exec(q).one(); } catch (e) { r.push(e.message); }
        }
        try { storage.sql.exec("SELECT ?", 5n); } catch (e) { r.push(e.name + ": " + e.message); }
        return r;
        """,
    )
    assert out == [
        "Expected exactly one result from SQL query, but got no results.",
        "Expected exactly one result from SQL query, but got multiple results.",
        "TypeError: Cannot convert a BigInt value to a number",
    ]


def test_transaction_sync_is_a_real_synchronous_transaction(state: StateDir) -> None:
    # As workerd 1.20261117 answered the same code.
    out = run_storage_js(
        state,
        """
        const sql = storage.sql, r = {};
        sql.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)");
        try {
          storage.transactionSync(() => {
            sql.exec("INSERT INTO t (name) VALUES ('thrown')");
            storage.kv.put("thrown", 1);
            r.inside = sql.exec("SELECT count(*) AS n FROM t").one().n;
            throw new Error("no");
          });
        } catch (e) { r.thrown = e.message; }
        r.undone = [sql.exec("SELECT count(*) AS n FROM t").one().n, storage.kv.get("thrown")];
        r.value = storage.transactionSync(() => { sql.exec("INSERT INTO t (name) VALUES ('a')"); return 7; });
        // A failing statement throws out of the closure, which undoes the whole of it.
        try {
          storage.transactionSync(() => {
            sql.exec("INSERT INTO t (name) VALUES ('b')");
            sql.exec("INSERT INTO t (name) VALUES ('a')");
          });
        } catch (e) { r.failed = e.message; }
        // Nested: an inner one that throws is undone alone.
        r.nested = storage.transactionSync(() => {
          try {
            storage.transactionSync(() => { sql.exec("INSERT INTO t (name) VALUES ('inner')"); throw 1; });
          } catch {}
          sql.exec("INSERT INTO t (name) VALUES ('outer')");
          return sql.exec("SELECT name FROM t ORDER BY id").toArray().map((x) => x.name);
        });
        // An async put made inside runs inside (it runs before the savepoint ends) ...
        storage.transactionSync(() => { storage.put("async", 1); });
        // ... and one made inside a closure that throws is dropped with it.
        let dropped;
        try { storage.transactionSync(() => { dropped = storage.put("dropped", 1); throw new Error("x"); }); } catch {}
        r.dropped = await dropped.then(() => "kept", (e) => e.message);
        r.kv = [...storage.kv.list()].map(([k]) => k);
        r.async = String(storage.transactionSync(async () => 5));
        try { storage.transactionSync(5); } catch (e) { r.notFunction = e.message; }
        return r;
        """,
    )
    assert out["inside"] == 1
    assert out["thrown"] == "no"
    assert out["undone"] == [0, {"$undefined": True}]
    assert out["value"] == 7
    assert out["failed"] == "UNIQUE constraint failed: t.name: SQLITE_CONSTRAINT"
    assert out["nested"] == ["a", "outer"]
    assert out["dropped"] == "x"
    assert out["kv"] == ["async"]
    assert out["async"] == "[object Promise]"
    assert out["notFunction"] == (
        "Failed to execute 'transactionSync' on 'DurableObjectStorage': "
        "parameter 1 is not of type 'function'."
    )


def test_sql_and_kv_share_one_durable_database(state: StateDir) -> None:
    run_storage_js(
        state,
        """
        storage.sql.exec("CREATE TABLE IF NOT EXISTS hits (n INTEGER)");
        storage.sql.exec("INSERT INTO hits VALUES (1)");
        storage.put("count", 1);
        return 0;
        """,
    )
    path = state.root / "do" / "worker.Counter" / f"{ID}.sqlite3"
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute("SELECT n FROM hits").fetchall() == [(1,)]
        assert conn.execute("SELECT key FROM _cf_KV").fetchall() == [("count",)]
    finally:
        conn.close()
    # deleteAll() empties the object's database, its tables too, and keeps the alarm
    # (Miniflare: tables ["_cf_METADATA", "sqlite_schema", "sqlite_temp_schema"]).
    out = run_storage_js(
        state,
        """
        await storage.setAlarm(Date.now() + 100000);
        await storage.deleteAll();
        const tables = storage.sql.exec("PRAGMA table_list").toArray().map((x) => x.name);
        return [tables.sort(), (await storage.getAlarm()) > Date.now(), (await storage.list()).size];
        """,
    )
    assert out == [["_cf_METADATA", "sqlite_schema", "sqlite_temp_schema"], True, 0]


def test_a_failing_statement_throws_at_once_and_undoes_only_itself(state: StateDir) -> None:
    out = run_storage_js(
        state,
        """
        const sql = storage.sql;
        sql.exec("CREATE TABLE t (x UNIQUE)");
        storage.put("before", 1);  // queued: runs first, and stays
        let thrown = null;
        try { sql.exec("INSERT INTO t VALUES (1), (2), (1)"); } catch (e) { thrown = e.message; }
        sql.exec("INSERT INTO t VALUES (3)");
        return [thrown, sql.exec("SELECT x FROM t").raw().toArray(), await storage.get("before")];
        """,
    )
    assert out == ["UNIQUE constraint failed: t.x: SQLITE_CONSTRAINT", [[3]], 1]
