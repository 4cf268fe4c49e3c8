"""CSV / XLSX export: Excel-friendly encoding, readable lists, no formula injection."""
from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from core.export import render_value, to_csv_bytes, to_xlsx_bytes

FRAME = pd.DataFrame({
    "item_id": ["a-0", "b-1", "c-2"],
    "organ": ["市直机关工委", "区市场监管局", "市委政研室"],
    "year": [2022, 2022, 2023],
    "text": ["=HYPERLINK(\"http://x\",\"点我\")", "+1 -2 @SUM(A1)", "落实“三会一课”\n第二行"],
    "themes": [("政治建设", "思想建设"), (), ("组织建设",)],
    "spans": [[(0, 2), (5, 9)], [], [(2, 6)]],
    "score": [3.0, float("nan"), 1.5],
    "title": ["-减负", "@提醒", "普通标题"],
})
HEADERS = {"item_id": "条目", "organ": "机关", "text": "内容"}


def test_csv_has_bom_and_reads_back():
    data = to_csv_bytes(FRAME)
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert back["organ"].tolist() == FRAME["organ"].tolist()
    assert back["themes"].iloc[0] == "政治建设; 思想建设"
    assert back["spans"].iloc[0] == "(0, 2); (5, 9)"
    assert back["text"].iloc[2] == "落实“三会一课”\n第二行"
    assert back["year"].tolist() == [2022, 2022, 2023]


def test_csv_columns_and_headers():
    data = to_csv_bytes(FRAME, columns=["organ", "item_id"], headers=HEADERS)
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert list(back.columns) == ["机关", "条目"]


def test_csv_neutralises_formulas():
    back = pd.read_csv(io.BytesIO(to_csv_bytes(FRAME)), encoding="utf-8-sig")
    assert back["text"].iloc[0].startswith("'=")
    assert back["text"].iloc[1].startswith("'+")
    assert back["title"].tolist()[:2] == ["'-减负", "'@提醒"]


def load_sheet(data: bytes, name: str | None = None):
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return workbook, (workbook[name] if name else workbook.worksheets[0])


def test_xlsx_opens_and_has_rows_with_chinese_headers():
    workbook, sheet = load_sheet(to_xlsx_bytes(FRAME, headers=HEADERS))
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("条目", "机关", "year", "内容")
    assert len(rows) == 1 + len(FRAME)
    assert rows[1][1] == "市直机关工委" and rows[1][4] == "政治建设; 思想建设"
    assert rows[2][6] is None  # NaN → empty cell
    assert sheet.freeze_panes == "A2"
    assert sheet["D2"].alignment.wrap_text
    widths = [sheet.column_dimensions[c].width for c in "ABCD"]
    assert all(6 <= w <= 60 for w in widths) and widths[3] > widths[2]


def test_xlsx_formula_injection_neutralised():
    _, sheet = load_sheet(to_xlsx_bytes(FRAME))
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"
    assert sheet["D2"].value.startswith("'=HYPERLINK")
    assert sheet["D3"].value.startswith("'+1")


def test_xlsx_several_sheets_and_awkward_names():
    data = to_xlsx_bytes({"结果": FRAME, "对照/热力图:2022?": FRAME.head(1), "结果 ": FRAME.head(0)})
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert workbook.sheetnames[0] == "结果"
    assert all(len(n) <= 31 and "/" not in n and ":" not in n for n in workbook.sheetnames)
    assert workbook.worksheets[1].max_row == 2


def test_xlsx_drops_control_characters():
    frame = pd.DataFrame({"text": ["a\x01b\x0bc"]})
    _, sheet = load_sheet(to_xlsx_bytes(frame))
    assert sheet["A2"].value == "abc"


@pytest.mark.parametrize("value, expected", [((1, 2), "1; 2"), ([("a", 1)], "(a, 1)"), (None, None),
                                              (float("nan"), None), ("x", "x"), (3, 3)])
def test_render_value(value, expected):
    assert render_value(value) == expected
