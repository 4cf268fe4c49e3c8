"""The library manifest (``manifest.toml`` beside the plan files) and metadata detection.

The manifest gives each file its organ's display name, year and level, and may
override section dimensions::

    [[plan]]
    file = "000_c066458c1de48185.txt"
    organ = "区市场监管局"
    year = 2022
    level = "区"
    dimensions = { "5" = "center" }   # optional: section number → dimension id

A plan file without an entry still loads: organ and year are detected from its
text or file name (:func:`detect_metadata`).
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from . import organs

MANIFEST_NAME = "manifest.toml"
UNNAMED_ORGAN = "未命名单位"

SOURCES = ("manifest", "text", "filename", "none")  # where an organ or a year came from
SOURCE_LABELS = {"manifest": "清单", "text": "正文", "filename": "文件名", "none": "未识别"}


@dataclass
class PlanMeta:
    """What the manifest (or detection) says about one file."""

    file: str
    organ: str = UNNAMED_ORGAN
    year: int | None = None
    level: str = ""
    dimensions: dict[int, str] = field(default_factory=dict)
    detected: bool = False  # True when not from the manifest
    organ_source: str = "none"  # one of SOURCES
    year_source: str = "none"


class ManifestError(ValueError):
    """The manifest cannot be read; the message says which line and what to fix."""


def read_manifest(folder: str | Path) -> dict[str, PlanMeta]:
    """Entries of ``folder/manifest.toml`` by file name; empty if there is no manifest."""
    path = Path(folder) / MANIFEST_NAME
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ManifestError(f"清单文件 {path.name} 格式有误（{err}），请按 README 中的格式修改后重试。") from err
    entries: dict[str, PlanMeta] = {}
    for n, raw in enumerate(data.get("plan", []), start=1):
        name = str(raw.get("file", "")).strip()
        if not name:
            raise ManifestError(f"清单文件第 {n} 个 [[plan]] 缺少 file，请补上文件名。")
        year = raw.get("year")
        organ = str(raw.get("organ") or "")
        year = int(year) if year not in (None, "") else None
        entries[name] = PlanMeta(
            file=name,
            organ=organ or UNNAMED_ORGAN,
            year=year,
            level=str(raw.get("level", "")),
            dimensions={int(k): str(v) for k, v in dict(raw.get("dimensions", {})).items()},
            organ_source="manifest" if organ else "none",
            year_source="manifest" if year is not None else "none",
        )
    return entries


def detect_metadata(text: str, file_name: str = "") -> PlanMeta:
    """Organ and year named in a plan's opening text, else in its (Chinese) file name.

    ``organ_source`` / ``year_source`` say where each came from ("text", "filename" or
    "none": then the organ is 未命名单位 and the year None).

    >>> m = detect_metadata("2022年市委政研室机关党的建设工作的总体要求是：……")
    >>> m.organ, m.year, m.organ_source
    ('市委政研室', 2022, 'text')
    >>> detect_metadata("2022年度区局机关党建工作总体要求是：……").organ
    '区局'
    >>> m = detect_metadata("压实党建工作责任。", "12_tongzhan_unmarked_items_2022.txt")
    >>> m.organ, m.organ_source, m.year, m.year_source
    ('未命名单位', 'none', 2022, 'filename')
    """
    head = organs.opening(text)
    organ, year = organs.find_organ(head)
    organ_source = year_source = "text"
    if year is None:
        year = organs.first_year(head)
    stem = Path(file_name).stem
    if not organ:
        organ, organ_source = organs.file_organ(stem), "filename"
    if year is None:
        year, year_source = organs.file_year(stem), "filename"
    if not organ:
        organ, organ_source = UNNAMED_ORGAN, "none"
    if year is None:
        year_source = "none"
    level = organ[0] if organ_source != "none" and organ[0] in "省市区县" else ""
    return PlanMeta(file=file_name, organ=organ, year=year, level=level, detected=True,
                    organ_source=organ_source, year_source=year_source)


def format_manifest(entries: list[PlanMeta]) -> str:
    """TOML text of a manifest, in the order given."""
    def q(s: str) -> str:
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'

    out = ["# 计划库清单：每个 [[plan]] 对应本文件夹中的一个计划文件。", ""]
    for e in entries:
        out += ["[[plan]]", f"file = {q(e.file)}", f"organ = {q(e.organ)}"]
        if e.year is not None:
            out.append(f"year = {e.year}")
        out.append(f"level = {q(e.level)}")
        if e.dimensions:
            dims = ", ".join(f'"{k}" = {q(v)}' for k, v in sorted(e.dimensions.items()))
            out.append(f"dimensions = {{ {dims} }}")
        out.append("")
    return "\n".join(out)
