"""Deprecated home of the drafting code: it lives in :mod:`thematic.drafting` now.

``from thematic.draft import write_drafts`` keeps working, with a ``DeprecationWarning``
naming the new place.
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

#: Old name -> (module under thematic.drafting, name there).
MOVED = {
    **{n: ("text", n) for n in ("normalize", "canonical_codes")},
    **{n: ("names", n) for n in ("Stock", "stock_table", "ALIASES")},
    **{n: ("header", n) for n in ("find_date", "find_broker", "find_title", "find_analysts",
                                  "BROKERS")},
    **{n: ("picks", n) for n in ("Theme", "Draft", "draft_from_text", "recommendation_sections",
                                 "company_tables", "TABLE_ANCHORS")},
    **{n: ("ids", n) for n in ("glossary", "slug", "GLOSSARY")},
    **{n: ("writer", n) for n in ("render_yaml", "write_drafts", "TODO")},
    "ANCHORS": ("text", "CUES"),
}  # fmt: skip


def __getattr__(name: str) -> Any:
    if name not in MOVED:
        raise AttributeError(f"module 'thematic.draft' has no attribute {name!r}")
    module, new = MOVED[name]
    warnings.warn(
        f"thematic.draft.{name} moved to thematic.drafting.{module}.{new}",
        DeprecationWarning,
        stacklevel=2,
    )
    return getattr(importlib.import_module(f"thematic.drafting.{module}"), new)
