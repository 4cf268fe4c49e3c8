"""The examples in core's docstrings run and give what they show (the README points to them)."""
from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import core

MODULES = sorted(m.name for m in pkgutil.iter_modules(core.__path__, "core.") if m.name != "core.__main__")


@pytest.mark.parametrize("name", ["core", *MODULES])
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
