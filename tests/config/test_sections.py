"""Every section, written as real files in all three formats, loads to the same config."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pyworkerd.config import (
    AIBinding,
    AnalyticsEngineDataset,
    Assets,
    BrowserBinding,
    BuildConfig,
    D1Database,
    DevConfig,
    DurableObjectBinding,
    FrozenMap,
    HyperdriveBinding,
    KVNamespace,
    Limits,
    Migration,
    ModuleRule,
    QueueConsumer,
    QueueProducer,
    R2Bucket,
    RenamedClass,
    SendEmailBinding,
    ServiceBinding,
    TailConsumer,
    TransferredClass,
    VectorizeBinding,
    VersionMetadataBinding,
    WorkerConfig,
    WorkflowBinding,
    load_config,
)

FULL: dict[str, Any] = {
    "$schema": "node_modules/wrangler/config-schema.json",
    "name": "full-worker",
    "main": "src/index.ts",
    "compatibility_date": "2025-03-01",
    "compatibility_flags": ["nodejs_compat"],
    "account_id": "abc123",
    "workers_dev": True,
    "routes": [{"pattern": "example.com/*", "zone_name": "example.com"}],
    "observability": {"enabled": True, "head_sampling_rate": 1},
    "placement": {"mode": "smart"},
    "upload_source_maps": True,
    "keep_vars": True,
    "logpush": False,
    "send_metrics": False,
    "preview_urls": False,
    "usage_model": "standard",
    "vars": {
        "GREETING": "hello",
        "COUNT": 3,
        "RATIO": 0.5,
        "ENABLED": True,
        "CONFIG": {"nested": ["a", 1]},
    },
    "define": {"__VERSION__": '"1.0"'},
    "alias": {"foo": "./src/foo-shim.ts"},
    "limits": {"cpu_ms": 50, "memory_mb": 256, "subrequests": 100},
    "dev": {
        "ip": "0.0.0.0",
        "port": 9000,
        "local_protocol": "https",
        "host": "example.com",
        "inspector_port": 9230,
    },
    "rules": [
        {"type": "Text", "globs": ["**/*.txt"], "fallthrough": True},
        {"type": "CompiledWasm", "globs": ["**/*.wasm"]},
    ],
    "find_additional_modules": True,
    "base_dir": "src",
    "no_bundle": False,
    "minify": True,
    "build": {"command": "npm run build", "cwd": "build", "watch_dir": ["src", "lib"]},
    "kv_namespaces": [{"binding": "KV", "id": "kv-id", "preview_id": "kv-preview"}],
    "r2_buckets": [
        {
            "binding": "BUCKET",
            "bucket_name": "my-bucket",
            "preview_bucket_name": "my-bucket-preview",
            "jurisdiction": "eu",
        }
    ],
    "d1_databases": [
        {
            "binding": "DB",
            "database_name": "app-db",
            "database_id": "d1-id",
            "preview_database_id": "d1-preview",
            "migrations_dir": "db/migrations",
            "migrations_table": "schema_log",
        },
        {"binding": "DB2", "database_name": "other"},
    ],
    "queues": {
        "producers": [{"binding": "JOBS", "queue": "jobs", "delivery_delay": 30}],
        "consumers": [
            {
                "queue": "jobs",
                "max_batch_size": 50,
                "max_batch_timeout": 30,
                "max_retries": 10,
                "dead_letter_queue": "jobs-dlq",
                "max_concurrency": 4,
                "retry_delay": 60,
            },
            {"queue": "other"},
        ],
    },
    "durable_objects": {
        "bindings": [
            {"name": "COUNTER", "class_name": "Counter"},
            {
                "name": "REMOTE",
                "class_name": "Remote",
                "script_name": "other-worker",
                "environment": "production",
            },
        ]
    },
    "migrations": [
        {"tag": "v1", "new_classes": ["Counter"]},
        {
            "tag": "v2",
            "new_sqlite_classes": ["Chat"],
            "renamed_classes": [{"from": "Counter", "to": "Tally"}],
            "deleted_classes": ["Old"],
            "transferred_classes": [{"from": "A", "from_script": "w", "to": "B"}],
        },
    ],
    "services": [
        {"binding": "AUTH", "service": "auth-worker", "entrypoint": "AuthRPC"},
        {"binding": "API", "service": "api", "environment": "staging"},
    ],
    "ai": {"binding": "AI"},
    "triggers": {"crons": ["*/5 * * * *", "0 0 * * *"]},
    "assets": {
        "directory": "public",
        "binding": "ASSETS",
        "run_worker_first": ["/api/*"],
        "html_handling": "drop-trailing-slash",
        "not_found_handling": "single-page-application",
    },
    "analytics_engine_datasets": [{"binding": "METRICS", "dataset": "metrics"}],
    "hyperdrive": [
        {"binding": "HD", "id": "hd-id", "localConnectionString": "postgres://u:p@localhost/db"}
    ],
    "vectorize": [{"binding": "VEC", "index_name": "embeddings"}],
    "workflows": [{"binding": "FLOW", "name": "my-flow", "class_name": "MyFlow"}],
    "send_email": [{"name": "MAIL", "destination_address": "ops@example.com"}],
    "version_metadata": {"binding": "CF_VERSION_METADATA"},
    "tail_consumers": [{"service": "tail-worker"}],
    "browser": {"binding": "BROWSER"},
}

FULL_TOML = """\
"$schema" = "node_modules/wrangler/config-schema.json"
name = "full-worker"
main = "src/index.ts"
compatibility_date = "2025-03-01"
compatibility_flags = ["nodejs_compat"]
account_id = "abc123"
workers_dev = true
routes = [{ pattern = "example.com/*", zone_name = "example.com" }]
upload_source_maps = true
keep_vars = true
logpush = false
send_metrics = false
preview_urls = false
usage_model = "standard"
find_additional_modules = true
base_dir = "src"
no_bundle = false
minify = true

