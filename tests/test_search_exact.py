"""Exact mode: complete recall and precision against a brute-force scan of folded text."""
from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unittest import mock

import core.search as search_module
from core.normalize import fold
from core.search import RESULT_COLUMNS, SearchIndex, highlight_html, kwic

TEXTS = {
    "a": ["严格落实“三会一课”制度，开展主题党日活动。",
          "建立青年理论学习小组，推动理论学习走深走实。",
          "坚持以习近平新时代中国特 色社会主义思想为指导。",
          "ＸＸ 同志讲党课，XXX支部书记谈心谈话。"],
    "b": ["落实意识形态工作责任制，压实一岗双责。",
          "加强党风廉政建设，建设清廉机关。党员干部廉洁自律。",
          "开展谈心谈话，三会一课按时召开。x x 与 X X 不是 xx。"],
    "c": ["<script>alert(1)</script>主题党日&amp;<img src=x onerror=alert(1)>",
          "党党党，党建引领。aaa 与 AAA。"],
}


def make_items(texts: dict[str, list[str]] = TEXTS) -> pd.DataFrame:
    rows = []
    for plan_order, (plan, plan_texts) in enumerate(texts.items()):
        for item_order, text in enumerate(plan_texts):
            rows.append({"item_id": f"{plan}-{item_order}", "plan_id": plan, "organ": f"机关{plan}",
                         "year": 2022 if plan != "c" else 2023, "section_dimension": "组织建设",
                         "themes": ("t1",) if item_order % 2 == 0 else ("t2",),
                         "section_marker": "一、", "section_title": "标题", "marker": f"{item_order + 1}.",
                         "title": text[:8], "text": text, "plan_order": plan_order, "item_order": item_order})
    return pd.DataFrame(rows)


ITEMS = make_items()
INDEX = SearchIndex(ITEMS)


def brute_force(items: pd.DataFrame, query: str) -> set[str]:
    q = fold(query)
    return {i for i, t in zip(items["item_id"], items["text"]) if q and q in fold(t)}


def check_exact(index: SearchIndex, items: pd.DataFrame, query: str) -> None:
    result = index.search(query)
    assert set(result["item_id"]) == brute_force(items, query)
    q = fold(query)
    for row in result.itertuples():
        assert row.score == fold(row.text).count(q) == len(row.spans)
        for start, end in row.spans:
            assert fold(row.text[start:end]) == q


@pytest.mark.parametrize("query", ["三会一课", "党", "廉", "课制", "会一", "谈心谈话", "理论学习",
                                   "责任制，压", "特色社会", "xx", "XXX", "aa", "不存在的词", "&amp;"])
def test_exact_matches_brute_force(query):
    check_exact(INDEX, ITEMS, query)


def test_space_inside_chinese_word_is_folded():
    assert set(INDEX.search("中国特色")["item_id"]) == {"a-2"}
    assert set(INDEX.search("中国特 色")["item_id"]) == {"a-2"}
    spans = INDEX.search("特色")["spans"].iloc[0]
    start = ITEMS.set_index("item_id").loc["a-2", "text"].index("特 色")
    assert spans == [(start, start + 3)]  # display offsets cover the stray space


def test_width_folding():
    # ＸＸ, XXX and xx fold alike; "Ｘ Ｘ" folds to "x x" because fold keeps a space between Latin letters.
    assert set(INDEX.search("ＸＸ")["item_id"]) == {"a-3", "b-2"}
    assert set(INDEX.search("xx同志")["item_id"]) == {"a-3"}
    assert set(INDEX.search("Ｘ Ｘ")["item_id"]) == {"b-2"}
    assert INDEX.search("ＸＸ同志")["spans"].iloc[0] == [(0, 5)]


def test_every_occurrence_is_a_span_and_score_counts_them():
    result = INDEX.search("党")
    row = result.set_index("item_id").loc["c-1"]
    assert row["spans"] == [(0, 1), (1, 2), (2, 3), (4, 5)]
    assert row["score"] == 4
    assert result["item_id"].iloc[0] == "c-1"  # most occurrences first


def test_ties_keep_plan_then_item_order():
    result = INDEX.search("三会一课")
    assert result["item_id"].tolist() == ["a-0", "b-2"]


