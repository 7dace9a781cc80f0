"""The runtime's npm packages: installed from a lockfile once, refused without one."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyworkerd.bundler.npm import NpmInstallError, installed_node_modules


def test_a_folder_without_a_lockfile_is_refused(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"name": "x", "version": "1.0.0"}')
    with pytest.raises(NpmInstallError, match=r"package-lock\.json: missing"):
        installed_node_modules(tmp_path, cache=tmp_path / "cache")


def test_an_empty_lockfile_installs_once_into_the_cache(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"name": "x", "version": "1.0.0"}')
    (tmp_path / "package-lock.json").write_text(
        '{"name": "x", "version": "1.0.0", "lockfileVersion": 3, "requires": true,'
        ' "packages": {"": {"name": "x", "version": "1.0.0"}}}'
    )
    first = installed_node_modules(tmp_path, cache=tmp_path / "cache")
    assert first.parent.parent == tmp_path / "cache" / "npm"
    assert (first.parent / ".pyworkerd-complete").is_file()
    assert installed_node_modules(tmp_path, cache=tmp_path / "cache") == first
