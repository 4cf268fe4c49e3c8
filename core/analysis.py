"""Themes across a library: tagging every item, coverage, omissions, section matrix.

Only task items count as coverage; mentions in a preamble are reported apart
(``preamble_mentions``) so a supervisor sees them without mistaking them for work.
"""
from __future__ import annotations

import operator
import threading
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, repeat
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .model import Plan
from .normalize import fold
from .tagging import (_about_keywords, could_match, decide_dimension, fold_for_matching,
                      heading_dimensions, matching_rows, near_miss_finder, rule_key, section_dimension,
                      tag_text)
from .taxonomy import Taxonomy, Theme

EVIDENCE_COLUMNS = ["item_id", "plan_id", "theme", "term", "start", "end"]
PREAMBLE_COLUMNS = ["plan_id", "theme", "term", "start", "end"]
COVERAGE_COLUMNS = ["plan_id", "organ", "year", "theme", "theme_name", "dimension", "required",
                    "count", "covered"]
CANDIDATE_COLUMNS = ["candidate_item_id", "candidate_title", "candidate_text", "candidate_spans",
                     "reason"]
OMISSION_CELL_COLUMNS = ["plan_id", "organ", "year", "theme", "theme_name", "dimension",
                         "preamble_mention"]
OMISSION_COLUMNS = ["plan_id", "organ", "year", "theme", "theme_name", "dimension",
                    *CANDIDATE_COLUMNS, "preamble_mention"]
NOT_COVERED = "未涉及"


@dataclass
class Tags:
    """Result of tagging a library: per-item themes, section dimensions, evidence."""

    item_themes: list[tuple[str, ...]]
    section_dimensions: list[str]
    evidence: pd.DataFrame
    preamble_mentions: pd.DataFrame


@dataclass
class PlanTags:
    """Tags of one plan, as plain rows (cheap to send back from a worker process)."""

    item_themes: list[tuple[str, ...]]
    section_dimensions: list[str]
    evidence: list[tuple]
    preamble_mentions: list[tuple]


def tag_plan(plan_id: str, preamble: str, sections: Sequence[tuple[str, Sequence[str]]],
             taxonomy: Taxonomy, overrides: dict[int, str] | None = None) -> PlanTags:
    """Tag one plan given as its preamble and ``(section title, [item text, …])`` pairs.

    >>> from core.taxonomy import load_taxonomy
    >>> tags = tag_plan("p", "", [("组织建设", ["落实三会一课制度。"])], load_taxonomy())
    >>> tags.item_themes, tags.section_dimensions
    ([('org_life',)], ['organization'])
    """
    overrides = overrides or {}
    order = _theme_order(taxonomy)
    known_dims = set(taxonomy.dimension_ids)
    out = PlanTags([], [], [], [])
    if preamble:
        for theme, hits in tag_text(preamble, taxonomy).items():
            out.preamble_mentions.extend((plan_id, theme, h.term, h.start, h.end) for h in hits)
    for s_no, (title, item_texts) in enumerate(sections, start=1):
        per_item: list[list[str]] = []
        for i_no, text in enumerate(item_texts, start=1):
            tags = tag_text(text, taxonomy)
            themes = tuple(sorted(tags, key=order.__getitem__))
            per_item.append(list(themes))
            out.item_themes.append(themes)
            item_id = f"{plan_id}:{s_no}.{i_no}"
            out.evidence.extend((item_id, plan_id, t, h.term, h.start, h.end)
                                for t in themes for h in tags[t])
        forced = overrides.get(s_no)
        out.section_dimensions.append(forced if forced in known_dims else
                                      section_dimension(title, per_item, taxonomy))
    return out


def tag_plans(plans: list[Plan], taxonomy: Taxonomy,
              overrides: dict[str, dict[int, str]] | None = None) -> Tags:
    """Tag every item of ``plans`` (in library order) and give each section a dimension.

    ``overrides`` maps plan_id → {section number (1-based) → dimension id} from the manifest.
    """
    overrides = overrides or {}
    return combine_tags([
        tag_plan(p.plan_id, p.preamble, [(s.title, [i.text for i in s.items]) for s in p.sections],
                 taxonomy, overrides.get(p.plan_id))
        for p in plans])


