"""总览 page: plans table, dimension bars, most-omitted themes, links, filters."""
from __future__ import annotations

import re

from apphelpers import assert_clean, dataframe_rows, html_bodies, make_app, two_year_library, use_library


def bar_rows(at) -> dict[str, list[str]]:
    """Organ label → the dimension titles of its bar segments."""
    body = html_bodies(at)
    rows = re.findall(r'<div class="bar-row"><span class="bar-label" title="([^"]*)">(.*?)</div>', body)
    return {label: re.findall(r'title="([^"：]*)：\d+ 条"', rest) for label, rest in rows}


def test_overview_renders_table_chart_and_links():
    at = make_app()
    assert_clean(at)
    table = at.dataframe[0].value
    assert list(table.columns) == ["单位", "年度", "章数", "条目数", "字数", "必备主题覆盖率", "解析提示"]
    assert len(table) == 5
    assert table["必备主题覆盖率"].between(0, 100).all()
    bars = bar_rows(at)
    assert list(bars) == ["区市场监管局", "市级机关工委", "市委政研室", "市场监管某局", "市直机关工委"]
    assert "政治建设" in bars["区市场监管局"] and "组织建设" in bars["区市场监管局"]
    assert "政治建设" not in bars["市级机关工委"]  # 001 has no section about 政治建设
    assert any("个单位缺失" in m.value for m in at.markdown)
    assert {link.proto.page for link in at.get("page_link")} == {"matrix", "coverage", "search"}


def test_overview_follows_the_organ_filter():
    at = make_app({"organs": "市委政研室"})
    assert_clean(at)
    assert dataframe_rows(at) == 1
    assert list(bar_rows(at)) == ["市委政研室"]


def test_filter_without_plans_says_so(two_year_library):
    at = use_library(make_app(), two_year_library)
    at.multiselect(key="organs").set_value(["市委政研室"]).run()
    at.multiselect(key="years").set_value([2021]).run()
    assert_clean(at)
    assert any("当前筛选条件下没有计划" in i.value for i in at.info)
    assert not at.dataframe
