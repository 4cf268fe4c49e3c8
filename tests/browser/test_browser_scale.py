"""A library of many plans in Chromium: a progress bar while it is first read, then organ pages."""
from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from browserkit import (ROOT, Server, assert_no_error, browser, open_page, page, start_server,  # noqa: F401
                        stop_server, wait_settled)

pytestmark = pytest.mark.browser

SHOTS = ROOT / "docs" / "screenshots"
PLANS = 150  # enough files that reading them takes a visible moment
TIMEOUT = 60_000


@pytest.fixture(scope="module")
def big_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server whose default library is a generated one that has never been opened (no .index)."""
    folder = tmp_path_factory.mktemp("corpus") / "plans"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "make_corpus.py"), str(PLANS), str(folder)],
                   check=True, capture_output=True)
    srv = start_server({"DANGJIAN_LIBRARY": str(folder)})
    yield srv
    stop_server(srv)


def test_first_open_shows_progress_then_the_overview(page, big_server):
    page.goto(big_server.url)
    bar = page.locator("[data-testid='stProgress']")
    expect(bar.first).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("正在读取计划库").first).to_be_visible(timeout=TIMEOUT)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "loading.png"))
    wait_settled(page, big_server)
    expect(page.get_by_text("各单位计划概况")).to_be_visible(timeout=TIMEOUT)
    assert bar.count() == 0  # gone once the library is open
    assert_no_error(page)


def test_coverage_page_from_a_link_shows_that_page_of_organs(page, big_server):
    open_page(page, big_server, "/coverage?cov_page=2")
    assert_no_error(page)
    main = page.locator("[data-testid='stMain']")
    pager = main.get_by_role("combobox", name="单位分页")
    expect(pager).to_have_value("第 2/5 页（第 31–60 项，共 150 个单位）", timeout=TIMEOUT)
    expect(main.get_by_text("必备主题缺失清单")).to_be_visible(timeout=TIMEOUT)
    page.screenshot(path=str(SHOTS / "coverage-many-organs.png"))
    assert "cov_page=2" in page.url
