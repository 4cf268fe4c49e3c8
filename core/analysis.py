"""Themes across a library: tagging every item, coverage, omissions, section matrix.

Only task items count as coverage; mentions in a preamble are reported apart
(``preamble_mentions``) so a supervisor sees them without mistaking them for work.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Sequence

import pandas as pd

from .model import Plan
from .normalize import fold
from .tagging import could_match, near_misses, rule_key, section_dimension, tag_text
from .taxonomy import Taxonomy

EVIDENCE_COLUMNS = ["item_id", "plan_id", "theme", "term", "start", "end"]
PREAMBLE_COLUMNS = ["plan_id", "theme", "term", "start", "end"]
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
                  overrides: dict[str, dict[int, str]] | None = None) -> Tags:
    """Tags under ``new`` given the ``tags`` under ``old``, re-running only edited themes.

    A theme keeps its evidence when its rules (terms, regex, exclude) are unchanged;
    edited and new themes are tried only on items whose folded text (``folded``,
    aligned with ``items``) their pattern can match. The result equals
    :func:`tag_plans_frames` under ``new``, in the same row order.
    """
    overrides = overrides or {}
    old_rules = {t.id: rule_key(t) for t in old.themes}
    changed = {t.id for t in new.themes if old_rules.get(t.id) != rule_key(t)}
    kept = set(new.theme_ids) - changed
    order = _theme_order(new)
    item_ids = items["item_id"].tolist()
    texts = items["text"].tolist()
    themes = [[t for t in themes if t in kept] for themes in items["themes"].tolist()]
    evidence = [tags.evidence[tags.evidence["theme"].isin(kept)]]
    mentions = [tags.preamble_mentions[tags.preamble_mentions["theme"].isin(kept)]]
    plan_ids = items["plan_id"].tolist()
    if changed:
        rows = []
        for row, text in enumerate(texts):
            if not could_match(folded[row], new, changed):
                continue
            for theme, hits in tag_text(text, new, changed).items():
                themes[row].append(theme)
                rows.extend((item_ids[row], plan_ids[row], theme, h.term, h.start, h.end) for h in hits)
        evidence.append(pd.DataFrame(rows, columns=EVIDENCE_COLUMNS))
        rows = [(pid, theme, h.term, h.start, h.end) for pid, text in preambles.items() if text
                for theme, hits in tag_text(text, new, changed).items() for h in hits]
        mentions.append(pd.DataFrame(rows, columns=PREAMBLE_COLUMNS))
    item_themes = [tuple(sorted(t, key=order.__getitem__)) for t in themes]
    item_rank = {item_id: i for i, item_id in enumerate(item_ids)}
    plan_rank = {pid: i for i, pid in enumerate(preambles)}
    return Tags(
        item_themes=item_themes,
        section_dimensions=_section_dimensions(sections, items, item_themes, new, overrides),
        evidence=_in_tag_order(evidence, "item_id", item_rank, order, EVIDENCE_COLUMNS),
        preamble_mentions=_in_tag_order(mentions, "plan_id", plan_rank, order, PREAMBLE_COLUMNS),
    )


def _in_tag_order(parts: list[pd.DataFrame], key: str, rank: dict[str, int], order: dict[str, int],
                  columns: list[str]) -> pd.DataFrame:
    """Rows as a fresh tagging run lists them: by item (or plan), then theme; hits keep their order."""
    frame = pd.concat([p for p in parts if len(p)] or [parts[0]], ignore_index=True)[columns]
    keys = pd.DataFrame({"a": frame[key].map(rank), "b": frame["theme"].map(order)})
    frame = frame.take(keys.sort_values(["a", "b"], kind="stable").index).reset_index(drop=True)
    for column in ("start", "end"):
        frame[column] = frame[column].astype("int64")
    return frame


def _section_dimensions(sections: pd.DataFrame, items: pd.DataFrame, item_themes: list[tuple[str, ...]],
                        taxonomy: Taxonomy, overrides: dict[str, dict[int, str]]) -> list[str]:
    known_dims = set(taxonomy.dimension_ids)
    per_section: dict[str, list[list[str]]] = {}
    for section_id, themes in zip(items["section_id"].tolist(), item_themes):
        per_section.setdefault(section_id, []).append(list(themes))
    out = []
    for section_id, plan_id, section_no, title in zip(*_columns(
            sections, "section_id", "plan_id", "section_no", "title")):
        forced = overrides.get(plan_id, {}).get(section_no)
        out.append(forced if forced in known_dims else
                   section_dimension(title, per_section.get(section_id, []), taxonomy))
    return out


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


def coverage(plans: pd.DataFrame, items: pd.DataFrame, evidence: pd.DataFrame,
             taxonomy: Taxonomy) -> pd.DataFrame:
    """One row per plan × theme: how many items cover it, and the wording that shows it."""
    text_of = dict(zip(items["item_id"].tolist(), zip(items["title"].tolist(), items["text"].tolist())))
    by_cell: dict[tuple[str, str], list[dict]] = {}
    for item_id, plan_id, theme, term, start, end in zip(*_columns(
            evidence, "item_id", "plan_id", "theme", "term", "start", "end")):
        title, text = text_of[item_id]
        cell = by_cell.get((plan_id, theme))
        if cell is None:
            cell = by_cell[(plan_id, theme)] = []
        cell.append({"item_id": item_id, "title": title, "text": text, "term": term,
                     "start": start, "end": end})
    counts = Counter()
    for plan_id, themes in zip(*_columns(items, "plan_id", "themes")):
        for t in themes:
            counts[(plan_id, t)] += 1
    rows = []
    for plan_id, organ, year in zip(*_columns(plans, "plan_id", "organ", "year")):
        for t in taxonomy.themes:
            n = counts.get((plan_id, t.id), 0)
            rows.append((plan_id, organ, year, t.id, t.name, t.dimension, t.required, n, n > 0,
                         by_cell.get((plan_id, t.id), [])))
    out = pd.DataFrame(rows, columns=COVERAGE_COLUMNS)
    out["year"] = out["year"].astype("Int64")
    return out


def _columns(frame: pd.DataFrame, *names: str) -> list[list]:
    """Columns as Python lists: iterating Arrow-backed strings one by one is slow."""
    return [frame[name].tolist() for name in names]


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
