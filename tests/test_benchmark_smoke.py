"""The benchmark suite runs end to end in smoke mode and reports every row (no timing checks)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.run import dashboard_pages  # noqa: E402

ROWS = [
    "cold ingest (read+parse+tag+index)", "jieba.lcut alone, same text", "ingest / jieba ratio",
    "warm open_library (snapshot)", "first search after warm open", "coverage() on an opened library",
    "coverage recompute: retag(new taxonomy).coverage()", "section_matrix(by='dimension')",
    "retag(new taxonomy), one theme edited", "evidence_for(one cell), next calls",
    "omissions(candidates=False): the missing cells", "omissions() with every nearest candidate",
    "peak RSS of the library's work", "peak RSS of the whole benchmark process",
]
ENGINES = [
    "ours: exact (match, all ids)", "ours: keyword (match, all ids)",
    "ours: exact search(limit=50), display rows", "pandas str.contains(regex=False)",
    "SQLite FTS5 unicode61", "SQLite FTS5 trigram", "Whoosh 2.7 + jieba ChineseAnalyzer",
]


def test_smoke_run_reports_every_row(tmp_path):
    out = tmp_path / "report.md"
    done = subprocess.run([sys.executable, "benchmarks/run.py", "--smoke", "--out", str(out),
                           "--workdir", str(tmp_path / "work")],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    report = out.read_text(encoding="utf-8")
    for row in ROWS + ENGINES:
        assert f"| {row}" in report, row
    for page in dashboard_pages():
        assert f"| page rerun {page} |" in report, page
    assert "CPU:" in report and "Python 3." in report and "Date:" in report
    exact = next(line for line in report.splitlines() if line.startswith("| ours: exact (match"))
    assert exact.split("|")[5].strip() == "1.000"  # mean recall of exact search


def test_corpus_is_deterministic_and_parses_cleanly(tmp_path):
    sys.path.insert(0, str(ROOT))
    from benchmarks.make_corpus import write_corpus

    import core

    first = write_corpus(12, tmp_path / "a", seed=3)
    second = write_corpus(12, tmp_path / "b", seed=3)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    lib = core.open_library(tmp_path / "a", use_cache=False)
    assert len(lib.plans) == 12 and not lib.errors
    assert lib.plans["year"].between(2019, 2025).all()
    assert all(not p.warnings for p in lib.plan_objects)
    markers = {m for m in lib.sections["marker"]} | {m for m in lib.items["marker"]}
    assert len(markers) > 10  # several numbering styles
