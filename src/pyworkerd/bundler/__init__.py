"""Find or fetch esbuild; ``bundle(entry, rules) → Bundle(script, modules, sourcemap)``.

The worker's ``main`` and its imports (TypeScript, JSX, JSON, ``node_modules`` under the
``workerd, worker, browser`` conditions) become one CommonJS script for the runtime to run
inside ``(function (module, exports, require) { … })``; ``cloudflare:*`` and ``node:*`` stay
``require()`` calls for the runtime's module table, and wasm/text/data imports come back as
:class:`Module` s. :class:`SourceMap` maps every position and V8 stack back to the user's files.
"""

from .bundle import (
    DEFAULT_CONDITIONS,
    LINE_OFFSET,
    WRAPPER_HEAD,
    WRAPPER_TAIL,
    BuildSettings,
    Bundle,
    Module,
    bundle,
    bundle_async,
    wrap_script,
)
from .errors import BundleError, BundlerError, EsbuildUnavailableError, Message
from .esbuild import (
    ESBUILD_INTEGRITY,
    ESBUILD_VERSION,
    EsbuildBinary,
    cache_dir,
    fetch_esbuild,
    find_esbuild,
    locate_esbuild,
    platform_package,
)
from .minify import minify_cached
from .rules import DEFAULT_RULES, Rule, parse_rules
from .sourcemap import OriginalPosition, SourceMap, SourceMapError

__all__ = [
    "DEFAULT_CONDITIONS",
    "DEFAULT_RULES",
    "ESBUILD_INTEGRITY",
    "ESBUILD_VERSION",
    "LINE_OFFSET",
    "WRAPPER_HEAD",
    "WRAPPER_TAIL",
    "BuildSettings",
    "Bundle",
    "BundleError",
    "BundlerError",
    "EsbuildBinary",
    "EsbuildUnavailableError",
    "Message",
    "Module",
    "OriginalPosition",
    "Rule",
    "SourceMap",
    "SourceMapError",
    "bundle",
    "bundle_async",
    "cache_dir",
    "fetch_esbuild",
    "find_esbuild",
    "locate_esbuild",
    "minify_cached",
    "parse_rules",
    "platform_package",
    "wrap_script",
]
