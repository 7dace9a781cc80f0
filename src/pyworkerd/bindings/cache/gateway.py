"""The Cache API's HTTP semantics, as workerd's local cache service (Miniflare's) applies
them: what `put` stores and for how long, and what `match` answers for a stored entry.

Pure functions over header dicts (lower-cased names), no I/O: the store keeps entries,
ops.py moves bytes. The rules are those of a shared cache (RFC 9111 as Miniflare's
http-cache-semantics reads it), with the platform's quirks kept where a worker can see them:
the request's own `Cache-Control` is ignored, `Set-Cookie` prevents storing unless
`Cache-Control: private=Set-Cookie` (which strips it), `Vary` other than `*` is stored but
not matched on, `max-age` directive names are case-sensitive.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from typing import Any

__all__ = [
    "Answer",
    "Segment",
    "Stored",
    "answer",
    "combine_headers",
    "parse_ranges",
    "store_decision",
]

# Never stored (Date is rewritten on put, Age computed on match).
HOP_BY_HOP = frozenset(
    {
        "date",
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
# 204 is understood by HTTP caches, but never ends up in workerd's local cache.
UNDERSTOOD = frozenset({200, 203, 300, 301, 302, 303, 307, 308, 404, 405, 410, 414, 501})
CACHEABLE_BY_DEFAULT = frozenset({200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501})
HEURISTIC = 0.1  # of the time since Last-Modified, when nothing else gives a lifetime
IMMUTABLE_MIN_TTL_S = 24 * 3600.0
_PRIVATE_SET_COOKIE = re.compile(r"private=set-cookie;?", re.IGNORECASE)
_LEADING_INT = re.compile(r"\s*([+-]?\d+)")
_IMF_FIXDATE = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    r" \d\d\d\d \d\d:\d\d:\d\d GMT$"
)
_ETAG = re.compile(r'^(W/)?"(.+)"$')
_RANGE_PREFIX = re.compile(r"^ *bytes *=", re.IGNORECASE)
_RANGE = re.compile(r"^ *(\d+)? *- *(\d+)? *$")

# A piece of a match's body: literal bytes, or [start, end) of the stored body.
Segment = bytes | tuple[int, int]


def combine_headers(flat: list[str]) -> dict[str, str]:
    """[k1, v1, k2, v2 …] (as the isolate sends them) -> {lower name: values joined by ", "}."""
    out: dict[str, str] = {}
    for i in range(0, len(flat) - 1, 2):
        name, value = flat[i].lower(), flat[i + 1]
        out[name] = f"{out[name]}, {value}" if name in out else value
    return out


def _parse_cache_control(value: str | None) -> dict[str, str | bool]:
    cc: dict[str, str | bool] = {}
    if not value:
        return cc
    for part in value.strip().split(","):
        pieces = part.split("=")
        key = pieces[0].strip()
        cc[key] = (
            True if len(pieces) == 1 else pieces[1].strip().removeprefix('"').removesuffix('"')
        )
    return cc


def _number(value: Any) -> float:
    """JS parseInt, 0 when there is no number."""
    m = _LEADING_INT.match(str(value)) if value is not None else None
    return float(m.group(1)) if m else 0.0


def _http_date_ms(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).timestamp() * 1000
    except (TypeError, ValueError, IndexError):
        return None


@dataclass(frozen=True)
class Stored:
    """What `put` keeps: the status, the headers a match will show (before Age), the
    entry's lifetime in seconds and the Age it already had."""

    status: int
    headers: dict[str, str]
    ttl_s: float
    age_s: float


def store_decision(
    status: int, headers: dict[str, str], authorized: bool, now_ms: float
) -> Stored | None:
    """None when the response may not be stored at all (an existing entry stays);
    otherwise what to store (a ttl of 0 replaces the entry with nothing)."""
    res = dict(headers)
    cc_header = res.get("cache-control")
    if cc_header is not None and "private=set-cookie" in cc_header.lower():
        res["cache-control"] = _PRIVATE_SET_COOKIE.sub("", cc_header.lower(), count=1).strip()
        res.pop("set-cookie", None)
    cc = _parse_cache_control(res.get("cache-control"))
    if res.get("cache-control") is None and "no-cache" in res.get("pragma", ""):
        cc["no-cache"] = True
    if not _storable(status, res, cc, authorized):
        return None
    age = _number(res.get("age"))
    max_age = _max_age(res, cc, now_ms)
    ttl = max(
        0.0,
        max_age - age,
        max_age - age + _number(cc.get("stale-if-error")),
        max_age - age + _number(cc.get("stale-while-revalidate")),
    )
    kept = {k: v for k, v in res.items() if k not in HOP_BY_HOP}
    kept["date"] = formatdate(now_ms / 1000, usegmt=True)
    return Stored(status, kept, ttl, age)


