"""主题覆盖: themes × organs heatmap, evidence for a clicked cell, the omission report."""
from __future__ import annotations

from collections.abc import Mapping
from functools import partial

import pandas as pd
import streamlit as st

from app import review_panel
from app.charts import RECHECK_MARK, REVIEWED_MARK, coverage_heatmap
from app.evidence import highlighted_block, item_heading
from app.downloads import excel_and_csv
from app.frame import View, current_view, empty_state, friendly_errors, require_frame
from app.pager import paginate
from app.safe import md_escape
from core.reviews import agreement, agreement_text

require_frame()

ORGANS_PER_PAGE = 30     # heatmap columns: readable and quick to draw
OMISSIONS_PER_PAGE = 50  # omission rows whose nearest candidate is looked up on each rerun

REVIEW_HEADERS = {"review_status": "人工复核", "review_note": "复核说明", "review_by": "复核人",
                  "review_time": "复核时间"}
REPORT_COLUMNS = ["organ", "year", "dimension_name", "theme_name", "candidate_title",
                  "candidate_text", "reason", *REVIEW_HEADERS]
REPORT_HEADERS = {"organ": "单位", "year": "年度", "dimension_name": "维度", "theme_name": "缺失的必备主题",
                  "candidate_title": "最接近的条目", "candidate_text": "最接近条目的全文",
                  "reason": "未计入的原因", **REVIEW_HEADERS}
UNREVIEWED = ("", "需复核")
_LAST_CELL = "_cov_last_cell"  # review_status of omissions still waiting for a person


def toggles(many: bool) -> tuple[bool, bool, bool]:
    """The three switches; with many organs, sorting by coverage is on by default."""
    cols = st.columns(3)
    required = cols[0].toggle("只看必备主题", value=True, key="cov_required", persist_state="session")
    grouped = cols[1].toggle("按维度分组", value=True, key="cov_grouped", persist_state="session")
    by_coverage = cols[2].toggle("按覆盖程度排序", value=many, key="cov_sorted", persist_state="session",
                                 help="单位按缺少的必备主题数从多到少（缺得多的在前）；主题按覆盖它的单位数从少到多（缺得多的在上）。")
    return required, grouped, by_coverage


def organ_order(view: View, cov: pd.DataFrame, by_coverage: bool) -> list[str]:
    """Kept plan ids in column order: library order, or most required themes missing first
    (with many organs, the first page is then the organs a supervisor looks at first)."""
    plan_ids = view.plan_ids
    if by_coverage:
        missing = (cov["required"] & ~cov["covered"]).groupby(cov["plan_id"]).sum()
        plan_ids = sorted(plan_ids, key=lambda p: -missing.get(p, 0))
    return plan_ids


def coverage_grid(view: View, cov: pd.DataFrame, grouped: bool, by_coverage: bool,
                  plan_ids: list[str] | None = None) -> dict:
    """Row/column order and the count/omission grids for the heatmap of ``plan_ids`` (default: all kept)."""
    taxonomy = view.lib.taxonomy
    dim_rank = {d: i for i, d in enumerate(taxonomy.dimension_ids)}
    theme_rank = {t: i for i, t in enumerate(taxonomy.theme_ids)}
    themes = cov.drop_duplicates("theme")[["theme", "theme_name", "dimension"]].copy()
    covering = cov.groupby("theme")["covered"].sum()
    themes["organs_covering"] = themes["theme"].map(covering)
    themes["dim_rank"] = themes["dimension"].map(dim_rank).fillna(len(dim_rank))
    themes["theme_rank"] = themes["theme"].map(theme_rank)
    keys = (["dim_rank"] if grouped else []) + (["organs_covering"] if by_coverage else []) + ["theme_rank"]
    themes = themes.sort_values(keys, kind="stable")
    if plan_ids is None:
        plan_ids = organ_order(view, cov, by_coverage)
    names = view.dimension_names
    row_labels = [f"{names.get(d, d)} · {n}" if grouped else n
                  for d, n in zip(themes["dimension"], themes["theme_name"])]
    shown = cov[cov["plan_id"].isin(set(plan_ids))]
    counts = shown.pivot_table(index="theme", columns="plan_id", values="count", aggfunc="sum", fill_value=0)
    counts = counts.reindex(index=themes["theme"], columns=plan_ids, fill_value=0).astype(int)
    missing = shown.assign(missing=shown["required"] & ~shown["covered"])
    omitted = (missing.pivot_table(index="theme", columns="plan_id", values="missing", aggfunc="any")
               .reindex(index=counts.index, columns=counts.columns).fillna(False).astype(bool))
    marked = shown.assign(mark=[RECHECK_MARK if again else REVIEWED_MARK if rv else ""
                                for rv, again in zip(shown["review"], shown["needs_recheck"])])
    marks = (marked.pivot_table(index="theme", columns="plan_id", values="mark", aggfunc="max")
             .reindex(index=counts.index, columns=counts.columns).fillna(""))
    cell_ids = [[(p, t) for p in plan_ids] for t in themes["theme"]]
    labels = view.labels
    return {"counts": counts, "omitted": omitted, "row_labels": row_labels,
            "column_labels": [labels[p] for p in plan_ids], "cell_ids": cell_ids, "marks": marks}


