"""对标检查: has each organ taken up the tasks of a reference plan (e.g. the 工委's), item by item?"""
from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from app import urlstate
from app.compare import (STATUS_LABEL, TASK_COLUMN_PX, cache_key, organ_column_px, plan_option_label,
                         plan_option_labels, status_cell_style,
                         unique_labels)
from app.evidence import highlighted_block
from app.downloads import XLSX_MIME
from app.frame import View, current_view, empty_state, friendly_errors, require_frame
from app.pager import paginate
from app.safe import md_escape
from core.reference import DEPLOYED, NOT_FOUND, PARTIAL, STATUSES, reference_check, reference_xlsx

require_frame()

ORGANS_PER_PAGE = 20  # status columns per page; the summary below lists every organ
TASK_COLUMN = "对标任务"
COUNT_COLUMN = "已部署单位数"


def default_reference(plans: pd.DataFrame) -> str:
    """The latest plan of an organ whose name contains 工委, else the first plan."""
    committees = plans[plans["organ"].astype(str).str.contains("工委", regex=False)]
    if committees.empty:
        return str(plans["plan_id"].iloc[0])
    latest = committees.sort_values("year", ascending=False, kind="stable", na_position="last")
    return str(latest["plan_id"].iloc[0])


def reference_picker(view: View) -> str:
    plans = view.lib.plans
    options = plans["plan_id"].tolist()
    default = default_reference(plans)
    urlstate.seed("ref_plan", "ref", urlstate.choice_parser(options, default), default)
    if st.session_state.get("ref_plan") not in options:
        st.session_state["ref_plan"] = default
    chosen = st.selectbox("对标计划", options, key="ref_plan",
                          format_func=plan_option_labels(plans).get,
                          help="以这份计划的任务条目为标准，逐条查看其他单位是否部署。默认选名称含“工委”的单位的计划。")
    urlstate.publish("ref", chosen)
    return chosen


