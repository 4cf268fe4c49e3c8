"""Parse a plan's text into a lossless title → preamble → section → item tree.

The parser knows the numbering conventions of Chinese official documents, not the
layout of any one file:

* marker families, ranked as official documents nest them: 第一部分 > 一、 >
  （一） > 1. / 1、 > （1） > 1） > ①. The highest family present marks sections,
  the next marks items, deeper ones become an item's ``points``;
* a marker only counts when its number continues its family's sequence (an item
  number may restart in each section or run on across sections), so "3、4月份…"
  in the middle of an item does not start item 3;
* lines hard-wrapped by a PDF export are re-joined; page numbers and running
  headers are dropped from the wording (and listed in ``Plan.debris``).

>>> plan = parse_plan("2022年机关党建工作要点\\n总体要求：坚持……。\\n一、政治建设\\n"
...                   "1.筑牢根基。加强学习。\\n2.严肃政治生活。落实制度。")
>>> plan.title, [s.title for s in plan.sections], [i.title for i in plan.items]
('2022年机关党建工作要点', ['政治建设'], ['筑牢根基', '严肃政治生活'])
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from bisect import bisect_left
from collections.abc import Iterable, Iterator

from .headings import (LONE_SENTENCE, MAX_HEAD, TitleHint, colon_boundary, holds_more_than_title,
                       sibling_evidence, space_boundary)
from .model import Item, Plan, Point, Section
from .normalize import fold

_CN = "一二三四五六七八九十"
_CN_DIGIT = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
             "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_DIGITS = "0-9０-９"

# (family, pattern) in official-document rank order: earlier = higher level.
_FAMILIES: list[tuple[str, re.Pattern[str]]] = [
    ("part", re.compile(rf"第\s*([{_CN}]+)\s*(?:部分|章|篇)\s*[、，,.．:：]?\s*")),
    ("cn", re.compile(rf"([{_CN}]+)\s*[、.．]\s*")),
    ("paren_cn", re.compile(rf"[（(]\s*([{_CN}]+)\s*[）)]\s*[、.．]?\s*")),
    ("num", re.compile(rf"([{_DIGITS}]{{1,3}})\s*[、.．](?![{_DIGITS}])\s*")),
    # "1 认真学习……": Word numbering exported without its dot; needs a run (see _real_families)
    ("num_space", re.compile(rf"([{_DIGITS}]{{1,2}})[ \t\u3000]+(?=[\u4e00-\u9fff“《])")),
    ("paren_num", re.compile(rf"[（(]\s*([{_DIGITS}]{{1,3}})\s*[）)]\s*")),
    ("num_rparen", re.compile(rf"([{_DIGITS}]{{1,3}})\s*[）)]\s*")),
    ("circled", re.compile(r"([①-⑳])\s*")),
]
_RANK = {name: rank for rank, (name, _) in enumerate(_FAMILIES)}
_PATTERNS = dict(_FAMILIES)
_SECTION_FAMILIES = ("part", "cn")
_NEEDS_RUN = ("num_space",)  # "1 次" starting a wrapped line is no list: two in sequence are

_PAGE_NUMBER = re.compile(
    r"^(?:[-－—–_~·\s]*\d{1,4}[-－—–_~·\s]*"
    r"|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?"
    r"|\d+\s*/\s*\d+"
    r"|page\s*\d+(?:\s*of\s*\d+)?)$",
    re.IGNORECASE,
)
_SENTENCE_END = "。！？!?"
_CLAUSE_END = _SENTENCE_END + "；;：:”’」』）)"
_OPEN = "“‘《（(「『【"
_CLOSE = "”’》）)」』】"
_HEADING_BREAKS = _SENTENCE_END + "；;：:，,、"  # no standalone heading holds these
_SPACE_RUN = re.compile(r"\s+")
_RUN_IN_ORDINALS = ["一是", "二是", "三是", "四是", "五是", "六是", "七是", "八是", "九是", "十是"]
_RUN_IN_SEQUENCES = [
    _RUN_IN_ORDINALS,
    ["第一，", "第二，", "第三，", "第四，", "第五，", "第六，"],
    ["首先", "其次", "再次", "最后"],
]
_OPTIONAL_ORDINALS = ("再次",)
_MAX_TITLE_LINE = 50
_MAX_HEADER_LINE = 40


def cn_number(text: str) -> int | None:
    """Value of a Chinese numeral up to 九十九.

    >>> cn_number("十二"), cn_number("二十"), cn_number("七")
    (12, 20, 7)
    """
    if not text:
        return None
    if "十" in text:
        tens, _, ones = text.partition("十")
        if len(tens) > 1 or len(ones) > 1 or "十" in ones:
            return None
        t = _CN_DIGIT.get(tens, None) if tens else 1
        o = _CN_DIGIT.get(ones, None) if ones else 0
        return None if t is None or o is None else t * 10 + o
    if len(text) == 1:
        return _CN_DIGIT.get(text)
    return None


def _marker_number(family: str, raw: str) -> int | None:
    if family in ("part", "cn", "paren_cn"):
        return cn_number(raw)
    if family == "circled":
        return ord(raw) - ord("①") + 1
    return int(raw.translate({cp: cp - 0xFEE0 for cp in range(0xFF10, 0xFF1A)}))


@dataclass
class _Line:
    start: int  # offset of the first non-blank character in the plan text
    end: int  # offset after the last non-blank character
    content: str  # the line without surrounding whitespace
    indent: int = 0  # whitespace before the content; a hard wrap counts it in the width
    family: str | None = None
    role: str | None = None  # "section", "item", "point" once accepted
    number: int | None = None
    marker_len: int = 0  # length of the marker (with following spaces) in content


@dataclass
class _Para:
    """A paragraph: lines joined, with display text and a map back to offsets."""

    lines: list[_Line]
    text: str = ""
    offsets: list[int] = field(default_factory=list)

    @property
    def first(self) -> _Line:
        return self.lines[0]

    @property
    def start(self) -> int:
        return self.lines[0].start

    @property
    def end(self) -> int:
        return self.lines[-1].end

    def offset(self, index: int) -> int:
        """Plan-text offset of character ``index`` of the display text."""
        if index >= len(self.offsets):
            return self.end
        return self.offsets[index]

    def index(self, offset: int) -> int:
        """Display index of the first character at or after plan-text ``offset``."""
        return bisect_left(self.offsets, offset)


def _clean_line(content: str, start: int) -> tuple[str, list[int]]:
    """Display form of one line (spaces between CJK characters removed), with offsets."""
    chars: list[str] = []
    offsets: list[int] = []
    last = 0
    # Whole runs, each looked at once: a lookbehind/lookahead regex rescans a run of
    # ideographic spaces from every position in it (quadratic in its length).
    for m in _SPACE_RUN.finditer(content):
        if m.start() == 0 or m.end() == len(content) or content[m.start() - 1].isascii() \
                or content[m.end()].isascii():
            continue
        chars.append(content[last:m.start()])
        offsets.extend(range(start + last, start + m.start()))
        last = m.end()
    chars.append(content[last:])
    offsets.extend(range(start + last, start + len(content)))
    return "".join(chars), offsets


def _split_lines(text: str) -> list[_Line]:
    lines: list[_Line] = []
    pos = 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        if stripped:
            lead = len(raw) - len(raw.lstrip())
            lines.append(_Line(pos + lead, pos + lead + len(stripped), stripped, indent=lead))
        pos += len(raw) + 1
    return lines


def _find_debris(lines: list[_Line]) -> set[int]:
    """Indexes of page-number lines and repeated running headers."""
    keys = [fold(ln.content) for ln in lines]  # once per line: folding is most of this
    debris = {i for i, key in enumerate(keys) if _PAGE_NUMBER.match(key)}
    short = Counter(
        keys[i] for i, ln in enumerate(lines)
        if i not in debris and len(ln.content) <= _MAX_HEADER_LINE and ln.content[-1] not in _SENTENCE_END
    )
    seen: set[str] = set()
    for i, key in enumerate(keys):
        if i in debris or short.get(key, 0) < 2:
            continue
        if key in seen or i > 0:
            debris.add(i)
        seen.add(key)
    return debris


def _detect_marker(line: _Line) -> None:
    for family, pattern in _FAMILIES:
        m = pattern.match(line.content)
        if not m or m.end() >= len(line.content):
            continue
        number = _marker_number(family, m.group(1))
        if number is None or number == 0:
            continue
        line.family, line.number, line.marker_len = family, number, m.end()
        return


_MARKER_START = set(_CN + "第（(①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳" + "0123456789０１２３４５６７８９")


def _split_carried_headings(lines: list[_Line]) -> list[_Line]:
    """Split a heading line that carries the next level's first heading.

    "二、主要工作 (一)加强党的政治建设" is section 二 titled 主要工作 and item （一）:
    after a short title, a marker of a lower family that continues its sequence starts
    a line of its own (the offsets of both parts are those of the original line).
    """
    out: list[_Line] = []
    last: dict[str, int] = {}
    for ln in lines:
        while True:
            if ln.family is not None:
                last[ln.family] = ln.number or 0
            cut = (_carried_marker(ln, last) or _run_on_sibling(ln)) if ln.family is not None else None
            if cut is None:
                out.append(ln)
                break
            head = ln.content[:cut].rstrip()
            out.append(_Line(ln.start, ln.start + len(head), head, indent=ln.indent, family=ln.family,
                             number=ln.number, marker_len=ln.marker_len))
            ln = _Line(ln.start + cut, ln.end, ln.content[cut:], indent=ln.indent + cut)
            _detect_marker(ln)
    return out


def _run_on_sibling(ln: _Line) -> int | None:
    """Index in ``ln.content`` of the next sibling's marker run on after a sentence end.

    "（一）规范组织设置 按照……。（二）严格组织生活 落实……" lost its paragraph break: a
    marker of the line's own family with the next number, right after a sentence end
    outside quotes and brackets, starts the sibling.
    """
    content = ln.content
    pattern = _PATTERNS[ln.family]
    for p in _sentence_ends(content, ln.marker_len, _SENTENCE_END + "；;"):
        q = p + 1
        while q < len(content) and content[q].isspace():
            q += 1
        m = pattern.match(content, q)
        if m and m.end() < len(content) and _marker_number(ln.family, m.group(1)) == (ln.number or 0) + 1:
            return q
    return None


def _carried_marker(ln: _Line, last: dict[str, int]) -> int | None:
    """Index in ``ln.content`` of a lower-level marker that follows a short title."""
    content, begin = ln.content, ln.marker_len
    rank = _RANK[ln.family]
    depth, count = 0, 0
    for p in range(begin, min(len(content), begin + MAX_HEAD + 4)):
        ch = content[p]
        if count and depth == 0 and ch in _MARKER_START:
            before = content[p - 1]
            for family, pattern in _FAMILIES[rank + 1:]:
                m = pattern.match(content, p)
                if not m or m.end() >= len(content):
                    continue
                number = _marker_number(family, m.group(1))
                if number not in (1, last.get(family, 0) + 1):
                    continue
                if before.isspace() or before in "：:。" or family == "paren_cn" and not before.isascii():
                    return p
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif depth == 0 and ch in "。！？；;" and p + 1 < len(content) and not content[p + 1].isspace() \
                and content[p + 1] not in _MARKER_START:
            return None  # the title has ended and the body began
        if not ch.isspace():
            count += 1
    return None


def _real_families(lines: list[_Line]) -> list[str]:
    """Marker families used as a numbering sequence, highest rank first."""
    runs: Counter[str] = Counter()
    last: dict[str, int] = {}
    for ln in lines:
        if ln.family is None:
            continue
        prev = last.get(ln.family, 0)
        if ln.number == prev + 1 or (ln.number == 1 and prev > 0):
            runs[ln.family] += 1
            last[ln.family] = ln.number or 0
    real = [f for f, n in runs.items() if n >= 2 or (last[f] == 1 and f not in _NEEDS_RUN)]
    return sorted(real, key=_RANK.__getitem__)


def _section_family(families: list[str]) -> str | None:
    """The family that marks sections: 第一部分 or 一、, else the highest of two or more
    families ("（一）加强政治建设" over "1.强化政治忠诚" in a plan without 一、)."""
    if not families:
        return None
    return families[0] if families[0] in _SECTION_FAMILIES or len(families) >= 2 else None


def _assign_roles(lines: list[_Line], families: list[str], warnings: list[str]) -> None:
    """Mark each marker line as a section, item or point, or as plain text.

    Sections use the highest family; inside each section the highest family present
    marks items (so sections may number their items differently) and lower ones points.
    A marker only counts when it continues its sequence.
    """
    top = _section_family(families)
    lower = [f for f in families if f != top]
    segments: list[list[_Line]] = [[]]
    last_section = 0
    for ln in lines:
        if ln.family == top and top is not None and (ln.number == last_section + 1 or last_section == 0):
            last_section = ln.number or 0
            ln.role = "section"
            segments.append([])
        else:
            segments[-1].append(ln)
    last_item, last_family = 0, None
    for k, segment in enumerate(segments):
        if top is not None and k == 0:
            body_families: list[str] = []  # before the first section: preamble, no items
        else:
            body_families = [f for f in lower if any(ln.family == f for ln in segment)]
        item_family = body_families[0] if body_families else None
        point_families = body_families[1:]
        if item_family != last_family:
            last_item = 0
        last_family = item_family or last_family
        items_here, in_item, last_point = 0, False, {}
        for ln in segment:
            n = ln.number or 0
            if ln.family is None:
                continue
            if ln.family == item_family and (n == last_item + 1 or (n == 1 and items_here == 0)):
                ln.role, last_item, in_item, last_point = "item", n, True, {}
                items_here += 1
            elif ln.family in point_families and in_item and n == last_point.get(ln.family, 0) + 1:
                ln.role, last_point[ln.family] = "point", n
            else:
                if ln.family in (top, item_family):
                    warnings.append(f"“{ln.content[:20]}”的编号不连续，已按正文处理，请核对原文编号。")
                ln.family, ln.number, ln.marker_len = None, None, 0


def _wrap_width(lines: list[_Line]) -> int | None:
    """Character width a PDF export hard-wrapped lines at, or None."""
    lengths = [ln.indent + len(ln.content) for ln in lines if ln.family is None]
    if len(lengths) < 4:
        return None
    counts = Counter(lengths)
    for width, _ in counts.most_common(3):
        if not 10 <= width <= 120:
            continue
        near = sum(c for w, c in counts.items() if width - 1 <= w <= width)
        longer = sum(c for w, c in counts.items() if w > width + 1)
        if near >= max(3, 0.3 * len(lengths)) and longer <= 0.05 * len(lengths):
            return width
    return None


def _build_paragraphs(kept: list[_Line]) -> list[_Para]:
    width = _wrap_width(kept)
    paras: list[_Para] = []
    continues = False
    for ln in kept:
        if paras and continues and ln.family is None:
            paras[-1].lines.append(ln)
        else:
            paras.append(_Para([ln]))
        continues = width is not None and ln.indent + len(ln.content) >= width - 1
    for para in paras:
        texts: list[str] = []
        for ln in para.lines:
            text, offsets = _clean_line(ln.content, ln.start)
            if texts and texts[-1][-1:].isascii() and texts[-1][-1:].isalnum() and text[:1].isascii() \
                    and text[:1].isalnum():
                texts.append(" ")
                para.offsets.append(ln.start)
            texts.append(text)
            para.offsets.extend(offsets)
        para.text = "".join(texts)
    return paras


def _sentence_ends(text: str, begin: int = 0, marks: str = _SENTENCE_END) -> Iterator[int]:
    """Indexes of ``marks`` in ``text`` from ``begin``, outside quotes and brackets."""
    depth = 0
    for i in range(begin, len(text)):
        ch = text[i]
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif ch in marks and depth == 0:
            yield i


def _first_sentence_end(text: str) -> int | None:
    """Index of the first sentence-ending mark outside quotes and brackets."""
    return next(_sentence_ends(text), None)


def _strip_end(text: str) -> str:
    return text.strip().rstrip("。！？!?；;：:").strip()


def _marker_of(para: _Para) -> tuple[str, str]:
    """(marker as written, display text after the marker)."""
    n = para.first.marker_len
    marker = para.first.content[:n].strip()
    skip = para.index(para.first.start + n)
    return marker, para.text[skip:].lstrip()


# ------------------------------------------------------------------ where titles end


@dataclass
class _Head:
    """A paragraph that opens a node, and the evidence of where its title ends."""

    para: _Para
    group: tuple[str, str | None]  # siblings: ("section"|"item"|"point"|"plain", family)
    skip: int  # display index where the heading text starts (after the marker)
    space: tuple[int, int] | None = None  # display (title end, body start) at a space
    hint: int | None = None  # display index where an emphasised lead ends
    long: bool = False  # the first line holds more than a title
    lone_long: bool = False  # its first sentence is too long to be a title


def _head(para: _Para, group: tuple[str, str | None], hints: dict[int, TitleHint]) -> _Head:
    ln = para.first
    skip = len(para.text) - len(_marker_of(para)[1]) if ln.family else 0
    head = _Head(para, group, skip, long=holds_more_than_title(ln.content, ln.marker_len))
    hint = hints.get(ln.start)
    if hint is not None and ln.start + ln.marker_len < hint.end < ln.end:
        head.hint = para.index(hint.end)
    gap = space_boundary(ln.content, ln.marker_len)
    if gap is not None:
        head.space = (para.index(ln.start + gap[0]), para.index(ln.start + gap[1]))
    stop = _first_sentence_end(para.text[skip:])
    head.lone_long = (stop if stop is not None else len(para.text) - skip) > LONE_SENTENCE
    return head


def _groups_ending_at_space(heads: list[_Head]) -> set[tuple[str, str | None]]:
    """Sibling groups whose titles end at the space (see :mod:`core.headings`)."""
    stats: dict[tuple[str, str | None], list[int]] = {}
    for h in heads:
        s = stats.setdefault(h.group, [0, 0, 0])
        if h.long:
            s[1] += 1
            if h.space is not None and h.hint is None:
                s[0] += 1
                s[2] = int(h.lone_long)
    return {g for g, (with_space, long_lines, lone) in stats.items()
            if sibling_evidence(with_space, long_lines, bool(lone))}


@dataclass
class _Split:
    """A heading paragraph cut into title and body (display indexes)."""

    title: str
    body: int  # where the body starts (after the title and the mark or space that ends it)
    cut: bool  # the title ends at a space or a bold lead, not at a mark: show it on its own line


def _split(head: _Head, at_space: set) -> _Split:
    text, skip = head.para.text, head.skip
    end: int | None = None
    if head.hint is not None:
        end = head.hint
    elif head.space is not None and head.group in at_space:
        end = head.space[0]
    if end is not None:
        title = _strip_end(text[skip:end])
        if title:
            body = end
            while body < len(text) and text[body].isspace():
                body += 1
            return _Split(title, body, body < len(text) and text[end - 1] not in _CLAUSE_END)
    rest = text[skip:]
    stop = colon_boundary(rest)
    if stop is None:
        stop = _first_sentence_end(rest)
    title = _strip_end(rest[:stop] if stop is not None else rest)
    return _Split(title, skip + stop + 1 if stop is not None else len(text), False)


# ------------------------------------------------------------------ points


def _run_in_points(text: str, offsets: list[int], end: int) -> list[Point]:
    """Points written in the running text: 一是…二是…, 第一，…第二，…, 首先…其次…"""
    for ordinals in _RUN_IN_SEQUENCES:
        found: list[tuple[int, str]] = []
        pos = 0
        for ordinal in ordinals:
            i = text.find(ordinal, pos)
            if i < 0 and ordinal in _OPTIONAL_ORDINALS:
                continue  # 首先……其次……最后……
            if i < 0:
                break
            found.append((i, ordinal))
            pos = i + len(ordinal)
        if len(found) >= 2:
            bounds = [i for i, _ in found] + [len(text)]
            points = []
            for k, (_, ordinal) in enumerate(found):
                wording = text[bounds[k]:bounds[k + 1]].strip()
                points.append(Point(marker=ordinal, text=wording, start=offsets[bounds[k]],
                                    end=offsets[bounds[k + 1]] if bounds[k + 1] < len(offsets) else end,
                                    title=_run_in_title(wording[len(ordinal):])))
            return points
    return []


def _run_in_title(wording: str) -> str:
    """A run-in point's heading phrase: its wording up to the first clause mark."""
    wording = wording.lstrip("，,：: ")
    for i, ch in enumerate(wording):
        if ch in "，,；;。：:！？!?":
            return wording[:i].strip()
    return wording.strip()


