"""UI helpers for the dashboard: escaping, colours, URL state, the shared sidebar.

No parsing, tagging or search here: pages lay out what ``core`` computes.
"""
