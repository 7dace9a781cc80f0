"""Durable Object storage and alarms through the real server: values persist across an
eviction and a restart; alarms fire, retry after a failure, and survive a restart."""

from __future__ import annotations

import json
import time
from pathlib import Path

from pyworkerd.testing.server import running_server
from tests.server.conftest import ok_text, write_project

WORKER = r"""
import { DurableObject } from "cloudflare:workers";

export class Clock extends DurableObject {
  async fetch(request) {
    const url = new URL(request.url);
    const s = this.ctx.storage;
    if (url.pathname === "/arm") {
      const ms = Number(url.searchParams.get("in"));
      await s.put("mode", url.searchParams.get("mode") ?? "ok");
      await s.setAlarm(Date.now() + ms);
      return Response.json({ alarm: await s.getAlarm() !== null });
    }
    if (url.pathname === "/state") {
      return Response.json({
        fired: (await s.get("fired")) ?? [], alarm: await s.getAlarm(),
        count: (await s.get("count")) ?? 0,
      });
    }
    if (url.pathname === "/count") {
      const count = ((await s.get("count")) ?? 0) + 1;
      s.put("count", count);  // not awaited: the output gate waits for it
      return Response.json(count);
    }
    if (url.pathname === "/sql") {
      s.sql.exec("CREATE TABLE IF NOT EXISTS log (id INTEGER PRIMARY KEY, text TEXT)");
      s.sql.exec("INSERT INTO log (text) VALUES (?)", url.searchParams.get("text"));
      const rows = await s.sql.exec("SELECT text FROM log ORDER BY id").toArray();
      return Response.json(rows.map((r) => r.text));
    }
    return new Response("?", { status: 404 });
  }
  async alarm(info) {
    const s = this.ctx.storage;
    const fired = (await s.get("fired")) ?? [];
    fired.push({ retryCount: info.retryCount, isRetry: info.isRetry });
    await s.put("fired", fired);
    if ((await s.get("mode")) === "fail-once" && info.retryCount === 0) throw new Error("alarm failed on purpose");
  }
}

export default {
  fetch(request, env) {
    const url = new URL(request.url);
    const name = url.searchParams.get("name") ?? "clock";
    return env.CLOCK.getByName(name).fetch(request);
  },
};
"""


def project(root: Path) -> Path:
    return write_project(
        root,
        {"src/index.js": WORKER},
        {
            "durable_objects": {"bindings": [{"name": "CLOCK", "class_name": "Clock"}]},
            "migrations": [{"tag": "v1", "new_sqlite_classes": ["Clock"]}],
        },
    )


def wait_state(url: str, name: str, done: object, timeout: float = 20.0) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while True:
        state: dict[str, object] = json.loads(ok_text(url, f"/state?name={name}"))
        if done(state) or time.monotonic() > deadline:  # type: ignore[operator]
            return state
        time.sleep(0.1)


def test_storage_sql_and_alarms(tmp_path: Path) -> None:
    root = project(tmp_path / "p")
    state_dir = tmp_path / "state"
    with running_server(root, "--persist-to", str(state_dir), env={"PYWORKERD_DO_IDLE_S": "1"}) as srv:
        assert [ok_text(srv.url, "/count?name=c") for _ in range(3)] == ["1", "2", "3"]
        assert ok_text(srv.url, "/sql?name=c&text=a") == '["a"]'
        assert ok_text(srv.url, "/sql?name=c&text=b") == '["a","b"]'
        # An alarm fires once and is cleared.
        ok_text(srv.url, "/arm?name=a&in=200")
        fired = wait_state(srv.url, "a", lambda s: s["fired"])
        assert fired["fired"] == [{"retryCount": 0, "isRetry": False}]
        assert wait_state(srv.url, "a", lambda s: s["alarm"] is None)["alarm"] is None
        # A failing alarm is retried (after ~2 s) with retryCount 1.
        ok_text(srv.url, "/arm?name=f&in=100&mode=fail-once")
        retried = wait_state(srv.url, "f", lambda s: len(s["fired"]) >= 2)  # type: ignore[arg-type]
        assert retried["fired"] == [
            {"retryCount": 0, "isRetry": False},
            {"retryCount": 1, "isRetry": True},
        ]
        srv.wait_for_output("alarm failed on purpose")
        # Set an alarm, then stop the server before it is due.
        ok_text(srv.url, "/arm?name=r&in=3000")
        time.sleep(1.5)  # idle long enough for the objects to be evicted
        assert ok_text(srv.url, "/count?name=c") == "4"  # storage outlives eviction
    with running_server(root, "--persist-to", str(state_dir)) as srv:
        assert ok_text(srv.url, "/count?name=c") == "5"
        assert ok_text(srv.url, "/sql?name=c&text=c") == '["a","b","c"]'
        fired = wait_state(srv.url, "r", lambda s: s["fired"])
        assert fired["fired"] == [{"retryCount": 0, "isRetry": False}]


RENAMED = WORKER.replace("class Clock", "class Ticker").replace("env.CLOCK", "env.TICKER")


def test_renamed_classes_keep_their_objects(tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    root = project(tmp_path / "p")
    with running_server(root, "--persist-to", str(state_dir)) as srv:
        assert ok_text(srv.url, "/count?name=k") == "1"
    renamed = write_project(
        tmp_path / "p",
        {"src/index.js": RENAMED},
        {
            "durable_objects": {"bindings": [{"name": "TICKER", "class_name": "Ticker"}]},
            "migrations": [
                {"tag": "v1", "new_sqlite_classes": ["Clock"]},
                {"tag": "v2", "renamed_classes": [{"from": "Clock", "to": "Ticker"}]},
            ],
        },
    )
    with running_server(renamed, "--persist-to", str(state_dir)) as srv:
        assert ok_text(srv.url, "/count?name=k") == "2"
