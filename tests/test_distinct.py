"""Boilerplate versus own tasks: clusters of near-duplicates, 特色任务, organ similarity."""
from __future__ import annotations

import numpy as np
import pytest

import core
from core.distinct import (DISTINCT_MAX, DUPLICATE_MIN, CLUSTER_COLUMNS, cluster_items, distinctive_items,
                           nearest_elsewhere, organ_similarity)
from tests.conftest import SAMPLE_DIR
from tests.plan_builders import body_of, item_line, replace_item, sample_lines, write_library

A, B = "004_9c5b98e22b1f5069.txt", "002_07e1a61bf54791a3.txt"


@pytest.fixture(scope="module")
def sample_lib():
    return core.open_library(SAMPLE_DIR)


@pytest.fixture(scope="module")
def copied_lib(tmp_path_factory):
    """乙 copies 甲's item 12 verbatim into its item 9, and a lightly edited 甲 item 7 into its item 16."""
    a = sample_lines(A)
    verbatim = body_of(item_line(a, 12))
    edited = body_of(item_line(a, 7)).replace("深入开展", "认真开展").replace("坚决制止", "严格制止") \
        .replace("切实为基层减负", "为基层减负")
    b = replace_item(replace_item(sample_lines(B), 9, verbatim), 16, edited)
    folder = write_library(tmp_path_factory.mktemp("copied"), {
        "a.txt": ("甲单位", 2022, a), "b.txt": ("乙单位", 2022, b),
        "c.txt": ("丙单位", 2022, sample_lines("000_c066458c1de48185.txt"))})
    return core.open_library(folder)


def cluster_of(df, item_id):
    row = df[df["item_id"] == item_id].iloc[0]
    return set(df.loc[df["cluster_id"] == row["cluster_id"], "item_id"])


def test_copied_items_cluster_with_their_source(copied_lib):
    df = cluster_items(copied_lib)
    assert list(df.columns) == CLUSTER_COLUMNS
    assert len(df) == len(copied_lib.items)
    assert cluster_of(df, "a:4.3") == {"a:4.3", "b:3.2"}        # verbatim copy
    assert cluster_of(df, "a:3.1") == {"a:3.1", "b:5.3"}        # edited copy
    row = df[df["item_id"] == "b:5.3"].iloc[0]
    assert row["cluster_size"] == 2 and row["organs_in_cluster"] == 2
    assert row["nearest_item_id"] == "a:3.1" and 0.6 < row["nearest_similarity"] < 1
    assert df[df["item_id"] == "b:3.2"].iloc[0]["nearest_similarity"] > 0.99
    assert (df.loc[df["plan_id"] == "c", "cluster_size"] == 1).all()


def test_cluster_ids_number_clusters_by_first_appearance(copied_lib):
    df = cluster_items(copied_lib)
    firsts = df.drop_duplicates("cluster_id")["cluster_id"].tolist()
    assert firsts == list(range(1, len(firsts) + 1))
    assert df.groupby("cluster_id").size().reindex(df["cluster_id"]).tolist() == df["cluster_size"].tolist()


def test_threshold_one_leaves_only_verbatim_copies(copied_lib):
    df = cluster_items(copied_lib, threshold=0.999)
    assert set(df.loc[df["cluster_size"] > 1, "item_id"]) == {"a:4.3", "b:3.2"}


def test_sample_shared_wording_clusters(sample_lib):
    df = cluster_items(sample_lib)
    shared = df[df["cluster_size"] > 1]
    assert set(shared["item_id"]) == {"002_07e1a61bf54791a3:2.3", "003_1cfe0b25e4194644:1.3"}
    assert DUPLICATE_MIN <= shared["nearest_similarity"].min()


def test_distinctive_items_of_a_sample_plan(sample_lib):
    df = distinctive_items(sample_lib, "000_c066458c1de48185")
    titles = set(df["title"])
    assert {"激活机关干部“亚运时间”", "丰富机关文化活动"} <= titles
    assert "推动理论学习走深走实" not in titles
    assert (df["best_similarity"] < DISTINCT_MAX).all()
    assert df["best_similarity"].is_monotonic_increasing
    assert (df["best_organ"] != "区市场监管局").all()


def test_copied_item_is_not_distinctive(copied_lib):
    near = nearest_elsewhere(copied_lib, "b")
    row = near[near["item_id"] == "b:3.2"].iloc[0]
    assert row["best_item_id"] == "a:4.3" and not row["distinctive"]
    assert "b:3.2" not in set(distinctive_items(copied_lib, "b")["item_id"])


def test_same_organ_other_year_is_not_elsewhere(tmp_path):
    lines = sample_lines(A)
    lib = core.open_library(write_library(tmp_path / "p", {
        "a.txt": ("甲单位", 2022, lines), "a23.txt": ("甲单位", 2023, lines),
        "c.txt": ("丙单位", 2022, sample_lines("000_c066458c1de48185.txt"))}))
    near = nearest_elsewhere(lib, "a")
    assert set(near["best_organ"]) == {"丙单位"}


def test_unknown_plan(sample_lib):
    with pytest.raises(KeyError):
        distinctive_items(sample_lib, "nope")


def test_organ_similarity_matrix(sample_lib, copied_lib):
    m = organ_similarity(sample_lib)
    assert list(m.index) == list(m.columns) == list(sample_lib.plans["organ"])
    values = m.to_numpy()
    assert np.allclose(values, values.T) and np.allclose(np.diag(values), 1)
    assert ((values >= 0) & (values <= 1)).all()
    copied = organ_similarity(copied_lib)
    original_ab = m.loc["市直机关工委", "市委政研室"]
    assert copied.loc["甲单位", "乙单位"] > original_ab + 0.03
    assert copied.loc["甲单位", "乙单位"] > copied.loc["甲单位", "丙单位"]


def test_organ_similarity_labels_repeat_organs_by_year(tmp_path):
    lines = sample_lines(A)
    lib = core.open_library(write_library(tmp_path / "p", {
        "a.txt": ("甲单位", 2022, lines), "a23.txt": ("甲单位", 2023, lines)}))
    m = organ_similarity(lib)
    assert list(m.columns) == ["甲单位（2022）", "甲单位（2023）"]
    assert m.iloc[0, 1] > 0.99
    assert list(organ_similarity(lib, year=2023).columns) == ["甲单位"]
