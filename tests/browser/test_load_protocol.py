"""The load check's protocol sessions drive the real server as its frontend does.

benchmarks/load_check.py sends Streamlit's own websocket messages for most of its sessions;
if they drifted from what the frontend sends (a page that is not found, a click the page
cannot read), the load check would measure nothing. One run of each step on the samples.
"""
from __future__ import annotations

import asyncio
import random
from concurrent.futures import ThreadPoolExecutor

import pytest
import websockets

from benchmarks.load_check import ProtocolSession, Stats
from browserkit import server  # noqa: F401 (fixture)


def _run(make_coroutine) -> None:
    """Run a coroutine on its own thread: Playwright's sync API keeps a loop on this one."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(lambda: asyncio.run(make_coroutine())).result()


def _steps(url: str) -> tuple[Stats, list[str]]:
    stats, shown = Stats(), []

    async def run() -> None:
        stream = url.replace("http://", "ws://", 1) + "/_stcore/stream"
        async with websockets.connect(stream, subprotocols=["streamlit"], max_size=None) as ws:
            live = ProtocolSession(ws)
            await live.rerun(stats, "search", "q=%E4%B8%89%E4%BC%9A%E4%B8%80%E8%AF%BE&mode=exact")
            await live.rerun(stats, "", "")
            await live.rerun(stats, "coverage", "")
            chart_before = live.chart
            await live.click_heatmap(stats, random.Random(3), "coverage", "")
            shown.append("chart" if chart_before else "")
    _run(run)
    return stats, shown


def test_protocol_steps_run_each_page_and_the_click(server):
    stats, shown = _steps(server.url)
    assert shown == ["chart"]
    assert stats.errors == []


def test_a_page_that_does_not_exist_is_an_error(server):
    async def run() -> None:
        stream = server.url.replace("http://", "ws://", 1) + "/_stcore/stream"
        async with websockets.connect(stream, subprotocols=["streamlit"], max_size=None) as ws:
            await ProtocolSession(ws).rerun(Stats(), "no_such_page", "")
    with pytest.raises(RuntimeError, match="no_such_page"):
        _run(run)
