"""Find, read and resolve a wrangler config into one `WorkerConfig`.

The steps: parse the file (syntax errors carry the parser's line), warn about unknown
top-level keys, validate every top-level section, select the `--env` environment with
wrangler's inheritance rules, validate what the environment adds, then cross-section
checks (binding names unique, `main` present). `.dev.vars` / `.env` fill `secrets`.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pyjson5

from .checker import Checker
from .environments import ENVIRONMENT_KEYS, TOP_LEVEL_ONLY, select_environment
from .errors import ConfigError, KeyPath, display_path
from .locate import Locator
from .model import DevConfig, FrozenMap, JSONValue, Limits, WorkerConfig
from .parse import SECTION_PARSERS, parse_compatibility_date, parse_dev, parse_string_map
from .secrets import load_secrets

__all__ = ["CONFIG_FILE_NAMES", "apply_overrides", "check_main", "find_config", "load_config"]

#: The names wrangler looks for, in its order of preference within one directory.
CONFIG_FILE_NAMES = ("wrangler.json", "wrangler.jsonc", "wrangler.toml")

_NO_VARS: Mapping[str, str] = MappingProxyType({})
_MISSING_DATE = "No compatibility_date was specified."


def find_config(project_dir: Path) -> Path | None:
    """The config file for `project_dir`: the nearest directory upwards that holds one.

    Within a directory wrangler.json wins over wrangler.jsonc over wrangler.toml.
    """
    start = project_dir.resolve()
    for directory in (start, *start.parents):
        for name in CONFIG_FILE_NAMES:
            candidate = directory / name
            if candidate.is_file():
                return candidate
    return None


# --- reading -------------------------------------------------------------------------------


def _fmt(path: Path) -> str:
    return "toml" if path.suffix == ".toml" else "json"


def _read_text(path: Path) -> str:
    file = display_path(path)
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(
            file, None, None, "config file not found", "check the path given to --config"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            file, None, None, f"cannot read the config file: {exc}", "make it a readable UTF-8 file"
        ) from exc


def _line_col(text: str, offset: int) -> tuple[int, int]:
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


def _parse_toml(text: str, file: str) -> Any:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
        line: int | None = None
        if match:
            line = int(match.group(1))
            message = message[: match.start()] + f" at column {match.group(2)}"
        elif "end of document" in message:
            line = text.count("\n") + 1
        raise ConfigError(
            file, line, None, f"invalid TOML: {message}", "fix the TOML syntax on that line"
        ) from None


def _parse_json(text: str, file: str) -> Any:
    try:
        return pyjson5.decode(text)
    except pyjson5.Json5Exception as exc:
        message = str(exc.args[0]) if exc.args else str(exc)
        match = re.search(r"near (\d+)", message)
        line: int | None = None
        if match:
            line, col = _line_col(text, int(match.group(1)) - 1)
            message = message.replace(match.group(0), f"at column {col}")
        message = re.sub(r"b'([^']*)'", r"\1", message)
        message = re.sub(
            r"U\+([0-9a-fA-F]{4,6})", lambda m: repr(chr(int(m.group(1), 16))), message
        )
        raise ConfigError(
            file, line, None, f"invalid JSON: {message}", "fix the JSON syntax on that line"
        ) from None


def _read(path: Path) -> tuple[dict[str, Any], Checker]:
    """Parse the file; return the raw table and a Checker that knows its lines."""
    text = _read_text(path)
    file = display_path(path)
    fmt = _fmt(path)
    raw = _parse_toml(text, file) if fmt == "toml" else _parse_json(text, file)
    if not isinstance(raw, dict):
        raise ConfigError(
            file,
            1,
            None,
            f"the file must hold an object at the top, got {type(raw).__name__}",
            'wrap the settings in { ... }, e.g. { "name": "my-worker" }',
        )
    return raw, Checker(file, Locator.for_text(text, fmt))


# --- resolving ------------------------------------------------------------------------------


def _snippet(fmt: str, key: str, value: JSONValue) -> str:
    if fmt == "toml":
        return f"{key} = {json.dumps(value)}"
    return f"{json.dumps(key)}: {json.dumps(value)}"


def _today() -> str:
    return datetime.datetime.now(datetime.UTC).date().isoformat()


def _english(items: list[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + ", and " + items[-1]


def _check_unique_bindings(ck: Checker, cfg: WorkerConfig, src: Mapping[str, KeyPath]) -> None:
    """wrangler rejects two bindings with one name: `env.X` could only hold one of them."""
    entries: list[tuple[str, str, KeyPath]] = []

    def add(section: str, kind: str, names: list[tuple[str, KeyPath]]) -> None:
        base = src.get(section, (section,))
        entries.extend((name, kind, (*base, *rest)) for name, rest in names)

    do = cfg.durable_objects.bindings
    add(
        "durable_objects",
        "Durable Object",
        [(b.name, ("bindings", i, "name")) for i, b in enumerate(do)],
    )
    add(
        "kv_namespaces",
        "KV Namespace",
        [(b.binding, (i, "binding")) for i, b in enumerate(cfg.kv_namespaces)],
    )
    add(
        "queues",
        "Queue",
        [(b.binding, ("producers", i, "binding")) for i, b in enumerate(cfg.queues.producers)],
    )
    add(
        "d1_databases",
        "D1 Database",
        [(b.binding, (i, "binding")) for i, b in enumerate(cfg.d1_databases)],
    )
    add(
        "vectorize",
        "Vectorize Index",
        [(b.binding, (i, "binding")) for i, b in enumerate(cfg.vectorize)],
    )
    add(
        "hyperdrive",
        "Hyperdrive Config",
        [(b.binding, (i, "binding")) for i, b in enumerate(cfg.hyperdrive)],
    )
    add(
        "r2_buckets",
        "R2 Bucket",
        [(b.binding, (i, "binding")) for i, b in enumerate(cfg.r2_buckets)],
    )
    add("services", "Worker", [(b.binding, (i, "binding")) for i, b in enumerate(cfg.services)])
    add(
        "analytics_engine_datasets",
        "Analytics Engine Dataset",
        [(b.binding, (i, "binding")) for i, b in enumerate(cfg.analytics_engine_datasets)],
    )
    if cfg.browser is not None:
        add("browser", "Browser", [(cfg.browser.binding, ("binding",))])
    if cfg.ai is not None:
        add("ai", "AI", [(cfg.ai.binding, ("binding",))])
    if cfg.version_metadata is not None:
        add(
            "version_metadata",
            "Worker Version Metadata",
            [(cfg.version_metadata.binding, ("binding",))],
        )
    add("vars", "Environment Variable", [(name, (name,)) for name in cfg.vars])
    add("workflows", "Workflow", [(b.binding, (i, "binding")) for i, b in enumerate(cfg.workflows)])
    if cfg.assets is not None and cfg.assets.binding:
        add("assets", "Assets", [(cfg.assets.binding, ("binding",))])

    by_name: dict[str, list[tuple[str, KeyPath]]] = {}
    for name, kind, path in entries:
        by_name.setdefault(name, []).append((kind, path))
    for name, found in by_name.items():
        if len(found) < 2:
            continue
        kinds = list(dict.fromkeys(kind for kind, _ in found))
        problem = (
            f"{name} assigned to {_english(kinds)} bindings"
            if len(kinds) > 1
            else f"{name} assigned to multiple {kinds[0]} bindings"
        )
        _, where = max(found, key=lambda item: ck.line(item[1]))
        raise ck.error(
            where,
            problem,
            "rename one of them: bindings must have unique names, "
            "so that they can all be referenced in the worker",
        )


def _warn_durable_objects_without_migrations(
    ck: Checker, cfg: WorkerConfig, src: Mapping[str, KeyPath], fmt: str, label: str
) -> None:
    exported = [b.class_name for b in cfg.durable_objects.bindings if not b.script_name]
    if not exported or cfg.migrations:
        return
    if fmt == "toml":
        example = f'[[migrations]] tag = "v1" new_classes = {json.dumps(exported)}'
    else:
        example = json.dumps({"migrations": [{"tag": "v1", "new_classes": exported}]})
    ck.warn(
        src.get("durable_objects", ("durable_objects",)),
        f"In your {label} file, you have configured `durable_objects` exported by this Worker "
        f"({', '.join(exported)}), but no `migrations` for them. This may not work as expected "
        f"until you add a `migrations` section to your {label} file: {example}",
    )


def load_config(
    path: Path,
    *,
    env: str | None = None,
    cli_vars: Mapping[str, str] = _NO_VARS,
    require_main: bool = True,
) -> WorkerConfig:
    """Read `path` (wrangler.jsonc / .json / .toml) for environment `env`.

    `cli_vars` (from `--var KEY:VALUE`) override `vars` and any same-named local secret.
    With `require_main` (the default) a worker needs `main` or `assets`, and `main` and
    `assets.directory` must exist — unless `build.command` is set, since the build may
    create them: call `check_main` after building. Commands that never run the worker
    (`d1`, `kv`) pass `require_main=False`. Raises ConfigError; never anything else for
    bad input.
    """
    config_path = Path(os.path.normpath(path.absolute()))
    raw, ck = _read(config_path)
    base = config_path.parent
    fmt = _fmt(config_path)
    label = config_path.name

    ck.unknown_fields(raw, (), ENVIRONMENT_KEYS | TOP_LEVEL_ONLY | {"env"})

    # Validate every top-level section, used or not, as wrangler does.
    top: dict[str, Any] = {}
    for key, value in raw.items():
        parser = SECTION_PARSERS.get(key)
        if parser is not None and value is not None:
            top[key] = parser(ck, value, (key,), base)

    selection = select_environment(ck, raw, env, label)
    values: dict[str, Any] = {}
    src: dict[str, KeyPath] = {}
    for key, (value, where) in selection.values.items():
        parser = SECTION_PARSERS.get(key)
        if parser is None:
            continue
        values[key] = top[key] if where == (key,) else parser(ck, value, where, base)
        src[key] = where

    dev = parse_dev(ck, raw["dev"], ("dev",), base) if raw.get("dev") is not None else DevConfig()
    alias: FrozenMap[str, str] = (
        parse_string_map(ck, raw["alias"], ("alias",), base)
        if raw.get("alias") is not None
        else FrozenMap()
    )

    compatibility_date = values.get("compatibility_date")
    if compatibility_date is None:
        today = _today()
        ck.warn(
            None,
            f"{_MISSING_DATE} Using today's date: {today}. Add one to your {label} file: "
            f"{_snippet(fmt, 'compatibility_date', today)}, or pass it in your terminal: "
            f"--compatibility-date={today}",
        )
        compatibility_date = today

    vars_: dict[str, JSONValue] = dict(values.get("vars", {}))
    vars_.update(cli_vars)
    secrets = {k: v for k, v in load_secrets(base, env).items() if k not in cli_vars}

    main: Path | None = values.get("main")
    base_dir: Path | None = values.get("base_dir") or (main.parent if main else None)

    cfg = WorkerConfig(
        name=selection.name,
        main=main,
        config_path=config_path,
        project_dir=base,
        env_name=env,
        compatibility_date=compatibility_date,
        compatibility_flags=values.get("compatibility_flags", ()),
        vars=FrozenMap(vars_),
        secrets=FrozenMap(secrets),
        limits=values.get("limits", Limits()),
        dev=dev,
        rules=values.get("rules", ()),
        find_additional_modules=values.get("find_additional_modules", False),
        base_dir=base_dir,
        no_bundle=values.get("no_bundle", False),
        minify=values.get("minify", False),
        keep_names=values.get("keep_names", True),
        jsx_factory=values.get("jsx_factory", "React.createElement"),
        jsx_fragment=values.get("jsx_fragment", "React.Fragment"),
        tsconfig=values.get("tsconfig"),
        define=values.get("define", FrozenMap()),
        alias=alias,
        **{
            key: values[key]
            for key in (
                "build",
                "kv_namespaces",
                "r2_buckets",
                "d1_databases",
                "queues",
                "durable_objects",
                "migrations",
                "services",
                "ai",
                "triggers",
                "assets",
                "analytics_engine_datasets",
                "hyperdrive",
                "vectorize",
                "workflows",
                "send_email",
                "version_metadata",
                "tail_consumers",
                "browser",
            )
            if key in values
        },
    )

    _check_unique_bindings(ck, cfg, src)
    _warn_durable_objects_without_migrations(ck, cfg, src, fmt, label)

    if require_main:
        if cfg.main is None and cfg.assets is None:
            raise ck.error(
                ("main",),
                "missing required field",
                'set "main" to the worker\'s entry file, e.g. "src/index.ts", '
                'or configure "assets" for an assets-only worker',
            )
        if cfg.build.command is None:
            _check_files(ck, cfg, src)

    return dataclasses.replace(cfg, warnings=tuple(ck.warnings))


def _check_files(ck: Checker, cfg: WorkerConfig, src: Mapping[str, KeyPath]) -> None:
    label = cfg.config_path.name
    if cfg.main is not None and not cfg.main.is_file():
        shown = os.path.relpath(cfg.main, cfg.project_dir)
        raise ck.error(
            src.get("main", ("main",)),
            f'the entry-point file at "{shown}" was not found',
            f"fix the path, which is relative to the directory holding {label}",
        )
    if cfg.assets is not None:
        directory = cfg.assets.directory
        where = (*src.get("assets", ("assets",)), "directory")
        if directory is None:
            raise ck.error(
                where,
                "missing required field",
                'set it to the folder of static files, e.g. "./public"',
            )
        if not directory.is_dir():
            shown = os.path.relpath(directory, cfg.project_dir)
            raise ck.error(
                where,
                f'the directory "{shown}" does not exist',
                f"create it, or fix the path, which is relative to the directory holding {label}",
            )


def check_main(cfg: WorkerConfig) -> None:
    """Check that `main` and `assets.directory` exist, e.g. after running `build.command`."""
    text = _read_text(cfg.config_path)
    ck = Checker(display_path(cfg.config_path), Locator.for_text(text, _fmt(cfg.config_path)))
    src: dict[str, KeyPath] = {}
    for key in ("main", "assets"):
        env_path: KeyPath = ("env", cfg.env_name, key) if cfg.env_name else ()
        src[key] = env_path if env_path and ck.locator.has(env_path) else (key,)
    _check_files(ck, cfg, src)


def apply_overrides(
    cfg: WorkerConfig,
    *,
    compatibility_date: str | None = None,
    compatibility_flags: tuple[str, ...] | list[str] | None = None,
    ip: str | None = None,
    port: int | None = None,
    define: Mapping[str, str] | None = None,
    vars: Mapping[str, str] | None = None,
) -> WorkerConfig:
    """Apply command-line flags, which win over the file (as in wrangler).

    `compatibility_flags` replaces the file's list; `define` and `vars` are merged over
    the file's (a `--var` also hides a same-named local secret).
    """
    changes: dict[str, Any] = {}
    warnings = cfg.warnings
    if compatibility_date is not None:
        ck = Checker("command line", Locator({}))
        try:
            parse_compatibility_date(
                ck, compatibility_date, ("--compatibility-date",), cfg.project_dir
            )
        except ConfigError as exc:
            raise ConfigError(
                "command line", None, "--compatibility-date", exc.problem, exc.fix
            ) from None
        changes["compatibility_date"] = compatibility_date
        warnings = tuple(w for w in warnings if _MISSING_DATE not in w)
    if compatibility_flags is not None:
        changes["compatibility_flags"] = tuple(compatibility_flags)
    if ip is not None or port is not None:
        if port is not None and not 0 <= port <= 65535:
            raise ConfigError(
                "command line",
                None,
                "--port",
                f"must be from 0 to 65535, got {port}",
                "use a valid port",
            )
        changes["dev"] = dataclasses.replace(
            cfg.dev,
            ip=ip if ip is not None else cfg.dev.ip,
            port=port if port is not None else cfg.dev.port,
        )
    if define is not None:
        changes["define"] = FrozenMap({**cfg.define, **define})
    if vars is not None:
        changes["vars"] = FrozenMap({**cfg.vars, **vars})
        changes["secrets"] = FrozenMap({k: v for k, v in cfg.secrets.items() if k not in vars})
    changes["warnings"] = warnings
    return dataclasses.replace(cfg, **changes)
