"""A person's decision on a coverage cell: stored, applied, kept through every re-tag."""
from __future__ import annotations

import dataclasses
import json
import multiprocessing
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import core
from conftest import ROOT, small_plan
from core.errors import UserError
from core.reviews import NOTE_LIMIT, REVIEWS_FILE
from core.store import PlanStore
from core.taxonomy import dump_taxonomy, load_taxonomy

# Read from the plans: 区市场监管局's plan has no item on 智慧党建 (smart) and does
# mention 三会一课 in an item (org_life is covered by the rules).
PLAN = "000_c066458c1de48185"
OMITTED, COVERED = "smart", "org_life"


def cell(lib, plan_id: str, theme: str):
    cov = lib.coverage()
    return cov[(cov["plan_id"] == plan_id) & (cov["theme"] == theme)].iloc[0]


def test_decision_overrules_machine_and_is_listed(library_copy):
    lib = core.open_library(library_copy)
    before = cell(lib, PLAN, OMITTED)
    assert not before["covered"] and before["review"] is None and not before["needs_recheck"]
    lib.review(PLAN, OMITTED, "covered", note="“网上党支部”即此项", by="王")
    after = cell(lib, PLAN, OMITTED)
    assert after["covered"] and not after["machine_covered"]
    assert after["review"]["note"] == "“网上党支部”即此项" and after["review"]["by"] == "王"
    om = lib.omissions(candidates=False)
    assert not ((om["plan_id"] == PLAN) & (om["theme"] == OMITTED)).any()
    lib.review(PLAN, COVERED, "omitted", note="只是顺带一提")
    om = lib.omissions(candidates=False)
    row = om[(om["plan_id"] == PLAN) & (om["theme"] == COVERED)].iloc[0]
    assert row["review_status"] == "已改判" and row["review_note"] == "只是顺带一提"
    history = lib.reviews()
    assert history["theme"].tolist() == [OMITTED, COVERED]
    assert history["machine_covered"].tolist() == [False, True]
    assert "三会一课" in history["machine_terms"].iloc[1]


def test_latest_decision_wins_and_history_is_kept(library_copy):
    lib = core.open_library(library_copy)
    lib.review(PLAN, OMITTED, "covered", note="先判有")
    lib.review(PLAN, OMITTED, "omitted", note="再看没有")
    assert not cell(lib, PLAN, OMITTED)["covered"]
    assert cell(lib, PLAN, OMITTED)["review"]["note"] == "再看没有"
    assert lib.reviews()["note"].tolist() == ["先判有", "再看没有"]
    with sqlite3.connect(library_copy / REVIEWS_FILE) as con, pytest.raises(sqlite3.DatabaseError):
        con.execute("DELETE FROM reviews")  # append-only, also for other programs


def test_decisions_survive_reopen_retag_and_taxonomy_change(library_copy, tmp_path):
    lib = core.open_library(library_copy)
    lib.review(PLAN, OMITTED, "covered", by="王")
    lib.review(PLAN, COVERED, "omitted", by="王")
    reopened = core.open_library(library_copy)
    assert reopened.fingerprint == lib.fingerprint  # the database is not a plan change
    assert cell(reopened, PLAN, OMITTED)["covered"] and not cell(reopened, PLAN, COVERED)["covered"]
    # a taxonomy in which the rules no longer see org_life anywhere
    tax = load_taxonomy()
    edited = dataclasses.replace(tax, themes=tuple(
        dataclasses.replace(t, terms=("不会出现的词语甲乙丙",), regex=(), exclude=()) if t.id == COVERED else t
        for t in tax.themes), _cache={})
    retagged = reopened.retag(edited)
    row = cell(retagged, PLAN, COVERED)
    assert not row["machine_covered"] and not row["covered"] and row["review"]["by"] == "王"
    path = tmp_path / "edited.toml"
    path.write_text(dump_taxonomy(edited), encoding="utf-8")
    other = core.open_library(library_copy, taxonomy=path)
    assert cell(other, PLAN, OMITTED)["covered"] and not cell(other, PLAN, COVERED)["covered"]


def test_replaced_plan_marks_its_decisions_for_recheck(tmp_path):
    folder = tmp_path / "lib"
    folder.mkdir()
    store = PlanStore(folder)
    store.add("a.txt", small_plan("市委办", 2023), organ="市委办", year=2023)
    lib = core.open_library(folder)
    lib.review("a", "org_life", "omitted", note="旧文件")
    assert not cell(lib, "a", "org_life")["covered"]
    store.add("b.txt", small_plan("市委办", 2023, "落实第一议题制度并抓好三会一课"), organ="市委办",
              year=2023, replace=True)
    lib = core.open_library(folder)
    row = cell(lib, "b", "org_life")
    assert row["needs_recheck"] and row["covered"] == row["machine_covered"] == True  # noqa: E712
    assert row["review"]["note"] == "旧文件" and row["review"]["plan"] == "a"
    assert lib.review_agreement()["recheck"] == 1
    lib.review("b", "org_life", "covered", note="新文件看过")
    row = cell(lib, "b", "org_life")
    assert not row["needs_recheck"] and row["review"]["note"] == "新文件看过"


