"""Durable Object alarms: scheduled per object, fired at least once, kept across restarts."""

from __future__ import annotations

from pyworkerd.storage import StateDir

__all__ = ["alarm_changed"]


def alarm_changed(state: StateDir, ns: str, object_id: str, when_ms: float | None) -> None:
    """An object's alarm was set (when_ms) or deleted (None)."""