def test_filters():
    assert set(INDEX.search("党", organs=["机关a"])["item_id"]) == {"a-0", "a-3"}
    assert set(INDEX.search("党", years=[2023])["item_id"]) == {"c-0", "c-1"}
    assert set(INDEX.search("党", themes=["t2"])["item_id"]) == {"a-3", "b-1", "c-1"}
    assert INDEX.search("党", dimensions=["思想建设"]).empty
    assert len(INDEX.search("党", limit=2)) == 2


@pytest.mark.parametrize("query", ["", "   ", "\u3000", "\n"])
def test_blank_query_gives_empty_result_with_columns(query):
    result = INDEX.search(query)
    assert result.empty and list(result.columns) == RESULT_COLUMNS


def test_kwic_columns_and_one_row_per_occurrence():
    result = INDEX.search("三会一课")
    first = result.iloc[0]
    assert first["kwic_match"] == "三会一课"
    assert first["kwic_left"].endswith("严格落实“")
    assert first["kwic_right"].startswith("”制度")
    per_occurrence = kwic(INDEX.search("党"), width=3)
    assert len(per_occurrence) == sum(len(s) for s in INDEX.search("党")["spans"])


def test_xss_snippet_escapes_markup_and_marks_matches():
    result = INDEX.search("主题党日")
    html = result.set_index("item_id").loc["c-0", "snippet_html"]
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&amp;amp;" in html
    assert "<mark>主题党日</mark>" in html
    assert html.replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_search_for_markup_marks_escaped_text():
    html = INDEX.search("<script>")["snippet_html"].iloc[0]
    assert "<mark>&lt;script&gt;</mark>" in html
    assert highlight_html("<b>x</b>", [(3, 4)]) == "&lt;b&gt;<mark>x</mark>&lt;/b&gt;"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_substrings_match_brute_force(data):
    texts = ITEMS["text"].tolist()
    text = data.draw(st.sampled_from(texts))
    length = data.draw(st.integers(1, 12))
    start = data.draw(st.integers(0, max(0, len(text) - 1)))
    query = text[start:start + length]
    if not fold(query):
        return
    check_exact(INDEX, ITEMS, query)


ALPHABET = list("党建三会一课中国特色xX Ｘ　\n，。ａA<&")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(alphabet=ALPHABET, min_size=0, max_size=30), min_size=1, max_size=8),
       st.text(alphabet=ALPHABET, min_size=1, max_size=6))
def test_random_corpora_match_brute_force(texts, query):
    items = make_items({"p": texts})
    check_exact(SearchIndex(items), items, query)


# Small segments, the position-based decision for every candidate (no sparse shortcut)
# and positions that saturate early, so tiny corpora exercise the paths large ones take.
KNOBS = {"SEGMENT_ROWS": 4, "_SPARSE_CANDIDATES": 0, "_POS_UNKNOWN": 7}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=ALPHABET, min_size=0, max_size=30), min_size=1, max_size=12),
       st.text(alphabet=ALPHABET, min_size=1, max_size=6))
def test_random_corpora_match_brute_force_on_large_index_paths(texts, query):
    with mock.patch.multiple(search_module, **KNOBS):
        items = make_items({"p": texts})
        check_exact(SearchIndex(items), items, query)


def test_large_index_paths_on_fixture_texts():
    with mock.patch.multiple(search_module, **KNOBS):
        index = SearchIndex(ITEMS)
        assert len(index._state.segments) > 1
        for text in ITEMS["text"]:
            for start in range(0, len(text), 3):
                for length in (1, 2, 3, 5, 8):
                    check_exact(index, ITEMS, text[start:start + length])


@pytest.mark.parametrize("text, present", [("xxxxxabzzzbc", False), ("xxxxxxabc", True),
                                           ("abab", False), ("zabcabc", True), ("ab_bc_abc", True)])
def test_positions_past_the_recorded_range_are_checked_in_text(text, present):
    with mock.patch.multiple(search_module, **KNOBS):
        items = make_items({"p": [text, "abc", "ab bc"]})
        check_exact(SearchIndex(items), items, "abc")
        assert ("p-0" in set(SearchIndex(items).search("abc")["item_id"])) == present
