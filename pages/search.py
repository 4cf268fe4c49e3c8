"""任务检索: how other organs word a task — exact, keyword or similar search."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from app import urlstate
from app.evidence import escaped_html_block, highlighted_block, item_heading
from app.downloads import excel_and_csv
from app.frame import View, current_view, empty_state, friendly_errors, require_frame
from app.safe import md_escape
from core.search import kwic

require_frame()

MODES = {"exact": "精确", "keyword": "关键词", "similar": "相似"}
MODE_HELP = ("精确：查找与输入完全相同的字句；关键词：空格分隔的词都要出现，“-词”表示排除；"
             "相似：找写法相近的条目（可输入一段话，或在结果中点“查看相似条目”）。")
SHOWN_RESULTS = 50
EXPORT_COLUMNS = ["organ", "year", "section_marker", "section_title", "marker", "title", "text", "score"]
EXPORT_HEADERS = {"organ": "单位", "year": "年度", "section_marker": "章序号", "section_title": "章标题",
                  "marker": "条目序号", "title": "条目标题", "text": "条目全文", "score": "得分"}


def query_widgets(view: View) -> tuple[str, str, list[str], list[str]]:
    taxonomy = view.lib.taxonomy
    dims = [d.id for d in taxonomy.dimensions]
    themes = [t.id for t in taxonomy.themes]
    urlstate.seed("q", "q", str.strip, "")
    urlstate.seed("mode", "mode", urlstate.choice_parser(list(MODES), "exact"), "exact")
    urlstate.seed("s_dims", "dims", urlstate.list_parser(dims), [])
    urlstate.seed("s_themes", "themes", urlstate.list_parser(themes), [])
    left, right = st.columns([3, 2])
    query = left.text_input("检索内容", key="q", placeholder="例如：三会一课", persist_state="session")
    mode = right.radio("检索方式", list(MODES), format_func=MODES.get, key="mode", horizontal=True,
                       help=MODE_HELP, persist_state="session")
    left, right = st.columns(2)
    dim_names, theme_names = view.dimension_names, view.theme_names
    chosen_dims = left.multiselect("维度", dims, format_func=lambda d: dim_names.get(d, d), key="s_dims",
                                   placeholder="全部维度", persist_state="session")
    chosen_themes = right.multiselect("主题", themes, format_func=lambda t: theme_names.get(t, t),
                                      key="s_themes", placeholder="全部主题", persist_state="session")
    urlstate.publish("q", query.strip())
    urlstate.publish("mode", mode)
    urlstate.publish("dims", urlstate.join_list(chosen_dims))
    urlstate.publish("themes", urlstate.join_list(chosen_themes))
    return query.strip(), mode, chosen_dims, chosen_themes


def find_similar(item_id: str) -> None:
    st.session_state["q"] = item_id
    st.session_state["mode"] = "similar"


def reference_item(view: View, query: str) -> None:
    """In similar mode with an item id as query, show that item first."""
    items = view.lib.items
    row = items[items["item_id"] == query]
    if row.empty:
        return
    st.markdown("**与下面这条相似的条目**")
    with st.container(border=True):
        st.markdown(item_heading(row.iloc[0]))
        highlighted_block(row.iloc[0]["text"], [])


def result_card(row: pd.Series, mode: str) -> None:
    with st.container(border=True):
        head, button = st.columns([5, 1])
        year = f"（{int(row['year'])}）" if pd.notna(row["year"]) else ""
        head.markdown(f"{md_escape(row['organ'])}{year}｜{md_escape(row['section_marker'])}"
                      f"{md_escape(row['section_title'])}  \n"
                      f"**{md_escape(row['marker'])}{md_escape(row['title'])}**")
        button.button("查看相似条目", key=f"similar_{row['item_id']}", on_click=find_similar,
                      args=(row["item_id"],), icon=":material/join_inner:")
        escaped_html_block(row["snippet_html"])
        if mode != "exact":
            st.caption(f"{'相似度' if mode == 'similar' else '相关度'}：{row['score']:.2f}")


def kwic_table(results: pd.DataFrame) -> None:
    lines = kwic(results)
    if lines.empty:
        return
    st.markdown(f"**上下文对照**（共 {len(lines)} 处）")
    table = pd.DataFrame({"单位": lines["organ"], "条目": lines["marker"] + lines["title"],
                          "前文": lines["kwic_left"], "匹配": lines["kwic_match"], "后文": lines["kwic_right"]})
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        "前文": st.column_config.TextColumn(alignment="right", width="medium"),
        "匹配": st.column_config.TextColumn(alignment="center", width="small"),
        "后文": st.column_config.TextColumn(width="medium"),
    })


def downloads(results: pd.DataFrame) -> None:
    excel_and_csv(results, EXPORT_COLUMNS, EXPORT_HEADERS, file_stem="检索结果", widths=(1, 1, 3))

def results_section(view: View, query: str, mode: str, dims: list[str], themes: list[str]) -> None:
    if not query:
        st.info("请输入要检索的词句。检索条件会写进网址，复制地址栏即可把结果发给同事。")
        return
    if mode == "similar":
        reference_item(view, query)
    filters = dict(mode=mode, organs=view.organs or None, years=view.years or None,
                   themes=themes or None, dimensions=dims or None)
    results = view.lib.search(query, display=False, **filters)  # every hit: count and downloads
    if results.empty:
        st.info(f"没有找到与“{md_escape(query)}”{MODES[mode]}匹配的条目。"
                "可以换用“关键词”或“相似”方式，或在左侧放宽单位、年度筛选。")
        return
    organs = results["organ"].nunique()
    shown = view.lib.search(query, limit=SHOWN_RESULTS, **filters)  # highlighted cards
    note = f"，下面显示前 {SHOWN_RESULTS} 条，完整结果请下载" if len(results) > SHOWN_RESULTS else ""
    st.markdown(f"共找到 **{len(results)}** 条，来自 {organs} 个单位{note}。")
    downloads(results)
    if mode == "exact":
        kwic_table(shown)
    for _, row in shown.iterrows():
        result_card(row, mode)


def main() -> None:
    st.title("任务检索")
    view = current_view()
    if view is None:
        return
    query, mode, dims, themes = query_widgets(view)
    if empty_state(view):
        return
    with friendly_errors("检索"):
        results_section(view, query, mode, dims, themes)


main()
