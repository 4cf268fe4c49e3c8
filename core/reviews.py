"""A person's last word on coverage cells: confirm or overrule, kept in ``<library>/reviews.sqlite``.

Rows are only ever added (triggers refuse UPDATE and DELETE): a changed decision is a
new row and the latest row per plan × theme is the decision. Each row records the
SHA-256 of the plan file it was made on, so a plan file replaced for the same organ and
year shows its old decisions as 需复核 (needs a new look) instead of applying them.
Decisions are keyed by plan id and theme id, never by row positions or tags, so they
survive re-opening the library, re-tagging and taxonomy edits.

>>> lib.review("000_c066458c1de48185", "org_life", "omitted", note="只提了一句", by="王")  # doctest: +SKIP
>>> lib.reviews().tail(1)[["theme", "decision", "note"]]                                   # doctest: +SKIP
>>> lib.coverage()[["covered", "machine_covered", "needs_recheck"]]                         # doctest: +SKIP
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Iterator

import numpy as np
import pandas as pd

from .analysis import COVERAGE_COLUMNS, OMISSION_CELL_COLUMNS
from .errors import UserError

REVIEWS_FILE = "reviews.sqlite"
REVIEW_FILES = frozenset({REVIEWS_FILE, f"{REVIEWS_FILE}-wal", f"{REVIEWS_FILE}-shm",
                          f"{REVIEWS_FILE}-journal"})
DECISIONS = {"covered": "已覆盖", "omitted": "缺"}
NOTE_LIMIT = 500
REVIEWER_LIMIT = 40
ITEMS_LIMIT = 50
BUSY_TIMEOUT_MS = 10_000
SCHEMA_VERSION = 1

REVIEW_COLUMNS = ["review_id", "plan_id", "organ", "year", "theme", "decision", "note", "reviewer",
                  "time", "items", "machine_covered", "machine_terms", "plan_sha256"]
REVIEW_STATUS_COLUMNS = ["review_status", "review_decision", "review_note", "review_by", "review_time"]
#: ``Library.coverage()``: the machine's cells with the person's decision laid over them.
REVIEWED_COVERAGE_COLUMNS = COVERAGE_COLUMNS + ["machine_covered", "review", "needs_recheck"]
#: ``Library.omissions(candidates=False)``: omitted cells with their review, flat for export.
REVIEWED_OMISSION_CELL_COLUMNS = OMISSION_CELL_COLUMNS + REVIEW_STATUS_COLUMNS
UPHELD, OVERRULED, RECHECK = "已确认", "已改判", "需复核"

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS reviews (
    review_id INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id TEXT NOT NULL, organ TEXT NOT NULL, year INTEGER, theme TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('covered', 'omitted')),
    note TEXT NOT NULL, reviewer TEXT NOT NULL, time TEXT NOT NULL,
    items TEXT NOT NULL, machine_covered INTEGER NOT NULL, machine_terms TEXT NOT NULL,
    plan_sha256 TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS reviews_cell ON reviews (plan_id, theme);
CREATE TRIGGER IF NOT EXISTS reviews_no_update BEFORE UPDATE ON reviews
    BEGIN SELECT RAISE(ABORT, 'reviews are append-only'); END;
CREATE TRIGGER IF NOT EXISTS reviews_no_delete BEFORE DELETE ON reviews
    BEGIN SELECT RAISE(ABORT, 'reviews are append-only'); END;
PRAGMA user_version = {SCHEMA_VERSION};
"""


class ReviewError(UserError):
    """A refused review (bad input, unreadable or unwritable reviews.sqlite)."""


def corrupt_message(path: Path, detail: str) -> str:
    return (f"复核记录文件 {path.name} 无法读取（{detail}）。计划库照常打开，但复核结论暂不显示，"
            f"也不能新增复核；看板不会改动或覆盖这个文件。请先备份它，再交给维护者修复，"
            f"或把它移出计划库文件夹后重新复核。")


