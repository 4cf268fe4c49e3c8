"""党建计划对照看板 core library: read, parse, tag, search and compare plans.

No Streamlit here: the dashboard pages, the CLI (``python -m core``) and users' own
scripts all use this API.

>>> import core
>>> plan = core.parse_plan("一、政治建设\\n1.加强学习。落实第一议题。\\n2.严肃政治生活。")
>>> [item.title for item in plan.items]
['加强学习', '严肃政治生活']
>>> lib = core.open_library("data/plans")                      # doctest: +SKIP
>>> lib.items.columns, lib.coverage(), lib.omissions()         # doctest: +SKIP
>>> lib.section_matrix(by="dimension"), lib.search("三会一课")  # doctest: +SKIP
"""
from .library import Library, LoadError, library_fingerprint, load_plan, open_library
from .manifest import ManifestError, PlanMeta, detect_metadata
from .model import Item, Plan, Point, Section
from .normalize import fold
from .parsing import parse_plan
from .reading import ReadError, read_bytes, read_file, read_with_hints
from .taxonomy import Taxonomy, TaxonomyError, load_taxonomy, parse_taxonomy

__all__ = [
    "Item", "Library", "LoadError", "ManifestError", "Plan", "PlanMeta", "Point", "ReadError",
    "Section", "Taxonomy", "TaxonomyError", "detect_metadata", "fold", "library_fingerprint",
    "load_plan", "load_taxonomy", "open_library", "parse_plan", "parse_taxonomy", "read_bytes",
    "read_file", "read_with_hints",
]
