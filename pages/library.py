"""计划库: add, replace, remove and restore plans; nothing is ever lost.

Every change goes through :class:`core.store.PlanStore` (original bytes kept, replaced
plans to the history, removed plans to the trash, both restorable). Paths are never
built here from user input: the store gets file *names* and refuses unsafe ones.
After a change the library cache is cleared and the script reruns, so the sidebar
and every page show the new state at once.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from app import auth
from app.frame import (View, current_view, friendly_errors, library_changed, library_folder,
                       library_name, require_frame)
from app.flash import flash, show_flash
from app.safe import md_escape
from core.manifest import SOURCE_LABELS, UNNAMED_ORGAN
from core.model import Plan
from core.store import Candidate, PlanStore, Restorable, StoreError

require_frame()

# No ``type=`` filter on the uploader: Streamlit would refuse other files with an English
# exception; the store refuses them with its Chinese message instead (e.g. .doc → 另存为 .docx).
UPLOAD_TYPES = None
PREAMBLE_PREVIEW = 160
_UPLOADER_N = "lib_uploader_n"
_RESULTS = "lib_results"
_FLASH = "lib_flash"
_PENDING_SAVE = "lib_pending_save"


def _request(flag: str) -> None:
    st.session_state[flag] = True


@dataclass(frozen=True)
class Upload:
    """One uploaded file: its name as sent, its bytes, and a key for its widgets."""

    name: str
    data: bytes
    key: str


@dataclass(frozen=True)
class Choices:
    """What the user set for one file."""

    organ: str | None
    year: int | None
    level: str | None
    confirm_unstructured: bool
    replace: bool


# ---------------------------------------------------------------- pure helpers


def upload_key(file_id: str, name: str) -> str:
    """A widget-key-safe id for one upload (never shown, never a path)."""
    return "up_" + hashlib.sha256(f"{file_id}\0{name}".encode("utf-8", "surrogatepass")).hexdigest()[:12]


def size_text(size: int) -> str:
    """>>> size_text(1536)
    '1.5 KB'
    """
    if size < 1024:
        return f"{size} 字节"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def shorten(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit] + "……"


def tree_markdown(plan: Plan) -> str:
    """The parsed tree as escaped Markdown: title, preamble, sections → item titles."""
    lines = []
    if plan.title:
        lines.append(f"**{md_escape(plan.title)}**")
        lines.append("")
    if plan.preamble.strip():
        lines.append(f"前言：{md_escape(shorten(plan.preamble, PREAMBLE_PREVIEW))}")
        lines.append("")
    for section in plan.sections:
        lines.append(f"- **{md_escape(section.marker)}{md_escape(section.title)}**"
                     f"（{len(section.items)} 条）")
        for item in section.items:
            lines.append(f"    - {md_escape(item.marker)}{md_escape(item.title)}")
    return "\n".join(lines)


def plan_label(organ: object, year: object) -> str:
    year_text = f"{int(year)} 年" if year is not None and pd.notna(year) else "年度不详"
    return f"{organ}（{year_text}）"


def detected_defaults(cand: Candidate) -> tuple[str, int | None, str]:
    """organ / year / level to prefill: the detected ones (an unnamed organ is left blank)."""
    if cand.meta is None:
        return "", None, ""
    organ = "" if cand.meta.organ == UNNAMED_ORGAN else cand.meta.organ
    return organ, cand.meta.year, cand.meta.level


def detected_sources(cand: Candidate) -> str:
    """Where the prefilled organ and year were found, for the person checking them."""
    if cand.meta is None:
        return ""
    organ, year = (SOURCE_LABELS.get(s, s) for s in (cand.meta.organ_source, cand.meta.year_source))
    return f"单位识别自：{organ}；年度识别自：{year}。识别有误时请直接修改。"


def refusal_code(cand: Candidate) -> str | None:
    return cand.refusal.code if cand.refusal is not None else None


def check(store: PlanStore, upload: Upload, choices: Choices) -> Candidate:
    return store.check_upload(upload.name, upload.data, organ=choices.organ, year=choices.year,
                              level=choices.level, confirm_unstructured=choices.confirm_unstructured,
                              replace=choices.replace)


def save_one(store: PlanStore, upload: Upload, choices: Choices) -> dict:
    """Add one file; a result row (never raises StoreError)."""
    try:
        auth.require_admin()
        result = store.add(upload.name, upload.data, organ=choices.organ, year=choices.year,
                           level=choices.level, confirm_unstructured=choices.confirm_unstructured,
                           replace=choices.replace)
    except (StoreError, PermissionError) as err:
        return {"file": upload.name, "saved": False, "message": str(err)}
    message = f"已保存为{plan_label(result.meta.organ, result.meta.year)}"
    if result.replaced:
        message += "；原有计划已移入历史记录，可在下方“历史版本”中恢复"
    if result.warnings:
        message += "；提示：" + "；".join(result.warnings)
    return {"file": upload.name, "saved": True, "message": message}


# ---------------------------------------------------------------- upload


def uploads() -> list[Upload]:
    st.session_state.setdefault(_UPLOADER_N, 0)
    files = st.file_uploader(
        "选择计划文件（可多选）", type=UPLOAD_TYPES, accept_multiple_files=True,
        key=f"lib_uploader_{st.session_state[_UPLOADER_N]}",
        help="支持 .txt、.md、.docx 和有文字层的 .pdf（其他类型会说明原因后拒绝）。保存时原样保留文件内容。")
    return [Upload(f.name, f.getvalue(), upload_key(f.file_id, f.name)) for f in files or []]


def choices_for(store: PlanStore, upload: Upload) -> Choices:
    """The user's settings for ``upload``; the detected values on first sight."""
    k = upload.key
    if f"{k}_organ" not in st.session_state:
        detected = store.check_upload(upload.name, upload.data)
        organ, year, level = detected_defaults(detected)
        st.session_state[f"{k}_sources"] = detected_sources(detected)
        st.session_state[f"{k}_organ"] = organ
        st.session_state[f"{k}_year"] = year
        st.session_state[f"{k}_level"] = level
    organ = str(st.session_state.get(f"{k}_organ") or "").strip()
    year = st.session_state.get(f"{k}_year")
    return Choices(organ=organ or None, year=int(year) if year is not None else None,
                   level=str(st.session_state.get(f"{k}_level") or ""),
                   confirm_unstructured=bool(st.session_state.get(f"{k}_confirm", False)),
                   replace=bool(st.session_state.get(f"{k}_replace", False)))


