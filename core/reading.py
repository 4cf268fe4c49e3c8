"""Turn an uploaded plan file (.txt/.md/.docx/.pdf) into plain text.

The text comes back with one paragraph per line, ``"\\n"`` line endings and no
BOM; the wording is otherwise left as it is (the parser does the cleanup).
Word's automatic numbering is written out as text ("（一）", "1.") so that
numbered paragraphs still look like items to the parser.

Every failure is a :class:`ReadError` whose message is one line of Chinese that
tells the user what to do:

>>> read_bytes("一、总体要求\\r\\n".encode("gb18030"), "plan.txt")
'一、总体要求\\n'
>>> try:
...     read_bytes(b"", "plan.docx")
... except ReadError as err:
...     print(err.code, err)
empty 文件是空的（0 字节），请检查是否选错了文件后重新上传
"""
from __future__ import annotations

import io
import os
import re
import statistics
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from . import limits
from .errors import ReadError
from .headings import TitleHint

# .doc/.wps/.odt/.rtf… go through LibreOffice (core.convert), images through Tesseract (core.ocr).
CONVERTED_SUFFIXES = (".doc", ".wps", ".odt", ".rtf", ".docm", ".dotx", ".dot", ".wpt")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")
SUPPORTED_SUFFIXES = (".txt", ".md", ".docx", ".pdf") + CONVERTED_SUFFIXES + IMAGE_SUFFIXES
OCR_WARNING = "由文字识别得到，请核对"
DEFAULT_MAX_BYTES = limits.value("upload_bytes")  # read once, when the program starts

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _error(code: str, **details: Any) -> ReadError:
    return ReadError(code, _MESSAGES[code].format(**details))


_MESSAGES = {
    "unsupported": "不支持“{suffix}”类型的文件，请上传以下类型的文件：" + "、".join(SUPPORTED_SUFFIXES),
    "too_large": "文件太大（{size} MB），超过 {limit} MB 的上限，请删去图片等非文字内容或拆分后再上传",
    "empty": "文件是空的（0 字节），请检查是否选错了文件后重新上传",
    "blank": "文件里没有文字内容，请检查是否选错了文件后重新上传",
    "binary": "文件内容不是可识别的文本，请确认文件类型，或在编辑器中另存为 UTF-8 编码的 .txt 后重新上传",
    "corrupt": "文件已损坏或无法读取，请重新保存或导出后再上传",
    "corrupt_docx": "文件已损坏或不是有效的 .docx，请在 Word 中重新保存后上传",
    "corrupt_pdf": "文件已损坏或不是有效的 PDF，请重新导出 PDF 或提供 Word 原文件后上传",
    "encrypted_docx": "文件有密码保护，请在 Word 中取消密码后另存为 .docx 再上传",
    "encrypted_pdf": "PDF 有密码保护，请取消密码后重新导出 PDF 再上传",
    "not_found": "找不到文件“{name}”，请检查路径后重试",
    "unreadable": "无法打开文件“{name}”，请检查文件权限后重试",
}


def _format_error(kind: str, fmt: str) -> ReadError:
    """A "corrupt"/"encrypted" error with the message for the given format."""
    return ReadError(kind, _MESSAGES[f"{kind}_{fmt}"])


# ---------------------------------------------------------------------------
# Entry points