def status_table(check: pd.DataFrame, labels: dict[str, str],
                 shown: list[str] | None = None) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Tasks (rows) × organ labels (columns) of status words; also the row item ids and column plan ids.

    ``shown`` limits the organ columns (one page of them); the deployed count covers every organ.
    """
    tasks = check.drop_duplicates("reference_item_id")
    item_ids = tasks["reference_item_id"].tolist()
    all_plans = check["plan_id"].unique().tolist()  # first-seen order
    plan_ids = all_plans if shown is None else [p for p in shown if p in set(all_plans)]
    page = check[check["plan_id"].isin(set(plan_ids))] if shown is not None else check
    grid = page.pivot(index="reference_item_id", columns="plan_id", values="status")
    grid = grid.reindex(index=item_ids, columns=plan_ids).fillna(NOT_FOUND)
    columns = {TASK_COLUMN: (tasks["reference_marker"].astype(str) + tasks["reference_title"].astype(str)).tolist()}
    for plan_id in plan_ids:
        columns[labels[plan_id]] = [STATUS_LABEL[s] for s in grid[plan_id].tolist()]
    deployed = check[check["status"] == DEPLOYED].groupby("reference_item_id").size()
    columns[COUNT_COLUMN] = [int(deployed.get(i, 0)) for i in item_ids]
    return pd.DataFrame(columns), item_ids, plan_ids


@st.cache_resource(show_spinner="正在逐条对照各单位的计划……", max_entries=8)
def check_cached(_lib, fingerprint: str, root: str, reference: str, compared: tuple[str, ...]) -> pd.DataFrame:
    """reference_check of one reference plan against ``compared``, per library version.

    Shared, not copied per rerun (a pickled copy of 180,000 rows took over a second at
    10,000 plans): callers only read it.
    """
    return reference_check(_lib, reference, organs=compared)


def summary(check: pd.DataFrame, labels: dict[str, str]) -> None:
    counts = check.groupby(["plan_id", "status"]).size().unstack(fill_value=0)
    counts = counts.reindex(columns=list(STATUSES), fill_value=0)
    tasks = check["reference_item_id"].nunique()
    table = pd.DataFrame({
        "单位": [labels[p] for p in counts.index],
        "已部署": counts[DEPLOYED].astype(int).to_numpy(),
        "部分涉及": counts[PARTIAL].astype(int).to_numpy(),
        "未见部署": counts[NOT_FOUND].astype(int).to_numpy(),
        "已部署比例": (counts[DEPLOYED] / max(tasks, 1) * 100).to_numpy(),
    })
    order = [labels[p] for p in check["plan_id"].unique().tolist()]
    table = table.set_index("单位").reindex(order).reset_index()
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        "已部署比例": st.column_config.ProgressColumn("已部署比例", format="%.0f%%", min_value=0, max_value=100)})


def selection(event: object) -> tuple[int | None, str | None]:
    """(row position, column name or None) of the table selection."""
    try:
        sel = event["selection"]  # type: ignore[index]
    except (KeyError, TypeError):
        return None, None
    cells = list(sel.get("cells") or [])
    if cells:
        row, column = cells[-1]
        return int(row), str(column)
    rows = list(sel.get("rows") or [])
    if rows:
        return int(rows[-1]), None
    return None, None


def pair_detail(view: View, row: pd.Series, label: str) -> None:
    status = row["status"]
    st.markdown(f"**{md_escape(label)}** · {md_escape(row['reference_marker'])}"
                f"{md_escape(row['reference_title'])}　**{md_escape(STATUS_LABEL[status])}**")
    if not row["match_item_id"]:
        st.info("该单位的计划中没有可比较的任务条目。")
        return
    names = view.theme_names
    shared = "、".join(names.get(t, t) for t in row["shared_themes"]) or "无"
    st.caption(f"综合得分 {row['score']:.2f}（措辞相似度 {row['text_similarity']:.2f}，"
               f"主题重合度 {row['theme_overlap']:.2f}；共同主题：{md_escape(shared)}）。"
               f"得分 ≥ 0.17 记为已部署，≥ 0.11 记为部分涉及——这是供核对的线索，不是结论。")
    left, right = st.columns(2)
    reference_text = view.lib.items.set_index("item_id").at[row["reference_item_id"], "text"]
    with left, st.container(border=True):
        st.markdown(f"**对标条目**  \n{md_escape(row['reference_marker'])}{md_escape(row['reference_title'])}")
        highlighted_block(reference_text, [])
    with right, st.container(border=True):
        heading = "最接近的条目" if status != NOT_FOUND else "最接近的条目（相似度不足，未计为部署）"
        st.markdown(f"**{heading}**  \n{md_escape(row['match_marker'])}{md_escape(row['match_title'])}")
        highlighted_block(row["match_text"], [])


def task_detail(check: pd.DataFrame, item_id: str, labels: dict[str, str]) -> None:
    rows = check[check["reference_item_id"] == item_id]
    first = rows.iloc[0]
    st.markdown(f"**{md_escape(first['reference_marker'])}{md_escape(first['reference_title'])}**：各单位最接近的条目")
    table = pd.DataFrame({
        "单位": [labels[p] for p in rows["plan_id"]],
        "部署情况": [STATUS_LABEL[s] for s in rows["status"]],
        "综合得分": rows["score"].to_numpy(),
        "最接近的条目": (rows["match_marker"].astype(str) + rows["match_title"].astype(str)).to_numpy(),
        "原文": rows["match_text"].to_numpy(),
    })
    st.dataframe(table.style.map(status_cell_style, subset=["部署情况"]), hide_index=True, width="stretch",
                 column_config={"综合得分": st.column_config.NumberColumn(format="%.2f"),
                                "原文": st.column_config.TextColumn(width="large")})
    st.caption("点选上方表格中某个单位的格子，可并排查看对标条目和该单位条目的全文。")


def main() -> None:
    st.title("对标检查")
    view = current_view()
    if view is None:
        return
    if view.lib.plans.empty:
        empty_state(view)
        return
    reference = reference_picker(view)
    if empty_state(view):
        return
    compared = [p for p in view.plan_ids if p != reference]
    if not compared:
        st.info("当前筛选条件下没有可与对标计划比较的其他计划。请在左侧边栏增加单位或年度。")
        return
    check = check_cached(view.lib, *cache_key(view), reference, tuple(compared))
    if check.empty:
        st.info("对标计划中没有解析出任务条目，无法逐条对照。请换一份对标计划。")
        return
    compared_ids = check["plan_id"].unique().tolist()
    labels = unique_labels(compared_ids, view.labels)
    shown = paginate(compared_ids, key="ref_page", size=ORGANS_PER_PAGE, what="个单位", label="单位分页")
    table, item_ids, plan_ids = status_table(check, labels, shown)
    st.caption(f"以“{md_escape(plan_option_label(view.lib.plans, reference))}”的 {len(item_ids)} 条任务为标准，"
               f"逐条查看 {len(compared_ids)} 个单位的部署情况：● 已部署（绿）、◐ 部分涉及（黄）、○ 未见部署（红）。"
               "点选格子查看最接近的条目及得分；点选行首查看该任务在各单位的情况。")
    organ_columns = [labels[p] for p in plan_ids]
    event = st.dataframe(
        table.style.map(status_cell_style, subset=organ_columns), hide_index=True, width="stretch",
        key=f"ref_table_{reference}", on_select="rerun", selection_mode=["single-row", "single-cell"],
        column_config={TASK_COLUMN: st.column_config.TextColumn(TASK_COLUMN, width=TASK_COLUMN_PX, pinned=True),
                       COUNT_COLUMN: st.column_config.NumberColumn(COUNT_COLUMN, width=organ_column_px(COUNT_COLUMN)),
                       **{c: st.column_config.TextColumn(c, width=organ_column_px(c)) for c in organ_columns}},
        height=min(38 + 35 * len(table), 640))
    cols = st.columns([1, 3])
    cols[0].download_button("下载对标检查（Excel）", partial(reference_xlsx, check, view.lib.taxonomy),
                            file_name="对标检查.xlsx", mime=XLSX_MIME, icon=":material/download:",
                            on_click="ignore", width="stretch")
    st.subheader("条目对照")
    with friendly_errors("显示条目对照"):
        row, column = selection(event)
        if row is None or row >= len(item_ids):
            st.info("点选上方表格中的格子，这里并排显示对标条目和该单位最接近的条目，以及得分。")
        elif column is not None and column not in table.columns:
            st.info("所点的格子不在当前筛选范围内，请重新点选。")
        elif column in organ_columns:
            plan_id = plan_ids[organ_columns.index(column)]
            pair = check[(check["reference_item_id"] == item_ids[row]) & (check["plan_id"] == plan_id)]
            pair_detail(view, pair.iloc[0], column)
        else:
            task_detail(check, item_ids[row], labels)
    st.subheader("各单位部署情况汇总")
    with friendly_errors("汇总部署情况"):
        summary(check, labels)


main()
