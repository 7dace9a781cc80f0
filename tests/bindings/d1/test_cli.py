"""`pyworkerd d1 …` as a user runs it: execute, migrations, export."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from pyworkerd.testing import run_cli
from tests.server.conftest import write_project


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    return write_project(
        tmp_path / "app",
        {"src/index.js": "export default { fetch() { return new Response('ok'); } };\n"},
        {
            "d1_databases": [
                {"binding": "DB", "database_name": "app-db", "database_id": "0000-app"},
                {
                    "binding": "LOGS",
                    "database_name": "logs-db",
                    "migrations_dir": "db/logs",
                    "migrations_table": "schema_history",
                },
            ]
        },
    )


def cli(project: Path, *args: str) -> tuple[int, str, str]:
    out = run_cli(["d1", *args], cwd=project)
    return out.returncode, out.stdout, out.stderr


def test_execute_prints_a_table_or_json(project: Path) -> None:
    code, out, err = cli(
        project,
        "execute",
        "DB",
        "--command",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO t (name) VALUES ('ada'), ('alan')",
    )
    assert code == 0, err
    code, out, err = cli(project, "execute", "app-db", "--command", "SELECT id, name FROM t")
    assert code == 0, err
    assert "│ id │ name │" in out and "│ 2  │ alan │" in out
    code, out, err = cli(
        project,
        "execute",
        "DB",
        "--command",
        "SELECT name FROM t ORDER BY id; SELECT 1 AS one",
        "--json",
    )
    assert code == 0, err
    results = json.loads(out)
    assert [r["results"] for r in results] == [[{"name": "ada"}, {"name": "alan"}], [{"one": 1}]]
    assert all(r["success"] is True and "duration" in r["meta"] for r in results)
    # the state is where `dev` keeps it: <config dir>/.pyworkerd/state/d1/<database_id>.sqlite3
    assert (project / ".pyworkerd" / "state" / "d1" / "0000-app.sqlite3").is_file()


def test_execute_a_file(project: Path, tmp_path: Path) -> None:
    sql = tmp_path / "seed.sql"
    sql.write_text(
        "CREATE TABLE s (a);\n-- a comment\nINSERT INTO s VALUES (1);\nINSERT INTO s VALUES (2);\n"
    )
    code, out, err = cli(project, "execute", "DB", "--file", str(sql))
    assert code == 0, err
    assert "3 commands executed successfully" in out
    code, out, _ = cli(
        project, "execute", "DB", "--command", "SELECT sum(a) AS total FROM s", "--json"
    )
    assert json.loads(out)[0]["results"] == [{"total": 2 + 1}]


def test_execute_errors(project: Path) -> None:
    code, out, err = cli(project, "execute", "DB", "--command", "SELECT * FROM nope")
    assert code == 1 and "no such table: nope: SQLITE_ERROR" in err
    code, out, err = cli(project, "execute", "DB", "--command", "SELECT * FROM nope", "--json")
    assert code == 1 and json.loads(out) == {"error": {"text": "no such table: nope: SQLITE_ERROR"}}
    code, out, err = cli(project, "execute", "NOPE", "--command", "SELECT 1")
    assert code == 2
    assert (
        "Couldn't find a D1 DB with the name or binding 'NOPE' in your wrangler.jsonc file." in err
    )
    code, _, err = cli(project, "execute", "DB", "--command", "SELECT 1", "--remote")
    assert code == 2 and "--remote" in err
    code, _, err = cli(project, "execute", "DB", "--file", "missing.sql")
    assert code == 2 and "missing.sql" in err


def test_migrations_create_list_apply(project: Path) -> None:
    code, out, err = cli(project, "migrations", "list", "DB")
    assert code == 2 and "No migrations present" in err
    code, out, err = cli(project, "migrations", "create", "DB", "create users")
    assert code == 0, err
    first = project / "migrations" / "0001_create_users.sql"
    assert first.is_file() and first.read_text().startswith("-- Migration number: 0001")
    first.write_text(
        first.read_text() + "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);\n"
    )
    code, out, err = cli(project, "migrations", "create", "DB", "add_age")
    second = project / "migrations" / "0002_add_age.sql"
    second.write_text("ALTER TABLE users ADD COLUMN age INTEGER;\n")

    code, out, err = cli(project, "migrations", "list", "DB")
    assert code == 0 and "0001_create_users.sql" in out and "0002_add_age.sql" in out
    code, out, err = cli(project, "migrations", "apply", "DB")
    assert code == 0, err
    assert out.count("✅") == 2
    code, out, err = cli(project, "migrations", "list", "DB")
    assert code == 0 and "No migrations to apply" in out
    code, out, err = cli(project, "migrations", "apply", "DB")
    assert code == 0 and "No migrations to apply" in out

    db = project / ".pyworkerd" / "state" / "d1" / "0000-app.sqlite3"
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT id, name, applied_at FROM d1_migrations ORDER BY id").fetchall()
        columns = [r[1] for r in conn.execute("PRAGMA table_info(users)")]
    assert [(r[0], r[1]) for r in rows] == [(1, "0001_create_users.sql"), (2, "0002_add_age.sql")]
    assert all(r[2] for r in rows)
    assert columns == ["id", "email", "age"]


def test_a_failing_migration_is_not_recorded_and_stops_the_rest(project: Path) -> None:
    folder = project / "db" / "logs"
    folder.mkdir(parents=True)
    (folder / "0001_ok.sql").write_text("CREATE TABLE logs (line TEXT);\n")
    (folder / "0002_bad.sql").write_text(
        "INSERT INTO logs VALUES ('half');\nINSERT INTO nope VALUES (1);\n"
    )
    (folder / "0003_later.sql").write_text("CREATE TABLE later (a);\n")
    code, out, err = cli(project, "migrations", "apply", "LOGS")
    assert code == 1
    assert "Migration 0002_bad.sql failed" in err and "no such table: nope" in err
    assert "❌" in out
    code, out, _ = cli(
        project,
        "execute",
        "LOGS",
        "--command",
        "SELECT name FROM schema_history; SELECT count(*) AS n FROM logs",
        "--json",
    )
    results = json.loads(out)
    assert results[0]["results"] == [{"name": "0001_ok.sql"}]
    assert results[1]["results"] == [{"n": 0}]  # 0002 left nothing behind
    code, out, _ = cli(project, "migrations", "list", "LOGS")
    assert "0002_bad.sql" in out and "0003_later.sql" in out


def test_migrations_reject_transactions_as_d1_does(project: Path) -> None:
    (project / "migrations").mkdir()
    (project / "migrations" / "0001_tx.sql").write_text(
        "BEGIN TRANSACTION;\nCREATE TABLE a (x);\nCOMMIT;\n"
    )
    code, _, err = cli(project, "migrations", "apply", "DB")
    assert code == 1 and "To execute a transaction, please use" in err


def test_export(project: Path, tmp_path: Path) -> None:
    cli(
        project,
        "execute",
        "DB",
        "--command",
        "CREATE TABLE a (id INTEGER PRIMARY KEY, t TEXT, b BLOB); CREATE INDEX a_t ON a (t); "
        "INSERT INTO a (t, b) VALUES ('it''s', X'00ff'), ('two\nlines', NULL); "
        "CREATE TABLE b (x);  INSERT INTO b VALUES (1.5)",
    )
    out_file = tmp_path / "dump.sql"
    code, _, err = cli(project, "export", "DB", "--output", str(out_file))
    assert code == 0, err
    dump = out_file.read_text()
    assert dump.startswith("PRAGMA defer_foreign_keys=TRUE;\n")
    assert "CREATE TABLE a (id INTEGER PRIMARY KEY, t TEXT, b BLOB);" in dump
    assert """INSERT INTO "a" ("id","t","b") VALUES(1,'it''s',X'00ff');""" in dump
    assert (
        """INSERT INTO "a" ("id","t","b") VALUES(2,replace('two\\nlines','\\n',char(10)),NULL);"""
        in dump
    )
    assert "CREATE INDEX a_t ON a (t);" in dump
    # the dump rebuilds the same database
    copy = sqlite3.connect(":memory:")
    copy.executescript(dump)
    assert copy.execute("SELECT t, b FROM a ORDER BY id").fetchall() == [
        ("it's", b"\x00\xff"),
        ("two\nlines", None),
    ]

    cli(project, "export", "DB", "--output", str(out_file), "--no-data")
    assert "INSERT" not in out_file.read_text() and "CREATE TABLE b" in out_file.read_text()
    cli(project, "export", "DB", "--output", str(out_file), "--no-schema")
    text = out_file.read_text()
    assert "CREATE" not in text and 'INSERT INTO "b" ("x") VALUES(1.5);' in text
    cli(project, "export", "DB", "--output", str(out_file), "--table", "b")
    text = out_file.read_text()
    assert "CREATE TABLE b (x);" in text and '"a"' not in text


def test_export_refuses_virtual_tables(project: Path, tmp_path: Path) -> None:
    cli(project, "execute", "DB", "--command", "CREATE VIRTUAL TABLE f USING fts5(body)")
    code, _, err = cli(project, "export", "DB", "--output", str(tmp_path / "x.sql"))
    assert code == 1 and "cannot export databases with Virtual Tables (fts5)" in err
