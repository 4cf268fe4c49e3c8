"""Load check: concurrent browser sessions against one local dashboard server.

Starts ``streamlit run dashboard.py`` on a copy of the N-plan benchmark corpus, opens it
once (so the clock starts on a warm library), then runs S Playwright contexts in Debian's
Chromium for T seconds. Each session loops over searches (exact and keyword), the
coverage page with a heatmap click, and the overview; one session uploads one plan on
the library page and saves it. Reports errors, page times (p50/p95, from navigation or
click until the script has finished and no skeleton is left) and the server's RSS, and
writes them into ``docs/benchmarks.md`` between the ``load`` markers. Not part of CI.

    python benchmarks/load_check.py --plans 1000 --sessions 20 --seconds 120
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from benchmarks.make_corpus import write_corpus  # noqa: E402
from browserkit import CHROMIUM, CHROMIUM_ARGS, SETTLED, VIEWPORT, start_server, stop_server  # noqa: E402

QUERIES = ["三会一课", "主题党日", "谈心谈话", "清廉机关", "意识形态工作责任制", "党风廉政建设", "志愿服务"]
START, END = "<!-- load:start -->", "<!-- load:end -->"
SETTLE_JS = ("() => !document.querySelector(\"[data-testid='stSkeleton']\")"
             " && document.querySelector(\"[data-testid='stApp']\")?.getAttribute('data-test-script-state')"
             " === 'notRunning'")
TIMEOUT_MS = 60_000
UPLOAD = ("2026年压力测试局机关党建工作要点.txt",
          "2026年压力测试局机关党建工作要点\n一、政治建设\n1.加强理论学习。落实第一议题制度。\n"
          "2.严肃党内政治生活。\n二、组织建设\n1.推进支部标准化建设。\n2.开展主题党日活动。\n".encode())


class Stats:
    def __init__(self) -> None:
        self.times: dict[str, list[float]] = {}
        self.errors: list[str] = []

    def add(self, kind: str, seconds: float) -> None:
        self.times.setdefault(kind, []).append(seconds)


async def settled(page) -> None:
    await page.wait_for_selector(SETTLED, timeout=TIMEOUT_MS)
    await page.wait_for_function(SETTLE_JS, timeout=TIMEOUT_MS)
    await page.wait_for_timeout(300)
    await page.wait_for_selector(SETTLED, timeout=TIMEOUT_MS)


async def page_errors(page) -> str | None:
    for selector in ("[data-testid='stException']", "[data-testid='stAlertContentError']"):
        boxes = page.locator(selector)
        if await boxes.count():
            return (await boxes.first.inner_text())[:200]
    return None


async def timed(stats: Stats, kind: str, page, action) -> None:
    start = time.perf_counter()
    try:
        await action()
        await settled(page)
    except Exception as err:  # a timeout or a crash is an error of the load check, counted
        stats.errors.append(f"{kind}: {type(err).__name__}: {str(err)[:160]}")
        return
    stats.add(kind, time.perf_counter() - start)
    problem = await page_errors(page)
    if problem:
        stats.errors.append(f"{kind}: 页面错误：{problem}")


async def heatmap_click(page) -> None:
    points = page.locator(".js-plotly-plot .scatterlayer .point")
    await points.first.wait_for(state="attached", timeout=TIMEOUT_MS)
    count = await points.count()
    box = await points.nth(random.randrange(count)).bounding_box()
    if box:
        await page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


async def upload_one(page, url: str, stats: Stats) -> None:
    main = page.locator("[data-testid='stMain']")
    await timed(stats, "计划库页", page, lambda: page.goto(f"{url}/library"))

    async def choose() -> None:
        await page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
            [{"name": UPLOAD[0], "mimeType": "text/plain", "buffer": UPLOAD[1]}])
        await main.get_by_text("解析预览").first.wait_for(timeout=TIMEOUT_MS)
    await timed(stats, "上传预览", page, choose)

    async def save() -> None:
        await main.get_by_role("button", name="保存 1 份文件").click()
        await main.get_by_text("上次保存的结果").wait_for(timeout=TIMEOUT_MS)
    await timed(stats, "保存上传", page, save)
    if not await main.get_by_text("已保存为").count():
        stats.errors.append("上传：没有看到“已保存为”")


async def session(browser, url: str, stop_at: float, stats: Stats, uploads: bool, seed: int) -> None:
    rng = random.Random(seed)
    context = await browser.new_context(viewport=VIEWPORT)
    page = await context.new_page()
    try:
        if uploads:
            await upload_one(page, url, stats)
        while time.monotonic() < stop_at:
            step = rng.choice(["exact", "keyword", "coverage", "overview"])
            query = quote(rng.choice(QUERIES))
            if step in ("exact", "keyword"):
                await timed(stats, f"检索（{'精确' if step == 'exact' else '关键词'}）", page,
                            lambda: page.goto(f"{url}/search?q={query}&mode={step}"))
            elif step == "coverage":
                await timed(stats, "主题覆盖页", page,
                            lambda: page.goto(f"{url}/coverage?cov_page={rng.randint(1, 5)}"))
                await timed(stats, "热力图点击", page, lambda: heatmap_click(page))
            else:
                await timed(stats, "总览页", page, lambda: page.goto(url))
    finally:
        await context.close()


def _rss(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) * 1024


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        out += [int(c) for c in (task / "children").read_text().split()]
    return out + [g for c in out for g in _children(c)]


def sample_rss(pid: int, samples: list[tuple[int, int]], stop: threading.Event) -> None:
    """Server RSS (the process, and with its children: workers, upload readers) every 0.5 s."""
    while not stop.is_set():
        try:
            own = _rss(pid)
            total = own + sum(_rss(c) for c in _children(pid))
        except (OSError, StopIteration):
            own = total = None
        if own is not None:
            samples.append((own, total))
        stop.wait(0.5)


async def warm(url: str) -> None:
    """Open the overview once and wait until it has settled: the library is read and indexed."""
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport=VIEWPORT)
        await page.goto(url, timeout=600_000)
        await page.wait_for_selector(SETTLED, timeout=600_000)
        await page.wait_for_function(SETTLE_JS, timeout=600_000)
        await browser.close()


async def run(url: str, sessions: int, seconds: float) -> Stats:
    from playwright.async_api import async_playwright

    stats = Stats()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        stop_at = time.monotonic() + seconds
        await asyncio.gather(*(session(browser, url, stop_at, stats, k == 0, k) for k in range(sessions)))
        await browser.close()
    return stats


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def report(stats: Stats, rss: list[tuple[int, int]], args: argparse.Namespace, wall: float) -> str:
    every = [t for times in stats.times.values() for t in times]
    lines = [f"一次运行（{dt.date.today().isoformat()}，2 核机器，服务器与 Chromium 同机）："
             f"{args.sessions} 个并发浏览器会话，{args.plans} 份计划的库，{wall:.0f} s；"
             f"`python benchmarks/load_check.py --plans {args.plans} --sessions {args.sessions} "
             f"--seconds {args.seconds}`。",
             "",
             f"- 页面操作 {len(every)} 次，出错 {len(stats.errors)} 次"
             + (f"（{'；'.join(stats.errors[:5])}）" if stats.errors else "") + "；",
             f"- 全部操作的页面用时 p50 {statistics.median(every):.2f} s、p95 {percentile(every, 0.95):.2f} s"
             if every else "- 没有完成的操作",
             f"- 服务器内存（RSS）：主进程峰值 {max(r[0] for r in rss) / 2**20:.0f} MB，"
             f"连同子进程（读取进程等）峰值 {max(r[1] for r in rss) / 2**20:.0f} MB。" if rss else "- 没有内存采样",
             "",
             "| 操作 | 次数 | p50 (s) | p95 (s) |", "|---|---|---|---|"]
    for kind, times in sorted(stats.times.items()):
        lines.append(f"| {kind} | {len(times)} | {statistics.median(times):.2f} | {percentile(times, 0.95):.2f} |")
    return "\n".join(lines)


def write_docs(text: str) -> None:
    path = ROOT / "docs" / "benchmarks.md"
    doc = path.read_text(encoding="utf-8")
    block = f"{START}\n{text}\n{END}"
    if START in doc and END in doc:
        doc = doc[:doc.index(START)] + block + doc[doc.index(END) + len(END):]
    else:
        doc = doc.rstrip() + "\n\n## 并发负载检查（20 个浏览器会话）\n\n" + block + "\n"
    path.write_text(doc, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=1000)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--workdir", type=Path, default=ROOT / "benchmarks" / "out")
    parser.add_argument("--no-docs", action="store_true", help="print only; leave docs/benchmarks.md")
    args = parser.parse_args()
    corpus = args.workdir / f"corpus_{args.plans}"
    if not (corpus / "manifest.toml").exists():
        write_corpus(args.plans, corpus)
    library = Path(tempfile.mkdtemp(prefix="load-")) / "plans"
    shutil.copytree(corpus, library, ignore=shutil.ignore_patterns(".index"))
    server = start_server({"DANGJIAN_LIBRARY": str(library)})
    samples: list[tuple[int, int]] = []
    stop = threading.Event()
    try:
        asyncio.run(warm(server.url))  # the clock starts on an open library
        sampler = threading.Thread(target=sample_rss, args=(server.process.pid, samples, stop), daemon=True)
        sampler.start()
        started = time.monotonic()
        stats = asyncio.run(run(server.url, args.sessions, args.seconds))
        wall = time.monotonic() - started
    finally:
        stop.set()
        stop_server(server)
        shutil.rmtree(library.parent, ignore_errors=True)
    text = report(stats, samples, args, wall)
    print(text)
    if stats.errors:
        print("\n".join(stats.errors), file=sys.stderr)
    if not args.no_docs:
        write_docs(text)


if __name__ == "__main__":
    main()
