"""A folder of plans, loaded: one DataFrame row per plan, section and item.

Opening a folder the first time reads, parses and tags every file (in worker
processes when there are many) and saves the result as a snapshot in
``<library>/.index/library/`` (see :mod:`core.cache`); opening it again with the
same files, manifest, taxonomy and code loads the snapshot instead.

>>> lib = open_library("data/plans")            # doctest: +SKIP
>>> lib.items[["organ", "marker", "title"]].head(2)   # doctest: +SKIP
>>> open_library("big/", progress=lambda done, total, msg: print(done, total, msg))  # doctest: +SKIP
"""
from __future__ import annotations

import dataclasses
import hashlib
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd

from . import analysis, cache
from .manifest import PlanMeta, detect_metadata, read_manifest
from .model import Plan
from .parsing import parse_plan
from .reading import SUPPORTED_SUFFIXES, ReadError, read_file
from .search import IndexCorruptError, SearchIndex
from .taxonomy import Taxonomy, dump_taxonomy, load_taxonomy

INDEX_DIR = ".index"
SNAPSHOT_DIR = "library"
PARALLEL_MIN_FILES = 64  # below this, starting worker processes costs more than it saves

ProgressCallback = Callable[[int, int, str], None]
"""``callback(done, total, message)``: ``done`` of ``total`` steps, a Chinese message."""

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


_REFUSED_SUFFIXES = (".doc", ".wps")  # listed so lib.errors tells users to save them as .docx