def read_bytes(data: bytes, filename: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The text of an uploaded file, chosen by the suffix of ``filename``.

    >>> read_bytes("\\ufeff一、总体要求\\r\\n（一）加强学习".encode(), "a.md")
    '一、总体要求\\n（一）加强学习'

    Raises :class:`ReadError` for every problem; no other exception escapes.
    """
    return read_document(data, filename, max_bytes=max_bytes).text


@dataclass
class ReadResult:
    """What a reader gives the parser: the text, .docx title hints, and warnings
    about the reading itself (e.g. :data:`OCR_WARNING`)."""
    text: str
    hints: list[TitleHint]
    warnings: list[str]


def read_document(data: bytes, filename: str, *,
                  max_bytes: int = DEFAULT_MAX_BYTES) -> ReadResult:
    """:func:`read_bytes` with the title hints of a .docx (or a file converted to
    .docx) and the reader's warnings.

    >>> read_document("一、总体要求".encode(), "a.txt")
    ReadResult(text='一、总体要求', hints=[], warnings=[])
    """
    try:
        return _read_document(bytes(data), filename, max_bytes)
    except ReadError:  # LimitError too
        raise
    except Exception as exc:  # a bug here must still reach the user as a message
        raise _error("corrupt") from exc


def _read_document(data: bytes, filename: str, max_bytes: int) -> ReadResult:
    suffix = _check_suffix(filename)
    if len(data) > max_bytes:
        raise _error("too_large", size=_megabytes(len(data)), limit=_megabytes(max_bytes))
    if not data:
        raise _error("empty")
    warnings: list[str] = []
    try:
        if suffix in CONVERTED_SUFFIXES or (suffix == ".docx" and _is_renamed_ole(data)):
            from .convert import to_docx

            data, suffix = to_docx(data, ".doc" if suffix == ".docx" else suffix), ".docx"
        if suffix in IMAGE_SUFFIXES:
            text = _repair_quotes(read_image(data))
            warnings.append(OCR_WARNING)
        elif suffix == ".pdf":
            text, ocr_pages = read_pdf_pages(data)
            if ocr_pages:
                text = _repair_quotes(text)
                warnings.append(OCR_WARNING)
        else:
            text = _READERS[suffix](data)
    except ReadError:
        raise
    except Exception as exc:  # a parser library choked: the file is the problem
        raise _corrupt_for(suffix) from exc
    text = normalize_newlines(text)
    if not text.strip():
        raise _error("blank")
    check_text_limits(text)
    hints: list[TitleHint] = []
    if suffix == ".docx":
        try:
            hints = docx_title_hints(data, text)
        except Exception:  # formatting is only evidence: the text alone still parses
            hints = []
    return ReadResult(text, hints, warnings)


_WHITESPACE_RUN = re.compile(r"\s+")


def check_text_limits(text: str) -> None:
    """Raise :class:`~core.limits.LimitError` if ``text`` is over a text limit
    (``plan_chars``, ``line_chars``, ``whitespace_run``); linear in its length."""
    limits.check("plan_chars", len(text))
    if len(text) > limits.value("line_chars"):  # shorter texts cannot be over: no pass
        limits.check("line_chars", max(map(len, text.split("\n"))))
    if len(text) > limits.value("whitespace_run"):
        limits.check("whitespace_run", max(map(len, _WHITESPACE_RUN.findall(text)), default=0))


def read_file(path: str | os.PathLike, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """:func:`read_bytes` for a file on disk (the size is checked before reading)."""
    return read_file_document(path, max_bytes=max_bytes).text


def read_file_document(path: str | os.PathLike, *,
                       max_bytes: int = DEFAULT_MAX_BYTES) -> ReadResult:
    """:func:`read_document` for a file on disk (the size is checked before reading)."""
    name = os.fspath(path)
    try:
        size = os.path.getsize(name)
        if size > max_bytes:  # don't load a huge file just to reject it
            _raise_too_large_or_suffix(name, size, max_bytes)
        with open(name, "rb") as handle:
            data = handle.read()
    except FileNotFoundError as exc:
        raise _error("not_found", name=os.path.basename(name)) from exc
    except OSError as exc:
        raise _error("unreadable", name=os.path.basename(name)) from exc
    return read_document(data, name, max_bytes=max_bytes)


def _raise_too_large_or_suffix(name: str, size: int, max_bytes: int) -> None:
    _check_suffix(name)
    raise _error("too_large", size=_megabytes(size), limit=_megabytes(max_bytes))


def _check_suffix(filename: str) -> str:
    """The lower-case suffix of ``filename`` if it is one we read."""
    suffix = os.path.splitext(os.fspath(filename or ""))[1].lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise _error("unsupported", suffix=suffix or "无扩展名")
    return suffix


def _megabytes(n: int) -> str:
    """Bytes as MB for a message: ``20``, ``20.5``, or two significant digits."""
    mb = n / (1024 * 1024)
    if mb >= 0.1:
        return f"{mb:.1f}".removesuffix(".0")
    return f"{mb:.2g}"


def _corrupt_for(suffix: str) -> ReadError:
    fmt = {".docx": "docx", ".pdf": "pdf"}.get(suffix)
    return _format_error("corrupt", fmt) if fmt else _error("corrupt")


_LINE_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def normalize_newlines(text: str) -> str:
    """CRLF, CR and the other Unicode line breaks → ``"\\n"``; a leading BOM removed.

    >>> normalize_newlines("\\ufeffa\\r\\nb\\rc")
    'a\\nb\\nc'
    """
    return _LINE_BREAKS.sub("\n", text.removeprefix("\ufeff"))


# ---------------------------------------------------------------------------
# Plain text


_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_MAX_CONTROL_RATIO = 0.01


def decode_text(data: bytes) -> str:
    """Decode a text file without asking: BOM, UTF-8, GB18030, then a guess.

    >>> decode_text("党建".encode("gbk"))
    '党建'
    """
    text = _decode(data)
    if text is None or _looks_binary(text):
        raise _error("binary")
    return text


def _decode(data: bytes) -> str | None:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _try_decode(data, encoding)
    utf16 = _bomless_utf16(data)
    if utf16:
        return _try_decode(data, utf16)
    if b"\0" in data:  # not UTF-8 nor GB18030: UTF-16 with a few ASCII characters, or binary
        return _chinese_utf16(data)
    for decode in (lambda: _try_decode(data, "utf-8"), lambda: _damaged_utf8(data),
                   lambda: _chinese_utf16(data),
                   lambda: _try_decode(data, "gb18030"), lambda: _guess_decode(data)):
        text = decode()
        if text is not None:
            return text
    return None


def _try_decode(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _damaged_utf8(data: bytes) -> str | None:
    """UTF-8 with a few bad bytes (a file cut mid-character, one stray byte).

    Without this, strict GB18030 would accept such a file and turn all of it
    into mojibake; GBK text, decoded as UTF-8, breaks on nearly every character.
    """
    text = data.decode("utf-8", errors="replace")
    damage = text.count("\ufffd")
    return text if damage <= max(1, len(text) // 1000) else None


def _bomless_utf16(data: bytes) -> str | None:
    """UTF-16 without BOM, told by its NUL bytes: ASCII characters put a NUL
    in the high byte of their pair, so NULs sit on one side of the pairs only."""
    if len(data) < 4 or len(data) % 2:
        return None
    even_nuls = data[0::2].count(0)
    odd_nuls = data[1::2].count(0)
    pairs = len(data) // 2
    if odd_nuls > pairs * 0.3 and even_nuls == 0:
        return "utf-16-le"
    if even_nuls > pairs * 0.3 and odd_nuls == 0:
        return "utf-16-be"
    return None


_PLAIN_CHINESE = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef\u2010-\u2027\x20-\x7e\s]")
_MIN_PLAIN_SHARE = 0.9


def _chinese_utf16(data: bytes) -> str | None:
    """UTF-16 without BOM, mostly Chinese (too few NUL bytes to tell it by), told by what it
    decodes to: nearly all Chinese characters, punctuation and ASCII one way; Hangul,
    private-use and rare characters the other way (and in GB18030)."""
    if len(data) < 4 or len(data) % 2:
        return None
    for encoding in ("utf-16-le", "utf-16-be"):
        text = _try_decode(data, encoding)
        if text and len(_PLAIN_CHINESE.findall(text)) >= _MIN_PLAIN_SHARE * len(text):
            return text
    return None


def _guess_decode(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    return None if best is None else str(best)


# C0 controls other than \t \n \x0b \x0c \r, DEL, and the replacement character.
_BAD_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ufffd]")


def _looks_binary(text: str) -> bool:
    # One regex pass in C: a per-character Python test was ~15 % of ingest time.
    controls = len(_BAD_CONTROL.findall(text))
    return "\0" in text or controls > max(2, len(text) * _MAX_CONTROL_RATIO)


# ---------------------------------------------------------------------------
# .docx


def read_docx(data: bytes) -> str:
    """Body paragraphs and tables of a .docx, with Word numbering as text."""
    if data.startswith(_OLE_MAGIC):
        # Word saves password-protected .docx as an OLE container with an
        # EncryptionInfo stream (a renamed .doc is converted before it gets here).
        raise _format_error("encrypted", "docx")
    document = open_docx(data)
    numbering = _Numbering(document)
    return "\n".join(_body_lines(document.element.body, numbering))


def _is_renamed_ole(data: bytes) -> bool:
    """An old .doc saved with a .docx name (not an encrypted .docx, also OLE)."""
    return data.startswith(_OLE_MAGIC) and "EncryptionInfo".encode("utf-16-le") not in data


def open_docx(data: bytes) -> Any:
    """A python-docx ``Document`` of ``data``, read from a copy whose every member was
    inflated within :mod:`core.limits` (``docx_member_bytes``, ``docx_total_bytes``)."""
    import docx  # python-docx; imported lazily to keep `import core.reading` light

    return docx.Document(io.BytesIO(_inflated_copy(data)))


_CHUNK = 1 << 20


def _inflated_copy(data: bytes) -> bytes:
    """``data`` re-zipped uncompressed, inflated chunk by chunk under the limits.

    The sizes an archive declares are checked first, then the bytes actually
    inflated are counted while inflating. ``ZipFile.read`` would inflate a whole
    member in one call before cutting it to its declared size (a member lying about
    its size took GBs); the copy holds only bytes already counted, stored, so
    python-docx inflates nothing.
    """
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise _format_error("corrupt", "docx")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as archive, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as copy:
        members = [info for info in archive.infolist() if not info.is_dir()]
        limits.check("docx_total_bytes", sum(info.file_size for info in members))
        total = 0
        for info in members:
            limits.check("docx_member_bytes", info.file_size)
            pieces, size = [], 0
            with archive.open(info) as member:
                while chunk := member.read(_CHUNK):
                    size += len(chunk)
                    total += len(chunk)
                    limits.check("docx_member_bytes", size, at_least=True)
                    limits.check("docx_total_bytes", total, at_least=True)
                    pieces.append(chunk)
            copy.writestr(zipfile.ZipInfo(info.filename, date_time=info.date_time), b"".join(pieces))
    return out.getvalue()


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _w(tag: str) -> str:
    return _W + tag


def _val(element: Any, tag: str) -> str | None:
    """The ``w:val`` of the child ``tag`` of ``element``, if both exist."""
    if element is None:
        return None
    child = element.find(_w(tag))
    return None if child is None else child.get(_w("val"))


def _body_lines(container: Any, numbering: "_Numbering") -> Iterator[str]:
    """Lines of a body/cell/content control in document order."""
    for child in container:
        if child.tag == _w("p"):
            yield numbering.marker_for(child) + _paragraph_text(child)
        elif child.tag == _w("tbl"):
            yield from _table_lines(child, numbering)
        elif child.tag == _w("sdt"):
            content = child.find(_w("sdtContent"))
            if content is not None:
                yield from _body_lines(content, numbering)


def _table_lines(table: Any, numbering: "_Numbering") -> Iterator[str]:
    """One line per row, cells joined by a tab; a one-cell row keeps its paragraphs.

    Tables used only for layout (a whole plan inside one cell is common in
    official documents) must keep one paragraph per line.
    """
    for row in table.iterchildren(_w("tr")):
        cells = [[line for line in _body_lines(cell, numbering)]
                 for cell in row.iterchildren(_w("tc"))]
        filled = [lines for lines in cells if any(line.strip() for line in lines)]
        if len(filled) == 1:
            yield from filled[0]
        elif filled:
            yield "\t".join("　".join(line for line in lines if line.strip())
                            for lines in cells)


_SKIPPED_SUBTREES = {_w("txbxContent"), _w("del"), _w("moveFrom"), _w("pPr"), _w("rPr"),
                     "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"}
_CHAR_FOR_TAG = {_w("tab"): "\t", _w("br"): "\n", _w("cr"): "\n",
                 _w("noBreakHyphen"): "\u2011", _w("softHyphen"): ""}


def _paragraph_text(paragraph: Any) -> str:
    """Visible text of a paragraph: runs, hyperlinks, fields, insertions; not
    deletions or hidden (w:vanish) runs.

    Text boxes anchored in the paragraph are skipped: their text is not part
    of the paragraph and would otherwise appear twice (VML fallback).
    """
    return "".join(text for _, text in _visible_runs(paragraph))


def _visible_runs(paragraph: Any) -> Iterator[tuple[Any, str]]:
    """(run element, its visible text) in order, as :func:`_paragraph_text` reads them."""
    def walk(element: Any, run: Any) -> Iterator[tuple[Any, str]]:
        for child in element:
            tag = child.tag
            if not isinstance(tag, str) or tag in _SKIPPED_SUBTREES or _is_hidden_run(child):
                continue
            if tag == _w("t"):
                yield run, child.text or ""
            elif tag in _CHAR_FOR_TAG:
                if tag == _w("br") and child.get(_w("type")) in ("page", "column"):
                    continue
                yield run, _CHAR_FOR_TAG[tag]
            else:
                yield from walk(child, child if tag == _w("r") else run)

    yield from walk(paragraph, None)


def _is_hidden_run(element: Any) -> bool:
    if element.tag != _w("r"):
        return False
    vanish = element.find(f"{_w('rPr')}/{_w('vanish')}")
    return vanish is not None and vanish.get(_w("val"), "true") not in ("0", "false", "off")


# --- .docx formatting: where titles end --------------------------------------


def read_with_hints(data: bytes, filename: str, *,
                    max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[str, list[TitleHint]]:
    """:func:`read_bytes`, plus where bold leads and heading styles end in a .docx.

    The hints are evidence for :func:`core.parsing.parse_plan` (``hints=``); a file
    without formatting (or whose formatting cannot be read) gives none.

    >>> text, hints = read_with_hints("一、总体要求".encode(), "a.txt")
    >>> text, hints
    ('一、总体要求', [])
    """
    result = read_document(data, filename, max_bytes=max_bytes)
    return result.text, result.hints


def read_file_with_hints(path: str | os.PathLike, *,
                         max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[str, list[TitleHint]]:
    """:func:`read_with_hints` for a file on disk."""
    result = read_file_document(path, max_bytes=max_bytes)
    return result.text, result.hints


_SEARCH_SLACK = 400  # a paragraph is looked for this far past the previous one
_MAX_LEAD_MARKER = 12  # numbering text Word writes before a paragraph


def docx_title_hints(data: bytes, text: str) -> list[TitleHint]:
    """Title hints for ``text`` (the :func:`read_docx` text of ``data``).

    A paragraph whose visible text starts with bold runs gets a hint ending after them
    (the bold lead is its title); a paragraph in a heading style, or with an outline
    level, gets one covering it whole, with the level. Bold is no evidence in a
    document that is mostly bold, so such a document gives only the heading hints.
    """
    document = open_docx(data)  # under the same inflation limits as read_docx
    styles = _RunStyles(document)
    found: list[tuple[int, int, int, int | None]] = []  # start, lead end, paragraph end, level
    bold_chars = total_chars = 0
    pos = 0
    for paragraph in document.element.body.iter(_w("p")):
        if _inside_skipped(paragraph):
            continue
        runs = list(_visible_runs(paragraph))
        full = "".join(t for _, t in runs)
        stripped = full.strip()
        if not stripped or "\r" in full:
            continue
        at = text.find(stripped, pos, pos + len(stripped) + _SEARCH_SLACK)
        if at < 0:
            continue
        pos = at + len(stripped)
        line_start = text.rfind("\n", 0, at) + 1
        prefix = text[line_start:at]
        if len(prefix.strip()) > _MAX_LEAD_MARKER or "\t" in prefix:
            continue  # not the start of its line (a table cell after another)
        start = line_start + len(prefix) - len(prefix.lstrip())
        lead = _bold_lead(runs, paragraph, styles)
        bold_chars += lead
        total_chars += len(stripped)
        level = styles.outline_level(paragraph)
        lead_end = at + len(full[:lead].strip()) if lead else at
        found.append((start, lead_end, at + len(stripped), level))
    mostly_bold = total_chars and bold_chars > total_chars / 2
    hints = []
    for start, lead_end, end, level in found:
        if level is not None:
            hints.append(TitleHint(start, end, level))
        elif lead_end > start and not mostly_bold:
            hints.append(TitleHint(start, lead_end))
    return hints


def _inside_skipped(element: Any) -> bool:
    return any(a.tag in _SKIPPED_SUBTREES for a in element.iterancestors())


def _bold_lead(runs: list[tuple[Any, str]], paragraph: Any, styles: "_RunStyles") -> int:
    """Length of the paragraph's visible text covered by its leading bold runs."""
    length = 0
    for run, piece in runs:
        if piece.strip() and not styles.is_bold(run, paragraph):
            break
        length += len(piece)
    text = "".join(t for _, t in runs)
    return length if text[:length].strip() else 0


_HEADING_NAME = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)


