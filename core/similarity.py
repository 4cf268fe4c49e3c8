"""How alike two task items are: wording (character n-gram TF-IDF cosine) and themes.

The vectors are fitted on a library's own items: character 2- and 3-grams of the
folded text (:func:`core.normalize.fold`), never across punctuation, with
sublinear term frequency and smoothed IDF, rows L2-normalised. Wording shared by
every plan ("习近平新时代中国特色社会主义思想") weighs little; rare shared wording weighs much.

The combined score used for "has this task been taken up" mixes wording and the
Jaccard overlap of the two items' themes (see :data:`TEXT_WEIGHT`).

>>> import pandas as pd
>>> items = pd.DataFrame({"item_id": ["a:1.1", "b:1.1", "b:1.2"], "plan_id": ["a", "b", "b"],
...     "text": ["严格落实“三会一课”制度。", "认真落实“三会一课”制度。", "开展主题党日。"],
...     "themes": [("org_life",), ("org_life",), ("org_life",)]})
>>> sim = ItemSimilarity(items)
>>> best = sim.best_per_plan([0])
>>> best.item_ids[0, 1], round(float(best.text[0, 1]), 2), round(float(best.score[0, 1]), 2)
('b:1.1', 0.5, 0.65)
"""
from __future__ import annotations

import re
import threading
import weakref
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy import sparse

from .normalize import fold

# Wording carries the match; shared themes settle close calls (see tests/test_reference.py).
TEXT_WEIGHT = 0.7
THEME_WEIGHT = 1.0 - TEXT_WEIGHT
BLOCK_ROWS = 512  # rows per dense block of scores: 512 × 20,000 items ≈ 40 MB float32

_NOT_WORD = re.compile(r"[^\w]+")
_CODE_BITS = np.uint64(21)


@dataclass(frozen=True)
class BestPerPlan:
    """For some query items, their best match in every plan (``plans`` order).

    ``score``, ``text`` and ``theme`` are (queries × plans) arrays for the best item by
    combined score; ``rows`` is its row in the similarity index (-1 for a plan without items).
    """

    plans: list[str]
    rows: np.ndarray
    item_ids: np.ndarray
    score: np.ndarray
    text: np.ndarray
    theme: np.ndarray


