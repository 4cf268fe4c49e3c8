"""Build other forms of a plan's text, so tests can check each reads back the same.

Text in, text or file bytes out:

>>> half_width_markers("（一）学习\\n1、落实\\n2．检查")
'(一)学习\\n1.落实\\n2.检查'
>>> hard_wrapped("一二三四五", width=2)
'一二\\n三四\\n五'
"""
from __future__ import annotations

import io
import re

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

# --- plain-text variants -----------------------------------------------------


def as_gb18030(text: str) -> bytes:
    return text.encode("gb18030")


def as_utf16(text: str) -> bytes:
    """UTF-16 LE with BOM, as Windows Notepad's "Unicode" saves."""
    return text.encode("utf-16")


def as_bom_crlf(text: str) -> bytes:
    return ("\ufeff" + text.replace("\n", "\r\n")).encode("utf-8")


def half_width_markers(text: str) -> str:
    """（一）→ (一); "1、" and "1．" → "1." at line starts."""
    text = re.sub(r"(?m)^(\s*)（([一二三四五六七八九十]+)）", r"\1(\2)", text)
    return re.sub(r"(?m)^(\s*)(\d+)[、．]", r"\1\2.", text)


def with_title_and_blank_lines(text: str, title: str) -> str:
    """A title line, then paragraphs separated by blank lines."""
    return title + "\n\n" + "\n\n".join(text.split("\n"))


def hard_wrapped(text: str, width: int = 36) -> str:
    """Every line cut into chunks of ``width`` characters, like text copied from a PDF."""
    return "\n".join(
        chunk
        for line in text.split("\n")
        for chunk in ([line[i:i + width] for i in range(0, len(line), width)] or [""]))


def with_page_debris(text: str, every: int = 12, header: str = "某某机关党委文件") -> str:
    """Page-number lines ("- 3 -" / "第 3 页") and a running header every ``every`` lines.

    Counts lines, not paragraphs, so debris also lands inside a hard-wrapped paragraph.
    """
    out: list[str] = []
    page = 1
    for index, line in enumerate(text.split("\n"), start=1):
        out.append(line)
        if index % every == 0:
            out.append(f"- {page} -" if page % 2 else f"第 {page} 页")
            out.append(header)
            page += 1
    return "\n".join(out)


# --- Word ----------------------------------------------------------------------