class _RunStyles:
    """Bold and outline level as Word resolves them: direct formatting, then the
    character style, then the paragraph style, each with its ``basedOn`` chain."""

    def __init__(self, document: Any) -> None:
        self._parent: dict[str, str] = {}
        self._bold: dict[str, bool] = {}
        self._level: dict[str, int] = {}
        try:
            element = document.styles.element
        except (KeyError, AttributeError):  # no styles part
            return
        for style in element.iterchildren(_w("style")):
            style_id = style.get(_w("styleId"))
            if not style_id:
                continue
            parent = _val(style, "basedOn")
            if parent:
                self._parent[style_id] = parent
            bold = _on_off(style.find(f"{_w('rPr')}/{_w('b')}"))
            if bold is not None:
                self._bold[style_id] = bold
            level = _val(style.find(_w("pPr")), "outlineLvl")
            name = _HEADING_NAME.match((_val(style, "name") or "").strip())
            if level is not None and level.isdigit() and int(level) < 9:
                self._level[style_id] = int(level)
            elif name:
                self._level[style_id] = int(name.group(1)) - 1

    def _chain(self, style_id: str | None) -> Iterator[str]:
        seen: set[str] = set()
        while style_id and style_id not in seen and len(seen) < 20:
            seen.add(style_id)
            yield style_id
            style_id = self._parent.get(style_id)

    def _style_bold(self, style_id: str | None) -> bool | None:
        return next((self._bold[s] for s in self._chain(style_id) if s in self._bold), None)

    def is_bold(self, run: Any, paragraph: Any) -> bool:
        rpr = run.find(_w("rPr")) if run is not None else None
        direct = _on_off(rpr.find(_w("b"))) if rpr is not None else None
        if direct is not None:
            return direct
        by_char_style = self._style_bold(_val(rpr, "rStyle"))
        if by_char_style is not None:
            return by_char_style
        return bool(self._style_bold(_val(paragraph.find(_w("pPr")), "pStyle")))

    def outline_level(self, paragraph: Any) -> int | None:
        ppr = paragraph.find(_w("pPr"))
        level = _val(ppr, "outlineLvl")
        if level is not None and level.isdigit():
            return int(level) if int(level) < 9 else None
        return next((self._level[s] for s in self._chain(_val(ppr, "pStyle")) if s in self._level), None)


