"""The plan tree: Plan → Section → Item → Point, with offsets into ``Plan.text``.

``Plan.text`` is the plan's normalized text (line endings unified, BOM removed).
Every node records the ``[start, end)`` range of ``Plan.text`` it was parsed from;
the ranges of title, preamble, section headings, section bodies and items never
overlap, come in document order, and together hold every non-blank character
(page numbers and running headers dropped from the wording sit inside them and are
also listed in ``Plan.debris``).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Point:
    """A numbered or run-in point inside an item (3rd level, 一是…, 首先…)."""

    marker: str
    text: str
    start: int
    end: int
    title: str = ""  # the point's heading phrase


@dataclass
class Item:
    """A task item: ``title`` is its first sentence, ``text`` its full wording."""

    marker: str
    number: int | None
    title: str
    text: str
    start: int
    end: int
    points: list[Point] = field(default_factory=list)


@dataclass
class Section:
    """A top-level section: heading (marker + title), intro ``body``, items."""

    marker: str
    number: int
    title: str
    body: str
    start: int
    heading_end: int
    body_end: int
    end: int
    items: list[Item] = field(default_factory=list)


@dataclass
class Plan:
    """One organ's plan, parsed. Metadata fields are filled by the loader."""

    text: str
    title: str = ""
    title_span: tuple[int, int] | None = None
    preamble: str = ""
    preamble_span: tuple[int, int] | None = None
    sections: list[Section] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    debris: list[tuple[int, int]] = field(default_factory=list)
    file: str = ""
    organ: str = ""
    year: int | None = None
    level: str = ""
    plan_id: str = ""
    organ_source: str = "none"  # "manifest", "text", "filename" or "none"
    year_source: str = "none"

    @property
    def items(self) -> list[Item]:
        return [item for section in self.sections for item in section.items]

    def spans(self) -> list[tuple[str, int, int]]:
        """Every parsed range in document order, labelled by what it is."""
        out: list[tuple[str, int, int]] = []
        if self.title_span:
            out.append(("title", *self.title_span))
        if self.preamble_span:
            out.append(("preamble", *self.preamble_span))
        for s in self.sections:
            if s.heading_end > s.start:
                out.append(("heading", s.start, s.heading_end))
            if s.body_end > s.heading_end:
                out.append(("body", s.heading_end, s.body_end))
            for it in s.items:
                out.append(("item", it.start, it.end))
        return out

    def to_dict(self) -> dict:
        """The JSON shape printed by ``python -m core parse --json``."""
        return {
            "file": self.file,
            "title": self.title,
            "organ": self.organ,
            "year": self.year,
            "level": self.level,
            "organ_source": self.organ_source,
            "year_source": self.year_source,
            "preamble": self.preamble,
            "sections": [
                {
                    "marker": s.marker,
                    "title": s.title,
                    "body": s.body,
                    "items": [
                        {"marker": it.marker, "title": it.title, "text": it.text,
                         "points": [p.text for p in it.points],
                         "point_titles": [p.title for p in it.points]}
                        for it in s.items
                    ],
                }
                for s in self.sections
            ],
            "warnings": list(self.warnings),
        }


__all__ = ["Plan", "Section", "Item", "Point", "asdict"]
