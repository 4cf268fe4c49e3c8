"""The on-disk snapshot of a parsed, tagged library: reused when fresh, rebuilt otherwise."""
from __future__ import annotations

import os
import shutil

import pandas as pd
import pytest

import core
from core import cache
from core.library import INDEX_DIR, SNAPSHOT_DIR
from conftest import SAMPLE_DIR

FRAMES = ("plans", "sections", "items", "evidence", "preamble_mentions")


@pytest.fixture
def library(tmp_path):
    dest = tmp_path / "plans"
    shutil.copytree(SAMPLE_DIR, dest, ignore=shutil.ignore_patterns(".index"))
    return dest


def assert_same_library(a: core.Library, b: core.Library) -> None:
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert a.errors == b.errors and a.manifest == b.manifest and a.fingerprint == b.fingerprint
    pd.testing.assert_frame_equal(a.coverage(), b.coverage())


def test_warm_open_equals_cold_open(library):
    cold = core.open_library(library)
    assert (library / INDEX_DIR / SNAPSHOT_DIR / cache.META_NAME).exists()
    warm = core.open_library(library)
    assert warm._plan_objects is None  # came from the snapshot, not from parsing
    assert_same_library(cold, warm)
    assert warm.plan(warm.plans["plan_id"][0]).title == cold.plan_objects[0].title
    assert [p.plan_id for p in warm.plan_objects] == [p.plan_id for p in cold.plan_objects]


def test_uncached_open_equals_cached(library):
    assert_same_library(core.open_library(library, use_cache=False), core.open_library(library))
    core.open_library(library)
    assert_same_library(core.open_library(library, use_cache=False), core.open_library(library))


def test_changed_file_makes_snapshot_stale(library):
    core.open_library(library)
    path = sorted(library.glob("*.txt"))[0]
    os.chmod(path, 0o644)
    path.write_text(path.read_text(encoding="utf-8").replace("三会一课", "三会两课"), encoding="utf-8")
    reopened = core.open_library(library)
    assert not reopened.items["text"].str.contains("三会一课").iloc[:18].any()
    assert_same_library(reopened, core.open_library(library, use_cache=False))


def test_other_taxonomy_gets_its_own_tags(library, tmp_path):
    core.open_library(library)
    text = (core.taxonomy.DEFAULT_TAXONOMY_PATH).read_text(encoding="utf-8")
    tax = core.parse_taxonomy(text.replace('"三会一课"', '"三会一课制度"', 1))
    fresh = core.open_library(library, taxonomy=tax, use_cache=False)
    assert_same_library(core.open_library(library, taxonomy=tax), fresh)


@pytest.mark.parametrize("damage", ["garbage_meta", "truncated_frame", "missing_frame", "wrong_key"])
def test_damaged_snapshot_is_rebuilt(library, damage):
    cold = core.open_library(library)
    folder = library / INDEX_DIR / SNAPSHOT_DIR
    if damage == "garbage_meta":
        (folder / cache.META_NAME).write_bytes(b"\x00not json")
    elif damage == "truncated_frame":
        data = (folder / "items.arrow").read_bytes()
        (folder / "items.arrow").write_bytes(data[: len(data) // 2])
    elif damage == "missing_frame":
        (folder / "evidence.arrow").unlink()
    else:
        meta = (folder / cache.META_NAME).read_text(encoding="utf-8")
        (folder / cache.META_NAME).write_text(meta.replace(cache.code_version(), "0" * 12), encoding="utf-8")
    assert_same_library(core.open_library(library), cold)
    assert cache.load_snapshot(folder, cache.snapshot_key(cold.fingerprint)) is not None


def test_read_only_library_still_opens(library):
    os.chmod(library, 0o555)
    try:
        lib = core.open_library(library)
        assert len(lib.plans) == 5
    finally:
        os.chmod(library, 0o755)


def test_progress_reports_done_and_total(library):
    calls = []
    core.open_library(library, progress=lambda done, total, message: calls.append((done, total, message)))
    assert calls and all(0 <= d <= t and isinstance(m, str) and m for d, t, m in calls)
    assert calls[-1][0] == calls[-1][1]
    warm_calls = []
    core.open_library(library, progress=lambda *a: warm_calls.append(a))
    assert warm_calls and warm_calls[-1][0] == warm_calls[-1][1]


def test_parallel_ingest_equals_serial(tmp_path, monkeypatch):
    import sys
    sys.path.insert(0, str(SAMPLE_DIR.parent.parent))
    from benchmarks.make_corpus import write_corpus
    from core import library as library_module

    folder = tmp_path / "many"
    write_corpus(70, folder)
    serial = core.open_library(folder, workers=1, use_cache=False)
    monkeypatch.setattr(library_module, "PARALLEL_MIN_FILES", 2)
    parallel = core.open_library(folder, workers=2, use_cache=False)
    assert_same_library(serial, parallel)


def test_retag_matches_fresh_open(library):
    core.open_library(library)  # writes the snapshot the retagged library starts from
    text = core.taxonomy.DEFAULT_TAXONOMY_PATH.read_text(encoding="utf-8")
    tax = core.parse_taxonomy(text.replace('"三会一课"', '"三会一课", "党员大会"', 1))
    retagged = core.open_library(library).retag(tax)
    fresh = core.open_library(library, taxonomy=tax, use_cache=False)
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(retagged, name), getattr(fresh, name))
    pd.testing.assert_frame_equal(retagged.coverage(), fresh.coverage())
