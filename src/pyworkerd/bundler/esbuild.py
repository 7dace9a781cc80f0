"""Find esbuild, or fetch the pinned release once and check it before it ever runs.

Order: ``$PYWORKERD_ESBUILD``; the project's ``node_modules`` (walking up, as node does);
the cache (``$PYWORKERD_CACHE_DIR`` or ``~/.cache/pyworkerd``)/esbuild/<version>/esbuild;
else ``npm pack @esbuild/<platform>@<version>`` into a temporary directory (npm uses the
machine's configured registry), check the tarball's sha512 against the value pinned below,
take ``package/bin/esbuild`` out of it and rename it into the cache. Any failure is one line
naming ``PYWORKERD_ESBUILD``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import EsbuildUnavailableError

__all__ = [
    "ESBUILD_INTEGRITY",
    "ESBUILD_VERSION",
    "EsbuildBinary",
    "cache_dir",
    "esbuild_version",
    "fetch_esbuild",
    "find_esbuild",
    "locate_esbuild",
    "platform_package",
]

log = logging.getLogger("pyworkerd.bundler")

ESBUILD_VERSION = "0.28.2"

# `npm view @esbuild/<platform>@0.28.2 dist.integrity`, one per platform package.
ESBUILD_INTEGRITY: dict[str, str] = {
    "linux-x64": "sha512-4xTZr1FUmSoQW4XIWmit3tzQrUTZM+N3P0XV8xROKYF50XfI7xeO90+1bZvNwxIufQ9hDQVRJH5YhgPVF8A/HQ==",  # noqa: E501
    "linux-arm64": "sha512-pW4AC0P3it8c7do9MVM4p51FzHzdM/TZrerurgRcHJ2WTa1VQ1CIq18xncfpBJw4ojkiZZrKW2yIBWBP92j6Ug==",  # noqa: E501
    "linux-arm": "sha512-XlDnu2q5yoqems+xay6wSAcg9DDD7K9RLKZEBOMZm3ckNpJBvOX20tSfby8KfrrhINDyv9V2YVZKY/SpoGJI8w==",  # noqa: E501
    "linux-ia32": "sha512-CYbnj78HsIeA+DhgUKgFCfvNsTHFhMMrinUrMZpDXJXKN8T3XViTZ/+wtHeVxEWY8ewSzTFN+nRmSwO2tZaLUQ==",  # noqa: E501
    "darwin-x64": "sha512-uq6suIWYP37qzGddBKPw5QEQPi6HiLGsO7UmkpfyaYNQ3D+rN6w6WfwH+nuqcGXWvawGwxOEroO4YGnFh95azw==",  # noqa: E501
    "darwin-arm64": "sha512-n4KqkOQrraxHJcgjM1RvwbigfQKIKJVpM7xp+KsxiyUSrRdIXnt73VhrPAx0fV44hgfmIVKjxMN9J1t5jySVkw==",  # noqa: E501
    "win32-x64": "sha512-5ebpxr3nWMzrL/rnUI755Jkuee0bHL/Gq0WTF9lvcpv73wAp5eu8MfBUgWK9bhWvZjj7yX8etf/8tI8Ney695g==",  # noqa: E501
    "win32-arm64": "sha512-PIhhEkE9uPBleRBrQEJpUn7MBnibZzbGzYWPmY3x+YoVg/95zbjB4CxPPOQ8l5tYYM4mMaCthF8/1DIfBQQyWQ==",  # noqa: E501
    "win32-ia32": "sha512-YmJbfTlvU7Sdn9BB+4PRES4oB6pxgS37MAONj+hBr/cpXS1aBPKXxNnDbu+QCWPj0o9dgyxeq79g6c5P8KeuYA==",  # noqa: E501
    "freebsd-x64": "sha512-78XJTJkvPs0kz2w61301PJjXl4g7q3JqiYMZ/M/yVI73EHBrCRTgkhu9oqG7vPqq+a/yadEW8aD+agKlk5xrmg==",  # noqa: E501
    "freebsd-arm64": "sha512-n+I0BTSRIoy+d6RPKnEVwql5UwBJolytvY4mAOIEJorKlqgPII8ix6slVVrfZ5Tnj7glIZvloylbB/EJPMWEXw==",  # noqa: E501
}

_ENV_BINARY = "PYWORKERD_ESBUILD"
_ENV_CACHE = "PYWORKERD_CACHE_DIR"
_WAY_OUT = f"set {_ENV_BINARY} to the path of an esbuild {ESBUILD_VERSION} binary"

_MACHINES = {
    "x86_64": "x64",
    "amd64": "x64",
    "x64": "x64",
    "aarch64": "arm64",
    "arm64": "arm64",
    "armv7l": "arm",
    "armv6l": "arm",
    "arm": "arm",
    "i386": "ia32",
    "i686": "ia32",
    "x86": "ia32",
    "ppc64le": "ppc64",
    "s390x": "s390x",
    "riscv64": "riscv64",
    "loongarch64": "loong64",
}
_fetch_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class EsbuildBinary:
    """A located esbuild: where it is, where it came from, and the version it reports."""

    path: Path
    source: str  # "env", "node_modules", "cache" or "fetched"
    version: str

    @property
    def pinned(self) -> bool:
        return self.version == ESBUILD_VERSION


def platform_package() -> str:
    """The ``@esbuild/<name>`` package for this machine, e.g. ``linux-x64``."""
    machine = platform.machine().lower()
    arch = _MACHINES.get(machine, machine)
    osname = "win32" if sys.platform == "win32" else sys.platform.rstrip("0123456789")
    return f"{osname}-{arch}"


def _exe_name() -> str:
    return "esbuild.exe" if sys.platform == "win32" else "esbuild"


def cache_dir() -> Path:
    """``$PYWORKERD_CACHE_DIR``, else ``$XDG_CACHE_HOME/pyworkerd``, else ``~/.cache/pyworkerd``."""
    if env := os.environ.get(_ENV_CACHE):
        return Path(env).expanduser()
    if xdg := os.environ.get("XDG_CACHE_HOME"):
        return Path(xdg).expanduser() / "pyworkerd"
    return Path.home() / ".cache" / "pyworkerd"


def esbuild_version(path: Path) -> str:
    """What ``esbuild --version`` prints; cached per file (path, size, mtime)."""
    st = path.stat()
    return _version_of(str(path), st.st_size, st.st_mtime_ns)


@lru_cache(maxsize=32)
def _version_of(path: str, _size: int, _mtime: int) -> str:
    try:
        proc = subprocess.run(
            [path, "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except subprocess.SubprocessError as exc:  # a timeout: treat like a binary that won't run
        raise OSError(str(exc)) from None
    out = proc.stdout.strip()
    if proc.returncode != 0 or not out:
        raise OSError(f"{path} --version exited {proc.returncode}: {proc.stderr.strip()[:200]}")
    return out


def _node_modules_candidates(project_dir: Path) -> list[Path]:
    """Native binary first (no node start-up per build), then the .bin shim; nearest first."""
    pkg = platform_package()
    found: list[Path] = []
    for base in (project_dir, *project_dir.parents):
        nm = base / "node_modules"
        if not nm.is_dir():
            continue
        names = [
            nm / "@esbuild" / pkg / "bin" / "esbuild",
            nm / "@esbuild" / pkg / "esbuild.exe",
            nm / ".bin" / "esbuild",
            nm / ".bin" / "esbuild.cmd",
        ]
        found.extend(p for p in names if p.is_file())
    return found


def locate_esbuild(project_dir: Path | None, *, cache: Path | None = None) -> EsbuildBinary:
    """Like :func:`find_esbuild`, also telling where the binary came from and its version.

    A ``node_modules`` esbuild whose version differs from the pin is used with a warning;
    one that does not run is skipped.
    """
    if env := os.environ.get(_ENV_BINARY):
        path = Path(env).expanduser()
        try:
            version = esbuild_version(path)
        except OSError as exc:
            raise EsbuildUnavailableError(
                f"{_ENV_BINARY}={env} is not a working esbuild ({exc}); fix or unset {_ENV_BINARY}"
            ) from None
        if version != ESBUILD_VERSION:
            log.warning(
                "%s is esbuild %s; pyworkerd pins %s", _ENV_BINARY, version, ESBUILD_VERSION
            )
        return EsbuildBinary(path, "env", version)

    if project_dir is not None:
        for path in _node_modules_candidates(Path(project_dir).resolve()):
            try:
                version = esbuild_version(path)
            except OSError as exc:
                log.warning("skipping %s: %s", path, exc)
                continue
            if version != ESBUILD_VERSION:
                log.warning(
                    "using esbuild %s from %s; pyworkerd pins %s", version, path, ESBUILD_VERSION
                )
            return EsbuildBinary(path, "node_modules", version)

    cached = (cache or cache_dir()) / "esbuild" / ESBUILD_VERSION / _exe_name()
    if cached.is_file():
        return EsbuildBinary(cached, "cache", ESBUILD_VERSION)
    return EsbuildBinary(fetch_esbuild(cache or cache_dir()), "fetched", ESBUILD_VERSION)


def find_esbuild(project_dir: Path | None, *, cache: Path | None = None) -> Path:
    """Path of the esbuild to run for ``project_dir`` (see the module docstring for the order)."""
    return locate_esbuild(project_dir, cache=cache).path


def fetch_esbuild(cache: Path, *, version: str = ESBUILD_VERSION) -> Path:
    """Fetch ``@esbuild/<platform>@version`` with npm, verify its sha512, install into ``cache``.

    Returns the installed binary. Safe against concurrent fetches (atomic rename).
    """
    pkg = platform_package()
    target = cache / "esbuild" / version / _exe_name()
    integrity = ESBUILD_INTEGRITY.get(pkg) if version == ESBUILD_VERSION else None
    if integrity is None:
        raise EsbuildUnavailableError(
            f"no pinned checksum for @esbuild/{pkg}@{version}; {_WAY_OUT}"
        )
    with _fetch_lock:
        if target.is_file():
            return target
        npm = shutil.which("npm")
        if npm is None:
            raise EsbuildUnavailableError(
                f"esbuild is not installed and npm is not found; {_WAY_OUT}"
            )
        with tempfile.TemporaryDirectory(prefix="pyworkerd-esbuild-") as tmp:
            tgz = _npm_pack(npm, f"@esbuild/{pkg}@{version}", Path(tmp))
            data = tgz.read_bytes()
            if not _integrity_matches(data, integrity):
                raise EsbuildUnavailableError(
                    f"@esbuild/{pkg}@{version} from npm failed its sha512 integrity check "
                    f"(expected {integrity}); refusing to use it; {_WAY_OUT}"
                )
            binary = _binary_from_tarball(tgz, pkg)
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, part = tempfile.mkstemp(dir=target.parent, prefix=".esbuild-", suffix=".part")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(binary)
                    f.flush()
                    os.fsync(f.fileno())
                os.chmod(part, 0o755)
                _check_runs(Path(part), version)
                os.replace(part, target)
            except BaseException:
                Path(part).unlink(missing_ok=True)
                raise
    log.info("installed esbuild %s into %s", version, target)
    return target


def run_npm(npm: str, args: list[str], cwd: Path) -> tuple[str | None, str]:
    """`npm <args>` in `cwd` (10 minutes at most): (its stdout, "") when it succeeds, else
    (None, why): the error that kept it from running, or its exit status and last line."""
    try:
        proc = subprocess.run(
            [npm, *args], cwd=cwd, capture_output=True, text=True, timeout=600, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, str(exc)
    if proc.returncode != 0:
        detail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return None, f"exit {proc.returncode}: {detail}"
    return proc.stdout, ""


def _npm_pack(npm: str, spec: str, dest: Path) -> Path:
    args = ["pack", spec, "--pack-destination", str(dest), "--json", "--ignore-scripts"]
    stdout, why = run_npm(npm, [*args, "--loglevel=error"], dest)
    if stdout is None:
        raise EsbuildUnavailableError(f"npm pack {spec} failed ({why}); {_WAY_OUT}")
    try:
        filename = json.loads(stdout)[0]["filename"]
    except (ValueError, LookupError, TypeError):
        tgzs = sorted(dest.glob("*.tgz"))
        if len(tgzs) != 1:
            raise EsbuildUnavailableError(f"npm pack {spec} gave no tarball; {_WAY_OUT}") from None
        return tgzs[0]
    # npm names scoped tarballs "esbuild-linux-x64-0.28.2.tgz"; never trust a path in it.
    path = dest / Path(str(filename)).name
    if not path.is_file():
        raise EsbuildUnavailableError(f"npm pack {spec} gave no tarball; {_WAY_OUT}")
    return path


def _integrity_matches(data: bytes, integrity: str) -> bool:
    algo, _, b64 = integrity.partition("-")
    if algo != "sha512":
        return False
    try:
        expected = base64.b64decode(b64, validate=True)
    except ValueError:
        return False
    return hmac.compare_digest(hashlib.sha512(data).digest(), expected)


def _binary_from_tarball(tgz: Path, pkg: str) -> bytes:
    """Read the one member we need; nothing else of the archive touches the disk."""
    member_name = "package/esbuild.exe" if pkg.startswith("win32") else "package/bin/esbuild"
    try:
        with tarfile.open(tgz, "r:gz") as tar:
            member = tar.getmember(member_name)
            f = tar.extractfile(member) if member.isfile() else None
            if f is None:
                raise KeyError(member_name)
            return f.read()
    except (tarfile.TarError, KeyError, OSError) as exc:
        raise EsbuildUnavailableError(
            f"{tgz.name} has no usable {member_name} ({exc}); {_WAY_OUT}"
        ) from None


def _check_runs(path: Path, version: str) -> None:
    try:
        got = esbuild_version(path)
    except OSError as exc:
        raise EsbuildUnavailableError(
            f"the fetched esbuild does not run on this machine ({exc}); {_WAY_OUT}"
        ) from None
    if got != version:
        raise EsbuildUnavailableError(
            f"the fetched esbuild reports version {got}, expected {version}; {_WAY_OUT}"
        )
