"""Manifest reading and organ/year detection from text or file name."""
from __future__ import annotations

import pytest

from core.manifest import ManifestError, detect_metadata, format_manifest, read_manifest
from conftest import SAMPLE_DIR

CASES = [
    ("2022年市委政研室机关党的建设工作的总体要求是：……", "", "市委政研室", 2022),
    ("2022年是党的二十大召开之年。2022年度区局机关党建工作总体要求是：……", "", "区局", 2022),
    ("2022年市直机关党的建设工作总要求是:以……", "", "市直机关", 2022),
    ("2023年省司法厅机关党建工作要点\n一、……", "", "省司法厅", 2023),
    ("没有单位名称的正文。", "市交通局2021年党建工作要点.docx", "市交通局", 2021),
    ("没有任何线索。", "x.txt", "未命名单位", None),
    # digits and Latin letters are part of a name, so different organs stay different
    ("2022年并发单位00机关党建工作要点\n一、……", "", "并发单位00", 2022),
    ("2022年并发单位01机关党建工作要点\n一、……", "", "并发单位01", 2022),
    ("2023年XX区机关党建工作要点\n一、……", "", "XX区", 2023),
    ("xx镇2021年党建工作要点 坚持以……", "", "xx镇", 2021),
    ("xx 镇 2020 年党建工作要点\n一、……", "", "xx镇", 2020),  # stray spaces inside the title
    ("中共XX县委组织部2023年度机关党建工作计划\n一、……", "", "中共XX县委组织部", 2023),
    ("关于印发XX街道2022年党建工作要点的通知\n一、……", "", "XX街道", 2022),
    # a word before 党建工作 is no organ, nor is a pinyin file name
    ("压实党建工作责任，推动各项任务落地见效。", "12_tongzhan_unmarked_items_2022.txt", "未命名单位", 2022),
    ("推进机关党建工作高质量发展。", "", "未命名单位", None),
    ("2022年全市党建工作要点\n一、……", "", "未命名单位", 2022),
    ("没有单位名称的正文。", "区统战部2022年工作要点.txt", "区统战部", 2022),
]

SOURCES = [
    ("2022年市委政研室机关党的建设工作的总体要求是：……", "a.txt", "text", "text"),
    ("没有单位名称的正文。", "市交通局2021年党建工作要点.docx", "filename", "filename"),
    ("2023年党建工作要点", "市交通局.docx", "filename", "text"),
    ("压实党建工作责任。", "tongzhan.txt", "none", "none"),
]


@pytest.mark.parametrize("text,file_name,organ,year", CASES)
def test_detect_metadata(text, file_name, organ, year):
    meta = detect_metadata(text, file_name)
    assert (meta.organ, meta.year) == (organ, year)
    assert meta.detected


@pytest.mark.parametrize("text,file_name,organ_source,year_source", SOURCES)
def test_detected_metadata_says_where_it_came_from(text, file_name, organ_source, year_source):
    meta = detect_metadata(text, file_name)
    assert (meta.organ_source, meta.year_source) == (organ_source, year_source)


def test_manifest_entries_come_from_the_manifest():
    entry = read_manifest(SAMPLE_DIR)["000_c066458c1de48185.txt"]
    assert (entry.organ_source, entry.year_source) == ("manifest", "manifest")


def test_sample_manifest_has_every_file():
    entries = read_manifest(SAMPLE_DIR)
    assert {p.name for p in SAMPLE_DIR.glob("*.txt")} == set(entries)
    assert entries["004_9c5b98e22b1f5069.txt"].organ == "市直机关工委"


def test_format_manifest_round_trips(tmp_path):
    entries = list(read_manifest(SAMPLE_DIR).values())
    entries[0].dimensions = {2: "theory"}
    (tmp_path / "manifest.toml").write_text(format_manifest(entries), encoding="utf-8")
    again = read_manifest(tmp_path)
    assert list(again.values()) == entries


def test_bad_manifest_says_what_to_fix(tmp_path):
    (tmp_path / "manifest.toml").write_text("[[plan]]\nfile = \n", encoding="utf-8")
    with pytest.raises(ManifestError, match="manifest.toml 第2行格式有误"):
        read_manifest(tmp_path)


@pytest.mark.parametrize("entry, line, says", [
    ('file = "a.txt"\nyear = "abc"', 3, "年度应为四位数字（现在是“abc”）"),
    ('file = "a.txt"\norgan = "x"\nyear = 20222', 4, "年度应为四位数字"),
    ('file = "a.txt"\nyear = true', 3, "年度应为四位数字"),
    ('file = "a.txt"\norgan = 123', 3, "单位应为文字"),
    ('file = "a.txt"\nlevel = ["区"]', 3, "层级应为文字"),
    ('file = "a.txt"\ndimensions = { "五" = "center" }', 3, "章节维度“五”应为章节序号"),
    ('file = "a.txt"\ndimensions = "center"', 3, "章节维度应写成"),
    ('organ = "x"', 1, "缺少 file"),
])
def test_wrong_manifest_value_names_file_and_line(tmp_path, entry, line, says):
    (tmp_path / "manifest.toml").write_text(f"[[plan]]\n{entry}\n", encoding="utf-8")
    with pytest.raises(ManifestError) as caught:
        read_manifest(tmp_path)
    message = str(caught.value)
    assert message.startswith(f"manifest.toml 第{line}行：") and says in message
    assert "\n" not in message


def test_year_as_four_digit_text_is_read(tmp_path):
    (tmp_path / "manifest.toml").write_text('[[plan]]\nfile = "a.txt"\nyear = "2023"\n', encoding="utf-8")
    assert read_manifest(tmp_path)["a.txt"].year == 2023


def test_manifest_of_many_entries_is_located_in_linear_time(tmp_path):
    entries = "".join(f'[[plan]]\nfile = "{n}.txt"\nyear = 2022\n\n' for n in range(10_000))
    (tmp_path / "manifest.toml").write_text(entries + '[[plan]]\nfile = "x.txt"\nyear = "x"\n',
                                            encoding="utf-8")
    with pytest.raises(ManifestError, match=f"第{10_000 * 4 + 3}行"):
        read_manifest(tmp_path)