def plan_files(folder: str | os.PathLike) -> list[Path]:
    """Plan files in ``folder`` (not its subfolders, not hidden), sorted by name."""
    wanted = SUPPORTED_SUFFIXES + _REFUSED_SUFFIXES
    return sorted(p for p in Path(folder).iterdir()
                  if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in wanted)


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
        taxonomy = taxonomy if taxonomy is not None else load_taxonomy()
        manifest = manifest or {}
        tags = analysis.tag_plans(plans, taxonomy, _overrides(manifest))
        self._assemble(root, *_frames(plans), tags, errors, manifest, taxonomy,
                       {p.plan_id: p.preamble for p in plans}, plans)

    def _assemble(self, root: str | os.PathLike, plans_df: pd.DataFrame, sections: pd.DataFrame,
                  items: pd.DataFrame, tags: analysis.Tags, errors: list[LoadError],
                  manifest: dict[str, PlanMeta], taxonomy: Taxonomy, preambles: dict[str, str],
                  plan_objects: list[Plan] | None, fingerprint: str | None = None) -> None:
        self.root = Path(root)
        self.errors = errors
        self.manifest = manifest
        self.taxonomy = taxonomy
        self.plans, self.sections, self.items = plans_df, sections, items
        self._preambles = preambles
        self._plan_objects = plan_objects
        self._plans_lock = threading.Lock()
        self._coverage: pd.DataFrame | None = None
        self._omissions: pd.DataFrame | None = None
        self._analysis_lock = threading.Lock()
        self._index: SearchIndex | None = None
        self._index_lock = threading.Lock()
        self.progress: ProgressCallback | None = None
        self._apply_tags(tags)
        if fingerprint is None:
            taxonomy_key = dump_taxonomy(taxonomy).encode()
            fingerprint = library_fingerprint(self.root, taxonomy_key) if self.root.is_dir() else ""
        self.fingerprint = fingerprint

    @classmethod
    def _create(cls, *args, **kwargs) -> "Library":
        lib = cls.__new__(cls)
        lib._assemble(*args, **kwargs)
        return lib

    def _apply_tags(self, tags: analysis.Tags) -> None:
        self.sections["dimension"] = pd.Series(tags.section_dimensions, index=self.sections.index,
                                               dtype="str")
        dims = dict(zip(self.sections["section_id"], self.sections["dimension"]))
        self.items["section_dimension"] = self.items["section_id"].map(dims).astype("str")
        self.items["themes"] = pd.Series(tags.item_themes, index=self.items.index, dtype=object)
        self.evidence = tags.evidence
        self.preamble_mentions = tags.preamble_mentions
        self._coverage = None
        self._omissions = None

    @property
    def plan_objects(self) -> list[Plan]:
        """The parsed trees of all plans (re-parsed from the files after a warm open)."""
        with self._plans_lock:
            if self._plan_objects is None:
                self._plan_objects = [self._parse_file(row.file) for row in self.plans.itertuples()]
            return self._plan_objects

    def _parse_file(self, file_name: str) -> Plan:
        plan = parse_plan(read_file(self.root / file_name))
        meta = self.manifest.get(file_name) or detect_metadata(plan.text, file_name)
        return apply_meta(plan, meta)

    def retag(self, taxonomy: Taxonomy) -> "Library":
        """The same plans under another taxonomy (no re-reading or re-parsing)."""
        overrides = _overrides(self.manifest)
        folded = self._folded_texts()
        if folded is not None:
            tags = analysis.retag_changed(self.taxonomy, taxonomy, self._tags(), self._preambles,
                                          self.sections, self.items, folded, overrides)
        sections = self.sections.drop(columns=["dimension"])
        items = self.items.drop(columns=["section_dimension", "themes"])
        if folded is None:
            tags = analysis.tag_plans_frames(self._preambles, sections, items, taxonomy, overrides)
        return Library._create(self.root, self.plans, sections, items, tags, self.errors,
                               self.manifest, taxonomy, self._preambles, self._plan_objects)

    def _tags(self) -> analysis.Tags:
        return analysis.Tags(self.items["themes"].tolist(), self.sections["dimension"].tolist(),
                             self.evidence, self.preamble_mentions)

    def _folded_texts(self) -> list[str] | None:
        """Folded item texts, borrowed from the search index (None if it does not line up)."""
        state = getattr(self.search_index(), "_state", None)
        folded = getattr(state, "folded", None)
        ids = getattr(state, "ids", None)
        if folded is None or ids is None or len(folded) != len(self.items):
            return None
        if list(ids) != self.items["item_id"].tolist():
            return None
        return folded

    def coverage(self) -> pd.DataFrame:
        """One row per plan × theme: item ``count``, ``covered`` and the ``evidence``."""
        if self._coverage is None:
            self._coverage = analysis.coverage(self.plans, self.items, self.evidence, self.taxonomy)
        return self._coverage.copy()

    def omissions(self) -> pd.DataFrame:
        """Required themes each plan omits, with its nearest candidate item and why it fell short.

        Computed once per library (pages call it on every rerun); each call returns a copy.
        """
        with self._analysis_lock:
            if self._omissions is None:
                self._omissions = analysis.omissions(self.coverage(), self.items,
                                                     self.preamble_mentions, self.taxonomy)
        return self._omissions.copy()

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
            _report(self.progress, 0, 1, "正在建立检索索引")
            index = SearchIndex(self.items, fingerprint=self.fingerprint)
            try:
                path.parent.mkdir(exist_ok=True)
                index.save(path)
            except OSError:
                pass  # a read-only library still searches, from memory
            _report(self.progress, 1, 1, "检索索引已建立")
        return index

    def search(self, query: str, mode: str = "exact", organs=None, years=None, themes=None,
               dimensions=None, limit: int | None = None, display: bool = True) -> pd.DataFrame:
        """Items matching ``query``; see :mod:`core.search` for the modes and columns.

        ``display=False`` leaves out spans, snippets and KWIC (cheap for every hit).

        >>> lib.search("三会一课")[["organ", "title", "spans"]]     # doctest: +SKIP
        """
        return self.search_index().search(query, mode=mode, organs=organs, years=years,
                                          themes=themes, dimensions=dimensions, limit=limit,
                                          display=display)

    def section_matrix(self, by: str = "dimension") -> pd.DataFrame:
        """Sections aligned across plans, by dimension or by position (see core.analysis)."""
        return analysis.section_matrix(self.plans, self.sections, self.items, self.taxonomy, by)

    def plan(self, plan_id: str) -> Plan:
        """The parsed tree of one plan."""
        if self._plan_objects is None:
            rows = self.plans.loc[self.plans["plan_id"] == plan_id, "file"]
            if rows.empty:
                raise KeyError(plan_id)
            return self._parse_file(rows.iloc[0])
        for p in self._plan_objects:
            if p.plan_id == plan_id:
                return p
        raise KeyError(plan_id)

    def __repr__(self) -> str:
        return f"<Library {self.root} plans={len(self.plans)} items={len(self.items)}>"


