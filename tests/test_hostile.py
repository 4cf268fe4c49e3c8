"""Hostile input ends in bounded time and memory with a Chinese message, or is read right.

Each file is made fresh by :mod:`tests.hostile_files` and fed to the CLI in a
subprocess capped at 1.5 GB of address space and 20 s (loose bounds: the point is
"ends", not "fast"); a refused add leaves the library folder byte-for-byte as it was.
"""
from __future__ import annotations

import hashlib
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import limits
from core.errors import UserError
from core.manifest import ManifestError, read_manifest
from core.reading import read_bytes
from core.store import PlanStore
from core.taxonomy import TaxonomyError, parse_taxonomy
from tests import hostile_files as hostile
from tests.conftest import ROOT

MEMORY_CAP = 1536 * 1024 * 1024
TIME_CAP_S = 20


def _capped() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def run_cli(*args: str | bytes) -> subprocess.CompletedProcess:
    """``python -m core ARGS`` under the caps; a time-out fails the test."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(limits.ENV_PREFIX)}
    return subprocess.run([sys.executable, "-m", "core", *args], cwd=ROOT, capture_output=True,
                          timeout=TIME_CAP_S, preexec_fn=_capped, env=env)


def folder_state(folder: Path) -> dict[bytes, str]:
    """Every file under ``folder`` (names as bytes) → sha256 of its bytes."""
    state = {}
    for dirpath, _, files in os.walk(os.fsencode(folder)):
        for name in files:
            path = os.path.join(dirpath, name)
            with open(path, "rb") as handle:
                state[os.path.relpath(path, os.fsencode(folder))] = hashlib.sha256(handle.read()).hexdigest()
    return state


def one_chinese_line(stderr: bytes) -> str:
    text = stderr.decode("utf-8").strip()
    assert "\n" not in text and "Traceback" not in text and "内部错误" not in text, text
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text), text
    return text


@pytest.fixture
def library(tmp_path: Path) -> Path:
    folder = tmp_path / "plans"
    folder.mkdir()
    (folder / "已有.txt").write_bytes(hostile.PLAN.encode())
    (folder / "manifest.toml").write_text('[[plan]]\nfile = "已有.txt"\norgan = "甲单位"\nyear = 2022\n',
                                          encoding="utf-8")
    PlanStore(folder)  # makes the store's lock file, so "unchanged" below means every byte
    return folder


REFUSED = [
    ("spaces-1m.txt", lambda: hostile.whitespace_run_txt(1_000_000), "一段（一行）文字的字数超过上限"),
    ("tabs-1m.txt", lambda: hostile.whitespace_run_txt(1_000_000, "\t"), "超过上限"),
    ("spaces-40k.txt", lambda: hostile.whitespace_run_txt(40_000), "连续空白字符"),
    ("upper-2e9.docx", lambda: hostile.numbered_docx(2_000_000_000, "upperLetter"), "自动编号的数值超过上限"),
    ("roman-1e15.docx", lambda: hostile.numbered_docx(10 ** 15, "lowerRoman"), "自动编号的数值超过上限"),
    ("inflates-1gb.pdf", lambda: hostile.pdf_inflating_to(1024), "PDF 中单个数据流解压后的大小超过上限"),
]


@pytest.mark.parametrize("name, build, says", REFUSED, ids=[r[0] for r in REFUSED])
def test_hostile_file_is_refused_in_bounds_and_library_unchanged(tmp_path, library, name, build, says):
    path = tmp_path / name
    path.write_bytes(build())
    before = folder_state(library)
    done = run_cli("add", str(path), "--library", str(library), "--organ", "乙单位", "--year", "2023")
    assert done.returncode == 2
    lines = done.stderr.decode().strip().splitlines()
    assert says in lines[0] and "DANGJIAN_LIMIT_" in lines[0] and name in lines[0]
    assert folder_state(library) == before


def test_lying_zip_bomb_docx_is_read_correctly_in_bounds(tmp_path, library):
    path = tmp_path / "lying.docx"
    path.write_bytes(hostile.lying_zip_docx(1024))
    done = run_cli("parse", str(path), "--json")
    assert done.returncode == 0, done.stderr.decode()
    assert b"\xe4\xb8\xa5\xe8\x82\x83\xe5\x85\x9a\xe5\x86\x85" in done.stdout  # 严肃党内: the real text


def test_bomless_utf16_is_read_as_chinese(tmp_path, library):
    for order in ("le", "be"):
        path = tmp_path / f"utf16{order}.txt"
        path.write_bytes(hostile.bomless_utf16(byte_order=order))
        done = run_cli("parse", str(path))
        assert done.returncode == 0, done.stderr.decode()
        assert "加强理论学习" in done.stdout.decode() and "推进支部标准化建设" in done.stdout.decode()


def test_backtracking_theme_regex_cannot_hang_coverage(tmp_path, library):
    (library / "长串.txt").write_text(f"一、政治建设\n1.{hostile.BACKTRACKING_ITEM}\n2.加强学习。\n",
                                     encoding="utf-8")
    base = (ROOT / "data" / "themes.toml").read_text(encoding="utf-8")
    taxonomy = tmp_path / "hostile.toml"
    taxonomy.write_text(hostile.backtracking_taxonomy(base), encoding="utf-8")
    done = run_cli("coverage", str(library), "--taxonomy", str(taxonomy), "--json")
    assert done.returncode == 0, done.stderr.decode()


def test_bad_manifest_value_is_named_with_file_and_line(library):
    (library / "manifest.toml").write_text('[[plan]]\nfile = "已有.txt"\nyear = "abc"\n', encoding="utf-8")
    before = folder_state(library)
    done = run_cli("list", str(library))
    assert done.returncode == 2
    assert one_chinese_line(done.stderr).startswith("manifest.toml 第3行：年度应为四位数字")
    assert folder_state(library) == before


def test_undecodable_file_name_is_refused_and_skipped(tmp_path, library):
    bad = os.fsdecode(os.fsencode(tmp_path) + b"/\xff\xfe\xe4.txt")
    Path(bad).write_bytes(hostile.PLAN.encode())
    before = folder_state(library)
    done = run_cli("add", bad, "--library", str(library), "--json")
    assert done.returncode == 2 and b"\\\\xff" in done.stdout  # shown, escaped, in the JSON
    assert folder_state(library) == before
    os.rename(bad, os.fsdecode(os.fsencode(library) + b"/\xff.txt"))
    done = run_cli("list", str(library))
    assert done.returncode == 0 and "甲单位" in done.stdout.decode()
    assert "含有无法识别的字节" in one_chinese_line(done.stderr)


# --- properties: nothing but a UserError escapes, whatever the bytes --------------

def _docx_bytes() -> bytes:
    return hostile.numbered_docx(1, "decimal")


_SEEDS = {".docx": _docx_bytes(), ".pdf": hostile.pdf_inflating_to(1), ".txt": hostile.PLAN.encode(),
          ".md": b"## " + hostile.PLAN.encode()}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(suffix=st.sampled_from(sorted(_SEEDS)), flips=st.lists(st.tuples(st.integers(0, 10 ** 6),
                                                                      st.integers(0, 255)), max_size=8),
       cut=st.integers(0, 10 ** 6))
def test_damaged_files_give_text_or_a_user_error(suffix, flips, cut):
    data = bytearray(_SEEDS[suffix])
    for at, value in flips:
        data[at % len(data)] = value
    data = bytes(data[:max(1, cut % (len(data) + 1))])
    try:
        text = read_bytes(data, "plan" + suffix)
    except UserError as err:
        assert err.message and "\n" not in err.message
    else:
        assert isinstance(text, str)


_TOML_VALUES = st.one_of(st.integers(-10 ** 20, 10 ** 20), st.text(max_size=8), st.booleans(),
                         st.floats(allow_nan=False), st.lists(st.integers(), max_size=2),
                         st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2))


def _toml(value: object) -> str:
    """``value`` as TOML, inline (tomli_w writes a table for a dict)."""
    import tomli_w
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml(k)} = {_toml(v)}" for k, v in value.items()) + " }"
    return tomli_w.dumps({"v": value}).split("=", 1)[1].strip()


@settings(max_examples=80, deadline=None)
@given(key=st.sampled_from(["file", "organ", "year", "level", "dimensions"]), value=_TOML_VALUES)
def test_any_manifest_value_reads_or_names_its_line(tmp_path_factory, key, value):
    folder = tmp_path_factory.mktemp("m")
    entry = {"file": '"a.txt"', key: _toml(value)}
    body = "".join(f"{k} = {v}\n" for k, v in entry.items())
    (folder / "manifest.toml").write_text("[[plan]]\n" + body, encoding="utf-8")
    try:
        read_manifest(folder)
    except ManifestError as err:
        assert str(err).startswith("manifest.toml 第") and "\n" not in str(err)


_REGEX_PIECES = st.sampled_from(["a", "(", ")", "+", "*", "?", "|", "[", "]", "^", "$", "{2,}", "\\", ".",
                                 "(?=", "(?<=", "\\1", "党", "\\u4e00", "-", "{0,1000}"])


@settings(max_examples=80, deadline=None)
@given(pattern=st.lists(_REGEX_PIECES, min_size=1, max_size=10).map("".join))
def test_any_theme_regex_loads_and_tags_or_names_its_line(pattern):
    from core.tagging import tag_text

    literal = pattern.replace("'", "")
    text = ('[[dimension]]\nid = "d"\nname = "维度"\n\n[[theme]]\nid = "t"\nname = "主题"\n'
            f'dimension = "d"\nregex = [\'{literal}\']\n')
    try:
        taxonomy = parse_taxonomy(text)
    except TaxonomyError as err:
        assert "行：" in str(err) or "TOML" in str(err)
        return
    tag_text("a" * 3000 + "!" + "党" * 50, taxonomy)  # RE2: linear, whatever the pattern
