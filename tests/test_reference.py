"""对标检查: statuses against hand-labelled pairs, shape, filters and the xlsx export."""
from __future__ import annotations

import io
import shutil

import numpy as np
import openpyxl
import pandas as pd
import pytest

import core
from core.reference import (DEPLOYED, DEPLOYED_MIN, NOT_FOUND, PARTIAL, PARTIAL_MIN, REFERENCE_COLUMNS,
                            reference_check, reference_matrix, reference_xlsx, status_for)
from tests.conftest import SAMPLE_DIR, load_json

REFERENCE = "004_9c5b98e22b1f5069"
RANK = {NOT_FOUND: 0, PARTIAL: 1, DEPLOYED: 2}


@pytest.fixture(scope="module")
def lib():
    return core.open_library(SAMPLE_DIR)


@pytest.fixture(scope="module")
def labelled(lib):
    """(label, predicted status, score, matched item acceptable?) for every labelled pair."""
    pairs = load_json("reference_pairs.json")["pairs"]
    checks = {ref: reference_check(lib, ref) for ref in {p["plan"] for p in pairs} | {p["reference"].split(":")[0] for p in pairs}}
    out = []
    for p in pairs:
        df = checks[p["reference"].split(":")[0]]
        row = df[(df["reference_item_id"] == p["reference"]) & (df["plan_id"] == p["plan"])]
        assert len(row) == 1, p
        row = row.iloc[0]
        out.append((p["status"], row["status"], float(row["score"]), row["match_item_id"] in p["items"]))
    return out


def test_labels_cover_all_three_statuses():
    pairs = load_json("reference_pairs.json")["pairs"]
    assert len(pairs) >= 60
    assert {p["status"] for p in pairs} == set(RANK)
    assert all(p["items"] for p in pairs if p["status"] != NOT_FOUND)
    assert not any(p["items"] for p in pairs if p["status"] == NOT_FOUND)


def test_status_accuracy_on_labelled_pairs(labelled):
    right = sum(label == got for label, got, _, _ in labelled)
    assert right / len(labelled) >= 0.72, f"{right}/{len(labelled)}"


def test_deployed_or_not_accuracy_on_labelled_pairs(labelled):
    right = sum((label == NOT_FOUND) == (got == NOT_FOUND) for label, got, _, _ in labelled)
    assert right / len(labelled) >= 0.9, f"{right}/{len(labelled)}"


def test_a_deployed_task_is_never_reported_missing(labelled):
    assert not [x for x in labelled if x[0] == DEPLOYED and x[1] == NOT_FOUND]


def test_matched_item_is_one_a_reader_accepts(labelled):
    found = [ok for label, _, _, ok in labelled if label != NOT_FOUND]
    assert sum(found) / len(found) >= 0.8, f"{sum(found)}/{len(found)}"


def test_thresholds_are_near_the_best_on_the_labels(labelled):
    labels = np.array([RANK[x[0]] for x in labelled])
    scores = np.array([x[2] for x in labelled])

    def accuracy(lo: float, hi: float) -> float:
        predicted = np.where(scores >= hi, 2, np.where(scores >= lo, 1, 0))
        return float((predicted == labels).mean())

    grid = np.arange(0.02, 0.5, 0.01)
    best = max(accuracy(lo, hi) for lo in grid for hi in grid if hi >= lo)
    assert accuracy(PARTIAL_MIN, DEPLOYED_MIN) >= best - 0.03


def test_status_thresholds():
    assert status_for(DEPLOYED_MIN) == DEPLOYED
    assert status_for(DEPLOYED_MIN - 1e-6) == PARTIAL
    assert status_for(PARTIAL_MIN) == PARTIAL
    assert status_for(PARTIAL_MIN - 1e-6) == NOT_FOUND
    assert 0 < PARTIAL_MIN < DEPLOYED_MIN < 1


