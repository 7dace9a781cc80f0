"""A worker that drives env.DB from JSON requests, served by the real `pyworkerd dev`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.server.conftest import request, write_project

# POST / with {op, sql, params, …}: runs one D1 call and answers {ok: result} or
# {error: {name, message, cause}}. Params are JSON, with {"$undef": 1}, {"$buf": [...]},
# {"$u8": [...]}, {"$i16": [...]}, {"$bigint": "1"} and {"$obj": {...}} for the JS values
# JSON cannot carry.
WORKER_JS = """
function decode(v) {
  if (v && typeof v === "object" && !Array.isArray(v)) {
    if ("$undef" in v) return undefined;
    if ("$buf" in v) return new Uint8Array(v.$buf).buffer;
    if ("$u8" in v) return new Uint8Array(v.$u8);
    if ("$i16" in v) return new Int16Array(v.$i16);
    if ("$bigint" in v) return BigInt(v.$bigint);
    if ("$obj" in v) return v.$obj;
  }
  return v;
}

function statement(db, q) {
  const stmt = db.prepare(q.sql);
  return q.params ? stmt.bind(...q.params.map(decode)) : stmt;
}

async function run(env, b) {
  const db = env[b.binding || "DB"];
  switch (b.op) {
    case "all": return statement(db, b).all();
    case "run": return statement(db, b).run();
    case "first": return b.column === undefined ? statement(db, b).first() : statement(db, b).first(b.column);
    case "raw": return statement(db, b).raw(b.options);
    case "batch": return db.batch(b.statements.map((q) => statement(db, q)));
    case "exec": return db.exec(b.sql);
    case "dump": return db.dump();
    case "shape": {
      const stmt = db.prepare(b.sql).bind(1, "two");
      return { statement: stmt.statement, params: stmt.params, keys: Object.keys(stmt),
        methods: ["bind", "first", "all", "run", "raw"].every((m) => typeof stmt[m] === "function"),
        dbMethods: ["prepare", "batch", "exec", "dump", "withSession"].every((m) => typeof db[m] === "function") };
    }
    case "session": {
      const session = db.withSession(b.constraint);
      const before = session.getBookmark();
      const first = await session.prepare(b.sql).all();
      const after = session.getBookmark();
      const batch = await session.batch([session.prepare("SELECT 1 AS one")]);
      return { before, after, results: first.results, batch: batch[0].results, later: session.getBookmark() };
    }
  }
  throw new Error("unknown op " + b.op);
}

export default {
  async fetch(request, env) {
    const body = await request.json();
    try {
      const result = await run(env, body);
      return Response.json({ ok: result === undefined ? null : result });
    } catch (e) {
      return Response.json({ error: { name: e.name, message: e.message, cause: e.cause ? e.cause.message : null } });
    }
  },
};
"""

MIGRATION = """-- Migration number: 0001
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE NOT NULL, age INTEGER, avatar BLOB);
CREATE TABLE posts (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  body TEXT
);
"""


def make_d1_project(root: Path) -> Path:
    return write_project(
        root,
        {"src/index.js": WORKER_JS, "migrations/0001_init.sql": MIGRATION},
        {
            "name": "d1-test",
            "d1_databases": [
                {"binding": "DB", "database_name": "test-db", "database_id": "test-db-id"},
                {"binding": "OTHER", "database_name": "other-db"},
            ],
        },
    )


def d1(url: str, **body: Any) -> Any:
    """One D1 call through the worker: the result, or {"error": {...}}."""
    reply = request(url, "/", method="POST", body=json.dumps(body).encode())
    assert reply.status == 200, reply.text
    out = reply.json()
    return out["ok"] if "ok" in out else {"error": out["error"]}
