"""Static HTML tables built only from escaped strings: wrapped text, printable.

``st.dataframe`` draws on a canvas and cuts long cells; the 单位画像 and the
year-over-year pairs need every word visible on screen and on paper.
"""
from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from app.safe import html_text as esc

TABLE_CSS = """<style>
.ct-wrap { overflow-x: auto; margin: 0 0 1rem 0; }
.ct { border-collapse: collapse; width: 100%; table-layout: fixed; font-size: 14px; line-height: 1.6; }
.ct th, .ct td { border: 1px solid #e6dcd6; padding: 6px 8px; vertical-align: top; text-align: left;
  white-space: normal; overflow-wrap: anywhere; word-break: break-word; }
.ct th { background: #faf3ef; font-weight: 600; color: #3a2a24; }
.ct td.num { text-align: right; white-space: nowrap; }
.ct .ok { background: #dcefdc; color: #14532d; font-weight: 600; }
.ct .warn { background: #fbefc9; color: #6b4a00; font-weight: 600; }
.ct .bad { background: #f7dada; color: #8a1c1c; font-weight: 600; }
.ct .muted { color: #8a8a8a; }
.ct .line + .line { margin-top: 2px; }
.ct del { background: #f7dada; color: #8a1c1c; text-decoration: line-through; }
.ct ins { background: #dcefdc; color: #14532d; text-decoration: none; font-weight: 600; }
</style>"""

# A fixed style string (no plan text in it): what the browser prints.
PRINT_CSS = """<style>
@media print {
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
  [data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"],
  [data-testid="stDownloadButton"], [data-testid="stSelectbox"], [data-testid="stPageLink"],
  [data-testid="stElementToolbar"], .no-print { display: none !important; }
  html, body, #root, .stApp, [data-testid="stApp"], [data-testid="stAppViewContainer"],
  [data-testid="stMain"], [data-testid="stMainBlockContainer"] {
    height: auto !important; min-height: 0 !important; max-height: none !important;
    overflow: visible !important; position: static !important; }
  [data-testid="stMainBlockContainer"] { max-width: none !important; padding: 0 !important; }
  [data-testid="stVerticalBlock"] { gap: 0.4rem !important; }
  .ct-wrap { overflow: visible !important; }
  .ct { font-size: 10pt; }
  .ct tr { break-inside: avoid; page-break-inside: avoid; }
  h1, h2, h3 { break-after: avoid; page-break-after: avoid; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
@page { size: A4; margin: 14mm 12mm; }
</style>"""


@dataclass(frozen=True)
class Cell:
    """A table cell: plain text (escaped here), optionally several lines and a CSS class.

    ``safe_html`` is for markup built by this module from escaped text (:func:`diff_html`) only.
    """

    text: object = ""
    css: str = ""
    lines: tuple[str, ...] = ()
    safe_html: str = ""


def diff_html(before: str, after: str) -> tuple[str, str]:
    """Both texts escaped, with what ``after`` dropped in <del> and what it added in <ins>."""
    before, after = str(before or ""), str(after or "")
    a_parts, b_parts = [], []
    for op, a0, a1, b0, b1 in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        a_text, b_text = esc(before[a0:a1]), esc(after[b0:b1])
        if op == "equal":
            a_parts.append(a_text)
            b_parts.append(b_text)
            continue
        if a_text:
            a_parts.append(f"<del>{a_text}</del>")
        if b_text:
            b_parts.append(f"<ins>{b_text}</ins>")
    return ("".join(a_parts).replace("\n", "<br>"), "".join(b_parts).replace("\n", "<br>"))


def _cell_html(value: object) -> str:
    cell = value if isinstance(value, Cell) else Cell(value)
    if cell.safe_html:
        body = cell.safe_html
    elif cell.lines:
        body = "".join(f'<div class="line">{esc(line)}</div>' for line in cell.lines)
    else:
        body = esc("" if cell.text is None else cell.text)
    css = f' class="{cell.css}"' if cell.css else ""
    return f"<td{css}>{body}</td>"


def html_table(headers: Sequence[str], rows: Sequence[Sequence[object]],
               widths: Sequence[str] | None = None) -> str:
    """A wrapped table; ``widths`` are CSS widths per column (e.g. "20%")."""
    cols = "".join(f'<col style="width:{w}">' for w in widths) if widths else ""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_cell_html(v) for v in row) + "</tr>" for row in rows)
    return (f'<div class="ct-wrap"><table class="ct"><colgroup>{cols}</colgroup>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")


def styled(table_html: str) -> str:
    """``table_html`` with the table CSS in front (st.html renders each call in isolation)."""
    return TABLE_CSS + table_html