class ItemSimilarity:
    """TF-IDF vectors and theme sets of a frame of items (``item_id``, ``plan_id``, ``text``, ``themes``).

    Rows follow the frame's order; items of a plan must be contiguous for
    :meth:`best_per_plan` (``Library.items`` is).
    """

    def __init__(self, items: pd.DataFrame) -> None:
        self.item_ids = items["item_id"].to_numpy(dtype=object, copy=True)
        self.plan_ids = items["plan_id"].to_numpy(dtype=object, copy=True)
        self.row_of = {item_id: row for row, item_id in enumerate(self.item_ids)}
        self.vectors = tfidf_vectors(items["text"].fillna("").astype(str).tolist())
        self.vectors_t = self.vectors.T.tocsr()
        themes = items["themes"] if "themes" in items.columns else pd.Series([()] * len(items))
        self.themes, self.theme_counts = _theme_matrix([tuple(t) if isinstance(t, (tuple, list)) else ()
                                                        for t in themes])
        starts = np.flatnonzero(np.r_[True, self.plan_ids[1:] != self.plan_ids[:-1]]) if len(items) else np.zeros(0, int)
        self.plan_order = [str(self.plan_ids[s]) for s in starts]
        if len(set(self.plan_order)) != len(self.plan_order):
            raise ValueError("items of a plan must be contiguous")
        self.plan_starts = starts
        self.plan_sizes = np.diff(np.r_[starts, len(items)])

    def __len__(self) -> int:
        return len(self.item_ids)

    def rows_of_plan(self, plan_id: str) -> np.ndarray:
        return np.flatnonzero(self.plan_ids == plan_id)

    def text_scores(self, rows: Sequence[int], columns: Sequence[int] | None = None) -> np.ndarray:
        """Cosine of wording, (rows × all items) or (rows × columns), float32."""
        rows = np.asarray(rows, dtype=np.int64)
        right = self.vectors_t if columns is None else self.vectors[np.asarray(columns, dtype=np.int64)].T.tocsr()
        return np.asarray((self.vectors[rows] @ right).todense(), dtype=np.float32)

    def theme_scores(self, rows: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """Jaccard of theme sets (rows × all items), and whether either side has themes."""
        rows = np.asarray(rows, dtype=np.int64)
        shared = np.asarray((self.themes[rows] @ self.themes.T).todense(), dtype=np.float32)
        union = self.theme_counts[rows][:, None] + self.theme_counts[None, :] - shared
        with np.errstate(invalid="ignore", divide="ignore"):
            jaccard = np.where(union > 0, shared / union, 0.0).astype(np.float32)
        return jaccard, union > 0

    def scores(self, rows: Sequence[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(combined, text, theme) scores of ``rows`` against every item.

        Combined = TEXT_WEIGHT·text + THEME_WEIGHT·theme, or the text score alone when
        neither item has a theme (an untagged pair says nothing about themes).
        """
        text = self.text_scores(rows)
        theme, has_themes = self.theme_scores(rows)
        combined = np.where(has_themes, TEXT_WEIGHT * text + THEME_WEIGHT * theme, text)
        return combined.astype(np.float32), text, theme

    def best_per_plan(self, rows: Sequence[int], by: str = "combined") -> BestPerPlan:
        """Each query row's best item in every plan, by ``combined`` or ``text`` score."""
        rows = np.asarray(rows, dtype=np.int64)
        n_plans = len(self.plan_order)
        out_rows = np.full((len(rows), n_plans), -1, dtype=np.int64)
        out = {k: np.zeros((len(rows), n_plans), dtype=np.float32) for k in ("score", "text", "theme")}
        for lo in range(0, len(rows), BLOCK_ROWS):
            block = rows[lo:lo + BLOCK_ROWS]
            combined, text, theme = self.scores(block)
            key = combined if by == "combined" else text
            best = _argmax_per_segment(key, self.plan_starts, self.plan_sizes)
            picked = np.arange(len(block))[:, None]
            out_rows[lo:lo + len(block)] = best
            for name, values in (("score", combined), ("text", text), ("theme", theme)):
                out[name][lo:lo + len(block)] = values[picked, best]
        ids = self.item_ids[out_rows] if len(rows) else np.empty((0, n_plans), dtype=object)
        return BestPerPlan(list(self.plan_order), out_rows, ids, out["score"], out["text"], out["theme"])

    def pairs_above(self, threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Item pairs (i < j, different plans) whose wording cosine is at least ``threshold``."""
        left, right, values = [], [], []
        plan_codes = pd.factorize(pd.Series(self.plan_ids, dtype=object))[0]
        for lo in range(0, len(self), BLOCK_ROWS):
            hi = min(lo + BLOCK_ROWS, len(self))
            product = (self.vectors[lo:hi] @ self.vectors_t).tocoo()
            i = product.row.astype(np.int64) + lo
            j = product.col.astype(np.int64)
            keep = (product.data >= threshold - 1e-6) & (i < j) & (plan_codes[i] != plan_codes[j])
            left.append(i[keep]), right.append(j[keep]), values.append(product.data[keep])
        if not left:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
        return np.concatenate(left), np.concatenate(right), np.concatenate(values).astype(np.float32)


def tfidf_vectors(texts: Sequence[str]) -> sparse.csr_matrix:
    """L2-normalised TF-IDF rows over character 2/3-grams of the folded texts.

    >>> m = tfidf_vectors(["三会一课", "三会一课", "主题党日"])
    >>> round(float((m[0] @ m[1].T).toarray()[0, 0]), 3), float((m[0] @ m[2].T).toarray()[0, 0])
    (1.0, 0.0)
    """
    n = len(texts)
    runs = [_NOT_WORD.sub("\0", fold(t)) for t in texts]
    joined = "\0".join(runs)
    if n == 0 or not joined.replace("\0", ""):
        return sparse.csr_matrix((n, 0), dtype=np.float32)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    lengths = np.fromiter((len(r) + 1 for r in runs), dtype=np.int64, count=n)
    doc = np.repeat(np.arange(n), lengths)[:len(codes)]
    filled = codes != 0
    keys, docs = [], []
    for width in (2, 3):
        if len(codes) < width:
            continue
        m = len(codes) - width + 1
        ok = np.ones(m, dtype=bool)
        key = np.zeros(m, dtype=np.uint64)
        for k in range(width):
            ok &= filled[k:k + m]
            key |= codes[k:k + m] << (_CODE_BITS * np.uint64(2 - k))
        keys.append(key[ok])
        docs.append(doc[:m][ok])
    key = np.concatenate(keys)
    doc = np.concatenate(docs)
    vocab, column = _sorted_codes(key)
    counts = sparse.csr_matrix((np.ones(len(key), dtype=np.float32), (doc, column)),
                               shape=(n, len(vocab)))
    counts.sum_duplicates()
    df = np.bincount(counts.indices, minlength=len(vocab)).astype(np.float32)
    idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
    counts.data = (1.0 + np.log(counts.data)) * idf[counts.indices]
    norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms).astype(np.float32) @ counts, dtype=np.float32)


def _sorted_codes(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(key, return_inverse=True)``, by hashing first and sorting only the distinct
    keys (millions of n-grams, far fewer distinct ones: several times faster than argsort)."""
    codes, uniques = pd.factorize(key, sort=False)
    uniques = np.asarray(uniques, dtype=key.dtype)
    order = np.argsort(uniques, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return uniques[order], rank[codes]


def _theme_matrix(themes: list[tuple]) -> tuple[sparse.csr_matrix, np.ndarray]:
    names = sorted({t for ts in themes for t in ts})
    column = {t: i for i, t in enumerate(names)}
    pairs = [(r, column[t]) for r, ts in enumerate(themes) for t in set(ts)]
    rows = [r for r, _ in pairs]
    cols = [c for _, c in pairs]
    matrix = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                               shape=(len(themes), len(names)))
    return matrix, np.asarray(matrix.sum(axis=1), dtype=np.float32).ravel()


def _argmax_per_segment(values: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Column of the maximum of ``values`` within each column segment, per row (-1 if empty)."""
    n_rows = values.shape[0]
    out = np.full((n_rows, len(starts)), -1, dtype=np.int64)
    present = sizes > 0
    if not present.any() or n_rows == 0:
        return out
    nonempty = starts[present]
    maxima = np.maximum.reduceat(values, nonempty, axis=1)
    spread = np.repeat(maxima, sizes[present], axis=1)
    columns = np.broadcast_to(np.arange(values.shape[1]), values.shape)
    first = np.where(values >= spread, columns, values.shape[1])
    out[:, present] = np.minimum.reduceat(first, nonempty, axis=1)
    return out


_CACHE: "weakref.WeakKeyDictionary[Any, tuple[int, ItemSimilarity]]" = weakref.WeakKeyDictionary()
_CACHE_LOCK = threading.Lock()


def library_similarity(lib: Any) -> ItemSimilarity:
    """The :class:`ItemSimilarity` of ``lib.items``, built once per library object."""
    with _CACHE_LOCK:
        cached = _CACHE.get(lib)
        if cached is not None and cached[0] == id(lib.items):
            return cached[1]
    built = ItemSimilarity(lib.items)
    with _CACHE_LOCK:
        _CACHE[lib] = (id(lib.items), built)
    return built


__all__ = ["ItemSimilarity", "BestPerPlan", "library_similarity", "tfidf_vectors",
           "TEXT_WEIGHT", "THEME_WEIGHT"]
