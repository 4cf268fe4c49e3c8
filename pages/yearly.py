"""年度对比: what an organ added, dropped and carried over from one year's plan to another's."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from app import urlstate
from app.frame import View, current_view, empty_state, friendly_errors, require_frame
from app.safe import md_escape
from app.safe import html_text as esc
from app.tables import Cell, diff_html, html_table, styled
from core.yearly import CARRY_MIN, REWORDED, UNCHANGED, year_over_year

require_frame()

CHANGE_CSS = {"新增": "ok", "不再涉及": "bad", "增多": "ok", "减少": "warn", "持平": ""}


def organ_years(view: View) -> dict[str, list[int]]:
    """Organ → its distinct years among the kept plans (organs in library order)."""
    plans = view.plans
    out: dict[str, list[int]] = {}
    for organ, year in zip(plans["organ"], plans["year"]):
        years = out.setdefault(str(organ), [])
        if pd.notna(year) and int(year) not in years:
            years.append(int(year))
    return {organ: sorted(years) for organ, years in out.items()}


def pickers(view: View) -> tuple[str, list[int], int | None, int | None]:
    years_of = organ_years(view)
    organs = list(years_of)
    several = [o for o in organs if len(years_of[o]) >= 2]
    default = several[0] if several else organs[0]
    urlstate.seed("yoy_organ", "organ", urlstate.choice_parser(organs, default), default)
    current = st.session_state.get("yoy_organ")
    # A value this page chose itself follows the library (e.g. a second year appears);
    # a value the user or the URL chose stays while it is still an option.
    if current not in organs or (current == st.session_state.get("_yoy_auto") and current != default):
        st.session_state["yoy_organ"] = default
    st.session_state["_yoy_auto"] = default if st.session_state["yoy_organ"] == default else None
    cols = st.columns([2, 1, 1])
    organ = cols[0].selectbox("单位", organs, key="yoy_organ",
                              format_func=lambda o: o if len(years_of[o]) >= 2 else f"{o}（仅一个年度）")
    urlstate.publish("organ", organ)
    years = years_of[organ]
    if len(years) < 2:
        for param in ("from", "to"):
            urlstate.publish(param, None)
        return organ, years, None, None
    parse = urlstate.choice_parser(years, None)
    urlstate.seed("yoy_from", "from", parse, years[-2])
    urlstate.seed("yoy_to", "to", parse, years[-1])
    for key, fallback in (("yoy_from", years[-2]), ("yoy_to", years[-1])):
        if st.session_state.get(key) not in years:
            st.session_state[key] = fallback
    year_a = cols[1].selectbox("较早年度", years, key="yoy_from")
    year_b = cols[2].selectbox("较晚年度", years, key="yoy_to")
    urlstate.publish("from", str(year_a))
    urlstate.publish("to", str(year_b))
    return organ, years, year_a, year_b


def theme_section(view: View, change: dict) -> None:
    names = view.theme_names
    gained = [names.get(t, t) for t in change["themes_gained"]]
    lost = [names.get(t, t) for t in change["themes_lost"]]
    left, right = st.columns(2)
    with left:
        st.markdown("**新涉及的主题**：" + (md_escape("、".join(gained)) if gained else "无"))
    with right:
        st.markdown("**不再涉及的主题**：" + (md_escape("、".join(lost)) if lost else "无"))
    themes = change["themes"]
    moved = themes[themes["change"] != "持平"]
    if moved.empty:
        st.caption("各主题的条目数两年相同。")
        return
    dims = view.dimension_names
    rows = [(dims.get(r.dimension, r.dimension), r.theme_name, r.items_a, r.items_b,
             Cell(r.change, CHANGE_CSS.get(r.change, ""))) for r in moved.itertuples(index=False)]
    st.html(styled(html_table(["维度", "主题", f"{change['year_a']}年条目数", f"{change['year_b']}年条目数", "变化"],
                              rows, ["18%", "32%", "16%", "16%", "18%"])))


def item_list(frame: pd.DataFrame, other_year: int, empty: str) -> None:
    if frame.empty:
        st.info(empty)
        return
    rows = [(f"{r.marker}{r.title}", Cell(lines=tuple(str(r.text).splitlines()) or ("",)),
             f"{r.nearest_title}（{r.nearest_similarity:.2f}）" if r.nearest_item_id else "—")
            for r in frame.itertuples(index=False)]
    st.html(styled(html_table(["条目", "原文", f"{other_year}年最接近的条目（相似度）"], rows,
                              ["22%", "53%", "25%"])))


def carried_list(carried: pd.DataFrame, year_a: int, year_b: int) -> None:
    if carried.empty:
        st.info("两年的计划没有措辞相近、可以认定为延续的条目。")
        return
    only_changed = st.toggle("只看措辞调整的条目", value=True, key="yoy_changed_only", persist_state="session")
    shown = carried[carried["change"] == REWORDED] if only_changed else carried
    if shown.empty:
        st.info("延续的条目原文都没有改动。关闭“只看措辞调整的条目”可查看全部。")
        return
    st.caption("措辞调整的条目中，删去的文字标红划线，新加的文字标绿。")
    rows = []
    for r in shown.itertuples(index=False):
        mark = Cell(f"{r.change}（{r.similarity:.2f}）", "warn" if r.change == REWORDED else "muted")
        before, after = diff_html(r.text_a, r.text_b)
        rows.append((Cell(safe_html=f"<b>{esc(r.marker_a)}{esc(r.title_a)}</b><br>{before}"), mark,
                     Cell(safe_html=f"<b>{esc(r.marker_b)}{esc(r.title_b)}</b><br>{after}")))
    st.html(styled(html_table([f"{year_a}年", "变化", f"{year_b}年"], rows, ["44%", "12%", "44%"])))


def comparison(view: View, organ: str, year_a: int, year_b: int) -> None:
    change = year_over_year(view.lib, organ, year_a, year_b)
    carried = change["carried"]
    reworded = int((carried["change"] == REWORDED).sum())
    cols = st.columns(4)
    cols[0].metric("延续（原文未变）", int((carried["change"] == UNCHANGED).sum()))
    cols[1].metric("延续（措辞调整）", reworded)
    cols[2].metric(f"{year_b}年新增", len(change["added"]))
    cols[3].metric(f"{year_a}年有、{year_b}年没有", len(change["dropped"]))
    st.caption(f"两年的条目按措辞一一配对，相似度达到 {CARRY_MIN:.1f} 算作延续，其中原文有改动的标为“措辞调整”；"
               "配不上对的，较晚年度的记为新增，较早年度的记为删去。")
    st.subheader("主题变化")
    theme_section(view, change)
    added, dropped, kept = st.tabs([f"新增（{len(change['added'])}）", f"删去（{len(change['dropped'])}）",
                                    f"延续（{len(carried)}，其中措辞调整 {reworded}）"])
    with added:
        item_list(change["added"], year_a, f"{year_b}年的计划没有新增条目。")
    with dropped:
        item_list(change["dropped"], year_b, f"{year_a}年的条目在{year_b}年都有延续。")
    with kept:
        carried_list(carried, year_a, year_b)


def main() -> None:
    st.title("年度对比")
    view = current_view()
    if view is None or empty_state(view):
        return
    organ, years, year_a, year_b = pickers(view)
    if year_a is None or year_b is None:
        shown = f"（{years[0]}年）" if years else ""
        st.info(f"该单位只有一个年度的计划{shown}，无法对比。年度对比需要同一单位至少两个年度的计划："
                "请把该单位其他年度的计划加入计划库，或在左侧边栏放宽“年度”筛选。")
        if not any(len(y) >= 2 for y in organ_years(view).values()):
            st.caption("当前计划库（及筛选范围）中，每个单位都只有一个年度的计划。")
        return
    if year_a == year_b:
        st.info("请选择两个不同的年度。")
        return
    if year_a > year_b:
        year_a, year_b = year_b, year_a
        st.caption("已按时间先后对比（较早年度在前）。")
    with friendly_errors("对比两个年度的计划"):
        comparison(view, organ, year_a, year_b)


main()
