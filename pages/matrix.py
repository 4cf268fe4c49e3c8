"""章节对照: organs side by side, rows by dimension or by section order."""
from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from app import urlstate
from app.compare import cache_key
from app.frame import View, current_view, empty_state, friendly_errors, require_frame
from app.pager import paginate
from app.matrix_view import choice_label, full_text_choices, matrix_html
from app.safe import md_escape, md_lines

require_frame()

ORGANS_PER_PAGE = 12  # 250 px columns: about two screens wide
ROW_MODES = {"dimension": "按维度", "order": "按顺序"}


def row_mode() -> str:
    urlstate.seed("rows", "rows", urlstate.choice_parser(list(ROW_MODES), "dimension"), "dimension")
    by = st.radio("行的排列", list(ROW_MODES), format_func=ROW_MODES.get, key="rows",
                  horizontal=True, persist_state="session",
                  help="按维度：每行一个维度，看各单位在该维度下安排了哪些章节；按顺序：第 k 行为各单位的第 k 章。")
    urlstate.publish("rows", by)
    return by


def show_full_text(kind: str, data: Mapping) -> None:
    with st.container(border=True):
        if kind == "section":
            st.markdown(f'**{md_escape(data["organ"])}　{md_escape(data.get("marker", ""))}'
                        f'{md_escape(data.get("title", ""))}**')
            if data.get("body"):
                st.markdown(md_lines(data["body"]))
            for item in data.get("items", []):
                st.markdown(f'**{md_escape(item.get("marker", ""))}{md_escape(item.get("title", ""))}**')
                st.markdown(md_lines(item.get("text", "")))
            if not data.get("items"):
                st.caption("本章没有解析出条目。")
        else:
            section = data["section"]
            st.caption(f'{md_escape(data["organ"])}　·　{md_escape(section.get("marker", ""))}'
                       f'{md_escape(section.get("title", ""))}')
            st.markdown(f'**{md_escape(data.get("marker", ""))}{md_escape(data.get("title", ""))}**')
            st.markdown(md_lines(data.get("text", "")))


def full_text_picker(view: View, matrix, plan_ids: list[str]) -> None:
    choices = full_text_choices(matrix, plan_ids, view.labels)
    if not choices:
        return
    picked = st.selectbox("查看全文", list(choices), index=None, key="matrix_pick",
                          format_func=lambda key: choice_label(*choices[key]),
                          placeholder="选择一个章节或条目（可输入文字筛选），查看其全文")
    if picked in choices:
        show_full_text(*choices[picked])


@st.cache_resource(show_spinner="正在对齐各单位的章节……", max_entries=8)
def matrix_cached(_lib, fingerprint: str, root: str, by: str):
    """lib.section_matrix(by), once per library version (shared: callers take slices, never mutate)."""
    return _lib.section_matrix(by=by)


def main() -> None:
    st.title("章节对照")
    view = current_view()
    if view is None:
        return
    by = row_mode()
    if empty_state(view):
        return
    st.caption("每列一个单位。灰色斜纹格表示该单位没有对应章节。表格较宽时可左右滚动。")
    plan_ids = paginate(view.plan_ids, key="mx_page", size=ORGANS_PER_PAGE, what="个单位", label="单位分页")
    matrix = matrix_cached(view.lib, *cache_key(view), by)
    if matrix.empty:
        st.info("所选计划中没有解析出章节。")
        return
    matrix = matrix[[p for p in plan_ids if p in matrix.columns]]
    if by == "order":  # the k-th sections beyond this page's longest plan
        matrix = matrix[matrix.map(bool).any(axis=1)]
    if matrix.empty:
        st.info("本页的单位没有解析出章节。")
        return
    st.html(matrix_html(matrix, plan_ids, view.labels, by, view.dimension_names))
    with friendly_errors("显示全文"):
        full_text_picker(view, matrix, plan_ids)


main()
