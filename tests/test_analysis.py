"""Coverage, omissions and the section matrix over a library."""
from __future__ import annotations

import pytest

import core
from conftest import SAMPLE_DIR

SMALL_PLAN = """2023年某局机关党建工作要点
总体要求：做好常态化疫情防控，以优异成绩迎接二十大。
一、思想建设
1.加强理论学习。落实“第一议题”制度。
2.做好思想政治工作。经常开展谈心谈话。
二、组织建设
3.严格组织生活。落实“三会一课”制度。
"""


@pytest.fixture(scope="module")
def sample_lib():
    return core.open_library(SAMPLE_DIR)


@pytest.fixture
def small_lib(tmp_path):
    (tmp_path / "small.txt").write_text(SMALL_PLAN, encoding="utf-8")
    return core.open_library(tmp_path)


def test_coverage_has_one_row_per_plan_and_theme(sample_lib):
    cov = sample_lib.coverage()
    assert len(cov) == len(sample_lib.plans) * len(sample_lib.taxonomy.themes)
    assert (cov["covered"] == (cov["count"] > 0)).all()


def test_evidence_offsets_point_at_the_wording(sample_lib):
    items = sample_lib.items.set_index("item_id")
    for row in sample_lib.coverage().itertuples():
        evidence = sample_lib.evidence_for(row.plan_id, row.theme)
        assert bool(evidence) == row.covered
        assert len({ev["item_id"] for ev in evidence}) == row.count
        for ev in evidence:
            text = items.loc[ev["item_id"], "text"]
            assert ev["text"] == text and ev["title"] == items.loc[ev["item_id"], "title"]
            assert core.fold(text[ev["start"]:ev["end"]]) == core.fold(ev["term"])


def test_preamble_mentions_do_not_count(small_lib):
    cov = small_lib.coverage().set_index("theme")
    assert not cov.loc["epidemic", "covered"]
    assert "epidemic" in set(small_lib.preamble_mentions["theme"])
    om = small_lib.omissions().set_index("theme")
    assert "前言" in om.loc["epidemic", "preamble_mention"]


def test_items_cover_their_themes(small_lib):
    cov = small_lib.coverage().set_index("theme")
    assert cov.loc["theory_study", "count"] == 1
    assert cov.loc["ideo_political_work", "count"] == 1
    assert cov.loc["org_life", "count"] == 1


def test_omissions_are_required_uncovered_with_a_reason(sample_lib):
    om = sample_lib.omissions()
    cov = sample_lib.coverage()
    expected = cov[cov["required"] & ~cov["covered"]][["plan_id", "theme"]]
    assert sorted(map(tuple, om[["plan_id", "theme"]].values)) == sorted(map(tuple, expected.values))
    assert om["reason"].str.len().gt(0).all()


def test_omission_candidate_belongs_to_the_plan(sample_lib):
    om = sample_lib.omissions()
    with_candidate = om[om["candidate_item_id"] != ""]
    assert len(with_candidate) > 0
    assert (with_candidate["candidate_item_id"].str.split(":").str[0] == with_candidate["plan_id"]).all()


def test_section_matrix_by_dimension(sample_lib):
    m = sample_lib.section_matrix(by="dimension")
    assert list(m.index) == [d.name for d in sample_lib.taxonomy.dimensions]
    assert list(m.columns) == list(sample_lib.plans["plan_id"])
    total = sum(len(cell) for col in m.columns for cell in m[col])
    assert total == len(sample_lib.sections)
    # 001 has no section about 服务中心: its cell is empty (shown as 未涉及)
    assert m.loc["服务中心", "001_69a5c787e4f211fb"] == []


def test_section_matrix_by_order(sample_lib):
    m = sample_lib.section_matrix(by="order")
    assert list(m.index) == [f"第{k}章" for k in range(1, 8)]
    assert m.loc["第7章", "003_1cfe0b25e4194644"][0]["title"] == "压紧压实全面从严治党责任"
    assert m.loc["第7章", "000_c066458c1de48185"] == []
    first = m.loc["第1章", "000_c066458c1de48185"][0]
    assert [it["title"] for it in first["items"]][0] == "筑牢“两个确立”的政治根基"


def test_section_matrix_rejects_unknown_mode(sample_lib):
    with pytest.raises(ValueError, match="按维度"):
        sample_lib.section_matrix(by="size")


def test_second_taxonomy_at_run_time(tmp_path, small_lib):
    custom = tmp_path / "2023.toml"
    custom.write_text("""
[[dimension]]
id = "theory"
name = "思想建设"
about = ["思想"]

[[theme]]
id = "talks"
name = "谈心谈话"
dimension = "theory"
scope = "谈心谈话"
required = true
terms = ["谈心谈话"]
""", encoding="utf-8")
    lib = small_lib.retag(core.load_taxonomy(custom))
    cov = lib.coverage()
    assert list(cov["theme"]) == ["talks"] and cov["count"].item() == 1
    assert lib.omissions().empty
