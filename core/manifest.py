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

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

MANIFEST_NAME = "manifest.toml"
UNNAMED_ORGAN = "未命名单位"

_YEAR = r"(?P<year>20\d\d)\s*年度?"
_ORGAN_CHARS = r"[\u4e00-\u9fffA-Za-z*＊]"
_ORGAN_BEFORE_WORK = re.compile(
    rf"(?P<organ>{_ORGAN_CHARS}{{2,16}}?)(?:机关)?(?:党的建设|党建)工作")
_YEAR_ORGAN = re.compile(rf"{_YEAR}\s*{_ORGAN_BEFORE_WORK.pattern}")
_YEAR_ONLY = re.compile(r"(?P<year>20\d\d)\s*年")
_FILE_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
_FILE_NOISE = re.compile(
    r"20\d\d年?度?|机关|党的建设|党建|工作|要点|计划|总体要求|[（(].*?[)）]|[_\-\s.\d]+|[a-f0-9]{8,}")
_NOT_ORGAN = ("党建", "党的", "全面", "进入", "是", "年")


@dataclass
class PlanMeta:
    """What the manifest (or detection) says about one file."""

    file: str
    organ: str = UNNAMED_ORGAN
    year: int | None = None
    level: str = ""
    dimensions: dict[int, str] = field(default_factory=dict)
    detected: bool = False  # True when not from the manifest


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
        entries[name] = PlanMeta(
            file=name,
            organ=str(raw.get("organ") or UNNAMED_ORGAN),
            year=int(year) if year not in (None, "") else None,
            level=str(raw.get("level", "")),
            dimensions={int(k): str(v) for k, v in dict(raw.get("dimensions", {})).items()},
        )
    return entries


def _clean_organ(organ: str) -> str:
    organ = organ.strip("的在和与及")
    if organ.endswith("直"):  # 市直/省直/区直: the organs as a whole are "市直机关"
        organ += "机关"
    return "" if len(organ) < 2 or organ in _NOT_ORGAN or organ.endswith("年") else organ


def detect_metadata(text: str, file_name: str = "") -> PlanMeta:
    """Organ and year from a plan's opening text, else its file name.

    >>> m = detect_metadata("2022年市委政研室机关党的建设工作的总体要求是：……")
    >>> m.organ, m.year
    ('市委政研室', 2022)
    >>> detect_metadata("2022年度区局机关党建工作总体要求是：……").organ
    '区局'
    >>> detect_metadata("没有线索", "x.txt").organ
    '未命名单位'
    """
    head = text[:600]
    organ, year = "", None
    m = _YEAR_ORGAN.search(head)
    if m:
        organ, year = _clean_organ(m.group("organ")), int(m.group("year"))
    if not organ:
        for m2 in _ORGAN_BEFORE_WORK.finditer(head):
            organ = _clean_organ(m2.group("organ"))
            if organ:
                break
    if year is None:
        y = _YEAR_ONLY.search(head)
        year = int(y.group("year")) if y else None
    stem = Path(file_name).stem
    if year is None:
        fy = _FILE_YEAR.search(stem)
        year = int(fy.group(1)) if fy else None
    if not organ and stem:
        organ = _clean_organ(_FILE_NOISE.sub("", stem))
    organ = organ or UNNAMED_ORGAN
    level = organ[0] if organ[0] in "省市区县" else ""
    return PlanMeta(file=file_name, organ=organ, year=year, level=level, detected=True)


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
