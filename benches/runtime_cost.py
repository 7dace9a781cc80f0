#!/usr/bin/env python3
"""What the runtime costs a new isolate, as isolates get it (minified, bridge installed).

    python benches/runtime_cost.py [--repeats 9] [--baseline DIR] [--per-file] [--touch JS]
                                   [--rss N]

Reports, as medians over `--repeats` fresh isolates (interleaved when comparing):

- boot: a new isolate, the runtime evaluated, the bridge installed, a full GC — what
  ``engine.boot.boot_context`` does for every spare (ms);
- eval: evaluating the minified runtime alone (ms);
- heap: V8's used heap after that GC (KiB), and the heap V8 holds (KiB).

Rows: the runtime as isolates get it (``LAZY_FILES`` lazy), the same files all evaluated
eagerly, and with ``--baseline DIR`` a runtime whose own files are the ``*.js`` of DIR (e.g.
a copy of ``src/pyworkerd/runtime/js`` from before a change), evaluated eagerly.
``--per-file`` adds what each file adds to the heap and evaluation time (prefixes of the
load order, each minified, lazy files lazy). ``--touch JS`` runs
JS after boot (e.g. ``new ReadableStream()``) before the GC, to see what first use costs.
``--rss N`` adds the process RSS each of N booted, idle isolates adds (KiB; a fresh process
per runtime and run, median of 3).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence, Set
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import new_event_loop


@dataclass(frozen=True)
class Sample:
    boot_ms: float
    eval_ms: float
    used_kib: float
    total_kib: float


def minified(files: Sequence[tuple[str, str]], lazy: Set[str] | None = None) -> str:
    from pyworkerd.bundler import minify_cached
    from pyworkerd.runtime import LAZY_FILES, assemble

    source = assemble(files, LAZY_FILES if lazy is None else lazy)
    return minify_cached(source, name="runtime-bench")


def with_baseline(files: list[tuple[str, str]], folder: Path) -> list[tuple[str, str]]:
    """`files` with the runtime's own JS files replaced by the ``*.js`` files of `folder`
    (the generated tables and the bindings' facades stay)."""
    from pyworkerd.runtime.encoding_tables import TABLES_FILE

    kept = [(name, text) for name, text in files if "/" in name or name == TABLES_FILE]
    ours = [(p.name, p.read_text("utf-8")) for p in folder.glob("*.js")]
    facades = [f for f in kept if "/" in f[0]]
    return sorted(ours + [f for f in kept if f not in facades]) + facades


async def boot_once(source: str, touch: str) -> Sample:
    from pyworkerd.engine.native import NativeContext

    started = time.perf_counter()
    ctx = NativeContext()
    try:
        evaluated = time.perf_counter()
        await ctx.eval_async(source)
        eval_s = time.perf_counter() - evaluated
        install = await ctx.eval_async("globalThis.__pyworkerdInstallBridge")
        if callable(getattr(install, "cancelable", None)):
            await ctx.call_async(install, ctx.notifier(ctx.register_callback(lambda _v: None)))
        if touch:
            await ctx.eval_async(touch)
        ctx.collect_garbage()
        boot_s = time.perf_counter() - started
        stats = ctx.heap_stats()
        return Sample(
            boot_s * 1000,
            eval_s * 1000,
            stats["used_heap_size"] / 1024,
            stats["total_heap_size"] / 1024,
        )
    finally:
        ctx.close()


def median(samples: Sequence[Sample]) -> Sample:
    return Sample(
        statistics.median(s.boot_ms for s in samples),
        statistics.median(s.eval_ms for s in samples),
        statistics.median(s.used_kib for s in samples),
        statistics.median(s.total_kib for s in samples),
    )


async def compare(sources: dict[str, str], repeats: int, touch: str) -> dict[str, Sample]:
    for source in sources.values():
        await boot_once(source, touch)  # one-time set-up, caches warm
    runs: dict[str, list[Sample]] = {name: [] for name in sources}
    for _ in range(repeats):
        for name, source in sources.items():
            runs[name].append(await boot_once(source, touch))
    return {name: median(samples) for name, samples in runs.items()}


def render(results: dict[str, Sample], sizes: dict[str, int]) -> str:
    lines = [
        "| runtime | minified (KiB) | boot (ms) | eval (ms) | used heap (KiB) | heap held (KiB) |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for name, s in results.items():
        lines.append(
            f"| {name} | {sizes[name] / 1024:.0f} | {s.boot_ms:.1f} | {s.eval_ms:.1f} "
            f"| {s.used_kib:.0f} | {s.total_kib:.0f} |"
        )
    return "\n".join(lines)


async def per_file(files: list[tuple[str, str]], repeats: int) -> str:
    prefixes = {name: minified(files[: k + 1]) for k, (name, _) in enumerate(files)}
    results = await compare({"": "void 0", **prefixes}, repeats, "")
    lines = [
        "| runtime file (load order) | + eval (ms) | + used heap (KiB) | heap up to here (KiB) |",
        "|---|--:|--:|--:|",
    ]
    previous = results[""]
    for name in prefixes:
        s = results[name]
        lines.append(
            f"| {name} | {s.eval_ms - previous.eval_ms:+.2f} "
            f"| {s.used_kib - previous.used_kib:+.0f} | {s.used_kib:.0f} |"
        )
        previous = s
    return "\n".join(lines)


def vm_rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


async def rss_per_isolate(source: str, count: int) -> float:
    """KiB of RSS each of `count` booted isolates adds to this process (kept alive)."""
    from pyworkerd.engine.native import NativeContext

    await boot_once(source, "")  # V8's one-time process set-up
    before = vm_rss_kib()
    contexts = []
    for _ in range(count):
        ctx = NativeContext()
        contexts.append(ctx)
        await ctx.eval_async(source)
        ctx.collect_garbage()
    grown = vm_rss_kib() - before
    for ctx in contexts:
        ctx.close()
    return grown / count


def measure_rss(sources: dict[str, str], count: int, runs: int = 3) -> dict[str, float]:
    """Each runtime in fresh processes (RSS never shrinks back reliably), runs interleaved."""
    samples: dict[str, list[float]] = {name: [] for name in sources}
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for i, (name, source) in enumerate(sources.items()):
            paths[name] = Path(tmp) / f"runtime-{i}.js"
            paths[name].write_text(source, "utf-8")
        for _ in range(runs):
            for name, path in paths.items():
                out = subprocess.run(
                    [sys.executable, __file__, "--rss-child", str(path), "--rss", str(count)],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                samples[name].append(float(out.stdout))
    return {name: statistics.median(values) for name, values in samples.items()}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--baseline", type=Path)
    parser.add_argument("--per-file", action="store_true")
    parser.add_argument("--touch", default="")
    parser.add_argument("--rss", type=int, default=0)
    parser.add_argument("--rss-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rss_child:
        loop = new_event_loop()
        source = args.rss_child.read_text("utf-8")
        print(loop.run_until_complete(rss_per_isolate(source, args.rss)))
        loop.close()
        return
    from pyworkerd.runtime import runtime_files

    files = runtime_files()
    sources = {"current": minified(files)}
    sources["current, every file eager"] = minified(files, frozenset())
    if args.baseline:
        sources["baseline (eager)"] = minified(with_baseline(files, args.baseline), frozenset())
    loop = new_event_loop()
    try:
        results = loop.run_until_complete(compare(sources, args.repeats, args.touch))
        print(render(results, {name: len(s) for name, s in sources.items()}))
        if args.rss:
            print()
            print(f"| runtime | RSS per idle isolate, {args.rss} booted (KiB) |")
            print("|---|--:|")
            for name, kib in measure_rss(sources, args.rss).items():
                print(f"| {name} | {kib:.0f} |")
        if args.per_file:
            print()
            print(loop.run_until_complete(per_file(files, args.repeats)))
    finally:
        loop.close()


if __name__ == "__main__":
    main()
