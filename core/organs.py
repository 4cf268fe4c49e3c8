"""The organ and year a plan names in its opening text or in a Chinese file name.

An organ is only taken where official documents name one: at the start of the title
line or of a sentence, or right after the year ("2022年市委政研室机关党建工作……",
"xx镇2022年党建工作要点", "2022年度区局机关党建工作总体要求是"), and it must end
with the kind of body it is (镇, 局, 办, 委员会, 单位, 机关…), optionally followed by
letters or digits ("并发单位00"). Anything else ("压实" in "压实党建工作责任", a
pinyin file name) is not a name, and the caller reports 未命名单位.

>>> find_organ("2022年市委政研室机关党的建设工作的总体要求是：……")
('市委政研室', 2022)
>>> find_organ("xx 镇 2020 年党建工作要点")
('xx镇', 2020)
>>> find_organ("压实党建工作责任，推动……")
('', None)
"""
from __future__ import annotations

import re

# Kinds of body an organ's name ends with, longest first so "委员会" wins over "会".
_KINDS = tuple(sorted((
    "委员会", "办公室", "联合会", "工会", "研究室", "委", "办", "室", "局", "厅", "部", "处", "科",
    "所", "站", "中心", "院", "馆", "校", "大学", "学院", "医院", "公司", "集团", "协会", "团委",
    "妇联", "党委", "党组", "工委", "支部", "总支", "街道", "社区", "镇", "乡", "村", "区", "县",
    "市", "省", "州", "单位", "直机关", "署", "大队", "支队", "政府", "人大", "政协", "管委会", "办事处", "海关",
), key=len, reverse=True))
_NAME = re.compile(r"[\u4e00-\u9fffA-Za-z0-9Ａ-Ｚａ-ｚ０-９*＊]{2,30}")
_YEAR = re.compile(r"(20\d\d|２０[０-９]{2})年度?")
# Where official documents name their organ: the start of a line of the opening (the
# title), right after the year, or the start of a sentence of the opening paragraph.
_LINE_OR_YEAR_OR_SENTENCE = re.compile(r"(?P<line>^|(?<=\n))|(?P<year>(?:20\d\d|２０[０-９]{2})年度?)"
                                       r"|(?P<sentence>(?<=[。！？]))")
# What follows a name in a title ("…2022年", "…机关党建工作", "…统战工作要点") …
_AFTER_IN_TITLE = re.compile(r"(?:20\d\d|２０[０-９]{2})|机关|党|[^\s，,。；]{0,8}?工作|\n|$")
# … and in a running sentence, where only "…(2022年)(机关)党的建设工作" is evidence enough.
_AFTER_IN_SENTENCE = re.compile(r"(?:(?:20\d\d|２０[０-９]{2})年度?)?(?:机关)?(?:党的建设|党建)工作")
_LEADING_FORMULA = re.compile(r"^(?:关于印发|关于|印发)")
_DETERMINERS = "全各本我该此其"  # "全市", "本局": a reference, not a name
_OPENING_CHARS = 600
_FIRST_SECTION = re.compile(r"\n[ \t\u3000]*(?:[一二三四五六七八九十]+[、.．]|第[一二三四五六七八九十]+部分)")
_SPACE_IN_LINE = re.compile(r"(?<=\S)[^\S\n]+(?=\S)")


def opening(text: str) -> str:
    """The plan's opening: its first 600 characters, up to the first section heading."""
    head = text[:_OPENING_CHARS]
    m = _FIRST_SECTION.search(head)
    return head[:m.start()] if m else head


def _squeeze(text: str) -> str:
    """Spaces inside lines removed ("xx 镇 2020 年" is "xx镇2020年"), lines kept."""
    return _SPACE_IN_LINE.sub("", text.strip())


def _is_kind_end(run: str, end: int) -> bool:
    """``run[:end]`` ends with a kind of body, optionally followed by letters or digits
    that are not the plan's year ("并发单位00", not "市交通局2021年")."""
    stop = end
    while stop > 0 and (run[stop - 1].isascii() and run[stop - 1].isalnum() or "０" <= run[stop - 1] <= "９"):
        stop -= 1
    if stop < end and _YEAR.match(run, stop):
        return False
    return stop >= 2 and run[:stop].endswith(_KINDS)


def _name_at(text: str, start: int, after: re.Pattern[str]) -> str:
    """The longest organ name starting at ``start`` followed by what ``after`` accepts."""
    m = _NAME.match(text, start)
    if not m:
        return ""
    run = m.group()
    best = ""
    for end in range(2, len(run) + 1):
        if end < len(run) and run[end].isascii() and run[end].isalnum() and run[end - 1].isascii():
            continue  # "并发单位0" is no name when "并发单位00" is
        if _YEAR.search(run, 0, end) or not _is_kind_end(run, end):
            continue
        if after.match(text, start + end):
            best = run[:end]
    return _clean(best)


def _clean(name: str) -> str:
    bare = _LEADING_FORMULA.sub("", name)
    name = bare if len(bare) >= 2 else name
    if len(name) < 2 or name[0] in _DETERMINERS:
        return ""
    return name


def find_organ(text: str) -> tuple[str, int | None]:
    """(organ, year of its title or sentence) named in the opening ``text``; ("", None) if none."""
    text = _squeeze(text)
    first_line_end = text.find("\n") if "\n" in text else len(text)
    for m in _LINE_OR_YEAR_OR_SENTENCE.finditer(text):
        if m.group("sentence") is not None:
            if m.start() > first_line_end:
                continue  # a sentence of the opening paragraph only
            after = _AFTER_IN_SENTENCE
        else:
            after = _AFTER_IN_TITLE
        name = _name_at(text, m.end(), after)
        if name:
            y = _YEAR.match(m.group("year") or "") or _YEAR.match(text, m.end() + len(name))
            return name, _year_value(y.group(1)) if y else None
    return "", None


def first_year(text: str) -> int | None:
    """The first "20xx年" in ``text``."""
    y = _YEAR.search(_squeeze(text))
    return _year_value(y.group(1)) if y else None


def _year_value(digits: str) -> int:
    return int(digits.translate({cp: cp - 0xFEE0 for cp in range(0xFF10, 0xFF1A)}))


_FILE_YEAR = re.compile(r"(?<![0-9A-Za-z])(20\d\d)(?!\d)")
_HAS_CJK = re.compile(r"[\u4e00-\u9fff]")


def file_organ(stem: str) -> str:
    """An organ named in a Chinese file name ("市委政研室2022年党建工作要点"); "" otherwise."""
    if not _HAS_CJK.search(stem):
        return ""  # a pinyin or hashed name is no organ's name
    parts = [p for p in re.split(r"[_\-\s.（）()\[\]【】]+", stem) if p]
    for part in parts:
        organ, _ = find_organ(part)
        if organ:
            return organ
    return ""


def file_year(stem: str) -> int | None:
    m = _FILE_YEAR.search(stem)
    return int(m.group(1)) if m else None
