"""A person's decision on one coverage cell: shown beside the evidence, recorded with 确认 / 改判.

The reviewer's name comes from a sidebar field kept for the session. When an admin
password is set, recording needs it (the callback checks again: a disabled button is
only UI). Decisions go through :meth:`core.Library.review`, which validates them.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st

from app import auth
from app.flash import flash, show_flash
from app.safe import md_escape
from core.errors import UserError
from core.reviews import DECISIONS, NOTE_LIMIT, REVIEWER_LIMIT

REVIEWER_KEY = "reviewer_name"
NOTE_KEY, ITEMS_KEY, CELL_KEY = "review_note", "review_items", "_review_cell"
_FLASH = "review_flash"


def reviewer_field() -> str:
    """The sidebar field for the reviewer's name (kept while the session lasts)."""
    with st.sidebar:
        name = st.text_input("复核人", key=REVIEWER_KEY, max_chars=REVIEWER_LIMIT, persist_state="session",
                             placeholder="填写姓名后再复核", help="记入每条复核结论；本次会话内保留。")
    return str(name or "").strip()


def describe(review: Mapping[str, Any] | None) -> str:
    """One escaped Markdown line about a cell's decision ("" when there is none)."""
    if not review:
        return ""
    who = "、".join(x for x in (review.get("by") or "", str(review.get("time") or "")[:16].replace("T", " ")) if x)
    note = f"：{md_escape(review['note'])}" if review.get("note") else ""
    return f"人工复核为**{DECISIONS[review['decision']]}**（{md_escape(who) or '未署名'}）{note}"


def status(row: pd.Series) -> None:
    """The decision of the cell in ``row`` (a coverage row), if any."""
    review = row.get("review")
    if not review:
        st.caption("尚未人工复核：下面是机器按主题分类规则给出的判断。")
        return
    if row["needs_recheck"]:
        st.warning(f"需复核：这份计划的文件在复核后已被替换，原来的结论暂不采用。原结论：{describe(review)}",
                   icon=":material/history:")
        return
    machine = "已覆盖" if row["machine_covered"] else "缺"
    verb = "确认了" if (review["decision"] == "covered") == bool(row["machine_covered"]) else "改判了"
    st.success(f"{describe(review)}。复核人{verb}机器的判断（{machine}）。", icon=":material/verified:")


def decide(lib: Any, row: pd.Series, suggested_items: list[str]) -> None:
    """确认 / 改判 buttons with a note field and evidence items for the cell in ``row``."""
    plan_id, theme = str(row["plan_id"]), str(row["theme"])
    show_flash(_FLASH)
    if auth.configured_password() is not None and not auth.admin_gate("复核结论", key="review_admin"):
        return
    if st.session_state.get(CELL_KEY) != (plan_id, theme):  # another cell: start from its defaults
        st.session_state[CELL_KEY] = (plan_id, theme)
        st.session_state[NOTE_KEY] = ""
        st.session_state[ITEMS_KEY] = list(suggested_items)
    items = lib.items[lib.items["plan_id"] == plan_id]
    labels = dict(zip(items["item_id"], items["marker"].astype(str) + items["title"].astype(str)))
    st.session_state[ITEMS_KEY] = [i for i in st.session_state.get(ITEMS_KEY) or [] if i in labels]
    machine_covered = bool(row["machine_covered"])
    with st.container(border=True):
        st.markdown("**人工复核**")
        st.text_area(f"复核说明（可选，最多 {NOTE_LIMIT} 字）", key=NOTE_KEY, max_chars=NOTE_LIMIT,
                     placeholder="例如：第三章第 2 条“网上支部”即属此项")
        st.multiselect("依据条目（可选）", list(labels), key=ITEMS_KEY, format_func=lambda i: labels.get(i, i),
                       help="复核人认为能说明结论的条目；“主题分类”页据此提出词语建议。")
        left, right = st.columns(2)
        same, other = ("covered", "omitted") if machine_covered else ("omitted", "covered")
        left.button(f"确认：{DECISIONS[same]}", key="review_confirm", icon=":material/check:",
                    type="primary", width="stretch", on_click=_record, args=(lib, plan_id, theme, same))
        right.button(f"改判为：{DECISIONS[other]}", key="review_overrule", icon=":material/swap_horiz:",
                     width="stretch", on_click=_record, args=(lib, plan_id, theme, other))
        if not st.session_state.get(REVIEWER_KEY):
            st.caption("提示：在左侧边栏“复核人”填写姓名，结论会署上你的名字。")


def _record(lib: Any, plan_id: str, theme: str, decision: str) -> None:
    """Button callback: check the password again, then record the decision."""
    try:
        auth.require_admin()
        lib.review(plan_id, theme, decision, note=st.session_state.get(NOTE_KEY) or "",
                   by=st.session_state.get(REVIEWER_KEY) or "", items=st.session_state.get(ITEMS_KEY) or ())
    except (UserError, PermissionError) as err:
        flash(_FLASH, "error", f"未保存复核结论：{err}")
        return
    st.session_state[NOTE_KEY] = ""
    flash(_FLASH, "success", f"已记录复核结论：{DECISIONS[decision]}。热力图中该格已标出 ✓。")
