"""主题覆盖: themes × organs heatmap, evidence for a clicked cell, the omission report."""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import streamlit as st

from app.charts import coverage_heatmap
from app.evidence import highlighted_block, item_heading
from app.downloads import excel_and_csv
from app.frame import View, current_view, empty_state, friendly_errors, require_frame
from app.safe import md_escape

require_frame()

REPORT_COLUMNS = ["organ", "year", "dimension_name", "theme_name", "candidate_title",
                  "candidate_text", "reason"]
REPORT_HEADERS = {"organ": "单位", "year": "年度", "dimension_name": "维度", "theme_name": "缺失的必备主题",
                  "candidate_title": "最接近的条目", "candidate_text": "最接近条目的全文",
                  "reason": "未计入的原因"}


def toggles() -> tuple[bool, bool, bool]:
    cols = st.columns(3)
    required = cols[0].toggle("只看必备主题", value=True, key="cov_required", persist_state="session")
    grouped = cols[1].toggle("按维度分组", value=True, key="cov_grouped", persist_state="session")
    by_coverage = cols[2].toggle("按覆盖程度排序", value=False, key="cov_sorted", persist_state="session",
                                 help="单位按覆盖的主题数从多到少；主题按覆盖它的单位数从少到多（缺得多的在上）。")
    return required, grouped, by_coverage


def coverage_grid(view: View, cov: pd.DataFrame, grouped: bool, by_coverage: bool) -> dict:
    """Row/column order and the count/omission grids for the heatmap."""
    taxonomy = view.lib.taxonomy
    dim_rank = {d: i for i, d in enumerate(taxonomy.dimension_ids)}
    theme_rank = {t: i for i, t in enumerate(taxonomy.theme_ids)}
    themes = cov.drop_duplicates("theme")[["theme", "theme_name", "dimension"]].copy()
    covering = cov.groupby("theme")["covered"].sum()
    themes["organs_covering"] = themes["theme"].map(covering)
    themes["dim_rank"] = themes["dimension"].map(dim_rank).fillna(len(dim_rank))
    themes["theme_rank"] = themes["theme"].map(theme_rank)
    keys = (["dim_rank"] if grouped else []) + (["organs_covering"] if by_coverage else []) + ["theme_rank"]
    themes = themes.sort_values(keys, kind="stable")
    plan_ids = view.plan_ids
    if by_coverage:
        per_plan = cov.groupby("plan_id")["covered"].sum()
        plan_ids = sorted(plan_ids, key=lambda p: -per_plan.get(p, 0))
    names = view.dimension_names
    row_labels = [f"{names.get(d, d)} · {n}" if grouped else n
                  for d, n in zip(themes["dimension"], themes["theme_name"])]
    counts = cov.pivot_table(index="theme", columns="plan_id", values="count", aggfunc="sum", fill_value=0)
    counts = counts.reindex(index=themes["theme"], columns=plan_ids, fill_value=0).astype(int)
    omitted_cells = cov[cov["required"] & ~cov["covered"]]
    omitted = pd.DataFrame(False, index=counts.index, columns=counts.columns)
    for plan_id, theme in zip(omitted_cells["plan_id"], omitted_cells["theme"]):
        if plan_id in omitted.columns and theme in omitted.index:
            omitted.loc[theme, plan_id] = True
    cell_ids = [[(p, t) for p in plan_ids] for t in themes["theme"]]
    return {"counts": counts, "omitted": omitted, "row_labels": row_labels,
            "column_labels": [view.labels[p] for p in plan_ids], "cell_ids": cell_ids}


def selected_cell(event: object) -> tuple[str, str] | None:
    """(plan_id, theme) of the clicked cell, from the chart's selection state."""
    try:
        points = event["selection"]["points"]  # type: ignore[index]
    except (KeyError, TypeError):
        return None
    for point in reversed(list(points or [])):
        data = point.get("customdata") if isinstance(point, Mapping) else None
        if data and len(data) >= 2:
            return str(data[0]), str(data[1])
    return None


def evidence_panel(view: View, cov: pd.DataFrame, plan_id: str, theme: str) -> None:
    row = cov[(cov["plan_id"] == plan_id) & (cov["theme"] == theme)]
    if row.empty:
        st.info("所点的格子不在当前筛选范围内，请重新点选。")
        return
    row = row.iloc[0]
    organ, theme_name = view.labels.get(plan_id, row["organ"]), row["theme_name"]
    st.markdown(f"**{md_escape(organ)} · {md_escape(theme_name)}**")
    if row["covered"]:
        evidence_items(view, row["evidence"])
    elif row["required"]:
        omission_detail(view, plan_id, theme)
    else:
        st.info("该单位的计划没有涉及这一主题（非必备主题）。")


