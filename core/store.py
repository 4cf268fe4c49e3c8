"""The plan library as a store: add, replace, remove and restore plans without losing one.

>>> store = PlanStore("data/plans")                                  # doctest: +SKIP
>>> cand = store.check_upload("政研室2023.txt", data)                # doctest: +SKIP
>>> cand.ok, cand.meta.organ, cand.meta.year, cand.warnings           # doctest: +SKIP
>>> result = store.add("政研室2023.txt", data, organ="市委政研室")     # doctest: +SKIP
>>> trash_id = store.remove(result.plan_id)                           # doctest: +SKIP
>>> store.restore(trash_id)                                           # doctest: +SKIP
'政研室2023.txt'

The folder holds what :func:`core.open_library` reads (plan files and ``manifest.toml``)
and, for the store, ``.lock``, ``.trash/`` and ``.history/`` (each entry a file ``<id>``
with its manifest entry in ``<id>.json``) and, only while a change is under way,
``.journal.json``.

Every change holds a lock (threads: ``threading.Lock``; processes: ``flock`` on ``.lock``),
writes an undo journal, moves and writes files (temp file, fsync, rename, fsync the
folder), writes the manifest last and then deletes the journal: that deletion is the
commit. After a crash the journal is still there and the next ``PlanStore(folder)``
undoes the change, so the library is either as before or as after. Callers reopen the
library (``core.open_library``) after any change.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import threading
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .errors import UserError
from .isolation import run_isolated
from .library import decodable_name, plan_files, shown_name
from .manifest import (MANIFEST_NAME, UNNAMED_ORGAN, ManifestError, PlanMeta, detect_metadata,
                       format_manifest, read_manifest)
from .model import Plan
from .parsing import parse_plan
from .reading import DEFAULT_MAX_BYTES, ReadError, _error, _megabytes, read_bytes, read_document

TRASH_DIR = ".trash"
HISTORY_DIR = ".history"
LOCK_NAME = ".lock"
JOURNAL_NAME = ".journal.json"
TEMP_PREFIX = ".tmp-"
TEMP_SUFFIX = ".part"
MAX_NAME_BYTES = 200  # leaves room for the timestamp of trash/history names (255 on disk)
CRASH_ENV = "DANGJIAN_CRASH_AFTER"
CRASH_EXIT_CODE = 77

# Tests set this (or the DANGJIAN_CRASH_AFTER environment variable) to stop a change at a
# named point: "journal", "sidecar", "history", "trash", "temp_file", "write_file",
# "restore", "manifest".
crash_hook: Callable[[str], None] | None = None


class StoreError(UserError):
    """A change the store refuses: ``code`` for programs, ``message`` (Chinese) for users.

    >>> str(StoreError("exists", "计划库里已有……"))
    '计划库里已有……'
    """


_MESSAGES = {
    "no_library": "找不到计划库文件夹 {folder}，请检查路径",
    "readonly": "计划库文件夹 {folder} 不可写，无法保存或删除计划，请检查文件夹权限",
    "name_empty": "文件名是空的，请给文件起个名字后重新上传",
    "name_separator": "文件名“{name}”里有路径分隔符（/ 或 \\），请只用文件本身的名字（如“2023年党建工作要点.docx”）重新上传",
    "name_dots": "文件名“{name}”不是普通的文件名（含“..”），请改名后重新上传",
    "name_undecodable": "文件名“{name}”含有无法识别的字节（不是 UTF-8 编码），请改一个普通的文件名后重新上传",
    "name_control": "文件名含有控制字符或不可见字符，请改一个普通的文件名后重新上传",
    "name_hidden": "文件名“{name}”以“.”开头，会被当作隐藏文件，请去掉开头的“.”后重新上传",
    "name_windows": "文件名“{name}”在 Windows 上是保留的设备名（CON、PRN、AUX、NUL、COM1–9、LPT1–9），"
                    "计划库复制到 Windows 后无法打开，请改一个名字（如在前面加上单位名）后重新上传",
    "name_long": "文件名太长（超过 {limit} 字节），请改短后重新上传",
    "unstructured": "未识别出章节和条目编号（如“一、”“（一）”“1.”），保存后全文只能作为前言，无法对照和检索条目；"
                    "请检查文件格式，确实要保存请确认（命令行加 --confirm-unstructured）",
    "bad_organ": "单位名称不能为空，也不能含有换行等控制字符，请修改后重试",
    "bad_level": "层级不能含有换行等控制字符，请修改后重试",
    "bad_year": "年度“{year}”不是有效的年份（如 2023），请修改后重试",
    "duplicate": "这份文件已在计划库中（{organ}，文件 {file}，内容完全相同），不需要重复上传",
    "name_taken": "计划库里已有同名（或编号相同）的文件“{file}”（{organ}，内容不同），为避免覆盖已拒绝保存，请改个文件名后重新上传",
    "exists": "计划库里已有{organ} {year} 年的计划（{file}）。保存这份会替换它（旧版本移入历史记录，可以恢复）；"
              "确认替换请选择“替换”（命令行加 --replace）",
    "not_found": "计划库里没有编号为“{plan_id}”的计划，请用 python -m core list 查看现有编号",
    "no_entry": "回收站和历史记录里都没有编号为“{id}”的条目，请用 python -m core trash 或 python -m core history 查看可恢复的编号",
    "bad_entry": "回收站/历史记录中的条目“{id}”信息不完整，无法自动恢复，请联系维护者手工处理",
    "restore_exists": "无法恢复：计划库里已有{organ} {year} 年的计划（{file}），请先删除（移到回收站）该计划后再恢复",
    "restore_name_taken": "无法恢复：计划库里已有同名（或编号相同）的文件“{file}”，请先删除或改名后再恢复",
    "restore_duplicate": "无法恢复：计划库里已有内容完全相同的计划（{organ}，文件 {file}）",
    "outside": "路径“{name}”不在计划库文件夹内，已拒绝操作",
}

_WARN_NO_ORGAN = "未能识别单位名称，已记为“未命名单位”，请在上传时填写单位（或在清单中补上）"
_WARN_NO_YEAR = "未能识别年度，请在上传时填写年度（或在清单中补上）"


def _refuse(code: str, key: str | None = None, **details: object) -> StoreError:
    return StoreError(code, _MESSAGES[key or code].format(**details))


def too_large(size: int, max_bytes: int = DEFAULT_MAX_BYTES) -> StoreError:
    """The refusal for a file of ``size`` bytes, for callers that check before reading."""
    err = _error("too_large", size=_megabytes(size), limit=_megabytes(max_bytes))
    return StoreError(err.code, err.message)


# ------------------------------------------------------------------ results


@dataclass
class Candidate:
    """What :meth:`PlanStore.check_upload` found; nothing has been written.

    ``refusal`` is None when the file can be added as asked; ``replaces`` lists the
    current plans of the same organ and year (moved to history if added with replace).
    """

    name: str
    size: int
    sha256: str
    plan: Plan | None = None
    meta: PlanMeta | None = None
    warnings: list[str] = field(default_factory=list)
    refusal: StoreError | None = None
    replaces: list[PlanMeta] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.refusal is None


@dataclass(frozen=True)
class AddResult:
    """A saved plan: its file, plan id, manifest entry, and history ids of what it replaced."""

    file: str
    plan_id: str
    meta: PlanMeta
    sha256: str
    warnings: list[str]
    replaced: list[str]


@dataclass(frozen=True)
class Restorable:
    """An entry of the trash or the history that :meth:`PlanStore.restore` can put back."""

    id: str
    kind: str  # "trash" or "history"
    file: str
    organ: str
    year: int | None
    when: str
    replaced_by: str | None = None


@dataclass(frozen=True)
class _Current:
    path: Path
    meta: PlanMeta
    sha256: str


# ------------------------------------------------------------------ file system


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _checkpoint(name: str) -> None:
    if os.environ.get(CRASH_ENV) == name:
        os._exit(CRASH_EXIT_CODE)
    if crash_hook is not None:
        crash_hook(name)


def atomic_write(path: Path, data: bytes, *, new: bool = False, checkpoint: str | None = None) -> None:
    """Write ``data`` to ``path`` all at once: temp file in the same folder, fsync, rename.

    With ``new=True`` an existing ``path`` is never replaced (FileExistsError).

    >>> atomic_write(Path("/tmp/x.txt"), b"abc")                     # doctest: +SKIP
    """
    tmp = path.parent / f"{TEMP_PREFIX}{secrets.token_hex(8)}{TEMP_SUFFIX}"
    try:
        with open(tmp, "xb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if checkpoint:
            _checkpoint(checkpoint)
        if new:
            _link_new(tmp, path)
        else:
            os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    _fsync_dir(path.parent)


def _link_new(tmp: Path, path: Path) -> None:
    """Give ``tmp`` the name ``path`` unless ``path`` exists (FileExistsError)."""
    try:
        os.link(tmp, path)  # atomic and never clobbers, even with a writer outside the store
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: the store's lock keeps this safe
        if path.exists():
            raise FileExistsError(path) from None
        os.replace(tmp, path)


def _move(src: Path, dst: Path) -> None:
    if dst.exists():
        raise FileExistsError(dst)
    os.rename(src, dst)
    _fsync_dir(dst.parent)
    if src.parent != dst.parent:
        _fsync_dir(src.parent)


@dataclass
class _Write:
    """Create ``path`` (which must not exist) with ``data``."""

    path: Path
    data: bytes
    checkpoint: str
    before_rename: str | None = None

    def record(self, root: Path) -> dict:
        return {"kind": "created", "path": self.path.relative_to(root).as_posix(),
                "sha256": _sha256(self.data)}

    def run(self) -> None:
        atomic_write(self.path, self.data, new=True, checkpoint=self.before_rename)


@dataclass
class _Move:
    src: Path
    dst: Path
    checkpoint: str

    def record(self, root: Path) -> dict:
        return {"kind": "moved", "src": self.src.relative_to(root).as_posix(),
                "dst": self.dst.relative_to(root).as_posix()}

    def run(self) -> None:
        _move(self.src, self.dst)


# ------------------------------------------------------------------ names and metadata


def check_name(name: str) -> str:
    """``name`` if it is a plain file name to keep on disk; else a :class:`StoreError`.

    Unsafe names are refused, never changed into another name.

    >>> check_name("2023年要点.docx")
    '2023年要点.docx'
    >>> check_name("../x.txt")
    Traceback (most recent call last):
    core.store.StoreError: 文件名“../x.txt”里有路径分隔符（/ 或 \\），请只用文件本身的名字（如“2023年党建工作要点.docx”）重新上传
    """
    if not name or not name.strip():
        raise _refuse("bad_name", "name_empty")
    if not decodable_name(name):
        raise _refuse("bad_name", "name_undecodable", name=shown_name(name))
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") for ch in name):
        raise _refuse("bad_name", "name_control")
    if "/" in name or "\\" in name:
        raise _refuse("bad_name", "name_separator", name=name)
    if name in (".", "..") or ".." in name.split("."):
        raise _refuse("bad_name", "name_dots", name=name)
    if name.startswith("."):
        raise _refuse("bad_name", "name_hidden", name=name)
    if _WINDOWS_RESERVED.fullmatch(name.split(".")[0].rstrip(" ")):
        raise _refuse("bad_name", "name_windows", name=name)
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise _refuse("bad_name", "name_long", limit=MAX_NAME_BYTES)
    return name


# Device names Windows reserves whatever the extension or case (a library may be copied there).
_WINDOWS_RESERVED = re.compile(r"(?i)con|prn|aux|nul|com[1-9]|lpt[1-9]")


def read_and_parse(data: bytes, name: str, max_bytes: int) -> Plan:
    """The plan in an upload (what :meth:`PlanStore.check_upload` runs, isolated or not)."""
    read = read_document(data, name, max_bytes=max_bytes)
    plan = parse_plan(read.text, hints=read.hints)
    plan.warnings[:0] = read.warnings
    return plan


def _has_control(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in text)


def _level_of(organ: str) -> str:
    return organ[0] if organ and organ[0] in "省市区县" else ""


def _chosen_meta(detected: PlanMeta, organ: str | None, year: int | None,
                 level: str | None) -> PlanMeta:
    """The detected metadata with what the user gave instead."""
    if organ is not None:
        organ = organ.strip()
        if not organ or _has_control(organ):
            raise _refuse("bad_organ")
    if level is not None and _has_control(level):
        raise _refuse("bad_level")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)
                             or not 1949 <= year <= 2100):
        raise _refuse("bad_year", year=year)
    final_organ = organ or detected.organ
    if level is None:
        level = detected.level if organ is None else _level_of(final_organ)
    return PlanMeta(file=detected.file, organ=final_organ,
                    year=year if year is not None else detected.year, level=level.strip(),
                    organ_source="manifest" if organ is not None else detected.organ_source,
                    year_source="manifest" if year is not None else detected.year_source)


def _same_organ_year(a: PlanMeta, b: PlanMeta) -> bool:
    """Plans of one organ and year; an unnamed organ or unknown year never matches."""
    return (a.organ == b.organ and a.year == b.year
            and a.organ != UNNAMED_ORGAN and a.year is not None)


def _entry_dict(meta: PlanMeta | None) -> dict | None:
    if meta is None:
        return None
    return {"file": meta.file, "organ": meta.organ, "year": meta.year, "level": meta.level,
            "dimensions": {str(k): v for k, v in meta.dimensions.items()}}


def _entry_meta(data: dict) -> PlanMeta:
    return PlanMeta(file=str(data["file"]), organ=str(data.get("organ") or UNNAMED_ORGAN),
                    year=data.get("year"), level=str(data.get("level") or ""),
                    dimensions={int(k): str(v) for k, v in (data.get("dimensions") or {}).items()})


# ------------------------------------------------------------------ the store


_THREAD_LOCKS: dict[Path, threading.Lock] = {}
_THREAD_LOCKS_GUARD = threading.Lock()


def _thread_lock(folder: Path) -> threading.Lock:
    """One lock per library folder, shared by every PlanStore of this process."""
    with _THREAD_LOCKS_GUARD:
        return _THREAD_LOCKS.setdefault(folder, threading.Lock())


class PlanStore:
    """Add, replace, remove and restore the plans of a library folder, safely.

    Opening a store finishes (undoes) a change that a crash interrupted and removes
    leftover temp files. With ``isolate=True`` (the dashboard, the CLI) each upload is
    read and parsed in a worker process under the memory and time caps of
    :mod:`core.limits`, so a hostile file fails only its own upload.

    >>> store = PlanStore("data/plans")                               # doctest: +SKIP
    >>> store.add("2023政研室.txt", data, organ="市委政研室", year=2023)  # doctest: +SKIP
    """

    def __init__(self, folder: str | os.PathLike, *, max_bytes: int = DEFAULT_MAX_BYTES,
                 isolate: bool = False) -> None:
        self.folder = Path(folder)
        self.isolate = isolate  # read and parse uploads in a capped worker (core.isolation)
        if not self.folder.is_dir():
            raise _refuse("no_library", folder=self.folder)
        self.root = self.folder.resolve()
        self.max_bytes = max_bytes
        self._lock = _thread_lock(self.root)
        self._file_cache: dict[tuple[str, int, int], tuple[str, PlanMeta]] = {}
        if os.access(self.root, os.W_OK):
            with self._locked():
                self._recover()

    # --- checking

    def check_upload(self, name: str, data: bytes, *, organ: str | None = None,
                     year: int | None = None, level: str | None = None,
                     confirm_unstructured: bool = False, replace: bool = False,
                     max_bytes: int | None = None) -> Candidate:
        """Validate an upload without writing anything: preview, metadata, refusal.

        >>> cand = store.check_upload("a.txt", "一、学习\\n1.学习。".encode())   # doctest: +SKIP
        >>> cand.ok, cand.meta.organ, [s.title for s in cand.plan.sections]    # doctest: +SKIP
        """
        cand = self._inspect(name, data, organ, year, level, confirm_unstructured, max_bytes)
        if cand.ok:
            try:
                self._check_against_library(cand, self._current_plans(self._manifest()), replace)
            except StoreError as err:
                cand.refusal = err
        return cand

    def _inspect(self, name: str, data: bytes, organ: str | None, year: int | None,
                 level: str | None, confirm_unstructured: bool,
                 max_bytes: int | None) -> Candidate:
        """The checks that need only the upload itself."""
        data = bytes(data)
        cand = Candidate(name=name, size=len(data), sha256=_sha256(data))
        try:
            check_name(name)
            limit = self.max_bytes if max_bytes is None else max_bytes
            cand.plan = (run_isolated(read_and_parse, data, name, limit) if self.isolate
                         else read_and_parse(data, name, limit))
            cand.warnings = list(cand.plan.warnings)
            cand.meta = _chosen_meta(detect_metadata(cand.plan.text, name), organ, year, level)
            if cand.meta.organ == UNNAMED_ORGAN:
                cand.warnings.append(_WARN_NO_ORGAN)
            if cand.meta.year is None:
                cand.warnings.append(_WARN_NO_YEAR)
            if not cand.plan.sections and not confirm_unstructured:
                raise _refuse("unstructured")
        except ReadError as err:
            cand.refusal = StoreError(err.code, err.message)
        except StoreError as err:
            cand.refusal = err
        return cand

    def _check_against_library(self, cand: Candidate, current: list[_Current],
                               replace: bool) -> None:
        """Duplicate content, a taken name, a plan of the same organ and year."""
        for cur in current:
            if cur.sha256 == cand.sha256:
                raise _refuse("duplicate", organ=cur.meta.organ, file=cur.path.name)
        same = [cur for cur in current if _same_organ_year(cur.meta, cand.meta)]
        cand.replaces = [cur.meta for cur in same]
        replaced_names = {cur.path.name for cur in same}
        stem = Path(cand.name).stem
        for cur in current:
            if cur.path.name in replaced_names:
                continue
            if cur.path.name == cand.name or cur.path.stem == stem:
                raise _refuse("name_taken", organ=cur.meta.organ, file=cur.path.name)
        if (self.root / cand.name).exists() and cand.name not in replaced_names:
            raise _refuse("name_taken", organ="非计划文件", file=cand.name)
        if same and not replace:
            first = same[0]
            raise _refuse("exists", organ=first.meta.organ, year=first.meta.year, file=first.path.name)

    # --- changing

    def add(self, name: str, data: bytes, *, organ: str | None = None, year: int | None = None,
            level: str | None = None, confirm_unstructured: bool = False,
            replace: bool = False) -> AddResult:
        """Save the upload's original bytes and its manifest entry.

        A plan of the same organ and year is replaced only with ``replace=True``; it goes
        to the history, restorable. Raises :class:`StoreError` for every refusal.

        >>> store.add("a.txt", data, organ="市委政研室", year=2023).plan_id   # doctest: +SKIP
        'a'
        """
        cand = self._inspect(name, data, organ, year, level, confirm_unstructured, None)
        if cand.refusal:
            raise cand.refusal
        with self._locked():
            manifest = self._manifest()
            current = self._current_plans(manifest)
            self._check_against_library(cand, current, replace)
            return self._save(cand, bytes(data), manifest, current)

    def _save(self, cand: Candidate, data: bytes, manifest: dict[str, PlanMeta],
              current: list[_Current]) -> AddResult:
        entry = PlanMeta(file=cand.name, organ=cand.meta.organ, year=cand.meta.year,
                         level=cand.meta.level)
        replaced = [cur for cur in current if _same_organ_year(cur.meta, entry)]
        steps: list[_Write | _Move] = []
        history_ids = []
        for cur in replaced:
            hid = self._new_id(cur.path.name)
            history_ids.append(hid)
            steps += self._retire_steps(cur, manifest, HISTORY_DIR, hid, "history", cand.name)
        steps.append(_Write(self._inside(self.root / cand.name), data, "write_file", "temp_file"))
        gone = {cur.path.name for cur in replaced}
        entries = self._entries_with(manifest, entry, gone)
        self._transaction("add", steps, entries)
        return AddResult(file=cand.name, plan_id=Path(cand.name).stem, meta=entry,
                         sha256=cand.sha256, warnings=cand.warnings, replaced=history_ids)

    def remove(self, plan_id: str) -> str:
        """Move a plan to the trash (with its manifest entry); returns the trash id.

        >>> store.remove("000_c066458c1de48185")                   # doctest: +SKIP
        '20250101-120000-000000-000_c066458c1de48185.txt'
        """
        with self._locked():
            manifest = self._manifest()
            matches = [cur for cur in self._current_plans(manifest) if cur.path.stem == plan_id]
            if not matches:
                raise _refuse("not_found", plan_id=plan_id)
            cur = matches[0]
            tid = self._new_id(cur.path.name)
            steps = self._retire_steps(cur, manifest, TRASH_DIR, tid, "trash", None)
            entries = [e for e in manifest.values() if e.file != cur.path.name]
            self._transaction("remove", steps, entries)
            return tid

    def restore(self, entry_id: str) -> str:
        """Put a trash or history entry back in the library; returns its file name.

        Refused when a current plan has the same organ and year, the same file name or
        the same content.

        >>> store.restore(store.trash()[0].id)                      # doctest: +SKIP
        '000_c066458c1de48185.txt'
        """
        with self._locked():
            found = {e.id: e for e in self.trash() + self.history()}
            if entry_id not in found:
                raise _refuse("no_entry", id=entry_id)
            entry = found[entry_id]
            folder = self.root / (TRASH_DIR if entry.kind == "trash" else HISTORY_DIR)
            stored, sidecar = self._inside(folder / entry.id), self._inside(folder / f"{entry.id}.json")
            saved_entry, name = self._read_sidecar(sidecar, entry_id)
            manifest = self._manifest()
            self._check_restore(entry, name, _sha256(stored.read_bytes()),
                                self._current_plans(manifest))
            entries = (self._entries_with(manifest, saved_entry, set()) if saved_entry
                       else list(manifest.values()))
            self._transaction("restore", [_Move(stored, self._inside(self.root / name), "restore")],
                              entries)
            sidecar.unlink()
            _fsync_dir(folder)
            return name

    def _read_sidecar(self, sidecar: Path, entry_id: str) -> tuple[PlanMeta | None, str]:
        try:
            data = json.loads(sidecar.read_text(encoding="utf-8"))
            name = check_name(str(data["file"]))
            saved = data.get("manifest_entry")
            saved_entry = _entry_meta(saved) if saved else None
        except (OSError, ValueError, KeyError, TypeError, StoreError) as err:
            raise _refuse("bad_entry", id=entry_id) from err
        if saved_entry is not None and saved_entry.file != name:
            raise _refuse("bad_entry", id=entry_id)
        return saved_entry, name

    @staticmethod
    def _check_restore(entry: Restorable, name: str, sha: str, current: list[_Current]) -> None:
        meta = PlanMeta(file=name, organ=entry.organ, year=entry.year)
        for cur in current:
            if cur.path.name == name or cur.path.stem == Path(name).stem:
                raise _refuse("restore_name_taken", file=cur.path.name)
            if _same_organ_year(cur.meta, meta):
                raise _refuse("restore_exists", organ=cur.meta.organ, year=cur.meta.year,
                              file=cur.path.name)
            if cur.sha256 == sha:
                raise _refuse("restore_duplicate", organ=cur.meta.organ, file=cur.path.name)

    # --- listing

    def trash(self) -> list[Restorable]:
        """Removed plans, newest first."""
        return self._entries(TRASH_DIR, "trash")

    def history(self) -> list[Restorable]:
        """Replaced plans, newest first."""
        return self._entries(HISTORY_DIR, "history")

    def _entries(self, sub: str, kind: str) -> list[Restorable]:
        folder = self.root / sub
        if not folder.is_dir():
            return []
        out = []
        for sidecar in folder.glob("*.json"):
            stored = folder / sidecar.name.removesuffix(".json")
            if sidecar.name.startswith(".") or not stored.is_file():
                continue
            try:
                data = json.loads(sidecar.read_text(encoding="utf-8"))
                out.append(Restorable(id=stored.name, kind=kind, file=str(data["file"]),
                                      organ=str(data.get("organ") or UNNAMED_ORGAN),
                                      year=data.get("year"), when=str(data.get("when", "")),
                                      replaced_by=data.get("replaced_by")))
            except (OSError, ValueError, KeyError, TypeError):
                continue  # an unreadable sidecar is not offered for restoring
        return sorted(out, key=lambda e: e.id, reverse=True)

    # --- internals: library state

    def _manifest(self) -> dict[str, PlanMeta]:
        try:
            return read_manifest(self.root)
        except ManifestError as err:
            raise StoreError("manifest", str(err)) from err

    def _current_plans(self, manifest: dict[str, PlanMeta]) -> list[_Current]:
        """Every plan file (as open_library lists them) with its metadata and sha256."""
        out = []
        for path in plan_files(self.root):
            if not path.resolve().is_relative_to(self.root):
                continue  # a link to elsewhere is never read because of an upload
            listed = manifest.get(path.name)
            if listed is not None:  # no need to read (and maybe OCR) it again to detect metadata
                out.append(_Current(path, listed, _sha256(path.read_bytes())))
                continue
            sha, detected = self._hash_and_detect(path)
            out.append(_Current(path, detected, sha))
        return out

    def _hash_and_detect(self, path: Path) -> tuple[str, PlanMeta]:
        st = path.stat()
        key = (path.name, st.st_size, st.st_mtime_ns)
        if key not in self._file_cache:
            data = path.read_bytes()
            try:
                detected = detect_metadata(read_bytes(data, path.name), path.name)
            except ReadError:
                detected = PlanMeta(file=path.name, detected=True)
            self._file_cache[key] = (_sha256(data), detected)
        return self._file_cache[key]

    def _inside(self, path: Path) -> Path:
        """``path`` if it lies in the library folder (after resolving links); else refuse."""
        if not path.resolve().is_relative_to(self.root):
            raise _refuse("outside", name=path.name)
        return path

    def _new_id(self, file_name: str) -> str:
        stamp = datetime.now()
        while True:
            candidate = f"{stamp:%Y%m%d-%H%M%S-%f}-{file_name}"
            if not any((self.root / sub / name).exists() for sub in (TRASH_DIR, HISTORY_DIR)
                       for name in (candidate, f"{candidate}.json")):
                return candidate
            stamp = stamp.replace(microsecond=(stamp.microsecond + 1) % 1_000_000)

    def _retire_steps(self, cur: _Current, manifest: dict[str, PlanMeta], sub: str, new_id: str,
                      checkpoint: str, replaced_by: str | None) -> list[_Write | _Move]:
        """Steps that move a current plan into trash/history, sidecar first."""
        folder = self.root / sub
        folder.mkdir(exist_ok=True)
        _fsync_dir(self.root)
        sidecar = {
            "id": new_id, "file": cur.path.name, "organ": cur.meta.organ, "year": cur.meta.year,
            "level": cur.meta.level, "sha256": cur.sha256,
            "when": datetime.now().isoformat(timespec="seconds"),
            "manifest_entry": _entry_dict(manifest.get(cur.path.name)),
            "replaced_by": replaced_by,
        }
        data = json.dumps(sidecar, ensure_ascii=False, indent=2).encode("utf-8")
        return [_Write(self._inside(folder / f"{new_id}.json"), data, "sidecar"),
                _Move(self._inside(cur.path), self._inside(folder / new_id), checkpoint)]

    @staticmethod
    def _entries_with(manifest: dict[str, PlanMeta], entry: PlanMeta, gone: set[str]) -> list[PlanMeta]:
        """The manifest with ``entry`` in place of a same-named or replaced entry (else last)."""
        out: list[PlanMeta] = []
        placed = False
        for e in manifest.values():
            if e.file == entry.file or e.file in gone:
                if not placed:
                    out.append(entry)
                    placed = True
            else:
                out.append(e)
        return out if placed else out + [entry]

    # --- internals: locking, journal, recovery

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with self._lock:
            try:
                fd = os.open(self.root / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
            except PermissionError as err:
                raise _refuse("readonly", folder=self.folder) from err
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(fd)  # closing releases the flock

    def _manifest_text(self) -> str | None:
        path = self.root / MANIFEST_NAME
        return path.read_text(encoding="utf-8") if path.exists() else None

    def _write_manifest(self, entries: list[PlanMeta], before: str | None) -> None:
        atomic_write(self.root / MANIFEST_NAME,
                     _manifest_with_header(entries, before).encode("utf-8"))

    def _transaction(self, op: str, steps: list[_Write | _Move], entries: list[PlanMeta]) -> None:
        """Journal, steps, manifest, then delete the journal (the commit)."""
        before = self._manifest_text()
        journal = {"op": op, "manifest_before": before,
                   "steps": [step.record(self.root) for step in steps]}
        atomic_write(self.root / JOURNAL_NAME,
                     json.dumps(journal, ensure_ascii=False).encode("utf-8"))
        try:
            _checkpoint("journal")
            for step in steps:
                step.run()
                _checkpoint(step.checkpoint)
            self._write_manifest(entries, before)
            _checkpoint("manifest")
        except BaseException:
            with contextlib.suppress(Exception):  # if undoing fails, the next open retries
                self._recover()
            raise
        (self.root / JOURNAL_NAME).unlink()
        _fsync_dir(self.root)

    def _recover(self) -> None:
        """Undo an interrupted change; remove temp files and orphan sidecars."""
        journal_path = self.root / JOURNAL_NAME
        if journal_path.exists():
            try:
                journal = json.loads(journal_path.read_text(encoding="utf-8"))
            except ValueError:  # cannot happen with atomic writes; keep it for a human
                journal_path.rename(self.root / f".journal-broken-{secrets.token_hex(4)}.json")
                return
            for step in reversed(journal["steps"]):
                self._undo(step)
            self._restore_manifest(journal["manifest_before"])
            journal_path.unlink()
            _fsync_dir(self.root)
        for folder in (self.root, self.root / TRASH_DIR, self.root / HISTORY_DIR):
            if not folder.is_dir():
                continue
            for path in folder.iterdir():
                if path.name.startswith(TEMP_PREFIX) and path.name.endswith(TEMP_SUFFIX):
                    path.unlink()
                elif folder != self.root and path.name.endswith(".json") \
                        and not (folder / path.name.removesuffix(".json")).exists():
                    path.unlink()

    def _undo(self, step: dict) -> None:
        if step["kind"] == "created":
            path = self._inside(self.root / step["path"])
            if path.is_file() and _sha256(path.read_bytes()) == step["sha256"]:
                path.unlink()
                _fsync_dir(path.parent)
        elif step["kind"] == "moved":
            src = self._inside(self.root / step["src"])
            dst = self._inside(self.root / step["dst"])
            if dst.exists() and not src.exists():
                _move(dst, src)

    def _restore_manifest(self, before: str | None) -> None:
        path = self.root / MANIFEST_NAME
        if before is None:
            if path.exists():
                path.unlink()
                _fsync_dir(self.root)
        elif self._manifest_text() != before:
            atomic_write(path, before.encode("utf-8"))


def _manifest_with_header(entries: list[PlanMeta], before: str | None) -> str:
    """format_manifest's text, keeping the comment lines that opened the old manifest."""
    text = format_manifest(entries)
    header = []
    for line in (before or "").splitlines():
        if not line.startswith("#"):
            break
        header.append(line)
    if not header:
        return text
    body = text.split("\n")[1:]  # format_manifest's own one-line header
    return "\n".join(header + body)
