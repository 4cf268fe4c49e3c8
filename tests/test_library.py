"""open_library / load_plan: one DataFrame row per plan, section and item."""
from __future__ import annotations

import shutil

import pandas as pd
import pytest

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


def test_plans_say_where_organ_and_year_came_from(tmp_path):
    shutil.copy(SAMPLE_DIR / "002_07e1a61bf54791a3.txt", tmp_path / "政研室.txt")
    shutil.copy(SAMPLE_DIR / "001_69a5c787e4f211fb.txt", tmp_path / "001.txt")  # names no organ
    (tmp_path / "manifest.toml").write_text('[[plan]]\nfile = "政研室.txt"\norgan = "市委政研室"\n',
                                            encoding="utf-8")
    plans = core.open_library(tmp_path, use_cache=False).plans.set_index("file")
    assert plans.loc["政研室.txt", ["organ_source", "year_source"]].tolist() == ["manifest", "none"]
    assert plans.loc["001.txt", ["organ", "organ_source", "year_source"]].tolist() == [
        "未命名单位", "none", "text"]
    assert core.load_plan(tmp_path / "001.txt").to_dict()["organ_source"] == "none"


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


def _reference_frames(plans: list[core.Plan]) -> tuple[list[dict], list[dict], list[dict]]:
    """Rows of the plans, sections and items frames, spelled out one row at a time."""
    plan_rows, section_rows, item_rows = [], [], []
    for plan_order, p in enumerate(plans):
        plan_rows.append({"plan_id": p.plan_id, "organ": p.organ, "year": p.year, "level": p.level,
                          "file": p.file, "title": p.title, "sections": len(p.sections),
                          "items": len(p.items), "chars": len("".join(p.text.split())),
                          "warnings": "；".join(p.warnings)})
        item_order = 0
        for s_no, s in enumerate(p.sections, start=1):
            sid = f"{p.plan_id}:{s_no}"
            section_rows.append({"section_id": sid, "plan_id": p.plan_id, "organ": p.organ,
                                 "year": p.year, "section_no": s_no, "marker": s.marker,
                                 "title": s.title, "body": s.body, "items": len(s.items)})
            for i_no, it in enumerate(s.items, start=1):
                item_rows.append({"item_id": f"{sid}.{i_no}", "plan_id": p.plan_id, "organ": p.organ,
                                  "year": p.year, "level": p.level, "file": p.file, "section_id": sid,
                                  "section_no": s_no, "section_marker": s.marker,
                                  "section_title": s.title, "item_no": i_no, "number": it.number,
                                  "marker": it.marker, "title": it.title, "text": it.text,
                                  "points": tuple(pt.text for pt in it.points),
                                  "plan_order": plan_order, "item_order": item_order})
                item_order += 1
    return plan_rows, section_rows, item_rows


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    return [{c: (None if v is pd.NA else v) for c, v in row.items()}
            for row in frame[columns].astype(object).to_dict("records")]


@pytest.mark.parametrize("parallel", [False, True])
def test_ingest_frames_match_the_parsed_plans(tmp_path, monkeypatch, parallel):
    """Workers send tables, not plans: the frames still hold every plan's parse, in file order,
    with plan_order counting only readable files across chunks."""
    from benchmarks.make_corpus import write_corpus
    from core import library as library_module

    folder = tmp_path / "many"
    write_corpus(40, folder)
    (folder / "00015_broken.txt").write_bytes(bytes(range(256)) * 4)
    (folder / "00031_old.doc").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    monkeypatch.setattr(library_module, "PARALLEL_MIN_FILES", 2 if parallel else 10_000)
    lib = core.open_library(folder, workers=2, use_cache=False)
    assert {e.file for e in lib.errors} == {"00015_broken.txt", "00031_old.doc"}
    manifest = core.manifest.read_manifest(folder)
    plans = [core.load_plan(p, manifest.get(p.name)) for p in library_module.plan_files(folder)
             if p.suffix == ".txt" and "broken" not in p.name]
    expected = _reference_frames(plans)
    for frame, rows in zip((lib.plans, lib.sections, lib.items), expected):
        assert _records(frame, list(rows[0])) == rows
    assert lib._preambles == {p.plan_id: p.preamble for p in plans}
    tags = core.analysis.tag_plans(plans, lib.taxonomy)
    assert lib.items["themes"].tolist() == tags.item_themes
    assert lib.sections["dimension"].tolist() == tags.section_dimensions
    pd.testing.assert_frame_equal(lib.evidence, tags.evidence)
    pd.testing.assert_frame_equal(lib.preamble_mentions, tags.preamble_mentions)


@pytest.mark.parametrize("content", ["nothing", "only_unreadable"])
def test_library_without_readable_plans_opens_empty(tmp_path, content):
    if content == "only_unreadable":
        (tmp_path / "broken.txt").write_bytes(bytes(range(256)) * 4)
    lib = core.open_library(tmp_path)
    assert (len(lib.plans), len(lib.sections), len(lib.items), len(lib.evidence)) == (0, 0, 0, 0)
    assert {"item_id", "text", "themes", "section_dimension"} <= set(lib.items.columns)
    assert len(lib.errors) == (content == "only_unreadable")
    assert len(core.open_library(tmp_path).items) == 0  # and from the snapshot


def test_cold_ingest_hands_folded_texts_to_the_search_index(library_copy):
    from core.normalize import fold
    from core.search import SearchIndex

    lib = core.open_library(library_copy, use_cache=False)
    assert lib._folded_items.to_pylist() == [fold(t) for t in lib.items["text"]]
    for query in ("三会一课", "党", "意识形态工作责任制"):
        got = lib.search(query, display=False)
        want = SearchIndex(lib.items).search(query, display=False)
        pd.testing.assert_frame_equal(got, want)
        assert len(got) > 0
    assert lib._folded_items is None  # dropped once the index holds them
