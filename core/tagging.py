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
from typing import Any, Collection, Sequence

from core.rules import RuleError, compile_rule
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
    pattern: Any  # re or RE2 pattern (see _compile), or None
    excludes: tuple[Any, ...]
    hints: Any
    terms: tuple[str, ...]
    regex: Any = None  # the theme's regexes alone (``pattern`` = terms | regexes)
    source: str = ""  # ``pattern`` as written (an RE2 pattern's own text is rewritten)


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
    finder = near_miss_finder(theme.id if isinstance(theme, Theme) else theme, taxonomy)
    if finder is None:
        return []
    return finder.find(*_fold(text))


def fold_for_matching(text: str) -> tuple[str, list[int] | None]:
    """``text`` folded as the tagger sees it, and the map back to display offsets.

    The map is ``None`` when folding kept every position. Fold an item once and hand
    both to a :class:`NearMissFinder` for many themes.
    """
    return _fold(text)


class NearMissFinder:
    """:func:`near_misses` for one theme with its rules compiled once, on folded text.

    >>> from core.taxonomy import load_taxonomy
    >>> finder = near_miss_finder("smart", load_taxonomy())
    >>> folded, index_map = fold_for_matching("加强对数字化改革的监督检查。")
    >>> finder.may_find(folded), [m.term for m in finder.find(folded, index_map)]
    (True, ['数字化'])
    """

    def __init__(self, matcher: _Matcher) -> None:
        self._matcher = matcher
        long_terms = [t for t in matcher.terms if len(t) >= 3]
        self._gapped = tuple((t, re.compile(_GAP.join(re.escape(ch) for ch in t))) for t in long_terms)
        # A near miss needs a rule hit (in an excluded context), the first two characters of
        # a term at most a gap apart, or a hint: one search for all three says whether to look.
        parts = [f"(?:{matcher.source})"] if matcher.pattern is not None and matcher.excludes else []
        parts += sorted({re.escape(t[0]) + _GAP + re.escape(t[1]) for t in long_terms})
        if matcher.hints is not None:
            parts.append(f"(?:{matcher.hints.pattern})")
        has_user_regex = bool(matcher.excludes) or matcher.regex is not None
        try:
            self._screen = _compile_parts(parts, user=has_user_regex)
        except RuleError:  # a user regex that does not combine: look closer at every text
            self._screen = None
        self._never = not parts

    def may_find(self, folded: str) -> bool:
        """False only when :meth:`find` would find nothing in ``folded`` (one regex search)."""
        if not folded or self._never:
            return False
        return self._screen is None or self._screen.search(folded) is not None

    def find(self, folded: str, index_map: list[int] | None) -> list[NearMiss]:
        """Near misses in text folded by :func:`fold_for_matching`, in display offsets."""
        matcher = self._matcher
        if not folded:
            return []
        taken = [(s, e) for _, s, e in _hits(matcher, folded)]
        misses: list[NearMiss] = []

        def add(term: str, start: int, end: int, reason: str) -> None:
            if any(start < e and s < end for s, e in taken):
                return
            taken.append((start, end))
            misses.append(NearMiss(matcher.theme, term, *_span(index_map, start, end), reason))

        if matcher.pattern is not None and matcher.excludes:
            contexts = [m for p in matcher.excludes for m in p.finditer(folded)]
            if contexts:
                for m in matcher.pattern.finditer(folded):
                    context = next((c for c in contexts if c.start() < m.end() and m.start() < c.end()), None)
                    if context is not None:
                        add(m.group(), m.start(), m.end(),
                            f"命中“{m.group()}”，但处在排除语境“{context.group()}”中，不算承诺该项工作")
        for term, gapped in self._gapped:
            for m in gapped.finditer(folded):
                if m.group() != term:
                    add(m.group(), m.start(), m.end(),
                        f"“{m.group()}”与规则词“{term}”相近，但中间夹有其他文字")
        if matcher.hints is not None:
            for m in matcher.hints.finditer(folded):
                add(m.group(), m.start(), m.end(),
                    f"只出现提示词“{m.group()}”，未见该主题的明确工作部署")
        return sorted(misses, key=lambda n: (n.start, n.end))


_GAP = "[^。；，]{0,3}"


