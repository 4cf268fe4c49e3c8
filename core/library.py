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
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

import pandas as pd
from pandas.arrays import ArrowStringArray
import pyarrow as pa
import pyarrow.compute as pc

from . import analysis, cache, reviews
from .isolation import main_script_hidden, process_context
from .manifest import PlanMeta, detect_metadata, read_manifest
from .memory import release_free_memory
from .model import Plan
from .libraries import INDEX_DIR, index_dir
from .normalize import fold
from .parsing import parse_plan
from .reading import SUPPORTED_SUFFIXES, ReadError, read_file_document
from .search import IndexCorruptError, SearchIndex
from .taxonomy import Taxonomy, dump_taxonomy, load_taxonomy

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
    plan.organ_source, plan.year_source = meta.organ_source, meta.year_source
    plan.plan_id = plan_id_for(meta.file)
    return plan


def read_and_parse(path: Path) -> Plan:
    """The parsed plan of a file, its .docx formatting used as evidence of titles."""
    read = read_file_document(path)
    plan = parse_plan(read.text, hints=read.hints)
    plan.warnings[:0] = read.warnings
    return plan


def load_plan(path: str | os.PathLike, meta: PlanMeta | None = None) -> Plan:
    """Read, parse and attach metadata (from the folder's manifest, else detected).

    Raises :class:`core.reading.ReadError` with a Chinese message if the file cannot be read.
    """
    path = Path(path)
    plan = read_and_parse(path)
    if meta is None:
        meta = read_manifest(path.parent).get(path.name) or detect_metadata(plan.text, path.name)
    return apply_meta(plan, meta)


def plan_files(folder: str | os.PathLike) -> list[Path]:
    """Plan files in ``folder`` (not its subfolders, not hidden), sorted by name.

    Names that are not valid UTF-8 are left out (see :func:`undecodable_files`).
    """
    return [p for p in _listed_files(folder) if decodable_name(p.name)]


def undecodable_files(folder: str | os.PathLike) -> list[Path]:
    """Plan files whose names are not valid UTF-8 (Python keeps the bad bytes as surrogates)."""
    return [p for p in _listed_files(folder) if not decodable_name(p.name)]


def decodable_name(name: str) -> bool:
    """Whether ``name`` came from valid UTF-8 bytes (has no surrogate escapes)."""
    return not any("\ud800" <= ch <= "\udfff" for ch in name)


