"""Coverage counts, evidence per cell, omissions and nearest candidates against brute force."""
from __future__ import annotations

import dataclasses
import re
import shutil

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import core
from core import analysis, reviews
from core.library import _overrides
from core.normalize import fold, fold_with_map
from core.tagging import (_fold, _hits, _matchers, _span, could_match, matching_rows, near_miss_finder,
                          near_misses)
from conftest import SAMPLE_DIR

TAX = core.load_taxonomy()


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cells") / "plans"
    shutil.copytree(SAMPLE_DIR, folder, ignore=shutil.ignore_patterns(".index"))
    return core.open_library(folder, use_cache=False)


# ------------------------------------------------------------ brute force

def brute_near_misses(text: str, theme_id: str, taxonomy) -> list[tuple]:
    """Near misses the slow way: every rule compiled on the spot, every item tried."""
    matcher = next(m for m in _matchers(taxonomy) if m.theme == theme_id)
    folded, index_map = fold_with_map(text)
    if not folded:
        return []
    taken = [(s, e) for _, s, e in _hits(matcher, folded)]
    misses = []

    def add(term, start, end, reason):
        if any(start < e and s < end for s, e in taken):
            return
        taken.append((start, end))
        misses.append((term, *_span(index_map, start, end), reason))

    if matcher.pattern is not None:
        contexts = [m for p in matcher.excludes for m in p.finditer(folded)]
        for m in matcher.pattern.finditer(folded):
            context = next((c for c in contexts if c.start() < m.end() and m.start() < c.end()), None)
            if context is not None:
                add(m.group(), m.start(), m.end(),
                    f"命中“{m.group()}”，但处在排除语境“{context.group()}”中，不算承诺该项工作")
    for term in matcher.terms:
        if len(term) >= 3:
            for m in re.finditer("[^。；，]{0,3}".join(re.escape(ch) for ch in term), folded):
                if m.group() != term:
                    add(m.group(), m.start(), m.end(), f"“{m.group()}”与规则词“{term}”相近，但中间夹有其他文字")
    if matcher.hints is not None:
        for m in matcher.hints.finditer(folded):
            add(m.group(), m.start(), m.end(), f"只出现提示词“{m.group()}”，未见该主题的明确工作部署")
    return sorted(misses, key=lambda n: (n[1], n[2]))


def brute_candidate(items: pd.DataFrame, theme, taxonomy) -> tuple:
    if items.empty:
        return "", "", "", [], "该计划没有任务条目"
    best, best_score = None, 0
    for row in items.itertuples(index=False):
        misses = brute_near_misses(row.text, theme.id, taxonomy)
        score = sum(m[2] - m[1] for m in misses)
        if score > best_score:
            best, best_score = (row, misses), score
    if best is not None:
        row, misses = best
        return (row.item_id, row.title, row.text, [(m[1], m[2]) for m in misses],
                "；".join(dict.fromkeys(m[3] for m in misses)))

    def grams(text):
        f = fold(text)
        return {f[i:i + 2] for i in range(len(f) - 1)}

    wanted = grams(" ".join([theme.name, theme.scope, *theme.terms]))
    best, best_score = None, 0.0
    for row in items.itertuples(index=False):
        score = len(wanted & grams(row.text)) / (len(wanted) or 1)
        if score > best_score:
            best, best_score = row, score
    if best is None:
        return "", "", "", [], "未找到相近表述"
    return (best.item_id, best.title, best.text, [],
            f"未找到相近表述；字面最接近的条目（相似度 {best_score:.2f}），未见该主题的工作部署")


# ------------------------------------------------------------ coverage and evidence

def test_coverage_counts_are_items_per_plan_and_theme(lib):
    cov = lib.coverage()
    assert list(cov.columns) == reviews.REVIEWED_COVERAGE_COLUMNS
    assert cov["year"].dtype == "Int64" and cov["count"].dtype == "int64"
    expected = {}
    for plan_id, themes in zip(lib.items["plan_id"], lib.items["themes"]):
        for t in themes:
            expected[(plan_id, t)] = expected.get((plan_id, t), 0) + 1
    for r in cov.itertuples(index=False):
        assert r.count == expected.get((r.plan_id, r.theme), 0) and r.covered == (r.count > 0)
        assert r.theme_name == TAX.theme(r.theme).name and r.dimension == TAX.theme(r.theme).dimension


