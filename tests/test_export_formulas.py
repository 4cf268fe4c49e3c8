"""No export holds a formula: organ names, titles and themes that look like formulas
(``=cmd|' /C calc'!A0``, ``+``, ``-``, ``@``, tab/CR first) are neutralised in values,
headers and sheet names alike. Every cell of every workbook and every CSV field is scanned."""
from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from core.analysis import plan_labels
from core.cli import main
from core.commitments import commitments
from core.export import FORMULA_PREFIXES, to_csv_bytes, to_xlsx_bytes
from core.library import open_library
from core.reference import reference_xlsx, reference_check
from core.scorecard import scorecard_docx
from tests.plan_builders import replace_item, sample_lines, write_library

PAYLOADS = ["=cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)", "\t=1+1", "\r=1+1"]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    samples = ["001_69a5c787e4f211fb.txt", "002_07e1a61bf54791a3.txt", "004_9c5b98e22b1f5069.txt"]
    plans = {}
    for n, payload in enumerate(PAYLOADS):
        lines = replace_item(sample_lines(samples[n % 3]), 2, payload + "加强支部建设。落实三会一课制度。")
        plans[f"p{n}.txt"] = (payload, 2022, lines)
    return write_library(tmp_path_factory.mktemp("formulas"), plans)


def formula_cells_xlsx(data: bytes) -> list[str]:
    workbook = load_workbook(io.BytesIO(data))
    bad = [f"sheet {ws.title!r}" for ws in workbook.worksheets if ws.title.startswith(FORMULA_PREFIXES)]
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith(FORMULA_PREFIXES)):
                    bad.append(f"{ws.title}!{cell.coordinate}={cell.value!r}")
    return bad


def formula_fields_csv(data: bytes) -> list[str]:
    rows = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    return [field for row in rows for field in row if field.startswith(FORMULA_PREFIXES)]


def test_the_library_really_carries_the_payloads(hostile):
    lib = open_library(hostile)
    assert set(lib.plans["organ"]) == {p.strip() for p in PAYLOADS}  # the manifest strips tab/CR
    assert any(t.startswith(FORMULA_PREFIXES) for t in lib.items["title"])


def test_reference_xlsx_from_the_cli_has_no_formula(hostile, tmp_path, capsys):
    out = tmp_path / "对标.xlsx"
    assert main(["reference", "p0", "--library", str(hostile), "--xlsx", str(out)]) == 0
    assert formula_cells_xlsx(out.read_bytes()) == []
    headers = [c.value for c in load_workbook(out)["汇总"][1]]
    assert "'+1+cmd|' /C calc'!A0" in headers  # the organ is still there, as text


def test_every_table_export_has_no_formula(hostile):
    lib = open_library(hostile)
    labels = plan_labels(lib.plans)
    cov = lib.coverage()
    by_organ = cov.pivot(index="theme_name", columns="plan_id", values="count").rename(columns=labels).reset_index()
    by_theme = cov.pivot(index="plan_id", columns="theme_name", values="count").rename(index=labels).reset_index()
    tables = {"coverage_by_organ": by_organ, "coverage_by_theme": by_theme, "coverage": cov,
              "omissions": lib.omissions(), "search": lib.search("三会一课"), "items": lib.items,
              "plans": lib.plans, "commitments": commitments(lib),
              "reference": reference_check(lib, "p1")}
    for name, frame in tables.items():
        assert not frame.empty, name
        assert formula_cells_xlsx(to_xlsx_bytes(frame)) == [], name
        assert formula_fields_csv(to_csv_bytes(frame)) == [], name
    sheets = {organ: by_organ for organ in PAYLOADS}  # sheet names from plan text
    assert formula_cells_xlsx(to_xlsx_bytes(sheets)) == []
    assert formula_cells_xlsx(reference_xlsx(reference_check(lib, "p2"), lib.taxonomy)) == []


def test_scorecard_docx_has_no_field_codes(hostile):
    lib = open_library(hostile)
    with zipfile.ZipFile(io.BytesIO(scorecard_docx(lib, "p0"))) as docx:
        body = docx.read("word/document.xml").decode("utf-8")
    assert "fldSimple" not in body and "instrText" not in body  # Word runs DDE only from field codes
    assert "=cmd|" in body  # the organ name is shown, as text


def test_headers_and_sheet_names_starting_with_tab_or_cr_are_neutralised():
    import pandas as pd
    frame = pd.DataFrame({p: [p] for p in PAYLOADS})
    assert formula_cells_xlsx(to_xlsx_bytes({p: frame for p in PAYLOADS})) == []
    assert formula_fields_csv(to_csv_bytes(frame)) == []
    assert formula_fields_csv(to_csv_bytes(frame, headers={p: p for p in PAYLOADS})) == []
