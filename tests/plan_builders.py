"""Build small plan libraries in a folder: copies of sample plans with edited items."""
from __future__ import annotations

import json

import re
from pathlib import Path

from tests.conftest import SAMPLE_DIR

ITEM_LINE = re.compile(r"^(\d+)[.、]\s*")


def sample_lines(name: str) -> list[str]:
    return (SAMPLE_DIR / name).read_text(encoding="utf-8").splitlines()


def item_line(lines: list[str], number: int) -> str:
    """The line of item ``number`` (plans numbered 1. 2. … across sections)."""
    return next(line for line in lines if (m := ITEM_LINE.match(line)) and int(m.group(1)) == number)


def replace_item(lines: list[str], number: int, body: str) -> list[str]:
    """``lines`` with item ``number``'s text (after its marker) replaced by ``body``."""
    old = item_line(lines, number)
    marker = ITEM_LINE.match(old).group(0)
    return [marker + body if line == old else line for line in lines]


def drop_item(lines: list[str], number: int) -> list[str]:
    """``lines`` without item ``number``; later items are renumbered so numbering stays continuous."""
    out = []
    for line in lines:
        m = ITEM_LINE.match(line)
        if m and int(m.group(1)) == number:
            continue
        if m and int(m.group(1)) > number:
            line = f"{int(m.group(1)) - 1}." + line[m.end():]
        out.append(line)
    return out


def body_of(line: str) -> str:
    return line[ITEM_LINE.match(line).end():]


def write_library(folder: Path, plans: dict[str, tuple[str, int, list[str]]]) -> Path:
    """Write ``file name → (organ, year, lines)`` and a manifest into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = []
    for name, (organ, year, lines) in plans.items():
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
        organ_toml = json.dumps(organ, ensure_ascii=False)  # a TOML basic string too: quotes and controls escaped
        manifest.append(f'[[plan]]\nfile = "{name}"\norgan = {organ_toml}\nyear = {year}\nlevel = "市"\n')
    (folder / "manifest.toml").write_text("\n".join(manifest), encoding="utf-8")
    return folder