def open_library(folder: str | os.PathLike = DEFAULT_LIBRARY,
                 taxonomy: Taxonomy | str | os.PathLike | None = None,
                 progress: ProgressCallback | None = None,
                 workers: int | None = None, use_cache: bool = True) -> Library:
    """Load every plan file in ``folder``; unreadable files are listed in ``lib.errors``.

    ``taxonomy`` is a :class:`Taxonomy` or the path of a themes file (default data/themes.toml).
    ``progress(done, total, message)`` is called while files are read and the index is
    built. ``workers`` caps the processes used to parse (default: all cores).
    ``use_cache=False`` ignores and does not write the snapshot in ``.index/``.

    >>> lib = open_library("data/plans", progress=lambda d, t, m: None)   # doctest: +SKIP
    """
    folder = Path(folder)
    if not isinstance(taxonomy, Taxonomy):
        taxonomy = load_taxonomy(taxonomy)
    if not folder.is_dir():
        raise FileNotFoundError(f"找不到计划库文件夹 {folder}，请检查路径。")
    fingerprint = library_fingerprint(folder, dump_taxonomy(taxonomy).encode())
    snapshot = folder / INDEX_DIR / SNAPSHOT_DIR
    key = cache.snapshot_key(fingerprint)
    lib = _from_snapshot(folder, snapshot, key, taxonomy, fingerprint) if use_cache else None
    if lib is None:
        lib = _ingest_library(folder, taxonomy, fingerprint, progress, workers)
        if use_cache:
            _report(progress, 0, 1, "正在保存计划库缓存")
            _save_snapshot(lib, snapshot, key)
    _report(progress, 1, 1, f"已载入 {len(lib.plans)} 份计划")
    lib.progress = progress
    return lib


# ---------------------------------------------------------------- ingest

def _ingest_library(folder: Path, taxonomy: Taxonomy, fingerprint: str,
                    progress: ProgressCallback | None, workers: int | None) -> Library:
    manifest = read_manifest(folder)
    overrides = _overrides(manifest)
    jobs = [(path, manifest.get(path.name), overrides.get(plan_id_for(path.name)))
            for path in plan_files(folder)]
    plans: list[Plan] = []
    parts: list[analysis.PlanTags] = []
    errors: list[LoadError] = []
    for result in _ingest_all(jobs, taxonomy, progress, workers):
        if isinstance(result, LoadError):
            errors.append(result)
        else:
            plans.append(result[0])
            parts.append(result[1])
    _report(progress, len(jobs), len(jobs), "正在整理表格")
    return Library._create(folder, *_frames(plans), analysis.combine_tags(parts), errors, manifest,
                           taxonomy, {p.plan_id: p.preamble for p in plans}, plans, fingerprint)


_Job = tuple[Path, "PlanMeta | None", "dict[int, str] | None"]
_Result = "tuple[Plan, analysis.PlanTags] | LoadError"


def _ingest_all(jobs: list[_Job], taxonomy: Taxonomy, progress: ProgressCallback | None,
                workers: int | None) -> list:
    """Results of :func:`_ingest_one` for every job, in job order."""
    total = len(jobs)
    _report(progress, 0, total, f"正在读取 {total} 个文件")
    workers = min(workers or os.cpu_count() or 1, 8)
    if workers >= 2 and total >= PARALLEL_MIN_FILES:
        try:
            return _ingest_parallel(jobs, taxonomy, progress, workers)
        except (BrokenProcessPool, OSError):
            _report(progress, 0, total, f"并行读取失败，改为逐个读取 {total} 个文件")
    results = []
    for done, job in enumerate(jobs, start=1):
        results.append(_ingest_one(job, taxonomy))
        if done % 50 == 0 or done == total:
            _report(progress, done, total, f"已读取并解析 {done}/{total} 个文件")
    return results


