"""Text of scanned pages and photos through Tesseract OCR (Simplified Chinese).

Tesseract's TSV output gives each word's box and its block/paragraph/line, so each
OCR line becomes a :class:`core.reading.TextLine` with its geometry, and the PDF
reader's paragraph re-joining (hard wraps, indents, markers) applies unchanged.
OCR confusions are fixed only in outline markers at the start of a line, where the
numbering grammar leaves one reading (``（—）`` → ``（一）``, ``一 、`` → ``一、``).

Tesseract is optional: without it the refusal says what to install.
"""
from __future__ import annotations

import csv
import io
import re
import shutil
import statistics
import subprocess
from collections.abc import Iterable

from .reading import ReadError, TextLine

OCR_DPI = 300  # PDF pages are rendered at this resolution for Tesseract
MAX_OCR_PAGES = 100  # a longer scan is refused (a plan is a few pages; OCR is ~2–5 s a page)
OCR_TIMEOUT_SECONDS = 120  # per page
MAX_IMAGE_PIXELS = 60_000_000  # about an A3 page at 600 dpi; larger is refused, not decoded
LANGUAGE = "chi_sim"
_PSM = "3"  # automatic page segmentation, no OSD

_INSTALL_HINT = "sudo apt-get install tesseract-ocr tesseract-ocr-chi-sim"
MESSAGES = {
    "no_ocr": ("这是扫描件或图片，需要文字识别（OCR）：请让管理员安装 Tesseract（" + _INSTALL_HINT
               + "），或提供 Word 原文件"),
    "too_many_pages": ("扫描件有 {pages} 页需要文字识别，超过 {limit} 页的上限，"
                       "请只上传计划正文的页面，或提供 Word 原文件"),
    "no_text": "没有从扫描件或图片中识别出文字，请确认图片清晰、方向正确，或提供 Word 原文件",
    "ocr_failed": "文字识别失败，请重新扫描（建议 300 dpi、黑白或灰度）或提供 Word 原文件",
    "corrupt_image": "图片已损坏或无法读取，请重新扫描或拍照后上传",
    "image_too_large": "图片太大（{pixels} 万像素），请缩小到 6000 万像素以内或提供 Word 原文件",
}


class OcrError(ReadError):
    """A scan or photo that cannot be read (codes as in :data:`MESSAGES`)."""


def _error(code: str, **details: object) -> OcrError:
    return OcrError(code, MESSAGES[code].format(**details))


def tesseract_path() -> str | None:
    """The Tesseract command, if installed."""
    return shutil.which("tesseract")


def _check_tesseract() -> str:
    command = tesseract_path()
    if command is None:
        raise _error("no_ocr")
    langs = subprocess.run([command, "--list-langs"], capture_output=True, text=True,
                           timeout=30, check=False).stdout.split()
    if LANGUAGE not in langs:
        raise _error("no_ocr")
    return command


def ocr_pdf_pages(data: bytes, pages: list[int]) -> dict[int, tuple[list[TextLine], float]]:
    """OCR lines (in PDF points) and page width of the given pages of a PDF."""
    if len(pages) > MAX_OCR_PAGES:
        raise _error("too_many_pages", pages=len(pages), limit=MAX_OCR_PAGES)
    command = _check_tesseract()
    import pypdfium2

    pdf = pypdfium2.PdfDocument(data)
    out = {}
    found_text = False
    try:
        for index in pages:
            page = pdf[index]
            width = page.get_width()
            image = page.render(scale=OCR_DPI / 72, grayscale=True).to_pil()
            lines = _ocr(command, image, 72 / OCR_DPI)
            found_text = found_text or bool(lines)
            out[index] = (lines, float(width))
    finally:
        pdf.close()
    if not found_text:
        raise _error("no_text")
    return out