def near_miss_finder(theme_id: str, taxonomy: Taxonomy) -> NearMissFinder | None:
    """The :class:`NearMissFinder` of ``theme_id`` (None if the taxonomy has no such theme).

    Compiled on first use and cached on the taxonomy.
    """
    cached = taxonomy._cache.setdefault("near", {})
    finder = cached.get(theme_id)
    if finder is None:
        matcher = next((m for m in _matchers(taxonomy) if m.theme == theme_id), None)
        if matcher is None:
            return None
        finder = cached[theme_id] = NearMissFinder(matcher)
    return finder


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
    return decide_dimension(heading_dimensions(title, taxonomy), item_themes, taxonomy)


def heading_dimensions(title: str, taxonomy: Taxonomy) -> dict[str, int]:
    """Dimension id → where its first heading keyword occurs in folded ``title``."""
    folded = fold(title)
    first_seen: dict[str, int] = {}
    for dim_id, keywords in _about_keywords(taxonomy):
        positions = [folded.find(k) for k in keywords if k in folded]
        if positions:
            first_seen[dim_id] = min(positions)
    return first_seen


def decide_dimension(first_seen: dict[str, int], item_themes: list[list[str]] | list[tuple[str, ...]],
                     taxonomy: Taxonomy) -> str:
    """:func:`section_dimension` given the heading's :func:`heading_dimensions`."""
    if len(first_seen) == 1:
        return next(iter(first_seen))
    votes = _dimension_votes(item_themes, taxonomy)
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


def matching_rows(folded_texts: Sequence[str], taxonomy: Taxonomy, themes: Collection[str]) -> list[int]:
    """Positions of the texts :func:`could_match` accepts, found faster over many texts.

    A plain term is looked for as a substring (much faster than a regex alternation
    of all of them); only the themes' own regexes run as regexes.
    """
    matchers = [m for m in _matchers(taxonomy) if m.theme in themes and m.pattern is not None]
    terms = {t for m in matchers for t in m.terms}
    # A term holding another term adds nothing: where it occurs, the shorter one does too.
    terms = sorted((t for t in terms if not any(o != t and o in t for o in terms)), key=len)
    regexes = [m.regex for m in matchers if m.regex is not None]
    return [row for row, text in enumerate(folded_texts)
            if any(t in text for t in terms) or any(r.search(text) for r in regexes)]


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
    """Users' regexes run in RE2 (:mod:`core.rules`: linear time, no hang); plain terms,
    an alternation of literals that cannot backtrack, in the faster ``re``."""
    terms = sorted({fold(t) for t in theme.terms if fold(t)}, key=len, reverse=True)
    parts = [re.escape(t) for t in terms] + [f"(?:{r})" for r in theme.regex]
    pattern = _compile_parts(parts, user=bool(theme.regex))
    hint_terms = sorted({fold(h) for h in theme.hints if fold(h)}, key=len, reverse=True)
    hints = _compile_parts([re.escape(h) for h in hint_terms], user=False)
    excludes = tuple(compile_rule(x) for x in theme.exclude)
    regex = _compile_parts([f"(?:{r})" for r in theme.regex], user=True)
    return _Matcher(theme.id, pattern, excludes, hints, tuple(terms), regex, "|".join(parts))


def _compile_parts(parts: list[str], *, user: bool) -> Any:
    """One pattern matching any of ``parts`` (None for none); RE2 if any is a user's regex."""
    if not parts:
        return None
    joined = "|".join(parts)
    return compile_rule(joined) if user else re.compile(joined)


_SPACE = re.compile(r"\s")
_RUN = re.compile(r"\S+|\s+")


def _fold(text: str) -> tuple[str, list[int] | None]:
    """Folded text and index map; ``None`` map when folding kept every position."""
    quick = fold_chars(text)
    if len(quick) != len(text):  # a character was dropped: map it one by one
        return fold_with_map(text)
    if not _SPACE.search(quick):
        return quick, None
    return _drop_spaces(quick)


def _drop_spaces(quick: str) -> tuple[str, list[int]]:
    """:func:`fold_with_map` of a text whose width-folding kept every character, by runs."""
    out: list[str] = []
    index: list[int] = []
    for m in _RUN.finditer(quick):
        start, end = m.span()
        if quick[start].isspace():
            before = quick[start - 1] if start else ""
            after = quick[end] if end < len(quick) else ""
            if before and after and before.isascii() and after.isascii():
                out.append(" ")
                index.append(start)
        else:
            out.append(m.group())
            index.extend(range(start, end))
    return "".join(out), index


def _span(index_map: list[int] | None, start: int, end: int) -> tuple[int, int]:
    return (start, end) if index_map is None else display_span(index_map, start, end)
