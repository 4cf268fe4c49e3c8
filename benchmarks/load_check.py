"""Load check: concurrent browser sessions against one local dashboard server.

Starts ``streamlit run dashboard.py`` on a copy of the N-plan benchmark corpus, opens it
once (so the clock starts on a warm library), then runs S sessions for T seconds. Each
session loops over searches (exact and keyword), the coverage page with a heatmap click,
and the overview. ``--browsers`` B of them are Playwright contexts in Debian's Chromium
(the first uploads one plan on the library page and saves it); the other S − B speak
Streamlit's own websocket protocol — the messages a browser sends (a rerun with the URL's
query string, the page, the widget states; the heatmap click as the chart's selection) —
so that on a 2-core machine the server, not 20 renderers on the same cores, is measured. Between actions a session waits a random think time
(``--think``, mean seconds; 0 = back-to-back). Reports errors, page times (p50/p95, from
navigation or click until the script has finished and no skeleton is left), the server's
RSS, and where the machine's CPU went (server, Chromium, everything else), and writes them
into ``docs/benchmarks.md`` between the ``load`` markers. Not part of CI.

    python benchmarks/load_check.py --plans 1000 --sessions 20 --seconds 120 --think 5
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
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
        self.alerts: dict[str, int] = {}  # st.error boxes the pages drew, by text: content, not failures

    def alert(self, text: str) -> None:
        key = " ".join(text.split()).removeprefix("error ")[:60]  # the browser's text starts with the icon's name
        self.alerts[key] = self.alerts.get(key, 0) + 1

    def add(self, kind: str, seconds: float) -> None:
        self.times.setdefault(kind, []).append(seconds)


async def settled(page) -> None:
    await page.wait_for_selector(SETTLED, timeout=TIMEOUT_MS)
    await page.wait_for_function(SETTLE_JS, timeout=TIMEOUT_MS)
    await page.wait_for_timeout(300)
    await page.wait_for_selector(SETTLED, timeout=TIMEOUT_MS)


async def page_errors(page, stats: Stats) -> str | None:
    """An exception box on the page (a failure); red st.error boxes are noted in ``stats``."""
    alerts = page.locator("[data-testid='stAlertContentError']")
    for k in range(await alerts.count()):
        stats.alert(await alerts.nth(k).inner_text())
    exceptions = page.locator("[data-testid='stException']")
    if await exceptions.count():
        return (await exceptions.first.inner_text())[:200]
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
    problem = await page_errors(page, stats)
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


class ProtocolSession:
    """One dashboard session over ``/_stcore/stream``, as the browser's frontend drives it."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self.chart: tuple[str, dict] | None = None  # the last plotly chart: widget id, figure

    async def rerun(self, stats: Stats, page_name: str, query: str, widgets: list | None = None) -> None:
        """Run a page and wait until its script has finished; an exception element is an error."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = BackMsg()
        msg.rerun_script.query_string = query
        msg.rerun_script.page_name = page_name
        for widget in widgets or []:
            msg.rerun_script.widget_states.widgets.append(widget)
        await self.ws.send(msg.SerializeToString())
        problem = None
        while True:
            forward = ForwardMsg()
            forward.ParseFromString(await asyncio.wait_for(self.ws.recv(), TIMEOUT_MS / 1000))
            kind = forward.WhichOneof("type")
            if kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                element = forward.delta.new_element
                if element.WhichOneof("type") == "exception":
                    problem = element.exception.message[:160]
                elif element.WhichOneof("type") == "alert" and element.alert.format == 1:  # st.error
                    stats.alert(element.alert.body)
                elif element.WhichOneof("type") == "plotly_chart" and element.plotly_chart.id:
                    self.chart = (element.plotly_chart.id, json.loads(element.plotly_chart.spec))
            elif kind == "page_not_found":
                problem = f"找不到页面 {page_name}"
            elif kind == "script_finished" and forward.script_finished != 2:  # 2: stopped for a rerun
                break
        if problem:
            raise RuntimeError(problem)

    async def click_heatmap(self, stats: Stats, rng: random.Random, page_name: str, query: str) -> None:
        """What a click on a heatmap cell sends: the chart's point selection as its widget state."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        if self.chart is None:
            raise RuntimeError("页面上没有热力图")
        chart_id, figure = self.chart
        curve, trace = next((k, t) for k, t in enumerate(figure["data"]) if t.get("customdata"))
        at = rng.randrange(len(trace["customdata"]))
        point = {"curve_number": curve, "point_number": at, "point_index": at, "x": trace["x"][at],
                 "y": trace["y"][at], "customdata": trace["customdata"][at]}
        state = WidgetState(id=chart_id, string_value=json.dumps(
            {"selection": {"points": [point], "point_indices": [at], "box": [], "lasso": []}}))
        await self.rerun(stats, page_name, query, [state])