def tag_plans_frames(preambles: dict[str, str], sections: pd.DataFrame, items: pd.DataFrame,
                     taxonomy: Taxonomy, overrides: dict[str, dict[int, str]] | None = None) -> Tags:
    """Like :func:`tag_plans`, from a library's frames instead of parsed plans.

    ``preambles`` maps every plan_id, in library order, to its preamble.
    """
    overrides = overrides or {}
    texts_of = {sid: list(g) for sid, g in items.groupby("section_id", sort=False)["text"]}
    sections_of: dict[str, list[tuple[str, list[str]]]] = {}
    for sid, pid, title in zip(sections["section_id"], sections["plan_id"], sections["title"]):
        sections_of.setdefault(pid, []).append((title, texts_of.get(sid, [])))
    return combine_tags(tag_plan(pid, preamble, sections_of.get(pid, []), taxonomy, overrides.get(pid))
                        for pid, preamble in preambles.items())


def retag_changed(old: Taxonomy, new: Taxonomy, tags: Tags, preambles: dict[str, str],
                  sections: pd.DataFrame, items: pd.DataFrame, folded: Sequence[str],
                  overrides: dict[str, dict[int, str]] | None = None,
                  folded_preambles: dict[str, str] | None = None) -> Tags:
    """Tags under ``new`` given the ``tags`` under ``old``, re-running only what an edit can change.

    A theme keeps its evidence when its rules (terms, regex, exclude) are unchanged. A
    theme whose edit only added or removed plain terms is tried again only on texts
    holding one of those terms; other edited and new themes on the items their pattern
    can match (``folded``: folded item texts aligned with ``items``). Section dimensions
    are decided again only for the sections the edit can move (see
    :func:`_retag_section_dimensions`). The result equals :func:`tag_plans_frames` under
    ``new``, in the same row order. ``folded_preambles`` caches ``fold`` of the preambles
    across calls: filled here when empty and needed.
    """
    overrides = overrides or {}
    old_themes_by_id = {t.id: t for t in old.themes}
    changed = {t.id for t in new.themes
               if t.id not in old_themes_by_id or rule_key(old_themes_by_id[t.id]) != rule_key(t)}
    terms_only = {t.id: _term_change(old_themes_by_id[t.id], t) for t in new.themes
                  if t.id in changed and t.id in old_themes_by_id
                  and (old_themes_by_id[t.id].regex, old_themes_by_id[t.id].exclude) == (t.regex, t.exclude)}
    full = changed - set(terms_only)  # tags no longer hold anywhere: tried again on every match
    retained = set(new.theme_ids) - full
    dropped = set(old_themes_by_id) - retained
    order = _theme_order(new)
    reordered = ([t for t in old.theme_ids if t in retained] != [t for t in new.theme_ids if t in retained])

    redo: dict[int, set[str]] = {}  # item row → themes to run again there
    for row in (matching_rows(folded, new, full) if full else []):
        redo[row] = set(full)
    redo_rows = {theme: _rows_holding(folded, delta) for theme, delta in terms_only.items()}
    for theme, rows in redo_rows.items():
        for row in rows:
            redo.setdefault(row, set()).add(theme)

    old_item_themes = tags.item_themes
    themes = [t if dropped.isdisjoint(t) else tuple(x for x in t if x not in dropped) for t in old_item_themes]
    new_rows: list[tuple] = []  # (item row, theme, term, start, end)
    if redo:
        rows = sorted(redo)
        for row, text in zip(rows, _values_at(items["text"], rows)):
            again = redo[row]
            hits = tag_text(text, new, again)
            kept = tuple(x for x in themes[row] if x not in again)
            themes[row] = tuple(sorted((*kept, *hits), key=order.__getitem__)) if hits else kept
            new_rows.extend((row, theme, h.term, h.start, h.end)
                            for theme in sorted(hits, key=order.__getitem__) for h in hits[theme])
    if reordered:
        themes = [tuple(sorted(t, key=order.__getitem__)) for t in themes]

    if folded_preambles is None:
        folded_preambles = {}
    if changed and not folded_preambles:
        folded_preambles.update((pid, fold(text)) for pid, text in preambles.items() if text)
    plan_row = {pid: i for i, pid in enumerate(preambles)}
    mention_redo: dict[str, set[str]] = {}
    for pid, text in (folded_preambles.items() if changed else ()):
        again = {theme for theme, delta in terms_only.items() if any(d in text for d in delta)}
        if full and could_match(text, new, full):
            again |= full
        if again:
            mention_redo[pid] = again
    new_mentions = [(pid, theme, h.term, h.start, h.end)
                    for pid, again in mention_redo.items()
                    for theme, hits in sorted(tag_text(preambles[pid], new, again).items(),
                                              key=lambda kv: order[kv[0]])
                    for h in hits]
    mention_rows = {theme: [plan_row[pid] for pid, again in mention_redo.items() if theme in again]
                    for theme in terms_only}

    evidence = _merge_in_tag_order(
        tags.evidence, "item_id", items["item_id"], new.theme_ids, retained, redo_rows,
        _evidence_frame(new_rows, items), [row for row, *_ in new_rows],
        [order[theme] for _, theme, *_ in new_rows], EVIDENCE_COLUMNS)
    mentions = _merge_in_tag_order(
        tags.preamble_mentions, "plan_id", pd.Series(list(preambles), dtype="str"), new.theme_ids,
        retained, mention_rows, pd.DataFrame(new_mentions, columns=PREAMBLE_COLUMNS),
        [plan_row[pid] for pid, *_ in new_mentions], [order[t] for _, t, *_ in new_mentions],
        PREAMBLE_COLUMNS)
    return Tags(
        item_themes=themes,
        section_dimensions=_retag_section_dimensions(old, new, tags.section_dimensions, sections,
                                                     items, old_item_themes, themes, overrides),
        evidence=evidence,
        preamble_mentions=mentions,
    )


