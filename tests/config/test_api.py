"""find_config, apply_overrides, check_main, bindings_summary, and the frozen model."""

from __future__ import annotations

import dataclasses
import pickle
from collections.abc import Callable
from pathlib import Path

import pytest

import pyworkerd.config as config_pkg
from pyworkerd.config import (
    ConfigError,
    FrozenMap,
    WorkerConfig,
    apply_overrides,
    check_main,
    find_config,
    load_config,
)

Write = Callable[[str, str], Path]


def test_public_api_is_exported() -> None:
    for name in config_pkg.__all__:
        assert hasattr(config_pkg, name), name


# --- find_config -----------------------------------------------------------------------------


def test_find_config_prefers_json_then_jsonc_then_toml(tmp_path: Path, write: Write) -> None:
    assert find_config(tmp_path) is None
    write("wrangler.toml", "")
    assert find_config(tmp_path) == tmp_path / "wrangler.toml"
    write("wrangler.jsonc", "{}")
    assert find_config(tmp_path) == tmp_path / "wrangler.jsonc"
    write("wrangler.json", "{}")
    assert find_config(tmp_path) == tmp_path / "wrangler.json"


def test_find_config_searches_upwards(tmp_path: Path, write: Write) -> None:
    write("wrangler.toml", "")
    nested = tmp_path / "src" / "routes"
    nested.mkdir(parents=True)
    assert find_config(nested) == tmp_path / "wrangler.toml"
    write("src/wrangler.jsonc", "{}")
    assert find_config(nested) == tmp_path / "src" / "wrangler.jsonc"


# --- apply_overrides ---------------------------------------------------------------------------


@pytest.fixture
def cfg(write: Write, worker_files: None) -> WorkerConfig:
    write(".dev.vars", "SECRET=s\nAPI_KEY=k\n")
    return load_config(
        write(
            "wrangler.toml",
            'main = "src/index.ts"\ncompatibility_flags = ["a"]\n'
            '[vars]\nMODE = "file"\n[define]\nX = "1"\n[dev]\nport = 9000\n',
        )
    )


def test_overrides(cfg: WorkerConfig) -> None:
    assert any("No compatibility_date" in w for w in cfg.warnings)
    out = apply_overrides(
        cfg,
        compatibility_date="2025-05-05",
        compatibility_flags=["nodejs_compat"],
        ip="0.0.0.0",
        port=1234,
        define={"Y": "2"},
        vars={"MODE": "cli", "API_KEY": "from-cli"},
    )
    assert out.compatibility_date == "2025-05-05"
    assert not any("No compatibility_date" in w for w in out.warnings)
    assert out.compatibility_flags == ("nodejs_compat",)
    assert (out.dev.ip, out.dev.port) == ("0.0.0.0", 1234)
    assert out.define == {"X": "1", "Y": "2"}
    assert out.vars == {"MODE": "cli", "API_KEY": "from-cli"}
    assert out.secrets == {"SECRET": "s"}
    # the original is untouched
    assert cfg.dev.port == 9000 and cfg.vars == {"MODE": "file"}


def test_overrides_keep_what_is_not_given(cfg: WorkerConfig) -> None:
    out = apply_overrides(cfg, port=8000)
    assert out.dev.ip == "127.0.0.1"
    assert out.compatibility_flags == ("a",)
    assert out == dataclasses.replace(cfg, dev=dataclasses.replace(cfg.dev, port=8000))
    assert apply_overrides(cfg) == cfg


def test_override_errors_are_one_line(cfg: WorkerConfig) -> None:
    with pytest.raises(ConfigError) as info:
        apply_overrides(cfg, compatibility_date="yesterday")
    assert str(info.value) == (
        "command line: --compatibility-date: should be a valid ISO-8601 date (YYYY-MM-DD), "
        'got "yesterday"; use a date in quotes, e.g. "2025-01-01"'
    )
    with pytest.raises(ConfigError) as info:
        apply_overrides(cfg, port=99999)
    assert str(info.value) == (
        "command line: --port: must be from 0 to 65535, got 99999; use a valid port"
    )


# --- check_main --------------------------------------------------------------------------------


