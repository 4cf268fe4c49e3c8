"""One organ's plan at a glance (单位画像): structure, theme coverage, omissions, 特色任务, commitments.

:func:`scorecard` gathers the pieces as DataFrames; :func:`scorecard_docx` writes
them as a Word document with Chinese headings and tables (East Asian font set, so
Chinese renders in Word and LibreOffice alike).

>>> card = scorecard(lib, "000_c066458c1de48185")               # doctest: +SKIP
>>> card["plan"]["organ"], card["coverage"].head(), card["omissions"]  # doctest: +SKIP
>>> open("画像.docx", "wb").write(scorecard_docx(lib, "000_c066458c1de48185"))  # doctest: +SKIP
"""
from __future__ import annotations

import io
from typing import Any

import pandas as pd
from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from .commitments import commitments
from .distinct import distinctive_items
from .reviews import summary

EAST_ASIAN_FONT = "SimSun"
COVERED, NOT_COVERED = "已覆盖", "未涉及"


def scorecard(lib: Any, plan_id: str) -> dict[str, Any]:
    """The parts of a plan's scorecard.

    Keys: ``plan`` (dict: plan_id, organ, year, level, title, sections, items),
    ``structure`` (one row per section, with its item titles), ``coverage`` (one row
    per theme: item count, 已覆盖/未涉及 after any person's review, the items, the review
    in words), ``omissions`` (required themes missing, nearest candidate and why, the
    review), ``distinctive`` (特色任务) and ``commitments``.
    """
    plans = lib.plans[lib.plans["plan_id"] == plan_id]
    if plans.empty:
        raise KeyError(f"计划库中没有编号为 {plan_id} 的计划")
    plan = plans.iloc[0]
    tax = lib.taxonomy
    dimension_name = {d.id: d.name for d in tax.dimensions}
    items = lib.items[lib.items["plan_id"] == plan_id]
    sections = lib.sections[lib.sections["plan_id"] == plan_id]
    structure = pd.DataFrame({
        "section_no": sections["section_no"].to_numpy(), "marker": sections["marker"].to_numpy(),
        "title": sections["title"].to_numpy(),
        "dimension": [dimension_name.get(d, "其他") for d in sections["dimension"]],
        "items": sections["items"].to_numpy(),
        "item_titles": [tuple(f"{m}{t}" for m, t in zip(g["marker"], g["title"]))
                        for _, g in ((sid, items[items["section_id"] == sid]) for sid in sections["section_id"])],
    })
    cover = lib.coverage()
    cover = cover[cover["plan_id"] == plan_id]
    label = dict(zip(items["item_id"], items["marker"] + items["title"]))
    coverage = pd.DataFrame({
        "theme": cover["theme"].to_numpy(), "theme_name": cover["theme_name"].to_numpy(),
        "dimension": [dimension_name.get(d, d) for d in cover["dimension"]],
        "required": cover["required"].to_numpy(), "count": cover["count"].to_numpy(),
        "status": [COVERED if c else NOT_COVERED for c in cover["covered"]],
        "items": [tuple(dict.fromkeys(label[e["item_id"]] for e in lib.evidence_for(plan_id, t)))
                  if c else () for t, c in zip(cover["theme"], cover["covered"])],
        "review": [summary(rv, m) for rv, m in zip(cover["review"], cover["machine_covered"])],
    })
    omitted = lib.omissions(candidates=False)
    omitted = omitted[omitted["plan_id"] == plan_id]
    nearest = [lib.nearest_candidate(plan_id, t) for t in omitted["theme"]]
    omissions = pd.DataFrame({
        "theme": omitted["theme"].to_numpy(), "theme_name": omitted["theme_name"].to_numpy(),
        "candidate_item_id": [n["candidate_item_id"] for n in nearest],
        "candidate": [label.get(n["candidate_item_id"], "") for n in nearest],
        "reason": [n["reason"] for n in nearest], "preamble_mention": omitted["preamble_mention"].to_numpy(),
        "review": [summary(rv, m) for rv, m in zip(*_reviews_of(cover, omitted["theme"]))],
    })
    return {
        "plan": {"plan_id": plan_id, "organ": plan["organ"],
                 "year": None if pd.isna(plan["year"]) else int(plan["year"]), "level": plan["level"],
                 "title": plan["title"], "sections": int(plan["sections"]), "items": int(plan["items"])},
        "structure": structure, "coverage": coverage, "omissions": omissions,
        "distinctive": distinctive_items(lib, plan_id), "commitments": commitments(lib, plan_id),
    }


