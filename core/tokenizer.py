"""Chinese word segmentation with the project's fixed phrases kept whole.

Each dictionary path gets its own ``jieba.Tokenizer``, built once and shared;
the user dictionary is loaded into that instance only, never into jieba's
global tokenizer (pages run in threads and other code may use ``jieba.dt``).

>>> "三会一课" in tokenize("认真落实三会一课制度")
True
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path

import jieba

jieba.setLogLevel(logging.WARNING)  # its "Building prefix dict…" lines would clutter the CLI

DEFAULT_USERDICT_PATH = Path(__file__).resolve().parent.parent / "data" / "userdict.txt"

_tokenizers: dict[str, jieba.Tokenizer] = {}
_lock = threading.Lock()


def get_tokenizer(userdict_path: str | Path | None = None) -> jieba.Tokenizer:
    """The shared tokenizer for ``userdict_path`` (default ``data/userdict.txt``)."""
    key = str(Path(userdict_path or DEFAULT_USERDICT_PATH).resolve())
    tokenizer = _tokenizers.get(key)
    if tokenizer is not None:
        return tokenizer
    with _lock:
        tokenizer = _tokenizers.get(key)
        if tokenizer is None:
            tokenizer = jieba.Tokenizer()
            tokenizer.initialize()
            tokenizer.load_userdict(key)
            _tokenizers[key] = tokenizer
    return tokenizer


def tokenize(text: str, userdict_path: str | Path | None = None, hmm: bool = True) -> list[str]:
    """Words of ``text`` (jieba precise mode, blanks dropped)."""
    return [w for w in get_tokenizer(userdict_path).lcut(text, HMM=hmm) if w.strip()]
