"""Admin password: pure checks and throttling, and the pages refusing changes without it."""
from __future__ import annotations

from pathlib import Path

import pytest

from app import auth
from core.store import PlanStore

from apphelpers import SAMPLE_DIR, assert_clean, dataframe_rows
from libkit import (library, library_page, login, password, result_lines, save,  # noqa: F401
                    snapshot, taxonomy_file, taxonomy_page, texts, upload)

PLAN_2023 = (SAMPLE_DIR / "002_07e1a61bf54791a3.txt").read_text(encoding="utf-8") \
    .replace("2022年", "2023年", 1).encode("utf-8")


# ---------------------------------------------------------------- pure functions


class FakeSecrets:
    def __init__(self, values=None, fail=False):
        self.values, self.fail = values or {}, fail

    def load_if_toml_exists(self):
        if self.fail:
            raise FileNotFoundError("no secrets.toml")
        return bool(self.values)

    def get(self, key, default=None):
        return self.values.get(key, default)


def test_password_comes_from_environment_then_secrets_and_never_errors():
    assert auth.configured_password({auth.ENV_VAR: "甲"}, FakeSecrets({"admin_password": "乙"})) == "甲"
    assert auth.configured_password({}, FakeSecrets({"admin_password": "乙"})) == "乙"
    assert auth.configured_password({auth.ENV_VAR: "  "}, FakeSecrets()) is None
    assert auth.configured_password({}, FakeSecrets(fail=True)) is None  # missing file: local mode
    assert auth.configured_password({}, FakeSecrets({"admin_password": 123})) is None


def test_check_password_is_exact():
    assert auth.check_password("秘密 1", "秘密 1")
    assert not auth.check_password("秘密1", "秘密 1")
    assert not auth.check_password("", "秘密 1")


def test_delays_double_after_the_free_tries_and_are_capped():
    assert [auth.delay_after(n) for n in range(auth.FREE_TRIES)] == [0.0] * auth.FREE_TRIES
    first = auth.delay_after(auth.FREE_TRIES)
    assert auth.delay_after(auth.FREE_TRIES + 1) == 2 * first
    assert auth.delay_after(100) == auth.MAX_DELAY


def test_wrong_tries_in_one_session_never_stop_a_fresh_session():
    failures = auth.FailureLog()
    session = auth.Attempts()
    now = 1000.0
    for _ in range(5):
        ok, message = auth.attempt_login("错", "对", session, "local", now, failures)
        assert not ok
    assert "请等待" in message
    # this session waits, even with the right password (not checked while waiting) …
    ok, message = auth.attempt_login("对", "对", session, "local", now + 1, failures)
    assert not ok and "请等待" in message
    # … a fresh session from the same address gets in at once
    assert auth.attempt_login("对", "对", auth.Attempts(), "local", now + 1, failures)[0]


def test_many_failures_across_sessions_slow_everyone_a_few_seconds_at_most():
    failures = auth.FailureLog()
    now = 1000.0
    for n in range(200):  # an attacker opening a new session for every try
        auth.attempt_login("错", "对", auth.Attempts(), "local", now, failures)
        now += auth.GLOBAL_MAX_DELAY
    wait = failures.wait(now - auth.GLOBAL_MAX_DELAY)
    assert 0 < wait <= auth.GLOBAL_MAX_DELAY
    ok, message = auth.attempt_login("对", "对", auth.Attempts(), "local", now - auth.GLOBAL_MAX_DELAY, failures)
    assert not ok and "请等待 3 秒" in message
    assert auth.attempt_login("对", "对", auth.Attempts(), "local", now, failures)[0]


def test_a_slow_trickle_of_wrong_tries_never_delays_the_admin():
    failures = auth.FailureLog()
    now = 0.0
    for _ in range(100):  # one wrong try every 15 minutes, for a day
        assert not auth.attempt_login("错", "对", auth.Attempts(), "local", now, failures)[0]
        now += 15 * 60
        assert failures.wait(now) == 0
        assert auth.attempt_login("对", "对", auth.Attempts(), "local", now + 1, failures)[0]


