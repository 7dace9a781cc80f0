"""What the server prints: worker console lines tagged with the worker's name, one line
per request, and errors with their request id."""

from __future__ import annotations

import os
import sys
import threading
from typing import TextIO

__all__ = ["LogPrinter"]

_COLORS = {"error": "31", "warn": "33", "info": "36", "debug": "90", "log": "0", "request": "32"}


class LogPrinter:
    """Thread-safe line printer; colours only when writing to a terminal."""

    def __init__(self, stream: TextIO | None = None, *, level: str = "log") -> None:
        self._stream = stream or sys.stderr
        self._lock = threading.Lock()
        self._color = self._stream.isatty() and not os.environ.get("NO_COLOR")
        self._quiet_debug = level not in ("debug",)

    def _write(self, kind: str, tag: str, text: str) -> None:
        lines = text.split("\n")
        if self._color:
            code = _COLORS.get(kind, "0")
            prefix = f"\x1b[{code}m[{tag}]\x1b[0m "
        else:
            prefix = f"[{tag}] "
        out = "".join(prefix + line + "\n" for line in lines)
        with self._lock:
            self._stream.write(out)
            self._stream.flush()

    def worker_log(self, worker: str, level: str, request_id: int, text: str) -> None:
        """A console.* line from a worker."""
        if level == "debug" and self._quiet_debug:
            return
        self._write(level, worker, text)

    def request(self, method: str, path: str, status: int, ms: float, outcome: str) -> None:
        note = "" if outcome == "ok" else f" [{outcome}]"
        self._write("request", "pyworkerd", f"{method} {path} {status} ({ms:.0f}ms){note}")

    def info(self, text: str) -> None:
        self._write("info", "pyworkerd", text)

    def warn(self, text: str) -> None:
        self._write("warn", "pyworkerd", text)

    def error(self, text: str) -> None:
        self._write("error", "pyworkerd", text)
