"""Shared fixtures: the sample library and tiny plans."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "data" / "plans"
DATA_DIR = Path(__file__).resolve().parent / "data"
SAMPLE_FILES = sorted(p.name for p in SAMPLE_DIR.glob("*.txt"))


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
