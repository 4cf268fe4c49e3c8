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

from .analysis import tag_plans
from .library import DEFAULT_LIBRARY, Library, load_plan, open_library
from .manifest import ManifestError
from .model import Plan
from .reading import ReadError
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


def _open(args: argparse.Namespace) -> Library:
    folder = getattr(args, "library", None) or getattr(args, "dir", None)
    path = Path(folder) if folder else DEFAULT_LIBRARY
    if not path.is_dir():
        raise CliError(f"找不到计划库文件夹 {path}，请用 --library 指定正确的文件夹。")
    return open_library(path, _taxonomy(args))


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
                       "covered": bool(r.covered),
                       "evidence": [{"item": e["item_id"], "title": e["title"], "term": e["term"],
                                     "start": e["start"], "end": e["end"]} for e in r.evidence]}
                      for r in cov.itertuples(index=False)],
        })
        return
    table = cov.pivot(index="theme_name", columns="organ", values="count")
    table = table.reindex([t.name for t in lib.taxonomy.themes])
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
    for r in om.itertuples(index=False):
        print(f"{r.organ}\t缺：{r.theme_name}\t最接近：{r.candidate_title or '—'}（{r.reason}）")


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
    for r in result.itertuples(index=False):
        print(f"[{r.score:.2f}] {r.organ}　{r.section_marker}{r.section_title} › {r.marker}{r.title}")


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
        return PlanStore(path)
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
    result: dict = {"file": file, "name": Path(file).name}
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


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        args.func(args)
    except (CliError, ReadError, ManifestError, TaxonomyError) as err:
        print(str(err), file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except Exception as err:  # the last line of defence: never a traceback for users
        print(f"内部错误（{type(err).__name__}: {err}）。请把这条信息和所用文件发给维护者。", file=sys.stderr)
        return 1
    return 0
