"""Find the line a key path sits on, for error messages.

pyjson5 and tomllib return plain values without positions, so after a file has parsed we
scan its text once more with a small structural scanner (strings, comments, nesting — no
value decoding) and record the line of every key and every array element. A lookup that
misses walks up to the nearest recorded parent, so a message always gets some line.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Callable

import pyjson5

__all__ = ["Locator", "scan_json5", "scan_toml"]

KeyPath = tuple[str | int, ...]
Lines = dict[KeyPath, int]


class Locator:
    """Maps key paths of one parsed file to 1-based line numbers."""

    def __init__(self, lines: Lines) -> None:
        self._lines = lines

    @classmethod
    def for_text(cls, text: str, fmt: str) -> Locator:
        """Scan `text` as "json" (JSON, JSONC, JSON5) or "toml"; never raises."""
        scan: Callable[[str], Lines] = scan_toml if fmt == "toml" else scan_json5
        try:
            return cls(scan(text))
        except (IndexError, ValueError, RecursionError):  # the file parsed; be safe anyway
            return cls({})

    def line_of(self, path: KeyPath) -> int:
        """Line of `path`, else of its nearest located parent, else 1."""
        for end in range(len(path), 0, -1):
            line = self._lines.get(path[:end])
            if line is not None:
                return line
        return 1

    def has(self, path: KeyPath) -> bool:
        return path in self._lines


class _Text:
    """Shared cursor over the source with offset -> line lookup."""

    def __init__(self, text: str) -> None:
        self.t = text
        self.n = len(text)
        self.i = 0
        self._newlines = [k for k, c in enumerate(text) if c == "\n"]
        self.lines: Lines = {}

    def line(self, pos: int | None = None) -> int:
        return bisect.bisect_left(self._newlines, self.i if pos is None else pos) + 1

    def peek(self, k: int = 0) -> str:
        j = self.i + k
        return self.t[j] if j < self.n else ""

    def at(self, s: str) -> bool:
        return self.t.startswith(s, self.i)

    def record(self, path: KeyPath, line: int, *, overwrite: bool) -> None:
        if overwrite or path not in self.lines:
            self.lines[path] = line


# --- JSON / JSONC / JSON5 -------------------------------------------------------------

_J5_STOP = set(",]}:/ \t\r\n\ufeff\u00a0\u2028\u2029")


class _Json5(_Text):
    def skip_ws(self) -> None:
        while self.i < self.n:
            c = self.t[self.i]
            if c.isspace() or c == "\ufeff":
                self.i += 1
            elif self.at("//"):
                end = self.t.find("\n", self.i)
                self.i = self.n if end < 0 else end
            elif self.at("/*"):
                end = self.t.find("*/", self.i + 2)
                self.i = self.n if end < 0 else end + 2
            else:
                return

    def string(self) -> str:
        """Consume a quoted string at the cursor; return its (best-effort) decoded text."""
        quote = self.t[self.i]
        start = self.i
        self.i += 1
        escaped = False
        while self.i < self.n:
            c = self.t[self.i]
            self.i += 1
            if c == "\\":
                escaped = True
                self.i += 1
            elif c == quote:
                break
        raw = self.t[start + 1 : self.i - 1]
        if not escaped:
            return raw
        try:
            return str(pyjson5.decode(self.t[start : self.i]))
        except (pyjson5.Json5Exception, ValueError):
            return raw

    def key(self) -> str:
        if self.peek() in "\"'":
            return self.string()
        start = self.i
        while self.i < self.n and self.t[self.i] not in _J5_STOP:
            self.i += 1
        return self.t[start : self.i]

    def value(self, path: KeyPath) -> None:
        self.skip_ws()
        self.record(path, self.line(), overwrite=False)
        c = self.peek()
        if c == "{":
            self.obj(path)
        elif c == "[":
            self.arr(path)
        elif c in "\"'":
            self.string()
        else:
            start = self.i
            while self.i < self.n and self.t[self.i] not in _J5_STOP:
                self.i += 1
            if self.i == start:  # unexpected character: step over it, keep going
                self.i += 1

    def obj(self, path: KeyPath) -> None:
        self.i += 1
        while True:
            self.skip_ws()
            if self.i >= self.n:
                return
            if self.peek() == "}":
                self.i += 1
                return
            if self.peek() == ",":
                self.i += 1
                continue
            line = self.line()
            name = self.key()
            self.record((*path, name), line, overwrite=True)
            self.skip_ws()
            if self.peek() == ":":
                self.i += 1
            self.value((*path, name))

    def arr(self, path: KeyPath) -> None:
        self.i += 1
        index = 0
        while True:
            self.skip_ws()
            if self.i >= self.n:
                return
            if self.peek() == "]":
                self.i += 1
                return
            if self.peek() == ",":
                self.i += 1
                continue
            self.value((*path, index))
            index += 1


def scan_json5(text: str) -> Lines:
    """Line of every key and array element in a JSON/JSONC/JSON5 document."""
    s = _Json5(text)
    s.value(())
    s.lines.pop((), None)
    return s.lines


# --- TOML ------------------------------------------------------------------------------

_BARE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


class _Toml(_Text):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        # Current element index of each array of tables, keyed by its concrete path.
        self.aot: dict[KeyPath, int] = {}

    def skip_inline_ws(self) -> None:
        while self.i < self.n and self.t[self.i] in " \t":
            self.i += 1

    def skip_ws_comments(self) -> None:
        """Whitespace, newlines and comments (inside arrays and between statements)."""
        while self.i < self.n:
            c = self.t[self.i]
            if c in " \t\r\n\ufeff":
                self.i += 1
            elif c == "#":
                end = self.t.find("\n", self.i)
                self.i = self.n if end < 0 else end
            else:
                return

    def skip_to_eol(self) -> None:
        end = self.t.find("\n", self.i)
        self.i = self.n if end < 0 else end + 1

    def string(self) -> str:
        for triple in ('"""', "'''"):
            if self.at(triple):
                end = self.i + 3
                while True:
                    end = self.t.find(triple, end)
                    if end < 0:
                        self.i = self.n
                        return ""
                    if triple == '"""' and _escaped(self.t, end):
                        end += 1
                        continue
                    break
                # Up to two quotes may directly precede the closing delimiter ('''a''''').
                extra = 0
                while extra < 2 and end + 3 < self.n and self.t[end + 3] == triple[0]:
                    end += 1
                    extra += 1
                self.i = end + 3
                return ""
        quote = self.t[self.i]
        start = self.i
        self.i += 1
        while self.i < self.n:
            c = self.t[self.i]
            if c == "\\" and quote == '"':
                self.i += 2
                continue
            self.i += 1
            if c == quote or c == "\n":
                break
        raw = self.t[start + 1 : self.i - 1]
        if quote == "'" or "\\" not in raw:
            return raw
        try:
            return str(json.loads('"' + raw + '"'))
        except ValueError:
            return raw

    def key_path(self) -> list[str]:
        parts: list[str] = []
        while self.i < self.n:
            self.skip_inline_ws()
            c = self.peek()
            if c in "\"'":
                parts.append(self.string())
            else:
                start = self.i
                while self.i < self.n and self.t[self.i] in _BARE:
                    self.i += 1
                if self.i == start:
                    break
                parts.append(self.t[start : self.i])
            self.skip_inline_ws()
            if self.peek() == ".":
                self.i += 1
                continue
            break
        return parts

    def record_key(self, base: KeyPath, parts: list[str], line: int) -> KeyPath:
        path = base
        for k, part in enumerate(parts):
            path = (*path, part)
            self.record(path, line, overwrite=k == len(parts) - 1)
        return path

    def value(self, path: KeyPath) -> None:
        self.skip_inline_ws()
        c = self.peek()
        if c == "[":
            self.array(path)
        elif c == "{":
            self.inline_table(path)
        elif c in "\"'":
            self.string()
        else:
            start = self.i
            while self.i < self.n and self.t[self.i] not in ",]}#\r\n":
                self.i += 1
            if self.i == start and self.i < self.n and self.t[self.i] not in "\r\n":
                self.i += 1

    def array(self, path: KeyPath) -> None:
        self.i += 1
        index = 0
        while self.i < self.n:
            self.skip_ws_comments()
            c = self.peek()
            if c == "]":
                self.i += 1
                return
            if c == ",":
                self.i += 1
                continue
            if c == "":
                return
            self.record((*path, index), self.line(), overwrite=True)
            before = self.i
            self.value((*path, index))
            if self.i == before:
                self.i += 1
            index += 1

    def inline_table(self, path: KeyPath) -> None:
        self.i += 1
        while self.i < self.n:
            self.skip_ws_comments()
            c = self.peek()
            if c == "}":
                self.i += 1
                return
            if c == ",":
                self.i += 1
                continue
            if c == "":
                return
            line = self.line()
            parts = self.key_path()
            if not parts:
                self.i += 1
                continue
            full = self.record_key(path, parts, line)
            self.skip_inline_ws()
            if self.peek() == "=":
                self.i += 1
            self.value(full)

    def header(self) -> KeyPath:
        """Parse `[a.b]` or `[[a.b]]` at the cursor; return the concrete table path."""
        line = self.line()
        is_array = self.at("[[")
        self.i += 2 if is_array else 1
        parts = self.key_path()
        self.skip_inline_ws()
        self.i += 2 if is_array else 1
        concrete: KeyPath = ()
        for k, part in enumerate(parts):
            concrete = (*concrete, part)
            last = k == len(parts) - 1
            self.record(concrete, line, overwrite=False)
            if last and is_array:
                index = self.aot.get(concrete, -1) + 1
                self.aot[concrete] = index
                concrete = (*concrete, index)
                self.record(concrete, line, overwrite=True)
            elif concrete in self.aot:
                concrete = (*concrete, self.aot[concrete])
        if not is_array:
            self.record(concrete, line, overwrite=True)
        return concrete

    def document(self) -> None:
        table: KeyPath = ()
        while self.i < self.n:
            self.skip_ws_comments()
            if self.i >= self.n:
                return
            if self.peek() == "[":
                table = self.header()
                self.skip_to_eol()
                continue
            line = self.line()
            parts = self.key_path()
            if not parts:
                self.skip_to_eol()
                continue
            full = self.record_key(table, parts, line)
            self.skip_inline_ws()
            if self.peek() == "=":
                self.i += 1
            self.value(full)
            self.skip_inline_ws()
            if self.peek() == "#" or self.peek() not in ("\n", "\r", ""):
                self.skip_to_eol()


def _escaped(text: str, pos: int) -> bool:
    """Whether the character at `pos` is preceded by an odd number of backslashes."""
    count = 0
    j = pos - 1
    while j >= 0 and text[j] == "\\":
        count += 1
        j -= 1
    return count % 2 == 1


def scan_toml(text: str) -> Lines:
    """Line of every key, table header and array element in a TOML document."""
    s = _Toml(text)
    s.document()
    return s.lines