def _term_change(old: Theme, new: Theme) -> set[str]:
    """Folded plain terms one theme's edit added or removed."""
    before = {fold(t) for t in old.terms} - {""}
    after = {fold(t) for t in new.terms} - {""}
    return before ^ after


def _rows_holding(folded: Sequence[str], terms: set[str]) -> list[int]:
    """Rows whose folded text holds one of ``terms``.

    Where none of a theme's added or removed terms occurs, its pattern finds the same
    hits as before: the other terms are unchanged and two different terms of one length
    never match at the same place, so the order of the alternatives does not matter.
    """
    terms = sorted(t for t in terms if not any(o != t and o in t for o in terms))
    if len(terms) == 1:  # the usual edit: one term added
        term = terms[0]
        return [row for row, text in enumerate(folded) if term in text]
    return [row for row, text in enumerate(folded) if any(t in text for t in terms)]


def _evidence_frame(rows: list[tuple], items: pd.DataFrame) -> pd.DataFrame:
    """Evidence rows given as (item row, theme, term, start, end)."""
    at = [row for row, *_ in rows]
    item_ids, plan_ids = _values_at(items["item_id"], at), _values_at(items["plan_id"], at)
    return pd.DataFrame([(i, p, *rest) for i, p, (_, *rest) in zip(item_ids, plan_ids, rows)],
                        columns=EVIDENCE_COLUMNS)


