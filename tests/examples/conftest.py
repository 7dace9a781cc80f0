"""Helpers for the example tests: one HTTP request over a real socket, standard library only."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Reply:
    status: int
    reason: str
    headers: list[tuple[str, str]]  # as sent, names lower-cased, repeats kept
    body: bytes

    def header(self, name: str) -> str | None:
        """The one value of header `name` (None if absent; an error if sent twice)."""
        values = [v for k, v in self.headers if k == name.lower()]
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
