"""Where a heading's title ends when its body follows on the same line.

Plans copied from Word lose the bold that set a heading apart, and what is left is
``一、指导思想 坚持以……`` or ``强化政治引领 引导广大……``: a short title, a space, the
body. A space can also be a stray one (``中国特 色社会主义``), so a space only ends a
title on evidence, never on a list of words:

* the space comes early, after a short phrase that is not cut mid-phrase (the space
  is outside quotes and brackets, after no comma or opening mark, before no closing
  mark), and the line holds more than a title (it goes on with punctuated wording);
* the same pattern repeats in sibling headings (``sibling_evidence``), or, for a lone
  long line, the title would otherwise be an implausibly long first sentence;
* in a .docx, the bold lead (or heading style) says it outright (``TitleHint``).

A colon after a short phrase (``指导思想：坚持……``) also ends a title.

>>> space_boundary("指导思想 坚持以人民为中心，推动……", 0)
(4, 5)
>>> space_boundary("深入学习贯彻党的二十大精 神，推动……", 0) is None   # the body would start mid-phrase
True
"""
from __future__ import annotations

from dataclasses import dataclass

MAX_HEAD = 30  # a title that shares its line with the body is at most this long
LONE_SENTENCE = 40  # a first sentence this long is not a plausible title on its own

_SENTENCE_END = "。！？!?；;"
_CLAUSE = "，,、；;：:。！？!?"
_OPEN = "“‘《（(「『【〔["
_CLOSE = "”’》）)」』】〕]"
_NO_END_BEFORE = "，,、；;：:—-·" + _OPEN  # a title never ends with these
_NO_START_AFTER = _CLAUSE + _CLOSE + "…—"  # a body never starts with these


@dataclass(frozen=True)
class TitleHint:
    """Formatting evidence from a document: the paragraph starting at offset ``start``
    has an emphasised lead (bold run, heading style) ending at offset ``end``.
    ``level`` is the outline level (0 = Heading 1) when a style gives one."""

    start: int
    end: int
    level: int | None = None


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def space_boundary(content: str, begin: int) -> tuple[int, int] | None:
    """(end of the title, start of the body) in ``content`` if a space after ``begin``
    could separate a short title from its body on the same line; else None."""
    depth = 0
    count = 0
    n = len(content)
    i = begin
    while i < n:
        ch = content[i]
        if ch.isspace():
            j = i
            while j < n and content[j].isspace():
                j += 1
            if j < n and depth == 0 and count >= 2 and _could_split(content, i, j):
                return i, j
            i = j
            continue
        if depth == 0 and ch in _SENTENCE_END:
            return None
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        count += 1
        if count > MAX_HEAD:
            return None
        i += 1
    return None


def _could_split(content: str, gap: int, body: int) -> bool:
    left, right = content[gap - 1], content[body]
    if _is_word_char(left) or _is_word_char(right) or left in _NO_END_BEFORE or right in _NO_START_AFTER:
        return False  # "xx 镇 2020 年", "精神， 针对": not a title's end
    rest = content[body:]
    first_clause = next((k for k, ch in enumerate(rest) if ch in _CLAUSE), len(rest))
    if first_clause < 2:
        return False  # "精 神，推动": the body would start mid-phrase
    return len(rest) > MAX_HEAD or any(ch in _CLAUSE for ch in rest)


def colon_boundary(text: str) -> int | None:
    """Index of a colon that ends a short title ("指导思想：坚持……"), before any sentence end."""
    depth = 0
    for i, ch in enumerate(text[:MAX_HEAD + 1]):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif depth == 0 and ch in _SENTENCE_END:
            return None
        elif depth == 0 and ch in "：:" and i >= 2 and i + 1 < len(text):
            return i
    return None


def holds_more_than_title(content: str, begin: int) -> bool:
    """The line goes on past a title: punctuated wording or more than a title's length."""
    rest = content[begin:]
    return len(rest) > MAX_HEAD or any(ch in _CLAUSE for ch in rest)


def sibling_evidence(with_space: int, long_lines: int, lone_sentence_long: bool) -> bool:
    """Whether a group of sibling headings ends its titles at the space.

    ``with_space`` siblings show the pattern among ``long_lines`` that hold more than a
    title on their line. Two or more, at least half of them, is a layout; a single
    long line counts when its first sentence is too long to be the title.
    """
    if with_space >= 2 and 2 * with_space >= long_lines:
        return True
    return with_space == 1 and long_lines == 1 and lone_sentence_long