def evidence_items(view: View, evidence: list[dict]) -> None:
    by_item: dict[str, dict] = {}
    for ev in evidence:
        entry = by_item.setdefault(ev["item_id"], {"text": ev["text"], "spans": [], "terms": []})
        entry["spans"].append((ev["start"], ev["end"]))
        entry["terms"].append(ev["term"])
    st.caption(f"共 {len(by_item)} 条任务涉及该主题，命中的词语已标出。")
    items = view.lib.items.set_index("item_id")
    for item_id, entry in by_item.items():
        with st.container(border=True):
            st.markdown(item_heading(items.loc[item_id] if item_id in items.index else None))
            highlighted_block(entry["text"], entry["spans"])
            st.caption("命中：" + md_escape("、".join(dict.fromkeys(entry["terms"]))))


def omission_detail(view: View, plan_id: str, theme: str) -> None:
    om = view.lib.omissions()
    row = om[(om["plan_id"] == plan_id) & (om["theme"] == theme)]
    st.error("缺：该单位的计划中没有任务条目涉及这一必备主题。", icon=":material/error:")
    if row.empty:
        return
    row = row.iloc[0]
    if isinstance(row.get("preamble_mention"), str) and row["preamble_mention"]:
        st.markdown(f"前言中提到：{md_escape(row['preamble_mention'])}（前言不算具体任务）")
    if pd.isna(row["candidate_item_id"]) or not row["candidate_item_id"]:
        st.markdown(f"**最接近的条目**：未找到。{md_escape(row['reason'])}")
        return
    items = view.lib.items.set_index("item_id")
    st.markdown("**最接近的条目**")
    with st.container(border=True):
        item_id = row["candidate_item_id"]
        st.markdown(item_heading(items.loc[item_id] if item_id in items.index else None,
                                 fallback=row["candidate_title"]))
        highlighted_block(row["candidate_text"], list(row["candidate_spans"] or []))
    st.markdown(f"**为何不算**：{md_escape(row['reason'])}")


def omission_report(view: View) -> None:
    st.subheader("必备主题缺失清单")
    om = view.keep(view.lib.omissions())
    if om.empty:
        st.success("所选计划都涵盖了全部必备主题，没有缺失。")
        return
    om["dimension_name"] = om["dimension"].map(view.dimension_names).fillna(om["dimension"])
    om["candidate_title"] = om["candidate_title"].fillna("（未找到）")
    st.caption(f"共 {len(om)} 处缺失。下载的报告含最接近条目的全文。")
    shown = om[["organ", "year", "dimension_name", "theme_name", "candidate_title", "reason"]]
    st.dataframe(shown.rename(columns=REPORT_HEADERS), hide_index=True, width="stretch",
                 column_config={"年度": st.column_config.NumberColumn(format="%d"),
                                "未计入的原因": st.column_config.TextColumn(width="large")})
    excel_and_csv(om, REPORT_COLUMNS, REPORT_HEADERS, file_stem="必备主题缺失报告", what="缺失报告")

def main() -> None:
    st.title("主题覆盖")
    view = current_view()
    if view is None:
        return
    required, grouped, by_coverage = toggles()
    if empty_state(view):
        return
    cov = view.keep(view.lib.coverage())
    if required:
        cov = cov[cov["required"]]
    if cov.empty:
        st.info("分类表中没有可显示的主题。请检查主题分类文件。")
        return
    grid = coverage_grid(view, cov, grouped, by_coverage)
    st.caption("格中数字为涉及该主题的条目数，颜色越深条目越多；“缺”表示缺少必备主题。"
               "点击格子，下方显示依据。")
    event = st.plotly_chart(coverage_heatmap(**grid), on_select="rerun", key="coverage_chart",
                            selection_mode="points", width="stretch", config={"displayModeBar": False})
    st.subheader("依据")
    with friendly_errors("显示依据"):
        cell = selected_cell(event)
        if cell is None:
            st.info("点击上方热力图中的格子，这里会显示该单位涉及此主题的条目（命中词语已标出）；"
                    "若是“缺”，则显示最接近的条目及其不算的原因。")
        else:
            evidence_panel(view, cov, *cell)
    with friendly_errors("生成缺失清单"):
        omission_report(view)


main()
