"""Themes across a library: tagging every item, coverage, omissions, section matrix.

Only task items count as coverage; mentions in a preamble are reported apart
(``preamble_mentions``) so a supervisor sees them without mistaking them for work.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pandas as pd

from .model import Plan
from .normalize import fold
from .tagging import near_misses, section_dimension, tag_text
from .taxonomy import Taxonomy

EVIDENCE_COLUMNS = ["item_id", "plan_id", "theme", "term", "start", "end"]
COVERAGE_COLUMNS = ["plan_id", "organ", "year", "theme", "theme_name", "dimension", "required",
                    "count", "covered", "evidence"]
OMISSION_COLUMNS = ["plan_id", "organ", "year", "theme", "theme_name", "dimension",
                    "candidate_item_id", "candidate_title", "candidate_text", "candidate_spans",
                    "reason", "preamble_mention"]
NOT_COVERED = "未涉及"


@dataclass
class Tags:
    """Result of tagging a library: per-item themes, section dimensions, evidence."""

    item_themes: list[tuple[str, ...]]
    section_dimensions: list[str]
    evidence: pd.DataFrame
    preamble_mentions: pd.DataFrame


def tag_plans(plans: list[Plan], taxonomy: Taxonomy,
              overrides: dict[str, dict[int, str]] | None = None) -> Tags:
    """Tag every item of ``plans`` (in library order) and give each section a dimension.

    ``overrides`` maps plan_id → {section number (1-based) → dimension id} from the manifest.
    """
    overrides = overrides or {}
    order = {t: i for i, t in enumerate(taxonomy.theme_ids)}
    item_themes: list[tuple[str, ...]] = []
    dimensions: list[str] = []
    evidence_rows: list[tuple] = []
    preamble_rows: list[tuple] = []
    known_dims = set(taxonomy.dimension_ids)
    for plan in plans:
        for theme, hits in tag_text(plan.preamble, taxonomy).items() if plan.preamble else ():
            preamble_rows.extend((plan.plan_id, theme, h.term, h.start, h.end) for h in hits)
        for s_no, section in enumerate(plan.sections, start=1):
            per_item: list[list[str]] = []
            for i_no, item in enumerate(section.items, start=1):
                tags = tag_text(item.text, taxonomy)
                themes = tuple(sorted(tags, key=order.__getitem__))
                per_item.append(list(themes))
                item_themes.append(themes)
                item_id = f"{plan.plan_id}:{s_no}.{i_no}"
                evidence_rows.extend((item_id, plan.plan_id, t, h.term, h.start, h.end)
                                     for t in themes for h in tags[t])
            forced = overrides.get(plan.plan_id, {}).get(s_no)
            dimensions.append(forced if forced in known_dims else
                              section_dimension(section.title, per_item, taxonomy))
    return Tags(
        item_themes=item_themes,
        section_dimensions=dimensions,
        evidence=pd.DataFrame(evidence_rows, columns=EVIDENCE_COLUMNS),
        preamble_mentions=pd.DataFrame(preamble_rows,
                                       columns=["plan_id", "theme", "term", "start", "end"]),
    )


def coverage(plans: pd.DataFrame, items: pd.DataFrame, evidence: pd.DataFrame,
             taxonomy: Taxonomy) -> pd.DataFrame:
    """One row per plan × theme: how many items cover it, and the wording that shows it."""
    texts = items.set_index("item_id")[["title", "text"]]
    by_cell: dict[tuple[str, str], list[dict]] = {}
    for row in evidence.itertuples(index=False):
        title, text = texts.loc[row.item_id]
        by_cell.setdefault((row.plan_id, row.theme), []).append({
            "item_id": row.item_id, "title": title, "text": text, "term": row.term,
            "start": int(row.start), "end": int(row.end)})
    counts = Counter()
    for plan_id, themes in zip(items["plan_id"], items["themes"]):
        for t in themes:
            counts[(plan_id, t)] += 1
    rows = []
    for p in plans.itertuples(index=False):
        for t in taxonomy.themes:
            n = counts.get((p.plan_id, t.id), 0)
            rows.append((p.plan_id, p.organ, p.year, t.id, t.name, t.dimension, t.required, n, n > 0,
                         by_cell.get((p.plan_id, t.id), [])))
    out = pd.DataFrame(rows, columns=COVERAGE_COLUMNS)
    out["year"] = out["year"].astype("Int64")
    return out


def omissions(coverage_df: pd.DataFrame, items: pd.DataFrame, preamble_mentions: pd.DataFrame,
              taxonomy: Taxonomy) -> pd.DataFrame:
    """Each required theme a plan lacks, with the plan's nearest candidate item and why it fell short."""
    missing = coverage_df[coverage_df["required"] & ~coverage_df["covered"]]
    items_by_plan = {pid: g for pid, g in items.groupby("plan_id", sort=False)}
    mentions = {(r.plan_id, r.theme): r.term for r in preamble_mentions.itertuples(index=False)}
    rows = []
    for cell in missing.itertuples(index=False):
        plan_items = items_by_plan.get(cell.plan_id)
        candidate = _nearest_candidate(plan_items, taxonomy.theme(cell.theme), taxonomy)
        mention = mentions.get((cell.plan_id, cell.theme), "")
        rows.append((cell.plan_id, cell.organ, cell.year, cell.theme, cell.theme_name, cell.dimension,
                     *candidate, f"前言提及“{mention}”，但前言不计入覆盖" if mention else ""))
    out = pd.DataFrame(rows, columns=OMISSION_COLUMNS)
    out["year"] = out["year"].astype("Int64")
    return out


