"""Run work on untrusted input in a child process with a memory and a time cap.

The dashboard is one server process shared by every user: a file that makes a reader
take minutes or gigabytes must fail only its own upload. :func:`run_isolated` runs a
function in a fresh worker process whose address space is capped (``RLIMIT_AS``,
``reader_memory_bytes`` beyond what the worker starts with) and kills it after
``reader_seconds`` (both in :mod:`core.limits`); either becomes a
:class:`~core.limits.LimitError`, and a :class:`~core.errors.UserError` raised in the
worker comes back as itself.

>>> run_isolated(sum, [1, 2, 3])
6
"""
from __future__ import annotations

import contextlib
import multiprocessing
import os
import resource
import sys
import threading
import types
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from . import limits
from .errors import ReadError, UserError

T = TypeVar("T")


def process_context() -> multiprocessing.context.BaseContext:
    """fork when this process has one thread (cheap); forkserver in a threaded server (safe)."""
    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    # The server imports core once; each worker forked from it starts with core loaded
    # (importing it anew, with pandas, took most of a second per worker).
    multiprocessing.set_forkserver_preload(["core"])
    return multiprocessing.get_context("forkserver")


@contextlib.contextmanager
def main_script_hidden() -> Iterator[None]:
    """Start worker processes without making them re-run the caller's main script.

    forkserver (and spawn) children import the parent's ``__main__`` from its file
    first. Under ``streamlit run`` that file is ``dashboard.py``, which cannot run
    outside Streamlit, so every worker died. The workers need nothing from
    ``__main__``: an empty module stands in while they start.
    """
    real = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if real is not None:
            sys.modules["__main__"] = real


def run_isolated(func: Callable[..., T], *args: Any) -> T:
    """``func(*args)`` in a worker process under the reader limits; its result or its error.

    ``func`` and its arguments and result must pickle (a module-level function).
    """
    caps = limits.snapshot()
    context = process_context()
    receiver, sender = context.Pipe(duplex=False)
    worker = context.Process(target=_work, args=(sender, func, args, caps), daemon=True)
    with main_script_hidden():
        worker.start()
    sender.close()
    try:
        outcome = receiver.recv() if receiver.poll(caps["reader_seconds"]) else ("limit", "reader_seconds")
    except EOFError:  # the worker died without a word: killed for memory, or crashed
        outcome = ("limit", "reader_memory_bytes")
    finally:
        receiver.close()
        if worker.is_alive():
            worker.kill()
        worker.join()
    kind, *rest = outcome
    if kind == "ok":
        return rest[0]
    if kind == "limit":
        with limits.override(**caps):
            raise limits.exceeded(rest[0], caps[rest[0]], at_least=True)
    code, message, limit = rest
    raise limits.LimitError(limit, message) if limit else ReadError(code, message)


def _work(sender: Any, func: Callable[..., Any], args: tuple, caps: dict[str, int]) -> None:
    _cap_memory(caps["reader_memory_bytes"])
    try:
        with limits.override(**caps):
            outcome: tuple = ("ok", func(*args))
    except MemoryError:
        outcome = ("limit", "reader_memory_bytes")
    except UserError as err:
        outcome = ("error", err.code, err.message, getattr(err, "limit", None))
    except Exception as err:  # a bug must still reach the user as a message
        outcome = ("error", "corrupt", f"文件无法读取（{type(err).__name__}），请重新保存或导出后再上传", None)
    try:
        sender.send(outcome)
    except MemoryError:
        sender.send(("limit", "reader_memory_bytes"))
    finally:
        sender.close()


def _cap_memory(extra: int) -> None:
    """Cap the address space at what the process has now plus ``extra`` bytes."""
    with open("/proc/self/statm") as statm:
        now = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = now + extra if hard == resource.RLIM_INFINITY else min(now + extra, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
