"""Every CLI command on a library where one organ has two years and two plans in one year.

The cases are data (tests/data/multi_year.json); a test below checks that every command
the CLI offers has a case, so a new command cannot skip this.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import core
from conftest import ROOT
from core.cli import build_parser, main

DATA = ROOT / "tests" / "data"
CASES = json.loads((DATA / "multi_year.json").read_text(encoding="utf-8"))["cases"]
WRITING = {"add", "remove", "restore"}  # covered by the store tests; they change the library


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("multi") / "plans"
    shutil.copytree(DATA / "multi_year", dest)
    return dest


def _fill(text: str, library: Path, ids: dict[str, str]) -> str:
    text = text.replace("{lib}", str(library))
    for file, plan_id in ids.items():
        text = text.replace(f"{{plan:{file}}}", plan_id)
    return text


@pytest.fixture(scope="module")
def plan_ids(library) -> dict[str, str]:
    plans = core.open_library(library).plans
    return dict(zip(plans["file"], plans["plan_id"]))


@pytest.mark.parametrize("case", CASES, ids=[" ".join(c["args"][:2]) for c in CASES])
def test_command_tells_the_plans_apart(case, library, plan_ids, capsys):
    args = [_fill(a, library, plan_ids) for a in case["args"]]
    code = main(args)
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "内部错误" not in err
    for expected in case["expect"]:
        assert _fill(expected, library, plan_ids) in out, (expected, out[:2000])


def test_every_command_has_a_case():
    commands = set(build_parser()._subparsers._group_actions[0].choices)
    assert commands - WRITING <= {c["args"][0] for c in CASES}
