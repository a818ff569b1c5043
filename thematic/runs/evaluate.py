"""Evaluate baskets end to end: baskets -> events -> price panel -> engine -> annotated table.

This is the I/O edge around the pure engine: it asks a provider (or a market dump) for
prices, records where every series came from, and attaches that record to the result as
``DataFrame.attrs["metadata"]``.  Both :func:`evaluate` and
:func:`thematic.runs.calls.evaluate_calls` list the constituents they left out the same
way: ``attrs["metadata"]["missing"]``, one record ``{basket, code, name, entry_date,
reason}`` per constituent.  Also here: each constituent's own return
(:func:`constituent_returns`), the daily curves (:func:`curves`) and a basket's data
coverage (:func:`coverage`).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from thematic.baskets import Basket, BasketsLike, as_baskets, events_from_baskets
from thematic.codes import is_index_code, known_stocks
from thematic.constants import DEFAULT_ENTRY, DEFAULT_HORIZONS, RESULT_COLUMNS
from thematic.data.base import Provider
from thematic.data.sourcing import default_provider
from thematic.engine import cumulative_curves, evaluate_events
from thematic.errors import DataError, MissingConstituentWarning, UnknownCodeError, UsageError
from thematic.rules import Horizon, Trading, parse_entry, parse_horizons
from thematic.runs.calls import split_codes
from thematic.runs.metadata import (
    RunMetadata,
    missing_records,
    price_index_notice,
    run_metadata,
    snapshot_notices,
    trading_metadata,
    unpriced_baskets,
    unpriced_notice,
)
from thematic.runs.prices import price_panel


def evaluate(
    baskets: BasketsLike = "baskets",
    horizons: str | Sequence[Horizon] = DEFAULT_HORIZONS,
    entry: str = DEFAULT_ENTRY,
    provider: Provider | None = None,
    market: str | Path | None = None,
    trading: Trading | None = None,
    benchmark: str | None = None,
) -> pd.DataFrame:
    """Measure each basket after its report's publication against its benchmark.

    Parameters
    ----------
    baskets
        Baskets, or basket files / directories to load them from.
    horizons
        Sessions after entry (``"1,5,20"`` or ``[1, 5, 20, "max"]``).
    entry
        ``"next_open"`` (default) or ``"next_close"``.
    provider
        Where prices come from; the cache, then the bundled snapshot, by default.
    market
        A directory in the shared market-dump layout: price from the whole universe instead.
    trading
        Untradable-trade policy, costs and ST periods (:class:`thematic.rules.Trading`);
        default: delay blocked trades up to 10 sessions, default costs.
    benchmark
        Replace every basket's benchmark with this index (e.g. ``"H00300"``, the CSI 300
        total-return index, which the cache holds after ``thematic refresh``).

    Returns
    -------
    pandas.DataFrame
        One row per (basket, horizon) with the columns of
        :data:`~thematic.constants.RESULT_COLUMNS`.  ``attrs["metadata"]`` records the rules,
        the data's as-of date and the source of every series; its ``"missing"`` entry lists
        the constituents left out (each also raises a :class:`MissingConstituentWarning`).

    Raises
    ------
    DataError
        When no constituent of any basket has a price (nothing to measure).

    Examples
    --------
    >>> df = evaluate("baskets/optical_communications.yaml", horizons="1,20")
    >>> df[["entry_date", "horizon", "exit_date", "basket_return", "excess_return"]]
      entry_date  horizon  exit_date  basket_return  excess_return
    0 2024-03-25        1 2024-03-26      -0.061743      -0.063732
    1 2024-03-25       20 2024-04-24      -0.034732      -0.030465
    """
    rule = parse_entry(entry)
    hs = parse_horizons(horizons)
    items = as_baskets(baskets)
    if benchmark is not None:
        if not is_index_code(benchmark):
            raise UsageError(f"benchmark: {benchmark!r} is not an index code (000300, H00300)")
        items = [b.model_copy(update={"benchmark": benchmark}) for b in items]
    provider = provider or (None if market is not None else default_provider())
    names = {(b.id, c.code): c.name for b in items for c in b.constituents}
    tables: list[pd.DataFrame] = []
    missing: list[dict[str, Any]] = []
    meta: dict[str, Any] = {}
    unpriced: list[str] = []
    messages: list[str] = []
    trades: list[pd.DataFrame] = []
    trading = trading or Trading()
    for benchmark in dict.fromkeys(b.benchmark for b in items):
        group = [b for b in items if b.benchmark == benchmark]
        events = events_from_baskets(group)
        panel, unavailable, label, provenance = price_panel(
            events["code"], benchmark, market, provider, messages
        )
        result = evaluate_events(panel, events, hs, rule, validate=False, trading=trading)
        tables.append(result.table)
        trades.append(result.trades)
        missing += missing_records(result.missing, unavailable, names)
        used = [*dict.fromkeys(events["code"]), benchmark]
        unpriced += split_codes(events["code"], panel)[2]
        this = run_metadata(panel, label, provenance, rule, hs, used, market is not None)
        if not meta:
            meta = this
        else:
            meta.setdefault("other_benchmarks", []).append(this)
    nothing_priced = unpriced_baskets(tables)
    for m in missing:
        renorm = "" if m["basket"] in nothing_priced else ", weights renormalised"
        warnings.warn(
            f"{m['basket']}: {m['code']} {m['name']} excluded{renorm} ({m['reason']})",
            MissingConstituentWarning,
            stacklevel=2,
        )
    order = {b.id: i for i, b in enumerate(items)}
    table = pd.concat(tables, ignore_index=True) if len(tables) > 1 else tables[0]
    table = table.sort_values("basket", key=lambda s: s.map(order), kind="stable")
    table = table.reset_index(drop=True).loc[:, list(RESULT_COLUMNS)]
    meta["missing"] = missing
    meta.update(trading_metadata(trading, names, trades))
    n_codes = len({c for b in items for c in b.codes})
    # Each excluded code is named in its own warning; the notices only speak of the source.
    meta["notices"] = snapshot_notices(meta) + price_index_notice(meta)
    meta["messages"] = messages
    table.attrs["metadata"] = RunMetadata(meta)
    empty = unpriced_baskets([table])
    if len(empty) == len(items):
        hint = unpriced_notice(unpriced, n_codes, market is not None)
        raise DataError(
            f"no constituent of {', '.join(sorted(empty)[:5])} has a price on its entry day; "
            "nothing to measure" + (f" ({hint[0]})" if hint else "")
        )
    return table


def coverage(basket: Basket, provider: Provider | None = None) -> list[dict[str, Any]]:
    """Per constituent: code, name, weight and where its data comes from (or why none).

    Each record has ``code, name, known_name, weight, first, last, rows, source, adjustment``
    and ``problem`` (empty, or why the code has no data).
    """
    provider = provider or default_provider()
    out = []
    for c, w in zip(basket.constituents, basket.weights, strict=True):
        row: dict[str, Any] = {"code": c.code, "name": c.name, "weight": w,
                               "known_name": known_stocks().get(c.code, ""), "problem": ""}  # fmt: skip
        try:
            provider.fetch_daily(c.code)
        except UnknownCodeError as exc:
            row["problem"] = exc.detail
        else:
            info = provider.info(c.code)
            row.update(first=info.first, last=info.last, rows=info.rows, source=info.source,
                       adjustment=info.adjustment)  # fmt: skip
        out.append(row)
    return out


CONSTITUENT_COLUMNS: tuple[str, ...] = (
    "basket",
    "code",
    "name",
    "weight",
    "entry_date",
    "exit_date",
    "stock_return",
    "benchmark_return",
    "status",
)


def constituent_returns(
    baskets: BasketsLike = "baskets",
    horizon: Horizon = 20,
    entry: str = DEFAULT_ENTRY,
    trading: Trading | None = None,
    provider: Provider | None = None,
    market: str | Path | None = None,
) -> pd.DataFrame:
    """Each constituent's own return at one horizon, under the same rules as :func:`evaluate`.

    Columns :data:`CONSTITUENT_COLUMNS`; ``status`` is ``"priced"``, ``"delayed entry"``,
    ``"blocked exit"``, ``"bought after this horizon's exit"`` (no return at this horizon)
    or why the constituent was excluded.  Each constituent is run through
    the engine as a one-stock call, so the numbers are the engine's, not recomputed here.
    """
    rule = parse_entry(entry)
    (h,) = parse_horizons([horizon])
    items = as_baskets(baskets)
    trading = trading or Trading()
    frames = []
    for benchmark in dict.fromkeys(b.benchmark for b in items):
        group = [b for b in items if b.benchmark == benchmark]
        events = events_from_baskets(group)
        basket_of, code_of = events["event_id"].to_numpy(), events["code"].to_numpy()
        events = events.assign(event_id=[f"{b}\x1f{c}" for b, c in zip(basket_of, code_of, strict=True)],
                               weight=1.0)  # fmt: skip
        panel = price_panel(events["code"], benchmark, market, provider)[0]
        res = evaluate_events(panel, events, [h], rule, validate=False, trading=trading)
        t = res.table
        status = np.where(t["n_missing"] > 0, "excluded", "priced").astype(object)
        status[(t["delayed_entries"] > 0).to_numpy()] = "delayed entry"
        status[(t["blocked_exits"] > 0).to_numpy() & (status == "priced")] = "blocked exit"
        status[(t["entered_after_exit"] > 0).to_numpy()] = "bought after this horizon's exit"
        reasons = {str(m.basket): str(m.reason) for m in res.missing.itertuples(index=False)}
        labels = [reasons.get(str(ev), s) if s == "excluded" else s
                  for ev, s in zip(t["basket"].astype(str), status, strict=True)]  # fmt: skip
        names = {(b.id, c.code): (c.name, w) for b in group
                 for c, w in zip(b.constituents, b.weights, strict=True)}  # fmt: skip
        frames.append(pd.DataFrame({
            "basket": basket_of, "code": code_of,
            "name": [names[(b, c)][0] or known_stocks().get(c, "") for b, c in zip(basket_of, code_of, strict=True)],
            "weight": [names[(b, c)][1] for b, c in zip(basket_of, code_of, strict=True)],
            "entry_date": t["entry_date"].to_numpy(), "exit_date": t["exit_date"].to_numpy(),
            "stock_return": t["basket_return"].to_numpy(),
            "benchmark_return": t["benchmark_return"].to_numpy(), "status": labels,
        }, columns=list(CONSTITUENT_COLUMNS)))  # fmt: skip
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def curves(
    baskets: BasketsLike = "baskets",
    entry: str = DEFAULT_ENTRY,
    provider: Provider | None = None,
    market: str | Path | None = None,
) -> pd.DataFrame:
    """Daily cumulative basket and benchmark returns since entry, one row per basket and day.

    Columns: ``basket, session, date, basket_return, benchmark_return, excess_return``
    (cumulative fractions since the entry price; session 0 is the entry session).  Curves
    book every trade at the day's price (policy ``ignore``): they show the price path, while
    :func:`evaluate` applies the tradability policy to entries and exits.  ``provider`` and
    ``market`` choose the prices as for :func:`evaluate`.
    """
    rule = parse_entry(entry)
    items = as_baskets(baskets)
    provider = provider or (None if market is not None else default_provider())
    frames = []
    for benchmark in dict.fromkeys(b.benchmark for b in items):
        events = events_from_baskets([b for b in items if b.benchmark == benchmark])
        panel = price_panel(events["code"], benchmark, market, provider)[0]
        frames.append(cumulative_curves(panel, events, rule, validate=False))
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
