"""Builders of hostile input: files made to cost time or memory, or to trip a reader.

Each builder makes its file from scratch (no sample file), small on disk however
much it claims or inflates to, so the fuzzing suite can make fresh ones every run.
"""
from __future__ import annotations

import io
import struct
import zipfile
import zlib

from docx import Document
from docx.oxml.ns import qn

from tests.variants import define_list, number_paragraph

_MB = 1024 * 1024
PLAN = "一、政治建设\n1.加强理论学习。落实第一议题制度。\n2.严肃党内政治生活。\n二、组织建设\n1.推进支部标准化建设。\n"


def whitespace_run_txt(length: int, char: str = " ") -> bytes:
    """A plan whose first item holds ``length`` ``char`` between two letters."""
    return f"一、政治建设\n1.加强学习a{char * length}b。\n2.落实制度。\n".encode()


def numbered_docx(start: int, fmt: str) -> bytes:
    """A .docx whose list (``fmt``, e.g. "upperLetter") starts at ``start`` (w:start)."""
    document = Document()
    num_id = define_list(document, [(fmt, "%1.")])
    numbering = document.part.numbering_part.element
    start_el = numbering.findall(qn("w:abstractNum"))[-1].find(f"{qn('w:lvl')}/{qn('w:start')}")
    start_el.set(qn("w:val"), str(start))
    document.add_paragraph("政治建设")
    for text in ("加强理论学习。", "严肃党内政治生活。"):
        number_paragraph(document.add_paragraph(text), num_id, 0)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _deflate_repeating(prefix: bytes, megabytes: int) -> bytes:
    """Raw deflate of ``prefix`` and ``megabytes`` MB of spaces, built in O(output).

    After a full flush the compressor starts afresh, so every further MB of spaces
    compresses to the same block: it is made once and repeated.
    """
    chunk = b" " * _MB
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = packer.compress(prefix + chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    again = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    assert block == again
    return first + block * (megabytes - 1) + packer.flush(zlib.Z_FINISH)


def _zlib_repeating(prefix: bytes, megabytes: int) -> bytes:
    """:func:`_deflate_repeating` in the zlib format PDF's FlateDecode uses."""
    check = zlib.adler32(prefix)
    chunk = b" " * _MB
    for _ in range(megabytes + 1):
        check = zlib.adler32(chunk, check)
    return b"\x78\xda" + _deflate_repeating(prefix, megabytes + 1) + struct.pack(">I", check)


def pdf_inflating_to(megabytes: int) -> bytes:
    """A one-page PDF whose content stream inflates to about ``megabytes`` MB."""
    content = _zlib_repeating(b"BT /F1 12 Tf 72 720 Td (Plan) Tj ET\n", megabytes)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def lying_zip_docx(megabytes: int = 1024) -> bytes:
    """A .docx whose document.xml declares its true size and CRC but whose data goes on
    inflating (``megabytes`` MB of spaces after the XML): ``ZipFile.read`` inflates all
    of it before cutting it to the declared size."""
    from tests.variants import as_docx

    original = zipfile.ZipFile(io.BytesIO(as_docx(PLAN)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in original.infolist():
            data = original.read(info)
            if info.filename == "word/document.xml":
                payload, xml = _deflate_repeating(data, megabytes), data
                copy.writestr(zipfile.ZipInfo(info.filename), payload, compress_type=zipfile.ZIP_STORED)
            else:
                copy.writestr(info, data)
    raw = bytearray(out.getvalue())
    _patch_member(raw, b"word/document.xml", zlib.crc32(xml), len(xml))
    return bytes(raw)


def _patch_member(raw: bytearray, name: bytes, crc: int, size: int) -> None:
    """Mark a stored member deflated with the given CRC and size, in both headers."""
    local = raw.index(b"PK\x03\x04")
    while True:
        name_len = struct.unpack_from("<H", raw, local + 26)[0]
        if raw[local + 30:local + 30 + name_len] == name:
            break
        local = raw.index(b"PK\x03\x04", local + 4)
    struct.pack_into("<H", raw, local + 8, zipfile.ZIP_DEFLATED)
    struct.pack_into("<I", raw, local + 14, crc)
    struct.pack_into("<I", raw, local + 22, size)
    central = raw.index(b"PK\x01\x02")
    while True:
        name_len = struct.unpack_from("<H", raw, central + 28)[0]
        if raw[central + 46:central + 46 + name_len] == name:
            break
        central = raw.index(b"PK\x01\x02", central + 4)
    struct.pack_into("<H", raw, central + 10, zipfile.ZIP_DEFLATED)
    struct.pack_into("<I", raw, central + 16, crc)
    struct.pack_into("<I", raw, central + 24, size)


def backtracking_taxonomy(base: str) -> str:
    """``base`` taxonomy text plus a theme whose regex backtracks exponentially."""
    return base + '''
[[theme]]
id = "hostile_regex"
name = "回溯正则"
dimension = "political"
regex = ['(a+)+$']
'''


BACKTRACKING_ITEM = "a" * 5000 + "!"


def bomless_utf16(text: str = PLAN, byte_order: str = "le") -> bytes:
    """``text`` as UTF-16 without a BOM (Chinese only: no NUL bytes to tell it by)."""
    return text.encode(f"utf-16-{byte_order}")
