"""Typed reads of raw parsed values, failing with a one-line ConfigError.

Section parsers never test types by hand: they ask the Checker for "a string at this
path" and get either the value or an error that already carries the file, the line, the
key path and a fix. Warnings collect on the Checker and end up on `WorkerConfig.warnings`.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Collection, Mapping
from typing import Any

from .errors import ConfigError, KeyPath, format_key_path
from .locate import Locator

__all__ = ["Checker", "describe"]

# How to fix a bad value, by the key's own name; more specific than the per-type hints.
_KEY_HINTS: dict[str, str] = {
    "binding": "set it to the name your code uses as env.<BINDING>",
    "main": 'set it to your entry file, relative to the config file, e.g. "src/index.ts"',
    "name": "use lowercase letters, digits, dashes and underscores",
    "compatibility_date": 'use a date in quotes, e.g. "2025-01-01"',
    "compatibility_flags": 'use a list of flag names, e.g. ["nodejs_compat"]',
    "class_name": "set it to the name of the class your worker exports",
    "queue": "set it to the name of the queue",
    "service": "set it to the name of the worker to bind to",
    "bucket_name": "set it to the name of the bucket",
    "database_name": "set it to the name of the database",
    "globs": 'use a list of glob patterns, e.g. ["**/*.txt"]',
    "crons": 'use a list of cron expressions, e.g. ["*/5 * * * *"]',
    "tag": 'give each migration a unique tag, e.g. "v1"',
    "port": "use a port number from 0 to 65535",
    "inspector_port": "use a port number from 0 to 65535",
    "directory": 'set it to the folder of static files, e.g. "./public"',
}

_TYPE_HINTS: dict[str, str] = {
    "a string": 'put the value in quotes, e.g. "value"',
    "a boolean": "use true or false",
    "a whole number": "use a whole number without quotes",
    "a number": "use a number without quotes",
    "a list of strings": 'use a list of strings, e.g. ["a", "b"]',
    "an object": "use an object: { ... } in JSON, a [table] or { ... } in TOML",
    "a list": "use a list: [ ... ]",
}


def describe(value: Any) -> str:
    """A short, JSON-like rendering of a raw value for messages."""
    if isinstance(value, datetime.date | datetime.time):
        return f"a TOML date {value.isoformat()}"
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except ValueError:
        text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


def _last_key(path: KeyPath) -> str:
    for part in reversed(path):
        if isinstance(part, str):
            return part
    return ""


class Checker:
    """Reads values out of one config file; knows its name and where each key is."""

    def __init__(self, file: str, locator: Locator) -> None:
        self.file = file
        self.locator = locator
        self.warnings: list[str] = []

    # --- reporting ----------------------------------------------------------------------

    def line(self, path: KeyPath) -> int:
        return self.locator.line_of(path)

    def error(
        self, path: KeyPath, problem: str, fix: str | None = None, *, expected: str = ""
    ) -> ConfigError:
        hint = fix or _KEY_HINTS.get(_last_key(path)) or _TYPE_HINTS.get(expected, "")
        return ConfigError(self.file, self.line(path), format_key_path(path), problem, hint)

    def warn(self, path: KeyPath | None, message: str) -> None:
        """Record a one-line warning, at the line of `path` when given."""
        where = f"{self.file}:{self.line(path)}" if path is not None else self.file
        self.warnings.append(" ".join(f"{where}: {message}".splitlines()))

    def unknown_fields(
        self, obj: Mapping[str, Any], path: KeyPath, allowed: Collection[str]
    ) -> None:
        """wrangler's "Unexpected fields found in <field> field" warning, as one line."""
        extra = [key for key in obj if key not in allowed]
        if not extra:
            return
        label = format_key_path(path) or "top-level"
        names = ",".join(f'"{key}"' for key in extra)
        self.warn(
            (*path, extra[0]),
            f"Unexpected fields found in {label} field: {names}; "
            "check the spelling (pyworkerd ignores unknown fields)",
        )

    def _wrong(self, value: Any, path: KeyPath, expected: str, fix: str | None) -> ConfigError:
        return self.error(
            path, f"expected {expected}, got {describe(value)}", fix, expected=expected
        )

    # --- typed reads --------------------------------------------------------------------

    def table(self, value: Any, path: KeyPath, fix: str | None = None) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self._wrong(value, path, "an object", fix)
        return value

    def array(self, value: Any, path: KeyPath, fix: str | None = None) -> list[Any]:
        if not isinstance(value, list):
            raise self._wrong(value, path, "a list", fix)
        return value

    def string(
        self, value: Any, path: KeyPath, fix: str | None = None, *, non_empty: bool = False
    ) -> str:
        if not isinstance(value, str):
            raise self._wrong(value, path, "a string", fix)
        if non_empty and not value.strip():
            raise self.error(path, "must not be empty", fix, expected="a string")
        return value

    def boolean(self, value: Any, path: KeyPath, fix: str | None = None) -> bool:
        if not isinstance(value, bool):
            raise self._wrong(value, path, "a boolean", fix)
        return value

    def integer(
        self,
        value: Any,
        path: KeyPath,
        *,
        minimum: int | None = None,
        maximum: int | None = None,
        fix: str | None = None,
    ) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._wrong(value, path, "a whole number", fix)
        self._in_range(value, path, minimum, maximum, fix)
        return value

    def number(
        self,
        value: Any,
        path: KeyPath,
        *,
        minimum: float | None = None,
        maximum: float | None = None,
        fix: str | None = None,
    ) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self._wrong(value, path, "a number", fix)
        self._in_range(value, path, minimum, maximum, fix)
        return value

    def _in_range(
        self,
        value: float,
        path: KeyPath,
        minimum: float | None,
        maximum: float | None,
        fix: str | None,
    ) -> None:
        low = minimum is not None and value < minimum
        high = maximum is not None and value > maximum
        if not (low or high):
            return
        if minimum is not None and maximum is not None:
            span = f"from {minimum} to {maximum}"
        elif minimum is not None:
            span = f"of at least {minimum}"
        else:
            span = f"of at most {maximum}"
        problem = f"must be at least {minimum}" if low else f"must be at most {maximum}"
        hint = fix or _KEY_HINTS.get(_last_key(path)) or f"use a value {span}"
        raise self.error(path, f"{problem}, got {describe(value)}", hint)

    def strings(self, value: Any, path: KeyPath, fix: str | None = None) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise self._wrong(value, path, "a list of strings", fix)
        for index, item in enumerate(value):
            if not isinstance(item, str):
                raise self._wrong(item, (*path, index), "a string", fix)
        return tuple(value)

    def string_map(self, value: Any, path: KeyPath, fix: str | None = None) -> dict[str, str]:
        table = self.table(value, path, fix)
        for key, item in table.items():
            self.string(item, (*path, key), fix)
        return dict(table)

    # --- fields of a table ----------------------------------------------------------------

    def req_str(
        self, obj: Mapping[str, Any], key: str, path: KeyPath, fix: str | None = None
    ) -> str:
        if obj.get(key) is None:
            raise self.error((*path, key), "missing required field", fix, expected="a string")
        return self.string(obj[key], (*path, key), fix, non_empty=True)

    def opt_str(
        self, obj: Mapping[str, Any], key: str, path: KeyPath, fix: str | None = None
    ) -> str | None:
        value = obj.get(key)
        return None if value is None else self.string(value, (*path, key), fix)

    def opt_bool(
        self, obj: Mapping[str, Any], key: str, path: KeyPath, fix: str | None = None
    ) -> bool | None:
        value = obj.get(key)
        return None if value is None else self.boolean(value, (*path, key), fix)

    def opt_int(
        self,
        obj: Mapping[str, Any],
        key: str,
        path: KeyPath,
        *,
        minimum: int | None = None,
        maximum: int | None = None,
        fix: str | None = None,
    ) -> int | None:
        value = obj.get(key)
        if value is None:
            return None
        return self.integer(value, (*path, key), minimum=minimum, maximum=maximum, fix=fix)

    def opt_strings(
        self, obj: Mapping[str, Any], key: str, path: KeyPath, fix: str | None = None
    ) -> tuple[str, ...] | None:
        value = obj.get(key)
        return None if value is None else self.strings(value, (*path, key), fix)
