"""python -m core add / remove / restore / trash / history."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLE_DIR, folder_snapshot, small_plan
from core.cli import main
from core.manifest import read_manifest

SAMPLE = "002_07e1a61bf54791a3.txt"  # 市委政研室 2022


@pytest.fixture
def upload(tmp_path: Path):
    """Write a file to upload (outside the library) and return its path as a string."""
    def write(name: str, data: bytes) -> str:
        path = tmp_path / "uploads" / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        return str(path)
    return write


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_add_saves_and_says_so(capsys, library_copy, upload):
    code, out, err = run(capsys, "add", upload("市委办.txt", small_plan("市委办", 2023)),
                         "--library", str(library_copy))
    assert (code, err) == (0, "")
    assert out.startswith("已保存：市委办.txt → 市委办 2023（编号 市委办）")
    assert read_manifest(library_copy)["市委办.txt"].year == 2023


def test_add_with_given_metadata(capsys, library_copy, upload):
    code, _, _ = run(capsys, "add", upload("x.txt", small_plan("市委办", 2023)), "--organ", "县委办",
                     "--year", "2024", "--level", "县", "--library", str(library_copy))
    entry = read_manifest(library_copy)["x.txt"]
    assert code == 0 and (entry.organ, entry.year, entry.level) == ("县委办", 2024, "县")


def test_add_reports_each_file_and_exits_2_if_any_refused(capsys, library_copy, upload):
    good = upload("good.txt", small_plan("市委办", 2023))
    empty = upload("empty.txt", b"")
    missing = str(Path(good).with_name("missing.txt"))
    code, out, err = run(capsys, "add", good, empty, missing, "--library", str(library_copy))
    assert code == 2
    assert "已保存：good.txt" in out
    lines = err.strip().splitlines()
    assert lines[0] == "未保存：empty.txt：文件是空的（0 字节），请检查是否选错了文件后重新上传"
    assert lines[1].startswith("未保存：missing.txt：找不到文件")
    assert lines[2] == "3 个文件中有 2 个未保存，原因见上。"


def test_add_json(capsys, library_copy, upload):
    dup = upload("dup.txt", (SAMPLE_DIR / SAMPLE).read_bytes())
    new = upload("new.txt", small_plan("市委办", 2023))
    code, out, _ = run(capsys, "add", dup, new, "--library", str(library_copy), "--json")
    data = json.loads(out)
    assert code == 2
    refused, saved = data["results"]
    assert (refused["status"], refused["code"]) == ("refused", "duplicate")
    assert SAMPLE in refused["message"]
    assert (saved["status"], saved["plan_id"], saved["organ"], saved["year"]) == ("saved", "new", "市委办", 2023)


def test_add_replace_and_confirm_unstructured(capsys, library_copy, upload):
    newer = upload("政研室新版.txt", small_plan("市委政研室", 2022))
    code, _, err = run(capsys, "add", newer, "--library", str(library_copy))
    assert code == 2 and "--replace" in err
    code, out, _ = run(capsys, "add", newer, "--library", str(library_copy), "--replace")
    assert code == 0 and "旧版本已移入历史记录" in out

    loose = upload("散文.txt", "2023年市委办机关党建工作：全年抓好学习。".encode())
    code, _, err = run(capsys, "add", loose, "--library", str(library_copy))
    assert code == 2 and "--confirm-unstructured" in err
    code, out, _ = run(capsys, "add", loose, "--library", str(library_copy), "--confirm-unstructured")
    assert code == 0 and "提示：未识别出章节和条目编号" in out


def test_remove_trash_restore_history(capsys, library_copy, upload):
    code, out, _ = run(capsys, "remove", SAMPLE.removesuffix(".txt"), "--library", str(library_copy))
    assert code == 0 and out.startswith(f"已移到回收站：{SAMPLE}（市委政研室 2022）")
    trash_id = out.strip().rsplit(" ", 1)[-1]

    code, out, _ = run(capsys, "trash", "--library", str(library_copy), "--json")
    assert [e["id"] for e in json.loads(out)["entries"]] == [trash_id]
    code, out, _ = run(capsys, "trash", "--library", str(library_copy))
    assert out.startswith(f"{trash_id}\t市委政研室\t2022\t{SAMPLE}")

    code, out, _ = run(capsys, "restore", trash_id, "--library", str(library_copy))
    assert (code, out) == (0, f"已恢复：{SAMPLE}\n")
    assert run(capsys, "trash", "--library", str(library_copy))[1] == "回收站是空的。\n"
    assert run(capsys, "history", "--library", str(library_copy))[1] == "没有被替换下来的旧版本。\n"

    run(capsys, "add", upload("新版.txt", small_plan("市委政研室", 2022)), "--replace",
        "--library", str(library_copy))
    code, out, _ = run(capsys, "history", "--library", str(library_copy), "--json")
    [entry] = json.loads(out)["entries"]
    assert (entry["file"], entry["replaced_by"]) == (SAMPLE, "新版.txt")


def test_errors_are_one_chinese_line_and_exit_2(capsys, library_copy, tmp_path):
    before = folder_snapshot(library_copy, skip=(".lock",))
    for argv, says in ((["remove", "nope"], "没有编号为“nope”的计划"),
                       (["restore", "nope"], "回收站和历史记录里都没有"),
                       (["trash", "--library", str(tmp_path / "missing")], "找不到计划库文件夹")):
        if "--library" not in argv:
            argv += ["--library", str(library_copy)]
        code, out, err = run(capsys, *argv)
        assert code == 2 and out == "" and says in err and err.count("\n") == 1
    assert folder_snapshot(library_copy, skip=(".lock",)) == before


def test_python_dash_m_core_add(library_copy, upload):
    result = subprocess.run([sys.executable, "-m", "core", "add", upload("a.txt", small_plan("市委办", 2023)),
                             "--library", str(library_copy)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0 and "已保存：a.txt" in result.stdout
