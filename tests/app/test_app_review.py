"""主题覆盖: 确认 / 改判 buttons on a clicked cell, with and without the admin password."""
from __future__ import annotations

import io
from pathlib import Path

from docx import Document

import core
from apphelpers import all_text, assert_clean, make_app, plotly_figure
from apphelpers import deferred_files  # noqa: F401  (fixture)
from core.taxonomy import load_taxonomy
from libkit import library, login, password, taxonomy_file  # noqa: F401  (fixtures)

PLAN = "000_c066458c1de48185"  # 区市场监管局: no item on 智慧党建 (read from the plan)


def coverage_on(plan_id: str, theme: str):
    at = make_app(page="pages/coverage.py")
    at.session_state["coverage_chart"] = {"selection": {"points": [{"customdata": [plan_id, theme, 0]}]}}
    return at.run()


def cell_of(lib, plan_id: str, theme: str):
    cov = lib.coverage()
    return cov[(cov["plan_id"] == plan_id) & (cov["theme"] == theme)].iloc[0]


def marked_cells(at) -> list[list]:
    """customdata of the cells with a review border."""
    traces = plotly_figure(at)["data"]
    return [d[:2] for t in traces[2:] for d in t["customdata"]]


def test_overrule_an_omission_with_note_and_name(library: Path):
    at = coverage_on(PLAN, "smart")
    assert_clean(at) if not at.error else None
    assert "已复核 0 / " in all_text(at)
    at.sidebar.text_input(key="reviewer_name").set_value("王督查")
    at.text_area(key="review_note").set_value("第五章“智慧机关”一条即属此项")
    at.button(key="review_overrule").click().run()
    assert not at.exception
    assert any("已记录复核结论" in s.value for s in at.success)
    assert [PLAN, "smart"] in marked_cells(at)
    assert "已复核 1 / " in all_text(at)
    lib = core.open_library(library)
    row = lib.reviews().iloc[-1]
    assert (row["plan_id"], row["theme"], row["decision"]) == (PLAN, "smart", "covered")
    assert row["reviewer"] == "王督查" and row["note"] == "第五章“智慧机关”一条即属此项"
    assert row["items"]  # the nearest candidate was offered as evidence
    # the page shows the decision, and the heatmap no longer marks the cell 缺
    assert "人工复核为**已覆盖**" in all_text(at)


def test_confirm_a_covered_cell(library: Path):
    at = coverage_on(PLAN, "org_life")
    at.button(key="review_confirm").click().run()
    assert not at.exception
    row = core.open_library(library).reviews().iloc[-1]
    assert row["decision"] == "covered" and bool(row["machine_covered"])
    assert "确认了机器的判断" in all_text(at)


def test_corrupt_reviews_file_page_still_works_and_refuses(library: Path):
    garbage = b"\x00garbage, not sqlite" * 50
    (library / "reviews.sqlite").write_bytes(garbage)
    at = coverage_on(PLAN, "smart")
    assert not at.exception
    assert any("复核记录文件" in e.value for e in at.error)
    assert plotly_figure(at)["data"]  # the heatmap is still drawn
    at.button(key="review_confirm").click().run()
    assert any(e.value.startswith("未保存复核结论") for e in at.error)
    assert (library / "reviews.sqlite").read_bytes() == garbage


def test_with_password_the_buttons_wait_for_login(library: Path, password: str):
    at = coverage_on(PLAN, "smart")
    assert not at.exception
    assert not [b for b in at.button if b.key == "review_confirm"]
    assert any("修改复核结论需要管理员密码" in w.value for w in at.warning)
    at = login(at, password, key="review_admin")
    at.button(key="review_confirm").click().run()
    assert not at.exception
    rows = core.open_library(library).reviews()
    assert rows["decision"].tolist() == ["omitted"]


def test_filter_hides_reviewed_omissions(library: Path):
    lib = core.open_library(library)
    lib.review(PLAN, "smart", "omitted", note="确实没有")
    at = make_app(page="pages/coverage.py")
    table = at.dataframe[0].value
    assert "确实没有" in table["复核说明"].tolist()
    at.toggle(key="om_unreviewed").set_value(True).run()
    table = at.dataframe[0].value
    assert "确实没有" not in table["复核说明"].tolist() and len(table) > 0


