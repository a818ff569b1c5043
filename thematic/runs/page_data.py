"""What the HTML page shows, gathered in one pass: results, curves, paths, statistics.

The page (:mod:`thematic.output.html`) renders a :class:`PageData` and computes nothing of
its own; this module is where its numbers come from, by the same use cases as the command
line's (:func:`thematic.evaluate`, :func:`thematic.curves`, :func:`thematic.event_stats`,
:func:`~thematic.runs.evaluate.constituent_returns`) under one set of rules.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from thematic.baskets import Basket, BasketsLike, as_baskets
from thematic.constants import DEFAULT_ENTRY, DEFAULT_HORIZONS
from thematic.data.sourcing import MemoProvider, default_provider
from thematic.errors import DataError, ThematicWarning, UsageError
from thematic.rules import Horizon, Trading
from thematic.runs.evaluate import constituent_returns, curves, evaluate


@dataclass(frozen=True)
class PageData:
    """Everything the HTML page shows, computed under one set of rules."""

    baskets: list[Basket]
    table: pd.DataFrame
    """:func:`thematic.evaluate`'s result (its ``attrs["metadata"]`` labels the page)."""
    curves: pd.DataFrame
    """:func:`thematic.curves` of every basket."""
    paths: pd.DataFrame
    """:func:`thematic.stats.path_metrics` of the curves, indexed by basket."""
    stats: pd.DataFrame | None
    """:func:`thematic.event_stats`' result, or None when the data do not allow it."""
    stats_note: str
    """Why there are no statistics (empty when there are)."""
    constituents: dict[str, tuple[Horizon, pd.DataFrame]]
    """Per basket: its widest priced horizon and each constituent's return at it."""
    warnings: list[str]
    """The library's warnings while gathering, each once (the page lists them)."""
    trading: Trading
    entry: str


def page_data(
    baskets: BasketsLike = "baskets",
    horizons: str | Sequence[Horizon] = DEFAULT_HORIZONS,
    entry: str = DEFAULT_ENTRY,
    trading: Trading | None = None,
    market: str | Path | None = None,
    placebo_draws: int = 0,
) -> PageData:
    """Gather what the page of ``baskets`` shows.

    Statistics (market-model CARs and tests) are included whenever the data allow; placebo
    baskets only with ``market`` (a universe) and ``placebo_draws``.  When the event study
    or a basket's placebo cannot be made, a :class:`ThematicWarning` says why to the caller
    (the terminal, with the CLI) and the page lists it too.
    """
    from thematic.runs.event_study import event_stats
    from thematic.stats import path_metrics

    items = as_baskets(baskets)
    trading = trading or Trading()
    # Every part of the page prices the same codes: each series is read once.
    provider = None if market is not None else MemoProvider(default_provider())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ThematicWarning)
        table = evaluate(items, horizons=horizons, entry=entry, trading=trading, market=market,
                         provider=provider)  # fmt: skip
        curve = curves(items, entry=entry, market=market, provider=provider)
        stat_h = [int(h) for h in table["horizon"].unique() if str(h).isdigit()]
        stats, stats_note, told = None, "", []
        for draws in dict.fromkeys((placebo_draws, 0)):  # without placebos if they fail
            try:
                stats = event_stats(items, horizons=stat_h or [20], entry=entry,
                                    placebo_draws=draws, market=market,
                                    provider=provider)  # fmt: skip
                break
            except (DataError, UsageError) as exc:
                stats_note = f"event study not available: {exc}"
                if draws:
                    told.append(f"no placebo baskets: {exc}")
        if stats is not None:
            stats_note = ""
            told += stats.attrs["metadata"].get("notices", [])
        for text in told:  # into the page's warnings (the methods section)
            warnings.warn(text, ThematicWarning, stacklevel=2)
    paths = path_metrics(curve, entry) if len(curve) else pd.DataFrame()
    constituents: dict[str, tuple[Horizon, pd.DataFrame]] = {}
    for b in items:
        rows = table[table["basket"].astype(str) == b.id]
        priced = rows.dropna(subset=["basket_return"])
        widest: Horizon = priced["horizon"].iloc[-1] if len(priced) else 20
        cons = constituent_returns([b], widest, entry, trading=trading, market=market,
                                   provider=provider)  # fmt: skip
        constituents[b.id] = (widest, cons)
    said = sorted({str(w.message) for w in caught if issubclass(w.category, ThematicWarning)})
    # Said to the caller too, not only inside the page: a missing event study or placebo is
    # something the user asked for and did not get.
    for text in [*told, stats_note] if stats_note else told:
        warnings.warn(text, ThematicWarning, stacklevel=2)
    return PageData(items, table, curve, paths, stats, stats_note, constituents, said,
                    trading, entry)  # fmt: skip
