"""主题分类: view and edit the required-theme taxonomy; validated, atomic, restorable."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from app import auth
from app import taxonomy_editor as te
from app.frame import current_view, friendly_errors, library_changed, require_frame, taxonomy_path
from app.flash import flash, show_flash
from app.safe import md_escape
from core.review_suggestions import learned, with_rule
from core.taxonomy import Taxonomy, TaxonomyError, parse_taxonomy

require_frame()

_FLASH = "tax_flash"
_RESET = "tax_reset_n"
_PENDING_SAVE = "tax_pending_save"
_PENDING_RULE = "tax_pending_rule"


def _request_save() -> None:
    st.session_state[_PENDING_SAVE] = True


def _reset_editor() -> None:
    st.session_state[_RESET] = st.session_state.get(_RESET, 0) + 1
TERMS_HELP = "词语之间用逗号（，或 ,）或换行分隔。"
REGEX_HELP = "正则表达式，每行一条（正则里可能有逗号，所以不按逗号拆分）。匹配在折叠文本上进行：写半角、小写。"


def dimensions_table(tax: Taxonomy) -> None:
    with st.expander(f"维度（{len(tax.dimensions)} 个，只读）"):
        st.dataframe(pd.DataFrame({
            "id": [d.id for d in tax.dimensions], "名称": [d.name for d in tax.dimensions],
            "章节标题关键词": ["，".join(d.about) for d in tax.dimensions]}),
            hide_index=True, width="stretch")


def editor(tax: Taxonomy, key: str, allowed: bool) -> pd.DataFrame:
    names = {d.id: d.name for d in tax.dimensions}
    return st.data_editor(
        te.table_from_taxonomy(tax), key=key, hide_index=True, width="stretch",
        num_rows="dynamic" if allowed else "fixed", disabled=not allowed,
        column_config={
            "id": st.column_config.TextColumn("id", required=True, width="small",
                                              help="主题的固定编号（对外约定，其他程序按它引用主题，请勿随意改动）"),
            "name": st.column_config.TextColumn("名称", required=True, width="small"),
            "dimension": st.column_config.SelectboxColumn(
                "维度", options=list(names), required=True, width="small",
                format_func=lambda d: names.get(d, d)),
            "required": st.column_config.CheckboxColumn("必选", default=True,
                                                        help="是否要求每份计划都涉及该主题"),
            "terms": st.column_config.TextColumn("词语 terms", width="large", help=TERMS_HELP),
            "regex": st.column_config.TextColumn("正则 regex", width="medium", help=REGEX_HELP),
            "exclude": st.column_config.TextColumn("排除 exclude", width="medium",
                                                   help="不算数的语境（正则），每行一条。" + REGEX_HELP),
            "hints": st.column_config.TextColumn("提示词 hints", width="small",
                                                 help="只用于给缺项找最接近的条目。" + TERMS_HELP),
            "scope": st.column_config.TextColumn("范围说明", width="small"),
        })


def show_error(err: TaxonomyError, text: str, table: pd.DataFrame) -> None:
    """The loader's own Chinese message, plus where it is in the table and the file."""
    where = ""
    index = te.theme_index_at(text, err.line)
    if index is not None:
        rows = [r for r in table.to_dict("records")
                if any(str(r.get(c) or "").strip() for c in te.COLUMNS if c != "required")]
        if index < len(rows):
            where = f"（表格第 {index + 1} 行，主题“{rows[index].get('id') or ''}”）"
    st.error(f"未保存：{md_escape(str(err))}{md_escape(where)}。请修改后重试，分类文件没有改动。",
             icon=":material/block:")
    if err.line:
        st.code(te.context_lines(text, err.line), language=None)


def save(path, current: bytes, tax: Taxonomy, edited: pd.DataFrame) -> bool:
    """Validate the edit and write it; False (with the reason shown) if not saved."""
    auth.require_admin()
    new_tax = te.taxonomy_from_table(edited, tax)
    current_text = current.decode("utf-8")
    text = te.render(new_tax, current_text)
    try:
        parse_taxonomy(text, source="修改后的分类文件")
    except TaxonomyError as err:
        show_error(err, text, edited)
        return False
    if path.read_bytes() != current:
        st.error("分类文件在你编辑期间已被他人修改，未保存。请点“放弃修改”载入最新版本后重新编辑。")
        return False
    if text == current_text:
        st.info("没有改动，不需要保存。")
        return False
    te.save_text(path, text)
    library_changed()
    flash(_FLASH, "success", "已保存主题分类；原来的版本已存入历史记录，可以恢复。各页面已按新分类重新统计。")
    return True


@st.cache_data(show_spinner="正在从复核结论中找词……", max_entries=8)
def suggestions_cached(_lib, fingerprint: str, root: str, reviews_version: int) -> pd.DataFrame:
    return learned(_lib)


def _request_rule(theme: str, kind: str, rule: str) -> None:
    st.session_state[_PENDING_RULE] = (theme, kind, rule)