# ------------------------------------------------------------------ nodes


def _make_item(paras: list[_Para], end: int, heads: dict[int, _Head], at_space: set) -> Item:
    first = paras[0]
    head = heads[id(first)]
    split = _split(head, at_space)
    marker = _marker_of(first)[0] if first.first.family else ""
    if split.cut:
        pieces = [(first.text[head.skip:split.body], first, head.skip),
                  (first.text[split.body:], first, split.body)]
    else:
        pieces = [(first.text[head.skip:], first, head.skip)]
    pieces += [(p.text, p, 0) for p in paras[1:]]
    text, offsets = _join(pieces)
    points = []
    for para in paras[1:]:
        if para.first.role == "point":
            psplit = _split(heads[id(para)], at_space)
            points.append(Point(*_marker_of(para), para.start, para.end, title=psplit.title))
    if not points:
        points = _run_in_points(text, offsets, end)
    return Item(marker=marker, number=first.first.number if first.first.family else None,
                title=split.title, text=text, start=first.start, end=end, points=points)


def _join(pieces: list[tuple[str, _Para, int]]) -> tuple[str, list[int]]:
    """Display pieces joined by newlines, with the plan offset of every character."""
    texts: list[str] = []
    offsets: list[int] = []
    for piece, para, skip in pieces:
        lead = len(piece) - len(piece.lstrip())
        piece, skip = piece.strip(), skip + lead
        if not piece:
            continue
        if texts:
            texts.append("\n")
            offsets.append(para.offset(skip))
        texts.append(piece)
        span = para.offsets[skip:skip + len(piece)]  # = para.offset(skip + i) for each i
        offsets.extend(span)
        offsets.extend([para.end] * (len(piece) - len(span)))
    return "".join(texts), offsets


