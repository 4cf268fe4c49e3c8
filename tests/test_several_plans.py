"""One organ with plans for two years, another with two plans in one year: every CLI
command works and reports each plan apart (the coverage table crashed: "Index contains
duplicate entries"). Each plan's figures must equal those of the same plan opened alone."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.cli import build_parser, main
from core.library import open_library
from tests.plan_builders import drop_item, sample_lines, write_library

PLANS = {  # file → (organ, year, sample the text comes from, item dropped)
    "gw2021.txt": ("市直机关工委", 2021, "004_9c5b98e22b1f5069.txt", 3),
    "gw2022.txt": ("市直机关工委", 2022, "004_9c5b98e22b1f5069.txt", None),
    "sj_a.txt": ("区市场监管局", 2022, "000_c066458c1de48185.txt", None),
    "sj_b.txt": ("区市场监管局", 2022, "002_07e1a61bf54791a3.txt", None),
}
LABELS = {"gw2021": "市直机关工委（2021）", "gw2022": "市直机关工委（2022）",
          "sj_a": "区市场监管局（2022）〔sj_a〕", "sj_b": "区市场监管局（2022）〔sj_b〕"}


def _lines(sample: str, dropped: int | None) -> list[str]:
    lines = sample_lines(sample)
    return drop_item(lines, dropped) if dropped else lines


@pytest.fixture(scope="module")
def several(tmp_path_factory) -> Path:
    return write_library(tmp_path_factory.mktemp("several"), {
        name: (organ, year, _lines(sample, dropped)) for name, (organ, year, sample, dropped) in PLANS.items()})


@pytest.fixture(scope="module")
def alone(tmp_path_factory) -> dict[str, dict[str, int]]:
    """plan_id → theme name → item count, each plan opened in a library of its own."""
    out = {}
    for name, (organ, year, sample, dropped) in PLANS.items():
        lib = open_library(write_library(tmp_path_factory.mktemp(name), {name: (organ, year, _lines(sample, dropped))}))
        cov = lib.coverage()
        out[Path(name).stem] = dict(zip(cov["theme_name"], cov["count"].astype(int)))
    return out


def commands() -> set[str]:
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    return set(sub.choices)


# argv per command (every command of ``python -m core --help``; the set is checked below)
CALLS = {
    "parse": lambda lib: ["parse", str(lib / "sj_b.txt")],
    "list": lambda lib: ["list", str(lib)],
    "coverage": lambda lib: ["coverage", str(lib)],
    "omissions": lambda lib: ["omissions", str(lib)],
    "search": lambda lib: ["search", "三会一课", "--library", str(lib)],
    "reference": lambda lib: ["reference", "gw2022", "--library", str(lib)],
    "distinct": lambda lib: ["distinct", "sj_a", "--library", str(lib)],
    "commitments": lambda lib: ["commitments", "--library", str(lib)],
    "scorecard": lambda lib: ["scorecard", "sj_b", "--library", str(lib)],
    "yoy": lambda lib: ["yoy", "市直机关工委", "2021", "2022", "--library", str(lib)],
    "review": lambda lib: ["review", "list", "--library", str(lib)],
    "trash": lambda lib: ["trash", "--library", str(lib)],
    "history": lambda lib: ["history", "--library", str(lib)],
}
WRITERS = {"add", "remove", "restore"}  # run on a copy below


def test_every_command_is_exercised():
    assert commands() == set(CALLS) | WRITERS


@pytest.mark.parametrize("command", sorted(CALLS))
def test_command_runs_text_and_json(several, capsys, command):
    argv = CALLS[command](several)
    assert main(argv) == 0, capsys.readouterr().err
    capsys.readouterr()
    assert main([*argv, "--json"]) == 0, capsys.readouterr().err
    json.loads(capsys.readouterr().out)


def test_coverage_table_has_one_column_per_plan_with_its_own_counts(several, alone, capsys):
    assert main(["coverage", str(several)]) == 0
    header, _, *rows = capsys.readouterr().out.splitlines()
    assert header.split()[-len(LABELS):] == list(LABELS.values())  # after the columns' name
    lib = open_library(several)
    for row in rows:
        theme, *counts = row.split()
        for plan_id, count in zip(LABELS, counts):
            assert int(count) == alone[plan_id][theme], (plan_id, theme)
    assert len(rows) == len(lib.taxonomy.themes)


def test_coverage_json_cells_per_plan_match_the_plan_alone(several, alone, capsys):
    assert main(["coverage", str(several), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    names = {t["id"]: t["name"] for t in data["themes"]}
    got = {(c["plan"], names[c["theme"]]): c["count"] for c in data["cells"]}
    assert got == {(p, t): n for p, counts in alone.items() for t, n in counts.items()}


def test_text_outputs_name_each_plan_apart(several, capsys):
    for command in ("omissions", "commitments", "reference", "search"):
        assert main(CALLS[command](several)) == 0
        out = capsys.readouterr().out
        named = {label for label in LABELS.values() if label in out}
        assert named, (command, out[:300])
        assert "区市场监管局\t" not in out and "\t区市场监管局（2022）\t" not in out


def test_omissions_per_plan_match_the_plan_alone(several, tmp_path_factory, capsys):
    assert main(["omissions", str(several), "--json"]) == 0
    together = {(o["plan"], o["theme"]) for o in json.loads(capsys.readouterr().out)["omissions"]}
    for name, (organ, year, sample, dropped) in PLANS.items():
        lib = open_library(write_library(tmp_path_factory.mktemp("o" + name), {name: (organ, year, _lines(sample, dropped))}))
        own = {(r.plan_id, r.theme) for r in lib.omissions(candidates=False).itertuples()}
        assert own == {pair for pair in together if pair[0] == Path(name).stem}


def test_add_remove_restore_on_a_copy(several, tmp_path, capsys):
    import shutil
    lib = tmp_path / "lib"
    shutil.copytree(several, lib, ignore=shutil.ignore_patterns(".index", ".lock"))
    extra = tmp_path / "x.txt"
    extra.write_text("\n".join(_lines("001_69a5c787e4f211fb.txt", None)), encoding="utf-8")
    assert main(["add", str(extra), "--organ", "市直机关工委", "--year", "2023", "--library", str(lib)]) == 0
    capsys.readouterr()
    for plan_id in ("gw2021", "sj_b"):
        assert main(["remove", plan_id, "--library", str(lib)]) == 0
        trash_id = capsys.readouterr().out.split("restore ")[-1].strip()
        code = main(["restore", trash_id, "--library", str(lib)])
        if plan_id == "sj_b":  # the store keeps one plan per organ and year: sj_a is still there
            assert code == 2 and "已有区市场监管局 2022 年的计划（sj_a.txt）" in capsys.readouterr().err
        else:
            assert code == 0
    assert set(open_library(lib).plans["plan_id"]) == set(LABELS) - {"sj_b"} | {"x"}
