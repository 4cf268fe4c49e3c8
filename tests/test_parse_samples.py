"""The five sample plans parse to the structure a reader sees in them."""
from __future__ import annotations

import re

import pytest

from core import parse_plan
from conftest import SAMPLE_FILES, load_json, sample_text

EXPECT = load_json("sample_expectations.json")
MARKER = re.compile(r"^\s*(?:[（(][一二三四五六七八九十]+[）)]|\d+\s*[、.．]\s*)")


def _source_items(text: str) -> list[str]:
    """Each item's wording taken straight from the file: marker lines and the
    unmarked lines that follow them, markers removed, spaces trimmed."""
    items: list[list[str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or re.match(r"^[一二三四五六七八九十]+、", line):
            if line:
                items.append([])  # a section heading closes the item
            continue
        if MARKER.match(line):
            items.append([MARKER.sub("", line).strip()])
        elif items and items[-1]:
            items[-1].append(line)
    return ["\n".join(parts) for parts in items if parts]


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_section_and_item_counts(name):
    plan = parse_plan(sample_text(name))
    assert [len(s.items) for s in plan.sections] == EXPECT["item_counts"][name]


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_section_titles_exact(name):
    plan = parse_plan(sample_text(name))
    assert [s.title for s in plan.sections] == EXPECT["section_titles"][name]
    assert all(s.marker.endswith("、") for s in plan.sections)


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_preamble_is_first_paragraph(name):
    plan = parse_plan(sample_text(name))
    first_line = sample_text(name).splitlines()[0].strip()
    assert plan.preamble == first_line
    assert plan.title == ""


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_item_titles_read_off_the_plan(name):
    plan = parse_plan(sample_text(name))
    for key, title in EXPECT["item_titles"][name].items():
        s, i = (int(x) for x in key.split("."))
        assert plan.sections[s - 1].items[i - 1].title == title


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_every_title_is_first_sentence_and_text_full_wording(name):
    plan = parse_plan(sample_text(name))
    source = _source_items(sample_text(name))
    assert len(plan.items) == len(source)
    for item, wording in zip(plan.items, source):
        assert re.sub(r"\s", "", item.text) == re.sub(r"\s", "", wording)
        assert item.text.startswith(item.title)
        assert "。" not in item.title
        rest = item.text[len(item.title):]
        assert rest == "" or rest[0] in "。\n"


def test_item_numbers_run_on_or_restart():
    restart = parse_plan(sample_text("000_c066458c1de48185.txt"))
    run_on = parse_plan(sample_text("001_69a5c787e4f211fb.txt"))
    assert [it.number for it in restart.sections[1].items] == [1, 2, 3]
    assert [it.number for it in run_on.sections[1].items] == [5, 6, 7]


def test_stray_space_inside_a_word_is_not_in_display_text():
    plan = parse_plan(sample_text("003_1cfe0b25e4194644.txt"))
    assert "中国特\u200a色" in plan.text  # a HAIR SPACE (U+200A) in the file as received
    assert not any("中国特\u200a色" in it.text for it in plan.items)
    assert any("中国特色社会主义" in it.text for it in plan.items)
