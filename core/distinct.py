"""Shared wording versus an organ's own tasks.

* :func:`cluster_items` groups near-duplicate items across plans — wording taken
  over from a superior document;
* :func:`distinctive_items` lists a plan's 特色任务: items whose wording no other
  organ's item comes close to;
* :func:`organ_similarity` is an organ × organ matrix of how alike two plans read.

All use the wording cosine of :mod:`core.similarity` (themes play no part: two
items on the same theme in different words are not boilerplate).

>>> clusters = cluster_items(lib)                                    # doctest: +SKIP
>>> clusters[clusters["organs_in_cluster"] > 1]                      # doctest: +SKIP
>>> distinctive_items(lib, "000_c066458c1de48185")["title"].tolist()  # doctest: +SKIP
>>> organ_similarity(lib).round(2)                                   # doctest: +SKIP
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .analysis import plan_labels
from .similarity import BLOCK_ROWS, library_similarity

# In the samples the one pair sharing a superior document's sentences (思想政治工作,
# 市委政研室 × 市场监管某局) scores 0.50; the next pair, two organs' own words on
# theory study, 0.35. Lightly edited copies score above 0.8.
DUPLICATE_MIN = 0.45
# The samples' lowest decile of "best match in another organ" is 0.06–0.07:
# 亚运时间、机关妇女工作、画好“同心圆”… ; the median is 0.14.
DISTINCT_MAX = 0.08

CLUSTER_COLUMNS = ["item_id", "plan_id", "organ", "year", "marker", "title", "cluster_id",
                   "cluster_size", "organs_in_cluster", "nearest_item_id", "nearest_similarity"]
NEAREST_COLUMNS = ["item_id", "plan_id", "organ", "year", "marker", "title", "text",
                   "best_item_id", "best_organ", "best_title", "best_similarity", "distinctive"]


def cluster_items(lib: Any, threshold: float = DUPLICATE_MIN) -> pd.DataFrame:
    """Every item with its cluster of near-duplicates in other plans (wording cosine ≥ ``threshold``).

    Clusters are connected components of the "near-duplicate" links; an item with no
    link is a cluster of one. ``cluster_id`` numbers clusters by first appearance.

    >>> df = cluster_items(lib, threshold=0.45)                       # doctest: +SKIP
    >>> df.loc[df["organs_in_cluster"] > 1, ["organ", "title", "cluster_id"]]  # doctest: +SKIP
    """
    items = lib.items
    if items.empty:
        return pd.DataFrame(columns=CLUSTER_COLUMNS)
    sim = library_similarity(lib)
    n = len(sim)
    left, right, values = sim.pairs_above(threshold)
    graph = coo_matrix((np.ones(len(left)), (left, right)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    first_seen = pd.factorize(pd.Series(labels))[0] + 1
    sizes = np.bincount(first_seen)[first_seen]
    organs = items["organ"].to_numpy(dtype=object)
    organ_count = pd.Series(organs).groupby(first_seen).nunique()
    nearest = np.full(n, -1, dtype=np.int64)
    nearest_value = np.zeros(n, dtype=np.float32)
    for a, b, v in zip(np.r_[left, right], np.r_[right, left], np.r_[values, values]):
        if v > nearest_value[a]:
            nearest[a], nearest_value[a] = b, v
    out = pd.DataFrame({
        "item_id": items["item_id"].to_numpy(), "plan_id": items["plan_id"].to_numpy(),
        "organ": organs, "year": items["year"].to_numpy(), "marker": items["marker"].to_numpy(),
        "title": items["title"].to_numpy(), "cluster_id": first_seen.astype(np.int64),
        "cluster_size": sizes.astype(np.int64),
        "organs_in_cluster": organ_count.reindex(first_seen).to_numpy(dtype=np.int64),
        "nearest_item_id": np.where(nearest >= 0, sim.item_ids[nearest], ""),
        "nearest_similarity": np.round(nearest_value.astype(np.float64), 4),
    }, columns=CLUSTER_COLUMNS)
    out["year"] = out["year"].astype("Int64")
    for column in ("item_id", "plan_id", "organ", "marker", "title", "nearest_item_id"):
        out[column] = out[column].astype("str")
    return out


def nearest_elsewhere(lib: Any, plan_id: str, threshold: float = DISTINCT_MAX) -> pd.DataFrame:
    """Each item of ``plan_id`` with its closest wording in another organ's plans.

    ``distinctive`` is True when even that closest item stays below ``threshold``.
    Plans of the same organ (other years) do not count as "elsewhere".
    """
    items = lib.items
    own = items[items["plan_id"] == plan_id]
    if plan_id not in set(lib.plans["plan_id"]):
        raise KeyError(f"计划库中没有编号为 {plan_id} 的计划")
    if own.empty:
        return pd.DataFrame(columns=NEAREST_COLUMNS)
    sim = library_similarity(lib)
    organ = own["organ"].iloc[0]
    organ_of_plan = dict(zip(lib.plans["plan_id"], lib.plans["organ"]))
    best = sim.best_per_plan([sim.row_of[i] for i in own["item_id"]], by="text")
    elsewhere = np.array([organ_of_plan.get(p) != organ for p in best.plans], dtype=bool)
    text = np.where(elsewhere[None, :] & (best.rows >= 0), best.text, -1.0)
    pick = text.argmax(axis=1) if text.shape[1] else np.zeros(len(own), dtype=np.int64)
    found = text[np.arange(len(own)), pick] >= 0 if text.shape[1] else np.zeros(len(own), dtype=bool)
    best_ids = [str(best.item_ids[q, k]) if ok else "" for q, (k, ok) in enumerate(zip(pick, found))]
    by_id = items.set_index("item_id")
    scores = np.where(found, text[np.arange(len(own)), pick] if text.shape[1] else 0.0, 0.0)
    out = pd.DataFrame({
        "item_id": own["item_id"].to_numpy(), "plan_id": own["plan_id"].to_numpy(),
        "organ": own["organ"].to_numpy(), "year": own["year"].to_numpy(),
        "marker": own["marker"].to_numpy(), "title": own["title"].to_numpy(),
        "text": own["text"].to_numpy(),
        "best_item_id": best_ids,
        "best_organ": [by_id.at[i, "organ"] if i else "" for i in best_ids],
        "best_title": [by_id.at[i, "title"] if i else "" for i in best_ids],
        "best_similarity": np.round(scores.astype(np.float64), 4),
    })
    out["distinctive"] = out["best_similarity"] < threshold
    out["year"] = out["year"].astype("Int64")
    return out[NEAREST_COLUMNS]


def distinctive_items(lib: Any, plan_id: str, threshold: float = DISTINCT_MAX) -> pd.DataFrame:
    """特色任务: items of ``plan_id`` whose closest wording in any other organ's plan is below ``threshold``.

    Most distinctive first.

    >>> distinctive_items(lib, "000_c066458c1de48185")[["title", "best_similarity"]]  # doctest: +SKIP
    """
    near = nearest_elsewhere(lib, plan_id, threshold)
    return near[near["distinctive"]].sort_values("best_similarity", kind="stable").reset_index(drop=True)


def organ_similarity(lib: Any, year: int | None = None) -> pd.DataFrame:
    """Plans × plans (labelled by organ): mean over both plans' items of the best wording match in the other.

    Cell (A, B) = ½·(mean over A's items of the best cosine in B + the same from B to A);
    the diagonal is 1. Labels are organ names, with the year added when an organ has
    several plans. ``year`` keeps only that year's plans. All item pairs are scored,
    in blocks: about a minute and a half for 1,000 plans of 20 items.

    >>> organ_similarity(lib).round(2)                                # doctest: +SKIP
    """
    plans = lib.plans if year is None else lib.plans[lib.plans["year"] == year]
    plans = plans[plans["plan_id"].isin(set(lib.items["plan_id"]))]
    labels = list(plan_labels(plans).values())
    if plans.empty:
        return pd.DataFrame(dtype=float)
    sim = library_similarity(lib)
    wanted = set(plans["plan_id"])
    columns = [k for k, p in enumerate(sim.plan_order) if p in wanted]
    position = {sim.plan_order[k]: i for i, k in enumerate(columns)}
    totals = np.zeros((len(columns), len(columns)))
    rows = np.flatnonzero(np.isin(sim.plan_ids, list(wanted)))
    for lo in range(0, len(rows), BLOCK_ROWS):
        block = rows[lo:lo + BLOCK_ROWS]
        best = sim.best_per_plan(block, by="text").text[:, columns].astype(np.float64)
        own = np.array([position[p] for p in sim.plan_ids[block]])
        np.add.at(totals, own, best)
    sizes = np.array([len(sim.rows_of_plan(sim.plan_order[k])) for k in columns], dtype=np.float64)
    mean = totals / sizes[:, None]
    matrix = (mean + mean.T) / 2
    np.fill_diagonal(matrix, 1.0)
    order = [position[p] for p in plans["plan_id"]]
    label_of = dict(zip(plans["plan_id"], labels))
    names = [label_of[p] for p in plans["plan_id"]]
    frame = pd.DataFrame(np.round(matrix[np.ix_(order, order)], 4), index=names, columns=names)
    frame.index.name = "单位"
    return frame


__all__ = ["cluster_items", "distinctive_items", "nearest_elsewhere", "organ_similarity",
           "DUPLICATE_MIN", "DISTINCT_MAX"]
