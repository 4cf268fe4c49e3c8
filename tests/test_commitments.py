"""Commitments: quantified targets and deadlines, on sample items and on own sentences."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import core
from core.commitments import (COMMITMENT_COLUMNS, COUNT, DEADLINE, FREQUENCY, RATIO, TIME_POINT, commitments,
                              find_commitments)
from tests.conftest import SAMPLE_DIR


def found(text: str) -> list[tuple[str, str]]:
    return [(c.kind, c.wording) for c in find_commitments(text)]


@pytest.fixture(scope="module")
def lib():
    return core.open_library(SAMPLE_DIR)


# Read from the sample plans: (item, commitments a reader finds in it).
SAMPLE_ITEMS = {
    "000_c066458c1de48185:5.2": [(RATIO, "全覆盖"), (RATIO, "100%"), (FREQUENCY, "每年"), (COUNT, "2件以上"),
                                 (COUNT, "2次以上")],
    "001_69a5c787e4f211fb:4.2": [(TIME_POINT, "“七一”前后"), (COUNT, "一轮"), (TIME_POINT, "全年"),
                                 (COUNT, "4批次")],
    "001_69a5c787e4f211fb:5.3": [(TIME_POINT, "“七一”"), (FREQUENCY, "每年度至少两次")],
    "001_69a5c787e4f211fb:4.1": [(COUNT, "一期")],
    "001_69a5c787e4f211fb:2.3": [(COUNT, "一次")],
    "003_1cfe0b25e4194644:4.1": [(DEADLINE, "年底完成"), (TIME_POINT, "“七一”前后")],
    "003_1cfe0b25e4194644:5.1": [(TIME_POINT, "元旦春节、五一端午、中秋国庆等节假日之前")],
    "004_9c5b98e22b1f5069:4.2": [(RATIO, "全覆盖")],
    "000_c066458c1de48185:4.1": [(TIME_POINT, "年中"), (TIME_POINT, "年末")],
}


@pytest.mark.parametrize("item_id", sorted(SAMPLE_ITEMS))
def test_sample_items(lib, item_id):
    text = lib.items.set_index("item_id").at[item_id, "text"]
    assert found(text) == SAMPLE_ITEMS[item_id]


# Items a reader finds no target or deadline in, though full of numerals and dates.
@pytest.mark.parametrize("item_id", [
    "004_9c5b98e22b1f5069:4.2",  # 十九届六中全会、十一届二次全会、六届二次全会 (only 全覆盖 counts)
    "004_9c5b98e22b1f5069:1.1",  # 第一议题、“五种学习方式”
    "003_1cfe0b25e4194644:5.2",  # “四种形态”“两个责任”“一岗双责”
    "003_1cfe0b25e4194644:5.3",  # “三不”“七个有之”“一把手”
    "000_c066458c1de48185:4.2",  # 中央八项规定
    "001_69a5c787e4f211fb:1.1",  # “百名书记上党课”“四个意识”
    "002_07e1a61bf54791a3:1.1",  # “两个确立”“两个维护”
    "002_07e1a61bf54791a3:4.3",  # 《20XX－2025年市直机关党员教育培训规划》
    "003_1cfe0b25e4194644:6.1",  # 建团100周年、五四红旗团委
])
def test_no_false_hits_on_slogans_sessions_and_years(lib, item_id):
    text = lib.items.set_index("item_id").at[item_id, "text"]
    expected = SAMPLE_ITEMS.get(item_id, [])
    assert found(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("6月底前完成支部换届。", [(DEADLINE, "6月底前")]),
    ("9月30日前报送总结，3月份启动。", [(DEADLINE, "9月30日前"), (TIME_POINT, "3月份")]),
    ("十月底前完成。", [(DEADLINE, "十月底前")]),
    ("年内建成5个示范点。", [(DEADLINE, "年内"), (COUNT, "5个")]),
    ("年底前实现党员教育培训全覆盖。", [(DEADLINE, "年底前"), (RATIO, "全覆盖")]),
    ("上半年召开推进会，下半年开展督查。", [(TIME_POINT, "上半年"), (TIME_POINT, "下半年")]),
    ("第三季度开展专项检查。", [(TIME_POINT, "第三季度")]),
    ("每季度召开一次支委会，一年两次专题组织生活会。", [(FREQUENCY, "每季度"), (COUNT, "一次"), (FREQUENCY, "一年两次")]),
    ("按月通报进度，每月至少1次。", [(FREQUENCY, "按月"), (FREQUENCY, "每月至少1次")]),
    ("参训率达到95.5%，覆盖百分之九十以上的党员。", [(RATIO, "95.5%"), (RATIO, "百分之九十")]),
    ("全年培训党员200人次，选树三名标兵，发表两篇文章。", [(TIME_POINT, "全年"), (COUNT, "200人次"), (COUNT, "三名"), (COUNT, "两篇")]),
    ("国庆期间加强值班。", [(TIME_POINT, "国庆期间")]),
    ("春节前走访慰问困难党员。", [(TIME_POINT, "春节前")]),
])
def test_own_sentences(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize("text", [
    "深入学习贯彻党的二十大和十九届六中全会精神。",
    "2022年是党的二十大召开之年，落实第一议题制度。",
    "贯彻省第十二次党代会和市委六届二次全会精神。",
    "增强“四个意识”、坚定“四个自信”、做到“两个维护”，衷心拥护“两个确立”。",
    "严格落实“三会一课”，运用“四种形态”，落实“一岗双责”。",
    "推广一批典型，作为一项重要内容，一体推进不敢腐。",
    "开展“百名书记上党课”和“十佳支部”评选。",
    "认真学习《习近平谈治国理政》第一、二、三、四卷。",
    "贯彻商发〔2021〕6号文件，纪念建党100周年，光荣在党50年。",
    "落实中央八项规定精神，开展“三为”2.0活动，进一步一次性解决问题。",
])
def test_own_sentences_without_commitments(text):
    assert found(text) == []


def test_spans_point_at_display_text():
    text = "党员报到率达到１００％，每年至少 两次。"
    for c in find_commitments(text):
        assert text[c.start:c.end] == c.wording
    assert [c.kind for c in find_commitments(text)] == [RATIO, FREQUENCY]


def test_commitments_frame(lib):
    df = commitments(lib, "001_69a5c787e4f211fb")
    assert list(df.columns) == COMMITMENT_COLUMNS
    assert set(df["plan_id"]) == {"001_69a5c787e4f211fb"} and set(df["organ"]) == {"市级机关工委"}
    texts = lib.items.set_index("item_id")["text"]
    for row in df.itertuples():
        assert texts[row.item_id][row.start:row.end] == row.wording
        assert row.wording in row.context
    assert set(df["kind"]) <= {RATIO, COUNT, FREQUENCY, TIME_POINT, DEADLINE}
    everything = commitments(lib)
    assert set(everything["plan_id"]) <= set(lib.plans["plan_id"]) and len(everything) > len(df)
    with pytest.raises(KeyError):
        commitments(lib, "nope")


# The fast path matches on fold(text) and builds the character map only when something is
# found; it must give exactly what matching on fold_with_map's text always gave.
_PIECES = ["每年", "至少两次", "１００％", "100%", " ", "\u3000", "ＡＢ", "年底前", "“七一”", "前后", "4批次",
           "第一议题", "《2件以上》", "“百名书记”", "6月底前", "上半年", "，", "。", "\u200b", "x y", "全覆盖",
           "按季度", "两个确立", "3个", "十九届", "2022年"]


def _slow(text: str) -> list:
    from core.commitments import Commitment, _matches
    from core.normalize import display_span, fold_with_map

    folded, index_map = fold_with_map(text)
    out = []
    for s, e, kind in sorted(_matches(folded)):
        start, end = display_span(index_map, s, e)
        out.append(Commitment(kind, text[start:end], start, end))
    return out


@given(st.lists(st.sampled_from(_PIECES), max_size=12).map("".join))
def test_fast_path_equals_matching_on_the_mapped_text(text):
    assert find_commitments(text) == _slow(text)


def test_plan_ids_keep_only_those_plans(lib):
    wanted = lib.plans["plan_id"].tolist()[1:3]
    every = commitments(lib)
    some = commitments(lib, plan_ids=wanted)
    assert set(some["plan_id"]) <= set(wanted)
    expected = every[every["plan_id"].isin(wanted)].reset_index(drop=True)
    assert some.reset_index(drop=True).equals(expected)
    assert commitments(lib, plan_ids=[]).empty
