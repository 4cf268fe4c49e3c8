"""Every page on a library where one organ has two years and two plans in one year."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app import auth
from app.frame import LIBRARY_ENV
from apphelpers import ROOT, assert_clean, make_app

PAGES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))


@pytest.fixture
def multi_year(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    dest = tmp_path / "plans"
    shutil.copytree(ROOT / "tests" / "data" / "multi_year", dest)
    monkeypatch.setenv(LIBRARY_ENV, str(dest))
    monkeypatch.delenv(auth.ENV_VAR, raising=False)
    return dest


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_clean(page, multi_year):
    at = make_app(page=page)
    assert_clean(at)


def test_yearly_page_offers_the_organ_with_two_years(multi_year):
    at = make_app(page="pages/yearly.py")
    assert_clean(at)
    options = [o for box in at.selectbox for o in box.options]
    assert "区统计局" in options
