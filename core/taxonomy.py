"""The required-theme taxonomy: dimensions, themes and their match rules.

Loaded from a TOML file (format documented at the top of ``data/themes.toml``).
Errors are reported as :class:`TaxonomyError` with a Chinese message naming the
file and line, so a user editing a second taxonomy file can find the mistake.

>>> tax = load_taxonomy()
>>> len(tax.dimensions), len(tax.themes)
(10, 29)
>>> tax.theme("epidemic").dimension
'center'
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import tomli_w

from core.normalize import fold_chars
from core.rules import rule_problem
from core.tomllines import TomlLocator, syntax_error_line

DEFAULT_TAXONOMY_PATH = Path(__file__).resolve().parent.parent / "data" / "themes.toml"


class TaxonomyError(Exception):
    """A taxonomy file that cannot be used; the message names file and line."""

    def __init__(self, message: str, line: int | None = None, source: str = ""):
        where = source or "分类文件"
        prefix = f"{where}第{line}行：" if line else f"{where}："
        super().__init__(prefix + message)
        self.line = line
        self.source = source


@dataclass(frozen=True)
class Dimension:
    """A kind of top-level section; ``about`` are heading keywords."""

    id: str
    name: str
    about: tuple[str, ...] = ()


@dataclass(frozen=True)
class Theme:
    """An item-level theme with its match rules (see data/themes.toml)."""

    id: str
    name: str
    dimension: str
    scope: str = ""
    required: bool = True
    terms: tuple[str, ...] = ()
    regex: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    hints: tuple[str, ...] = ()


@dataclass(frozen=True)
class Taxonomy:
    """Dimensions in display order and themes in file order."""

    dimensions: tuple[Dimension, ...]
    themes: tuple[Theme, ...]
    source: str = ""
    # Compiled matchers live here (filled by core.tagging); never compared.
    _cache: dict = field(default_factory=dict, repr=False, compare=False, hash=False)

    def theme(self, theme_id: str) -> Theme:
        for t in self.themes:
            if t.id == theme_id:
                return t
        raise KeyError(theme_id)

    def dimension(self, dimension_id: str) -> Dimension:
        for d in self.dimensions:
            if d.id == dimension_id:
                return d
        raise KeyError(dimension_id)

    @property
    def dimension_ids(self) -> list[str]:
        return [d.id for d in self.dimensions]

    @property
    def theme_ids(self) -> list[str]:
        return [t.id for t in self.themes]

    @property
    def required_themes(self) -> list[Theme]:
        return [t for t in self.themes if t.required]


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Read a taxonomy file; ``None`` means the default ``data/themes.toml``."""
    path = Path(path) if path is not None else DEFAULT_TAXONOMY_PATH
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TaxonomyError(f"无法读取文件（{exc.strerror or exc}）", source=str(path)) from exc
    except UnicodeDecodeError as exc:
        raise TaxonomyError("文件不是 UTF-8 编码", source=str(path)) from exc
    return parse_taxonomy(text, source=str(path))


