"""Charts for the pages. Every label from a plan is HTML-escaped first, because
Plotly renders a subset of HTML in ticks, hover text and annotations, and the
HTML bars are HTML."""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from app.safe import html_text
from app.style import (COUNT_COLORSCALE, OMISSION_TEXT_COLOR, PLOT_FONT, dimension_color,
                       text_color_on, count_color)

OMISSION_MARK = "缺"
_OMISSION_LABEL = f"<b>{OMISSION_MARK}</b>"  # our own constant: safe to bold
REVIEWED_MARK, RECHECK_MARK = "✓", "？"  # a person decided this cell / the plan changed since
REVIEW_BORDER = "#1f4e9c"


def items_by_dimension_bars(counts: pd.DataFrame, organ_labels: Sequence[str],
                            dimension_names: Sequence[str]) -> str:
    """Stacked horizontal bars as HTML: items per dimension (colour) for each organ (row).

    Plain HTML rather than Plotly because this is the first page a leader opens, and
    loading Plotly's browser bundle was most of its cold-start time. Every label is
    escaped; colours and widths are our own numbers. ``counts`` has columns label,
    dimension_name, items.
    """
    table = counts.pivot_table(index="label", columns="dimension_name", values="items",
                               aggfunc="sum", fill_value=0)
    present = [(i, name) for i, name in enumerate(dimension_names)
               if name in table.columns and table[name].sum() > 0]
    totals = {label: int(table.loc[label].sum()) if label in table.index else 0
              for label in organ_labels}
    widest = max(totals.values(), default=0) or 1
    legend = "".join(
        f'<span class="dim-key"><i style="background:{dimension_color(i)}"></i>{html_text(name)}</span>'
        for i, name in present)
    rows = []
    for label in organ_labels:
        segments = []
        for i, name in present:
            n = int(table.at[label, name]) if label in table.index else 0
            if n:
                color = dimension_color(i)
                segments.append(
                    f'<span class="seg" style="width:{100 * n / widest:.2f}%;background:{color};'
                    f'color:{text_color_on(color)}" title="{html_text(name)}：{n} 条">{n}</span>')
        rows.append(f'<div class="bar-row"><span class="bar-label" title="{html_text(label)}">'
                    f'{html_text(label)}</span><span class="bar">{"".join(segments)}</span>'
                    f'<span class="bar-total">{totals[label]}</span></div>')
    return _BARS_STYLE + f'<div class="dim-legend">{legend}</div>' + "".join(rows)


_BARS_STYLE = """<style>
.dim-legend{display:flex;flex-wrap:wrap;gap:.3rem 1rem;margin:.2rem 0 .8rem;font-size:.85rem}
.dim-key i{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:-1px}
.bar-row{display:flex;align-items:center;gap:.6rem;margin:.35rem 0}
.bar-label{flex:0 0 8.5rem;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.bar{flex:1;display:flex;height:1.6rem}
.seg{display:flex;align-items:center;justify-content:center;font-size:.8rem;overflow:hidden}
.bar-total{flex:0 0 2.5rem;text-align:right;color:#555;font-size:.85rem}
</style>"""


def coverage_heatmap(counts: pd.DataFrame, omitted: pd.DataFrame,
                     row_labels: Sequence[str], column_labels: Sequence[str],
                     cell_ids: list[list[tuple[str, str]]],
                     marks: pd.DataFrame | None = None) -> go.Figure:
    """Themes (rows) × organs (columns), colour = items covering the theme.

    ``counts`` and ``omitted`` are row_labels × column_labels frames (int / bool);
    an omitted cell shows the text label “缺”, so colour is never the only cue.
    ``cell_ids[r][c]`` = (plan_id, theme id) becomes the customdata of an invisible
    marker per cell: a plain Heatmap returns no point selection in Streamlit.
    ``marks`` (same shape, str) adds :data:`REVIEWED_MARK` or :data:`RECHECK_MARK` after
    a cell's text and a border around it: the cell's answer is a person's, or needs one.
    """
    z = counts.to_numpy()
    vmax = max(1, int(z.max()) if z.size else 1)
    xs = [html_text(c) for c in column_labels]
    ys = [html_text(r) for r in row_labels]
    text = [[OMISSION_MARK if omitted.iat[r, c] else (str(z[r][c]) if z[r][c] else "")
             for c in range(len(xs))] for r in range(len(ys))]
    mark = [[marks.iat[r, c] if marks is not None else "" for c in range(len(xs))] for r in range(len(ys))]
    fig = go.Figure(go.Heatmap(
        z=z, x=xs, y=ys, zmin=0, zmax=vmax, colorscale=COUNT_COLORSCALE, xgap=2, ygap=2,
        colorbar=dict(title=dict(text="条目数"), thickness=12, len=min(1.0, 320 / (110 + 26 * len(ys))),
                      yanchor="top", y=1, dtick=1 if vmax <= 10 else None),
        hoverinfo="skip",
    ))
    fig.add_trace(go.Scatter(
        x=[x for _ in ys for x in xs], y=[y for y in ys for _ in xs],
        mode="markers+text",
        text=[(_OMISSION_LABEL if t == OMISSION_MARK else t) + m
              for row, mrow in zip(text, mark) for t, m in zip(row, mrow)],
        textfont=dict(color=[OMISSION_TEXT_COLOR if t == OMISSION_MARK
                             else text_color_on(count_color(z[r][c], vmax))
                             for r, row in enumerate(text) for c, t in enumerate(row)],
                      size=13),
        marker=dict(size=26, symbol="square", opacity=0, color="#000000"),
        customdata=[list(cell_ids[r][c]) + [int(z[r][c])] for r in range(len(ys)) for c in range(len(xs))],
        hovertemplate="%{x}<br>%{y}<br>条目数：%{customdata[2]}<extra></extra>",
        showlegend=False,
    ))
    reviewed = [(r, c) for r in range(len(ys)) for c in range(len(xs)) if mark[r][c]]
    if reviewed:  # a border as well as the mark: the mark alone is small on a dark cell
        fig.add_trace(go.Scatter(
            x=[xs[c] for r, c in reviewed], y=[ys[r] for r, c in reviewed], mode="markers",
            marker=dict(size=28, symbol="square-open", color=REVIEW_BORDER, line=dict(width=2.5)),
            customdata=[list(cell_ids[r][c]) + [int(z[r][c])] for r, c in reviewed],
            hovertemplate="%{x}<br>%{y}<br>已人工复核<extra></extra>", showlegend=False,
        ))
    fig.update_layout(
        height=max(320, 110 + 26 * len(ys)), margin=dict(l=10, r=10, t=30, b=10),
        font_family=PLOT_FONT, dragmode=False, clickmode="event+select",
        # Explicit ranges: the marker trace would otherwise pad the axes with empty bands.
        xaxis=dict(side="top", type="category", fixedrange=True, range=[-0.5, len(xs) - 0.5],
                   tickangle=0 if len(xs) <= 8 else -40),
        yaxis=dict(type="category", fixedrange=True, range=[len(ys) - 0.5, -0.5]),
        plot_bgcolor="#ffffff",
    )
    return fig
