"""`env.<name>`: what is inherited, what is not, and what wrangler warns about."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pyworkerd.config import ConfigError, KVNamespace, Limits, ModuleRule, load_config

Write = Callable[[str, str], Path]

TOML = """\
name = "app"
main = "src/index.ts"
compatibility_date = "2025-01-01"
compatibility_flags = ["nodejs_compat"]
minify = true

[limits]
cpu_ms = 100

[[rules]]
type = "Text"
globs = ["**/*.md"]

[vars]
MODE = "dev"
SHARED = "x"

[define]
DEBUG = "true"

[[kv_namespaces]]
binding = "CACHE"
id = "top"

[[kv_namespaces]]
binding = "SESSIONS"
id = "top-sessions"

[[durable_objects.bindings]]
name = "ROOM"
class_name = "Room"

[[migrations]]
tag = "v1"
new_sqlite_classes = ["Room"]

[ai]
binding = "AI"

[env.staging]
compatibility_date = "2025-02-01"

[env.staging.vars]
MODE = "staging"

[[env.staging.kv_namespaces]]
binding = "CACHE"
id = "staging"

[env.bare]

[env.named]
name = "custom-name"
main = "src/other.ts"
"""


@pytest.fixture
def project(write: Write, worker_files: None) -> Path:
    write("src/other.ts", "export default {}\n")
    return write("wrangler.toml", TOML)


def test_top_level_without_env(project: Path) -> None:
    cfg = load_config(project)
    assert cfg.name == "app"
    assert cfg.env_name is None
    assert cfg.vars == {"MODE": "dev", "SHARED": "x"}
    assert [kv.binding for kv in cfg.kv_namespaces] == ["CACHE", "SESSIONS"]
    assert cfg.warnings == ()


def test_inheritable_keys_come_from_the_top_level(project: Path, tmp_path: Path) -> None:
    cfg = load_config(project, env="staging")
    assert cfg.env_name == "staging"
    assert cfg.main == tmp_path / "src" / "index.ts"
    assert cfg.compatibility_flags == ("nodejs_compat",)
    assert cfg.minify is True
    assert cfg.limits == Limits(cpu_ms=100)
    assert cfg.rules == (ModuleRule(type="Text", globs=("**/*.md",)),)
    assert [m.tag for m in cfg.migrations] == ["v1"]


def test_environment_overrides_inheritable_keys(project: Path) -> None:
    cfg = load_config(project, env="staging")
    assert cfg.compatibility_date == "2025-02-01"


def test_name_gets_the_env_suffix_unless_set(project: Path, tmp_path: Path) -> None:
    assert load_config(project, env="staging").name == "app-staging"
    named = load_config(project, env="named")
    assert named.name == "custom-name"
    assert named.main == tmp_path / "src" / "other.ts"


def test_non_inheritable_keys_are_not_copied(project: Path) -> None:
    cfg = load_config(project, env="staging")
    assert cfg.vars == {"MODE": "staging"}
    assert cfg.define == {}
    assert cfg.kv_namespaces == (KVNamespace(binding="CACHE", id="staging"),)
    assert cfg.durable_objects.bindings == ()
    assert cfg.ai is None


def test_warnings_for_what_is_not_inherited(project: Path) -> None:
    cfg = load_config(project, env="staging")
    assert cfg.warnings == (
        'wrangler.toml:43: "vars.SHARED" exists at the top level, but not on '
        '"env.staging.vars". This is not what you probably want, since "vars" configuration '
        'is not inherited by environments. Please add "vars.SHARED" to "env.staging".',
        'wrangler.toml:40: "define" exists at the top level, but not on "env.staging". '
        'This is not what you probably want, since "define" is not inherited by environments. '
        'Please add "define" to "env.staging".',
        'wrangler.toml:40: "durable_objects" exists at the top level, but not on "env.staging". '
        'This is not what you probably want, since "durable_objects" is not inherited by '
        'environments. Please add "durable_objects" to "env.staging".',
        'wrangler.toml:46: There is a kv_namespaces binding with name "SESSIONS" at the top '
        'level, but not on "env.staging". This is not what you probably want, since '
        '"kv_namespaces" configuration is not inherited by environments. Please add a binding '
        'for "SESSIONS" to "env.staging.kv_namespaces".',
        'wrangler.toml:40: "ai" exists at the top level, but not on "env.staging". This is not '
        'what you probably want, since "ai" is not inherited by environments. Please add "ai" '
        'to "env.staging".',
    )


def test_an_empty_environment_warns_about_every_section(project: Path) -> None:
    warnings = load_config(project, env="bare").warnings
    sections = [w.split('"')[1] for w in warnings]
    assert sections == ["vars", "define", "durable_objects", "kv_namespaces", "ai"]
    assert all(w.startswith("wrangler.toml:50: ") for w in warnings)


def test_unknown_env_is_an_error_naming_the_file_and_the_envs(project: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(project, env="prod")
    assert str(info.value) == (
        'wrangler.toml:40: no environment found in configuration with name "prod" '
        '(the available configured environment names are: "staging", "bare", "named"); '
        "pass one of those to --env, or add an [env.prod] section to wrangler.toml"
    )


def test_unknown_env_in_json_suggests_json(write: Write, worker_files: None) -> None:
    path = write(
        "wrangler.jsonc",
        '{\n  "main": "src/index.ts",\n  "compatibility_date": "2025-01-01",\n'
        '  "env": {\n    "staging": {}\n  }\n}\n',
    )
    with pytest.raises(ConfigError) as info:
        load_config(path, env="prod")
    assert str(info.value) == (
        'wrangler.jsonc:4: no environment found in configuration with name "prod" '
        '(the available configured environment names are: "staging"); pass one of those to '
        '--env, or add an "env": { "prod": { ... } } section to wrangler.jsonc'
    )


def test_env_without_any_environments_warns_and_uses_the_top_level(
    write: Write, worker_files: None
) -> None:
    path = write(
        "wrangler.toml",
        'name = "app"\nmain = "src/index.ts"\ncompatibility_date = "2025-01-01"\n'
        '[vars]\nA = "1"\n[[kv_namespaces]]\nbinding = "KV"\n',
    )
    cfg = load_config(path, env="dev")
    assert cfg.name == "app-dev"
    assert cfg.vars == {"A": "1"}
    assert [kv.binding for kv in cfg.kv_namespaces] == ["KV"]
    assert cfg.warnings == (
        'wrangler.toml: No environment found in configuration with name "dev". Using the '
        "top-level configuration; consider adding an [env.dev] section to wrangler.toml.",
    )


def test_top_level_only_keys_inside_an_env_are_unexpected(write: Write, worker_files: None) -> None:
    path = write(
        "wrangler.jsonc",
        """{
  "main": "src/index.ts",
  "compatibility_date": "2025-01-01",
  "env": {
    "production": {
      "alias": { "a": "b" },
      "keep_vars": true,
      "routes": ["example.com/*"]
    }
  }
}
""",
    )
    cfg = load_config(path, env="production")
    assert cfg.warnings == (
        'wrangler.jsonc:6: Unexpected fields found in env.production field: "alias","keep_vars"; '
        "check the spelling (pyworkerd ignores unknown fields)",
    )


def test_env_values_are_validated_with_env_paths(write: Write, worker_files: None) -> None:
    path = write(
        "wrangler.toml",
        'main = "src/index.ts"\ncompatibility_date = "2025-01-01"\n\n'
        "[env.staging]\n\n[[env.staging.kv_namespaces]]\nbinding = 7\n",
    )
    load_config(path)  # the top level is fine; other environments are not read
    with pytest.raises(ConfigError) as info:
        load_config(path, env="staging")
    assert str(info.value) == (
        "wrangler.toml:7: env.staging.kv_namespaces[0].binding: expected a string, got 7; "
        "set it to the name your code uses as env.<BINDING>"
    )


def test_top_level_errors_are_reported_even_with_an_env(write: Write, worker_files: None) -> None:
    path = write(
        "wrangler.toml",
        'main = "src/index.ts"\ncompatibility_date = "2025-01-01"\n'
        '[[kv_namespaces]]\nbinding = "KV"\nid = 5\n'
        '[env.staging]\nkv_namespaces = [{ binding = "KV" }]\n',
    )
    with pytest.raises(ConfigError) as info:
        load_config(path, env="staging")
    assert str(info.value).startswith("wrangler.toml:5: kv_namespaces[0].id: expected a string")


def test_inherited_value_errors_point_at_the_top_level(write: Write, worker_files: None) -> None:
    path = write(
        "wrangler.toml",
        'main = "src/index.ts"\ncompatibility_date = "2025-01-01"\n'
        '[triggers]\ncrons = "* * * * *"\n[env.staging]\n',
    )
    with pytest.raises(ConfigError) as info:
        load_config(path, env="staging")
    assert str(info.value) == (
        'wrangler.toml:4: triggers.crons: expected a list of strings, got "* * * * *"; '
        'use a list of cron expressions, e.g. ["*/5 * * * *"]'
    )


def test_env_secrets_and_vars_per_env(write: Write, worker_files: None, project: Path) -> None:
    write(".dev.vars", "TOKEN=dev\n")
    write(".dev.vars.staging", "TOKEN=staging\n")
    assert load_config(project).secrets == {"TOKEN": "dev"}
    assert load_config(project, env="staging").secrets == {"TOKEN": "staging"}
    assert load_config(project, env="named").secrets == {"TOKEN": "dev"}
