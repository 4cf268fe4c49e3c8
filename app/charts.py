"""Plotly figures for the pages. Every label from a plan is HTML-escaped first,
because Plotly renders a subset of HTML in ticks, hover text and annotations."""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from app.safe import html_text
from app.style import (COUNT_COLORSCALE, OMISSION_TEXT_COLOR, PLOT_FONT, dimension_color,
                       text_color_on, count_color)

OMISSION_MARK = "缺"
_OMISSION_LABEL = f"<b>{OMISSION_MARK}</b>"  # our own constant: safe to bold


def items_by_dimension_bar(counts: pd.DataFrame, organ_labels: Sequence[str],
                           dimension_names: Sequence[str]) -> go.Figure:
    """Stacked bars: items per dimension (colour) for each organ (x).

    ``counts`` has columns label, dimension_name, items.
    """
    fig = go.Figure()
    for i, name in enumerate(dimension_names):
        part = counts[counts["dimension_name"] == name].set_index("label")["items"]
        values = [int(part.get(label, 0)) for label in organ_labels]
        if not any(values):
            continue
        fig.add_bar(
            name=html_text(name), x=[html_text(o) for o in organ_labels], y=values,
            marker_color=dimension_color(i),
            hovertemplate=f"%{{x}}<br>{html_text(name)}：%{{y}} 条<extra></extra>",
        )
    fig.update_layout(barmode="stack", height=380, margin=dict(l=10, r=10, t=10, b=10),
                      legend_title_text="维度", yaxis_title="任务条目数", font_family=PLOT_FONT,
                      xaxis=dict(type="category"))
    return fig


def coverage_heatmap(counts: pd.DataFrame, omitted: pd.DataFrame,
                     row_labels: Sequence[str], column_labels: Sequence[str],
                     cell_ids: list[list[tuple[str, str]]]) -> go.Figure:
    """Themes (rows) × organs (columns), colour = items covering the theme.

    ``counts`` and ``omitted`` are row_labels × column_labels frames (int / bool);
    an omitted cell shows the text label “缺”, so colour is never the only cue.
    ``cell_ids[r][c]`` = (plan_id, theme id) becomes the customdata of an invisible
    marker per cell: a plain Heatmap returns no point selection in Streamlit.
    """
    z = counts.to_numpy()
    vmax = max(1, int(z.max()) if z.size else 1)
    xs = [html_text(c) for c in column_labels]
    ys = [html_text(r) for r in row_labels]
    text = [[OMISSION_MARK if omitted.iat[r, c] else (str(z[r][c]) if z[r][c] else "")
             for c in range(len(xs))] for r in range(len(ys))]
    fig = go.Figure(go.Heatmap(
        z=z, x=xs, y=ys, zmin=0, zmax=vmax, colorscale=COUNT_COLORSCALE, xgap=2, ygap=2,
        colorbar=dict(title=dict(text="条目数"), thickness=12, len=min(1.0, 320 / (110 + 26 * len(ys))),
                      yanchor="top", y=1, dtick=1 if vmax <= 10 else None),
        hoverinfo="skip",
    ))
    fig.add_trace(go.Scatter(
        x=[x for _ in ys for x in xs], y=[y for y in ys for _ in xs],
        mode="markers+text",
        text=[_OMISSION_LABEL if t == OMISSION_MARK else t for row in text for t in row],
        textfont=dict(color=[OMISSION_TEXT_COLOR if t == OMISSION_MARK
                             else text_color_on(count_color(z[r][c], vmax))
                             for r, row in enumerate(text) for c, t in enumerate(row)],
                      size=13),
        marker=dict(size=26, symbol="square", opacity=0, color="#000000"),
        customdata=[list(cell_ids[r][c]) + [int(z[r][c])] for r in range(len(ys)) for c in range(len(xs))],
        hovertemplate="%{x}<br>%{y}<br>条目数：%{customdata[2]}<extra></extra>",
        showlegend=False,
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