def file_card(store: PlanStore, upload: Upload, allowed: bool, expanded: bool) -> Choices:
    """Preview, metadata inputs, warnings and confirmations for one upload."""
    k = upload.key
    choices = choices_for(store, upload)
    cand = check(store, upload, choices)
    with st.container(border=True):
        st.markdown(f"**{md_escape(upload.name)}**　{size_text(len(upload.data))}")
        if cand.plan is None:  # unreadable: the reason is all there is to show
            st.error(md_escape(cand.refusal), icon=":material/block:")
            return choices
        cols = st.columns([3, 1, 1])
        cols[0].text_input("单位", key=f"{k}_organ", placeholder="未识别，请填写单位名称",
                           disabled=not allowed)
        cols[1].number_input("年度", min_value=1949, max_value=2100, step=1, format="%d",
                             key=f"{k}_year", placeholder="未识别", disabled=not allowed)
        cols[2].text_input("层级", key=f"{k}_level", placeholder="省/市/区/县", disabled=not allowed)
        if st.session_state.get(f"{k}_sources"):
            st.caption(md_escape(st.session_state[f"{k}_sources"]))
        for warning in cand.warnings:
            st.warning(md_escape(warning), icon=":material/warning:")
        if refusal_code(cand) == "unstructured":
            st.warning(md_escape(cand.refusal.message), icon=":material/warning:")
        if not cand.plan.sections:
            st.checkbox("仍然保存（全文作为前言，上面的提示会保留）", key=f"{k}_confirm",
                        disabled=not allowed)
        refusal, code = cand.refusal, refusal_code(cand)
        if code == "exists" or choices.replace and cand.replaces:
            if code == "exists":
                st.warning(md_escape(refusal.message), icon=":material/swap_horiz:")
            else:
                names = "、".join(f"{m.organ} {m.year} 年（{m.file}）" for m in cand.replaces)
                st.info(f"将替换{md_escape(names)}；旧版本移入历史记录，可以恢复。",
                        icon=":material/history:")
            st.checkbox("替换已有计划（旧版本移入历史记录）", key=f"{k}_replace", disabled=not allowed)
        if refusal is not None and code not in ("exists", "unstructured"):
            st.error(md_escape(refusal.message), icon=":material/block:")
        elif refusal is None:
            st.success(f"可以保存：{md_escape(plan_label(cand.meta.organ, cand.meta.year))}，"
                       f"{len(cand.plan.sections)} 章 "
                       f"{sum(len(s.items) for s in cand.plan.sections)} 条任务",
                       icon=":material/check_circle:")
        items = sum(len(s.items) for s in cand.plan.sections)
        with st.expander(f"解析预览：{len(cand.plan.sections)} 章，{items} 条任务", expanded=expanded):
            st.markdown(tree_markdown(cand.plan))
    return choices