def _looks_like_title(para: _Para, following: int) -> bool:
    text = para.text
    return (following > 0 and para.first.family is None and len(text) <= _MAX_TITLE_LINE
            and text[-1] not in _CLAUSE_END and "。" not in text)


def _standalone_heading(para: _Para, hints: dict[int, TitleHint]) -> bool:
    """An unnumbered paragraph that is a heading on its own line: short, unpunctuated
    (or wholly emphasised in the original document)."""
    if para.first.family is not None:
        return False
    hint = hints.get(para.first.start)
    if hint is not None and hint.end >= para.end and len(para.text) <= _MAX_TITLE_LINE:
        return True
    text = para.text
    return len(text) <= MAX_HEAD and not any(ch in _HEADING_BREAKS for ch in text)


def _end_before(next_start: int, text: str) -> int:
    """Offset just after the last non-blank character before ``next_start``."""
    end = next_start
    while end > 0 and text[end - 1].isspace():
        end -= 1
    return end


def normalize_newlines(text: str) -> str:
    """The plan text offsets refer to: BOM removed, line endings unified to "\\n"."""
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def parse_plan(text: str, hints: Iterable[TitleHint] | None = None) -> Plan:
    """Parse a plan's text. Never raises; unrecognised structure becomes the preamble.

    ``hints`` (from :func:`core.hints.read_with_hints` for a .docx) mark where bold
    leads and heading styles end, offsets into ``normalize_newlines(text)``.
    """
    text = normalize_newlines(text)
    plan = Plan(text=text)
    lines = _split_lines(text)
    if not lines:
        plan.warnings.append("文件没有正文内容，请检查是否选错了文件。")
        return plan
    debris = _find_debris(lines)
    kept = [ln for i, ln in enumerate(lines) if i not in debris]
    for ln in kept:
        _detect_marker(ln)
    kept = _split_carried_headings(kept)
    _assign_roles(kept, _real_families(kept), plan.warnings)
    paras = _build_paragraphs(kept)
    plan.debris = [(lines[i].start, lines[i].end) for i in sorted(debris)]
    if debris:
        plan.warnings.append(f"已去除 {len(debris)} 行页码或页眉。")
    _build_tree(plan, paras, {h.start: h for h in hints or ()})
    _cover_leading_debris(plan, lines[0].start, lines[-1].end)
    return plan


