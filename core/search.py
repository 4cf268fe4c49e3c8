"""Search over plan task items: exact substring, keyword (BM25) and similar items.

Matching happens on folded text (:func:`core.normalize.fold`); offsets handed back
(``spans``) are in display text, so callers can highlight the plan's own wording.

The index is an inverted index of folded character unigrams and bigrams, kept as
a few immutable CSR segments of up to 32,768 rows (sorted gram keys → sorted rows,
with each gram's count in the row and, for bigrams, its first position):

* a 1-character query, or a 2-character one, is answered by one posting list;
* a longer query takes the rows holding all its bigrams; where each of those
  bigrams occurs once in a row, their first positions settle whether (and so how
  often) the query occurs; other rows are checked with ``str.count``. Recall is
  complete whatever jieba would make of the text, and precision is exact.

>>> import pandas as pd
>>> items = pd.DataFrame({"item_id": ["a1", "b1"], "plan_id": ["a", "b"],
...     "organ": ["甲", "乙"], "year": [2022, 2022],
...     "text": ["落实“三会一课”制度。", "开展主题党日活动。"]})
>>> index = SearchIndex(items)
>>> index.search("三会一课")[["item_id", "score", "spans"]].to_dict("records")
[{'item_id': 'a1', 'score': 1.0, 'spans': [(3, 7)]}]

Keyword mode: the query is split on spaces into parts that must all match; a part
written ``-词`` excludes items containing 词. Each part is segmented by the
tokenizer; an item must contain every token of the part (exact containment of the
folded token, not jieba's segmentation of the item), and the whole part is also
scored as an extra BM25 term, so items holding it verbatim rank first.

Writers (``add_items``, ``remove_plan``, ``compact``) build a new immutable state
and swap it in under a lock; readers take the current state and never lock.
"""
from __future__ import annotations

import contextlib
import html
import json
import math
import os
import threading
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter
from typing import Any, Callable, Iterable, Iterator, Protocol, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

from core.memory import release_free_memory
from core.normalize import fold, fold_with_map

MODES = ("exact", "keyword", "similar")
META_COLUMNS = ["item_id", "plan_id", "organ", "year", "section_dimension", "themes",
                "section_marker", "section_title", "marker", "title", "text"]
RESULT_COLUMNS = META_COLUMNS + ["score", "spans", "snippet_html",
                                 "kwic_left", "kwic_match", "kwic_right"]
KWIC_COLUMNS = ["item_id", "plan_id", "organ", "year", "marker", "title",
                "start", "end", "kwic_left", "kwic_match", "kwic_right"]

BM25_K1 = 1.2
BM25_B = 0.75
SNIPPET_CHARS = 80
KWIC_CHARS = 20
SEGMENT_ROWS = 1 << 15  # rows per built segment; local row ids fit the key's low bits
_FORMAT = "dangjian-search-index"
_FORMAT_VERSION = 3
_STOP_TOKENS = frozenset("的地得了和与及或等之并而")
_SIMILAR_SPAN_GRAM = 4


class Tokenizer(Protocol):
    def lcut(self, text: str) -> list[str]: ...


class IndexCorruptError(Exception):
    """The index file exists but cannot be read back: rebuild it."""


# ---------------------------------------------------------------- postings

@dataclass(frozen=True)
class _Vocab:
    """Dense ids for the characters of folded text, so a gram key fits in 28 bits.

    Ids only grow (``extended``). Past 16,382 characters new ones share ``_OTHER_ID``;
    a query touching it is always verified against the text.
    """

    table: np.ndarray  # uint16 id per code point, 0 = never seen
    size: int          # ids in use, 1 … size

    @classmethod
    def empty(cls) -> "_Vocab":
        return cls(np.zeros(0x110000, dtype=np.uint16), 0)

    def extended(self, codes: np.ndarray) -> "_Vocab":
        seen = np.zeros(0x110000, dtype=bool)
        seen[codes] = True
        new = np.flatnonzero(seen & (self.table == 0))
        if len(new) == 0:
            return self
        table = self.table.copy()
        fresh = np.arange(self.size + 1, self.size + 1 + len(new))
        table[new] = np.minimum(fresh, _OTHER_ID)
        return _Vocab(table, min(self.size + len(new), _OTHER_ID))

    def ids(self, text: str) -> np.ndarray:
        return self.table[np.fromiter(map(ord, text), dtype=np.int64, count=len(text))].astype(np.uint64)


_ID_BITS = 14
_OTHER_ID = (1 << _ID_BITS) - 1
_POS_UNKNOWN = 65535  # first positions past this are not recorded


@dataclass(frozen=True)
class _Segment:
    """One CSR block of the inverted index over rows ``base … base + n_rows - 1``.

    Per posting: row relative to ``base`` (uint16) and count saturating at 255
    (uint8); bigram postings also keep the first position in the folded text
    (uint16). Unigram keys sort before every bigram key, so unigram postings are a
    prefix and ``first`` covers the rest (``first[i - n_unigram_postings]``): a
    bigram seen once in a row pins where it is, which settles most multi-character
    queries without reading the text. Single characters never need a position.
    """

    keys: np.ndarray     # uint64, sorted unique gram keys
    offsets: np.ndarray  # int64, len(keys) + 1
    local: np.ndarray    # uint16 row - base, sorted within each gram
    tfs: np.ndarray      # uint8 occurrences of the gram in the row (overlapping), ≤ 255
    first: np.ndarray    # uint16 per bigram posting: first occurrence, _POS_UNKNOWN if late
    base: int
    n_rows: int

    def slice_of(self, key: int) -> slice | None:
        i = int(np.searchsorted(self.keys, np.uint64(key)))
        if i == len(self.keys) or self.keys[i] != key:
            return None
        return slice(int(self.offsets[i]), int(self.offsets[i + 1]))

    def lookup(self, key: int) -> tuple[np.ndarray, np.ndarray]:
        """Global rows (int32) holding the gram, and its counts there."""
        where = self.slice_of(key)
        if where is None:
            return _EMPTY_ROWS, _EMPTY_TFS
        return self.local[where].astype(np.int32) + np.int32(self.base), self.tfs[where]

    @property
    def n_unigram_postings(self) -> int:
        return len(self.local) - len(self.first)

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in (self.keys, self.offsets, self.local, self.tfs, self.first))


_EMPTY_ROWS = np.zeros(0, dtype=np.int32)
_EMPTY_LOCAL = np.zeros(0, dtype=np.uint16)
_EMPTY_TFS = np.zeros(0, dtype=np.uint8)
_TF_SATURATED = 255
_SPARSE_CANDIDATES = 512
_TRIM_AFTER_ROWS = 5000  # a display search this large takes > 50 ms: a ~2 ms trim is noise
_BUILD_CHARS = 1 << 20  # characters per build batch: temporaries stay ~60 MB whatever the segment


def _gram_key(first_id: int, second_id: int = 0) -> int:
    """Unigram keys are the id alone (< 2**14), so they sort before every bigram key; ids start at 1."""
    return (int(first_id) << _ID_BITS) | int(second_id) if second_id else int(first_id)


def _empty_segment(base_row: int, n_rows: int) -> _Segment:
    return _Segment(np.zeros(0, np.uint64), np.zeros(1, np.int64), _EMPTY_LOCAL, _EMPTY_TFS,
                    np.zeros(0, np.uint16), base_row, n_rows)


def _runs(key: np.ndarray, row: np.ndarray) -> np.ndarray:
    """Starts of the runs of equal (key, row) in arrays sorted by key, then row."""
    change = np.empty(len(key), dtype=bool)
    change[:1] = True
    np.not_equal(key[1:], key[:-1], out=change[1:])
    change[1:] |= row[1:] != row[:-1]
    return np.flatnonzero(change)


