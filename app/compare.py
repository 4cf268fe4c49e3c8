"""Shared pieces of the comparison pages (对标检查、特色任务、年度对比、承诺事项、单位画像).

The pairwise computations of :mod:`core.distinct` are O(n²) in items: they are cached
with ``st.cache_data`` keyed on the library's fingerprint, and beyond
:data:`FULL_LIBRARY_MAX_PLANS` plans they run only on the plans the sidebar keeps.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app.frame import View
from app.safe import html_text
from app.style import COUNT_COLORSCALE, PLOT_FONT
from core.commitments import commitments
from core.distinct import cluster_items, nearest_elsewhere, organ_similarity
from core.reference import DEPLOYED, NOT_FOUND, PARTIAL

FULL_LIBRARY_MAX_PLANS = 200

# Status cells: a symbol and the word, so colour is never the only cue.
STATUS_LABEL = {DEPLOYED: "● 已部署", PARTIAL: "◐ 部分涉及", NOT_FOUND: "○ 未见部署"}
STATUS_STYLE = {
    DEPLOYED: "background-color: #dcefdc; color: #14532d;",
    PARTIAL: "background-color: #fbefc9; color: #6b4a00;",
    NOT_FOUND: "background-color: #f7dada; color: #8a1c1c;",
}
_LABEL_STATUS = {v: k for k, v in STATUS_LABEL.items()}


TASK_COLUMN_PX = 360


def organ_column_px(label: str) -> int:
    """Width of an organ's status column: fits the label (about 14 px per character), at least 104 px."""
    return max(104, 14 * len(str(label)) + 28)


def status_cell_style(value: object) -> str:
    """CSS for a status cell of the reference table (``Styler.map``)."""
    return STATUS_STYLE.get(_LABEL_STATUS.get(str(value), str(value)), "")


# ---------------------------------------------------------------- plans and labels

def plan_option_label(plans: pd.DataFrame, plan_id: str) -> str:
    """Plain text for a selectbox: organ（year）."""
    row = plans[plans["plan_id"] == plan_id]
    if row.empty:
        return str(plan_id)
    row = row.iloc[0]
    year = int(row["year"]) if pd.notna(row["year"]) else "年度不详"
    return f"{row['organ']}（{year}）"


def plan_option_labels(plans: pd.DataFrame) -> dict[str, str]:
    """plan_id → organ（year） for every plan: one pass, for selectboxes over hundreds of plans."""
    return {p: f"{organ}（{year_text(year)}）"
            for p, organ, year in zip(plans["plan_id"].tolist(), plans["organ"].tolist(), plans["year"].tolist())}


def unique_labels(plan_ids: Sequence[str], labels: Mapping[str, str]) -> dict[str, str]:
    """plan_id → label, with a counter added where two plans would share a label."""
    out: dict[str, str] = {}
    used: dict[str, int] = {}
    for plan_id in plan_ids:
        base = str(labels.get(plan_id, plan_id))
        used[base] = used.get(base, 0) + 1
        out[plan_id] = base if used[base] == 1 else f"{base}#{used[base]}"
    return out


def year_text(year: object) -> str:
    return f"{int(year)}" if year is not None and pd.notna(year) else "年度不详"


# ---------------------------------------------------------------- pairwise scope and caching

class SubLibrary:
    """The part of a library :mod:`core.distinct` needs, restricted to some plans."""

    def __init__(self, lib, plan_ids: Iterable[str]) -> None:
        keep = set(plan_ids)
        self.plans = lib.plans[lib.plans["plan_id"].isin(keep)].reset_index(drop=True)
        self.items = lib.items[lib.items["plan_id"].isin(keep)].reset_index(drop=True)
        self.taxonomy = lib.taxonomy


@dataclass(frozen=True)
class Scope:
    """Which plans the pairwise comparisons run on."""

    plan_ids: tuple[str, ...] | None  # None: the whole library
    notice: str = ""
    too_many: bool = False


