"""The comparison pages in Debian's Chromium: each page opens cleanly and is photographed;
a status cell of 对标检查 is clicked; the 单位画像 downloads as .docx and prints without clipped text."""
from __future__ import annotations

import io
import logging
import re
import unicodedata
from pathlib import Path

import pytest
from docx import Document
from playwright.sync_api import expect

from app.compare import TASK_COLUMN_PX, organ_column_px
from browserkit import (ROOT, assert_no_error, browser, fresh_server, open_page, page, server,  # noqa: F401 (fixtures)
                        start_server, stop_server, wait_settled)

pytestmark = pytest.mark.browser

SHOTS = ROOT / "docs" / "screenshots"
PLAN = "000_c066458c1de48185"  # 区市场监管局
PAGES = [("reference", "/reference", "各单位部署情况汇总"), ("distinct", "/distinct", "套话：多个单位措辞几乎相同的条目"),
         ("yearly", "/yearly", "该单位只有一个年度的计划（2022年），无法对比"),
         ("commitments", "/commitments", "明细（共 22 处）"), ("scorecard", f"/scorecard?plan={PLAN}", "五、量化目标和时间节点")]
TIMEOUT = 30_000
ROW_PX, HEADER_PX, ROW_MARKER_PX = 35, 35, 32


def main_area(page):
    return page.locator("[data-testid='stMain']")


@pytest.mark.parametrize("name, path, landmark", PAGES, ids=[p[0] for p in PAGES])
def test_every_compare_page_opens_and_is_photographed(page, server, name, path, landmark):
    open_page(page, server, path)
    expect(main_area(page).get_by_text(landmark).first).to_be_visible(timeout=TIMEOUT)
    assert_no_error(page)
    expect(page.locator("[data-testid='stSidebarNav']").get_by_text("单位画像")).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def test_scorecard_link_is_the_first_request_on_a_fresh_server(page, fresh_server):
    open_page(page, fresh_server, "/scorecard?plan=003_1cfe0b25e4194644")
    main = main_area(page)
    expect(main.get_by_role("heading", name=re.compile("^市场监管某局"))).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").first).to_contain_text("计划库")
    assert "plan=003_1cfe0b25e4194644" in page.url
    assert_no_error(page)


def test_clicking_a_status_cell_shows_both_items(page, server):
    open_page(page, server, "/reference?ref=001_69a5c787e4f211fb")
    grid = page.locator("[data-testid='stDataFrame']").first
    expect(grid).to_be_visible(timeout=TIMEOUT)
    box = grid.bounding_box()
    # Column widths are fixed by the page: task column, then one column per organ.
    x = box["x"] + ROW_MARKER_PX + TASK_COLUMN_PX + organ_column_px("区市场监管局") + organ_column_px("市委政研室") / 2
    y = box["y"] + HEADER_PX + ROW_PX * 1 + ROW_PX / 2  # task 2, 市委政研室
    page.mouse.click(x, y)
    main = main_area(page)
    expect(main.get_by_text(re.compile("^市委政研室 · 2、扎实推进机关政治文化建设"))).to_be_visible(timeout=TIMEOUT)
    wait_settled(page, server)
    expect(main.get_by_text(re.compile("综合得分 0.16"))).to_be_visible()
    expect(main.get_by_text(re.compile("组织好“喜迎二十大、奋进新征程”主题活动。扎实做好"))).to_be_visible()
    assert_no_error(page)
    main.get_by_text(re.compile("综合得分")).scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "reference_detail.png"))


def test_downloading_the_reference_workbook(page, server, tmp_path: Path):
    open_page(page, server, "/reference")
    with page.expect_download(timeout=TIMEOUT) as info:
        main_area(page).get_by_role("button", name="下载对标检查（Excel）").click()
    assert info.value.suggested_filename == "对标检查.xlsx"
    target = tmp_path / "对标检查.xlsx"
    info.value.save_as(target)
    assert target.read_bytes().startswith(b"PK")


