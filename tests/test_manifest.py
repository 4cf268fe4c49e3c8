"""Manifest reading and organ/year detection from text or file name."""
from __future__ import annotations

import pytest

from core.manifest import ManifestError, detect_metadata, format_manifest, read_manifest
from conftest import SAMPLE_DIR

CASES = [
    ("2022年市委政研室机关党的建设工作的总体要求是：……", "", "市委政研室", 2022),
    ("2022年是党的二十大召开之年。2022年度区局机关党建工作总体要求是：……", "", "区局", 2022),
    ("2022年市直机关党的建设工作总要求是:以……", "", "市直机关", 2022),
    ("2023年省司法厅机关党建工作要点\n一、……", "", "省司法厅", 2023),
    ("没有单位名称的正文。", "市交通局2021年党建工作要点.docx", "市交通局", 2021),
    ("没有任何线索。", "x.txt", "未命名单位", None),
]


@pytest.mark.parametrize("text,file_name,organ,year", CASES)
def test_detect_metadata(text, file_name, organ, year):
    meta = detect_metadata(text, file_name)
    assert (meta.organ, meta.year) == (organ, year)
    assert meta.detected


def test_sample_manifest_has_every_file():
    entries = read_manifest(SAMPLE_DIR)
    assert {p.name for p in SAMPLE_DIR.glob("*.txt")} == set(entries)
    assert entries["004_9c5b98e22b1f5069.txt"].organ == "市直机关工委"


def test_format_manifest_round_trips(tmp_path):
    entries = list(read_manifest(SAMPLE_DIR).values())
    entries[0].dimensions = {2: "theory"}
    (tmp_path / "manifest.toml").write_text(format_manifest(entries), encoding="utf-8")
    again = read_manifest(tmp_path)
    assert list(again.values()) == entries


def test_bad_manifest_says_what_to_fix(tmp_path):
    (tmp_path / "manifest.toml").write_text("[[plan]]\nfile = \n", encoding="utf-8")
    with pytest.raises(ManifestError, match="清单文件"):
        read_manifest(tmp_path)
