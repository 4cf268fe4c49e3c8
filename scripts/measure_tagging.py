"""Precision / recall / F1 of the tagger against hand labels, and tagging time.

Usage: python scripts/measure_tagging.py [--taxonomy FILE] [--labels FILE] [--runs N] [--diff]
Prints per-theme and micro-averaged figures for item tags, section dimension
accuracy, plan-level omission agreement, and the median time to tag the plans.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.parsing import parse_plan  # noqa: E402
from core.tagging import section_dimension, tag_text  # noqa: E402
from core.taxonomy import load_taxonomy  # noqa: E402

PLAN_DIR = ROOT / "data" / "plans"
LABELS = ROOT / "tests" / "data" / "labels.json"


def predict(plan, taxonomy) -> tuple[dict[str, set[str]], dict[str, str]]:
    """Item key "s.i" → theme ids, and section ordinal → dimension id."""
    items: dict[str, set[str]] = {}
    sections: dict[str, str] = {}
    for s_no, section in enumerate(plan.sections, 1):
        themes = []
        for i_no, item in enumerate(section.items, 1):
            found = set(tag_text(item.text, taxonomy))
            items[f"{s_no}.{i_no}"] = found
            themes.append(sorted(found))
        sections[str(s_no)] = section_dimension(section.title, themes, taxonomy)
    return items, sections


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--taxonomy", help="taxonomy TOML (default data/themes.toml)")
    ap.add_argument("--labels", default=str(LABELS))
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--diff", action="store_true", help="list every disagreement")
    args = ap.parse_args(argv)

    taxonomy = load_taxonomy(args.taxonomy)
    labels = json.loads(Path(args.labels).read_text(encoding="utf-8"))
    names = sorted(n for n in labels if not n.startswith("_"))
    plans = {n: parse_plan((PLAN_DIR / n).read_text(encoding="utf-8")) for n in names}

    counts = {t.id: [0, 0, 0] for t in taxonomy.themes}
    diffs: list[str] = []
    sec_ok = sec_all = om_tp = om_fp = om_fn = 0
    for name in names:
        gold = labels[name]
        items, sections = predict(plans[name], taxonomy)
        for key in sorted(set(gold["items"]) | set(items)):
            want, got = set(gold["items"].get(key, [])), items.get(key, set())
            for t in counts:
                if t in want and t in got:
                    counts[t][0] += 1
                elif t in got:
                    counts[t][1] += 1
                    diffs.append(f"{name[:3]} {key} FP {t}")
                elif t in want:
                    counts[t][2] += 1
                    diffs.append(f"{name[:3]} {key} FN {t}")
        for key, want in gold["sections"].items():
            sec_all += 1
            if sections.get(key) == want:
                sec_ok += 1
            else:
                diffs.append(f"{name[:3]} section {key}: want {want}, got {sections.get(key)}")
        covered = set().union(*items.values()) if items else set()
        omitted = {t.id for t in taxonomy.required_themes} - covered
        gold_om = set(gold["omitted"])
        om_tp += len(omitted & gold_om)
        om_fp += len(omitted - gold_om)
        om_fn += len(gold_om - omitted)
        for t in sorted(omitted ^ gold_om):
            diffs.append(f"{name[:3]} omitted {'+' if t in omitted else '-'}{t}")

    print(f"{'theme':<22}{'P':>7}{'R':>7}{'F1':>7}{'tp':>5}{'fp':>4}{'fn':>4}")
    for t, (tp, fp, fn) in counts.items():
        p, r, f = prf(tp, fp, fn)
        print(f"{t:<22}{p:7.3f}{r:7.3f}{f:7.3f}{tp:5d}{fp:4d}{fn:4d}")
    tp, fp, fn = (sum(c[i] for c in counts.values()) for i in range(3))
    p, r, f = prf(tp, fp, fn)
    print(f"{'micro':<22}{p:7.3f}{r:7.3f}{f:7.3f}{tp:5d}{fp:4d}{fn:4d}")
    print(f"section dimension accuracy: {sec_ok}/{sec_all}")
    op, orr, of = prf(om_tp, om_fp, om_fn)
    print(f"omitted themes: P {op:.3f} R {orr:.3f} F1 {of:.3f} (tp {om_tp}, fp {om_fp}, fn {om_fn})")

    texts = [it.text for n in names for it in plans[n].items]
    titles = [(s.title, len(s.items)) for n in names for s in plans[n].sections]
    tag_text("warm-up", taxonomy)
    times = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        for text in texts:
            tag_text(text, taxonomy)
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    chars = sum(map(len, texts))
    print(f"tagging {len(texts)} items ({chars} chars) of {len(names)} plans: median {med * 1000:.2f} ms "
          f"over {args.runs} runs ({med / len(names) * 1000:.2f} ms/plan; "
          f"≈{med / len(names) * 10000:.1f} s per 10,000 plans)")
    if args.diff:
        print("\n".join(diffs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