def _on_off(element: Any) -> bool | None:
    """A w:b-like toggle: None when absent, else whether it is on."""
    if element is None:
        return None
    return element.get(_w("val"), "true") not in ("0", "false", "off")


# --- Word automatic numbering ----------------------------------------------


@dataclass
class _Level:
    fmt: str = "decimal"
    text: str = "%1."
    start: int = 1
    restart: int | None = None  # w:lvlRestart (1-based level, 0 = never)
    suffix: str = "tab"
    legal: bool = False  # w:isLgl: show all levels as decimal
    style: str | None = None  # w:pStyle: the paragraph style linked to this level


class _Numbering:
    """Renders each numbered paragraph's marker, keeping Word's counters.

    Counters belong to the abstract list, as in Word: two ``w:num`` sharing an
    ``w:abstractNum`` continue one list unless a ``w:startOverride`` restarts it.
    """

    def __init__(self, document: Any) -> None:
        self._num_to_abstract: dict[str, str] = {}
        self._overrides: dict[str, dict[int, _Level | int]] = {}
        self._abstract_levels: dict[str, dict[int, _Level]] = {}
        self._abstract_style_link: dict[str, str] = {}
        self._style_numpr: dict[str, tuple[str | None, int | None]] = {}
        self._style_parent: dict[str, str] = {}
        self._counters: dict[str, dict[int, int]] = {}
        self._used_overrides: set[tuple[str, int]] = set()
        self._load_styles(document)
        self._load_numbering(document)

    # loading

    def _load_styles(self, document: Any) -> None:
        try:
            styles = document.styles.element
        except Exception:
            return
        for style in styles.iterchildren(_w("style")):
            style_id = style.get(_w("styleId"))
            if not style_id:
                continue
            parent = _val(style, "basedOn")
            if parent:
                self._style_parent[style_id] = parent
            numpr = style.find(f"{_w('pPr')}/{_w('numPr')}")
            if numpr is not None:
                ilvl = _val(numpr, "ilvl")
                self._style_numpr[style_id] = (_val(numpr, "numId"),
                                               int(ilvl) if ilvl else None)

    def _load_numbering(self, document: Any) -> None:
        try:
            part = document.part.part_related_by(
                "http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering")
        except KeyError:
            return
        root = part.element
        for abstract in root.iterchildren(_w("abstractNum")):
            abstract_id = abstract.get(_w("abstractNumId"))
            self._abstract_levels[abstract_id] = {
                int(lvl.get(_w("ilvl"), "0")): _parse_level(lvl)
                for lvl in abstract.iterchildren(_w("lvl"))}
            link = _val(abstract, "numStyleLink")
            if link:
                self._abstract_style_link[abstract_id] = link
        for num in root.iterchildren(_w("num")):
            num_id = num.get(_w("numId"))
            self._num_to_abstract[num_id] = _val(num, "abstractNumId") or ""
            overrides: dict[int, _Level | int] = {}
            for override in num.iterchildren(_w("lvlOverride")):
                ilvl = int(override.get(_w("ilvl"), "0"))
                lvl = override.find(_w("lvl"))
                start = _val(override, "startOverride")
                if lvl is not None:
                    overrides[ilvl] = _parse_level(lvl)
                elif start is not None:
                    overrides[ilvl] = int(start)
            self._overrides[num_id] = overrides

    # lookup

    def _abstract_for(self, num_id: str, depth: int = 0) -> str | None:
        abstract_id = self._num_to_abstract.get(num_id)
        if abstract_id is None:
            return None
        link = self._abstract_style_link.get(abstract_id)
        if link and depth < 3:  # numStyleLink: the list is defined by a numbering style
            linked_num = self._style_numpr.get(link, (None, None))[0]
            if linked_num and linked_num != num_id:
                return self._abstract_for(linked_num, depth + 1) or abstract_id
        return abstract_id

    def _levels(self, num_id: str, abstract_id: str) -> dict[int, _Level]:
        levels = dict(self._abstract_levels.get(abstract_id, {}))
        for ilvl, override in self._overrides.get(num_id, {}).items():
            if isinstance(override, _Level):
                levels[ilvl] = override
        return levels

    def _style_chain(self, style_id: str | None) -> Iterator[str]:
        seen: set[str] = set()
        while style_id and style_id not in seen:
            seen.add(style_id)
            yield style_id
            style_id = self._style_parent.get(style_id)

    def _num_and_level(self, paragraph: Any) -> tuple[str | None, int | None, str | None]:
        """(numId, ilvl, style that supplied numId) from the paragraph or its styles."""
        ppr = paragraph.find(_w("pPr"))
        numpr = None if ppr is None else ppr.find(_w("numPr"))
        num_id = _val(numpr, "numId")
        ilvl_text = _val(numpr, "ilvl")
        ilvl = int(ilvl_text) if ilvl_text else None
        source_style = None
        if num_id is None:
            for style_id in self._style_chain(_val(ppr, "pStyle")):
                style_num, style_ilvl = self._style_numpr.get(style_id, (None, None))
                if style_num is not None:
                    num_id, source_style = style_num, style_id
                    ilvl = ilvl if ilvl is not None else style_ilvl
                    break
        return num_id, ilvl, source_style

    # rendering

    def marker_for(self, paragraph: Any) -> str:
        """The numbering text Word shows before ``paragraph`` ("" if none)."""
        num_id, ilvl, style = self._num_and_level(paragraph)
        if not num_id or num_id == "0":
            return ""
        abstract_id = self._abstract_for(num_id)
        if abstract_id is None:
            return ""
        levels = self._levels(num_id, abstract_id)
        if ilvl is None:
            ilvl = next((i for i, lvl in levels.items() if style and lvl.style == style), 0)
        level = levels.get(ilvl)
        if level is None:
            return ""
        counters = self._advance(num_id, abstract_id, ilvl, levels)
        return _render_marker(level, counters, levels)

    def _advance(self, num_id: str, abstract_id: str, ilvl: int,
                 levels: dict[int, _Level]) -> dict[int, int]:
        counters = self._counters.setdefault(abstract_id, {})
        override = self._overrides.get(num_id, {}).get(ilvl)
        first_use = (num_id, ilvl) not in self._used_overrides
        self._used_overrides.add((num_id, ilvl))
        level = levels[ilvl]
        if override is not None and first_use:
            start = override if isinstance(override, int) else override.start
            counters[ilvl] = start
        elif ilvl in counters:
            counters[ilvl] += 1
        else:
            counters[ilvl] = level.start
        # Deeper levels restart when this one advances (unless lvlRestart says otherwise).
        for deeper in [i for i in counters if i > ilvl]:
            restart = levels.get(deeper, _Level()).restart
            if restart is None or (restart != 0 and ilvl < restart):
                del counters[deeper]
        return counters