def test_exports_and_scorecard_carry_the_decision_and_note(library: Path, deferred_files):
    lib = core.open_library(library)
    lib.review(PLAN, "smart", "omitted", note="全文确无信息化内容", by="王督查")
    lib.review(PLAN, "org_life", "omitted", note="只提了一句三会一课")
    at = make_app(page="pages/coverage.py")
    assert not at.exception
    csv = deferred_files["必备主题缺失报告.csv"]().decode("utf-8-sig")
    assert "人工复核" in csv.splitlines()[0] and "复核说明" in csv.splitlines()[0]
    assert "全文确无信息化内容" in csv and "王督查" in csv and "已确认" in csv
    assert "只提了一句三会一课" in csv and "已改判" in csv  # a cover overruled is now listed
    at.switch_page("pages/scorecard.py").run()
    assert not at.exception
    assert "只提了一句三会一课" in all_text(at) and "已改判为“缺”" in all_text(at)
    assert all_text(at).count("<th>人工复核</th>") == 2  # both tables gain the column
    docx = deferred_files["区市场监管局2022年单位画像.docx"]()
    text = "\n".join(c.text for t in Document(io.BytesIO(docx)).tables for r in t.rows for c in r.cells)
    assert "全文确无信息化内容" in text and "已改判为“缺”：只提了一句三会一课" in text
    at.switch_page("pages/overview.py").run()
    assert not at.exception and "人工复核的结论（2 格）" in [e.label for e in at.expander][0]


ONLINE_PLAN = ("2023年市档案馆机关党建工作要点\n一、政治建设\n1.落实第一议题制度。认真学习党的创新理论。\n"
               "二、组织建设\n1.建好“红色e家”线上阵地。依托线上阵地开展党员教育，推动支部工作上网。\n"
               "2.抓好三会一课。\n")  # 智慧党建 in words the default terms do not know


def test_learned_words_one_click_adds_term_and_exclude(library: Path, taxonomy_file: Path):
    (library / "zz_online.txt").write_text(ONLINE_PLAN, encoding="utf-8")
    lib = core.open_library(library, taxonomy=taxonomy_file)
    assert not cell_of(lib, "zz_online", "smart")["machine_covered"]
    lib.review("zz_online", "smart", "covered", items=["zz_online:2.1"])  # the rules missed it
    lib.review(PLAN, "org_life", "omitted")                               # the rules over-reached
    at = make_app(page="pages/taxonomy.py")
    assert not at.exception
    assert "从复核中学到的词" in [h.value for h in at.subheader]
    term_keys = [b.key for b in at.button if b.key and b.key.startswith("learn_term_smart_")]
    exclude_keys = [b.key for b in at.button if b.key and b.key.startswith("learn_exclude_org_life_")]
    assert term_keys and exclude_keys
    before = load_taxonomy(taxonomy_file)
    at.button(key=term_keys[0]).click().run()
    assert not at.exception
    after = load_taxonomy(taxonomy_file)
    added = set(after.theme("smart").terms) - set(before.theme("smart").terms)
    assert len(added) == 1
    assert list((taxonomy_file.parent / ".taxonomy_history").iterdir())  # the old file is kept
    cell = cell_of(core.open_library(library, taxonomy=taxonomy_file), "zz_online", "smart")
    assert cell["machine_covered"] and cell["review"]["decision"] == "covered"  # the rule now agrees
    at = make_app(page="pages/taxonomy.py")
    exclude_keys = [b.key for b in at.button if b.key and b.key.startswith("learn_exclude_org_life_")]
    at.button(key=exclude_keys[0]).click().run()
    assert not at.exception
    assert len(load_taxonomy(taxonomy_file).theme("org_life").exclude) == len(before.theme("org_life").exclude) + 1


def test_learned_words_need_the_password(library: Path, taxonomy_file: Path, password: str):
    (library / "zz_online.txt").write_text(ONLINE_PLAN, encoding="utf-8")
    core.open_library(library, taxonomy=taxonomy_file).review("zz_online", "smart", "covered")
    at = make_app(page="pages/taxonomy.py")
    buttons = [b for b in at.button if b.key and b.key.startswith("learn_term_")]
    assert buttons and all(b.disabled for b in buttons)