def _docx_bytes(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def as_docx(text: str) -> bytes:
    """One Word paragraph per line."""
    document = Document()
    for line in text.split("\n"):
        document.add_paragraph(line)
    return _docx_bytes(document)


# (pattern of the source marker, Word level, numFmt, lvlText)
_OUTLINE = (
    (re.compile(r"^\s*([一二三四五六七八九十]+)、\s*"), 0, "chineseCounting", "%1、"),
    (re.compile(r"^\s*（([一二三四五六七八九十]+)）\s*"), 1, "chineseCounting", "（%2）"),
    (re.compile(r"^\s*(\d+)\.\s*"), 2, "decimal", "%3."),
    (re.compile(r"^\s*(\d+)、\s*"), 3, "decimal", "%4、"),
)
_CN_VALUES = {ch: i for i, ch in enumerate("一二三四五六七八九", start=1)}


def _chinese_value(numeral: str) -> int:
    """一..九十九 → int (enough for outline numbers)."""
    if "十" not in numeral:
        return _CN_VALUES[numeral]
    tens, _, units = numeral.partition("十")
    return _CN_VALUES.get(tens, 1) * 10 + _CN_VALUES.get(units, 0)


def _el(tag: str, **attrs: str):
    element = OxmlElement(tag)
    for name, value in attrs.items():
        element.set(qn(f"w:{name}"), value)
    return element


def _level(ilvl: int, fmt: str, text: str, start: int = 1):
    lvl = _el("w:lvl", ilvl=str(ilvl))
    for tag, value in (("w:start", str(start)), ("w:numFmt", fmt),
                       ("w:suff", "nothing"), ("w:lvlText", text)):
        lvl.append(_el(tag, val=value))
    return lvl


def define_list(document, levels: list[tuple[str, str]]) -> int:
    """Add an abstract list (one (numFmt, lvlText) per level) and a num using it.

    Returns the new numId; use :func:`restart_list` to start the same list again.
    """
    numbering = document.part.numbering_part.element
    abstract_id = _next_id(numbering, "w:abstractNum", "w:abstractNumId", first=0)
    abstract = _el("w:abstractNum", abstractNumId=str(abstract_id))
    for ilvl, (fmt, text) in enumerate(levels):
        abstract.append(_level(ilvl, fmt, text))
    # abstractNum elements must come before num elements in numbering.xml.
    first_num = numbering.find(qn("w:num"))
    if first_num is None:
        numbering.append(abstract)
    else:
        first_num.addprevious(abstract)
    return _add_num(numbering, abstract_id)


def restart_list(document, num_id: int, ilvl: int, start: int) -> int:
    """A new num for the same abstract list that restarts ``ilvl`` at ``start``."""
    numbering = document.part.numbering_part.element
    abstract_id = _abstract_of(numbering, num_id)
    new_id = _add_num(numbering, abstract_id)
    override = _el("w:lvlOverride", ilvl=str(ilvl))
    override.append(_el("w:startOverride", val=str(start)))
    numbering.findall(qn("w:num"))[-1].append(override)
    return new_id


def _add_num(numbering, abstract_id: int) -> int:
    num_id = _next_id(numbering, "w:num", "w:numId", first=1)
    num = _el("w:num", numId=str(num_id))
    num.append(_el("w:abstractNumId", val=str(abstract_id)))
    numbering.append(num)
    return num_id


def _next_id(numbering, tag: str, id_attr: str, first: int) -> int:
    used = [int(el.get(qn(id_attr))) for el in numbering.findall(qn(tag))]
    return max(used, default=first - 1) + 1


def _abstract_of(numbering, num_id: int) -> int:
    for num in numbering.findall(qn("w:num")):
        if num.get(qn("w:numId")) == str(num_id):
            return int(num.find(qn("w:abstractNumId")).get(qn("w:val")))
    raise KeyError(num_id)


def number_paragraph(paragraph, num_id: int, ilvl: int) -> None:
    """Give ``paragraph`` Word numbering (w:numPr) at level ``ilvl`` of ``num_id``."""
    numpr = _el("w:numPr")
    numpr.append(_el("w:ilvl", val=str(ilvl)))
    numpr.append(_el("w:numId", val=str(num_id)))
    paragraph._p.get_or_add_pPr().append(numpr)


def as_docx_autonumbered(text: str) -> bytes:
    """Like :func:`as_docx`, but outline markers become real Word numbering.

    Sections (一、) are one list; items (（一）, 1., 1、) another, so item numbers
    run on across sections unless the source restarts them, in which case the
    item list is restarted at the source's number, as Word does for "重新开始编号".
    """
    document = Document()
    levels = [(fmt, text) for _, _, fmt, text in _OUTLINE]
    section_list = define_list(document, levels)
    item_list = define_list(document, levels)
    expected: dict[int, int] = {}  # next number Word would give each item level
    for line in text.split("\n"):
        outline = next(((m, lvl) for pattern, lvl, _, _ in _OUTLINE
                        if (m := pattern.match(line))), None)
        if outline is None:
            document.add_paragraph(line)
            continue
        match, ilvl = outline
        number = int(match.group(1)) if match.group(1).isdigit() else _chinese_value(match.group(1))
        paragraph = document.add_paragraph(line[match.end():])
        if ilvl == 0:
            number_paragraph(paragraph, section_list, 0)
            continue
        if expected.get(ilvl, 1) != number:
            item_list = restart_list(document, item_list, ilvl, number)
        number_paragraph(paragraph, item_list, ilvl)
        expected = {lvl: n for lvl, n in expected.items() if lvl < ilvl}  # Word restarts deeper levels
        expected[ilvl] = number + 1
    return _docx_bytes(document)


# --- PDF -----------------------------------------------------------------------

_FONT = "STSong-Light"


def as_pdf(text: str, font_size: float = 12) -> bytes:
    """An A4 PDF: lines wrapped to the text width, 2-character first-line indent,
    a little space between paragraphs, "- n -" page numbers in the footer."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont(_FONT))
    width, height = A4
    margin = 72
    leading = font_size * 1.5
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    page = 1
    y = height - margin

    def new_page() -> None:
        nonlocal page, y
        pdf.setFont(_FONT, 10)
        pdf.drawCentredString(width / 2, margin / 2, f"- {page} -")
        pdf.showPage()
        page += 1
        y = height - margin

    for paragraph in text.split("\n"):
        indent = 2 * font_size
        for line in _wrap(paragraph.strip(), width - 2 * margin - indent,
                          width - 2 * margin, font_size) if paragraph.strip() else []:
            if y < margin:
                new_page()
            pdf.setFont(_FONT, font_size)
            pdf.drawString(margin + indent, y, line)
            indent = 0
            y -= leading
        y -= font_size * 0.5
    new_page()
    pdf.save()
    return buffer.getvalue()


def _wrap(paragraph: str, first_width: float, width: float, font_size: float) -> list[str]:
    """Greedy character wrap by measured width (Chinese breaks between any characters)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines, current, limit = [], "", first_width
    for char in paragraph:
        if current and stringWidth(current + char, _FONT, font_size) > limit:
            lines.append(current)
            current, limit = "", width
        current += char
    return lines + [current] if current else lines


def scanned_pdf() -> bytes:
    """A PDF page with only a drawn rectangle: no text layer, like a scan."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.rect(72, 72, 300, 400, fill=1)
    page.showPage()
    page.save()
    return buffer.getvalue()