@dataclass(frozen=True)
class Review:
    """One decision as the pages and exports show it."""

    review_id: int
    decision: str
    note: str
    by: str
    time: str
    items: tuple[str, ...]
    machine_covered: bool
    needs_recheck: bool
    plan_id: str

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.review_id, "decision": self.decision, "note": self.note, "by": self.by,
                "time": self.time, "items": list(self.items), "machine_covered": self.machine_covered,
                "needs_recheck": self.needs_recheck, "plan": self.plan_id}


class ReviewStore:
    """The reviews database of one library folder. Safe across threads and processes:
    a connection per call, WAL, a busy timeout, and writes in ``BEGIN IMMEDIATE``.

    Reading never creates the file. A file that is not a readable reviews database sets
    :attr:`error` (Chinese) and is then left alone: reads give no rows, writes refuse.
    """

    def __init__(self, folder: str | os.PathLike) -> None:
        self.path = Path(folder) / REVIEWS_FILE
        self.error: str | None = None
        self._hashes: dict[tuple[str, int, int], str] = {}
        self._lock = threading.Lock()
        self._cached: tuple[int, pd.DataFrame] | None = None

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            yield con
        finally:
            con.close()

    def _check(self, con: sqlite3.Connection) -> bool:
        """True if the file holds our reviews table, False if it is empty; else raise
        sqlite3.DatabaseError (another program's database is not ours to add to)."""
        columns = [row[1] for row in con.execute("PRAGMA table_info(reviews)")]
        if columns == REVIEW_COLUMNS:
            return True
        if columns or con.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]:
            raise sqlite3.DatabaseError("不是本看板的复核记录")
        return False

    def version(self) -> int:
        """The newest row id (0 when there are none; -1 when the file cannot be read)."""
        if self.error is not None:
            return -1
        if not self.path.exists():
            return 0
        try:
            with self._connect() as con:
                if not self._check(con):
                    return 0
                return int(con.execute("SELECT COALESCE(MAX(review_id), 0) FROM reviews").fetchone()[0])
        except sqlite3.Error as err:
            return self._broken(err)

    def _broken(self, err: sqlite3.Error) -> int:
        if isinstance(err, sqlite3.OperationalError) and "locked" in str(err):
            raise ReviewError("busy", "复核记录正被其他会话长时间占用，请稍后刷新页面。") from err
        self.error = corrupt_message(self.path, str(err))
        return -1

    def rows(self) -> pd.DataFrame:
        """Every row, oldest first (a copy; cached until a row is added)."""
        version = self.version()
        with self._lock:
            if self._cached is not None and self._cached[0] == version:
                return self._cached[1].copy()
        frame = _empty_rows()
        if version > 0:
            try:
                with self._connect() as con:
                    frame = pd.read_sql_query("SELECT * FROM reviews WHERE review_id <= ? ORDER BY review_id",
                                              con, params=(version,))
            except (sqlite3.Error, pd.errors.DatabaseError) as err:
                self._broken(err if isinstance(err, sqlite3.Error) else sqlite3.DatabaseError(str(err)))
                frame, version = _empty_rows(), -1
        frame = _typed(frame)
        with self._lock:
            self._cached = (version, frame)
        return frame.copy()

    def add(self, row: dict[str, Any]) -> int:
        """Append one decision row; returns its id."""
        if self.error is not None:
            raise ReviewError("corrupt", self.error)
        values = [row[c] for c in REVIEW_COLUMNS[1:]]
        try:
            with self._connect() as con:
                self._check(con)  # before anything is written to a file that is not ours
                mode = con.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    raise sqlite3.OperationalError(f"journal_mode={mode}")
                con.execute("BEGIN IMMEDIATE")
                try:
                    if not self._check(con):
                        for statement in _statements(_SCHEMA):
                            con.execute(statement)
                    cur = con.execute(f"INSERT INTO reviews ({', '.join(REVIEW_COLUMNS[1:])}) "
                                      f"VALUES ({', '.join('?' * len(values))})", values)
                    con.execute("COMMIT")
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
                return int(cur.lastrowid)
        except sqlite3.DatabaseError as err:
            if isinstance(err, sqlite3.OperationalError):
                text = str(err)
                if "locked" in text or "busy" in text:
                    raise ReviewError("busy", "复核记录正被其他会话占用，未保存；请稍后再试。") from err
                if "readonly" in text or "unable to open" in text:
                    raise ReviewError("readonly", f"无法写入复核记录 {self.path}（{text}），未保存；"
                                                  "请检查计划库文件夹的写入权限。") from err
            self.error = corrupt_message(self.path, str(err))
            raise ReviewError("corrupt", self.error) from err

    def plan_hash(self, file: Path) -> str:
        """SHA-256 of a plan file, remembered by path, size and modification time."""
        try:
            st = file.stat()
        except OSError:
            return ""
        key = (str(file), st.st_size, st.st_mtime_ns)
        found = self._hashes.get(key)
        if found is None:
            try:
                found = hashlib.sha256(file.read_bytes()).hexdigest()
            except OSError:
                return ""
            self._hashes[key] = found
        return found


