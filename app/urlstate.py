"""Widget values that live in st.session_state AND in the URL, so a view can be shared.

Before a widget is drawn, :func:`seed` copies a URL value into its session-state key
when the URL holds one this session has not applied yet (first run of a shared
link, or a page link carrying parameters); after it is drawn, :func:`publish`
writes the value back. Lists are written comma-separated: ``?organs=甲,乙&years=2022``.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import streamlit as st

T = TypeVar("T")
_SEEN = "_url_seen"


def url_text(param: str) -> str | None:
    """The URL value of ``param`` (repeated parameters joined by commas), or None."""
    values = [v for v in st.query_params.get_all(param)]
    return ",".join(values) if values else None


def split_list(text: str) -> list[str]:
    return [part.strip() for part in text.replace("，", ",").split(",") if part.strip()]


def seed(key: str, param: str, parse: Callable[[str], Any], default: Any) -> None:
    """Give widget ``key`` its value from the URL (if new), else keep it, else ``default``."""
    seen: dict[str, str | None] = st.session_state.setdefault(_SEEN, {})
    raw = url_text(param)
    if raw is not None and raw != seen.get(param):
        st.session_state[key] = parse(raw)
        seen[param] = raw
    elif key not in st.session_state:
        st.session_state[key] = default


def publish(param: str, text: str | None) -> None:
    """Write ``text`` to the URL (or drop ``param`` when None/empty)."""
    seen: dict[str, str | None] = st.session_state.setdefault(_SEEN, {})
    if text:
        if url_text(param) != text:
            st.query_params[param] = text
    elif param in st.query_params:
        del st.query_params[param]
    seen[param] = text or None


def choice_parser(options: Sequence[T], default: T) -> Callable[[str], T]:
    """A parser that maps URL text to one of ``options`` (compared as text)."""
    by_text = {str(o): o for o in options}
    return lambda raw: by_text.get(raw.strip(), default)


def list_parser(options: Iterable[T]) -> Callable[[str], list[T]]:
    """A parser that keeps the listed values that are valid options, in URL order."""
    by_text = {str(o): o for o in options}
    return lambda raw: list(dict.fromkeys(by_text[p] for p in split_list(raw) if p in by_text))


def join_list(values: Iterable[Any]) -> str:
    return ",".join(str(v) for v in values)
