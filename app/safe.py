"""Escaping of plan text before it reaches Markdown, HTML or a Plotly label."""
from __future__ import annotations

import html
import string

_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# Every other ASCII punctuation mark is backslash-escaped: CommonMark then shows it
# literally, so no plan sentence can become a link, emphasis, math, table or list.
_BACKSLASHED = {c: "\\" + c for c in string.punctuation if c not in _HTML}
_TABLE = str.maketrans({**_BACKSLASHED, **_HTML})


def md_escape(text: object) -> str:
    r"""``text`` as literal Markdown: no HTML, links, emphasis, math or tables.

    >>> print(md_escape("<b>[x](y) *a* $1$"))
    &lt;b&gt;\[x\]\(y\) \*a\* \$1\$
    """
    return ("" if text is None else str(text)).translate(_TABLE)


def md_lines(text: object) -> str:
    """Escaped like :func:`md_escape`, keeping the plan's line breaks."""
    return "  \n".join(md_escape(line) for line in str(text or "").splitlines())


def html_text(text: object) -> str:
    """Text for an HTML element or a Plotly label (Plotly decodes these entities)."""
    return html.escape("" if text is None else str(text), quote=True)