def _statements(script: str) -> list[str]:
    """The schema's statements one by one (``executescript`` would commit the transaction)."""
    out, current = [], []
    for line in script.strip().splitlines():
        current.append(line)
        joined = "\n".join(current)
        if joined.rstrip().endswith(";") and sqlite3.complete_statement(joined):
            out.append(joined)
            current = []
    return out


def _empty_rows() -> pd.DataFrame:
    return pd.DataFrame({c: [] for c in REVIEW_COLUMNS})


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out["review_id"] = out["review_id"].astype("int64")
    out["year"] = pd.to_numeric(out["year"]).astype("Int64")
    out["machine_covered"] = out["machine_covered"].astype(bool)
    for column in ("items", "machine_terms"):
        out[column] = pd.Series([tuple(json.loads(v)) for v in out[column]], index=out.index, dtype=object)
    for column in ("plan_id", "organ", "theme", "decision", "note", "reviewer", "time", "plan_sha256"):
        out[column] = out[column].astype("str")
    return out[REVIEW_COLUMNS]


# ---------------------------------------------------------------- recording a decision

def _clean_text(value: object, what: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ReviewError("invalid", f"{what}必须是文字。")
    text = value.strip()
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in text):
        raise ReviewError("invalid", f"{what}里有控制字符，请删去后再保存。")
    if len(text) > limit:
        raise ReviewError("too_long", f"{what}最多 {limit} 个字，现在有 {len(text)} 个字；请删减后再保存。")
    return text


def decision_of(value: object) -> str:
    """``covered`` / ``omitted`` (also accepts 已覆盖 / 缺); else ReviewError in Chinese."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise ReviewError("empty", "没有复核结论：请选 covered（已覆盖）或 omitted（缺）。")
    for key, label in DECISIONS.items():
        if text in (key, label):
            return key
    raise ReviewError("invalid", f"复核结论“{text[:20]}”无效：只能是 covered（已覆盖）或 omitted（缺）。")


def record(lib: Any, store: ReviewStore, plan_id: str, theme: str, decision: str, note: str = "",
           by: str = "", items: Iterable[str] = ()) -> dict[str, Any]:
    """Validate and append one decision about ``lib``'s cell; returns the stored row."""
    plans = lib.plans[lib.plans["plan_id"] == plan_id] if isinstance(plan_id, str) else lib.plans.iloc[0:0]
    if plans.empty:
        raise ReviewError("unknown_plan", f"计划库中没有编号为 {plan_id} 的计划；"
                                          "运行 python -m core list 查看计划编号。")
    if not isinstance(theme, str) or theme not in lib.taxonomy.theme_ids:
        raise ReviewError("unknown_theme", f"主题分类中没有 id 为 {theme} 的主题；"
                                           "可用的主题 id 见“主题分类”页或 data/themes.toml。")
    decision = decision_of(decision)
    note = _clean_text(note, "复核说明", NOTE_LIMIT)
    by = _clean_text(by, "复核人", REVIEWER_LIMIT)
    if isinstance(items, str):
        items = [items]
    chosen = list(dict.fromkeys(str(i) for i in items))
    if len(chosen) > ITEMS_LIMIT:
        raise ReviewError("too_many", f"依据条目最多 {ITEMS_LIMIT} 条，现在有 {len(chosen)} 条。")
    own = set(lib.items.loc[lib.items["plan_id"] == plan_id, "item_id"].tolist())
    foreign = [i for i in chosen if i not in own]
    if foreign:
        raise ReviewError("unknown_item", f"条目 {foreign[0][:60]} 不属于计划 {plan_id}；依据条目只能选该计划的条目。")
    plan = plans.iloc[0]
    evidence = lib.evidence_for(plan_id, theme)
    row = {"plan_id": plan_id, "organ": str(plan["organ"]),
           "year": None if pd.isna(plan["year"]) else int(plan["year"]), "theme": theme,
           "decision": decision, "note": note, "reviewer": by,
           "time": datetime.now().astimezone().isoformat(timespec="seconds"),
           "items": json.dumps(chosen, ensure_ascii=False), "machine_covered": int(bool(evidence)),
           "machine_terms": json.dumps(list(dict.fromkeys(e["term"] for e in evidence)), ensure_ascii=False),
           "plan_sha256": store.plan_hash(lib.root / str(plan["file"]))}
    row["review_id"] = store.add(row)
    return row