def test_failures_are_logged(caplog):
    with caplog.at_level("WARNING", logger="dashboard.auth"):
        auth.attempt_login("错", "对", auth.Attempts(), "10.0.0.9", 5.0, auth.FailureLog())
    assert "wrong admin password from 10.0.0.9" in caplog.text


def test_wait_message_is_chinese_and_rounds_up():
    assert auth.wait_message(0.2) == "密码错误次数过多，请等待 1 秒后再试。"
    assert auth.wait_message(61) == "密码错误次数过多，请等待 2 分钟后再试。"


# ---------------------------------------------------------------- the pages


def test_without_a_password_changes_are_allowed_and_the_page_says_so(library: Path):
    at = library_page()
    assert auth.LOCAL_MODE_MESSAGE in texts(at, "info")
    assert not at.get("form")
    assert at.file_uploader
    at.selectbox(key="lib_remove_choice").set_value("002_07e1a61bf54791a3").run()
    assert not at.button(key="lib_remove").disabled


def test_with_a_password_viewing_works_but_changes_are_refused(library: Path, password: str,
                                                                 taxonomy_file: Path):
    before, tax_before = snapshot(library), taxonomy_file.read_bytes()
    at = library_page()
    assert_clean(at)
    assert auth.LOCAL_MODE_MESSAGE not in texts(at, "info")
    assert any("需要管理员密码" in w for w in texts(at, "warning"))
    assert dataframe_rows(at) == 5            # viewing needs no password
    assert not at.file_uploader               # no upload without it
    assert at.button(key="lib_remove").disabled
    assert at.selectbox(key="lib_remove_choice").disabled
    # a forged save request is refused on the server too
    at.session_state["lib_pending_save"] = True
    at.run()
    assert snapshot(library) == before
    tax = taxonomy_page()
    assert_clean(tax)
    assert tax.data_editor[0].proto.disabled or tax.data_editor[0].editing_mode == "fixed"
    assert tax.button(key="tax_save").disabled
    key = tax.data_editor[0].key
    tax.session_state[key] = {"edited_rows": {0: {"terms": "改"}}, "added_rows": [], "deleted_rows": []}
    tax.session_state["tax_pending_save"] = True
    tax.run()
    assert taxonomy_file.read_bytes() == tax_before


def test_with_the_password_changes_work(library: Path, password: str):
    at = login(library_page(), "错误的密码")
    assert any("密码不正确" in e for e in texts(at, "error"))
    assert not at.file_uploader
    at = login(at, password)
    assert_clean(at)
    assert any("已登录为管理员" in s for s in texts(at, "success"))
    at = save(upload(at, ("政研室2023.txt", PLAN_2023)))
    saved, refused = result_lines(at)
    assert saved and not refused
    assert (library / "政研室2023.txt").read_bytes() == PLAN_2023
    at.selectbox(key="lib_remove_choice").set_value("政研室2023").run()
    at.button(key="lib_remove").click().run()
    assert [t.file for t in PlanStore(library).trash()] == ["政研室2023.txt"]
    at.button(key="lib_admin_logout").click().run()
    assert not at.file_uploader and at.button(key="lib_remove").disabled


def test_wrong_passwords_in_one_session_do_not_lock_out_a_new_one(library: Path, password: str,
                                                                   monkeypatch: pytest.MonkeyPatch):
    clock = [5000.0]
    monkeypatch.setattr(auth, "clock", lambda: clock[0])
    at = library_page()
    for _ in range(5):
        at = login(at, "不对")
    assert any("请等待" in e for e in texts(at, "error")), texts(at, "error")
    at = login(at, password)  # right password, but too soon in this session
    assert any("请等待" in e for e in texts(at, "error")) and not at.file_uploader
    other = login(library_page(), password)  # a new session gets in at once
    assert_clean(other)
    assert other.file_uploader
    clock[0] += auth.delay_after(5) + 1
    at = login(at, password)
    assert_clean(at)
    assert at.file_uploader
