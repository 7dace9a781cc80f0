"""From command-line arguments to the workers to run: configs, overrides, state, banner."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pyworkerd.config import ConfigError, WorkerConfig, apply_overrides, find_config, load_config
from pyworkerd.server.logs import LogPrinter

__all__ = [
    "Project",
    "ProjectError",
    "add_state_options",
    "command_config",
    "command_state_dir",
    "load_project",
    "parse_pairs",
]


class ProjectError(Exception):
    """A problem with what the user asked for; printed as one line, exit status 2."""


def parse_pairs(values: list[str], flag: str) -> dict[str, str]:
    """`KEY:VALUE` strings (wrangler's --var/--define syntax) into a dict."""
    out: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition(":")
        if not sep or not key:
            raise ProjectError(f"{flag} {item!r}: expected KEY:VALUE")
        out[key] = value
    return out


@dataclass
class Project:
    loaders: list[Callable[[], WorkerConfig]]
    configs: list[WorkerConfig]
    ip: str
    port: int
    state_dir: Path | None
    enforce_limits: bool
    memory_budget_mb: int
    max_body_mb: int

    @property
    def warnings(self) -> list[str]:
        return [w for cfg in self.configs for w in cfg.warnings]

    def banner(self) -> list[str]:
        lines: list[str] = []
        for i, cfg in enumerate(self.configs):
            role = "served" if i == 0 else "reachable through bindings"
            lines.append(f"worker {cfg.name!r} ({cfg.config_path.name}, {role})")
            rows = cfg.bindings_summary()
            if rows:
                lines.append("  bindings:")
                width = max(len(name) for name, _, _ in rows)
                for name, kind, detail in rows:
                    lines.append(f"    env.{name.ljust(width)}  {kind}: {detail}")
        where = str(self.state_dir) if self.state_dir else "memory only (--no-persist)"
        lines.append(f"state: {where}")
        if not self.enforce_limits:
            lines.append("limits: CPU and memory limits are off (--no-limits)")
        return lines

    async def serve(
        self,
        printer: LogPrinter,
        *,
        dev: bool,
        shared_port: bool = False,
        log_requests: bool = True,
        background: bool = True,
        test_scheduled: bool = False,
    ) -> int:
        from pyworkerd.server.runner import ServeOptions, run

        options = ServeOptions(
            configs=self.configs,
            loaders=self.loaders,
            ip=self.ip,
            port=self.port,
            dev=dev,
            enforce_limits=self.enforce_limits,
            watch=dev,
            memory_budget_mb=self.memory_budget_mb,
            max_body_mb=self.max_body_mb,
            shared_port=shared_port,
            log_requests=log_requests,
            state_dir=self.state_dir,
            printer=printer,
            background=background,
            test_scheduled=test_scheduled,
        )
        return await run(options)


def add_state_options(parser: argparse.ArgumentParser) -> None:
    """What the binding commands (kv, r2, d1) share: which project, which state."""
    parser.add_argument("-c", "--config", type=Path, help="wrangler.jsonc/.json/.toml")
    parser.add_argument("-e", "--env", help="environment from the config's env.<name>")
    parser.add_argument(
        "--persist-to", type=Path, help="state directory (default: .pyworkerd/state)"
    )
    parser.add_argument("--cwd", type=Path, default=Path("."), help="project directory")


def command_config(args: argparse.Namespace) -> WorkerConfig:
    """The config a binding command works on (the same lookup as `dev`)."""
    project_dir = Path(args.cwd).resolve()
    path = args.config or find_config(project_dir)
    if path is None:
        raise ProjectError(
            f"no wrangler.jsonc, wrangler.json or wrangler.toml in {project_dir}; pass -c/--config"
        )
    try:
        return load_config(Path(path).resolve(), env=args.env, require_main=False)
    except ConfigError as exc:
        raise ProjectError(str(exc)) from None


def command_state_dir(args: argparse.Namespace, config: WorkerConfig) -> Path:
    """The state directory `dev` uses for this project (or --persist-to)."""
    default = config.config_path.parent / ".pyworkerd" / "state"
    return Path(args.persist_to or default).resolve()


def load_project(args: argparse.Namespace) -> Project:
    project_dir = Path(args.dir).resolve()
    if not project_dir.is_dir():
        raise ProjectError(f"{args.dir}: no such directory")
    paths: list[Path] = [p if p.is_absolute() else (Path.cwd() / p) for p in args.config]
    if not paths:
        found = find_config(project_dir)
        if found is None:
            raise ProjectError(
                f"no wrangler.jsonc, wrangler.json or wrangler.toml in {project_dir}; "
                "create one or pass -c/--config"
            )
        paths = [found]
    cli_vars = parse_pairs(args.var, "--var")
    define = parse_pairs(args.define, "--define")

    def loader_for(path: Path) -> Callable[[], WorkerConfig]:
        def load() -> WorkerConfig:
            cfg = load_config(path, env=args.env, cli_vars=cli_vars)
            return apply_overrides(
                cfg,
                compatibility_date=args.compatibility_date,
                compatibility_flags=args.compatibility_flags,
                ip=args.ip,
                port=args.port,
                define=define or None,
            )

        return load

    loaders = [loader_for(p) for p in paths]
    try:
        configs = [load() for load in loaders]
    except ConfigError as exc:
        raise ProjectError(str(exc)) from None
    primary = configs[0]
    state_dir: Path | None = None
    if not args.no_persist:
        state_dir = (
            args.persist_to or primary.config_path.parent / ".pyworkerd" / "state"
        ).resolve()
    return Project(
        loaders=loaders,
        configs=configs,
        ip=primary.dev.ip,
        port=primary.dev.port,
        state_dir=state_dir,
        enforce_limits=not args.no_limits,
        memory_budget_mb=args.memory_budget_mb,
        max_body_mb=args.max_body_mb,
    )
