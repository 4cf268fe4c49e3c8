"""core.reading: every supported form of a plan reads back to the same wording,
and every bad file gets a ReadError with a one-line Chinese message."""
from __future__ import annotations

import io
import os
import re
import zipfile
from functools import lru_cache

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import variants
from conftest import SAMPLE_FILES, sample_text
from core import reading
from core import limits
from core.reading import DEFAULT_MAX_BYTES, SUPPORTED_SUFFIXES, ReadError, read_bytes, read_file


def squash(text: str) -> str:
    """The wording with all whitespace removed, for comparing across formats."""
    return re.sub(r"\s+", "", text)


@lru_cache(maxsize=None)
def sample_pdf_lines(name: str) -> tuple[str, ...]:
    """The lines read back from a sample plan made into a PDF (cached: PDFs are slow)."""
    return tuple(read_bytes(variants.as_pdf(sample_text(name)), "plan.pdf").split("\n"))


def read_error(data: bytes, filename: str, **kwargs) -> ReadError:
    with pytest.raises(ReadError) as caught:
        read_bytes(data, filename, **kwargs)
    return caught.value


def assert_chinese_one_line(err: ReadError) -> None:
    assert str(err) == err.message
    assert "\n" not in err.message and "Traceback" not in err.message
    assert re.search(r"[\u4e00-\u9fff]", err.message)
    assert re.search(r"请|拒绝", err.message), "message must say what to do"


def test_sample_plans_are_present():
    assert len(SAMPLE_FILES) == 5


# --- text encodings -----------------------------------------------------------------

ENCODINGS = {
    "utf8": lambda text: text.encode("utf-8"),
    "gb18030": variants.as_gb18030,
    "utf16_bom": variants.as_utf16,
    "utf16_be_bom": lambda text: b"\xfe\xff" + text.encode("utf-16-be"),
    "utf8_bom_crlf": variants.as_bom_crlf,
    # GBK itself can't encode the U+00A0 in 003, so it only gets the short tests.
}


@pytest.mark.parametrize("encode", ENCODINGS.values(), ids=ENCODINGS.keys())
@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_text_encodings_round_trip(name, encode):
    text = sample_text(name)
    assert squash(read_bytes(encode(text), name)) == squash(text)


@pytest.mark.parametrize("encode", ENCODINGS.values(), ids=ENCODINGS.keys())
def test_text_keeps_lines_and_interior_spaces(encode):
    text = "一、总体要求 \n1. 中国特 色社会主义\n\n（1）xx: 加强"
    assert read_bytes(encode(text), "plan.txt") == text


@pytest.mark.parametrize("raw, expected", [
    (b"a\r\nb\rc\nd", "a\nb\nc\nd"),
    ("\ufeff一、要求".encode(), "一、要求"),
    ("一\u2028二".encode(), "一\n二"),
])
def test_line_endings_and_bom_normalized(raw, expected):
    assert read_bytes(raw, "plan.md") == expected


@pytest.mark.parametrize("text", ["党建工作要点", "一、总体要求\n1、加强学习（2022年）"])
def test_gbk_text_is_not_mistaken_for_utf8(text):
    # Short GBK text can look like valid UTF-8 only by accident; this one must not.
    assert read_bytes(text.encode("gbk"), "plan.txt") == text


def test_utf8_cut_mid_character_stays_utf8():
    text = sample_text(SAMPLE_FILES[0]).rstrip() + "党"
    read = read_bytes(text.encode("utf-8")[:-1], "plan.txt")
    assert read.startswith(text[:200]) and read.endswith("\ufffd")


def test_bomless_utf16_is_detected():
    text = "1. Party building 2022\n2. 加强学习"
    assert read_bytes(text.encode("utf-16-le"), "plan.txt") == text


# --- docx ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_docx_plain_round_trips_line_by_line(name):
    text = sample_text(name)
    assert read_bytes(variants.as_docx(text), "plan.docx") == text


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_docx_autonumbered_brings_markers_back_as_text(name):
    text = sample_text(name)
    numbered = variants.as_docx_autonumbered(text)
    assert squash(read_bytes(numbered, "plan.docx")) == squash(text)


