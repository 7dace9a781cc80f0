"""Scheduled events: cron triggers fire while the server runs; the manual routes run one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from pyworkerd.config.cron import next_fire, to_croniter
from pyworkerd.testing.server import RunningServer, running_server, start_server
from tests.server.conftest import request, write_project

WORKER = r"""
export default {
  async fetch() { return new Response("fetch"); },
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(Promise.resolve());
    console.log(`scheduled cron=[${controller.cron}] time=${controller.scheduledTime} ` +
      `retry=${typeof controller.noRetry} type=${controller.type}`);
    if (controller.cron === "fail") throw new Error("scheduled boom");
  },
};
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    project = write_project(
        tmp_path_factory.mktemp("cron"),
        {"src/index.js": WORKER},
        {"triggers": {"crons": ["* * * * *"]}},
    )
    with running_server(project, "--test-scheduled") as srv:
        yield srv


def test_manual_route_runs_the_handler_with_cron_and_time(server: RunningServer) -> None:
    start = server.line_count()
    reply = request(server.url, "/cdn-cgi/handler/scheduled?cron=*/5+*+*+*+*&time=1000")
    assert (reply.status, reply.text) == (200, "ok")
    assert reply.header("content-type") == "text/plain;charset=UTF-8"
    server.wait_for_output(
        re.escape("scheduled cron=[*/5 * * * *] time=1000 retry=function type=undefined"),
        start=start,
    )


def test_manual_route_reports_an_exception(server: RunningServer) -> None:
    start = server.line_count()
    reply = request(server.url, "/cdn-cgi/handler/scheduled?cron=fail")
    assert (reply.status, reply.text) == (500, "exception")
    server.wait_for_output("scheduled boom", start=start)


def test_wrangler_test_scheduled_route(server: RunningServer) -> None:
    reply = request(server.url, "/__scheduled?cron=1+2+3+4+5")
    assert (reply.status, reply.text) == (200, "Ran scheduled event")


def test_other_paths_still_reach_fetch(server: RunningServer) -> None:
    assert request(server.url, "/cdn-cgi/handler/other").text == "fetch"


def test_cron_fires_on_its_schedule(server: RunningServer) -> None:
    # "* * * * *" fires at the next minute boundary (at most a minute away).
    line = server.wait_for_output(r"scheduled cron=\[\* \* \* \* \*\] time=(\d+)", timeout=75)
    fired = int(line.group(1))
    assert fired % 60_000 == 0  # scheduledTime is the minute itself, as on Cloudflare


def test_serve_has_no_manual_route(tmp_path_factory: pytest.TempPathFactory) -> None:
    project = write_project(tmp_path_factory.mktemp("serve"), {"src/index.js": WORKER}, {})
    srv = start_server(project, command="serve")
    try:
        assert request(srv.url, "/cdn-cgi/handler/scheduled").text == "fetch"
    finally:
        srv.stop()


def test_without_test_scheduled_the_wrangler_route_is_the_workers(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    project = write_project(tmp_path_factory.mktemp("plain"), {"src/index.js": WORKER}, {})
    with running_server(project) as srv:
        assert request(srv.url, "/__scheduled").text == "fetch"


@pytest.mark.parametrize(
    ("cloudflare", "croniter"),
    [
        ("0 17 * * 1", "0 17 * * 0"),  # Cloudflare's 1 is Sunday
        ("10 7 * * 2-6", "10 7 * * 1-5"),
        ("0 18 * * 6L", "0 18 * * L5"),  # last Friday
        ("0 18 * * friL", "0 18 * * L5"),
        ("0 10 * * 2#2", "0 10 * * 1#2"),
        ("0 10 * * MON-FRI", "0 10 * * MON-FRI"),
        ("*/30 * * * *", "*/30 * * * *"),
    ],
)
def test_cloudflare_weekdays_translate(cloudflare: str, croniter: str) -> None:
    assert to_croniter(cloudflare) == croniter


def test_next_fire_is_in_utc() -> None:
    sunday_noon = datetime(2026, 12, 6, 12, tzinfo=UTC)
    assert next_fire("0 17 * * sun", sunday_noon) == datetime(2026, 12, 6, 17, tzinfo=UTC)
    assert next_fire("0 18 * * 6L", sunday_noon) == datetime(2026, 12, 25, 18, tzinfo=UTC)


@pytest.mark.parametrize("bad", ["* * * *", "0 0 * * 8", "61 * * * *", "0 0 LW * *"])
def test_bad_crons_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        to_croniter(bad)
