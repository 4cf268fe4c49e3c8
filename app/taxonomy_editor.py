"""Editing the taxonomy file from the dashboard: table ↔ taxonomy, validated atomic saves.

The 主题分类 page shows the themes as a table (lists as text), turns the edited table
back into a :class:`core.taxonomy.Taxonomy`, renders the TOML that would be written
and validates exactly that text with :func:`core.taxonomy.parse_taxonomy` (so the error
names the line of the file as it would be). A save writes atomically and first copies
the previous file to ``<folder>/.taxonomy_history/<stem>-<timestamp>.toml``; any of
those versions can be restored (which again keeps the one it replaces).

>>> split_terms("三会一课，主题党日, 第一议题\\n谈心谈话")
('三会一课', '主题党日', '第一议题', '谈心谈话')
>>> split_lines("a{1,3}\\n\\n(b|c)")
('a{1,3}', '(b|c)')
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from core.store import atomic_write
from core.taxonomy import Taxonomy, Theme, dump_taxonomy, parse_taxonomy

HISTORY_DIR = ".taxonomy_history"
COLUMNS = ["id", "name", "dimension", "required", "terms", "regex", "exclude", "hints", "scope"]
_TERM_SEPARATORS = re.compile(r"[,，\n\r]+")
_THEME_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*theme[ \t]*\]\]", re.M)


# ---------------------------------------------------------------- table ↔ taxonomy

def split_terms(text: object) -> tuple[str, ...]:
    """Terms and hints: separated by commas (half or full width) or lines."""
    return tuple(p.strip() for p in _TERM_SEPARATORS.split(_text(text)) if p.strip())


def split_lines(text: object) -> tuple[str, ...]:
    """Regexes: one per line (a regex may itself contain commas, e.g. ``{0,20}``)."""
    return tuple(p.strip() for p in _text(text).splitlines() if p.strip())


def join_terms(values: tuple[str, ...]) -> str:
    return "，".join(values)


def join_lines(values: tuple[str, ...]) -> str:
    return "\n".join(values)


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return ""
    return str(value)


def _flag(value: object) -> bool:
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return True  # a new row is required unless unticked, like the file format's default
    return bool(value)


def table_from_taxonomy(tax: Taxonomy) -> pd.DataFrame:
    """One row per theme; list fields as text."""
    rows = [{"id": t.id, "name": t.name, "dimension": t.dimension, "required": t.required,
             "terms": join_terms(t.terms), "regex": join_lines(t.regex),
             "exclude": join_lines(t.exclude), "hints": join_terms(t.hints), "scope": t.scope}
            for t in tax.themes]
    return pd.DataFrame(rows, columns=COLUMNS)


def taxonomy_from_table(table: pd.DataFrame, base: Taxonomy) -> Taxonomy:
    """The edited table as a taxonomy (dimensions from ``base``); not validated yet."""
    themes = []
    for row in table.to_dict("records"):
        if all(not _text(row.get(c)).strip() for c in COLUMNS if c != "required"):
            continue  # an added row left empty
        themes.append(Theme(
            id=_text(row.get("id")).strip(), name=_text(row.get("name")).strip(),
            dimension=_text(row.get("dimension")).strip(), scope=_text(row.get("scope")).strip(),
            required=_flag(row.get("required")), terms=split_terms(row.get("terms")),
            regex=split_lines(row.get("regex")), exclude=split_lines(row.get("exclude")),
            hints=split_terms(row.get("hints"))))
    return Taxonomy(base.dimensions, tuple(themes), base.source)


def header_comments(text: str) -> str:
    """The comment block that opens a taxonomy file (kept when the file is rewritten)."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#") and line.strip():
            break
        lines.append(line)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines)


def render(tax: Taxonomy, current_text: str = "") -> str:
    """The TOML to write: the current file's opening comments, then the taxonomy."""
    body = dump_taxonomy(tax)
    header = header_comments(current_text)
    if not header:
        return body
    body = body.split("\n", 1)[1] if body.startswith("#") else body  # dump's one-line header
    return f"{header}\n\n{body.lstrip()}"


def theme_index_at(text: str, line: int | None) -> int | None:
    """Index of the ``[[theme]]`` entry that holds ``line`` (1-based) of ``text``, if any."""
    if not line:
        return None
    index = None
    for n, match in enumerate(_THEME_HEADER.finditer(text)):
        if text.count("\n", 0, match.start()) + 1 <= line:
            index = n
        else:
            break
    return index


def context_lines(text: str, line: int | None, around: int = 2) -> str:
    """``line`` of ``text`` with its neighbours, numbered, the line itself marked."""
    if not line:
        return ""
    lines = text.splitlines()
    lo, hi = max(1, line - around), min(len(lines), line + around)
    return "\n".join(f"{'→' if n == line else ' '} {n:4d} | {lines[n - 1]}" for n in range(lo, hi + 1))


def removed_ids(before: Taxonomy, after: Taxonomy) -> list[str]:
    kept = set(after.theme_ids)
    return [t for t in before.theme_ids if t not in kept]


# ---------------------------------------------------------------- saving and history

def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Version:
    """A previous taxonomy file kept in the history folder."""

    name: str
    when: str
    size: int


def history_folder(path: Path) -> Path:
    return path.parent / HISTORY_DIR


def history_versions(path: Path) -> list[Version]:
    """Previous versions of the taxonomy file ``path``, newest first."""
    folder = history_folder(path)
    if not folder.is_dir():
        return []
    out = []
    pattern = re.compile(rf"^{re.escape(path.stem)}-(\d{{8}})-(\d{{6}})-(\d{{6}})\.toml$")
    for item in folder.iterdir():
        m = pattern.match(item.name)
        if m and item.is_file():
            d, t = m.group(1), m.group(2)
            when = f"{d[:4]}-{d[4:6]}-{d[6:]} {t[:2]}:{t[2:4]}:{t[4:]}"
            out.append(Version(item.name, when, item.stat().st_size))
    return sorted(out, key=lambda v: v.name, reverse=True)


def save_text(path: Path, text: str) -> Path | None:
    """Keep the current file in the history, then write ``text`` atomically.

    Returns the history copy (None when ``path`` did not exist). The caller validates
    ``text`` first.
    """
    kept = None
    if path.exists():
        folder = history_folder(path)
        folder.mkdir(exist_ok=True)
        while True:
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
            kept = folder / f"{path.stem}-{stamp}.toml"
            try:
                atomic_write(kept, path.read_bytes(), new=True)
                break
            except FileExistsError:
                continue
    atomic_write(path, text.encode("utf-8"))
    return kept


def version_text(path: Path, name: str) -> str:
    """The text of history version ``name`` — only a name that the listing offers."""
    for version in history_versions(path):
        if version.name == name:
            return (history_folder(path) / version.name).read_text(encoding="utf-8")
    raise FileNotFoundError(f"历史记录中没有“{name}”")


def restore_version(path: Path, name: str) -> Taxonomy:
    """Validate history version ``name`` and make it current (the current one is kept)."""
    text = version_text(path, name)
    tax = parse_taxonomy(text, source=f"历史版本 {name}")
    save_text(path, text)
    return tax
