"""The taxonomy loader: default file contract, validation errors with lines, round-trip."""
from __future__ import annotations

import pytest

from core.tagging import tag_text
from core.taxonomy import (DEFAULT_TAXONOMY_PATH, Taxonomy, TaxonomyError, dump_taxonomy,
                           load_taxonomy, parse_taxonomy)

CONTRACT = {
    "political_org": "political", "theory_study": "theory", "party_history": "theory",
    "congress20": "congress20", "ideology": "theory", "ideo_political_work": "theory",
    "branch_building": "organization", "org_life": "organization", "member_mgmt": "organization",
    "cadre_team": "organization", "conduct": "conduct", "eight_rules": "discipline",
    "discipline_edu": "discipline", "supervision": "discipline", "clean_org": "discipline",
    "main_resp": "responsibility", "assessment": "responsibility", "model_org": "political",
    "integration": "center", "brand": "center", "serve_people": "center", "mass_org": "mass",
    "united_front": "mass", "civilization": "mass", "care": "mass", "epidemic": "center",
    "rural": "center", "research": "organization", "smart": "organization",
}
DIMENSIONS = ["political", "theory", "congress20", "organization", "conduct", "discipline",
              "responsibility", "center", "mass", "other"]

GOOD = '''\
[[dimension]]
id = "d1"
name = "维度一"
about = ["甲"]

[[theme]]
id = "t1"
name = "主题一"
dimension = "d1"
terms = ["甲乙"]
'''


def test_default_file_has_the_contract_ids():
    tax = load_taxonomy()
    assert tax.source == str(DEFAULT_TAXONOMY_PATH)
    assert tax.dimension_ids == DIMENSIONS
    assert len(tax.themes) == 29
    assert {t.id: t.dimension for t in tax.themes} == CONTRACT
    assert len(tax.required_themes) == 29
    assert all(t.name and t.scope and (t.terms or t.regex) for t in tax.themes)
    assert tax.theme("care").name == "关心关爱干部职工"
    with pytest.raises(KeyError):
        tax.theme("nope")


def test_minimal_file_parses():
    tax = parse_taxonomy(GOOD, source="x.toml")
    assert tax.theme("t1").terms == ("甲乙",)
    assert tax.theme("t1").required is True
    assert tax.dimension("d1").about == ("甲",)


def _error(text: str) -> TaxonomyError:
    with pytest.raises(TaxonomyError) as info:
        parse_taxonomy(text, source="用户.toml")
    return info.value


def test_toml_syntax_error_names_line():
    err = _error(GOOD + '\n[[theme]]\nid = "t2\n')
    assert err.line == 13
    assert "第13行" in str(err) and "语法" in str(err) and "用户.toml" in str(err)


def test_duplicate_theme_id_names_second_entry():
    err = _error(GOOD + '\n[[theme]]\nid = "t1"\nname = "又一"\ndimension = "d1"\nterms = ["丙"]\n')
    assert err.line == 12
    assert "重复" in str(err) and "t1" in str(err)


def test_unknown_dimension_names_its_line():
    err = _error(GOOD.replace('dimension = "d1"', 'dimension = "d9"'))
    assert err.line == 9
    assert "d9" in str(err) and "未定义" in str(err)


def test_theme_without_rules():
    err = _error(GOOD.replace('terms = ["甲乙"]', 'terms = []\nexclude = ["丙"]'))
    assert err.line == 6
    assert "匹配规则" in str(err)


def test_bad_regex_names_its_line():
    err = _error(GOOD + "regex = [\n  '甲(乙',\n]\n")
    assert err.line == 12
    assert "正则" in str(err) and "甲(乙" in str(err)
    err = _error(GOOD + "exclude = ['[丙']\n")
    assert err.line == 11
    err = _error(GOOD + "\nregex = ['甲[^。，]乙']\n")
    assert err.line == 12 and "全角" in str(err)


def test_missing_id_and_name():
    err = _error(GOOD.replace('id = "t1"\n', ""))
    assert err.line == 6 and "缺少 id" in str(err)
    err = _error(GOOD.replace('name = "维度一"\n', ""))
    assert err.line == 1 and "缺少 name" in str(err)


def test_missing_file_is_a_taxonomy_error(tmp_path):
    with pytest.raises(TaxonomyError):
        load_taxonomy(tmp_path / "none.toml")


def test_second_file_at_run_time(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(GOOD.replace('terms = ["甲乙"]', 'terms = ["数字机关"]'), encoding="utf-8")
    tax = load_taxonomy(path)
    assert tax.source == str(path)
    assert list(tag_text("建设数字机关。", tax)) == ["t1"]
    assert "smart" not in tag_text("建设数字机关。", tax)


def test_dump_round_trips_the_default():
    tax = load_taxonomy()
    again = parse_taxonomy(dump_taxonomy(tax))
    assert isinstance(again, Taxonomy)
    assert again.dimensions == tax.dimensions
    assert again.themes == tax.themes


@pytest.mark.parametrize("pattern", ["甲(?=乙)", "(?<!丙)甲", r"(甲)\1"])
def test_regex_re2_cannot_run_is_refused_with_its_line(pattern):
    err = _error(GOOD + f"regex = ['{pattern}']\n")
    assert err.line == 11 and "不支持的写法" in str(err)


def test_backtracking_regex_tags_in_linear_time():
    tax = parse_taxonomy(GOOD + "regex = ['(a+)+$', '[\\u4e00-\\u9fff]{2}b']\n")
    assert tag_text("a" * 5000 + "!", tax) == {}  # re would backtrack for ages here
    assert [e.term for e in tag_text("x丙丁b", tax)["t1"]] == ["丙丁b"]  # \u escapes work in RE2
