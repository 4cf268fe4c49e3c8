"""One-shot messages set by a button callback and shown once on the next run of the page."""
from __future__ import annotations

import streamlit as st

from app.safe import md_escape


def flash(key: str, kind: str, text: str) -> None:
    """Remember ``text`` ("success" or "error") under ``key`` for the next run."""
    st.session_state[key] = (kind, text)


def show_flash(key: str) -> None:
    """Show and forget the message remembered under ``key``, if any (escaped)."""
    found = st.session_state.pop(key, None)
    if found:
        kind, text = found
        (st.success if kind == "success" else st.error)(md_escape(text))
