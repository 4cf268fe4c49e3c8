"""One look for every page: the colour scale for counts and the dimension palette."""
from __future__ import annotations

# Counts (items covering a theme, items per organ…) always use this scale: pale
# for few, deep party red for many, so "darker = more" reads the same everywhere.
COUNT_COLORS: tuple[str, ...] = ("#fbf3ee", "#f6c9b4", "#ec8f74", "#d44a3a", "#a50f15")
COUNT_COLORSCALE: list[list[float | str]] = [
    [i / (len(COUNT_COLORS) - 1), c] for i, c in enumerate(COUNT_COLORS)
]
ZERO_COLOR = "#ffffff"
OMISSION_TEXT_COLOR = "#a50f15"

# Categorical colours for dimensions (stacked bars), in taxonomy order.
DIMENSION_COLORS: tuple[str, ...] = (
    "#c0392b", "#e67e22", "#d4ac0d", "#27ae60", "#16a085",
    "#2980b9", "#8e44ad", "#7f8c8d", "#b03a7a", "#5d6d7e", "#a04000", "#1e8449",
)

PLOT_FONT = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"


def count_color(value: float, vmax: float) -> str:
    """The colour of ``value`` on :data:`COUNT_COLORSCALE` for counts up to ``vmax``."""
    if vmax <= 0 or value <= 0:
        return COUNT_COLORS[0]
    t = min(1.0, value / vmax) * (len(COUNT_COLORS) - 1)
    low = int(t)
    if low >= len(COUNT_COLORS) - 1:
        return COUNT_COLORS[-1]
    a, b = _rgb(COUNT_COLORS[low]), _rgb(COUNT_COLORS[low + 1])
    f = t - low
    return "#" + "".join(f"{round(x + (y - x) * f):02x}" for x, y in zip(a, b))


def text_color_on(background: str) -> str:
    """Black or white, whichever reads better on ``background``."""
    r, g, b = _rgb(background)
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "#ffffff"


def dimension_color(index: int) -> str:
    return DIMENSION_COLORS[index % len(DIMENSION_COLORS)]


def _rgb(color: str) -> tuple[int, int, int]:
    color = color.lstrip("#")
    return int(color[0:2], 16), int(color[2:4], 16), int(color[4:6], 16)
