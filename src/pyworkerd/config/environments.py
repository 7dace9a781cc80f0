"""wrangler's environment rules: which keys `env.<name>` inherits, and what it warns about.

- Inheritable keys (main, compatibility_date/flags, rules, build, limits, triggers,
  assets, migrations, …) come from the top level unless the environment sets them.
- Non-inheritable keys (`vars`, `define` and every binding section) are *not* copied:
  an environment that lacks one gets nothing, and a warning when the top level has it.
- The worker's name in an environment is `<name>-<env>` unless the environment sets one.
- `--env x` with no `env.x`: an error when other environments exist; when the file
  has no environments at all, a warning and the top level is used as is (wrangler).
- Keys that only make sense at the top level (`dev`, `alias`, `keep_vars`, …) are
  "unexpected fields" inside an environment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .checker import Checker
from .errors import ConfigError, KeyPath

__all__ = [
    "ENVIRONMENT_KEYS",
    "INHERITABLE",
    "NON_INHERITABLE",
    "TOP_LEVEL_ONLY",
    "Selection",
    "select_environment",
]

INHERITABLE = frozenset(
    {
        # used by pyworkerd
        "name",
        "main",
        "compatibility_date",
        "compatibility_flags",
        "rules",
        "build",
        "no_bundle",
        "minify",
        "keep_names",
        "jsx_factory",
        "jsx_fragment",
        "tsconfig",
        "find_additional_modules",
        "base_dir",
        "limits",
        "triggers",
        "assets",
        "migrations",
        # accepted, unused locally
        "account_id",
        "route",
        "routes",
        "workers_dev",
        "preview_urls",
        "placement",
        "observability",
        "logpush",
        "upload_source_maps",
        "logfwdr",
        "first_party_worker",
        "compliance_region",
        "python_modules",
        "preserve_file_names",
        "usage_model",
    }
)

NON_INHERITABLE = frozenset(
    {
        # used by pyworkerd
        "vars",
        "define",
        "kv_namespaces",
        "r2_buckets",
        "d1_databases",
        "queues",
        "durable_objects",
        "services",
        "ai",
        "analytics_engine_datasets",
        "hyperdrive",
        "vectorize",
        "workflows",
        "send_email",
        "version_metadata",
        "tail_consumers",
        "browser",
        # accepted, unused locally
        "cloudchamber",
        "containers",
        "dispatch_namespaces",
        "mtls_certificates",
        "streaming_tail_consumers",
        "unsafe",
        "images",
        "media",
        "pipelines",
        "secrets_store_secrets",
        "unsafe_hello_world",
        "worker_loaders",
        "ratelimits",
        "vpc_services",
    }
)

TOP_LEVEL_ONLY = frozenset(
    {
        "dev",
        "alias",
        "keep_vars",
        "send_metrics",
        "legacy_env",
        "$schema",
        "site",
        "wasm_modules",
        "text_blobs",
        "data_blobs",
        "pages_build_output_dir",
    }
)

ENVIRONMENT_KEYS = INHERITABLE | NON_INHERITABLE

# Binding sections whose entries are named by "binding": missing names get their own warning.
_NAMED_BY_BINDING = (
    "kv_namespaces",
    "r2_buckets",
    "d1_databases",
    "services",
    "analytics_engine_datasets",
    "hyperdrive",
    "vectorize",
    "workflows",
)


@dataclass(frozen=True)
class Selection:
    """The raw values in effect for one environment, each with the path it came from."""

    values: dict[str, tuple[Any, KeyPath]] = field(default_factory=dict)
    name: str | None = None
    name_path: KeyPath = ("name",)
    env_path: KeyPath | None = None


def _binding_names(value: Any, key: str) -> list[str]:
    """Binding names in a raw section, for the "not on env.x" warnings."""
    if key == "durable_objects" and isinstance(value, dict):
        value = value.get("bindings")
        key = "name"
    else:
        key = "binding"
    if not isinstance(value, list):
        return []
    return [
        item[key] for item in value if isinstance(item, dict) and isinstance(item.get(key), str)
    ]


def _warn_not_inherited(
    ck: Checker, top: Mapping[str, Any], env_raw: Mapping[str, Any], env: str
) -> None:
    env_path: KeyPath = ("env", env)
    for key in sorted(NON_INHERITABLE, key=_order):
        if top.get(key) is None:
            continue
        if env_raw.get(key) is None:
            ck.warn(
                env_path,
                f'"{key}" exists at the top level, but not on "env.{env}". This is not what you '
                f'probably want, since "{key}" is not inherited by environments. '
                f'Please add "{key}" to "env.{env}".',
            )
            continue
        top_value, env_value = top[key], env_raw[key]
        if (
            key in ("vars", "define")
            and isinstance(top_value, dict)
            and isinstance(env_value, dict)
        ):
            for name in top_value:
                if name not in env_value:
                    ck.warn(
                        (*env_path, key),
                        f'"{key}.{name}" exists at the top level, but not on "env.{env}.{key}". '
                        f'This is not what you probably want, since "{key}" configuration is not '
                        f'inherited by environments. Please add "{key}.{name}" to "env.{env}".',
                    )
        elif key == "durable_objects":
            missing = [
                n for n in _binding_names(top_value, key) if n not in _binding_names(env_value, key)
            ]
            if missing:
                ck.warn(
                    (*env_path, key),
                    f'The following bindings are at the top level, but not on "env.{env}". This is '
                    f'not what you probably want, since "{key}" configuration is not inherited by '
                    f'environments. Please add a binding for each to "env.{env}.{key}.bindings": '
                    + ", ".join(missing),
                )
        elif key in _NAMED_BY_BINDING:
            present = set(_binding_names(env_value, key))
            for name in _binding_names(top_value, key):
                if name not in present:
                    ck.warn(
                        (*env_path, key),
                        f'There is a {key} binding with name "{name}" at the top level, but not on '
                        f'"env.{env}". This is not what you probably want, since "{key}" '
                        f"configuration is not inherited by environments. Please add a binding "
                        f'for "{name}" to "env.{env}.{key}".',
                    )


_ORDER = [
    "vars",
    "define",
    "durable_objects",
    "workflows",
    "kv_namespaces",
    "send_email",
    "queues",
    "r2_buckets",
    "d1_databases",
    "vectorize",
    "hyperdrive",
    "services",
    "analytics_engine_datasets",
    "tail_consumers",
    "browser",
    "ai",
    "version_metadata",
]


def _order(key: str) -> tuple[int, str]:
    return (_ORDER.index(key) if key in _ORDER else len(_ORDER), key)


def _env_section(env: str, config_label: str) -> str:
    if config_label.endswith(".toml"):
        return f"an [env.{env}] section"
    return f'an "env": {{ "{env}": {{ ... }} }} section'


def _top_name(ck: Checker, raw: Mapping[str, Any]) -> str | None:
    name = raw.get("name")
    return name if isinstance(name, str) else None


def select_environment(
    ck: Checker, raw: Mapping[str, Any], env: str | None, config_label: str
) -> Selection:
    """Pick the raw value and source path of every environment key for `env`."""
    # File order throughout, so the first error reported is the first one in the file.
    top_only = Selection(
        values={k: (v, (k,)) for k, v in raw.items() if k in ENVIRONMENT_KEYS and v is not None},
        name=_top_name(ck, raw),
    )
    if env is None:
        return top_only

    envs_raw = raw.get("env")
    envs = ck.table(envs_raw, ("env",)) if envs_raw is not None else {}
    if env not in envs:
        if envs:
            available = ", ".join(f'"{name}"' for name in envs)
            raise ConfigError(
                ck.file,
                ck.line(("env",)),
                None,
                f'no environment found in configuration with name "{env}" '
                f"(the available configured environment names are: {available})",
                f"pass one of those to --env, or add {_env_section(env, config_label)} "
                f"to {config_label}",
            )
        ck.warn(
            None,
            f'No environment found in configuration with name "{env}". Using the top-level '
            f"configuration; consider adding {_env_section(env, config_label)} to {config_label}.",
        )
        top = _top_name(ck, raw)
        return Selection(
            values=top_only.values,
            name=f"{top}-{env}" if top else None,
        )

    env_path: KeyPath = ("env", env)
    env_raw = ck.table(envs[env], env_path)
    ck.unknown_fields(env_raw, env_path, ENVIRONMENT_KEYS)
    _warn_not_inherited(ck, raw, env_raw, env)

    values: dict[str, tuple[Any, KeyPath]] = {
        key: (value, (*env_path, key))
        for key, value in env_raw.items()
        if key in ENVIRONMENT_KEYS and value is not None
    }
    for key, value in raw.items():
        if key in INHERITABLE and key not in values and value is not None:
            values[key] = (value, (key,))

    if env_raw.get("name") is not None:
        name = env_raw["name"]
        name_path: KeyPath = (*env_path, "name")
    else:
        top = _top_name(ck, raw)
        name = f"{top}-{env}" if top else None
        name_path = ("name",)
    return Selection(
        values=values,
        name=name if isinstance(name, str) else None,
        name_path=name_path,
        env_path=env_path,
    )
