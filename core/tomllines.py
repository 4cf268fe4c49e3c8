"""Line numbers in a TOML file, for messages that say where to fix it.

``tomllib`` gives values without positions; :class:`TomlLocator` finds the line of
the n-th ``[[table]]`` entry and of a key or value inside it. Built in one pass, each
lookup scans only its own entry, so a file of many entries is not quadratic.

>>> where = TomlLocator('[[plan]]\\nfile = "a.txt"\\n\\n[[plan]]\\nfile = "b.txt"\\nyear = "abc"\\n')
>>> where.entry_line("plan", 1), where.key_line(4, "year"), where.value_line(4, "b.txt", "file")
(4, 6, 5)
"""
from __future__ import annotations

import bisect
import re
import tomllib

_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*(\w+)[ \t]*\]\]|^[ \t]*\[[^\[]", re.M)


class TomlLocator:
    """Finds the line of the n-th ``[[table]]`` entry and of keys inside it."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.headers: dict[str, list[int]] = {}
        self.starts: list[int] = []  # every table header line, in order
        line, pos = 1, 0
        for m in _HEADER.finditer(text):
            line += text.count("\n", pos, m.start())
            pos = m.start()
            if m.group(1):
                self.headers.setdefault(m.group(1), []).append(line)
            self.starts.append(line)

    def entry_line(self, table: str, index: int) -> int | None:
        lines = self.headers.get(table, [])
        return lines[index] if index < len(lines) else None

    def _entry_end(self, line: int) -> int:
        later = bisect.bisect_right(self.starts, line)
        return self.starts[later] - 1 if later < len(self.starts) else len(self.lines)

    def key_line(self, line: int | None, key: str) -> int | None:
        """The line of ``key = …`` in the entry starting at ``line`` (else ``line``)."""
        if line is None:
            return None
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for n in range(line, self._entry_end(line) + 1):
            if pattern.match(self.lines[n - 1]):
                return n
        return line

    def value_line(self, line: int | None, value: str, key: str) -> int | None:
        """The line holding ``value`` (as written, or TOML-escaped) inside the entry."""
        if line is None:
            return None
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        for n in range(line, self._entry_end(line) + 1):
            text = self.lines[n - 1]
            if value in text or escaped in text:
                return n
        return self.key_line(line, key)


def syntax_error_line(exc: tomllib.TOMLDecodeError, text: str) -> tuple[int | None, str]:
    """(line, message without the position) of a TOML syntax error."""
    line = getattr(exc, "lineno", None)
    if line is None:
        m = re.search(r"line (\d+)", str(exc))
        line = int(m.group(1)) if m else None
    if line is None and "end of document" in str(exc):
        line = text.count("\n") + 1
    detail = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(getattr(exc, "msg", exc)))
    return line, detail
