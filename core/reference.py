"""对标检查: has each organ taken up the tasks a reference plan set, item by item?

For every task item of the reference plan (say 市直机关工委's plan) and every other
plan, the other plan's best-matching item by the combined score of
:mod:`core.similarity` (wording TF-IDF cosine and shared themes), and a status:

* 已部署 — score ≥ :data:`DEPLOYED_MIN`: an item whose main content is this task;
* 部分涉及 — score ≥ :data:`PARTIAL_MIN`: the task is only touched inside another item;
* 未见部署 — below that: nothing found.

The thresholds were chosen on 68 hand-labelled pairs read from the sample plans
(``tests/data/reference_pairs.json``): status right for 50/68 (74 %; 63 % when each
reference item's pairs are left out of the threshold choice); "deployed at all or
not" right for 63/68; the matched item is one a reader accepts for 48/58. The status
is a lead for a supervisor to read, not a verdict.

>>> df = reference_check(lib, "004_9c5b98e22b1f5069")            # doctest: +SKIP
>>> df[["reference_title", "organ", "status", "match_title", "score"]]  # doctest: +SKIP
>>> reference_xlsx(df)[:2]                                         # doctest: +SKIP
b'PK'
"""
from __future__ import annotations

from typing import Any, Iterable, NamedTuple

import pandas as pd

from .analysis import plan_labels
from .export import to_xlsx_bytes
from .similarity import library_similarity

DEPLOYED = "已部署"
PARTIAL = "部分涉及"
NOT_FOUND = "未见部署"
STATUSES = (DEPLOYED, PARTIAL, NOT_FOUND)
DEPLOYED_MIN = 0.17
PARTIAL_MIN = 0.11

REFERENCE_COLUMNS = [
    "reference_item_id", "reference_marker", "reference_title", "plan_id", "organ", "year",
    "status", "score", "text_similarity", "theme_overlap", "shared_themes",
    "match_item_id", "match_marker", "match_title", "match_text",
]
REFERENCE_HEADERS = {
    "reference_item_id": "对标条目编号", "reference_marker": "对标条目序号", "reference_title": "对标任务",
    "plan_id": "计划编号", "organ": "单位", "year": "年度", "status": "部署情况", "score": "综合得分",
    "text_similarity": "措辞相似度", "theme_overlap": "主题重合度", "shared_themes": "共同主题",
    "match_item_id": "最接近条目编号", "match_marker": "最接近条目序号", "match_title": "最接近条目",
    "match_text": "最接近条目原文",
}


def status_for(score: float) -> str:
    """The status a combined score earns.

    >>> status_for(0.30), status_for(0.12), status_for(0.05)
    ('已部署', '部分涉及', '未见部署')
    """
    if score >= DEPLOYED_MIN:
        return DEPLOYED
    if score >= PARTIAL_MIN:
        return PARTIAL
    return NOT_FOUND


