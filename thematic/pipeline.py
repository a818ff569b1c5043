"""Evaluate baskets end to end: baskets -> events -> price panel -> engine -> annotated table.

This is the I/O edge around the pure engine: it asks a provider for prices, records where
every series came from, and attaches that record to the result as ``DataFrame.attrs``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from thematic.baskets import Basket, load_baskets
from thematic.constants import CSI300, DEFAULT_ENTRY, DEFAULT_HORIZONS, RESULT_COLUMNS
from thematic.data.base import Provider
from thematic.data.panel import PricePanel, build_panel
from thematic.engine import (
    Horizon,
    _check_entry,
    cumulative_curves,
    evaluate_events,
    parse_horizons,
)
from thematic.errors import MissingConstituentWarning, UnknownCodeError

ENTRY_RULE_TEXT = {
    "next_open": "buy at the open of the first session strictly after the publication date",
    "next_close": "buy at the close of the first session strictly after the publication date",
}

BasketsLike = str | Path | Basket | Iterable[str | Path | Basket]


def _as_baskets(baskets: BasketsLike) -> list[Basket]:
    if isinstance(baskets, Basket):
        return [baskets]
    if isinstance(baskets, (str, Path)):
        return load_baskets(baskets)
    out: list[Basket] = []
    for b in baskets:
        out.extend(_as_baskets(b))
    return out


def events_from_baskets(baskets: Sequence[Basket]) -> pd.DataFrame:
    """One row per constituent: ``event_id, published, code, weight`` (the engine's input).

    Examples
    --------
    >>> ev = events_from_baskets(load_baskets("baskets/idc.yaml"))
    >>> ev.to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'event_id': 'idc', 'published': Timestamp('2024-03-22 00:00:00'), 'code': '300738',
      'weight': 1.0}]
    """
    rows = [
        (b.id, pd.Timestamp(b.published), c.code, w)
        for b in baskets
        for c, w in zip(b.constituents, b.weights, strict=True)
    ]
    return pd.DataFrame(rows, columns=["event_id", "published", "code", "weight"])


def default_provider() -> Provider:
    """Return the provider used when none is given: the cache, then the bundled snapshot.

    Codes the cache (``data_cache/`` or ``$THEMATIC_CACHE_DIR``, filled by
    ``thematic refresh``) does not hold come from the snapshot; nothing touches the network.
    """
    from thematic.data.cache import CacheProvider
    from thematic.data.snapshot import SnapshotProvider

    return CacheProvider(fallback=SnapshotProvider())


def load_panel(
    codes: Iterable[str], benchmark: str, provider: Provider
) -> tuple[PricePanel, dict[str, str]]:
    """Fetch the codes and the benchmark from ``provider`` and align them.

    Returns the panel and, for codes the provider has no data for, the reason it gave.
    """
    bars: dict[str, pd.DataFrame] = {}
    unavailable: dict[str, str] = {}
    for code in sorted(set(codes)):
        try:
            bars[code] = provider.fetch_daily(code)
        except UnknownCodeError as exc:
            unavailable[code] = exc.detail
    bench = provider.fetch_index_daily(benchmark)
    sources = {c: provider.info(c) for c in [*bars, benchmark]}
    # Stop where the least recent stock series ends its coverage: a series from an older
    # source must not be valued at a stale close while the others move on.
    covered = [d for c, i in sources.items() if c in bars and (d := i.as_of or i.last)]
    as_of = pd.Timestamp(min(covered)) if covered else None
    panel = build_panel(bars, bench, benchmark, sources=sources, as_of=as_of)
    return panel, unavailable


def _metadata(
    panel: PricePanel, provider: Provider, entry: str, horizons: Sequence[Horizon]
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "entry_rule": entry,
        "entry_rule_text": ENTRY_RULE_TEXT[entry],
        "exit_rule": "close of the session h sessions after the entry session",
        "horizons": list(horizons),
        "benchmark": panel.benchmark_code,
        "calendar": f"{panel.benchmark_code} trading sessions",
        "as_of": f"{panel.as_of:%Y-%m-%d}",
        "provider": provider.name,
        "series": {code: info.to_dict() for code, info in panel.sources.items()},
    }
    kinds = sorted({info.source for info in panel.sources.values()})
    meta["sources"] = kinds
    provenance = getattr(provider, "provenance", None) or getattr(
        getattr(provider, "fallback", None), "provenance", None
    )
    if isinstance(provenance, dict):
        meta["provenance"] = {k: provenance[k] for k in ("source", "note", "adjustment", "as_of")}
    return meta


def _notices(meta: dict[str, Any]) -> list[str]:
    """Say plainly when prices come from the bundled snapshot rather than fresh data."""
    series = meta.get("series", {})
    snap = [c for c, info in series.items() if info["source"] == "snapshot"]
    if not snap or meta.get("provider") == "snapshot":  # nothing else was asked for
        return []
    return [
        f"{len(snap)} of {len(series)} series come from the bundled snapshot (as of "
        f"{meta.get('provenance', {}).get('as_of', '?')}), not from the cache; results run "
        f"to {meta['as_of']}. Run `thematic refresh` for current prices."
    ]


def evaluate(
    baskets: BasketsLike = "baskets",
    horizons: str | Sequence[Horizon] = DEFAULT_HORIZONS,
    entry: str = DEFAULT_ENTRY,
    provider: Provider | None = None,
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
        Where prices come from; the bundled snapshot by default.

    Returns
    -------
    pandas.DataFrame
        One row per (basket, horizon) with the columns of
        :data:`~thematic.constants.RESULT_COLUMNS`.  ``attrs["metadata"]`` records the rules,
        the data's as-of date and the source of every series; its ``"missing"`` entry lists
        the constituents left out (each also raises a :class:`MissingConstituentWarning`).

    Examples
    --------
    >>> df = evaluate("baskets/optical_communications.yaml", horizons="1,20")
    >>> df[["entry_date", "horizon", "exit_date", "basket_return", "excess_return"]]
      entry_date  horizon  exit_date  basket_return  excess_return
    0 2024-03-25        1 2024-03-26      -0.061743      -0.063732
    1 2024-03-25       20 2024-04-24      -0.034732      -0.030465
    """
    rule = _check_entry(entry)
    hs = parse_horizons(horizons)
    items = _as_baskets(baskets)
    provider = provider or default_provider()
    names = {(b.id, c.code): c.name for b in items for c in b.constituents}
    tables: list[pd.DataFrame] = []
    missing: list[dict[str, Any]] = []
    meta: dict[str, Any] = {}
    for benchmark in dict.fromkeys(b.benchmark for b in items):
        group = [b for b in items if b.benchmark == benchmark]
        events = events_from_baskets(group)
        panel, unavailable = load_panel(events["code"], benchmark, provider)
        result = evaluate_events(panel, events, hs, rule)
        tables.append(result.table)
        for row in result.missing.itertuples(index=False):
            reason = unavailable.get(str(row.code), str(row.reason))
            missing.append({"basket": row.basket, "code": row.code,
                            "name": names.get((str(row.basket), str(row.code)), ""),
                            "reason": reason})  # fmt: skip
        meta = meta or _metadata(panel, provider, rule, hs)
        if len(tables) > 1:
            meta.setdefault("other_benchmarks", []).append(_metadata(panel, provider, rule, hs))
    for m in missing:
        warnings.warn(
            f"{m['basket']}: {m['code']} {m['name']} excluded, weights renormalised ({m['reason']})",
            MissingConstituentWarning,
            stacklevel=2,
        )
    order = {b.id: i for i, b in enumerate(items)}
    table = pd.concat(tables, ignore_index=True) if len(tables) > 1 else tables[0]
    table = table.sort_values("basket", key=lambda s: s.map(order), kind="stable")
    table = table.reset_index(drop=True).loc[:, list(RESULT_COLUMNS)]
    meta["missing"] = missing
    meta["notices"] = _notices(meta)
    table.attrs["metadata"] = meta
    return table


