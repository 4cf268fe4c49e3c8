"""The benchmark suite: ingest, warm open, search engines side by side, coverage, pages, memory.

One command, one process, one run; writes the results into ``docs/benchmarks.md``
(between the ``results`` markers, keeping the hand-written notes around them):

    python benchmarks/run.py --sizes 1000 10000      # the real run (about an hour)
    python benchmarks/run.py --smoke                  # 50 plans, few queries (CI, < 1 min)

Corpora come from ``benchmarks/make_corpus.py`` (seeded) under ``benchmarks/out/``.
Every engine searches the same folded item texts; recall is measured against the
true set, ``fold(q) in fold(text)`` by brute force.
"""
from __future__ import annotations

import argparse
import cProfile
import dataclasses
import datetime as dt
import gc
import io
import os
import platform
import pstats
import re
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import jieba  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import core  # noqa: E402
from benchmarks.make_corpus import write_corpus  # noqa: E402
from core.normalize import fold  # noqa: E402
from core.taxonomy import dump_taxonomy, parse_taxonomy  # noqa: E402

QUERIES = ["党", "廉", "党建", "述职", "三会一课", "主题党日", "谈心谈话", "一岗双责", "双报到", "清廉机关",
           "模范机关", "青年理论学习", "党风廉政建设", "全面从严治党", "理论学习中心组", "意识形态工作责任制",
           "机关党建", "作风建设", "志愿服务", "量子计算"]
SMOKE_QUERIES = ["党", "三会一课", "青年理论学习", "意识形态工作责任制"]
REPS = 5
SLOW_PAGE_S = 5.0  # past this, one rerun is measured instead of three
START, END = "<!-- results:start -->", "<!-- results:end -->"
TARGETS = {
    "ingest_ratio": 1.0, "warm_open_s": 3.0, "search_p95_ms": 30.0, "coverage_s": 2.0,
    "page_ms": 500.0, "rss_mb": 1536.0,
}


@dataclass
class EngineResult:
    name: str
    build_s: float
    times_ms: list[float] = field(default_factory=list)
    recalls: list[float] = field(default_factory=list)
    per_query_ms: dict[str, float] = field(default_factory=dict)
    note: str = ""

    @property
    def p50(self) -> float:
        return float(np.percentile(self.times_ms, 50)) if self.times_ms else float("nan")

    @property
    def p95(self) -> float:
        return float(np.percentile(self.times_ms, 95)) if self.times_ms else float("nan")

    @property
    def recall(self) -> float:
        return float(np.mean(self.recalls)) if self.recalls else float("nan")

    @property
    def min_recall(self) -> float:
        return float(min(self.recalls)) if self.recalls else float("nan")


