"""SearchIndex persistence, incremental updates and concurrent reads."""
from __future__ import annotations

import threading
from unittest import mock

import jieba
import numpy as np
import pandas as pd
import pytest

import core.search as search_module
from core.search import IndexCorruptError, SearchIndex

PLANS = {
    "p1": ["落实“三会一课”制度，开展主题党日。", "加强青年理论学习小组建设。", "压实一岗双责，推进清廉机关建设。"],
    "p2": ["开展谈心谈话，落实三会一课。", "落实意识形态工作责任制。", "ＸＸ 同志讲党课。"],
    "p3": ["推进党建与业务深度融合。", "深化党风廉政建设，<b>加强</b>作风建设。"],
    "p4": ["开展主题党日和志愿服务。", "推动理论学习中心组学习制度化。", "党支部标准化规范化建设。"],
}
QUERIES = [("党", "exact"), ("三会一课", "exact"), ("建设", "exact"), ("xx", "exact"),
           ("理论学习", "keyword"), ("建设 -廉政", "keyword"), ("主题党日 制度", "keyword"),
           ("p1-0", "similar"), ("落实三会一课制度", "similar")]


def make_items(plans: dict[str, list[str]]) -> pd.DataFrame:
    order = {p: i for i, p in enumerate(PLANS)}
    rows = [{"item_id": f"{plan}-{i}", "plan_id": plan, "organ": f"机关{plan}", "year": 2020 + order[plan],
             "section_dimension": "组织建设", "themes": (f"t{i}",), "section_marker": "一、",
             "section_title": "标题", "marker": f"{i + 1}.", "title": text[:6], "text": text,
             "plan_order": order[plan], "item_order": i}
            for plan, texts in plans.items() for i, text in enumerate(texts)]
    return pd.DataFrame(rows)


ALL = make_items(PLANS)


@pytest.fixture(scope="module")
def tokenizer() -> jieba.Tokenizer:
    tok = jieba.Tokenizer()
    for word in ("三会一课", "主题党日", "理论学习"):
        tok.add_word(word)
    return tok


def results(index: SearchIndex) -> list[pd.DataFrame]:
    columns = ["item_id", "score", "spans", "snippet_html"]
    return [index.search(q, mode=m)[columns] for q, m in QUERIES]


def assert_same_results(left: SearchIndex, right: SearchIndex) -> None:
    for a, b, (query, mode) in zip(results(left), results(right), QUERIES):
        assert a["item_id"].tolist() == b["item_id"].tolist(), (query, mode)
        np.testing.assert_allclose(a["score"], b["score"], rtol=1e-9, err_msg=f"{query} {mode}")
        assert a["spans"].tolist() == b["spans"].tolist()
        assert a["snippet_html"].tolist() == b["snippet_html"].tolist()


def test_save_load_round_trip(tmp_path, tokenizer):
    index = SearchIndex(ALL, fingerprint="fp1", tokenizer=tokenizer)
    path = tmp_path / "search.npz"
    index.save(path)
    loaded = SearchIndex.load(path, "fp1", tokenizer=tokenizer)
    assert loaded is not None and loaded.fingerprint == "fp1"
    assert_same_results(index, loaded)
    pd.testing.assert_frame_equal(index.search("党"), loaded.search("党"))


def test_missing_or_stale_file_signals_rebuild(tmp_path, tokenizer):
    path = tmp_path / "search.npz"
    assert SearchIndex.load(path, "fp1") is None
    SearchIndex(ALL, fingerprint="fp1", tokenizer=tokenizer).save(path)
    assert SearchIndex.load(path, "fp2") is None


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "empty"])
def test_corrupt_file_raises_specific_error(tmp_path, damage):
    path = tmp_path / "search.npz"
    SearchIndex(ALL, fingerprint="fp1").save(path)
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "flip":
        middle = len(data) // 2
        data[middle:middle + 64] = bytes(b ^ 0xFF for b in data[middle:middle + 64])
    elif damage == "garbage":
        data = bytearray(b"not an index at all" * 100)
    else:
        data = bytearray()
    path.write_bytes(bytes(data))
    with pytest.raises(IndexCorruptError):
        SearchIndex.load(path, "fp1")