def test_check_main_after_a_build(write: Write, tmp_path: Path) -> None:
    path = write(
        "wrangler.toml",
        'compatibility_date = "2025-01-01"\nmain = "dist/worker.js"\n'
        '[build]\ncommand = "make"\n[env.prod]\nmain = "dist/prod.js"\n',
    )
    cfg = load_config(path)  # the build has not run yet: no error
    with pytest.raises(ConfigError) as info:
        check_main(cfg)
    assert str(info.value) == (
        'wrangler.toml:2: main: the entry-point file at "dist/worker.js" was not found; '
        "fix the path, which is relative to the directory holding wrangler.toml"
    )
    prod = load_config(path, env="prod")
    with pytest.raises(ConfigError) as info:
        check_main(prod)
    assert str(info.value).startswith("wrangler.toml:6: env.prod.main: the entry-point file at")
    write("dist/worker.js", "export default {}\n")
    check_main(cfg)


# --- bindings_summary --------------------------------------------------------------------------


def test_bindings_summary(write: Write, worker_files: None) -> None:
    write(".dev.vars", "TOKEN=secret-value\nMODE=overridden\n")
    text = """{
  "main": "src/index.ts",
  "compatibility_date": "2025-01-01",
  "vars": { "MODE": "dev", "LIMITS": { "max": 3 } },
  "kv_namespaces": [{ "binding": "KV", "id": "kv-id" }],
  "r2_buckets": [{ "binding": "R2", "bucket_name": "files" }],
  "d1_databases": [{ "binding": "DB", "database_name": "app", "database_id": "x" }],
  "queues": { "producers": [{ "binding": "Q", "queue": "jobs" }] },
  "durable_objects": { "bindings": [
    { "name": "ROOM", "class_name": "Room" },
    { "name": "EXT", "class_name": "Ext", "script_name": "other" }
  ] },
  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Room"] }],
  "services": [{ "binding": "AUTH", "service": "auth", "entrypoint": "Rpc" }],
  "ai": { "binding": "AI" },
  "assets": { "directory": "public", "binding": "ASSETS" },
  "version_metadata": { "binding": "META" },
  "browser": { "binding": "BROWSER" },
  "hyperdrive": [{ "binding": "HD", "id": "hd" }],
  "vectorize": [{ "binding": "VEC", "index_name": "idx" }],
  "workflows": [{ "binding": "WF", "name": "flow", "class_name": "Flow" }],
  "send_email": [{ "name": "MAIL" }],
  "analytics_engine_datasets": [{ "binding": "AE" }]
}"""
    cfg = load_config(write("wrangler.jsonc", text))
    assert cfg.bindings_summary() == [
        ("ROOM", "Durable Object", "Room"),
        ("EXT", "Durable Object", "Ext (defined in other)"),
        ("WF", "Workflow", "Flow (flow)"),
        ("KV", "KV Namespace", "kv-id"),
        ("MAIL", "Send Email", "unrestricted"),
        ("Q", "Queue", "jobs"),
        ("DB", "D1 Database", "app"),
        ("VEC", "Vectorize Index", "idx"),
        ("HD", "Hyperdrive Config", "hd"),
        ("R2", "R2 Bucket", "files"),
        ("AUTH", "Worker", "auth#Rpc"),
        ("AE", "Analytics Engine Dataset", "AE"),
        ("BROWSER", "Browser", ""),
        ("AI", "AI", ""),
        ("META", "Worker Version Metadata", ""),
        ("ASSETS", "Assets", str(cfg.project_dir / "public")),
        ("LIMITS", "Environment Variable", '{"max": 3}'),
        ("TOKEN", "Environment Variable", "(hidden)"),
        ("MODE", "Environment Variable", "(hidden)"),
    ]


# --- the frozen model ----------------------------------------------------------------------------


def test_config_is_frozen_and_picklable(cfg: WorkerConfig) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.name = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        cfg.vars["NEW"] = "x"  # type: ignore[index]
    assert isinstance(cfg.compatibility_flags, tuple)
    assert pickle.loads(pickle.dumps(cfg)) == cfg


def test_frozen_map() -> None:
    fm = FrozenMap({"a": 1, "b": 2})
    assert fm == {"a": 1, "b": 2}
    assert fm == FrozenMap([("b", 2), ("a", 1)])
    assert fm != {"a": 1}
    assert hash(fm) == hash(FrozenMap({"b": 2, "a": 1}))
    assert list(fm) == ["a", "b"] and len(fm) == 2 and fm["a"] == 1
    assert dict(pickle.loads(pickle.dumps(fm))) == {"a": 1, "b": 2}
    assert repr(FrozenMap()) == "FrozenMap({})"
    with pytest.raises(TypeError):
        hash(FrozenMap({"a": [1]}))
