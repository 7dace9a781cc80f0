"""`caches` through a real worker behind the real server: every scenario of worker.js
answers what the same worker answers on Miniflare 4 (workerd with its cache service),
recorded in miniflare_observed.json; the differences are tested on their own below."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from pyworkerd.testing import RunningServer, running_server
from tests.bindings.cache.conftest import HERE, make_scenarios_project
from tests.server.conftest import ok_text, request

OBSERVED: dict[str, Any] = json.loads((HERE / "miniflare_observed.json").read_text())
TOP_LEVEL = (
    "Error: Some functionality, such as asynchronous I/O, timeouts, and generating random "
    "values, can only be performed while handling a request."
)


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    root = tmp_path_factory.mktemp("cache")
    project = make_scenarios_project(root / "project")
    with running_server(project, "--persist-to", str(root / "state")) as srv:
        yield srv


def run(dev: RunningServer, scenario: str) -> Any:
    return json.loads(ok_text(dev.url, f"/t/{scenario}", timeout=60))


@pytest.mark.parametrize(
    "scenario",
    ["shape", "refusals", "basic", "namespaces", "policies", "conditional", "ranges", "bodies"],
)
def test_scenario_answers_as_on_miniflare(dev: RunningServer, scenario: str) -> None:
    got = run(dev, scenario)
    expected = OBSERVED[scenario]
    assert sorted(got) == sorted(expected)
    for key, value in expected.items():
        assert got[key] == value, key


def test_hit_headers_and_refusal_messages_spelled_out(dev: RunningServer) -> None:
    """The recorded file, read for the points that matter most (a readable failure)."""
    basic = run(dev, "basic")
    assert basic["match"]["headers"]["cf-cache-status"] == "HIT"
    assert basic["match"]["headers"]["age"] == "0"
    assert basic["match"]["body"] == "hello"
    assert basic["deleteHit"] is True and basic["deleteMiss"] is False
    refusals = run(dev, "refusals")
    assert refusals["partial"] == {
        "error": "TypeError: Cannot cache response to a range request (206 Partial Content)."
    }
    assert refusals["varyStar"] == {
        "error": "TypeError: Cannot cache response with 'Vary: *' header."
    }
    assert refusals["post"] == {"error": "TypeError: Cannot cache response to non-GET request."}
    ranges = run(dev, "ranges")
    assert ranges["closed"]["status"] == 206
    assert ranges["closed"]["headers"]["content-range"] == "bytes 2-4/10"
    assert ranges["unsatisfiable"]["status"] == 416
    policies = run(dev, "policies")
    assert policies["noStore"]["match"] is None
    assert policies["sMaxAgeWins"]["match"]["status"] == 200


def test_expiry_and_age_grow_with_time(dev: RunningServer) -> None:
    out = run(dev, "timing")
    expected = OBSERVED["timing"]
    assert {k: out[k] for k in expected} == expected  # served, then expired and gone
    # Miniflare freezes Age when the entry is stored; here it grows as on Cloudflare.
    assert out["longAge"] >= 1


def test_top_level_is_no_place_for_cache_io(dev: RunningServer) -> None:
    reply = request(dev.url, "/top")
    assert reply.json() == {
        "match": f"rejected {TOP_LEVEL}",
        "delete": f"rejected {TOP_LEVEL}",
        "open": "resolved object",
        "put": f"threw {TOP_LEVEL}",
        "putBadArgs": "rejected TypeError: Failed to execute 'put' on 'Cache': parameter 2 is "
        "not of type 'Response'.",
    }