def _parse_level(lvl: Any) -> _Level:
    start = _val(lvl, "start")
    restart = _val(lvl, "lvlRestart")
    return _Level(
        fmt=_val(lvl, "numFmt") or "decimal",
        text=_val(lvl, "lvlText") if lvl.find(_w("lvlText")) is not None else "",
        start=int(start) if start else 1,
        restart=int(restart) if restart else None,
        suffix=_val(lvl, "suff") or "tab",
        legal=lvl.find(_w("isLgl")) is not None,
        style=_val(lvl, "pStyle"),
    )


_PLACEHOLDER = re.compile(r"%([1-9])")


def _render_marker(level: _Level, counters: dict[int, int], levels: dict[int, _Level]) -> str:
    if level.fmt == "bullet":
        return ""  # bullet glyphs are often private-use symbol-font characters
    if level.fmt == "none":
        text = _PLACEHOLDER.sub("", level.text or "")
    else:
        def number(match: re.Match[str]) -> str:
            index = int(match.group(1)) - 1
            ref = levels.get(index, _Level())
            value = counters.get(index, ref.start)
            return format_number(value, "decimal" if level.legal else ref.fmt)
        text = _PLACEHOLDER.sub(number, level.text or "")
    if not text:
        return ""
    # A tab/space after an ASCII marker keeps "1." apart from text like "2022年";
    # after "、" or "）" it adds nothing the parser needs.
    if level.suffix != "nothing" and text[-1].isascii():
        text += " "
    return text


