"""Make realistic fixtures with the real tools: LibreOffice converts a .docx into the
formats offices send (.doc, .odt, .rtf, .pdf), and a printed PDF is rasterised into
an image-only "scan" (optionally rotated, at a lower resolution).

>>> pdf = convert(variants.as_docx("一、学习"), "docx", "pdf")   # doctest: +SKIP
>>> scan = rasterise(pdf, dpi=200, rotate=0.8)                   # doctest: +SKIP
"""
from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path

_FILTERS = {"doc": "doc:MS Word 97", "odt": "odt", "rtf": "rtf", "pdf": "pdf:writer_pdf_Export",
            "docx": "docx:MS Word 2007 XML"}


def convert(data: bytes, source: str, target: str) -> bytes:
    """``data`` (a .``source`` file) written by LibreOffice as .``target``."""
    return convert_many({"plan": data}, source, target)["plan"]


def convert_many(files: dict[str, bytes], source: str, target: str) -> dict[str, bytes]:
    """Each of ``files`` (stem → bytes of a .``source`` file) written as .``target``,
    in one LibreOffice run (one start-up for all)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = []
        for stem, data in files.items():
            path = folder / f"{stem}.{source}"
            path.write_bytes(data)
            paths.append(str(path))
        subprocess.run(["soffice", "--headless", "--norestore",
                        f"-env:UserInstallation={(folder / 'profile').as_uri()}",
                        "--convert-to", _FILTERS[target], "--outdir", str(folder / "out"), *paths],
                       check=True, capture_output=True, timeout=600)
        return {stem: (folder / "out" / f"{stem}.{target}").read_bytes() for stem in files}


def rasterise(pdf: bytes, dpi: int = 200, rotate: float = 0.0, pages: int | None = None) -> bytes:
    """An image-only PDF of ``pdf``'s pages rendered at ``dpi`` (rotated ``rotate`` degrees)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    images = []
    for index in range(len(document) if pages is None else min(pages, len(document))):
        image = document[index].render(scale=dpi / 72, grayscale=True).to_pil()
        if rotate:
            image = image.rotate(rotate, expand=True, fillcolor=255)
        images.append(image.convert("L"))
    document.close()
    buffer = io.BytesIO()
    images[0].save(buffer, format="PDF", save_all=True, append_images=images[1:], resolution=dpi)
    return buffer.getvalue()
