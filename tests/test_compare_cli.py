"""python -m core reference / distinct / commitments / scorecard / yoy: output, files and errors."""
from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from conftest import ROOT, SAMPLE_DIR
from core.cli import main
from tests.plan_builders import body_of, drop_item, item_line, replace_item, sample_lines, write_library

REFERENCE = "004_9c5b98e22b1f5069"  # 市直机关工委
PLAN = "000_c066458c1de48185"       # 区市场监管局
LIB = ["--library", str(SAMPLE_DIR)]


def run_json(capsys, *argv):
    assert main([*argv, *LIB, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def run_error(capsys, *argv) -> str:
    assert main(list(argv)) == 2
    err = capsys.readouterr().err.strip()
    assert err and "\n" not in err and "Traceback" not in err
    return err


@pytest.fixture(scope="module")
def two_years(tmp_path_factory) -> Path:
    lines = sample_lines("004_9c5b98e22b1f5069.txt")
    reworded = body_of(item_line(lines, 8)).replace("充分发挥", "更好发挥")
    lines_2023 = drop_item(replace_item(lines, 8, reworded), 11)
    return write_library(tmp_path_factory.mktemp("yoy"), {
        "a2022.txt": ("市直机关工委", 2022, lines), "a2023.txt": ("市直机关工委", 2023, lines_2023),
        "other.txt": ("区市场监管局", 2022, sample_lines("000_c066458c1de48185.txt"))})


def test_reference_json_and_xlsx(capsys, tmp_path):
    out = tmp_path / "对标.xlsx"
    data = run_json(capsys, "reference", REFERENCE, "--xlsx", str(out))
    assert data["reference"] == {"plan_id": REFERENCE, "organ": "市直机关工委", "year": 2022}
    assert data["statuses"] == ["已部署", "部分涉及", "未见部署"]
    rows = data["rows"]
    assert len(rows) == 19 * 4 and {r["status"] for r in rows} <= set(data["statuses"])
    first = rows[0]
    assert first["reference_title"] == "学深悟透习近平新时代中国特色社会主义思想"
    assert isinstance(first["shared_themes"], list) and isinstance(first["score"], float)
    workbook = load_workbook(out)
    assert workbook.sheetnames == ["汇总", "明细"]
    assert workbook["明细"]["A1"].value == "对标条目编号"


def test_reference_text_and_organ_filter(capsys):
    assert main(["reference", REFERENCE, "--organs", "市委政研室"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("对标计划：市直机关工委（2022）　19 条任务 × 1 个单位")
    assert "市委政研室\t已部署" in out and "区市场监管局" not in out


def test_distinct_json_lists_own_and_shared_items(capsys):
    data = run_json(capsys, "distinct", "002_07e1a61bf54791a3")
    assert data["plan"]["organ"] == "市委政研室" and data["threshold"] == 0.08
    assert all(d["best_similarity"] < 0.08 for d in data["distinctive"])
    shared = data["shared"]
    assert len(shared) == 1 and {m["organ"] for m in shared[0]["items"]} == {"市委政研室", "市场监管某局"}
    assert main(["distinct", PLAN]) == 0
    out = capsys.readouterr().out
    assert "特色任务 7 条" in out and "激活机关干部“亚运时间”" in out


def test_commitments_all_one_plan_and_kind(capsys):
    data = run_json(capsys, "commitments")
    assert len(data["commitments"]) == 22
    data = run_json(capsys, "commitments", PLAN, "--kind", "比例")
    assert [c["wording"] for c in data["commitments"]] == ["全覆盖", "100%"]
    assert data["commitments"][0]["item_id"] == f"{PLAN}:5.2"
    assert main(["commitments", "002_07e1a61bf54791a3"]) == 0
    assert "没有找到量化目标或时间要求" in capsys.readouterr().out


def test_scorecard_docx_and_json(capsys, tmp_path):
    out = tmp_path / "画像.docx"
    assert main(["scorecard", PLAN, "--docx", str(out)]) == 0
    text = capsys.readouterr().out
    assert f"已保存：{out}" in text and "必选主题覆盖 27/29" in text and "缺：智慧党建与信息化" in text
    doc = Document(io.BytesIO(out.read_bytes()))
    assert doc.paragraphs[0].text.startswith("区市场监管局2022年")
    data = run_json(capsys, "scorecard", PLAN)
    assert data["plan"]["organ"] == "区市场监管局" and len(data["omissions"]) == 2
    assert set(data) == {"plan", "structure", "coverage", "omissions", "distinctive", "commitments"}


def test_year_over_year(capsys, two_years):
    assert main(["yoy", "市直机关工委", "2022", "2023", "--library", str(two_years), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["plans_a"] == ["a2022"] and data["plans_b"] == ["a2023"]
    assert [d["title"] for d in data["dropped"]] == ["主动融入重大发展战略"]
    assert "rural" in data["themes_lost"] and data["added"] == []
    assert [c["change"] for c in data["carried"]].count("措辞调整") == 1
    assert main(["yoy", "市直机关工委", "2022", "2023", "--library", str(two_years)]) == 0
    out = capsys.readouterr().out
    assert "延续 18 条（其中措辞调整 1 条）" in out and "删去：11.主动融入重大发展战略" in out
    assert "不再涉及的主题：乡村振兴与定点帮扶" in out


@pytest.mark.parametrize("argv, words", [
    (["reference", "不存在"], "没有编号为 不存在 的计划"),
    (["distinct", "不存在"], "没有编号为 不存在 的计划"),
    (["commitments", "不存在"], "没有编号为 不存在 的计划"),
    (["scorecard", "不存在"], "没有编号为 不存在 的计划"),
    (["commitments", "--kind", "比例,目标"], "不认识的类型 目标"),
    (["yoy", "市直机关工委", "2022", "2023"], "没有“市直机关工委”2023年的计划"),
    (["yoy", "市直机关工委", "2022", "2022"], "两个不同的年度"),
    (["yoy", "市直机关工委", "二〇二二", "2023"], "命令参数有误"),
    (["scorecard", PLAN, "--docx", "/no/such/folder/画像.docx"], "找不到要保存到的文件夹"),
    (["reference", REFERENCE, "--library", "/no/such/library"], "找不到计划库文件夹"),
])
def test_errors_are_one_chinese_line_with_exit_code_2(capsys, argv, words):
    assert words in run_error(capsys, *argv)


def test_module_entry_point_exit_code():
    done = subprocess.run([sys.executable, "-m", "core", "reference", "不存在"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().startswith("计划库中没有编号为 不存在 的计划")
