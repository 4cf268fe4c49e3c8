"""The one shape of error users see: a code for programs, a Chinese message for people."""
from __future__ import annotations


class UserError(Exception):
    """``code`` is a short English id ("corrupt", "exists", …); ``message`` (also
    ``str(err)``) is one line of Chinese that says what to do.

    >>> str(UserError("empty", "文件是空的，请检查是否选错了文件"))
    '文件是空的，请检查是否选错了文件'
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message


class ReadError(UserError):
    """A file that cannot be read as a plan (codes "corrupt", "encrypted", "limit", …)."""
