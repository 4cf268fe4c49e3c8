"""The shared frame: sidebar filters ↔ URL, library input, load errors, escaping, caching."""
from __future__ import annotations

from pathlib import Path

from app.frame import load_library, resolve_library_path
from app.safe import md_escape

from apphelpers import (EVIL_ORGAN, all_text, assert_clean, dataframe_rows, evil_library, make_app,
                        use_library)


def test_dashboard_opens_on_overview_with_sidebar():
    at = make_app()
    assert_clean(at)
    assert at.title[0].value == "总览"
    assert at.selectbox(key="library").value == "默认计划库"
    assert at.selectbox(key="library").options == ["默认计划库"]
    assert not at.text_input  # no free-text path anywhere
    assert at.multiselect(key="organs").options and at.multiselect(key="organs").value == []
    assert "years" in [w.key for w in at.sidebar.multiselect]


def test_query_params_prefill_filters():
    at = make_app({"organs": "市委政研室,区市场监管局", "years": "2022"})
    assert_clean(at)
    assert at.multiselect(key="organs").value == ["市委政研室", "区市场监管局"]
    assert at.multiselect(key="years").value == [2022]
    assert dataframe_rows(at) == 2


def test_unknown_values_in_the_url_are_dropped():
    at = make_app({"organs": "不存在的单位,市委政研室", "years": "1999"})
    assert_clean(at)
    assert at.multiselect(key="organs").value == ["市委政研室"]
    assert at.multiselect(key="years").value == []
    assert at.query_params["organs"] == "市委政研室"
    assert "years" not in at.query_params


def test_filter_change_is_written_to_the_url():
    at = make_app()
    at.multiselect(key="organs").select("市直机关工委").run()
    assert at.query_params["organs"] == "市直机关工委"
    assert dataframe_rows(at) == 1
    at.multiselect(key="organs").unselect("市直机关工委").run()
    assert "organs" not in at.query_params
    assert dataframe_rows(at) == 5


def test_filters_survive_a_page_switch():
    at = make_app({"organs": "市委政研室"})
    at.switch_page("pages/coverage.py").run()
    assert_clean(at)
    assert at.multiselect(key="organs").value == ["市委政研室"]
    assert at.query_params["organs"] == "市委政研室"


def test_missing_library_folder_says_so_in_chinese(tmp_path: Path):
    at = make_app()
    use_library(at, tmp_path / "没有这个文件夹")
    assert not at.exception
    assert any("文件夹不存在" in e.value and str(tmp_path) not in e.value for e in at.error)
    at.selectbox(key="library").set_value("样例计划库").run()
    assert_clean(at)
    assert dataframe_rows(at) == 5


def test_empty_library_says_so(tmp_path: Path):
    at = use_library(make_app(), tmp_path)
    assert_clean(at)
    assert any("还没有可读取的计划文件" in i.value for i in at.info)


def test_other_library_unreadable_file_and_escaping(evil_library: Path):
    at = use_library(make_app(), evil_library)
    assert not at.exception
    assert any("无法读取" in w.value for w in at.sidebar.warning)
    assert EVIL_ORGAN in at.multiselect(key="organs").options
    assert dataframe_rows(at) == 6
    text = all_text(at)
    assert "<b>恶意" not in text and "<script" not in text


def test_overview_shows_escaped_organ_names_in_markdown(evil_library: Path):
    at = use_library(make_app(), evil_library)
    markdown = "\n".join(m.value for m in at.markdown)
    assert md_escape(EVIL_ORGAN) in markdown  # listed among the plans that omit themes
    assert EVIL_ORGAN not in markdown


def test_library_is_cached_across_reruns():
    folder = resolve_library_path("data/plans")
    assert load_library(folder) is load_library(folder)


def test_md_escape_neutralises_markdown_and_html():
    escaped = md_escape("<script>x</script>[a](b) *c* _d_ `e` #f $g$ ~h~ |i| &")
    for raw in ("<script", "[a]", "(b)", "*c*", "_d_", "`e`", "$g$", "~h~", "|i|"):
        assert raw not in escaped
    assert "&lt;script&gt;" in escaped and "&amp;" in escaped