def test_docx_autonumbered_really_removes_markers_from_text():
    numbered = variants.as_docx_autonumbered(sample_text(SAMPLE_FILES[0]))
    document_xml = zipfile.ZipFile(io.BytesIO(numbered)).read("word/document.xml").decode()
    assert "（一）" not in document_xml and "<w:numPr>" in document_xml


def _markers(text: str, pattern: str) -> list[str]:
    return re.findall(pattern, text, flags=re.M)


def test_docx_autonumbered_restarting_items_000():
    text = read_bytes(variants.as_docx_autonumbered(sample_text(SAMPLE_FILES[0])), "a.docx")
    item_lines = [line for line in text.split("\n") if line.startswith("（")]
    assert item_lines[0].startswith("（一）筑牢")
    # Items restart in each section: every section begins again at （一）.
    sections = re.split(r"(?m)^[一二三四五六七八九十]+、", text)[1:]
    assert len(sections) >= 6
    for body in sections:
        numbers = _markers(body, r"^（([一二三四五六七八九十]+)）")
        assert numbers[:3] == ["一", "二", "三"][:len(numbers[:3])]


def test_docx_autonumbered_running_items_001():
    text = read_bytes(variants.as_docx_autonumbered(sample_text(SAMPLE_FILES[1])), "a.docx")
    numbers = [int(n) for n in _markers(text, r"^(\d+)[、.．]")]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 15
    assert _markers(text, r"^[一二三四五六]、") == ["一、", "二、", "三、", "四、", "五、", "六、"]


def _numbered_docx(levels, paragraphs, restart=None) -> bytes:
    """A docx from (text, ilvl) pairs on one list; ``restart`` = {index: (ilvl, start)}."""
    document = variants.Document()
    num_id = variants.define_list(document, levels)
    for index, (text, ilvl) in enumerate(paragraphs):
        if restart and index in restart:
            num_id = variants.restart_list(document, num_id, *restart[index])
        paragraph = document.add_paragraph(text)
        if ilvl is not None:
            variants.number_paragraph(paragraph, num_id, ilvl)
    return variants._docx_bytes(document)


@pytest.mark.parametrize("fmt, text, expected", [
    ("chineseCounting", "%1、", ["一、", "二、", "三、"]),
    ("chineseCountingThousand", "（%1）", ["（一）", "（二）", "（三）"]),
    ("ideographTraditional", "%1.", ["甲.", "乙.", "丙."]),
    ("decimalEnclosedCircle", "%1", ["①", "②", "③"]),
    ("decimalFullWidth", "%1．", ["１．", "２．", "３．"]),
    ("lowerLetter", "%1)", ["a)", "b)", "c)"]),
    ("upperRoman", "%1.", ["I.", "II.", "III."]),
])
def test_docx_number_formats(fmt, text, expected):
    data = _numbered_docx([(fmt, text)], [("甲", 0), ("乙", 0), ("丙", 0)])
    lines = read_bytes(data, "a.docx").split("\n")
    assert [line[:len(marker)] for line, marker in zip(lines, expected)] == expected


def test_docx_lower_level_restarts_when_higher_level_advances():
    levels = [("chineseCounting", "%1、"), ("decimal", "%2.")]
    paragraphs = [("甲", 0), ("a", 1), ("b", 1), ("乙", 0), ("c", 1)]
    lines = read_bytes(_numbered_docx(levels, paragraphs), "a.docx").split("\n")
    assert [squash(line) for line in lines] == ["一、甲", "1.a", "2.b", "二、乙", "1.c"]


def test_docx_start_override_restarts_list():
    paragraphs = [("a", 0), ("b", 0), ("c", 0), ("d", 0)]
    data = _numbered_docx([("decimal", "%1、")], paragraphs, restart={2: (0, 5)})
    assert read_bytes(data, "a.docx").split("\n") == ["1、a", "2、b", "5、c", "6、d"]