def _reviews_of(cover: pd.DataFrame, themes: pd.Series) -> tuple[list, list]:
    """The review dicts and machine answers of ``themes`` in one plan's coverage rows."""
    by_theme = cover.set_index("theme")
    return ([by_theme.at[t, "review"] for t in themes], [by_theme.at[t, "machine_covered"] for t in themes])


def scorecard_docx(lib: Any, plan_id: str) -> bytes:
    """The scorecard as a .docx document (bytes).

    >>> docx_bytes = scorecard_docx(lib, "000_c066458c1de48185")     # doctest: +SKIP
    """
    card = scorecard(lib, plan_id)
    info = card["plan"]
    doc = Document()
    for style in ("Normal", "Title", "Heading 1", "Heading 2", "Table Grid"):
        _set_east_asian_font(doc.styles[style], EAST_ASIAN_FONT)
    doc.styles["Normal"].font.size = Pt(10.5)
    year = f"{info['year']}年" if info["year"] is not None else ""
    doc.add_heading(f"{info['organ']}{year}机关党建工作要点 单位画像", level=0)
    doc.add_paragraph(f"计划编号：{info['plan_id']}　层级：{info['level'] or '—'}　"
                      f"章节 {info['sections']} 个，任务条目 {info['items']} 条。")
    if info["title"]:
        doc.add_paragraph(f"标题：{info['title']}")

    doc.add_heading("一、结构", level=1)
    _table(doc, ["章节", "标题", "维度", "条目数", "条目"],
           [(r.marker, r.title, r.dimension, r.items, "；".join(r.item_titles))
            for r in card["structure"].itertuples(index=False)])

    coverage = card["coverage"]
    required = coverage[coverage["required"]]
    doc.add_heading("二、必选主题覆盖", level=1)
    doc.add_paragraph(f"必选主题 {len(required)} 个，已覆盖 {int((required['status'] == COVERED).sum())} 个，"
                      f"未涉及 {int((required['status'] == NOT_COVERED).sum())} 个。")
    _table(doc, ["维度", "主题", "条目数", "情况", "涉及条目", "人工复核"],
           [(r.dimension, r.theme_name, r.count, r.status, "；".join(r.items), r.review or "—")
            for r in required.itertuples(index=False)])

    doc.add_heading("三、缺项及最接近的条目", level=1)
    if card["omissions"].empty:
        doc.add_paragraph("必选主题均已覆盖。")
    else:
        _table(doc, ["缺少的主题", "最接近的条目", "差在哪里", "前言提及", "人工复核"],
               [(r.theme_name, r.candidate or "—", r.reason, r.preamble_mention or "—", r.review or "—")
                for r in card["omissions"].itertuples(index=False)])

    doc.add_heading("四、特色任务", level=1)
    doc.add_paragraph("其他单位计划中没有措辞相近条目的任务（按与最接近条目的相似度从低到高）。")
    if card["distinctive"].empty:
        doc.add_paragraph("未发现特色任务。")
    else:
        _table(doc, ["条目", "与其他单位最接近的条目", "相似度"],
               [(f"{r.marker}{r.title}", f"{r.best_organ}：{r.best_title}" if r.best_organ else "—",
                 f"{r.best_similarity:.2f}") for r in card["distinctive"].itertuples(index=False)])

    doc.add_heading("五、量化目标和时间节点", level=1)
    if card["commitments"].empty:
        doc.add_paragraph("未发现量化目标或时间要求。")
    else:
        _table(doc, ["条目", "类型", "表述", "原文"],
               [(f"{r.marker}{r.title}", r.kind, r.wording, r.context)
                for r in card["commitments"].itertuples(index=False)])
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _table(doc: Any, headers: list[str], rows: list[tuple]) -> None:
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = doc.styles["Table Grid"]
    for cell, text in zip(table.rows[0].cells, headers):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row):
            cell.text = "" if value is None else str(value)


def _set_east_asian_font(style: Any, name: str) -> None:
    """Name ``name`` as the style's East Asian font (python-docx's font.name sets only Latin)."""
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), name)
    for theme_attr in ("w:eastAsiaTheme",):
        if fonts.get(qn(theme_attr)) is not None:
            del fonts.attrib[qn(theme_attr)]


__all__ = ["scorecard", "scorecard_docx", "EAST_ASIAN_FONT"]
