"""A folder of plans, loaded: one DataFrame row per plan, section and item.

>>> lib = open_library("data/plans")            # doctest: +SKIP
>>> lib.items[["organ", "marker", "title"]].head(2)   # doctest: +SKIP
"""
from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import analysis
from .manifest import PlanMeta, detect_metadata, read_manifest
from .model import Plan
from .parsing import parse_plan
from .reading import SUPPORTED_SUFFIXES, ReadError, read_file
from .search import IndexCorruptError, SearchIndex
from .taxonomy import Taxonomy, dump_taxonomy, load_taxonomy

INDEX_DIR = ".index"

DEFAULT_LIBRARY = Path(__file__).resolve().parent.parent / "data" / "plans"


@dataclass(frozen=True)
class LoadError:
    """A file in the library folder that could not be read, and what to do about it."""

    file: str
    code: str
    message: str


def plan_id_for(file_name: str) -> str:
    """The stable id of a plan: its file name without the suffix."""
    return Path(file_name).stem


def apply_meta(plan: Plan, meta: PlanMeta) -> Plan:
    plan.file, plan.organ, plan.year, plan.level = meta.file, meta.organ, meta.year, meta.level
    plan.plan_id = plan_id_for(meta.file)
    return plan


def load_plan(path: str | os.PathLike, meta: PlanMeta | None = None) -> Plan:
    """Read, parse and attach metadata (from the folder's manifest, else detected).

    Raises :class:`core.reading.ReadError` with a Chinese message if the file cannot be read.
    """
    path = Path(path)
    plan = parse_plan(read_file(path))
    if meta is None:
        meta = read_manifest(path.parent).get(path.name) or detect_metadata(plan.text, path.name)
    return apply_meta(plan, meta)


def plan_files(folder: str | os.PathLike) -> list[Path]:
    """Plan files in ``folder`` (not its subfolders), sorted by name."""
    folder = Path(folder)
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in SUPPORTED_SUFFIXES
                  or p.is_file() and p.suffix.lower() in (".doc", ".wps"))


