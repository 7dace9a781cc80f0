"""Real-server fixtures: worker projects written to temp dirs, served by `pyworkerd dev`."""

from __future__ import annotations

import contextlib
import http.client
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pyworkerd.testing.server import RunningServer, running_server


def write_project(root: Path, files: dict[str, str], config: dict[str, Any]) -> Path:
    """Write a wrangler.jsonc project (config dict + source files) under `root`."""
    root.mkdir(parents=True, exist_ok=True)
    base = {"name": "test-worker", "main": "src/index.js", "compatibility_date": "2025-09-01"}
    (root / "wrangler.jsonc").write_text(json.dumps({**base, **config}, indent=2))
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@dataclass
class Reply:
    status: int
    reason: str
    header_list: list[tuple[str, str]]  # as sent, names lower-cased, repeats kept
    body: bytes

    @property
    def headers(self) -> dict[str, str]:
        """Lower-cased names; for a repeated header, its last value."""
        return dict(self.header_list)

    def header(self, name: str) -> str | None:
        """The one value of header `name` (None if absent; an error if sent twice)."""
        values = [v for k, v in self.header_list if k == name.lower()]
        assert len(values) <= 1, f"{name} sent {len(values)} times: {values}"
        return values[0] if values else None

    @property
    def text(self) -> str:
        return self.body.decode()

    def json(self) -> Any:
        return json.loads(self.body)


def request(
    url: str,
    path: str = "/",
    *,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> Reply:
    """One request on a fresh connection: any status, no redirects, no retries."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        names = [(k.lower(), v) for k, v in resp.getheaders()]
        return Reply(resp.status, resp.reason, names, data)
    finally:
        conn.close()


def ok_text(url: str, path: str, *, timeout: float = 30.0) -> str:
    """GET `path`, which must answer 200 (the body is shown otherwise); its text."""
    reply = request(url, path, timeout=timeout)
    assert reply.status == 200, reply.text
    return reply.text


@contextlib.contextmanager
def local_origin(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """An HTTP origin on 127.0.0.1 answering with `handler`, for workers to fetch from;
    yields its base URL (no trailing slash)."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@contextlib.contextmanager
def serve_together(
    *projects: Path, args: tuple[str, ...] = (), env: dict[str, str] | None = None
) -> Iterator[RunningServer]:
    """`pyworkerd dev -c a/wrangler.jsonc -c b/wrangler.jsonc …`: the first is served."""
    configs = [arg for p in projects for arg in ("-c", str(p / "wrangler.jsonc"))]
    with running_server(projects[0], *configs, *args, env=env) as server:
        yield server
