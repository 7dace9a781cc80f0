"""ctx.storage.sql in a real isolate over the object's real SQLite file.

Results and messages as Miniflare 4.20260426 (workerd) gave them for the same statements;
the one deviation is that a cursor's rows arrive asynchronously (see storage.js): the
cursor is awaited before its synchronous API is used.
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
        const created = await sql.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, b BLOB)");
        r.created = [created.columnNames, created.toArray()];
        const inserted = await sql.exec("INSERT INTO t (name, b) VALUES (?, ?), (?, ?)",
          "x", new Uint8Array([1, 2]), "y", null);
        r.inserted = [inserted.rowsWritten, inserted.toArray()];
        const c = await sql.exec("SELECT * FROM t");
        const rows = c.toArray();
        r.select = [c.columnNames, rows.map((row) => ({ ...row,
          b: row.b === null ? null : row.b.constructor.name + [...new Uint8Array(row.b)] })),
          c.rowsRead, c.rowsWritten];
        r.again = c.toArray();
        r.raw = [...(await sql.exec("SELECT id, name FROM t")).raw()];
        r.rawDirect = await sql.exec("SELECT id FROM t").raw().toArray();
        r.one = await sql.exec("SELECT name FROM t WHERE id = 1").one();
        const n = await sql.exec("SELECT id FROM t");
        r.next = [n.next(), n.next(), n.next()];
        r.iter = [];
        for (const row of await sql.exec("SELECT id FROM t")) r.iter.push(row.id);
        r.asyncIter = [];
        for await (const row of sql.exec("SELECT id FROM t")) r.asyncIter.push(row.id);
        r.mixed = await (async () => { const m = await sql.exec("SELECT id FROM t");
          return [m.next().value, m.raw().toArray()]; })();
        r.toArrayDirect = await sql.exec("SELECT count(*) AS n FROM t").toArray();
        r.two = await sql.exec("SELECT 1 AS a; SELECT 2 AS b").toArray();
        r.dup = await sql.exec("SELECT 1 AS a, 2 AS a").toArray();
        r.dupRaw = await sql.exec("SELECT 1 AS a, 2 AS a").raw().toArray();
        r.bool = await sql.exec("SELECT ? AS v", true).one();
        r.nan = await sql.exec("SELECT ? AS v", NaN).one();
        r.big = await sql.exec("SELECT 9007199254740993 AS v").one();
        r.buffer = (await sql.exec("SELECT ? AS v", new Uint8Array([1, 2, 3]).buffer).one()).v.byteLength;
        r.size = sql.databaseSize > 0;
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
            f"await storage.put('k', 1); return await storage.sql.exec({statement}).toArray();",
        )
    assert (caught.value.name, caught.value.message) == ("Error", message)


def test_one_wants_exactly_one_row(state: StateDir) -> None:
    out = run_storage_js(
        state,
        """
        const r = [];
        for (const q of ["SELECT 1 WHERE 0", "SELECT 1 UNION ALL SELECT 2"]) {
          try { await storage.sql.exec(q).one(); } catch (e) { r.push(e.message); }
        }
        try { storage.sql.exec("SELECT ?", 5n); } catch (e) { r.push(e.name + ": " + e.message); }
        try { storage.sql.exec("SELECT 1").toArray().length; } catch (e) { r.push("unreachable"); }
        try { storage.sql.exec("SELECT 1").next(); } catch (e) { r.push(e.message.slice(0, 45)); }
        return r;
        """,
    )
    assert out == [
        "Expected exactly one result from SQL query, but got no results.",
        "Expected exactly one result from SQL query, but got multiple results.",
        "TypeError: Cannot convert a BigInt value to a number",
        "This SQL cursor's rows have not arrived yet: ",
    ]


def test_transaction_sync_groups_statements(state: StateDir) -> None:
    out = run_storage_js(
        state,
        """
        const sql = storage.sql, r = {};
        sql.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)");
        try {
          storage.transactionSync(() => {
            sql.exec("INSERT INTO t (name) VALUES ('thrown')");
            throw new Error("no");
          });
        } catch (e) { r.thrown = e.message; }
        r.value = storage.transactionSync(() => { sql.exec("INSERT INTO t (name) VALUES ('a')"); return 7; });
        // A statement failing in SQLite undoes the whole group (on the platform it would
        // have thrown out of the closure).
        const failed = [];
        storage.transactionSync(() => {
          failed.push(sql.exec("INSERT INTO t (name) VALUES ('b')"));
          failed.push(sql.exec("INSERT INTO t (name) VALUES ('a')"));
        });
        r.failed = await Promise.allSettled(failed.map((c) => c.toArray()))
          .then((s) => s.map((x) => x.status + ":" + (x.reason ? x.reason.message : "")));
        r.names = (await sql.exec("SELECT name FROM t ORDER BY id").toArray()).map((x) => x.name);
        await storage.put("kv", 1);
        r.tables = (await sql.exec("PRAGMA table_list").toArray()).map((x) => x.name).sort();
        return r;
        """,
    )
    assert out["thrown"] == "no"
    assert out["value"] == 7
    assert out["failed"] == [
        "rejected:UNIQUE constraint failed: t.name: SQLITE_CONSTRAINT",
        "rejected:UNIQUE constraint failed: t.name: SQLITE_CONSTRAINT",
    ]
    assert out["names"] == ["a"]
    assert out["tables"] == ["_cf_KV", "sqlite_schema", "sqlite_temp_schema", "t"]


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
        const tables = (await storage.sql.exec("PRAGMA table_list").toArray()).map((x) => x.name);
        return [tables.sort(), (await storage.getAlarm()) > Date.now(), (await storage.list()).size];
        """,
    )
    assert out == [["_cf_METADATA", "sqlite_schema", "sqlite_temp_schema"], True, 0]


def test_unobserved_sql_failure_is_reported(state: StateDir) -> None:
    logs: list[str] = []
    run_storage_js(state, 'storage.sql.exec("SELEC 1"); await storage.sync(); return 0;', logs=logs)
    assert any('near "SELEC": syntax error' in line for line in logs), logs
