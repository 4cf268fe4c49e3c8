"""Showing plan wording with highlighted matches (HTML produced only by core.search)."""
from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import streamlit as st

from app.safe import md_escape
from core.search import highlight_html

HIGHLIGHT_CSS = ("white-space: pre-wrap; line-height: 1.7; font-size: 15px; color: #262730;")
MARK_OPEN = '<mark style="background: #fde2c8; color: inherit; padding: 0 1px; border-radius: 2px;">'


def escaped_html_block(escaped_html: str) -> None:
    """Render HTML that ``core.search`` built from escaped text (highlight or snippet)."""
    # Plan text inside is escaped, so the only literal "<mark>" tags are core's own.
    st.html(f'<div style="{HIGHLIGHT_CSS}">{escaped_html.replace("<mark>", MARK_OPEN)}</div>')


def highlighted_block(text: str, spans: Iterable[tuple[int, int]]) -> None:
    """The full ``text`` with ``spans`` marked."""
    escaped_html_block(highlight_html(str(text or ""), [tuple(s) for s in spans]))


def item_heading(item: pd.Series | None, fallback: str = "") -> str:
    """Escaped Markdown: organ｜section｜item marker and title."""
    if item is None:
        return f"**{md_escape(fallback)}**"
    section = f'{item.get("section_marker", "")}{item.get("section_title", "")}'
    return (f'{md_escape(item.get("organ", ""))}｜{md_escape(section)}  \n'
            f'**{md_escape(item.get("marker", ""))}{md_escape(item.get("title", ""))}**')