# Plain and JSON vars
[vars]
GREETING = "hello"
COUNT = 3
RATIO = 0.5
ENABLED = true
CONFIG = { nested = ["a", 1] }

[define]
__VERSION__ = '"1.0"'

[alias]
foo = "./src/foo-shim.ts"

[observability]
enabled = true
head_sampling_rate = 1

[placement]
mode = "smart"

[limits]
cpu_ms = 50
memory_mb = 256
subrequests = 100

[dev]
ip = "0.0.0.0"
port = 9000
local_protocol = "https"
host = "example.com"
inspector_port = 9230

[[rules]]
type = "Text"
globs = ["**/*.txt"]
fallthrough = true

[[rules]]
type = "CompiledWasm"
globs = ["**/*.wasm"]

[build]
command = "npm run build"
cwd = "build"
watch_dir = ["src", "lib"]

[[kv_namespaces]]
binding = "KV"
id = "kv-id"
preview_id = "kv-preview"

[[r2_buckets]]
binding = "BUCKET"
bucket_name = "my-bucket"
preview_bucket_name = "my-bucket-preview"
jurisdiction = "eu"

[[d1_databases]]
binding = "DB"
database_name = "app-db"
database_id = "d1-id"
preview_database_id = "d1-preview"
migrations_dir = "db/migrations"
migrations_table = "schema_log"

[[d1_databases]]
binding = "DB2"
database_name = "other"

[[queues.producers]]
binding = "JOBS"
queue = "jobs"
delivery_delay = 30

[[queues.consumers]]
queue = "jobs"
max_batch_size = 50
max_batch_timeout = 30
max_retries = 10
dead_letter_queue = "jobs-dlq"
max_concurrency = 4
retry_delay = 60

[[queues.consumers]]
queue = "other"

[[durable_objects.bindings]]
name = "COUNTER"
class_name = "Counter"

[[durable_objects.bindings]]
name = "REMOTE"
class_name = "Remote"
script_name = "other-worker"
environment = "production"

[[migrations]]
tag = "v1"
new_classes = ["Counter"]

