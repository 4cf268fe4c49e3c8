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
    ("paren_num", re.compile(rf"[（(]\s*([{_DIGITS}]{{1,3}})\s*[）)]\s*")),
    ("num_rparen", re.compile(rf"([{_DIGITS}]{{1,3}})\s*[）)]\s*")),
    ("circled", re.compile(r"([①-⑳])\s*")),
]
_RANK = {name: rank for rank, (name, _) in enumerate(_FAMILIES)}
_SECTION_FAMILIES = ("part", "cn")

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
_SPACE_BETWEEN_WIDE = re.compile(r"(?<=[^\x00-\x7f])\s+(?=[^\x00-\x7f])")
_RUN_IN_ORDINALS = ["一是", "二是", "三是", "四是", "五是", "六是", "七是", "八是", "九是", "十是"]
_RUN_IN_SEQUENCES = [
    _RUN_IN_ORDINALS,
    ["第一，", "第二，", "第三，", "第四，", "第五，", "第六，"],
    ["首先", "其次", "再次", "最后"],
]
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


def _clean_line(content: str, start: int) -> tuple[str, list[int]]:
    """Display form of one line (spaces between CJK characters removed), with offsets."""
    chars: list[str] = []
    offsets: list[int] = []
    last = 0
    for m in _SPACE_BETWEEN_WIDE.finditer(content):
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
    real = [f for f, n in runs.items() if n >= 2 or last[f] == 1]
    return sorted(real, key=_RANK.__getitem__)


def _section_family(families: list[str]) -> str | None:
    return families[0] if families and families[0] in _SECTION_FAMILIES else None


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


def _build_paragraphs(lines: list[_Line], debris: set[int]) -> list[_Para]:
    kept = [ln for i, ln in enumerate(lines) if i not in debris]
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


def _first_sentence_end(text: str) -> int | None:
    """Index of the first sentence-ending mark outside quotes and brackets."""
    depth = 0
    for i, ch in enumerate(text):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif ch in _SENTENCE_END and depth == 0:
            return i
    return None


def _strip_end(text: str) -> str:
    return text.strip().rstrip("。！？!?；;").strip()


def _marker_of(para: _Para) -> tuple[str, str]:
    """(marker as written, display text after the marker)."""
    n = para.first.marker_len
    marker = para.first.content[:n].strip()
    after = para.first.start + n
    skip = next((i for i, off in enumerate(para.offsets) if off >= after), len(para.text))
    return marker, para.text[skip:].lstrip()


def _run_in_points(text: str, offsets: list[int], end: int) -> list[Point]:
    """Points written in the running text: 一是…二是…, 第一，…第二，…, 首先…其次…"""
    for ordinals in _RUN_IN_SEQUENCES:
        found: list[tuple[int, str]] = []
        pos = 0
        for ordinal in ordinals:
            i = text.find(ordinal, pos)
            if i < 0:
                break
            found.append((i, ordinal))
            pos = i + len(ordinal)
        if len(found) >= 2:
            bounds = [i for i, _ in found] + [len(text)]
            return [
                Point(marker=ordinal, text=text[bounds[k]:bounds[k + 1]].strip(),
                      start=offsets[bounds[k]],
                      end=offsets[bounds[k + 1]] if bounds[k + 1] < len(offsets) else end)
                for k, (_, ordinal) in enumerate(found)
            ]
    return []


def _make_item(paras: list[_Para], end: int) -> Item:
    head = paras[0]
    marker, first_text = _marker_of(head) if head.first.family else ("", head.text)
    stop = _first_sentence_end(first_text)
    title = _strip_end(first_text[:stop] if stop is not None else first_text)
    pieces = [(first_text, head, len(head.text) - len(first_text))] + [(p.text, p, 0) for p in paras[1:]]
    texts: list[str] = []
    offsets: list[int] = []
    for piece, para, skip in pieces:
        if not piece:
            continue
        if texts:
            texts.append("\n")
            offsets.append(para.start)
        texts.append(piece)
        span = para.offsets[skip:skip + len(piece)]  # = para.offset(skip + i) for each i
        offsets.extend(span)
        offsets.extend([para.end] * (len(piece) - len(span)))
    text = "".join(texts)
    points = [Point(*_marker_of(para), para.start, para.end)
              for para in paras[1:] if para.first.role == "point"]
    if not points:
        points = _run_in_points(text, offsets, end)
    return Item(marker=marker, number=head.first.number if head.first.family else None,
                title=title, text=text, start=head.start, end=end, points=points)


def _split_heading(para: _Para) -> tuple[str, str, int]:
    """Section (title, rest of the heading paragraph, offset where the rest starts)."""
    marker_text = _marker_of(para)[1] if para.first.family else para.text
    skip = len(para.text) - len(marker_text)
    stop = _first_sentence_end(marker_text)
    if stop is not None and stop < len(marker_text) - 1:
        rest = marker_text[stop + 1:].strip()
        return _strip_end(marker_text[:stop]), rest, para.offset(skip + stop + 1)
    return _strip_end(marker_text), "", para.end


