"""Who may change the plan library and the taxonomy: an optional admin password.

When a password is configured (environment variable ``DANGJIAN_ADMIN_PASSWORD``, else
``admin_password`` in ``.streamlit/secrets.toml``), every change — adding, replacing,
removing and restoring plans, editing the taxonomy — needs it; viewing never does.
Without one the dashboard runs in single-user local mode, as before, and says so.

The password is checked on the server with :func:`hmac.compare_digest`. Wrong tries
slow further tries down: in one browser session, after :data:`FREE_TRIES` failures each
try must wait exponentially longer; across all sessions (:class:`FailureLog`), many
failures within ten minutes make every try wait a little, capped at a few seconds, so
no one can lock the admin out. Every failure is logged with the client's address.

The logic is in pure functions (:func:`check_password`, :func:`delay_after`,
:func:`wait_seconds`, :func:`attempt_login`); :func:`admin_gate` is the Streamlit part.

>>> check_password("秘密", "秘密"), check_password("x", "秘密")
(True, False)
>>> [delay_after(n) for n in range(7)]
[0.0, 0.0, 0.0, 2.0, 4.0, 8.0, 16.0]
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import math
import os
import secrets
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

import streamlit as st

ENV_VAR = "DANGJIAN_ADMIN_PASSWORD"
SECRET_KEY = "admin_password"
FREE_TRIES = 3          # wrong tries allowed before any waiting
BASE_DELAY = 2.0        # seconds to wait after the FREE_TRIES-th failure, doubling each time
MAX_DELAY = 15 * 60.0   # never more than this
GLOBAL_FREE = 20        # wrong tries across all sessions (in GLOBAL_WINDOW) before everyone waits
GLOBAL_WINDOW = 600     # seconds
GLOBAL_STEP = 0.5       # each further failure adds this much to everyone's wait …
GLOBAL_MAX_DELAY = 3.0  # … up to this: the right password still gets in within seconds
GLOBAL_KEEP = 10_000    # failures remembered at most
LOCAL_MODE_MESSAGE = "未设置管理员密码：任何能打开本页面的人都可以修改计划库。设置方法见 README"
REFUSED_MESSAGE = "需要管理员密码才能修改。请先在本页输入管理员密码。"

_SESSION_ATTEMPTS = "_admin_attempts"
_SESSION_TOKEN = "_admin_token"
_LOG = logging.getLogger("dashboard.auth")
_TOKEN_KEY = secrets.token_bytes(32)  # per process: a restart logs every session out
clock = time.monotonic  # tests replace this


# ---------------------------------------------------------------- configuration

def configured_password(environ: Mapping[str, str] | None = None,
                        secrets_source: object | None = None) -> str | None:
    """The admin password, or None when none is configured (local mode).

    The environment variable wins; ``st.secrets`` is read defensively, so a missing or
    broken secrets file means "not configured", never an error.
    """
    environ = os.environ if environ is None else environ
    value = environ.get(ENV_VAR)
    if value is not None and value.strip():
        return value
    try:
        source = st.secrets if secrets_source is None else secrets_source
        loader = getattr(source, "load_if_toml_exists", None)
        if loader is not None and not loader():
            return None
        value = source.get(SECRET_KEY)  # type: ignore[attr-defined]
    except Exception:  # no secrets file, unreadable TOML, …: not configured
        return None
    if isinstance(value, str) and value.strip():
        return value
    return None


def check_password(given: str, expected: str) -> bool:
    """Constant-time comparison of the typed password with the configured one."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def session_token(expected: str) -> str:
    """What a logged-in session keeps: changes when the password (or the process) changes."""
    return hmac.new(_TOKEN_KEY, expected.encode("utf-8"), hashlib.sha256).hexdigest()


# ---------------------------------------------------------------- slowing down wrong tries

@dataclass
class Attempts:
    """Consecutive wrong tries and the time of the last one."""

    failures: int = 0
    last: float = 0.0


def delay_after(failures: int) -> float:
    """Seconds a further try must wait after ``failures`` consecutive wrong tries."""
    if failures < FREE_TRIES:
        return 0.0
    return min(MAX_DELAY, BASE_DELAY * 2 ** (failures - FREE_TRIES))


def wait_seconds(attempts: Attempts, now: float) -> float:
    """How long from ``now`` until the next try is allowed (0 = now)."""
    return max(0.0, attempts.last + delay_after(attempts.failures) - now)


def wait_message(seconds: float) -> str:
    """Chinese: how long to wait, rounded up to whole seconds (minutes when long).

    >>> wait_message(1.2), wait_message(125)
    ('密码错误次数过多，请等待 2 秒后再试。', '密码错误次数过多，请等待 3 分钟后再试。')
    """
    if seconds > 60:
        return f"密码错误次数过多，请等待 {math.ceil(seconds / 60)} 分钟后再试。"
    return f"密码错误次数过多，请等待 {max(1, math.ceil(seconds))} 秒后再试。"


