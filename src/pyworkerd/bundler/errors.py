"""Errors the bundler raises: each prints as short lines a developer can act on, no traceback."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["BundleError", "BundlerError", "EsbuildUnavailableError", "Message"]


@dataclass(frozen=True, slots=True)
class Message:
    """One esbuild diagnostic. ``line`` and ``column`` are 1-based; ``path`` is relative to the
    project directory (as esbuild printed it, since it runs with the project as its cwd)."""

    kind: str  # "ERROR" or "WARNING"
    text: str
    path: str | None = None
    line: int | None = None
    column: int | None = None
    notes: tuple[str, ...] = ()

    def __str__(self) -> str:
        if self.path is None:
            return f"{self.kind}: {self.text}"
        if self.line is None:
            return f"{self.path}: {self.kind}: {self.text}"
        return f"{self.path}:{self.line}:{self.column}: {self.kind}: {self.text}"


class BundlerError(Exception):
    """Base class of everything :mod:`pyworkerd.bundler` raises on purpose."""


class EsbuildUnavailableError(BundlerError):
    """No usable esbuild: not found, not fetchable, or failed its integrity check.

    The message is one line and names ``PYWORKERD_ESBUILD``, the way out.
    """


class BundleError(BundlerError):
    """The worker did not build. ``str()`` is one ``path:line:column: ERROR: text`` line per
    esbuild error; the structured form is in :attr:`messages`."""

    def __init__(self, messages: Iterable[Message], note: str | None = None) -> None:
        self.messages: tuple[Message, ...] = tuple(messages)
        self.note = note
        lines = [str(m) for m in self.messages] or ["ERROR: build failed"]
        if note:
            lines.append(note)
        super().__init__("\n".join(lines))
