"""CPU and heap limits: each runaway is stopped alone; the server keeps serving throughout."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pyworkerd.testing import RunningServer, running_server
from tests.server.conftest import request, write_project

WORKER = """
export default {
  async fetch(request, env, ctx) {
    const { pathname } = new URL(request.url);
    switch (pathname) {
      case "/ok":
        return new Response("ok");
      case "/spin":
        while (true) {}
      case "/spin-after-await":
        await scheduler.wait(1);
        while (true) {}
      case "/microtasks": {
        const loop = () => queueMicrotask(loop);  // retains nothing: only CPU runs out
        loop();
        return new Response("unreachable");
      }
      case "/bomb": {
        const hoard = [];
        while (true) hoard.push(new Array(1e6).fill(Math.random()));
      }
    }
    return new Response("not found", { status: 404 });
  },
};
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    root = write_project(
        tmp_path_factory.mktemp("limits"),
        {"src/index.js": WORKER},
        # CPU time generous enough that the allocation bomb meets the heap limit first even
        # on a loaded machine.
        {"name": "limits", "limits": {"cpu_ms": 1000, "memory_mb": 64}},
    )
    with running_server(root) as srv:
        yield srv


class Background:
    """Sends GET /ok in a loop from another thread and records every status."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.statuses: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.statuses.append(request(self.url, "/ok", timeout=10).status)
            time.sleep(0.01)

    def __enter__(self) -> Background:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(15)


@pytest.mark.parametrize(
    ("path", "message", "outcome"),
    [
        ("/spin", "Worker exceeded CPU time limit.", "exceededCpu"),
        ("/spin-after-await", "Worker exceeded CPU time limit.", "exceededCpu"),
        ("/microtasks", "Worker exceeded CPU time limit.", "exceededCpu"),
        ("/bomb", "Worker exceeded memory limit.", "exceededMemory"),
    ],
)
def test_runaway_is_stopped_and_others_keep_being_served(
    server: RunningServer, path: str, message: str, outcome: str
) -> None:
    start_line = server.line_count()
    replies: list[Any] = []
    runaway = threading.Thread(target=lambda: replies.append(request(server.url, path, timeout=30)))
    began = time.monotonic()
    runaway.start()
    time.sleep(0.03)  # the runaway is running: everything from now on must be served
    with Background(server.url) as background:
        runaway.join(30)
        elapsed = time.monotonic() - began
        time.sleep(0.2)
    (reply,) = replies
    assert reply.status == 503
    assert "1102" in reply.text and message in reply.text
    assert elapsed < 10
    # every request sent while the runaway ran (and after) succeeded
    assert background.statuses and set(background.statuses) == {200}
    server.wait_for_output(rf"{message}.*outcome: {outcome}", start=start_line)
    assert request(server.url, "/ok").text == "ok"
    assert server.proc.poll() is None


BUSY = """export default {
  fetch() { let i = 0; while (i < 3e8) i++; return new Response(String(i)); },
};"""


def test_limits_can_be_turned_off(tmp_path: Path) -> None:
    config = {"name": "nolimits", "limits": {"cpu_ms": 10}}
    root = write_project(tmp_path, {"src/index.js": BUSY}, config)
    with running_server(root, "--no-limits") as srv:
        assert "limits are off" in srv.output()
        reply = request(srv.url, "/")
        assert reply.status == 200 and reply.text == "300000000"
