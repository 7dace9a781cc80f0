"""env.DB through a real worker behind the real server: every method, option and error."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from pyworkerd.testing import run_cli, running_server
from tests.bindings.d1.conftest import d1, make_d1_project

META_KEYS = {
    "served_by",
    "served_by_region",
    "served_by_primary",
    "timings",
    "duration",
    "changes",
    "last_row_id",
    "changed_db",
    "size_after",
    "rows_read",
    "rows_written",
    "total_attempts",
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_d1_project(tmp_path_factory.mktemp("d1-api"))


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("d1-api-state")


@pytest.fixture(scope="module")
def url(project: Path, state: Path) -> Iterator[str]:
    applied = run_cli(["d1", "migrations", "apply", "DB", "--persist-to", str(state)], cwd=project)
    assert applied.returncode == 0, applied.stderr
    with running_server(project, "--persist-to", str(state)) as server:
        yield server.url


@pytest.fixture()
def table(url: str) -> str:
    """A fresh table `t` (x INTEGER, y TEXT, b BLOB) for one test."""
    assert "error" not in (d1(url, op="run", sql="DROP TABLE IF EXISTS t") or {})
    d1(url, op="run", sql="CREATE TABLE t (x INTEGER, y TEXT, b BLOB)")
    return "t"


def error_of(result: object) -> str:
    assert isinstance(result, dict) and "error" in result, result
    return str(result["error"]["message"])


# -- statements -------------------------------------------------------------------------


def test_run_returns_a_d1_result_with_every_meta_field(url: str, table: str) -> None:
    out = d1(url, op="run", sql="INSERT INTO t (x, y) VALUES (?, ?)", params=[1, "one"])
    assert list(out) == ["success", "meta", "results"]
    assert out["success"] is True and out["results"] == []
    meta = out["meta"]
    assert set(meta) == META_KEYS
    assert meta["changes"] == 1 and meta["rows_written"] == 1 and meta["changed_db"] is True
    assert meta["last_row_id"] >= 1 and meta["size_after"] > 0
    assert meta["served_by_primary"] is True and meta["total_attempts"] == 1
    assert meta["timings"]["sql_duration_ms"] >= 0 and meta["duration"] >= 0


def test_all_returns_rows_as_objects(url: str, table: str) -> None:
    d1(url, op="run", sql="INSERT INTO t (x, y) VALUES (1, 'a'), (2, 'b')")
    out = d1(url, op="all", sql="SELECT x, y FROM t ORDER BY x")
    assert out["success"] is True
    assert out["results"] == [{"x": 1, "y": "a"}, {"x": 2, "y": "b"}]
    assert out["meta"]["changes"] == 0 and out["meta"]["changed_db"] is False
    assert out["meta"]["rows_read"] >= 2


def test_first_returns_a_row_a_value_or_null(url: str, table: str) -> None:
    d1(url, op="run", sql="INSERT INTO t (x, y) VALUES (7, 'seven')")
    assert d1(url, op="first", sql="SELECT x, y FROM t") == {"x": 7, "y": "seven"}
    assert d1(url, op="first", sql="SELECT x, y FROM t", column="y") == "seven"
    assert d1(url, op="first", sql="SELECT x FROM t WHERE x = 99") is None
    assert d1(url, op="first", sql="SELECT x FROM t WHERE x = 99", column="nope") is None
    missing = d1(url, op="first", sql="SELECT x FROM t", column="nope")
    assert missing["error"] == {
        "name": "Error",
        "message": "D1_COLUMN_NOTFOUND: Column not found (nope)",
        "cause": "Column not found",
    }


def test_raw_returns_arrays_with_optional_column_names(url: str, table: str) -> None:
    d1(url, op="run", sql="INSERT INTO t (x, y) VALUES (1, 'a'), (2, 'b')")
    sql = "SELECT x, y FROM t ORDER BY x"
    assert d1(url, op="raw", sql=sql) == [[1, "a"], [2, "b"]]
    assert d1(url, op="raw", sql=sql, options={"columnNames": True}) == [
        ["x", "y"],
        [1, "a"],
        [2, "b"],
    ]
    # columnNames with no rows still gives the header, as workerd's rows-and-columns path does
    assert d1(url, op="raw", sql="SELECT x FROM t WHERE 0", options={"columnNames": True}) == [
        ["x"]
    ]


def test_prepared_statement_shape(url: str) -> None:
    out = d1(url, op="shape", sql="SELECT ?, ?")
    assert out == {
        "statement": "SELECT ?, ?",
        "params": [1, "two"],
        "keys": ["statement", "params"],
        "methods": True,
        "dbMethods": True,
    }


# -- binding values ---------------------------------------------------------------------


def test_bind_converts_js_values_as_d1_does(url: str, table: str) -> None:
    sql = "SELECT ? AS v, typeof(?1) AS t"
    cases = [
        (None, None, "null"),
        (42, 42, "real"),  # workerd binds every JS number as a double
        (1.5, 1.5, "real"),
        ("text", "text", "text"),
        (True, 1, "real"),
        (False, 0, "real"),
        ({"$buf": [1, 2, 3]}, [1, 2, 3], "blob"),
        ({"$u8": [0, 255]}, [0, 255], "blob"),
        ({"$i16": [1]}, [1, 0], "blob"),  # a view binds as its bytes
        ([9, 8, 7], [9, 8, 7], "blob"),  # an array of bytes is a BLOB too
    ]
    for value, expected, kind in cases:
        row = d1(url, op="first", sql=sql, params=[value])
        assert row == {"v": expected, "t": kind}, value


def test_integers_read_back_as_numbers_and_blobs_as_arrays(url: str, table: str) -> None:
    d1(
        url,
        op="run",
        sql="INSERT INTO t (x, y, b) VALUES (?, ?, ?)",
        params=[3, "three", {"$buf": [0, 1, 254, 255]}],
    )
    assert d1(url, op="first", sql="SELECT x, b, typeof(x) AS tx FROM t") == {
        "x": 3,
        "b": [0, 1, 254, 255],
        "tx": "integer",
    }
    assert (
        d1(url, op="first", sql="SELECT 9007199254740993 AS big", column="big") == 9007199254740992
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"$undef": 1}, "D1_TYPE_ERROR: Type 'undefined' not supported for value 'undefined'"),
        ({"$bigint": "5"}, "D1_TYPE_ERROR: Type 'bigint' not supported for value '5'"),
        (
            {"$obj": {"a": 1}},
            "D1_TYPE_ERROR: Type 'object' not supported for value '[object Object]'",
        ),
        ([1, 300], "D1_TYPE_ERROR: Type 'object' not supported for value '1,300'"),
    ],
)
def test_bind_rejects_what_d1_rejects(url: str, value: object, message: str) -> None:
    out = d1(url, op="all", sql="SELECT ?", params=[value])
    assert out["error"]["message"] == message
    assert out["error"]["cause"] == message.removeprefix("D1_TYPE_ERROR: ")


def test_numbered_placeholders(url: str) -> None:
    row = d1(url, op="first", sql="SELECT ?2 AS b, ?1 AS a, ?2 || ?1 AS both", params=["x", "y"])
    assert row == {"b": "y", "a": "x", "both": "yx"}


def test_wrong_number_of_bindings(url: str) -> None:
    out = d1(url, op="all", sql="SELECT ?, ?", params=[1])
    assert error_of(out) == "D1_ERROR: Wrong number of parameter bindings for SQL query."


# -- errors -----------------------------------------------------------------------------


def test_sql_errors_read_like_d1(url: str) -> None:
    out = d1(url, op="all", sql="SELECT * FROM x")
    assert out["error"] == {
        "name": "Error",
        "message": "D1_ERROR: no such table: x: SQLITE_ERROR",
        "cause": "no such table: x: SQLITE_ERROR",
    }
    assert error_of(d1(url, op="all", sql="SELEC 1")) == (
        'D1_ERROR: near "SELEC": syntax error at offset 0: SQLITE_ERROR'
    )
    assert error_of(d1(url, op="run", sql="")) == "D1_ERROR: No SQL statements detected."


def test_constraints_and_foreign_keys_are_enforced(url: str) -> None:
    d1(url, op="run", sql="DELETE FROM posts")
    d1(url, op="run", sql="DELETE FROM users")
    d1(url, op="run", sql="INSERT INTO users (id, email) VALUES (1, 'a@example.com')")
    dup = d1(url, op="run", sql="INSERT INTO users (email) VALUES ('a@example.com')")
    assert error_of(dup) == "D1_ERROR: UNIQUE constraint failed: users.email: SQLITE_CONSTRAINT"
    orphan = d1(url, op="run", sql="INSERT INTO posts (user_id, body) VALUES (42, 'x')")
    assert error_of(orphan) == "D1_ERROR: FOREIGN KEY constraint failed: SQLITE_CONSTRAINT"
    assert d1(url, op="first", sql="PRAGMA foreign_keys", column="foreign_keys") == 1
    # PRAGMA defer_foreign_keys lets a batch fix things up before it commits
    fixed = d1(
        url,
        op="batch",
        statements=[
            {"sql": "PRAGMA defer_foreign_keys = on"},
            {"sql": "INSERT INTO posts (user_id, body) VALUES (2, 'early')"},
            {"sql": "INSERT INTO users (id, email) VALUES (2, 'b@example.com')"},
        ],
    )
    assert isinstance(fixed, list) and len(fixed) == 3


@pytest.mark.parametrize(
    "sql",
    ["BEGIN", "BEGIN TRANSACTION", "COMMIT", "ROLLBACK", "SAVEPOINT sp", "RELEASE sp"],
)
def test_transactions_in_sql_are_rejected(url: str, sql: str) -> None:
    assert error_of(d1(url, op="run", sql=sql)) == (
        "D1_ERROR: To execute a transaction, please use the state.storage.transaction() or "
        "state.storage.transactionSync() APIs instead of the SQL BEGIN TRANSACTION or SAVEPOINT "
        "statements. The JavaScript API is safer because it will automatically roll back on "
        "exceptions, and because it interacts correctly with Durable Objects' automatic atomic "
        "write coalescing."
    )


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("ATTACH DATABASE 'other.db' AS other", "D1_ERROR: not authorized: SQLITE_AUTH"),
        ("CREATE TEMP TABLE tmp (a)", "D1_ERROR: not authorized: SQLITE_AUTH"),
        ("CREATE TABLE _cf_secret (a)", "D1_ERROR: not authorized: SQLITE_AUTH"),
        ("PRAGMA journal_mode = DELETE", "D1_ERROR: not authorized: SQLITE_AUTH"),
        (
            "SELECT sqlite_version()",
            "D1_ERROR: not authorized to use function: sqlite_version at offset 7: SQLITE_ERROR",
        ),
    ],
)
def test_what_d1_does_not_allow(url: str, sql: str, message: str) -> None:
    assert error_of(d1(url, op="run", sql=sql)) == message


def test_fts5_and_json_functions_work(url: str) -> None:
    d1(url, op="run", sql="DROP TABLE IF EXISTS docs")
    created = d1(url, op="run", sql="CREATE VIRTUAL TABLE docs USING fts5(title, body)")
    assert created["success"] is True
    d1(
        url,
        op="batch",
        statements=[
            {"sql": "INSERT INTO docs VALUES (?, ?)", "params": ["D1", "sqlite at the edge"]},
            {"sql": "INSERT INTO docs VALUES (?, ?)", "params": ["KV", "key value store"]},
        ],
    )
    hits = d1(
        url,
        op="all",
        sql="SELECT title FROM docs WHERE docs MATCH ? ORDER BY rank",
        params=["sqlite"],
    )
    assert hits["results"] == [{"title": "D1"}]
    row = d1(
        url,
        op="first",
        sql="SELECT json_extract(?1, '$.a[1]') AS second, ?1 ->> '$.b' AS b, json_array(1, 'x') AS arr",
        params=['{"a": [10, 20], "b": "bee"}'],
    )
    assert row == {"second": 20, "b": "bee", "arr": '[1,"x"]'}


def test_limits(url: str) -> None:
    many = ", ".join("?" for _ in range(101))
    too_many = d1(url, op="all", sql=f"SELECT {many}", params=[1] * 101)
    assert error_of(too_many).startswith("D1_ERROR: too many SQL variables")
    assert d1(url, op="first", sql="SELECT " + ", ".join("?" for _ in range(100)), params=[1] * 100)
    long_sql = "SELECT 1 -- " + "x" * 100_000
    assert error_of(d1(url, op="all", sql=long_sql)) == (
        "D1_ERROR: string or blob too big: SQLITE_TOOBIG"
    )


def test_several_statements_in_one_query_return_the_last_ones_rows(url: str, table: str) -> None:
    out = d1(
        url,
        op="all",
        sql="INSERT INTO t (x) VALUES (1); INSERT INTO t (x) VALUES (2); SELECT count(*) AS n FROM t",
    )
    assert out["results"] == [{"n": 2}]
    assert out["meta"]["changes"] == 2
    only_last = d1(url, op="all", sql="SELECT ?; SELECT ?", params=[1])
    assert error_of(only_last) == (
        "D1_ERROR: When executing multiple SQL statements in a single call, only the last "
        "statement can have parameters."
    )


# -- batch, exec, dump, sessions --------------------------------------------------------


def test_batch_runs_in_order_and_returns_one_result_each(url: str, table: str) -> None:
    out = d1(
        url,
        op="batch",
        statements=[
            {"sql": "INSERT INTO t (x, y) VALUES (?, ?)", "params": [1, "a"]},
            {"sql": "INSERT INTO t (x, y) VALUES (?, ?)", "params": [2, "b"]},
            {"sql": "SELECT x, y FROM t ORDER BY x"},
        ],
    )
    assert [r["success"] for r in out] == [True, True, True]
    assert out[0]["meta"]["changes"] == 1
    assert out[2]["results"] == [{"x": 1, "y": "a"}, {"x": 2, "y": "b"}]


def test_batch_is_one_transaction_rolled_back_on_failure(url: str, table: str) -> None:
    out = d1(
        url,
        op="batch",
        statements=[
            {"sql": "INSERT INTO t (x) VALUES (1)"},
            {"sql": "INSERT INTO missing (x) VALUES (2)"},
        ],
    )
    assert error_of(out) == "D1_ERROR: no such table: missing: SQLITE_ERROR"
    assert d1(url, op="first", sql="SELECT count(*) AS n FROM t", column="n") == 0
    assert error_of(d1(url, op="batch", statements=[])) == "D1_ERROR: No SQL statements detected."


def test_exec_runs_one_statement_per_line(url: str, table: str) -> None:
    out = d1(
        url,
        op="exec",
        sql="INSERT INTO t (x) VALUES (1)\n\nINSERT INTO t (x) VALUES (2); INSERT INTO t (x) VALUES (3)\nSELECT * FROM t\n",
    )
    assert out["count"] == 3 and out["duration"] >= 0
    assert d1(url, op="first", sql="SELECT count(*) AS n FROM t", column="n") == 3


def test_exec_errors_name_the_line_and_keep_nothing(url: str, table: str) -> None:
    out = d1(url, op="exec", sql="INSERT INTO t (x) VALUES (1)\nINSERT INTO nope (x) VALUES (2)")
    assert out["error"]["message"] == (
        "D1_EXEC_ERROR: Error in line 2: INSERT INTO nope (x) VALUES (2): "
        "no such table: nope: SQLITE_ERROR"
    )
    assert out["error"]["cause"] == out["error"]["message"].removeprefix("D1_EXEC_ERROR: ")
    assert d1(url, op="first", sql="SELECT count(*) AS n FROM t", column="n") == 0
    assert error_of(d1(url, op="exec", sql="")) == (
        "D1_EXEC_ERROR: Error in line 1: : No SQL statements detected."
    )


def test_dump_throws_as_local_d1_does(url: str) -> None:
    out = d1(url, op="dump")
    assert out["error"]["message"] == "D1_DUMP_ERROR: Status + 404"


def test_with_session_has_prepare_batch_and_bookmarks(url: str) -> None:
    for constraint in (None, "first-primary", "first-unconstrained", "  "):
        out = d1(url, op="session", sql="SELECT 1 AS x", constraint=constraint)
        assert out["before"] is None
        assert isinstance(out["after"], str) and out["after"]
        assert out["later"] >= out["after"]
        assert out["results"] == [{"x": 1}] and out["batch"] == [{"one": 1}]
    given = d1(url, op="session", sql="SELECT 2 AS x", constraint="0000000000000000000a")
    assert given["before"] == "0000000000000000000a"


def test_databases_are_separate(url: str) -> None:
    d1(url, binding="OTHER", op="run", sql="CREATE TABLE IF NOT EXISTS only_here (a)")
    assert "error" in d1(url, op="all", sql="SELECT * FROM only_here")
    assert d1(url, binding="OTHER", op="all", sql="SELECT * FROM only_here")["results"] == []


def test_state_lives_in_one_sqlite_file_per_database(url: str, state: Path) -> None:
    files = sorted(p.name for p in (state / "d1").glob("*.sqlite3"))
    assert files == ["other-db.sqlite3", "test-db-id.sqlite3"]


def test_the_cli_reads_what_the_worker_wrote(url: str, project: Path, state: Path) -> None:
    d1(url, op="run", sql="CREATE TABLE IF NOT EXISTS notes (body TEXT)")
    d1(url, op="run", sql="INSERT INTO notes (body) VALUES (?)", params=["from the worker"])
    out = run_cli(
        [
            "d1",
            "execute",
            "DB",
            "--command",
            "SELECT body FROM notes",
            "--json",
            "--persist-to",
            str(state),
        ],
        cwd=project,
    )
    assert out.returncode == 0, out.stderr
    results = json.loads(out.stdout)
    assert results[0]["success"] is True
    assert results[0]["results"] == [{"body": "from the worker"}]
    # and the worker sees what the CLI wrote, while the server runs
    wrote = run_cli(
        [
            "d1",
            "execute",
            "test-db",
            "--command",
            "INSERT INTO notes (body) VALUES ('from the cli')",
            "--persist-to",
            str(state),
        ],
        cwd=project,
    )
    assert wrote.returncode == 0, wrote.stderr
    rows = d1(url, op="all", sql="SELECT body FROM notes ORDER BY rowid")["results"]
    assert rows == [{"body": "from the worker"}, {"body": "from the cli"}]


def test_use_outside_a_request_fails(tmp_path: Path) -> None:
    from tests.server.conftest import request, write_project

    worker = """import { env } from "cloudflare:workers";
let early = "nothing";
env.DB.prepare("SELECT 1 AS one").first().then(
  () => { early = "ran"; }, (e) => { early = e.message; });
export default { async fetch(req, env) {
  return Response.json({ early, now: await env.DB.prepare("SELECT 1 AS one").first() });
} };
"""
    project = write_project(
        tmp_path / "p",
        {"src/index.js": worker},
        {"d1_databases": [{"binding": "DB", "database_name": "x"}]},
    )
    with running_server(project, "--persist-to", str(tmp_path / "s")) as server:
        out = request(server.url, "/").json()
    assert out["now"] == {"one": 1}
    assert out["early"].startswith("Some functionality, such as asynchronous I/O")
