"""Source maps (v3) in pure Python: turn a bundle position or a V8 stack back into the user's files.

Positions follow V8 stack traces: lines and columns are both **1-based**, on the generated
side (what :meth:`SourceMap.lookup` takes) and on the original side (what it returns).
The source map's own 0-based columns never leak out.

Line offset contract: :class:`~pyworkerd.bundler.Bundle`'s script line 1 is the map's
generated line 1. The runtime evaluates the script inside a wrapper whose head is exactly one
line (:data:`~pyworkerd.bundler.LINE_OFFSET`), so V8's line N is the script's line N - 1:
pass ``line_offset=LINE_OFFSET`` to :meth:`SourceMap.map_stack` (or subtract it before
:meth:`SourceMap.lookup`). Columns are unchanged by the wrapper.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["OriginalPosition", "SourceMap", "SourceMapError"]

_B64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_B64 = {c: i for i, c in enumerate(_B64_ALPHABET)}
# JS line terminators: what V8 and esbuild count lines by (Python's splitlines knows more).
_JS_LINES = re.compile("\r\n|[\n\r\u2028\u2029]")
_FRAME_LINE = re.compile(r"^\s*at\s")

# (generated column, source index, original line, original column, name index); 0-based,
# source index -1 for a segment that maps to nothing, name index -1 for none.
_Segment = tuple[int, int, int, int, int]


class SourceMapError(ValueError):
    """The source map is not a v3 map this module can read."""


@dataclass(frozen=True, slots=True)
class OriginalPosition:
    """A place in the user's code. ``line`` and ``column`` are 1-based."""

    source: str
    line: int
    column: int
    name: str | None = None

    def __str__(self) -> str:
        return f"{self.source}:{self.line}:{self.column}"


def _decode_vlq(segment: str) -> list[int]:
    values: list[int] = []
    shift = value = 0
    for ch in segment:
        try:
            digit = _B64[ch]
        except KeyError:
            raise SourceMapError(f"invalid base64 VLQ character {ch!r} in mappings") from None
        value += (digit & 31) << shift
        if digit & 32:
            shift += 5
            continue
        values.append(-(value >> 1) if value & 1 else value >> 1)
        shift = value = 0
    if shift:
        raise SourceMapError("truncated base64 VLQ in mappings")
    return values


def _decode_mappings(mappings: str) -> list[list[_Segment]]:
    lines: list[list[_Segment]] = []
    src = oline = ocol = name = 0
    for text in mappings.split(";"):
        segs: list[_Segment] = []
        gcol = 0
        for seg in text.split(",") if text else ():
            if not seg:
                continue
            v = _decode_vlq(seg)
            gcol += v[0]
            if len(v) >= 4:
                src += v[1]
                oline += v[2]
                ocol += v[3]
                if len(v) >= 5:
                    name += v[4]
                    segs.append((gcol, src, oline, ocol, name))
                else:
                    segs.append((gcol, src, oline, ocol, -1))
            elif len(v) == 1:
                segs.append((gcol, -1, 0, 0, -1))
            else:
                raise SourceMapError(f"mapping segment {seg!r} has {len(v)} fields")
        if any(segs[i][0] > segs[i + 1][0] for i in range(len(segs) - 1)):
            segs.sort(key=lambda s: s[0])
        lines.append(segs)
    return lines