def ocr_image(data: bytes) -> list[tuple[list[TextLine], float]]:
    """OCR lines (in pixels) and width of each frame of an image file."""
    command = _check_tesseract()
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        pixels = image.width * image.height
        if pixels > MAX_IMAGE_PIXELS:
            raise _error("image_too_large", pixels=pixels // 10_000)
        frames = getattr(image, "n_frames", 1)
        if frames > MAX_OCR_PAGES:
            raise _error("too_many_pages", pages=frames, limit=MAX_OCR_PAGES)
        pages = []
        for frame in range(frames):
            image.seek(frame)
            page = ImageOps.exif_transpose(image).convert("L")  # phone photos carry their rotation
            pages.append((_ocr(command, page, 1.0), float(page.width)))
    except (UnidentifiedImageError, OSError, EOFError, Image.DecompressionBombError) as exc:
        raise _error("corrupt_image") from exc
    if not any(lines for lines, _ in pages):
        raise _error("no_text")
    return pages


def _ocr(command: str, image, scale: float) -> list[TextLine]:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    try:
        run = subprocess.run([command, "stdin", "stdout", "-l", LANGUAGE, "--psm", _PSM, "tsv"],
                             input=buffer.getvalue(), capture_output=True, check=False,
                             timeout=OCR_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired as exc:
        raise _error("ocr_failed") from exc
    if run.returncode != 0:
        raise _error("ocr_failed")
    return tsv_lines(run.stdout.decode("utf-8", errors="replace"), scale)


def tsv_lines(tsv: str, scale: float = 1.0) -> list[TextLine]:
    """Tesseract TSV → lines in reading order (Tesseract's block/paragraph/line order),
    with marker confusions fixed.

    >>> row = "5\\t1\\t1\\t1\\t1\\t{n}\\t{x}\\t10\\t20\\t30\\t95\\t{t}"
    >>> tsv = "\\n".join(["level\\tpage_num\\tblock_num\\tpar_num\\tline_num\\tword_num\\tleft\\ttop"
    ...     "\\twidth\\theight\\tconf\\ttext", row.format(n=1, x=10, t="（—）"), row.format(n=2, x=40, t="加强")])
    >>> [line.text for line in tsv_lines(tsv)]
    ['（一）加强']
    """
    rows = csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    words: dict[tuple[int, int, int], list[dict]] = {}
    for row in rows:
        text = (row.get("text") or "").strip()
        if row.get("level") != "5" or not text or float(row.get("conf") or -1) < 0:
            continue
        key = (int(row["block_num"]), int(row["par_num"]), int(row["line_num"]))
        words.setdefault(key, []).append({
            "text": text, "x0": int(row["left"]), "x1": int(row["left"]) + int(row["width"]),
            "top": int(row["top"]), "bottom": int(row["top"]) + int(row["height"])})
    lines = []
    for key in sorted(words):
        line_words = sorted(words[key], key=lambda w: w["x0"])
        text = fix_markers(_join_words(line_words))
        if not text:
            continue
        heights = [w["bottom"] - w["top"] for w in line_words]
        lines.append(TextLine(
            text=text, x0=line_words[0]["x0"] * scale, x1=max(w["x1"] for w in line_words) * scale,
            top=min(w["top"] for w in line_words) * scale,
            bottom=max(w["bottom"] for w in line_words) * scale,
            size=statistics.median(heights) * scale))
    lines.sort(key=lambda line: line.top)
    return lines


def _join_words(words: Iterable[dict]) -> str:
    """Tesseract splits Chinese into one "word" per character or two; a space is kept
    only between Latin letters or digits, where it is a real word break."""
    out = ""
    for word in words:
        text = word["text"]
        if out and out[-1].isascii() and out[-1].isalnum() and text[0].isascii() and text[0].isalnum():
            out += " "
        out += text
    return out


_DASHES = "—–－一"  # "-" is added in each class (escaped)
_CN_NUMERAL = "一二三四五六七八九十"
_PAREN_DASH = re.compile(rf"^([（(])\s*[{_DASHES}\-]\s*([)）])")
_PAREN_NUMERAL = re.compile(rf"^([（(])\s*([{_CN_NUMERAL}]+)\s*([)）])")
_NUMERAL_COMMA = re.compile(rf"^([{_CN_NUMERAL}]+)\s+、")
_DASH_COMMA = re.compile(rf"^[{_DASHES[:-1]}\-]\s*、")
_DIGIT_MARK = re.compile(r"^(\d{1,2})\s+([.．、])")


def fix_markers(line: str) -> str:
    """Fix OCR confusions in a line's leading outline marker only.

    A dash in parentheses or before "、" can only be 一 there; spaces inside a marker
    are never part of it.

    >>> [fix_markers(s) for s in ("（—）严肃组织生活", "一 、总体要求", "—、总体要求", "1 . 学习", "（ 二 ）落实")]
    ['（一）严肃组织生活', '一、总体要求', '一、总体要求', '1. 学习', '（二）落实']
    >>> fix_markers("——坚持党的领导")
    '——坚持党的领导'
    """
    line = line.strip()
    line = _PAREN_DASH.sub(r"\1一\2", line)
    line = _PAREN_NUMERAL.sub(r"\1\2\3", line)
    line = _NUMERAL_COMMA.sub(r"\1、", line)
    line = _DASH_COMMA.sub("一、", line)
    return _DIGIT_MARK.sub(r"\1\2", line)
