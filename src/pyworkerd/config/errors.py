"""ConfigError: one line that names the file, the line, the key and the fix.

A bad config must never surface as a traceback (DESIGN "Errors and bad input"): the CLI
prints `str(error)` and exits with status 2. Every field is kept on the exception so
callers (and tests) can also look at the parts.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["ConfigError", "display_path", "format_key_path"]

KeyPath = tuple[str | int, ...]


def display_path(path: Path) -> str:
    """The file as a user would type it: relative to the cwd when below it, else as given."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def format_key_path(path: KeyPath) -> str:
    """("env", "staging", "kv_namespaces", 0, "binding") -> env.staging.kv_namespaces[0].binding."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


class ConfigError(Exception):
    """A configuration problem; `str()` is `<file>:<line>: <key>: <what is wrong>; <fix>`.

    `line` is None when no line applies (a command-line flag, a missing file); `key` is
    None for problems that belong to no key (syntax errors).
    """

    def __init__(
        self,
        file: str,
        line: int | None,
        key: str | None,
        problem: str,
        fix: str,
    ) -> None:
        self.file = file
        self.line = line
        self.key = key
        self.problem = problem
        self.fix = fix
        super().__init__(self._render())

    def _render(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        what = f"{self.key}: {self.problem}" if self.key else self.problem
        text = f"{where}: {what}; {self.fix}" if self.fix else f"{where}: {what}"
        # One line, always: values quoted from the file may hold newlines.
        return " ".join(text.splitlines())

    def __str__(self) -> str:
        return self._render()
