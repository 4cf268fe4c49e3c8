"""Export tables (search results, comparisons) as CSV or XLSX bytes for download.

Both formats render lists/tuples as readable text and neutralise spreadsheet
formulas: a text cell starting with ``= + - @`` (or a tab / carriage return) gets
a leading apostrophe, so a plan sentence can never run as a formula in Excel. The
same :func:`neutralise_formula` treats column headers (organ and theme names become
headers in pivots) and sheet names; every export goes through these two writers.

>>> import pandas as pd
>>> to_csv_bytes(pd.DataFrame({"词": ["=1+1"], "themes": [("a", "b")]}))[:3]
b'\\xef\\xbb\\xbf'
"""
from __future__ import annotations

import io
import math
import re
from typing import Any, Mapping

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MAX_COLUMN_WIDTH = 60
MIN_COLUMN_WIDTH = 6
_ILLEGAL_XLSX_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def render_value(value: Any) -> Any:
    """A cell value: sequences joined with "; " (inner ones in parentheses), NaN → None.

    >>> render_value(("t1", "t2")), render_value([(0, 4), (9, 12)]), render_value(float("nan"))
    ('t1; t2', '(0, 4); (9, 12)', None)
    """
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else list(value)
        return "; ".join(_render_inner(v) for v in items)
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def _render_inner(value: Any) -> str:
    if isinstance(value, (list, tuple, np.ndarray)):
        return "(" + ", ".join(_render_inner(v) for v in value) + ")"
    rendered = render_value(value)
    return "" if rendered is None else str(rendered)


def neutralise_formula(value: Any) -> Any:
    """Prefix text that a spreadsheet would read as a formula with an apostrophe.

    >>> neutralise_formula("=HYPERLINK(1)"), neutralise_formula("-词"), neutralise_formula(-3)
    ("'=HYPERLINK(1)", "'-词", -3)
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _export_frame(df: pd.DataFrame, columns: list[str] | None,
                  headers: Mapping[str, str] | None) -> pd.DataFrame:
    """A new frame with chosen columns, rendered cells and display headers."""
    chosen = list(columns) if columns is not None else list(df.columns)
    missing = [c for c in chosen if c not in df.columns]
    if missing:
        raise KeyError(f"columns not in frame: {missing}")
    data = {c: [neutralise_formula(render_value(v)) for v in df[c].tolist()] for c in chosen}
    out = pd.DataFrame(data, columns=chosen, dtype=object)
    headers = headers or {}
    out.columns = [neutralise_formula(str(headers.get(c, c))) for c in chosen]
    return out


def to_csv_bytes(df: pd.DataFrame, columns: list[str] | None = None,
                 headers: Mapping[str, str] | None = None) -> bytes:
    """CSV encoded as UTF-8 with BOM (Excel then shows Chinese correctly)."""
    frame = _export_frame(df, columns, headers)
    # CRLF rows (RFC 4180): a field holding a bare CR is then quoted, not split into two rows.
    return frame.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def to_xlsx_bytes(data: pd.DataFrame | Mapping[str, pd.DataFrame], columns: list[str] | None = None,
                  headers: Mapping[str, str] | None = None, sheet_name: str = "结果") -> bytes:
    """An .xlsx workbook: one sheet per frame, bold frozen header, wrapped text, sized columns.

    ``data`` is a frame (written to ``sheet_name``) or a mapping sheet name → frame.
    ``columns`` and ``headers`` (column → display header) apply to every sheet.
    """
    sheets = {sheet_name: data} if isinstance(data, pd.DataFrame) else dict(data)
    workbook = Workbook(write_only=True)
    used: set[str] = set()
    for name, frame in sheets.items():
        present = [c for c in columns if c in frame.columns] if columns is not None else None
        _write_sheet(workbook, _sheet_title(name, used), _export_frame(frame, present, headers))
    if not sheets:
        workbook.create_sheet(_sheet_title(sheet_name, used))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(name: str, used: set[str]) -> str:
    # Excel forbids a leading apostrophe in a sheet name: the same test, a full-width one instead.
    base = _BAD_SHEET_CHARS.sub("_", str(name)).strip("'")
    if neutralise_formula(base) != base:
        base = "＇" + base
    base = base[:31] or "Sheet"
    title, n = base, 2
    while title.lower() in used:
        suffix = f"_{n}"
        title, n = base[:31 - len(suffix)] + suffix, n + 1
    used.add(title.lower())
    return title


def _display_width(value: Any) -> int:
    text = "" if value is None else str(value)
    longest = max((sum(2 if ord(ch) > 0x2E7F else 1 for ch in line) for line in text.split("\n")), default=0)
    return longest


def _column_widths(frame: pd.DataFrame, sample: int = 500) -> list[float]:
    widths = []
    for position, header in enumerate(frame.columns):
        values = frame.iloc[:sample, position].tolist()
        widest = max([_display_width(header)] + [_display_width(v) for v in values])
        widths.append(float(min(MAX_COLUMN_WIDTH, max(MIN_COLUMN_WIDTH, widest + 2))))
    return widths


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, str):
        return _ILLEGAL_XLSX_CHARS.sub("", value)
    return value


def _write_sheet(workbook: Workbook, title: str, frame: pd.DataFrame) -> None:
    sheet = workbook.create_sheet(title)
    for i, width in enumerate(_column_widths(frame), start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"
    wrap = Alignment(wrap_text=True, vertical="top")
    bold = Font(bold=True)

    def cell(value: Any, font: Font | None = None) -> WriteOnlyCell:
        c = WriteOnlyCell(sheet, value=_xlsx_value(value))
        c.alignment = wrap
        if font is not None:
            c.font = font
        return c

    sheet.append([cell(h, bold) for h in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        sheet.append([cell(v) for v in row])


__all__ = ["to_csv_bytes", "to_xlsx_bytes", "render_value", "neutralise_formula", "FORMULA_PREFIXES"]
