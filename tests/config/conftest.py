"""Config tests run inside tmp_path, so messages name files as a user sees them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV", raising=False)


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """write("wrangler.toml", text) -> the path; creates parent folders."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return _write


@pytest.fixture
def worker_files(write: Callable[[str, str], Path]) -> None:
    """The entry file and assets folder most configs point at."""
    write("src/index.ts", "export default { fetch() { return new Response('ok') } }\n")
    write("public/index.html", "<h1>hi</h1>\n")