def curves(
    baskets: BasketsLike = "baskets",
    entry: str = DEFAULT_ENTRY,
    provider: Provider | None = None,
) -> pd.DataFrame:
    """Daily cumulative basket and benchmark returns since entry, one row per basket and day.

    Columns: ``basket, session, date, basket_return, benchmark_return, excess_return``
    (cumulative fractions since the entry price; session 0 is the entry session).
    """
    rule = _check_entry(entry)
    items = _as_baskets(baskets)
    provider = provider or default_provider()
    frames = []
    for benchmark in dict.fromkeys(b.benchmark for b in items):
        events = events_from_baskets([b for b in items if b.benchmark == benchmark])
        panel, _ = load_panel(events["code"], benchmark, provider)
        frames.append(cumulative_curves(panel, events, rule))
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def evaluate_calls(
    events: pd.DataFrame | str | Path,
    horizons: str | Sequence[Horizon] = DEFAULT_HORIZONS,
    entry: str = DEFAULT_ENTRY,
    market: str | Path | None = None,
    provider: Provider | None = None,
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
        prices of the codes named come from ``provider`` (the bundled snapshot by default).

    Returns
    -------
    pandas.DataFrame
        Same columns and rules as :func:`evaluate`, one row per (event, horizon);
        ``attrs["missing"]`` is a DataFrame of the constituents left out.
    """
    from thematic.events import load_events

    rule = _check_entry(entry)
    hs = parse_horizons(horizons)
    table = events if isinstance(events, pd.DataFrame) else load_events(events)
    if market is not None:
        from thematic.data.universe import load_market_panel

        panel = load_market_panel(market)
        meta_provider = f"market dump {market}"
    else:
        provider = provider or default_provider()
        panel, _ = load_panel(table["code"], CSI300, provider)
        meta_provider = provider.name
    result = evaluate_events(panel, table, hs, rule)
    out = result.table
    out.attrs["metadata"] = {
        "entry_rule": rule,
        "entry_rule_text": ENTRY_RULE_TEXT[rule],
        "horizons": list(hs),
        "benchmark": panel.benchmark_code,
        "as_of": f"{panel.as_of:%Y-%m-%d}",
        "provider": meta_provider,
        "n_events": int(out["basket"].nunique()),
        "n_missing_constituents": len(result.missing),
    }
    out.attrs["missing"] = result.missing
    return out