class SourceMap:
    """A decoded v3 source map; ``mappings`` are decoded on first use (bundles can be large)."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        if data.get("version") != 3:
            raise SourceMapError(f"unsupported source map version {data.get('version')!r}")
        if "sections" in data:
            raise SourceMapError("indexed source maps (sections) are not supported")
        for key in ("sources", "sourcesContent", "names"):
            if not isinstance(data.get(key) or [], list):
                raise SourceMapError(f"source map field {key!r} is not a list")
        root = str(data.get("sourceRoot") or "")
        if root and not root.endswith("/"):
            root += "/"
        self.file: str | None = data.get("file")
        self.sources: tuple[str, ...] = tuple(root + str(s) for s in data.get("sources", ()))
        contents = list(data.get("sourcesContent") or ())
        contents += [None] * (len(self.sources) - len(contents))
        self.sources_content: tuple[str | None, ...] = tuple(contents[: len(self.sources)])
        self.names: tuple[str, ...] = tuple(str(n) for n in data.get("names", ()))
        self.mappings: str = str(data.get("mappings", ""))
        self._lines: list[list[_Segment]] | None = None
        self._source_index = {s: i for i, s in enumerate(self.sources)}
        self._split: dict[int, list[str]] = {}

    @classmethod
    def from_json(cls, text: str | bytes) -> SourceMap:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise SourceMapError(f"source map is not JSON: {exc}") from None
        if not isinstance(data, dict):
            raise SourceMapError("source map is not a JSON object")
        return cls(data)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"version": 3}
        if self.file is not None:
            out["file"] = self.file
        out.update(
            sources=list(self.sources),
            sourcesContent=list(self.sources_content),
            names=list(self.names),
            mappings=self.mappings,
        )
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    def with_sources(self, rename: Callable[[str], str]) -> SourceMap:
        """A copy whose ``sources`` are ``rename(source)``: mappings are shared, not re-decoded."""
        data = self.to_dict()
        data["sources"] = [rename(s) for s in self.sources]
        copy = SourceMap(data)
        copy._lines = self._lines
        return copy

    def _decoded(self) -> list[list[_Segment]]:
        if self._lines is None:
            self._lines = _decode_mappings(self.mappings)
        return self._lines

    def lookup(self, line: int, column: int) -> OriginalPosition | None:
        """Original position of generated ``line:column`` (both 1-based, as in V8 stacks).

        Takes the nearest mapping at or left of the column on that line (greatest lower
        bound, as browsers do); None when there is none or it maps to no source.
        """
        lines = self._decoded()
        if line < 1 or line > len(lines) or column < 1:
            return None
        segs = lines[line - 1]
        i = bisect_right(segs, column - 1, key=lambda s: s[0]) - 1
        if i < 0:
            return None
        _, src, oline, ocol, name = segs[i]
        if not 0 <= src < len(self.sources):
            return None
        return OriginalPosition(
            source=self.sources[src],
            line=oline + 1,
            column=ocol + 1,
            name=self.names[name] if 0 <= name < len(self.names) else None,
        )

    def source_line(self, source: str, line: int) -> str | None:
        """Line ``line`` (1-based) of ``source`` from ``sourcesContent``, for error pages."""
        index = self._source_index.get(source)
        if index is None or line < 1:
            return None
        lines = self._split.get(index)
        if lines is None:
            content = self.sources_content[index]
            if content is None:
                return None
            lines = self._split[index] = _JS_LINES.split(content)
        return lines[line - 1] if line <= len(lines) else None

    def map_stack(self, stack: str, script_url: str, line_offset: int = 0) -> str:
        """Rewrite the frames of a V8 ``stack`` that point into ``script_url``.

        ``    at fetch (worker.js:12:9)`` becomes ``    at fetch (src/index.ts:5:11)``;
        frames of other scripts (``pyworkerd:runtime.js``), the message lines, and positions
        that map to nothing are left as they were. ``line_offset`` is how many lines the
        runtime put before the script (see the module docstring).
        """
        where = re.compile(r"(?<![\w.\-/\\:])" + re.escape(script_url) + r":(\d+):(\d+)")

        def replace(m: re.Match[str]) -> str:
            pos = self.lookup(int(m.group(1)) - line_offset, int(m.group(2)))
            return str(pos) if pos is not None else m.group(0)

        out = []
        for text in stack.split("\n"):
            out.append(where.sub(replace, text) if _FRAME_LINE.match(text) else text)
        return "\n".join(out)

    def __repr__(self) -> str:
        return f"<SourceMap file={self.file!r} sources={len(self.sources)}>"
