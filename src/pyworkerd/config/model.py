"""The typed, frozen shape of a worker's configuration.

Everything a wrangler config can say that pyworkerd uses lives here as a frozen dataclass
with tuples for lists and `FrozenMap` for tables, so a loaded config can be shared between
threads and reloads without anyone mutating it. Defaults are wrangler's unless a
docstring says otherwise. Binding sections are parsed even before their bindings exist in
the runtime, so a typo is reported at start-up rather than at first use.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeAlias, TypeVar, overload

__all__ = [
    "DEFAULT_MEMORY_MB",
    "AIBinding",
    "AnalyticsEngineDataset",
    "Assets",
    "BrowserBinding",
    "BuildConfig",
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
]

JSONValue: TypeAlias = str | int | float | bool | list["JSONValue"] | dict[str, "JSONValue"] | None

K = TypeVar("K")
V = TypeVar("V")

#: Heap per isolate when `limits.memory_mb` is not set (MiB), as on Cloudflare.
DEFAULT_MEMORY_MB = 128


class FrozenMap(Mapping[K, V]):
    """A read-only dict: hashable when its values are, picklable, compares like a dict."""

    __slots__ = ("_data",)

    @overload
    def __init__(self) -> None: ...
    @overload
    def __init__(self, data: Mapping[K, V]) -> None: ...
    @overload
    def __init__(self, data: Iterable[tuple[K, V]]) -> None: ...
    def __init__(self, data: Mapping[K, V] | Iterable[tuple[K, V]] = ()) -> None:
        self._data: dict[K, V] = dict(data)

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return hash(frozenset(self._data.items()))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return dict(self._data) == dict(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"

    def __reduce__(self) -> tuple[type[FrozenMap[K, V]], tuple[dict[K, V]]]:
        return (type(self), (self._data,))


_EMPTY: FrozenMap[Any, Any] = FrozenMap()


def _empty_map() -> FrozenMap[Any, Any]:
    return _EMPTY


# --- build and modules ----------------------------------------------------------------

RuleType = Literal["ESModule", "CommonJS", "CompiledWasm", "Text", "Data"]


@dataclass(frozen=True, slots=True)
class ModuleRule:
    """How files matching `globs` are imported (wrangler `rules[]`)."""

    type: RuleType
    globs: tuple[str, ...]
    fallthrough: bool = False


@dataclass(frozen=True, slots=True)
class BuildConfig:
    """A custom build step run before bundling (wrangler `build`).

    `cwd` and `watch_dir` are resolved against the config file's directory; `watch_dir`
    defaults to `src/` when a command is set, and is empty otherwise.
    """

    command: str | None = None
    cwd: Path | None = None
    watch_dir: tuple[Path, ...] = ()


@dataclass(frozen=True, slots=True)
class Limits:
    """Per-invocation limits (wrangler `limits`).

    `memory_mb` is a pyworkerd extension: the V8 heap limit of each isolate in MiB;
    None means `DEFAULT_MEMORY_MB` (128, Cloudflare's fixed limit). wrangler itself only
    knows `cpu_ms` (and `subrequests` on newer plans).
    """

    cpu_ms: int | None = None
    memory_mb: int | None = None
    subrequests: int | None = None

    @property
    def heap_mb(self) -> int:
        """The heap limit to apply: `memory_mb` or the default."""
        return self.memory_mb if self.memory_mb is not None else DEFAULT_MEMORY_MB


@dataclass(frozen=True, slots=True)
class DevConfig:
    """`pyworkerd dev` settings (wrangler `dev`); top level only.

    `ip` defaults to 127.0.0.1 rather than wrangler's "localhost", so the server never
    depends on how the machine resolves localhost (IPv4 vs IPv6). `upstream_protocol`
    defaults to `local_protocol`. `inspector_port` None means the CLI's default (9229).
    """

    ip: str = "127.0.0.1"
    port: int = 8787
    local_protocol: Literal["http", "https"] = "http"
    upstream_protocol: Literal["http", "https"] = "http"
    host: str | None = None
    inspector_port: int | None = None


@dataclass(frozen=True, slots=True)
class Triggers:
    crons: tuple[str, ...] = ()


HtmlHandling = Literal["auto-trailing-slash", "force-trailing-slash", "drop-trailing-slash", "none"]
NotFoundHandling = Literal["none", "404-page", "single-page-application"]


@dataclass(frozen=True, slots=True)
class Assets:
    """Static assets served in front of (or instead of) the worker (wrangler `assets`)."""

    directory: Path | None = None
    binding: str | None = None
    run_worker_first: bool | tuple[str, ...] = False
    html_handling: HtmlHandling = "auto-trailing-slash"
    not_found_handling: NotFoundHandling = "none"


# --- bindings ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KVNamespace:
    binding: str
    id: str | None = None
    preview_id: str | None = None
    remote: bool = False


@dataclass(frozen=True, slots=True)
class R2Bucket:
    binding: str
    bucket_name: str | None = None
    preview_bucket_name: str | None = None
    jurisdiction: str | None = None
    remote: bool = False


@dataclass(frozen=True, slots=True)
class D1Database:
    binding: str
    database_name: str | None = None
    database_id: str | None = None
    preview_database_id: str | None = None
    migrations_dir: str = "migrations"
    migrations_table: str = "d1_migrations"
    remote: bool = False


@dataclass(frozen=True, slots=True)
class QueueProducer:
    binding: str
    queue: str
    delivery_delay: int | None = None
    remote: bool = False


@dataclass(frozen=True, slots=True)
class QueueConsumer:
    """A queue this worker consumes; defaults and maxima are Cloudflare's."""

    queue: str
    max_batch_size: int = 10
    max_batch_timeout: float = 5
    max_retries: int = 3
    dead_letter_queue: str | None = None
    max_concurrency: int | None = None
    retry_delay: int | None = None
    type: str | None = None
    visibility_timeout_ms: int | None = None


@dataclass(frozen=True, slots=True)
class Queues:
    producers: tuple[QueueProducer, ...] = ()
    consumers: tuple[QueueConsumer, ...] = ()


@dataclass(frozen=True, slots=True)
class DurableObjectBinding:
    name: str
    class_name: str
    script_name: str | None = None
    environment: str | None = None


@dataclass(frozen=True, slots=True)
class DurableObjects:
    bindings: tuple[DurableObjectBinding, ...] = ()


@dataclass(frozen=True, slots=True)
class RenamedClass:
    from_: str
    to: str


@dataclass(frozen=True, slots=True)
class TransferredClass:
    from_: str
    from_script: str
    to: str


@dataclass(frozen=True, slots=True)
class Migration:
    tag: str
    new_classes: tuple[str, ...] = ()
    new_sqlite_classes: tuple[str, ...] = ()
    renamed_classes: tuple[RenamedClass, ...] = ()
    deleted_classes: tuple[str, ...] = ()
    transferred_classes: tuple[TransferredClass, ...] = ()


@dataclass(frozen=True, slots=True)
class ServiceBinding:
    binding: str
    service: str
    entrypoint: str | None = None
    environment: str | None = None
    remote: bool = False


@dataclass(frozen=True, slots=True)
class AIBinding:
    binding: str
    remote: bool = False


@dataclass(frozen=True, slots=True)
class BrowserBinding:
    binding: str
    remote: bool = False


@dataclass(frozen=True, slots=True)
class VersionMetadataBinding:
    binding: str


@dataclass(frozen=True, slots=True)
class AnalyticsEngineDataset:
    binding: str
    dataset: str | None = None


@dataclass(frozen=True, slots=True)
class HyperdriveBinding:
    """`local_connection_string` is wrangler's `localConnectionString`."""

    binding: str
    id: str
    local_connection_string: str | None = None


@dataclass(frozen=True, slots=True)
class VectorizeBinding:
    binding: str
    index_name: str
    remote: bool = False


@dataclass(frozen=True, slots=True)
class WorkflowBinding:
    binding: str
    name: str
    class_name: str
    script_name: str | None = None
    remote: bool = False


@dataclass(frozen=True, slots=True)
class SendEmailBinding:
    name: str
    destination_address: str | None = None
    allowed_destination_addresses: tuple[str, ...] | None = None
    allowed_sender_addresses: tuple[str, ...] | None = None
    remote: bool = False


@dataclass(frozen=True, slots=True)
class TailConsumer:
    service: str
    environment: str | None = None


# --- the whole worker -------------------------------------------------------------------


def _show(value: JSONValue, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    """One worker, as selected by `--env`: inheritance already applied.

    `vars` holds strings and JSON values (objects, lists, numbers, booleans, null) as
    Python values; `secrets` holds the strings from `.dev.vars` / `.env`. A worker sees
    `{**vars, **secrets}` as `env`. `warnings` are one-line diagnostics to print at start.
    """

    name: str | None
    main: Path | None
    config_path: Path
    project_dir: Path
    env_name: str | None
    compatibility_date: str
    compatibility_flags: tuple[str, ...] = ()
    vars: FrozenMap[str, JSONValue] = field(default_factory=_empty_map)
    secrets: FrozenMap[str, str] = field(default_factory=_empty_map)
    limits: Limits = field(default_factory=Limits)
    dev: DevConfig = field(default_factory=DevConfig)
    rules: tuple[ModuleRule, ...] = ()
    find_additional_modules: bool = False
    base_dir: Path | None = None
    no_bundle: bool = False
    minify: bool = False
    keep_names: bool = True
    jsx_factory: str = "React.createElement"
    jsx_fragment: str = "React.Fragment"
    tsconfig: Path | None = None
    define: FrozenMap[str, str] = field(default_factory=_empty_map)
    alias: FrozenMap[str, str] = field(default_factory=_empty_map)
    build: BuildConfig = field(default_factory=BuildConfig)
    kv_namespaces: tuple[KVNamespace, ...] = ()
    r2_buckets: tuple[R2Bucket, ...] = ()
    d1_databases: tuple[D1Database, ...] = ()
    queues: Queues = field(default_factory=Queues)
    durable_objects: DurableObjects = field(default_factory=DurableObjects)
    migrations: tuple[Migration, ...] = ()
    services: tuple[ServiceBinding, ...] = ()
    ai: AIBinding | None = None
    triggers: Triggers = field(default_factory=Triggers)
    assets: Assets | None = None
    analytics_engine_datasets: tuple[AnalyticsEngineDataset, ...] = ()
    hyperdrive: tuple[HyperdriveBinding, ...] = ()
    vectorize: tuple[VectorizeBinding, ...] = ()
    workflows: tuple[WorkflowBinding, ...] = ()
    send_email: tuple[SendEmailBinding, ...] = ()
    version_metadata: VersionMetadataBinding | None = None
    tail_consumers: tuple[TailConsumer, ...] = ()
    browser: BrowserBinding | None = None
    warnings: tuple[str, ...] = ()

    def bindings_summary(self) -> list[tuple[str, str, str]]:
        """(binding name, kind, detail) rows for the dev banner, in wrangler's order.

        Secret values are never shown: they print as "(hidden)".
        """
        rows: list[tuple[str, str, str]] = []
        for do in self.durable_objects.bindings:
            where = f" (defined in {do.script_name})" if do.script_name else ""
            rows.append((do.name, "Durable Object", do.class_name + where))
        for wf in self.workflows:
            rows.append((wf.binding, "Workflow", f"{wf.class_name} ({wf.name})"))
        for kv in self.kv_namespaces:
            rows.append((kv.binding, "KV Namespace", kv.id or ""))
        for email in self.send_email:
            rows.append((email.name, "Send Email", email.destination_address or "unrestricted"))
        for producer in self.queues.producers:
            rows.append((producer.binding, "Queue", producer.queue))
        for db in self.d1_databases:
            rows.append((db.binding, "D1 Database", db.database_name or db.database_id or ""))
        for index in self.vectorize:
            rows.append((index.binding, "Vectorize Index", index.index_name))
        for hd in self.hyperdrive:
            rows.append((hd.binding, "Hyperdrive Config", hd.id))
        for bucket in self.r2_buckets:
            rows.append((bucket.binding, "R2 Bucket", bucket.bucket_name or ""))
        for svc in self.services:
            target = svc.service + (f"#{svc.entrypoint}" if svc.entrypoint else "")
            rows.append((svc.binding, "Worker", target))
        for ds in self.analytics_engine_datasets:
            rows.append((ds.binding, "Analytics Engine Dataset", ds.dataset or ds.binding))
        if self.browser is not None:
            rows.append((self.browser.binding, "Browser", ""))
        if self.ai is not None:
            rows.append((self.ai.binding, "AI", ""))
        if self.version_metadata is not None:
            rows.append((self.version_metadata.binding, "Worker Version Metadata", ""))
        if self.assets is not None and self.assets.binding:
            rows.append((self.assets.binding, "Assets", str(self.assets.directory or "")))
        for key, value in self.vars.items():
            if key not in self.secrets:
                rows.append((key, "Environment Variable", _show(value)))
        for key in self.secrets:
            rows.append((key, "Environment Variable", "(hidden)"))
        return rows
