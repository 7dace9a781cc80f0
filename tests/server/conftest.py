"""Real-server fixtures: worker projects written to temp dirs, served by `pyworkerd dev`."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


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
    headers: dict[str, str]
    body: bytes

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
    """One HTTP request with http.client (no redirects, no retries, any status)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
    finally:
        conn.close()
