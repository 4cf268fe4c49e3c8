"""Split long lists (organs as columns, table rows) into pages, with the page in the URL.

A page that draws one column per organ stays readable and fast at 1,000 organs by
drawing one page of them; the chosen page is view state, so it is kept in the URL
(``?cov_page=3``) like the sidebar filters.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import streamlit as st

from app import urlstate

T = TypeVar("T")


def page_count(total: int, size: int) -> int:
    """Pages needed for ``total`` entries, ``size`` per page (at least 1)."""
    return max(1, -(-total // max(1, size)))


def page_slice(entries: Sequence[T], page: int, size: int) -> list[T]:
    """Entries on page ``page`` (1-based), clamped to the last page."""
    page = min(max(1, page), page_count(len(entries), size))
    return list(entries[(page - 1) * size: page * size])


def paginate(entries: Sequence[T], *, key: str, size: int, what: str = "个单位",
             label: str = "分页") -> list[T]:
    """The entries of the chosen page; draws a page picker only when there is more than one page.

    ``key`` is both the widget key and the URL parameter; ``what`` names the entries
    in the picker (e.g. "个单位", "处缺失").
    """
    total = len(entries)
    pages = page_count(total, size)
    if pages <= 1:
        if key in st.query_params:
            urlstate.publish(key, None)
        return list(entries)
    options = list(range(1, pages + 1))
    urlstate.seed(key, key, lambda raw: int(raw) if raw.strip().isdigit() else 1, 1)
    if st.session_state.get(key) not in options:  # the list got shorter, or a bad URL value
        st.session_state[key] = min(max(1, int(st.session_state.get(key) or 1)), pages)

    def describe(page: int) -> str:
        first, last = (page - 1) * size + 1, min(page * size, total)
        return f"第 {page}/{pages} 页（第 {first}–{last} 项，共 {total} {what}）"

    page = st.selectbox(label, options, key=key, format_func=describe,
                        help=f"每页 {size} {what}。选择页码查看其余部分。")
    urlstate.publish(key, str(page) if page != 1 else None)
    return page_slice(entries, page, size)
