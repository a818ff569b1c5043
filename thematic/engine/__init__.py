"""The pure, vectorised evaluation engine.

Input: a :class:`~thematic.data.panel.PricePanel` (sessions x codes) and an events table with
one row per basket constituent (``event_id, published, code[, weight]``).  Output: tidy
DataFrames.  No file, network or plotting here, and no Python loop over events or
constituents: every step is a gather or a ``bincount`` over all rows at once, so the same code
serves seven baskets and a million calls.

Modules: :mod:`~thematic.engine.encode` (events -> integer arrays against a panel: entry
sessions, columns, entry prices, why a constituent is unpriced) and
:mod:`~thematic.engine.evaluate` (the horizon table and the cumulative curves).
"""

from thematic.engine.evaluate import (
    CURVE_COLUMNS,
    EVENT_CHUNK,
    MISSING_COLUMNS,
    Evaluation,
    cumulative_curves,
    evaluate_events,
)
from thematic.rules import Horizon

__all__ = [
    "CURVE_COLUMNS",
    "EVENT_CHUNK",
    "MISSING_COLUMNS",
    "Evaluation",
    "Horizon",
    "cumulative_curves",
    "evaluate_events",
]
