"""Two sessions (threads or processes) changing the library at once lose nothing."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import core
import core.store
from conftest import ROOT, SAMPLE_DIR, small_plan
from core.manifest import read_manifest
from core.store import PlanStore

ORGANS = ["市委办", "市政府办", "市委组织部", "市委宣传部", "市发改委", "市财政局"]


@pytest.fixture
def slow_steps(monkeypatch):
    """Sleep at every step of a change, so that unlocked changes would interleave."""
    monkeypatch.setattr(core.store, "crash_hook", lambda point: time.sleep(0.01))


def fresh_library(tmp_path: Path, n: int) -> Path:
    folder = tmp_path / f"plans{n}"
    shutil.copytree(SAMPLE_DIR, folder)
    return folder


def assert_all_present(folder: Path, names: list[str]) -> None:
    manifest = read_manifest(folder)  # parses
    assert set(names) <= set(manifest)
    assert all((folder / name).is_file() for name in names)
    lib = core.open_library(folder)
    assert len(lib.plans) == 5 + len(names) and lib.errors == []
    assert not (folder / ".journal.json").exists()
    assert not [p for p in folder.iterdir() if p.name.startswith(".tmp-")]


def run_threads(targets: list) -> None:
    barrier = threading.Barrier(len(targets))
    errors: list[BaseException] = []

    def run(target) -> None:
        barrier.wait()
        try:
            target()
        except BaseException as err:  # reported below, in the test's thread
            errors.append(err)

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []


@pytest.mark.parametrize("round_no", range(3))
def test_two_threads_adding_different_plans_both_land(tmp_path, slow_steps, round_no):
    folder = fresh_library(tmp_path, round_no)
    stores = [PlanStore(folder), PlanStore(folder)]  # two sessions, two store objects
    names = ["a.txt", "b.txt"]
    run_threads([lambda s=s, n=n, o=o: s.add(n, small_plan(o, 2023))
                 for s, n, o in zip(stores, names, ORGANS)])
    assert_all_present(folder, names)


def test_many_threads_adding_and_removing(tmp_path, slow_steps):
    folder = fresh_library(tmp_path, 0)
    names = [f"p{i}.txt" for i in range(len(ORGANS))]
    adds = [lambda n=n, o=o: PlanStore(folder).add(n, small_plan(o, 2023))
            for n, o in zip(names, ORGANS)]
    run_threads(adds + [lambda: PlanStore(folder).remove("000_c066458c1de48185")])
    manifest = read_manifest(folder)
    assert set(names) <= set(manifest) and "000_c066458c1de48185.txt" not in manifest
    assert len(core.open_library(folder).plans) == 4 + len(names)
    assert len(PlanStore(folder).trash()) == 1


CHILD = """
import os, sys, time
from pathlib import Path
import core.store
from conftest import small_plan
signals, name, organ, *folders = sys.argv[1:]
core.store.crash_hook = lambda point: time.sleep(0.01)
Path(signals, f"ready-{name}").touch()
for n, folder in enumerate(folders):
    store = core.store.PlanStore(folder)
    while not Path(signals, f"go-{n}").exists():
        time.sleep(0.001)
    store.add(name, small_plan(organ, 2023 + n))
    Path(signals, f"done-{n}-{name}").touch()
"""


def wait_for(paths: list[Path], children: list[subprocess.Popen]) -> None:
    deadline = time.monotonic() + 60
    while not all(p.exists() for p in paths):
        assert time.monotonic() < deadline, f"waited in vain for {paths}"
        assert all(child.poll() is None for child in children), "a child process died"
        time.sleep(0.005)


def test_two_processes_adding_different_plans_both_land(tmp_path):
    """Two processes, three rounds: each round both add a plan to a fresh library at once."""
    folders = [fresh_library(tmp_path, n) for n in range(3)]
    signals = tmp_path / "signals"
    signals.mkdir()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "tests")]))
    names = ["a.txt", "b.txt"]
    children = [subprocess.Popen([sys.executable, "-c", CHILD, str(signals), name, organ,
                                  *map(str, folders)],
                                 cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                for name, organ in zip(names, ORGANS)]
    try:
        wait_for([signals / f"ready-{name}" for name in names], children)
        for n in range(len(folders)):
            (signals / f"go-{n}").touch()
            wait_for([signals / f"done-{n}-{name}" for name in names], children)
    finally:
        outputs = [proc.communicate(timeout=60) for proc in children]
    assert [proc.returncode for proc in children] == [0, 0], [err.decode() for _, err in outputs]
    for folder in folders:
        assert_all_present(folder, names)