def test_same_name_file_changed_needs_recheck(tmp_path):
    folder = tmp_path / "lib"
    folder.mkdir()
    (folder / "a.txt").write_bytes(small_plan("市委办", 2023))
    lib = core.open_library(folder)
    lib.review("a", "org_life", "omitted")
    (folder / "a.txt").write_bytes(small_plan("市委办", 2023, "加强理论武装"))
    row = cell(core.open_library(folder), "a", "org_life")
    assert row["needs_recheck"] and row["covered"]


def _write_many(args: tuple[str, int]) -> int:
    folder, worker = args
    lib = core.open_library(folder)
    themes = lib.taxonomy.theme_ids
    for i in range(20):
        lib.review(PLAN, themes[(worker * 20 + i) % len(themes)], "covered", by=f"进程{worker}", note=str(i))
    return 20


def test_two_processes_writing_at_once_lose_nothing(library_copy):
    core.open_library(library_copy)  # snapshot first, so both processes open it warm
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        written = pool.map(_write_many, [(str(library_copy), 0), (str(library_copy), 1)])
    rows = core.open_library(library_copy).reviews()
    assert sum(written) == len(rows) == 40
    assert sorted(rows["reviewer"].value_counts().tolist()) == [20, 20]
    assert rows["review_id"].is_unique


@pytest.mark.parametrize("args, code", [
    (("nope", OMITTED, "covered"), "unknown_plan"),
    ((PLAN, "nope", "covered"), "unknown_theme"),
    ((PLAN, OMITTED, ""), "empty"),
    ((PLAN, OMITTED, "maybe"), "invalid"),
])
def test_bad_input_is_refused_in_chinese(library_copy, args, code):
    lib = core.open_library(library_copy)
    with pytest.raises(UserError) as err:
        lib.review(*args)
    assert err.value.code == code and any("\u4e00" <= ch <= "\u9fff" for ch in err.value.message)
    assert not (library_copy / REVIEWS_FILE).exists()


def test_long_note_foreign_item_refused(library_copy):
    lib = core.open_library(library_copy)
    with pytest.raises(UserError, match=str(NOTE_LIMIT)):
        lib.review(PLAN, OMITTED, "covered", note="字" * (NOTE_LIMIT + 1))
    lib.review(PLAN, OMITTED, "covered", note="字" * NOTE_LIMIT)
    other = lib.items[lib.items["plan_id"] != PLAN]["item_id"].iloc[0]
    with pytest.raises(UserError) as err:
        lib.review(PLAN, OMITTED, "covered", items=[other])
    assert err.value.code == "unknown_item"
    own = lib.items[lib.items["plan_id"] == PLAN]["item_id"].iloc[0]
    lib.review(PLAN, OMITTED, "covered", items=[own])
    assert lib.reviews()["items"].iloc[-1] == (own,)


def test_corrupt_database_is_refused_and_left_alone(library_copy):
    garbage = b"not a database at all " * 100
    (library_copy / REVIEWS_FILE).write_bytes(garbage)
    lib = core.open_library(library_copy)
    cov = lib.coverage()
    assert cov["review"].isna().all() and (cov["covered"] == cov["machine_covered"]).all()
    assert "复核记录文件" in lib.review_store.error and lib.reviews().empty
    with pytest.raises(UserError) as err:
        lib.review(PLAN, OMITTED, "covered")
    assert err.value.code == "corrupt" and "不会改动" in err.value.message
    assert (library_copy / REVIEWS_FILE).read_bytes() == garbage
    assert not (library_copy / f"{REVIEWS_FILE}-wal").exists()


