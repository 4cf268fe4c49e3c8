"""AppTest helpers and fixtures: the real dashboard on the sample library (or a crafted copy).

No conftest.py here on purpose: tests/*.py do ``from conftest import …``, and a second
module named ``conftest`` collected before them would shadow tests/conftest.py.
Test modules import the fixtures they use from here.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.libraries import LIBRARIES_ENV

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_DIR = ROOT / "data" / "plans"
ENTRY = "../../dashboard.py"  # AppTest.from_file resolves relative to this file
TIMEOUT = 120

EVIL_ORGAN = "<b>恶意</b>[单位](http://x.test)*甲*"
EVIL_PLAN = """2022年恶意测试机关党建工作要点
一、加强政治建设<img src=x onerror=alert(1)>
1.落实<script>alert(1)</script>“三会一课”制度，[点我](javascript:alert(1)) **加粗** $x$。
2.推进模范机关建设，开展<i>主题党日</i>活动。
二、加强作风建设
1.持之以恒落实中央八项规定精神，纠治“四风”。
"""


def make_app(query: dict[str, str] | None = None, page: str | None = None) -> AppTest:
    """The dashboard after its first run (optionally with URL parameters, then on ``page``)."""
    at = AppTest.from_file(ENTRY, default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if page is not None:
        at.switch_page(page).run()
    return at


def assert_clean(at: AppTest) -> None:
    """No exception and no error box."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def all_text(at: AppTest) -> str:
    """Every markdown, caption, alert and html body on the page, joined."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [a.value for kind in ("info", "warning", "error", "success") for a in at.get(kind)]
    parts += [h.proto.body for h in at.get("html")]
    return "\n".join(str(p) for p in parts)


def html_bodies(at: AppTest) -> str:
    return "\n".join(h.proto.body for h in at.get("html"))


def plotly_figure(at: AppTest, index: int = 0) -> dict:
    return json.loads(at.get("plotly_chart")[index].proto.spec)


def dataframe_rows(at: AppTest, index: int = 0) -> int:
    return len(at.dataframe[index].value)


TEST_LIBRARY = "测试计划库"


def configure_libraries(**named: Path) -> str:
    """Configure the libraries as an operator would (the sample library first); returns the env text.

    tests/conftest.py restores ``DANGJIAN_LIBRARIES`` after every test.
    """
    text = ";".join(f"{name}={folder}" for name, folder in {"样例计划库": SAMPLE_DIR, **named}.items())
    os.environ[LIBRARIES_ENV] = text
    return text


def use_library(at: AppTest, folder: Path) -> AppTest:
    """Configure ``folder`` as a second library and choose it in the sidebar."""
    configure_libraries(**{TEST_LIBRARY: folder})
    at.run()
    at.selectbox(key="library").set_value(TEST_LIBRARY).run()
    return at


@pytest.fixture
def evil_library(tmp_path: Path) -> Path:
    """The sample library plus a plan whose organ name and text carry HTML and Markdown."""
    dest = tmp_path / "plans"
    shutil.copytree(SAMPLE_DIR, dest)
    for path in dest.iterdir():
        path.chmod(0o644)
    (dest / "zz_evil.txt").write_text(EVIL_PLAN, encoding="utf-8")
    with (dest / "manifest.toml").open("a", encoding="utf-8") as f:
        f.write(f'\n[[plan]]\nfile = "zz_evil.txt"\norgan = {json.dumps(EVIL_ORGAN, ensure_ascii=False)}\n'
                f'year = 2022\nlevel = "市"\n')
    (dest / "broken.doc").write_bytes(b"\xd0\xcf\x11\xe0 not really a doc")
    return dest




@pytest.fixture
def two_year_library(tmp_path: Path) -> Path:
    """The sample library with 市级机关工委's plan moved to 2021."""
    dest = tmp_path / "plans2"
    shutil.copytree(SAMPLE_DIR, dest)
    for path in dest.iterdir():
        path.chmod(0o644)
    manifest = dest / "manifest.toml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace('organ = "市级机关工委"\nyear = 2022', 'organ = "市级机关工委"\nyear = 2021'),
                        encoding="utf-8")
    return dest


@pytest.fixture
def deferred_files(monkeypatch) -> dict[str, object]:
    """file name → the callable a download button will run on click (downloads are deferred)."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    seen: dict[str, object] = {}
    original = MediaFileManager.add_deferred

    def record(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        seen[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    return seen