def _merge_in_tag_order(frame: pd.DataFrame, key: str, key_order: pd.Series, theme_ids: list[str],
                        retained: set[str], redone: dict[str, list[int]], added: pd.DataFrame,
                        added_rank: list[int], added_theme_rank: list[int],
                        columns: list[str]) -> pd.DataFrame:
    """Old rows still valid, plus ``added``, in the order a fresh tagging lists them.

    A row of ``frame`` stays when its theme is ``retained`` and its ``key`` (item or plan)
    is not among the positions in ``key_order`` where ``redone[theme]`` ran it again.
    Fresh order: by ``key`` as in ``key_order``, then by theme as in ``theme_ids``; hits of
    one key and theme keep their order. ``added_rank`` and ``added_theme_rank`` give those
    two ranks for the rows of ``added``.
    """
    theme_rank = _codes(frame["theme"], theme_ids)
    key_rank = _codes(frame[key], key_order)
    keep = np.isin(theme_rank, [i for i, t in enumerate(theme_ids) if t in retained])
    for theme, rows in redone.items():
        if rows:
            keep &= ~((theme_rank == theme_ids.index(theme)) & np.isin(key_rank, rows))
    sort_key = key_rank * len(theme_ids) + theme_rank
    if len(added):
        frame = pd.concat([frame[columns], added[columns]], ignore_index=True)
        keep = np.concatenate([keep, np.ones(len(added), dtype=bool)])
        sort_key = np.concatenate([sort_key, np.asarray(added_rank, dtype=np.int64) * len(theme_ids)
                                   + np.asarray(added_theme_rank, dtype=np.int64)])
    rows = np.flatnonzero(keep)
    order = rows[np.argsort(sort_key[rows], kind="stable")]
    if len(order) != len(frame) or (np.diff(order) < 0).any():
        frame = frame.take(order)  # one gather filters and sorts: a second copy of 1.4 M rows costs 140 MB
    frame = frame[columns].reset_index(drop=True)
    for column in ("start", "end"):
        frame[column] = frame[column].astype("int64")
    return frame


def _values_at(column: pd.Series, rows: Sequence[int]) -> list:
    """The values of ``column`` at positions ``rows``, as Python objects."""
    return column.take(list(rows)).tolist()


def _codes(values: pd.Series, keys: Sequence[str] | pd.Series) -> np.ndarray:
    """Position of each of ``values`` in ``keys`` (-1 when absent), by an Arrow hash lookup."""
    array = _large_strings(values)
    value_set = _large_strings(keys if isinstance(keys, pd.Series) else pd.Series(list(keys), dtype="str"))
    found = pc.index_in(array, value_set=value_set)
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def _large_strings(values: pd.Series) -> pa.Array:
    array = pa.array(values, from_pandas=True)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array if array.type == pa.large_string() else array.cast(pa.large_string())


def _retag_section_dimensions(old: Taxonomy, new: Taxonomy, old_dimensions: list[str],
                              sections: pd.DataFrame, items: pd.DataFrame,
                              old_themes: list[tuple[str, ...]], new_themes: list[tuple[str, ...]],
                              overrides: dict[str, dict[int, str]]) -> list[str]:
    """Section dimensions under ``new``, deciding again only the sections an edit can move.

    Those are the sections with an item whose themes changed or carry a theme moved to
    another dimension, and those whose heading holds a heading keyword that was added or
    removed. Editing the list or order of dimensions decides every section again.
    """
    if old.dimension_ids != new.dimension_ids or len(old_dimensions) != len(sections):
        return _section_dimensions(sections, items, new_themes, new, overrides)
    old_dimension_of = {t.id: t.dimension for t in old.themes}
    moved = {t.id for t in new.themes if old_dimension_of.get(t.id, t.dimension) != t.dimension}
    rows = [row for row, (a, b) in enumerate(zip(old_themes, new_themes))
            if (a is not b and a != b) or (moved and not moved.isdisjoint(b))]
    section_ids = list(dict.fromkeys(_values_at(items["section_id"], rows)))
    positions = _codes(pd.Series(section_ids, dtype="str"), sections["section_id"])
    positions = positions[positions >= 0]
    keywords = set()  # heading keywords that now point elsewhere (or nowhere)
    for (_, before), (_, after) in zip(_about_keywords(old), _about_keywords(new)):
        keywords |= set(before) ^ set(after)
    if keywords:
        titles = sections["title"].tolist()
        hit = {title: any(k in fold(title) for k in keywords) for title in set(titles)}
        touched = [i for i, title in enumerate(titles) if hit[title]]
        positions = np.union1d(positions, np.asarray(touched, dtype=np.int64))
        section_ids = sections["section_id"].take(positions).tolist()
    if not len(positions):
        return list(old_dimensions)
    item_rows = np.flatnonzero(_codes(items["section_id"], pd.Series(section_ids, dtype="str")) >= 0)
    per_section: dict[str, list[tuple[str, ...]]] = {}
    for section_id, row in zip(_values_at(items["section_id"], item_rows.tolist()), item_rows.tolist()):
        per_section.setdefault(section_id, []).append(new_themes[row])
    out = list(old_dimensions)
    known_dims = set(new.dimension_ids)
    picked = sections.take(positions)
    for pos, section_id, plan_id, section_no, title in zip(positions.tolist(), *_columns(
            picked, "section_id", "plan_id", "section_no", "title")):
        forced = overrides.get(plan_id, {}).get(section_no)
        out[pos] = forced if forced in known_dims else \
            section_dimension(title, per_section.get(section_id, []), new)
    return out


