"""python -m core: parse, list, coverage, omissions, search — output and errors."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import ROOT, SAMPLE_DIR
from core.cli import main

PLAN = str(SAMPLE_DIR / "000_c066458c1de48185.txt")


def run_json(capsys, *argv):
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_parse_json_shape(capsys):
    data = run_json(capsys, "parse", PLAN)
    assert set(data) >= {"file", "title", "organ", "year", "preamble", "sections", "warnings"}
    assert data["organ"] == "区市场监管局" and data["year"] == 2022
    section = data["sections"][0]
    assert set(section) >= {"marker", "title", "body", "items", "dimension"}
    assert set(section["items"][0]) >= {"marker", "title", "text", "points", "themes"}
    assert section["items"][0]["title"] == "筑牢“两个确立”的政治根基"


def test_parse_json_says_where_organ_and_year_came_from(capsys, tmp_path):
    data = run_json(capsys, "parse", PLAN)
    assert (data["organ_source"], data["year_source"]) == ("manifest", "manifest")  # the samples have a manifest
    unnamed = tmp_path / "12_tongzhan_unmarked_items_2022.txt"
    unnamed.write_text("压实党建工作责任。\n一、加强学习\n1.抓好中心组学习。每月一次。\n2.抓好支部学习。每月一次。\n",
                       encoding="utf-8")
    data = run_json(capsys, "parse", str(unnamed))
    assert (data["organ"], data["organ_source"], data["year"], data["year_source"]) == (
        "未命名单位", "none", 2022, "filename")


def test_parse_prints_readable_tree(capsys):
    assert main(["parse", PLAN]) == 0
    out = capsys.readouterr().out
    assert "一、强化政治引领“立根”，永葆绝对忠诚政治底色" in out and "（一）筑牢“两个确立”的政治根基" in out


def test_list_json(capsys):
    data = run_json(capsys, "list", str(SAMPLE_DIR))
    assert [p["organ"] for p in data["plans"]][:2] == ["区市场监管局", "市级机关工委"]
    assert data["errors"] == []


def test_coverage_json_shape(capsys):
    data = run_json(capsys, "coverage", str(SAMPLE_DIR))
    assert len(data["plans"]) == 5 and len(data["themes"]) == 29
    assert len(data["cells"]) == 5 * 29
    cell = next(c for c in data["cells"] if c["covered"])
    assert cell["count"] >= 1 and cell["evidence"] and {"item", "term", "start", "end"} <= set(cell["evidence"][0])
    assert all(bool(c["evidence"]) == c["covered"] for c in data["cells"])
    assert all(e["item"].split(":")[0] == c["plan"] for c in data["cells"] for e in c["evidence"])


def test_omissions_json(capsys):
    data = run_json(capsys, "omissions", str(SAMPLE_DIR))
    assert data["omissions"] and all(o["candidate"]["reason"] for o in data["omissions"])


def test_search_json(capsys):
    data = run_json(capsys, "search", "三会一课", "--library", str(SAMPLE_DIR))
    assert data["query"] == "三会一课" and data["mode"] == "exact"
    assert len(data["results"]) >= 4
    r = data["results"][0]
    assert set(r) >= {"plan", "organ", "file", "section", "item", "title", "text", "score", "spans"}
    s, e = r["spans"][0]
    assert r["text"][s:e] == "三会一课"


@pytest.mark.parametrize("argv,needle", [
    (["parse", "nope.txt"], "找不到文件"),
    (["list", "/no/such/dir"], "找不到计划库文件夹"),
    (["search", "x", "--mode", "fuzzy"], "检索方式"),
    (["frobnicate"], "命令参数有误"),
    (["coverage", "--taxonomy", "/no/such.toml"], "找不到主题分类文件"),
])
def test_errors_exit_2_with_one_chinese_line(capsys, argv, needle):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and "\n" not in err and "Traceback" not in err


def test_unreadable_file_exit_2(tmp_path, capsys):
    bad = tmp_path / "plan.doc"
    bad.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 64)
    assert main(["parse", str(bad)]) == 2
    assert ".docx" in capsys.readouterr().err


def test_module_entry_point_runs():
    proc = subprocess.run([sys.executable, "-m", "core", "list", str(SAMPLE_DIR)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "市委政研室" in proc.stdout


def test_progress_bar_draws_on_a_terminal_only(monkeypatch, capsys):
    from core import cli

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    cli.progress_bar(5, 10, "解析计划")
    cli.progress_bar(10, 10, "完成")
    err = capsys.readouterr().err
    assert "5/10 解析计划" in err and err.endswith("\n") and "█" * 30 in err
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    cli.progress_bar(1, 10, "x")
    assert capsys.readouterr().err == ""
