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
    return parser


def _library_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--library", help="计划库文件夹（默认 data/plans）")
    p.add_argument("--taxonomy", help="主题分类文件（默认 data/themes.toml）")
    p.add_argument("--json", action="store_true", help="输出 JSON")


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