def save_batch(store: PlanStore, batch: list[tuple[Upload, Choices]]) -> list[dict]:
    """Save file by file with progress; the per-file results."""
    results = []
    with st.status(f"正在保存 {len(batch)} 份文件……", expanded=True) as status:
        bar = st.progress(0.0, text="准备保存")
        for i, (upload, choices) in enumerate(batch):
            bar.progress(i / len(batch), text=f"正在保存第 {i + 1}/{len(batch)} 份：{md_escape(upload.name)}")
            result = save_one(store, upload, choices)
            results.append(result)
            (st.success if result["saved"] else st.error)(
                f"{md_escape(upload.name)}：{md_escape(result['message'])}")
        saved = sum(r["saved"] for r in results)
        bar.progress(1.0, text=f"已处理 {len(batch)} 份")
        status.update(label=f"已保存 {saved} 份，未保存 {len(batch) - saved} 份",
                      state="complete" if saved == len(batch) else "error")
    return results


def results_box() -> None:
    results = st.session_state.get(_RESULTS)
    if not results:
        return
    saved = sum(r["saved"] for r in results)
    with st.container(border=True):
        head, button = st.columns([5, 1])
        head.markdown(f"**上次保存的结果**：已保存 {saved} 份，未保存 {len(results) - saved} 份")
        button.button("知道了", key="lib_results_clear", icon=":material/close:",
                      on_click=lambda: st.session_state.pop(_RESULTS, None))
        for r in results:
            text = f"**{md_escape(r['file'])}**：{md_escape(r['message'])}"
            if r["saved"]:
                st.success(text, icon=":material/check_circle:")
            else:
                st.error(f"未保存。{text}", icon=":material/block:")


def upload_section(store: PlanStore, allowed: bool) -> None:
    pending = st.session_state.pop(_PENDING_SAVE, False)  # never left over for a later run
    st.subheader("上传计划")
    results_box()
    if not allowed:
        st.caption("登录后可以上传计划。")
        return
    files = uploads()
    if not files:
        st.caption("可一次选择多份文件。保存前会显示每份文件的解析结果、识别出的单位和年度，可以修改。")
        return
    batch = []
    for upload in files:
        with friendly_errors(f"检查文件“{upload.name}”"):
            batch.append((upload, file_card(store, upload, allowed, expanded=len(files) == 1)))
    st.button(f"保存 {len(batch)} 份文件", type="primary", key="lib_save", icon=":material/save:",
              disabled=not allowed or not batch, on_click=_request, args=(_PENDING_SAVE,))
    # Buttons only raise a flag (their return value does not survive the rerun that
    # app.frame.require_frame may do); the work happens here, with progress shown.
    if pending and allowed and batch:
        st.session_state[_RESULTS] = save_batch(store, batch)
        st.session_state[_UPLOADER_N] = st.session_state.get(_UPLOADER_N, 0) + 1
        library_changed()
        st.rerun()


# ---------------------------------------------------------------- current plans, trash, history


def remove_plan(folder: Path, plan_id: str | None, label: str) -> None:
    """Button callback: move ``plan_id`` to the trash (runs before the page is drawn)."""
    if plan_id is None:
        return
    try:
        auth.require_admin()
        st.session_state["lib_remove_choice"] = None
        PlanStore(folder).remove(plan_id)
    except (StoreError, PermissionError) as err:
        flash(_FLASH, "error", f"未能删除“{label}”：{err}")
        return
    library_changed()
    flash(_FLASH, "success", f"已把“{label}”移到回收站，可在下方“回收站”中恢复。")


def restore_entry(folder: Path, entry: Restorable | None) -> None:
    """Button callback: put a trash or history entry back."""
    if entry is None:
        return
    label = f"{plan_label(entry.organ, entry.year)}（{entry.file}）"
    try:
        auth.require_admin()
        st.session_state[f"lib_restore_choice_{entry.kind}"] = None
        PlanStore(folder).restore(entry.id)
    except (StoreError, PermissionError) as err:
        flash(_FLASH, "error", f"未能恢复{label}：{err}")
        return
    library_changed()
    flash(_FLASH, "success", f"已恢复{label}。")


