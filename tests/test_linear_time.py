"""Text passes over user text are linear: time per character stays flat from 10 KB to 1 MB.

Measured in a subprocess (so a quadratic pass is killed, not waited for) for adversarial
shapes: long runs of spaces, tabs and ideographic spaces, markers, quotes, brackets,
punctuation, unclosed Markdown bold. CPU time of this process, best of several runs, so
the other test worker and the rest of a shared machine weigh little; the bound is loose
on purpose: the 1 MB case may cost up to 5× per character what the 10 KB case costs; a
quadratic pass costs ~100× (and the old whitespace pass did not end in minutes).
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

SMALL, LARGE, MAX_RATIO = 10_000, 1_000_000, 5.0

_MEASURE = r'''
import json, sys, time
sys.path.insert(0, sys.argv[1])
from core.parsing import parse_plan
from core.reading import read_markdown
from core.normalize import fold
from core.tagging import tag_text
from core.taxonomy import load_taxonomy

taxonomy = load_taxonomy()
HEAD = "一、政治建设\n1.加强学习"
SHAPES = {
    "spaces": lambda n: HEAD + "a" + " " * n + "b",
    "tabs": lambda n: HEAD + "a" + "\t" * n + "b",
    "ideographic_spaces": lambda n: HEAD + "党" + "\u3000" * n + "b",
    "space_between_cjk": lambda n: HEAD + "党 " * (n // 2),
    "section_markers": lambda n: "一、" * (n // 2),
    "item_lines": lambda n: "".join(f"{k % 9 + 1}.x\n" for k in range(n // 4)),
    "brackets": lambda n: "（" * n,
    "paren_markers": lambda n: "（1）" * (n // 3),
    "open_quotes": lambda n: HEAD + "“" * n + "。",
    "punctuation": lambda n: HEAD + "。" * n,
    "run_in_points": lambda n: HEAD + "一是" * (n // 2),
    "page_numbers": lambda n: "- 3 -\n" * (n // 6),
}
PASSES = {
    "parse_plan": (parse_plan, list(SHAPES)),
    "read_markdown": (lambda t: read_markdown(t.encode()),
                      ["spaces", "tabs", "unclosed_bold", "hashes_after_spaces"]),
    "fold": (fold, ["spaces", "ideographic_spaces", "space_between_cjk"]),
    "tag_text": (lambda t: tag_text(t, taxonomy), ["spaces", "brackets", "space_between_cjk"]),
}
SHAPES["unclosed_bold"] = lambda n: "**a " * (n // 4)
SHAPES["hashes_after_spaces"] = lambda n: (" " * 50 + "#x") * (n // 52)

def per_char(func, text, reps):
    best = min(_timed(func, text) for _ in range(reps))
    return best / len(text)

def _timed(func, text):
    start = time.process_time()
    func(text)
    return time.process_time() - start

small, large = int(sys.argv[2]), int(sys.argv[3])
out = {}
for name, (func, shapes) in PASSES.items():
    for shape in shapes:
        make = SHAPES[shape]
        out[f"{name}/{shape}"] = per_char(func, make(large), 2) / per_char(func, make(small), 7)
print(json.dumps(out))
'''


@pytest.fixture(scope="module")
def ratios() -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(ROOT), str(SMALL), str(LARGE)],
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_time_per_character_is_flat_for_adversarial_shapes(ratios):
    slow = {case: round(ratio, 1) for case, ratio in ratios.items() if ratio > MAX_RATIO}
    assert not slow, f"1 MB costs more than {MAX_RATIO}× per character than 10 KB: {slow}"
    assert len(ratios) >= 20
