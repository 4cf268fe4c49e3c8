"""The frame every page shares: library loading, sidebar filters, friendly errors.

``dashboard.py`` calls :func:`build_view` once per run; pages call :func:`current_view`
and :func:`friendly_errors`, and never touch the cache or the sidebar themselves.
"""
from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd
import streamlit as st

from app import urlstate
from app.safe import md_escape
from core.analysis import plan_labels
from core.libraries import LIBRARY_ENV, LibrariesError, configured_libraries, resolve
from core.library import Library, library_fingerprint, open_library, recover
from core.taxonomy import DEFAULT_TAXONOMY_PATH

ROOT = Path(__file__).resolve().parent.parent
TAXONOMY_ENV = "DANGJIAN_TAXONOMY"   # optional: the taxonomy file (default data/themes.toml)
_VIEW_KEY = "_view"
_LIBRARY_KEY = "library"   # the chosen library's NAME (also the URL parameter); never a path
_LOG = logging.getLogger("dashboard")
_CJK = re.compile(r"[\u4e00-\u9fff]")


# ---------------------------------------------------------------- errors

def explain(err: Exception, action: str) -> str:
    """A Chinese message for ``err`` that says what to do (Markdown-escaped)."""
    message = str(err).strip()
    if _CJK.search(message):  # core writes its user-facing errors in Chinese
        return f"{action}失败：{md_escape(message)}"
    return (f"{action}时出错了。请刷新页面重试；如果仍然出错，请检查计划库中的文件，"
            f"或把出错时间告诉维护人员（详细信息已记录在服务器日志中）。")


@contextmanager
def friendly_errors(action: str = "显示本页") -> Iterator[None]:
    """Turn any error inside the block into a Chinese st.error; st.stop/st.rerun pass."""
    try:
        yield
    except Exception as err:  # Streamlit's stop/rerun signals are BaseException: not caught
        _LOG.exception("%s failed", action)
        st.error(explain(err, action), icon="⚠️")


# ---------------------------------------------------------------- legacy pages/

def require_frame() -> None:
    """Re-run through ``dashboard.py`` when Streamlit ran this page file on its own.

    KNOWN TRAP: a folder named ``pages/`` beside the entry file makes Streamlit
    start every fresh server in legacy "pages directory" mode: until some script
    calls ``st.navigation``, a deep link such as ``/search?q=…`` executes
    ``pages/search.py`` directly — no sidebar, no library, English nav labels —
    and the mode sticks for that session. Each page calls this first: it switches
    the legacy mode off (what ``st.navigation`` itself does) and reruns. Because
    every ``url_path`` equals its file's stem, the rerun's page hash is the same
    in both modes, so ``dashboard.py`` now runs and opens the same page, with the
    query string kept. (``client.showSidebarNavigation = false`` is no fix: in
    Streamlit 1.67 it hides the st.navigation menu too.)
    """
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # a future Streamlit without the legacy mode
        return
    if getattr(PagesManager, "uses_pages_directory", False):
        PagesManager.uses_pages_directory = False
        st.rerun()


# ---------------------------------------------------------------- loading

def resolve_library_path(text: str) -> Path:
    """A path written by the operator (env or config), relative to the dashboard's folder."""
    return resolve(text)


