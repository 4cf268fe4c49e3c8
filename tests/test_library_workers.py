"""Parallel ingest works inside a threaded server whose main script cannot be re-run (Streamlit)."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.make_corpus import write_corpus  # noqa: E402
from core.library import PARALLEL_MIN_FILES  # noqa: E402

SCRIPT = textwrap.dedent("""
    import sys, threading, types
    sys.path.insert(0, {root!r})
    # What `streamlit run dashboard.py` leaves behind: __main__ is a script that only runs in Streamlit.
    main = types.ModuleType("__main__")
    main.__file__ = {bad!r}
    sys.modules["__main__"] = main
    stop = threading.Event()
    threading.Thread(target=stop.wait).start()   # a threaded server: workers come from forkserver
    import core
    messages = []
    lib = core.open_library({folder!r}, use_cache=False, progress=lambda d, t, m: messages.append(m))
    stop.set()
    print(len(lib.plans), sum("并行读取失败" in m for m in messages))
""")


def test_workers_start_without_rerunning_the_main_script(tmp_path):
    folder = tmp_path / "plans"
    write_corpus(PARALLEL_MIN_FILES + 6, folder, seed=5)
    ran = tmp_path / "main-script-ran"
    bad = tmp_path / "dashboard_like.py"
    bad.write_text(f"open({str(ran)!r}, 'w').close()\nraise RuntimeError('only runs inside Streamlit')\n",
                   encoding="utf-8")
    script = SCRIPT.format(root=str(ROOT), bad=str(bad), folder=str(folder))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    plans, fallbacks = done.stdout.split()
    assert int(plans) == PARALLEL_MIN_FILES + 6
    assert int(fallbacks) == 0, done.stderr[-2000:]
    assert not ran.exists()
