"""The dashboard in Debian's Chromium: pages, shared links, heatmap clicks, downloads."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from browserkit import (ROOT, assert_no_error, browser, fresh_server, open_page, page, server,  # noqa: F401 (fixtures)
                        wait_settled)

pytestmark = pytest.mark.browser

SHOTS = ROOT / "docs" / "screenshots"
PAGES = [("overview", "/", "各单位计划概况"), ("matrix", "/matrix", "章节对照"),
         ("coverage", "/coverage", "必备主题缺失清单"),
         ("search", f"/search?q={quote('三会一课')}&mode=exact", "上下文对照")]
TIMEOUT = 30_000


def main_area(page):
    return page.locator("[data-testid='stMain']")


@pytest.mark.parametrize("name, path, landmark", PAGES, ids=[p[0] for p in PAGES])
def test_every_page_opens_and_is_photographed(page, server, name, path, landmark):
    open_page(page, server, path)
    expect(main_area(page).get_by_text(landmark).first).to_be_visible(timeout=TIMEOUT)
    assert_no_error(page)
    nav = page.locator("[data-testid='stSidebarNav']")
    expect(nav.get_by_text("任务检索")).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def test_shared_search_link_is_the_first_request_on_a_fresh_server(page, fresh_server):
    # The legacy pages/ trap would run pages/search.py bare here (see app.frame.require_frame).
    open_page(page, fresh_server, f"/search?q={quote('三会一课')}&mode=exact")
    main = main_area(page)
    expect(main.get_by_text(re.compile("共找到 5 条"))).to_be_visible(timeout=TIMEOUT)
    assert page.get_by_label("检索内容").input_value() == "三会一课"
    expect(main.locator("mark").nth(4)).to_be_attached(timeout=TIMEOUT)  # the cards paint after the count
    links = page.locator("[data-testid='stSidebarNavLink']")
    # The legacy menu would list dashboard/coverage/… file names instead of the Chinese titles.
    expect(links.filter(has_text="任务检索")).to_have_count(1)
    texts = links.all_inner_texts()
    assert len(texts) >= 4 and all(re.search("[\u4e00-\u9fff]", text) for text in texts), texts
    expect(page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").first).to_contain_text("计划库")
    assert "q=" in page.url and "mode=exact" in page.url
    assert_no_error(page)


def test_shared_filter_link_prefills_the_sidebar(page, server):
    open_page(page, server, f"/?organs={quote('市委政研室')}&years=2022")
    sidebar = page.locator("[data-testid='stSidebar']")
    expect(sidebar.get_by_text("市委政研室")).to_be_visible(timeout=TIMEOUT)
    expect(main_area(page).get_by_text(re.compile("1 份计划"))).to_be_visible()
    assert_no_error(page)


def click_heatmap_cell(page, index: int) -> None:
    points = page.locator(".js-plotly-plot .scatterlayer .point")
    expect(points.first).to_be_attached(timeout=TIMEOUT)
    box = points.nth(index).bounding_box()
    assert box, "热力图格子没有位置"
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_clicking_heatmap_cells_shows_evidence(page, server):
    open_page(page, server, "/coverage")
    click_heatmap_cell(page, 0)  # 区市场监管局 × 政治机关建设: covered
    main = main_area(page)
    expect(main.get_by_text(re.compile("条任务涉及该主题"))).to_be_visible(timeout=TIMEOUT)
    wait_settled(page, server)
    expect(main.locator("mark").first).to_be_visible()
    assert "两个确立" in main.locator("mark").all_inner_texts()
    texts = page.locator(".js-plotly-plot .scatterlayer .textpoint").all_text_contents()
    omission = next(i for i, t in enumerate(texts) if t == "缺")
    click_heatmap_cell(page, omission)
    expect(main.get_by_text("为何不算")).to_be_visible(timeout=TIMEOUT)
    expect(main.get_by_text(re.compile("^缺：")).first).to_be_visible()
    wait_settled(page, server)
    main.get_by_text("为何不算").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "coverage_evidence.png"))


def test_switching_matrix_row_modes(page, server):
    open_page(page, server, "/matrix")
    main = main_area(page)
    expect(main.get_by_text("未涉及").first).to_be_visible(timeout=TIMEOUT)
    main.get_by_text("按顺序", exact=True).click()
    page.wait_for_url(re.compile("rows=order"), timeout=TIMEOUT)
    expect(main.locator("th", has_text="第1章")).to_be_visible(timeout=TIMEOUT)
    main.get_by_text("按维度", exact=True).click()
    page.wait_for_url(re.compile("rows=dimension"), timeout=TIMEOUT)
    expect(main.locator("th", has_text="政治建设")).to_be_visible(timeout=TIMEOUT)
    assert_no_error(page)


def test_downloading_the_omission_report(page, server, tmp_path: Path):
    open_page(page, server, "/coverage")
    main = main_area(page)
    for label, name, magic in (("下载缺失报告（Excel）", "必备主题缺失报告.xlsx", b"PK"),
                               ("下载缺失报告（CSV）", "必备主题缺失报告.csv", b"\xef\xbb\xbf")):
        with page.expect_download(timeout=TIMEOUT) as info:
            main.get_by_role("button", name=label).click()
        download = info.value
        assert download.suggested_filename == name
        target = tmp_path / name
        download.save_as(target)
        content = target.read_bytes()
        assert content.startswith(magic)
    assert "缺失的必备主题" in target.read_text(encoding="utf-8-sig")
