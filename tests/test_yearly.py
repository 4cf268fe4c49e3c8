"""Year over year: a synthetic 2023 plan that drops, adds and rewords items."""
from __future__ import annotations

import pytest

import core
from core.yearly import CARRY_MIN, REWORDED, UNCHANGED, year_over_year
from tests.plan_builders import body_of, drop_item, item_line, replace_item, sample_lines, write_library

PLAN = "004_9c5b98e22b1f5069.txt"
ORGAN = "市直机关工委"
NEW_ITEM = ("做好机关常态化疫情防控工作。组织机关干部定期开展核酸检测，"
            "做好疫苗接种，落实机关出入管理和值班值守制度。")


@pytest.fixture(scope="module")
def change(tmp_path_factory):
    lines = sample_lines(PLAN)
    # 2023: item 8 (扎实履行监督职责) slightly reworded, item 12 (积极倡树发展正能量)
    # replaced by a 疫情防控 task (a theme the 2022 plan lacks), item 11 (主动融入重大发展战略,
    # the plan's only 乡村振兴 item) dropped.
    reworded = body_of(item_line(lines, 8)).replace("充分发挥", "更好发挥").replace("做好案件审核及备案工作", "做好案件审核工作")
    lines_2023 = drop_item(replace_item(replace_item(lines, 8, reworded), 12, NEW_ITEM), 11)
    folder = write_library(tmp_path_factory.mktemp("years"), {
        "a2022.txt": (ORGAN, 2022, lines), "a2023.txt": (ORGAN, 2023, lines_2023),
        "other.txt": ("区市场监管局", 2022, sample_lines("000_c066458c1de48185.txt"))})
    return year_over_year(core.open_library(folder), ORGAN, 2022, 2023)


def test_added_dropped_and_carried(change):
    assert change["plans_a"] == ["a2022"] and change["plans_b"] == ["a2023"]
    assert change["added"]["item_id"].tolist() == ["a2023:4.2"]
    assert change["added"]["title"].tolist() == ["做好机关常态化疫情防控工作"]
    assert set(change["dropped"]["title"]) == {"积极倡树发展正能量", "主动融入重大发展战略"}
    assert (change["dropped"]["nearest_similarity"] < CARRY_MIN).all()
    carried = change["carried"]
    assert len(carried) == 17
    assert (carried["title_a"] == carried["title_b"]).all()


def test_reworded_item_is_paired_and_marked(change):
    carried = change["carried"]
    row = carried[carried["title_a"] == "扎实履行监督职责"].iloc[0]
    assert row["item_id_a"] == "a2022:3.2" and row["item_id_b"] == "a2023:3.2"
    assert row["change"] == REWORDED and CARRY_MIN <= row["similarity"] < 1
    others = carried[carried["title_a"] != "扎实履行监督职责"]
    assert (others["change"] == UNCHANGED).all()
    assert (others["similarity"] > 0.99).all()


def test_themes_gained_and_lost(change):
    themes = change["themes"].set_index("theme")
    assert "epidemic" in change["themes_gained"] and "rural" in change["themes_lost"]
    assert themes.loc["epidemic", ["items_a", "items_b", "change"]].tolist() == [0, 1, "新增"]
    assert themes.loc["rural", ["items_a", "items_b", "change"]].tolist() == [1, 0, "不再涉及"]
    # 积极倡树发展正能量 was one of the plan's two 精神文明 items.
    assert themes.loc["civilization", ["items_a", "items_b", "change"]].tolist() == [2, 1, "减少"]
    assert themes.loc["political_org", "change"] == "持平"
    assert len(themes) == 29


def test_missing_year_is_a_chinese_error(tmp_path):
    lib = core.open_library(write_library(tmp_path / "p", {"a.txt": (ORGAN, 2022, sample_lines(PLAN))}))
    with pytest.raises(ValueError, match="2023年"):
        year_over_year(lib, ORGAN, 2022, 2023)
