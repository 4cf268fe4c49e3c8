"""What changed in an organ's plan from one year to another: items and themes.

Items of the two years are paired one to one, most similar wording first (cosine of
:mod:`core.similarity`), as long as the pair reaches :data:`CARRY_MIN`. Paired items
are carried over (原文未变 or 措辞调整); the rest of the earlier year were dropped and
the rest of the later year are new.

>>> change = year_over_year(lib, "市直机关工委", 2022, 2023)         # doctest: +SKIP
>>> change["added"][["marker", "title"]], change["themes_lost"]       # doctest: +SKIP
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .normalize import fold
from .similarity import library_similarity

# Another organ's item on the same task in its own words scores up to ~0.35 in the
# samples; one organ's item kept with edits from one year to the next stays above it.
CARRY_MIN = 0.4
UNCHANGED = "原文未变"
REWORDED = "措辞调整"

CARRIED_COLUMNS = ["item_id_a", "marker_a", "title_a", "item_id_b", "marker_b", "title_b",
                   "similarity", "change", "text_a", "text_b"]
ITEM_COLUMNS = ["item_id", "section_title", "marker", "title", "text", "nearest_item_id",
                "nearest_title", "nearest_similarity"]
THEME_COLUMNS = ["theme", "theme_name", "dimension", "items_a", "items_b", "change"]


def year_over_year(lib: Any, organ: str, year_a: int, year_b: int) -> dict[str, Any]:
    """Items carried over, added and dropped, and themes gained or lost, from ``year_a`` to ``year_b``.

    Returns a dict: ``plans_a`` / ``plans_b`` (plan ids), ``carried`` (pairs with their
    similarity and 原文未变/措辞调整), ``added``, ``dropped`` (each with its nearest item
    in the other year, below the threshold), ``themes`` (per theme: item counts in
    both years and 新增/不再涉及/增多/减少/持平), ``themes_gained`` and ``themes_lost``
    (theme ids). Raises ValueError (Chinese) if the organ has no plan in either year.
    """
    plans_a, items_a = _plan_items(lib, organ, year_a)
    plans_b, items_b = _plan_items(lib, organ, year_b)
    sim = library_similarity(lib)
    rows_a = np.array([sim.row_of[i] for i in items_a["item_id"]], dtype=np.int64)
    rows_b = np.array([sim.row_of[i] for i in items_b["item_id"]], dtype=np.int64)
    scores = sim.text_scores(rows_a, rows_b) if len(rows_a) and len(rows_b) else np.zeros((len(rows_a), len(rows_b)))
    pairs = _greedy_pairs(scores, CARRY_MIN)
    carried = pd.DataFrame([_carried_row(items_a.iloc[i], items_b.iloc[j], scores[i, j]) for i, j in pairs],
                           columns=CARRIED_COLUMNS)
    paired_a = {i for i, _ in pairs}
    paired_b = {j for _, j in pairs}
    dropped = _unpaired(items_a, items_b, scores, paired_a)
    added = _unpaired(items_b, items_a, scores.T, paired_b)
    themes = _theme_changes(lib, items_a, items_b)
    return {
        "organ": organ, "year_a": year_a, "year_b": year_b, "plans_a": plans_a, "plans_b": plans_b,
        "carried": carried, "added": added, "dropped": dropped, "themes": themes,
        "themes_gained": themes.loc[themes["change"] == "新增", "theme"].tolist(),
        "themes_lost": themes.loc[themes["change"] == "不再涉及", "theme"].tolist(),
    }


def _plan_items(lib: Any, organ: str, year: int) -> tuple[list[str], pd.DataFrame]:
    plans = lib.plans[(lib.plans["organ"] == organ) & (lib.plans["year"] == year)]
    if plans.empty:
        raise ValueError(f"计划库中没有“{organ}”{year}年的计划")
    plan_ids = plans["plan_id"].tolist()
    items = lib.items[lib.items["plan_id"].isin(plan_ids)].reset_index(drop=True)
    return plan_ids, items


def _greedy_pairs(scores: np.ndarray, threshold: float) -> list[tuple[int, int]]:
    """One-to-one pairs, highest score first, each at least ``threshold``; in row order."""
    if scores.size == 0:
        return []
    flat = np.argsort(-scores, axis=None, kind="stable")
    used_a, used_b, pairs = set(), set(), []
    for k in flat:
        i, j = divmod(int(k), scores.shape[1])
        if scores[i, j] < threshold:
            break
        if i not in used_a and j not in used_b:
            used_a.add(i), used_b.add(j)
            pairs.append((i, j))
    return sorted(pairs)


def _carried_row(a: pd.Series, b: pd.Series, score: float) -> dict:
    same = fold(a["text"]) == fold(b["text"])
    return {"item_id_a": a["item_id"], "marker_a": a["marker"], "title_a": a["title"],
            "item_id_b": b["item_id"], "marker_b": b["marker"], "title_b": b["title"],
            "similarity": round(float(score), 4), "change": UNCHANGED if same else REWORDED,
            "text_a": a["text"], "text_b": b["text"]}


def _unpaired(items: pd.DataFrame, other: pd.DataFrame, scores: np.ndarray, paired: set[int]) -> pd.DataFrame:
    rows = []
    for i in range(len(items)):
        if i in paired:
            continue
        item = items.iloc[i]
        j = int(scores[i].argmax()) if scores.shape[1] else -1
        rows.append({"item_id": item["item_id"], "section_title": item["section_title"],
                     "marker": item["marker"], "title": item["title"], "text": item["text"],
                     "nearest_item_id": other.iloc[j]["item_id"] if j >= 0 else "",
                     "nearest_title": other.iloc[j]["title"] if j >= 0 else "",
                     "nearest_similarity": round(float(scores[i, j]), 4) if j >= 0 else 0.0})
    return pd.DataFrame(rows, columns=ITEM_COLUMNS)


def _theme_changes(lib: Any, items_a: pd.DataFrame, items_b: pd.DataFrame) -> pd.DataFrame:
    def counts(items: pd.DataFrame) -> dict[str, int]:
        out: dict[str, int] = {}
        for themes in items["themes"]:
            for t in themes:
                out[t] = out.get(t, 0) + 1
        return out

    in_a, in_b = counts(items_a), counts(items_b)
    rows = []
    for theme in lib.taxonomy.themes:
        a, b = in_a.get(theme.id, 0), in_b.get(theme.id, 0)
        change = ("新增" if a == 0 and b > 0 else "不再涉及" if a > 0 and b == 0 else
                  "增多" if b > a else "减少" if b < a else "持平")
        rows.append((theme.id, theme.name, theme.dimension, a, b, change))
    return pd.DataFrame(rows, columns=THEME_COLUMNS)


__all__ = ["year_over_year", "CARRY_MIN", "UNCHANGED", "REWORDED"]
