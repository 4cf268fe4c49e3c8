"""The Excel + CSV download pair shown under every exportable table."""
from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence

import pandas as pd
import streamlit as st

from core.export import to_csv_bytes, to_xlsx_bytes

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def excel_and_csv(df: pd.DataFrame | Callable[[], pd.DataFrame], columns: Sequence[str], headers: Mapping[str, str], *,
                  file_stem: str, what: str = "", widths: Sequence[float] = (1, 1, 2)) -> None:
    """Two buttons: "下载{what}（Excel）" and "下载{what}（CSV）" ("下载 Excel"/"下载 CSV" without ``what``).

    The CSV is UTF-8 with a BOM so Excel shows the Chinese; the sheet is named ``file_stem``.
    The files are written when a button is clicked, not on every rerun (a workbook of
    thousands of rows takes seconds); ``df`` must not be changed afterwards. A click does
    not rerun the page: a rerun would drop the pending file before the browser fetched it. ``df`` may be a
    function returning the frame, for tables that are themselves slow to build.
    """
    source = _once(df) if callable(df) else (lambda: df)
    excel, csv = (f"下载{what}（Excel）", f"下载{what}（CSV）") if what else ("下载 Excel", "下载 CSV")
    cols = st.columns(list(widths))
    cols[0].download_button(excel, lambda: to_xlsx_bytes(source(), columns, headers, file_stem[:31]),
                            file_name=f"{file_stem}.xlsx", mime=XLSX_MIME,
                            icon=":material/download:", on_click="ignore", width="stretch")
    cols[1].download_button(csv, lambda: to_csv_bytes(source(), columns, headers), file_name=f"{file_stem}.csv",
                            mime="text/csv", icon=":material/download:", on_click="ignore", width="stretch")


def _once(build: Callable[[], pd.DataFrame]) -> Callable[[], pd.DataFrame]:
    """``build`` run at most once (both buttons share the frame); safe across download threads."""
    lock = threading.Lock()
    result: list[pd.DataFrame] = []

    def get() -> pd.DataFrame:
        with lock:
            if not result:
                result.append(build())
            return result[0]
    return get