def library_fingerprint(folder: str | os.PathLike, extra: bytes = b"") -> str:
    """A key that changes whenever a plan file or the manifest changes."""
    folder = Path(folder)
    h = hashlib.sha256(extra)
    for p in sorted(folder.iterdir()) if folder.is_dir() else []:
        if p.is_file():
            st = p.stat()
            h.update(f"{p.name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


class Library:
    """Plans of one folder as DataFrames: ``plans``, ``sections``, ``items``.

    Items carry their ``themes`` and sections their ``dimension`` under ``taxonomy``;
    ``evidence`` holds the wording behind every item × theme.
    """

    def __init__(self, root: str | os.PathLike, plans: list[Plan], errors: list[LoadError],
                 manifest: dict[str, PlanMeta] | None = None,
                 taxonomy: Taxonomy | None = None) -> None:
        self.root = Path(root)
        self.plan_objects = plans
        self.errors = errors
        self.manifest = manifest or {}
        self.taxonomy = taxonomy if taxonomy is not None else load_taxonomy()
        self.plans, self.sections, self.items = _frames(plans)
        self._coverage: pd.DataFrame | None = None
        self._index: SearchIndex | None = None
        self._index_lock = threading.Lock()
        self._apply_tags()
        taxonomy_key = dump_taxonomy(self.taxonomy).encode()
        self.fingerprint = library_fingerprint(self.root, taxonomy_key) if self.root.is_dir() else ""

    def _apply_tags(self) -> None:
        overrides = {plan_id_for(name): meta.dimensions for name, meta in self.manifest.items()
                     if meta.dimensions}
        tags = analysis.tag_plans(self.plan_objects, self.taxonomy, overrides)
        self.sections["dimension"] = pd.Series(tags.section_dimensions, index=self.sections.index,
                                               dtype="str")
        dims = dict(zip(self.sections["section_id"], self.sections["dimension"]))
        self.items["section_dimension"] = self.items["section_id"].map(dims).astype("str")
        self.items["themes"] = pd.Series(tags.item_themes, index=self.items.index, dtype=object)
        self.evidence = tags.evidence
        self.preamble_mentions = tags.preamble_mentions
        self._coverage = None

    def retag(self, taxonomy: Taxonomy) -> "Library":
        """The same plans under another taxonomy (no re-reading or re-parsing)."""
        return Library(self.root, self.plan_objects, self.errors, self.manifest, taxonomy)

    def coverage(self) -> pd.DataFrame:
        """One row per plan × theme: item ``count``, ``covered`` and the ``evidence``."""
        if self._coverage is None:
            self._coverage = analysis.coverage(self.plans, self.items, self.evidence, self.taxonomy)
        return self._coverage.copy()

    def omissions(self) -> pd.DataFrame:
        """Required themes each plan omits, with its nearest candidate item and why it fell short."""
        return analysis.omissions(self.coverage(), self.items, self.preamble_mentions, self.taxonomy)

    def search_index(self) -> SearchIndex:
        """The search index, loaded from ``<library>/.index`` if fresh, else built (and saved)."""
        with self._index_lock:
            if self._index is None:
                self._index = self._load_or_build_index()
            return self._index

    def _load_or_build_index(self) -> SearchIndex:
        path = self.root / INDEX_DIR / "search.npz"
        try:
            index = SearchIndex.load(path, self.fingerprint)
        except IndexCorruptError:
            index = None
        if index is None:
            index = SearchIndex(self.items, fingerprint=self.fingerprint)
            try:
                path.parent.mkdir(exist_ok=True)
                index.save(path)
            except OSError:
                pass  # a read-only library still searches, from memory
        return index

    def search(self, query: str, mode: str = "exact", organs=None, years=None, themes=None,
               dimensions=None, limit: int | None = None) -> pd.DataFrame:
        """Items matching ``query``; see :mod:`core.search` for the modes and columns.

        >>> lib.search("三会一课")[["organ", "title", "spans"]]     # doctest: +SKIP
        """
        return self.search_index().search(query, mode=mode, organs=organs, years=years,
                                          themes=themes, dimensions=dimensions, limit=limit)

    def section_matrix(self, by: str = "dimension") -> pd.DataFrame:
        """Sections aligned across plans, by dimension or by position (see core.analysis)."""
        return analysis.section_matrix(self.plans, self.sections, self.items, self.taxonomy, by)

    def plan(self, plan_id: str) -> Plan:
        """The parsed tree of one plan."""
        for p in self.plan_objects:
            if p.plan_id == plan_id:
                return p
        raise KeyError(plan_id)

    def __repr__(self) -> str:
        return f"<Library {self.root} plans={len(self.plans)} items={len(self.items)}>"


def open_library(folder: str | os.PathLike = DEFAULT_LIBRARY,
                 taxonomy: Taxonomy | str | os.PathLike | None = None) -> Library:
    """Load every plan file in ``folder``; unreadable files are listed in ``lib.errors``.

    ``taxonomy`` is a :class:`Taxonomy` or the path of a themes file (default data/themes.toml).
    """
    folder = Path(folder)
    if not isinstance(taxonomy, Taxonomy):
        taxonomy = load_taxonomy(taxonomy)
    if not folder.is_dir():
        raise FileNotFoundError(f"找不到计划库文件夹 {folder}，请检查路径。")
    manifest = read_manifest(folder)
    plans: list[Plan] = []
    errors: list[LoadError] = []
    for path in plan_files(folder):
        try:
            plans.append(load_plan(path, manifest.get(path.name)))
        except ReadError as err:
            errors.append(LoadError(path.name, err.code, err.message))
    return Library(folder, plans, errors, manifest, taxonomy)


_PLAN_COLUMNS = ["plan_id", "organ", "year", "level", "file", "title", "sections", "items",
                 "chars", "warnings"]
_SECTION_COLUMNS = ["section_id", "plan_id", "organ", "year", "section_no", "marker", "title",
                    "body", "items"]
_ITEM_COLUMNS = ["item_id", "plan_id", "organ", "year", "level", "file", "section_id",
                 "section_no", "section_marker", "section_title", "item_no", "number", "marker",
                 "title", "text", "points", "plan_order", "item_order"]


def _frames(plans: list[Plan]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    plan_rows, section_rows, item_rows = [], [], []
    for plan_order, p in enumerate(plans):
        plan_rows.append({
            "plan_id": p.plan_id, "organ": p.organ, "year": p.year, "level": p.level,
            "file": p.file, "title": p.title, "sections": len(p.sections), "items": len(p.items),
            "chars": sum(not c.isspace() for c in p.text), "warnings": "；".join(p.warnings),
        })
        item_order = 0
        for s_no, s in enumerate(p.sections, start=1):
            section_id = f"{p.plan_id}:{s_no}"
            section_rows.append({
                "section_id": section_id, "plan_id": p.plan_id, "organ": p.organ, "year": p.year,
                "section_no": s_no, "marker": s.marker, "title": s.title, "body": s.body,
                "items": len(s.items),
            })
            for i_no, it in enumerate(s.items, start=1):
                item_rows.append({
                    "item_id": f"{section_id}.{i_no}", "plan_id": p.plan_id, "organ": p.organ,
                    "year": p.year, "level": p.level, "file": p.file, "section_id": section_id,
                    "section_no": s_no, "section_marker": s.marker, "section_title": s.title,
                    "item_no": i_no, "number": it.number, "marker": it.marker, "title": it.title,
                    "text": it.text, "points": tuple(pt.text for pt in it.points),
                    "plan_order": plan_order, "item_order": item_order,
                })
                item_order += 1
    plans_df = pd.DataFrame(plan_rows, columns=_PLAN_COLUMNS)
    sections_df = pd.DataFrame(section_rows, columns=_SECTION_COLUMNS)
    items_df = pd.DataFrame(item_rows, columns=_ITEM_COLUMNS)
    for df in (plans_df, sections_df, items_df):
        df["year"] = df["year"].astype("Int64")
    items_df["number"] = items_df["number"].astype("Int64")
    return plans_df, sections_df, items_df
