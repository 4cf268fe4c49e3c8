"""Property tests: on any text, marker soup included, the parser never raises,
its ranges cover every non-blank character exactly once, and no wording is lost;
titles that share their line with the body are found, and stray spaces are not
taken for the end of a title."""
from __future__ import annotations

import re

from hypothesis import given, settings, strategies as st

from core import parse_plan
from core.headings import TitleHint
from conftest import covered_once

MARKERS = ["一、", "二、", "三、", "十、", "二十、", "（一）", "(二)", "（三）", "1.", "2、", "3．", "１．",
           "(1)", "（2）", "1）", "①", "②", "第一部分", "第二部分 ", "一是", "二是", "首先", "其次"]
DEBRIS = ["- 3 -", "第 2 页", "3", "12/20", "某某机关党委文件"]
WORDS = ["加强", "党建", "工作", "中国特 色", "三会一课", "。", "，", "：", ":", "“两个确立”", "xx", "ＸＸ",
         "2022年", " ", "\u3000", "《条例》", "！", "？", " （一）", " 1. ", " 坚持", "\u200a"]

line = st.builds(
    lambda m, ws: m + "".join(ws),
    st.sampled_from([""] * 4 + MARKERS + DEBRIS),
    st.lists(st.sampled_from(WORDS) | st.text(min_size=0, max_size=3), max_size=8),
)
soup = st.lists(line, max_size=30).map("\n".join) | st.lists(line, max_size=10).map("\r\n".join)
any_text = st.text(max_size=300)

# Marks that end a title are dropped from it (the section body starts after them).
TRIM = re.compile(r"[\s。！？!?；;：:]")


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
    assert covered_once(plan)


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


@settings(max_examples=200, deadline=None)
@given(soup, st.lists(st.tuples(st.integers(0, 400), st.integers(0, 60), st.sampled_from([None, 0, 1])),
                      max_size=12))
def test_formatting_hints_keep_every_character_once(text, raw_hints):
    starts = [m.start() for m in re.finditer(r"(?m)^\s*\S", text)]
    hints = [TitleHint(starts[i % len(starts)] + (len(text[starts[i % len(starts)]:]) -
                                                 len(text[starts[i % len(starts)]:].lstrip())),
                       starts[i % len(starts)] + n, level) for i, n, level in raw_hints] if starts else []
    plan = parse_plan(text, hints=hints)
    assert covered_once(plan)
    assert _wording(plan) == _source_without_debris(plan)


# --- titles on the body's line, and stray spaces

CJK = "加强党建设政治理论武装组织作风纪律监督学习教育基层支部干部服务中心群众文化廉洁制度责任落实推进深化"
phrase = st.text(alphabet=CJK, min_size=3, max_size=12)
sentence = st.builds(lambda a, b: f"{a}，{b}。", st.text(alphabet=CJK, min_size=6, max_size=30),
                     st.text(alphabet=CJK, min_size=4, max_size=30))
PAREN = ["（一）", "（二）", "（三）", "（四）", "（五）", "（六）"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(phrase, sentence), min_size=2, max_size=6), phrase, st.sampled_from([" ", "\u3000", "  "]))
def test_title_space_body_lines_give_the_titles(items, section, space):
    text = f"一、{section}\n" + "".join(f"{PAREN[k]}{t}{space}{body}\n" for k, (t, body) in enumerate(items))
    plan = parse_plan(text)
    assert [it.title for it in plan.items] == [t for t, _ in items]
    assert [it.text for it in plan.items] == [f"{t}\n{body}" for t, body in items]
    assert covered_once(plan)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(phrase, sentence), min_size=3, max_size=6), st.data())
def test_a_stray_space_in_one_title_sentence_is_not_a_title_end(items, data):
    lines = [f"{k + 1}.{t}。{body}" for k, (t, body) in enumerate(items)]
    clean = parse_plan("一、学习\n" + "\n".join(lines))
    k = data.draw(st.integers(0, len(items) - 1))
    cut = data.draw(st.integers(1, len(items[k][0]) - 1))
    title = items[k][0]
    lines[k] = f"{k + 1}.{title[:cut]} {title[cut:]}。{items[k][1]}"
    spaced = parse_plan("一、学习\n" + "\n".join(lines))
    assert [it.title for it in spaced.items] == [it.title for it in clean.items] == [t for t, _ in items]


@settings(max_examples=100, deadline=None)
@given(phrase, phrase, sentence, st.sampled_from(["（一）", "(一)", "1. ", "1、"]))
def test_a_heading_line_carrying_the_next_level_is_split(section, title, body, marker):
    second = "（二）" if "一" in marker else "2. "
    text = f"一、{section} {marker}{title} {body}\n{second}{title} {body}\n"
    plan = parse_plan(text)
    assert [s.title for s in plan.sections] == [section]
    assert [it.title for it in plan.items] == [title, title]
    assert covered_once(plan)
