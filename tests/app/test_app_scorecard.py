"""单位画像 page: ?plan= in the URL, the five parts as escaped HTML tables, docx download, print CSS."""
from __future__ import annotations

from apphelpers import (EVIL_ORGAN, assert_clean, deferred_files, evil_library, html_bodies,  # noqa: F401
                        make_app, use_library)

PLAN = "000_c066458c1de48185"  # 区市场监管局


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_plan_from_the_url_renders_all_parts(deferred_files):
    at = make_app({"plan": PLAN}, page="pages/scorecard.py")
    assert_clean(at)
    assert at.selectbox(key="sc_plan").value == PLAN
    assert at.header[0].value.startswith("区市场监管局")
    assert metrics(at) == {"章节": "6", "任务条目": "18", "必选主题覆盖": "27/29", "缺项": "2",
                           "特色任务": "7", "量化目标和时间节点": "8"}
    subheaders = [s.value for s in at.subheader]
    assert subheaders == ["一、结构", "二、必选主题覆盖", "三、缺项及最接近的条目", "四、特色任务", "五、量化目标和时间节点"]
    body = html_bodies(at)
    assert "✗ 未涉及" in body and "✓ 已覆盖" in body       # status in words, not colour alone
    assert "智慧党建与信息化" in body and "激活机关干部“亚运时间”" in body and "2件以上" in body
    assert "@media print" in body and '[data-testid="stSidebar"]' in body
    assert "<th>人工复核</th>" not in body  # no decisions yet: no column of dashes
    button = at.get("download_button")[0].proto
    assert button.label == "下载单位画像（Word）" and button.deferred_file_id  # written on click
    assert deferred_files["区市场监管局2022年单位画像.docx"]()[:2] == b"PK"


def test_choosing_another_plan_updates_the_url():
    at = make_app(page="pages/scorecard.py")
    assert at.query_params["plan"] == PLAN  # the first plan by default
    at.selectbox(key="sc_plan").set_value("002_07e1a61bf54791a3").run()
    assert_clean(at)
    assert at.query_params["plan"] == "002_07e1a61bf54791a3"
    assert at.header[0].value.startswith("市委政研室")


def test_unknown_plan_in_the_url_falls_back_and_filter_is_honoured():
    at = make_app({"plan": "不存在", "organs": "市直机关工委"}, page="pages/scorecard.py")
    assert_clean(at)
    assert at.selectbox(key="sc_plan").options == ["市直机关工委（2022）"]
    assert at.query_params["plan"] == "004_9c5b98e22b1f5069"


def test_plan_text_and_names_are_escaped(evil_library):
    at = use_library(make_app(), evil_library)
    at.query_params["plan"] = "zz_evil"
    at.switch_page("pages/scorecard.py").run()
    assert not at.exception
    assert at.selectbox(key="sc_plan").value == "zz_evil"
    body = html_bodies(at)
    assert "<script>" not in body and "<img" not in body and "<i>主题党日" not in body
    assert "&lt;script&gt;" in body or "&lt;img" in body
    text = "\n".join([m.value for m in at.markdown] + [h.value for h in at.header] + [c.value for c in at.caption])
    assert "<b>恶意</b>" not in text and "&lt;b&gt;恶意&lt;" in text


def test_every_compare_page_shows_a_hostile_plan_as_literal_text(evil_library):
    at = use_library(make_app(), evil_library)
    for page, params in (("reference", {"ref": "zz_evil"}), ("distinct", {"focus": "zz_evil"}),
                         ("commitments", {}), ("yearly", {"organ": EVIL_ORGAN}), ("scorecard", {"plan": "zz_evil"})):
        at.query_params.clear()
        at.query_params.update(params)
        at.switch_page(f"pages/{page}.py").run()
        assert_clean(at)
        if page == "reference":
            assert at.selectbox(key="ref_plan").value == "zz_evil"
        markdown = "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption]
                             + [a.value for a in at.info] + [e.label for e in at.expander]
                             + [h.value for h in at.header])
        for raw in ("<script>", "<img", "<b>恶意</b>", "<i>主题党日", "](http://x.test)", "](javascript:"):
            assert raw not in markdown, (page, raw)
        for raw in ("<script>", "<img", "<b>恶意</b>", "<i>主题党日"):
            assert raw not in html_bodies(at), (page, raw)
