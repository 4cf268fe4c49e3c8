"""Quantified targets and deadlines in task items: 100%、2件以上、每年至少两次、“七一”前后、年底前…

Five kinds:

* 比例 — 100%、百分之九十、全覆盖;
* 数量 — 2件以上、4批次、一期培训班、3个、5项（个 and 项 only after Arabic digits: “两个确立”
  “四个意识”“八项规定” are names, not counts; 一 only with 次/期/轮: 一批、一项 are not targets);
* 频次 — 每年至少两次、每季度、按月、一年两次;
* 时间节点 — “七一”前后、元旦春节……等节假日之前、全年、上半年、年中、6月份;
* 期限 — 年底前、年底完成、年内、6月底前、9月30日前.

Counts and ratios inside quotation marks (activity names such as “百名书记上党课”)
and anything inside 《》 are skipped; numerals after 第 or 届 (第一议题、十九届六中全会、
六届二次全会) and years (2022年) never match.

>>> [(c.kind, c.wording) for c in find_commitments("每年度至少两次听取汇报，党员报到100%，“七一”前后开展测试。")]
[('频次', '每年度至少两次'), ('比例', '100%'), ('时间节点', '“七一”前后')]
>>> find_commitments("坚持第一议题制度，学习党的二十大和十九届六中全会精神，做到“两个维护”。")
[]
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from collections.abc import Iterable
from typing import Any

import pandas as pd

from .normalize import display_span, fold, fold_with_map

RATIO, COUNT, FREQUENCY, TIME_POINT, DEADLINE = "比例", "数量", "频次", "时间节点", "期限"
KINDS = (RATIO, COUNT, FREQUENCY, TIME_POINT, DEADLINE)
COMMITMENT_COLUMNS = ["plan_id", "organ", "year", "item_id", "marker", "title", "kind", "wording",
                      "start", "end", "context"]

_CN = "一二两三四五六七八九十百千"
_NUM = rf"(?:\d+|[{_CN}]+)"
_NOT_AFTER = rf"(?<![第届\d{_CN}.．])"
_MORE = r"(?:及以上|以上|以内|以下|左右)?"
_UNITS = r"(?:批次|场次|人次|学时|课时|小时|件|次|批|期|场|轮|名|篇|堂|天|人|户|条)"
_MONTH = r"(?:1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])"
_FESTIVAL = r"(?:“七一”|七一|“五一”|元旦|春节|清明|端午|中秋|国庆|五一)"
_QUARTER = r"(?:第?[一二三四1-4]季度)"

_PATTERNS: list[tuple[str, re.Pattern]] = [
    (RATIO, re.compile(rf"{_NOT_AFTER}\d+(?:\.\d+)?%|百分之[{_CN}]+(?:点[{_CN}]+)?|全覆盖")),
    (FREQUENCY, re.compile(
        rf"(?:每|逐|按)(?:年度|半年|季度|年|季|月|周|星期)(?:(?:至少|不少于|不低于)?{_NUM}次(?:以上)?)?"
        rf"|{_NOT_AFTER}(?:一|每|半)(?:年|季度|月|周){_NUM}次")),
    (DEADLINE, re.compile(
        rf"(?:{_NOT_AFTER}{_MONTH}月(?:底|\d{{1,2}}日|[{_CN}]{{1,3}}日|中旬|上旬|下旬)?|年底|年末|年内|{_QUARTER}末?)"
        r"(?:之前|以前|前(?!后)|完成)"
        r"|年内|年底前")),
    (TIME_POINT, re.compile(
        rf"{_FESTIVAL}(?:[、和及]?{_FESTIVAL})*(?:等?节假日)?(?:之?前后|之前|前|期间)?"
        rf"|上半年|下半年|全年|年初|年中|年末|年底|{_QUARTER}"
        rf"|{_NOT_AFTER}{_MONTH}月(?:份|底|初|中旬|上旬|下旬)")),
    (COUNT, re.compile(
        rf"{_NOT_AFTER}(?:\d+(?:{_UNITS}|个|项)|[二两三四五六七八九十百千][{_CN}]*{_UNITS}|一(?:批次|场次|次|期|轮)(?!性)){_MORE}")),
]
# Festivals only count as dates next to 前/前后/期间/节假日 or in quotes (“七一”); a bare 七一 is a number.
_BARE_FESTIVAL = re.compile(r"^(?:七一|五一)$")
_QUOTED = re.compile(r"“[^“”]*”|\"[^\"]*\"|「[^「」]*」")
_TITLE = re.compile(r"《[^《》]*》")
_SENTENCE = re.compile(r"[^。；;！!？?]*[。；;！!？?]?")
_QUOTE_SENSITIVE = {RATIO, COUNT, FREQUENCY}


@dataclass(frozen=True)
class Commitment:
    """A target or deadline: ``text[start:end] == wording`` in the text searched."""

    kind: str
    wording: str
    start: int
    end: int


def find_commitments(text: str) -> list[Commitment]:
    """Commitments in ``text``, in order of appearance, none overlapping (longest wins).

    >>> [(c.kind, c.wording) for c in find_commitments("年底前完成换届，全年计划组织4批次。")]
    [('期限', '年底前'), ('时间节点', '全年'), ('数量', '4批次')]
    """
    folded = fold(text)
    kept = _matches(folded)
    if not kept:  # most items: skip the character map, the slow part
        return []
    mapped, index_map = fold_with_map(text)
    if mapped != folded:
        kept = _matches(mapped)
    out = []
    for s, e, kind in sorted(kept):
        start, end = display_span(index_map, s, e)
        out.append(Commitment(kind, text[start:end], start, end))
    return out


def _matches(folded: str) -> list[tuple[int, int, str]]:
    """Non-overlapping (start, end, kind) in folded text, longest first at each start."""
    quoted = [m.span() for m in _QUOTED.finditer(folded)]
    titles = [m.span() for m in _TITLE.finditer(folded)]
    found: list[tuple[int, int, str]] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(folded):
            s, e = m.span()
            if e == s or _BARE_FESTIVAL.match(m.group()):
                continue
            if any(a <= s and e <= b for a, b in titles):
                continue
            if kind in _QUOTE_SENSITIVE and any(a < s and e < b for a, b in quoted):
                continue
            found.append((s, e, kind))
    found.sort(key=lambda f: (f[0], -(f[1] - f[0]), KINDS.index(f[2])))
    kept: list[tuple[int, int, str]] = []
    for s, e, kind in found:
        if all(e <= ks or s >= ke for ks, ke, _ in kept):
            kept.append((s, e, kind))
    return kept


def commitments(lib: Any, plan_id: str | None = None,
                plan_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """Every commitment in the task items of ``plan_id``, of ``plan_ids``, or of the whole library.

    ``start``/``end`` are offsets in the item's ``text``; ``context`` is the clause around it.

    >>> commitments(lib, "000_c066458c1de48185")[["title", "kind", "wording"]]  # doctest: +SKIP
    >>> commitments(lib, plan_ids=["000_c066458c1de48185", "001_…"])            # doctest: +SKIP
    """
    items = lib.items
    if plan_id is not None:
        if plan_id not in set(lib.plans["plan_id"]):
            raise KeyError(f"计划库中没有编号为 {plan_id} 的计划")
        items = items[items["plan_id"] == plan_id]
    if plan_ids is not None:
        items = items[items["plan_id"].isin(set(plan_ids))]
    columns = ("plan_id", "organ", "year", "item_id", "marker", "title", "text")
    rows = []
    # Plain column lists: iterating Arrow-backed rows one at a time is slow in pandas 3.
    for pid, organ, year, item_id, marker, title, text in zip(*(items[c].tolist() for c in columns)):
        for c in find_commitments(text):
            rows.append((pid, organ, year, item_id, marker, title,
                         c.kind, c.wording, c.start, c.end, _clause(text, c.start, c.end)))
    out = pd.DataFrame(rows, columns=COMMITMENT_COLUMNS)
    out["year"] = out["year"].astype("Int64")
    out["start"] = out["start"].astype("int64")
    out["end"] = out["end"].astype("int64")
    return out


def _clause(text: str, start: int, end: int) -> str:
    for m in _SENTENCE.finditer(text):
        if m.start() <= start < max(m.end(), m.start() + 1) and m.group():
            return m.group().strip()
    return text[start:end]


__all__ = ["commitments", "find_commitments", "Commitment", "KINDS", "RATIO", "COUNT", "FREQUENCY",
           "TIME_POINT", "DEADLINE", "COMMITMENT_COLUMNS"]