def _looks_like_title(para: _Para, following: int) -> bool:
    text = para.text
    return (following > 0 and para.first.family is None and len(text) <= _MAX_TITLE_LINE
            and text[-1] not in _CLAUSE_END and "。" not in text)


def _end_before(next_start: int, text: str) -> int:
    """Offset just after the last non-blank character before ``next_start``."""
    end = next_start
    while end > 0 and text[end - 1].isspace():
        end -= 1
    return end


def normalize_newlines(text: str) -> str:
    """The plan text offsets refer to: BOM removed, line endings unified to "\\n"."""
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def parse_plan(text: str) -> Plan:
    """Parse a plan's text. Never raises; unrecognised structure becomes the preamble."""
    text = normalize_newlines(text)
    plan = Plan(text=text)
    lines = _split_lines(text)
    if not lines:
        plan.warnings.append("文件没有正文内容，请检查是否选错了文件。")
        return plan
    debris = _find_debris(lines)
    kept_lines = [ln for i, ln in enumerate(lines) if i not in debris]
    for ln in kept_lines:
        _detect_marker(ln)
    _assign_roles(kept_lines, _real_families(kept_lines), plan.warnings)
    paras = _build_paragraphs(lines, debris)
    plan.debris = [(lines[i].start, lines[i].end) for i in sorted(debris)]
    if debris:
        plan.warnings.append(f"已去除 {len(debris)} 行页码或页眉。")
    _build_tree(plan, paras)
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


def _build_tree(plan: Plan, paras: list[_Para]) -> None:
    text = plan.text
    is_section = [p.first.role == "section" for p in paras]
    is_item = [p.first.role == "item" for p in paras]
    if not any(is_section) and not any(is_item):
        plan.warnings.append("未识别出章节和条目编号（如“一、”“（一）”“1.”），全文作为前言保存，请检查文件格式。")
    first_struct = next((i for i, p in enumerate(paras) if is_section[i] or is_item[i]), len(paras))

    head = paras[:first_struct]
    body_start = 0
    if head and _looks_like_title(head[0], len(paras) - 1):
        title_end = paras[1].start if len(paras) > 1 else len(text)
        plan.title = head[0].text
        plan.title_span = (head[0].start, _end_before(title_end, text))
        body_start = 1
    preamble = head[body_start:]
    if preamble:
        plan.preamble = "\n".join(p.text for p in preamble)
        stop = paras[first_struct].start if first_struct < len(paras) else len(text)
        plan.preamble_span = (preamble[0].start, _end_before(stop, text))

    # Group the rest: sections hold item groups; a plan numbered only at item level gets one
    # implicit section so that its items are still items.
    groups: list[tuple[_Para | None, list[_Para]]] = []
    for i in range(first_struct, len(paras)):
        if is_section[i] or not groups:
            groups.append((paras[i] if is_section[i] else None, []))
            if is_section[i]:
                continue
        groups[-1][1].append(paras[i])
    if groups and groups[0][0] is None:
        plan.warnings.append("未识别出一级标题（如“一、”），所有条目归入同一章节。")
    starts = [(g[0] or g[1][0]).start for g in groups] + [len(text)]
    for g, (heading, members) in enumerate(groups):
        plan.sections.append(_make_section(heading, members, text, len(plan.sections) + 1,
                                           starts[g + 1]))


def _make_section(heading: _Para | None, members: list[_Para], text: str,
                  ordinal: int, next_start: int) -> Section:
    end = _end_before(next_start, text)
    if heading is not None:
        marker = _marker_of(heading)[0]
        title, rest, rest_start = _split_heading(heading)
        start, heading_end = heading.start, heading.end if not rest else rest_start
        number = heading.first.number or ordinal
    else:
        marker, title, rest, number = "", "", "", ordinal
        start = heading_end = members[0].start
    item_starts = [k for k, p in enumerate(members) if p.first.role == "item"]
    if item_starts:
        intro, item_groups = members[:item_starts[0]], []
        for n, k in enumerate(item_starts):
            stop = item_starts[n + 1] if n + 1 < len(item_starts) else len(members)
            item_groups.append(members[k:stop])
    elif len(members) >= 2:
        # Unnumbered paragraphs under a section are its items.
        intro, item_groups = [], [[p] for p in members]
    else:
        intro, item_groups = members, []
    body_parts = ([rest] if rest else []) + [p.text for p in intro]
    first_item_start = item_groups[0][0].start if item_groups else next_start
    body_end = _end_before(first_item_start, text) if body_parts else heading_end
    if not item_groups and heading is not None:
        heading_end = min(heading_end, end)
        body_end = end if body_parts else heading_end
    if not body_parts:
        heading_end = _end_before(first_item_start, text) if item_groups else end
        body_end = heading_end
    heading_end = max(start, heading_end)
    body_end = max(heading_end, body_end)
    items: list[Item] = []
    for n, group in enumerate(item_groups):
        stop = item_groups[n + 1][0].start if n + 1 < len(item_groups) else next_start
        items.append(_make_item(group, _end_before(stop, text)))
    return Section(marker=marker, number=number, title=title, body="\n".join(body_parts),
                   start=start, heading_end=heading_end, body_end=body_end, end=end, items=items)
