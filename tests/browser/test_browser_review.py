"""Reviewing a coverage cell in Chromium: click, confirm, and the mark is still there after a restart."""
from __future__ import annotations

import re
import shutil

import pytest
from playwright.sync_api import expect

from browserkit import (ROOT, assert_no_error, browser, open_page, page, start_server,  # noqa: F401 (fixtures)
                        stop_server, wait_settled)

pytestmark = pytest.mark.browser

SHOTS = ROOT / "docs" / "screenshots"
TIMEOUT = 30_000


def cell_texts(page) -> list[str]:
    return page.locator(".js-plotly-plot .scatterlayer .textpoint").all_text_contents()


def click_cell(page, index: int) -> None:
    points = page.locator(".js-plotly-plot .scatterlayer .trace").nth(0).locator(".point")
    expect(points.first).to_be_attached(timeout=TIMEOUT)
    points.nth(index).scroll_into_view_if_needed()  # the panel below may have scrolled it away
    box = points.nth(index).bounding_box()
    assert box, "热力图格子没有位置"
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.click(x, y)


def review_cell(page, server, index: int, button: str, note: str) -> None:
    click_cell(page, index)
    main = page.locator("[data-testid='stMain']")
    expect(main.get_by_text("人工复核", exact=True)).to_be_visible(timeout=TIMEOUT)
    wait_settled(page, server)
    main.get_by_role("textbox", name=re.compile("复核说明")).fill(note)
    main.get_by_role("button", name=re.compile(button)).click()
    expect(main.get_by_text("已记录复核结论")).to_be_visible(timeout=TIMEOUT)
    wait_settled(page, server)


def test_confirm_by_click_and_see_the_mark_after_restart(page, tmp_path):
    library = tmp_path / "plans"
    shutil.copytree(ROOT / "data" / "plans", library)
    env = {"DANGJIAN_LIBRARY": str(library)}
    server = start_server(env)
    try:
        open_page(page, server, "/coverage")
        sidebar = page.locator("[data-testid='stSidebar']")
        sidebar.get_by_role("textbox", name="复核人").fill("王督查")
        sidebar.get_by_role("textbox", name="复核人").press("Enter")
        wait_settled(page, server)
        texts = cell_texts(page)
        omission = texts.index("缺")
        review_cell(page, server, omission, "确认：缺", "全文确无此项，已电话核实")
        assert cell_texts(page)[omission] == "缺✓"
        covered = next(i for i, t in enumerate(cell_texts(page)) if t.isdigit() and i > omission)
        review_cell(page, server, covered, "改判为：缺", "只在一句话中顺带提到")
        assert cell_texts(page)[covered] == "缺✓"
        assert_no_error(page)
    finally:
        stop_server(server)
    server = start_server(env)  # a new process: the marks come from reviews.sqlite
    try:
        open_page(page, server, "/coverage")
        texts = cell_texts(page)
        assert texts[omission] == "缺✓" and texts[covered] == "缺✓"
        main = page.locator("[data-testid='stMain']")
        expect(main.get_by_text(re.compile(r"已复核 1 / \d+ 个缺项"))).to_be_visible(timeout=TIMEOUT)
        assert_no_error(page)
        SHOTS.mkdir(parents=True, exist_ok=True)
        main.get_by_text(re.compile("已人工复核")).first.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "coverage-reviewed.png"))
        click_cell(page, covered)
        expect(main.get_by_text("只在一句话中顺带提到").first).to_be_visible(timeout=TIMEOUT)
        expect(main.get_by_text(re.compile("复核人改判了机器的判断"))).to_be_visible()
    finally:
        stop_server(server)
