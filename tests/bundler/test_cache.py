"""A build is reused while its inputs are unchanged, and redone when they change."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pyworkerd.bundler import bundle


def test_unchanged_inputs_reuse_the_build_and_changes_rebuild(
    tmp_path: Path, esbuild_bin: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("PYWORKERD_CACHE_DIR", str(cache))
    project = tmp_path / "p"
    (project / "src").mkdir(parents=True)
    lib = project / "src" / "lib.ts"
    lib.write_text("export const word: string = 'first';\n")
    (project / "src" / "index.ts").write_text("import { word } from './lib';\nexport default { word };\n")

    def build() -> str:
        return bundle(Path("src/index.ts"), project_dir=project, esbuild=esbuild_bin).script

    first = build()
    entries = list((cache / "bundles").glob("*.json"))
    assert len(entries) == 1 and "first" in first
    stamp = entries[0].stat().st_mtime_ns
    assert build() == first
    assert entries[0].stat().st_mtime_ns == stamp  # served from the cache, not rewritten

    lib.write_text("export const word: string = 'second';\n")
    os.utime(lib, ns=(stamp + 10**9, stamp + 10**9))
    assert "second" in build()

    # a new file beside an input may change how an import resolves: the folder is stamped
    (project / "src" / "lib.js").write_text("export const word = 'shadow';\n")
    rebuilt = build()
    assert "second" in rebuilt
    assert len(list((cache / "bundles").glob("*.json"))) == 1
