"""The gateway on a real SQLite file: splitting, timeouts, concurrency between processes."""

from __future__ import annotations

import asyncio
from pathlib import Path

from pyworkerd.bindings.d1.gateway import TIMEOUT_MESSAGE, D1Database, split_statements
from pyworkerd.storage.sql import SqliteFileDatabase


def test_split_statements_keeps_triggers_strings_and_comments_whole() -> None:
    sql = (
        "CREATE TABLE t (a TEXT); -- one\n"
        "INSERT INTO t VALUES ('a;b'), (\"c;d\");\n"
        "/* a ; comment */\n"
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET a = 'x;'; DELETE FROM t; END;\n"
        "SELECT 1 -- no semicolon at the end"
    )
    assert split_statements(sql) == [
        "CREATE TABLE t (a TEXT);",
        "-- one\nINSERT INTO t VALUES ('a;b'), (\"c;d\");",
        "/* a ; comment */\n"
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET a = 'x;'; DELETE FROM t; END;",
        "SELECT 1 -- no semicolon at the end",
    ]
    assert split_statements("  -- nothing\n/* at all */ ; ") == []


def test_a_runaway_query_is_stopped(tmp_path: Path) -> None:
    db = D1Database(SqliteFileDatabase(tmp_path / "db.sqlite3"), timeout=0.3)
    try:
        forever = (
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
        )
        assert db.run_sync([{"sql": forever, "params": []}]) == {
            "success": False,
            "error": TIMEOUT_MESSAGE,
        }
        # the database is usable afterwards
        ok = db.run_sync([{"sql": "SELECT 1 AS one", "params": []}])
        assert ok[0]["results"] == {"columns": ["one"], "rows": [[1]]}
    finally:
        db.close()


def test_two_connections_to_one_file_see_each_others_writes(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    first, second = D1Database(SqliteFileDatabase(path)), D1Database(SqliteFileDatabase(path))

    async def scenario() -> None:
        await first.run([{"sql": "CREATE TABLE n (v)", "params": []}])
        await asyncio.gather(
            *(first.run([{"sql": "INSERT INTO n VALUES (?)", "params": [i]}]) for i in range(20)),
            *(second.run([{"sql": "INSERT INTO n VALUES (?)", "params": [i]}]) for i in range(20)),
        )
        counted = await second.run([{"sql": "SELECT count(*) FROM n", "params": []}])
        assert counted[0]["results"]["rows"] == [[40]]

    try:
        asyncio.run(scenario())
    finally:
        first.close()
        second.close()
