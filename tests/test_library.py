"""open_library / load_plan: one DataFrame row per plan, section and item."""
from __future__ import annotations

import shutil

import pandas as pd

import core
from conftest import SAMPLE_DIR, SAMPLE_FILES


def test_sample_library_frames():
    lib = core.open_library(SAMPLE_DIR)
    assert list(lib.plans["organ"]) == ["区市场监管局", "市级机关工委", "市委政研室", "市场监管某局", "市直机关工委"]
    assert list(lib.plans["level"]) == ["区", "市", "市", "市", "市"]
    assert set(lib.plans["year"]) == {2022}
    assert len(lib.items) == 18 + 19 + 19 + 18 + 19
    assert len(lib.sections) == 6 + 6 + 6 + 7 + 6
    needed = {"item_id", "plan_id", "organ", "year", "file", "section_no", "section_title", "item_no",
              "marker", "title", "text", "themes", "section_dimension"}
    assert needed <= set(lib.items.columns)
    assert lib.items["item_id"].is_unique
    assert lib.errors == []


def test_item_ids_are_stable_across_runs():
    first = core.open_library(SAMPLE_DIR).items["item_id"].tolist()
    second = core.open_library(SAMPLE_DIR).items["item_id"].tolist()
    assert first == second
    assert first[0] == "000_c066458c1de48185:1.1"


def test_text_columns_use_pandas_string_dtype():
    lib = core.open_library(SAMPLE_DIR)
    assert pd.api.types.is_string_dtype(lib.items["text"])


def test_file_without_manifest_entry_detects_organ_and_year(tmp_path):
    shutil.copy(SAMPLE_DIR / "002_07e1a61bf54791a3.txt", tmp_path / "政研室.txt")
    plan = core.load_plan(tmp_path / "政研室.txt")
    assert (plan.organ, plan.year) == ("市委政研室", 2022)


def test_unreadable_file_is_listed_not_fatal(tmp_path):
    shutil.copy(SAMPLE_DIR / SAMPLE_FILES[0], tmp_path / SAMPLE_FILES[0])
    (tmp_path / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    (tmp_path / "broken.txt").write_bytes(bytes(range(256)) * 4)
    lib = core.open_library(tmp_path)
    assert len(lib.plans) == 1
    assert {e.file for e in lib.errors} == {"old.doc", "broken.txt"}
    assert all(e.message for e in lib.errors)


def test_manifest_overrides_section_dimension(library_copy):
    manifest = library_copy / "manifest.toml"
    text = manifest.read_text(encoding="utf-8").replace(
        'file = "000_c066458c1de48185.txt"', 'file = "000_c066458c1de48185.txt"\ndimensions = { "6" = "center" }')
    manifest.write_text(text, encoding="utf-8")
    lib = core.open_library(library_copy)
    row = lib.sections[(lib.sections["plan_id"] == "000_c066458c1de48185") & (lib.sections["section_no"] == 6)]
    assert row["dimension"].item() == "center"


def test_missing_folder_raises_with_chinese_message(tmp_path):
    try:
        core.open_library(tmp_path / "nope")
    except FileNotFoundError as err:
        assert "找不到计划库文件夹" in str(err)
    else:
        raise AssertionError("expected FileNotFoundError")
