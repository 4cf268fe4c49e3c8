"""Office formats Word and WPS write (.doc .wps .odt .rtf .docm .dotx .dot .wpt) → .docx,
through LibreOffice headless, so the .docx reader (with Word numbering) reads them.

Each conversion runs in its own temporary folder with its own LibreOffice profile
(``-env:UserInstallation``), so parallel conversions never share a lock, and under a
time limit. LibreOffice is optional: without ``soffice`` the refusal says what to
install or how to re-save the file.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from .reading import ReadError

CONVERTED_SUFFIXES = (".doc", ".wps", ".odt", ".rtf", ".docm", ".dotx", ".dot", ".wpt")
CONVERSION_TIMEOUT_SECONDS = 120

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_INSTALL_HINT = "sudo apt-get install libreoffice-writer-nogui"

MESSAGES = {
    "no_converter": ("读取 {suffix} 文件需要 LibreOffice：请让管理员安装（" + _INSTALL_HINT
                     + "），或在 Word/WPS 中另存为 .docx 后重新上传"),
    "convert_timeout": "转换 {suffix} 文件超过 {seconds} 秒仍未完成，请在 Word/WPS 中另存为 .docx 后重新上传",
    "corrupt": "文件已损坏或不是有效的 {suffix} 文件，请在 Word/WPS 中打开并另存为 .docx 后重新上传",
    "encrypted": "文件有密码保护，请在 Word/WPS 中取消密码后另存为 .docx 再上传",
}


class ConvertError(ReadError):
    """A file LibreOffice cannot turn into .docx (codes as in :data:`MESSAGES`)."""


def _error(code: str, **details: object) -> ConvertError:
    return ConvertError(code, MESSAGES[code].format(**details))


def soffice_path() -> str | None:
    """The LibreOffice command, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_docx(data: bytes, suffix: str, *, timeout: float = CONVERSION_TIMEOUT_SECONDS) -> bytes:
    """The bytes of ``data`` (a file ending in ``suffix``) converted to .docx.

    >>> to_docx(rtf_bytes, ".rtf")[:2]      # doctest: +SKIP
    b'PK'
    """
    suffix = suffix.lower()
    if not _looks_like(data, suffix):
        # LibreOffice would import anything it cannot recognise as plain text.
        raise _error("corrupt", suffix=suffix)
    if is_encrypted_ole(data):
        raise _error("encrypted")
    command = soffice_path()
    if command is None:
        raise _error("no_converter", suffix=suffix)
    with tempfile.TemporaryDirectory(prefix="dangjian-convert-") as tmp:
        folder = Path(tmp)
        source = folder / f"plan{suffix}"
        source.write_bytes(data)
        out = folder / "out"
        args = [command, "--headless", "--norestore", "--nologo", "--nodefault",
                f"-env:UserInstallation={(folder / 'profile').as_uri()}",
                "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(out), str(source)]
        process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True,
                                   env={**os.environ, "HOME": str(folder)})
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            # soffice is a launcher script: end its whole process group, not only the script.
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise _error("convert_timeout", suffix=suffix, seconds=int(timeout)) from exc
        result = out / "plan.docx"
        if not result.is_file() or result.stat().st_size == 0:
            raise _error("corrupt", suffix=suffix)
        return result.read_bytes()


_OLE_SUFFIXES = (".doc", ".wps", ".dot", ".wpt")
_ZIP_SUFFIXES = (".odt", ".docm", ".dotx")


def _looks_like(data: bytes, suffix: str) -> bool:
    """Whether ``data`` has the container its suffix promises (OLE, zip or RTF)."""
    if suffix in _OLE_SUFFIXES:
        import olefile

        return data.startswith(_OLE_MAGIC) and olefile.isOleFile(data=data)
    if suffix in _ZIP_SUFFIXES:
        import zipfile, io

        return zipfile.is_zipfile(io.BytesIO(data))
    if suffix == ".rtf":
        return data.lstrip()[:5] == b"{\\rtf"
    return True


def is_encrypted_ole(data: bytes) -> bool:
    """Whether an OLE file (.doc/.wps/encrypted .docx) is password-protected.

    Office's encrypted OOXML is an OLE file with an ``EncryptionInfo`` stream; Word 97's
    .doc sets ``fEncrypted`` (bit 8 of the flags at offset 10 of the WordDocument stream).
    """
    if not data.startswith(_OLE_MAGIC):
        return False
    import olefile

    try:
        with olefile.OleFileIO(data) as ole:
            if ole.exists("EncryptionInfo"):
                return True
            if ole.exists("WordDocument"):
                fib = ole.openstream("WordDocument").read(12)
                return len(fib) >= 12 and bool(int.from_bytes(fib[10:12], "little") & 0x0100)
    except Exception:  # not a readable OLE file: LibreOffice gives the verdict
        return False
    return False