def test_one_row_per_reference_item_and_other_plan(lib):
    df = reference_check(lib, REFERENCE)
    assert list(df.columns) == REFERENCE_COLUMNS
    n_items = int((lib.items["plan_id"] == REFERENCE).sum())
    assert len(df) == n_items * (len(lib.plans) - 1)
    assert REFERENCE not in set(df["plan_id"])
    assert set(df["status"]) <= set(RANK)
    assert df["score"].between(0, 1).all()
    found = df[df["status"] != NOT_FOUND]
    assert (found["match_item_id"].str.split(":").str[0] == found["plan_id"]).all()


def test_organ_filter_takes_names_or_plan_ids(lib):
    by_name = reference_check(lib, REFERENCE, organs=["市委政研室"])
    by_id = reference_check(lib, REFERENCE, organs=["002_07e1a61bf54791a3"])
    assert set(by_name["organ"]) == {"市委政研室"}
    assert by_name.equals(by_id)
    first = by_name.iloc[0]
    assert first["status"] == DEPLOYED and first["match_item_id"] == "002_07e1a61bf54791a3:1.2"


def test_unknown_reference_plan(lib):
    with pytest.raises(KeyError, match="没有编号"):
        reference_check(lib, "no_such_plan")


def test_copied_item_is_deployed_and_empty_plan_is_not(tmp_path):
    folder = tmp_path / "plans"
    folder.mkdir()
    shutil.copy(SAMPLE_DIR / "004_9c5b98e22b1f5069.txt", folder / "a.txt")
    text = (SAMPLE_DIR / "004_9c5b98e22b1f5069.txt").read_text(encoding="utf-8")
    item = next(line for line in text.splitlines() if line.startswith("12."))
    (folder / "b.txt").write_text("2022年某局机关党建工作要点\n一、服务中心\n1." + item[3:] + "\n",
                                  encoding="utf-8")
    (folder / "c.txt").write_text("2022年某办机关党建工作要点。今年要抓好机关党建。\n", encoding="utf-8")
    lib = core.open_library(folder)
    df = reference_check(lib, "a")
    copied = df[(df["plan_id"] == "b") & (df["reference_marker"] == "12.")].iloc[0]
    assert copied["status"] == DEPLOYED and copied["score"] > 0.99
    assert (df[df["plan_id"] == "c"]["status"] == NOT_FOUND).all()
    assert (df[df["plan_id"] == "c"]["match_item_id"] == "").all()


def test_matrix_and_xlsx(lib):
    df = reference_check(lib, REFERENCE)
    matrix = reference_matrix(df)
    assert matrix.shape == (int((lib.items["plan_id"] == REFERENCE).sum()), len(lib.plans))
    assert set(matrix.columns[:-1]) == set(df["organ"])
    book = openpyxl.load_workbook(io.BytesIO(reference_xlsx(df, lib.taxonomy)))
    assert book.sheetnames == ["汇总", "明细"]
    detail = book["明细"]
    headers = [c.value for c in detail[1]]
    assert "部署情况" in headers and "最接近条目" in headers
    assert detail.max_row == len(df) + 1
    column = headers.index("共同主题") + 1
    shared = [row[0] for row in detail.iter_rows(min_row=2, min_col=column, max_col=column, values_only=True)
              if row[0]]
    assert shared and all("_" not in s for s in shared)  # theme names, not ids


def test_matrix_keeps_tasks_and_plans_apart_when_labels_repeat():
    """Two reference tasks with the same number and title (numbering restarts per section)
    and two files of one organ and year must not collapse into one cell."""
    rows = []
    for ref_id in ("r:1.1", "r:2.1"):
        for plan_id, status in (("a", "已部署"), ("b", "未见部署")):
            rows.append({"reference_item_id": ref_id, "reference_marker": "（一）",
                         "reference_title": "加强学习", "plan_id": plan_id, "organ": "某局",
                         "year": 2022, "status": status})
    df = pd.DataFrame(rows)
    matrix = reference_matrix(df)
    assert matrix.shape == (2, 3)
    assert list(matrix.index) == ["（一） 加强学习〔r:1.1〕", "（一） 加强学习〔r:2.1〕"]
    assert list(matrix.columns[:2]) == ["某局（2022）〔a〕", "某局（2022）〔b〕"]
    assert matrix["已部署单位数"].tolist() == [1, 1]
