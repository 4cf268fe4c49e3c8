"""Keyword mode: tokenized AND, -exclusion, containment matching, BM25 ranking."""
from __future__ import annotations

import jieba
import pandas as pd
import pytest

from core.search import RESULT_COLUMNS, SearchIndex, parse_keyword_query

TEXTS = {
    "q1": "健全青年理论学习小组制度。",          # 理论学习 inside a longer jieba word
    "q2": "加强理论武装，组织专题学习。",        # 理论 and 学习 apart, never 理论学习
    "q3": "深化理论学习，理论学习中心组带头学习，推动理论学习常态化。",  # phrase three times
    "q4": "开展廉政教育，筑牢拒腐防变防线。",
    "q5": "开展党史学习教育，推进廉政文化建设。",
    "q6": "青年理论学习",                          # short item: length normalisation
    "q7": "举办理论专题讲座，邀请专家授课，覆盖全体党员干部职工。",  # 理论专题 verbatim, long item
}


@pytest.fixture(scope="module")
def tokenizer() -> jieba.Tokenizer:
    tok = jieba.Tokenizer()
    tok.add_word("理论学习", freq=100000)
    tok.add_word("青年理论学习小组", freq=100000)  # so jieba would NOT split the document there
    return tok


@pytest.fixture(scope="module")
def index(tokenizer) -> SearchIndex:
    items = pd.DataFrame({"item_id": list(TEXTS), "plan_id": [f"p{i}" for i in range(len(TEXTS))],
                          "organ": "机关", "year": 2022, "text": list(TEXTS.values())})
    return SearchIndex(items, tokenizer=tokenizer)


def ids(result: pd.DataFrame) -> list[str]:
    return result["item_id"].tolist()


def test_containment_where_jieba_segments_the_document_differently(index, tokenizer):
    assert "理论学习" not in tokenizer.lcut(TEXTS["q1"])
    assert "q1" in ids(index.search("理论学习", mode="keyword"))


def test_parts_are_anded(index):
    assert set(ids(index.search("廉政 教育", mode="keyword"))) == {"q4", "q5"}
    assert set(ids(index.search("廉政 党史", mode="keyword"))) == {"q5"}
    assert index.search("廉政 不存在", mode="keyword").empty


def test_exclusion(index):
    assert ids(index.search("廉政 -党史", mode="keyword")) == ["q4"]
    assert ids(index.search("廉政 －党史", mode="keyword")) == ["q4"]  # full-width minus folds to -


def test_exclusion_only_gives_empty_result(index):
    result = index.search("-廉政", mode="keyword")
    assert result.empty and list(result.columns) == RESULT_COLUMNS


def test_multi_token_part_requires_all_tokens(index, tokenizer):
    parsed = parse_keyword_query("理论 学习", tokenizer)
    assert parsed.required == ("理论", "学习") and parsed.phrases == ()
    parsed = parse_keyword_query("专题理论", tokenizer)
    assert parsed.required == ("专题", "理论") and parsed.phrases == ("专题理论",)
    # Neither q2 nor q7 holds 专题理论 verbatim, but both hold each token: both match.
    assert set(ids(index.search("专题理论", mode="keyword"))) == {"q2", "q7"}
    assert ids(index.search("专题武装", mode="keyword")) == ["q2"]


def test_verbatim_phrase_outranks_scattered_tokens(index, tokenizer):
    assert tokenizer.lcut("理论专题") == ["理论", "专题"]
    # q2 has 理论 and 专题 apart; q7 holds 理论专题 verbatim, which adds a BM25 term that
    # outweighs q7 being twice as long (same tf of each token in both).
    assert ids(index.search("理论专题", mode="keyword")) == ["q7", "q2"]


def test_dictionary_word_is_one_required_token(index):
    # 理论学习 is one token here, so q2 (理论…学习 apart) does not match.
    assert set(ids(index.search("理论学习", mode="keyword"))) == {"q1", "q3", "q6"}


def test_bm25_prefers_higher_tf_and_shorter_items(index):
    result = index.search("理论学习", mode="keyword").set_index("item_id")["score"]
    # q6 is the shortest item holding the phrase once: BM25 length normalisation ranks it
    # above q1 (same tf, longer). q3 has tf=3 but is 2.5× longer than the average.
    assert result["q6"] > result["q1"]
    assert result["q3"] > result["q1"]
    assert (result > 0).all()


def test_spans_cover_each_term(index):
    row = index.search("廉政 教育", mode="keyword").set_index("item_id").loc["q5"]
    marked = [TEXTS["q5"][s:e] for s, e in row["spans"]]
    assert marked == ["教育", "廉政"]
    assert "<mark>廉政</mark>" in row["snippet_html"]


def test_punctuation_and_stop_tokens_are_not_required(index, tokenizer):
    parsed = parse_keyword_query("廉政的，教育", tokenizer)
    assert "的" not in parsed.required and "，" not in parsed.required
    assert set(ids(index.search("廉政的教育", mode="keyword"))) == {"q4", "q5"}


def test_default_tokenizer_is_the_projects_shared_one():
    from core.tokenizer import get_tokenizer

    items = pd.DataFrame({"item_id": ["x"], "plan_id": ["p"], "text": ["认真落实三会一课制度"]})
    index = SearchIndex(items)
    assert index.search("三会一课", mode="keyword")["item_id"].tolist() == ["x"]
    assert index.tokenizer is get_tokenizer()