def _cover_leading_debris(plan: Plan, first: int, last: int) -> None:
    """Debris before the first node belongs to that node, so every character has one."""
    if plan.title_span:
        plan.title_span = (first, plan.title_span[1])
    elif plan.preamble_span:
        plan.preamble_span = (first, plan.preamble_span[1])
    elif plan.sections:
        plan.sections[0].start = first
    else:
        plan.preamble_span = (first, last)


# ------------------------------------------------------------------ the tree


@dataclass
class _Group:
    """A section's paragraphs: its heading (None for an implicit section), intro, items."""

    heading: _Para | None
    members: list[_Para]
    intro: list[_Para] = field(default_factory=list)
    items: list[list[_Para]] = field(default_factory=list)


def _build_tree(plan: Plan, paras: list[_Para], hints: dict[int, TitleHint]) -> None:
    text = plan.text
    is_section = [p.first.role == "section" for p in paras]
    is_item = [p.first.role == "item" for p in paras]
    first_struct = next((i for i, p in enumerate(paras) if is_section[i] or is_item[i]), len(paras))
    unnumbered = first_struct == len(paras)
    if unnumbered:
        first_struct = _first_unnumbered_node(paras, hints)
        if first_struct == len(paras):
            plan.warnings.append("未识别出章节和条目编号（如“一、”“（一）”“1.”），全文作为前言保存，请检查文件格式。")
        else:
            plan.warnings.append("没有章节和条目编号：已按单独成行的标题和“标题 正文”段落识别章节和条目，请核对解析结果。")

    head = paras[:first_struct]
    body_start = 0
    if head and _title_line(plan, head[0], paras, hints):
        body_start = 1
    preamble = head[body_start:]
    if preamble:
        stop = paras[first_struct].start if first_struct < len(paras) else len(text)
        start = plan.preamble_span[0] if plan.preamble_span else preamble[0].start
        parts = ([plan.preamble] if plan.preamble else []) + [p.text for p in preamble]
        plan.preamble = "\n".join(parts)
        plan.preamble_span = (start, _end_before(stop, text))
    elif plan.preamble_span:
        stop = paras[first_struct].start if first_struct < len(paras) else len(text)
        plan.preamble_span = (plan.preamble_span[0], _end_before(stop, text))

    groups = _unnumbered_groups(paras[first_struct:], hints) if unnumbered else \
        _group_by_section(paras[first_struct:], is_section[first_struct:])
    if groups and groups[0].heading is None and not unnumbered:
        plan.warnings.append("未识别出一级标题（如“一、”），所有条目归入同一章节。")
    for g in groups:
        _layout(g, hints)
    _lone_plain_items(groups)
    heads = {}
    for g in groups:
        if g.heading is not None:
            heads[id(g.heading)] = _head(g.heading, ("section", g.heading.first.family), hints)
        for members in g.items:
            lead = members[0]
            family = lead.first.family if lead.first.role == "item" else None
            heads[id(lead)] = _head(lead, ("item" if family else "plain", family), hints)
            for para in members[1:]:
                if para.first.role == "point":
                    heads[id(para)] = _head(para, ("point", para.first.family), hints)
    at_space = _groups_ending_at_space(list(heads.values()))
    starts = [(g.heading or g.members[0]).start for g in groups] + [len(text)]
    for k, g in enumerate(groups):
        plan.sections.append(_make_section(g, text, len(plan.sections) + 1, starts[k + 1], heads, at_space))


