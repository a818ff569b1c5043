"""thematic: how did a sell-side report's basket do against the CSI 300 after it came out."""

from thematic import stats
from thematic.baskets import Basket, Constituent, Report, load_basket, load_baskets, parse_basket
from thematic.calls import fetch_calls, load_calls
from thematic.constants import (
    DEFAULT_HORIZONS,
    RESULT_COLUMNS,
    STATS_COLUMNS,
    TRADING_DAYS_PER_YEAR,
)
from thematic.data.universe import load_market_panel
from thematic.engine import Evaluation, cumulative_curves, evaluate_events
from thematic.errors import (
    BasketError,
    DataError,
    EventsError,
    MissingConstituentWarning,
    ThematicError,
    ThematicWarning,
    UsageError,
)
from thematic.events import load_events, validate_events
from thematic.eventstats import event_stats
from thematic.pipeline import curves, evaluate, evaluate_calls, events_from_baskets
from thematic.rules import parse_entry, parse_horizons
from thematic.runs.scorecard import scorecard

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_HORIZONS",
    "RESULT_COLUMNS",
    "STATS_COLUMNS",
    "TRADING_DAYS_PER_YEAR",
    "Basket",
    "BasketError",
    "Constituent",
    "DataError",
    "Evaluation",
    "EventsError",
    "MissingConstituentWarning",
    "Report",
    "ThematicError",
    "ThematicWarning",
    "UsageError",
    "cumulative_curves",
    "curves",
    "evaluate",
    "evaluate_calls",
    "evaluate_events",
    "event_stats",
    "events_from_baskets",
    "fetch_calls",
    "load_basket",
    "load_baskets",
    "load_calls",
    "load_events",
    "load_market_panel",
    "parse_basket",
    "parse_entry",
    "parse_horizons",
    "scorecard",
    "stats",
    "validate_events",
]