# --- number formats ---------------------------------------------------------

_CN_DIGITS = "〇一二三四五六七八九"
_CN_LEGAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_HEAVENLY_STEMS = "甲乙丙丁戊己庚辛壬癸"
_EARTHLY_BRANCHES = "子丑寅卯辰巳午未申酉戌亥"
_CIRCLED = "".join(chr(c) for c in range(0x2460, 0x2474))  # ①..⑳
_PAREN_NUMBERS = "".join(chr(c) for c in range(0x2474, 0x2488))  # ⑴..⒇
_FULLSTOP_NUMBERS = "".join(chr(c) for c in range(0x2488, 0x249C))  # ⒈..⒛
_ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
          (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))


def format_number(value: int, fmt: str) -> str:
    """``value`` in a Word ``w:numFmt``.

    >>> [format_number(n, "chineseCounting") for n in (1, 10, 12, 20, 21)]
    ['一', '十', '十二', '二十', '二十一']
    >>> format_number(3, "decimalEnclosedCircle"), format_number(2, "ideographTraditional")
    ('③', '乙')

    A value over the ``list_number`` limit is refused (:class:`~core.limits.LimitError`):
    only corrupt files number that far, and "a" × (value / 26) would fill the memory.
    """
    limits.check("list_number", value)
    if fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting",
               "taiwaneseCounting", "taiwaneseCountingThousand", "koreanCounting"):
        return _chinese_number(value, _CN_DIGITS, "十百千")
    if fmt in ("chineseLegalSimplified", "japaneseLegal"):
        return _chinese_number(value, _CN_LEGAL_DIGITS, "拾佰仟", drop_leading_one=False)
    if fmt in ("ideographDigital", "japaneseDigitalTenThousand", "taiwaneseDigital"):
        return "".join(_CN_DIGITS[int(d)] for d in str(value))
    if fmt in ("ideographTraditional",):
        return _cycle(value, _HEAVENLY_STEMS)
    if fmt in ("ideographZodiac",):
        return _cycle(value, _EARTHLY_BRANCHES)
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese", "ideographEnclosedCircle"):
        return _from_table(value, _CIRCLED)
    if fmt == "decimalEnclosedParen":
        return _from_table(value, _PAREN_NUMBERS)
    if fmt == "decimalEnclosedFullstop":
        return _from_table(value, _FULLSTOP_NUMBERS)
    if fmt in ("decimalFullWidth", "decimalFullWidth2"):
        return str(value).translate({c: c + 0xFEE0 for c in range(0x30, 0x3A)})
    if fmt == "decimalZero":
        return f"{value:02d}"
    if fmt in ("lowerLetter", "upperLetter"):
        letters = _letters(value)
        return letters.upper() if fmt == "upperLetter" else letters
    if fmt in ("lowerRoman", "upperRoman"):
        roman = _roman(value)
        return roman.upper() if fmt == "upperRoman" else roman
    return str(value)  # decimal, decimalHalfWidth and anything unknown


def _chinese_number(value: int, digits: str, units: str, drop_leading_one: bool = True) -> str:
    if value <= 0 or value >= 10000:
        return str(value)
    parts: list[str] = []
    zero_pending = False
    for unit_index, power in ((2, 1000), (1, 100), (0, 10), (-1, 1)):
        digit = value // power % 10
        if digit == 0:
            zero_pending = bool(parts)
            continue
        if zero_pending:
            parts.append(digits[0])
            zero_pending = False
        unit = units[unit_index] if unit_index >= 0 else ""
        parts.append(digits[digit] + unit)
    text = "".join(parts)
    if drop_leading_one and 10 <= value < 20:
        text = text[1:]  # 十二, not 一十二
    return text


def _cycle(value: int, symbols: str) -> str:
    return symbols[(value - 1) % len(symbols)] if value > 0 else str(value)


def _from_table(value: int, table: str) -> str:
    return table[value - 1] if 1 <= value <= len(table) else str(value)