def _group_by_section(paras: list[_Para], is_section: list[bool]) -> list[_Group]:
    """Sections hold item groups; paragraphs before the first section (a plan numbered
    only at item level) get one implicit section so that its items are still items."""
    groups: list[_Group] = []
    for para, section in zip(paras, is_section):
        if section:
            groups.append(_Group(para, []))
        else:
            if not groups:
                groups.append(_Group(None, []))
            groups[-1].members.append(para)
    return groups


def _first_unnumbered_node(paras: list[_Para], hints: dict[int, TitleHint]) -> int:
    """In a plan without any numbering: the first paragraph that opens a node, i.e. a
    heading (a heading style, or a standalone heading over a body), or a "title, space,
    body" paragraph in a repeating pattern. ``len(paras)`` when there is none (the whole
    text is then the preamble)."""
    if len(paras) < 3:
        return len(paras)
    heads = [_head(p, ("plain", None), hints) for p in paras[1:]]
    spaced = _groups_ending_at_space(heads)
    heading = [_standalone_heading(p, hints) for p in paras] + [False]
    marked = [k + 1 for k, h in enumerate(heads)
              if (spaced and h.space is not None) or h.hint is not None or _level(h.para, hints) is not None
              or (heading[k + 1] and k + 2 < len(paras) and (not heading[k + 2] or
                                                             _over_body(heading, k + 2)))]
    if len(marked) < 2:
        return len(paras)
    return marked[0]