def _section_dimensions(sections: pd.DataFrame, items: pd.DataFrame,
                        item_themes: list[tuple[str, ...]], taxonomy: Taxonomy,
                        overrides: dict[str, dict[int, str]]) -> list[str]:
    known_dims = set(taxonomy.dimension_ids)
    per_section: dict[str, list[tuple[str, ...]]] = {}
    for section_id, themes in zip(items["section_id"].tolist(), item_themes):
        per_section.setdefault(section_id, []).append(themes)
    headings: dict[str, dict[str, int]] = {}  # many sections share a heading
    out = []
    for section_id, plan_id, section_no, title in zip(*_columns(
            sections, "section_id", "plan_id", "section_no", "title")):
        forced = overrides.get(plan_id, {}).get(section_no)
        if forced in known_dims:
            out.append(forced)
            continue
        first_seen = headings.get(title)
        if first_seen is None:
            first_seen = headings[title] = heading_dimensions(title, taxonomy)
        out.append(decide_dimension(first_seen, per_section.get(section_id, []), taxonomy))
    return out


def item_section_dimensions(sections: pd.DataFrame, items: pd.DataFrame) -> pd.Series:
    """The ``dimension`` of each item's section, aligned with ``items`` (NaN if not found)."""
    positions = _codes(items["section_id"], sections["section_id"])
    values = sections["dimension"].array.take(positions, allow_fill=True)
    return pd.Series(values, index=items.index, dtype="str")


def combine_tags(parts: Iterable[PlanTags]) -> Tags:
    """One :class:`Tags` from per-plan tags given in library order."""
    item_themes: list[tuple[str, ...]] = []
    dimensions: list[str] = []
    evidence_rows: list[tuple] = []
    preamble_rows: list[tuple] = []
    for part in parts:
        item_themes.extend(part.item_themes)
        dimensions.extend(part.section_dimensions)
        evidence_rows.extend(part.evidence)
        preamble_rows.extend(part.preamble_mentions)
    return Tags(
        item_themes=item_themes,
        section_dimensions=dimensions,
        evidence=pd.DataFrame(evidence_rows, columns=EVIDENCE_COLUMNS),
        preamble_mentions=pd.DataFrame(preamble_rows, columns=PREAMBLE_COLUMNS),
    )


def _theme_order(taxonomy: Taxonomy) -> dict[str, int]:
    return {t: i for i, t in enumerate(taxonomy.theme_ids)}


def coverage(plans: pd.DataFrame, items: pd.DataFrame, taxonomy: Taxonomy) -> pd.DataFrame:
    """One row per plan × theme: how many items cover it (the wording: :class:`EvidenceIndex`)."""
    themes = taxonomy.themes
    n_plans, n_themes = len(plans), len(themes)
    counts = theme_counts(plans, items, taxonomy).ravel()
    plan_rows = np.repeat(np.arange(n_plans), n_themes)
    theme_rows = np.tile(np.arange(n_themes), n_plans)

    def per_theme(values: list, dtype: str) -> pd.Series:
        return pd.Series(values, dtype=dtype).take(theme_rows).reset_index(drop=True)

    out = pd.DataFrame({
        "plan_id": plans["plan_id"].take(plan_rows).reset_index(drop=True),
        "organ": plans["organ"].take(plan_rows).reset_index(drop=True),
        "year": plans["year"].take(plan_rows).reset_index(drop=True).astype("Int64"),
        "theme": per_theme([t.id for t in themes], "str"),
        "theme_name": per_theme([t.name for t in themes], "str"),
        "dimension": per_theme([t.dimension for t in themes], "str"),
        "required": np.tile(np.array([t.required for t in themes], dtype=bool), n_plans),
        "count": counts.astype(np.int64),
        "covered": counts > 0,
    })
    return out[COVERAGE_COLUMNS]


