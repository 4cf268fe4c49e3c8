"""Similar mode: character-bigram TF-IDF cosine, other plans only, scores in [0, 1]."""
from __future__ import annotations

import pandas as pd
import pytest

from core.search import SearchIndex

ITEMS = pd.DataFrame([
    {"item_id": "a1", "plan_id": "a", "organ": "甲", "year": 2022,
     "text": "严格落实“三会一课”制度，规范开展主题党日活动，提升组织生活质量。"},
    {"item_id": "a2", "plan_id": "a", "organ": "甲", "year": 2022,
     "text": "落实三会一课制度，开展主题党日，提高组织生活质量。"},
    {"item_id": "b1", "plan_id": "b", "organ": "乙", "year": 2022,
     "text": "认真落实三会一课制度，定期开展主题党日活动，提升组织生活质量和效果。"},
    {"item_id": "b2", "plan_id": "b", "organ": "乙", "year": 2022,
     "text": "落实意识形态工作责任制，加强网络阵地管理。"},
    {"item_id": "c1", "plan_id": "c", "organ": "丙", "year": 2023,
     "text": "深化党风廉政建设，强化监督执纪问责。"},
    {"item_id": "c2", "plan_id": "c", "organ": "丙", "year": 2023,
     "text": "严格落实“三会一课”制度，规范开展主题党日活动，提升组织生活质量。"},
])


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    return SearchIndex(ITEMS)


def test_most_similar_item_of_another_plan_comes_first(index):
    result = index.search("a1", mode="similar")
    assert result["item_id"].iloc[0] == "c2"        # word for word the same text
    assert result["score"].iloc[0] == pytest.approx(1.0)
    assert result["item_id"].iloc[1] == "b1"
    assert "a2" not in set(result["item_id"])       # same plan as the query item
    assert "a1" not in set(result["item_id"])


def test_scores_are_cosines_in_unit_interval_and_sorted(index):
    result = index.search("b1", mode="similar")
    assert result["score"].between(0, 1).all()
    assert result["score"].is_monotonic_decreasing
    unrelated = result.set_index("item_id")["score"].get("c1", 0.0)
    assert unrelated < 0.2


def test_free_text_query_searches_all_plans(index):
    result = index.search("党风廉政建设 监督执纪", mode="similar")
    assert result["item_id"].iloc[0] == "c1"
    assert 0 < result["score"].iloc[0] <= 1


def test_filters_and_limit_apply(index):
    result = index.search("a1", mode="similar", organs=["乙"], limit=1)
    assert result["item_id"].tolist() == ["b1"]


def test_spans_mark_shared_wording(index):
    row = index.search("a1", mode="similar").iloc[0]
    assert row["spans"] and "<mark>" in row["snippet_html"]


def test_text_without_word_characters_gives_empty_result(index):
    assert index.search("，。！", mode="similar").empty
    assert index.search("   ", mode="similar").empty


def test_removed_plan_no_longer_suggested():
    index = SearchIndex(ITEMS)
    index.remove_plan("c")
    assert "c2" not in set(index.search("a1", mode="similar")["item_id"])