def _batch_postings(folded: Sequence[str], first_row: int, vocab: _Vocab) -> tuple[np.ndarray, ...]:
    """Postings of a few rows: unigram (id, row, count) and bigram (key, row, count, first
    position), each sorted by gram then row. Rows are ``first_row + i`` (uint16)."""
    lengths = np.fromiter(map(len, folded), dtype=np.int64, count=len(folded))
    ids = vocab.table[np.frombuffer("".join(folded).encode("utf-32-le"), dtype=np.uint32)]
    row = np.repeat(np.arange(first_row, first_row + len(folded), dtype=np.uint16), lengths)
    # Occurrences come in (row, position) order; stable sorts keep it within each gram.
    order = np.argsort(ids, kind="stable")
    uni_id, uni_row = ids[order], row[order]
    del order
    starts = _runs(uni_id, uni_row)
    uni_tf = np.minimum(np.diff(np.append(starts, len(uni_id))), _TF_SATURATED).astype(np.uint8)
    uni = (uni_id[starts], uni_row[starts], uni_tf)
    del uni_id, uni_row, starts, uni_tf
    pos = np.arange(len(ids), dtype=np.int64)
    pos -= np.repeat(np.cumsum(lengths) - lengths, lengths)
    same = np.flatnonzero(row[:-1] == row[1:])
    first_id, second_id = ids[same], ids[same + 1]
    bi_row = row[same]
    bi_pos = np.minimum(pos[same], _POS_UNKNOWN).astype(np.uint16)
    del ids, row, pos, same
    # Two 16-bit radix passes: by second id, then (stably) by first id.
    order = np.argsort(second_id, kind="stable")
    order = order[np.argsort(first_id[order], kind="stable")]
    bi_key = (first_id[order].astype(np.uint32) << np.uint32(_ID_BITS)) | second_id[order]
    del first_id, second_id
    bi_row, bi_pos = bi_row[order], bi_pos[order]
    del order
    starts = _runs(bi_key, bi_row)
    bi_tf = np.minimum(np.diff(np.append(starts, len(bi_key))), _TF_SATURATED).astype(np.uint8)
    return (*uni, bi_key[starts], bi_row[starts], bi_tf, bi_pos[starts])


def _merged_batches(parts: list[tuple[np.ndarray, ...]]) -> tuple[np.ndarray, ...]:
    """Concatenate batch postings (each sorted by gram, rows rising from batch to batch)
    and sort by gram; a stable sort keeps rows in order. Each column is freed once gathered."""
    if len(parts) == 1:
        return parts[0]
    columns = [np.concatenate([p[c] for p in parts]) for c in range(len(parts[0]))]
    parts.clear()
    order = np.argsort(columns[0], kind="stable")  # few sorted runs: timsort merges them
    return tuple(columns.pop(0)[order] for _ in range(len(columns)))


def _csr(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique keys of postings sorted by key, and where each one's postings start."""
    if len(keys) == 0:
        return np.zeros(0, np.uint64), np.zeros(1, np.int64)
    starts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))
    return keys[starts].astype(np.uint64), np.append(starts, len(keys)).astype(np.int64)


def _build_segment(folded: Sequence[str], base_row: int, vocab: _Vocab) -> _Segment:
    """Index ``folded`` (at most SEGMENT_ROWS texts) as rows base_row, base_row+1, …

    Rows go in batches of about _BUILD_CHARS characters, each reduced to postings
    (one per gram and row) before the next, so the per-occurrence temporaries never
    cover the whole segment.
    """
    assert len(folded) <= SEGMENT_ROWS
    if not any(folded):
        return _empty_segment(base_row, len(folded))
    uni_parts, bi_parts = [], []
    row, size = 0, 0
    for end, text in enumerate(folded, 1):
        size += len(text)
        if size >= _BUILD_CHARS or end == len(folded):
            batch = _batch_postings(folded[row:end], row, vocab)
            uni_parts.append(batch[:3])
            bi_parts.append(batch[3:])
            del batch
            row, size = end, 0
    uni_id, uni_row, uni_tf = _merged_batches(uni_parts)
    uni_keys, uni_offsets = _csr(uni_id)
    del uni_id
    bi_key, bi_row, bi_tf, bi_first = _merged_batches(bi_parts)
    bi_keys, bi_offsets = _csr(bi_key)
    del bi_key
    return _Segment(np.concatenate([uni_keys, bi_keys]),
                    np.concatenate([uni_offsets, bi_offsets[1:] + len(uni_row)]),
                    np.concatenate([uni_row, bi_row]), np.concatenate([uni_tf, bi_tf]),
                    bi_first, base_row, len(folded))


def _intersect_sorted(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if len(a) > len(b):
        a, b = b, a
    if len(a) == 0:
        return a
    idx = np.searchsorted(b, a)
    idx[idx == len(b)] = len(b) - 1
    return a[b[idx] == a]


# ---------------------------------------------------------------- state

@dataclass
class _State:
    """An immutable snapshot of the index: item table + posting segments."""

    meta: pd.DataFrame            # META_COLUMNS, RangeIndex = row
    folded: list[str]
    plan_key: np.ndarray          # float64 plan order per row
    item_key: np.ndarray          # float64 item order per row
    segments: list[_Segment]
    vocab: _Vocab
    alive: np.ndarray             # bool per row
    fingerprint: str | None = None
    rank: np.ndarray = field(init=False)
    rank_is_row_order: bool = field(init=False)
    identity_map: np.ndarray = field(init=False)
    lengths: np.ndarray = field(init=False)
    row_of_id: dict[str, int] = field(init=False)
    ids: np.ndarray = field(init=False)
    plan_ids: np.ndarray = field(init=False)
    years: np.ndarray = field(init=False)
    n_alive: int = field(init=False)
    avg_len: float = field(init=False)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)
    _similar: Any = field(init=False, default=None)
    _filters: dict = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.folded)
        order = np.lexsort((np.arange(n), self.item_key, self.plan_key))
        self.rank = np.empty(n, dtype=np.int64)
        self.rank[order] = np.arange(n)
        self.rank_is_row_order = bool(np.all(order == np.arange(n)))
        self.lengths = np.fromiter(map(len, self.folded), dtype=np.int64, count=n)
        display_len = self.meta["text"].str.len().to_numpy(dtype=np.int64)
        self.identity_map = display_len == self.lengths
        self.ids = self.meta["item_id"].to_numpy(dtype=object)
        self.plan_ids = self.meta["plan_id"].to_numpy(dtype=object)
        self.years = self.meta["year"].to_numpy(dtype=np.int64)
        self.row_of_id = {self.ids[r]: int(r) for r in np.flatnonzero(self.alive)}
        self.n_alive = int(self.alive.sum())
        self.avg_len = float(self.lengths[self.alive].mean()) if self.n_alive else 0.0

    @property
    def has_dead(self) -> bool:
        return self.n_alive < len(self.alive)

    def keep_alive(self, rows: np.ndarray, *extra: np.ndarray) -> tuple[np.ndarray, ...]:
        if not self.has_dead or len(rows) == 0:
            return (rows, *extra)
        keep = self.alive[rows]
        return (rows[keep], *(x[keep] for x in extra))

    def column_codes(self, column: str) -> tuple[np.ndarray, dict]:
        """Integer codes of a metadata column, cached for filtering."""
        with self._lock:
            if column not in self._filters:
                codes, uniques = pd.factorize(self.meta[column], use_na_sentinel=True)
                self._filters[column] = (codes, {v: i for i, v in enumerate(uniques)})
            return self._filters[column]

    def theme_rows(self) -> dict[Any, np.ndarray]:
        with self._lock:
            if "themes" not in self._filters:
                by_theme: dict[Any, list[int]] = {}
                for row, themes in enumerate(self.meta["themes"]):
                    for theme in _as_tuple(themes):
                        by_theme.setdefault(theme, []).append(row)
                self._filters["themes"] = {t: np.array(r, dtype=np.int32) for t, r in by_theme.items()}
            return self._filters["themes"]


def _as_tuple(value: Any) -> tuple:
    if isinstance(value, (tuple, list, set, frozenset, np.ndarray)):
        return tuple(value)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ()
    return (value,)