def learned_section(allowed: bool) -> None:
    """从复核中学到的词: one click adds a suggestion through the validated save."""
    st.subheader("从复核中学到的词")
    view = current_view()
    if view is None:
        return
    lib = view.lib
    version = lib.review_store.version()
    found = suggestions_cached(lib, lib.fingerprint, str(lib.root), version) if version > 0 else None
    if found is None or found.empty:
        st.caption("还没有可学的复核结论。在“主题覆盖”页把机器判错的格子改判后，这里会列出"
                   "规则漏掉的说法（可加为词语）和造成误判的词（可加为排除语境）。")
        return
    st.caption("词语建议来自复核人判为“已覆盖”而机器判为“缺”的格子（复核人指出的条目，或最接近的条目，"
               "取靠近相近表述的词）；排除建议来自复核人判为“缺”而机器判为“已覆盖”的格子。"
               "点按钮即按上面的规则校验并保存，可在历史版本中撤销。")
    for theme, group in found.groupby("theme", sort=False):
        with st.container(border=True):
            st.markdown(f"**{md_escape(group['theme_name'].iloc[0])}**（{md_escape(theme)}）")
            for r in group.itertuples(index=False):
                left, right = st.columns([5, 1], vertical_alignment="center")
                if r.kind == "term":
                    left.markdown(f"词语“**{md_escape(r.phrase)}**”：见于 {r.cells} 个改判为已覆盖的格子，"
                                  f"全库 {r.items_with} 条任务含此词（例：{md_escape(r.example)}）")
                    label = "加为词语"
                else:
                    left.markdown(f"“**{md_escape(r.phrase)}**”使 {r.cells} 个格子被误判为已覆盖；"
                                  f"排除语境“{md_escape(r.example)}”（全库 {r.items_with} 条任务含此语境）")
                    label = "加为排除语境"
                right.button(label, key=f"learn_{r.kind}_{theme}_{te.digest(r.rule.encode())[:10]}",
                             disabled=not allowed, on_click=_request_rule, args=(theme, r.kind, r.rule))


def history_section(path, allowed: bool) -> None:
    versions = te.history_versions(path)
    st.subheader("历史版本")
    if not versions:
        st.caption("还没有历史版本。每次保存前，原来的分类文件都会存入历史记录。")
        return
    st.dataframe(pd.DataFrame({"时间": [v.when for v in versions], "文件": [v.name for v in versions],
                               "大小（字节）": [v.size for v in versions]}),
                 hide_index=True, width="stretch")
    labels = {v.name: f"{v.when}（{v.name}）" for v in versions}
    left, right = st.columns([4, 1], vertical_alignment="bottom")
    chosen = left.selectbox("选择要恢复的版本", list(labels), format_func=labels.get, index=None,
                            key="tax_restore_choice", placeholder="选择一个版本", disabled=not allowed)
    right.button("恢复此版本", key="tax_restore", icon=":material/restore:",
                 disabled=not allowed or chosen is None, on_click=restore, args=(path, chosen))


def restore(path, name: str | None) -> None:
    """Button callback: make history version ``name`` current (validated first)."""
    if name is None:
        return
    try:
        auth.require_admin()
        te.restore_version(path, name)
    except (TaxonomyError, PermissionError, FileNotFoundError) as err:
        flash(_FLASH, "error", f"未能恢复：{err}")
    else:
        library_changed()
        _reset_editor()
        flash(_FLASH, "success", f"已恢复 {name} 的主题分类；恢复前的版本也已存入历史记录。")
    st.session_state["tax_restore_choice"] = None


def main() -> None:
    st.title("主题分类")
    pending = st.session_state.pop(_PENDING_SAVE, False)  # never left over for a later run
    path = taxonomy_path()
    allowed = auth.admin_gate("主题分类", key="tax_admin")
    show_flash(_FLASH)
    try:
        current = path.read_bytes()
        tax = parse_taxonomy(current.decode("utf-8"), source=str(path))
    except (OSError, UnicodeDecodeError, TaxonomyError) as err:
        st.error(f"分类文件无法使用：{md_escape(err)}。可以在下方恢复一个历史版本。")
        history_section(path, allowed)
        return
    required = sum(t.required for t in tax.themes)
    st.caption(f"分类文件：{md_escape(path)}　·　{len(tax.dimensions)} 个维度　·　{len(tax.themes)} 个主题"
               f"（{required} 个必选）")
    st.markdown("每个主题的匹配规则：条目里出现**词语**或**正则**匹配，且不在**排除**语境中，就算涉及该主题。"
                "保存时按载入分类文件的规则校验，出错会指出第几行；保存前的版本存入历史记录，可以恢复。")
    dimensions_table(tax)
    st.session_state.setdefault(_RESET, 0)
    key = f"tax_editor_{te.digest(current)[:12]}_{st.session_state[_RESET]}"
    edited = editor(tax, key, allowed)
    gone = te.removed_ids(tax, te.taxonomy_from_table(edited, tax))
    if gone:
        st.warning(f"保存后将删除这些主题：{md_escape('、'.join(gone))}。其他程序按 id 引用主题，请确认。")
    left, right, _ = st.columns([1, 1, 3])
    # Buttons only raise flags (their return value does not survive the rerun that
    # app.frame.require_frame may do); the save runs here, beside the editor.
    left.button("校验并保存", type="primary", key="tax_save", icon=":material/save:",
                disabled=not allowed, on_click=_request_save)
    right.button("放弃修改", key="tax_reset", icon=":material/undo:", disabled=not allowed,
                 on_click=_reset_editor)
    if pending and allowed:
        with friendly_errors("保存主题分类"):
            if save(path, current, tax, edited):
                _reset_editor()
                st.rerun()
    rule = st.session_state.pop(_PENDING_RULE, None)
    if rule and allowed:
        with friendly_errors("保存主题分类"):
            if rule[0] in tax.theme_ids and save(path, current, tax, te.table_from_taxonomy(with_rule(tax, *rule))):
                _reset_editor()
                st.rerun()
    with friendly_errors("从复核结论中找词"):
        learned_section(allowed)
    history_section(path, allowed)


main()
