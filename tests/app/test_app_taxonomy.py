"""主题分类 page: edit themes in a table, validate with the loader's errors, save, restore."""
from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np

from app import taxonomy_editor as te
from core.taxonomy import load_taxonomy, parse_taxonomy

from apphelpers import assert_clean
from libkit import TAXONOMY, library, taxonomy_file, taxonomy_page, texts  # noqa: F401 (fixtures)


def edit(at, rows: dict[int, dict], added: list[dict] | None = None):
    key = at.data_editor[0].key
    at.session_state[key] = {"edited_rows": rows, "added_rows": added or [], "deleted_rows": []}
    return at.button(key="tax_save").click().run()


def row_of(at, theme_id: str) -> int:
    return list(at.data_editor[0].value["id"]).index(theme_id)


def heatmap(at) -> dict:
    at.switch_page("pages/coverage.py").run()
    assert_clean(at)
    data = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]
    z = data["z"]
    if isinstance(z, dict):  # plotly's typed-array encoding
        shape = [int(n) for n in str(z["shape"]).split(",")]
        z = np.frombuffer(base64.b64decode(z["bdata"]), dtype=z["dtype"]).reshape(shape).tolist()
    return dict(zip(data["y"], z))


def test_table_round_trip_is_exact():
    tax = load_taxonomy(TAXONOMY)
    text = TAXONOMY.read_text(encoding="utf-8")
    again = parse_taxonomy(te.render(te.taxonomy_from_table(te.table_from_taxonomy(tax), tax), text))
    assert again.themes == tax.themes and again.dimensions == tax.dimensions
    assert te.render(tax, text).startswith(te.header_comments(text))


def test_page_shows_every_theme_with_lists_as_text(library, taxonomy_file: Path):
    at = taxonomy_page()
    assert_clean(at)
    table = at.data_editor[0].value
    assert len(table) == 29 and at.data_editor[0].editing_mode == "dynamic"
    smart = table[table["id"] == "smart"].iloc[0]
    assert "\n" in smart["regex"] and "{0,10}" in smart["regex"]  # one regex per line, commas kept
    assert "，" in table[table["id"] == "political_org"].iloc[0]["terms"]
    assert any("未设置管理员密码" in i for i in texts(at, "info"))


def test_bad_regex_shows_the_line_and_writes_nothing(library, taxonomy_file: Path):
    before = taxonomy_file.read_bytes()
    at = taxonomy_page()
    at = edit(at, {row_of(at, "smart"): {"regex": "(未闭合\n信息化"}})
    assert not at.exception
    errors = texts(at, "error")
    assert len(errors) == 1
    assert "行：主题“smart”的 regex 正则" in errors[0] and "无效" in errors[0]
    assert "表格第" in errors[0] and "分类文件没有改动" in errors[0]
    assert any("→" in c.value and "(未闭合" in c.value for c in at.code)
    assert taxonomy_file.read_bytes() == before
    assert not (taxonomy_file.parent / te.HISTORY_DIR).exists()


def test_regex_re2_cannot_run_is_refused_before_saving(library, taxonomy_file: Path):
    before = taxonomy_file.read_bytes()
    at = taxonomy_page()
    at = edit(at, {row_of(at, "smart"): {"regex": "信息化(?=建设)"}})
    errors = texts(at, "error")
    assert len(errors) == 1 and "行：主题“smart”的 regex 正则" in errors[0]
    assert "使用了不支持的写法" in errors[0] and "分类文件没有改动" in errors[0]
    assert taxonomy_file.read_bytes() == before


def test_duplicate_id_and_unknown_dimension_are_refused(library, taxonomy_file: Path):
    before = taxonomy_file.read_bytes()
    at = taxonomy_page()
    at = edit(at, {row_of(at, "smart"): {"id": "epidemic"}})
    assert any("主题 id“epidemic”重复" in e for e in texts(at, "error"))
    at = edit(at, {row_of(at, "smart"): {"dimension": "nowhere"}})
    assert any("维度“nowhere”未定义" in e for e in texts(at, "error"))
    assert taxonomy_file.read_bytes() == before


def test_valid_edit_changes_coverage_at_once_and_can_be_restored(library, taxonomy_file: Path):
    original = taxonomy_file.read_bytes()
    at = taxonomy_page()
    rows = heatmap(at)
    political = next(label for label in rows if label.endswith("政治机关建设"))
    assert any(rows[political])  # some plan covers it today
    at.switch_page("pages/taxonomy.py").run()
    at = edit(at, {row_of(at, "political_org"): {"terms": "完全不会出现的词语甲，完全不会出现的词语乙",
                                            "regex": ""}})
    assert_clean(at)
    assert any("已保存主题分类" in s for s in texts(at, "success"))
    saved = load_taxonomy(taxonomy_file).theme("political_org")
    assert saved.terms == ("完全不会出现的词语甲", "完全不会出现的词语乙") and saved.regex == ()
    assert taxonomy_file.read_text(encoding="utf-8").startswith("# 党建计划对照看板")  # header kept
    versions = te.history_versions(taxonomy_file)
    assert len(versions) == 1
    assert (taxonomy_file.parent / te.HISTORY_DIR / versions[0].name).read_bytes() == original
    assert not any(heatmap(at)[political])  # the heatmap follows without a restart
    # restore the previous version from the page
    at.switch_page("pages/taxonomy.py").run()
    at.selectbox(key="tax_restore_choice").set_value(versions[0].name).run()
    at.button(key="tax_restore").click().run()
    assert_clean(at)
    assert taxonomy_file.read_bytes() == original
    assert len(te.history_versions(taxonomy_file)) == 2  # the edited version was kept too
    assert any(heatmap(at)[political])


def test_adding_a_theme(library, taxonomy_file: Path):
    at = taxonomy_page()
    at = edit(at, {}, added=[{"id": "archives", "name": "党建档案", "dimension": "organization",
                              "required": False, "terms": "党建档案, 台账"}])
    assert_clean(at)
    theme = load_taxonomy(taxonomy_file).theme("archives")
    assert theme.terms == ("党建档案", "台账") and theme.required is False
    assert len(at.data_editor[0].value) == 30
