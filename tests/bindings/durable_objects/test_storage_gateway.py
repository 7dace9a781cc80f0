"""storage.py without JS: the batch op over real SQLite files, reopened and read back."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from pyworkerd.bindings.durable_objects import storage
from pyworkerd.bindings.durable_objects.storage import (
    pending_alarms,
    storage_ops,
    stored_alarm,
)
from pyworkerd.engine.hostops import HostCall, HostError
from pyworkerd.storage import StateDir

NS = "app/Room"


def batch(state: StateDir, object_id: str, items: list[Any]) -> Any:
    op = storage_ops(state)["do.storage.batch"]

    async def go() -> Any:
        call = HostCall("do.storage.batch", [NS, object_id, items], None, "app", 0)
        value, data = await op(call)
        assert data is None
        return value

    return asyncio.run(go())


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


def test_a_failed_batch_keeps_nothing(state: StateDir) -> None:
    with pytest.raises(HostError):
        batch(state, oid(2), [["put", [["a", "1"]]], ["setAlarm", 5.0], ["bogus"]])
    assert batch(state, oid(2), [["get", ["a"]], ["getAlarm"]])[0] == [[], None]
    assert pending_alarms(state) == []


def test_a_failing_group_is_undone_whole(state: StateDir) -> None:
    results, _ = batch(
        state,
        oid(3),
        [
            ["sql", "CREATE TABLE t (x UNIQUE)", []],
            ["group", [["put", [["k", "1"]]], ["sql", "INSERT INTO t VALUES (1), (1)", []]]],
            ["get", ["k"]],
            ["sql", "SELECT count(*) FROM t", []],
        ],
    )
    assert results[1] == {"error": "UNIQUE constraint failed: t.x: SQLITE_CONSTRAINT"}
    assert results[2] == []
    assert results[3]["rows"] == [[0]]
    # The group's KV write created _cf_KV; undone with it, and later writes recreate it.
    assert batch(state, oid(3), [["put", [["k", "2"]]], ["get", ["k"]]])[0][1] == [["k", "2"]]


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
