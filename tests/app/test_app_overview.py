"""总览 page: plans table, dimension bars, most-omitted themes, links, filters."""
from __future__ import annotations

from apphelpers import (assert_clean, dataframe_rows, make_app, plotly_figure, two_year_library,
                        use_library)


def test_overview_renders_table_chart_and_links():
    at = make_app()
    assert_clean(at)
    table = at.dataframe[0].value
    assert list(table.columns) == ["单位", "年度", "章数", "条目数", "字数", "必备主题覆盖率", "解析提示"]
    assert len(table) == 5
    assert table["必备主题覆盖率"].between(0, 100).all()
    figure = plotly_figure(at)
    assert figure["layout"]["barmode"] == "stack"
    assert {bar["name"] for bar in figure["data"]} >= {"政治建设", "组织建设"}
    assert any("个单位缺失" in m.value for m in at.markdown)
    assert {link.proto.page for link in at.get("page_link")} == {"matrix", "coverage", "search"}


def test_overview_follows_the_organ_filter():
    at = make_app({"organs": "市委政研室"})
    assert_clean(at)
    assert dataframe_rows(at) == 1
    figure = plotly_figure(at)
    assert all(bar["x"] == ["市委政研室"] for bar in figure["data"])


def test_filter_without_plans_says_so(two_year_library):
    at = use_library(make_app(), two_year_library)
    at.multiselect(key="organs").set_value(["市委政研室"]).run()
    at.multiselect(key="years").set_value([2021]).run()
    assert_clean(at)
    assert any("当前筛选条件下没有计划" in i.value for i in at.info)
    assert not at.dataframe
