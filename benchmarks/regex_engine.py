"""What running the taxonomy's regexes in RE2 costs, on the benchmark corpus.

Tags every item of an N-plan corpus (``benchmarks/make_corpus.py``, same seed as
``run.py``) with the default taxonomy twice per round, once with the users' regexes in
RE2 (as the library does) and once in Python's ``re``, and reports medians over the
rounds; plus the time of ``(a+)+$`` on 5,000 "a"s and a "!" in each engine.

    python benchmarks/regex_engine.py --plans 10000 --rounds 3
"""
from __future__ import annotations

import argparse
import multiprocessing
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.make_corpus import write_corpus  # noqa: E402
from core import tagging  # noqa: E402
from core.parsing import parse_plan  # noqa: E402
from core.rules import compile_rule  # noqa: E402
from core.taxonomy import load_taxonomy  # noqa: E402


def _items(path: Path) -> list[str]:
    return [item.text for item in parse_plan(path.read_text(encoding="utf-8")).items]


def _tag_all(texts: list[str], compiler) -> float:
    tagging.compile_rule = compiler
    taxonomy = load_taxonomy()
    start = time.process_time()
    for text in texts:
        tagging.tag_text(text, taxonomy)
    return time.process_time() - start


def _backtracking(compiler, limit_s: float = 10.0) -> str:
    """Time of ``(a+)+$`` on 5,000 a's and a '!', or "> limit" when it does not end."""
    code = ("import re, sys, time; sys.path.insert(0, %r); from core.rules import compile_rule; "
            "p = %s('(a+)+$'); t = time.perf_counter(); p.search('a' * 5000 + '!'); "
            "print(time.perf_counter() - t)") % (str(ROOT), compiler)
    import subprocess
    try:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             timeout=limit_s, check=True).stdout
    except subprocess.TimeoutExpired:
        return f"未结束（> {limit_s:.0f} s，已终止）"
    return f"{float(out) * 1e3:.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=ROOT / "benchmarks" / "out")
    args = parser.parse_args()
    folder = args.workdir / f"corpus_{args.plans}"
    if not (folder / "manifest.toml").exists():
        write_corpus(args.plans, folder)
    with multiprocessing.Pool(2) as pool:
        texts = [t for items in pool.map(_items, sorted(folder.glob("*.txt")), chunksize=64) for t in items]
    chars = sum(map(len, texts))
    with_re, with_re2 = [], []
    for _ in range(args.rounds):
        with_re.append(_tag_all(texts, re.compile))
        with_re2.append(_tag_all(texts, compile_rule))
    tagging.compile_rule = compile_rule
    re_s, re2_s = statistics.median(with_re), statistics.median(with_re2)
    print(f"{args.plans} plans, {len(texts)} items, {chars / 1e6:.1f} M characters, "
          f"{args.rounds} rounds, CPU seconds (median):")
    print(f"  tag every item, users' regexes in re : {re_s:.1f} s")
    print(f"  tag every item, users' regexes in RE2: {re2_s:.1f} s "
          f"(+{re2_s - re_s:.1f} s, {re2_s / re_s:.2f}x)")
    print(f"  (a+)+$ on 5,000 a's and '!': re {_backtracking('re.compile')}, "
          f"RE2 {_backtracking('compile_rule')}")


if __name__ == "__main__":
    main()
