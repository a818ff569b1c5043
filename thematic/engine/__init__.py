"""The pure, vectorised evaluation engine.

Input: a :class:`~thematic.data.panel.PricePanel` (sessions x codes) and an events table with
one row per basket constituent (``event_id, published, code[, weight]``).  Output: tidy
DataFrames.  No file, network or plotting here, and no Python loop over events or
constituents: every step is a gather or a ``bincount`` over all rows at once, so the same code
serves seven baskets and a million calls.

Modules: :mod:`~thematic.engine.encode` (events -> integer arrays against a panel: entry
sessions, columns, entry prices, why a constituent is unpriced) and
:mod:`~thematic.engine.evaluate` (the horizon table: :mod:`~thematic.engine.kernels` computes
it chunk by chunk, :mod:`~thematic.engine.frames` assembles it), :mod:`~thematic.engine.curves`
(the daily cumulative curves), :mod:`~thematic.engine.tradable` and
:mod:`~thematic.engine.trading` (what could be traded, and at what cost).
"""

from thematic.engine.curves import CURVE_COLUMNS, cumulative_curves
from thematic.engine.evaluate import Evaluation, evaluate_events
from thematic.engine.frames import MISSING_COLUMNS
from thematic.engine.kernels import EVENT_CHUNK
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
