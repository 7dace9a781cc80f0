"""Cloudflare's cron syntax, translated for croniter.

Cloudflare takes five fields with Quartz-like extensions: weekdays are 1-7 with 1 = Sunday
(or SUN-SAT), `L` and `W` in days of the month (`L`, `15W`, `LW`), and `L` and `#` in
weekdays (`6L` is the last Friday, `MON#2` the second Monday). croniter counts weekdays
0-6 from Sunday and writes "last Friday" as `L5`; everything else it reads as is.
"""

from __future__ import annotations

import re
from datetime import datetime

from croniter import croniter

__all__ = ["next_fire", "to_croniter"]

_NAMES = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
_LAST_WEEKDAY = re.compile(r"^([0-9]+|[A-Za-z]{3})L$")


def _weekday(token: str) -> str:
    """One weekday (1-7 or a name) in croniter's numbering."""
    if token.isdigit():
        number = int(token)
        if not 1 <= number <= 7:
            raise ValueError(f"weekday {number} is out of range 1-7 (1 = Sunday)")
        return str(number - 1)
    return token


def _weekdays(field: str) -> str:
    out = []
    for part in field.split(","):
        last = _LAST_WEEKDAY.match(part)
        if last:
            day = _weekday(last.group(1))
            out.append("L" + (str(_NAMES.index(day.upper())) if not day.isdigit() else day))
            continue
        step = ""
        if "/" in part:
            part, _, step = part.partition("/")
            step = "/" + step
        nth = ""
        if "#" in part:
            part, _, nth = part.partition("#")
            nth = "#" + nth
        if part == "*":
            out.append(part + step + nth)
            continue
        bounds = [_weekday(b) for b in part.split("-")]
        out.append("-".join(bounds) + step + nth)
    return ",".join(out)


def to_croniter(expression: str) -> str:
    """The croniter form of a Cloudflare cron expression; ValueError says what is wrong."""
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"expected 5 fields, got {len(fields)}")
    if fields[2].upper() == "LW":
        raise ValueError('"LW" (last weekday of the month) is not supported by pyworkerd')
    fields[4] = _weekdays(fields[4])
    result = " ".join(fields)
    if not croniter.is_valid(result):
        raise ValueError("not a valid cron expression")
    return result


def next_fire(expression: str, after: datetime) -> datetime:
    """The first time after `after` (timezone-aware, UTC) that the expression fires."""
    fire: datetime = croniter(to_croniter(expression), after).get_next(datetime)
    return fire
