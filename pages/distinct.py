"""特色任务: each organ's own tasks, how alike the plans read, and wording shared across organs (套话)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from app import urlstate
from app.compare import (Scope, cache_key, clusters_cached, distinct_counts_cached, organ_similarity_cached,
                         pairwise_scope, plan_option_label, plan_option_labels, similarity_heatmap)
from app.evidence import highlighted_block
from app.frame import View, current_view, empty_state, friendly_errors, require_frame
from app.safe import md_escape
from core.distinct import DISTINCT_MAX, DUPLICATE_MIN, nearest_elsewhere

require_frame()

MAX_CLUSTERS_SHOWN = 50


def similarity_section(view: View, scope: Scope) -> None:
    st.subheader("各单位计划的措辞相似度")
    if scope.too_many:
        return
    matrix = organ_similarity_cached(view.lib, *cache_key(view), scope.plan_ids)
    if scope.plan_ids is None:
        wanted = [view.labels[p] for p in view.plan_ids]
        matrix = matrix.loc[[w for w in wanted if w in matrix.index], [w for w in wanted if w in matrix.columns]]
    if len(matrix) < 2:
        st.info("至少要有两个单位的计划才能比较相似度。请在左侧边栏增加单位。")
        return
    st.caption("每格为两份计划逐条取最接近条目的措辞相似度（0～1）的平均，数值越大、颜色越深，两份计划写得越像。")
    st.plotly_chart(similarity_heatmap(matrix), width="stretch", config={"displayModeBar": False},
                    key="distinct_heatmap")


def plan_picker(view: View) -> str:
    options = view.plan_ids
    urlstate.seed("distinct_plan", "focus", urlstate.choice_parser(options, options[0]), options[0])
    if st.session_state.get("distinct_plan") not in options:
        st.session_state["distinct_plan"] = options[0]
    chosen = st.selectbox("单位", options, key="distinct_plan",
                          format_func=plan_option_labels(view.lib.plans).get)
    urlstate.publish("focus", chosen)
    return chosen


def overview_table(view: View, scope: Scope) -> None:
    if scope.too_many:
        return
    counts = distinct_counts_cached(view.lib, *cache_key(view), tuple(view.plan_ids))
    table = pd.DataFrame({"单位": [view.labels[p] for p in counts.index],
                          "任务条目数": counts["items"].to_numpy(),
                          "特色任务数": counts["distinctive"].to_numpy()})
    st.dataframe(table, hide_index=True, width="stretch")


@st.cache_data(show_spinner="正在与其他单位逐条比较……", max_entries=64)
def nearest_cached(_lib, fingerprint: str, root: str, plan_id: str) -> pd.DataFrame:
    """nearest_elsewhere of one plan, per library version."""
    return nearest_elsewhere(_lib, plan_id)


def distinctive_section(view: View, scope: Scope) -> None:
    st.subheader("特色任务")
    st.caption(f"特色任务：其他单位的计划中找不到措辞相近条目（最接近的相似度低于 {DISTINCT_MAX:.2f}）的任务。"
               "同一单位其他年度的计划不计在内。")
    overview_table(view, scope)
    plan_id = plan_picker(view)
    near = nearest_cached(view.lib, *cache_key(view), plan_id)
    own = near[near["distinctive"]].sort_values("best_similarity", kind="stable")
    if near.empty:
        st.info("这份计划没有解析出任务条目。")
        return
    if own.empty:
        st.info("这份计划的每条任务，在其他单位的计划中都能找到措辞相近的条目，没有发现特色任务。")
        return
    st.markdown(f"**{md_escape(plan_option_label(view.lib.plans, plan_id))}** 共 {len(near)} 条任务，"
                f"其中特色任务 **{len(own)}** 条：")
    for row in own.itertuples(index=False):
        with st.expander(md_escape(f"{row.marker}{row.title}")):
            highlighted_block(row.text, [])
            if row.best_item_id:
                st.caption(f"其他单位中最接近的条目：{md_escape(row.best_organ)}｜{md_escape(row.best_title)}"
                           f"（相似度 {row.best_similarity:.2f}）")
            else:
                st.caption("其他单位的计划中没有可比较的条目。")
    page_link = {"plan": plan_id, **view.query_params()}
    st.page_link("pages/scorecard.py", label="查看该单位的单位画像", icon=":material/badge:", query_params=page_link)


def cluster_section(view: View, scope: Scope) -> None:
    st.subheader("套话：多个单位措辞几乎相同的条目")
    threshold = st.slider("相似度门槛", min_value=0.30, max_value=0.95, value=DUPLICATE_MIN, step=0.05,
                          key="distinct_threshold", persist_state="session",
                          help="两条任务的措辞相似度达到门槛，就算作同一组“套话”。门槛越低，归到一起的条目越多。")
    if scope.too_many:
        return
    clusters = clusters_cached(view.lib, *cache_key(view), scope.plan_ids, round(float(threshold), 2))
    clusters = clusters[clusters["plan_id"].isin(view.plan_ids)]
    organs = clusters.groupby("cluster_id")["organ"].nunique()
    shared = clusters[clusters["cluster_id"].map(organs) > 1]
    if shared.empty:
        st.info("在所选单位的计划中，没有发现多个单位措辞几乎相同的条目（相似度达到门槛）。可以调低门槛再看。")
        return
    groups = list(shared.groupby("cluster_id", sort=False))
    groups.sort(key=lambda g: (-g[1]["organ"].nunique(), -len(g[1])))
    note = f"，下面显示前 {MAX_CLUSTERS_SHOWN} 组" if len(groups) > MAX_CLUSTERS_SHOWN else ""
    st.caption(f"共 {len(groups)} 组{note}。这类条目多半出自同一份上级文件，不是本单位自己的安排。")
    texts = view.lib.items.set_index("item_id")["text"]
    for _, group in groups[:MAX_CLUSTERS_SHOWN]:
        first = group.iloc[0]
        with st.expander(f"{md_escape(first['title'])}（{group['organ'].nunique()} 个单位，{len(group)} 条）"):
            for row in group.itertuples(index=False):
                st.markdown(f"**{md_escape(view.labels.get(row.plan_id, row.organ))}**｜"
                            f"{md_escape(row.marker)}{md_escape(row.title)}")
                highlighted_block(texts.get(row.item_id, ""), [])


def main() -> None:
    st.title("特色任务")
    view = current_view()
    if view is None or empty_state(view):
        return
    scope = pairwise_scope(view)
    if scope.notice:
        st.info(scope.notice, icon=":material/info:")
    with friendly_errors("比较各单位的措辞相似度"):
        similarity_section(view, scope)
    with friendly_errors("列出特色任务"):
        distinctive_section(view, scope)
    with friendly_errors("查找套话"):
        cluster_section(view, scope)


main()
