"""core.normalize: the fast width fold equals the plain translate table it replaces."""
from __future__ import annotations

from hypothesis import given, strategies as st

from core.normalize import _WIDTH_TABLE, fold, fold_chars

# Characters around and inside the folded ranges, plus CJK and whitespace.
_ALPHABET = st.sampled_from(
    [chr(c) for c in range(0x20, 0x80)] + [chr(c) for c in range(0xFF00, 0xFF62)]
    + list("\u3000\u00a0\u2002\u2003\u2009\u200b\u200c\u200d\ufeff\u2001\u200e党建中国，。\t\n"))


@given(st.text(alphabet=_ALPHABET, max_size=200))
def test_fold_chars_equals_the_translate_table(text):
    assert fold_chars(text) == text.translate(_WIDTH_TABLE)


def test_fold_chars_over_the_whole_bmp():
    text = "".join(map(chr, range(0xD800))) + "".join(map(chr, range(0xE000, 0x10000)))
    assert fold_chars(text) == text.translate(_WIDTH_TABLE)


def test_fold_examples():
    assert fold("２０２２年 中国特 色社会主义ＡＢ") == "2022年中国特色社会主义ab"
    assert fold_chars("Ａ\u200bB　c") == "ab c"
