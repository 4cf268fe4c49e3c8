"""单位画像: one organ's plan at a glance — structure, coverage, omissions, 特色任务, commitments.

``?plan=<plan_id>`` makes the page shareable; it prints cleanly (print CSS below)
and downloads as a Word document.
"""
from __future__ import annotations

from functools import partial

import streamlit as st

from app import urlstate
from app.compare import cache_key, plan_option_labels
from app.frame import View, current_view, empty_state, friendly_errors, require_frame
from app.safe import md_escape
from app.tables import PRINT_CSS, Cell, html_table, styled
from core.scorecard import COVERED, scorecard, scorecard_docx

require_frame()

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def plan_picker(view: View) -> str:
    options = view.plan_ids
    urlstate.seed("sc_plan", "plan", urlstate.choice_parser(options, options[0]), options[0])
    if st.session_state.get("sc_plan") not in options:
        st.session_state["sc_plan"] = options[0]
    chosen = st.selectbox("单位", options, key="sc_plan", format_func=plan_option_labels(view.lib.plans).get,
                          help="网址中的 plan= 参数就是所选计划，复制地址栏即可把这份画像发给同事。")
    urlstate.publish("plan", chosen)
    return chosen


@st.cache_data(show_spinner="正在生成单位画像……", max_entries=32)
def scorecard_cached(_lib, fingerprint: str, root: str, plan_id: str) -> dict:
    """The scorecard of one plan, per library version."""
    return scorecard(_lib, plan_id)


def header(card: dict) -> None:
    info = card["plan"]
    year = f"{info['year']}年" if info["year"] is not None else "年度不详"
    st.header(f"{md_escape(info['organ'])}　{year}", anchor=False)
    details = [f"层级：{md_escape(info['level'] or '—')}", f"计划编号：{md_escape(info['plan_id'])}"]
    if info["title"]:
        details.insert(0, f"标题：{md_escape(info['title'])}")
    st.caption("　·　".join(details))
    coverage = card["coverage"]
    required = coverage[coverage["required"]]
    covered = int((required["status"] == COVERED).sum())
    cols = st.columns(6)
    cols[0].metric("章节", info["sections"])
    cols[1].metric("任务条目", info["items"])
    cols[2].metric("必选主题覆盖", f"{covered}/{len(required)}")
    cols[3].metric("缺项", len(card["omissions"]))
    cols[4].metric("特色任务", len(card["distinctive"]))
    cols[5].metric("量化目标和时间节点", len(card["commitments"]))


def structure(card: dict) -> None:
    st.subheader("一、结构", anchor=False)
    frame = card["structure"]
    if frame.empty:
        st.info("这份计划没有解析出章节。")
        return
    rows = [(f"{r.marker}{r.title}", r.dimension, r.items, Cell(lines=tuple(r.item_titles) or ("（无条目）",)))
            for r in frame.itertuples(index=False)]
    st.html(styled(html_table(["章节", "维度", "条目数", "条目"], rows, ["28%", "14%", "9%", "49%"])))


def reviewed_table(headers: list[str], rows: list[tuple], reviews, widths: list[str],
                   widths_reviewed: list[str]) -> None:
    """A table whose rows end in the review text; the 人工复核 column only when some row has
    one (a column of dashes would only narrow the others)."""
    if reviews.astype(bool).any():
        st.html(styled(html_table(headers + ["人工复核"], rows, widths_reviewed)))
    else:
        st.html(styled(html_table(headers, [r[:-1] for r in rows], widths)))


def coverage(card: dict) -> None:
    st.subheader("二、必选主题覆盖", anchor=False)
    frame = card["coverage"]
    required = frame[frame["required"]]
    if required.empty:
        st.info("主题分类中没有必选主题。")
        return
    rows = [(r.dimension, r.theme_name, r.count,
             Cell(("✓ " if r.status == COVERED else "✗ ") + r.status, "ok" if r.status == COVERED else "bad"),
             Cell(lines=tuple(r.items) or ("—",)), r.review or "—")
            for r in required.itertuples(index=False)]
    reviewed_table(["维度", "主题", "条目数", "情况", "涉及条目"], rows, required["review"],
                   ["14%", "20%", "9%", "12%", "45%"], ["12%", "16%", "8%", "10%", "34%", "20%"])
    optional = frame[~frame["required"] & (frame["status"] == COVERED)]
    if not optional.empty:
        st.caption("另涉及非必选主题：" + md_escape("、".join(optional["theme_name"])))