[[migrations]]
tag = "v2"
new_sqlite_classes = ["Chat"]
renamed_classes = [{ from = "Counter", to = "Tally" }]
deleted_classes = ["Old"]
transferred_classes = [{ from = "A", from_script = "w", to = "B" }]

[[services]]
binding = "AUTH"
service = "auth-worker"
entrypoint = "AuthRPC"

[[services]]
binding = "API"
service = "api"
environment = "staging"

[ai]
binding = "AI"

[triggers]
crons = ["*/5 * * * *", "0 0 * * *"]

[assets]
directory = "public"
binding = "ASSETS"
run_worker_first = ["/api/*"]
html_handling = "drop-trailing-slash"
not_found_handling = "single-page-application"

[[analytics_engine_datasets]]
binding = "METRICS"
dataset = "metrics"

[[hyperdrive]]
binding = "HD"
id = "hd-id"
localConnectionString = "postgres://u:p@localhost/db"

[[vectorize]]
binding = "VEC"
index_name = "embeddings"

[[workflows]]
binding = "FLOW"
name = "my-flow"
class_name = "MyFlow"

[[send_email]]
name = "MAIL"
destination_address = "ops@example.com"

[version_metadata]
binding = "CF_VERSION_METADATA"

[[tail_consumers]]
service = "tail-worker"

