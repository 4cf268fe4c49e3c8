"""计划库 in Debian's Chromium: upload through the page, then search; hostile plans stay text.

The server runs on a COPY of the sample library and of the taxonomy (environment
variables DANGJIAN_LIBRARY / DANGJIAN_TAXONOMY), never on data/.
"""
from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest
from playwright.sync_api import expect

from app.auth import ENV_VAR as PASSWORD_ENV
from app.frame import LIBRARY_ENV, TAXONOMY_ENV
from browserkit import (ROOT, Server, assert_no_error, browser, open_page, page, start_server,  # noqa: F401
                        stop_server, wait_settled)
from variants import as_docx

pytestmark = pytest.mark.browser

SHOTS = ROOT / "docs" / "screenshots"
SAMPLE = (ROOT / "data" / "plans" / "002_07e1a61bf54791a3.txt").read_text(encoding="utf-8")
TIMEOUT = 60_000
NEW_ORGAN = "市委统战部"
UNIQUE = "同心圆凝聚工程"
DOCX_TEXT = (SAMPLE.replace("2022年市委政研室", f"2023年{NEW_ORGAN}", 1)
             .replace("3.深化“三表率一模范”机关创建。", f"3.深化“三表率一模范”机关创建和{UNIQUE}。", 1))
EVIL_NAME = "<img src=x onerror=alert(1)>.txt"
EVIL_TEXT = """2022年恶意测试机关党建工作要点
一、加强政治建设<img src=x onerror=alert(1)>
1.落实<script>alert(1)</script>“三会一课”制度，[点我](javascript:alert(1)) &lt;b&gt; 照办。
2.推进模范机关建设，开展<i>主题党日</i>活动。
二、加强作风建设
1.持之以恒落实中央八项规定精神，纠治“四风”。
"""


@pytest.fixture(scope="module")
def library_server(tmp_path_factory) -> Iterator[tuple[Server, Path]]:
    root = tmp_path_factory.mktemp("browser-library")
    library = root / "plans"
    shutil.copytree(ROOT / "data" / "plans", library, ignore=shutil.ignore_patterns(".index", ".lock"))
    for path in library.iterdir():
        path.chmod(0o644)
    taxonomy = root / "themes.toml"
    shutil.copy(ROOT / "data" / "themes.toml", taxonomy)
    with pytest.MonkeyPatch.context() as mp:  # start_server passes os.environ on
        mp.setenv(LIBRARY_ENV, str(library))
        mp.setenv(TAXONOMY_ENV, str(taxonomy))
        mp.delenv(PASSWORD_ENV, raising=False)
        server = start_server()
    yield server, library
    stop_server(server)


@pytest.fixture
def watched(page, library_server):
    """The page with every dialog and every request recorded."""
    server, _ = library_server
    dialogs: list[str] = []
    requests: list[str] = []

    def on_dialog(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("request", lambda request: requests.append(request.url))
    page.dialogs, page.requests = dialogs, requests
    return page


def main_area(page):
    return page.locator("[data-testid='stMain']")


def upload_files(page, server: Server, files: list[tuple[str, bytes, str]]) -> None:
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
        [{"name": name, "mimeType": mime, "buffer": data} for name, data, mime in files])
    expect(main_area(page).get_by_text(re.compile("解析预览")).first).to_be_visible(timeout=TIMEOUT)
    wait_settled(page, server)


def save_all(page, server: Server) -> None:
    main_area(page).get_by_role("button", name=re.compile(r"保存 \d+ 份文件")).click()
    expect(main_area(page).get_by_text("上次保存的结果")).to_be_visible(timeout=TIMEOUT)
    wait_settled(page, server)


def assert_safe(page, server: Server) -> None:
    assert page.dialogs == [], f"页面弹出了对话框：{page.dialogs}"
    allowed = {urlparse(server.url).hostname, "localhost", "127.0.0.1"}
    for url in page.requests:
        parsed = urlparse(url)
        if parsed.scheme in ("data", "blob"):
            continue
        assert parsed.hostname in allowed, f"请求了外部地址：{url}"
        assert not re.search(r"/x$", parsed.path), f"载入了文本里的图片 x：{url}"
    assert page.locator("[data-testid='stMain'] a[href^='javascript']").count() == 0
    assert page.locator("[data-testid='stMain'] img[src='x']").count() == 0
    assert page.locator("[data-testid='stMain'] script:text('alert')").count() == 0