class _LibrarySlot:
    """Holds one opened library; the opening happens outside ``st.cache_resource``.

    Opening inside the cached function would record the progress bar's updates
    for replay, and the replay of an element drawn into a container created
    outside the function fails on the next cache hit.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.lib: Library | None = None


@st.cache_resource(show_spinner=False, max_entries=4)
def _library_slot(folder: str, fingerprint: str, taxonomy: str) -> _LibrarySlot:
    # ``fingerprint`` is only part of the cache key: a changed file makes a new entry.
    return _LibrarySlot()


def _open_with_progress(folder: str, taxonomy: str) -> Library:
    """Open the library (and its search index), drawing a progress bar while it works."""
    slot = st.empty()
    bar = None

    def report(done: int, total: int, message: str) -> None:
        nonlocal bar
        share = min(1.0, done / total) if total else 1.0
        text = f"正在读取计划库：{message}"
        try:
            if bar is None:
                bar = slot.progress(share, text=text)
            else:
                bar.progress(share, text=text)
        except Exception:  # a progress bar must never break the loading itself
            _LOG.debug("progress update failed", exc_info=True)

    try:
        report(0, 1, "正在打开……")
        lib = open_library(folder, taxonomy=taxonomy, progress=report)
        try:
            lib.search_index()  # built (with progress) now rather than on the first search
        except Exception:  # the pages still work; the search page reports its own error
            _LOG.warning("building the search index of %s failed", folder, exc_info=True)
        lib.progress = None  # the bar belongs to this run; later work must not draw into it
        return lib
    finally:
        slot.empty()


def load_library(folder: Path, taxonomy: Path | None = None) -> Library:
    """The library of ``folder``, rebuilt only when a plan file or the taxonomy changes.

    Runs store recovery first (:func:`core.library.recover`), so a change that a crash interrupted is
    undone before anything is read. A library not yet open in this server is opened with
    a progress bar in the page (reading, parsing, building the search index).
    """
    taxonomy = taxonomy_path() if taxonomy is None else taxonomy
    _recover(folder)
    fingerprint = library_fingerprint(folder, extra=taxonomy.read_bytes())
    holder = _library_slot(str(folder), fingerprint, str(taxonomy))
    if holder.lib is None:
        with holder.lock:  # two sessions opening the same library wait for one opening
            if holder.lib is None:
                holder.lib = _open_with_progress(str(folder), str(taxonomy))
    return holder.lib


def _recover(folder: Path) -> None:
    try:
        recover(folder)
    except Exception:  # viewing must still work (e.g. a read-only or odd folder)
        _LOG.warning("plan store recovery in %s failed", folder, exc_info=True)


def library_changed() -> None:
    """Call after any change to a plan library or the taxonomy: every page reloads it.

    The cache key already changes with the files (fingerprint) and the taxonomy's bytes;
    clearing the cache as well makes this independent of file-time resolution.
    """
    _library_slot.clear()


def taxonomy_path() -> Path:
    """The taxonomy file in use: ``$DANGJIAN_TAXONOMY`` if set, else data/themes.toml."""
    text = os.environ.get(TAXONOMY_ENV, "").strip()
    return resolve_library_path(text) if text else DEFAULT_TAXONOMY_PATH


def libraries() -> dict[str, Path]:
    """The libraries the operator configured, name → folder (see :mod:`core.libraries`)."""
    return configured_libraries()


def library_name() -> str:
    """The name of the library this session uses (the first configured one by default)."""
    names = list(libraries())
    chosen = st.session_state.get(_LIBRARY_KEY)
    return chosen if chosen in names else names[0]


def library_folder() -> Path:
    """The folder of the library this session uses (as chosen in the sidebar)."""
    return libraries()[library_name()]


# ---------------------------------------------------------------- the view

@dataclass(frozen=True)
class View:
    """The library in use and the sidebar's organ/year/level filter.

    Derived values (kept plans, labels, names) are computed once per view, i.e. once
    per run: pages read them in loops over hundreds of organs.
    """

    lib: Library
    organs: list[str] = field(default_factory=list)  # empty = all organs
    years: list[int] = field(default_factory=list)   # empty = all years
    levels: list[str] = field(default_factory=list)  # empty = all levels

    @cached_property
    def _kept(self) -> pd.DataFrame:
        plans = self.lib.plans
        keep = pd.Series(True, index=plans.index)
        if self.organs:
            keep &= plans["organ"].isin(self.organs)
        if self.years:
            keep &= plans["year"].isin(self.years)
        if self.levels:
            keep &= plans["level"].isin(self.levels)
        return plans[keep]

    @property
    def plans(self) -> pd.DataFrame:
        """The plans the filter keeps, in library order (a copy)."""
        return self._kept.copy()

    @cached_property
    def _plan_ids(self) -> tuple[str, ...]:
        return tuple(self._kept["plan_id"].tolist())

    @property
    def plan_ids(self) -> list[str]:
        return list(self._plan_ids)

    @cached_property
    def _plan_id_set(self) -> frozenset[str]:
        return frozenset(self._plan_ids)

    def keep(self, frame: pd.DataFrame, column: str = "plan_id") -> pd.DataFrame:
        """Rows of ``frame`` that belong to the kept plans (a copy)."""
        if not (self.organs or self.years or self.levels):
            return frame.copy()
        return frame[frame[column].isin(self._plan_id_set)].copy()

    @cached_property
    def labels(self) -> dict[str, str]:
        """plan_id → column label: the manifest's organ name, with the year if repeated."""
        return plan_labels(self.lib.plans)  # unique: they name heatmap and matrix columns

    @cached_property
    def dimension_names(self) -> dict[str, str]:
        names = {d.id: d.name for d in self.lib.taxonomy.dimensions}
        names.setdefault("other", "其他")
        return names

    @cached_property
    def theme_names(self) -> dict[str, str]:
        return {t.id: t.name for t in self.lib.taxonomy.themes}

    @property
    def filtered(self) -> bool:
        """True when the sidebar narrows the library."""
        return bool(self.organs or self.years or self.levels)

    def query_params(self) -> dict[str, str]:
        """The filter as URL parameters, for links to other pages."""
        params = {}
        if self.organs:
            params["organs"] = urlstate.join_list(self.organs)
        if self.years:
            params["years"] = urlstate.join_list(self.years)
        if self.levels:
            params["levels"] = urlstate.join_list(self.levels)
        return params


