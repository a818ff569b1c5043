"""thematic: how did a sell-side report's basket do against the CSI 300 after it came out.

Importing the package is light: each public name is imported from its module on first use
(PEP 562), so ``import thematic`` and ``thematic --help`` do not load pandas.
"""

import typing as _typing
from importlib import import_module as _import_module

__version__ = "0.1.0"

#: Public name -> the module that defines it.
_WHERE: dict[str, str] = {
    "DEFAULT_HORIZONS": "thematic.constants",
    "RESULT_COLUMNS": "thematic.constants",
    "STATS_COLUMNS": "thematic.constants",
    "TRADING_DAYS_PER_YEAR": "thematic.constants",
    "Basket": "thematic.baskets",
    "BasketError": "thematic.errors",
    "Constituent": "thematic.baskets",
    "DataError": "thematic.errors",
    "Evaluation": "thematic.engine",
    "EventsError": "thematic.errors",
    "MissingConstituentWarning": "thematic.errors",
    "Report": "thematic.baskets",
    "ThematicError": "thematic.errors",
    "ThematicWarning": "thematic.errors",
    "UsageError": "thematic.errors",
    "cumulative_curves": "thematic.engine",
    "curves": "thematic.runs.evaluate",
    "evaluate": "thematic.runs.evaluate",
    "evaluate_calls": "thematic.runs.calls",
    "evaluate_events": "thematic.engine",
    "event_stats": "thematic.runs.event_study",
    "events_from_baskets": "thematic.baskets",
    "fetch_calls": "thematic.calls",
    "load_basket": "thematic.baskets",
    "load_baskets": "thematic.baskets",
    "load_calls": "thematic.calls",
    "load_events": "thematic.events",
    "load_market_panel": "thematic.runs.prices",
    "parse_basket": "thematic.baskets",
    "parse_entry": "thematic.rules",
    "parse_horizons": "thematic.rules",
    "scorecard": "thematic.runs.scorecard",
    "stats": "thematic.stats",
    "validate_events": "thematic.events",
}

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


def __getattr__(name: str) -> _typing.Any:
    """Import a public name from its module on first use, and keep it here."""
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'thematic' has no attribute {name!r}")
    module = _import_module(where)
    value = module if name == "stats" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """List the public names, as if they were all imported."""
    return sorted({*globals(), *__all__})


if _typing.TYPE_CHECKING:  # for type checkers and editors: the names as they resolve at run time
    from thematic import stats
    from thematic.baskets import (
        Basket,
        Constituent,
        Report,
        events_from_baskets,
        load_basket,
        load_baskets,
        parse_basket,
    )
    from thematic.calls import fetch_calls, load_calls
    from thematic.constants import (
        DEFAULT_HORIZONS,
        RESULT_COLUMNS,
        STATS_COLUMNS,
        TRADING_DAYS_PER_YEAR,
    )
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
    from thematic.rules import parse_entry, parse_horizons
    from thematic.runs.calls import evaluate_calls
    from thematic.runs.evaluate import curves, evaluate
    from thematic.runs.event_study import event_stats
    from thematic.runs.prices import load_market_panel
    from thematic.runs.scorecard import scorecard
