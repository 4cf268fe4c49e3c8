"""Shared fixtures: the sample library and tiny plans."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "data" / "plans"
DATA_DIR = Path(__file__).resolve().parent / "data"
SAMPLE_FILES = sorted(p.name for p in SAMPLE_DIR.glob("*.txt"))


@pytest.fixture(autouse=True)
def _library_settings_restored():
    """Tests may configure libraries as an operator does (os.environ); undo it after each."""
    names = ("DANGJIAN_LIBRARIES", "DANGJIAN_LIBRARIES_FILE", "DANGJIAN_LIBRARY")
    saved = {name: os.environ.get(name) for name in names}
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def sample_text(name: str) -> str:
    return (SAMPLE_DIR / name).read_text(encoding="utf-8")


def load_json(name: str):
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


@pytest.fixture
def library_copy(tmp_path: Path) -> Path:
    """A writable copy of the sample library."""
    dest = tmp_path / "plans"
    shutil.copytree(SAMPLE_DIR, dest)
    return dest


def covered_once(plan) -> bool:
    """The plan's spans are in order and cover every non-blank character exactly once."""
    counts = [0] * len(plan.text)
    last_end = 0
    for _, start, end in plan.spans():
        if start < last_end or end < start:
            return False
        last_end = end
        for i in range(start, end):
            counts[i] += 1
    return all(c == 1 for ch, c in zip(plan.text, counts) if not ch.isspace())


# --- plan store tests (tests/test_store_*.py)


def folder_snapshot(folder: Path, *, skip: tuple[str, ...] = (".index",)) -> dict[str, str]:
    """sha256 of every file under ``folder`` (manifest, trash, history included) by path."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*"))
            if p.is_file() and p.relative_to(folder).parts[0] not in skip}


def small_plan(organ: str, year: int, phrase: str = "落实第一议题制度") -> bytes:
    """A tiny plan with 一、/1. structure whose organ and year are detected from its text."""
    return (f"{year}年{organ}机关党建工作要点\n"
            f"一、政治建设\n1.{phrase}。认真学习党的创新理论。\n2.严肃党内政治生活。\n"
            f"二、组织建设\n1.加强支部标准化建设。\n2.抓好三会一课。\n").encode("utf-8")
