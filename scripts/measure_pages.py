"""Measure the dashboard on a library: server-side rerun time of every page (AppTest)
and, with --browser, the time from a cold server start to the first page ready in Chromium.

    python scripts/measure_pages.py                  # sample library, reruns only
    python scripts/measure_pages.py --browser        # plus cold start in Debian's Chromium
    python scripts/measure_pages.py --library DIR --runs 9

Prints medians (the machine is shared and noisy; one run of this script compares pages
with each other, not with another day's figures).
"""
from __future__ import annotations

import argparse
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


def rerun_times(library: str | None, runs: int) -> dict[str, float]:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300)
    if library:
        at.query_params["library"] = library
    at.run()
    medians: dict[str, float] = {}
    for page in page_files():
        at.switch_page(page).run()  # first visit builds page-level caches
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - start)
        if at.exception:
            raise SystemExit(f"{page}: {at.exception[0].value}")
        medians[page] = statistics.median(times)
    return medians


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
    args = parser.parse_args()
    for page, seconds in rerun_times(args.library, args.runs).items():
        print(f"rerun {page:24s} median {seconds * 1000:7.1f} ms over {args.runs} runs")
    if args.browser:
        starts = [cold_start_seconds() for _ in range(3)]
        print(f"cold start → first page ready in Chromium: median {statistics.median(starts):.2f} s "
              f"over 3 starts ({', '.join(f'{s:.2f}' for s in starts)})")


if __name__ == "__main__":
    main()