def theme_counts(plans: pd.DataFrame, items: pd.DataFrame, taxonomy: Taxonomy) -> np.ndarray:
    """(plans × themes) array: how many items of each plan carry each theme (taxonomy order)."""
    position = {t: i for i, t in enumerate(taxonomy.theme_ids)}
    n_themes = len(position)
    item_themes = items["themes"].tolist()
    lengths = np.fromiter(map(len, item_themes), dtype=np.int64, count=len(item_themes))
    flat = np.fromiter(map(position.get, chain.from_iterable(item_themes), repeat(-1)),
                       dtype=np.int64, count=int(lengths.sum()))
    rows = np.repeat(_codes(items["plan_id"], plans["plan_id"]), lengths)
    ok = (rows >= 0) & (flat >= 0)
    counts = np.bincount(rows[ok] * n_themes + flat[ok], minlength=len(plans) * n_themes)
    return counts.reshape(len(plans), n_themes)


class EvidenceIndex:
    """The evidence rows of each plan × theme cell, found by binary search.

    Built once from a library's ``evidence`` frame (one sort of its rows by cell);
    :meth:`cell` then reads only the rows of the cell asked for.
    """

    def __init__(self, evidence: pd.DataFrame, items: pd.DataFrame, plan_ids: pd.Series,
                 theme_ids: list[str]) -> None:
        self._n_themes = len(theme_ids)
        plans = _codes(evidence["plan_id"], plan_ids)
        themes = _codes(evidence["theme"], theme_ids)
        keys = np.where((plans >= 0) & (themes >= 0), plans * self._n_themes + themes, -1)
        self._order = np.argsort(keys, kind="stable")
        self._keys = keys[self._order]
        self._plan = {pid: i for i, pid in enumerate(plan_ids.tolist())}
        self._theme = {t: i for i, t in enumerate(theme_ids)}
        # Arrow columns as they are (no copy): a cell reads its few rows directly.
        self._hit_items, self._terms = pa.array(evidence["item_id"]), pa.array(evidence["term"])
        self._starts = evidence["start"].to_numpy(dtype=np.int64)
        self._ends = evidence["end"].to_numpy(dtype=np.int64)
        self._items = items
        self._titles, self._texts = pa.array(items["title"]), pa.array(items["text"])
        self._item_row: dict[str, int] | None = None
        self._lock = threading.Lock()

    def cell(self, plan_id: str, theme: str) -> list[dict]:
        """``{item_id, title, text, term, start, end}`` per hit, in item order; [] if none."""
        p, t = self._plan.get(plan_id), self._theme.get(theme)
        if p is None or t is None:
            return []
        key = p * self._n_themes + t
        lo, hi = np.searchsorted(self._keys, [key, key + 1])
        if lo == hi:
            return []
        hits = self._order[lo:hi].tolist()
        item_row = self._item_rows()
        out = []
        for hit in hits:
            item_id = self._hit_items[hit].as_py()
            row = item_row[item_id]
            out.append({"item_id": item_id, "title": self._titles[row].as_py(),
                        "text": self._texts[row].as_py(), "term": self._terms[hit].as_py(),
                        "start": int(self._starts[hit]), "end": int(self._ends[hit])})
        return out

    def _item_rows(self) -> dict[str, int]:
        with self._lock:
            if self._item_row is None:
                self._item_row = {item_id: i for i, item_id in enumerate(self._items["item_id"].tolist())}
            return self._item_row


