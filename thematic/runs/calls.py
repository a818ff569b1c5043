"""Evaluate tables of calls (``event_id, published, code[, weight]``): in memory or streamed.

The use case of bulk work: one validation of the table, one panel (the market dump's whole
universe, or the provider's codes), the engine on one process, a thread pool or a
``distributed`` cluster, or chunk by chunk into Parquet.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from thematic.constants import CSI300, DEFAULT_ENTRY, DEFAULT_HORIZONS
from thematic.data.base import Provider
from thematic.data.panel import PricePanel
from thematic.engine import evaluate_events
from thematic.errors import DataError, EventsError, UsageError
from thematic.events import validate_events
from thematic.rules import Horizon, Horizons, Trading, parse_entry, parse_horizons
from thematic.runs.metadata import (
    RunMetadata,
    missing_records,
    run_metadata,
    trading_metadata,
    unpriced_notice,
)
from thematic.runs.prices import price_panel


def load_calls(events: pd.DataFrame | str | Path) -> pd.DataFrame:
    """Validate a table of calls given as a DataFrame, or load it from a CSV/Parquet file."""
    from thematic.events import load_events

    if isinstance(events, pd.DataFrame):
        if events.empty:  # as for a file: an empty table is a mistake, not a result
            raise EventsError("events table: has no rows: nothing to evaluate")
        return validate_events(events, check_known=True)
    return load_events(events)


def split_codes(codes: pd.Series, panel: PricePanel) -> tuple[list[str], list[str], list[str]]:
    """Distinct codes in order of first appearance; those the panel prices; those it lacks."""
    distinct = pd.unique(codes.to_numpy())  # vectorised: a million rows, a few thousand codes
    found = panel.codes.get_indexer(pd.Index(distinct)) >= 0
    names = [str(c) for c in distinct]
    return (names, [c for c, f in zip(names, found, strict=True) if f],
            [c for c, f in zip(names, found, strict=True) if not f])  # fmt: skip


def evaluate_calls_to_parquet(
    events: pd.DataFrame | str | Path,
    path: str | Path,
    horizons: str | Sequence[Horizon] = DEFAULT_HORIZONS,
    entry: str = DEFAULT_ENTRY,
    market: str | Path | None = None,
    provider: Provider | None = None,
    trading: Trading | None = None,
    chunk_events: int = 100_000,
) -> dict[str, Any]:
    """Like :func:`evaluate_calls`, but written to Parquet chunk by chunk (bounded memory).

    The file holds the same rows and columns as :func:`evaluate_calls` would return (text
    columns as strings), its metadata in the Parquet schema (key ``thematic``).  Returns
    the metadata.
    """
    from thematic.engine.distributed import evaluate_events_to_parquet
    from thematic.output.tables import compact_metadata

    rule = parse_entry(entry)
    hs = parse_horizons(horizons)
    if chunk_events < 1:
        raise UsageError(f"chunk_events: {chunk_events} must be at least 1")
    table = load_calls(events)
    messages: list[str] = []
    panel, _, label, provenance = price_panel(table["code"], CSI300, market, provider, messages)
    trading = trading or Trading()
    codes, priced, unpriced = split_codes(table["code"], panel)
    meta = run_metadata(panel, label, provenance, rule, hs, [*priced, CSI300], market is not None)
    if market is not None:
        meta.pop("series")  # the dump is the source of every series
    meta.update({k: v for k, v in trading_metadata(trading, {}, []).items() if k != "trades"})
    meta["chunk_events"] = chunk_events
    n_rows, n_excluded = evaluate_events_to_parquet(panel, table, path, hs, rule, trading,
                                                    chunk_events, validate=False,
                                                    metadata=compact_metadata(meta))  # fmt: skip
    meta["n_events"] = n_rows // max(1, len(hs))
    meta["n_missing_constituents"] = n_excluded
    meta["messages"] = messages
    meta["notices"] = unpriced_notice(unpriced, len(codes), market is not None)
    return meta


def evaluate_calls(
    events: pd.DataFrame | str | Path,
    horizons: str | Sequence[Horizon] = DEFAULT_HORIZONS,
    entry: str = DEFAULT_ENTRY,
    market: str | Path | None = None,
    provider: Provider | None = None,
    trading: Trading | None = None,
    client: Any = None,
) -> pd.DataFrame:
    """Evaluate a table of report calls (``event_id, published, code[, weight]``).

    Parameters
    ----------
    events
        The calls, or a CSV/Parquet file of them (see :func:`thematic.events.load_events`).
    horizons, entry
        As for :func:`evaluate`.
    market
        A directory in the shared market-dump layout: the whole universe is loaded as one
        dense panel (cached under the cache directory for fast reloads).  Without it, the
        prices of the codes named come from ``provider`` (the cache, then the bundled
        snapshot, by default).
    client
        A ``distributed.Client``: map the engine over chunks of events on that cluster
        (:mod:`thematic.engine.distributed`); the result is the same to the last bit.

    Returns
    -------
    pandas.DataFrame
        Same columns and rules as :func:`evaluate`, one row per (event, horizon); the
        ``basket`` column holds the event id.  ``attrs["metadata"]["missing"]`` lists the
        constituents left out, as for :func:`evaluate`.
    """
    messages: list[str] = []
    rule = parse_entry(entry)
    hs: Horizons = parse_horizons(horizons)
    table = load_calls(events)
    panel, unavailable, label, provenance = price_panel(
        table["code"], CSI300, market, provider, messages
    )
    trading = trading or Trading()
    if client is not None:
        from thematic.engine.distributed import evaluate_events_distributed

        result = evaluate_events_distributed(client, panel, table, hs, rule, trading,
                                             validate=False)  # fmt: skip
    else:
        result = evaluate_events(panel, table, hs, rule, validate=False, trading=trading)
    out = result.table
    codes, priced, unpriced = split_codes(table["code"], panel)
    meta = run_metadata(panel, label, provenance, rule, hs, [*priced, CSI300], market is not None)
    if market is not None:
        meta.pop("series")  # the dump is the source of every series
    meta["n_events"] = len(result.table) // max(1, len(hs))
    meta["n_missing_constituents"] = len(result.missing)
    meta["missing"] = missing_records(result.missing, unavailable, {})
    meta.update(trading_metadata(trading, {}, [result.trades]))
    meta["notices"] = unpriced_notice(unpriced, len(codes), market is not None)
    meta["messages"] = messages
    out.attrs["metadata"] = RunMetadata(meta)
    if len(table) and not (out["n_missing"] < out["n_constituents"]).any():
        hint = f" ({meta['notices'][0]})" if meta["notices"] else ""
        raise DataError(
            f"no constituent of any of the {meta['n_events']:,} events has a price on its entry "
            f"day; nothing to measure{hint}"
        )
    return out
