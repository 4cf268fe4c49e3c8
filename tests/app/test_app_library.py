"""计划库 page: upload with preview, batch results, bad input, replace, remove/restore."""
from __future__ import annotations

from pathlib import Path

from app.auth import LOCAL_MODE_MESSAGE
from app.safe import md_escape
from core.manifest import read_manifest
from core.store import PlanStore
from tests import hostile_files

from apphelpers import SAMPLE_DIR, assert_clean, dataframe_rows
from libkit import (key_ending, library, library_page, result_lines, save, snapshot,  # noqa: F401 (fixtures)
                    texts, upload)

ZHENGYAN = "002_07e1a61bf54791a3.txt"  # 市委政研室 2022
SAMPLE = (SAMPLE_DIR / ZHENGYAN).read_text(encoding="utf-8")
PLAN_2023 = SAMPLE.replace("2022年", "2023年", 1).encode("utf-8")


def overview_rows(at) -> int:
    at.switch_page("pages/overview.py").run()
    assert_clean(at)
    return dataframe_rows(at)


def test_page_lists_plans_and_says_local_mode(library: Path):
    at = library_page()
    assert_clean(at)
    assert at.title[0].value == "计划库"
    assert at.selectbox(key="library").value == "默认计划库"
    assert any(md_escape(str(library)) in c.value for c in at.caption)  # local mode: writers see the folder
    assert LOCAL_MODE_MESSAGE in texts(at, "info")
    assert dataframe_rows(at) == 5
    uploader = at.file_uploader[0]
    assert uploader.accept_multiple_files
    assert uploader.allowed_type == []  # any file: wrong types get the store's Chinese reason


def test_plan_list_says_where_each_organ_and_year_came_from(library: Path):
    (library / "12_tongzhan_unmarked_items_2022.txt").write_text(
        "压实党建工作责任。\n一、加强学习\n1.抓好中心组学习。每月一次。\n2.抓好支部学习。每月一次。\n", encoding="utf-8")
    at = library_page()
    assert_clean(at)
    table = at.dataframe[0].value.set_index("文件")
    assert table.loc["12_tongzhan_unmarked_items_2022.txt", ["单位", "单位来源", "年度来源"]].tolist() == [
        "未命名单位", "未识别", "文件名"]
    assert table.loc[ZHENGYAN, ["单位", "单位来源", "年度来源"]].tolist() == ["市委政研室", "清单", "清单"]


def test_upload_previews_then_saves_original_bytes_and_every_page_sees_it(library: Path):
    before = snapshot(library)
    at = upload(library_page(), ("政研室2023.txt", PLAN_2023))
    assert_clean(at)
    # preview: the parsed tree (escaped), the detected metadata, no refusal
    tree = "\n".join(m.value for m in at.markdown)
    assert md_escape("一、突出政治建设，持续推进理论武装走深走实") in tree
    assert md_escape("1.带头做“两个确立”的坚决拥护者和“两个维护”的坚定践行者") in tree
    assert at.text_input(key=key_ending(at, "text_input", "_organ")).value == "市委政研室"
    assert at.number_input(key=key_ending(at, "number_input", "_year")).value == 2023
    assert any(s.startswith("可以保存") for s in texts(at, "success"))
    assert snapshot(library) == before  # previewing writes nothing
    at = save(at)
    assert_clean(at)
    saved, refused = result_lines(at)
    assert len(saved) == 1 and not refused and "市委政研室（2023 年）" in saved[0]
    assert (library / "政研室2023.txt").read_bytes() == PLAN_2023
    assert read_manifest(library)["政研室2023.txt"].year == 2023
    assert dataframe_rows(at) == 6                     # this page's own list, at once
    assert "2023" in at.multiselect(key="years").options  # the sidebar, at once
    assert overview_rows(at) == 6                      # and the other pages


def test_batch_reports_each_file_and_edited_metadata_is_used(library: Path):
    other = SAMPLE.replace("2022年市委政研室", "2023年市委宣传部", 1).encode("utf-8")
    at = upload(library_page(), ("a.txt", PLAN_2023), ("空文件.txt", b""), ("b.txt", other),
                ("旧格式.doc", b"\xd0\xcf\x11\xe0 old word"))
    assert_clean_except_refusals(at)
    organ_keys = [w.key for w in at.text_input if w.key and w.key.endswith("_organ")]
    assert len(organ_keys) == 2  # unreadable files get no inputs, only their reason
    at.text_input(key=organ_keys[1]).set_value("市委宣传部机关党委").run()
    at = save(at)
    saved, refused = result_lines(at)
    assert len(saved) == 2 and len(refused) == 2
    assert any("空文件.txt" in r and "文件是空的" in r for r in (s.replace("\\", "") for s in refused))
    assert any("另存为" in r for r in refused)
    assert read_manifest(library)["b.txt"].organ == "市委宣传部机关党委"


