"""Files as offices send them, made with the real tools: LibreOffice writes each sample
plan as .doc/.odt/.rtf/.pdf and a Writer-numbered .docx; a printed page rasterised into
an image-only PDF is a scan. Each reads back to the sample's tree (scans: to a bound)."""
from __future__ import annotations

import io

import pytest

import office
import variants
from conftest import SAMPLE_FILES, sample_text
from core import parse_plan, read_bytes
from core.reading import OCR_WARNING, ReadError, read_document
from test_parse_variants import tree

FORMATS = ("doc", "odt", "rtf", "pdf")


@pytest.fixture(scope="session")
def sample_docx() -> dict[str, bytes]:
    return {name.removesuffix(".txt"): variants.as_docx(sample_text(name)) for name in SAMPLE_FILES}


@pytest.fixture(scope="session")
def office_files(sample_docx) -> dict[str, dict[str, bytes]]:
    """format → sample stem → bytes, each format written in one LibreOffice run."""
    files = {fmt: office.convert_many(sample_docx, "docx", fmt) for fmt in FORMATS}
    numbered = {stem: variants.as_docx_autonumbered(sample_text(stem + ".txt")) for stem in sample_docx}
    files["writer.docx"] = office.convert_many(numbered, "docx", "docx")
    return files


@pytest.mark.parametrize("fmt", ("doc", "odt", "rtf", "writer.docx"))
def test_office_formats_parse_to_the_sample_trees(office_files, fmt):
    for stem, data in office_files[fmt].items():
        original = sample_text(stem + ".txt")
        suffix = "." + fmt.split(".")[-1]
        assert tree(read_bytes(data, "plan" + suffix)) == tree(original), (stem, fmt)


def test_libreoffice_pdfs_parse_to_the_sample_trees(office_files):
    # Known gap: in one sample a wrapped line that LibreOffice ends short of the margin
    # is not re-joined by the PDF reader, which cuts that item's title (see the report).
    exact = [stem for stem, data in office_files["pdf"].items()
             if tree(read_bytes(data, "plan.pdf")) == tree(sample_text(stem + ".txt"))]
    assert len(exact) >= len(SAMPLE_FILES) - 1, exact


def test_doc_saved_with_a_docx_name_is_read(office_files):
    stem, data = next(iter(office_files["doc"].items()))
    assert tree(read_bytes(data, "plan.docx")) == tree(sample_text(stem + ".txt"))


def test_converted_docx_keeps_its_title_hints(office_files):
    # a .doc is read through the .docx reader, bold and heading styles included
    stem, data = next(iter(office_files["doc"].items()))
    result = read_document(data, "plan.doc")
    assert result.warnings == [] and result.text.strip()


# --- scans -----------------------------------------------------------------


@pytest.fixture(scope="session")
def first_page_pdf(office_files) -> tuple[str, bytes]:
    """The first printed page of a sample (item titles on their own lines)."""
    import pypdfium2

    stem = SAMPLE_FILES[0].removesuffix(".txt")
    source = pypdfium2.PdfDocument(office_files["pdf"][stem])
    page = pypdfium2.PdfDocument.new()
    page.import_pages(source, [0])
    buffer = io.BytesIO()
    page.save(buffer)
    return stem, buffer.getvalue()


def _found(expected: list[str], got: list[str]) -> bool:
    """Same number of sections, each read with at most a few characters wrong
    (OCR misreads rare characters, e.g. 葆 → 保)."""
    from difflib import SequenceMatcher

    return len(expected) == len(got) and all(
        SequenceMatcher(None, a, b).ratio() >= 0.8 for a, b in zip(expected, got))


def _titles(text: str) -> tuple[list[str], list[str]]:
    plan = parse_plan(text)
    return [s.title for s in plan.sections], [i.title for i in plan.items]


@pytest.mark.parametrize("dpi, rotate", [(200, 0.0), (200, 0.8), (150, 0.0)],
                         ids=["200dpi", "rotated", "150dpi"])
def test_scanned_page_reads_back_by_ocr(first_page_pdf, dpi, rotate):
    _, pdf = first_page_pdf
    expected_sections, expected_items = _titles(read_bytes(pdf, "plan.pdf"))
    assert expected_items, "the first page holds items"
    result = read_document(office.rasterise(pdf, dpi=dpi, rotate=rotate), "scan.pdf")
    assert result.warnings == [OCR_WARNING]
    sections, items = _titles(result.text)
    assert _found(expected_sections, sections), (sections, expected_sections)
    exact = sum(title in items for title in expected_items)
    print(f"{exact}/{len(expected_items)} item titles exact at {dpi} dpi, rotated {rotate}")
    assert exact >= 0.6 * len(expected_items), (items, expected_items)


