"""对标检查 page: reference plan picker ↔ URL, status table, cell/row drill-down, XLSX download."""
from __future__ import annotations

from apphelpers import all_text, assert_clean, deferred_files, make_app  # noqa: F401 (fixture)

REFERENCE = "004_9c5b98e22b1f5069"  # 市直机关工委
DEFAULT = "001_69a5c787e4f211fb"    # 市级机关工委: the first plan of an organ named …工委
STATUS_WORDS = {"● 已部署", "◐ 部分涉及", "○ 未见部署"}


def status_table(at):
    return at.dataframe[0].value


def select(at, selection: dict, reference: str = DEFAULT):
    at.session_state[f"ref_table_{reference}"] = {"selection": {"rows": [], "columns": [], "cells": [], **selection}}
    return at.run()


def test_defaults_to_a_committee_plan_and_writes_it_to_the_url():
    at = make_app(page="pages/reference.py")
    assert_clean(at)
    assert at.selectbox(key="ref_plan").value == DEFAULT
    assert at.query_params["ref"] == DEFAULT
    table = status_table(at)
    assert list(table.columns) == ["对标任务", "区市场监管局", "市委政研室", "市场监管某局", "市直机关工委", "已部署单位数"]
    assert len(table) == 19
    cells = set(table.iloc[:, 1:5].to_numpy().ravel())
    assert cells <= STATUS_WORDS and len(cells) == 3  # every status occurs, each with its word
    assert table.iloc[0, 0] == "1、深入学习领会习近平新时代中国特色社会主义思想" and table["已部署单位数"].iloc[0] == 4
    assert any("点选上方表格中的格子" in i.value for i in at.info)


def test_reference_plan_comes_from_the_url():
    at = make_app({"ref": REFERENCE}, page="pages/reference.py")
    assert_clean(at)
    assert at.selectbox(key="ref_plan").value == REFERENCE
    assert "市直机关工委" not in status_table(at).columns
    assert "市级机关工委" in status_table(at).columns


def test_changing_the_reference_plan_updates_table_and_url():
    at = make_app(page="pages/reference.py")
    at.selectbox(key="ref_plan").set_value("002_07e1a61bf54791a3").run()
    assert_clean(at)
    assert at.query_params["ref"] == "002_07e1a61bf54791a3"
    assert "市委政研室" not in status_table(at).columns


def test_selected_cell_shows_both_items_and_the_score():
    at = select(make_app(page="pages/reference.py"), {"cells": [[1, "市委政研室"]]})
    assert_clean(at)
    text = all_text(at)
    assert "**市委政研室** · 2、扎实推进机关政治文化建设" in text
    assert "◐ 部分涉及" in text and "综合得分 0.16" in text and "最接近的条目" in text
    assert "组织好“喜迎二十大、奋进新征程”主题活动" in text  # the match's full text


def test_selected_row_lists_every_organs_best_match():
    at = select(make_app(page="pages/reference.py"), {"rows": [2]})
    assert_clean(at)
    detail = at.dataframe[1].value
    assert list(detail.columns) == ["单位", "部署情况", "综合得分", "最接近的条目", "原文"]
    assert len(detail) == 4 and set(detail["部署情况"]) <= STATUS_WORDS
    assert "3、切实加强机关思想政治工作" in all_text(at)


def test_sidebar_filter_limits_the_compared_organs_and_download_exists(deferred_files):
    at = make_app({"organs": "市委政研室,市场监管某局"}, page="pages/reference.py")
    assert_clean(at)
    assert list(status_table(at).columns)[1:3] == ["市委政研室", "市场监管某局"]
    summary = at.dataframe[-1].value
    assert list(summary["单位"]) == ["市委政研室", "市场监管某局"]
    buttons = at.get("download_button")
    assert [b.proto.label for b in buttons] == ["下载对标检查（Excel）"]
    assert buttons[0].proto.deferred_file_id  # written on click, not on every rerun
    workbook = deferred_files["对标检查.xlsx"]()
    assert workbook[:2] == b"PK"


def test_only_the_reference_plan_in_the_filter_says_so():
    at = make_app({"organs": "市级机关工委"}, page="pages/reference.py")
    assert_clean(at)
    assert any("没有可与对标计划比较的其他计划" in i.value for i in at.info)


def test_selected_cell_outside_the_filter_is_explained():
    at = make_app({"organs": "市委政研室"}, page="pages/reference.py")
    select(at, {"cells": [[0, "区市场监管局"]]})
    assert_clean(at)
    assert any("不在当前筛选范围内" in i.value for i in at.info)
