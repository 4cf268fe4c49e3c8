"""What the reviews teach the taxonomy: wording the rules missed, and terms that over-reached.

Two kinds of suggestion, from the current decisions of :meth:`core.Library.coverage`:

- ``term``: a reviewer marked a cell covered that the rules call 缺. Phrases (runs of
  1–3 jieba words) of the items the reviewer pointed to (else the nearest candidate)
  that are not yet terms of the theme, that the theme's excludes would not hide,
  rare enough in the library not to tag everything; ranked by how many such cells
  they occur in, then by rarity, shortest first.
- ``exclude``: a reviewer marked a cell 缺 that the rules call covered. Each term that
  hit there, with the clause it hit in as an exclude context (an escaped regex on
  folded text, as the taxonomy file wants it).

:func:`with_rule` gives the taxonomy with one suggestion added, for the validated save.

>>> learned(lib)[["theme", "kind", "phrase", "rule", "cells"]]   # doctest: +SKIP
"""
from __future__ import annotations

import dataclasses
import math
import re
from typing import Any

import pandas as pd

from .normalize import fold
from .tagging import tag_text
from .taxonomy import Taxonomy
from .tokenizer import tokenize

SUGGESTION_COLUMNS = ["theme", "theme_name", "kind", "phrase", "rule", "cells", "items_with", "example"]
MAX_WORDS = 3
PHRASE_CHARS = (2, 10)
COMMON_SHARE = 0.05   # a phrase in more than this share of all items would tag too much
CONTEXT_CHARS = 8     # characters kept on each side of a hit for an exclude context
_CJK = re.compile(r"^[\u4e00-\u9fff]+$")
_FUNCTION_WORDS = frozenset("和的及与对等并或在了把被为以从向于")  # glue, never part of a term
_CLAUSE_END = "，。；：！？,.;:!?\n"
NEAR_CHARS = 12       # a phrase this close to the candidate's near-miss wording counts as "near"


def learned(lib: Any, per_theme: int = 8) -> pd.DataFrame:
    """Suggestions (columns :data:`SUGGESTION_COLUMNS`), best first within each theme."""
    cov = lib.coverage()
    decided = cov[cov["review"].notna() & ~cov["needs_recheck"]]
    missed = decided[decided["covered"] & ~decided["machine_covered"]]
    over = decided[~decided["covered"] & decided["machine_covered"]]
    rows = _term_suggestions(lib, missed, per_theme) + _exclude_suggestions(lib, over, per_theme)
    return pd.DataFrame(rows, columns=SUGGESTION_COLUMNS)


def phrases(text: str) -> set[str]:
    """Runs of 1–:data:`MAX_WORDS` jieba words of ``text``: Chinese characters only, and
    no one-character word at either end and no glue word ("和", "的", "对") inside.

    >>> sorted(p for p in phrases("建设网上党支部和智慧机关") if len(p) > 4)
    ['建设网上党支部', '网上党支部']
    """
    words = tokenize(text)
    out = set()
    for i in range(len(words)):
        for n in range(1, MAX_WORDS + 1):
            part = words[i:i + n]
            if len(part) < n:
                break
            phrase = "".join(part)
            if (len(part[0]) > 1 and len(part[-1]) > 1 and not _FUNCTION_WORDS.intersection(part)
                    and _CJK.match(phrase)
                    and PHRASE_CHARS[0] <= len(phrase) <= PHRASE_CHARS[1]):
                out.add(phrase)
    return out


def _near(text: str, spans: list) -> str:
    """The parts of ``text`` within :data:`NEAR_CHARS` of ``spans`` (all of it without spans)."""
    if not spans:
        return text
    return "\n".join(text[max(0, s - NEAR_CHARS):e + NEAR_CHARS] for s, e in spans)


