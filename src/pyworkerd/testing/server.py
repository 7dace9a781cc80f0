"""Run `pyworkerd dev` / `serve` as a real process on a free port, for tests.

    with running_server(project_dir) as server:
        assert urlopen(server.url + "/health").read() == b"ok"

The process's output is collected (``server.output()``) so a test can assert on worker
logs; leaving the block stops it with SIGTERM (and kills it if it does not exit).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

__all__ = ["RunningServer", "ServerFailedToStart", "run_cli", "running_server", "start_server"]

_READY = re.compile(r"Ready on (http://\S+)")


class ServerFailedToStart(RuntimeError):
    pass


class RunningServer:
    """A pyworkerd process and what it printed."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.url = ""
        self._lines: list[str] = []
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._cond:
                self._lines.append(line.rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def output(self) -> str:
        with self._cond:
            return "\n".join(self._lines)

    def wait_for_output(self, pattern: str, timeout: float = 10.0, start: int = 0) -> re.Match[str]:
        """Wait until a line (from line index `start` on) matches `pattern`."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self._lines[start:]:
                    m = rx.search(line)
                    if m:
                        return m
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (self.proc.poll() is not None and not self._reader.is_alive()):
                    raise TimeoutError(
                        f"no output matching {pattern!r}:\n" + "\n".join(self._lines)
                    )
                self._cond.wait(remaining)

    def line_count(self) -> int:
        with self._cond:
            return len(self._lines)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(5)
        return self.proc.returncode


def start_server(
    project_dir: Path | str,
    *args: str,
    command: str = "dev",
    env: dict[str, str] | None = None,
    timeout: float = 60.0,
) -> RunningServer:
    """Start `pyworkerd COMMAND PROJECT_DIR --port 0 ARGS...` and wait until it is ready."""
    proc_env = {**os.environ, "NO_COLOR": "1", "PYTHONUNBUFFERED": "1", **(env or {})}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pyworkerd", command, str(project_dir), "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=proc_env,
    )
    server = RunningServer(proc)
    try:
        server.url = server.wait_for_output(_READY.pattern, timeout).group(1)
    except TimeoutError as exc:
        server.stop(signal.SIGKILL)
        raise ServerFailedToStart(str(exc)) from None
    return server


@contextlib.contextmanager
def running_server(
    project_dir: Path | str,
    *args: str,
    command: str = "dev",
    env: dict[str, str] | None = None,
    timeout: float = 60.0,
) -> Iterator[RunningServer]:
    server = start_server(project_dir, *args, command=command, env=env, timeout=timeout)
    try:
        yield server
    finally:
        server.stop()


def run_cli(
    args: Sequence[str], cwd: Path | str | None = None, timeout: float = 60.0
) -> subprocess.CompletedProcess[str]:
    """Run `pyworkerd ARGS` to completion (for commands that exit, and for errors)."""
    return subprocess.run(
        [sys.executable, "-m", "pyworkerd", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        env={**os.environ, "NO_COLOR": "1"},
    )
