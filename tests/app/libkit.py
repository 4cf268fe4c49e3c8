"""Fixtures for the 计划库 / 主题分类 / admin-password AppTests (no conftest.py on purpose).

Every test works on COPIES in tmp_path: the library (``DANGJIAN_LIBRARY``) and the
taxonomy file (``DANGJIAN_TAXONOMY``); data/plans and data/themes.toml are never touched.
"""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app import auth
from app.frame import LIBRARY_ENV, TAXONOMY_ENV
from apphelpers import ROOT, SAMPLE_DIR, make_app

TAXONOMY = ROOT / "data" / "themes.toml"
PASSWORD = "正确的密码-correct horse"


def snapshot(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder`` except the rebuildable .index/ and the lock."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*"))
            if p.is_file() and p.relative_to(folder).parts[0] not in (".index", ".lock")}


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A writable copy of the sample library, used by new sessions; no admin password."""
    dest = tmp_path / "plans"
    shutil.copytree(SAMPLE_DIR, dest)
    for path in dest.iterdir():
        path.chmod(0o644)
    monkeypatch.setenv(LIBRARY_ENV, str(dest))
    monkeypatch.delenv(auth.ENV_VAR, raising=False)
    auth.FAILURES.reset()
    yield dest
    auth.FAILURES.reset()


@pytest.fixture
def taxonomy_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of data/themes.toml that the dashboard uses instead."""
    folder = tmp_path / "taxonomy"
    folder.mkdir()
    dest = folder / "themes.toml"
    shutil.copy(TAXONOMY, dest)
    dest.chmod(0o644)
    monkeypatch.setenv(TAXONOMY_ENV, str(dest))
    return dest


@pytest.fixture
def password(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(auth.ENV_VAR, PASSWORD)
    auth.FAILURES.reset()
    yield PASSWORD
    auth.FAILURES.reset()


def library_page() -> AppTest:
    return make_app(page="pages/library.py")


def taxonomy_page() -> AppTest:
    return make_app(page="pages/taxonomy.py")


def upload(at: AppTest, *files: tuple[str, bytes]) -> AppTest:
    at.file_uploader[0].set_value([(name, data, "application/octet-stream") for name, data in files])
    return at.run()


def save(at: AppTest) -> AppTest:
    return at.button(key="lib_save").click().run()


def login(at: AppTest, typed: str, key: str = "lib_admin") -> AppTest:
    at.text_input(key=f"{key}_password").set_value(typed)
    return at.button(key=f"FormSubmitter:{key}_login-登录").click().run()


def texts(at: AppTest, kind: str) -> list[str]:
    return [e.value for e in at.get(kind)]


def result_lines(at: AppTest) -> tuple[list[str], list[str]]:
    """(saved, refused) lines of the last batch's result box."""
    saved = [s for s in texts(at, "success") if "已保存为" in s]
    refused = [e for e in texts(at, "error") if e.startswith("未保存。")]
    return saved, refused


def key_ending(at: AppTest, kind: str, suffix: str) -> str:
    keys = [w.key for w in at.get(kind) if w.key and w.key.endswith(suffix)]
    assert keys, f"没有以 {suffix} 结尾的 {kind}"
    return keys[0]