def shown_name(name: str) -> str:
    r"""``name`` printable whatever its bytes: undecodable ones as ``\xff``."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def _listed_files(folder: str | os.PathLike) -> list[Path]:
    wanted = SUPPORTED_SUFFIXES
    return sorted(p for p in Path(folder).iterdir()
                  if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in wanted)


def library_fingerprint(folder: str | os.PathLike, extra: bytes = b"") -> str:
    """A key that changes whenever a plan file or the manifest changes."""
    folder = Path(folder)
    h = hashlib.sha256(extra)
    if folder.is_dir():
        with os.scandir(folder) as scan:  # one stat per file, not three (0.7 s at 10,000 files)
            entries = sorted(scan, key=lambda e: e.name)
        for entry in entries:
            if entry.name in reviews.REVIEW_FILES:  # decisions change no parse or tag
                continue
            try:
                if not entry.is_file():
                    continue
                st = entry.stat()
            except OSError:  # removed while we looked (another session deleting a plan)
                continue
            h.update(os.fsencode(entry.name) + f"\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
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
        self.plans, self.sections, self.items = (_contiguous(f) for f in (plans_df, sections, items))
        self._preambles = preambles
        self._plan_objects = plan_objects
        self._plans_lock = threading.Lock()
        self._coverage: pd.DataFrame | None = None
        self._analysis_lock = threading.Lock()
        self._index: SearchIndex | None = None
        self._index_lock = threading.Lock()
        self._folded_items: pa.ChunkedArray | None = None  # fold(text) of items, from ingest
        self.progress: ProgressCallback | None = None
        self.review_store = reviews.ReviewStore(self.root)
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
        self.items["section_dimension"] = analysis.item_section_dimensions(self.sections, self.items)
        self.items["themes"] = pd.Series(tags.item_themes, index=self.items.index, dtype=object)
        self.evidence = _contiguous(tags.evidence)
        self.preamble_mentions = tags.preamble_mentions
        self._coverage = None
        self._reviewed: tuple[int, pd.DataFrame] | None = None
        self._omission_cells: tuple[int, pd.DataFrame] | None = None
        self._evidence_index: analysis.EvidenceIndex | None = None
        self._evidence_lock = threading.Lock()
        self._folded: list[str] | None = None
        self._folded_preambles: dict[str, str] = {}

    @property
    def plan_objects(self) -> list[Plan]:
        """The parsed trees of all plans (re-parsed from the files after a warm open)."""
        with self._plans_lock:
            if self._plan_objects is None:
                self._plan_objects = [self._parse_file(row.file) for row in self.plans.itertuples()]
            return self._plan_objects

    def _parse_file(self, file_name: str) -> Plan:
        plan = read_and_parse(self.root / file_name)
        meta = self.manifest.get(file_name) or detect_metadata(plan.text, file_name)
        return apply_meta(plan, meta)

    def retag(self, taxonomy: Taxonomy) -> "Library":
        """The same plans under another taxonomy (no re-reading or re-parsing)."""
        folded = self._folded_texts()
        tags = analysis.retag_changed(self.taxonomy, taxonomy, self._tags(), self._preambles,
                                      self.sections, self.items, folded, _overrides(self.manifest),
                                      self._folded_preambles)
        sections = self.sections.drop(columns=["dimension"])
        items = self.items.drop(columns=["section_dimension", "themes"])
        lib = Library._create(self.root, self.plans, sections, items, tags, self.errors,
                              self.manifest, taxonomy, self._preambles, self._plan_objects)
        lib._folded, lib._folded_preambles = folded, self._folded_preambles  # same plans: reused
        release_free_memory()  # the merge's temporaries: ~250 MB at 10,000 plans that glibc would keep
        return lib

    def _tags(self) -> analysis.Tags:
        return analysis.Tags(self.items["themes"].tolist(), self.sections["dimension"].tolist(),
                             self.evidence, self.preamble_mentions)

    def _folded_texts(self) -> list[str]:
        """Folded item texts, aligned with ``items``: borrowed from the search index when it
        is loaded and lines up (no copy) or from ingest, else folded here once; kept."""
        if self._folded is not None:
            return self._folded
        folded = self._index.folded_texts(self.items["item_id"]) if self._index is not None else None
        if folded is None:
            from_ingest = getattr(self, "_folded_items", None)
            folded = (from_ingest.to_pylist() if from_ingest is not None and len(from_ingest) == len(self.items)
                      else [fold(text) for text in self.items["text"].tolist()])
        self._folded = folded
        return folded

    def coverage(self) -> pd.DataFrame:
        """One row per plan × theme: item ``count``, ``machine_covered`` (the rules' answer),
        ``covered`` (a person's decision where there is one, see :meth:`review`), ``review``
        (dict: decision, note, by, time, items, … or None) and ``needs_recheck`` (the plan
        file changed since it was reviewed: the old decision is shown, not applied).

        Columns ``plan_id, organ, year, theme, theme_name, dimension, required, count, covered,
        machine_covered, review, needs_recheck``. Wording behind a cell: :meth:`evidence_for`.
        """
        return self._reviewed_coverage()[1].copy()

    def _reviewed_coverage(self) -> tuple[int, pd.DataFrame]:
        version = self.review_store.version()
        with self._analysis_lock:
            if self._coverage is None:
                self._coverage = analysis.coverage(self.plans, self.items, self.taxonomy)
            if self._reviewed is None or self._reviewed[0] != version:
                self._reviewed = (version, reviews.overlay(self._coverage, self.plans,
                                                           self.review_store.rows(),
                                                           lambda f: self.review_store.plan_hash(self.root / f)))
            return self._reviewed

    def review(self, plan_id: str, theme: str, decision: str, note: str = "", by: str = "",
               items: Iterable[str] = ()) -> dict:
        """Record a person's decision on one cell: ``decision`` is ``"covered"`` or ``"omitted"``;
        ``items`` the item ids pointed to as evidence. Appended to ``<library>/reviews.sqlite``
        (history kept); raises :class:`core.errors.UserError` (Chinese) for bad input.

        >>> lib.review("000_c066458c1de48185", "org_life", "omitted", note="只提了一句", by="王")  # doctest: +SKIP
        """
        return reviews.record(self, self.review_store, plan_id, theme, decision, note, by, items)

    def reviews(self) -> pd.DataFrame:
        """Every decision ever recorded, oldest first (columns ``reviews.REVIEW_COLUMNS``)."""
        return self.review_store.rows()

    def review_agreement(self) -> dict:
        """How often the machine's answer was upheld by reviewers (see :func:`core.reviews.agreement`)."""
        return reviews.agreement(self.coverage())

    def evidence_for(self, plan_id: str, theme: str) -> list[dict]:
        """The wording behind one coverage cell: ``{item_id, title, text, term, start, end}``
        per hit, in item order (``start``/``end`` index the item's display ``text``); [] if
        the cell is not covered. The first call indexes all evidence, later calls are cheap.

        >>> lib.evidence_for("000_c066458c1de48185", "org_life")[0]["term"]   # doctest: +SKIP
        '三会一课'
        """
        with self._evidence_lock:
            if self._evidence_index is None:
                self._evidence_index = analysis.EvidenceIndex(
                    self.evidence, self.items, self.plans["plan_id"], self.taxonomy.theme_ids)
            index = self._evidence_index
        return index.cell(plan_id, theme)

    def omissions(self, candidates: bool = True) -> pd.DataFrame:
        """Required themes each plan omits, with its nearest candidate item and why it fell short.

        ``candidates=False`` gives only ``plan_id, organ, year, theme, theme_name, dimension,
        preamble_mention`` (cheap, computed once per library; each call returns a copy);
        :meth:`nearest_candidate` then finds one row's candidate. With candidates the report
        is computed on each call and not kept: ~18 s and ~180 MB of item texts at 10,000
        plans, wanted only for an export.
        """
        if candidates:
            cov = self.coverage()
            return reviews.with_status(analysis.omissions(cov, self.items, self.preamble_mentions,
                                                          self.taxonomy), cov)
        version, cov = self._reviewed_coverage()
        with self._analysis_lock:
            if self._omission_cells is None or self._omission_cells[0] != version:
                cells = analysis.omissions(cov, self.items, self.preamble_mentions, self.taxonomy,
                                           candidates=False)
                self._omission_cells = (version, reviews.with_status(cells, cov))
            return self._omission_cells[1].copy()

    def nearest_candidate(self, plan_id: str, theme: str) -> dict:
        """The item of ``plan_id`` closest to ``theme`` (for an omitted cell) and why it falls short.

        Keys ``candidate_item_id, candidate_title, candidate_text, candidate_spans, reason``,
        as in one row of :meth:`omissions`. Raises KeyError for an unknown plan or theme.
        """
        theme_obj = self.taxonomy.theme(theme)
        if not (self.plans["plan_id"] == plan_id).any():
            raise KeyError(plan_id)
        plan = analysis.PlanItems.of_plan(self.items, plan_id)
        return dict(zip(analysis.CANDIDATE_COLUMNS,
                        analysis.nearest_candidate(plan, theme_obj, self.taxonomy)))

    def search_index(self) -> SearchIndex:
        """The search index, loaded from ``<library>/.index`` if fresh, else built (and saved)."""
        with self._index_lock:
            if self._index is None:
                self._index = self._load_or_build_index()
            return self._index

    def _load_or_build_index(self) -> SearchIndex:
        path = index_dir(self.root) / "search.npz"
        try:
            index = SearchIndex.load(path, self.fingerprint, items=self.items)
        except IndexCorruptError:
            index = None
        if index is None:
            _report(self.progress, 0, 1, "正在建立检索索引")
            folded, self._folded_items = self._folded_items, None
            if folded is not None and len(folded) == len(self.items):
                folded = folded.to_pylist()  # the Arrow copy is freed before the index grows
                index = SearchIndex(self.items, fingerprint=self.fingerprint, folded=folded)
            else:
                index = SearchIndex(self.items, fingerprint=self.fingerprint)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                index.save(path)
            except OSError:
                pass  # a read-only library still searches, from memory
            _report(self.progress, 1, 1, "检索索引已建立")
        self._folded_items = None  # the index was loaded instead: no longer needed
        release_free_memory()
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
    ``use_cache=False`` ignores and does not write the snapshot in ``.index/`` (a read-only
    folder's index is kept in the user's cache folder instead: :func:`core.libraries.index_dir`).
    A change to the folder that a crash interrupted is undone first (as ``PlanStore`` does),
    so a reader never sees a half-applied change.

    >>> lib = open_library("data/plans", progress=lambda d, t, m: None)   # doctest: +SKIP
    """
    folder = Path(folder)
    release_free_memory()  # what an earlier library left behind, before loading another
    if not isinstance(taxonomy, Taxonomy):
        taxonomy = load_taxonomy(taxonomy)
    if not folder.is_dir():
        raise FileNotFoundError(f"找不到计划库文件夹 {folder}，请检查路径。")
    recover(folder)
    fingerprint = library_fingerprint(folder, dump_taxonomy(taxonomy).encode())
    snapshot = index_dir(folder) / SNAPSHOT_DIR
    key = cache.snapshot_key(fingerprint)
    lib = _from_snapshot(folder, snapshot, key, taxonomy, fingerprint) if use_cache else None
    if lib is None:
        lib = _ingest_library(folder, taxonomy, fingerprint, progress, workers)
        if use_cache:
            _report(progress, 0, 1, "正在保存计划库缓存")
            _save_snapshot(lib, snapshot, key)
    _report(progress, 1, 1, f"已载入 {len(lib.plans)} 份计划")
    lib.progress = progress
    release_free_memory()
    return lib


def recover(folder: str | os.PathLike) -> None:
    """Undo a change to ``folder`` that a crash left half-done (waits for a running one)."""
    from .store import PlanStore  # the store reads libraries: imported here to avoid a cycle

    PlanStore(folder)


def _contiguous(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with each text column in one Arrow chunk (in place; returned for chaining).

    Ingest and snapshots give columns in many chunks, and pyarrow's ``take`` on a
    chunked column first concatenates every chunk: picking 50 search results from
    183,000 items cost 14 ms per call. Concatenating once here makes it microseconds.
    """
    for name in frame.columns:
        column = frame[name]
        if not isinstance(column.array, ArrowStringArray):
            continue
        chunks = pa.array(column.array)
        if isinstance(chunks, pa.ChunkedArray) and chunks.num_chunks > 1:
            frame[name] = pd.Series(ArrowStringArray(chunks.combine_chunks(), dtype=column.dtype),
                                    index=frame.index)
    return frame


# ---------------------------------------------------------------- ingest

def _ingest_library(folder: Path, taxonomy: Taxonomy, fingerprint: str,
                    progress: ProgressCallback | None, workers: int | None) -> Library:
    manifest = read_manifest(folder)
    overrides = _overrides(manifest)
    jobs = [(path, manifest.get(path.name), overrides.get(plan_id_for(path.name)))
            for path in plan_files(folder)]
    chunks = _ingest_all(jobs, taxonomy, progress, workers)
    _report(progress, len(jobs), len(jobs), "正在整理表格")
    errors = [e for c in chunks for e in c.errors] + [
        LoadError(shown_name(path.name), "bad_name",
                  f"文件名“{shown_name(path.name)}”含有无法识别的字节（不是 UTF-8 编码），已跳过；"
                  "请在文件夹里把它改成普通的文件名后重新打开")
        for path in undecodable_files(folder)]
    plans_df, sections, items, tags, preambles = _from_chunks(chunks)
    folded = _concat(chunks, "folded").column("folded")
    del chunks
    lib = Library._create(folder, plans_df, sections, items, tags, errors, manifest, taxonomy,
                          preambles, None, fingerprint)
    lib._folded_items = folded  # folded in the workers, so building the index skips it
    return lib


_Job = tuple[Path, "PlanMeta | None", "dict[int, str] | None"]


@dataclass
class _Chunk:
    """What reading, parsing and tagging a run of files gives: Arrow tables, not objects.

    Sending tables from a worker pickles a few buffers per column instead of a tree
    of Python objects per plan, and the parent only concatenates them.
    """

    tables: dict[str, pa.Table]
    errors: list[LoadError]


def _ingest_all(jobs: list[_Job], taxonomy: Taxonomy, progress: ProgressCallback | None,
                workers: int | None) -> list[_Chunk]:
    """:func:`_ingest_chunk` over every job, in job order."""
    total = len(jobs)
    _report(progress, 0, total, f"正在读取 {total} 个文件")
    workers = min(workers or os.cpu_count() or 1, 8)
    if workers >= 2 and total >= PARALLEL_MIN_FILES:
        try:
            return _ingest_parallel(jobs, taxonomy, progress, workers)
        except (BrokenProcessPool, OSError):
            _report(progress, 0, total, f"并行读取失败，改为逐个读取 {total} 个文件")
    chunks = []
    for start in range(0, total, 50):
        chunks.append(_ingest_chunk(jobs[start:start + 50], taxonomy))
        done = min(start + 50, total)
        _report(progress, done, total, f"已读取并解析 {done}/{total} 个文件")
    return chunks


def _ingest_parallel(jobs: list[_Job], taxonomy: Taxonomy, progress: ProgressCallback | None,
                     workers: int) -> list[_Chunk]:
    total = len(jobs)
    size = max(8, min(64, total // (workers * 8)))
    parts = [jobs[i:i + size] for i in range(0, total, size)]
    chunks: list[_Chunk] = []
    done = 0
    with ProcessPoolExecutor(workers, mp_context=process_context(), initializer=_init_worker,
                             initargs=(taxonomy,)) as pool:
        with main_script_hidden():  # map() submits every part now, which starts the workers
            results = pool.map(_ingest_in_worker, parts)
        for part, chunk in zip(parts, results):
            chunks.append(chunk)
            done += len(part)
            _report(progress, done, total, f"已读取并解析 {done}/{total} 个文件")
    return chunks


_worker_taxonomy: Taxonomy | None = None


def _init_worker(taxonomy: Taxonomy) -> None:
    global _worker_taxonomy
    _worker_taxonomy = taxonomy


def _ingest_in_worker(jobs: list[_Job]) -> _Chunk:
    return _ingest_chunk(jobs, _worker_taxonomy)


def _ingest_chunk(jobs: list[_Job], taxonomy: Taxonomy) -> _Chunk:
    """Read, parse and tag the files of ``jobs``; unreadable ones become :class:`LoadError`."""
    plans: list[Plan] = []
    tags: list[analysis.PlanTags] = []
    errors: list[LoadError] = []
    for path, meta, overrides in jobs:
        try:
            plan = load_plan(path, meta)
        except ReadError as err:
            errors.append(LoadError(path.name, err.code, err.message))
            continue
        plans.append(plan)
        tags.append(analysis.tag_plan(plan.plan_id, plan.preamble,
                                      [(s.title, [i.text for i in s.items]) for s in plan.sections],
                                      taxonomy, overrides))
    return _Chunk(_plan_tables(plans, tags), errors)


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


_STR, _INT = "str", "int"
_PLAN_SCHEMA = {"plan_id": _STR, "organ": _STR, "year": _INT, "level": _STR, "file": _STR,
                "title": _STR, "sections": _INT, "items": _INT, "chars": _INT, "warnings": _STR,
                "organ_source": _STR, "year_source": _STR}
_SECTION_SCHEMA = {"section_id": _STR, "plan_id": _STR, "organ": _STR, "year": _INT,
                   "section_no": _INT, "marker": _STR, "title": _STR, "body": _STR, "items": _INT}
_ITEM_SCHEMA = {"item_id": _STR, "plan_id": _STR, "organ": _STR, "year": _INT, "level": _STR,
                "file": _STR, "section_id": _STR, "section_no": _INT, "section_marker": _STR,
                "section_title": _STR, "item_no": _INT, "number": _INT, "marker": _STR,
                "title": _STR, "text": _STR, "points": "list", "plan_order": _INT,
                "item_order": _INT}
_PLAN_COLUMNS, _SECTION_COLUMNS, _ITEM_COLUMNS = map(list, (_PLAN_SCHEMA, _SECTION_SCHEMA, _ITEM_SCHEMA))
_NULLABLE_INT = {"plans": ("year",), "sections": ("year",), "items": ("year", "number")}


def _arrow_schema(columns: dict[str, str]) -> pa.Schema:
    # large_string is what pandas' str dtype holds, so to_pandas shares the buffers, no copy.
    types = {_STR: pa.large_string(), _INT: pa.int64(), "list": pa.list_(pa.large_string())}
    return pa.schema([(name, types[kind]) for name, kind in columns.items()])


def _plan_tables(plans: list[Plan], tags: list[analysis.PlanTags] | None = None) -> dict[str, pa.Table]:
    """The plans, sections and items of ``plans`` as Arrow tables (``plan_order`` from 0).

    With ``tags`` (one per plan) also ``themes``, ``dimensions``, ``evidence``,
    ``preamble_mentions``, ``preambles`` and ``folded`` (item texts for the search index).
    """
    pcols = {c: [] for c in _PLAN_SCHEMA}
    sc = {c: [] for c in _SECTION_SCHEMA}
    ic = {c: [] for c in _ITEM_SCHEMA}
    for plan_order, p in enumerate(plans):
        for column, value in (("plan_id", p.plan_id), ("organ", p.organ), ("year", p.year),
                              ("level", p.level), ("file", p.file), ("title", p.title),
                              ("sections", len(p.sections)), ("items", sum(len(s.items) for s in p.sections)),
                              ("chars", sum(map(len, p.text.split()))),
                              ("warnings", "；".join(p.warnings)),
                              ("organ_source", p.organ_source), ("year_source", p.year_source)):
            pcols[column].append(value)
        item_order = 0
        for s_no, s in enumerate(p.sections, start=1):
            section_id = f"{p.plan_id}:{s_no}"
            for column, value in (("section_id", section_id), ("plan_id", p.plan_id),
                                  ("organ", p.organ), ("year", p.year), ("section_no", s_no),
                                  ("marker", s.marker), ("title", s.title), ("body", s.body),
                                  ("items", len(s.items))):
                sc[column].append(value)
            n = len(s.items)
            ic["item_id"].extend(f"{section_id}.{i_no}" for i_no in range(1, n + 1))
            for column, value in (("plan_id", p.plan_id), ("organ", p.organ), ("year", p.year),
                                  ("level", p.level), ("file", p.file), ("section_id", section_id),
                                  ("section_no", s_no), ("section_marker", s.marker),
                                  ("section_title", s.title), ("plan_order", plan_order)):
                ic[column].extend([value] * n)
            ic["item_no"].extend(range(1, n + 1))
            ic["item_order"].extend(range(item_order, item_order + n))
            item_order += n
            for it in s.items:
                ic["number"].append(it.number)
                ic["marker"].append(it.marker)
                ic["title"].append(it.title)
                ic["text"].append(it.text)
                ic["points"].append([pt.text for pt in it.points])
    tables = {name: pa.table(columns, schema=_arrow_schema(schema)) for name, columns, schema in
              (("plans", pcols, _PLAN_SCHEMA), ("sections", sc, _SECTION_SCHEMA), ("items", ic, _ITEM_SCHEMA))}
    if tags is not None:
        themes = [list(t) for part in tags for t in part.item_themes]
        tables["themes"] = pa.table({"themes": pa.array(themes, type=pa.list_(pa.string()))})
        tables["dimensions"] = pa.table({"dimension": pa.array(
            [d for part in tags for d in part.section_dimensions], type=pa.string())})
        tables["evidence"] = _rows_table([r for part in tags for r in part.evidence],
                                         analysis.EVIDENCE_COLUMNS)
        tables["preamble_mentions"] = _rows_table([r for part in tags for r in part.preamble_mentions],
                                                  analysis.PREAMBLE_COLUMNS)
        tables["preambles"] = pa.table({"plan_id": pa.array([p.plan_id for p in plans], pa.string()),
                                        "preamble": pa.array([p.preamble for p in plans], pa.string())})
        tables["folded"] = pa.table({"folded": pa.array([fold(t) for t in ic["text"]], pa.large_string())})
    return tables


def _rows_table(rows: list[tuple], columns: list[str]) -> pa.Table:
    """Evidence-like rows (strings, then ``start`` and ``end``) as an Arrow table."""
    values = list(zip(*rows)) if rows else [[] for _ in columns]
    return pa.table({c: pa.array(v, type=pa.int64() if c in ("start", "end") else pa.large_string())
                     for c, v in zip(columns, values)})


def _to_frame(table: pa.Table, name: str) -> pd.DataFrame:
    frame = table.drop_columns([c for c in table.column_names if c == "points"]).to_pandas()
    for column in _NULLABLE_INT.get(name, ()):
        frame[column] = frame[column].astype("Int64")
    if "points" in table.column_names:
        frame["points"] = pd.Series(list(map(tuple, table.column("points").to_pylist())),
                                    index=frame.index, dtype=object)
    return frame[table.column_names]


def _concat(chunks: list[_Chunk], name: str) -> pa.Table:
    tables = [c.tables[name] for c in chunks]
    if name == "items":  # plan_order counts plans across chunks, not within one
        offset = 0
        for i, chunk in enumerate(chunks):
            column = tables[i].column("plan_order")
            tables[i] = tables[i].set_column(tables[i].schema.get_field_index("plan_order"), "plan_order",
                                             pc.add(column, offset) if offset else column)
            offset += chunk.tables["plans"].num_rows
    # Not combined: the frames keep the chunks' buffers rather than a second copy of the text.
    return pa.concat_tables(tables) if tables else _plan_tables([], [])[name]


def _from_chunks(chunks: list[_Chunk]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame,
                                                 analysis.Tags, dict[str, str]]:
    """The frames, tags and preambles of the ingested chunks, in chunk order."""
    frames = {name: _to_frame(_concat(chunks, name), name)
              for name in ("plans", "sections", "items", "evidence", "preamble_mentions")}
    themes = [tuple(t) for t in _concat(chunks, "themes").column("themes").to_pylist()]
    dimensions = _concat(chunks, "dimensions").column("dimension").to_pylist()
    preambles = _concat(chunks, "preambles")
    tags = analysis.Tags(themes, dimensions, frames["evidence"], frames["preamble_mentions"])
    return (frames["plans"], frames["sections"], frames["items"], tags,
            dict(zip(preambles.column("plan_id").to_pylist(), preambles.column("preamble").to_pylist())))


def _frames(plans: list[Plan]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    tables = _plan_tables(plans)
    return tuple(_to_frame(tables[name], name) for name in ("plans", "sections", "items"))
