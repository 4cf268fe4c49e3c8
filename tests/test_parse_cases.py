"""Data-driven parser cases (tests/data/parse_cases.json), one test per style."""
from __future__ import annotations

import pytest

from core import parse_plan
from conftest import load_json

CASES = load_json("parse_cases.json")["cases"]


def _project(actual: dict, expected: dict) -> dict:
    """Keep only the keys the expectation states, recursively."""
    out = {}
    for key, value in expected.items():
        if key == "warnings_min":
            continue
        got = actual.get(key)
        if isinstance(value, list) and value and isinstance(value[0], dict):
            out[key] = [_project(g, e) for g, e in zip(got, value)] + got[len(value):]
        else:
            out[key] = got
    return out


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_parse_case(case):
    plan = parse_plan(case["text"])
    expected = case["expect"]
    assert _project(plan.to_dict(), expected) == {k: v for k, v in expected.items() if k != "warnings_min"}
    assert len(plan.warnings) >= expected.get("warnings_min", 0)


def test_empty_text_gives_empty_plan_with_warning():
    plan = parse_plan("  \n\n ")
    assert plan.sections == [] and plan.preamble == "" and plan.warnings