def test_evidence_for_is_the_cells_evidence_rows(lib):
    items = lib.items.set_index("item_id")
    for r in lib.coverage().itertuples(index=False):
        rows = lib.evidence[(lib.evidence["plan_id"] == r.plan_id) & (lib.evidence["theme"] == r.theme)]
        expected = [{"item_id": e.item_id, "title": items.loc[e.item_id, "title"],
                     "text": items.loc[e.item_id, "text"], "term": e.term, "start": e.start, "end": e.end}
                    for e in rows.itertuples(index=False)]
        assert lib.evidence_for(r.plan_id, r.theme) == expected


def test_evidence_for_unknown_cell_is_empty(lib):
    assert lib.evidence_for("no-such-plan", "org_life") == []
    assert lib.evidence_for(lib.plans["plan_id"][0], "no-such-theme") == []


# ------------------------------------------------------------ omissions

def test_omissions_without_candidates_are_the_cheap_columns(lib):
    full = lib.omissions()
    cells = lib.omissions(candidates=False)
    assert list(cells.columns) == reviews.REVIEWED_OMISSION_CELL_COLUMNS
    pd.testing.assert_frame_equal(cells, full[reviews.REVIEWED_OMISSION_CELL_COLUMNS])
    fresh = core.open_library(lib.root, use_cache=False)
    pd.testing.assert_frame_equal(fresh.omissions(candidates=False), cells)  # computed before omissions()


def test_nearest_candidates_equal_brute_force(lib):
    om = lib.omissions()
    assert len(om) > 0
    for r in om.itertuples(index=False):
        theme = TAX.theme(r.theme)
        expected = brute_candidate(lib.items[lib.items["plan_id"] == r.plan_id], theme, TAX)
        got = (r.candidate_item_id, r.candidate_title, r.candidate_text, r.candidate_spans, r.reason)
        assert got == expected, (r.plan_id, r.theme)
        one = lib.nearest_candidate(r.plan_id, r.theme)
        assert list(one) == analysis.CANDIDATE_COLUMNS
        assert tuple(one.values()) == expected


def test_nearest_candidate_rejects_unknown_plan_or_theme(lib):
    with pytest.raises(KeyError):
        lib.nearest_candidate("no-such-plan", "org_life")
    with pytest.raises(KeyError):
        lib.nearest_candidate(lib.plans["plan_id"][0], "no-such-theme")


def test_plan_without_items_has_no_candidate(tmp_path):
    (tmp_path / "empty.txt").write_text("2023年某局机关党建工作要点\n总体要求：做好工作。\n", encoding="utf-8")
    lib = core.open_library(tmp_path, use_cache=False)
    om = lib.omissions()
    assert len(om) == len(TAX.required_themes) and (om["reason"] == "该计划没有任务条目").all()
    assert lib.nearest_candidate(om["plan_id"][0], om["theme"][0])["reason"] == "该计划没有任务条目"


PLAN_LIKE = st.text(alphabet="党建三会一课村社疫情防控数字化智慧监督检查考核述职评议同谋划 　\u200b“”、，。；ＡＢapp",
                    max_size=60)


@settings(max_examples=300, deadline=None)
@given(PLAN_LIKE, st.sampled_from(TAX.theme_ids))
def test_near_misses_equal_brute_force_and_screen_is_exact(text, theme_id):
    got = [(m.term, m.start, m.end, m.reason) for m in near_misses(text, theme_id, TAX)]
    assert got == brute_near_misses(text, theme_id, TAX)
    if got:
        assert near_miss_finder(theme_id, TAX).may_find(_fold(text)[0])


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("党建 \t　\u200bＡａb1 \n中，"))))
def test_fold_equals_fold_with_map(text):
    folded, index_map = _fold(text)
    expected_folded, expected_map = fold_with_map(text)
    assert folded == expected_folded == fold(text)
    assert (index_map if index_map is not None else list(range(len(text)))) == expected_map


# ------------------------------------------------------------ retag

def _edits(tax: core.Taxonomy):
    themes = list(tax.themes)
    first = dataclasses.replace(themes[0], terms=themes[0].terms + ("政治机关意识教育", "党建"))
    yield "terms added", core.Taxonomy(tax.dimensions, (first, *themes[1:]))
    moved = dataclasses.replace(themes[3], dimension="political" if themes[3].dimension != "political"
                                else "organization")
    yield "theme moved", core.Taxonomy(tax.dimensions, (*themes[:3], moved, *themes[4:]))
    yield "theme removed", core.Taxonomy(tax.dimensions, (*themes[:5], *themes[6:]))
    added = dataclasses.replace(themes[2], id="new_one", regex=("学习.{0,4}教育",))
    yield "theme added", core.Taxonomy(tax.dimensions, (*themes, added))
    yield "themes reordered", core.Taxonomy(tax.dimensions, tuple(reversed(themes)))
    dims = list(tax.dimensions)
    dims[2] = dataclasses.replace(dims[2], about=dims[2].about + ("工作",))
    dims[0] = dataclasses.replace(dims[0], about=dims[0].about[1:])
    yield "heading keywords edited", core.Taxonomy(tuple(dims), tax.themes)
    gone = tax.dimensions[-1].id
    yield "dimension removed", core.Taxonomy(tax.dimensions[:-1], tuple(t for t in themes if t.dimension != gone))
    excluded = dataclasses.replace(themes[7], exclude=themes[7].exclude + ("党建",), terms=themes[7].terms[1:])
    yield "exclude added", core.Taxonomy(tax.dimensions, (*themes[:7], excluded, *themes[8:]))