def test_docx_uploaded_in_the_page_is_found_by_search(watched, library_server):
    page = watched
    server, library = library_server
    open_page(page, server, "/library")
    main = main_area(page)
    expect(main.get_by_text(re.compile("未设置管理员密码"))).to_be_visible(timeout=TIMEOUT)
    upload_files(page, server, [("统战部2023.docx", as_docx(DOCX_TEXT),
                                 "application/vnd.openxmlformats-officedocument.wordprocessingml.document")])
    expect(main.get_by_label("单位")).to_have_value(NEW_ORGAN)
    expect(main.get_by_text(re.compile("可以保存："))).to_be_visible()
    expect(main.get_by_text(re.compile("突出政治建设")).first).to_be_visible()
    assert_no_error(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "library.png"), full_page=True)
    save_all(page, server)
    expect(main.get_by_text(re.compile(f"已保存为{NEW_ORGAN}（2023 年）"))).to_be_visible()
    assert (library / "统战部2023.docx").exists()
    open_page(page, server, f"/search?q={quote(UNIQUE)}&mode=exact")
    expect(main.get_by_text(re.compile("共找到 1 条"))).to_be_visible(timeout=TIMEOUT)
    expect(main.locator("[data-testid='stMarkdownContainer']").filter(has_text=NEW_ORGAN).first).to_be_visible()
    assert UNIQUE in main.locator("mark").all_inner_texts()
    assert_no_error(page)
    assert_safe(page, server)


def test_hostile_plan_is_shown_as_literal_text_everywhere(watched, library_server):
    page = watched
    server, library = library_server
    open_page(page, server, "/library")
    upload_files(page, server, [(EVIL_NAME, EVIL_TEXT.encode("utf-8"), "text/plain")])
    main = main_area(page)
    expect(main.get_by_text(EVIL_NAME, exact=False).first).to_be_visible()  # the name, as text
    expect(main.get_by_text(re.compile(re.escape("<script>alert(1)</script>"))).first).to_be_visible()
    save_all(page, server)
    assert (library / EVIL_NAME).read_text(encoding="utf-8") == EVIL_TEXT
    assert_safe(page, server)
    # search, then open the hostile item ("查看相似条目" shows it in full)
    open_page(page, server, f"/search?q={quote('三会一课')}&mode=exact")
    similar = re.compile("查看相似条目")
    card = main.locator("div").filter(has_text="<script>alert(1)</script>").filter(
        has=page.get_by_role("button", name=similar)).last  # the innermost: the result card
    expect(card).to_be_visible(timeout=TIMEOUT)
    expect(card.get_by_text("[点我](javascript:alert(1))", exact=False).first).to_be_visible()
    card.get_by_role("button", name=similar).click()
    expect(main.get_by_text("与下面这条相似的条目")).to_be_visible(timeout=TIMEOUT)
    wait_settled(page, server)
    body = main.inner_text()
    for literal in ("<script>alert(1)</script>", "[点我](javascript:alert(1))", "&lt;b&gt;"):
        assert literal in body, literal
    # the sidebar filter and the coverage heatmap show the organ as text too
    open_page(page, server, "/coverage")
    expect(main.locator(".js-plotly-plot").first).to_be_visible(timeout=TIMEOUT)
    assert_no_error(page)
    assert_safe(page, server)


def test_taxonomy_page_opens(watched, library_server):
    page = watched
    server, _ = library_server
    open_page(page, server, "/taxonomy")
    main = main_area(page)
    expect(main.get_by_text("校验并保存")).to_be_visible(timeout=TIMEOUT)
    expect(main.locator("[data-testid='stDataFrame']:visible").first).to_be_visible()
    assert_no_error(page)
    page.screenshot(path=str(SHOTS / "taxonomy.png"))
    assert_safe(page, server)
