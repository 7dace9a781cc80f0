"""Fixtures shared by the examples' tests."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def installed_example(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """examples/<name> copied to a temp dir and installed there by `npm ci` from its lock
    file: exactly what a user who clones the example gets. Skips without npm."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip(f"npm is not installed: it is needed to install examples/{name}")
    root = tmp_path_factory.mktemp("examples") / name
    shutil.copytree(
        EXAMPLES / name,
        root,
        ignore=shutil.ignore_patterns("node_modules", ".pyworkerd", ".wrangler"),
    )
    proc = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"npm ci failed:\n{proc.stdout}\n{proc.stderr}"
    return root
