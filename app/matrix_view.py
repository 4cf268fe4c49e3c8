"""The section matrix as an HTML table built only from escaped strings.

One fixed-width column per organ, wrapped text, horizontal scroll beyond the
screen, a sticky row-label column and header, and a visible “未涉及” for gaps.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from app.safe import html_text as esc

COLUMN_WIDTH_PX = 250
LABEL_WIDTH_PX = 120
EMPTY_TEXT = {"dimension": "未涉及", "order": "无此章"}

MATRIX_CSS = f"""
<style>
.mx-wrap {{ overflow: auto; max-height: 75vh; border: 1px solid #e6e0dc; border-radius: 6px; }}
.mx {{ border-collapse: separate; border-spacing: 0; table-layout: fixed; font-size: 14px; line-height: 1.5; }}
.mx th, .mx td {{ width: {COLUMN_WIDTH_PX}px; min-width: {COLUMN_WIDTH_PX}px; vertical-align: top;
  padding: 8px 10px; border-right: 1px solid #eee6e2; border-bottom: 1px solid #eee6e2;
  white-space: normal; overflow-wrap: anywhere; text-align: left; }}
.mx thead th {{ position: sticky; top: 0; background: #faf3ef; z-index: 2; font-weight: 600; }}
.mx th.mx-row {{ position: sticky; left: 0; width: {LABEL_WIDTH_PX}px; min-width: {LABEL_WIDTH_PX}px;
  background: #fdf8f5; z-index: 1; font-weight: 600; color: #7a1f1f; }}
.mx thead th.mx-row {{ z-index: 3; }}
.mx .sec + .sec {{ margin-top: 10px; padding-top: 8px; border-top: 1px dashed #e3d6cf; }}
.mx .sec-title {{ font-weight: 600; color: #3a2a24; }}
.mx .sec-dim {{ display: inline-block; font-size: 12px; color: #7a1f1f; background: #f6e3dc;
  border-radius: 4px; padding: 0 6px; margin-bottom: 2px; }}
.mx ul {{ list-style: none; margin: 4px 0 0 0; padding: 0; }}
.mx li {{ margin: 2px 0; color: #4a4a4a; }}
.mx .mk {{ color: #999; margin-right: 2px; }}
.mx td.mx-none {{ background: repeating-linear-gradient(135deg, #fafafa, #fafafa 6px, #f2f2f2 6px, #f2f2f2 12px); }}
.mx .none {{ color: #b0413e; font-weight: 600; }}
</style>
"""


def section_html(section: Mapping, dimension_name: str | None = None) -> str:
    """One section: optional dimension tag, marker + title, then its items' titles."""
    tag = f'<div class="sec-dim">{esc(dimension_name)}</div>' if dimension_name else ""
    items = "".join(
        f'<li><span class="mk">{esc(it.get("marker", ""))}</span>{esc(it.get("title", ""))}</li>'
        for it in section.get("items", []))
    title = esc(f'{section.get("marker", "")}{section.get("title", "")}') or "（无标题）"
    return f'<div class="sec">{tag}<div class="sec-title">{title}</div><ul>{items}</ul></div>'


def matrix_html(matrix: pd.DataFrame, plan_ids: Sequence[str], labels: Mapping[str, str],
                by: str, dimension_names: Mapping[str, str]) -> str:
    """The whole table; ``matrix`` is ``lib.section_matrix(by)`` (cells = section lists)."""
    head = "".join(f"<th>{esc(labels.get(p, p))}</th>" for p in plan_ids)
    width = LABEL_WIDTH_PX + COLUMN_WIDTH_PX * len(plan_ids)
    rows = []
    for row_label, row in matrix.iterrows():
        cells = []
        for plan_id in plan_ids:
            sections = row.get(plan_id) or []
            if not sections:
                cells.append(f'<td class="mx-none"><span class="none">{EMPTY_TEXT[by]}</span></td>')
                continue
            show_dim = by == "order"
            cells.append("<td>" + "".join(
                section_html(s, dimension_names.get(s.get("dimension", ""), "") if show_dim else None)
                for s in sections) + "</td>")
        rows.append(f'<tr><th class="mx-row">{esc(row_label)}</th>{"".join(cells)}</tr>')
    return (f'{MATRIX_CSS}<div class="mx-wrap"><table class="mx" style="width:{width}px">'
            f'<thead><tr><th class="mx-row">{"维度" if by == "dimension" else "顺序"}</th>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


def full_text_choices(matrix: pd.DataFrame, plan_ids: Sequence[str],
                      labels: Mapping[str, str]) -> dict[str, tuple[str, Mapping]]:
    """Choice key → (kind, section or item dict) for the “查看全文” picker, in table order."""
    choices: dict[str, tuple[str, Mapping]] = {}
    for plan_id in plan_ids:
        for _, row in matrix.iterrows():
            for section in row.get(plan_id) or []:
                choices[section["section_id"]] = ("section", {**section, "organ": labels.get(plan_id, plan_id)})
                for item in section.get("items", []):
                    choices[item["item_id"]] = ("item", {**item, "organ": labels.get(plan_id, plan_id),
                                                         "section": section})
    return choices


def choice_label(kind: str, data: Mapping) -> str:
    """Plain text for a selectbox option (selectbox options are not Markdown)."""
    if kind == "section":
        return f'{data["organ"]}｜{data.get("marker", "")}{data.get("title", "")}'
    section = data["section"]
    return f'{data["organ"]}｜{section.get("marker", "")}{data.get("marker", "")}{data.get("title", "")}'
