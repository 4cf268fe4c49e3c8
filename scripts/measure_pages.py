"""Measure the dashboard on a library: server-side rerun time of every page (AppTest)
and, with --browser, the time from a cold server start to the first page ready in Chromium.

    python scripts/measure_pages.py                  # sample library, reruns only
    python scripts/measure_pages.py --browser        # plus cold start in Debian's Chromium
    python scripts/measure_pages.py --library DIR --runs 9
    python scripts/measure_pages.py --library DIR --page pages/coverage.py

For each page: the first visit (which fills the page's caches) and the median of the
reruns after it, all in one AppTest session. Prints medians (the machine is shared and
noisy; one run of this script compares pages with each other, not with another day's figures).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "browser"))


def page_files() -> list[str]:
    """Page files registered in dashboard.py, in menu order."""
    text = (ROOT / "dashboard.py").read_text(encoding="utf-8")
    return [line.split('"')[1] for line in text.splitlines() if 'st.Page("pages/' in line]


def rerun_times(library: str | None, runs: int,
                pages: list[str] | None = None) -> dict[str, tuple[float, float]]:
    """page → (first visit seconds, median rerun seconds), all in one AppTest session."""
    from streamlit.testing.v1 import AppTest

    if library:  # as an operator would: the only library this dashboard offers
        os.environ["DANGJIAN_LIBRARIES"] = f"测量={Path(library).resolve()}"
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=900)
    at.run()
    result: dict[str, tuple[float, float]] = {}
    for page in pages or page_files():
        start = time.perf_counter()
        at.switch_page(page).run()  # first visit builds page-level caches
        first = time.perf_counter() - start
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - start)
        problems = [e.value for e in at.exception] + [e.value for e in at.error]
        if problems:
            print(f"{page}: {problems[0]}", file=sys.stderr)
        result[page] = (first, statistics.median(times))
        print(f"rerun {page:24s} first {first * 1000:8.1f} ms, median {result[page][1] * 1000:7.1f} ms "
              f"over {runs} runs", flush=True)
    return result


def cold_start_seconds() -> float:
    """From ``streamlit run`` to the overview fully drawn, in an already open browser."""
    from browserkit import CHROMIUM, CHROMIUM_ARGS, SETTLED, start_server, stop_server
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page()
        began = time.perf_counter()
        server = start_server()
        try:
            page.goto(server.url)
            page.get_by_text("各单位计划概况").wait_for(timeout=60_000)
            page.wait_for_selector(SETTLED, timeout=60_000)
            page.wait_for_function("!document.querySelector(\"[data-testid='stSkeleton']\")")
            elapsed = time.perf_counter() - began
        finally:
            stop_server(server)
            browser.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", help="计划库文件夹（默认 data/plans）")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--browser", action="store_true", help="也测冷启动到首页就绪的时间")
    parser.add_argument("--page", action="append", help="只测这些页面（如 pages/coverage.py，可重复）")
    args = parser.parse_args()
    rerun_times(args.library, args.runs, args.page)
    if args.browser:
        starts = [cold_start_seconds() for _ in range(3)]
        print(f"cold start → first page ready in Chromium: median {statistics.median(starts):.2f} s "
              f"over 3 starts ({', '.join(f'{s:.2f}' for s in starts)})")


if __name__ == "__main__":
    main()
