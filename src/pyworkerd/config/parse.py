"""Raw config sections -> model dataclasses, one small function per section.

Each parser takes the raw value, the key path it was read from (so errors point at the
right line, whether the value sits at the top level or under `env.<name>`) and the
config file's directory (relative paths are resolved against it, as wrangler does).
Validation rules and wording follow wrangler's `validation.ts`; limits that Cloudflare
enforces at deploy time (queue batch sizes, CPU time) are checked here too, so a config
that would be rejected on deploy is rejected locally.
"""

from __future__ import annotations

import datetime
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, cast

from .checker import Checker, describe
from .cron import to_croniter
from .errors import KeyPath
from .model import (
    AIBinding,
    AnalyticsEngineDataset,
    Assets,
    BrowserBinding,
    BuildConfig,
    D1Database,
    DevConfig,
    DurableObjectBinding,
    DurableObjects,
    FrozenMap,
    HyperdriveBinding,
    JSONValue,
    KVNamespace,
    Limits,
    Migration,
    ModuleRule,
    QueueConsumer,
    QueueProducer,
    Queues,
    R2Bucket,
    RenamedClass,
    SendEmailBinding,
    ServiceBinding,
    TailConsumer,
    TransferredClass,
    Triggers,
    VectorizeBinding,
    VersionMetadataBinding,
    WorkflowBinding,
)

__all__ = ["SECTION_PARSERS", "SectionParser", "parse_compatibility_date", "parse_dev"]

SectionParser = Callable[[Checker, Any, KeyPath, Path], Any]

# Limits Cloudflare documents (reference/workers-api.md §4 Queues, §7).
MAX_BATCH_SIZE = 100
MAX_BATCH_TIMEOUT_S = 60
MAX_RETRIES = 100
MAX_DELAY_S = 12 * 60 * 60
MAX_CPU_MS = 300_000

RULE_TYPES = ("ESModule", "CommonJS", "CompiledWasm", "Text", "Data")
HTML_HANDLING = ("auto-trailing-slash", "force-trailing-slash", "drop-trailing-slash", "none")
NOT_FOUND_HANDLING = ("single-page-application", "404-page", "none")
PROTOCOLS = ("http", "https")