def pairwise_scope(view: View) -> Scope:
    total = len(view.lib.plans)
    if total <= FULL_LIBRARY_MAX_PLANS:
        return Scope(None)
    kept = view.plan_ids
    if (view.organs or view.years) and len(kept) <= FULL_LIBRARY_MAX_PLANS:
        return Scope(tuple(kept), f"计划库共有 {total} 份计划，两两比较全部计划耗时较长；"
                                  f"下面只比较左侧边栏筛选出的 {len(kept)} 份计划。")
    return Scope(None, f"计划库共有 {total} 份计划，两两比较全部计划耗时较长。请在左侧边栏选择单位或年度，"
                       f"把范围缩小到 {FULL_LIBRARY_MAX_PLANS} 份以内后再比较。", too_many=True)


@st.cache_data(show_spinner="正在两两比较各单位的计划……", max_entries=16)
def organ_similarity_cached(_lib, fingerprint: str, root: str,
                            plan_ids: tuple[str, ...] | None) -> pd.DataFrame:
    # ``fingerprint`` and ``root`` only key the cache.
    return organ_similarity(_lib if plan_ids is None else SubLibrary(_lib, plan_ids))


@st.cache_data(show_spinner="正在查找各单位措辞相同的条目……", max_entries=16)
def clusters_cached(_lib, fingerprint: str, root: str, plan_ids: tuple[str, ...] | None,
                    threshold: float) -> pd.DataFrame:
    return cluster_items(_lib if plan_ids is None else SubLibrary(_lib, plan_ids), threshold=threshold)


@st.cache_data(show_spinner="正在查找各单位的特色任务……", max_entries=16)
def distinct_counts_cached(_lib, fingerprint: str, root: str, plan_ids: tuple[str, ...]) -> pd.DataFrame:
    """plan_id → items, distinctive (特色任务) count."""
    rows = {}
    for plan_id in plan_ids:
        near = nearest_elsewhere(_lib, plan_id)
        rows[plan_id] = (len(near), int(near["distinctive"].sum()) if not near.empty else 0)
    return pd.DataFrame.from_dict(rows, orient="index", columns=["items", "distinctive"])


@st.cache_resource(show_spinner="正在查找量化目标和时间要求……", max_entries=8)
def commitments_cached(_lib, fingerprint: str, root: str,
                       plan_ids: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Commitments of ``plan_ids`` (None: the whole library), with each item's ``section_title``.

    Shared, not copied per rerun: callers only read it (filter into new frames).
    """
    found = commitments(_lib, plan_ids=plan_ids)
    sections = dict(zip(_lib.items["item_id"].tolist(), _lib.items["section_title"].tolist()))
    return found.assign(section_title=[sections.get(i, "") for i in found["item_id"].tolist()])


def cache_key(view: View) -> tuple[str, str]:
    return str(getattr(view.lib, "fingerprint", "")), str(view.lib.root)


# ---------------------------------------------------------------- charts

def similarity_heatmap(matrix: pd.DataFrame) -> go.Figure:
    """Organ × organ wording similarity, every cell annotated with its value (diagonal: —)."""
    labels = [html_text(x) for x in matrix.columns]
    values = matrix.to_numpy(dtype=float).copy()
    n = len(labels)
    off = [values[i][j] for i in range(n) for j in range(n) if i != j]
    vmax = max(off) if off else 1.0
    vmax = vmax if vmax > 0 else 1.0
    z = [[None if i == j else values[i][j] for j in range(n)] for i in range(n)]
    text = [["—" if i == j else f"{values[i][j]:.2f}" for j in range(n)] for i in range(n)]
    fig = go.Figure(go.Heatmap(
        z=z, x=labels, y=labels, zmin=0, zmax=vmax, colorscale=COUNT_COLORSCALE, xgap=2, ygap=2,
        text=text, texttemplate="%{text}", textfont=dict(size=13),
        colorbar=dict(title=dict(text="相似度"), thickness=12),
        hovertemplate="%{y} × %{x}<br>措辞相似度：%{text}<extra></extra>",
    ))
    size = max(320, 90 + 46 * n)
    fig.update_layout(
        height=size, margin=dict(l=10, r=10, t=30, b=10), font_family=PLOT_FONT, dragmode=False,
        xaxis=dict(side="top", type="category", fixedrange=True, tickangle=0 if n <= 6 else -40),
        yaxis=dict(type="category", fixedrange=True, autorange="reversed"),
        plot_bgcolor="#ffffff",
    )
    return fig
