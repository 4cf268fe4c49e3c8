"""Command line: ``python -m core COMMAND …`` — a thin layer over the library.

Errors print one Chinese line on stderr that says what to do, and exit with code 2.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from . import reviews
from .analysis import plan_labels, tag_plans
from .errors import UserError
from .library import DEFAULT_LIBRARY, Library, load_plan, open_library, shown_name
from .manifest import ManifestError
from .model import Plan
from .search import MODES
from .store import PlanStore, Restorable, StoreError, too_large
from .taxonomy import Taxonomy, TaxonomyError, load_taxonomy


class CliError(Exception):
    """A user-facing failure: the message is printed as is."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse would print English usage text
        raise CliError(f"命令参数有误（{message}）。运行 python -m core --help 查看用法。")


def _print_json(data: object) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _plain(value: object) -> object:
    """A JSON-ready value: pandas' missing values become None, numpy ints plain ints."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return value.item() if hasattr(value, "item") else value


def _taxonomy(args: argparse.Namespace) -> Taxonomy:
    path = getattr(args, "taxonomy", None)
    if path and not Path(path).is_file():
        raise CliError(f"找不到主题分类文件 {path}，请检查 --taxonomy 的路径。")
    return load_taxonomy(path)


def progress_bar(done: int, total: int, message: str) -> None:
    """A one-line progress bar on stderr while a large library is read (terminals only)."""
    if not sys.stderr.isatty():
        return
    filled = 30 * done // total if total else 30
    end = "\n" if done >= total else ""
    print(f"\r{'█' * filled}{'░' * (30 - filled)} {done}/{total} {message}\x1b[K", end=end,
          file=sys.stderr, flush=True)


def _open(args: argparse.Namespace) -> Library:
    folder = getattr(args, "library", None) or getattr(args, "dir", None)
    path = Path(folder) if folder else DEFAULT_LIBRARY
    if not path.is_dir():
        raise CliError(f"找不到计划库文件夹 {path}，请用 --library 指定正确的文件夹。")
    quiet = getattr(args, "json", False)
    return open_library(path, _taxonomy(args), progress=None if quiet else progress_bar)


def _by_item(lib: Library) -> dict[str, str]:
    """item_id → the label of its plan (:func:`core.analysis.plan_labels`), for columns that name an item."""
    labels = plan_labels(lib.plans)
    return dict(zip(lib.items["item_id"], (labels[p] for p in lib.items["plan_id"])))


def format_tree(plan: Plan) -> str:
    """The plan tree as indented text, for reading in a terminal."""
    lines = [f"文件：{plan.file}", f"单位：{plan.organ}　年度：{plan.year or '未知'}"]
    if plan.title:
        lines.append(f"标题：{plan.title}")
    if plan.preamble:
        lines.append(f"前言：{plan.preamble[:80]}{'…' if len(plan.preamble) > 80 else ''}")
    for s in plan.sections:
        lines.append(f"{s.marker}{s.title}")
        if s.body:
            lines.append(f"    （导语）{s.body[:60]}{'…' if len(s.body) > 60 else ''}")
        for it in s.items:
            lines.append(f"    {it.marker}{it.title}")
            for pt in it.points:
                lines.append(f"        · {pt.text[:50]}{'…' if len(pt.text) > 50 else ''}")
    for w in plan.warnings:
        lines.append(f"提示：{w}")
    return "\n".join(lines)


def cmd_parse(args: argparse.Namespace) -> None:
    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"找不到文件 {path}，请检查文件名和路径。")
    plan = load_plan(path)
    taxonomy = _taxonomy(args)
    tags = tag_plans([plan], taxonomy)
    if args.json:
        data = plan.to_dict()
        themes = iter(tags.item_themes)
        for section, dimension in zip(data["sections"], tags.section_dimensions):
            section["dimension"] = dimension
            for item in section["items"]:
                item["themes"] = list(next(themes))
        _print_json(data)
    else:
        print(format_tree(plan))


def cmd_list(args: argparse.Namespace) -> None:
    lib = _open(args)
    rows = lib.plans.to_dict("records")
    if args.json:
        _print_json({
            "library": str(lib.root),
            "plans": [{k: _plain(r[k]) for k in
                       ("plan_id", "organ", "year", "level", "file", "sections", "items", "warnings")}
                      for r in rows],
            "errors": [{"file": e.file, "message": e.message} for e in lib.errors],
        })
        return
    for r in rows:
        year = _plain(r["year"]) or "—"
        print(f"{r['plan_id']}\t{r['organ']}\t{year}\t{r['sections']} 章 {r['items']} 条\t{r['file']}")
    for e in lib.errors:
        print(f"无法读取 {e.file}：{e.message}", file=sys.stderr)


def cmd_coverage(args: argparse.Namespace) -> None:
    lib = _open(args)
    cov = lib.coverage()
    if args.json:
        _print_json({
            "plans": [{"id": r.plan_id, "organ": r.organ, "year": _plain(r.year), "file": r.file}
                      for r in lib.plans.itertuples(index=False)],
            "themes": [{"id": t.id, "name": t.name, "dimension": t.dimension, "required": t.required}
                       for t in lib.taxonomy.themes],
            "cells": [{"plan": r.plan_id, "theme": r.theme, "count": int(r.count),
                       "covered": bool(r.covered), "machine_covered": bool(r.machine_covered),
                       "needs_recheck": bool(r.needs_recheck), "review": r.review,
                       "evidence": [{"item": e["item_id"], "title": e["title"], "term": e["term"],
                                     "start": e["start"], "end": e["end"]}
                                    for e in lib.evidence_for(r.plan_id, r.theme)]}
                      for r in cov.itertuples(index=False)],
        })
        return
    labels = plan_labels(lib.plans)  # one column per plan: an organ may have several years
    table = cov.assign(plan=cov["plan_id"].map(labels)).pivot(index="theme_name", columns="plan", values="count")
    table = table.reindex(index=[t.name for t in lib.taxonomy.themes], columns=list(labels.values()))
    print(table.to_string())


def cmd_omissions(args: argparse.Namespace) -> None:
    lib = _open(args)
    om = lib.omissions()
    if args.json:
        _print_json({"omissions": [
            {"plan": r.plan_id, "organ": r.organ, "year": _plain(r.year), "theme": r.theme,
             "theme_name": r.theme_name, "dimension": r.dimension,
             "candidate": {"item": r.candidate_item_id, "title": r.candidate_title,
                           "reason": r.reason},
             "preamble": r.preamble_mention}
            for r in om.itertuples(index=False)]})
        return
    if om.empty:
        print("所有计划都覆盖了全部必选主题。")
    labels = plan_labels(lib.plans)
    for r in om.itertuples(index=False):
        print(f"{labels[r.plan_id]}\t缺：{r.theme_name}\t最接近：{r.candidate_title or '—'}（{r.reason}）")


def cmd_search(args: argparse.Namespace) -> None:
    lib = _open(args)
    if args.mode not in MODES:
        raise CliError(f"不支持的检索方式 {args.mode}，请用 exact、keyword 或 similar。")
    result = lib.search(args.query, mode=args.mode, limit=args.limit)
    files = dict(zip(lib.plans["plan_id"], lib.plans["file"]))
    if args.json:
        _print_json({"query": args.query, "mode": args.mode, "results": [
            {"plan": r.plan_id, "organ": r.organ, "file": files.get(r.plan_id, ""),
             "section": f"{r.section_marker}{r.section_title}", "item": r.item_id,
             "title": r.title, "text": r.text, "score": round(float(r.score), 4),
             "spans": [list(map(int, sp)) for sp in r.spans]}
            for r in result.itertuples(index=False)]})
        return
    if result.empty:
        print("没有找到匹配的条目。可以换个说法，或改用 --mode keyword。")
    labels = plan_labels(lib.plans)
    for r in result.itertuples(index=False):
        print(f"[{r.score:.2f}] {labels[r.plan_id]}　{r.section_marker}{r.section_title} › {r.marker}{r.title}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m core", description="党建计划对照看板：命令行工具")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("parse", help="解析一个计划文件并打印结构")
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="输出 JSON")
    p.add_argument("--taxonomy", help="主题分类文件（默认 data/themes.toml）")
    p.set_defaults(func=cmd_parse)

    for name, func, help_text in (("list", cmd_list, "列出计划库中的计划"),
                                  ("coverage", cmd_coverage, "各计划对必选主题的覆盖（条目数与依据）"),
                                  ("omissions", cmd_omissions, "各计划缺少的必选主题及最接近的条目")):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("dir", nargs="?", help="计划库文件夹（默认 data/plans）")
        _library_options(p)
        p.set_defaults(func=func)

    p = sub.add_parser("search", help="检索任务条目")
    p.add_argument("query")
    p.add_argument("--mode", default="exact", help="exact（精确，默认）、keyword（关键词）或 similar（相似）")
    p.add_argument("--limit", type=int, default=None, help="最多返回多少条")
    _library_options(p)
    p.set_defaults(func=cmd_search)
    _add_store_commands(sub)
    _add_compare_commands(sub)
    _add_review_commands(sub)
    return parser


def _library_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--library", help="计划库文件夹（默认 data/plans）")
    p.add_argument("--taxonomy", help="主题分类文件（默认 data/themes.toml）")
    p.add_argument("--json", action="store_true", help="输出 JSON")


# ---------------------------------------------------------------- the store: add, remove, restore


def _store(args: argparse.Namespace) -> PlanStore:
    path = Path(args.library) if args.library else DEFAULT_LIBRARY
    if not path.is_dir():
        raise CliError(f"找不到计划库文件夹 {path}，请用 --library 指定正确的文件夹。")
    try:
        return PlanStore(path, isolate=True)
    except StoreError as err:
        raise CliError(err.message) from err


def _read_upload(file: str, max_bytes: int) -> bytes:
    """The bytes of a file to add; its size is checked before reading."""
    path = Path(file)
    if not path.is_file():
        raise StoreError("not_found", f"找不到文件 {file}，请检查文件名和路径")
    size = path.stat().st_size
    if size > max_bytes:
        raise too_large(size, max_bytes)
    try:
        return path.read_bytes()
    except OSError as err:
        raise StoreError("unreadable", f"无法打开文件 {file}，请检查文件权限后重试") from err


def _add_one(store: PlanStore, file: str, args: argparse.Namespace) -> dict:
    result: dict = {"file": shown_name(file), "name": shown_name(Path(file).name)}
    try:
        saved = store.add(Path(file).name, _read_upload(file, store.max_bytes),
                          organ=args.organ, year=args.year, level=args.level,
                          confirm_unstructured=args.confirm_unstructured, replace=args.replace)
    except StoreError as err:
        return result | {"status": "refused", "code": err.code, "message": err.message}
    return result | {"status": "saved", "plan_id": saved.plan_id, "organ": saved.meta.organ,
                     "year": saved.meta.year, "level": saved.meta.level,
                     "warnings": saved.warnings, "replaced": saved.replaced}


def cmd_add(args: argparse.Namespace) -> None:
    store = _store(args)
    results = [_add_one(store, file, args) for file in args.files]
    if args.json:
        _print_json({"library": str(store.folder), "results": results})
    else:
        for r in results:
            if r["status"] == "saved":
                replaced = f"；旧版本已移入历史记录（{'、'.join(r['replaced'])}）" if r["replaced"] else ""
                print(f"已保存：{r['name']} → {r['organ']} {r['year'] or '年度未知'}（编号 {r['plan_id']}）{replaced}")
                for w in r["warnings"]:
                    print(f"    提示：{w}")
            else:
                print(f"未保存：{r['name']}：{r['message']}", file=sys.stderr)
    refused = sum(r["status"] == "refused" for r in results)
    if refused:
        raise CliError(f"{len(results)} 个文件中有 {refused} 个未保存，原因见上。")


def cmd_remove(args: argparse.Namespace) -> None:
    store = _store(args)
    try:
        trash_id = store.remove(args.plan_id)
    except StoreError as err:
        raise CliError(err.message) from err
    entry = next(e for e in store.trash() if e.id == trash_id)
    print(f"已移到回收站：{entry.file}（{entry.organ} {entry.year or '年度未知'}）。"
          f"恢复：python -m core restore {trash_id}")


def cmd_restore(args: argparse.Namespace) -> None:
    store = _store(args)
    try:
        name = store.restore(args.id)
    except StoreError as err:
        raise CliError(err.message) from err
    print(f"已恢复：{name}")


def _print_restorables(entries: list[Restorable], as_json: bool, empty: str) -> None:
    if as_json:
        _print_json({"entries": [{"id": e.id, "file": e.file, "organ": e.organ, "year": e.year,
                                  "when": e.when, "replaced_by": e.replaced_by} for e in entries]})
        return
    if not entries:
        print(empty)
    for e in entries:
        by = f"\t被 {e.replaced_by} 替换" if e.replaced_by else ""
        print(f"{e.id}\t{e.organ}\t{e.year or '—'}\t{e.file}\t{e.when}{by}")


def cmd_trash(args: argparse.Namespace) -> None:
    _print_restorables(_store(args).trash(), args.json, "回收站是空的。")


def cmd_history(args: argparse.Namespace) -> None:
    _print_restorables(_store(args).history(), args.json, "没有被替换下来的旧版本。")


def _add_store_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("add", help="把计划文件加入计划库（原样保存，并写入清单）")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--organ", help="单位显示名（默认从正文或文件名识别）")
    p.add_argument("--year", type=int, help="年度（默认从正文或文件名识别）")
    p.add_argument("--level", help="层级：省/市/区/县（默认从单位名识别）")
    p.add_argument("--replace", action="store_true", help="已有同一单位同一年度的计划时替换它（旧版本进历史记录）")
    p.add_argument("--confirm-unstructured", action="store_true",
                   help="识别不出章节和条目编号的文件也保存（全文作为前言）")
    p.add_argument("--library", help="计划库文件夹（默认 data/plans）")
    p.add_argument("--json", action="store_true", help="输出 JSON")
    p.set_defaults(func=cmd_add)

    p = sub.add_parser("remove", help="把一个计划移到回收站（可以恢复）")
    p.add_argument("plan_id", metavar="PLAN_ID")
    p.add_argument("--library", help="计划库文件夹（默认 data/plans）")
    p.set_defaults(func=cmd_remove)

    p = sub.add_parser("restore", help="从回收站或历史记录恢复一个计划")
    p.add_argument("id", metavar="ID")
    p.add_argument("--library", help="计划库文件夹（默认 data/plans）")
    p.set_defaults(func=cmd_restore)

    for name, func, help_text in (("trash", cmd_trash, "列出回收站中可恢复的计划"),
                                  ("history", cmd_history, "列出被替换下来、可恢复的旧版本")):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--library", help="计划库文件夹（默认 data/plans）")
        p.add_argument("--json", action="store_true", help="输出 JSON")
        p.set_defaults(func=func)


# ---------------------------------------------------------------- comparisons: reference, distinct, commitments, scorecard, yoy


def _records(df: pd.DataFrame, columns: Sequence[str] | None = None) -> list[dict]:
    """Rows as JSON-ready dicts (tuples become lists, missing values None)."""
    columns = list(columns) if columns is not None else list(df.columns)

    def value(v: object) -> object:
        if isinstance(v, (tuple, list)):
            return [value(x) for x in v]
        return _plain(v)

    return [{c: value(v) for c, v in zip(columns, row)} for row in df[columns].itertuples(index=False)]


def _call(func, *args, **kwargs):
    """Run a core function; its Chinese KeyError/ValueError becomes a one-line CLI error."""
    try:
        return func(*args, **kwargs)
    except (KeyError, ValueError) as err:
        message = err.args[0] if err.args else str(err)
        raise CliError(f"{message}。运行 python -m core list 查看计划库中的计划编号和单位。") from err


def _write_bytes(path: str, data: bytes, as_json: bool) -> None:
    target = Path(path)
    if not target.parent.is_dir():
        raise CliError(f"找不到要保存到的文件夹 {target.parent}，请先创建它或换一个路径。")
    try:
        target.write_bytes(data)
    except OSError as err:
        raise CliError(f"无法写入 {target}（{err.strerror or err}），请检查路径和权限。") from err
    print(f"已保存：{target}", file=sys.stderr if as_json else sys.stdout)


def _plan_row(lib: Library, plan_id: str) -> dict:
    rows = lib.plans[lib.plans["plan_id"] == plan_id]
    if rows.empty:
        raise CliError(f"计划库中没有编号为 {plan_id} 的计划。运行 python -m core list 查看计划库中的计划编号。")
    row = rows.iloc[0]
    return {"plan_id": plan_id, "organ": row["organ"], "year": _plain(row["year"])}


def cmd_reference(args: argparse.Namespace) -> None:
    from .reference import STATUSES, reference_check, reference_xlsx

    lib = _open(args)
    ref = _plan_row(lib, args.plan_id)
    organs = [o.strip() for o in args.organs.replace("，", ",").split(",") if o.strip()] if args.organs else None
    df = _call(reference_check, lib, args.plan_id, organs=organs)
    if args.xlsx:
        _write_bytes(args.xlsx, reference_xlsx(df, lib.taxonomy), args.json)
    if args.json:
        _print_json({"reference": ref, "statuses": list(STATUSES), "rows": _records(df)})
        return
    if df.empty:
        print("没有可比较的内容：对标计划没有任务条目，或没有其他单位的计划。")
        return
    labels = plan_labels(lib.plans)
    print(f"对标计划：{ref['organ']}（{ref['year'] or '年度不详'}）　{df['reference_item_id'].nunique()} 条任务 × "
          f"{df['plan_id'].nunique()} 个单位")
    for item_id, rows in df.groupby("reference_item_id", sort=False):
        first = rows.iloc[0]
        deployed = int((rows["status"] == STATUSES[0]).sum())
        print(f"{first['reference_marker']}{first['reference_title']}（已部署 {deployed}/{len(rows)}）")
        for r in rows.itertuples(index=False):
            match = f"{r.match_marker}{r.match_title}" if r.match_item_id else "—"
            print(f"    {labels[r.plan_id]}\t{r.status}\t{r.score:.2f}\t{match}")


def cmd_distinct(args: argparse.Namespace) -> None:
    from .distinct import DISTINCT_MAX, DUPLICATE_MIN, cluster_items, nearest_elsewhere

    lib = _open(args)
    plan = _plan_row(lib, args.plan_id)
    threshold = DISTINCT_MAX if args.threshold is None else args.threshold
    near = _call(nearest_elsewhere, lib, args.plan_id, threshold)
    own = near[near["distinctive"]].sort_values("best_similarity", kind="stable")
    clusters = cluster_items(lib, DUPLICATE_MIN)
    organs_in = clusters.groupby("cluster_id")["organ"].nunique()
    shared_ids = clusters.loc[(clusters["plan_id"] == args.plan_id)
                              & (clusters["cluster_id"].map(organs_in) > 1), "cluster_id"]
    shared = []
    for cluster_id in dict.fromkeys(shared_ids):
        members = clusters[clusters["cluster_id"] == cluster_id]
        shared.append({"cluster_id": int(cluster_id),
                       "items": _records(members, ["item_id", "plan_id", "organ", "year", "marker", "title"])})
    if args.json:
        _print_json({"plan": plan, "threshold": threshold, "items": len(near),
                     "distinctive": _records(own, ["item_id", "marker", "title", "text", "best_item_id",
                                                   "best_organ", "best_title", "best_similarity"]),
                     "shared": shared})
        return
    print(f"{plan['organ']}（{plan['year'] or '年度不详'}）：{len(near)} 条任务，特色任务 {len(own)} 条"
          f"（其他单位最接近条目的措辞相似度 < {threshold:.2f}）")
    by_item = _by_item(lib)
    for r in own.itertuples(index=False):
        best = f"{by_item[r.best_item_id]}：{r.best_title}" if r.best_item_id else "—"
        print(f"    [{r.best_similarity:.2f}] {r.marker}{r.title}\t最接近：{best}")
    if shared:
        print(f"与其他单位措辞几乎相同的条目（相似度 ≥ {DUPLICATE_MIN:.2f}）：")
        for group in shared:
            print("    " + "　≈　".join(f"{by_item[m['item_id']]}：{m['marker']}{m['title']}" for m in group["items"]))


def cmd_commitments(args: argparse.Namespace) -> None:
    from .commitments import KINDS, commitments

    lib = _open(args)
    if args.plan_id is not None:
        _plan_row(lib, args.plan_id)
    kinds = [k.strip() for k in args.kind.replace("，", ",").split(",") if k.strip()] if args.kind else []
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise CliError(f"不认识的类型 {'、'.join(unknown)}，请用：{'、'.join(KINDS)}。")
    df = _call(commitments, lib, args.plan_id)
    if kinds:
        df = df[df["kind"].isin(kinds)]
    if args.json:
        _print_json({"plan": args.plan_id, "kinds": kinds or list(KINDS),
                     "commitments": _records(df, ["plan_id", "organ", "year", "item_id", "marker", "title",
                                                  "kind", "wording", "start", "end", "context"])})
        return
    if df.empty:
        print("没有找到量化目标或时间要求。")
    labels = plan_labels(lib.plans)
    for r in df.itertuples(index=False):
        print(f"{labels[r.plan_id]}\t{r.marker}{r.title}\t{r.kind}\t{r.wording}")


def cmd_scorecard(args: argparse.Namespace) -> None:
    from .scorecard import COVERED, scorecard, scorecard_docx

    lib = _open(args)
    _plan_row(lib, args.plan_id)
    card = _call(scorecard, lib, args.plan_id)
    if args.docx:
        _write_bytes(args.docx, _call(scorecard_docx, lib, args.plan_id), args.json)
    if args.json:
        _print_json({"plan": {k: _plain(v) for k, v in card["plan"].items()},
                     **{part: _records(card[part]) for part in
                        ("structure", "coverage", "omissions", "distinctive", "commitments")}})
        return
    info = card["plan"]
    required = card["coverage"][card["coverage"]["required"]]
    print(f"{info['organ']}（{info['year'] or '年度不详'}）单位画像：{info['sections']} 章 {info['items']} 条；"
          f"必选主题覆盖 {int((required['status'] == COVERED).sum())}/{len(required)}；"
          f"缺项 {len(card['omissions'])}；特色任务 {len(card['distinctive'])}；"
          f"量化目标和时间节点 {len(card['commitments'])}")
    for r in card["omissions"].itertuples(index=False):
        print(f"    缺：{r.theme_name}\t最接近：{r.candidate or '—'}")
    if not args.docx:
        print("加 --docx 文件名.docx 可保存为 Word 文档。")


def cmd_yoy(args: argparse.Namespace) -> None:
    from .yearly import year_over_year

    lib = _open(args)
    if args.year_a == args.year_b:
        raise CliError("请给出两个不同的年度。")
    change = _call(year_over_year, lib, args.organ, args.year_a, args.year_b)
    if args.json:
        _print_json({"organ": args.organ, "year_a": args.year_a, "year_b": args.year_b,
                     "plans_a": change["plans_a"], "plans_b": change["plans_b"],
                     "carried": _records(change["carried"]), "added": _records(change["added"]),
                     "dropped": _records(change["dropped"]), "themes": _records(change["themes"]),
                     "themes_gained": change["themes_gained"], "themes_lost": change["themes_lost"]})
        return
    names = {t.id: t.name for t in lib.taxonomy.themes}
    carried = change["carried"]
    reworded = carried[carried["change"] == "措辞调整"]
    print(f"{args.organ}：{args.year_a} → {args.year_b}　延续 {len(carried)} 条（其中措辞调整 {len(reworded)} 条），"
          f"新增 {len(change['added'])} 条，删去 {len(change['dropped'])} 条")
    for label, frame in (("新增", change["added"]), ("删去", change["dropped"])):
        for r in frame.itertuples(index=False):
            print(f"    {label}：{r.marker}{r.title}")
    for r in reworded.itertuples(index=False):
        print(f"    措辞调整：{r.marker_a}{r.title_a} → {r.marker_b}{r.title_b}（{r.similarity:.2f}）")
    gained = "、".join(names.get(t, t) for t in change["themes_gained"]) or "无"
    lost = "、".join(names.get(t, t) for t in change["themes_lost"]) or "无"
    print(f"新涉及的主题：{gained}；不再涉及的主题：{lost}")


def _add_compare_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("reference", help="对标检查：其他单位是否部署了对标计划的各项任务")
    p.add_argument("plan_id", metavar="PLAN_ID", help="对标计划的编号（python -m core list 可查）")
    p.add_argument("--organs", help="只比较这些单位（单位名或计划编号，逗号分隔）")
    p.add_argument("--xlsx", metavar="OUT", help="另存为 Excel 文件（汇总 + 明细）")
    _library_options(p)
    p.set_defaults(func=cmd_reference)

    p = sub.add_parser("distinct", help="特色任务：其他单位没有相近措辞的条目，及与其他单位雷同的条目")
    p.add_argument("plan_id", metavar="PLAN_ID")
    p.add_argument("--threshold", type=float, default=None, help="特色任务的相似度上限（默认 0.08）")
    _library_options(p)
    p.set_defaults(func=cmd_distinct)

    p = sub.add_parser("commitments", help="量化目标和时间要求（比例、数量、频次、时间节点、期限）")
    p.add_argument("plan_id", metavar="PLAN_ID", nargs="?", help="只看这一份计划（默认全部）")
    p.add_argument("--kind", help="只看这些类型（逗号分隔）：比例、数量、频次、时间节点、期限")
    _library_options(p)
    p.set_defaults(func=cmd_commitments)

    p = sub.add_parser("scorecard", help="单位画像：结构、主题覆盖、缺项、特色任务、量化目标")
    p.add_argument("plan_id", metavar="PLAN_ID")
    p.add_argument("--docx", metavar="OUT", help="保存为 Word 文档")
    _library_options(p)
    p.set_defaults(func=cmd_scorecard)

    p = sub.add_parser("yoy", help="年度对比：同一单位两个年度计划的新增、删去、延续条目和主题变化")
    p.add_argument("organ", metavar="ORGAN", help="单位名（与 python -m core list 显示的一致）")
    p.add_argument("year_a", metavar="YEAR_A", type=int)
    p.add_argument("year_b", metavar="YEAR_B", type=int)
    _library_options(p)
    p.set_defaults(func=cmd_yoy)


# ---------------------------------------------------------------- reviews: a person's last word


def _review_library(args: argparse.Namespace) -> tuple[Library, pd.DataFrame]:
    """The library and its decisions; an unreadable reviews.sqlite is said on stderr."""
    lib = _open(args)
    rows = lib.reviews()  # reading is what finds a damaged file
    if lib.review_store.error:
        print(lib.review_store.error, file=sys.stderr)
    return lib, rows


def cmd_review_set(args: argparse.Namespace) -> None:
    lib = _open(args)
    decision = "covered" if args.covered else "omitted" if args.omitted else ""
    try:
        row = lib.review(args.plan_id, args.theme, decision, note=args.note or "", by=args.by or "",
                         items=args.item or ())
    except UserError as err:
        raise CliError(err.message) from err
    if args.json:
        _print_json({c: row[c] for c in ("review_id", "plan_id", "theme", "decision", "note", "reviewer",
                                         "time", "machine_covered")} | {"items": args.item or []})
        return
    machine = "已覆盖" if row["machine_covered"] else "缺"
    print(f"已记录：{row['organ']} · {lib.taxonomy.theme(args.theme).name} → "
          f"{reviews.DECISIONS[row['decision']]}（机器判断：{machine}）")


def cmd_review_list(args: argparse.Namespace) -> None:
    lib, rows = _review_library(args)
    if args.json:
        _print_json({"reviews": _records(rows, [c for c in reviews.REVIEW_COLUMNS if c != "plan_sha256"]),
                     "error": lib.review_store.error})
        return
    if lib.review_store.error:
        raise SystemExit(1)
    if rows.empty:
        print("还没有复核记录。用 python -m core review set PLAN_ID THEME --covered|--omitted 记录一条。")
    names = {t.id: t.name for t in lib.taxonomy.themes}
    labels = plan_labels(lib.plans)
    for r in rows.itertuples(index=False):
        machine = "已覆盖" if r.machine_covered else "缺"
        note = f"\t{r.note}" if r.note else ""
        print(f"{r.time}\t{r.reviewer or '—'}\t{labels.get(r.plan_id, r.organ)}\t{names.get(r.theme, r.theme)}\t"
              f"{reviews.DECISIONS[r.decision]}（机器：{machine}）{note}")


def cmd_review_agreement(args: argparse.Namespace) -> None:
    lib, _ = _review_library(args)
    figures = lib.review_agreement()
    if args.json:
        _print_json(figures)
        return
    if lib.review_store.error:
        raise SystemExit(1)
    print(reviews.agreement_text(figures))


def _add_review_commands(sub: argparse._SubParsersAction) -> None:
    review = sub.add_parser("review", help="人工复核覆盖格子：确认或改判机器的判断")
    actions = review.add_subparsers(dest="action", required=True, parser_class=_Parser)
    p = actions.add_parser("set", help="记录一条复核结论（追加，历史保留）")
    p.add_argument("plan_id")
    p.add_argument("theme", help="主题 id，如 org_life")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--covered", action="store_true", help="人工判断：已覆盖")
    which.add_argument("--omitted", action="store_true", help="人工判断：缺")
    p.add_argument("--note", help=f"复核说明（最多 {reviews.NOTE_LIMIT} 字）")
    p.add_argument("--by", help=f"复核人（最多 {reviews.REVIEWER_LIMIT} 字）")
    p.add_argument("--item", action="append", help="作为依据的条目编号（可重复）")
    _library_options(p)
    p.set_defaults(func=cmd_review_set)
    for name, func, help_text in (("list", cmd_review_list, "列出全部复核记录（含历史）"),
                                  ("agreement", cmd_review_agreement, "机器判断被人工确认的比例")):
        p = actions.add_parser(name, help=help_text)
        _library_options(p)
        p.set_defaults(func=func)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        args.func(args)
    except (CliError, UserError, ManifestError, TaxonomyError) as err:  # UserError: ReadError, LimitError, …
        print(str(err), file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except Exception as err:  # the last line of defence: never a traceback for users
        print(f"内部错误（{type(err).__name__}: {err}）。请把这条信息和所用文件发给维护者。", file=sys.stderr)
        return 1
    return 0
