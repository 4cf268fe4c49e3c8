"""Property tests: on any text, marker soup included, the parser never raises,
its ranges cover every non-blank character exactly once, and no wording is lost."""
from __future__ import annotations

import re

from hypothesis import given, settings, strategies as st

from core import parse_plan

MARKERS = ["一、", "二、", "三、", "十、", "二十、", "（一）", "(二)", "（三）", "1.", "2、", "3．", "１．",
           "(1)", "（2）", "1）", "①", "②", "第一部分", "第二部分 ", "一是", "二是", "首先", "其次"]
DEBRIS = ["- 3 -", "第 2 页", "3", "12/20", "某某机关党委文件"]
WORDS = ["加强", "党建", "工作", "中国特 色", "三会一课", "。", "，", "：", ":", "“两个确立”", "xx", "ＸＸ",
         "2022年", " ", "\u3000", "《条例》", "！", "？"]

line = st.builds(
    lambda m, ws: m + "".join(ws),
    st.sampled_from([""] * 4 + MARKERS + DEBRIS),
    st.lists(st.sampled_from(WORDS) | st.text(min_size=0, max_size=3), max_size=8),
)
soup = st.lists(line, max_size=30).map("\n".join) | st.lists(line, max_size=10).map("\r\n".join)
any_text = st.text(max_size=300)

# Marks that end a title are dropped from it (the section body starts after them).
TRIM = re.compile(r"[\s。！？!?；;：:]")


def _covered_once(plan) -> bool:
    counts = [0] * len(plan.text)
    last_end = 0
    for _, start, end in plan.spans():
        if start < last_end or end < start:
            return False
        last_end = end
        for i in range(start, end):
            counts[i] += 1
    return all(c == 1 for ch, c in zip(plan.text, counts) if not ch.isspace())


def _wording(plan) -> str:
    parts = [plan.title, plan.preamble]
    for s in plan.sections:
        parts += [s.marker, s.title, s.body]
        for it in s.items:
            parts += [it.marker, it.text]
    return TRIM.sub("", "".join(parts))


def _source_without_debris(plan) -> str:
    keep = list(plan.text)
    for start, end in plan.debris:
        keep[start:end] = [" "] * (end - start)
    return TRIM.sub("", "".join(keep))


@settings(max_examples=300, deadline=None)
@given(soup | any_text)
def test_never_raises_and_covers_every_character_once(text):
    plan = parse_plan(text)
    assert _covered_once(plan)


@settings(max_examples=300, deadline=None)
@given(soup | any_text)
def test_no_wording_is_lost_or_duplicated(text):
    plan = parse_plan(text)
    assert _wording(plan) == _source_without_debris(plan)


@settings(max_examples=100, deadline=None)
@given(soup)
def test_items_never_hold_page_numbers(text):
    plan = parse_plan(text)
    for item in plan.items:
        for ln in item.text.split("\n"):
            assert not re.fullmatch(r"-\s*\d+\s*-|第\s*\d+\s*页", ln.strip())


@settings(max_examples=200, deadline=None)
@given(soup)
def test_point_offsets_lie_inside_their_item(text):
    plan = parse_plan(text)
    for item in plan.items:
        for point in item.points:
            assert item.start <= point.start <= point.end <= item.end