def build_view() -> View | None:
    """Draw the sidebar and return the view; None (with a message) if nothing can be shown."""
    st.session_state.pop(_VIEW_KEY, None)
    with st.sidebar:
        folder = _library_input()
    if folder is None:
        return None
    lib = _load_or_explain(folder)  # outside the sidebar: a first opening shows its progress in the page
    if lib is None:
        return None
    with st.sidebar:
        organs, years, levels = _filters(lib)
        _load_errors(lib)
    view = View(lib, organs, years, levels)
    st.session_state[_VIEW_KEY] = view
    return view


def current_view() -> View | None:
    """The view built by ``dashboard.py`` in this run; shows a hint and returns None if none."""
    view = st.session_state.get(_VIEW_KEY)
    if view is None:
        st.info("尚未打开计划库。请在左侧边栏选择计划库；可选的计划库由管理员配置（见 README）。")
    return view


def _library_input() -> Path | None:
    """The library choice (names the operator configured); the folder in use, or None."""
    try:
        names = list(libraries())
    except LibrariesError as err:
        _LOG.error("DANGJIAN_LIBRARIES / libraries.toml: %s", err)
        st.error(f"计划库配置有误：{md_escape(err.message)}。请管理员按 README 修改后重启看板。")
        return None
    urlstate.seed(_LIBRARY_KEY, "library", urlstate.choice_parser(names, names[0]), names[0])
    if st.session_state[_LIBRARY_KEY] not in names:
        st.session_state[_LIBRARY_KEY] = names[0]
    st.selectbox("计划库", names, key=_LIBRARY_KEY, disabled=len(names) == 1,
                 help="可打开的计划库由管理员配置（见 README“计划库”一节），这里只能在其中选择。")
    name = st.session_state[_LIBRARY_KEY]
    urlstate.publish("library", name if name != names[0] else None)
    return libraries()[name]


def _load_or_explain(folder: Path) -> Library | None:
    if not folder.is_dir():
        _LOG.error("library folder %s is missing", folder)
        st.sidebar.error(f"计划库“{md_escape(library_name())}”的文件夹不存在或无法访问。"
                         f"请选择其他计划库，或请管理员检查计划库配置。")
        return None
    try:
        return load_library(folder)
    except Exception as err:
        _LOG.exception("loading %s failed", folder)
        st.sidebar.error(explain(err, "读取计划库"))
        return None


def _filters(lib: Library) -> tuple[list[str], list[int], list[str]]:
    organ_options = list(dict.fromkeys(lib.plans["organ"].tolist()))
    year_options = sorted({int(y) for y in lib.plans["year"].dropna()})
    level_options = sorted({str(v) for v in lib.plans["level"].dropna() if str(v).strip()})
    urlstate.seed("organs", "organs", urlstate.list_parser(organ_options), [])
    urlstate.seed("years", "years", urlstate.list_parser(year_options), [])
    urlstate.seed("levels", "levels", urlstate.list_parser(level_options), [])
    # A library switch can leave values that are no longer options.
    for key, options in (("organs", organ_options), ("years", year_options), ("levels", level_options)):
        valid = [v for v in st.session_state[key] if v in options]
        if valid != st.session_state[key]:
            st.session_state[key] = valid
    levels: list[str] = []
    if len(level_options) > 1:  # a library of one level needs no level filter
        levels = st.multiselect("层级", level_options, key="levels", placeholder="全部层级")
    years = st.multiselect("年度", year_options, key="years", placeholder="全部年度")
    organs = st.multiselect("单位", organ_options, key="organs", placeholder="全部单位",
                            help="单位很多时，可先选层级和年度缩小范围，也可以在框中输入名称查找。")
    urlstate.publish("levels", urlstate.join_list(levels))
    urlstate.publish("organs", urlstate.join_list(organs))
    urlstate.publish("years", urlstate.join_list(years))
    return organs, years, levels


def _load_errors(lib: Library) -> None:
    if not lib.errors:
        return
    st.warning(f"计划库中有 {len(lib.errors)} 个文件无法读取，已跳过。请按提示转换或修复后刷新页面。")
    with st.expander("查看无法读取的文件"):
        for err in lib.errors:
            st.markdown(f"- **{md_escape(err.file)}**：{md_escape(err.message)}")


def empty_state(view: View) -> bool:
    """Say plainly why there is nothing to show; True if the page should stop there."""
    if view.lib.plans.empty:
        st.info("计划库中还没有可读取的计划文件。请把计划文件（.txt / .md / .docx / .pdf）放入计划库文件夹后刷新页面。")
        st.page_link("pages/library.py", label="到“计划库”页上传计划", icon=":material/upload_file:")
        return True
    if not view.plan_ids:
        st.info("当前筛选条件下没有计划。请在左侧边栏调整“单位”或“年度”。")
        return True
    return False
