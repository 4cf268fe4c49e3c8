"""Theme regexes from a user-edited taxonomy, run by RE2 so that none can hang the server.

Python's ``re`` backtracks: ``(a+)+$`` on 5,000 "a"s and a "!" never finishes. RE2
(``google-re2``) runs in time linear in the text for every pattern, at the price of
features that need backtracking: lookarounds (``(?=…)``, ``(?<=…)``) and back-references
(``\\1``) are refused when the taxonomy is loaded, with the reason in Chinese.

Patterns are written in Python syntax; ``\\uXXXX`` escapes are rewritten for RE2.

>>> rule = compile_rule(r"(党建|党务)[^。;]{0,10}(信息化|数字化)")
>>> rule.search("推进党建工作信息化").group()
'党建工作信息化'
>>> compile_rule("(a+)+$").search("a" * 5000 + "!") is None
True
>>> rule_problem(r"(?<=党)建")
'使用了不支持的写法（RE2 不支持前后查看 (?=…) (?<=…) 和反向引用 \\\\1 等，请改写）'
"""
from __future__ import annotations

import re
import warnings
from functools import lru_cache
from typing import Any

import re2

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # RE2 prints refused patterns to stderr otherwise
_PY_ESCAPE = re.compile(r"\\\\|\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})")


class RuleError(ValueError):
    """A pattern RE2 cannot run; ``str(err)`` says why, in Chinese."""


def _for_re2(pattern: str) -> str:
    def repl(m: re.Match[str]) -> str:
        code = m.group(1) or m.group(2)
        return m.group() if code is None else "\\x{" + code + "}"
    return _PY_ESCAPE.sub(repl, pattern)


@lru_cache(maxsize=4096)
def compile_rule(pattern: str) -> Any:
    """The RE2 pattern object for ``pattern`` (``search``/``finditer`` like ``re``).

    Raises :class:`RuleError` for a pattern that Python's ``re`` rejects or RE2 cannot run.
    """
    try:
        with warnings.catch_warnings():  # FutureWarning about sets: no concern of the user's
            warnings.simplefilter("ignore")
            re.compile(pattern)
    except re.error as exc:
        raise RuleError(f"无效（{exc.msg}）") from exc
    try:
        return re2.compile(_for_re2(pattern), _OPTIONS)
    except re2.error as exc:
        raise RuleError("使用了不支持的写法（RE2 不支持前后查看 (?=…) (?<=…) 和反向引用 \\1 等，请改写）") from exc


def rule_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be a theme regex (Chinese), or None if it can."""
    try:
        compiled = compile_rule(pattern)
    except RuleError as exc:
        return str(exc)
    if compiled.fullmatch("") is not None:
        return "可匹配空串"
    return None