def _letters(value: int) -> str:
    if value <= 0:
        return str(value)
    # Word repeats the letter: a..z, aa..zz, aaa..
    return chr(ord("a") + (value - 1) % 26) * ((value - 1) // 26 + 1)


def _roman(value: int) -> str:
    if value <= 0:
        return str(value)
    out = []
    for amount, symbol in _ROMAN:
        count, value = divmod(value, amount)
        out.append(symbol * count)
    return "".join(out)


# ---------------------------------------------------------------------------
# .pdf


@dataclass
class TextLine:
    """One line of a page: its text and where it sits (points, or pixels for OCR)."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float


_STRONG_MARKER = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）]|\d{1,2}[、．.](?!\d)"
    r"|[（(]\d{1,2}[)）]|[①-⑳])")


def read_pdf(data: bytes) -> str:
    """The text of a PDF: its text layer, lines re-joined into paragraphs by geometry;
    pages without a text layer (scans) are read by OCR (:mod:`core.ocr`)."""
    return read_pdf_pages(data)[0]


def read_pdf_pages(data: bytes) -> tuple[str, int]:
    """:func:`read_pdf`, and how many pages were read by OCR."""
    import pdfplumber
    from pdfplumber.utils.exceptions import PdfminerException

    check_pdf_streams(data)
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except PdfminerException as exc:
        if _is_password_error(exc):
            raise _format_error("encrypted", "pdf") from exc
        raise _format_error("corrupt", "pdf") from exc
    with pdf:
        limits.check("pdf_pages", _declared_pages(pdf))
        limits.check("pdf_pages", len(pdf.pages))
        pages = [_page_lines(page) for page in pdf.pages]
        widths = [float(page.width) for page in pdf.pages]
    # Fonts without a Unicode map come out as "(cid:123)": as good as a scan.
    scanned = [i for i, lines in enumerate(pages)
               if not any(line.text.strip() for line in lines) or _mostly_unmapped_glyphs([lines])]
    if scanned:
        from .ocr import ocr_pdf_pages

        for index, (lines, width) in ocr_pdf_pages(data, scanned).items():
            pages[index], widths[index] = lines, width
    return _joined(pages, widths), len(scanned)


def read_image(data: bytes) -> str:
    """The text of a photographed or scanned page (.png/.jpg/.tif; every frame of a
    multi-page .tif), read by OCR and re-joined like a PDF page."""
    from .ocr import ocr_image

    pages = ocr_image(data)
    return _joined([lines for lines, _ in pages], [width for _, width in pages])


_DOUBLE_QUOTES = re.compile('[“”"]')


def _repair_quotes(text: str) -> str:
    """OCR often reads “ as ” and back: in a paragraph with paired double quotes they
    alternate, opening first, so their direction follows from their order.

    >>> _repair_quotes('做“两个确立“的拥护者和”两个维护”的践行者')
    '做“两个确立”的拥护者和“两个维护”的践行者'
    """
    def repair(paragraph: str) -> str:
        if len(_DOUBLE_QUOTES.findall(paragraph)) % 2:
            return paragraph
        count = iter(range(10 ** 9))
        return _DOUBLE_QUOTES.sub(lambda _: "“" if next(count) % 2 == 0 else "”", paragraph)
    return "\n".join(repair(p) for p in text.split("\n"))


def _joined(pages: list[list["TextLine"]], widths: list[float]) -> str:
    pitch = _line_pitch(pages)
    return "\n".join(paragraph
                     for lines, width in zip(pages, widths)
                     for paragraph in _join_paragraphs(lines, _layout(lines, width, pitch)))


def _declared_pages(pdf: Any) -> int:
    """The page count the PDF's page tree states (0 if it states none)."""
    from pdfminer.pdftypes import resolve1

    count = resolve1(resolve1(pdf.doc.catalog.get("Pages")) or {}).get("Count")
    return count if isinstance(count, int) else 0


_STREAM_START = re.compile(rb"(?<!end)stream\r?\n")
_SKIPPED_STREAM = re.compile(rb"/Subtype\s*/Image|/DCTDecode|/JPXDecode|/CCITTFaxDecode")
_DICT_LOOKBACK = 4096


def check_pdf_streams(data: bytes) -> None:
    """Inflate every Flate stream of a PDF (images excepted: text extraction never decodes
    them) counting, not keeping, the bytes, and stop at the first over ``pdf_stream_bytes``
    or past ``pdf_decoded_bytes`` in all: before pdfminer inflates any whole stream at once."""
    view = memoryview(data)
    budget = limits.value("pdf_decoded_bytes")
    total = 0
    for match in _STREAM_START.finditer(data):
        head = data.rfind(b"obj", max(0, match.start() - _DICT_LOOKBACK), match.start())
        if _SKIPPED_STREAM.search(data, max(head, 0), match.start()):
            continue
        end = data.find(b"endstream", match.end())
        size = _inflated_size(view[match.end():end if end >= 0 else len(data)],
                              min(limits.value("pdf_stream_bytes"), budget - total))
        limits.check("pdf_stream_bytes", size, at_least=True)
        total += size
        limits.check("pdf_decoded_bytes", total, at_least=True)


def _inflated_size(raw: memoryview, cap: int) -> int:
    """Bytes ``raw`` inflates to, counted up to just over ``cap``; 0 if it is not zlib data."""
    import zlib

    inflater = zlib.decompressobj()
    size = 0
    for at in range(0, len(raw), _CHUNK):
        pending = bytes(raw[at:at + _CHUNK])
        while pending and size <= cap and not inflater.eof:
            try:
                size += len(inflater.decompress(pending, _CHUNK))
            except zlib.error:
                return size  # not Flate (or damaged here): pdfminer decides what to do
            pending = inflater.unconsumed_tail
        if size > cap or inflater.eof:
            break
    return size


def _is_password_error(exc: BaseException) -> bool:
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    cause = exc.args[0] if exc.args else exc
    return isinstance(cause, (PDFPasswordIncorrect, PDFEncryptionError)) or \
        "password" in str(cause).lower()


def _mostly_unmapped_glyphs(pages: list[list[TextLine]]) -> bool:
    text = "".join(line.text for lines in pages for line in lines)
    unmapped = sum(len(m) for m in re.findall(r"\(cid:\d+\)", text))
    return unmapped > len(text) / 2


def _page_lines(page: Any) -> list[TextLine]:
    """Text lines of a page, top to bottom, with the spaces the page shows."""
    # dedupe: some producers draw each glyph twice to fake bold.
    page = page.dedupe_chars()
    spaces = [c for c in page.chars if not c["text"].strip()]
    lines = []
    for raw in page.extract_text_lines(strip=False, return_chars=True):
        glyphs = [c for c in raw["chars"] if c["text"].strip()]
        if not glyphs:
            continue
        x0, x1 = min(c["x0"] for c in glyphs), max(c["x1"] for c in glyphs)
        # pdfplumber leaves space glyphs out of a line's chars; put them back.
        middle = (raw["top"] + raw["bottom"]) / 2
        inner_spaces = [c for c in spaces
                        if c["top"] <= middle <= c["bottom"] and x0 <= c["x0"] < x1]
        lines.append(TextLine(text=_chars_to_text(glyphs + inner_spaces), x0=x0, x1=x1,
                           top=raw["top"], bottom=raw["bottom"],
                           size=statistics.median(c["size"] for c in glyphs)))
    return lines


def _chars_to_text(chars: list[dict[str, Any]]) -> str:
    """Join a line's characters left to right, with a space where the page shows one.

    Space glyphs are kept. A gap without a glyph counts as a space when it is
    wider than 0.2 em between Latin characters, or 0.6 em next to Chinese:
    Word's PDF export adds about 1/4 em between Chinese and Latin/digits
    ("2022 年") and loose tracking spreads Chinese characters, neither of
    which is a space in the wording (pdfplumber's fixed 3 pt rule adds them).
    """
    out: list[str] = []
    previous = None
    for char in sorted(chars, key=lambda c: c["x0"]):
        text = char["text"]
        if previous is not None and text.strip() and previous["text"].strip():
            both_latin = text[0].isascii() and previous["text"][-1].isascii()
            threshold = (0.2 if both_latin else 0.6) * max(char["size"], 1)
            if char["x0"] - previous["x1"] > threshold:
                out.append(" ")
        out.append(text)
        previous = char
    return "".join(out).rstrip()


@dataclass
class _Layout:
    left: float  # where body lines start
    right: float  # where full lines end
    pitch: float  # usual distance from one line's top to the next


def _line_pitch(pages: list[list[TextLine]]) -> float:
    """The usual top-to-top distance of consecutive lines in the document."""
    steps = [b.top - a.top for lines in pages for a, b in zip(lines, lines[1:]) if b.top > a.top]
    return statistics.median(steps) if steps else 1e9


def _layout(lines: list[TextLine], page_width: float, pitch: float) -> _Layout:
    """Text margins of a page, biased towards *not* joining lines.

    Right: the 90th percentile of line ends, but never left of where the
    left margin mirrored would put it, so a page of short lines has none
    that look full. Left: the leftmost start of a full line (first lines
    are indented, continuation lines are not; headers and page numbers are
    not full lines). A wrong join glues a heading to body text; a missed
    one only leaves a wrapped line, which the parser copes with.
    """
    if not lines:
        return _Layout(0.0, 0.0, pitch)
    ends = sorted(line.x1 for line in lines)
    em = statistics.median(line.size for line in lines)
    mirrored = page_width - min(line.x0 for line in lines) - em
    right = max(ends[int(0.9 * (len(ends) - 1))], mirrored)
    full = [line.x0 for line in lines if line.x1 >= right - 1.5 * em]
    return _Layout(left=min(full, default=0.0), right=right, pitch=pitch)


def _join_paragraphs(lines: list[TextLine], layout: _Layout) -> list[str]:
    """Re-join a page's wrapped lines.

    A line that reaches the right text margin runs on into the next line,
    unless the next line is indented, set apart by extra space, or starts
    with an outline marker. Short lines (headings, page numbers, running
    headers) always end their paragraph, so they stay lines of their own.
    """
    if not lines:
        return []
    paragraphs: list[list[str]] = [[lines[0].text]]  # pieces, joined once (linear)
    for before, after in zip(lines, lines[1:]):
        em = max(before.size, 1)
        runs_on = (before.x1 >= layout.right - 1.5 * em
                   and after.x0 <= layout.left + 0.8 * em
                   and 0 < after.top - before.top <= 1.5 * layout.pitch
                   and not _STRONG_MARKER.match(after.text))
        if runs_on:
            tail = after.text.lstrip()
            if _splits_word(paragraphs[-1][-1], tail):
                paragraphs[-1].append(" ")
            paragraphs[-1].append(tail)
        else:
            paragraphs.append([after.text])
    return ["".join(pieces) for pieces in paragraphs]


def _splits_word(head: str, tail: str) -> bool:
    """Whether a wrap between ``head`` and ``tail`` split Latin words (they need a space)."""
    return bool(head and tail and head[-1].isascii() and head[-1].isalnum()
                and tail[0].isascii() and tail[0].isalnum())


# Every pattern is linear in the line: a space run is entered only at its start
# ((?<![ \t])), and bold text stops at the next "*"/"_" (no rescanning a long line from
# each opening "**": an unclosed one among many was quadratic).
_MD_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+|(?<![ \t])[ \t]+#+[ \t]*$", re.MULTILINE)
_MD_QUOTE = re.compile(r"^[ \t]{0,3}>[ \t]?", re.MULTILINE)
_MD_BULLET = re.compile(r"^[ \t]{0,3}[-*+][ \t]+", re.MULTILINE)
_MD_RULE = re.compile(r"^[ \t]{0,3}(?:[-*_][ \t]*){3,}$", re.MULTILINE)
_MD_STRONG = re.compile(r"\*\*(?=[^\s*])([^*\n]+?)(?<=\S)\*\*|__(?=[^\s_])([^_\n]+?)(?<=\S)__")


def read_markdown(data: bytes) -> str:
    r"""A Markdown plan as plain text: headings, quotes, bullets, rules and bold markup removed,
    so "## 一、政治建设" and "**（一）筑牢根基。**" are seen as the numbered lines they are.

    >>> read_markdown("## 一、政治建设\n**（一）筑牢根基。** 正文".encode())
    '一、政治建设\n（一）筑牢根基。 正文'
    """
    text = decode_text(data)
    text = _MD_RULE.sub("", text)
    text = _MD_HEADING.sub("", text)
    text = _MD_QUOTE.sub("", text)
    text = _MD_BULLET.sub("", text)
    return _MD_STRONG.sub(lambda m: m.group(1) or m.group(2), text)


_READERS = {
    ".txt": decode_text,
    ".md": read_markdown,
    ".docx": read_docx,
    ".pdf": read_pdf,
}