@st.cache_data(show_spinner=False, max_entries=32)
def heatmap_cached(_view: View, fingerprint: str, root: str, kept: tuple[str, ...], shown: tuple[str, ...],
                   required: bool, grouped: bool, by_coverage: bool, reviews_version: int) -> dict:
    """The heatmap of one page of organs (as a plain dict: no re-validation when read back)."""
    cov = _view.keep(_view.lib.coverage())
    if required:
        cov = cov[cov["required"]]
    return coverage_heatmap(**coverage_grid(_view, cov, grouped, by_coverage, list(shown))).to_dict()


def cache_key(lib) -> tuple[str, str]:
    return str(getattr(lib, "fingerprint", "")), str(lib.root)


def selected_cell(event: object) -> tuple[str, str] | None:
    """(plan_id, theme) of the clicked cell, from the chart's selection state."""
    try:
        points = event["selection"]["points"]  # type: ignore[index]
    except (KeyError, TypeError):
        return None
    for point in reversed(list(points or [])):
        data = point.get("customdata") if isinstance(point, Mapping) else None
        if data and len(data) >= 2:
            return str(data[0]), str(data[1])
    return None


def evidence_panel(view: View, cov: pd.DataFrame, plan_id: str, theme: str) -> None:
    row = cov[(cov["plan_id"] == plan_id) & (cov["theme"] == theme)]
    if row.empty:
        st.info("所点的格子不在当前筛选范围内，请重新点选。")
        return
    row = row.iloc[0]
    organ, theme_name = view.labels.get(plan_id, row["organ"]), row["theme_name"]
    st.markdown(f"**{md_escape(organ)} · {md_escape(theme_name)}**")
    review_panel.status(row)
    if row["machine_covered"]:
        evidence = view.lib.evidence_for(plan_id, theme)
        evidence_items(view, evidence)
        suggested = list(dict.fromkeys(e["item_id"] for e in evidence))
    elif row["required"]:
        suggested = omission_detail(view, plan_id, theme)
    else:
        st.info("该单位的计划没有涉及这一主题（非必备主题）。")
        suggested = []
    review_panel.decide(view.lib, row, suggested)


def evidence_items(view: View, evidence: list[dict]) -> None:
    by_item: dict[str, dict] = {}
    for ev in evidence:
        entry = by_item.setdefault(ev["item_id"], {"text": ev["text"], "spans": [], "terms": []})
        entry["spans"].append((ev["start"], ev["end"]))
        entry["terms"].append(ev["term"])
    st.caption(f"共 {len(by_item)} 条任务涉及该主题，命中的词语已标出。")
    items = view.lib.items.set_index("item_id")
    for item_id, entry in by_item.items():
        with st.container(border=True):
            st.markdown(item_heading(items.loc[item_id] if item_id in items.index else None))
            highlighted_block(entry["text"], entry["spans"])
            st.caption("命中：" + md_escape("、".join(dict.fromkeys(entry["terms"]))))