def _prepare_meta(items: pd.DataFrame) -> pd.DataFrame:
    """Copy the columns the index keeps, filling optional ones; never touches ``items``."""
    missing = {"item_id", "text"} - set(items.columns)
    if missing:
        raise ValueError(f"items lack required columns: {sorted(missing)}")
    n = len(items)
    # Copy-on-write: the selected columns share their buffers with ``items`` (no second copy
    # of every text); assigning columns below never writes through to ``items``.
    meta = items[[c for c in META_COLUMNS if c in items.columns]].reset_index(drop=True)
    for column in META_COLUMNS:
        if column in meta.columns:
            continue
        if column == "themes":
            values = np.empty(n, dtype=object)
            values[:] = [()] * n
        elif column == "year":
            values = np.full(n, -1, dtype=np.int64)
        else:
            values = np.full(n, "", dtype=object)
        meta[column] = values
    meta = meta[META_COLUMNS]
    meta["item_id"] = meta["item_id"].astype(str)
    meta["plan_id"] = meta["plan_id"].astype(str) if "plan_id" in items.columns else meta["item_id"]
    if meta["text"].hasnans:
        meta["text"] = meta["text"].fillna("")
    meta["text"] = meta["text"].astype(str)
    meta["year"] = pd.to_numeric(meta["year"], errors="coerce").fillna(-1).astype(np.int64)
    meta["themes"] = [_as_tuple(t) for t in meta["themes"]]
    if meta["item_id"].duplicated().any():
        dupes = meta.loc[meta["item_id"].duplicated(), "item_id"].head(3).tolist()
        raise ValueError(f"duplicate item_id: {dupes}")
    return meta


_SPOT_CHECKS = 16


