"""总览: the plans at a glance, items per dimension, the most-omitted required themes."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from app.charts import items_by_dimension_bars
from app.frame import View, current_view, empty_state, friendly_errors, library_name, require_frame
from app.pager import paginate
from app.safe import md_escape
from core.reviews import agreement, agreement_text, summary

require_frame()

TOP_OMISSIONS = 5
NAMES_SHOWN = 8
ORGANS_PER_PAGE = 30  # bars per page: the chart stays a glance, not a scroll


def required_share(view: View) -> pd.Series:
    """plan_id → share of required themes the plan covers."""
    cov = view.keep(view.lib.coverage())
    cov = cov[cov["required"]]
    return cov.groupby("plan_id")["covered"].mean()


def plans_table(view: View) -> None:
    plans = view.plans
    share = required_share(view)
    table = pd.DataFrame({
        "单位": plans["organ"], "年度": plans["year"], "章数": plans["sections"],
        "条目数": plans["items"], "字数": plans["chars"],
        "必备主题覆盖率": plans["plan_id"].map(share).fillna(0.0) * 100,
        "解析提示": plans["warnings"].replace("", "—"),
    })
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        "必备主题覆盖率": st.column_config.ProgressColumn(
            "必备主题覆盖率", format="%.0f%%", min_value=0, max_value=100,
            help="本计划涉及的必备主题占全部必备主题的比例"),
        "年度": st.column_config.NumberColumn("年度", format="%d"),
        "字数": st.column_config.NumberColumn("字数", help="不含空白的字符数"),
    })


def dimension_bar(view: View) -> None:
    items = view.lib.items[["plan_id", "section_dimension"]]
    if view.filtered:
        items = items[items["plan_id"].isin(set(view.plan_ids))]
    if items.empty:
        st.info("所选计划中没有解析出任务条目。")
        return
    names = view.dimension_names
    counts = items.groupby(["plan_id", "section_dimension"]).size().rename("items").reset_index()
    shown = paginate(view.plan_ids, key="ov_page", size=ORGANS_PER_PAGE, what="个单位", label="单位分页")
    counts = counts[counts["plan_id"].isin(set(shown))]
    labels = view.labels
    counts = pd.DataFrame({"label": counts["plan_id"].map(labels),
                           "dimension_name": counts["section_dimension"].map(names).fillna("其他"),
                           "items": counts["items"]})
    order = list(dict.fromkeys(names.values()))
    st.html(items_by_dimension_bars(counts, [labels[p] for p in shown], order))


def most_omitted(view: View) -> None:
    omissions = view.keep(view.lib.omissions(candidates=False))
    if omissions.empty:
        st.success("所选计划都涵盖了全部必备主题。")
        return
    names = view.dimension_names
    top = (omissions.groupby(["theme", "theme_name", "dimension"], sort=False)["organ"]
           .agg(list).reset_index())
    top["n"] = top["organ"].map(len)
    top = top.sort_values("n", ascending=False, kind="stable").head(TOP_OMISSIONS)
    lines = [f"- **{md_escape(row.theme_name)}**（{md_escape(names.get(row.dimension, row.dimension))}）"
             f"：{row.n} 个单位缺失 — {md_escape(organ_list(row.organ))}"
             for row in top.itertuples()]
    st.markdown("\n".join(lines))


def reviewed_cells(view: View) -> None:
    """The cells a person has decided, with the answer and note (the counts above include them)."""
    cov = view.keep(view.lib.coverage())
    done = cov[cov["review"].notna()]
    if done.empty:
        return
    st.caption(md_escape(agreement_text(agreement(cov))) + " 上面的覆盖率和缺失统计已按人工复核的结论计算。")
    labels = view.labels
    with st.expander(f"人工复核的结论（{len(done)} 格）", icon=":material/verified:"):
        st.dataframe(pd.DataFrame({
            "单位": done["plan_id"].map(labels), "主题": done["theme_name"],
            "结论": [summary(rv, m) for rv, m in zip(done["review"], done["machine_covered"])],
            "复核时间": [str(rv["time"])[:16].replace("T", " ") for rv in done["review"]],
        }), hide_index=True, width="stretch")


def organ_list(organs: list[str], limit: int = NAMES_SHOWN) -> str:
    """Names joined with 、, the first ``limit`` only (a theme can be missing in hundreds of plans)."""
    names = list(dict.fromkeys(organs))
    if len(names) <= limit:
        return "、".join(names)
    return "、".join(names[:limit]) + f" 等 {len(names)} 个"


def links(view: View) -> None:
    params = view.query_params()
    cols = st.columns(3)
    cols[0].page_link("pages/matrix.py", label="章节对照：逐章比较各单位的安排", icon=":material/view_column:",
                      query_params=params)
    cols[1].page_link("pages/coverage.py", label="主题覆盖：哪些单位缺了必备主题", icon=":material/grid_on:",
                      query_params=params)
    cols[2].page_link("pages/search.py", label="任务检索：看看别人怎么写", icon=":material/search:",
                      query_params=params)


def main() -> None:
    st.title("总览")
    view = current_view()
    if view is None or empty_state(view):
        return
    plans = view.plans
    st.caption(f"计划库：{md_escape(library_name())}　·　{len(plans)} 份计划　·　"
               f"{int(plans['items'].sum())} 条任务")
    links(view)
    with friendly_errors("生成计划概况表"):
        st.subheader("各单位计划概况")
        plans_table(view)
    left, right = st.columns([3, 2])
    with left, friendly_errors("绘制各维度条目数"):
        st.subheader("各维度任务条目数")
        dimension_bar(view)
    with right, friendly_errors("统计缺失最多的必备主题"):
        st.subheader("最常缺失的必备主题")
        most_omitted(view)
        reviewed_cells(view)
        st.page_link("pages/coverage.py", label="查看全部缺失及依据", icon=":material/arrow_forward:", query_params=view.query_params())


main()