def _over_body(heading: list[bool], k: int) -> bool:
    """Paragraph ``k`` is a heading with a body under it."""
    return heading[k] and not heading[k + 1] and k + 1 < len(heading) - 1


def _level(para: _Para, hints: dict[int, TitleHint]) -> int | None:
    hint = hints.get(para.first.start)
    return hint.level if hint is not None and hint.end >= para.end else None


def _unnumbered_groups(paras: list[_Para], hints: dict[int, TitleHint]) -> list[_Group]:
    """Sections of an unnumbered plan.

    Standalone headings are sections when the document says so (the highest of two
    heading levels), when a heading stands over another heading, or when the paragraphs
    under them are "title, space, body" items; otherwise the headings are items of one
    implicit section.
    """
    if not paras:
        return []
    heading = [_standalone_heading(p, hints) for p in paras]
    levels = [_level(p, hints) if h else None for p, h in zip(paras, heading)]
    distinct = {lv for lv in levels if lv is not None}
    if len(distinct) >= 2:
        top = min(distinct)
        is_section = [lv == top for lv in levels]
    else:
        is_section = [h and k + 1 < len(paras) and heading[k + 1] for k, h in enumerate(heading)]
        if not any(is_section):
            plain = [_head(p, ("plain", None), hints) for p, h in zip(paras, heading) if not h]
            if _groups_ending_at_space(plain):
                is_section = heading
    return _group_by_section(paras, is_section)


