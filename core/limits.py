"""Every limit on what one input may cost, stated once.

A hostile or broken file must end in bounded time and memory with a one-line Chinese
refusal, never a hang. Each limit has a default and can be changed without code:

* an environment variable ``DANGJIAN_LIMIT_<NAME>`` (upper case, a whole number in the
  limit's unit), read on every check — so a running dashboard picks it up for the next
  upload only if it was set before the server started;
* :func:`override` in a program or a test, for the code inside a ``with`` block.

Readers call :func:`check` (or :func:`value` to cap a streaming read); over a limit it
raises :class:`LimitError`, a :class:`~core.errors.UserError` that names the limit,
what to do, and the variable that raises it:

>>> check("list_number", 12)
>>> try:
...     check("list_number", 2_000_000_000)
... except LimitError as err:
...     print(err.limit, err)
list_number 自动编号的数值超过上限（2,000,000,000，上限 10,000），文件很可能已损坏，请在 Word 中检查编号或另存为 .docx 后重新上传（上限可用环境变量 DANGJIAN_LIMIT_LIST_NUMBER 调整）
>>> with override(list_number=3_000_000_000):
...     check("list_number", 2_000_000_000)

Other modules add their own limits to :data:`LIMITS` (one entry each) rather than keeping
a constant of their own.
"""
from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from .errors import ReadError, UserError

ENV_PREFIX = "DANGJIAN_LIMIT_"
_MB = 1024 * 1024


@dataclass(frozen=True)
class Limit:
    """One limit: ``what`` (Chinese noun phrase) went over it; ``advice`` says what to do."""

    name: str
    default: int
    unit: str  # "bytes", "chars", "pages", "seconds" or "count"
    what: str
    advice: str

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()


_RESAVE = "请在 Word 中重新保存为 .docx 后上传"
_SPLIT = "请检查是否选错了文件，或删去无关内容、拆分后再上传"

LIMITS: dict[str, Limit] = {limit.name: limit for limit in (
    Limit("upload_bytes", 20 * _MB, "bytes", "文件大小",
          "请删去图片等非文字内容或拆分后再上传"),
    Limit("docx_member_bytes", 32 * _MB, "bytes", ".docx 中单个部件解压后的大小",
          "文件可能是压缩炸弹或已损坏，" + _RESAVE),
    Limit("docx_total_bytes", 100 * _MB, "bytes", ".docx 解压后的总大小",
          "文件可能是压缩炸弹或已损坏，" + _RESAVE),
    Limit("pdf_pages", 500, "pages", "PDF 页数", "请只上传工作要点本身，或拆分后再上传"),
    Limit("pdf_stream_bytes", 64 * _MB, "bytes", "PDF 中单个数据流解压后的大小",
          "文件可能是压缩炸弹或已损坏，请重新导出 PDF 或提供 Word 原文件"),
    Limit("pdf_decoded_bytes", 256 * _MB, "bytes", "PDF 数据流解压后的总大小",
          "文件可能是压缩炸弹或已损坏，请重新导出 PDF 或提供 Word 原文件"),
    Limit("plan_chars", 2_000_000, "chars", "计划正文字数", _SPLIT),
    Limit("line_chars", 200_000, "chars", "一段（一行）文字的字数",
          "文件可能不是正常的计划文本，" + _SPLIT),
    Limit("whitespace_run", 10_000, "chars", "连续空白字符（空格、制表符）的个数",
          "文件可能不是正常的计划文本，请删去多余的空白后重新上传"),
    Limit("list_number", 10_000, "count", "自动编号的数值",
          "文件很可能已损坏，请在 Word 中检查编号或另存为 .docx 后重新上传"),
    Limit("reader_seconds", 60, "seconds", "读取和解析一个文件的用时",
          "文件可能过大或已损坏，请另存或拆分后再上传"),
    Limit("reader_memory_bytes", 1024 * _MB, "bytes", "读取和解析一个文件所需的内存",
          "文件可能过大或是压缩炸弹，请另存或拆分后再上传"),
)}

_local = threading.local()


class LimitError(ReadError):
    """Input over one of :data:`LIMITS`; ``limit`` is its name (``code`` is "limit")."""

    def __init__(self, limit: str, message: str) -> None:
        super().__init__("limit", message)
        self.limit = limit


def value(name: str) -> int:
    """The limit in force: an :func:`override`, else the environment variable, else the default."""
    limit = LIMITS[name]
    for layer in reversed(getattr(_local, "stack", [])):
        if name in layer:
            return layer[name]
    raw = os.environ.get(limit.env, "").strip().replace("_", "")
    if not raw:
        return limit.default
    if not raw.isdigit() or int(raw) <= 0:
        raise UserError("limit_config", f"环境变量 {limit.env} 应为正整数（单位：{_UNIT_NAMES[limit.unit]}），"
                                        f"现在是“{raw[:20]}”，请改正或删去后重新启动")
    return int(raw)


def snapshot() -> dict[str, int]:
    """Every limit in force now, to hand to a worker process (see :func:`override`)."""
    return {name: value(name) for name in LIMITS}


@contextlib.contextmanager
def override(**values: int) -> Iterator[None]:
    """Use other limits inside the block (this thread only)."""
    unknown = set(values) - set(LIMITS)
    if unknown:
        raise KeyError(", ".join(sorted(unknown)))
    stack = _local.__dict__.setdefault("stack", [])
    stack.append(dict(values))
    try:
        yield
    finally:
        stack.pop()


def check(name: str, amount: int, *, at_least: bool = False) -> None:
    """Raise :class:`LimitError` if ``amount`` is over limit ``name``.

    ``at_least``: the amount was counted only until it passed the limit.
    """
    limit = value(name)
    if amount > limit:
        raise exceeded(name, amount, at_least=at_least)


def exceeded(name: str, amount: int, *, at_least: bool = False) -> LimitError:
    """The :class:`LimitError` for ``amount`` over limit ``name``."""
    limit = LIMITS[name]
    cap = _show(limit.unit, value(name))
    over = f"超过上限 {cap}" if at_least else f"超过上限（{_show(limit.unit, amount)}，上限 {cap}）"
    return LimitError(name, f"{limit.what}{over}，{limit.advice}（上限可用环境变量 {limit.env} 调整）")


_UNIT_NAMES = {"bytes": "字节", "chars": "字", "pages": "页", "seconds": "秒", "count": "个"}


def _show(unit: str, amount: int) -> str:
    if unit == "bytes":
        mb = amount / _MB
        return f"{mb:.0f} MB" if mb >= 10 else f"{mb:.1f} MB"
    if unit == "count":
        return f"{amount:,}"
    return f"{amount:,} {_UNIT_NAMES[unit]}"