def _nearest_candidate(plan_items: pd.DataFrame | None, theme, taxonomy: Taxonomy) -> tuple:
    """(item_id, title, text, spans, reason) of the item closest to ``theme``."""
    if plan_items is None or plan_items.empty:
        return "", "", "", [], "该计划没有任务条目"
    best, best_score = None, 0.0
    for row in plan_items.itertuples(index=False):
        misses = near_misses(row.text, theme, taxonomy)
        score = sum(m.end - m.start for m in misses)
        if score > best_score:
            best, best_score = (row, misses), score
    if best is not None:
        row, misses = best
        return (row.item_id, row.title, row.text, [(m.start, m.end) for m in misses],
                "；".join(dict.fromkeys(m.reason for m in misses)))
    row, score = _most_similar_item(plan_items, theme)
    if row is None:
        return "", "", "", [], "未找到相近表述"
    return (row.item_id, row.title, row.text, [],
            f"未找到相近表述；字面最接近的条目（相似度 {score:.2f}），未见该主题的工作部署")


def _bigrams(text: str) -> set[str]:
    folded = fold(text)
    return {folded[i:i + 2] for i in range(len(folded) - 1)}


def _most_similar_item(plan_items: pd.DataFrame, theme) -> tuple[object, float]:
    wanted = _bigrams(" ".join([theme.name, theme.scope, *theme.terms]))
    best, best_score = None, 0.0
    for row in plan_items.itertuples(index=False):
        grams = _bigrams(row.text)
        score = len(wanted & grams) / (len(wanted) or 1)
        if score > best_score:
            best, best_score = row, score
    return best, best_score


def section_matrix(plans: pd.DataFrame, sections: pd.DataFrame, items: pd.DataFrame,
                   taxonomy: Taxonomy, by: str = "dimension") -> pd.DataFrame:
    """Sections aligned across plans: rows are dimensions (or k-th section), columns plan ids.

    Each cell is a list of sections ``{section_id, marker, title, items: [...]}``;
    an empty list means the plan has no section there (shown as 未涉及).
    """
    if by not in ("dimension", "order"):
        raise ValueError("by 只能是 'dimension'（按维度）或 'order'（按顺序）")
    items_of: dict[str, list[dict]] = {}
    for r in items.itertuples(index=False):
        items_of.setdefault(r.section_id, []).append(
            {"item_id": r.item_id, "marker": r.marker, "title": r.title, "text": r.text})
    cells: dict[tuple[str, str], list[dict]] = {}
    for s in sections.itertuples(index=False):
        key = s.dimension if by == "dimension" else f"第{s.section_no}章"
        cells.setdefault((key, s.plan_id), []).append({
            "section_id": s.section_id, "marker": s.marker, "title": s.title, "body": s.body,
            "dimension": s.dimension, "items": items_of.get(s.section_id, [])})
    if by == "dimension":
        row_keys = [d.id for d in taxonomy.dimensions]
        labels = [d.name for d in taxonomy.dimensions]
    else:
        n = int(sections["section_no"].max()) if len(sections) else 0
        row_keys = labels = [f"第{k}章" for k in range(1, n + 1)]
    plan_ids = list(plans["plan_id"])
    data = {pid: [cells.get((key, pid), []) for key in row_keys] for pid in plan_ids}
    return pd.DataFrame(data, index=pd.Index(labels, name="行"), columns=plan_ids)
