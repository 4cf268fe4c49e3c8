"""Theme tagging of plan items by compiled rules over folded text (no jieba).

Each theme's terms and regexes are compiled into one pattern per taxonomy and
cached on the taxonomy object; a hit counts unless it overlaps a match of one of
the theme's ``exclude`` regexes (the context in which the wording means
something else). Offsets in :class:`Evidence` point into the text given.

>>> from core.taxonomy import load_taxonomy
>>> tax = load_taxonomy()
>>> ev = tag_text("严格落实“三会一课”制度。", tax)["org_life"][0]
>>> "严格落实“三会一课”制度。"[ev.start:ev.end]
'三会一课'
>>> "rural" in tag_text("党员到居住地村社报到。", tax)
False
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Collection

from core.normalize import display_span, fold, fold_chars, fold_with_map
from core.taxonomy import Taxonomy, Theme

OTHER_DIMENSION = "other"


@dataclass(frozen=True)
class Evidence:
    """Wording that made an item cover ``theme``: ``text[start:end]``."""

    theme: str
    term: str
    start: int
    end: int


@dataclass(frozen=True)
class NearMiss:
    """Wording close to ``theme`` that did not count, and why (in Chinese)."""

    theme: str
    term: str
    start: int
    end: int
    reason: str


@dataclass(frozen=True)
class _Matcher:
    theme: str
    pattern: re.Pattern | None
    excludes: tuple[re.Pattern, ...]
    hints: re.Pattern | None
    terms: tuple[str, ...]


def tag_text(text: str, taxonomy: Taxonomy,
             only: Collection[str] | None = None) -> dict[str, list[Evidence]]:
    """Theme id → evidence for every theme ``text`` commits to (non-empty lists only).

    ``only`` limits the themes tried (used to retag just the themes a user edited).
    """
    folded, index_map = _fold(text)
    out: dict[str, list[Evidence]] = {}
    if not folded:
        return out
    for matcher in _matchers(taxonomy):
        if only is not None and matcher.theme not in only:
            continue
        hits = _hits(matcher, folded)
        if hits:
            out[matcher.theme] = [Evidence(matcher.theme, term, *_span(index_map, s, e))
                                  for term, s, e in hits]
    return out


def themes_of(text: str, taxonomy: Taxonomy) -> list[str]:
    """The theme ids ``text`` covers, in taxonomy order."""
    return list(tag_text(text, taxonomy))


def near_misses(text: str, theme: str | Theme, taxonomy: Taxonomy) -> list[NearMiss]:
    """Wording in ``text`` that comes close to ``theme`` without counting.

    Three kinds, each with a Chinese reason: a rule hit inside an excluded
    context; a rule term written with a few characters in between; a weak hint
    word of the theme. Used to show the nearest candidate for an omission.
    """
    theme_id = theme.id if isinstance(theme, Theme) else theme
    matcher = next((m for m in _matchers(taxonomy) if m.theme == theme_id), None)
    folded, index_map = _fold(text)
    if matcher is None or not folded:
        return []
    taken = [(s, e) for _, s, e in _hits(matcher, folded)]
    misses: list[NearMiss] = []

    def add(term: str, start: int, end: int, reason: str) -> None:
        if any(start < e and s < end for s, e in taken):
            return
        taken.append((start, end))
        misses.append(NearMiss(theme_id, term, *_span(index_map, start, end), reason))

    if matcher.pattern is not None:
        contexts = [m for p in matcher.excludes for m in p.finditer(folded)]
        for m in matcher.pattern.finditer(folded):
            context = next((c for c in contexts if c.start() < m.end() and m.start() < c.end()), None)
            if context is not None:
                add(m.group(), m.start(), m.end(),
                    f"命中“{m.group()}”，但处在排除语境“{context.group()}”中，不算承诺该项工作")
    for term in matcher.terms:
        if len(term) < 3:
            continue
        gapped = "[^。；，]{0,3}".join(re.escape(ch) for ch in term)
        for m in re.finditer(gapped, folded):
            if m.group() != term:
                add(m.group(), m.start(), m.end(),
                    f"“{m.group()}”与规则词“{term}”相近，但中间夹有其他文字")
    if matcher.hints is not None:
        for m in matcher.hints.finditer(folded):
            add(m.group(), m.start(), m.end(),
                f"只出现提示词“{m.group()}”，未见该主题的明确工作部署")
    return sorted(misses, key=lambda n: (n.start, n.end))


def section_dimension(title: str, item_themes: list[list[str]], taxonomy: Taxonomy) -> str:
    """The dimension a section is about.

    The heading decides when its keywords (dimension ``about``) point to one
    dimension. When they point to several, the items' themes break the tie
    (majority of their dimensions), then the keyword that comes first. With no
    keyword the items' majority decides; ``'other'`` when nothing does.

    >>> from core.taxonomy import load_taxonomy
    >>> section_dimension("深化党的政治建设", [], load_taxonomy())
    'political'
    """
    folded = fold(title)
    first_seen: dict[str, int] = {}
    for dim_id, keywords in _about_keywords(taxonomy):
        positions = [folded.find(k) for k in keywords if k in folded]
        if positions:
            first_seen[dim_id] = min(positions)
    votes = _dimension_votes(item_themes, taxonomy)
    if len(first_seen) == 1:
        return next(iter(first_seen))
    if first_seen:
        return max(first_seen, key=lambda d: (votes.get(d, 0), -first_seen[d]))
    if votes:
        order = {d: i for i, d in enumerate(taxonomy.dimension_ids)}
        return max(votes, key=lambda d: (votes[d], -order.get(d, len(order))))
    return OTHER_DIMENSION


# ---------------------------------------------------------------- internals

def _about_keywords(taxonomy: Taxonomy) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(dimension id, folded heading keywords) per dimension, cached on the taxonomy."""
    cached = taxonomy._cache.get("about")
    if cached is None:
        cached = tuple((d.id, tuple(fold(k) for k in d.about if k)) for d in taxonomy.dimensions)
        taxonomy._cache["about"] = cached
    return cached