def omission_detail(view: View, plan_id: str, theme: str) -> list[str]:
    """The machine's 缺 with the nearest candidate; returns the candidate's item id (if any)."""
    mentions = view.lib.preamble_mentions
    mention = mentions[(mentions["plan_id"] == plan_id) & (mentions["theme"] == theme)]
    st.error("缺：按主题分类的规则，该单位的计划中没有任务条目涉及这一必备主题。", icon=":material/error:")
    if not mention.empty:
        st.markdown(f"前言中提到：“{md_escape(mention['term'].iloc[0])}”（前言不算具体任务）")
    candidate = view.lib.nearest_candidate(plan_id, theme)
    if not candidate.get("candidate_item_id"):
        st.markdown(f"**最接近的条目**：未找到。{md_escape(candidate['reason'])}")
        return []
    items = view.lib.items.set_index("item_id")
    st.markdown("**最接近的条目**")
    with st.container(border=True):
        item_id = candidate["candidate_item_id"]
        st.markdown(item_heading(items.loc[item_id] if item_id in items.index else None,
                                 fallback=candidate["candidate_title"]))
        highlighted_block(candidate["candidate_text"], list(candidate["candidate_spans"] or []))
    st.markdown(f"**为何不算**：{md_escape(candidate['reason'])}")
    return [item_id]


@st.cache_data(show_spinner="正在查找最接近的条目……", max_entries=64)
def candidates_cached(_lib, fingerprint: str, root: str, cells: tuple[tuple[str, str], ...]) -> list[dict]:
    """Nearest candidates of some omission cells (one page of the report), per library version."""
    return [_lib.nearest_candidate(p, t) for p, t in cells]


def with_candidates(lib, om: pd.DataFrame, cached: bool = False) -> pd.DataFrame:
    """``om`` (omission cells) with the nearest candidate columns, looked up row by row."""
    cells = tuple(zip(om["plan_id"].tolist(), om["theme"].tolist()))
    found = (candidates_cached(lib, *cache_key(lib), cells) if cached
             else [lib.nearest_candidate(p, t) for p, t in cells])
    out = om.copy()
    for column in ("candidate_item_id", "candidate_title", "candidate_text", "reason"):
        out[column] = [f.get(column) for f in found]
    return out