def test_foreign_sqlite_database_is_refused(library_copy):
    with sqlite3.connect(library_copy / REVIEWS_FILE) as con:
        con.execute("CREATE TABLE other (x)")
    lib = core.open_library(library_copy)
    with pytest.raises(UserError):
        lib.review(PLAN, OMITTED, "covered")
    with sqlite3.connect(library_copy / REVIEWS_FILE) as con:
        assert [r[0] for r in con.execute("SELECT name FROM sqlite_master")] == ["other"]
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_agreement_counts_upheld_answers(library_copy):
    lib = core.open_library(library_copy)
    assert lib.review_agreement()["rate"] is None
    lib.review(PLAN, OMITTED, "omitted")   # machine upheld
    lib.review(PLAN, COVERED, "covered")   # upheld
    lib.review(PLAN, "model_org", "omitted")  # machine said covered: overruled
    figures = lib.review_agreement()
    assert (figures["reviewed"], figures["upheld"]) == (3, 2)
    assert figures["omitted_reviewed"] == 1 and figures["covered_reviewed"] == 2


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "core", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_cli_set_list_agreement_and_coverage_json(library_copy):
    lib_dir = str(library_copy)
    done = run_cli("review", "set", PLAN, OMITTED, "--covered", "--note", "有网上支部", "--by", "王",
                   "--library", lib_dir)
    assert done.returncode == 0, done.stderr
    listed = json.loads(run_cli("review", "list", "--library", lib_dir, "--json").stdout)
    assert listed["reviews"][0]["note"] == "有网上支部" and listed["reviews"][0]["decision"] == "covered"
    cells = json.loads(run_cli("coverage", lib_dir, "--json").stdout)["cells"]
    reviewed = [c for c in cells if c["review"]]
    assert len(reviewed) == 1 and reviewed[0]["covered"] and not reviewed[0]["machine_covered"]
    assert all(c["review"] is None for c in cells if c is not reviewed[0])
    agreement = run_cli("review", "agreement", "--library", lib_dir)
    assert agreement.returncode == 0 and "已复核 1 格" in agreement.stdout
    bad = run_cli("review", "set", PLAN, "nope", "--omitted", "--library", lib_dir)
    assert bad.returncode == 2 and "主题" in bad.stderr and "Traceback" not in bad.stderr
    too_long = run_cli("review", "set", PLAN, OMITTED, "--omitted", "--note", "长" * 600, "--library", lib_dir)
    assert too_long.returncode == 2 and str(NOTE_LIMIT) in too_long.stderr


def test_cli_says_a_damaged_reviews_file_instead_of_none_yet(library_copy):
    garbage = b"not a database at all " * 100
    (library_copy / REVIEWS_FILE).write_bytes(garbage)
    for command in (["review", "list"], ["review", "agreement"]):
        done = run_cli(*command, "--library", str(library_copy))
        assert done.returncode == 1 and "reviews.sqlite 无法读取" in done.stderr, command
        assert "还没有" not in done.stdout and "Traceback" not in done.stderr
    listed = json.loads(run_cli("review", "list", "--library", str(library_copy), "--json").stdout)
    assert listed["reviews"] == [] and "无法读取" in listed["error"]
    assert (library_copy / REVIEWS_FILE).read_bytes() == garbage


ONLINE_PLAN = ("2023年市档案馆机关党建工作要点\n一、政治建设\n1.落实第一议题制度。认真学习党的创新理论。\n"
               "二、组织建设\n1.建好“红色e家”线上阵地。依托线上阵地开展党员教育，推动支部工作上网。\n"
               "2.抓好三会一课。\n")


def test_suggestions_from_overruled_cells(library_copy):
    from core.review_suggestions import learned, with_rule
    (library_copy / "zz_online.txt").write_text(ONLINE_PLAN, encoding="utf-8")
    lib = core.open_library(library_copy)
    assert learned(lib).empty
    lib.review("zz_online", "smart", "covered", items=["zz_online:2.1"])
    lib.review(PLAN, COVERED, "omitted")
    found = learned(lib)
    terms = found[found["kind"] == "term"]
    assert set(terms["theme"]) == {"smart"} and any("线上" in p for p in terms["phrase"])
    assert not any(p.endswith(("和", "的")) for p in terms["phrase"])
    known = set(lib.taxonomy.theme("smart").terms)
    assert not known & set(terms["phrase"])
    excludes = found[found["kind"] == "exclude"]
    assert set(excludes["theme"]) == {COVERED}
    assert all(len(ctx) > len(term) and term in ctx for term, ctx in zip(excludes["phrase"], excludes["example"]))
    # taking the first term suggestion makes the rules agree with the reviewer
    tax = with_rule(lib.taxonomy, "smart", "term", terms["rule"].iloc[0])
    assert cell(lib.retag(tax), "zz_online", "smart")["machine_covered"]
    # taking an exclude suggestion removes that hit, and only in that context
    row = excludes.iloc[0]
    tax = with_rule(lib.taxonomy, COVERED, "exclude", row["rule"])
    core.parse_taxonomy(dump_taxonomy(tax))  # a valid taxonomy file
    hits = [e["term"] for e in lib.retag(tax).evidence_for(PLAN, COVERED)]
    assert hits.count(row["phrase"]) < [e["term"] for e in lib.evidence_for(PLAN, COVERED)].count(row["phrase"])