@dataclass
class SizeResult:
    n: int
    reps: int = REPS
    rows: dict[str, str] = field(default_factory=dict)
    engines: list[EngineResult] = field(default_factory=list)
    profiles: dict[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------- helpers

def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def rss_mb() -> float:
    """Peak RSS of this whole process since it started."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """CPU time of this process plus its finished children (the ingest workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def reset_peak_rss() -> bool:
    """Restart the kernel's high-water mark (VmHWM) at the current RSS; False if not possible."""
    gc.collect()
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def peak_rss_since_reset_mb() -> float:
    """VmHWM: peak RSS since :func:`reset_peak_rss` (or since start if it could not reset)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return rss_mb()


def profiled(fn: Callable[[], object], top: int = 15) -> tuple[float, object, str]:
    profile = cProfile.Profile()
    t0 = time.perf_counter()
    result = profile.runcall(fn)
    seconds = time.perf_counter() - t0
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(top)
    text = out.getvalue()
    text = text[text.find("ncalls"):] if "ncalls" in text else text
    return seconds, result, re.sub(str(ROOT) + "/", "", text).rstrip()


def corpus(n: int, workdir: Path) -> Path:
    folder = workdir / f"corpus-{n}"
    if not (folder / "manifest.toml").exists() or len(list(folder.glob("*.txt"))) != n:
        shutil.rmtree(folder, ignore_errors=True)
        log(f"writing corpus of {n} plans to {folder}")
        write_corpus(n, folder)
    shutil.rmtree(folder / core.library.INDEX_DIR, ignore_errors=True)
    return folder


def changed_taxonomy(taxonomy: core.Taxonomy) -> core.Taxonomy:
    """The taxonomy with one more term for its first theme (a typical edit in the taxonomy page)."""
    theme = taxonomy.themes[0]
    edited = dataclasses.replace(theme, terms=theme.terms + ("政治机关意识教育",))
    result = dataclasses.replace(taxonomy, themes=(edited,) + tuple(taxonomy.themes[1:]))
    return parse_taxonomy(dump_taxonomy(result), "edited")  # validated as the editor would


# ---------------------------------------------------------------- measurements

def measure_ingest(folder: Path, res: SizeResult, profile: bool) -> core.Library:
    total_bytes = sum(p.stat().st_size for p in folder.glob("*.txt"))
    mb = total_bytes / 1e6

    def cold() -> core.Library:
        lib = core.open_library(folder, progress=_progress_logger())
        lib.search_index()
        return lib

    cpu_before = cpu_seconds()
    seconds, lib = timed(cold)  # never under cProfile: its overhead would inflate the ratio
    ingest_cpu = cpu_seconds() - cpu_before
    texts = [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))]
    jieba.lcut("预热")
    log("jieba.lcut over the same text")

    def segment_all() -> None:
        for text in texts:  # tokens are dropped at once: keeping 20 M of them would cost GBs
            jieba.lcut(text)

    cpu_before = cpu_seconds()
    jieba_s, _ = timed(segment_all)
    jieba_cpu = cpu_seconds() - cpu_before
    res.rows["corpus"] = f"{len(lib.plans):,} plans, {len(lib.items):,} items, {mb:.1f} MB"
    res.rows["cold ingest (read+parse+tag+index)"] = f"{seconds:.1f} s ({mb / seconds:.2f} MB/s)"
    res.rows["jieba.lcut alone, same text"] = f"{jieba_s:.1f} s ({mb / jieba_s:.2f} MB/s)"
    res.rows["ingest / jieba ratio"] = _verdict(seconds / jieba_s, TARGETS["ingest_ratio"], "{:.2f}",
                                                "wall time")
    res.rows["CPU seconds: ingest (all processes) / jieba"] = (
        f"{ingest_cpu:.1f} s / {jieba_cpu:.1f} s = {ingest_cpu / jieba_cpu:.2f}")
    return lib


def measure_warm_open(folder: Path, res: SizeResult, profile: bool) -> core.Library:
    times = []
    lib = None
    for _ in range(3):
        lib = None  # a process reopening a library drops the old one first
        gc.collect()
        seconds, lib = timed(lambda: core.open_library(folder))
        times.append(seconds)
    res.rows["warm open_library (snapshot)"] = _verdict(statistics.median(times), TARGETS["warm_open_s"],
                                                        "{:.2f} s", "median of 3")
    if profile and statistics.median(times) > TARGETS["warm_open_s"]:
        _, _, text = profiled(lambda: core.open_library(folder))
        res.profiles["warm open_library"] = text
    seconds, _ = timed(lib.search_index)
    res.rows["first search after warm open (loads search.npz)"] = f"{seconds:.2f} s"
    return lib


def measure_analysis(lib: core.Library, res: SizeResult, profile: bool) -> None:
    seconds, _ = timed(lib.coverage)
    res.rows["coverage() on an opened library"] = f"{seconds:.2f} s"
    edited = changed_taxonomy(lib.taxonomy)
    lib.search_index()  # retag borrows the index's folded texts; opening it is timed above
    seconds, retagged = timed(lambda: lib.retag(edited))
    cov_s, _ = timed(retagged.coverage)
    del retagged  # the dashboard replaces the library with its retagged copy; it never keeps both
    if profile and seconds + cov_s > TARGETS["coverage_s"]:  # profiled again, apart from the timing
        res.profiles["retag(new taxonomy).coverage(), on a fresh retag"] = profiled(
            lambda: lib.retag(edited).coverage())[2]
    res.rows["retag(new taxonomy), one theme edited"] = f"{seconds:.2f} s"
    res.rows["coverage recompute: retag(new taxonomy).coverage()"] = _verdict(
        seconds + cov_s, TARGETS["coverage_s"], "{:.2f} s")
    seconds, _ = timed(lambda: lib.section_matrix(by="dimension"))
    res.rows["section_matrix(by='dimension')"] = f"{seconds:.2f} s"
    cov = lib.coverage()
    covered = cov[cov["covered"]]
    cell = covered.iloc[len(covered) // 2]
    seconds, _ = timed(lambda: lib.evidence_for(cell["plan_id"], cell["theme"]))
    res.rows["evidence_for(one cell), first call (builds the cell index)"] = f"{seconds * 1000:.0f} ms"
    seconds, _ = timed(lambda: lib.evidence_for(cell["plan_id"], cell["theme"]))
    res.rows["evidence_for(one cell), next calls"] = f"{seconds * 1000:.2f} ms"
    seconds, omitted = timed(lambda: lib.omissions(candidates=False))
    res.rows["omissions(candidates=False): the missing cells"] = f"{seconds:.2f} s ({len(omitted):,} cells)"
    if len(omitted):
        row = omitted.iloc[len(omitted) // 2]
        seconds, _ = timed(lambda: lib.nearest_candidate(row["plan_id"], row["theme"]))
        res.rows["nearest_candidate(one omitted cell)"] = f"{seconds * 1000:.1f} ms"
    seconds, _ = timed(lambda: lib.omissions())
    res.rows["omissions() with every nearest candidate"] = f"{seconds:.2f} s"


@dataclass
class Engine:
    """A search engine under test: ``search(q)`` is timed; ``rows(result)`` (untimed) gives item rows."""

    name: str
    build_s: float
    search: Callable[[str], object] | None
    rows: Callable[[object], set[int]] = set
    note: str = ""


class SearchBench:
    """The same folded item texts, the true answer of every query, and the engines compared on them."""

    def __init__(self, lib: core.Library, queries: list[str], reps: int) -> None:
        self.lib, self.queries, self.reps = lib, queries, reps
        item_ids = lib.items["item_id"].tolist()
        shared = lib.search_index().folded_texts(item_ids)  # the index's own list: no second copy
        self.folded = shared if shared is not None else [fold(t) for t in lib.items["text"].tolist()]
        self.truth = {q: {i for i, t in enumerate(self.folded) if fold(q) in t} for q in queries}
        self.row_of = {item_id: i for i, item_id in enumerate(item_ids)}

    def ours(self) -> list[Engine]:
        index, lib, row_of = self.lib.search_index(), self.lib, self.row_of

        def ids_to_rows(ids) -> set[int]:
            return {row_of[i] for i in ids}

        return [
            Engine("ours: exact (match, all ids)", 0.0, lambda q: index.match(q, mode="exact"),
                   lambda m: ids_to_rows(m.item_ids), "every matching item, ranked"),
            Engine("ours: keyword (match, all ids)", 0.0, lambda q: index.match(q, mode="keyword"),
                   lambda m: ids_to_rows(m.item_ids), "AND of jieba tokens: a superset; ranked by BM25"),
            Engine("ours: exact search(limit=50), display rows", 0.0,
                   lambda q: lib.search(q, mode="exact", limit=50),
                   lambda df: ids_to_rows(df["item_id"].tolist()), "what the search page shows: top 50"),
            Engine("ours: exact search(display=False), all rows", 0.0,
                   lambda q: lib.search(q, mode="exact", display=False),
                   lambda df: ids_to_rows(df["item_id"].tolist()), "count and export of every hit"),
        ]

    def alternatives(self, workdir: Path) -> list[Engine]:
        series = pd.Series(self.folded, dtype="str")
        engines = [Engine("pandas str.contains(regex=False)", 0.0,
                          lambda q: np.flatnonzero(series.str.contains(fold(q), regex=False).to_numpy()))]
        for tokenizer in ("unicode61", "trigram"):
            log(f"building SQLite FTS5 {tokenizer}")
            build_s, search = _sqlite_engine(self.folded, tokenizer, workdir)
            note = "MATCH phrase" if tokenizer == "unicode61" else "MATCH for ≥3 chars, instr() scan below 3"
            engines.append(Engine(f"SQLite FTS5 {tokenizer}", build_s, search, note=note))
        log("building Whoosh 2.7 + jieba ChineseAnalyzer")
        build_s, search, note = _whoosh_engine(self.folded, workdir)
        engines.append(Engine("Whoosh 2.7 + jieba ChineseAnalyzer", build_s, search, note=note))
        return engines

    def measure(self, engine: Engine) -> EngineResult:
        """Latency of ``engine.search`` alone, per query × rep; recall from its first answer."""
        result = EngineResult(engine.name, engine.build_s, note=engine.note)
        if engine.search is not None:
            for q in self.queries:
                found = engine.rows(engine.search(q))
                times = []
                for _ in range(self.reps):
                    t0 = time.perf_counter()
                    engine.search(q)
                    times.append((time.perf_counter() - t0) * 1000)
                result.times_ms += times
                result.per_query_ms[q] = statistics.median(times)
                want = self.truth[q]
                result.recalls.append(len(found & want) / len(want) if want else 1.0)
        log(f"  {engine.name}: p50 {result.p50:.1f} ms, p95 {result.p95:.1f} ms, recall {result.recall:.3f}")
        return result


def _sqlite_engine(folded: list[str], tokenizer: str, workdir: Path):
    path = workdir / f"fts-{tokenizer}.sqlite"
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path, check_same_thread=False)
    t0 = time.perf_counter()
    db.execute(f"CREATE VIRTUAL TABLE t USING fts5(text, tokenize='{tokenizer}')")
    db.executemany("INSERT INTO t(rowid, text) VALUES (?, ?)", enumerate(folded))
    db.commit()
    build_s = time.perf_counter() - t0

    def search(q: str) -> list[int]:
        fq = fold(q)
        if tokenizer == "trigram" and len(fq) < 3:  # trigram cannot answer these: scan the content
            rows = db.execute("SELECT id FROM t_content WHERE instr(c0, ?) > 0", (fq,))
        else:
            rows = db.execute("SELECT rowid FROM t WHERE t MATCH ?", ('"' + fq.replace('"', '""') + '"',))
        return [r[0] for r in rows]

    return build_s, search


def _whoosh_engine(folded: list[str], workdir: Path):
    try:
        from jieba.analyse import ChineseAnalyzer
        from whoosh import index as whoosh_index
        from whoosh.fields import ID, TEXT, Schema
        from whoosh.qparser import QueryParser
    except ImportError:
        return 0.0, None, "pending: whoosh not installed (pip install -r requirements-dev.txt)"
    folder = workdir / "whoosh"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    schema = Schema(row=ID(stored=True), text=TEXT(analyzer=ChineseAnalyzer()))
    t0 = time.perf_counter()
    ix = whoosh_index.create_in(str(folder), schema)
    writer = ix.writer(limitmb=256)
    for i, text in enumerate(folded):
        writer.add_document(row=str(i), text=text)
    writer.commit()
    build_s = time.perf_counter() - t0
    searcher = ix.searcher()
    parser = QueryParser("text", schema)

    def search(q: str) -> list[int]:
        return [int(hit["row"]) for hit in searcher.search(parser.parse(fold(q)), limit=None)]

    return build_s, search, "QueryParser (AND of jieba search-mode tokens)"


def dashboard_pages() -> list[str]:
    """The page files ``dashboard.py`` registers with st.Page, in menu order."""
    text = (ROOT / "dashboard.py").read_text(encoding="utf-8")
    return re.findall(r"st\.Page\(\s*[\"']([^\"']+\.py)[\"']", text)


def measure_pages(folder: Path, res: SizeResult, reps: int = 3) -> None:
    pages = dashboard_pages()
    try:
        from streamlit.testing.v1 import AppTest
        os.environ["DANGJIAN_LIBRARIES"] = f"基准={folder.resolve()}"  # as an operator would
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
        at.run()  # first run opens the library (cached by st.cache_resource afterwards)
        for page in pages:
            first_s, _ = timed(lambda: at.switch_page(page).run())
            times = []
            for _ in range(reps):
                seconds, _ = timed(at.run)
                times.append(seconds * 1000)
                if seconds > SLOW_PAGE_S:
                    break
            problems = [e.value for e in at.exception] + [e.value for e in at.error]
            suffix = f"; errors: {str(problems)[:120]}" if problems else ""
            res.rows[f"page rerun {page}"] = _verdict(statistics.median(times), TARGETS["page_ms"],
                                                      "{:.0f} ms", f"median of {len(times)}; first view {first_s * 1000:.0f} ms" + suffix)
    except Exception as err:  # the pages are being written alongside; report, don't crash
        for page in pages:
            res.rows.setdefault(f"page rerun {page}", f"pending: {type(err).__name__}: {str(err)[:100]}")


def _verdict(value: float, target: float, fmt: str, note: str = "") -> str:
    mark = "✅" if value <= target else "❌"
    extra = f", {note}" if note else ""
    return f"{fmt.format(value)} {mark} (target ≤ {fmt.format(target)}{extra})"


def _progress_logger():
    last = [0.0]

    def report(done: int, total: int, message: str) -> None:
        now = time.perf_counter()
        if now - last[0] > 10 or done == total:
            last[0] = now
            log(f"  {message} ({done}/{total})")
    return report


# ---------------------------------------------------------------- report

def machine() -> list[str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    versions = []
    for name in ("pandas", "numpy", "jieba", "pyarrow", "streamlit", "whoosh"):
        try:
            module = __import__(name)
            versions.append(f"{name} {getattr(module, '__version__', getattr(module, 'versionstring', lambda: '?')())}")
        except ImportError:
            versions.append(f"{name} (not installed)")
    return [f"- CPU: {cpu}, {os.cpu_count()} cores; RAM {ram:.0f} GB; {platform.platform()}",
            f"- Python {platform.python_version()}; SQLite {sqlite3.sqlite_version}; " + ", ".join(versions),
            f"- Date: {dt.datetime.now().strftime('%Y-%m-%d %H:%M')}"]


def render(results: list[SizeResult], command: str, queries: list[str], rss: float,
           children_rss: float) -> str:
    out = [START, "", f"Command: `{command}`", ""] + machine() + [""]
    out += [f"Queries ({len(queries)}): " + "、".join(queries), ""]
    sizes = [r.n for r in results]
    names = list(dict.fromkeys(k for r in results for k in r.rows))
    out += ["| measure | " + " | ".join(f"{n:,} plans" for n in sizes) + " |",
            "|---|" + "---|" * len(sizes)]
    for name in names:
        out.append(f"| {name} | " + " | ".join(r.rows.get(name, "—") for r in results) + " |")
    out.append(f"| peak RSS of the whole benchmark process | {rss:.0f} MB (every size, the other "
               "engines, jieba's dictionary and the AppTest session) |" + " |" * (len(sizes) - 1))
    out.append(f"| peak RSS (largest worker process) | {children_rss:.0f} MB |" + " |" * (len(sizes) - 1))
    for r in results:
        out += ["", f"### Search at {r.n:,} plans ({r.reps} reps × {len(queries)} queries, latency per query)", "",
                "| engine | build s | p50 ms | p95 ms | mean recall | min recall | note |",
                "|---|---|---|---|---|---|---|"]
        for e in r.engines:
            out.append(f"| {e.name} | {e.build_s:.1f} | {e.p50:.2f} | {e.p95:.2f} | {e.recall:.3f} | "
                       f"{e.min_recall:.3f} | {e.note} |")
    for r in results:
        out += ["", f"Slowest queries at {r.n:,} plans (median ms):", ""]
        for e in r.engines[:2]:
            slow = sorted(e.per_query_ms.items(), key=lambda kv: -kv[1])[:5]
            out.append(f"- {e.name}: " + ", ".join(f"{q} {ms:.1f}" for q, ms in slow))
    for r in results:
        for title, text in r.profiles.items():
            out += ["", f"<details><summary>cProfile at {r.n:,} plans: {title}</summary>", "", "```",
                    text, "```", "", "</details>"]
    out += ["", END]
    return "\n".join(out)


def write_report(path: Path, block: str) -> None:
    if path.exists() and START in (text := path.read_text(encoding="utf-8")) and END in text:
        head, rest = text.split(START, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = "# Benchmarks\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--smoke", action="store_true", help="50 plans, 4 queries: for CI")
    parser.add_argument("--out", type=Path, default=None,
                        help="report file (default docs/benchmarks.md; with --smoke benchmarks/out/smoke.md)")
    parser.add_argument("--workdir", type=Path, default=ROOT / "benchmarks" / "out")
    parser.add_argument("--pages-at", type=int, default=1000, help="plans for the page rerun rows")
    args = parser.parse_args(argv)
    sizes = [50] if args.smoke else args.sizes
    queries = SMOKE_QUERIES if args.smoke else QUERIES
    reps = 2 if args.smoke else REPS
    pages_at = sizes[0] if args.smoke else args.pages_at
    args.workdir.mkdir(parents=True, exist_ok=True)
    out = args.out or (args.workdir / "smoke.md" if args.smoke else ROOT / "docs" / "benchmarks.md")
    command = "python benchmarks/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    results = []
    for n in sizes:
        res = SizeResult(n, reps)
        results.append(res)
        profile = n == max(sizes) and not args.smoke
        folder = corpus(n, args.workdir)
        how_rss = ("VmHWM since this size started" if reset_peak_rss()
                   else "whole process: VmHWM could not be reset")
        log(f"{n} plans: cold ingest")
        lib = measure_ingest(folder, res, profile)
        del lib
        gc.collect()
        log(f"{n} plans: warm open")
        lib = measure_warm_open(folder, res, profile)
        log(f"{n} plans: coverage, matrix")
        measure_analysis(lib, res, profile)
        log(f"{n} plans: our search")
        bench = SearchBench(lib, queries, reps)
        res.engines += [bench.measure(e) for e in bench.ours()]
        res.rows["peak RSS of the library's work (ingest, open, analyses, search)"] = _verdict(
            peak_rss_since_reset_mb(), TARGETS["rss_mb"], "{:.0f} MB", how_rss)
        log(f"{n} plans: the other engines")
        with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
            res.engines += [bench.measure(e) for e in bench.alternatives(Path(tmp))]
        del lib, bench
        gc.collect()
    # Pages last: they are being written alongside, and a failure there must not cost the rest.
    log(f"{pages_at} plans: page reruns")
    target = next((r for r in results if r.n == pages_at), None)
    if target is None:
        target = SizeResult(pages_at)
        results.append(target)
    folder = args.workdir / f"corpus-{pages_at}"
    if not (folder / "manifest.toml").exists():
        folder = corpus(pages_at, args.workdir)
    measure_pages(folder, target, reps=1 if args.smoke else 3)
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    write_report(out, render(results, command, queries, rss_mb(), children))
    log(f"wrote {out}")


if __name__ == "__main__":
    main()