def omissions(card: dict) -> None:
    st.subheader("三、缺项及最接近的条目", anchor=False)
    frame = card["omissions"]
    if frame.empty:
        st.success("必选主题均已覆盖，没有缺项。")
        return
    rows = [(Cell(r.theme_name, "bad"), r.candidate or "（未找到）", r.reason,
             r.preamble_mention if isinstance(r.preamble_mention, str) and r.preamble_mention else "—",
             r.review or "—")
            for r in frame.itertuples(index=False)]
    reviewed_table(["缺少的主题", "最接近的条目", "差在哪里", "前言提及"], rows, frame["review"],
                   ["16%", "28%", "36%", "20%"], ["14%", "24%", "30%", "14%", "18%"])


def body_lines(title: str, text: str) -> list[str]:
    """The item's text without its first line when that line is just the title."""
    lines = [line for line in str(text or "").splitlines() if line.strip()]
    if lines and lines[0].strip().rstrip("。").strip() == str(title).strip():
        lines = lines[1:]
    return lines


def distinctive(card: dict) -> None:
    st.subheader("四、特色任务", anchor=False)
    frame = card["distinctive"]
    st.caption("其他单位计划中没有措辞相近条目的任务，按与最接近条目的相似度从低到高排列。")
    if frame.empty:
        st.info("未发现特色任务：这份计划的每条任务，在其他单位的计划中都能找到措辞相近的条目。")
        return
    rows = [(Cell(lines=(f"{r.marker}{r.title}", *body_lines(r.title, r.text))),
             f"{r.best_organ}：{r.best_title}" if r.best_organ else "—", f"{r.best_similarity:.2f}")
            for r in frame.itertuples(index=False)]
    st.html(styled(html_table(["条目", "其他单位中最接近的条目", "相似度"], rows, ["55%", "35%", "10%"])))


def commitments(card: dict) -> None:
    st.subheader("五、量化目标和时间节点", anchor=False)
    frame = card["commitments"]
    if frame.empty:
        st.info("未发现量化目标或时间要求。")
        return
    rows = [(f"{r.marker}{r.title}", r.kind, r.wording, r.context) for r in frame.itertuples(index=False)]
    st.html(styled(html_table(["条目", "类型", "表述", "所在语句"], rows, ["24%", "9%", "14%", "53%"])))


def actions(view: View, plan_id: str, card: dict) -> None:
    info = card["plan"]
    year = f"{info['year']}年" if info["year"] is not None else ""
    cols = st.columns([1, 3])
    cols[0].download_button("下载单位画像（Word）", partial(scorecard_docx, view.lib, plan_id),
                            file_name=f"{info['organ']}{year}单位画像.docx", mime=DOCX_MIME,
                            icon=":material/download:", on_click="ignore", width="stretch")
    cols[1].caption("也可以用浏览器的“打印”（Ctrl+P）打印本页或另存为 PDF：打印时自动隐藏侧边栏和按钮。")


def links(view: View, plan_id: str) -> None:
    cols = st.columns(2)
    cols[0].page_link("pages/reference.py", label="对标检查：逐条对照对标计划", icon=":material/fact_check:",
                      query_params=view.query_params())
    cols[1].page_link("pages/distinct.py", label="特色任务：和其他单位比措辞", icon=":material/auto_awesome:",
                      query_params={"focus": plan_id, **view.query_params()})


def main() -> None:
    st.html(PRINT_CSS)
    st.title("单位画像")
    view = current_view()
    if view is None or empty_state(view):
        return
    plan_id = plan_picker(view)
    card = scorecard_cached(view.lib, *cache_key(view), plan_id)
    header(card)
    with friendly_errors("生成 Word 文档"):
        actions(view, plan_id, card)
    for part, action in ((structure, "显示结构"), (coverage, "显示主题覆盖"), (omissions, "显示缺项"),
                         (distinctive, "显示特色任务"), (commitments, "显示量化目标")):
        with friendly_errors(action):
            part(card)
    links(view, plan_id)


main()
