"""Evaluate baskets end to end: baskets -> events -> price panel -> engine -> annotated table.

This is the I/O edge around the pure engine: it asks a provider (or a market dump) for
prices, records where every series came from, and attaches that record to the result as
``DataFrame.attrs["metadata"]``.  Both :func:`evaluate` and :func:`evaluate_calls` list the
constituents they left out the same way: ``attrs["metadata"]["missing"]``, one record
``{basket, code, name, entry_date, reason}`` per constituent.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from thematic.baskets import Basket, load_baskets
from thematic.codes import is_index_code, known_stocks
from thematic.constants import CSI300, DEFAULT_ENTRY, DEFAULT_HORIZONS, RESULT_COLUMNS
from thematic.data.base import Provider
from thematic.data.panel import PricePanel, build_panel
from thematic.engine import cumulative_curves, evaluate_events
from thematic.errors import (
    DataError,
    EventsError,
    MissingConstituentWarning,
    UnknownCodeError,
    UsageError,
)
from thematic.events import validate_events
from thematic.rules import (
    ENTRY_RULE_TEXT,
    EXIT_RULE_TEXT,
    UNTRADABLE_TEXT,
    Horizon,
    Horizons,
    Trading,
    parse_entry,
    parse_horizons,
)

BasketsLike = str | Path | Basket | Iterable[str | Path | Basket]

#: How a publication timestamp is read (stated in every output's metadata).
PUBLICATION_RULE = (
    "a time of day is ignored: entry is the first session strictly after the publication "
    "date, also for a report released before the open"
)


def _flatten(baskets: BasketsLike) -> list[Basket]:
    if isinstance(baskets, Basket):
        return [baskets]
    if isinstance(baskets, (str, Path)):
        return load_baskets(baskets)
    out: list[Basket] = []
    for b in baskets:
        out.extend(_flatten(b))
    return out


def _as_baskets(baskets: BasketsLike) -> list[Basket]:
    """Baskets, basket files or directories (or a list of them) as baskets; none is an error."""
    out = _flatten(baskets)
    if not out:
        raise UsageError(
            "baskets: none given (pass a basket, a basket file, a directory or a list of them)"
        )
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


def _market_panel(
    market: str | Path, benchmark: str, messages: list[str] | None = None
) -> PricePanel:
    from thematic.data.universe import load_market_panel

    if benchmark != CSI300:
        raise UsageError(
            f"--market: the market dump has only the {CSI300} benchmark, not {benchmark}"
        )
    return load_market_panel(market, messages=messages)


def _price_panel(
    codes: Iterable[str],
    benchmark: str,
    market: str | Path | None,
    provider: Provider | None,
    messages: list[str] | None = None,
) -> tuple[PricePanel, dict[str, str], str, Mapping[str, Any] | None]:
    """Return the panel pricing ``codes`` from the market dump or else the provider.

    Also returns what the provider had no data for (with its reason), and the source's
    label and provenance for the metadata.
    """
    if market is not None:
        panel = _market_panel(market, benchmark, messages)
        return panel, {}, f"market dump {market}", market_provenance(market, panel)
    provider = provider or default_provider()
    panel, unavailable = load_panel(codes, benchmark, provider)
    return panel, unavailable, provider.name, provider.provenance


def market_provenance(market: str | Path, panel: PricePanel) -> dict[str, str]:
    """Provenance of prices taken from a market dump (the ``../shared/market`` layout)."""
    as_of = f"{panel.as_of:%Y-%m-%d}"
    return {
        "source": f"market dump {market}",
        "origin": f"market dump {market}",
        "note": "the dump's daily bars, forward-adjusted (qfq) as of its last date",
        "adjustment": f"qfq as of {as_of}",
        "as_of": as_of,
    }


def _source_counts(panel: PricePanel, used: Iterable[str]) -> dict[str, int]:
    """How many of the series used came from each kind of source (snapshot, cache, ...)."""
    counts: Counter[str] = Counter()
    for code in used:
        info = panel.sources.get(code)
        if info is not None:
            counts[info.source.split(" ")[0]] += 1
    return dict(sorted(counts.items()))


def describe_sources(counts: dict[str, int]) -> str:
    """``"snapshot 26 / cache 0"``-style text of :func:`_source_counts`' result.

    Examples
    --------
    >>> describe_sources({"snapshot": 26})
    'snapshot 26 / cache 0'
    >>> describe_sources({"market dump": 3361})
    'market dump 3361'
    """
    if "market dump" in counts:
        return f"market dump {counts['market dump']}"
    full = {"snapshot": 0, "cache": 0, **counts}
    return " / ".join(f"{k} {v}" for k, v in full.items())


def _metadata(
    panel: PricePanel,
    provider_label: str,
    provenance: Any,
    entry: str,
    horizons: Sequence[Horizon],
    used: Iterable[str],
    market: bool = False,
) -> dict[str, Any]:
    used = list(used)
    stock_series = [
        panel.sources[c] for c in used if c in panel.sources and c != panel.benchmark_code
    ]
    stock_as_of = [d for i in stock_series if (d := i.as_of or i.last)]
    # A market dump is one source for every series (its panel records only the benchmark's).
    counts = {"market dump": len(used)} if market else _source_counts(panel, used)
    meta: dict[str, Any] = {
        "entry_rule": entry,
        "entry_rule_text": ENTRY_RULE_TEXT[entry],
        "exit_rule": EXIT_RULE_TEXT,
        "publication_rule": PUBLICATION_RULE,
        "horizons": list(horizons),
        "benchmark": panel.benchmark_code,
        "calendar": f"{panel.benchmark_code} trading sessions",
        # The as-of date of the stock data used; with none used, the data set's own.
        "as_of": min(stock_as_of) if stock_as_of else _dataset_as_of(panel, provenance),
        "provider": provider_label,
        "sources_used": counts,
        "sources_text": describe_sources(counts),
        "series": {c: panel.sources[c].to_dict() for c in used if c in panel.sources},
    }
    meta["sources"] = sorted({panel.sources[c].source for c in used if c in panel.sources})
    if isinstance(provenance, dict) and meta["sources_used"].get("snapshot"):
        meta["provenance"] = {k: provenance[k] for k in ("source", "note", "adjustment", "as_of")}
        meta["provenance"]["origin"] = f"bundled snapshot built from {provenance['source']}"
    elif provenance:
        meta["provenance"] = dict(provenance)
    return meta


def _price_index_notice(meta: dict[str, Any]) -> list[str]:
    """Say once when a price index is compared with dividend-adjusted stock prices."""
    bench = meta["benchmark"]
    kind = meta.get("series", {}).get(bench, {}).get("adjustment", "")
    if kind != "price index":
        return []
    return [
        f"benchmark {bench} is a price index (dividends not reinvested) while the stock prices "
        "are dividend-adjusted: excess returns are flattered by its dividend yield (about 2-3% "
        "a year); `--benchmark H00300` compares with the CSI 300 total-return index once "
        "`thematic refresh` has fetched it"
    ]


def _dataset_as_of(panel: PricePanel, provenance: Any) -> str:
    if isinstance(provenance, dict) and provenance.get("as_of"):
        return str(provenance["as_of"])
    return f"{panel.as_of:%Y-%m-%d}"


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


def _unpriced_notice(unpriced: Sequence[str], n_codes: int, market: bool) -> list[str]:
    """One line when requested codes are not in the data at all, with how to get them."""
    if not unpriced:
        return []
    shown = ", ".join(unpriced[:5]) + (
        f" and {len(unpriced) - 5} more" if len(unpriced) > 5 else ""
    )
    how = (
        "the market dump has no bars for them"
        if market
        else "get them with `thematic refresh` (network) or price from a full dump with "
        "`--market DIR`"
    )
    return [f"{len(unpriced)} of {n_codes} codes have no price data here ({shown}): {how}"]


def _iso_column(dates: pd.Series) -> list[str | None]:
    """Each date of a datetime column as ``YYYY-MM-DD`` (None for NaT), at once."""
    dates = pd.to_datetime(dates)  # (an empty table's column may be untyped)
    text = dates.dt.strftime("%Y-%m-%d").astype(object)
    iso: list[str | None] = text.where(dates.notna(), None).tolist()
    return iso


def _missing_records(
    missing: pd.DataFrame, unavailable: dict[str, str], names: dict[tuple[str, str], str]
) -> list[dict[str, Any]]:
    stock_names = known_stocks()
    # Column by column, as trading_metadata (a million calls exclude thousands of rows).
    columns = zip(missing["basket"].astype(str).tolist(), missing["code"].astype(str).tolist(),
                  _iso_column(missing["entry_date"]), missing["reason"].astype(str).tolist(),
                  strict=True)  # fmt: skip
    return [
        {
            "basket": basket,
            "code": code,
            "name": names.get((basket, code)) or stock_names.get(code, ""),
            "entry_date": entry_date,
            "reason": unavailable.get(code) or reason,
        }
        for basket, code, entry_date, reason in columns
    ]


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
    items = _as_baskets(baskets)
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
        panel, unavailable, label, provenance = _price_panel(
            events["code"], benchmark, market, provider, messages
        )
        result = evaluate_events(panel, events, hs, rule, trading=trading)
        tables.append(result.table)
        trades.append(result.trades)
        missing += _missing_records(result.missing, unavailable, names)
        used = [*dict.fromkeys(events["code"]), benchmark]
        unpriced += _split_codes(events["code"], panel)[2]
        this = _metadata(panel, label, provenance, rule, hs, used, market is not None)
        if not meta:
            meta = this
        else:
            meta.setdefault("other_benchmarks", []).append(this)
    nothing_priced = _unpriced_baskets(tables)
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
    meta["notices"] = _notices(meta) + _price_index_notice(meta)
    meta["messages"] = messages
    table.attrs["metadata"] = RunMetadata(meta)
    empty = _unpriced_baskets([table])
    if len(empty) == len(items):
        hint = _unpriced_notice(unpriced, n_codes, market is not None)
        raise DataError(
            f"no constituent of {', '.join(sorted(empty)[:5])} has a price on its entry day; "
            "nothing to measure" + (f" ({hint[0]})" if hint else "")
        )
    return table


def trading_metadata(
    trading: Trading, names: dict[tuple[str, str], str], trades: Sequence[pd.DataFrame]
) -> dict[str, Any]:
    """Return the run's trading rules and every blocked trade, as JSON-ready metadata."""
    records = []
    stock_names = known_stocks()
    for t in trades:
        if not len(t):
            continue
        # Column by column (a million calls block a few hundred thousand trades).
        columns = zip(t["basket"].astype(str).tolist(), t["code"].astype(str).tolist(),
                      t["side"].tolist(), t["horizon"].tolist(), t["what"].tolist(),
                      _iso_column(t["planned_date"]), _iso_column(t["actual_date"]),
                      t["outcome"].tolist(), strict=True)  # fmt: skip
        for basket, code, side, horizon, what, planned, actual, outcome in columns:
            records.append({
                "basket": basket, "code": code,
                "name": names.get((basket, code)) or stock_names.get(code, ""),
                "side": side, "horizon": None if side == "entry" else str(horizon),
                "what": what, "planned_date": planned, "actual_date": actual, "outcome": outcome,
            })  # fmt: skip
    return {
        "untradable": trading.untradable,
        "max_delay": trading.max_delay,
        "untradable_text": UNTRADABLE_TEXT[trading.untradable].format(max_delay=trading.max_delay),
        "limits": "price limits by board and date from thematic.marketrules; "
        + ("ST periods from the given table" if trading.st else "no ST table given: every "
           "stock gets its board's limit (ST status on a past date is not in this data)"),
        "costs": trading.costs.describe(),
        "cost_parameters": {"commission_bps": trading.costs.commission_bps,
                            "slippage_bps": trading.costs.slippage_bps,
                            "notional": trading.costs.notional},
        "trades": records,
    }  # fmt: skip


