"""Helpers for testing workers against a real pyworkerd server."""

from pyworkerd.testing.server import (
    RunningServer,
    ServerFailedToStart,
    run_cli,
    running_server,
    start_server,
)

__all__ = ["RunningServer", "ServerFailedToStart", "run_cli", "running_server", "start_server"]
