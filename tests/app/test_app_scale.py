"""Many organs: pages draw one page of organs at a time (page in the URL), the sidebar filters
by level, and opening a library not yet loaded shows a progress bar that is gone afterwards."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as hs

from app.frame import LIBRARY_ENV
from app.pager import page_count, page_slice
from apphelpers import ROOT, SAMPLE_DIR, assert_clean, make_app, plotly_figure, use_library

PLANS = 80  # above the parallel-ingest threshold (64) and several pages of organs


@pytest.fixture(scope="module")
def big_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus") / "plans"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "make_corpus.py"), str(PLANS), str(folder)],
                   check=True, capture_output=True)
    return folder


# ---------------------------------------------------------------- pager arithmetic

@given(hs.lists(hs.integers(), max_size=200), hs.integers(min_value=1, max_value=40))
def test_pages_cover_every_entry_once_in_order(entries: list[int], size: int):
    pages = page_count(len(entries), size)
    joined = [e for page in range(1, pages + 1) for e in page_slice(entries, page, size)]
    assert joined == entries
    assert all(0 < len(page_slice(entries, p, size)) <= size for p in range(1, pages + 1)) or not entries


@given(hs.lists(hs.integers(), min_size=1, max_size=50), hs.integers(min_value=1, max_value=10),
       hs.integers(min_value=-5, max_value=100))
def test_out_of_range_pages_are_clamped(entries: list[int], size: int, page: int):
    last = page_count(len(entries), size)
    expected = page_slice(entries, min(max(1, page), last), size)
    assert page_slice(entries, page, size) == expected


# ---------------------------------------------------------------- pages at many organs

def test_coverage_heatmap_shows_one_page_of_organs_and_keeps_the_page_in_the_url(big_library: Path):
    at = use_library(make_app(page="pages/coverage.py"), big_library)
    assert_clean(at)
    heatmap = plotly_figure(at)["data"][0]
    assert len(heatmap["x"]) == 30  # ORGANS_PER_PAGE of 80
    pager = at.selectbox(key="cov_page")
    assert pager.options and len(pager.options) == 3
    pager.set_value(3).run()
    assert_clean(at)
    assert at.query_params["cov_page"] == "3"
    assert len(plotly_figure(at)["data"][0]["x"]) == 20  # 80 = 30 + 30 + 20


def test_page_from_a_shared_link_is_applied(big_library: Path):
    at = use_library(make_app(page="pages/coverage.py"), big_library)
    at.query_params["cov_page"] = "2"  # as if the link were opened: seeds the picker once
    at.run()
    assert_clean(at)
    assert at.selectbox(key="cov_page").value == 2


def test_omission_report_is_paginated_with_candidates_for_the_shown_rows(big_library: Path):
    at = use_library(make_app(page="pages/coverage.py"), big_library)
    shown = at.dataframe[-1].value
    assert 0 < len(shown) <= 50
    assert "最接近的条目" in shown.columns and shown["未计入的原因"].map(bool).all()


def test_matrix_and_overview_draw_one_page_of_organs(big_library: Path):
    at = use_library(make_app(page="pages/matrix.py"), big_library)
    assert_clean(at)
    body = "\n".join(h.proto.body for h in at.get("html"))
    assert body.split("</thead>")[0].count("<th>") == 12  # one header cell per organ on the page
    assert at.selectbox(key="mx_page").value == 1
    at.switch_page("pages/overview.py").run()
    assert_clean(at)
    bars = "\n".join(h.proto.body for h in at.get("html"))
    assert bars.count('class="bar-row"') == 30
    assert len(at.dataframe[0].value) == PLANS  # the plans table lists every plan (it scrolls)


def test_level_filter_narrows_every_page_and_goes_to_the_url(big_library: Path):
    at = use_library(make_app(page="pages/coverage.py"), big_library)
    levels = at.sidebar.multiselect(key="levels")
    assert set(levels.options) == {"区", "县", "市"}
    levels.set_value(["县"]).run()
    assert_clean(at)
    assert at.query_params["levels"] == "县"
    organs = plotly_figure(at)["data"][0]["x"]
    assert 0 < len(organs) <= 30


def test_reference_and_commitments_pages_stay_clean_at_many_organs(big_library: Path):
    at = use_library(make_app(page="pages/reference.py"), big_library)
    assert_clean(at)
    table = at.dataframe[0].value
    assert len(table.columns) == 1 + 20 + 1  # task, one page of organs, deployed count
    assert len(at.dataframe[-1].value) == PLANS - 1  # the summary lists every compared organ
    for page in ("pages/commitments.py", "pages/scorecard.py", "pages/distinct.py"):
        at.switch_page(page).run()
        assert_clean(at)


# ---------------------------------------------------------------- progress while opening

def test_opening_a_new_library_reports_progress_then_clears_it(tmp_path: Path, monkeypatch):
    from streamlit.delta_generator import DeltaGenerator

    folder = tmp_path / "plans"
    shutil.copytree(SAMPLE_DIR, folder)
    shutil.rmtree(folder / ".index", ignore_errors=True)
    calls: list[tuple[float, str]] = []
    original = DeltaGenerator.progress

    def record(self, value, text=None, **kwargs):
        calls.append((float(value), str(text)))
        return original(self, value, text=text, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "progress", record)
    at = use_library(make_app(), folder)
    assert_clean(at)
    assert calls, "no progress was shown while the library was opened"
    assert all(t.startswith("正在读取计划库") for _, t in calls)
    assert calls[0][0] == 0.0 and calls[-1][0] == 1.0
    assert not at.get("progress")  # emptied once the library is open
    calls.clear()
    at.run()  # open already: no bar at all
    assert not calls


def _omissions_per_column(figure: dict) -> list[int]:
    columns = len(figure["data"][0]["x"])
    marks = figure["data"][1]["text"]  # row-major, one per cell; omitted cells say 缺
    return [sum("缺" in str(marks[r * columns + c]) for r in range(len(marks) // columns))
            for c in range(columns)]


def test_many_organs_start_with_the_most_omissions(big_library: Path, monkeypatch):
    monkeypatch.setenv(LIBRARY_ENV, str(big_library))  # a session that starts on the big library
    at = make_app(page="pages/coverage.py")
    assert at.toggle(key="cov_sorted").value  # on by default with more than one page of organs
    first = _omissions_per_column(plotly_figure(at))
    assert first == sorted(first, reverse=True)
    at.selectbox(key="cov_page").set_value(2).run()
    second = _omissions_per_column(plotly_figure(at))
    assert min(first) >= max(second)
