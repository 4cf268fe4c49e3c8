"""年度对比 page: the plain empty state on the one-year sample library, and a real two-year run."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from apphelpers import SAMPLE_DIR, all_text, assert_clean, html_bodies, make_app, use_library
from tests.plan_builders import body_of, drop_item, item_line, replace_item, sample_lines, write_library

ORGAN = "市直机关工委"
NEW_ITEM = ("做好机关常态化疫情防控工作。组织机关干部定期开展核酸检测，"
            "做好疫苗接种，落实机关出入管理和值班值守制度。")


@pytest.fixture
def yearly_library(tmp_path: Path) -> Path:
    """The sample library plus a 2023 copy of 市直机关工委's plan: one item reworded, one replaced, one dropped."""
    lines = sample_lines("004_9c5b98e22b1f5069.txt")
    reworded = body_of(item_line(lines, 8)).replace("充分发挥", "更好发挥")
    lines_2023 = drop_item(replace_item(replace_item(lines, 8, reworded), 12, NEW_ITEM), 11)
    folder = write_library(tmp_path / "years", {"z2023.txt": (ORGAN, 2023, lines_2023)})
    manifest = (folder / "manifest.toml").read_text(encoding="utf-8")
    for path in SAMPLE_DIR.glob("*.txt"):
        shutil.copy(path, folder / path.name)
    sample_manifest = (SAMPLE_DIR / "manifest.toml").read_text(encoding="utf-8")
    (folder / "manifest.toml").write_text(sample_manifest + "\n" + manifest, encoding="utf-8")
    return folder


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_sample_library_says_plainly_that_there_is_nothing_to_compare():
    at = make_app(page="pages/yearly.py")
    assert_clean(at)
    assert any("该单位只有一个年度的计划（2022年），无法对比" in i.value for i in at.info)
    assert "每个单位都只有一个年度的计划" in all_text(at)
    assert at.selectbox(key="yoy_organ").value == "区市场监管局"
    assert not at.metric and not at.tabs


def test_two_years_of_one_organ(yearly_library):
    at = use_library(make_app(page="pages/yearly.py"), yearly_library)
    assert_clean(at)
    assert at.selectbox(key="yoy_organ").value == ORGAN  # the organ with two years comes first
    assert at.selectbox(key="yoy_from").value == 2022 and at.selectbox(key="yoy_to").value == 2023
    assert at.query_params["organ"] == ORGAN and at.query_params["from"] == "2022"
    assert metrics(at) == {"延续（原文未变）": "16", "延续（措辞调整）": "1", "2023年新增": "1",
                           "2022年有、2023年没有": "2"}
    text = all_text(at)
    assert "**新涉及的主题**：疫情防控" in text and "乡村振兴与定点帮扶" in text
    body = html_bodies(at)
    assert "做好机关常态化疫情防控工作" in body          # added
    assert "积极倡树发展正能量" in body and "主动融入重大发展战略" in body  # dropped
    assert "措辞调整（" in body and "<del>充分</del>" in body and "<ins>更好</ins>" in body  # pair side by side, diff marked
    at.toggle(key="yoy_changed_only").set_value(False).run()
    assert_clean(at)
    assert html_bodies(at).count("原文未变（") == 16


def test_url_prefills_organ_and_years_and_swapped_years_are_ordered(yearly_library):
    at = make_app()
    use_library(at, yearly_library)
    at.query_params.update({"organ": ORGAN, "from": "2023", "to": "2022"})
    at.switch_page("pages/yearly.py").run()
    assert_clean(at)
    assert at.selectbox(key="yoy_from").value == 2023
    assert "已按时间先后对比" in all_text(at)
    assert metrics(at)["2023年新增"] == "1"


def test_same_year_twice_and_single_year_organ(yearly_library):
    at = use_library(make_app(page="pages/yearly.py"), yearly_library)
    at.selectbox(key="yoy_to").set_value(2022).run()
    assert any("请选择两个不同的年度" in i.value for i in at.info)
    at.selectbox(key="yoy_organ").set_value("市委政研室").run()
    assert_clean(at)
    assert any("该单位只有一个年度的计划" in i.value for i in at.info)
    assert "from" not in at.query_params


def test_year_filter_in_the_sidebar_is_honoured(yearly_library):
    at = use_library(make_app(page="pages/yearly.py"), yearly_library)
    at.multiselect(key="years").set_value([2023]).run()
    assert_clean(at)
    assert at.selectbox(key="yoy_organ").options == [f"{ORGAN}（仅一个年度）"]
    assert any("无法对比" in i.value for i in at.info)


def test_word_diff_escapes_plan_text():
    from app.tables import diff_html

    before, after = diff_html("落实<script>制度", "认真落实<script>制度")
    assert before == "落实&lt;script&gt;制度" and after == "<ins>认真</ins>落实&lt;script&gt;制度"
