"""Smoke benchmark for core.search at 200,000 items (10,000 plans × 20 items).

The corpus recombines sentences of the sample plans (split on 。), so frequent
phrases are far more common than in real plans: a hard case for the index.

    python benchmarks/search_smoke.py [--items 200000] [--reps 5] [--out PATH]
"""
from __future__ import annotations

import argparse
import glob
import os
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.normalize import fold  # noqa: E402
from core.search import SearchIndex  # noqa: E402

PLAN_GLOB = "/work/shared/plans/*.txt"
QUERIES = ["三会一课", "青年理论学习", "谈心谈话", "党", "廉", "主题党日", "意识形态工作责任制",
           "一岗双责", "党建", "学习教育", "党风廉政建设", "全面从严治党", "模范机关", "清廉机关",
           "双建争先", "党支部", "志愿服务", "理论学习中心组", "作风建设", "量子计算"]
KEYWORD_EXTRA = ["青年 理论学习", "党支部 -廉政", "党建 业务 融合", "意识形态 责任制"]
DOMAIN_WORDS = ["三会一课", "主题党日", "一岗双责", "谈心谈话", "理论学习", "意识形态", "双建争先",
                "全面从严治党", "党风廉政建设", "清廉机关", "模范机关", "理论学习中心组"]


def sentences() -> list[str]:
    out: list[str] = []
    for path in sorted(glob.glob(PLAN_GLOB)):
        text = Path(path).read_text(encoding="utf-8")
        out += [s.strip() + "。" for s in re.split(r"[。\n]", text) if len(s.strip()) >= 8]
    return out


def synthetic_items(n_items: int, seed: int = 7) -> pd.DataFrame:
    rng = random.Random(seed)
    pool = sentences()
    organs = [f"机关{i:02d}" for i in range(60)]
    dims = ["政治建设", "思想建设", "组织建设", "作风建设", "纪律建设", "制度建设"]
    rows = []
    for i in range(n_items):
        plan, item = divmod(i, 20)
        text = ""
        target = rng.randint(50, 600)
        while len(text) < target:
            text += rng.choice(pool)
        text = text[:600]
        rows.append({"item_id": f"p{plan:05d}-{item:02d}", "plan_id": f"p{plan:05d}",
                     "organ": organs[plan % len(organs)], "year": 2018 + plan % 7,
                     "section_dimension": dims[item % len(dims)],
                     "themes": (f"t{item % 9}", f"t{(item * 7) % 9}"),
                     "section_marker": "一、", "section_title": "标题", "marker": f"{item + 1}.",
                     "title": text[:20], "text": text, "plan_order": plan, "item_order": item})
    return pd.DataFrame(rows)


def tokenizer():
    try:
        from core.tokenizer import get_tokenizer
        return get_tokenizer(), "core.tokenizer.get_tokenizer()"
    except ImportError:
        import jieba
        tok = jieba.Tokenizer()
        for word in DOMAIN_WORDS:
            tok.add_word(word)
        return tok, "jieba.Tokenizer() + %d domain words (core.tokenizer absent)" % len(DOMAIN_WORDS)


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


CPU_MS: dict[str, list[float]] = {}