_NAME = re.compile(r"^$|^[a-z0-9_][a-z0-9\-_]*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_R2_BUCKET = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
_R2_FIX = (
    "bucket names must begin and end with a letter or digit, hold only lowercase letters, "
    "digits and hyphens, and be 3 to 63 characters long"
)


def _one_of(ck: Checker, value: Any, path: KeyPath, choices: tuple[str, ...]) -> str:
    listed = ", ".join(f'"{c}"' for c in choices)
    text = ck.string(value, path, f"use one of {listed}")
    if text not in choices:
        raise ck.error(
            path, f"expected one of {listed}, got {describe(value)}", "pick one of those"
        )
    return text


def _resolve(base: Path, value: str) -> Path:
    """`value` against `base`, normalised but not through symlinks (like Node's path.resolve)."""
    return Path(os.path.normpath(base / value))


# --- scalars ----------------------------------------------------------------------------


def parse_name(ck: Checker, value: Any, path: KeyPath, base: Path) -> str:
    text = ck.string(value, path)
    if not _NAME.match(text):
        raise ck.error(
            path,
            f"expected lowercase letters, digits, dashes and underscores, got {describe(text)}",
            f'rename it, e.g. "{_suggest_name(text)}"',
        )
    return text


def _suggest_name(text: str) -> str:
    return re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-") or "my-worker"


def parse_path(ck: Checker, value: Any, path: KeyPath, base: Path) -> Path:
    return _resolve(base, ck.string(value, path, non_empty=True))


def parse_compatibility_date(ck: Checker, value: Any, path: KeyPath, base: Path) -> str:
    if isinstance(value, datetime.date):
        raise ck.error(
            path,
            f"expected a string, got {describe(value)}",
            f'put the date in quotes: compatibility_date = "{value.isoformat()}"',
        )
    text = ck.string(value, path)
    if "\u2013" in text or "\u2014" in text:
        raise ck.error(
            path,
            f"uses en-dashes (–) or em-dashes (—), got {describe(text)}",
            'use ISO-8601 hyphens (-), e.g. "2025-01-01"',
        )
    valid = bool(_DATE.match(text))
    if valid:
        try:
            datetime.date.fromisoformat(text)
        except ValueError:
            valid = False
    if not valid:
        raise ck.error(
            path,
            f"should be a valid ISO-8601 date (YYYY-MM-DD), got {describe(text)}",
            'use a date in quotes, e.g. "2025-01-01"',
        )
    return text


def parse_strings(ck: Checker, value: Any, path: KeyPath, base: Path) -> tuple[str, ...]:
    return ck.strings(value, path)


def parse_bool(ck: Checker, value: Any, path: KeyPath, base: Path) -> bool:
    return ck.boolean(value, path)


def parse_string(ck: Checker, value: Any, path: KeyPath, base: Path) -> str:
    return ck.string(value, path)


def _json_value(ck: Checker, value: Any, path: KeyPath) -> JSONValue:
    """Reject what JSON cannot carry (TOML dates); keep everything else as is."""
    if isinstance(value, datetime.date | datetime.time):
        raise ck.error(
            path,
            f"is a TOML date ({value.isoformat()}), which is not supported",
            f'use a string instead, e.g. {path[-1]} = "{value.isoformat()}"',
        )
    if isinstance(value, dict):
        for key, item in value.items():
            _json_value(ck, item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _json_value(ck, item, (*path, index))
    return cast(JSONValue, value)


def parse_vars(ck: Checker, value: Any, path: KeyPath, base: Path) -> FrozenMap[str, JSONValue]:
    table = ck.table(value, path)
    return FrozenMap((key, _json_value(ck, item, (*path, key))) for key, item in table.items())


def parse_string_map(ck: Checker, value: Any, path: KeyPath, base: Path) -> FrozenMap[str, str]:
    return FrozenMap(ck.string_map(value, path))


# --- build, modules, dev, limits ----------------------------------------------------------


def parse_rules(ck: Checker, value: Any, path: KeyPath, base: Path) -> tuple[ModuleRule, ...]:
    rules: list[ModuleRule] = []
    for index, item in enumerate(ck.array(value, path)):
        at = (*path, index)
        rule = ck.table(item, at)
        ck.unknown_fields(rule, at, ("type", "globs", "fallthrough"))
        if rule.get("type") is None:
            raise ck.error(
                (*at, "type"), "missing required field", "pick one of " + ", ".join(RULE_TYPES)
            )
        kind = _one_of(ck, rule["type"], (*at, "type"), RULE_TYPES)
        if rule.get("globs") is None:
            raise ck.error((*at, "globs"), "missing required field", expected="a list of strings")
        globs = ck.strings(rule["globs"], (*at, "globs"))
        fallthrough = ck.opt_bool(rule, "fallthrough", at) or False
        rules.append(ModuleRule(type=cast(Any, kind), globs=globs, fallthrough=fallthrough))
    return tuple(rules)


def parse_build(ck: Checker, value: Any, path: KeyPath, base: Path) -> BuildConfig:
    table = ck.table(value, path)
    ck.unknown_fields(table, path, ("command", "cwd", "watch_dir"))
    command = ck.opt_str(table, "command", path)
    cwd = ck.opt_str(table, "cwd", path)
    raw_watch = table.get("watch_dir")
    watch: tuple[str, ...]
    if raw_watch is None:
        watch = ("./src",) if command else ()
    elif isinstance(raw_watch, list):
        watch = ck.strings(raw_watch, (*path, "watch_dir"))
    else:
        watch = (ck.string(raw_watch, (*path, "watch_dir")),)
    return BuildConfig(
        command=command,
        cwd=_resolve(base, cwd) if cwd is not None else None,
        watch_dir=tuple(_resolve(base, w) for w in watch),
    )


def parse_limits(ck: Checker, value: Any, path: KeyPath, base: Path) -> Limits:
    table = ck.table(value, path)
    ck.unknown_fields(table, path, ("cpu_ms", "memory_mb", "subrequests"))
    return Limits(
        cpu_ms=ck.opt_int(table, "cpu_ms", path, minimum=1, maximum=MAX_CPU_MS),
        memory_mb=ck.opt_int(table, "memory_mb", path, minimum=1),
        subrequests=ck.opt_int(table, "subrequests", path, minimum=1),
    )


def parse_dev(ck: Checker, value: Any, path: KeyPath, base: Path) -> DevConfig:
    table = ck.table(value, path)
    ck.unknown_fields(
        table,
        path,
        (
            "ip",
            "port",
            "local_protocol",
            "upstream_protocol",
            "host",
            "inspector_port",
            "inspector_ip",
            "enable_containers",
            "container_engine",
            "generate_types",
        ),
    )
    ip = ck.opt_str(table, "ip", path, 'use an address to listen on, e.g. "127.0.0.1"')
    port = ck.opt_int(table, "port", path, minimum=0, maximum=65535)
    local = table.get("local_protocol")
    local_protocol = _one_of(ck, local, (*path, "local_protocol"), PROTOCOLS) if local else "http"
    upstream = table.get("upstream_protocol")
    upstream_protocol = (
        _one_of(ck, upstream, (*path, "upstream_protocol"), PROTOCOLS)
        if upstream
        else local_protocol
    )
    return DevConfig(
        ip=ip if ip else "127.0.0.1",
        port=port if port is not None else 8787,
        local_protocol=cast(Any, local_protocol),
        upstream_protocol=cast(Any, upstream_protocol),
        host=ck.opt_str(table, "host", path),
        inspector_port=ck.opt_int(table, "inspector_port", path, minimum=0, maximum=65535),
    )


def parse_triggers(ck: Checker, value: Any, path: KeyPath, base: Path) -> Triggers:
    table = ck.table(value, path)
    ck.unknown_fields(table, path, ("crons",))
    crons = ck.opt_strings(table, "crons", path) or ()
    for i, cron in enumerate(crons):
        try:
            to_croniter(cron)
        except ValueError as exc:
            raise ck.error(
                (*path, "crons", i),
                f"invalid cron expression {cron!r} ({exc})",
                'use five fields "minute hour day-of-month month day-of-week", e.g. "*/5 * * * *"',
            ) from None
    return Triggers(crons=crons)


def parse_assets(ck: Checker, value: Any, path: KeyPath, base: Path) -> Assets:
    table = ck.table(value, path)
    ck.unknown_fields(
        table,
        path,
        ("directory", "binding", "html_handling", "not_found_handling", "run_worker_first"),
    )
    directory = ck.opt_str(table, "directory", path)
    rwf = table.get("run_worker_first")
    run_worker_first: bool | tuple[str, ...]
    if rwf is None:
        run_worker_first = False
    elif isinstance(rwf, bool):
        run_worker_first = rwf
    else:
        run_worker_first = ck.strings(
            rwf,
            (*path, "run_worker_first"),
            'use true, false, or a list of route patterns, e.g. ["/api/*"]',
        )
    html = table.get("html_handling")
    not_found = table.get("not_found_handling")
    return Assets(
        directory=_resolve(base, directory) if directory else None,
        binding=ck.opt_str(table, "binding", path),
        run_worker_first=run_worker_first,
        html_handling=cast(
            Any,
            _one_of(ck, html, (*path, "html_handling"), HTML_HANDLING)
            if html is not None
            else "auto-trailing-slash",
        ),
        not_found_handling=cast(
            Any,
            _one_of(ck, not_found, (*path, "not_found_handling"), NOT_FOUND_HANDLING)
            if not_found is not None
            else "none",
        ),
    )


# --- bindings ---------------------------------------------------------------------------


def _records(
    ck: Checker,
    value: Any,
    path: KeyPath,
    allowed: tuple[str, ...],
    build: Callable[[dict[str, Any], KeyPath], Any],
) -> tuple[Any, ...]:
    """Parse a list of binding tables (`[[kv_namespaces]]`, `"kv_namespaces": [...]`)."""
    out = []
    for index, item in enumerate(ck.array(value, path)):
        at = (*path, index)
        table = ck.table(item, at)
        ck.unknown_fields(table, at, allowed)
        out.append(build(table, at))
    return tuple(out)


def _remote(ck: Checker, table: Mapping[str, Any], at: KeyPath) -> bool:
    return ck.opt_bool(table, "remote", at) or False


def parse_kv_namespaces(
    ck: Checker, value: Any, path: KeyPath, base: Path
) -> tuple[KVNamespace, ...]:
    def one(t: dict[str, Any], at: KeyPath) -> KVNamespace:
        return KVNamespace(
            binding=ck.req_str(t, "binding", at),
            id=ck.opt_str(t, "id", at, "set it to the namespace id (any string works locally)"),
            preview_id=ck.opt_str(t, "preview_id", at),
            remote=_remote(ck, t, at),
        )

    return _records(ck, value, path, ("binding", "id", "preview_id", "remote"), one)


def _bucket(ck: Checker, t: Mapping[str, Any], key: str, at: KeyPath) -> str | None:
    name = ck.opt_str(t, key, at)
    if name is not None and not _R2_BUCKET.match(name):
        raise ck.error((*at, key), f"{describe(name)} is not a valid bucket name", _R2_FIX)
    return name


def parse_r2_buckets(ck: Checker, value: Any, path: KeyPath, base: Path) -> tuple[R2Bucket, ...]:
    def one(t: dict[str, Any], at: KeyPath) -> R2Bucket:
        return R2Bucket(
            binding=ck.req_str(t, "binding", at),
            bucket_name=_bucket(ck, t, "bucket_name", at),
            preview_bucket_name=_bucket(ck, t, "preview_bucket_name", at),
            jurisdiction=ck.opt_str(t, "jurisdiction", at),
            remote=_remote(ck, t, at),
        )

    allowed = ("binding", "bucket_name", "preview_bucket_name", "jurisdiction", "remote")
    return _records(ck, value, path, allowed, one)


def parse_d1_databases(
    ck: Checker, value: Any, path: KeyPath, base: Path
) -> tuple[D1Database, ...]:
    def one(t: dict[str, Any], at: KeyPath) -> D1Database:
        return D1Database(
            binding=ck.req_str(t, "binding", at),
            database_name=ck.opt_str(t, "database_name", at),
            database_id=ck.opt_str(t, "database_id", at),
            preview_database_id=ck.opt_str(t, "preview_database_id", at),
            migrations_dir=ck.opt_str(t, "migrations_dir", at) or "migrations",
            migrations_table=ck.opt_str(t, "migrations_table", at) or "d1_migrations",
            remote=_remote(ck, t, at),
        )

    allowed = (
        "binding",
        "database_id",
        "database_internal_env",
        "database_name",
        "migrations_dir",
        "migrations_table",
        "preview_database_id",
        "remote",
    )
    return _records(ck, value, path, allowed, one)


def parse_queues(ck: Checker, value: Any, path: KeyPath, base: Path) -> Queues:
    table = ck.table(value, path)
    ck.unknown_fields(table, path, ("producers", "consumers"))

    def producer(t: dict[str, Any], at: KeyPath) -> QueueProducer:
        return QueueProducer(
            binding=ck.req_str(t, "binding", at),
            queue=ck.req_str(t, "queue", at),
            delivery_delay=ck.opt_int(t, "delivery_delay", at, minimum=0, maximum=MAX_DELAY_S),
            remote=_remote(ck, t, at),
        )

    def consumer(t: dict[str, Any], at: KeyPath) -> QueueConsumer:
        size = ck.opt_int(t, "max_batch_size", at, minimum=1, maximum=MAX_BATCH_SIZE)
        timeout = t.get("max_batch_timeout")
        retries = ck.opt_int(t, "max_retries", at, minimum=0, maximum=MAX_RETRIES)
        return QueueConsumer(
            queue=ck.req_str(t, "queue", at),
            max_batch_size=size if size is not None else 10,
            max_batch_timeout=(
                ck.number(
                    timeout, (*at, "max_batch_timeout"), minimum=0, maximum=MAX_BATCH_TIMEOUT_S
                )
                if timeout is not None
                else 5
            ),
            max_retries=retries if retries is not None else 3,
            dead_letter_queue=ck.opt_str(t, "dead_letter_queue", at),
            max_concurrency=ck.opt_int(t, "max_concurrency", at, minimum=1),
            retry_delay=ck.opt_int(t, "retry_delay", at, minimum=0, maximum=MAX_DELAY_S),
            type=ck.opt_str(t, "type", at),
            visibility_timeout_ms=ck.opt_int(t, "visibility_timeout_ms", at, minimum=0),
        )

    producers = ()
    if table.get("producers") is not None:
        producers = _records(
            ck,
            table["producers"],
            (*path, "producers"),
            ("binding", "queue", "delivery_delay", "remote"),
            producer,
        )
    consumers = ()
    if table.get("consumers") is not None:
        consumers = _records(
            ck,
            table["consumers"],
            (*path, "consumers"),
            (
                "queue",
                "type",
                "max_batch_size",
                "max_batch_timeout",
                "max_retries",
                "dead_letter_queue",
                "max_concurrency",
                "visibility_timeout_ms",
                "retry_delay",
            ),
            consumer,
        )
    return Queues(producers=producers, consumers=consumers)


def parse_durable_objects(ck: Checker, value: Any, path: KeyPath, base: Path) -> DurableObjects:
    table = ck.table(value, path)
    ck.unknown_fields(table, path, ("bindings",))
    if table.get("bindings") is None:
        raise ck.error(
            (*path, "bindings"),
            "missing required field",
            'list the bindings: bindings = [{ name = "MY_DO", class_name = "MyDO" }]',
        )

    def one(t: dict[str, Any], at: KeyPath) -> DurableObjectBinding:
        binding = DurableObjectBinding(
            name=ck.req_str(t, "name", at, "set it to the name your code uses as env.<BINDING>"),
            class_name=ck.req_str(t, "class_name", at),
            script_name=ck.opt_str(t, "script_name", at),
            environment=ck.opt_str(t, "environment", at),
        )
        if binding.environment is not None and binding.script_name is None:
            raise ck.error(
                (*at, "environment"),
                'binding should have a "script_name" field if "environment" is present',
                "add script_name, or remove environment",
            )
        return binding

    allowed = ("class_name", "environment", "name", "script_name", "remote")
    return DurableObjects(
        bindings=_records(ck, table["bindings"], (*path, "bindings"), allowed, one)
    )


def _class_moves(
    ck: Checker, value: Any, path: KeyPath, keys: tuple[str, ...]
) -> list[dict[str, str]]:
    shape = "{" + ", ".join(f"{k}: string" for k in keys) + "}"
    fix = f'use a list of "{shape}" objects'
    items = ck.array(value, path, fix)
    for index, item in enumerate(items):
        at = (*path, index)
        entry = ck.table(item, at, fix)
        for key in keys:
            if entry.get(key) is None:
                raise ck.error((*at, key), "missing required field", fix)
            ck.string(entry[key], (*at, key), fix)
    return [cast(dict[str, str], item) for item in items]


def parse_migrations(ck: Checker, value: Any, path: KeyPath, base: Path) -> tuple[Migration, ...]:
    def one(t: dict[str, Any], at: KeyPath) -> Migration:
        renamed = t.get("renamed_classes")
        transferred = t.get("transferred_classes")
        return Migration(
            tag=ck.req_str(t, "tag", at),
            new_classes=ck.opt_strings(t, "new_classes", at) or (),
            new_sqlite_classes=ck.opt_strings(t, "new_sqlite_classes", at) or (),
            renamed_classes=tuple(
                RenamedClass(from_=r["from"], to=r["to"])
                for r in (
                    _class_moves(ck, renamed, (*at, "renamed_classes"), ("from", "to"))
                    if renamed is not None
                    else []
                )
            ),
            deleted_classes=ck.opt_strings(t, "deleted_classes", at) or (),
            transferred_classes=tuple(
                TransferredClass(from_=r["from"], from_script=r["from_script"], to=r["to"])
                for r in (
                    _class_moves(
                        ck, transferred, (*at, "transferred_classes"), ("from", "from_script", "to")
                    )
                    if transferred is not None
                    else []
                )
            ),
        )

    allowed = (
        "tag",
        "new_classes",
        "new_sqlite_classes",
        "renamed_classes",
        "deleted_classes",
        "transferred_classes",
    )
    return _records(ck, value, path, allowed, one)


def parse_services(
    ck: Checker, value: Any, path: KeyPath, base: Path
) -> tuple[ServiceBinding, ...]:
    def one(t: dict[str, Any], at: KeyPath) -> ServiceBinding:
        return ServiceBinding(
            binding=ck.req_str(t, "binding", at),
            service=ck.req_str(t, "service", at),
            entrypoint=ck.opt_str(t, "entrypoint", at),
            environment=ck.opt_str(t, "environment", at),
            remote=_remote(ck, t, at),
        )

    allowed = ("binding", "service", "entrypoint", "environment", "remote", "props")
    return _records(ck, value, path, allowed, one)


def parse_ai(ck: Checker, value: Any, path: KeyPath, base: Path) -> AIBinding:
    table = ck.table(value, path)
    ck.unknown_fields(table, path, ("binding", "remote", "staging"))
    return AIBinding(binding=ck.req_str(table, "binding", path), remote=_remote(ck, table, path))


def parse_browser(ck: Checker, value: Any, path: KeyPath, base: Path) -> BrowserBinding:
    table = ck.table(value, path)
    ck.unknown_fields(table, path, ("binding", "remote"))
    return BrowserBinding(
        binding=ck.req_str(table, "binding", path), remote=_remote(ck, table, path)
    )


def parse_version_metadata(
    ck: Checker, value: Any, path: KeyPath, base: Path
) -> VersionMetadataBinding:
    table = ck.table(value, path)
    ck.unknown_fields(table, path, ("binding",))
    return VersionMetadataBinding(binding=ck.req_str(table, "binding", path))


def parse_analytics_engine_datasets(
    ck: Checker, value: Any, path: KeyPath, base: Path
) -> tuple[AnalyticsEngineDataset, ...]:
    def one(t: dict[str, Any], at: KeyPath) -> AnalyticsEngineDataset:
        dataset = ck.opt_str(t, "dataset", at)
        if dataset == "":
            raise ck.error((*at, "dataset"), "must not be empty", "remove it or name the dataset")
        return AnalyticsEngineDataset(binding=ck.req_str(t, "binding", at), dataset=dataset)

    return _records(ck, value, path, ("binding", "dataset"), one)


def parse_hyperdrive(
    ck: Checker, value: Any, path: KeyPath, base: Path
) -> tuple[HyperdriveBinding, ...]:
    def one(t: dict[str, Any], at: KeyPath) -> HyperdriveBinding:
        return HyperdriveBinding(
            binding=ck.req_str(t, "binding", at),
            id=ck.req_str(t, "id", at, "set it to the Hyperdrive config id"),
            local_connection_string=ck.opt_str(t, "localConnectionString", at),
        )

    return _records(ck, value, path, ("binding", "id", "localConnectionString"), one)


def parse_vectorize(
    ck: Checker, value: Any, path: KeyPath, base: Path
) -> tuple[VectorizeBinding, ...]:
    def one(t: dict[str, Any], at: KeyPath) -> VectorizeBinding:
        return VectorizeBinding(
            binding=ck.req_str(t, "binding", at),
            index_name=ck.req_str(t, "index_name", at, "set it to the name of the index"),
            remote=_remote(ck, t, at),
        )

    return _records(ck, value, path, ("binding", "index_name", "remote"), one)


def parse_workflows(
    ck: Checker, value: Any, path: KeyPath, base: Path
) -> tuple[WorkflowBinding, ...]:
    def one(t: dict[str, Any], at: KeyPath) -> WorkflowBinding:
        return WorkflowBinding(
            binding=ck.req_str(t, "binding", at),
            name=ck.req_str(t, "name", at, "set it to the name of the workflow"),
            class_name=ck.req_str(t, "class_name", at),
            script_name=ck.opt_str(t, "script_name", at),
            remote=_remote(ck, t, at),
        )

    workflows = _records(
        ck, value, path, ("binding", "name", "class_name", "script_name", "remote"), one
    )
    seen: set[str] = set()
    for index, wf in enumerate(workflows):
        if wf.name in seen:
            raise ck.error(
                (*path, index, "name"),
                f'"{wf.name}" is used by two workflows bindings',
                'give each workflow its own "name"',
            )
        seen.add(wf.name)
    return workflows


def parse_send_email(
    ck: Checker, value: Any, path: KeyPath, base: Path
) -> tuple[SendEmailBinding, ...]:
    def one(t: dict[str, Any], at: KeyPath) -> SendEmailBinding:
        if "destination_address" in t and "allowed_destination_addresses" in t:
            raise ck.error(
                (*at, "allowed_destination_addresses"),
                'bindings should have either a "destination_address" or '
                '"allowed_destination_addresses" field, but not both',
                "remove one of them",
            )
        return SendEmailBinding(
            name=ck.req_str(t, "name", at, "set it to the name your code uses as env.<BINDING>"),
            destination_address=ck.opt_str(t, "destination_address", at),
            allowed_destination_addresses=ck.opt_strings(t, "allowed_destination_addresses", at),
            allowed_sender_addresses=ck.opt_strings(t, "allowed_sender_addresses", at),
            remote=_remote(ck, t, at),
        )

    allowed = (
        "name",
        "binding",
        "destination_address",
        "allowed_destination_addresses",
        "allowed_sender_addresses",
        "remote",
    )
    return _records(ck, value, path, allowed, one)


def parse_tail_consumers(
    ck: Checker, value: Any, path: KeyPath, base: Path
) -> tuple[TailConsumer, ...]:
    def one(t: dict[str, Any], at: KeyPath) -> TailConsumer:
        return TailConsumer(
            service=ck.req_str(t, "service", at), environment=ck.opt_str(t, "environment", at)
        )

    return _records(ck, value, path, ("service", "environment"), one)


def parse_accepted(ck: Checker, value: Any, path: KeyPath, base: Path) -> Any:
    """Keys pyworkerd accepts for compatibility but does not use: kept raw."""
    return value


#: Parser of every key an environment (top level or `env.<name>`) may hold.
SECTION_PARSERS: dict[str, SectionParser] = {
    "name": parse_name,
    "main": parse_path,
    "compatibility_date": parse_compatibility_date,
    "compatibility_flags": parse_strings,
    "rules": parse_rules,
    "build": parse_build,
    "no_bundle": parse_bool,
    "minify": parse_bool,
    "keep_names": parse_bool,
    "jsx_factory": parse_string,
    "jsx_fragment": parse_string,
    "tsconfig": parse_path,
    "find_additional_modules": parse_bool,
    "base_dir": parse_path,
    "limits": parse_limits,
    "triggers": parse_triggers,
    "assets": parse_assets,
    "migrations": parse_migrations,
    "vars": parse_vars,
    "define": parse_string_map,
    "kv_namespaces": parse_kv_namespaces,
    "r2_buckets": parse_r2_buckets,
    "d1_databases": parse_d1_databases,
    "queues": parse_queues,
    "durable_objects": parse_durable_objects,
    "services": parse_services,
    "ai": parse_ai,
    "analytics_engine_datasets": parse_analytics_engine_datasets,
    "hyperdrive": parse_hyperdrive,
    "vectorize": parse_vectorize,
    "workflows": parse_workflows,
    "send_email": parse_send_email,
    "version_metadata": parse_version_metadata,
    "tail_consumers": parse_tail_consumers,
    "browser": parse_browser,
}