def reference_check(lib: Any, reference_plan_id: str, organs: Iterable[str] | None = None) -> pd.DataFrame:
    """One row per reference item × other plan: best match, its scores and status.

    ``organs`` keeps only plans of these organs (display names) or plan ids.

    >>> df = reference_check(lib, "004_9c5b98e22b1f5069", organs=["市委政研室"])  # doctest: +SKIP
    >>> df.loc[0, ["reference_title", "status", "match_title"]].tolist()           # doctest: +SKIP
    ['学深悟透习近平新时代中国特色社会主义思想', '已部署', '深学笃用XXX新时代中国特色社会主义思想']
    """
    plans = lib.plans
    if reference_plan_id not in set(plans["plan_id"]):
        raise KeyError(f"计划库中没有编号为 {reference_plan_id} 的计划")
    others = plans[plans["plan_id"] != reference_plan_id]
    if organs is not None:
        wanted = set(organs)
        others = others[others["organ"].isin(wanted) | others["plan_id"].isin(wanted)]
    items = lib.items
    reference = items[items["plan_id"] == reference_plan_id]
    if reference.empty or others.empty:
        return pd.DataFrame(columns=REFERENCE_COLUMNS)
    sim = library_similarity(lib)
    best = sim.best_per_plan([sim.row_of[i] for i in reference["item_id"]])
    column_of = {pid: k for k, pid in enumerate(best.plans)}
    # Plain dicts and lists: per-row DataFrame.loc is what made this slow at 1,000 plans.
    ids = items["item_id"].tolist()
    marker_of = dict(zip(ids, items["marker"].tolist()))
    title_of = dict(zip(ids, items["title"].tolist()))
    text_of = dict(zip(ids, items["text"].tolist()))
    theme_sets = {i: set(t) for i, t in zip(ids, items["themes"].tolist())}
    other_plans = list(zip(others["plan_id"].tolist(), others["organ"].tolist(), others["year"].tolist()))
    rows = []
    for q, ref in enumerate(reference.itertuples(index=False)):
        for plan in (_Plan(*p) for p in other_plans):
            k = column_of.get(plan.plan_id)
            row = best.rows[q, k] if k is not None else -1
            base = {"reference_item_id": ref.item_id, "reference_marker": ref.marker,
                    "reference_title": ref.title, "plan_id": plan.plan_id, "organ": plan.organ,
                    "year": plan.year}
            if row < 0:
                rows.append({**base, "status": NOT_FOUND, "score": 0.0, "text_similarity": 0.0,
                             "theme_overlap": 0.0, "shared_themes": (), "match_item_id": "",
                             "match_marker": "", "match_title": "", "match_text": ""})
                continue
            match_id = str(best.item_ids[q, k])
            score = float(best.score[q, k])
            shared = tuple(t for t in ref.themes if t in theme_sets[match_id])
            rows.append({**base, "status": status_for(score), "score": round(score, 4),
                         "text_similarity": round(float(best.text[q, k]), 4),
                         "theme_overlap": round(float(best.theme[q, k]), 4), "shared_themes": shared,
                         "match_item_id": match_id, "match_marker": marker_of[match_id],
                         "match_title": title_of[match_id], "match_text": text_of[match_id]})
    out = pd.DataFrame(rows, columns=REFERENCE_COLUMNS)
    out["year"] = out["year"].astype("Int64")
    return out


class _Plan(NamedTuple):
    plan_id: str
    organ: str
    year: Any


def reference_matrix(df: pd.DataFrame) -> pd.DataFrame:
    """Reference tasks × organs, each cell the status (the overview a supervisor scans).

    >>> reference_matrix(reference_check(lib, "004_9c5b98e22b1f5069"))  # doctest: +SKIP
    """
    if df.empty:
        return pd.DataFrame()
    out = df.pivot(index="reference_item_id", columns="plan_id", values="status")
    out = out.reindex(index=list(dict.fromkeys(df["reference_item_id"])),
                      columns=list(dict.fromkeys(df["plan_id"])))
    first = df.drop_duplicates("reference_item_id").set_index("reference_item_id")
    out.index = _unique_labels(
        [f"{first.at[i, 'reference_marker']} {first.at[i, 'reference_title']}" for i in out.index],
        list(out.index))
    labels = plan_labels(df.drop_duplicates("plan_id"))
    out.columns = [labels[p] for p in out.columns]
    out.index.name, out.columns.name = "对标任务", "单位"
    counts = out.apply(lambda row: (row == DEPLOYED).sum(), axis=1)
    return out.assign(已部署单位数=counts.astype("int64"))


def _unique_labels(labels: list[str], ids: list[str]) -> list[str]:
    """Labels as given, except that repeated ones get their id appended so rows stay apart
    (two tasks with the same number and title, two files of one organ and year)."""
    repeated = pd.Series(labels).duplicated(keep=False).tolist()
    return [f"{label}〔{key}〕" if dup else label for label, key, dup in zip(labels, ids, repeated)]


def reference_xlsx(df: pd.DataFrame, taxonomy: Any | None = None) -> bytes:
    """An .xlsx workbook: 汇总 (tasks × organs) and 明细 (every pair, Chinese headers).

    ``taxonomy`` (``lib.taxonomy``) turns shared theme ids into their Chinese names.
    """
    detail = df.copy()
    if taxonomy is not None and not detail.empty:
        names = {t.id: t.name for t in taxonomy.themes}
        detail["shared_themes"] = [tuple(names.get(t, t) for t in ts) for ts in detail["shared_themes"]]
    summary = reference_matrix(df).reset_index() if not df.empty else pd.DataFrame({"对标任务": []})
    return to_xlsx_bytes({"汇总": summary, "明细": detail}, headers=REFERENCE_HEADERS)


__all__ = ["reference_check", "reference_matrix", "reference_xlsx", "status_for", "STATUSES",
           "DEPLOYED", "PARTIAL", "NOT_FOUND", "DEPLOYED_MIN", "PARTIAL_MIN", "REFERENCE_COLUMNS"]
