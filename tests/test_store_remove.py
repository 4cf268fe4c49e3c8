"""PlanStore.remove / restore / trash: nothing removed is lost, restoring never clashes."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import core
from conftest import SAMPLE_DIR, folder_snapshot, small_plan
from core.manifest import read_manifest
from core.store import TRASH_DIR, PlanStore, StoreError

SAMPLE = "002_07e1a61bf54791a3.txt"  # 市委政研室 2022
PLAN_ID = SAMPLE.removesuffix(".txt")


@pytest.fixture
def store(library_copy: Path) -> PlanStore:
    return PlanStore(library_copy)


def test_remove_moves_the_plan_and_its_entry_to_the_trash(store: PlanStore, library_copy: Path):
    data = (library_copy / SAMPLE).read_bytes()
    entry = read_manifest(library_copy)[SAMPLE]
    trash_id = store.remove(PLAN_ID)

    assert not (library_copy / SAMPLE).exists()
    assert (library_copy / TRASH_DIR / trash_id).read_bytes() == data
    sidecar = json.loads((library_copy / TRASH_DIR / f"{trash_id}.json").read_text(encoding="utf-8"))
    assert sidecar["manifest_entry"] == {"file": SAMPLE, "organ": entry.organ, "year": entry.year,
                                         "level": entry.level, "dimensions": {}}
    assert SAMPLE not in read_manifest(library_copy)
    lib = core.open_library(library_copy)
    assert PLAN_ID not in set(lib.plans["plan_id"]) and len(lib.plans) == 4

    [listed] = store.trash()
    assert (listed.id, listed.kind, listed.file, listed.organ, listed.year) == (
        trash_id, "trash", SAMPLE, "市委政研室", 2022)
    assert listed.when


def test_restore_puts_back_bytes_and_entry(store: PlanStore, library_copy: Path):
    before_files = folder_snapshot(library_copy, skip=(".index", ".trash", ".lock"))
    before_manifest = read_manifest(library_copy)
    trash_id = store.remove(PLAN_ID)
    assert store.restore(trash_id) == SAMPLE

    after_files = folder_snapshot(library_copy, skip=(".index", ".trash", ".lock"))
    assert {k: v for k, v in after_files.items() if k != "manifest.toml"} == \
        {k: v for k, v in before_files.items() if k != "manifest.toml"}
    assert read_manifest(library_copy) == before_manifest
    assert store.trash() == [] and list((library_copy / TRASH_DIR).iterdir()) == []
    assert len(core.open_library(library_copy).plans) == 5


def test_restore_refuses_a_plan_of_the_same_organ_and_year(store: PlanStore, library_copy: Path):
    trash_id = store.remove(PLAN_ID)
    store.add("政研室重写.txt", small_plan("市委政研室", 2022))
    before = folder_snapshot(library_copy, skip=())
    with pytest.raises(StoreError) as err:
        store.restore(trash_id)
    assert err.value.code == "restore_exists"
    assert "市委政研室 2022 年" in err.value.message and "政研室重写.txt" in err.value.message
    assert "先删除" in err.value.message
    assert folder_snapshot(library_copy, skip=()) == before


def test_restore_refuses_a_taken_file_name(store: PlanStore, library_copy: Path):
    trash_id = store.remove(PLAN_ID)
    store.add(SAMPLE, small_plan("市委办", 2023))
    before = folder_snapshot(library_copy, skip=())
    with pytest.raises(StoreError) as err:
        store.restore(trash_id)
    assert err.value.code == "restore_name_taken" and SAMPLE in err.value.message
    assert folder_snapshot(library_copy, skip=()) == before


def test_restore_refuses_content_already_back(store: PlanStore, library_copy: Path):
    trash_id = store.remove(PLAN_ID)
    store.add("again.txt", (SAMPLE_DIR / SAMPLE).read_bytes(), organ="市委政研室副本", year=2021)
    with pytest.raises(StoreError) as err:
        store.restore(trash_id)
    assert err.value.code == "restore_duplicate" and "again.txt" in err.value.message


def test_unknown_ids_are_clear_errors(store: PlanStore):
    with pytest.raises(StoreError) as err:
        store.remove("no-such-plan")
    assert err.value.code == "not_found" and "python -m core list" in err.value.message
    trash_id = store.remove(PLAN_ID)
    store.restore(trash_id)
    with pytest.raises(StoreError) as err:
        store.restore(trash_id)
    assert err.value.code == "no_entry"


def test_plan_without_manifest_entry_comes_back_without_one(store: PlanStore, library_copy: Path):
    (library_copy / "loose.txt").write_bytes(small_plan("市委办", 2023))
    trash_id = store.remove("loose")
    assert store.trash()[0].organ == "市委办"  # detected, for the listing
    manifest_before = (library_copy / "manifest.toml").read_bytes()
    store.restore(trash_id)
    assert (library_copy / "manifest.toml").read_bytes() == manifest_before
    assert "loose.txt" not in read_manifest(library_copy)


def test_removed_plans_are_listed_newest_first(store: PlanStore):
    first = store.remove(PLAN_ID)
    second = store.remove("000_c066458c1de48185")
    assert [e.id for e in store.trash()] == [second, first]
    assert store.history() == []


def test_unreadable_sidecar_is_not_offered(store: PlanStore, library_copy: Path):
    trash_id = store.remove(PLAN_ID)
    (library_copy / TRASH_DIR / f"{trash_id}.json").write_text("{broken", encoding="utf-8")
    assert store.trash() == []
    with pytest.raises(StoreError) as err:
        store.restore(trash_id)
    assert err.value.code == "no_entry"
    assert (library_copy / TRASH_DIR / trash_id).exists()  # still there for a human
