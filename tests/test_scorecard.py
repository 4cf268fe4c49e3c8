"""Organ scorecard: the parts, and the Word document they make."""
from __future__ import annotations

import io

import docx
import pytest
from docx.oxml.ns import qn

import core
from core.scorecard import EAST_ASIAN_FONT, scorecard, scorecard_docx
from tests.conftest import SAMPLE_DIR

PLAN = "001_69a5c787e4f211fb"  # 市级机关工委: several omissions, several commitments


@pytest.fixture(scope="module")
def lib():
    return core.open_library(SAMPLE_DIR)


@pytest.fixture(scope="module")
def document(lib):
    return docx.Document(io.BytesIO(scorecard_docx(lib, PLAN)))


def all_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    parts += [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join(parts)


def test_scorecard_parts(lib):
    card = scorecard(lib, PLAN)
    assert card["plan"]["organ"] == "市级机关工委" and card["plan"]["year"] == 2022
    assert card["plan"]["sections"] == len(card["structure"]) == 6
    assert card["structure"]["items"].sum() == card["plan"]["items"] == 19
    assert card["structure"].iloc[0]["item_titles"][0] == "1、深入学习领会习近平新时代中国特色社会主义思想"
    assert len(card["coverage"]) == len(lib.taxonomy.themes)
    required = lib.coverage()
    required = required[(required["plan_id"] == PLAN) & required["required"] & ~required["covered"]]
    assert set(card["omissions"]["theme"]) == set(required["theme"]) and len(card["omissions"]) == 6
    assert set(card["coverage"].loc[card["coverage"]["status"] == "未涉及", "theme"]) >= set(required["theme"])
    assert (card["distinctive"]["plan_id"] == PLAN).all()
    assert "每年度至少两次" in set(card["commitments"]["wording"])


def test_docx_names_the_organ_every_required_theme_and_the_omissions(lib, document):
    text = all_text(document)
    assert "市级机关工委" in document.paragraphs[0].text
    coverage_table = next(t for t in document.tables if t.rows[0].cells[1].text == "主题")
    names = [row.cells[1].text for row in coverage_table.rows[1:]]
    assert names == [t.name for t in lib.taxonomy.required_themes]
    omissions = scorecard(lib, PLAN)["omissions"]
    omission_table = next(t for t in document.tables if t.rows[0].cells[0].text == "缺少的主题")
    assert [row.cells[0].text for row in omission_table.rows[1:]] == omissions["theme_name"].tolist()
    for reason in omissions["reason"]:
        assert reason in text
    for heading in ("一、结构", "二、必选主题覆盖", "三、缺项及最接近的条目", "四、特色任务", "五、量化目标和时间节点"):
        assert heading in text
    assert "每年度至少两次" in text


def test_docx_sets_an_east_asian_font(document):
    for name in ("Normal", "Heading 1", "Title"):
        fonts = document.styles[name].element.rPr.find(qn("w:rFonts"))
        assert fonts.get(qn("w:eastAsia")) == EAST_ASIAN_FONT
        assert fonts.get(qn("w:eastAsiaTheme")) is None


def test_every_sample_plan_makes_a_document(lib):
    for plan_id, organ in zip(lib.plans["plan_id"], lib.plans["organ"]):
        doc = docx.Document(io.BytesIO(scorecard_docx(lib, plan_id)))
        assert organ in doc.paragraphs[0].text


def test_unknown_plan(lib):
    with pytest.raises(KeyError):
        scorecard(lib, "nope")