# ---------------------------------------------------------------- applying decisions

def latest(rows: pd.DataFrame) -> pd.DataFrame:
    """The newest row per plan × theme."""
    return rows.drop_duplicates(["plan_id", "theme"], keep="last")


def matched(rows: pd.DataFrame, plans: pd.DataFrame) -> pd.DataFrame:
    """The decision each current plan × theme has: its own newest row, else (for a plan
    file that replaced the reviewed one) the newest row of a gone plan of the same organ
    and year. Columns of :data:`REVIEW_COLUMNS` plus ``target`` (the current plan id)."""
    last = latest(rows)
    current = set(plans["plan_id"].tolist())
    own = last[last["plan_id"].isin(current)].assign(target=lambda f: f["plan_id"])
    gone = last[~last["plan_id"].isin(current)]
    if gone.empty:
        return own
    keys = plans[["plan_id", "organ", "year"]].rename(columns={"plan_id": "target"})
    keys = keys.astype({"organ": "str", "year": "Int64"})
    inherited = gone.merge(keys, on=["organ", "year"], how="inner")
    inherited = inherited.sort_values("review_id").drop_duplicates(["target", "theme"], keep="last")
    have = set(zip(own["target"], own["theme"]))
    inherited = inherited[[(t, th) not in have for t, th in zip(inherited["target"], inherited["theme"])]]
    return pd.concat([own, inherited], ignore_index=True)


def overlay(coverage: pd.DataFrame, plans: pd.DataFrame, rows: pd.DataFrame,
            plan_hash: Any) -> pd.DataFrame:
    """``coverage`` (machine answers) with ``machine_covered``, ``covered`` (the person's
    decision where there is one that fits the current plan file), ``review`` (a dict or
    None) and ``needs_recheck``."""
    out = coverage.copy()
    out["machine_covered"] = out["covered"].astype(bool)
    review = np.full(len(out), None, dtype=object)
    recheck = np.zeros(len(out), dtype=bool)
    covered = out["machine_covered"].to_numpy().copy()
    decided = matched(rows, plans) if len(rows) else rows
    if len(decided):
        position = {key: i for i, key in enumerate(zip(out["plan_id"].tolist(), out["theme"].tolist()))}
        files = dict(zip(plans["plan_id"], plans["file"]))
        for r in decided.itertuples(index=False):
            at = position.get((r.target, r.theme))
            if at is None:
                continue
            stale = r.plan_sha256 != plan_hash(files[r.target])
            review[at] = Review(int(r.review_id), r.decision, r.note, r.reviewer, r.time, tuple(r.items),
                                bool(r.machine_covered), stale, r.plan_id).as_dict()
            recheck[at] = stale
            if not stale:
                covered[at] = r.decision == "covered"
    out["covered"] = covered
    out["review"] = pd.Series(review, index=out.index, dtype=object)
    out["needs_recheck"] = recheck
    return out


