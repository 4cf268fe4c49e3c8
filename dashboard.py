"""党建计划对照看板 — entry point: ``streamlit run dashboard.py``.

The frame (page config, navigation, the shared sidebar) lives here; each page's
layout lives in ``pages/`` and reads the shared view from ``app.frame``.
"""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from app.frame import build_view, friendly_errors

# A local icon: a ":material/…:" page icon makes every browser fetch the favicon from Google.
ICON = Path(__file__).resolve().parent / "app" / "static" / "icon.png"
st.set_page_config(layout="wide", page_title="党建计划对照看板", page_icon=str(ICON))

# Each url_path equals its file stem on purpose: app.frame.require_frame relies on it
# to escape the legacy pages/ discovery trap on a fresh server.
PAGES = {
    "对照": [
        st.Page("pages/overview.py", title="总览", url_path="overview", icon=":material/dashboard:", default=True),
        st.Page("pages/matrix.py", title="章节对照", url_path="matrix", icon=":material/view_column:"),
        st.Page("pages/coverage.py", title="主题覆盖", url_path="coverage", icon=":material/grid_on:"),
        st.Page("pages/search.py", title="任务检索", url_path="search", icon=":material/search:"),
    ],
    "深入分析": [
        st.Page("pages/reference.py", title="对标检查", url_path="reference", icon=":material/fact_check:"),
        st.Page("pages/distinct.py", title="特色任务", url_path="distinct", icon=":material/auto_awesome:"),
        st.Page("pages/yearly.py", title="年度对比", url_path="yearly", icon=":material/compare_arrows:"),
        st.Page("pages/commitments.py", title="承诺事项", url_path="commitments", icon=":material/task_alt:"),
        st.Page("pages/scorecard.py", title="单位画像", url_path="scorecard", icon=":material/badge:"),
    ],
    "管理": [
        st.Page("pages/library.py", title="计划库", url_path="library", icon=":material/folder_open:"),
        st.Page("pages/taxonomy.py", title="主题分类", url_path="taxonomy", icon=":material/category:"),
    ],
}

page = st.navigation(PAGES)
with friendly_errors("读取计划库"):
    build_view()
with friendly_errors(f"显示“{page.title}”页"):
    page.run()