class RunMetadata(dict[str, Any]):
    """A run's metadata as ``DataFrame.attrs["metadata"]``: a dict handed on, not copied.

    pandas deep-copies ``attrs`` into every frame derived from a result (a filter, a column,
    a comparison).  With a million calls the metadata lists hundreds of thousands of
    excluded constituents and blocked trades, and each such copy took over a second.  This
    dict is passed on as it is instead, so read it; do not change it.
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> RunMetadata:
        return self


def _load_calls(events: pd.DataFrame | str | Path) -> pd.DataFrame:
    """Validate a table of calls given as a DataFrame, or load it from a CSV/Parquet file."""
    from thematic.events import load_events

    if isinstance(events, pd.DataFrame):
        if events.empty:  # as for a file: an empty table is a mistake, not a result
            raise EventsError("events table: has no rows: nothing to evaluate")
        return validate_events(events, check_known=True)
    return load_events(events)


def _split_codes(codes: pd.Series, panel: PricePanel) -> tuple[list[str], list[str], list[str]]:
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

    rule = parse_entry(entry)
    hs = parse_horizons(horizons)
    if chunk_events < 1:
        raise UsageError(f"chunk_events: {chunk_events} must be at least 1")
    table = _load_calls(events)
    messages: list[str] = []
    panel, _, label, provenance = _price_panel(table["code"], CSI300, market, provider, messages)
    trading = trading or Trading()
    codes, priced, unpriced = _split_codes(table["code"], panel)
    meta = _metadata(panel, label, provenance, rule, hs, [*priced, CSI300], market is not None)
    if market is not None:
        meta.pop("series")  # the dump is the source of every series
    meta.update({k: v for k, v in trading_metadata(trading, {}, []).items() if k != "trades"})
    meta["chunk_events"] = chunk_events
    n_rows, n_excluded = evaluate_events_to_parquet(panel, table, path, hs, rule, trading,
                                                    chunk_events, validate=False,
                                                    metadata=meta)  # fmt: skip
    meta["n_events"] = n_rows // max(1, len(hs))
    meta["n_missing_constituents"] = n_excluded
    meta["messages"] = messages
    meta["notices"] = _unpriced_notice(unpriced, len(codes), market is not None)
    return meta


def _unpriced_baskets(tables: Sequence[pd.DataFrame]) -> set[str]:
    """Baskets in which no constituent has an entry price (n_missing == n_constituents)."""
    out: set[str] = set()
    for t in tables:
        none = t["n_missing"] == t["n_constituents"]
        out |= set(t.loc[none, "basket"].astype(str))
    return out


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
    ``"blocked exit"`` or why the constituent was excluded.  Each constituent is run through
    the engine as a one-stock call, so the numbers are the engine's, not recomputed here.
    """
    rule = parse_entry(entry)
    (h,) = parse_horizons([horizon])
    items = _as_baskets(baskets)
    trading = trading or Trading()
    frames = []
    for benchmark in dict.fromkeys(b.benchmark for b in items):
        group = [b for b in items if b.benchmark == benchmark]
        events = events_from_baskets(group)
        basket_of, code_of = events["event_id"].to_numpy(), events["code"].to_numpy()
        events = events.assign(event_id=[f"{b}\x1f{c}" for b, c in zip(basket_of, code_of, strict=True)],
                               weight=1.0)  # fmt: skip
        panel = _price_panel(events["code"], benchmark, market, provider)[0]
        res = evaluate_events(panel, events, [h], rule, trading=trading)
        t = res.table
        status = np.where(t["n_missing"] > 0, "excluded", "priced").astype(object)
        status[(t["delayed_entries"] > 0).to_numpy()] = "delayed entry"
        status[(t["blocked_exits"] > 0).to_numpy() & (status == "priced")] = "blocked exit"
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
    items = _as_baskets(baskets)
    provider = provider or (None if market is not None else default_provider())
    frames = []
    for benchmark in dict.fromkeys(b.benchmark for b in items):
        events = events_from_baskets([b for b in items if b.benchmark == benchmark])
        panel = _price_panel(events["code"], benchmark, market, provider)[0]
        frames.append(cumulative_curves(panel, events, rule))
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


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
    table = _load_calls(events)
    panel, unavailable, label, provenance = _price_panel(
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
    codes, priced, unpriced = _split_codes(table["code"], panel)
    meta = _metadata(panel, label, provenance, rule, hs, [*priced, CSI300], market is not None)
    if market is not None:
        meta.pop("series")  # the dump is the source of every series
    meta["n_events"] = len(result.table) // max(1, len(hs))
    meta["n_missing_constituents"] = len(result.missing)
    meta["missing"] = _missing_records(result.missing, unavailable, {})
    meta.update(trading_metadata(trading, {}, [result.trades]))
    meta["notices"] = _unpriced_notice(unpriced, len(codes), market is not None)
    meta["messages"] = messages
    out.attrs["metadata"] = RunMetadata(meta)
    if len(table) and not (out["n_missing"] < out["n_constituents"]).any():
        hint = f" ({meta['notices'][0]})" if meta["notices"] else ""
        raise DataError(
            f"no constituent of any of the {meta['n_events']:,} events has a price on its entry "
            f"day; nothing to measure{hint}"
        )
    return out
