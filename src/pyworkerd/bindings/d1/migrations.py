"""D1 migrations as wrangler keeps them: `NNNN_name.sql` files in `migrations_dir`
(default `migrations/`, relative to the config), applied ones recorded in
`d1_migrations` (or `migrations_table`) with wrangler's columns (id, name, applied_at)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pyworkerd.bindings.d1.gateway import D1Database, D1Failure, split_statements
from pyworkerd.config.model import D1Database as D1Config

__all__ = [
    "MigrationFailed",
    "Migrations",
]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class MigrationFailed(Exception):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"Migration {name} failed with the following errors: {message}")
        self.name = name
        self.message = message


@dataclass
class Migrations:
    folder: Path
    table: str
    database: D1Database

    @classmethod
    def of(cls, config_dir: Path, db: D1Config, database: D1Database) -> Migrations:
        if not _NAME.match(db.migrations_table):
            raise ValueError(f"migrations_table {db.migrations_table!r} is not a plain name")
        return cls(config_dir / db.migrations_dir, db.migrations_table, database)

    def files(self) -> list[str]:
        """The migration files' names, in order."""
        if not self.folder.is_dir():
            return []
        return sorted(p.name for p in self.folder.iterdir() if p.suffix == ".sql" and p.is_file())

    def create(self, message: str) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        numbers = [int(m.group(1)) for n in self.files() if (m := re.match(r"^(\d+)", n))]
        number = f"{max(numbers, default=0) + 1:04d}"
        path = self.folder / f"{number}_{message.replace(' ', '_')}.sql"
        stamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        path.write_text(f"-- Migration number: {number} \t {stamp}\n")
        return path

    def _ensure_table(self) -> None:
        self.database.trusted(
            f"CREATE TABLE IF NOT EXISTS {self.table}(\n"
            "    id         INTEGER PRIMARY KEY AUTOINCREMENT,\n"
            "    name       TEXT UNIQUE,\n"
            "    applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL\n"
            ")"
        )

    def applied(self) -> list[str]:
        self._ensure_table()
        rows = self.database.trusted(f"SELECT name FROM {self.table} ORDER BY id")
        return [str(r[0]) for r in rows]

    def pending(self) -> list[str]:
        done = set(self.applied())
        return [name for name in self.files() if name not in done]

    def apply_one(self, name: str) -> None:
        """Run one migration and record it, in one transaction (nothing kept on failure)."""
        sql = (self.folder / name).read_text("utf-8")
        # One query per statement, as wrangler sends them (D1's 100 KB limit is per query).
        queries: list[dict[str, Any]] = [{"sql": s, "params": []} for s in split_statements(sql)]
        queries.append({"sql": f"INSERT INTO {self.table} (name) VALUES (?)", "params": [name]})
        try:
            result = self.database.run_sync(queries)
        except D1Failure as exc:
            raise MigrationFailed(name, exc.message) from None
        if isinstance(result, dict):
            raise MigrationFailed(name, str(result.get("error")))
