"""Composed plans in real-world layouts (tests/data/layouts_own) and their expected trees.

A ``*.docx.txt`` fixture describes a Word file: ``**lead**rest`` is a bold run then plain
text, ``#1 …`` / ``#2 …`` a paragraph in the Heading 1 / Heading 2 style. The scorer
counts the sections, items and points found with the expected titles (recall) and the
parsed ones that are expected (precision), titles compared without spaces.
"""
from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from docx import Document

from core import Plan

LAYOUTS_DIR = Path(__file__).resolve().parent / "data" / "layouts_own"
LABELS = json.loads((LAYOUTS_DIR.parent / "layouts_own.json").read_text(encoding="utf-8"))["plans"]
_BOLD_LEAD = re.compile(r"^\*\*(.+?)\*\*(.*)$")
_HEADING = re.compile(r"^#(\d) (.*)$")


def docx_from_markup(markup: str) -> bytes:
    document = Document()
    for line in markup.splitlines():
        if m := _HEADING.match(line):
            document.add_paragraph(m.group(2), style=f"Heading {m.group(1)}")
        elif m := _BOLD_LEAD.match(line):
            paragraph = document.add_paragraph()
            paragraph.add_run(m.group(1)).bold = True
            if m.group(2):
                paragraph.add_run(m.group(2))
        else:
            document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def fixture_file(name: str, folder: Path) -> Path:
    """The fixture written into ``folder`` as the file a user would add (.docx built)."""
    source = (LAYOUTS_DIR / name).read_text(encoding="utf-8")
    if name.endswith(".docx.txt"):
        path = folder / name.removesuffix(".txt")
        path.write_bytes(docx_from_markup(source))
    else:
        path = folder / name
        path.write_text(source, encoding="utf-8")
    return path


def _norm(title: str) -> str:
    return re.sub(r"\s+", "", title).rstrip("。；;：:，,")


@dataclass
class Score:
    expected: int = 0
    found: int = 0
    parsed: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, other: "Score") -> None:
        self.expected += other.expected
        self.found += other.found
        self.parsed += other.parsed
        self.misses += other.misses

    @property
    def recall(self) -> float:
        return self.found / self.expected if self.expected else 1.0

    @property
    def precision(self) -> float:
        return self.found / self.parsed if self.parsed else 1.0


def _match(expected: list[str], got: list[str], where: str, score: Score) -> dict[int, int]:
    """Expected titles found among ``got`` in order; returns expected index → got index."""
    score.expected += len(expected)
    score.parsed += len(got)
    pairs, start = {}, 0
    normalized = [_norm(g) for g in got]
    for i, title in enumerate(expected):
        try:
            j = normalized.index(_norm(title), start)
        except ValueError:
            score.misses.append(f"{where}：缺「{title}」，得到 {got}")
            continue
        pairs[i], start = j, j + 1
        score.found += 1
    return pairs


def score_plan(plan: Plan, label: dict) -> Score:
    score = Score()
    name = label["file"]
    sections = _match([s["title"] for s in label["sections"]], [s.title for s in plan.sections], name, score)
    for si, pj in sections.items():
        want, got = label["sections"][si], plan.sections[pj]
        items = _match([i["title"] for i in want["items"]], [i.title for i in got.items],
                       f"{name} {want['title']}", score)
        for ii, ij in items.items():
            _match(want["items"][ii].get("points", []), [p.title for p in got.items[ij].points],
                   f"{name} {want['items'][ii]['title']}", score)
    return score
