"""主题覆盖 page: heatmap with “缺” labels, toggles, injected cell selection, omission report."""
from __future__ import annotations

from apphelpers import assert_clean, html_bodies, make_app, plotly_figure

PLAN = "000_c066458c1de48185"  # 区市场监管局


def select_cell(at, plan_id: str, theme: str):
    at.session_state["coverage_chart"] = {"selection": {"points": [{"customdata": [plan_id, theme, 0]}]}}
    return at.run()


def heatmap_rows(at) -> list[str]:
    return plotly_figure(at)["data"][0]["y"]


def test_heatmap_marks_omissions_with_text():
    at = make_app(page="pages/coverage.py")
    assert_clean(at)
    heatmap, cells = plotly_figure(at)["data"]
    assert heatmap["type"] == "heatmap" and cells["type"] == "scatter"
    assert "<b>缺</b>" in cells["text"]
    assert len(cells["customdata"]) == len(heatmap["x"]) * len(heatmap["y"])
    assert [PLAN, "political_org"] == cells["customdata"][0][:2]
    assert any("点击上方热力图" in i.value for i in at.info)


def test_toggles_change_rows_and_order():
    at = make_app(page="pages/coverage.py")
    required_rows = heatmap_rows(at)
    assert required_rows[0].startswith("政治建设 · ")
    at.toggle(key="cov_grouped").set_value(False).run()
    assert heatmap_rows(at)[0] == "政治机关建设"
    at.toggle(key="cov_required").set_value(False).run()
    assert len(heatmap_rows(at)) >= len(required_rows)
    at.toggle(key="cov_sorted").set_value(True).run()
    assert_clean(at)
    figure = plotly_figure(at)
    counts = figure["data"][0]["z"]
    covering = [sum(1 for v in row if v) for row in counts]
    assert covering == sorted(covering)  # least-covered themes on top


def test_selected_covered_cell_shows_highlighted_evidence():
    at = select_cell(make_app(page="pages/coverage.py"), PLAN, "political_org")
    assert_clean(at)
    body = html_bodies(at)
    assert "<mark" in body and "两个确立</mark>" in body
    assert any("条任务涉及该主题" in c.value for c in at.caption)


def test_selected_omission_shows_nearest_candidate_and_reason():
    at = select_cell(make_app(page="pages/coverage.py"), PLAN, "smart")
    assert not at.exception
    assert any(e.value.startswith("缺") for e in at.error)
    text = "\n".join(m.value for m in at.markdown)
    assert "最接近的条目" in text and "为何不算" in text and "数字化" in text
    assert "数字化</mark>" in html_bodies(at)


def test_stale_selection_outside_the_filter_is_explained():
    at = make_app(page="pages/coverage.py")
    at.multiselect(key="organs").set_value(["市委政研室"]).run()
    select_cell(at, PLAN, "political_org")
    assert not at.exception
    assert any("不在当前筛选范围内" in i.value for i in at.info)


def test_omission_table_and_downloads_follow_the_filter():
    at = make_app(page="pages/coverage.py")
    table = at.dataframe[0].value
    assert list(table.columns)[:4] == ["单位", "年度", "维度", "缺失的必备主题"]
    assert len(table) > 0
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["下载缺失报告（Excel）", "下载缺失报告（CSV）"]
    at.multiselect(key="organs").set_value(["区市场监管局"]).run()
    assert set(at.dataframe[0].value["单位"]) == {"区市场监管局"}
