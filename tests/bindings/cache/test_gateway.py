"""The gateway's HTTP caching rules on their own (pure functions, no server): lifetimes,
refusals, and what a match answers. The end-to-end behaviour is in test_cache_api.py."""

from __future__ import annotations

from pyworkerd.bindings.cache.gateway import answer, parse_ranges, store_decision

NOW_MS = 1_800_000_000_000.0


def ttl(headers: dict[str, str], status: int = 200, auth: bool = False) -> float | None:
    stored = store_decision(status, headers, auth, NOW_MS)
    return None if stored is None else stored.ttl_s


def test_lifetimes_follow_cache_control_and_expires() -> None:
    assert ttl({"cache-control": "max-age=60"}) == 60
    assert ttl({"cache-control": "max-age=60, s-maxage=600"}) == 600
    assert ttl({"cache-control": "max-age=60", "age": "45"}) == 15
    assert ttl({"cache-control": "max-age=0, stale-while-revalidate=30"}) == 30
    assert (
        ttl({"expires": "Thu, 15 Jan 2027 08:00:00 GMT", "date": "Thu, 15 Jan 2027 07:00:00 GMT"})
        == 3600
    )
    assert (
        ttl(
            {
                "last-modified": "Thu, 01 Jan 2015 00:00:00 GMT",
                "date": "Thu, 11 Jan 2015 00:00:00 GMT",
            }
        )
        == 86400
    )
    assert ttl({"cache-control": "immutable"}) == 86400
    assert ttl({}) == 0  # storable, but with no lifetime


def test_refusals_leave_nothing_stored() -> None:
    assert ttl({"cache-control": "no-store, max-age=60"}) is None
    assert ttl({"cache-control": "private, max-age=60"}) is None
    assert ttl({"cache-control": "max-age=60", "set-cookie": "a=b"}) is None
    assert ttl({"cache-control": "max-age=60"}, status=500) is None
    assert ttl({"cache-control": "max-age=60"}, auth=True) is None
    assert ttl({"cache-control": "public, max-age=60"}, auth=True) == 60


def test_private_set_cookie_strips_the_cookie() -> None:
    stored = store_decision(
        200, {"cache-control": "Max-Age=60, Private=Set-Cookie", "set-cookie": "a=b"}, False, NOW_MS
    )
    assert stored is not None
    assert "set-cookie" not in stored.headers
    assert stored.headers["cache-control"] == "max-age=60,"
    assert stored.headers["date"] == "Fri, 15 Jan 2027 08:00:00 GMT"


def test_hop_by_hop_headers_are_dropped() -> None:
    stored = store_decision(
        200,
        {"cache-control": "max-age=1", "keep-alive": "5", "te": "x", "x-kept": "1"},
        False,
        NOW_MS,
    )
    assert stored is not None
    assert set(stored.headers) == {"cache-control", "x-kept", "date"}


def test_ranges_parse_like_miniflare() -> None:
    assert parse_ranges("bytes=0-1, 5-", 10) == [(0, 1), (5, 9)]
    assert parse_ranges("bytes=-3", 10) == [(7, 9)]
    assert parse_ranges("bytes=-30", 10) == []
    assert parse_ranges("bytes=", 10) == []
    assert parse_ranges("bytes=10-", 10) is None
    assert parse_ranges("bytes=3-1", 10) is None
    assert parse_ranges("lines=1-2", 10) is None


def test_answers_for_conditions_and_ranges() -> None:
    headers = {"etag": '"a"', "content-type": "text/plain", "content-length": "10"}
    full = answer(200, headers, 10, 3.6, {})
    assert (full.status, full.body, dict(full.headers)["age"]) == (200, [(0, 10)], "4")
    assert answer(200, headers, 10, 0, {"if-none-match": 'W/"a"'}).status == 304
    assert answer(200, headers, 10, 0, {"range": "bytes=20-"}).headers == [
        ("content-range", "bytes */10"),
        ("cf-cache-status", "HIT"),
    ]
    multi = answer(200, headers, 10, 0, {"range": "bytes=0-0,9-9"})
    assert multi.status == 206
    assert dict(multi.headers)["content-length"] == str(multi.length)
    assert [s for s in multi.body if isinstance(s, tuple)] == [(0, 1), (9, 10)]