def plan_labels(plans: pd.DataFrame) -> dict[str, str]:
    """plan_id → a short label that tells plans apart: the organ; with the year when the
    organ has several plans; with the plan id when even organ and year repeat.

    >>> plans = pd.DataFrame({"plan_id": ["a", "b", "c", "d"], "organ": ["甲", "乙", "乙", "乙"],
    ...                       "year": [2022, 2022, 2023, 2023]})
    >>> list(plan_labels(plans).values())
    ['甲', '乙（2022）', '乙（2023）〔c〕', '乙（2023）〔d〕']
    """
    ids, organs, years = (plans[c].tolist() for c in ("plan_id", "organ", "year"))
    organs = [str(o) for o in organs]
    several = pd.Series(organs).duplicated(keep=False).tolist()
    labels = [f"{o}（{y if pd.notna(y) else '年度不详'}）" if again else o
              for o, y, again in zip(organs, years, several)]
    repeated = pd.Series(labels).duplicated(keep=False).tolist()
    return {pid: f"{label}〔{pid}〕" if again else label
            for pid, label, again in zip(ids, labels, repeated)}


def _columns(frame: pd.DataFrame, *names: str) -> list[list]:
    """Columns as Python lists: iterating Arrow-backed strings one by one is slow."""
    return [frame[name].tolist() for name in names]


def omissions(coverage_df: pd.DataFrame, items: pd.DataFrame, preamble_mentions: pd.DataFrame,
              taxonomy: Taxonomy, candidates: bool = True) -> pd.DataFrame:
    """Each required theme a plan lacks, with the plan's nearest candidate item and why it fell short.

    ``candidates=False`` leaves out the candidate search (columns ``OMISSION_CELL_COLUMNS``);
    :func:`nearest_candidate` gives it for one cell.
    """
    missing = coverage_df[coverage_df["required"] & ~coverage_df["covered"]]
    out = missing[OMISSION_CELL_COLUMNS[:-1]].reset_index(drop=True)
    out["year"] = out["year"].astype("Int64")
    mentions = dict(zip(zip(*_columns(preamble_mentions, "plan_id", "theme")),
                        preamble_mentions["term"].tolist()))
    cells = list(zip(*_columns(out, "plan_id", "theme")))
    out["preamble_mention"] = pd.Series(
        [f"前言提及“{mentions[cell]}”，但前言不计入覆盖" if cell in mentions else "" for cell in cells],
        index=out.index, dtype="str")
    if not candidates:
        return out
    rows_of = items.groupby("plan_id", sort=False).indices if len(cells) else {}
    columns = _columns(items, "item_id", "title", "text") if len(cells) else [[], [], []]
    found, plan, plan_id = [], PlanItems([], [], []), None
    for pid, theme in cells:
        if pid != plan_id:  # coverage lists a plan's cells together: fold its items once
            rows = rows_of.get(pid, [])
            plan, plan_id = PlanItems(*([column[i] for i in rows] for column in columns)), pid
        found.append(nearest_candidate(plan, taxonomy.theme(theme), taxonomy))
    for column, values in zip(CANDIDATE_COLUMNS, zip(*found) if found else [[]] * 5):
        out[column] = pd.Series(list(values), index=out.index,
                                dtype=object if column == "candidate_spans" else "str")
    return out[OMISSION_COLUMNS]


class PlanItems:
    """One plan's items as the candidate search needs them: folded once, bigrams when asked."""

    def __init__(self, item_ids: list[str], titles: list[str], texts: list[str]) -> None:
        self.item_ids, self.titles, self.texts = item_ids, titles, texts
        self._folded: list[tuple[str, list[int] | None]] | None = None
        self._grams: list[set[str]] | None = None

    @classmethod
    def of_plan(cls, items: pd.DataFrame, plan_id: str) -> "PlanItems":
        """The items of one plan, in library order."""
        rows = np.flatnonzero((items["plan_id"] == plan_id).to_numpy(dtype=bool))
        picked = items.take(rows)
        return cls(*(picked[name].tolist() for name in ("item_id", "title", "text")))

    @property
    def folded(self) -> list[tuple[str, list[int] | None]]:
        if self._folded is None:
            self._folded = [fold_for_matching(text) for text in self.texts]
        return self._folded

    @property
    def grams(self) -> list[set[str]]:
        if self._grams is None:  # the folded text is fold(text): no second folding
            self._grams = [set(map(operator.add, f, f[1:])) for f, _ in self.folded]
        return self._grams


