"""Write a deterministic synthetic library of N plans built from the sample plans.

Every plan recombines real sections and items of ``data/plans/*.txt`` (parsed with
:func:`core.parse_plan`) across organs: an invented organ name, a year in
2019–2025, one of several numbering styles (一、/（一）, 一、/1., 一、/1、,
一、/"1. ", 第一部分/一、, 第一部分/（一）), items borrowed between sections of the
same dimension, and in about half the plans one or two required themes dropped
(every item that would cover them left out). About 10 KB (UTF-8) per plan.

    python benchmarks/make_corpus.py 1000 /tmp/corpus-1000

>>> paths = write_corpus(3, tmp_path)          # doctest: +SKIP
>>> sorted(p.name for p in tmp_path.iterdir())[-1]   # doctest: +SKIP
'manifest.toml'
"""
from __future__ import annotations

import argparse
import hashlib
import random
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.library import open_library  # noqa: E402
from core.manifest import PlanMeta, format_manifest  # noqa: E402
from core.tagging import tag_text  # noqa: E402

SAMPLE_DIR = ROOT / "data" / "plans"
TARGET_BYTES = 10_000
YEARS = range(2019, 2026)
_DIGITS = "一二三四五六七八九"
MAX_SECTIONS = 12


def cn(n: int) -> str:
    """Chinese numeral for 1 … 99, as official documents write it.

    >>> cn(1), cn(10), cn(12), cn(20), cn(35)
    ('一', '十', '十二', '二十', '三十五')
    """
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens - 1] + "十")
    return head + (_DIGITS[ones - 1] if ones else "")


# (section marker, item marker) makers; the item family always ranks below the section's.
STYLES: dict[str, tuple] = {
    "cn/paren_cn": (lambda n: f"{cn(n)}、", lambda n: f"（{cn(n)}）"),
    "cn/num_dot": (lambda n: f"{cn(n)}、", lambda n: f"{n}."),
    "cn/num_comma": (lambda n: f"{cn(n)}、", lambda n: f"{n}、"),
    "cn/num_dot_space": (lambda n: f"{cn(n)}、", lambda n: f"{n}. "),
    "part/cn": (lambda n: f"第{cn(n)}部分 ", lambda n: f"{cn(n)}、"),
    "part/paren_cn": (lambda n: f"第{cn(n)}部分 ", lambda n: f"（{cn(n)}）"),
}
PLACES = ["江北", "江南", "城东", "城西", "湖滨", "山南", "河口", "临海", "高新", "滨江", "望川", "青岭",
          "云溪", "石桥", "南湖", "北塘", "金沙", "玉泉", "长宁", "安平"]
LEVELS = {"市": "市", "区": "区", "县": "县"}
DEPARTMENTS = ["财政局", "教育局", "民政局", "司法局", "商务局", "审计局", "统计局", "医保局", "税务局",
               "人社局", "住建局", "交通运输局", "农业农村局", "文广旅体局", "卫健委", "发改委", "应急管理局",
               "市场监管局", "自然资源局", "生态环境局", "委政研室", "委组织部", "委宣传部", "直机关工委",
               "信访局", "档案馆", "机关事务局", "退役军人事务局", "科技局", "水利局"]


@dataclass(frozen=True)
class SourceSection:
    title: str
    dimension: str
    items: tuple[str, ...]          # item wording without its marker
    item_themes: tuple[frozenset, ...]


@dataclass(frozen=True)
class Pool:
    preambles: tuple[str, ...]
    sections: tuple[SourceSection, ...]
    required: tuple[str, ...]


def load_pool(sample_dir: Path = SAMPLE_DIR) -> Pool:
    """Sections and items of the sample plans, with each item's themes."""
    lib = open_library(sample_dir)
    dims = dict(zip(lib.sections["section_id"], lib.sections["dimension"]))
    sections = []
    for plan in lib.plan_objects:
        for s_no, section in enumerate(plan.sections, start=1):
            texts = tuple(item.text for item in section.items)
            themes = tuple(frozenset(tag_text(t, lib.taxonomy)) for t in texts)
            sections.append(SourceSection(section.title, dims[f"{plan.plan_id}:{s_no}"], texts, themes))
    preambles = tuple(p.preamble for p in lib.plan_objects if p.preamble)
    required = tuple(t.id for t in lib.taxonomy.required_themes)
    return Pool(preambles, tuple(sections), required)


def organ_name(rng: random.Random) -> str:
    level = rng.choice(list(LEVELS))
    return f"{level}{rng.choice(PLACES)}{rng.choice(DEPARTMENTS)}" if rng.random() < 0.3 else \
        f"{level}{rng.choice(DEPARTMENTS)}"


def plan_text(pool: Pool, rng: random.Random, organ: str, year: int) -> str:
    """One plan: title, preamble, sections in one numbering style, ~TARGET_BYTES."""
    section_marker, item_marker = STYLES[rng.choice(sorted(STYLES))]
    run_on = rng.random() < 0.3          # item numbers run on across sections
    dropped = set(rng.sample(pool.required, rng.randint(1, 2))) if rng.random() < 0.5 else set()
    target = TARGET_BYTES * rng.uniform(0.85, 1.15)
    lines = [f"{organ}{year}年机关党的建设工作要点",
             rng.choice(pool.preambles).replace("2022", str(year))]
    size = sum(len(line.encode()) for line in lines)
    order = rng.sample(range(len(pool.sections)), k=len(pool.sections))
    s_no = i_no = 0
    for index in order:
        if size >= target or s_no == MAX_SECTIONS:
            break
        items = _section_items(pool, pool.sections[index], rng, dropped)
        if not items:
            continue
        s_no += 1
        i_no = i_no if run_on else 0
        block = [section_marker(s_no) + pool.sections[index].title]
        for text in items:
            i_no += 1
            block.append(item_marker(i_no) + text)
        lines += block
        size += sum(len(line.encode()) + 1 for line in block)
    return "\n".join(lines) + "\n"


def _section_items(pool: Pool, section: SourceSection, rng: random.Random, dropped: set) -> list[str]:
    """The section's items, some swapped for items of another section on the same dimension."""
    same_dimension = [s for s in pool.sections if s.dimension == section.dimension and s is not section]
    out = []
    for text, themes in zip(section.items, section.item_themes):
        if same_dimension and rng.random() < 0.3:
            donor = rng.choice(same_dimension)
            k = rng.randrange(len(donor.items))
            text, themes = donor.items[k], donor.item_themes[k]
        if not themes & dropped:
            out.append(text)
    return list(dict.fromkeys(out))


def write_corpus(n: int, out: str | Path, seed: int = 20240601) -> list[Path]:
    """Write ``n`` plan files and ``manifest.toml`` into ``out``; same seed → same bytes."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    pool = load_pool()
    rng = random.Random(seed)
    entries, paths = [], []
    for k in range(n):
        organ, year = organ_name(rng), rng.choice(YEARS)
        text = plan_text(pool, rng, organ, year)
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        path = out / f"{k:05d}_{digest}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
        entries.append(PlanMeta(file=path.name, organ=organ, year=year, level=organ[0]))
    (out / "manifest.toml").write_text(format_manifest(entries), encoding="utf-8")
    return paths


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of plans")
    parser.add_argument("out", help="output folder (created; existing plan files are overwritten)")
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args(argv)
    paths = write_corpus(args.n, args.out, args.seed)
    total = sum(p.stat().st_size for p in paths)
    print(f"{len(paths)} plans, {total / 1e6:.1f} MB in {args.out}")


if __name__ == "__main__":
    main()