def _lone_plain_items(groups: list[_Group]) -> None:
    """A section whose only paragraph reads "title：body" or "title body" holds one item
    when its sibling sections hold such unnumbered items ("改进工作作风：深入基层……")."""
    plain = [g for g in groups if g.items and g.items[0][0].first.role is None]
    if len(plain) < 2:
        return
    for g in groups:
        if g.heading is not None and not g.items and len(g.intro) == 1:
            para = g.intro[0]
            if colon_boundary(para.text) is not None or space_boundary(para.first.content, 0) is not None:
                g.items, g.intro = [[para]], []


def _layout(group: _Group, hints: dict[int, TitleHint]) -> None:
    """Split a section's paragraphs into intro and items.

    Numbered items start at their markers. Unnumbered paragraphs under a section are its
    items; a standalone heading among them (a title alone on its line) opens an item
    that holds the paragraphs after it, and a lead-in ending with a colon is the intro.
    """
    members = group.members
    starts = [k for k, p in enumerate(members) if p.first.role == "item"]
    if not starts and len(members) >= 2:
        headed = [k for k, p in enumerate(members[:-1])
                  if _standalone_heading(p, hints) and not _standalone_heading(members[k + 1], hints)]
        if headed:
            starts = headed
        else:
            lead_in = 1 if len(members) >= 3 and members[0].text[-1] in "：:" else 0
            starts = list(range(lead_in, len(members)))
    if not starts:
        group.intro = members
        return
    group.intro = members[:starts[0]]
    group.items = [members[k:stop] for k, stop in zip(starts, starts[1:] + [len(members)])]