class FailureLog:
    """Wrong tries across ALL sessions of this server process, in a sliding window.

    Keyed by nothing a visitor controls (every local user and everyone behind a reverse
    proxy share one address, so a per-address count let anyone lock the admin out). It
    only slows tries down: after :data:`GLOBAL_FREE` failures in :data:`GLOBAL_WINDOW`
    seconds each try waits :data:`GLOBAL_STEP` more per failure, never more than
    :data:`GLOBAL_MAX_DELAY`, so the right password always gets in within seconds.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._times: deque[float] = deque()

    def _trim(self, now: float) -> None:
        while self._times and self._times[0] <= now - GLOBAL_WINDOW:
            self._times.popleft()

    def count(self, now: float) -> int:
        with self._lock:
            self._trim(now)
            return len(self._times)

    def wait(self, now: float) -> float:
        """Seconds from ``now`` until any session may try again (0 = now)."""
        with self._lock:
            self._trim(now)
            extra = len(self._times) - GLOBAL_FREE
            if extra <= 0:
                return 0.0
            return max(0.0, self._times[-1] + min(GLOBAL_MAX_DELAY, GLOBAL_STEP * extra) - now)

    def failed(self, now: float) -> None:
        with self._lock:
            self._times.append(now)
            while len(self._times) > GLOBAL_KEEP:
                self._times.popleft()

    def reset(self) -> None:
        with self._lock:
            self._times.clear()


FAILURES = FailureLog()


def attempt_login(given: str, expected: str, session: Attempts, client: str = "local",
                  now: float | None = None, failures: FailureLog = FAILURES) -> tuple[bool, str]:
    """Check one try; updates ``session`` and ``failures``. Returns (ok, Chinese message).

    A try made while a wait is still running is refused without looking at the password.
    ``client`` (the address) is only written to the log.
    """
    now = clock() if now is None else now
    wait = max(wait_seconds(session, now), failures.wait(now))
    if wait > 0:
        return False, wait_message(wait)
    if given and check_password(given, expected):
        session.failures, session.last = 0, 0.0
        return True, "已登录为管理员。"
    session.failures += 1
    session.last = now
    failures.failed(now)
    _LOG.warning("wrong admin password from %s (%d in this session, %d in all sessions in the last %d s)",
                 client, session.failures, failures.count(now), GLOBAL_WINDOW)
    delay = max(delay_after(session.failures), failures.wait(now))
    if delay > 0:
        return False, f"密码不正确。{wait_message(delay)}"
    left = FREE_TRIES - session.failures
    return False, f"密码不正确，请重新输入（再错 {left} 次后，每次重试需要等待更久）。"


# ---------------------------------------------------------------- Streamlit part

def client_key() -> str:
    """The client's address, or "local" when Streamlit does not know it (localhost)."""
    try:
        address = st.context.ip_address
    except Exception:
        return "local"
    return address if isinstance(address, str) and address else "local"


def is_admin() -> bool:
    """May this session change things? Always True when no password is configured."""
    expected = configured_password()
    if expected is None:
        return True
    token = st.session_state.get(_SESSION_TOKEN)
    return isinstance(token, str) and hmac.compare_digest(token, session_token(expected))


def require_admin() -> None:
    """Raise PermissionError (Chinese message) unless this session may change things.

    Every write handler calls this right before writing: a disabled button is only UI.
    """
    if not is_admin():
        raise PermissionError(REFUSED_MESSAGE)


def _session_attempts() -> Attempts:
    attempts = st.session_state.get(_SESSION_ATTEMPTS)
    if not isinstance(attempts, Attempts):
        attempts = Attempts()
        st.session_state[_SESSION_ATTEMPTS] = attempts
    return attempts


def login(password: str) -> tuple[bool, str]:
    """Try ``password`` for this session (the form's submit handler calls this)."""
    expected = configured_password()
    if expected is None:
        return True, "未设置管理员密码，无需登录。"
    ok, message = attempt_login(password, expected, _session_attempts(), client_key())
    if ok:
        st.session_state[_SESSION_TOKEN] = session_token(expected)
    return ok, message


def logout() -> None:
    st.session_state.pop(_SESSION_TOKEN, None)


def admin_gate(what: str = "计划库", key: str = "admin") -> bool:
    """Say who may change ``what`` and offer the password form; True if this session may."""
    if configured_password() is None:
        st.info(LOCAL_MODE_MESSAGE if what == "计划库"
                else LOCAL_MODE_MESSAGE.replace("计划库", what), icon=":material/lock_open:")
        return True
    if is_admin():
        left, right = st.columns([4, 1])
        left.success(f"已登录为管理员，可以修改{what}。", icon=":material/lock_open:")
        right.button("退出登录", key=f"{key}_logout", icon=":material/logout:", on_click=logout)
        return True
    st.warning(f"查看不需要密码；修改{what}需要管理员密码。", icon=":material/lock:")
    message_key = f"_{key}_message"
    with st.form(f"{key}_login", border=True):
        st.text_input("管理员密码", type="password", key=f"{key}_password")
        st.form_submit_button("登录", icon=":material/login:", on_click=_submit, args=(key,))
    message = st.session_state.pop(message_key, None)
    if message:
        st.error(message, icon=":material/lock:")
    return False


def _submit(key: str) -> None:
    """The login form's callback (runs before the page is drawn, so it survives reruns)."""
    password = st.session_state.get(f"{key}_password") or ""
    st.session_state[f"{key}_password"] = ""
    ok, message = login(str(password))
    if not ok:
        st.session_state[f"_{key}_message"] = message