def status_columns(reviews: pd.Series, machine_covered: pd.Series) -> pd.DataFrame:
    """Flat, exportable review columns (Chinese, empty when unreviewed) for rows with a
    ``review`` dict: 已确认 / 已改判 / 需复核, the decision, note, reviewer and time."""
    status, decision, note, by, when = [], [], [], [], []
    for rv, machine in zip(reviews.tolist(), machine_covered.tolist()):
        if not rv:
            for column in (status, decision, note, by, when):
                column.append("")
            continue
        if rv["needs_recheck"]:
            status.append(RECHECK)
        else:
            status.append(UPHELD if (rv["decision"] == "covered") == bool(machine) else OVERRULED)
        label = DECISIONS[rv["decision"]]
        decision.append(f"{label}（计划已替换，原结论未采用）" if rv["needs_recheck"] else label)
        note.append(rv["note"])
        by.append(rv["by"])
        when.append(rv["time"])
    return pd.DataFrame(dict(zip(REVIEW_STATUS_COLUMNS, (status, decision, note, by, when))),
                        index=reviews.index, dtype="str")


def summary(review: dict[str, Any] | None, machine_covered: bool) -> str:
    """One plain line about a cell's decision, for reports ("" when unreviewed).

    >>> summary({"decision": "covered", "note": "见第三章", "by": "王", "needs_recheck": False}, False)
    '已改判为“已覆盖”（王）：见第三章'
    """
    if not review:
        return ""
    label = DECISIONS[review["decision"]]
    if review["needs_recheck"]:
        head = f"需复核（计划文件已替换；原结论“{label}”未采用）"
    elif (review["decision"] == "covered") == bool(machine_covered):
        head = f"已确认“{label}”"
    else:
        head = f"已改判为“{label}”"
    who = f"（{review['by']}）" if review.get("by") else ""
    note = f"：{review['note']}" if review.get("note") else ""
    return head + who + note


def with_status(cells: pd.DataFrame, coverage: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``cells`` (plan_id, theme, …) with :func:`status_columns` from ``coverage``."""
    keyed = coverage.set_index(["plan_id", "theme"])[["review", "machine_covered"]]
    found = keyed.reindex(pd.MultiIndex.from_arrays([cells["plan_id"], cells["theme"]]))
    status = status_columns(pd.Series(found["review"].to_numpy(), index=cells.index, dtype=object),
                            pd.Series(found["machine_covered"].to_numpy(), index=cells.index))
    return pd.concat([cells, status], axis=1)


def agreement(coverage: pd.DataFrame) -> dict[str, Any]:
    """How often the machine's answer (at review time) was upheld, over the reviewed
    cells of ``coverage`` that apply to the current plan files.

    Keys ``reviewed, upheld, rate`` (None without reviews) and the same per machine
    answer: ``covered_reviewed, covered_upheld, omitted_reviewed, omitted_upheld``.
    """
    rows = [rv for rv in coverage["review"].tolist() if rv and not rv["needs_recheck"]]
    out: dict[str, Any] = {"reviewed": len(rows), "upheld": 0}
    for answer, machine in (("covered", True), ("omitted", False)):
        of = [rv for rv in rows if rv["machine_covered"] == machine]
        kept = sum((rv["decision"] == "covered") == machine for rv in of)
        out[f"{answer}_reviewed"], out[f"{answer}_upheld"] = len(of), kept
        out["upheld"] += kept
    out["rate"] = out["upheld"] / out["reviewed"] if out["reviewed"] else None
    out["recheck"] = int(coverage["needs_recheck"].sum())
    return out


def agreement_text(figures: dict[str, Any]) -> str:
    """One Chinese line for the agreement figures."""
    if not figures["reviewed"]:
        return "还没有复核结论：机器判断的可信程度尚无人工核对。"
    text = (f"已复核 {figures['reviewed']} 格，机器判断被确认 {figures['upheld']} 格"
            f"（{figures['rate']:.0%}）：判“已覆盖”的 {figures['covered_reviewed']} 格中确认 "
            f"{figures['covered_upheld']} 格，判“缺”的 {figures['omitted_reviewed']} 格中确认 "
            f"{figures['omitted_upheld']} 格。")
    if figures["recheck"]:
        text += f"另有 {figures['recheck']} 格因计划文件已替换需要重新复核。"
    return text
