"""A project whose worker exercises an R2 binding (worker.js beside this file)."""

from __future__ import annotations

from pathlib import Path

from tests.server.conftest import write_project

WORKER_JS = (Path(__file__).parent / "worker.js").read_text()


def make_r2_project(root: Path) -> Path:
    return write_project(
        root,
        {"src/index.js": WORKER_JS},
        {"name": "r2-test", "r2_buckets": [{"binding": "BUCKET", "bucket_name": "test-bucket"}]},
    )