def test_load_or_build_rebuilds_stale_or_corrupt_and_reuses_fresh(tmp_path):
    path = tmp_path / "search.npz"
    builds = []

    def items() -> pd.DataFrame:
        builds.append(1)
        return ALL

    SearchIndex.load_or_build(path, "fp1", items)
    SearchIndex.load_or_build(path, "fp1", items)
    assert len(builds) == 1
    SearchIndex.load_or_build(path, "fp2", items)
    assert len(builds) == 2
    path.write_bytes(b"junk")
    index = SearchIndex.load_or_build(path, "fp2", items)
    assert len(builds) == 3 and len(index) == len(ALL)
    assert SearchIndex.load(path, "fp2") is not None


@pytest.mark.parametrize("segment_rows", [search_module.SEGMENT_ROWS, 2])
def test_incremental_updates_equal_full_rebuild(tokenizer, segment_rows):
    with mock.patch.object(search_module, "SEGMENT_ROWS", segment_rows):
        full = SearchIndex(make_items({p: PLANS[p] for p in ("p1", "p2", "p4")}), tokenizer=tokenizer)
        incremental = SearchIndex(make_items({"p1": PLANS["p1"], "p3": PLANS["p3"]}), tokenizer=tokenizer)
        incremental.add_items(make_items({"p2": PLANS["p2"]}))
        incremental.add_items(make_items({"p4": PLANS["p4"]}))
        assert incremental.remove_plan("p3") == 2
        assert incremental.remove_plan("p3") == 0
        assert sorted(incremental.item_ids) == sorted(full.item_ids)
        assert_same_results(full, incremental)
        incremental.compact()
        assert_same_results(full, incremental)


def test_many_small_additions_merge_segments_and_stay_correct(tokenizer):
    with mock.patch.object(search_module, "SEGMENT_ROWS", 8):
        incremental = SearchIndex(make_items({"p1": PLANS["p1"]}), tokenizer=tokenizer)
        for round_ in range(12):
            plans = {f"x{round_}": ["三会一课 第%d轮" % round_, "党建引领"]}
            df = make_items({"p2": PLANS["p2"]}).head(0)
            df = pd.concat([df, pd.DataFrame([{"item_id": f"x{round_}-{i}", "plan_id": f"x{round_}",
                                               "text": t, "plan_order": 10 + round_, "item_order": i}
                                              for i, t in enumerate(plans[f"x{round_}"])])])
            incremental.add_items(df)
        assert len(incremental._state.segments) <= 10
        assert len(incremental.search("三会一课")) == 13
        assert len(incremental.search("党建引领")) == 12


def test_duplicate_item_ids_are_rejected():
    index = SearchIndex(ALL)
    with pytest.raises(ValueError):
        index.add_items(make_items({"p1": PLANS["p1"]}))


def test_input_frame_is_not_mutated():
    before = ALL.copy(deep=True)
    index = SearchIndex(ALL)
    index.search("党")
    pd.testing.assert_frame_equal(ALL, before)


def test_concurrent_reads_during_updates(tokenizer):
    index = SearchIndex(make_items({p: PLANS[p] for p in ("p1", "p2", "p4")}), tokenizer=tokenizer)
    expected = set(index.search("三会一课")["item_id"])
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader() -> None:
        try:
            while not stop.is_set():
                found = set(index.search("三会一课")["item_id"])
                assert found == expected
                index.search("理论学习", mode="keyword")
                index.search("p1-0", mode="similar")
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    for _ in range(10):
        index.add_items(make_items({"p3": PLANS["p3"]}))
        index.remove_plan("p3")
    stop.set()
    for t in threads:
        t.join()
    assert not errors, errors[0]


def test_search_without_display_columns_has_the_same_ranking():
    items = pd.DataFrame({"item_id": ["a", "b", "c"], "plan_id": ["p", "q", "r"],
                          "text": ["党建党建引领", "抓党建", "业务工作"]})
    index = SearchIndex(items)
    full = index.search("党建")
    plain = index.search("党建", display=False)
    assert plain["item_id"].tolist() == full["item_id"].tolist() == ["a", "b"]
    assert plain["score"].tolist() == full["score"].tolist()
    assert "snippet_html" not in plain.columns and "text" in plain.columns
    assert index.search("无此词", display=False).empty
