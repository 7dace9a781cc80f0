"""ctx.storage's key-value API in a real isolate over real SQLite files (storage.js + storage.py).

Expected values and messages are what Miniflare 4.20260426 (workerd) answered for the same
calls on a SQLite-backed class and a key-value class (`durableObjects` with and without
`useSQLite`), except where a comment says the platform's key-value backend differs.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from pyworkerd.storage import StateDir

from .storage_harness import ID, StorageJSError, run_storage_js, run_with_gate


@pytest.fixture
def state(tmp_path: Path) -> StateDir:
    return StateDir(tmp_path / "state")


def db_path(state: StateDir) -> Path:
    return state.root / "do" / "worker.Counter" / f"{ID}.sqlite3"


def test_get_put_delete_list_as_workerd(state: StateDir) -> None:
    out = run_storage_js(
        state,
        """
        const r = {};
        r.missing = await storage.get("nope");
        storage.put("a", 1);
        r.sameTurn = await storage.get("a");
        await storage.put({ b: 2, c: 3, d: 4, b1: 5, skipped: undefined });
        r.list = await storage.list();
        r.range = await storage.list({ start: "b", end: "d" });
        r.after = await storage.list({ startAfter: "b", limit: 2 });
        r.prefix = await storage.list({ prefix: "b" });
        r.reverse = await storage.list({ reverse: true, limit: 2 });
        r.many = await storage.get(["c", "a", "zz"]);
        r.delOne = await storage.delete("a");
        r.delAgain = await storage.delete("a");
        r.delMany = await storage.delete(["b", "c", "zz"]);
        r.numberKey = (await storage.put(5, "five"), await storage.get("5"));
        r.deleteAll = await storage.deleteAll();
        r.afterAll = (await storage.list()).size;
        return r;
        """,
    )
    assert out["missing"] == {"$undefined": True}
    assert out["sameTurn"] == 1
    assert out["list"] == {"$map": [["a", 1], ["b", 2], ["b1", 5], ["c", 3], ["d", 4]]}
    assert out["range"] == {"$map": [["b", 2], ["b1", 5], ["c", 3]]}
    assert out["after"] == {"$map": [["b1", 5], ["c", 3]]}
    assert out["prefix"] == {"$map": [["b", 2], ["b1", 5]]}
    assert out["reverse"] == {"$map": [["d", 4], ["c", 3]]}
    assert out["many"] == {"$map": [["a", 1], ["c", 3]]}
    assert (out["delOne"], out["delAgain"], out["delMany"]) == (True, False, 2)
    assert out["numberKey"] == "five"
    assert out["deleteAll"] == {"$undefined": True}
    assert out["afterAll"] == 0


@pytest.mark.parametrize(
    ("call", "name", "message"),
    [
        ('storage.put("u", undefined)', "TypeError", "put() called with undefined value."),
        ('storage.put("x")', "TypeError", "put() called with undefined value."),
        ('storage.put("x", () => 1)', "DataCloneError", "() => 1 could not be cloned."),
        ('storage.put("x", Symbol())', "DataCloneError", "Symbol() could not be cloned."),
        (
            'storage.list({start: "a", startAfter: "b"})',
            "TypeError",
            "list() cannot be called with both start and startAfter values.",
        ),
        ("storage.list({limit: 0})", "TypeError", "List limit must be positive."),
        ('storage.list({limit: "x"})', "TypeError", "List limit must be positive."),
        (
            "storage.get()",
            "TypeError",
            "Failed to execute 'get' on 'DurableObjectStorage': parameter 1 is not of type "
            "'string or Array'.",
        ),
        (
            'storage.setAlarm("x")',
            "TypeError",
            "Failed to execute 'setAlarm' on 'DurableObjectStorage': parameter 1 is not of type "
            "'date'.",
        ),
        ("storage.setAlarm(0)", "TypeError", "setAlarm() cannot be called with an alarm time <= 0"),
    ],
)
def test_bad_calls_reject_with_workerds_errors(
    state: StateDir, call: str, name: str, message: str
) -> None:
    with pytest.raises(StorageJSError) as caught:
        run_storage_js(state, f"return await {call};")
    assert (caught.value.name, caught.value.message) == (name, message)


def test_values_are_structured_clones(state: StateDir) -> None:
    out = run_storage_js(
        state,
        """
        const m = new Map([[1, { d: new Date(5) }]]);
        const o = { m, s: new Set([1, 2]), b: 10n, u8: new Uint8Array([1, 2]),
          f: new Float64Array([1.5]), d: new Date(7), n: NaN, neg: -0, r: /x/g,
          e: new RangeError("boom"), inf: -Infinity, u: undefined, w: new String("w"),
          dv: new DataView(new Uint8Array([9, 8, 7]).buffer, 1, 2), ab: new ArrayBuffer(3),
          sparse: [1, , 3], blob: new Blob(["hi"], { type: "text/plain" }) };
        o.self = o;
        o.shared = [o.u8, o.u8];
        await storage.put("cx", o);
        const g = await storage.get("cx");
        return { self: g.self === g, m: g.m.get(1).d.getTime(), s: [...g.s],
          b: typeof g.b === "bigint" && g.b === 10n, u8: [...g.u8], f: g.f.constructor.name + g.f[0],
          d: g.d instanceof Date && g.d.getTime(), n: Number.isNaN(g.n), neg: Object.is(g.neg, -0),
          r: String(g.r), e: g.e instanceof RangeError && g.e.message, inf: g.inf === -Infinity,
          u: "u" in g && g.u === undefined, w: typeof g.w === "object" && String(g.w),
          dv: [g.dv.getUint8(0), g.dv.byteLength], ab: g.ab.byteLength,
          sparse: [g.sparse.length, 1 in g.sparse], shared: g.shared[0] === g.shared[1],
          blob: [g.blob.type, await g.blob.text()],
          fresh: (await storage.get("cx")) !== g };
        """,
    )
    assert out == {
        "self": True, "m": 5, "s": [1, 2], "b": True, "u8": [1, 2], "f": "Float64Array1.5",
        "d": 7, "n": True, "neg": True, "r": "/x/g", "e": "boom", "inf": True, "u": True,
        "w": "w", "dv": [8, 2], "ab": 3, "sparse": [3, False], "shared": True,
        "blob": ["text/plain", "hi"], "fresh": True,
    }  # fmt: skip


def test_writes_of_one_turn_coalesce_into_one_atomic_host_call(state: StateDir) -> None:
    out, gate = run_with_gate(
        state,
        """
        for (let i = 0; i < 50; i++) storage.put("k" + i, i);
        storage.delete("k0");
        const seen = await storage.get("k49");
        return seen;
        """,
    )
    assert out == 49
    # One batch: 50 puts, a delete and the get, in one host call (one gate bracket).
    assert gate["started"] == 1 and gate["finished"] == 1 and gate["open"] == 0
    with sqlite3.connect(db_path(state)) as conn:
        (count,) = conn.execute("SELECT count(*) FROM _cf_KV").fetchone()
    assert count == 49


def test_queued_operations_run_before_any_synchronous_call(state: StateDir) -> None:
    out, gate = run_with_gate(
        state,
        """
        const r = {};
        const put = storage.put("x", 1);              // queued (async API) ...
        r.seen = storage.kv.get("x");                 // ... and run first by this call
        r.gateAfterSync = gate.open;                  // the queued put has run: gate open
        storage.kv.put("y", 2);
        storage.sql.exec("CREATE TABLE t (v)");
        const get = storage.get("y");                 // queued behind the synchronous calls
        storage.delete("x");
        r.gateQueued = gate.open;
        r.values = [await put, await get, storage.kv.get("x")];
        r.gateEnd = gate.open;
        return r;
        """,
    )
    assert out == {
        "seen": 1,
        "gateAfterSync": 0,
        "gateQueued": 1,
        "values": [{"$undefined": True}, 2, {"$undefined": True}],
        "gateEnd": 0,
    }
    assert gate["started"] == gate["finished"] == 2


def test_synchronous_kv_api_as_workerd(state: StateDir) -> None:
    # What workerd 1.20261117 answered for the same calls (SQLite-backed object).
    out = run_storage_js(
        state,
        """
        const kv = storage.kv, r = {};
        const t = (name, fn) => {
          try { const v = fn(); r[name] = v === undefined ? "undefined" : v; }
          catch (e) { r[name] = `${e.constructor.name}: ${e.message}`; }
        };
        t("tag", () => String(kv) + " " + Object.getOwnPropertyNames(Object.getPrototypeOf(kv)).sort());
        t("missing", () => kv.get("nope"));
        t("put", () => kv.put("a", { x: 1, d: new Date(5) }));
        t("putUndefined", () => kv.put("b", undefined));
        t("putNoKey", () => kv.put());
        t("getA", () => { const v = kv.get("a"); return [v.x, v.d.getTime()]; });
        t("getNoKey", () => kv.get());
        t("getArray", () => kv.get(["a", "zz"]));  // the key "a,zz"
        t("delete", () => kv.delete("a"));
        t("deleteAgain", () => kv.delete("a"));
        for (const k of ["k1", "k2", "k3", "j1"]) kv.put(k, k);
        t("listType", () => { const l = kv.list(); return [String(l), typeof l.next,
          typeof l[Symbol.iterator], Object.getOwnPropertyNames(Object.getPrototypeOf(l)).sort().join()]; });
        t("list", () => [...kv.list()]);
        t("prefixReverseLimit", () => [...kv.list({ prefix: "k", reverse: true, limit: 2 })]);
        t("startEnd", () => [...kv.list({ start: "k1", end: "k3" })]);
        t("startAfter", () => [...kv.list({ startAfter: "k1" })].map(([k]) => k));
        t("both", () => kv.list({ start: "a", startAfter: "b" }));
        t("limit0", () => kv.list({ limit: 0 }));
        t("next", () => { const l = kv.list({ prefix: "j" }); return [l.next(), l.next()]; });
        return r;
        """,
    )
    assert out == {
        "tag": "[object SyncKvStorage] constructor,delete,get,list,put",
        "missing": "undefined",
        "put": "undefined",
        "putUndefined": "undefined",
        "putNoKey": "TypeError: Failed to execute 'put' on 'SyncKvStorage': parameter 1 is not "
        "of type 'string'.",
        "getA": [1, 5],
        "getNoKey": "TypeError: Failed to execute 'get' on 'SyncKvStorage': parameter 1 is not "
        "of type 'string'.",
        "getArray": "undefined",
        "delete": True,
        "deleteAgain": False,
        "listType": ["[object ListIterator]", "function", "function", "constructor,next"],
        "list": [
            ["b", {"$undefined": True}],
            ["j1", "j1"],
            ["k1", "k1"],
            ["k2", "k2"],
            ["k3", "k3"],
        ],
        "prefixReverseLimit": [["k3", "k3"], ["k2", "k2"]],
        "startEnd": [["k1", "k1"], ["k2", "k2"]],
        "startAfter": ["k2", "k3"],
        "both": "TypeError: list() cannot be called with both start and startAfter values.",
        "limit0": "TypeError: List limit must be positive.",
        "next": [
            {"done": False, "value": ["j1", "j1"]},
            {"done": True, "value": {"$undefined": True}},
        ],
    }
    # The same rows as the async API's, in the object's database.
    assert run_storage_js(state, 'return [...(await storage.list()).keys()];') == [
        "b", "j1", "k1", "k2", "k3",
    ]  # fmt: skip


def test_a_large_list_comes_back_whole(state: StateDir) -> None:
    # ~6 MB of entries: more than one synchronous answer holds.
    out = run_storage_js(
        state,
        """
        const big = "v".repeat(100000);
        for (let i = 0; i < 60; i++) storage.kv.put(`k${String(i).padStart(2, "0")}`, big + i);
        const all = [...storage.kv.list()];
        const viaAsync = await storage.list();
        const rows = storage.sql.exec("SELECT ? || value AS v FROM json_each(?)", big,
          JSON.stringify([...Array(60).keys()])).toArray();
        return [all.length, all[59][1].length, viaAsync.size, rows.length, rows[59].v.length];
        """,
    )
    assert out == [60, 100002, 60, 60, 100002]


def test_an_operation_too_large_for_one_call_is_refused_alone(state: StateDir) -> None:
    out = run_storage_js(
        state,
        """
        const huge = "x".repeat(5 << 20), r = [];
        storage.put("small", 1);
        try { storage.kv.put("huge", huge); } catch (e) { r.push(e.name); }
        r.push(await storage.put("huge", huge).then(() => "stored", (e) => e.name));
        try { storage.sql.exec("SELECT ?", huge); } catch (e) { r.push(e.name); }
        storage.kv.put("big", "y".repeat(2e6));  // 2 MB (the platform's row limit) goes
        r.push(storage.kv.get("small"), storage.kv.get("big").length, storage.kv.get("huge"));
        return r;
        """,
    )
    assert out == ["RangeError", "RangeError", "RangeError", 1, 2_000_000, {"$undefined": True}]


def test_storage_survives_a_new_isolate(state: StateDir) -> None:
    run_storage_js(state, 'await storage.put({ a: [1, "two", { three: 3n }] }); return 0;')
    out = run_storage_js(state, 'const v = await storage.get("a"); return [v[1], v[2].three];')
    assert out == ["two", {"$bigint": "3"}]
    # The stored rows are in the object's own database, in workerd's table.
    with sqlite3.connect(db_path(state)) as conn:
        rows = conn.execute("SELECT key FROM _cf_KV").fetchall()
    assert rows == [("a",)]


def test_transaction_commits_atomically_and_rolls_back_on_throw(state: StateDir) -> None:
    out = run_storage_js(
        state,
        """
        const r = {};
        await storage.put({ keep: 1, gone: 2 });
        try {
          await storage.transaction(async (txn) => {
            await txn.put("t", 1);
            r.inside = await txn.get("t");
            throw new Error("nope");
          });
        } catch (e) { r.err = e.message; }
        r.afterThrow = await storage.get("t");
        r.explicit = await storage.transaction(async (txn) => {
          await txn.put("t2", 1); txn.rollback(); return 5; });
        r.t2 = await storage.get("t2") ?? null;
        r.value = await storage.transaction(async (txn) => {
          txn.put("t3", 3);
          r.del = await txn.delete(["gone", "never"]);
          r.txnList = [...(await txn.list()).keys()];
          r.txnMany = [...(await txn.get(["t3", "gone", "keep"])).keys()];
          return "done";
        });
        r.final = [...(await storage.list()).entries()];
        let leaked;
        await storage.transaction(async (txn) => { leaked = txn; });
        try { await leaked.get("x"); } catch (e) { r.leaked = e.message; }
        await storage.transaction(async (txn) => {
          try { txn.deleteAll(); } catch (e) { r.deleteAll = e.message; }
          txn.rollback();
          try { await txn.put("a", 1); } catch (e) { r.rolledBack = e.message; }
        });
        return r;
        """,
    )
    assert out["inside"] == 1 and out["err"] == "nope"
    assert out["afterThrow"] == {"$undefined": True}
    assert out["explicit"] == 5 and out["t2"] is None
    assert out["del"] == 1
    assert out["txnList"] == ["keep", "t3"]
    assert out["txnMany"] == ["keep", "t3"]
    assert out["value"] == "done"
    assert out["final"] == [["keep", 1], ["t3", 3]]
    assert out["leaked"] == (
        "Cannot call get on transaction that has already committed: did you move `txn` "
        "outside of the closure?"
    )
    assert out["deleteAll"] == "Cannot call deleteAll() within a transaction"
    assert out["rolledBack"] == "Cannot put on rolled back transaction"


def test_alarm_is_stored_indexed_and_reported(state: StateDir) -> None:
    from pyworkerd.bindings.durable_objects.storage import pending_alarms, stored_alarm

    out = run_storage_js(
        state,
        """
        const r = { before: await storage.getAlarm() };
        const when = Date.now() + 60_000;
        storage.setAlarm(new Date(when));
        r.sameTurn = (await storage.getAlarm()) === when;
        await storage.setAlarm(1);  // the past means now
        r.clamped = (await storage.getAlarm()) >= Date.now() - 1000;
        await storage.setAlarm(when);
        return r;
        """,
    )
    assert out == {"before": None, "sameTurn": True, "clamped": True}
    [(ns, object_id, when)] = pending_alarms(state)
    assert (ns, object_id) == ("worker/Counter", ID)
    assert stored_alarm(state, ns, object_id) == when
    run_storage_js(state, "await storage.deleteAlarm(); return 0;")
    assert pending_alarms(state) == []


def test_key_value_backend_limits(state: StateDir) -> None:
    """The platform's key-value backend (new_classes) enforces workerd's ActorStorageLimits
    (io/actor-storage.c++); SQLite-backed objects do not (Miniflare accepted all three)."""
    body = """
    const r = {};
    for (const [name, fn] of Object.entries({
      key: () => storage.put("k".repeat(2049), 1),
      value: () => storage.put("v", new Uint8Array(131200)),
      count: () => storage.get(Array.from({ length: 129 }, (_, i) => "k" + i)),
      fine: () => storage.put("k".repeat(2048), "x".repeat(1000)),
    })) {
      try { await fn(); r[name] = "ok"; } catch (e) { r[name] = e.name + ": " + e.message; }
    }
    return r;
    """
    limited = run_storage_js(state, body, sqlite=False)
    assert limited["key"] == (
        "RangeError: Keys cannot be larger than 2048 bytes. A key of size 2049 was provided."
    )
    assert limited["value"].startswith(
        "RangeError: Values cannot be larger than 131072 bytes. A value of size "
    )
    assert limited["count"] == (
        "RangeError: Maximum number of key value pairs is 128. 129 pairs were provided."
    )
    assert limited["fine"] == "ok"
    unlimited = run_storage_js(state, body, object_id="cd" * 32)
    assert set(unlimited.values()) == {"ok"}


def test_sql_is_refused_on_key_value_classes(state: StateDir) -> None:
    with pytest.raises(StorageJSError) as caught:
        run_storage_js(state, "return storage.sql.exec('SELECT 1');", sqlite=False)
    assert caught.value.message.startswith(
        "SQL is not enabled for this Durable Object class. To enable it, change `new_classes` "
        "to `new_sqlite_classes`"
    )
    with pytest.raises(StorageJSError) as caught:
        run_storage_js(state, "return storage.kv.get('a');", sqlite=False)
    assert caught.value.message.startswith(
        "The storage.kv (synchronous KV) API is only available for SQLite-backed Durable "
        "Objects, but this object's namespace is not declared to use SQLite."
    )


def test_sync_resolves_once_writes_are_durable(state: StateDir) -> None:
    out = run_storage_js(
        state,
        """
        storage.put("a", 1);
        storage.put("b", 2, { allowUnconfirmed: true });
        await internals.doStorage.sync(storage);
        await storage.sync();
        return (await storage.list()).size;
        """,
    )
    assert out == 2