def _title_line(plan: Plan, first: _Para, paras: list[_Para], hints: dict[int, TitleHint]) -> bool:
    """Take the plan's title from its first paragraph: a short line alone, or a short
    title that shares its line with the preamble ("2022 年统战工作要点 坚持以……")."""
    text = plan.text
    if _looks_like_title(first, len(paras) - 1):
        title_end = paras[1].start if len(paras) > 1 else len(text)
        plan.title = first.text
        plan.title_span = (first.start, _end_before(title_end, text))
        return True
    if first.first.family is not None or len(paras) < 2:
        return False
    ln = first.first
    hint = hints.get(ln.start)
    if hint is not None and ln.start < hint.end < ln.end:
        cut = (hint.end, hint.end)
    else:
        gap = space_boundary(ln.content, 0)
        if gap is None:
            return False
        cut = (ln.start + gap[0], ln.start + gap[1])
    title = first.text[:first.index(cut[0])]
    if not title or any(ch in _CLAUSE_END + "，," for ch in title) or len(title) > _MAX_TITLE_LINE:
        return False
    body = first.index(cut[1])
    if not any(ch in _SENTENCE_END for ch in first.text[body:]):
        return False  # what follows must read as sentences
    plan.title = title.strip()
    plan.title_span = (first.start, _end_before(cut[1], text))
    plan.preamble = first.text[body:].strip()
    plan.preamble_span = (first.offset(body), first.end)
    return True


def _make_section(g: _Group, text: str, ordinal: int, next_start: int,
                  heads: dict[int, _Head], at_space: set) -> Section:
    end = _end_before(next_start, text)
    rest = ""
    if g.heading is not None:
        marker = _marker_of(g.heading)[0]
        split = _split(heads[id(g.heading)], at_space)
        title, body_at = split.title, split.body
        while body_at < len(g.heading.text) and g.heading.text[body_at].isspace():
            body_at += 1
        rest = g.heading.text[body_at:].rstrip()
        start = g.heading.start
        heading_end = g.heading.offset(body_at) if rest else g.heading.end
        number = g.heading.first.number or ordinal
    else:
        marker, title, number = "", "", ordinal
        start = heading_end = g.members[0].start
    body_parts = ([rest] if rest else []) + [p.text for p in g.intro]
    first_item_start = g.items[0][0].start if g.items else next_start
    body_end = _end_before(first_item_start, text) if body_parts else heading_end
    if not g.items and g.heading is not None:
        heading_end = min(heading_end, end)
        body_end = end if body_parts else heading_end
    if not body_parts:
        heading_end = _end_before(first_item_start, text) if g.items else end
        body_end = heading_end
    heading_end = max(start, heading_end)
    body_end = max(heading_end, body_end)
    items: list[Item] = []
    for n, group in enumerate(g.items):
        stop = g.items[n + 1][0].start if n + 1 < len(g.items) else next_start
        items.append(_make_item(group, _end_before(stop, text), heads, at_space))
    return Section(marker=marker, number=number, title=title, body="\n".join(body_parts),
                   start=start, heading_end=heading_end, body_end=body_end, end=end, items=items)