async def protocol_session(url: str, stop_at: float, stats: Stats, seed: int, think: float) -> None:
    import websockets

    rng = random.Random(seed)
    stream = url.replace("http://", "ws://", 1) + "/_stcore/stream"
    while time.monotonic() < stop_at:
        if think:
            await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))
        step = rng.choice(["exact", "keyword", "coverage", "overview"])
        query = f"q={quote(rng.choice(QUERIES))}&mode={step}"
        try:  # a fresh page load is a fresh session, as page.goto is for the browsers
            async with websockets.connect(stream, subprotocols=["streamlit"], max_size=None) as ws:
                live = ProtocolSession(ws)
                if step in ("exact", "keyword"):
                    await timed_call(stats, f"检索（{'精确' if step == 'exact' else '关键词'}）",
                                     lambda: live.rerun(stats, "search", query))
                elif step == "coverage":
                    query = f"cov_page={rng.randint(1, 5)}"
                    await timed_call(stats, "主题覆盖页", lambda: live.rerun(stats, "coverage", query))
                    await timed_call(stats, "热力图点击", lambda: live.click_heatmap(stats, rng, "coverage", query))
                else:
                    await timed_call(stats, "总览页", lambda: live.rerun(stats, "", ""))
        except OSError as err:
            stats.errors.append(f"连接: {type(err).__name__}: {str(err)[:160]}")


async def timed_call(stats: Stats, kind: str, action) -> None:
    start = time.perf_counter()
    try:
        await action()
    except Exception as err:  # a timeout, a lost connection or an error on the page, counted
        stats.errors.append(f"{kind}: {type(err).__name__}: {str(err)[:160]}")
        return
    stats.add(kind, time.perf_counter() - start)