@pytest.mark.parametrize("name,edited", list(_edits(TAX)), ids=[n for n, _ in _edits(TAX)])
def test_retag_equals_fresh_open(lib, name, edited):
    retagged = lib.retag(edited)
    fresh = core.open_library(lib.root, taxonomy=edited, use_cache=False)
    for frame in ("sections", "items", "evidence", "preamble_mentions"):
        pd.testing.assert_frame_equal(getattr(retagged, frame), getattr(fresh, frame))
    pd.testing.assert_frame_equal(retagged.coverage(), fresh.coverage())
    pd.testing.assert_frame_equal(retagged.omissions(), fresh.omissions())
    for r in fresh.coverage().itertuples(index=False):
        assert retagged.evidence_for(r.plan_id, r.theme) == fresh.evidence_for(r.plan_id, r.theme)


@settings(max_examples=30, deadline=None)
@given(theme=st.integers(0, len(TAX.themes) - 1), term=st.text(alphabet="党建工作学习教育组织纪律监督群众", min_size=1,
                                                                max_size=4),
       drop=st.booleans(), around=st.sampled_from(["", "prefix", "suffix", "inside"]))
def test_retag_after_any_term_edit_equals_fresh_tagging(lib, theme, term, drop, around):
    themes = list(TAX.themes)
    terms = list(themes[theme].terms)
    if around == "prefix":  # overlapping an existing term, so the alternation picks differently
        term = term + terms[-1]
    elif around == "suffix":
        term = terms[-1] + term
    elif around == "inside" and len(terms[-1]) > 2:
        term = terms[-1][1:]
    if drop and len(terms) > 1:
        terms.pop(0)
    themes[theme] = dataclasses.replace(themes[theme], terms=(*terms, term))
    edited = core.Taxonomy(TAX.dimensions, tuple(themes))
    retagged = lib.retag(edited)
    sections = lib.sections.drop(columns=["dimension"])
    items = lib.items.drop(columns=["section_dimension", "themes"])
    fresh = analysis.tag_plans_frames(lib._preambles, sections, items, edited, _overrides(lib.manifest))
    assert retagged.items["themes"].tolist() == fresh.item_themes
    assert retagged.sections["dimension"].tolist() == fresh.section_dimensions
    pd.testing.assert_frame_equal(retagged.evidence, fresh.evidence)
    pd.testing.assert_frame_equal(retagged.preamble_mentions, fresh.preamble_mentions)


@settings(max_examples=200, deadline=None)
@given(st.lists(PLAN_LIKE, max_size=8), st.sets(st.sampled_from(TAX.theme_ids + ["new_one"]), max_size=4),
       st.lists(st.text(alphabet="党建三会一课村社疫情数字化", min_size=1, max_size=4), max_size=3))
def test_matching_rows_equal_could_match(texts, themes, extra_terms):
    extra = dataclasses.replace(TAX.themes[0], id="new_one", terms=tuple(extra_terms) or ("x",),
                                regex=("会.{0,2}课",))
    tax = core.Taxonomy(TAX.dimensions, (*TAX.themes, extra))
    folded = [_fold(t)[0] for t in texts]
    assert matching_rows(folded, tax, themes) == [i for i, f in enumerate(folded) if could_match(f, tax, themes)]


@pytest.mark.parametrize("search_loaded", [True, False])
def test_retag_with_or_without_the_search_index(lib, search_loaded):
    fresh_lib = core.open_library(lib.root)
    if search_loaded:
        fresh_lib.search_index()
    edited = next(t for name, t in _edits(TAX) if name == "terms added")
    retagged = fresh_lib.retag(edited)
    again = retagged.retag(TAX)  # and back, reusing the folded texts
    fresh = core.open_library(lib.root, taxonomy=edited, use_cache=False)
    for frame in ("sections", "items", "evidence", "preamble_mentions"):
        pd.testing.assert_frame_equal(getattr(retagged, frame), getattr(fresh, frame))
        pd.testing.assert_frame_equal(getattr(again, frame), getattr(lib, frame))
