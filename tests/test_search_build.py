"""Index construction: postings against brute force, pre-folded texts, ranking sort, shared load."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from unittest import mock

import core.search as search_module
from core.normalize import fold
from core.search import SearchIndex

from tests.test_search_exact import ALPHABET, ITEMS, make_items

QUERIES = ["三会一课", "党", "党建", "谈心谈话", "xx", "x x", "主题党日", "廉", "不存在的词"]


def brute_postings(texts: list[str], vocab) -> dict[int, list[tuple[int, int, int]]]:
    """gram key → [(row, count, first position)] computed one character at a time."""
    found: dict[int, dict[int, list[int]]] = {}
    for row, text in enumerate(texts):
        ids = [int(vocab.table[ord(ch)]) for ch in text]
        grams = [(search_module._gram_key(a), p) for p, a in enumerate(ids)]
        grams += [(search_module._gram_key(a, b), p) for p, (a, b) in enumerate(zip(ids, ids[1:]))]
        for key, pos in grams:
            found.setdefault(key, {}).setdefault(row, []).append(pos)
    return {key: [(row, min(len(ps), 255), min(min(ps), search_module._POS_UNKNOWN))
                  for row, ps in sorted(rows.items())] for key, rows in found.items()}


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(alphabet=ALPHABET, min_size=0, max_size=40), min_size=1, max_size=10),
       st.sampled_from([1, 7, 30, 1 << 20]))
def test_segment_postings_equal_brute_force(texts, batch_chars):
    folded = [fold(t) for t in texts]
    with mock.patch.object(search_module, "_POS_UNKNOWN", 9), \
            mock.patch.object(search_module, "_BUILD_CHARS", batch_chars):
        vocab = search_module._Vocab.empty().extended(
            np.frombuffer("".join(folded).encode("utf-32-le"), dtype=np.uint32))
        seg = search_module._build_segment(folded, 0, vocab)
        expected = brute_postings(folded, vocab)
    assert seg.keys.tolist() == sorted(expected)
    unigrams = 0
    for i, key in enumerate(seg.keys.tolist()):
        where = slice(int(seg.offsets[i]), int(seg.offsets[i + 1]))
        if key < 1 << search_module._ID_BITS:  # single characters: no positions kept
            unigrams += where.stop - where.start
            got = list(zip(seg.local[where].tolist(), seg.tfs[where].tolist()))
            assert got == [(row, tf) for row, tf, _ in expected[key]]
        else:
            firsts = seg.first[where.start - seg.n_unigram_postings:where.stop - seg.n_unigram_postings]
            got = list(zip(seg.local[where].tolist(), seg.tfs[where].tolist(), firsts.tolist()))
            assert got == expected[key]
    assert seg.n_unigram_postings == unigrams
    search_module._check_segment(seg, len(folded))


def test_batched_build_equals_one_batch_on_long_rows():
    texts = [fold(t) for t in ITEMS["text"]] * 40 + ["党" * 70000, "", "三会一课" * 300]
    one = search_module._Vocab.empty().extended(
        np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32))
    whole = search_module._build_segment(texts, 0, one)
    with mock.patch.object(search_module, "_BUILD_CHARS", 500):
        batched = search_module._build_segment(texts, 0, one)
    for f in ("keys", "offsets", "local", "tfs", "first"):
        assert np.array_equal(getattr(whole, f), getattr(batched, f)), f


def test_prefolded_texts_give_the_same_index_and_results():
    plain = SearchIndex(ITEMS)
    given_folded = SearchIndex(ITEMS, folded=[fold(t) for t in ITEMS["text"]])
    for a, b in zip(plain._state.segments, given_folded._state.segments):
        assert all(np.array_equal(getattr(a, f), getattr(b, f))
                   for f in ("keys", "offsets", "local", "tfs", "first"))
    for query in QUERIES:
        for mode in ("exact", "keyword"):
            x, y = plain.match(query, mode), given_folded.match(query, mode)
            assert np.array_equal(x.rows, y.rows) and np.array_equal(x.scores, y.scores)


def test_prefolded_texts_that_do_not_line_up_are_rejected():
    folded = [fold(t) for t in ITEMS["text"]]
    with pytest.raises(ValueError):
        SearchIndex(ITEMS, folded=folded[:-1])
    with pytest.raises(ValueError):
        SearchIndex(ITEMS, folded=folded[1:] + folded[:1])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.integers(0, 70000).map(float),
                          st.floats(0, 1e6, allow_nan=False),
                          st.sampled_from([0.0, -0.0, 0.5, 1.0, 2.25, 5e-324])),
                min_size=0, max_size=60),
       st.integers(0, 4000))
def test_descending_order_is_a_stable_sort_by_score(scores, pad):
    # Padding past the radix threshold with repeated values exercises both code paths.
    values = np.array(scores + scores[:1] * pad if scores else [], dtype=np.float64)
    assert np.array_equal(search_module._descending_order(values),
                          np.argsort(-values, kind="stable"))


def test_match_ranks_like_a_two_key_sort_at_scale():
    # Enough hits for the radix paths; plan order deliberately not the row order.
    texts = {f"p{i}": ["党建" * (1 + j % 3) + "工作" * (j % 5) for j in range(40)] for i in range(60)}
    items = make_items(texts).sample(frac=1.0, random_state=3).reset_index(drop=True)
    index = SearchIndex(items)
    state = index._state
    for query, mode in (("党建", "exact"), ("党建 工作", "keyword"), ("工作", "keyword")):
        got = index.match(query, mode)
        want = np.lexsort((state.rank[got.rows], -got.scores))
        assert np.array_equal(got.rows, got.rows[want]) and len(got) > search_module._RADIX_MIN // 2


def test_load_with_items_shares_their_columns_and_answers_the_same(tmp_path):
    path = tmp_path / "search.npz"
    SearchIndex(ITEMS, fingerprint="f").save(path)
    saved = SearchIndex.load(path, "f")
    shared = SearchIndex.load(path, "f", items=ITEMS)
    other = make_items({"z": ["别的计划"] * len(ITEMS)})
    fallback = SearchIndex.load(path, "f", items=other)
    assert shared._state.meta["text"].tolist() == ITEMS["text"].tolist()
    assert fallback._state.meta["item_id"].tolist() == ITEMS["item_id"].tolist()
    for query in QUERIES:
        frames = [ix.search(query) for ix in (saved, shared, fallback)]
        for frame in frames[1:]:
            pd.testing.assert_frame_equal(frames[0], frame)


def test_keyword_rows_equal_brute_force():
    index = SearchIndex(ITEMS, tokenizer=type("Chars", (), {"lcut": staticmethod(list)})())
    texts = [fold(t) for t in ITEMS["text"]]
    got = index.match("党建", "keyword")
    expected = {r for r, t in enumerate(texts) if "党" in t and "建" in t}
    assert set(got.rows.tolist()) == expected


def test_folded_texts_only_when_ids_line_up():
    index = SearchIndex(ITEMS)
    ids = ITEMS["item_id"].astype(str)
    got = index.folded_texts(ids)
    assert got == [fold(t) for t in ITEMS["text"]]
    assert index.folded_texts(ids.tolist()) == got
    assert index.folded_texts(ids.tolist()[::-1]) is None
    assert index.folded_texts(ids.tolist()[:-1]) is None
    assert index.folded_texts([]) is None


def test_saved_index_round_trips_without_unigram_positions(tmp_path):
    from core.memory import release_free_memory

    index = SearchIndex(ITEMS, fingerprint="fp")
    path = tmp_path / "search.npz"
    index.save(path)
    release_free_memory()  # no-op or trim; must never disturb live arrays
    with np.load(path) as data:  # an ordinary .npz
        assert int(data["seg0_first"].size) < int(data["seg0_local"].size)
        assert np.array_equal(data["col_text"], search_module._encode_strings(ITEMS["text"].tolist())[0])
        assert np.array_equal(data["folded"], search_module._encode_strings([fold(t) for t in ITEMS["text"]])[0])
    loaded = SearchIndex.load(path, "fp")
    for a, b in zip(index._state.segments, loaded._state.segments):
        assert all(np.array_equal(getattr(a, f), getattr(b, f))
                   for f in ("keys", "offsets", "local", "tfs", "first"))
    for query in QUERIES:
        x, y = index.match(query), loaded.match(query)
        assert np.array_equal(x.rows, y.rows) and np.array_equal(x.scores, y.scores)
    assert not list(tmp_path.glob("*.tmp-*"))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(alphabet="ab党建\x00😀 ", max_size=12)), max_size=12),
       st.integers(1, 40), st.integers(1, 5))
def test_string_blobs_round_trip_in_any_window(values, window, rows):
    strings = [v if v is not None else "" for v in values]
    with mock.patch.object(search_module, "_ENCODE_ROWS", rows):
        blob, isna = search_module._encode_strings(values)
        as_series, _ = search_module._encode_strings(pd.Series(values, dtype=object))
    assert isna.tolist() == [v is None for v in values]
    assert np.array_equal(blob, as_series)
    with mock.patch.object(search_module, "_DECODE_BYTES", window):
        assert search_module._decode_strings(blob, len(strings)) == strings


def test_saved_text_with_nul_round_trips(tmp_path):
    items = ITEMS.copy()
    items.loc[0, "text"] = "落实\x00三会一课"
    index = SearchIndex(items, fingerprint="fp")
    index.save(tmp_path / "s.npz")
    loaded = SearchIndex.load(tmp_path / "s.npz", "fp")
    assert loaded._state.meta["text"].tolist() == index._state.meta["text"].tolist()
    assert loaded.match("三会一课").item_ids.tolist() == index.match("三会一课").item_ids.tolist()