async def session(browser, url: str, stop_at: float, stats: Stats, uploads: bool, seed: int,
                  think: float) -> None:
    rng = random.Random(seed)
    context = await browser.new_context(viewport=VIEWPORT)
    page = await context.new_page()
    try:
        if uploads:
            await upload_one(page, url, stats)
        while time.monotonic() < stop_at:
            if think:  # a person reads the page before the next step
                await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))
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
    """Resident bytes of ``pid``; 0 for a process that has ended (a zombie has no VmRSS)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            line = next((line for line in status if line.startswith("VmRSS:")), "VmRSS: 0 kB")
    except OSError:
        return 0
    return int(line.split()[1]) * 1024


def _children(pid: int) -> list[int]:
    out = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return []
    for task in tasks:
        try:  # a thread may end between the listing and the read
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return out + [g for c in out for g in _children(c)]


def cpu_seconds(pids: list[int], reaped: bool = False) -> float:
    """User + system CPU seconds of ``pids`` so far (gone processes count 0); ``reaped`` adds
    what their finished children used."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
        if reaped:
            ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of ``pid``, its live descendants and the children it has reaped."""
    return cpu_seconds([pid], reaped=True) + cpu_seconds(_children(pid))


def machine_cpu_seconds() -> float:
    """Busy CPU seconds of the whole machine so far (all cores, from /proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def chromium_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if "chromium" in (entry / "cmdline").read_bytes().split(b"\0", 1)[0].decode(errors="replace"):
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


class CpuWatch:
    """Where the machine's CPU went during the run: the server's process tree, Chromium, the rest.

    Chromium processes come and go with contexts, so their CPU is summed from samples of
    each live process's own counter (the last value seen per pid)."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.browser_last: dict[int, float] = {}
        self.browser_start: dict[int, float] = {p: cpu_seconds([p]) for p in chromium_pids()}
        self.server_start = tree_cpu_seconds(server_pid)
        self.machine_start = machine_cpu_seconds()

    def sample(self) -> None:
        for pid in chromium_pids():
            self.browser_last[pid] = cpu_seconds([pid])
        self.server_now = tree_cpu_seconds(self.server_pid)

    def totals(self) -> dict[str, float]:
        browser = sum(v - self.browser_start.get(p, 0.0) for p, v in self.browser_last.items())
        server = self.server_now - self.server_start
        machine = machine_cpu_seconds() - self.machine_start
        return {"server": server, "browser": browser, "other": max(0.0, machine - server - browser),
                "machine": machine}


def sample_rss(pid: int, samples: list[tuple[int, int]], stop: threading.Event, cpu: CpuWatch) -> None:
    """Server RSS (the process, and with its children: workers, upload readers) every 0.5 s."""
    while not stop.is_set():
        own = _rss(pid)
        samples.append((own, own + sum(_rss(c) for c in _children(pid))))
        cpu.sample()
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


async def run(url: str, sessions: int, browsers: int, seconds: float, think: float) -> tuple[Stats, Stats]:
    """(stats of the Chromium sessions, stats of the protocol sessions)."""
    from playwright.async_api import async_playwright

    seen, spoken = Stats(), Stats()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        stop_at = time.monotonic() + seconds
        await asyncio.gather(
            *(session(browser, url, stop_at, seen, k == 0, k, think) for k in range(browsers)),
            *(protocol_session(url, stop_at, spoken, k, think) for k in range(browsers, sessions)))
        await browser.close()
    return seen, spoken


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _table(stats: Stats) -> list[str]:
    lines = ["| 操作 | 次数 | p50 (s) | p95 (s) |", "|---|---|---|---|"]
    for kind, times in sorted(stats.times.items()):
        lines.append(f"| {kind} | {len(times)} | {statistics.median(times):.2f} | {percentile(times, 0.95):.2f} |")
    return lines


def _one_line(error: str) -> str:
    return " ".join(error.split())[:120]


def _alerts_line(*stats: Stats) -> str:
    shown: dict[str, int] = {}
    for one in stats:
        for text, count in one.alerts.items():
            shown[text] = shown.get(text, 0) + count
    if not shown:
        return "- 页面上没有出现红色提示框；"
    listed = "；".join(f"“{text}” ×{count}" for text, count in sorted(shown.items(), key=lambda kv: -kv[1])[:4])
    return f"- 页面上出现的红色提示框（页面内容，不算出错）：{listed}；"


def report(seen: Stats, spoken: Stats, rss: list[tuple[int, int]], args: argparse.Namespace, wall: float,
           cpu: dict[str, float]) -> str:
    every = [t for stats in (seen, spoken) for times in stats.times.values() for t in times]
    errors = seen.errors + spoken.errors
    cores = os.cpu_count() or 1
    think = (f"每步之间随机停留 {0.5 * args.think:g}–{1.5 * args.think:g} s（看页面的时间）" if args.think
             else "步与步之间不停留")
    lines = [f"一次运行（{dt.date.today().isoformat()}，{cores} 核机器，服务器与客户端同机）："
             f"{args.sessions} 个并发会话（其中 {args.browsers} 个 Chromium 浏览器，"
             f"{args.sessions - args.browsers} 个按 Streamlit 的 websocket 协议发送浏览器同样的消息），"
             f"{think}，{args.plans} 份计划的库，{wall:.0f} s；"
             f"`python benchmarks/load_check.py --plans {args.plans} --sessions {args.sessions} "
             f"--browsers {args.browsers} --seconds {args.seconds:g} --think {args.think:g}`。",
             "",
             f"- 页面操作 {len(every)} 次，出错 {len(errors)} 次"
             + (f"（{'；'.join(_one_line(e) for e in errors[:5])}）" if errors else "") + "；",
             f"- 全部操作的用时 p50 {statistics.median(every):.2f} s、p95 {percentile(every, 0.95):.2f} s；"
             if every else "- 没有完成的操作；",
             f"- 服务器内存（RSS）：主进程峰值 {max(r[0] for r in rss) / 2**20:.0f} MB，"
             f"连同子进程（读取进程等）峰值 {max(r[1] for r in rss) / 2**20:.0f} MB；" if rss else "- 没有内存采样；",
             _alerts_line(seen, spoken),
             f"- CPU（{wall:.0f} s × {cores} 核 = {wall * cores:.0f} 核·秒）：服务器 {cpu['server']:.0f} s，"
             f"Chromium {cpu['browser']:.0f} s，本机其他进程（含协议会话）{cpu['other']:.0f} s。",
             "", "浏览器会话（从导航或点击到脚本跑完、页面不再有骨架屏）：", ""] + _table(seen)
    lines += ["", "协议会话（从发出消息到服务器报告脚本跑完）：", ""] + _table(spoken)
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
    parser.add_argument("--browsers", type=int, default=2,
                        help="how many of the sessions are real Chromium contexts (the first uploads)")
    parser.add_argument("--think", type=float, default=5.0, help="mean think time between steps (s); 0 = none")
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
        cpu = CpuWatch(server.process.pid)
        sampler = threading.Thread(target=sample_rss, args=(server.process.pid, samples, stop, cpu), daemon=True)
        sampler.start()
        started = time.monotonic()
        seen, spoken = asyncio.run(run(server.url, args.sessions, min(args.browsers, args.sessions),
                                       args.seconds, args.think))
        wall = time.monotonic() - started
        cpu.sample()
        used = cpu.totals()
    finally:
        stop.set()
        stop_server(server)
        shutil.rmtree(library.parent, ignore_errors=True)
    text = report(seen, spoken, samples, args, wall, used)
    print(text)
    if seen.errors or spoken.errors:
        print("\n".join(seen.errors + spoken.errors), file=sys.stderr)
    if not args.no_docs:
        write_docs(text)


if __name__ == "__main__":
    main()
