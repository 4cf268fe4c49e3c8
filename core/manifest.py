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
from .tomllines import TomlLocator, syntax_error_line

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
    """Entries of ``folder/manifest.toml`` by file name; empty if there is no manifest.

    Every value is checked; a wrong one is a :class:`ManifestError` naming the line.
    """
    path = Path(folder) / MANIFEST_NAME
    if not path.exists():
        return {}
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise ManifestError(f"清单文件 {path.name} 不是 UTF-8 编码，请用文本编辑器另存为 UTF-8 后重试。") from err
    except OSError as err:
        raise ManifestError(f"无法读取清单文件 {path.name}（{err.strerror or err}），请检查文件权限后重试。") from err
    return parse_manifest(text)


def parse_manifest(text: str) -> dict[str, PlanMeta]:
    """:func:`read_manifest` of the text of a manifest.

    >>> parse_manifest('[[plan]]\\nfile = "a.txt"\\nyear = "abc"\\n')
    Traceback (most recent call last):
    core.manifest.ManifestError: manifest.toml 第3行：年度应为四位数字（现在是“abc”），请改正后重试。
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        line, detail = syntax_error_line(err, text)
        where = f"第{line}行" if line else ""
        raise ManifestError(f"{MANIFEST_NAME} {where}格式有误（{detail}），请按 README 中的格式修改后重试。") from err
    where = TomlLocator(text)
    plans = data.get("plan", [])
    if not isinstance(plans, list) or not all(isinstance(raw, dict) for raw in plans):
        raise _manifest_error(where.key_line(1, "plan") if "plan" not in where.headers else None,
                              "计划条目应写成 [[plan]] 表（见 README）")
    entries: dict[str, PlanMeta] = {}
    for n, raw in enumerate(plans):
        line = where.entry_line("plan", n)
        name = raw.get("file")
        if not isinstance(name, str) or not name.strip():
            raise _manifest_error(where.key_line(line, "file"), "缺少 file（计划文件名），请补上")
        name = name.strip()
        organ = _text(raw, "organ", "单位", where, line)
        year = _year(raw, where, line)
        entries[name] = PlanMeta(
            file=name,
            organ=organ or UNNAMED_ORGAN,
            year=year,
            level=_text(raw, "level", "层级", where, line),
            dimensions=_dimensions(raw, where, line),
            organ_source="manifest" if organ else "none",
            year_source="manifest" if year is not None else "none",
        )
    return entries


def _manifest_error(line: int | None, problem: str) -> ManifestError:
    return ManifestError(f"{MANIFEST_NAME} {f'第{line}行：' if line else ''}{problem}，请改正后重试。")


def _shown(value: object) -> str:
    """``value`` for a one-line message: cut to 30 characters, control characters as escapes."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(value)[:30])


def _text(raw: dict, key: str, what: str, where: TomlLocator, line: int | None) -> str:
    value = raw.get(key, "")
    if not isinstance(value, str):
        raise _manifest_error(where.key_line(line, key), f"{what}应为文字（加英文引号），现在是“{_shown(value)}”")
    return value.strip()


def _year(raw: dict, where: TomlLocator, line: int | None) -> int | None:
    value = raw.get("year")
    if value is None or value == "":
        return None
    text = str(value).strip() if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
    if not (len(text) == 4 and text.isascii() and text.isdigit()):
        raise _manifest_error(where.key_line(line, "year"), f"年度应为四位数字（现在是“{_shown(value)}”）")
    return int(text)


def _dimensions(raw: dict, where: TomlLocator, line: int | None) -> dict[int, str]:
    value = raw.get("dimensions", {})
    at = where.key_line(line, "dimensions")
    if not isinstance(value, dict):
        raise _manifest_error(at, '章节维度应写成 { "5" = "center" } 的形式')
    dimensions: dict[int, str] = {}
    for key, dimension in value.items():
        if not (key.isascii() and key.isdigit() and len(key) <= 4) or not isinstance(dimension, str):
            raise _manifest_error(at, f"章节维度“{_shown(key)}”应为章节序号（数字）= 维度 id（文字）")
        dimensions[int(key)] = dimension
    return dimensions


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
