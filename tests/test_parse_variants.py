"""Each sample plan, re-encoded, re-laid-out or converted, parses to the same tree."""
from __future__ import annotations

import re

import pytest

import variants
from conftest import SAMPLE_FILES, sample_text
from core import parse_plan, read_bytes

SPACE = re.compile(r"\s")


def tree(text: str) -> list:
    """The shape and wording of a plan, blind to whitespace and to the marker's glyphs."""
    plan = parse_plan(text)
    return [
        (SPACE.sub("", s.title), [(SPACE.sub("", it.title), SPACE.sub("", it.text)) for it in s.items])
        for s in plan.sections
    ] + [SPACE.sub("", plan.preamble)]


def _text_variants(text: str) -> dict[str, bytes | str]:
    return {
        "gb18030.txt": variants.as_gb18030(text),
        "utf16.txt": variants.as_utf16(text),
        "bom_crlf.txt": variants.as_bom_crlf(text),
        "half_width.txt": variants.half_width_markers(text),
        "wrapped.txt": variants.hard_wrapped(text, 36),
        "wrapped_debris.txt": variants.with_page_debris(variants.hard_wrapped(text, 36)),
        "debris.txt": variants.with_page_debris(text),
        "plain.docx": variants.as_docx(text),
        "autonumbered.docx": variants.as_docx_autonumbered(text),
        "text.pdf": variants.as_pdf(text),
    }


VARIANTS = list(_text_variants("一、x\n1.y。z").keys())


@pytest.mark.parametrize("kind", VARIANTS)
@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_variant_parses_to_the_same_tree(name, kind):
    original = sample_text(name)
    data = _text_variants(original)[kind]
    raw = data if isinstance(data, bytes) else data.encode("utf-8")
    if kind.endswith(".pdf"):
        original = original.replace("·", "")  # the PDF test font (STSong-Light) has no U+00B7 glyph
    assert tree(read_bytes(raw, kind)) == tree(original)


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_title_line_and_blank_lines(name):
    original = sample_text(name)
    plan = parse_plan(variants.with_title_and_blank_lines(original, "2022年机关党建工作要点"))
    assert plan.title == "2022年机关党建工作要点"
    assert tree(variants.with_title_and_blank_lines(original, "2022年机关党建工作要点")) == tree(original)