def test_pdf_with_text_and_scanned_pages_uses_both(office_files):
    import pypdfium2

    stem = SAMPLE_FILES[0].removesuffix(".txt")
    printed = office_files["pdf"][stem]
    scan = pypdfium2.PdfDocument(office.rasterise(printed, dpi=200, pages=1))
    mixed = pypdfium2.PdfDocument.new()
    mixed.import_pages(scan, [0])
    mixed.import_pages(pypdfium2.PdfDocument(printed), list(range(1, 2)))
    buffer = io.BytesIO()
    mixed.save(buffer)
    result = read_document(buffer.getvalue(), "mixed.pdf")
    assert result.warnings == [OCR_WARNING]
    text_layer = read_bytes(printed, "plan.pdf")
    # the second page came from the text layer, word for word
    second_page_line = [ln for ln in read_bytes(_page(printed, 1), "p.pdf").split("\n") if len(ln) > 20][0]
    assert second_page_line in text_layer and second_page_line in result.text


def _page(pdf: bytes, index: int) -> bytes:
    import pypdfium2

    page = pypdfium2.PdfDocument.new()
    page.import_pages(pypdfium2.PdfDocument(pdf), [index])
    buffer = io.BytesIO()
    page.save(buffer)
    return buffer.getvalue()


def test_photo_of_a_page_reads_by_ocr(first_page_pdf):
    import pypdfium2

    _, pdf = first_page_pdf
    image = pypdfium2.PdfDocument(pdf)[0].render(scale=200 / 72).to_pil()
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=85)
    expected_sections, _ = _titles(read_bytes(pdf, "plan.pdf"))
    result = read_document(buffer.getvalue(), "photo.jpg")
    assert result.warnings == [OCR_WARNING]
    assert _found(expected_sections, _titles(result.text)[0])


# --- bad input ---------------------------------------------------------------


def _refusal(data: bytes, name: str) -> ReadError:
    with pytest.raises(ReadError) as caught:
        read_bytes(data, name)
    err = caught.value
    assert "\n" not in err.message and any("\u4e00" <= c <= "\u9fff" for c in err.message)
    return err


def test_password_protected_docx_is_refused(sample_docx):
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = OOXMLFile(io.BytesIO(next(iter(sample_docx.values()))))
    out = io.BytesIO()
    plain.encrypt("secret", out)
    for name in ("plan.docx", "plan.doc"):
        err = _refusal(out.getvalue(), name)
        assert err.code == "encrypted" and "密码" in err.message


def test_password_protected_doc_is_refused(office_files):
    # Word 97 marks an encrypted .doc with fEncrypted in the FIB; set it on a real .doc.
    import olefile

    data = next(iter(office_files["doc"].values()))
    ole = olefile.OleFileIO(data, write_mode=True)
    fib = bytearray(ole.openstream("WordDocument").read())
    fib[11] |= 0x01
    ole.write_stream("WordDocument", bytes(fib))
    ole.fp.seek(0)
    encrypted = ole.fp.read()
    err = _refusal(encrypted, "plan.doc")
    assert err.code == "encrypted" and "取消密码" in err.message


def test_corrupt_doc_is_refused(office_files):
    data = next(iter(office_files["doc"].values()))
    err = _refusal(data[:2048], "plan.doc")
    assert err.code == "corrupt" and ".docx" in err.message


def test_300_page_scan_is_refused_before_any_ocr():
    from PIL import Image

    pages = [Image.new("L", (85, 120), 255) for _ in range(300)]
    buffer = io.BytesIO()
    pages[0].save(buffer, format="PDF", save_all=True, append_images=pages[1:], resolution=10)
    err = _refusal(buffer.getvalue(), "scan.pdf")
    assert err.code == "too_many_pages" and "300" in err.message and "100" in err.message


def test_image_without_text_is_refused():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (800, 1100), 255).save(buffer, format="PNG")
    err = _refusal(buffer.getvalue(), "blank.png")
    assert err.code == "no_text" and "识别" in err.message


def test_missing_tools_say_what_to_install(monkeypatch, sample_docx):
    import shutil

    monkeypatch.setattr(shutil, "which", lambda name: None)
    err = _refusal(office.convert(next(iter(sample_docx.values())), "docx", "odt"), "plan.odt")
    assert err.code == "no_converter" and "apt-get install libreoffice-writer-nogui" in err.message
    assert "另存为 .docx" in err.message
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (100, 100), 255).save(buffer, format="PNG")
    err = _refusal(buffer.getvalue(), "photo.png")
    assert err.code == "no_ocr" and "apt-get install tesseract-ocr tesseract-ocr-chi-sim" in err.message