def _folded_texts(texts: pd.Series, given: Sequence[str] | None) -> list[str]:
    """``fold`` of each text, or the caller's pre-folded list after a spot check."""
    if given is None:
        return [fold(t) for t in texts]
    folded = list(given)
    if len(folded) != len(texts):
        raise ValueError(f"folded has {len(folded)} texts for {len(texts)} items")
    n = len(folded)
    for r in sorted({0, n - 1, *range(0, n, max(1, n // _SPOT_CHECKS))} if n else ()):
        if not isinstance(folded[r], str) or folded[r] != fold(texts.iat[r]):
            raise ValueError(f"folded[{r}] is not fold(text) of item row {r}")
    return folded


def _order_keys(items: pd.DataFrame, meta: pd.DataFrame, previous: _State | None) -> tuple[np.ndarray, np.ndarray]:
    """Plan and item sort keys: the frame's plan_order/item_order, else first appearance."""
    n = len(meta)
    start = len(previous.folded) if previous is not None else 0
    if "plan_order" in items.columns:
        plan_key = pd.to_numeric(items["plan_order"], errors="coerce").to_numpy(dtype=np.float64, na_value=np.inf)
    else:
        known: dict[str, float] = {}
        if previous is not None:
            for pid, key in zip(previous.meta["plan_id"], previous.plan_key):
                known.setdefault(pid, key)
        next_key = max(known.values(), default=-1.0) + 1
        plan_key = np.empty(n)
        for i, pid in enumerate(meta["plan_id"]):
            if pid not in known:
                known[pid] = next_key
                next_key += 1
            plan_key[i] = known[pid]
    if "item_order" in items.columns:
        item_key = pd.to_numeric(items["item_order"], errors="coerce").to_numpy(dtype=np.float64, na_value=np.inf)
    else:
        item_key = np.arange(start, start + n, dtype=np.float64)
    return plan_key, item_key


def _build_segments(folded: Sequence[str], base_row: int, vocab: _Vocab) -> tuple[list[_Segment], _Vocab]:
    segments = []
    for i in range(0, len(folded), SEGMENT_ROWS):
        chunk = folded[i:i + SEGMENT_ROWS]
        vocab = vocab.extended(np.frombuffer("".join(chunk).encode("utf-32-le"), dtype=np.uint32))
        segments.append(_build_segment(chunk, base_row + i, vocab))
    release_free_memory()
    return segments, vocab


# ---------------------------------------------------------------- matching

def _occurrences(state: _State, term: str) -> tuple[np.ndarray, np.ndarray]:
    """Alive rows whose folded text contains ``term`` and its non-overlapping count."""
    if not term:
        return _EMPTY_ROWS, np.zeros(0, dtype=np.int64)
    ids = state.vocab.ids(term)
    if (ids == 0).any():
        return _EMPTY_ROWS, np.zeros(0, dtype=np.int64)
    lossy = bool((ids == _OTHER_ID).any())
    if not lossy and (len(term) == 1 or (len(term) == 2 and term[0] != term[1])):
        rows, counts = _posting(state, _gram_key(*ids))
        rows, counts = state.keep_alive(rows, counts)
        saturated = np.flatnonzero(counts == _TF_SATURATED)
        if len(saturated):
            counts[saturated] = _count_in(state.folded, rows[saturated], term)
        return rows, counts
    return state.keep_alive(*_verified(state, term, ids, lossy))


def _posting(state: _State, key: int) -> tuple[np.ndarray, np.ndarray]:
    found = [seg.lookup(key) for seg in state.segments]
    rows = np.concatenate([r for r, _ in found]) if found else _EMPTY_ROWS
    counts = np.concatenate([t for _, t in found]).astype(np.int64) if found else np.zeros(0, np.int64)
    return rows, counts


def _verified(state: _State, term: str, ids: np.ndarray, lossy: bool) -> tuple[np.ndarray, np.ndarray]:
    """Rows holding ``term`` (≥ 2 chars, or lossy) with counts.

    Candidates hold every bigram of the term. A bigram found once in a row pins
    the only place the term can start there; the first positions of the other
    bigrams then mostly settle whether it does (count 1) or not (count 0). Rows
    left open are counted in the text. Work is proportional to the candidates
    (binary searches in each posting), with no per-query arrays the size of the index.
    """
    if len(ids) == 1:
        ordered = [_gram_key(ids[0])]
    else:
        ordered = [_gram_key(a, b) for a, b in zip(ids[:-1], ids[1:])]
    keys = list(dict.fromkeys(ordered))
    per_segment = []
    for seg in state.segments:
        slices = [seg.slice_of(key) for key in keys]
        if all(where is not None for where in slices):
            per_segment.append((seg, slices))
    if not per_segment:
        return _EMPTY_ROWS, np.zeros(0, np.int64)
    smallest = sum(min(w.stop - w.start for w in slices) for _, slices in per_segment)
    if lossy or len(ids) == 1 or smallest <= _SPARSE_CANDIDATES:
        found = []
        for seg, slices in per_segment:
            candidates = None
            for where in sorted(slices, key=lambda w: w.stop - w.start):
                candidates = seg.local[where] if candidates is None else _intersect_sorted(candidates, seg.local[where])
            found.append(candidates.astype(np.int32) + np.int32(seg.base))
        return _counted(state, np.concatenate(found), term)
    rows_parts: list[np.ndarray] = []
    tf_parts: dict[int, list[np.ndarray]] = {key: [] for key in keys}
    first_parts: dict[int, list[np.ndarray]] = {key: [] for key in keys}
    for seg, slices in per_segment:
        rarest = min(slices, key=lambda w: w.stop - w.start)
        candidates = seg.local[rarest]
        located = []
        held = np.ones(len(candidates), dtype=bool)
        for where in slices:
            local = seg.local[where]
            idx = np.minimum(np.searchsorted(local, candidates), len(local) - 1)
            held &= local[idx] == candidates
            located.append((where, idx))
        keep = np.flatnonzero(held)
        if len(keep) == 0:
            continue
        rows_parts.append(candidates[keep].astype(np.int32) + np.int32(seg.base))
        for key, (where, idx) in zip(keys, located):
            at = idx[keep] + where.start
            tf_parts[key].append(seg.tfs[at])
            first_parts[key].append(seg.first[at - seg.n_unigram_postings])  # bigrams only
    if not rows_parts:
        return _EMPTY_ROWS, np.zeros(0, np.int64)
    rows = np.concatenate(rows_parts)
    tfs = {key: np.concatenate(parts).astype(np.int32) for key, parts in tf_parts.items()}
    firsts = {key: np.concatenate(parts).astype(np.int32) for key, parts in first_parts.items()}
    decided, occurs, start = _decide_by_position([tfs[k] for k in ordered], [firsts[k] for k in ordered])
    counts = occurs.astype(np.int64)
    folded = state.folded
    # Anchored rows can hold the term only at ``start``: one comparison settles them.
    pinned = np.flatnonzero(~decided & (start >= 0))
    counts[pinned] = np.fromiter(map(str.startswith, _texts(folded, rows[pinned]), repeat(term),
                                     start[pinned].tolist()), dtype=bool, count=len(pinned))
    loose = np.flatnonzero(~decided & (start < 0))
    counts[loose] = _count_in(folded, rows[loose], term)
    hit = counts > 0
    return rows[hit], counts[hit]


def _decide_by_position(tfs: list[np.ndarray],
                        firsts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For rows holding every bigram j of a term (count ``tfs[j]``, first position
    ``firsts[j]``): which rows are settled, whether the term occurs there, and the
    only position it can start at (-1 where no bigram occurs just once)."""
    n = len(tfs[0])
    start = np.full(n, -1, dtype=np.int64)
    anchored = np.zeros(n, dtype=bool)
    absent = np.zeros(n, dtype=bool)
    for j, (tf, first) in enumerate(zip(tfs, firsts)):
        unique = (tf == 1) & (first != _POS_UNKNOWN)
        absent |= unique & anchored & (first - j != start)
        start = np.where(unique & ~anchored, first - j, start)
        anchored |= unique
    absent |= anchored & (start < 0)
    unsure = ~anchored
    for j, (tf, first) in enumerate(zip(tfs, firsts)):
        known = first != _POS_UNKNOWN
        absent |= anchored & known & (first > start + j)
        absent |= anchored & known & (tf == 1) & (first != start + j)
        unsure |= anchored & (~known | ((tf > 1) & (first < start + j)))
    decided = absent | ~unsure
    return decided, ~absent & decided, np.where(anchored & (start >= 0), start, -1)


def _texts(folded: Sequence[str], rows: np.ndarray) -> Sequence[str]:
    """``folded[r]`` for each row, gathered in C (no per-row Python frame)."""
    if len(rows) == 0:
        return ()
    if len(rows) == 1:
        return (folded[int(rows[0])],)
    return itemgetter(*rows.tolist())(folded)


def _count_in(folded: Sequence[str], rows: np.ndarray, term: str) -> np.ndarray:
    """Non-overlapping occurrences of ``term`` in each row's folded text."""
    return np.fromiter(map(str.count, _texts(folded, rows), repeat(term)),
                       dtype=np.int64, count=len(rows))


def _counted(state: _State, candidates: np.ndarray, term: str) -> tuple[np.ndarray, np.ndarray]:
    counts = _count_in(state.folded, candidates, term)
    hit = counts > 0
    return candidates[hit], counts[hit]


def _find_all(haystack: str, needle: str) -> list[int]:
    starts, pos = [], haystack.find(needle)
    while pos != -1:
        starts.append(pos)
        pos = haystack.find(needle, pos + len(needle))
    return starts


def _display_spans(state: _State, row: int, folded_spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    if state.identity_map[row]:
        return folded_spans
    _, index_map = fold_with_map(state.meta["text"].iat[row])
    return [_display_span(index_map, s, e) for s, e in folded_spans]


def _display_span(index_map: list[int], start: int, end: int) -> tuple[int, int]:
    return (index_map[start], index_map[end - 1] + 1) if end > start else (start, start)


def _term_spans(folded_text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
    spans = [(s, s + len(t)) for t in terms for s in _find_all(folded_text, t)]
    return _merge_spans(spans)


def _merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


# ---------------------------------------------------------------- keyword query

@dataclass(frozen=True)
class KeywordQuery:
    """A parsed keyword query: ``required`` tokens, optional ``phrases``, ``excluded`` terms.

    >>> class Chars:
    ...     def lcut(self, text): return list(text)
    >>> parse_keyword_query("党建 -廉政", Chars())
    KeywordQuery(required=('党', '建'), phrases=('党建',), excluded=('廉政',))
    """

    required: tuple[str, ...]
    phrases: tuple[str, ...]
    excluded: tuple[str, ...]


def parse_keyword_query(query: str, tokenizer: Tokenizer) -> KeywordQuery:
    """Split on whitespace; ``-词`` parts exclude; other parts are segmented into tokens."""
    required: list[str] = []
    phrases: list[str] = []
    excluded: list[str] = []
    for raw in query.split():
        part = fold(raw)
        if part.startswith("-"):
            if part[1:]:
                excluded.append(part[1:])
            continue
        tokens = _content_tokens(part, tokenizer)
        if not tokens:
            continue
        required.extend(tokens)
        if tokens != [part]:
            phrases.append(part)
    unique = lambda xs: tuple(dict.fromkeys(xs))  # noqa: E731
    required_t = unique(required)
    return KeywordQuery(required_t, tuple(p for p in unique(phrases) if p not in required_t),
                        unique(excluded))


def _content_tokens(part: str, tokenizer: Tokenizer) -> list[str]:
    tokens = [fold(t) for t in tokenizer.lcut(part)]
    tokens = [t for t in tokens if t and any(ch.isalnum() for ch in t)]
    content = [t for t in tokens if t not in _STOP_TOKENS]
    if not tokens and any(ch.isalnum() for ch in part):
        return [part]
    return content or tokens


def _bm25(tf: np.ndarray, doc_len: np.ndarray, df: int, n_docs: int, avg_len: float) -> np.ndarray:
    idf = math.log(1 + (n_docs - df + 0.5) / (df + 0.5))
    norm = BM25_K1 * (1 - BM25_B + BM25_B * doc_len / max(avg_len, 1e-9))
    return idf * tf * (BM25_K1 + 1) / (tf + norm)


def _lookup_counts(rows: np.ndarray, term_rows: np.ndarray, term_counts: np.ndarray) -> np.ndarray:
    """Counts of a term at ``rows`` (a subset of sorted rows, or not holding it: 0)."""
    if len(term_rows) == 0:
        return np.zeros(len(rows), dtype=np.int64)
    if len(term_rows) == len(rows) and (rows is term_rows or np.array_equal(rows, term_rows)):
        return term_counts
    idx = np.minimum(np.searchsorted(term_rows, rows), len(term_rows) - 1)
    return np.where(term_rows[idx] == rows, term_counts[idx], 0)


# ---------------------------------------------------------------- similarity

@dataclass(frozen=True)
class _SimilarStats:
    norms: np.ndarray                   # per row
    global_keys: np.ndarray
    global_idf: np.ndarray
    unseen_idf: float


def _is_content_bigram(keys: np.ndarray, vocab: _Vocab) -> np.ndarray:
    """Bigram keys whose two characters are both letters, digits or ideographs."""
    word = np.zeros(_OTHER_ID + 1, dtype=bool)
    codes = np.flatnonzero(vocab.table)
    ids = vocab.table[codes]
    word[ids] = [chr(c).isalnum() for c in codes.tolist()]
    word[[0, _OTHER_ID]] = False
    first = (keys >> np.uint64(_ID_BITS)).astype(np.int64)
    second = (keys & np.uint64(_OTHER_ID)).astype(np.int64)
    return word[first] & word[second]


def _similar_stats(state: _State) -> _SimilarStats:
    with state._lock:
        if state._similar is None:
            state._similar = _compute_similar_stats(state)
        return state._similar


def _compute_similar_stats(state: _State) -> _SimilarStats:
    n_rows = len(state.folded)
    alive = state.alive.astype(np.int64)
    all_keys, all_df = [], []
    for seg in state.segments:
        alive_local = alive[seg.base:seg.base + seg.n_rows]
        counts = (np.add.reduceat(alive_local[seg.local], seg.offsets[:-1]) if len(seg.local)
                  else np.zeros(0, np.int64))
        all_keys.append(seg.keys)
        all_df.append(counts)
    keys = np.concatenate(all_keys) if all_keys else np.zeros(0, np.uint64)
    dfs = np.concatenate(all_df) if all_df else np.zeros(0, np.int64)
    global_keys, inverse = np.unique(keys, return_inverse=True)
    global_df = np.bincount(inverse, weights=dfs, minlength=len(global_keys))
    n = state.n_alive
    global_idf = np.log((n + 1) / (global_df + 1)) + 1
    global_idf[~_is_content_bigram(global_keys, state.vocab) | (global_df == 0)] = 0.0
    norms_sq = np.zeros(n_rows)
    start = 0
    for seg in state.segments:
        idf = global_idf[inverse[start:start + len(seg.keys)]]
        start += len(seg.keys)
        weights = (1 + np.log(seg.tfs.astype(np.float64))) * np.repeat(idf, np.diff(seg.offsets))
        norms_sq[seg.base:seg.base + seg.n_rows] += np.bincount(seg.local, weights=weights * weights,
                                                                minlength=seg.n_rows)
    return _SimilarStats(np.sqrt(norms_sq), global_keys, global_idf,
                         float(math.log(n + 1) + 1))


def _query_bigrams(folded_text: str) -> Counter:
    return Counter(a + b for a, b in zip(folded_text, folded_text[1:]) if a.isalnum() and b.isalnum())


def _similar_scores(state: _State, folded_query: str) -> tuple[np.ndarray, np.ndarray]:
    stats = _similar_stats(state)
    grams = _query_bigrams(folded_query)
    if not grams:
        return _EMPTY_ROWS, np.zeros(0)
    n_rows = len(state.folded)
    dots = np.zeros(n_rows)
    q_norm_sq = 0.0
    for gram, count in grams.items():
        key = _gram_key(*state.vocab.ids(gram))
        i = int(np.searchsorted(stats.global_keys, np.uint64(key)))
        known = i < len(stats.global_keys) and stats.global_keys[i] == key
        idf = stats.global_idf[i] if known else stats.unseen_idf
        q_weight = (1 + math.log(count)) * idf
        q_norm_sq += q_weight * q_weight
        if not known or idf == 0:
            continue
        for seg in state.segments:
            rows, tfs = seg.lookup(key)
            if len(rows):
                dots[rows] += q_weight * idf * (1 + np.log(tfs.astype(np.float64)))
    rows = np.flatnonzero(dots > 0).astype(np.int32)
    rows, = state.keep_alive(rows)
    if q_norm_sq == 0 or len(rows) == 0:
        return _EMPTY_ROWS, np.zeros(0)
    scores = dots[rows] / (stats.norms[rows] * math.sqrt(q_norm_sq))
    return rows, np.clip(scores, 0.0, 1.0)


def _shared_gram_spans(folded_text: str, folded_query: str, n: int = _SIMILAR_SPAN_GRAM) -> list[tuple[int, int]]:
    grams = {folded_query[i:i + n] for i in range(len(folded_query) - n + 1)}
    return _merge_spans((i, i + n) for i in range(len(folded_text) - n + 1)
                        if folded_text[i:i + n] in grams)


# ---------------------------------------------------------------- results

def highlight_html(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """HTML-escape ``text`` and wrap each ``[start, end)`` span in ``<mark>``.

    Offsets are on the raw text; each piece is escaped on its own, so markup in
    the plan's wording can never open a tag.

    >>> highlight_html("a<b>c", [(1, 4)])
    'a<mark>&lt;b&gt;</mark>c'
    """
    out: list[str] = []
    pos = 0
    for start, end in _merge_spans((max(0, s), min(len(text), e)) for s, e in spans):
        if end <= start or start < pos:
            continue
        out.append(html.escape(text[pos:start]))
        out.append(f"<mark>{html.escape(text[start:end])}</mark>")
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out)


def snippet_html(text: str, spans: Sequence[tuple[int, int]], width: int = SNIPPET_CHARS) -> str:
    """Escaped snippet of about ``width`` characters around the first span, matches marked."""
    if spans:
        start = max(0, min(spans[0][0] - width // 3, len(text) - width))
    else:
        start = 0
    end = min(len(text), start + width)
    local = [(max(s, start) - start, min(e, end) - start) for s, e in spans if e > start and s < end]
    body = highlight_html(text[start:end], local)
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")


def _plain(text: str) -> str:
    return text.replace("\r", " ").replace("\n", " ")


def _kwic_parts(text: str, span: tuple[int, int], width: int) -> tuple[str, str, str]:
    start, end = span
    return (_plain(text[max(0, start - width):start]), _plain(text[start:end]),
            _plain(text[end:end + width]))


def kwic(result: pd.DataFrame, width: int = KWIC_CHARS) -> pd.DataFrame:
    """Key word in context: one row per occurrence (span) in a search result."""
    records = []
    for row in result.itertuples(index=False):
        for span in row.spans:
            left, match, right = _kwic_parts(row.text, span, width)
            records.append({"item_id": row.item_id, "plan_id": row.plan_id, "organ": row.organ,
                            "year": row.year, "marker": row.marker, "title": row.title,
                            "start": span[0], "end": span[1],
                            "kwic_left": left, "kwic_match": match, "kwic_right": right})
    return pd.DataFrame(records, columns=KWIC_COLUMNS)


def empty_result() -> pd.DataFrame:
    """A search result with no rows and the usual columns."""
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in RESULT_COLUMNS})
    frame["year"] = frame["year"].astype(np.int64)
    frame["score"] = frame["score"].astype(np.float64)
    return frame


def _plain_frame(state: _State, rows: np.ndarray, scores: np.ndarray) -> pd.DataFrame:
    if len(rows) == 0:
        return empty_result()[META_COLUMNS + ["score"]]
    frame = state.meta.take(rows).reset_index(drop=True)[META_COLUMNS]
    frame["score"] = scores.astype(np.float64)
    return frame


def _result_frame(state: _State, rows: np.ndarray, scores: np.ndarray,
                  spans: list[list[tuple[int, int]]]) -> pd.DataFrame:
    if len(rows) == 0:
        return empty_result()
    frame = _plain_frame(state, rows, scores)
    frame["spans"] = spans
    texts = frame["text"].tolist()
    frame["snippet_html"] = [snippet_html(t, s) for t, s in zip(texts, spans)]
    parts = [_kwic_parts(t, s[0], KWIC_CHARS) if s else ("", "", "") for t, s in zip(texts, spans)]
    frame["kwic_left"] = [p[0] for p in parts]
    frame["kwic_match"] = [p[1] for p in parts]
    frame["kwic_right"] = [p[2] for p in parts]
    return frame


def _ranked(state: _State, rows: np.ndarray, scores: np.ndarray,
            limit: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Sort by score desc, then plan/item order; keep ``limit`` (ties at the cut kept out)."""
    if limit is not None and limit < len(rows):
        threshold = -np.partition(-scores, limit - 1)[limit - 1]
        keep = scores >= threshold
        rows, scores = rows[keep], scores[keep]
    if len(rows) > 1:
        # Rows come ascending; when row order is plan order (the usual frame) that is the tie order.
        in_order = rows[1:] > rows[:-1] if state.rank_is_row_order else np.diff(state.rank[rows]) > 0
        if not bool(np.all(in_order)):
            by_rank = np.argsort(state.rank[rows], kind="stable")
            rows, scores = rows[by_rank], scores[by_rank]
    order = _descending_order(scores)
    if limit is not None:
        order = order[:limit]
    return rows[order], scores[order]


_RADIX_MIN = 2048  # below this many scores numpy's own stable sort is as fast


def _descending_order(scores: np.ndarray) -> np.ndarray:
    """``np.argsort(-scores, kind="stable")`` for scores ≥ 0, as radix sorts where possible.

    numpy's stable sort is a radix sort for 16-bit keys: counts take one pass; other
    non-negative floats are ordered by their IEEE bits (monotonic for x ≥ 0) in up to
    four 16-bit passes, least significant first, skipping digits that never vary.
    """
    n = len(scores)
    if n == 0:
        return np.zeros(0, dtype=np.intp)
    low, high = float(scores.min()), float(scores.max())
    if high < 65535 and low >= 0 and bool(np.all(scores == np.floor(scores))):
        return np.argsort((65535 - scores).astype(np.uint16), kind="stable")
    if n < _RADIX_MIN or not low >= 0 or not math.isfinite(high):
        return np.argsort(-scores, kind="stable")
    keys = ~(scores.astype(np.float64) + 0.0).view(np.uint64)  # + 0.0 turns -0.0 into 0.0
    order = None
    for shift in (0, 16, 32, 48):
        digit = (keys >> np.uint64(shift)).astype(np.uint16)
        if order is not None:
            digit = digit[order]
        if digit.min() == digit.max():
            continue
        step = np.argsort(digit, kind="stable")
        order = step if order is None else order[step]
    return np.arange(n) if order is None else order


# ---------------------------------------------------------------- the index

@dataclass(frozen=True)
class Matches:
    """Ranked rows of a query, before display columns are built."""

    rows: np.ndarray
    scores: np.ndarray
    _ids: np.ndarray = field(repr=False)

    @property
    def item_ids(self) -> np.ndarray:
        return self._ids[self.rows]

    def __len__(self) -> int:
        return len(self.rows)


class SearchIndex:
    """Exact / keyword / similar search over plan items.

    >>> index = SearchIndex(items_df, fingerprint="v1")            # doctest: +SKIP
    >>> index.search("三会一课", organs=["市直机关工委"], limit=50)   # doctest: +SKIP
    """

    def __init__(self, items: pd.DataFrame, *, fingerprint: str | None = None,
                 tokenizer: Tokenizer | None = None, folded: Sequence[str] | None = None) -> None:
        """Index ``items`` (columns as in :data:`META_COLUMNS`; ``item_id`` and ``text`` required).

        ``folded``, if given, is ``fold(text)`` for each row of ``items`` in order (for
        instance the texts the tagger already folded): the index then skips folding.
        A few rows are spot-checked; a list that does not line up raises ValueError.
        """
        self._tokenizer = tokenizer
        self._write_lock = threading.Lock()
        self._state = self._state_from_items(items, None, fingerprint, folded)

    # -- construction and updates

    @staticmethod
    def _state_from_items(items: pd.DataFrame, previous: _State | None,
                          fingerprint: str | None, folded: Sequence[str] | None = None) -> _State:
        meta = _prepare_meta(items)
        folded = _folded_texts(meta["text"], folded)
        plan_key, item_key = _order_keys(items, meta, previous)
        if previous is None:
            segments, vocab = _build_segments(folded, 0, _Vocab.empty())
            return _State(meta, folded, plan_key, item_key, segments, vocab,
                          np.ones(len(meta), dtype=bool), fingerprint)
        clash = set(meta["item_id"]) & set(previous.row_of_id)
        if clash:
            raise ValueError(f"item_id already indexed: {sorted(clash)[:3]}")
        segments, vocab = _build_segments(folded, len(previous.folded), previous.vocab)
        return _State(pd.concat([previous.meta, meta], ignore_index=True),
                      previous.folded + folded,
                      np.concatenate([previous.plan_key, plan_key]),
                      np.concatenate([previous.item_key, item_key]),
                      previous.segments + segments, vocab,
                      np.concatenate([previous.alive, np.ones(len(meta), dtype=bool)]),
                      fingerprint)

    def add_items(self, items: pd.DataFrame) -> None:
        """Index more items (new ids only) without rebuilding the existing segments."""
        with self._write_lock:
            state = self._state
            self._state = self._state_from_items(items, state, state.fingerprint)
            self._compact_if_fragmented()

    def remove_plan(self, plan_id: str) -> int:
        """Drop a plan's items from results; returns how many were removed."""
        with self._write_lock:
            state = self._state
            hit = (state.plan_ids == str(plan_id)) & state.alive
            if not hit.any():
                return 0
            self._state = _State(state.meta, state.folded, state.plan_key, state.item_key,
                                 state.segments, state.vocab, state.alive & ~hit, state.fingerprint)
            self._compact_if_fragmented()
            return int(hit.sum())

    def compact(self) -> None:
        """Rebuild the postings without removed rows and with one segment per SEGMENT_ROWS."""
        with self._write_lock:
            self._state = self._compacted(self._state)

    def _compact_if_fragmented(self) -> None:
        state = self._state
        dead = len(state.alive) - state.n_alive
        if dead > max(1000, len(state.alive) // 4):
            self._state = self._compacted(state)
        elif sum(_is_small(s) for s in state.segments) > 8:
            self._state = _merged_small_segments(state)

    @staticmethod
    def _compacted(state: _State) -> _State:
        keep = np.flatnonzero(state.alive)
        folded = [state.folded[r] for r in keep]
        segments, vocab = _build_segments(folded, 0, state.vocab)
        return _State(state.meta.take(keep).reset_index(drop=True), folded,
                      state.plan_key[keep], state.item_key[keep], segments, vocab,
                      np.ones(len(keep), dtype=bool), state.fingerprint)

    # -- info

    def __len__(self) -> int:
        return self._state.n_alive

    @property
    def fingerprint(self) -> str | None:
        return self._state.fingerprint

    @property
    def item_ids(self) -> list[str]:
        state = self._state
        return state.ids[np.flatnonzero(state.alive)].tolist()

    def folded_texts(self, item_ids: Sequence[str]) -> list[str] | None:
        """``fold(text)`` of each of ``item_ids`` (the index's own list, not a copy: do not
        modify it), or None unless the ids are exactly the indexed rows, in order."""
        state = self._state
        ids = item_ids.tolist() if isinstance(item_ids, (pd.Series, pd.Index, np.ndarray)) else list(item_ids)
        if len(ids) != len(state.folded) or ids != state.ids.tolist():
            return None
        return state.folded

    @property
    def tokenizer(self) -> Tokenizer:
        if self._tokenizer is None:
            from core.tokenizer import get_tokenizer
            self._tokenizer = get_tokenizer()
        return self._tokenizer

    # -- querying

    def search(self, query: str, mode: str = "exact", organs: Iterable[str] | None = None,
               years: Iterable[int] | None = None, themes: Iterable[Any] | None = None,
               dimensions: Iterable[str] | None = None, limit: int | None = None,
               display: bool = True) -> pd.DataFrame:
        """Ranked items matching ``query`` with display spans, snippet and KWIC columns.

        ``mode`` is ``exact`` (score = occurrences), ``keyword`` (BM25) or ``similar``
        (``query`` is an item id — other plans only — or free text; cosine in [0, 1]).
        ``display=False`` skips spans, snippets and KWIC (about 0.1 ms per row): for
        counting and exporting every hit of a common word in a large library.
        """
        state = self._state
        rows, scores, span_fn = self._match(state, query, mode, organs, years, themes, dimensions, limit)
        if not display:
            return _plain_frame(state, rows, scores)
        spans = [_display_spans(state, int(r), span_fn(int(r))) for r in rows]
        frame = _result_frame(state, rows, scores, spans)
        if len(rows) >= _TRIM_AFTER_ROWS:
            # Display columns for tens of thousands of hits leave ~250 MB of freed heap behind.
            del spans
            release_free_memory()
        return frame

    def match(self, query: str, mode: str = "exact", organs: Iterable[str] | None = None,
              years: Iterable[int] | None = None, themes: Iterable[Any] | None = None,
              dimensions: Iterable[str] | None = None, limit: int | None = None) -> Matches:
        """Like :meth:`search` but only ranked item ids and scores (cheap for counts)."""
        state = self._state
        rows, scores, _ = self._match(state, query, mode, organs, years, themes, dimensions, limit)
        return Matches(rows, scores, state.ids)

    def _match(self, state: _State, query: str, mode: str, organs, years, themes, dimensions,
               limit: int | None) -> tuple[np.ndarray, np.ndarray, Callable[[int], list]]:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        none = (_EMPTY_ROWS, np.zeros(0), lambda row: [])
        if not isinstance(query, str) or not query.strip() or (limit is not None and limit <= 0):
            return none
        if mode == "exact":
            rows, scores, span_fn = self._exact(state, query)
        elif mode == "keyword":
            rows, scores, span_fn = self._keyword(state, query)
        else:
            rows, scores, span_fn = self._similar(state, query)
        keep = _filter_mask(state, rows, organs, years, themes, dimensions)
        if keep is not None:
            rows, scores = rows[keep], scores[keep]
        rows, scores = _ranked(state, rows, scores, limit)
        return rows, scores, span_fn

    def _exact(self, state: _State, query: str):
        term = fold(query)
        rows, counts = _occurrences(state, term)
        folded = state.folded
        return rows, counts.astype(np.float64), lambda r: [(s, s + len(term)) for s in _find_all(folded[r], term)]

    def _keyword(self, state: _State, query: str):
        parsed = parse_keyword_query(query, self.tokenizer)
        if not parsed.required:
            return _EMPTY_ROWS, np.zeros(0), lambda row: []
        hits = {t: _occurrences(state, t) for t in parsed.required}
        by_size = sorted((r for r, _ in hits.values()), key=len)
        rows = by_size[0]
        for term_rows in by_size[1:]:
            rows = _intersect_sorted(rows, term_rows)
        for term in parsed.excluded:
            if len(rows):
                rows = rows[~np.isin(rows, _occurrences(state, term)[0], assume_unique=True)]
        scores = np.zeros(len(rows))
        if len(rows):
            doc_len = state.lengths[rows]
            for term in parsed.phrases:
                hits[term] = _occurrences(state, term)
            for term, (term_rows, counts) in hits.items():
                tf = _lookup_counts(rows, term_rows, counts)
                scores += _bm25(tf, doc_len, len(term_rows), state.n_alive, state.avg_len)
        terms = list(parsed.required + parsed.phrases)
        folded = state.folded
        return rows, scores, lambda r: _term_spans(folded[r], terms)

    def _similar(self, state: _State, query: str):
        row = state.row_of_id.get(query.strip())
        folded_query = state.folded[row] if row is not None else fold(query)
        rows, scores = _similar_scores(state, folded_query)
        if row is not None and len(rows):
            other_plan = state.plan_ids[rows] != state.plan_ids[row]
            rows, scores = rows[other_plan], scores[other_plan]
        folded = state.folded
        return rows, scores, lambda r: _shared_gram_spans(folded[r], folded_query)

    # -- persistence

    def save(self, path: str | os.PathLike) -> None:
        """Write the index to one ``.npz`` file (atomically: temp file + rename)."""
        state = self._compacted(self._state) if self._state.has_dead else self._state
        tmp = f"{os.fspath(path)}.tmp-{os.getpid()}-{threading.get_ident()}"
        try:
            with open(tmp, "wb") as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_STORED, allowZip64=True) as npz:
                # What np.savez writes, one array at a time: each text blob is freed before the next.
                for name, array in _state_arrays(state):
                    with npz.open(f"{name}.npy", "w", force_zip64=True) as member:
                        if isinstance(array, list):  # a text blob in pieces: one uint8 array
                            np.lib.format.write_array_header_1_0(member, {
                                "descr": "|u1", "fortran_order": False,
                                "shape": (sum(map(len, array)),)})
                            for piece in array:
                                member.write(piece)
                        else:
                            np.lib.format.write_array(member, np.asanyarray(array), allow_pickle=False)
                    del array
        except BaseException:
            with contextlib.suppress(OSError):
                os.remove(tmp)
            raise
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: str | os.PathLike, expected_fingerprint: str | None, *,
             tokenizer: Tokenizer | None = None,
             items: pd.DataFrame | None = None) -> "SearchIndex | None":
        """The saved index, or None when the file is missing or its fingerprint differs.

        ``items``, if given, is the frame the index was built from: its columns are then
        shared instead of loading the saved copies (one copy of every text in memory, not
        two). It is used only when its item ids equal the saved ones, row for row.

        Raises :class:`IndexCorruptError` when the file exists but cannot be read.
        """
        if not os.path.exists(path):
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                header = json.loads(bytes(data["header"]).decode("utf-8"))
                if header.get("format") != _FORMAT or header.get("version") != _FORMAT_VERSION \
                        or header.get("fingerprint") != expected_fingerprint:
                    return None
                state = _state_from_arrays(header, data, items)
        except IndexCorruptError:
            raise
        except (OSError, ValueError, KeyError, EOFError, TypeError, UnicodeDecodeError,
                zipfile.BadZipFile, json.JSONDecodeError, AssertionError, IndexError,
                pa.ArrowException) as exc:
            raise IndexCorruptError(f"{path}: {exc}") from exc
        release_free_memory()
        index = cls.__new__(cls)
        index._tokenizer = tokenizer
        index._write_lock = threading.Lock()
        index._state = state
        return index

    @classmethod
    def load_or_build(cls, path: str | os.PathLike, fingerprint: str,
                      items: Callable[[], pd.DataFrame], *,
                      tokenizer: Tokenizer | None = None) -> "SearchIndex":
        """Reuse the file at ``path`` if fresh, else build from ``items()`` and save it."""
        try:
            index = cls.load(path, fingerprint, tokenizer=tokenizer)
        except IndexCorruptError:
            index = None
        if index is None:
            index = cls(items(), fingerprint=fingerprint, tokenizer=tokenizer)
            index.save(path)
        return index


def _segment_span(seg: _Segment) -> tuple[int, int]:
    return seg.base, seg.base + seg.n_rows


def _is_small(seg: _Segment) -> bool:
    lo, hi = _segment_span(seg)
    return hi - lo < SEGMENT_ROWS // 2


def _merged_small_segments(state: _State) -> _State:
    """Rebuild each run of consecutive small segments (left by add_items) as one."""
    merged: list[_Segment] = []
    run: list[_Segment] = []

    def flush() -> None:
        if len(run) > 1:
            lo, hi = _segment_span(run[0])[0], _segment_span(run[-1])[1]
            merged.extend(_build_segments(state.folded[lo:hi], lo, state.vocab)[0])
        else:
            merged.extend(run)
        run.clear()

    for seg in state.segments:
        if _is_small(seg):
            run.append(seg)
        else:
            flush()
            merged.append(seg)
    flush()
    return _State(state.meta, state.folded, state.plan_key, state.item_key, merged,
                  state.vocab, state.alive, state.fingerprint)


def _filter_mask(state: _State, rows: np.ndarray, organs, years, themes, dimensions) -> np.ndarray | None:
    keep = None

    def narrow(mask: np.ndarray) -> None:
        nonlocal keep
        keep = mask if keep is None else keep & mask

    for column, wanted in (("organ", organs), ("section_dimension", dimensions)):
        if wanted is not None:
            codes, lookup = state.column_codes(column)
            wanted_codes = [lookup[v] for v in _as_list(wanted) if v in lookup]
            narrow(np.isin(codes[rows], wanted_codes))
    if years is not None:
        narrow(np.isin(state.years[rows], [int(y) for y in _as_list(years)]))
    if themes is not None:
        by_theme = state.theme_rows()
        allowed = [by_theme[t] for t in _as_list(themes) if t in by_theme]
        narrow(np.isin(rows, np.concatenate(allowed)) if allowed else np.zeros(len(rows), dtype=bool))
    return keep


def _as_list(values: Any) -> list:
    if isinstance(values, (str, int, np.integer)):
        return [values]
    return list(values)


# ---------------------------------------------------------------- npz layout

_TEXT_COLUMNS = ["item_id", "plan_id", "organ", "section_dimension", "section_marker",
                 "section_title", "marker", "title", "text"]


_ENCODE_ROWS = 4096


def _encoded_parts(values: Sequence[Any] | pd.Series) -> tuple[list[bytes], np.ndarray]:
    """Pieces of the utf-8 blob of NUL-joined strings (or of a JSON list when a value
    holds NUL), and the NA mask. Rows are encoded a few thousand at a time, so neither
    the whole text nor Python strings for a whole column exist at once."""
    n = len(values)
    isna = np.zeros(n, dtype=bool)
    parts = [b"N"]
    for start in range(0, n, _ENCODE_ROWS):
        chunk = (values.iloc[start:start + _ENCODE_ROWS].tolist() if isinstance(values, pd.Series)
                 else list(values[start:start + _ENCODE_ROWS]))
        isna[start:start + len(chunk)] = [not isinstance(v, str) for v in chunk]
        text = "\x00".join([v if isinstance(v, str) else "" for v in chunk])
        if text.count("\x00") != len(chunk) - 1:
            every = values.tolist() if isinstance(values, pd.Series) else list(values)
            isna = np.array([not isinstance(v, str) for v in every], dtype=bool)
            strings = [v if isinstance(v, str) else "" for v in every]
            return [b"J", json.dumps(strings, ensure_ascii=False).encode("utf-8")], isna
        if start:
            parts.append(b"\x00")
        parts.append(text.encode("utf-8"))
    return parts, isna


def _encode_strings(values: Sequence[Any] | pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """utf-8 blob of NUL-joined strings (or a JSON list when a value holds NUL) + NA mask."""
    parts, isna = _encoded_parts(values)
    return np.frombuffer(b"".join(parts), dtype=np.uint8), isna


_DECODE_BYTES = 1 << 23


def _decode_strings(blob: np.ndarray, n: int) -> list[str]:
    raw = np.ascontiguousarray(blob, dtype=np.uint8)
    tag = raw[:1].tobytes()
    if tag == b"J":
        strings = json.loads(raw[1:].tobytes().decode("utf-8"))
    elif tag == b"N":
        strings = _split_nul_utf8(memoryview(raw)[1:]) if n else []
    else:
        raise IndexCorruptError("unknown string encoding")
    if len(strings) != n:
        raise IndexCorruptError("string column length mismatch")
    return strings


def _split_nul_utf8(body: memoryview) -> list[str]:
    """``bytes(body).decode("utf-8").split("\\x00")``, decoded a few MB at a time.

    Whole, the bytes, the decoded text and the strings would all be alive at once
    (≈ 250 MB for 10,000 plans). A NUL byte is never inside a UTF-8 sequence, so
    cutting after one keeps every piece decodable.
    """
    strings: list[str] = []
    start, step = 0, _DECODE_BYTES
    while True:
        chunk = bytes(body[start:start + step])
        if start + step >= len(body):
            strings.extend(chunk.decode("utf-8").split("\x00"))
            return strings
        cut = chunk.rfind(b"\x00")
        if cut < 0:  # one string longer than the window
            step *= 2
            continue
        strings.extend(chunk[:cut].decode("utf-8").split("\x00"))
        start += cut + 1


def _string_column(blob: np.ndarray, isna: np.ndarray, n: int) -> pd.Series:
    """A ``str`` column straight from a NUL-joined utf-8 blob (Arrow buffers, no Python strings)."""
    raw = np.asarray(blob, dtype=np.uint8)
    if raw[:1].tobytes() != b"N":
        values = np.array(_decode_strings(blob, n), dtype=object)
        values[isna] = np.nan
        return pd.Series(values, dtype="str")
    body = raw[1:]
    nul = np.flatnonzero(body == 0)
    if (len(nul) + 1 if n else 0) != n or (n == 0 and len(body)):
        raise IndexCorruptError("string column length mismatch")
    ends = np.append(nul, len(body)) if n else np.zeros(0, np.int64)
    lengths = ends - np.concatenate([[0], nul + 1])[:n] if n else ends
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    chars = body[body != 0] if len(nul) else body
    validity = pa.py_buffer(np.packbits(~isna, bitorder="little")) if isna.any() else None
    array = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(chars), validity)
    array.validate(full=True)  # raises on bytes that are not utf-8
    return pd.Series(pd.arrays.ArrowStringArray(array, dtype=pd.StringDtype("pyarrow", na_value=np.nan)))


def _state_arrays(state: _State) -> Iterator[tuple[str, np.ndarray | list[bytes]]]:
    """The arrays of the ``.npz`` file, made one at a time; text blobs as uint8 pieces."""
    header = {"format": _FORMAT, "version": _FORMAT_VERSION, "fingerprint": state.fingerprint,
              "rows": len(state.folded), "vocab_size": state.vocab.size,
              "segments": [[seg.base, seg.n_rows] for seg in state.segments]}
    yield "header", np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8)
    yield "year", state.meta["year"].to_numpy(dtype=np.int64)
    yield "plan_key", state.plan_key
    yield "item_key", state.item_key
    yield "vocab_table", state.vocab.table
    yield "themes", np.frombuffer(json.dumps([list(t) for t in state.meta["themes"]],
                                             ensure_ascii=False).encode("utf-8"), dtype=np.uint8)
    yield "folded", _encoded_parts(state.folded)[0]
    for column in _TEXT_COLUMNS:
        parts, isna = _encoded_parts(state.meta[column])
        yield f"col_{column}", parts
        del parts
        yield f"na_{column}", isna
    for i, seg in enumerate(state.segments):
        yield from ((f"seg{i}_keys", seg.keys), (f"seg{i}_offsets", seg.offsets), (f"seg{i}_local", seg.local),
                    (f"seg{i}_tfs", seg.tfs), (f"seg{i}_first", seg.first))


def _shared_meta(items: pd.DataFrame | None, saved_ids: pd.Series,
                 folded: list[str]) -> pd.DataFrame | None:
    """``items`` prepared as metadata if it lines up with the saved rows, else None."""
    if items is None or len(items) != len(saved_ids):
        return None
    try:
        meta = _prepare_meta(items)
    except ValueError:
        return None
    if not meta["item_id"].equals(saved_ids.astype(meta["item_id"].dtype)):
        return None
    n = len(meta)
    texts = meta["text"]
    if any(folded[r] != fold(texts.iat[r]) for r in range(0, n, max(1, n // _SPOT_CHECKS))):
        return None
    return meta


def _saved_meta(data: Any, n: int) -> pd.DataFrame:
    """The metadata columns stored in the file."""
    data_cols: dict[str, Any] = {}
    for column in _TEXT_COLUMNS:
        isna = data[f"na_{column}"]
        assert isna.shape == (n,) and isna.dtype == bool
        data_cols[column] = _string_column(data[f"col_{column}"], isna, n)
    meta = pd.DataFrame({
        **{c: data_cols[c] for c in _TEXT_COLUMNS},
        "year": data["year"],
        "themes": [tuple(t) for t in json.loads(data["themes"].tobytes().decode("utf-8"))],
    })[META_COLUMNS]
    if meta["text"].hasnans:
        meta["text"] = meta["text"].fillna("")
    return meta


def _state_from_arrays(header: dict, data: Any, items: pd.DataFrame | None = None) -> _State:
    n = int(header["rows"])
    folded = _decode_strings(data["folded"], n)
    shared = None
    if items is not None:
        shared = _shared_meta(items, _string_column(data["col_item_id"], data["na_item_id"], n), folded)
    if shared is not None:
        meta = shared
    else:
        meta = _saved_meta(data, n)
    segments = []
    for i, (base, n_rows) in enumerate(header["segments"]):
        seg = _Segment(data[f"seg{i}_keys"], data[f"seg{i}_offsets"], data[f"seg{i}_local"],
                       data[f"seg{i}_tfs"], data[f"seg{i}_first"], int(base), int(n_rows))
        _check_segment(seg, n)
        segments.append(seg)
    plan_key, item_key = data["plan_key"], data["item_key"]
    assert len(meta) == n and plan_key.shape == (n,) and item_key.shape == (n,) and len(meta["themes"]) == n
    table = data["vocab_table"]
    assert table.dtype == np.uint16 and table.shape == (0x110000,) and int(table.max(initial=0)) <= _OTHER_ID
    vocab = _Vocab(table, int(header["vocab_size"]))
    return _State(meta, folded, plan_key, item_key, segments, vocab, np.ones(n, dtype=bool),
                  header["fingerprint"])


def _check_segment(seg: _Segment, n_rows: int) -> None:
    ok = (seg.keys.dtype == np.uint64 and seg.local.dtype == np.uint16 and seg.tfs.dtype == np.uint8
          and seg.offsets.dtype == np.int64 and len(seg.offsets) == len(seg.keys) + 1
          and len(seg.local) == len(seg.tfs) and seg.first.dtype == np.uint16
          and seg.n_unigram_postings == int(seg.offsets[np.searchsorted(seg.keys, np.uint64(1 << _ID_BITS))])
          and seg.offsets[0] == 0 and seg.offsets[-1] == len(seg.local)
          and bool(np.all(np.diff(seg.offsets) > 0)) and bool(np.all(seg.keys[1:] > seg.keys[:-1]))
          and 0 <= seg.base and seg.base + seg.n_rows <= n_rows and seg.n_rows <= SEGMENT_ROWS
          and (len(seg.local) == 0 or int(seg.local.max()) < seg.n_rows))
    if not ok:
        raise IndexCorruptError("inconsistent posting segment")


__all__ = ["SearchIndex", "Matches", "IndexCorruptError", "KeywordQuery", "parse_keyword_query",
           "highlight_html", "snippet_html", "kwic", "empty_result", "MODES", "RESULT_COLUMNS",
           "KWIC_COLUMNS"]
