"""A change killed half way leaves the library as before; a broken search index is rebuilt.

A child process runs one change with ``DANGJIAN_CRASH_AFTER=<point>`` and dies there
(``os._exit``); reopening the store must give back exactly the files from before.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import core
import core.store
from conftest import ROOT, folder_snapshot, small_plan
from core.manifest import read_manifest
from core.store import CRASH_ENV, CRASH_EXIT_CODE, JOURNAL_NAME, PlanStore

SAMPLE = "002_07e1a61bf54791a3.txt"  # 市委政研室 2022
PLAN_ID = SAMPLE.removesuffix(".txt")

CHILD = """
import sys
from pathlib import Path
from core.store import PlanStore
from conftest import small_plan
op, folder, arg = sys.argv[1:4]
store = PlanStore(folder)
if op == "replace":
    store.add("政研室新版.txt", small_plan("市委政研室", 2022), replace=True)
elif op == "add":
    store.add("新计划.txt", small_plan("市委办", 2023))
elif op == "remove":
    store.remove(arg)
elif op == "restore":
    store.restore(arg)
"""

CRASHES = [("replace", point) for point in
           ("journal", "sidecar", "history", "temp_file", "write_file", "manifest")] + \
          [("add", "temp_file"), ("add", "write_file"), ("add", "manifest"),
           ("remove", "sidecar"), ("remove", "trash"), ("remove", "manifest"),
           ("restore", "restore"), ("restore", "manifest")]


def run_child(op: str, folder: Path, arg: str = "", crash_at: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "tests")]))
    env.pop(CRASH_ENV, None)
    if crash_at:
        env[CRASH_ENV] = crash_at
    return subprocess.run([sys.executable, "-c", CHILD, op, str(folder), arg], cwd=ROOT, env=env,
                          capture_output=True, timeout=120)


def library_state(folder: Path) -> tuple:
    lib = core.open_library(folder)
    return tuple(lib.plans[["plan_id", "organ", "year"]].itertuples(index=False, name=None))


@pytest.mark.parametrize("op,point", CRASHES, ids=[f"{op}-{point}" for op, point in CRASHES])
def test_crash_mid_change_reopens_as_before(library_copy: Path, op: str, point: str):
    store = PlanStore(library_copy)
    arg = ""
    if op == "remove":
        arg = PLAN_ID
    elif op == "restore":
        arg = store.remove(PLAN_ID)
    before_files = folder_snapshot(library_copy)
    before_library = library_state(library_copy)

    child = run_child(op, library_copy, arg, crash_at=point)
    assert child.returncode == CRASH_EXIT_CODE, child.stderr.decode()
    assert (library_copy / JOURNAL_NAME).exists()
    if point == "temp_file":  # a half-written file is never taken for a plan
        assert any(p.name.startswith(".tmp-") for p in library_copy.iterdir())
        lib = core.open_library(library_copy)
        assert not any(name.startswith(".") for name in lib.plans["file"]) and lib.errors == []
        if op == "add":
            assert library_state(library_copy) == before_library

    PlanStore(library_copy)  # reopening undoes the interrupted change

    assert folder_snapshot(library_copy) == before_files
    assert not (library_copy / JOURNAL_NAME).exists()
    leftovers = [p for p in library_copy.rglob(".tmp-*")]
    assert leftovers == []
    read_manifest(library_copy)
    assert library_state(library_copy) == before_library


@pytest.mark.parametrize("op", ["replace", "remove"])
def test_uninterrupted_change_in_a_child_is_complete(library_copy: Path, op: str):
    child = run_child(op, library_copy, PLAN_ID)
    assert child.returncode == 0, child.stderr.decode()
    PlanStore(library_copy)
    manifest = read_manifest(library_copy)
    assert SAMPLE not in manifest and not (library_copy / SAMPLE).exists()
    if op == "replace":
        assert manifest["政研室新版.txt"].organ == "市委政研室"
        assert len(PlanStore(library_copy).history()) == 1
    else:
        assert len(PlanStore(library_copy).trash()) == 1


POINTS = ("journal", "sidecar", "history", "temp_file", "write_file", "manifest")


@pytest.mark.parametrize("point", POINTS)
def test_error_mid_add_is_undone_at_once(library_copy: Path, monkeypatch, point: str):
    store = PlanStore(library_copy)
    before = folder_snapshot(library_copy)

    def fail(at: str) -> None:
        if at == point:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(core.store, "crash_hook", fail)
    with pytest.raises(OSError):
        store.add("政研室新版.txt", small_plan("市委政研室", 2022), replace=True)
    assert folder_snapshot(library_copy) == before
    assert not (library_copy / JOURNAL_NAME).exists()


def test_orphan_temp_file_is_ignored_then_cleaned(library_copy: Path):
    orphan = library_copy / ".tmp-0123456789abcdef.part"
    orphan.write_bytes(small_plan("市委办", 2023)[:20])
    assert len(core.open_library(library_copy).plans) == 5
    PlanStore(library_copy)
    assert not orphan.exists()


def test_deleted_search_index_is_rebuilt(library_copy: Path):
    index = library_copy / ".index" / "search.npz"
    expected = core.open_library(library_copy).search("三会一课")["item_id"].tolist()
    assert expected and index.exists()
    index.unlink()
    assert core.open_library(library_copy).search("三会一课")["item_id"].tolist() == expected
    assert index.exists()


def test_corrupted_search_index_is_rebuilt(library_copy: Path):
    index = library_copy / ".index" / "search.npz"
    expected = core.open_library(library_copy).search("三会一课")["item_id"].tolist()
    index.write_bytes(b"PK\x03\x04 not an index")
    assert core.open_library(library_copy).search("三会一课")["item_id"].tolist() == expected
    with np.load(index, allow_pickle=False) as data:
        assert "header" in data.files


def test_index_follows_a_store_change(library_copy: Path):
    core.open_library(library_copy).search("三会一课")
    PlanStore(library_copy).add("新计划.txt", small_plan("市委办", 2023, "建强数字党建驾驶舱"))
    hits = core.open_library(library_copy).search("数字党建驾驶舱")
    assert hits["plan_id"].tolist() == ["新计划"]


READ_CRASHES = [("replace", "write_file"), ("add", "write_file"), ("remove", "trash"),
                ("restore", "restore")]


@pytest.mark.parametrize("op,point", READ_CRASHES, ids=[f"{op}-{point}" for op, point in READ_CRASHES])
def test_readers_after_a_crash_see_the_committed_state(library_copy: Path, capsys, op: str, point: str):
    """list / coverage / search right after a kill mid-change show the state before it."""
    import json

    from core.cli import main

    store = PlanStore(library_copy)
    arg = store.remove(PLAN_ID) if op == "restore" else PLAN_ID

    def read_all() -> list:
        out = []
        for argv in (["list", str(library_copy)], ["coverage", str(library_copy)],
                     ["search", "三会一课", "--library", str(library_copy)]):
            assert main([*argv, "--json"]) == 0
            out.append(json.loads(capsys.readouterr().out))
        return out

    before = read_all()
    child = run_child(op, library_copy, arg, crash_at=point)
    assert child.returncode == CRASH_EXIT_CODE, child.stderr.decode()
    assert (library_copy / JOURNAL_NAME).exists()
    assert read_all() == before
    assert not (library_copy / JOURNAL_NAME).exists()
