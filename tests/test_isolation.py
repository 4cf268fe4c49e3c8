"""core.isolation: work on untrusted input in a worker with a memory and a time cap."""
from __future__ import annotations

import os
import time

import pytest

from core import limits
from core.errors import ReadError
from core.isolation import run_isolated
from core.store import PlanStore
from tests import hostile_files


def _raise_read_error(message: str) -> None:
    raise ReadError("corrupt", message)


def _crash() -> None:
    raise RuntimeError("a bug")


def _die() -> None:
    os._exit(3)


def test_result_comes_back():
    assert run_isolated(sorted, [3, 1, 2]) == [1, 2, 3]


def test_over_the_time_cap_the_worker_is_killed_and_the_limit_named():
    started = time.monotonic()
    with limits.override(reader_seconds=1), pytest.raises(limits.LimitError) as caught:
        run_isolated(time.sleep, 30)
    assert time.monotonic() - started < 10
    assert caught.value.limit == "reader_seconds" and "DANGJIAN_LIMIT_READER_SECONDS" in str(caught.value)


def test_over_the_memory_cap_is_a_limit_error_not_a_dead_server():
    with limits.override(reader_memory_bytes=64 * 1024 * 1024), pytest.raises(limits.LimitError) as caught:
        run_isolated(bytearray, 1024 * 1024 * 1024)
    assert caught.value.limit == "reader_memory_bytes"


def test_errors_come_back_as_user_errors():
    with pytest.raises(ReadError, match="原样"):
        run_isolated(_raise_read_error, "原样")
    with pytest.raises(ReadError) as caught:
        run_isolated(_crash)
    assert caught.value.code == "corrupt" and "RuntimeError" in caught.value.message
    with pytest.raises(limits.LimitError):  # died without a word
        run_isolated(_die)


def test_isolated_store_refuses_a_hostile_upload_and_reads_a_good_one(tmp_path):
    store = PlanStore(tmp_path, isolate=True)
    refused = store.check_upload("炸弹.pdf", hostile_files.pdf_inflating_to(256))
    assert refused.refusal.code == "limit" and "PDF" in refused.refusal.message
    good = store.check_upload("计划.txt", hostile_files.PLAN.encode())
    assert good.ok and [i.title for i in good.plan.items][:2] == ["加强理论学习", "严肃党内政治生活"]
    assert not [p for p in tmp_path.iterdir() if not p.name.startswith(".")]
