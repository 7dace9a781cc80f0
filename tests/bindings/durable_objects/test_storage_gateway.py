"""storage.py without JS: the synchronous run op and the async commit over real SQLite
files, reopened and read back."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from pyworkerd.bindings.durable_objects import storage
from pyworkerd.bindings.durable_objects.storage import (
    pending_alarms,
    storage_ops,
    storage_sync_ops,
    stored_alarm,
)
from pyworkerd.engine.hostops import HostCall, HostError
from pyworkerd.storage import StateDir

NS = "app/Room"


def run(state: StateDir, object_id: str, items: list[Any], owner: str = "me") -> Any:
    """One synchronous call: [results, size, dirty]."""
    op = storage_sync_ops(state)["do.storage.run"]
    return op(HostCall("do.storage.run", [NS, object_id, owner, items], None, "app", 0))


def commit(state: StateDir, object_id: str, owner: str = "me") -> None:
    op = storage_ops(state)["do.storage.commit"]

    async def go() -> None:
        value, data = await op(
            HostCall("do.storage.commit", [NS, object_id, owner], None, "app", 0)
        )
        assert value is None and data is None

    asyncio.run(go())


def batch(state: StateDir, object_id: str, items: list[Any]) -> Any:
    """A call and its commit: [results, size]."""
    results, size, dirty = run(state, object_id, items)
    if dirty:
        commit(state, object_id)
    return [results, size]


def stored(state: StateDir, object_id: str, query: str) -> list[Any]:
    """What another connection (another process) sees: only what was committed."""
    with contextlib.closing(
        sqlite3.connect(state.root / "do" / "app.Room" / f"{object_id}.sqlite3")
    ) as conn:
        return conn.execute(query).fetchall()


def oid(n: int) -> str:
    return f"{n:064x}"


@pytest.fixture
def state(tmp_path: Path) -> StateDir:
    return StateDir(tmp_path / "state")


def test_a_batch_runs_in_order_and_answers_each_item(state: StateDir) -> None:
    results, size = batch(
        state,
        oid(1),
        [
            ["get", ["a"]],
            ["put", [["a", '"one"'], ["b", "2"]]],
            ["get", ["b", "a", "zz"]],
            ["delete", ["a", "nope"]],
            ["list", None, None, None, None, False, None],
            ["sql", "CREATE TABLE t (x)", []],
            ["sql", "INSERT INTO t VALUES (?), (?)", [1, {"b": "AQI="}]],
            ["sql", "SELECT x FROM t", []],
            ["sql", "SELEC", []],
        ],
    )
    assert results[:5] == [[], None, [["a", '"one"'], ["b", "2"]], 1, [["b", "2"]]]
    assert results[6]["written"] == 2
    assert results[7]["rows"] == [[1.0], [{"b": "AQI="}]]
    assert results[8] == {"error": 'near "SELEC": syntax error at offset 0: SQLITE_ERROR'}
    assert size > 0
    path = state.root / "do" / "app.Room" / f"{oid(1)}.sqlite3"
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT key, value FROM _cf_KV").fetchall() == [("b", "2")]
        assert conn.execute("SELECT count(*) FROM t").fetchone() == (2,)


def test_writes_wait_in_the_open_transaction_until_the_commit(state: StateDir) -> None:
    # A read alone commits at once (nothing to wait for) ...
    assert run(state, oid(2), [["get", ["a"]]])[2] is False
    # ... a write stays in the object's transaction: seen by the object, not on disk.
    results, _size, dirty = run(state, oid(2), [["put", [["a", "1"]]], ["get", ["a"]]])
    assert (results[1], dirty) == ([["a", "1"]], True)
    assert stored(state, oid(2), "SELECT name FROM sqlite_schema WHERE name = '_cf_KV'") == []
    assert run(state, oid(2), [["sql", "CREATE TABLE t (x)", []]])[2] is True
    commit(state, oid(2))
    assert stored(state, oid(2), "SELECT key, value FROM _cf_KV") == [("a", "1")]
    assert stored(state, oid(2), "SELECT count(*) FROM t") == [(0,)]
    # A statement that only reads leaves nothing to commit.
    assert run(state, oid(2), [["sql", "SELECT * FROM t", []]])[2] is False


def test_a_failed_call_keeps_nothing_of_the_open_transaction(state: StateDir) -> None:
    run(state, oid(3), [["put", [["a", "1"]]]])
    with pytest.raises(HostError):
        run(state, oid(3), [["put", [["b", "2"]]], ["setAlarm", 5.0], ["bogus"]])
    assert run(state, oid(3), [["get", ["a", "b"]], ["getAlarm"]])[0] == [[], None]
    commit(state, oid(3))
    assert pending_alarms(state) == []


def test_a_dead_owners_open_transaction_is_rolled_back(state: StateDir) -> None:
    run(state, oid(4), [["put", [["a", "old"]]]], owner="gone")
    # Another instance of the object: what the first left uncommitted never happened,
    # and the first one's late commit does not commit the second one's writes.
    assert run(state, oid(4), [["get", ["a"]]], owner="new")[0] == [[]]
    run(state, oid(4), [["put", [["b", "new"]]]], owner="new")
    commit(state, oid(4), owner="gone")
    assert stored(state, oid(4), "SELECT name FROM sqlite_schema") == []
    commit(state, oid(4), owner="new")
    assert stored(state, oid(4), "SELECT key FROM _cf_KV") == [("b",)]


def test_savepoints_and_a_commit_waiting_for_them(state: StateDir) -> None:
    run(state, oid(5), [["sql", "CREATE TABLE t (x UNIQUE)", []], ["begin"]])
    results = run(state, oid(5), [["sql", "INSERT INTO t VALUES (1)", []], ["begin"]])[0]
    assert results[0]["written"] == 1
    run(state, oid(5), [["put", [["k", "1"]]], ["sql", "INSERT INTO t VALUES (2)", []]])
    # The commit of earlier writes arrives while transactionSync runs: it waits for it.
    done = threading.Event()
    waiter = threading.Thread(target=lambda: (commit(state, oid(5)), done.set()))
    waiter.start()
    assert not done.wait(0.3)
    results = run(state, oid(5), [["rollback"], ["sql", "INSERT INTO t VALUES (1)", []]])[0]
    assert results[1] == {"error": "UNIQUE constraint failed: t.x: SQLITE_CONSTRAINT"}
    run(state, oid(5), [["release"]])
    waiter.join(10)
    assert done.is_set()
    assert stored(state, oid(5), "SELECT x FROM t") == [(1,)]
    # The inner savepoint's KV write was undone with it (and its table too).
    assert stored(state, oid(5), "SELECT name FROM sqlite_schema WHERE name = '_cf_KV'") == []
    with pytest.raises(HostError, match="no synchronous transaction"):
        run(state, oid(5), [["release"]])


def test_large_answers_come_in_pages(state: StateDir, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(storage, "PAGE_BUDGET", 1000)
    value = '"' + "v" * 98 + '"'
    run(state, oid(6), [["put", [[f"k{i:03}", value] for i in range(50)]]])
    entries, rows = run(
        state,
        oid(6),
        [
            ["list", None, None, None, None, False, None],
            ["sql", "SELECT 'x' || value FROM json_each(?)", [json.dumps(list(range(300)))]],
        ],
    )[0]
    more = storage_sync_ops(state)["do.storage.more"]
    pages = 1
    while entries.get("more") is not None:
        rest, entries["more"] = more(
            HostCall("do.storage.more", [NS, oid(6), entries["more"]], None, "app", 0)
        )
        entries["rows"] += rest
        pages += 1
    assert [k for k, _v in entries["rows"]] == [f"k{i:03}" for i in range(50)]
    assert pages >= 5
    # The SQL result's first page was cut too (the budget was spent on the entries).
    assert rows["more"] is not None and len(rows["rows"]) < 300


def test_alarms_are_indexed_for_the_scheduler_across_restarts(state: StateDir) -> None:
    batch(state, oid(4), [["setAlarm", 2_000.0]])
    batch(state, oid(5), [["setAlarm", 1_000.0]])
    batch(state, oid(6), [["setAlarm", 3_000.0], ["setAlarm", None]])
    assert pending_alarms(state) == [(NS, oid(5), 1_000.0), (NS, oid(4), 2_000.0)]
    # A new process: the index file alone tells where the alarms are.
    with sqlite3.connect(state.root / "do" / "alarms.sqlite3") as conn:
        rows = conn.execute("SELECT ns, id, when_ms FROM alarms ORDER BY when_ms").fetchall()
    assert rows == [(NS, oid(5), 1_000.0), (NS, oid(4), 2_000.0)]
    assert stored_alarm(state, NS, oid(4)) == 2_000.0
    batch(state, oid(4), [["setAlarm", None]])
    assert pending_alarms(state) == [(NS, oid(5), 1_000.0)]


def test_open_databases_are_bounded(state: StateDir, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(storage, "MAX_OPEN", 3)
    for n in range(10, 20):
        batch(state, oid(n), [["put", [["n", str(n)]]]])
    mine = [k for k in storage._OPEN if k[0] == str(state.root)]
    assert len(mine) <= 3
    # Closed ones reopen on use, their data intact.
    assert batch(state, oid(10), [["get", ["n"]]])[0] == [[["n", "10"]]]


def test_memory_backend(tmp_path: Path) -> None:
    state = StateDir(tmp_path / "mem", backend="memory")
    batch(state, oid(7), [["put", [["a", "1"]]]])
    assert batch(state, oid(7), [["get", ["a"]]])[0] == [[["a", "1"]]]
    assert not (tmp_path / "mem" / "do" / "app.Room").exists() or not any(
        (tmp_path / "mem" / "do" / "app.Room").iterdir()
    )
