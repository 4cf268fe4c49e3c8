"""Real-browser helpers and fixtures: a Streamlit server on a free port, Debian's Chromium.

No conftest.py here on purpose: tests/*.py do ``from conftest import …``, and a second
module named ``conftest`` collected before them would shadow tests/conftest.py.
Test modules import the fixtures they use from here.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
VIEWPORT = {"width": 1400, "height": 900}
SETTLED = "[data-testid='stApp'][data-test-script-state='notRunning']"
STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def start_server(env: dict[str, str] | None = None) -> Server:
    """``streamlit run dashboard.py`` on a free port; fails with the server log if it won't start.

    ``env`` adds environment variables (e.g. ``DANGJIAN_LIBRARY``) for this server only.
    """
    port = free_port()
    log_path = Path(tempfile.mkstemp(prefix="streamlit-", suffix=".log")[1])
    log = log_path.open("w", encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})})
    server = Server(f"http://127.0.0.1:{port}", process, log_path)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.3)
    stop_server(server)
    pytest.fail(f"Streamlit 服务未能启动（{STARTUP_SECONDS} 秒内 /_stcore/health 无响应）。服务器日志：\n"
                f"{server.log()}")


def stop_server(server: Server) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=10)


def wait_settled(page, server: Server | None = None, timeout: float = 60_000) -> None:
    """Wait until the script has finished and no skeleton placeholder is left."""
    try:
        page.wait_for_selector(SETTLED, timeout=timeout)
        page.wait_for_function(
            "() => !document.querySelector(\"[data-testid='stSkeleton']\")"
            " && document.querySelector(\"[data-testid='stApp']\")"
            ".getAttribute('data-test-script-state') === 'notRunning'", timeout=timeout)
        page.wait_for_timeout(400)  # let the last delta paint
        page.wait_for_selector(SETTLED, timeout=timeout)
    except Exception as err:
        log = server.log() if server else ""
        pytest.fail(f"页面未能加载完成：{err}\n服务器日志：\n{log}")


def open_page(page, server: Server, path: str) -> None:
    page.goto(f"{server.url}{path}")
    wait_settled(page, server)


def assert_no_error(page) -> None:
    """No exception box and no st.error on the page."""
    exceptions = page.locator("[data-testid='stException']")
    assert exceptions.count() == 0, exceptions.first.inner_text()
    errors = page.locator("[data-testid='stAlertContentError']")
    assert errors.count() == 0, errors.first.inner_text()


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    """One server shared by the tests that do not need a fresh one."""
    srv = start_server()
    yield srv
    stop_server(srv)


@pytest.fixture
def fresh_server() -> Iterator[Server]:
    """A server no browser has talked to yet (for first-request deep links)."""
    srv = start_server()
    yield srv
    stop_server(srv)


_SHARED: dict = {}


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("找不到 /usr/bin/chromium：浏览器测试需要 Debian 的 Chromium。请先运行 bash scripts/install.sh。")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("未安装 playwright（Python 包）。请先运行 bash scripts/install.sh。")
    # Every test module that imports this fixture gets its own session-scoped copy, but
    # only one sync Playwright may run per process: the copies share it (reference count).
    if not _SHARED:
        pw = sync_playwright().start()
        _SHARED.update(pw=pw, browser=pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS),
                       users=0)
    _SHARED["users"] += 1
    try:
        yield _SHARED["browser"]
    finally:
        _SHARED["users"] -= 1
        if _SHARED["users"] == 0:
            _SHARED["browser"].close()
            _SHARED["pw"].stop()
            _SHARED.clear()




@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", accept_downloads=True)
    pg = context.new_page()
    yield pg
    context.close()