def parse_taxonomy(text: str, source: str = "") -> Taxonomy:
    """Parse and validate taxonomy TOML ``text``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line, detail = syntax_error_line(exc, text)
        raise TaxonomyError(f"TOML 语法错误（{detail}）", line, source) from exc
    locator = TomlLocator(text)
    dims_raw = data.get("dimension", [])
    themes_raw = data.get("theme", [])
    if not isinstance(dims_raw, list) or not isinstance(themes_raw, list):
        raise TaxonomyError("dimension 与 theme 须写成 [[dimension]] / [[theme]] 表数组", None, source)
    dimensions = [_dimension(raw, i, locator, source) for i, raw in enumerate(dims_raw)]
    seen: set[str] = set()
    for i, d in enumerate(dimensions):
        if d.id in seen:
            raise TaxonomyError(f"维度 id“{d.id}”重复", locator.entry_line("dimension", i), source)
        seen.add(d.id)
    themes = [_theme(raw, i, locator, source, seen) for i, raw in enumerate(themes_raw)]
    theme_ids: set[str] = set()
    for i, t in enumerate(themes):
        if t.id in theme_ids:
            raise TaxonomyError(f"主题 id“{t.id}”重复", locator.entry_line("theme", i), source)
        theme_ids.add(t.id)
    if not themes:
        raise TaxonomyError("没有任何 [[theme]] 主题", None, source)
    return Taxonomy(tuple(dimensions), tuple(themes), source)


def dump_taxonomy(tax: Taxonomy) -> str:
    """TOML text for ``tax`` that :func:`parse_taxonomy` reads back unchanged."""
    dims = [{"id": d.id, "name": d.name, "about": list(d.about)} for d in tax.dimensions]
    themes = []
    for t in tax.themes:
        entry: dict = {"id": t.id, "name": t.name, "dimension": t.dimension, "scope": t.scope,
                       "required": t.required, "terms": list(t.terms), "regex": list(t.regex),
                       "exclude": list(t.exclude)}
        if t.hints:
            entry["hints"] = list(t.hints)
        themes.append(entry)
    header = "# 党建计划对照看板 required-theme taxonomy; format: see data/themes.toml\n\n"
    return header + tomli_w.dumps({"dimension": dims, "theme": themes})


# ---------------------------------------------------------------- internals

def _dimension(raw: object, index: int, locator: TomlLocator, source: str) -> Dimension:
    line = locator.entry_line("dimension", index)
    if not isinstance(raw, dict):
        raise TaxonomyError("维度条目须为表", line, source)
    dim_id = _required_str(raw, "id", "维度", line, source)
    name = _required_str(raw, "name", f"维度“{dim_id}”", line, source)
    about = _str_list(raw, "about", f"维度“{dim_id}”", line, source)
    return Dimension(dim_id, name, about)


def _theme(raw: object, index: int, locator: TomlLocator, source: str, dim_ids: set[str]) -> Theme:
    line = locator.entry_line("theme", index)
    if not isinstance(raw, dict):
        raise TaxonomyError("主题条目须为表", line, source)
    theme_id = _required_str(raw, "id", "主题", line, source)
    what = f"主题“{theme_id}”"
    name = _required_str(raw, "name", what, line, source)
    dimension = _required_str(raw, "dimension", what, line, source)
    if dimension not in dim_ids:
        raise TaxonomyError(f"{what}的维度“{dimension}”未定义（已有：{'、'.join(sorted(dim_ids))}）",
                            locator.key_line(line, "dimension"), source)
    scope = raw.get("scope", "")
    if not isinstance(scope, str):
        raise TaxonomyError(f"{what}的 scope 须为字符串", locator.key_line(line, "scope"), source)
    required = raw.get("required", True)
    if not isinstance(required, bool):
        raise TaxonomyError(f"{what}的 required 须为 true 或 false", locator.key_line(line, "required"), source)
    terms = tuple(t for t in _str_list(raw, "terms", what, line, source) if t.strip())
    regex = _str_list(raw, "regex", what, line, source)
    exclude = _str_list(raw, "exclude", what, line, source)
    hints = _str_list(raw, "hints", what, line, source)
    if not terms and not regex:
        raise TaxonomyError(f"{what}没有任何匹配规则（terms 或 regex 至少填一项）", line, source)
    for key, patterns in (("regex", regex), ("exclude", exclude)):
        for pattern in patterns:
            wide = next((ch for ch in pattern if "\uff01" <= ch <= "\uff5e" or ch == "\u3000"), None)
            problem = rule_problem(pattern)
            if problem is None and wide is not None:
                problem = f"含全角字符“{wide}”；匹配在折叠文本上进行，请改写为半角“{fold_chars(wide)}”"
            if problem is not None:
                raise TaxonomyError(f"{what}的 {key} 正则“{pattern}”{problem}",
                                    locator.value_line(line, pattern, key), source)
    return Theme(theme_id, name, dimension, scope, required, terms, regex, exclude, hints)


def _required_str(raw: dict, key: str, what: str, line: int | None, source: str) -> str:
    value = raw.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise TaxonomyError(f"{what}缺少 {key}", line, source)
    if not isinstance(value, str):
        raise TaxonomyError(f"{what}的 {key} 须为字符串", line, source)
    return value.strip()


def _str_list(raw: dict, key: str, what: str, line: int | None, source: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TaxonomyError(f"{what}的 {key} 须为字符串列表", line, source)
    return tuple(value)