def test_docx_numbering_inherited_from_style():
    document = variants.Document()
    num_id = variants.define_list(document, [("chineseCounting", "（%1）")])
    style = document.styles.add_style("条目", 1)  # 1 = paragraph style
    numpr = variants._el("w:numPr")
    numpr.append(variants._el("w:numId", val=str(num_id)))
    style.element.get_or_add_pPr().append(numpr)
    for text in ("加强学习", "严肃纪律", "不编号"):
        paragraph = document.add_paragraph(text, style="条目")
    variants.number_paragraph(paragraph, 0, 0)  # numId 0 switches the style's numbering off
    lines = read_bytes(variants._docx_bytes(document), "a.docx").split("\n")
    assert lines == ["（一）加强学习", "（二）严肃纪律", "不编号"]


def test_docx_skips_hidden_and_deleted_text():
    document = variants.Document()
    paragraph = document.add_paragraph("加强")
    paragraph.add_run("隐藏").font.hidden = True
    paragraph.add_run("学习")
    deleted = variants._el("w:del")
    deleted.append(variants._el("w:r"))
    deleted[0].append(variants._el("w:delText"))
    deleted[0][0].text = "删除"
    paragraph._p.append(deleted)
    assert read_bytes(variants._docx_bytes(document), "a.docx") == "加强学习"


def test_docx_tables_in_document_order():
    document = variants.Document()
    document.add_paragraph("一、总体要求")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "任务", "责任部门"
    table.cell(1, 0).text, table.cell(1, 1).text = "1.加强学习", "机关党委"
    document.add_paragraph("二、保障措施")
    lines = read_bytes(variants._docx_bytes(document), "a.docx").split("\n")
    assert lines[0] == "一、总体要求" and lines[-1] == "二、保障措施"
    assert [re.split(r"[\t　]", line) for line in lines[1:3]] == [
        ["任务", "责任部门"], ["1.加强学习", "机关党委"]]


def test_docx_single_cell_layout_table_keeps_paragraphs():
    document = variants.Document()
    cell = document.add_table(rows=1, cols=1).cell(0, 0)
    cell.text = "一、总体要求"
    cell.add_paragraph("（一）加强学习")
    assert read_bytes(variants._docx_bytes(document), "a.docx") == "一、总体要求\n（一）加强学习"


# --- pdf -----------------------------------------------------------------------------

DEBRIS_LINE = re.compile(r"^\s*(-\s*\d+\s*-|第\s*\d+\s*页)\s*$")


def pdf_visible(text: str) -> str:
    """``text`` less what the built-in STSong-Light font cannot carry.

    reportlab writes U+00B7 "·" but the UniGB-UCS2-H CMap has no CID for it,
    so no PDF reader gets it back; it is a limit of the test PDFs, not of reading.
    """
    return text.replace("·", "")


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_pdf_round_trips_wording(name):
    text = sample_text(name)
    without_page_numbers = "\n".join(l for l in sample_pdf_lines(name) if not DEBRIS_LINE.match(l))
    assert squash(without_page_numbers) == squash(pdf_visible(text))


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_pdf_rejoins_wrapped_lines_into_paragraphs(name):
    paragraphs = [p.strip() for p in sample_text(name).split("\n") if p.strip()]
    lines = [l for l in sample_pdf_lines(name) if not DEBRIS_LINE.match(l)]
    starts = {squash(line)[:10] for line in lines}
    assert [p for p in paragraphs if squash(pdf_visible(p))[:10] not in starts] == []
    # Only paragraphs split by a page break may add a line.
    pages = sum(1 for l in sample_pdf_lines(name) if DEBRIS_LINE.match(l))
    assert len(paragraphs) <= len(lines) <= len(paragraphs) + pages


def test_pdf_keeps_page_numbers_as_own_lines():
    lines = sample_pdf_lines(SAMPLE_FILES[0])
    assert "- 1 -" in lines and "- 2 -" in lines


def test_pdf_keeps_spaces_and_does_not_invent_them():
    text = read_bytes(variants.as_pdf("一、测试 abc 中国特 色\n2022年要点"), "plan.pdf")
    assert text.split("\n")[:2] == ["一、测试 abc 中国特 色", "2022年要点"]


# --- errors --------------------------------------------------------------------------


