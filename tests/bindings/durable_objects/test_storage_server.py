"""ctx.storage through the real server and real HTTP: writes outlive the server process."""

from __future__ import annotations

import json
from pathlib import Path

from pyworkerd.testing.server import running_server
from tests.server.conftest import request, write_project

WORKER = r"""
import { DurableObject } from "cloudflare:workers";

export class Counter extends DurableObject {
  async fetch(request) {
    const url = new URL(request.url);
    const storage = this.ctx.storage;
    if (url.pathname === "/bump") {
      const n = ((await storage.get("n")) ?? 0) + 1;
      storage.put("n", n);                     // not awaited: the output gate waits for it
      storage.sql.exec("CREATE TABLE IF NOT EXISTS log (n INTEGER, at TEXT)");
      storage.sql.exec("INSERT INTO log VALUES (?, ?)", n, "t" + n);
      return Response.json(n);
    }
    const rows = await storage.sql.exec("SELECT n, at FROM log ORDER BY n").toArray();
    return Response.json({ n: await storage.get("n"), rows, keys: [...(await storage.list()).keys()] });
  }
}

export default {
  fetch(request, env) {
    const url = new URL(request.url);
    return env.COUNTER.getByName(url.searchParams.get("name") ?? "a").fetch(request);
  },
};
"""


def test_storage_survives_a_restart_of_the_server(tmp_path: Path) -> None:
    project = write_project(
        tmp_path / "app",
        {"src/index.js": WORKER},
        {
            "name": "app",
            "durable_objects": {"bindings": [{"name": "COUNTER", "class_name": "Counter"}]},
            "migrations": [{"tag": "v1", "new_sqlite_classes": ["Counter"]}],
        },
    )
    with running_server(project) as server:
        bumps = [json.loads(request(server.url, "/bump").text) for _ in range(3)]
        other = json.loads(request(server.url, "/bump?name=b").text)
    assert bumps == [1, 2, 3] and other == 1
    with running_server(project) as server:
        reply = request(server.url, "/show")
        assert reply.status == 200, reply.text
        shown = json.loads(reply.text)
    assert shown == {
        "n": 3,
        "rows": [{"n": 1, "at": "t1"}, {"n": 2, "at": "t2"}, {"n": 3, "at": "t3"}],
        "keys": ["n"],
    }
    # One database per object, in its class's folder (beside the alarm index).
    files = sorted(p.name for p in (project / ".pyworkerd" / "state" / "do").glob("*/*.sqlite3"))
    assert len(files) == 2