def timed(fn, reps: int, cpu_key: str | None = None) -> tuple[list[float], object]:
    """Wall-clock ms per run; CPU ms (less hurt by a busy machine) go to CPU_MS[cpu_key]."""
    times, result = [], None
    for _ in range(reps):
        c0, t0 = time.process_time(), time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
        if cpu_key:
            CPU_MS.setdefault(cpu_key, []).append((time.process_time() - c0) * 1000)
    return times, result


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()

    t0 = time.perf_counter()
    items = synthetic_items(args.items)
    print(f"corpus: {len(items):,} items, {items['text'].str.len().sum():,} chars, "
          f"generated in {time.perf_counter() - t0:.1f}s")
    tok, tok_name = tokenizer()
    tok.lcut("预热")
    print(f"tokenizer: {tok_name}")

    rss0 = rss_mb()
    t0 = time.perf_counter()
    index = SearchIndex(items, fingerprint="bench", tokenizer=tok)
    build_s = time.perf_counter() - t0
    state = index._state
    postings = sum(s.nbytes for s in state.segments)
    print(f"build: {build_s:.1f}s; RSS +{rss_mb() - rss0:.0f} MB; postings arrays {postings / 2**20:.0f} MB "
          f"in {len(state.segments)} segments")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "index.npz"
        t0 = time.perf_counter()
        index.save(path)
        save_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        SearchIndex.load(path, "bench", tokenizer=tok)
        load_s = time.perf_counter() - t0
        print(f"save: {save_s:.2f}s, file {path.stat().st_size / 2**20:.0f} MB; load: {load_s:.2f}s")

    folded = pd.Series([fold(t) for t in items["text"]], dtype="str")
    print("\nper query (median ms over reps): hits | match exact | search exact limit=50 | "
          "pandas str.contains | keyword match | keyword search limit=50")
    pooled: dict[str, list[float]] = {k: [] for k in ["exact_match", "exact_search50", "pandas",
                                                       "keyword_match", "keyword_search50"]}
    ratios = []
    for query in QUERIES:
        q = fold(query)
        t_match, matches = timed(lambda: index.match(query), args.reps, "exact_match")
        t_search, _ = timed(lambda: index.search(query, limit=50), args.reps, "exact_search50")
        t_pandas, mask = timed(lambda: folded.str.contains(q, regex=False), args.reps, "pandas")
        assert len(matches) == int(mask.sum()), (query, len(matches), int(mask.sum()))
        assert set(matches.item_ids) == set(items["item_id"][mask.to_numpy()])
        t_kw, kw = timed(lambda: index.match(query, mode="keyword"), args.reps, "keyword_match")
        t_kw50, _ = timed(lambda: index.search(query, mode="keyword", limit=50), args.reps, "keyword_search50")
        for key, ts in zip(pooled, [t_match, t_search, t_pandas, t_kw, t_kw50]):
            pooled[key] += ts
        ratios.append(statistics.median(t_pandas) / statistics.median(t_match))
        print(f"  {query:<10} {len(matches):>7,} | {statistics.median(t_match):7.2f} | "
              f"{statistics.median(t_search):7.2f} | {statistics.median(t_pandas):7.2f} | "
              f"{statistics.median(t_kw):7.2f} ({len(kw):,}) | {statistics.median(t_kw50):7.2f}")
    for query in KEYWORD_EXTRA:
        t_kw, kw = timed(lambda: index.match(query, mode="keyword"), args.reps, "keyword_match")
        t_kw50, _ = timed(lambda: index.search(query, mode="keyword", limit=50), args.reps, "keyword_search50")
        pooled["keyword_match"] += t_kw
        pooled["keyword_search50"] += t_kw50
        print(f"  keyword {query!r}: {len(kw):,} hits, match {statistics.median(t_kw):.2f} ms, "
              f"search50 {statistics.median(t_kw50):.2f} ms")

    print("\npooled over queries × reps (ms):")
    for key, values in pooled.items():
        print(f"  {key:<17} p50 {pct(values, 50):7.2f}   p95 {pct(values, 95):7.2f}   max {max(values):7.2f}")
    print(f"  pandas / index exact match, median of per-query ratios: {statistics.median(ratios):.1f}×")
    print("pooled CPU time of this process (ms):")
    for key, values in CPU_MS.items():
        print(f"  {key:<17} p50 {pct(values, 50):7.2f}   p95 {pct(values, 95):7.2f}   max {max(values):7.2f}")
    print(f"  load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")

    sample = items["item_id"].iloc[12345 % len(items)]
    t_sim, sim = timed(lambda: index.search(sample, mode="similar", limit=20), 3)
    print(f"\nsimilar (item id, limit=20): first call incl. stats {t_sim[0]:.0f} ms, "
          f"then {statistics.median(t_sim[1:]):.0f} ms; top score {sim['score'].iloc[0]:.3f}")
    t_all, full = timed(lambda: index.search("党风廉政建设"), 1)
    print(f"search('党风廉政建设', limit=None): {len(full):,} rows in {t_all[0]:.0f} ms")


if __name__ == "__main__":
    main()
