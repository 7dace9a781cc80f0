"""`pyworkerd d1 …`: wrangler's local D1 verbs on the state directory `dev` uses.

    pyworkerd d1 execute DB --command SQL | --file F [--json]
    pyworkerd d1 migrations create DB MESSAGE
    pyworkerd d1 migrations list DB
    pyworkerd d1 migrations apply DB
    pyworkerd d1 export DB --output F [--no-data | --no-schema] [--table T …]

DB is a binding or a database_name from the config. SQLite's locking makes these safe
while `pyworkerd dev` runs on the same state.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pyworkerd.bindings.d1 import database_for, database_id
from pyworkerd.bindings.d1.gateway import D1Database, D1Failure, split_statements
from pyworkerd.bindings.d1.migrations import MigrationFailed, Migrations
from pyworkerd.cli.project import (
    ProjectError,
    add_state_options,
    command_config,
    command_state_dir,
)
from pyworkerd.config import WorkerConfig
from pyworkerd.config.model import D1Database as D1Config
from pyworkerd.storage import StateDir

__all__ = ["add_commands", "format_table"]


def add_commands(sub: Any) -> None:
    d1 = sub.add_parser("d1", help="query and migrate local D1 databases")
    verbs = d1.add_subparsers(dest="d1_command", required=True)

    execute = verbs.add_parser("execute", help="run SQL against a local database")
    execute.add_argument("database", metavar="DB", help="binding or database_name")
    what = execute.add_mutually_exclusive_group(required=True)
    what.add_argument("--command", help="the SQL to run")
    what.add_argument("--file", help="a .sql file to run")
    execute.add_argument("--json", action="store_true", help="print the results as JSON")
    _local_flags(execute)
    add_state_options(execute)
    execute.set_defaults(func=_execute)

    migrations = verbs.add_parser("migrations", help="create, list and apply migrations")
    mverbs = migrations.add_subparsers(dest="migrations_command", required=True)
    create = mverbs.add_parser("create", help="add an empty NNNN_message.sql")
    create.add_argument("database", metavar="DB")
    create.add_argument("message", metavar="MESSAGE")
    add_state_options(create)
    create.set_defaults(func=_migrations_create)
    listing = mverbs.add_parser("list", help="show the migrations not applied yet")
    listing.add_argument("database", metavar="DB")
    _local_flags(listing)
    add_state_options(listing)
    listing.set_defaults(func=_migrations_list)
    apply = mverbs.add_parser("apply", help="apply the migrations not applied yet")
    apply.add_argument("database", metavar="DB")
    _local_flags(apply)
    add_state_options(apply)
    apply.set_defaults(func=_migrations_apply)

    export = verbs.add_parser("export", help="write the database out as SQL")
    export.add_argument("database", metavar="DB")
    export.add_argument("--output", required=True, help="the .sql file to write")
    shape = export.add_mutually_exclusive_group()
    shape.add_argument("--no-data", action="store_true", help="schema only")
    shape.add_argument("--no-schema", action="store_true", help="data only")
    export.add_argument("--table", action="append", default=[], help="only this table (repeatable)")
    _local_flags(export)
    add_state_options(export)
    export.set_defaults(func=_export)


def _local_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--local", action="store_true", help="the local database (default)")
    parser.add_argument("--remote", action="store_true", help="not supported: local only")
    parser.add_argument("-y", "--yes", action="store_true", help="do not ask (never asks)")


# -- lookup -------------------------------------------------------------------------------


def _open(args: argparse.Namespace) -> tuple[WorkerConfig, D1Config, D1Database]:
    if getattr(args, "remote", False):
        raise ProjectError("--remote: pyworkerd works on local databases only; drop --remote")
    config = command_config(args)
    wanted = args.database
    for db in config.d1_databases:
        if wanted in (db.binding, db.database_name, db.database_id):
            state = StateDir(command_state_dir(args, config))
            return config, db, database_for(db, state)
    raise ProjectError(
        f"Couldn't find a D1 DB with the name or binding '{wanted}' in your "
        f"{config.config_path.name} file."
    )


def _failure(message: str, as_json: bool = False) -> int:
    if as_json:
        print(json.dumps({"error": {"text": message}}, indent=2))
    else:
        print(f"✘ [ERROR] {message}", file=sys.stderr)
    return 1


# -- execute ------------------------------------------------------------------------------


def _execute(args: argparse.Namespace) -> int:
    _, db, database = _open(args)
    if args.file is not None:
        try:
            sql = Path(args.file).read_text(encoding="utf-8")
        except OSError as exc:
            raise ProjectError(f"{args.file}: {exc.strerror or exc}") from None
    else:
        sql = args.command
    statements = split_statements(sql)
    if not args.json:
        where = database.db.filename
        print(f"🌀 Executing on local database {db.binding} ({database_id(db)}) from {where}:")
    try:
        answer = database.run_sync([{"sql": s, "params": []} for s in statements])
    finally:
        database.close()
    if isinstance(answer, dict):
        return _failure(str(answer.get("error")), args.json)
    results = [_as_objects(r) for r in answer]
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
        return 0
    if args.file is not None:
        print(f"🚣 {len(results)} commands executed successfully.")
    for result in results:
        if result["results"]:
            print(format_table(result["results"]))
    return 0


def _as_objects(result: dict[str, Any]) -> dict[str, Any]:
    columns, rows = result["results"]["columns"], result["results"]["rows"]
    return {
        "results": [dict(zip(columns, row, strict=False)) for row in rows],
        "success": True,
        "meta": result["meta"],
    }


def format_table(rows: Sequence[dict[str, Any]]) -> str:
    """Rows as wrangler draws them: a box with a header line."""
    columns: list[str] = []
    for row in rows:
        for key in row:
            if key not in columns:
                columns.append(key)
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]

    def line(left: str, mid: str, right: str) -> str:
        return left + mid.join("─" * (w + 2) for w in widths) + right

    def show(values: Sequence[str]) -> str:
        return "│" + "│".join(f" {v.ljust(w)} " for v, w in zip(values, widths, strict=True)) + "│"

    out = [line("┌", "┬", "┐"), show(columns), line("├", "┼", "┤")]
    out += [show(r) for r in cells]
    out.append(line("└", "┴", "┘"))
    return "\n".join(out)


def _cell(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, list):
        return json.dumps(value)
    return str(value)


# -- migrations ---------------------------------------------------------------------------


def _migrations(args: argparse.Namespace) -> tuple[D1Config, Migrations]:
    config, db, database = _open(args)
    try:
        return db, Migrations.of(config.config_path.parent, db, database)
    except ValueError as exc:
        raise ProjectError(str(exc)) from None


def _migrations_create(args: argparse.Namespace) -> int:
    _, migrations = _migrations(args)
    path = migrations.create(args.message)
    print(f"✅ Successfully created Migration '{path.name}'!")
    print("")
    print("The migration is available for editing here")
    print(str(path))
    return 0


def _need_folder(migrations: Migrations) -> None:
    if not migrations.folder.is_dir():
        raise ProjectError(
            f"No migrations present at {migrations.folder}; create one with "
            "`pyworkerd d1 migrations create DB MESSAGE`"
        )


def _migrations_list(args: argparse.Namespace) -> int:
    _, migrations = _migrations(args)
    try:
        _need_folder(migrations)
        pending = migrations.pending()
    finally:
        migrations.database.close()
    if not pending:
        print("✅ No migrations to apply!")
        return 0
    print("Migrations to be applied:")
    print(format_table([{"Name": name} for name in pending]))
    return 0


def _migrations_apply(args: argparse.Namespace) -> int:
    db, migrations = _migrations(args)
    try:
        _need_folder(migrations)
        pending = migrations.pending()
        if not pending:
            print("✅ No migrations to apply!")
            return 0
        print("Migrations to be applied:")
        print(format_table([{"name": name} for name in pending]))
        print(f"🌀 Executing on local database {db.binding} ({database_id(db)}):")
        statuses: list[dict[str, Any]] = []
        for name in pending:
            try:
                migrations.apply_one(name)
            except MigrationFailed as exc:
                statuses.append({"name": name, "status": "❌"})
                print(format_table(statuses))
                return _failure(str(exc))
            statuses.append({"name": name, "status": "✅"})
        print(format_table(statuses))
        return 0
    finally:
        migrations.database.close()


# -- export -------------------------------------------------------------------------------


def _export(args: argparse.Namespace) -> int:
    _, db, database = _open(args)
    try:
        statements = database.export(
            no_schema=args.no_schema, no_data=args.no_data, tables=args.table
        )
    except D1Failure as exc:
        return _failure(exc.message)
    finally:
        database.close()
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("\n".join(statements) + "\n", encoding="utf-8")
    print(f"🌀 Exported {db.binding} ({database_id(db)}) to {output}")
    return 0