[browser]
binding = "BROWSER"
"""


def _jsonc(data: dict[str, Any]) -> str:
    """JSON with comments and trailing commas, as `wrangler init` writes it."""
    body = json.dumps(data, indent=2)
    lines = body.splitlines()
    out = ["// Generated for a test", lines[0], "  /* block comment */"]
    for line in lines[1:]:
        out.append(line)
        if line.startswith('  "vars"'):
            out.append("    // plain and JSON vars")
    text = "\n".join(out)
    end = text.rfind("\n}")
    return text[:end] + ",\n}\n"  # a trailing comma, as JSONC allows


def _write_format(fmt: str, write: Callable[[str, str], Path]) -> Path:
    if fmt == "toml":
        return write("wrangler.toml", FULL_TOML)
    if fmt == "json":
        return write("wrangler.json", json.dumps(FULL, indent=2))
    return write("wrangler.jsonc", _jsonc(FULL))


@pytest.fixture(params=["jsonc", "json", "toml"])
def full(
    request: pytest.FixtureRequest, write: Callable[[str, str], Path], worker_files: None
) -> WorkerConfig:
    return load_config(_write_format(request.param, write))


def test_identity_fields(full: WorkerConfig, tmp_path: Path) -> None:
    assert full.name == "full-worker"
    assert full.main == tmp_path / "src" / "index.ts"
    assert full.config_path.parent == tmp_path
    assert full.project_dir == tmp_path
    assert full.env_name is None
    assert full.compatibility_date == "2025-03-01"
    assert full.compatibility_flags == ("nodejs_compat",)


def test_vars_keep_json_values(full: WorkerConfig) -> None:
    assert full.vars == {
        "GREETING": "hello",
        "COUNT": 3,
        "RATIO": 0.5,
        "ENABLED": True,
        "CONFIG": {"nested": ["a", 1]},
    }
    assert isinstance(full.vars, FrozenMap)
    assert full.vars["ENABLED"] is True


def test_build_and_modules(full: WorkerConfig, tmp_path: Path) -> None:
    assert full.define == {"__VERSION__": '"1.0"'}
    assert full.alias == {"foo": "./src/foo-shim.ts"}
    assert full.rules == (
        ModuleRule(type="Text", globs=("**/*.txt",), fallthrough=True),
        ModuleRule(type="CompiledWasm", globs=("**/*.wasm",)),
    )
    assert full.find_additional_modules is True
    assert full.base_dir == tmp_path / "src"
    assert full.no_bundle is False
    assert full.minify is True
    assert full.build == BuildConfig(
        command="npm run build",
        cwd=tmp_path / "build",
        watch_dir=(tmp_path / "src", tmp_path / "lib"),
    )


def test_limits_and_dev(full: WorkerConfig) -> None:
    assert full.limits == Limits(cpu_ms=50, memory_mb=256, subrequests=100)
    assert full.limits.heap_mb == 256
    assert full.dev == DevConfig(
        ip="0.0.0.0",
        port=9000,
        local_protocol="https",
        upstream_protocol="https",
        host="example.com",
        inspector_port=9230,
    )


def test_storage_bindings(full: WorkerConfig) -> None:
    assert full.kv_namespaces == (KVNamespace(binding="KV", id="kv-id", preview_id="kv-preview"),)
    assert full.r2_buckets == (
        R2Bucket(
            binding="BUCKET",
            bucket_name="my-bucket",
            preview_bucket_name="my-bucket-preview",
            jurisdiction="eu",
        ),
    )
    assert full.d1_databases == (
        D1Database(
            binding="DB",
            database_name="app-db",
            database_id="d1-id",
            preview_database_id="d1-preview",
            migrations_dir="db/migrations",
            migrations_table="schema_log",
        ),
        D1Database(binding="DB2", database_name="other"),
    )
    # wrangler's defaults
    assert full.d1_databases[1].migrations_dir == "migrations"
    assert full.d1_databases[1].migrations_table == "d1_migrations"


def test_queues(full: WorkerConfig) -> None:
    assert full.queues.producers == (
        QueueProducer(binding="JOBS", queue="jobs", delivery_delay=30),
    )
    assert full.queues.consumers == (
        QueueConsumer(
            queue="jobs",
            max_batch_size=50,
            max_batch_timeout=30,
            max_retries=10,
            dead_letter_queue="jobs-dlq",
            max_concurrency=4,
            retry_delay=60,
        ),
        QueueConsumer(queue="other", max_batch_size=10, max_batch_timeout=5, max_retries=3),
    )


def test_durable_objects_and_migrations(full: WorkerConfig) -> None:
    assert full.durable_objects.bindings == (
        DurableObjectBinding(name="COUNTER", class_name="Counter"),
        DurableObjectBinding(
            name="REMOTE", class_name="Remote", script_name="other-worker", environment="production"
        ),
    )
    assert full.migrations == (
        Migration(tag="v1", new_classes=("Counter",)),
        Migration(
            tag="v2",
            new_sqlite_classes=("Chat",),
            renamed_classes=(RenamedClass(from_="Counter", to="Tally"),),
            deleted_classes=("Old",),
            transferred_classes=(TransferredClass(from_="A", from_script="w", to="B"),),
        ),
    )


def test_services_ai_triggers_assets(full: WorkerConfig, tmp_path: Path) -> None:
    assert full.services == (
        ServiceBinding(binding="AUTH", service="auth-worker", entrypoint="AuthRPC"),
        ServiceBinding(binding="API", service="api", environment="staging"),
    )
    assert full.ai == AIBinding(binding="AI")
    assert full.triggers.crons == ("*/5 * * * *", "0 0 * * *")
    assert full.assets == Assets(
        directory=tmp_path / "public",
        binding="ASSETS",
        run_worker_first=("/api/*",),
        html_handling="drop-trailing-slash",
        not_found_handling="single-page-application",
    )


def test_other_bindings(full: WorkerConfig) -> None:
    assert full.analytics_engine_datasets == (
        AnalyticsEngineDataset(binding="METRICS", dataset="metrics"),
    )
    assert full.hyperdrive == (
        HyperdriveBinding(
            binding="HD", id="hd-id", local_connection_string="postgres://u:p@localhost/db"
        ),
    )
    assert full.vectorize == (VectorizeBinding(binding="VEC", index_name="embeddings"),)
    assert full.workflows == (WorkflowBinding(binding="FLOW", name="my-flow", class_name="MyFlow"),)
    assert full.send_email == (
        SendEmailBinding(name="MAIL", destination_address="ops@example.com"),
    )
    assert full.version_metadata == VersionMetadataBinding(binding="CF_VERSION_METADATA")
    assert full.tail_consumers == (TailConsumer(service="tail-worker"),)
    assert full.browser == BrowserBinding(binding="BROWSER")


def test_accepted_keys_are_silent(full: WorkerConfig) -> None:
    assert full.warnings == ()


def test_three_formats_agree(write: Callable[[str, str], Path], worker_files: None) -> None:
    loaded = []
    for fmt in ("jsonc", "json", "toml"):
        cfg = load_config(_write_format(fmt, write))
        loaded.append(cfg.__class__(**{**_fields(cfg), "config_path": Path("x")}))
    assert loaded[0] == loaded[1] == loaded[2]


def _fields(cfg: WorkerConfig) -> dict[str, Any]:
    return {name: getattr(cfg, name) for name in cfg.__dataclass_fields__}


def test_defaults_of_a_minimal_config(
    write: Callable[[str, str], Path], worker_files: None, tmp_path: Path
) -> None:
    cfg = load_config(
        write(
            "wrangler.jsonc",
            '{"name": "w", "main": "src/index.ts", "compatibility_date": "2025-01-01"}',
        )
    )
    assert cfg.dev == DevConfig(ip="127.0.0.1", port=8787, local_protocol="http")
    assert cfg.dev.upstream_protocol == "http"
    assert cfg.dev.inspector_port is None
    assert cfg.limits == Limits()
    assert cfg.limits.heap_mb == 128
    assert cfg.base_dir == tmp_path / "src"
    assert cfg.build == BuildConfig()
    assert cfg.assets is None and cfg.ai is None and cfg.browser is None
    assert cfg.vars == {} and cfg.secrets == {} and cfg.define == {}
    assert cfg.rules == () and cfg.migrations == () and cfg.kv_namespaces == ()
    assert cfg.keep_names is True
    assert cfg.jsx_factory == "React.createElement"
    assert cfg.jsx_fragment == "React.Fragment"
    assert cfg.warnings == ()


def test_build_watch_dir_defaults_to_src_with_a_command(
    write: Callable[[str, str], Path], tmp_path: Path
) -> None:
    # With a build command, main may not exist yet: it is not checked at load time.
    cfg = load_config(
        write(
            "wrangler.toml",
            'main = "dist/index.js"\ncompatibility_date = "2025-01-01"\n'
            '[build]\ncommand = "make"\n',
        )
    )
    assert cfg.build == BuildConfig(command="make", watch_dir=(tmp_path / "src",))
    assert cfg.main == tmp_path / "dist" / "index.js"


def test_assets_only_worker_has_no_main(
    write: Callable[[str, str], Path], worker_files: None
) -> None:
    cfg = load_config(
        write(
            "wrangler.jsonc",
            '{"name": "site", "compatibility_date": "2025-01-01",'
            ' "assets": {"directory": "./public", "run_worker_first": true}}',
        )
    )
    assert cfg.main is None
    assert cfg.base_dir is None
    assert cfg.assets is not None
    assert cfg.assets.run_worker_first is True
    assert cfg.assets.html_handling == "auto-trailing-slash"
    assert cfg.assets.not_found_handling == "none"


def test_upstream_protocol_may_differ(
    write: Callable[[str, str], Path], worker_files: None
) -> None:
    cfg = load_config(
        write(
            "wrangler.toml",
            'main = "src/index.ts"\ncompatibility_date = "2025-01-01"\n'
            '[dev]\nlocal_protocol = "https"\nupstream_protocol = "http"\n',
        )
    )
    assert (cfg.dev.local_protocol, cfg.dev.upstream_protocol) == ("https", "http")


def test_config_in_a_subfolder_resolves_paths_from_there(
    write: Callable[[str, str], Path], tmp_path: Path
) -> None:
    write("apps/api/src/index.ts", "export default {}\n")
    cfg = load_config(
        write(
            "apps/api/wrangler.toml",
            'main = "src/index.ts"\ncompatibility_date = "2025-01-01"\n',
        )
    )
    assert cfg.main == tmp_path / "apps" / "api" / "src" / "index.ts"
    assert cfg.project_dir == tmp_path / "apps" / "api"
