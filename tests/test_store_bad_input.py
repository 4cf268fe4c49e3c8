"""PlanStore refuses every bad upload with its own Chinese message and writes nothing.

The bad files are generated here: one per case, each checked through ``check_upload`` and
``add`` against a copy of the sample library whose every byte is compared before/after.
"""
from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import variants
from conftest import SAMPLE_DIR, folder_snapshot, small_plan
from core.store import PlanStore, StoreError, check_name

SAMPLE = "002_07e1a61bf54791a3.txt"  # 2022年市委政研室…
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def encrypted_docx() -> bytes:
    """An OLE compound file laid out like Word's password-protected .docx."""
    header = bytearray(512)
    header[:8] = OLE_MAGIC
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)

    def entry(name: str, kind: int) -> bytes:
        raw = bytearray(128)
        encoded = (name + "\0").encode("utf-16-le")
        raw[:len(encoded)] = encoded
        struct.pack_into("<HB", raw, 64, len(encoded), kind)
        return bytes(raw)

    directory = entry("Root Entry", 5) + entry("EncryptionInfo", 2) + entry("EncryptedPackage", 2)
    return bytes(header) + directory.ljust(512, b"\0")


def zip_bomb_docx() -> bytes:
    """A .docx whose document.xml inflates 1000-fold (40 MB of zeros, over the 32 MB limit)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * (40 * 1024 * 1024))
    return buf.getvalue()


def real_docx() -> bytes:
    import docx

    document = docx.Document()
    for line in small_plan("市委办", 2023).decode().splitlines():
        document.add_paragraph(line)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def sample_bytes(_: Path) -> bytes:
    return (SAMPLE_DIR / SAMPLE).read_bytes()


@dataclass
class Case:
    id: str
    name: str
    data: Callable[[Path], bytes]
    code: str
    says: tuple[str, ...]
    options: dict = field(default_factory=dict)
    max_bytes: int | None = None  # the store's limit, if not the default


def const(data: bytes) -> Callable[[Path], bytes]:
    return lambda _folder: data


PLAN = small_plan("市委办", 2023)

CASES = [
    Case("empty", "plan.txt", const(b""), "empty", ("文件是空的",)),
    Case("whitespace", "plan.txt", const(" \n\t\r\n　\n".encode()), "blank", ("没有文字内容",)),
    Case("binary-named-txt", "plan.txt", const(bytes(range(256)) * 16), "binary",
         ("不是可识别的文本", "UTF-8")),
    Case("corrupt-docx", "plan.docx", const(b"PK\x03\x04" + bytes(range(200))), "corrupt",
         ("不是有效的 .docx", "重新保存")),
    Case("truncated-docx", "plan.docx", lambda _: real_docx()[:700], "corrupt", ("不是有效的 .docx",)),
    Case("password-docx", "plan.docx", const(encrypted_docx()), "encrypted", ("密码保护", "取消密码")),
    Case("zip-bomb-docx", "plan.docx", lambda _: zip_bomb_docx(), "limit", ("压缩炸弹", "DANGJIAN_LIMIT_DOCX_MEMBER_BYTES")),
    Case("over-default-limit", "plan.txt", lambda _: PLAN + b"a" * (20 * 1024 * 1024), "too_large",
         ("文件太大", "超过 20 MB")),
    Case("over-store-limit", "plan.txt", const(PLAN * 10), "too_large", ("文件太大", "上限"),
         max_bytes=1024),
    Case("doc", "plan.doc", const(OLE_MAGIC + b"\0" * 600), "corrupt", ("另存为 .docx",)),
    Case("wps", "plan.wps", const(b"anything"), "corrupt", ("另存为 .docx",)),
    Case("scanned-pdf", "plan.pdf", lambda _: variants.scanned_pdf(), "no_text", ("没有从扫描件或图片中识别出文字",)),
    Case("unstructured", "plan.txt", const("2023年市委办机关党建工作就是好好干。".encode()), "unstructured",
         ("未识别出章节和条目编号", "--confirm-unstructured")),
    Case("unsupported-suffix", "plan.exe", const(PLAN), "unsupported", ("不支持“.exe”",)),
    Case("no-suffix", "plan", const(PLAN), "unsupported", ("无扩展名",)),
    Case("parent-slash", "../x.txt", const(PLAN), "bad_name", ("路径分隔符",)),
    Case("subfolder", "a/b.txt", const(PLAN), "bad_name", ("路径分隔符",)),
    Case("parent-backslash", "..\\x.txt", const(PLAN), "bad_name", ("路径分隔符",)),
    Case("absolute", "/etc/x.txt", const(PLAN), "bad_name", ("路径分隔符",)),
    Case("dotdot", "..", const(PLAN), "bad_name", ("..",)),
    Case("dotdot-inside", "a...txt".replace("...", "/../"), const(PLAN), "bad_name", ("路径分隔符",)),
    Case("nul", "x\0.txt", const(PLAN), "bad_name", ("控制字符",)),
    Case("newline", "x\n.txt", const(PLAN), "bad_name", ("控制字符",)),
    Case("bidi-override", "x\u202etxt.exe.txt", const(PLAN), "bad_name", ("不可见字符",)),
    Case("leading-dot", ".plan.txt", const(PLAN), "bad_name", ("以“.”开头",)),
    Case("empty-name", "", const(PLAN), "bad_name", ("文件名是空的",)),
    Case("long-name", "计" * 80 + ".txt", const(PLAN), "bad_name", ("文件名太长",)),
    Case("bad-organ", "plan.txt", const(PLAN), "bad_organ", ("单位名称",), {"organ": "市委\n办"}),
    Case("bad-year", "plan.txt", const(PLAN), "bad_year", ("年度“3000”",), {"year": 3000}),
    Case("duplicate-content", "copy.txt", sample_bytes, "duplicate",
         ("已在计划库中", "市委政研室", SAMPLE)),
    Case("name-taken", SAMPLE, const(PLAN), "name_taken", ("已有同名", SAMPLE, "改个文件名")),
    Case("same-plan-id", SAMPLE.replace(".txt", ".md"), const(PLAN), "name_taken", (SAMPLE,)),
    Case("same-organ-year", "new.txt", const(small_plan("市委政研室", 2022)), "exists",
         ("市委政研室 2022 年", SAMPLE, "替换", "--replace")),
]


@pytest.fixture
def store(library_copy: Path) -> PlanStore:
    return PlanStore(library_copy)


def assert_user_message(message: str) -> None:
    assert "\n" not in message and re.search(r"[\u4e00-\u9fff]", message)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_upload_is_refused_and_nothing_changes(store: PlanStore, library_copy: Path,
                                                   tmp_path: Path, case: Case):
    data = case.data(library_copy)
    before = folder_snapshot(tmp_path, skip=())
    if case.max_bytes:
        store = PlanStore(library_copy, max_bytes=case.max_bytes)

    candidate = store.check_upload(case.name, data, **case.options)
    assert not candidate.ok
    assert candidate.refusal.code == case.code, candidate.refusal.message
    for words in case.says:
        assert words in candidate.refusal.message
    assert_user_message(candidate.refusal.message)

    with pytest.raises(StoreError) as refused:
        store.add(case.name, data, **case.options)
    assert (refused.value.code, refused.value.message) == (case.code, candidate.refusal.message)
    assert folder_snapshot(tmp_path, skip=()) == before


def test_size_limit_can_be_given_per_check(store: PlanStore):
    refusal = store.check_upload("plan.txt", PLAN, max_bytes=100).refusal
    assert refusal.code == "too_large" and "上限" in refusal.message
    assert store.check_upload("plan.txt", PLAN).ok


def test_unstructured_upload_is_refused_each_time_until_confirmed(store: PlanStore):
    data = "2023年市委办机关党建工作就是好好干。".encode()
    assert store.check_upload("u.txt", data).refusal.code == "unstructured"
    assert store.check_upload("u.txt", data, confirm_unstructured=True).ok


def test_remove_and_restore_ids_never_reach_outside(store: PlanStore, library_copy: Path,
                                                    tmp_path: Path):
    (tmp_path / "outside.txt").write_bytes(PLAN)
    before = folder_snapshot(tmp_path, skip=())
    for plan_id in ("../outside", "../plans/000_c066458c1de48185", "/etc/passwd", ""):
        with pytest.raises(StoreError) as err:
            store.remove(plan_id)
        assert err.value.code == "not_found"
    for entry_id in ("../outside.txt", "../../etc/passwd", "..", ".trash/x"):
        with pytest.raises(StoreError) as err:
            store.restore(entry_id)
        assert err.value.code == "no_entry"
        assert_user_message(err.value.message)
    assert folder_snapshot(tmp_path, skip=()) == before


def test_link_to_outside_is_neither_read_nor_overwritten(library_copy: Path, tmp_path: Path):
    outside = tmp_path / "secret.txt"
    outside.write_bytes(small_plan("保密办", 2023))
    (library_copy / "link.txt").symlink_to(outside)
    store = PlanStore(library_copy)
    before = folder_snapshot(tmp_path, skip=())

    # Same bytes as the outside file: not reported as "already in the library" (never read).
    assert store.check_upload("copy.txt", outside.read_bytes()).ok
    with pytest.raises(StoreError) as err:
        store.add("link.txt", PLAN)
    assert err.value.code == "name_taken"
    assert folder_snapshot(tmp_path, skip=()) == before


def test_missing_library_folder_is_a_clear_error(tmp_path: Path):
    with pytest.raises(StoreError) as err:
        PlanStore(tmp_path / "nope")
    assert err.value.code == "no_library" and "找不到计划库文件夹" in err.value.message


@given(st.text(min_size=1, max_size=30))
def test_every_accepted_name_is_one_plain_entry_of_the_folder(name: str):
    try:
        check_name(name)
    except StoreError as err:
        assert err.code == "bad_name"
        return
    folder = Path("/srv/plans")
    assert (folder / name).parent == folder and (folder / name).name == name
    assert not name.startswith(".") and "/" not in name and "\\" not in name


@pytest.mark.parametrize("name", ["CON.txt", "nul.txt", "Aux.docx", "com1.txt", "LPT9.md", "prn", "con.tar.txt",
                                  "CON .txt"])
def test_names_reserved_on_windows_are_refused_in_chinese(name):
    from core.store import check_name
    with pytest.raises(StoreError) as err:
        check_name(name)
    assert err.value.code == "bad_name" and "Windows" in err.value.message and "保留" in err.value.message


@pytest.mark.parametrize("name", ["CONTROL.txt", "com10.txt", "nul1.txt", "计划CON.txt", "lpt0.txt"])
def test_names_merely_like_windows_devices_are_kept(name):
    from core.store import check_name
    assert check_name(name) == name


@pytest.mark.parametrize("char", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
                                  "\u2069", "\u200e", "\u200f"])
def test_bidi_controls_in_names_are_refused_in_chinese(char):
    from core.store import check_name
    with pytest.raises(StoreError) as err:
        check_name(f"计划{char}txt.exe.txt")
    assert err.value.code == "bad_name" and "不可见字符" in err.value.message