def test_downloading_the_scorecard_as_docx(page, server, tmp_path: Path):
    open_page(page, server, f"/scorecard?plan={PLAN}")
    with page.expect_download(timeout=TIMEOUT) as info:
        main_area(page).get_by_role("button", name="下载单位画像（Word）").click()
    download = info.value
    assert download.suggested_filename == "区市场监管局2022年单位画像.docx"
    target = tmp_path / "画像.docx"
    download.save_as(target)
    doc = Document(io.BytesIO(target.read_bytes()))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "区市场监管局2022年机关党建工作要点 单位画像" in text and "五、量化目标和时间节点" in text
    assert_no_error(page)


def test_scorecard_prints_without_clipped_text(page, server, tmp_path: Path):
    open_page(page, server, f"/scorecard?plan={PLAN}")
    expect(main_area(page).get_by_text("五、量化目标和时间节点")).to_be_visible(timeout=TIMEOUT)
    page.emulate_media(media="print")
    expect(page.locator("[data-testid='stSidebar']")).to_be_hidden()
    expect(page.get_by_role("button", name="下载单位画像（Word）")).to_be_hidden()
    # Nothing in the tables overflows its cell, and the page is not cut at the window's height.
    clipped = page.evaluate("""() => [...document.querySelectorAll('.ct th, .ct td')]
        .filter(c => c.scrollWidth > c.clientWidth + 1 || c.scrollHeight > c.clientHeight + 1)
        .map(c => c.innerText)""")
    assert clipped == []
    main_height = page.evaluate("() => document.querySelector(\"[data-testid='stMain']\").scrollHeight")
    assert main_height > 2000
    page.screenshot(path=str(SHOTS / "scorecard_print.png"), full_page=True)
    pdf = tmp_path / "画像.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    import pdfplumber
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    with pdfplumber.open(pdf) as doc:
        pages = len(doc.pages)
        text = "".join((p.extract_text() or "") for p in doc.pages)
    # Chromium's PDF maps some CJK glyphs to Kangxi radicals; NFKC folds them back.
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    assert pages >= 3
    assert "默认计划库" not in text  # no sidebar on paper
    for words in ("一、结构", "五、量化目标和时间节点", "智慧党建与信息化", "激活机关干部“亚运时间”",
                  "推动机关共享党建品牌成果",  # the end of the last 特色任务's text
                  "认真落实好全年慰问活动等"):  # the very end of the page
        assert words in text, words


def test_year_over_year_on_a_library_with_two_years(page, tmp_path: Path):
    from tests.plan_builders import body_of, drop_item, item_line, replace_item, sample_lines, write_library

    lines = sample_lines("004_9c5b98e22b1f5069.txt")
    reworded = body_of(item_line(lines, 8)).replace("充分发挥", "更好发挥")
    folder = write_library(tmp_path / "years", {
        "a2022.txt": ("市直机关工委", 2022, lines),
        "a2023.txt": ("市直机关工委", 2023, drop_item(replace_item(lines, 8, reworded), 11)),
        "other.txt": ("区市场监管局", 2022, sample_lines("000_c066458c1de48185.txt"))})
    server = start_server({"DANGJIAN_LIBRARIES": f"两个年度={folder}"})  # configured by the operator
    try:
        _year_over_year(page, server)
    finally:
        stop_server(server)


def _year_over_year(page, server) -> None:
    open_page(page, server, "/yearly")
    main = main_area(page)
    expect(main.get_by_text("延续（措辞调整）")).to_be_visible(timeout=TIMEOUT)
    wait_settled(page, server)
    assert "organ=" in page.url and "from=2022" in page.url and "to=2023" in page.url
    main.get_by_role("tab", name=re.compile("^延续")).click()
    expect(main.get_by_text(re.compile("^措辞调整（0\\.\\d\\d）$")).first).to_be_visible(timeout=TIMEOUT)
    assert_no_error(page)
    page.screenshot(path=str(SHOTS / "yearly_two_years.png"), full_page=True)