def _ingest_parallel(jobs: list[_Job], taxonomy: Taxonomy, progress: ProgressCallback | None,
                     workers: int) -> list:
    total = len(jobs)
    chunk = max(8, min(64, total // (workers * 8)))
    chunks = [jobs[i:i + chunk] for i in range(0, total, chunk)]
    results: list = []
    with ProcessPoolExecutor(workers, mp_context=_process_context(), initializer=_init_worker,
                             initargs=(taxonomy,)) as pool:
        for part in pool.map(_ingest_chunk, chunks):
            results.extend(part)
            _report(progress, len(results), total, f"已读取并解析 {len(results)}/{total} 个文件")
    return results


def _process_context() -> multiprocessing.context.BaseContext:
    """fork when this process has one thread (cheap); forkserver in a threaded server (safe)."""
    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver")


_worker_taxonomy: Taxonomy | None = None


def _init_worker(taxonomy: Taxonomy) -> None:
    global _worker_taxonomy
    _worker_taxonomy = taxonomy


def _ingest_chunk(jobs: list[_Job]) -> list:
    return [_ingest_one(job, _worker_taxonomy) for job in jobs]


def _ingest_one(job: _Job, taxonomy: Taxonomy):
    """Read, parse and tag one file: ``(plan, tags)``, or a :class:`LoadError`."""
    path, meta, overrides = job
    try:
        plan = load_plan(path, meta)
    except ReadError as err:
        return LoadError(path.name, err.code, err.message)
    tags = analysis.tag_plan(plan.plan_id, plan.preamble,
                             [(s.title, [i.text for i in s.items]) for s in plan.sections],
                             taxonomy, overrides)
    return plan, tags


def _overrides(manifest: dict[str, PlanMeta]) -> dict[str, dict[int, str]]:
    return {plan_id_for(name): meta.dimensions for name, meta in manifest.items() if meta.dimensions}


def _report(progress: ProgressCallback | None, done: int, total: int, message: str) -> None:
    if progress is not None:
        progress(done, total, message)


# ---------------------------------------------------------------- snapshot

_SNAPSHOT_FRAMES = ("plans", "sections", "items", "evidence", "preamble_mentions")


def _save_snapshot(lib: Library, folder: Path, key: str) -> None:
    frames = {name: getattr(lib, name) for name in _SNAPSHOT_FRAMES}
    frames["preambles"] = pd.DataFrame({"plan_id": list(lib._preambles),
                                        "preamble": list(lib._preambles.values())})
    info = {"errors": [dataclasses.asdict(e) for e in lib.errors],
            "manifest": [dataclasses.asdict(m) for m in lib.manifest.values()]}
    cache.save_snapshot(folder, key, frames, info)


def _from_snapshot(root: Path, folder: Path, key: str, taxonomy: Taxonomy,
                   fingerprint: str) -> Library | None:
    loaded = cache.load_snapshot(folder, key)
    if loaded is None:
        return None
    frames, info = loaded
    try:
        errors = [LoadError(**e) for e in info["errors"]]
        manifest = {}
        for raw in info["manifest"]:
            raw["dimensions"] = {int(k): v for k, v in raw["dimensions"].items()}
            manifest[raw["file"]] = PlanMeta(**raw)
        sections, items = frames["sections"], frames["items"]
        tags = analysis.Tags(item_themes=list(items["themes"]),
                             section_dimensions=list(sections["dimension"]),
                             evidence=frames["evidence"],
                             preamble_mentions=frames["preamble_mentions"])
        preambles = dict(zip(frames["preambles"]["plan_id"], frames["preambles"]["preamble"]))
    except (KeyError, TypeError, ValueError):
        return None
    return Library._create(root, frames["plans"], sections, items, tags, errors, manifest, taxonomy,
                           preambles, None, fingerprint)


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
            "chars": sum(map(len, p.text.split())), "warnings": "；".join(p.warnings),
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
