"""Local secrets: `.dev.vars` or, failing that, `.env` files — wrangler's rules.

- `.dev.vars.<env>` is read instead of `.dev.vars` when `--env` is given and it exists.
- Only when no `.dev.vars*` file applies are `.env` files read, merged in the order
  `.env`, `.env.local`, `.env.<env>`, `.env.<env>.local` (later wins), then expanded
  (`${VAR}`, `${VAR:-default}`, `$VAR`), as wrangler does with dotenv-expand.
  `CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV=false` turns the `.env` fallback off.
- Both use the dotenv format: `KEY=value`, `export KEY=value`, `KEY: value`, `#` comments,
  single/double/back quotes (double quotes turn `\\n` and `\\r` into newlines), values
  spanning lines inside quotes. Lines that do not parse are skipped, like dotenv.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from .errors import ConfigError, display_path

__all__ = ["dotenv_files", "expand_dotenv", "load_secrets", "parse_dotenv"]

# A port of dotenv's (v16) LINE expression.
_LINE = re.compile(
    r"^\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)"
    r"(\s*'(?:\\'|[^'])*'|\s*\"(?:\\\"|[^\"])*\"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?"
    r"\s*(?:#.*)?$",
    re.MULTILINE | re.ASCII,
)


def parse_dotenv(text: str) -> dict[str, str]:
    """Parse dotenv text into a dict; the last assignment of a key wins."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    out: dict[str, str] = {}
    for match in _LINE.finditer(text):
        key = match.group(1)
        value = (match.group(2) or "").strip()
        quote = value[:1]
        if len(value) >= 2 and quote in "'\"`" and value[-1] == quote:
            value = value[1:-1]
        if quote == '"':
            value = value.replace("\\n", "\n").replace("\\r", "\r")
        out[key] = value
    return out


_REF = re.compile(
    r"(\\)?\$(?:\{([A-Za-z_][A-Za-z0-9_.-]*)(?:(:?-)([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))"
)


def expand_dotenv(values: Mapping[str, str]) -> dict[str, str]:
    """Expand `${VAR}`, `${VAR:-default}`, `${VAR-default}` and `$VAR` between the values.

    Unknown names expand to "" (or the default); `\\$` is a literal `$`; a reference
    cycle expands to "". Only the values themselves are consulted, never the process
    environment (wrangler's default).
    """
    resolved: dict[str, str] = {}

    def lookup(name: str, stack: frozenset[str]) -> str | None:
        if name in resolved:
            return resolved[name]
        if name not in values or name in stack:
            return None
        result = interpolate(values[name], stack | {name})
        resolved[name] = result
        return result

    def interpolate(text: str, stack: frozenset[str]) -> str:
        def sub(m: re.Match[str]) -> str:
            if m.group(1):
                return m.group(0)[1:]
            found = lookup(m.group(2) or m.group(5), stack)
            op = m.group(3)
            if (op == ":-" and not found) or (op == "-" and found is None):
                return interpolate(m.group(4), stack)
            return found or ""

        return _REF.sub(sub, text)

    return {key: lookup(key, frozenset()) or "" for key in values}


def dotenv_files(env: str | None) -> list[str]:
    """`.env` file names in the order they are merged (later ones win)."""
    names = [".env", ".env.local"]
    if env is not None:
        names += [f".env.{env}", f".env.{env}.local"]
    return names


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            display_path(path),
            None,
            None,
            f"cannot read local secrets file: {exc}",
            "make it a readable UTF-8 text file, or delete it",
        ) from exc


def _load_dot_env_enabled() -> bool:
    flag = os.environ.get("CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV", "true")
    return flag.strip().lower() not in ("false", "0", "no")


def load_secrets(project_dir: Path, env: str | None) -> dict[str, str]:
    """Local secrets for `project_dir` (the config file's directory) and `env`."""
    if env is not None:
        text = _read(project_dir / f".dev.vars.{env}")
        if text is not None:
            return parse_dotenv(text)
    text = _read(project_dir / ".dev.vars")
    if text is not None:
        return parse_dotenv(text)
    if not _load_dot_env_enabled():
        return {}
    merged: dict[str, str] = {}
    for name in dotenv_files(env):
        text = _read(project_dir / name)
        if text is not None:
            merged.update(parse_dotenv(text))
    return expand_dotenv(merged)
