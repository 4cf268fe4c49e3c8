"""Composed plans in the layouts real plans arrive in (tests/layouts.py): their trees,
organ and year, read through the public API as a user's file would be."""
from __future__ import annotations

import pytest

from core import load_plan
from conftest import covered_once
from layouts import LABELS, Score, fixture_file, score_plan

IDS = [label["file"] for label in LABELS]


@pytest.fixture(scope="module")
def parsed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("layouts")
    return {label["file"]: load_plan(fixture_file(label["file"], folder)) for label in LABELS}


def test_at_least_95_percent_of_elements_found_with_their_titles(parsed):
    total = Score()
    for label in LABELS:
        total.add(score_plan(parsed[label["file"]], label))
    assert total.recall >= 0.95, "\n".join(total.misses)
    assert total.precision >= 0.95, "\n".join(total.misses)


@pytest.mark.parametrize("label", LABELS, ids=IDS)
def test_each_plan_keeps_nine_in_ten_of_its_elements(parsed, label):
    score = score_plan(parsed[label["file"]], label)
    assert score.recall >= 0.9 and score.precision >= 0.9, "\n".join(score.misses)


@pytest.mark.parametrize("label", LABELS, ids=IDS)
def test_every_section_found(parsed, label):
    plan = parsed[label["file"]]
    assert [s.title.replace(" ", "") for s in plan.sections] == [s["title"] for s in label["sections"]]


@pytest.mark.parametrize("label", LABELS, ids=IDS)
def test_organ_is_named_in_the_text_or_unnamed(parsed, label):
    plan = parsed[label["file"]]
    assert plan.organ in label["organ"]
    assert plan.year == label["year"]
    assert plan.organ_source == ("none" if plan.organ == "未命名单位" else "text")


@pytest.mark.parametrize("label", LABELS, ids=IDS)
def test_every_character_covered_once(parsed, label):
    assert covered_once(parsed[label["file"]])