def _term_suggestions(lib: Any, missed: pd.DataFrame, per_theme: int) -> list[tuple]:
    texts = dict(zip(lib.items["item_id"], lib.items["text"]))
    titles = dict(zip(lib.items["item_id"], lib.items["organ"].astype(str) + "：" + lib.items["title"].astype(str)))
    total = max(1, len(lib.items))
    out = []
    for theme, cells in missed.groupby("theme", sort=False):
        known = [fold(t) for t in lib.taxonomy.theme(theme).terms]
        alone = dataclasses.replace(lib.taxonomy, themes=(lib.taxonomy.theme(theme),), _cache={})
        support: dict[str, set[tuple[str, str]]] = {}
        example: dict[str, str] = {}
        for plan_id, review in zip(cells["plan_id"], cells["review"]):
            candidate = lib.nearest_candidate(plan_id, theme)
            items = list(review["items"]) or [candidate["candidate_item_id"]]
            for item_id in (i for i in items if i in texts):
                spans = list(candidate["candidate_spans"] or []) if item_id == candidate["candidate_item_id"] else []
                for phrase in phrases(_near(texts[item_id], spans)):
                    support.setdefault(phrase, set()).add((plan_id, item_id))
                    example.setdefault(phrase, titles[item_id])
        ranked = []
        for phrase, where in support.items():
            folded = fold(phrase)
            if any(k in folded or folded in k for k in known):
                continue  # already a term, or holding one: it tags nothing new
            items_with = len(lib.search(phrase, mode="exact", display=False))
            if items_with > max(3, COMMON_SHARE * total):
                continue
            trial = with_rule(alone, theme, "term", phrase)
            if not any(tag_text(texts[item_id], trial) for _, item_id in where):
                continue  # the theme's exclude contexts would still hide it
            cells_with = len({p for p, _ in where})
            ranked.append((cells_with * math.log1p(total / max(1, items_with)), len(phrase), phrase,
                           cells_with, items_with))
        ranked.sort(key=lambda r: (-r[0], r[1], r[2]))
        kept: list[tuple] = []
        for score, _, phrase, cells_with, items_with in ranked:
            # a longer phrase around a kept one, found in as many items, tags nothing more
            if any(k[2] in phrase and k[4] == items_with for k in kept):
                continue
            kept.append((score, 0, phrase, cells_with, items_with))
            if len(kept) == per_theme:
                break
        name = lib.taxonomy.theme(theme).name
        out += [(theme, name, "term", phrase, phrase, cells_with, items_with, example[phrase])
                for _, _, phrase, cells_with, items_with in kept]
    return out


def _exclude_suggestions(lib: Any, over: pd.DataFrame, per_theme: int) -> list[tuple]:
    out = []
    for theme, cells in over.groupby("theme", sort=False):
        by_term: dict[str, dict] = {}
        for plan_id in cells["plan_id"]:
            for hit in lib.evidence_for(plan_id, theme):
                entry = by_term.setdefault(hit["term"], {"cells": set(), "context": None})
                entry["cells"].add(plan_id)
                if entry["context"] is None:
                    entry["context"] = clause_around(hit["text"], hit["start"], hit["end"])
        name = lib.taxonomy.theme(theme).name
        ranked = sorted(by_term.items(), key=lambda kv: -len(kv[1]["cells"]))[:per_theme]
        for term, entry in ranked:
            context = entry["context"]
            if fold(context) == fold(term):
                continue  # no wording around it: excluding it would drop the term everywhere
            out.append((theme, name, "exclude", term, re.escape(fold(context)), len(entry["cells"]),
                        len(lib.search(context, mode="exact", display=False)), context))
    return out


def clause_around(text: str, start: int, end: int) -> str:
    """The clause of ``text`` holding ``text[start:end]``, at most :data:`CONTEXT_CHARS`
    characters either side of it.

    >>> clause_around("加强监督，对数字化改革的监督检查。", 6, 9)
    '对数字化改革的监督检查'
    """
    lo = start
    while lo > 0 and start - lo < CONTEXT_CHARS and text[lo - 1] not in _CLAUSE_END:
        lo -= 1
    hi = end
    while hi < len(text) and hi - end < CONTEXT_CHARS and text[hi] not in _CLAUSE_END:
        hi += 1
    return text[lo:hi].strip()


def with_rule(taxonomy: Taxonomy, theme_id: str, kind: str, rule: str) -> Taxonomy:
    """``taxonomy`` with ``rule`` added to the theme's terms (``kind="term"``) or excludes."""
    field = {"term": "terms", "exclude": "exclude"}[kind]
    themes = tuple(dataclasses.replace(t, **{field: tuple(dict.fromkeys(getattr(t, field) + (rule,)))})
                   if t.id == theme_id else t for t in taxonomy.themes)
    return dataclasses.replace(taxonomy, themes=themes, _cache={})