def plans_section(store: PlanStore, view: View | None, allowed: bool) -> None:
    st.subheader("现有计划")
    if view is None:
        return
    plans = view.lib.plans
    rows = [{"plan_id": p, "单位": o, "单位来源": SOURCE_LABELS.get(os_, os_), "年度": y,
             "年度来源": SOURCE_LABELS.get(ys, ys), "层级": lv, "文件": f, "章数": s, "条目数": n}
            for p, o, os_, y, ys, lv, f, s, n in zip(
                plans["plan_id"], plans["organ"], plans["organ_source"], plans["year"],
                plans["year_source"], plans["level"], plans["file"], plans["sections"], plans["items"])]
    rows += [{"plan_id": e.file.rsplit(".", 1)[0], "单位": "（无法读取）", "单位来源": "", "年度": None,
              "年度来源": "", "层级": "", "文件": e.file, "章数": 0, "条目数": 0} for e in view.lib.errors]
    if not rows:
        st.info("计划库中还没有计划。")
        return
    table = pd.DataFrame(rows)
    st.dataframe(table.drop(columns="plan_id"), hide_index=True, width="stretch", column_config={
        "年度": st.column_config.NumberColumn("年度", format="%d"),
        "单位来源": st.column_config.TextColumn("单位来源", help="单位名称取自清单、正文开头还是文件名；未识别时显示“未命名单位”"),
        "年度来源": st.column_config.TextColumn("年度来源", help="年度取自清单、正文开头还是文件名")})
    if any(r["单位来源"] in ("正文", "文件名", "未识别") for r in rows):
        st.caption("“单位来源”“年度来源”为“正文”“文件名”或“未识别”的，是自动识别的结果，请核对；"
                   "要更正，请在计划库文件夹的 manifest.toml 中写明该文件的 organ 和 year。")
    labels = {r["plan_id"]: f"{plan_label(r['单位'], r['年度'])} — {r['文件']}" for r in rows}
    left, right = st.columns([4, 1], vertical_alignment="bottom")
    chosen = left.selectbox("选择要删除的计划", list(labels), format_func=labels.get, index=None,
                            key="lib_remove_choice", placeholder="选择一份计划", disabled=not allowed)
    right.button("移到回收站", key="lib_remove", icon=":material/delete:",
                 disabled=not allowed or chosen is None, on_click=remove_plan,
                 args=(store.folder, chosen, labels.get(chosen, "")))


def restorable_section(store: PlanStore, entries: list[Restorable], kind: str, allowed: bool) -> None:
    if not entries:
        st.caption("回收站是空的。" if kind == "trash" else "还没有被替换的旧版本。")
        return
    table = pd.DataFrame({
        "单位": [e.organ for e in entries], "年度": [e.year for e in entries],
        "文件": [e.file for e in entries], "时间": [e.when.replace("T", " ") for e in entries],
    })
    if kind == "history":
        table["被替换为"] = [e.replaced_by or "" for e in entries]
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        "年度": st.column_config.NumberColumn("年度", format="%d")})
    by_id = {e.id: e for e in entries}
    labels = {e.id: f"{plan_label(e.organ, e.year)} — {e.file}（{e.when.replace('T', ' ')}）"
              for e in entries}
    left, right = st.columns([4, 1], vertical_alignment="bottom")
    chosen = left.selectbox("选择要恢复的条目", list(labels), format_func=labels.get, index=None,
                            key=f"lib_restore_choice_{kind}", placeholder="选择一项", disabled=not allowed)
    right.button("恢复", key=f"lib_restore_{kind}", icon=":material/restore_from_trash:",
                 disabled=not allowed or chosen is None, on_click=restore_entry,
                 args=(store.folder, by_id.get(chosen)))


def main() -> None:
    st.title("计划库")
    folder = library_folder()
    allowed = auth.admin_gate("计划库", key="lib_admin")
    where = f"（文件夹 {folder}）" if allowed else ""  # the server's layout only for those who may write
    st.caption(f"计划库：{md_escape(library_name() + where)}")
    show_flash(_FLASH)
    try:
        store = PlanStore(folder, isolate=True)  # an upload is read in a capped worker
    except StoreError as err:
        st.error(md_escape(err.message))
        return
    view = current_view()
    with friendly_errors("上传计划"):
        upload_section(store, allowed)
    with friendly_errors("列出现有计划"):
        plans_section(store, view, allowed)
    with friendly_errors("列出回收站和历史版本"):
        trash_tab, history_tab = st.tabs(["回收站", "历史版本"])
        with trash_tab:
            st.caption("删除的计划先放在这里，可以恢复。")
            restorable_section(store, store.trash(), "trash", allowed)
        with history_tab:
            st.caption("保存新版本时，被替换的旧版本放在这里，可以恢复（需先删除现有的同单位同年度计划）。")
            restorable_section(store, store.history(), "history", allowed)


main()
