"""承诺事项 page: per-organ counts, kind filter ↔ URL, highlighted item on selection, downloads."""
from __future__ import annotations

from apphelpers import assert_clean, html_bodies, make_app

ALL = 22  # commitments in the sample plans' task items


def detail(at):
    return at.dataframe[1].value


def test_counts_per_organ_and_the_detail_table():
    at = make_app(page="pages/commitments.py")
    assert_clean(at)
    counts = at.dataframe[0].value.set_index("单位")
    assert list(counts.columns) == ["比例", "数量", "频次", "时间节点", "期限", "合计"]
    assert len(counts) == 5 and counts["合计"].sum() == ALL
    assert counts.loc["市委政研室", "合计"] == 0 and counts.loc["市级机关工委", "数量"] == 4
    table = detail(at)
    assert list(table.columns) == ["单位", "所属条目", "类型", "表述", "所在语句"]
    assert len(table) == ALL and "100%" in set(table["表述"])
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["下载承诺事项（Excel）", "下载承诺事项（CSV）"]


def test_kind_filter_is_written_to_and_read_from_the_url():
    at = make_app(page="pages/commitments.py")
    at.multiselect(key="cm_kinds").set_value(["期限"]).run()
    assert_clean(at)
    assert set(detail(at)["类型"]) == {"期限"} and at.query_params["kinds"] == "期限"
    at = make_app({"kinds": "比例,频次"}, page="pages/commitments.py")
    assert at.multiselect(key="cm_kinds").value == ["比例", "频次"]
    assert set(detail(at)["类型"]) == {"比例", "频次"}


def test_selected_row_shows_the_item_with_every_commitment_marked():
    at = make_app(page="pages/commitments.py")
    rows = detail(at)
    row = rows.index[rows["表述"] == "100%"][0]
    at.session_state["cm_table"] = {"selection": {"rows": [int(row)], "columns": [], "cells": []}}
    at.run()
    assert_clean(at)
    body = html_bodies(at)
    assert "100%</mark>" in body and "2件以上</mark>" in body and "全覆盖</mark>" in body


def test_organ_without_commitments_has_a_plain_empty_state():
    at = make_app({"organs": "市委政研室"}, page="pages/commitments.py")
    assert_clean(at)
    assert any("没有找到量化目标或时间要求" in i.value for i in at.info)
    assert not at.get("download_button")
