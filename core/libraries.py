"""Which plan libraries the dashboard may open: named by the operator, never typed by a visitor.

The operator lists the folders, by name, in one of (first found wins):

1. the environment variable ``DANGJIAN_LIBRARIES``: entries ``名称=文件夹`` separated by
   ``;`` (or newlines), e.g. ``2022市直机关=/srv/plans/2022;2021=/srv/plans/2021``;
2. the file ``libraries.toml`` beside ``dashboard.py`` (or the file named by
   ``DANGJIAN_LIBRARIES_FILE``), a table ``[libraries]`` of ``"名称" = "文件夹"``;
3. otherwise one library, ``默认计划库``: ``$DANGJIAN_LIBRARY`` or ``data/plans``.

Relative folders are taken from the dashboard's own folder. The first library is the
default. Visitors only choose among the names; the URL carries the name, never a path.

Where a library's index lives: ``<library>/.index`` when the folder is writable, else a
per-user cache folder (``$XDG_CACHE_HOME/dangjian`` or ``~/.cache/dangjian``), so a
read-only library still opens and nothing is written outside the library but that cache.

>>> parse_libraries("2022市直机关=/srv/plans/2022; 2021 = /srv/plans/2021")
{'2022市直机关': PosixPath('/srv/plans/2022'), '2021': PosixPath('/srv/plans/2021')}
"""
from __future__ import annotations

import hashlib
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path

from .errors import UserError

ROOT = Path(__file__).resolve().parent.parent
LIBRARIES_ENV = "DANGJIAN_LIBRARIES"
LIBRARIES_FILE_ENV = "DANGJIAN_LIBRARIES_FILE"
LIBRARY_ENV = "DANGJIAN_LIBRARY"
LIBRARIES_FILE = ROOT / "libraries.toml"
DEFAULT_NAME = "默认计划库"
DEFAULT_FOLDER = "data/plans"
INDEX_DIR = ".index"
CACHE_APP = "dangjian"
_SEPARATORS = re.compile(r"[;\n]")


class LibrariesError(UserError):
    """The operator's list of libraries is malformed (Chinese message says what to fix)."""


def resolve(text: str | os.PathLike) -> Path:
    """A folder as written by the operator: ``~`` expanded, relative to the dashboard's folder."""
    path = Path(str(text).strip()).expanduser()
    return path if path.is_absolute() else ROOT / path


def parse_libraries(text: str) -> dict[str, Path]:
    """``名称=文件夹;名称=文件夹`` → {name: folder}; a :class:`LibrariesError` if malformed."""
    out: dict[str, Path] = {}
    for entry in filter(None, (e.strip() for e in _SEPARATORS.split(text))):
        name, sep, folder = entry.partition("=")
        _add(out, name, folder if sep else "", f"{LIBRARIES_ENV} 中的“{entry}”")
    return out


def _add(out: dict[str, Path], name: str, folder: str, where: str) -> None:
    name, folder = name.strip(), str(folder).strip()
    if not name or not folder:
        raise LibrariesError("bad_libraries", f"{where}应写成“名称=文件夹”，名称和文件夹都不能为空")
    if name in out:
        raise LibrariesError("bad_libraries", f"{where}：计划库名称“{name}”重复，请给每个计划库起不同的名称")
    out[name] = resolve(folder)


def read_libraries_file(path: Path) -> dict[str, Path]:
    """The ``[libraries]`` table of a TOML file (name = folder)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise LibrariesError("bad_libraries", f"计划库配置文件 {path} 无法读取（{err}），请检查格式") from err
    table = data.get("libraries")
    if not isinstance(table, dict) or not table:
        raise LibrariesError("bad_libraries", f"计划库配置文件 {path} 中没有 [libraries] 表，"
                                              f"请按“名称 = \"文件夹\"”逐行填写")
    out: dict[str, Path] = {}
    for name, folder in table.items():
        if not isinstance(folder, str):
            raise LibrariesError("bad_libraries", f"计划库配置文件 {path} 中“{name}”的文件夹应写成带引号的路径")
        _add(out, name, folder, f"计划库配置文件 {path}")
    return out


def configured_libraries(environ: Mapping[str, str] | None = None) -> dict[str, Path]:
    """The libraries the dashboard may open, by name, in the operator's order (default first)."""
    environ = os.environ if environ is None else environ
    listed = environ.get(LIBRARIES_ENV, "").strip()
    if listed:
        return parse_libraries(listed)
    file = resolve(environ[LIBRARIES_FILE_ENV]) if environ.get(LIBRARIES_FILE_ENV, "").strip() \
        else LIBRARIES_FILE
    if file.is_file():
        return read_libraries_file(file)
    return {DEFAULT_NAME: resolve(environ.get(LIBRARY_ENV, "").strip() or DEFAULT_FOLDER)}


def user_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CACHE_HOME/dangjian`` (or ``~/.cache/dangjian``)."""
    environ = os.environ if environ is None else environ
    base = environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(base) if base and Path(base).is_absolute() else Path.home() / ".cache") / CACHE_APP


def index_dir(folder: str | os.PathLike) -> Path:
    """Where the index of the library in ``folder`` is kept (see the module docstring)."""
    folder = Path(folder)
    own = folder / INDEX_DIR
    if os.access(own if own.is_dir() else folder, os.W_OK):
        return own
    digest = hashlib.sha256(str(folder.resolve()).encode("utf-8", "surrogateescape")).hexdigest()[:24]
    return user_cache_dir() / digest


__all__ = ["configured_libraries", "parse_libraries", "read_libraries_file", "index_dir",
           "user_cache_dir", "LibrariesError", "LIBRARIES_ENV", "LIBRARY_ENV", "DEFAULT_NAME"]
