"""core.similarity internals that have a brute-force equal."""
from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from core.similarity import _sorted_codes, tfidf_vectors


@given(st.lists(st.integers(min_value=0, max_value=2**63 - 1), max_size=300))
def test_sorted_codes_equal_numpy_unique(values):
    key = np.array(values, dtype=np.uint64)
    vocab, column = _sorted_codes(key)
    expected_vocab, expected_column = np.unique(key, return_inverse=True)
    assert vocab.dtype == key.dtype
    assert vocab.tolist() == expected_vocab.tolist()
    assert column.tolist() == expected_column.ravel().tolist()


@given(st.lists(st.text(alphabet="三会一课主题党日廉政ab 。", max_size=12), max_size=8))
def test_identical_texts_have_cosine_one(texts):
    m = tfidf_vectors(texts + texts[:1]) if texts else tfidf_vectors([])
    if texts and m.shape[1] and m[0].nnz:
        assert abs(float((m[0] @ m[len(texts)].T).toarray()[0, 0]) - 1.0) < 1e-5