def _encrypted_docx_header() -> bytes:
    """The start of an Office-encrypted file: an OLE compound file whose directory
    lists the EncryptionInfo and EncryptedPackage streams (names in UTF-16LE)."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 + b"\x3e\x00\x03\x00\xfe\xff\x09\x00" + b"\0" * (512 - 32)
    directory = b"".join(name.encode("utf-16-le").ljust(64, b"\0") + b"\0" * 64
                         for name in ("Root Entry", "EncryptionInfo", "EncryptedPackage"))
    return header + directory


def _zip_bomb(member_bytes: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(member_bytes // len(chunk)):
                member.write(chunk)
    return buffer.getvalue()


def _encrypted_pdf() -> bytes:
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, encrypt=pdfencrypt.StandardEncryption("secret", canPrint=0))
    pdf.drawString(100, 700, "party building plan")
    pdf.save()
    return buffer.getvalue()


def _docx_without_document_part() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a word file")
    return buffer.getvalue()


ERROR_CASES = {
    "corrupt_doc": (b"\xd0\xcf\x11\xe0whatever", "plan.doc", "corrupt", ".docx"),
    "corrupt_wps": (b"x", "plan.WPS", "corrupt", ".docx"),
    "unsupported_xlsx": (b"x", "plan.xlsx", "unsupported", ".docx"),
    "no_suffix": (b"x", "plan", "unsupported", ".pdf"),
    "empty": (b"", "plan.txt", "empty", "空"),
    "blank_txt": (" \r\n\t\u3000\n".encode(), "plan.txt", "blank", "没有文字"),
    "blank_docx": (variants.as_docx("  \n\n"), "plan.docx", "blank", "没有文字"),
    "random_bytes_txt": (bytes(range(256)) * 8, "plan.txt", "binary", "文本"),
    "control_chars_txt": (b"\x01\x02\x03\x04\x05abc" * 50, "plan.txt", "binary", "文本"),
    "zip_as_txt": (variants.as_docx("一、要求"), "plan.txt", "binary", "文本"),
    "docx_not_zip": (b"PK\x03\x04 truncated", "plan.docx", "corrupt", "重新保存"),
    "docx_random": (os.urandom(2048), "plan.docx", "corrupt", "重新保存"),
    "docx_wrong_zip": (_docx_without_document_part(), "plan.docx", "corrupt", "Word"),
    "docx_truncated": (variants.as_docx("一、要求")[:-200], "plan.docx", "corrupt", "Word"),
    "docx_encrypted": (_encrypted_docx_header(), "plan.docx", "encrypted", "取消密码"),
    "docx_renamed_doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "a.docx", "corrupt", ".docx"),
    "pdf_corrupt": (b"%PDF-1.4\n garbage", "plan.pdf", "corrupt", "PDF"),
    "pdf_encrypted": (_encrypted_pdf(), "plan.pdf", "encrypted", "密码"),
    "pdf_scanned": (variants.scanned_pdf(), "plan.pdf", "no_text", "Word 原文件"),
}


@pytest.mark.parametrize("data, filename, code, hint", ERROR_CASES.values(), ids=ERROR_CASES.keys())
def test_errors_have_code_and_chinese_message(data, filename, code, hint):
    err = read_error(data, filename)
    assert err.code == code
    assert hint in err.message
    assert_chinese_one_line(err)


def test_unsupported_lists_supported_suffixes():
    message = read_error(b"x", "plan.xlsx").message
    assert all(suffix in message for suffix in SUPPORTED_SUFFIXES)


def test_too_large_names_limit_in_mb():
    err = read_error(b"x" * 4096, "plan.txt", max_bytes=2048)
    assert err.code == "too_large" and "MB" in err.message
    assert_chinese_one_line(err)
    assert "20 MB" in read_error(b"x" * (DEFAULT_MAX_BYTES + 1), "plan.txt").message


def test_zip_bomb_member_over_the_limit_is_refused_naming_it():
    err = read_error(_zip_bomb(40 * 1024 * 1024), "plan.docx")
    assert (err.code, err.limit) == ("limit", "docx_member_bytes")
    assert "DANGJIAN_LIMIT_DOCX_MEMBER_BYTES" in err.message
    assert_chinese_one_line(err)


def test_zip_bomb_by_total_size():
    with limits.override(docx_total_bytes=1024 * 1024):
        err = read_error(_zip_bomb(2 * 1024 * 1024), "plan.docx")
    assert (err.code, err.limit) == ("limit", "docx_total_bytes")


def test_read_file_reads_and_reports(tmp_path):
    path = tmp_path / "计划.txt"
    path.write_bytes("一、要求\r\n".encode("gb18030"))
    assert read_file(path) == "一、要求\n"
    with pytest.raises(ReadError) as caught:
        read_file(tmp_path / "missing.txt")
    assert caught.value.code == "not_found"
    with pytest.raises(ReadError) as caught:
        read_file(path, max_bytes=4)
    assert caught.value.code == "too_large"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=600), suffix=st.sampled_from(SUPPORTED_SUFFIXES))
def test_any_bytes_give_text_or_read_error(data, suffix):
    try:
        assert isinstance(read_bytes(data, "plan" + suffix), str)
    except ReadError as err:
        assert_chinese_one_line(err)


@settings(max_examples=30, deadline=None)
@given(data=st.binary(max_size=400))
def test_damaged_docx_gives_read_error(data):
    good = variants.as_docx("一、要求")
    spliced = good[:300] + data + good[300 + len(data):]
    try:
        read_bytes(spliced, "plan.docx")
    except ReadError as err:
        assert err.code in {"corrupt", "zip_bomb", "blank"}


# --- the variant builders themselves ----------------------------------------------


def test_text_variants_keep_the_wording():
    text = sample_text(SAMPLE_FILES[1])
    assert squash(variants.hard_wrapped(text)) == squash(text)
    assert max(len(line) for line in variants.hard_wrapped(text, width=36).split("\n")) == 36
    assert squash(variants.with_title_and_blank_lines(text, "标题")) == "标题" + squash(text)
    assert re.findall(r"(?m)^\d+[、.]", variants.half_width_markers(text))[:2] == ["1.", "2."]


def test_page_debris_lands_inside_wrapped_paragraphs():
    wrapped = variants.hard_wrapped(sample_text(SAMPLE_FILES[0]), width=36)
    lines = variants.with_page_debris(wrapped, every=12).split("\n")
    assert {"- 1 -", "第 2 页", "某某机关党委文件"} <= set(lines)
    page_number = lines.index("- 1 -")
    assert lines[page_number - 1] == wrapped.split("\n")[11]
    kept = [l for l in lines if not DEBRIS_LINE.match(l) and l != "某某机关党委文件"]
    assert kept == wrapped.split("\n")


def test_markdown_markup_is_removed_so_numbering_shows():
    md = ("# 2023年某局机关党建工作要点\n\n> 总体要求：坚持党建引领。\n\n## 一、加强政治建设\n\n"
          "**（一）筑牢政治忠诚。** 坚持两个确立。\n\n- 要点\n\n---\n")
    text = read_bytes(md.encode("utf-8"), "plan.md")
    assert text.splitlines() == ["2023年某局机关党建工作要点", "", "总体要求：坚持党建引领。", "",
                                 "一、加强政治建设", "", "（一）筑牢政治忠诚。 坚持两个确立。", "", "要点", "", ""]


def test_markdown_is_not_applied_to_txt():
    assert read_bytes("## 一、标题".encode("utf-8"), "plan.txt") == "## 一、标题"


def _looks_binary_by_char(text: str) -> bool:
    """The binary test spelled out one character at a time (the reference)."""
    def bad(ch: str) -> bool:
        code = ord(ch)
        return (code < 32 and ch not in "\t\n\r\x0b\x0c") or code == 0x7F or ch == "\ufffd"
    controls = sum(1 for ch in text if bad(ch))
    return "\0" in text or controls > max(2, len(text) * reading._MAX_CONTROL_RATIO)


@given(st.text(alphabet=st.sampled_from(list("党建a1 \t\n\r\x0b\x0c\x00\x01\x08\x0e\x1f\x7f\x80\ufffd")),
               max_size=400))
def test_looks_binary_equals_the_per_character_rule(text):
    assert reading._looks_binary(text) == _looks_binary_by_char(text)


def test_looks_binary_on_every_control_character():
    for code in list(range(0x21)) + [0x7F, 0x80, 0xFFFD]:
        text = "党" * 50 + chr(code) * 3
        assert reading._looks_binary(text) == _looks_binary_by_char(text), hex(code)