def assert_clean_except_refusals(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


def test_bad_input_shows_the_store_message_and_changes_nothing(library: Path):
    before = snapshot(library)
    bad = [("空.txt", b""), ("坏.docx", b"PK\x03\x04 not a zip"), ("x.exe", b"MZ\x00\x01"),
           ("重复.txt", (SAMPLE_DIR / ZHENGYAN).read_bytes())]
    store = PlanStore(library)
    expected = [store.check_upload(name, data).refusal.message for name, data in bad]
    at = upload(library_page(), *bad)
    assert not at.exception
    shown = "\n".join(texts(at, "error"))
    for message in expected:
        assert md_escape(message) in shown
    at = save(at)
    saved, refused = result_lines(at)
    assert not saved and len(refused) == len(bad)
    assert snapshot(library) == before
    assert dataframe_rows(at) == 5


def test_hostile_upload_fails_alone_naming_file_and_limit(library: Path):
    before = snapshot(library)
    at = upload(library_page(), ("炸弹.pdf", hostile_files.pdf_inflating_to(256)),
                ("编号.docx", hostile_files.numbered_docx(2_000_000_000, "upperLetter")),
                ("好.txt", PLAN_2023))
    assert not at.exception
    shown = "\n".join(texts(at, "error"))
    assert "PDF 中单个数据流解压后的大小超过上限" in shown and "自动编号的数值超过上限" in shown
    assert any(md_escape("炸弹.pdf") in m.value for m in at.markdown)  # the card the message is in
    at = save(at)
    saved, refused = result_lines(at)
    assert len(saved) == 1 and len(refused) == 2
    assert any(md_escape("炸弹.pdf") in line and "PDF" in line for line in refused)
    assert snapshot(library) != before  # the good one was saved


def test_unstructured_file_needs_a_tick_and_keeps_its_warning(library: Path):
    text = "2023年市委网信办机关党建工作安排\n今年要认真学习，加强支部建设，落实三会一课。\n".encode("utf-8")
    at = upload(library_page(), ("无结构.txt", text))
    assert any("未识别出章节和条目编号" in w for w in texts(at, "warning"))
    before = snapshot(library)
    at = save(at)
    assert snapshot(library) == before
    assert result_lines(at)[1]
    at = upload(at, ("无结构.txt", text))
    at.checkbox(key=key_ending(at, "checkbox", "_confirm")).check().run()
    at = save(at)
    saved, _ = result_lines(at)
    assert saved and "提示" in saved[0]
    assert (library / "无结构.txt").read_bytes() == text


def test_replacing_asks_first_keeps_history_and_restores(library: Path):
    changed = SAMPLE.replace("总体要求", "总体目标要求", 1).encode("utf-8")  # same organ and year
    at = upload(library_page(), ("政研室新版.txt", changed))
    warnings = texts(at, "warning")
    assert any("计划库里已有市委政研室 2022 年的计划" in w for w in warnings)
    before = snapshot(library)
    at = save(at)  # not confirmed: refused, nothing written
    assert snapshot(library) == before and result_lines(at)[1]
    at = upload(at, ("政研室新版.txt", changed))
    at.checkbox(key=key_ending(at, "checkbox", "_replace")).check().run()
    assert any("将替换市委政研室 2022 年" in i for i in texts(at, "info"))
    at = save(at)
    saved, refused = result_lines(at)
    assert saved and not refused and "历史记录" in saved[0]
    assert not (library / ZHENGYAN).exists()
    history = PlanStore(library).history()
    assert [h.file for h in history] == [ZHENGYAN]
    assert dataframe_rows(at) == 5
    # restoring the old version is refused while the new one is there …
    at.selectbox(key="lib_restore_choice_history").set_value(history[0].id).run()
    at.button(key="lib_restore_history").click().run()
    assert any("无法恢复" in e for e in texts(at, "error"))
    # … and works once the new one is in the trash
    at.selectbox(key="lib_remove_choice").set_value("政研室新版").run()
    at.button(key="lib_remove").click().run()
    at.selectbox(key="lib_restore_choice_history").set_value(history[0].id).run()
    at.button(key="lib_restore_history").click().run()
    assert_clean(at)
    assert (library / ZHENGYAN).read_bytes() == (SAMPLE_DIR / ZHENGYAN).read_bytes()
    assert read_manifest(library)[ZHENGYAN].organ == "市委政研室"


def test_remove_to_trash_then_restore(library: Path):
    at = library_page()
    original = (library / ZHENGYAN).read_bytes()
    at.selectbox(key="lib_remove_choice").set_value(ZHENGYAN.removesuffix(".txt")).run()
    at.button(key="lib_remove").click().run()
    assert_clean(at)
    assert any("移到回收站" in s for s in texts(at, "success"))
    assert not (library / ZHENGYAN).exists()
    assert dataframe_rows(at) == 4
    assert "市委政研室" not in at.multiselect(key="organs").options
    trash = PlanStore(library).trash()
    assert [t.file for t in trash] == [ZHENGYAN]
    assert overview_rows(at) == 4
    at.switch_page("pages/library.py").run()
    at.selectbox(key="lib_restore_choice_trash").set_value(trash[0].id).run()
    at.button(key="lib_restore_trash").click().run()
    assert_clean(at)
    assert (library / ZHENGYAN).read_bytes() == original
    assert PlanStore(library).trash() == []
    assert overview_rows(at) == 5


def test_names_and_text_are_escaped_in_the_preview(library: Path):
    evil = ("2023年<b>恶意</b>机关党建工作要点\n一、加强政治建设<img src=x onerror=alert(1)>\n"
            "1.落实<script>alert(1)</script>制度，[点我](javascript:alert(1)) &amp; 。\n"
            "2.推进模范机关建设。\n二、加强作风建设\n1.纠治四风。\n").encode("utf-8")
    name = "[点我](javascript:alert(1))&lt;.txt"
    at = upload(library_page(), (name, evil))
    assert not at.exception
    markdown = "\n".join(m.value for m in at.markdown)
    assert md_escape(name) in markdown
    for raw in ("<script>", "<img", "](javascript:", "<b>"):
        assert raw not in markdown
    assert md_escape("<script>alert(1)</script>") in markdown
    assert md_escape("&lt;.txt") in markdown  # an entity in a name shows as the entity, literally
