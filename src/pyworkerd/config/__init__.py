"""config: wrangler.jsonc / wrangler.json / wrangler.toml + .dev.vars -> frozen dataclasses.

    cfg = load_config(find_config(Path.cwd()), env="staging", cli_vars={"DEBUG": "1"})

Errors are `ConfigError`s whose `str()` is one line naming the file, line, key and fix;
warnings (unknown keys, non-inherited sections, a missing compatibility_date) are
one-line strings on `cfg.warnings`.
"""

from .errors import ConfigError
from .load import CONFIG_FILE_NAMES, apply_overrides, check_main, find_config, load_config
from .model import (
    DEFAULT_MEMORY_MB,
    AIBinding,
    AnalyticsEngineDataset,
    Assets,
    BrowserBinding,
    BuildConfig,
    D1Database,
    DevConfig,
    DurableObjectBinding,
    DurableObjects,
    FrozenMap,
    HyperdriveBinding,
    JSONValue,
    KVNamespace,
    Limits,
    Migration,
    ModuleRule,
    QueueConsumer,
    QueueProducer,
    Queues,
    R2Bucket,
    RenamedClass,
    SendEmailBinding,
    ServiceBinding,
    TailConsumer,
    TransferredClass,
    Triggers,
    VectorizeBinding,
    VersionMetadataBinding,
    WorkerConfig,
    WorkflowBinding,
)
from .secrets import load_secrets, parse_dotenv

__all__ = [
    "CONFIG_FILE_NAMES",
    "DEFAULT_MEMORY_MB",
    "AIBinding",
    "AnalyticsEngineDataset",
    "Assets",
    "BrowserBinding",
    "BuildConfig",
    "ConfigError",
    "D1Database",
    "DevConfig",
    "DurableObjectBinding",
    "DurableObjects",
    "FrozenMap",
    "HyperdriveBinding",
    "JSONValue",
    "KVNamespace",
    "Limits",
    "Migration",
    "ModuleRule",
    "QueueConsumer",
    "QueueProducer",
    "Queues",
    "R2Bucket",
    "RenamedClass",
    "SendEmailBinding",
    "ServiceBinding",
    "TailConsumer",
    "TransferredClass",
    "Triggers",
    "VectorizeBinding",
    "VersionMetadataBinding",
    "WorkerConfig",
    "WorkflowBinding",
    "apply_overrides",
    "check_main",
    "find_config",
    "load_config",
    "load_secrets",
    "parse_dotenv",
]
