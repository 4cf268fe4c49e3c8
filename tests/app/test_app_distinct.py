"""特色任务 page: similarity heatmap, 特色任务 per organ, 套话 clusters, the >200-plans scope."""
from __future__ import annotations

import app.compare
from apphelpers import all_text, assert_clean, make_app, plotly_figure

ORGANS = ["区市场监管局", "市级机关工委", "市委政研室", "市场监管某局", "市直机关工委"]


def test_heatmap_is_annotated_with_values():
    at = make_app(page="pages/distinct.py")
    assert_clean(at)
    heatmap = plotly_figure(at)["data"][0]
    assert heatmap["type"] == "heatmap" and heatmap["x"] == ORGANS and heatmap["y"] == ORGANS
    assert heatmap["texttemplate"] == "%{text}"
    assert [heatmap["text"][i][i] for i in range(5)] == ["—"] * 5
    assert heatmap["text"][2][3] == "0.15"  # 市委政研室 × 市场监管某局, the most alike pair


def test_distinctive_items_of_the_chosen_organ():
    at = make_app(page="pages/distinct.py")
    counts = at.dataframe[0].value
    assert list(counts.columns) == ["单位", "任务条目数", "特色任务数"]
    assert counts.set_index("单位").loc["区市场监管局", "特色任务数"] == 7
    labels = [e.label for e in at.expander]
    assert any("激活机关干部“亚运时间”" in label for label in labels)
    assert at.query_params["focus"] == "000_c066458c1de48185"
    at.selectbox(key="distinct_plan").set_value("004_9c5b98e22b1f5069").run()
    assert_clean(at)
    assert at.query_params["focus"] == "004_9c5b98e22b1f5069"
    assert "**市直机关工委（2022）** 共 19 条任务" in all_text(at)


def test_focus_in_the_url_preselects_the_organ():
    at = make_app({"focus": "002_07e1a61bf54791a3"}, page="pages/distinct.py")
    assert_clean(at)
    assert at.selectbox(key="distinct_plan").value == "002_07e1a61bf54791a3"


def test_shared_wording_clusters_and_threshold():
    at = make_app(page="pages/distinct.py")
    clusters = [e for e in at.expander if "个单位" in e.label]
    assert len(clusters) == 1 and "加强思想政治工作" in clusters[0].label
    inner = "\n".join(m.value for m in clusters[0].markdown)
    assert "市委政研室" in inner and "市场监管某局" in inner
    at.slider(key="distinct_threshold").set_value(0.9).run()
    assert_clean(at)
    assert any("没有发现多个单位措辞几乎相同的条目" in i.value for i in at.info)


def test_sidebar_filter_narrows_heatmap_and_table():
    at = make_app({"organs": "市委政研室,市场监管某局,市直机关工委"}, page="pages/distinct.py")
    assert_clean(at)
    assert plotly_figure(at)["data"][0]["x"] == ["市委政研室", "市场监管某局", "市直机关工委"]
    assert len(at.dataframe[0].value) == 3


def test_large_library_compares_only_the_filtered_plans(monkeypatch):
    monkeypatch.setattr(app.compare, "FULL_LIBRARY_MAX_PLANS", 3)
    at = make_app(page="pages/distinct.py")
    assert_clean(at)
    assert any("缩小到 3 份以内" in i.value for i in at.info)
    assert not at.get("plotly_chart")  # nothing pairwise over the whole library
    at.multiselect(key="organs").set_value(["市委政研室", "市场监管某局"]).run()
    assert_clean(at)
    assert any("只比较左侧边栏筛选出的 2 份计划" in i.value for i in at.info)
    assert plotly_figure(at)["data"][0]["x"] == ["市委政研室", "市场监管某局"]
    assert [e for e in at.expander if "个单位" in e.label]
