"""The operator names the libraries; a read-only library opens with its index in the user's cache."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import core
from conftest import SAMPLE_DIR, folder_snapshot
from core import libraries
from core.libraries import (DEFAULT_NAME, LibrariesError, configured_libraries, index_dir,
                            parse_libraries)


def test_env_list_by_name_in_order(tmp_path: Path):
    env = {"DANGJIAN_LIBRARIES": f"2022市直机关={tmp_path}/a ;\n 2021 = b; ",
           "DANGJIAN_LIBRARY": "/ignored"}
    assert configured_libraries(env) == {"2022市直机关": tmp_path / "a", "2021": libraries.ROOT / "b"}


@pytest.mark.parametrize("text", ["没有等号", "=/srv/x", "名称=", "甲=/a;甲=/b"])
def test_malformed_lists_are_refused_in_chinese(text: str):
    with pytest.raises(LibrariesError) as err:
        parse_libraries(text)
    assert "计划库" in err.value.message or "名称" in err.value.message


def test_default_is_data_plans_or_the_single_library_env():
    assert configured_libraries({}) == {DEFAULT_NAME: libraries.ROOT / "data" / "plans"}
    assert configured_libraries({"DANGJIAN_LIBRARY": "/srv/p"}) == {DEFAULT_NAME: Path("/srv/p")}


def test_config_file(tmp_path: Path):
    file = tmp_path / "libraries.toml"
    file.write_text('[libraries]\n"2022市直机关" = "/srv/plans/2022"\n"样例" = "data/plans"\n', encoding="utf-8")
    assert configured_libraries({"DANGJIAN_LIBRARIES_FILE": str(file)}) == {
        "2022市直机关": Path("/srv/plans/2022"), "样例": libraries.ROOT / "data" / "plans"}
    file.write_text("[libraries]\n", encoding="utf-8")
    with pytest.raises(LibrariesError):
        configured_libraries({"DANGJIAN_LIBRARIES_FILE": str(file)})


@pytest.fixture
def read_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the sample library that reports no write permission (tests run as root)."""
    folder = tmp_path / "ro"
    shutil.copytree(SAMPLE_DIR, folder)
    real = os.access

    def access(path, mode, *args, **kwargs):
        if mode & os.W_OK and Path(path).resolve().is_relative_to(folder.resolve()):
            return False
        return real(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return folder


def test_read_only_library_opens_with_its_index_in_the_user_cache(read_only: Path, tmp_path: Path):
    before = folder_snapshot(read_only, skip=())
    lib = core.open_library(read_only)
    assert len(lib.plans) == 5 and not lib.search("三会一课").empty
    assert folder_snapshot(read_only, skip=()) == before  # not even .lock or .index
    where = index_dir(read_only)
    assert where.is_relative_to(tmp_path / "cache" / "dangjian")
    assert (where / "search.npz").exists() and (where / "library").is_dir()
    again = core.open_library(read_only)  # from the cached snapshot
    assert again.items["item_id"].tolist() == lib.items["item_id"].tolist()


def test_writable_library_keeps_its_index_inside(library_copy: Path):
    assert index_dir(library_copy) == library_copy / ".index"