def nearest_candidate(plan: PlanItems, theme: Theme, taxonomy: Taxonomy) -> tuple:
    """(item_id, title, text, spans, reason) of the plan's item closest to ``theme``.

    The item with the most near-miss wording (see :func:`core.tagging.near_misses`);
    failing that, the item sharing most character bigrams with the theme's wording.
    """
    if not plan.item_ids:
        return "", "", "", [], "该计划没有任务条目"
    finder = near_miss_finder(theme.id, taxonomy)
    best, best_score = None, 0
    for i, (folded, index_map) in enumerate(plan.folded):
        if finder is None or not finder.may_find(folded):
            continue
        misses = finder.find(folded, index_map)
        score = sum(m.end - m.start for m in misses)
        if score > best_score:
            best, best_score = (i, misses), score
    if best is not None:
        i, misses = best
        return (plan.item_ids[i], plan.titles[i], plan.texts[i], [(m.start, m.end) for m in misses],
                "；".join(dict.fromkeys(m.reason for m in misses)))
    wanted = _theme_bigrams(theme)
    best_i, best_ratio = None, 0.0
    for i, grams in enumerate(plan.grams):
        ratio = len(wanted & grams) / (len(wanted) or 1)
        if ratio > best_ratio:
            best_i, best_ratio = i, ratio
    if best_i is None:
        return "", "", "", [], "未找到相近表述"
    return (plan.item_ids[best_i], plan.titles[best_i], plan.texts[best_i], [],
            f"未找到相近表述；字面最接近的条目（相似度 {best_ratio:.2f}），未见该主题的工作部署")


def _bigrams(text: str) -> set[str]:
    folded = fold(text)
    return {folded[i:i + 2] for i in range(len(folded) - 1)}


@lru_cache(maxsize=256)
def _theme_bigrams(theme: Theme) -> frozenset[str]:
    return frozenset(_bigrams(" ".join([theme.name, theme.scope, *theme.terms])))


def section_matrix(plans: pd.DataFrame, sections: pd.DataFrame, items: pd.DataFrame,
                   taxonomy: Taxonomy, by: str = "dimension") -> pd.DataFrame:
    """Sections aligned across plans: rows are dimensions (or k-th section), columns plan ids.

    Each cell is a list of sections ``{section_id, marker, title, items: [...]}``;
    an empty list means the plan has no section there (shown as 未涉及).
    """
    if by not in ("dimension", "order"):
        raise ValueError("by 只能是 'dimension'（按维度）或 'order'（按顺序）")
    items_of: dict[str, list[dict]] = {}
    for section_id, item_id, marker, title, text in zip(*_columns(
            items, "section_id", "item_id", "marker", "title", "text")):
        items_of.setdefault(section_id, []).append(
            {"item_id": item_id, "marker": marker, "title": title, "text": text})
    cells: dict[tuple[str, str], list[dict]] = {}
    for section_id, plan_id, section_no, marker, title, body, dimension in zip(*_columns(
            sections, "section_id", "plan_id", "section_no", "marker", "title", "body", "dimension")):
        key = dimension if by == "dimension" else f"第{section_no}章"
        cells.setdefault((key, plan_id), []).append({
            "section_id": section_id, "marker": marker, "title": title, "body": body,
            "dimension": dimension, "items": items_of.get(section_id, [])})
    if by == "dimension":
        row_keys = [d.id for d in taxonomy.dimensions]
        labels = [d.name for d in taxonomy.dimensions]
    else:
        n = int(sections["section_no"].max()) if len(sections) else 0
        row_keys = labels = [f"第{k}章" for k in range(1, n + 1)]
    plan_ids = list(plans["plan_id"])
    data = {pid: [cells.get((key, pid), []) for key in row_keys] for pid in plan_ids}
    return pd.DataFrame(data, index=pd.Index(labels, name="行"), columns=plan_ids)
