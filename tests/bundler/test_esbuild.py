"""Finding esbuild, and fetching the pinned one with npm, checked against its pinned sha512."""

from __future__ import annotations

import base64
import hashlib
import logging
import os
from pathlib import Path

import pytest

from pyworkerd.bundler import (
    ESBUILD_INTEGRITY,
    ESBUILD_VERSION,
    BundleError,
    EsbuildUnavailableError,
    bundle,
    find_esbuild,
    locate_esbuild,
    platform_package,
)

from .conftest import Write


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No $PYWORKERD_ESBUILD, and an empty cache directory as $PYWORKERD_CACHE_DIR."""
    monkeypatch.delenv("PYWORKERD_ESBUILD", raising=False)
    cache = tmp_path / "cache"
    monkeypatch.setenv("PYWORKERD_CACHE_DIR", str(cache))
    return cache


def test_this_platform_has_a_pinned_integrity() -> None:
    assert platform_package() in ESBUILD_INTEGRITY
    assert all(v.startswith("sha512-") for v in ESBUILD_INTEGRITY.values())


def test_fetch_into_an_empty_cache_once(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    found = locate_esbuild(None)
    assert found.source == "fetched"
    assert found.path == clean_env / "esbuild" / ESBUILD_VERSION / "esbuild"
    assert os.access(found.path, os.X_OK)
    assert [p.name for p in found.path.parent.iterdir()] == ["esbuild"]  # no temp files left

    monkeypatch.setenv("PATH", "")  # npm is not needed any more
    again = locate_esbuild(None)
    assert (again.source, again.path, again.version) == ("cache", found.path, ESBUILD_VERSION)


def test_a_tarball_that_fails_the_integrity_check_is_refused(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = "sha512-" + base64.b64encode(hashlib.sha512(b"not esbuild").digest()).decode()
    monkeypatch.setitem(ESBUILD_INTEGRITY, platform_package(), wrong)
    with pytest.raises(EsbuildUnavailableError) as info:
        find_esbuild(None)
    message = str(info.value)
    assert "integrity" in message and "PYWORKERD_ESBUILD" in message
    assert "\n" not in message
    assert not (clean_env / "esbuild" / ESBUILD_VERSION / "esbuild").exists()


def test_without_npm_the_error_names_the_setting(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "")
    with pytest.raises(EsbuildUnavailableError, match="npm is not found; set PYWORKERD_ESBUILD"):
        find_esbuild(None)


def test_env_setting_comes_first(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, esbuild_bin: Path, project: Path
) -> None:
    monkeypatch.setenv("PYWORKERD_ESBUILD", str(esbuild_bin))
    assert locate_esbuild(project).source == "env"
    assert find_esbuild(project) == esbuild_bin
    monkeypatch.setenv("PYWORKERD_ESBUILD", str(project / "missing-esbuild"))
    with pytest.raises(EsbuildUnavailableError, match=r"PYWORKERD_ESBUILD=.* is not a working"):
        find_esbuild(project)


def test_project_node_modules_native_binary(
    clean_env: Path, esbuild_bin: Path, project: Path
) -> None:
    native = project / "node_modules" / "@esbuild" / platform_package() / "bin" / "esbuild"
    native.parent.mkdir(parents=True)
    native.symlink_to(esbuild_bin)
    found = locate_esbuild(project / "sub")  # a folder inside the project looks upwards too
    assert (found.source, found.path, found.pinned) == ("node_modules", native, True)


def _script(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)
    return path


def test_other_version_in_node_modules_is_used_with_a_warning(
    clean_env: Path, esbuild_bin: Path, project: Path, write: Write,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # the nearest node_modules has a broken esbuild: skipped; the next one up is older: used
    _script(project / "app/node_modules/.bin/esbuild", "exit 3")
    older = _script(
        project / "node_modules/.bin/esbuild",
        f'if [ "$1" = --version ]; then echo 0.20.0; else exec "{esbuild_bin}" "$@"; fi',
    )
    with caplog.at_level(logging.WARNING, logger="pyworkerd.bundler"):
        found = locate_esbuild(project / "app")
    assert (found.source, found.path, found.version) == ("node_modules", older, "0.20.0")
    assert "skipping" in caplog.text
    assert f"using esbuild 0.20.0 from {older}; pyworkerd pins {ESBUILD_VERSION}" in caplog.text

    write("app/src/index.ts", "export default { ok: true as boolean };\n")
    b = bundle(Path("src/index.ts"), project_dir=project / "app")
    assert b.warnings == (f"using esbuild 0.20.0 from {older}; pyworkerd pins {ESBUILD_VERSION}",)

    write("app/src/index.ts", "export default {\n")
    with pytest.raises(BundleError) as info:
        bundle(Path("src/index.ts"), project_dir=project / "app")
    assert str(info.value).splitlines()[-1] == (
        f"(built with esbuild 0.20.0 from {older}; pyworkerd pins {ESBUILD_VERSION})"
    )