def _storable(status: int, res: dict[str, str], cc: dict[str, str | bool], auth: bool) -> bool:
    if status not in UNDERSTOOD or cc.get("no-store") or cc.get("private"):
        return False
    if auth and not (cc.get("must-revalidate") or cc.get("public") or cc.get("s-maxage")):
        return False
    if "set-cookie" in res:
        return False
    return bool(
        res.get("expires")
        or cc.get("max-age")
        or cc.get("s-maxage")
        or cc.get("public")
        or status in CACHEABLE_BY_DEFAULT
    )


def _max_age(res: dict[str, str], cc: dict[str, str | bool], now_ms: float) -> float:
    if cc.get("no-cache") or res.get("vary") == "*" or cc.get("proxy-revalidate"):
        return 0.0
    if cc.get("s-maxage"):
        return _number(cc["s-maxage"])
    if cc.get("max-age"):
        return _number(cc["max-age"])
    floor = IMMUTABLE_MIN_TTL_S if cc.get("immutable") else 0.0
    server_date = _http_date_ms(res.get("date")) or now_ms
    if res.get("expires"):
        expires = _http_date_ms(res["expires"])
        if expires is None or expires < server_date:
            return 0.0
        return max(floor, (expires - server_date) / 1000)
    last_modified = _http_date_ms(res.get("last-modified"))
    if last_modified is not None and server_date > last_modified:
        return max(floor, (server_date - last_modified) / 1000 * HEURISTIC)
    return floor


def parse_ranges(header: str, size: int) -> list[tuple[int, int]] | None:
    """Inclusive (first, last) byte ranges of a `Range` header; [] for the whole body;
    None when it cannot be satisfied (416)."""
    prefix = _RANGE_PREFIX.match(header)
    if prefix is None:
        return None
    rest = header[prefix.end() :]
    if not rest.lstrip():
        return []
    out: list[tuple[int, int]] = []
    for part in rest.split(","):
        m = _RANGE.match(part)
        if m is None:
            return None
        start, end = m.group(1), m.group(2)
        if start is not None:
            first = int(start)
            last = int(end) if end is not None else size - 1
            if first > last or first >= size:
                return None
            out.append((first, min(last, size - 1)))
        elif end is not None:
            suffix = int(end)
            if suffix >= size:
                return []
            if suffix:
                out.append((size - suffix, size - 1))
        else:
            return None
    return out


@dataclass(frozen=True)
class Answer:
    """What `match` gives back: a status, headers, and the body as segments."""

    status: int
    headers: list[tuple[str, str]]
    body: list[Segment]

    @property
    def length(self) -> int:
        return sum(len(s) if isinstance(s, bytes) else s[1] - s[0] for s in self.body)


def _etag(value: str) -> str | None:
    m = _ETAG.match(value.strip())
    return m.group(2) if m else None


def _not_modified(req: dict[str, str], headers: dict[str, str]) -> bool:
    inm, etag = req.get("if-none-match"), headers.get("etag")
    if inm is not None and etag is not None:
        tag = _etag(etag)
        if tag is not None and (inm.strip() == "*" or any(_etag(t) == tag for t in inm.split(","))):
            return True
    ims, modified = req.get("if-modified-since"), headers.get("last-modified")
    if ims is not None and modified is not None and _IMF_FIXDATE.match(ims):
        since, last = _http_date_ms(ims), _http_date_ms(modified)
        return (
            since is not None
            and last is not None
            and _IMF_FIXDATE.match(modified) is not None
            and last <= since
        )
    return False


def answer(
    status: int, headers: dict[str, str], size: int, age_s: float, req: dict[str, str]
) -> Answer:
    """The response to a match of a fresh entry, for the request headers `req`
    (Range, If-None-Match, If-Modified-Since)."""
    ranges: list[tuple[int, int]] = []
    range_header = req.get("range")
    if range_header is not None:
        parsed = parse_ranges(range_header, size)
        if parsed is None:
            return Answer(
                416, [("content-range", f"bytes */{size}"), ("cf-cache-status", "HIT")], []
            )
        ranges = parsed
    out = dict(headers)
    out["age"] = str(round(age_s))
    out["cf-cache-status"] = "HIT"
    if _not_modified(req, headers):
        return Answer(304, list(out.items()), [])
    if not ranges:
        return Answer(status, list(out.items()), [(0, size)])
    if len(ranges) == 1:
        first, last = ranges[0]
        out["content-range"] = f"bytes {first}-{last}/{size}"
        out["content-length"] = str(last - first + 1)
        return Answer(206, list(out.items()), [(first, last + 1)])
    boundary = f"pyworkerd-boundary-{uuid.uuid4()}"
    content_type = headers.get("content-type")
    body: list[Segment] = []
    for i, (first, last) in enumerate(ranges):
        head = ("\r\n" if i else "") + f"--{boundary}\r\n"
        if content_type is not None:
            head += f"Content-Type: {content_type}\r\n"
        head += f"Content-Range: bytes {first}-{last}/{size}\r\n\r\n"
        body += [head.encode(), (first, last + 1)]
    body.append(f"\r\n--{boundary}--".encode())
    out["content-type"] = f"multipart/byteranges; boundary={boundary}"
    result = Answer(206, [], body)
    out["content-length"] = str(result.length)
    return Answer(206, list(out.items()), body)
