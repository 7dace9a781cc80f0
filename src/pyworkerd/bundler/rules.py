"""wrangler's module ``rules``: which imports stay out of the bundle as Text, Data or Wasm modules.

The semantics follow wrangler: user rules come first, then the defaults; a rule type that
already has a rule without ``fallthrough = true`` ignores later rules of that type (an import
that only those ignored rules match is an error). A glob is matched against the import
specifier as written (``./page.html``), with ``*`` matching any characters including ``/``
and everything else literal — what wrangler's ``glob-to-regexp`` call does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

__all__ = [
    "DEFAULT_RULES",
    "MODULE_KINDS",
    "ModuleKind",
    "ParsedRules",
    "Rule",
    "RuleLike",
    "external_pattern",
    "glob_regex",
    "parse_rules",
]

ModuleKind = Literal["wasm", "text", "data"]

#: rule type → the kind of module it makes (JS and Python rule types make none here).
MODULE_KINDS: dict[str, ModuleKind] = {"CompiledWasm": "wasm", "Text": "text", "Data": "data"}

RULE_TYPES = frozenset(
    {"ESModule", "CommonJS", "CompiledWasm", "Text", "Data", "PythonModule", "PythonRequirement"}
)


class RuleLike(Protocol):
    """Anything shaped like a wrangler rule (the config package's dataclass fits)."""

    @property
    def type(self) -> str: ...
    @property
    def globs(self) -> Iterable[str]: ...
    @property
    def fallthrough(self) -> bool | None: ...


@dataclass(frozen=True, slots=True)
class Rule:
    """``{ type = "Text", globs = ["**/*.md"], fallthrough = true }``."""

    type: str
    globs: tuple[str, ...]
    fallthrough: bool | None = None

    def describe(self) -> str:
        """The rule as wrangler prints it in messages (JSON)."""
        d: dict[str, Any] = {"type": self.type, "globs": list(self.globs)}
        if self.fallthrough is not None:
            d["fallthrough"] = self.fallthrough
        return json.dumps(d, separators=(",", ":"))


DEFAULT_RULES: tuple[Rule, ...] = (
    Rule("Text", ("**/*.txt", "**/*.html", "**/*.sql")),
    Rule("Data", ("**/*.bin",)),
    Rule("CompiledWasm", ("**/*.wasm", "**/*.wasm?module")),
)


@dataclass(frozen=True, slots=True)
class ParsedRules:
    active: tuple[Rule, ...]
    removed: tuple[Rule, ...]
    warnings: tuple[str, ...]

    def match(self, specifier: str) -> tuple[Rule, bool] | None:
        """The first rule whose glob matches ``specifier``; the flag is False for a removed rule."""
        for rule in self.active:
            if any(glob_regex(g).match(specifier) for g in rule.globs):
                return rule, True
        for rule in self.removed:
            if any(glob_regex(g).match(specifier) for g in rule.globs):
                return rule, False
        return None

    def module_rules(self) -> tuple[Rule, ...]:
        """Rules that make modules here (Text, Data, CompiledWasm), removed ones included."""
        return tuple(r for r in (*self.active, *self.removed) if r.type in MODULE_KINDS)


def _coerce(rule: RuleLike | Mapping[str, Any] | Rule) -> Rule:
    if isinstance(rule, Rule):
        return rule
    if isinstance(rule, Mapping):
        rtype, globs, fall = rule.get("type"), rule.get("globs", ()), rule.get("fallthrough")
    else:
        rtype, globs, fall = rule.type, rule.globs, rule.fallthrough
    if rtype not in RULE_TYPES:
        raise ValueError(
            f"unknown module rule type {rtype!r}; expected one of " + ", ".join(sorted(RULE_TYPES))
        )
    if isinstance(globs, str):
        globs = (globs,)
    return Rule(str(rtype), tuple(str(g) for g in globs), None if fall is None else bool(fall))


def parse_rules(user_rules: Iterable[RuleLike | Mapping[str, Any] | Rule] = ()) -> ParsedRules:
    """Apply wrangler's fallthrough logic to ``user_rules`` followed by :data:`DEFAULT_RULES`."""
    user = [_coerce(r) for r in user_rules]
    rules = [*user, *DEFAULT_RULES]
    completed: dict[str, int] = {}
    redundant: dict[str, list[int]] = {}
    removed: list[int] = []
    for index, rule in enumerate(rules):
        if rule.type in completed:
            if rules[completed[rule.type]].fallthrough is not False:
                redundant.setdefault(rule.type, []).append(index)
            removed.append(index)
        elif rule.fallthrough is not True:
            completed[rule.type] = index
    warnings = []
    for rtype, at in completed.items():
        if rtype not in redundant:
            continue
        default = "default " if at >= len(user) else ""
        lines = [
            f"The {default}module rule {rules[at].describe()} does not have a fallback, "
            "the following rules will be ignored:"
        ]
        for i in redundant[rtype]:
            lines.append(f" {rules[i].describe()}" + (" (DEFAULT)" if i >= len(user) else ""))
        lines.append(
            "\nAdd `fallthrough = true` to rule to allow next rule to be used or "
            "`fallthrough = false` to silence this warning"
        )
        warnings.append("\n".join(lines))
    return ParsedRules(
        active=tuple(r for i, r in enumerate(rules) if i not in removed),
        removed=tuple(rules[i] for i in removed),
        warnings=tuple(warnings),
    )


_regex_cache: dict[str, re.Pattern[str]] = {}


def glob_regex(glob: str) -> re.Pattern[str]:
    """``**/*.txt`` → ``^.*.*/.*\\.txt$``: ``*`` is any run of characters, the rest literal."""
    pattern = _regex_cache.get(glob)
    if pattern is None:
        pattern = re.compile("^" + ".*".join(re.escape(p) for p in glob.split("*")) + "$")
        _regex_cache[glob] = pattern
    return pattern


def external_pattern(glob: str) -> str:
    """An esbuild ``--external`` pattern (one ``*`` at most) that every match of ``glob`` fits."""
    _, star, tail = glob.rpartition("*")
    return "*" + tail if star else "*" + glob