def _dimension_votes(item_themes: list[list[str]], taxonomy: Taxonomy) -> Counter:
    dimension_of = taxonomy._cache.get("dimension_of")
    if dimension_of is None:
        dimension_of = taxonomy._cache["dimension_of"] = {t.id: t.dimension for t in taxonomy.themes}
    return Counter(dimension_of[t] for themes in item_themes for t in themes if t in dimension_of)


def _hits(matcher: _Matcher, folded: str) -> list[tuple[str, int, int]]:
    if matcher.pattern is None:
        return []
    hits = [(m.group(), m.start(), m.end()) for m in matcher.pattern.finditer(folded)]
    if hits and matcher.excludes:
        contexts = [m.span() for p in matcher.excludes for m in p.finditer(folded)]
        if contexts:
            hits = [h for h in hits if not any(s < h[2] and h[1] < e for s, e in contexts)]
    return hits


def could_match(folded: str, taxonomy: Taxonomy, themes: Collection[str]) -> bool:
    """Cheap pre-check on already folded text: may any of ``themes`` hit in it?"""
    return any(m.pattern is not None and m.theme in themes and m.pattern.search(folded)
               for m in _matchers(taxonomy))


def rule_key(theme: Theme) -> tuple:
    """What decides where ``theme`` hits: two themes with equal keys tag identically."""
    return (theme.terms, theme.regex, theme.exclude)


def _matchers(taxonomy: Taxonomy) -> tuple[_Matcher, ...]:
    cached = taxonomy._cache.get("matchers")
    if cached is None:
        cached = tuple(_compile(theme) for theme in taxonomy.themes)
        taxonomy._cache["matchers"] = cached
    return cached


def _compile(theme: Theme) -> _Matcher:
    terms = sorted({fold(t) for t in theme.terms if fold(t)}, key=len, reverse=True)
    parts = [re.escape(t) for t in terms] + [f"(?:{r})" for r in theme.regex]
    pattern = re.compile("|".join(parts)) if parts else None
    hint_terms = sorted({fold(h) for h in theme.hints if fold(h)}, key=len, reverse=True)
    hints = re.compile("|".join(map(re.escape, hint_terms))) if hint_terms else None
    excludes = tuple(re.compile(x) for x in theme.exclude)
    return _Matcher(theme.id, pattern, excludes, hints, tuple(terms))


_SPACE = re.compile(r"\s")


def _fold(text: str) -> tuple[str, list[int] | None]:
    """Folded text and index map; ``None`` map when folding kept every position."""
    quick = fold_chars(text)
    if len(quick) == len(text) and not _SPACE.search(quick):
        return quick, None
    return fold_with_map(text)


def _span(index_map: list[int] | None, start: int, end: int) -> tuple[int, int]:
    return (start, end) if index_map is None else display_span(index_map, start, end)
