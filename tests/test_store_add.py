"""PlanStore.add: original bytes kept, manifest entry written, replace goes through history."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

import core
from conftest import SAMPLE_DIR, folder_snapshot, sample_text, small_plan
from core.manifest import read_manifest
from core.store import HISTORY_DIR, PlanStore, StoreError

SAMPLE = "002_07e1a61bf54791a3.txt"  # 2022年市委政研室…


def sample_variant(year: int, phrase: str) -> bytes:
    """The 市委政研室 sample for another year, with ``phrase`` added to its last item."""
    text = sample_text(SAMPLE).replace("2022年市委政研室", f"{year}年市委政研室", 1)
    return (text.rstrip() + f"落实{phrase}。\n").encode("utf-8")


@pytest.fixture
def store(library_copy: Path) -> PlanStore:
    return PlanStore(library_copy)


def test_check_upload_previews_without_writing(store: PlanStore, library_copy: Path):
    before = folder_snapshot(library_copy, skip=())
    cand = store.check_upload("政研室2023.txt", sample_variant(2023, "数字党建驾驶舱"))
    assert cand.ok and cand.refusal is None
    assert (cand.meta.organ, cand.meta.year, cand.meta.level) == ("市委政研室", 2023, "市")
    assert len(cand.plan.sections) == 6 and len(cand.plan.items) == 19
    assert len(cand.sha256) == 64 and cand.replaces == []
    assert folder_snapshot(library_copy, skip=()) == before


def test_add_keeps_bytes_and_library_finds_the_plan(store: PlanStore, library_copy: Path):
    data = b"\xef\xbb\xbf" + sample_variant(2023, "数字党建驾驶舱").replace(b"\n", b"\r\n")
    result = store.add("政研室2023.txt", data)

    assert (library_copy / "政研室2023.txt").read_bytes() == data
    assert (result.file, result.plan_id) == ("政研室2023.txt", "政研室2023")
    entry = read_manifest(library_copy)["政研室2023.txt"]
    assert (entry.organ, entry.year, entry.level) == ("市委政研室", 2023, "市")

    lib = core.open_library(library_copy)
    assert len(lib.plans) == 6 and lib.errors == []
    row = lib.plans[lib.plans["plan_id"] == "政研室2023"].iloc[0]
    assert (row["organ"], row["year"]) == ("市委政研室", 2023)
    hits = lib.search("数字党建驾驶舱", mode="exact")
    assert list(hits["plan_id"]) == ["政研室2023"]


def test_add_keeps_the_other_manifest_entries_and_comments(store: PlanStore, library_copy: Path):
    before_text = (library_copy / "manifest.toml").read_text(encoding="utf-8")
    before = read_manifest(library_copy)
    store.add("new.txt", small_plan("市委办", 2023))
    after_text = (library_copy / "manifest.toml").read_text(encoding="utf-8")
    assert after_text.startswith(before_text.rstrip("\n"))
    after = read_manifest(library_copy)
    assert {k: v for k, v in after.items() if k != "new.txt"} == before


def test_given_organ_year_level_win_over_detection(store: PlanStore, library_copy: Path):
    store.add("x.txt", small_plan("市委办", 2023), organ="  县委办公室 ", year=2024)
    entry = read_manifest(library_copy)["x.txt"]
    assert (entry.organ, entry.year, entry.level) == ("县委办公室", 2024, "县")
    store.add("y.txt", small_plan("市委办", 2025), level="省")
    assert read_manifest(library_copy)["y.txt"].level == "省"


def test_docx_is_saved_byte_for_byte(store: PlanStore, library_copy: Path):
    import docx

    document = docx.Document()
    for line in small_plan("市委办", 2023).decode().splitlines():
        document.add_paragraph(line)
    buf = io.BytesIO()
    document.save(buf)
    store.add("市委办.docx", buf.getvalue())
    assert (library_copy / "市委办.docx").read_bytes() == buf.getvalue()
    lib = core.open_library(library_copy)
    assert lib.plan("市委办").organ == "市委办" and len(lib.plan("市委办").items) == 4


def test_library_without_manifest_gets_one(tmp_path: Path):
    folder = tmp_path / "plans"
    folder.mkdir()
    PlanStore(folder).add("a.txt", small_plan("市委办", 2023))
    assert read_manifest(folder)["a.txt"].organ == "市委办"
    assert core.open_library(folder).plans["organ"].tolist() == ["市委办"]


def test_same_content_is_refused_the_second_time(store: PlanStore, library_copy: Path):
    data = small_plan("市委办", 2023)
    store.add("a.txt", data)
    with pytest.raises(StoreError) as err:
        store.add("b.txt", data)
    assert err.value.code == "duplicate" and "a.txt" in err.value.message
    assert not (library_copy / "b.txt").exists()


def test_unstructured_needs_confirmation_and_keeps_the_warning(store: PlanStore, library_copy: Path):
    data = "2023年市委办机关党建工作：抓学习、抓组织、抓作风，全年不放松。".encode()
    with pytest.raises(StoreError) as err:
        store.add("u.txt", data)
    assert err.value.code == "unstructured"
    assert not (library_copy / "u.txt").exists()

    result = store.add("u.txt", data, confirm_unstructured=True)
    assert any("未识别出章节和条目编号" in w for w in result.warnings)
    plan = core.open_library(library_copy).plan("u")
    assert any("未识别出章节和条目编号" in w for w in plan.warnings)
    assert plan.preamble and plan.organ == "市委办"


def test_unknown_organ_and_year_are_saved_with_a_warning(store: PlanStore):
    cand = store.check_upload("x.txt", "一、学习\n1.学习理论。\n2.开展研讨。\n".encode())
    assert cand.ok and cand.meta.organ == "未命名单位" and cand.meta.year is None
    assert any("单位" in w for w in cand.warnings) and any("年度" in w for w in cand.warnings)


def test_same_organ_and_year_asks_then_replaces_into_history(store: PlanStore, library_copy: Path):
    old_data = (SAMPLE_DIR / SAMPLE).read_bytes()
    new_data = sample_variant(2022, "数字党建驾驶舱")

    cand = store.check_upload("政研室新版.txt", new_data)
    assert cand.refusal.code == "exists" and [m.file for m in cand.replaces] == [SAMPLE]
    with pytest.raises(StoreError):
        store.add("政研室新版.txt", new_data)
    assert (library_copy / SAMPLE).read_bytes() == old_data

    result = store.add("政研室新版.txt", new_data, replace=True)
    assert len(result.replaced) == 1
    assert not (library_copy / SAMPLE).exists()
    [entry] = store.history()
    assert (entry.id, entry.file, entry.organ, entry.year) == (result.replaced[0], SAMPLE, "市委政研室", 2022)
    assert entry.replaced_by == "政研室新版.txt"
    assert (library_copy / HISTORY_DIR / entry.id).read_bytes() == old_data
    sidecar = json.loads((library_copy / HISTORY_DIR / f"{entry.id}.json").read_text(encoding="utf-8"))
    assert sidecar["manifest_entry"]["organ"] == "市委政研室"

    manifest = read_manifest(library_copy)
    assert SAMPLE not in manifest and manifest["政研室新版.txt"].year == 2022
    assert list(manifest)[2] == "政研室新版.txt"  # in the replaced entry's place
    lib = core.open_library(library_copy)
    assert lib.plans["organ"].tolist().count("市委政研室") == 1
    assert list(lib.search("数字党建驾驶舱")["plan_id"]) == ["政研室新版"]


def test_replace_under_the_same_file_name(store: PlanStore, library_copy: Path):
    store.add("政研室.txt", small_plan("市委政研室", 2023, "第一版"))
    new = small_plan("市委政研室", 2023, "第二版")
    store.add("政研室.txt", new, replace=True)
    assert (library_copy / "政研室.txt").read_bytes() == new
    [entry] = store.history()
    assert entry.file == "政研室.txt"
    assert b"\xe7\xac\xac\xe4\xb8\x80\xe7\x89\x88" in (library_copy / HISTORY_DIR / entry.id).read_bytes()


def test_restore_from_history_brings_back_file_and_manifest_entry(library_copy: Path):
    manifest = library_copy / "manifest.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        f'file = "{SAMPLE}"', f'file = "{SAMPLE}"\ndimensions = {{ "6" = "center" }}'), encoding="utf-8")
    store = PlanStore(library_copy)
    original_entry = read_manifest(library_copy)[SAMPLE]
    old_data = (library_copy / SAMPLE).read_bytes()
    result = store.add("新版.txt", sample_variant(2022, "数字党建驾驶舱"), replace=True)

    with pytest.raises(StoreError) as err:  # the new version is current: same organ and year
        store.restore(result.replaced[0])
    assert err.value.code == "restore_exists" and "新版.txt" in err.value.message

    store.remove("新版")
    assert store.restore(result.replaced[0]) == SAMPLE
    assert (library_copy / SAMPLE).read_bytes() == old_data
    assert read_manifest(library_copy)[SAMPLE] == original_entry
    assert store.history() == []
    assert core.open_library(library_copy).plan(SAMPLE.removesuffix(".txt")).organ == "市委政研室"


def test_organs_that_differ_in_digits_do_not_collide(store: PlanStore):
    first = store.add("并发00.txt", small_plan("并发单位00", 2022))
    second = store.add("并发01.txt", small_plan("并发单位01", 2022))
    assert (first.meta.organ, second.meta.organ) == ("并发单位00", "并发单位01")
    assert first.replaced == [] and second.replaced == []
    cand = store.check_upload("并发00新版.txt", small_plan("并发单位00", 2022, "落实新制度"))
    assert cand.refusal.code == "exists" and [m.file for m in cand.replaces] == ["并发00.txt"]


def test_upload_says_where_organ_and_year_came_from(store: PlanStore):
    detected = store.check_upload("a.txt", small_plan("市委办", 2023))
    assert (detected.meta.organ_source, detected.meta.year_source) == ("text", "text")
    given = store.check_upload("a.txt", small_plan("市委办", 2023), organ="县委办")
    assert (given.meta.organ_source, given.meta.year_source) == ("manifest", "text")
