"""承诺事项: quantified targets and deadlines (100%、每季度至少一次、年底前…) per organ, with their items."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from app import urlstate
from app.compare import cache_key, commitments_cached
from app.evidence import highlighted_block, item_heading
from app.downloads import excel_and_csv
from app.frame import View, current_view, empty_state, friendly_errors, require_frame
from app.safe import md_escape
from core.commitments import KINDS

require_frame()

KIND_HELP = ("比例：100%、全覆盖；数量：2件以上、4批次；频次：每季度、每年至少两次；"
             "时间节点：“七一”前后、上半年、6月份；期限：年底前、6月底前、年内。")
EXPORT_COLUMNS = ["organ", "year", "section_title", "marker", "title", "kind", "wording", "context"]
EXPORT_HEADERS = {"organ": "单位", "year": "年度", "section_title": "所在章节", "marker": "条目序号",
                  "title": "所属条目", "kind": "类型", "wording": "表述", "context": "所在语句"}


def kind_filter() -> list[str]:
    urlstate.seed("cm_kinds", "kinds", urlstate.list_parser(KINDS), [])
    kinds = st.multiselect("类型", list(KINDS), key="cm_kinds", placeholder="全部类型", help=KIND_HELP)
    urlstate.publish("kinds", urlstate.join_list(kinds))
    return kinds


def per_organ(view: View, found: pd.DataFrame) -> None:
    counts = found.groupby(["plan_id", "kind"]).size().unstack(fill_value=0).reindex(columns=list(KINDS), fill_value=0)
    counts = counts.reindex(view.plan_ids, fill_value=0)
    table = pd.DataFrame({"单位": [view.labels[p] for p in counts.index]})
    for kind in KINDS:
        table[kind] = counts[kind].astype(int).to_numpy()
    table["合计"] = counts.sum(axis=1).astype(int).to_numpy()
    st.dataframe(table, hide_index=True, width="stretch")


def detail_table(view: View, found: pd.DataFrame) -> object:
    table = pd.DataFrame({
        "单位": [view.labels.get(p, o) for p, o in zip(found["plan_id"], found["organ"])],
        "所属条目": (found["marker"].astype(str) + found["title"].astype(str)).to_numpy(),
        "类型": found["kind"].to_numpy(), "表述": found["wording"].to_numpy(),
        "所在语句": found["context"].to_numpy(),
    })
    return st.dataframe(table, hide_index=True, width="stretch", key="cm_table", on_select="rerun",
                        selection_mode="single-row", column_config={
                            "所属条目": st.column_config.TextColumn(width="medium"),
                            "所在语句": st.column_config.TextColumn(width="large")})


def item_detail(view: View, found: pd.DataFrame, event: object) -> None:
    try:
        rows = list(event["selection"]["rows"])  # type: ignore[index]
    except (KeyError, TypeError):
        rows = []
    if not rows or rows[-1] >= len(found):
        st.info("点选上表中的一行，这里显示该条目的全文，条目中所有的量化目标和时间要求都会标出。")
        return
    chosen = found.iloc[rows[-1]]
    items = view.lib.items.set_index("item_id")
    if chosen["item_id"] not in items.index:
        st.info("所选条目已不在计划库中，请刷新页面。")
        return
    item = items.loc[chosen["item_id"]]
    spans = found.loc[found["item_id"] == chosen["item_id"], ["start", "end"]]
    with st.container(border=True):
        st.markdown(item_heading(item))
        highlighted_block(item["text"], [tuple(s) for s in spans.itertuples(index=False)])
        kinds = found.loc[found["item_id"] == chosen["item_id"]]
        st.caption("、".join(f"{md_escape(k)}：{md_escape(w)}" for k, w in zip(kinds["kind"], kinds["wording"])))


def downloads(found: pd.DataFrame) -> None:
    excel_and_csv(found, EXPORT_COLUMNS, EXPORT_HEADERS, file_stem="承诺事项", what="承诺事项")


def main() -> None:
    st.title("承诺事项")
    view = current_view()
    if view is None:
        return
    kinds = kind_filter()
    if empty_state(view):
        return
    found = commitments_cached(view.lib, *cache_key(view), tuple(view.plan_ids) if view.filtered else None)
    if kinds:
        found = found[found["kind"].isin(kinds)].reset_index(drop=True)
    st.caption("从各单位任务条目中找出的量化目标（比例、数量、频次）和时间要求（时间节点、期限），"
               "供对照检查落实情况。" + md_escape(KIND_HELP))
    if found.empty:
        which = "所选类型的" if kinds else ""
        st.info(f"所选计划的任务条目中没有找到{which}量化目标或时间要求。可以在上方放宽“类型”，或在左侧边栏调整筛选。")
        return
    with friendly_errors("统计各单位的承诺事项"):
        st.subheader("各单位数量")
        per_organ(view, found)
    st.subheader(f"明细（共 {len(found)} 处）")
    downloads(found)
    event = detail_table(view, found)
    with friendly_errors("显示条目原文"):
        item_detail(view, found, event)


main()