def report_frame(lib, om: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    """The downloadable report: every omission with its nearest candidate (slow: runs on click)."""
    out = with_candidates(lib, om)
    out["dimension_name"] = out["dimension"].map(names).fillna(out["dimension"])
    out["candidate_title"] = out["candidate_title"].fillna("（未找到）")
    return out


def review_progress(cov: pd.DataFrame) -> None:
    """已复核 N / M 个缺项, and how often the machine was upheld."""
    machine_missing = cov[cov["required"] & ~cov["machine_covered"]]
    done = sum(bool(rv) and not again for rv, again in zip(machine_missing["review"], machine_missing["needs_recheck"]))
    st.markdown(f"**已复核 {done} / {len(machine_missing)} 个缺项**（机器判为“缺”的必备主题格子）")
    st.caption(agreement_text(agreement(cov)) + "（只统计当前筛选的单位。）")


def omission_report(view: View) -> None:
    st.subheader("必备主题缺失清单")
    om = view.keep(view.lib.omissions(candidates=False)).reset_index(drop=True)
    if om.empty:
        st.success("所选计划都涵盖了全部必备主题，没有缺失。")
        return
    only_open = st.toggle("只看待复核 / 未复核的缺项", key="om_unreviewed", persist_state="session",
                          help="隐藏已经人工确认的缺项，只列还没有人看过、或计划文件替换后需要重新复核的。")
    total = len(om)
    if only_open:
        om = om[om["review_status"].isin(UNREVIEWED)].reset_index(drop=True)
        if om.empty:
            st.success(f"{total} 处缺失都已人工复核。关掉上面的开关可以查看全部。")
            return
    names = view.dimension_names
    st.caption(f"共 {len(om)} 处缺失{f'（全部 {total} 处中未复核或需复核的）' if only_open else ''}。"
               "“人工复核”一栏为空的是机器的判断；下载的报告含最接近条目的全文和复核说明。")
    rows = paginate(list(range(len(om))), key="om_page", size=OMISSIONS_PER_PAGE, what="处缺失",
                    label="缺失清单分页")
    page = with_candidates(view.lib, om.iloc[rows], cached=True)
    page["dimension_name"] = page["dimension"].map(names).fillna(page["dimension"])
    page["candidate_title"] = page["candidate_title"].fillna("（未找到）")
    shown = page[["organ", "year", "dimension_name", "theme_name", "candidate_title", "reason",
                  "review_status", "review_note", "review_by"]]
    st.dataframe(shown.rename(columns=REPORT_HEADERS), hide_index=True, width="stretch",
                 column_config={"年度": st.column_config.NumberColumn(format="%d"),
                                "未计入的原因": st.column_config.TextColumn(width="large")})
    excel_and_csv(partial(report_frame, view.lib, om, names), REPORT_COLUMNS, REPORT_HEADERS,
                  file_stem="必备主题缺失报告", what="缺失报告")


def main() -> None:
    st.title("主题覆盖")
    view = current_view()
    if view is None:
        return
    review_panel.reviewer_field()
    if view.lib.review_store.version() < 0:  # sets .error: the file is unreadable
        st.error(md_escape(view.lib.review_store.error), icon=":material/database:")
    required, grouped, by_coverage = toggles(len(view.lib.plans) > ORGANS_PER_PAGE)
    if empty_state(view):
        return
    cov = view.keep(view.lib.coverage())
    if required:
        cov = cov[cov["required"]]
    if cov.empty:
        st.info("分类表中没有可显示的主题。请检查主题分类文件。")
        return
    order = organ_order(view, cov, by_coverage)
    if len(order) > ORGANS_PER_PAGE:
        st.caption(f"共 {len(order)} 个单位，每页显示 {ORGANS_PER_PAGE} 个"
                   f"{'（缺少必备主题多的在前）' if by_coverage else ''}；可在左侧边栏按层级、年度或单位缩小范围。")
    shown = paginate(order, key="cov_page", size=ORGANS_PER_PAGE, what="个单位", label="单位分页")
    figure = heatmap_cached(view, *cache_key(view.lib), tuple(view.plan_ids), tuple(shown),
                            required, grouped, by_coverage, view.lib.review_store.version())
    st.caption(f"格中数字为涉及该主题的条目数，颜色越深条目越多；“缺”表示缺少必备主题。"
               f"带蓝框和“{REVIEWED_MARK}”的格子已人工复核（显示复核后的结论），"
               f"“{RECHECK_MARK}”表示计划文件替换后需重新复核。点击格子，下方显示依据和复核按钮。")
    event = st.plotly_chart(figure, on_select="rerun", key="coverage_chart",
                            selection_mode="points", width="stretch", config={"displayModeBar": False})
    st.subheader("依据")
    with friendly_errors("显示依据"):
        cell = selected_cell(event)
        # A review redraws the heatmap, and a redrawn chart forgets its selection: keep the
        # last clicked cell until another one is clicked.
        if cell is None:
            cell = st.session_state.get(_LAST_CELL)
        else:
            st.session_state[_LAST_CELL] = cell
        if cell is None:
            st.info("点击上方热力图中的格子，这里会显示该单位涉及此主题的条目（命中词语已标出）；"
                    "若是“缺”，则显示最接近的条目及其不算的原因。")
        else:
            evidence_panel(view, cov, *cell)
    with friendly_errors("统计复核进度"):
        review_progress(cov)
    with friendly_errors("生成缺失清单"):
        omission_report(view)


main()
