"""Whose calls work: the scorecard, end to end (calls -> events -> engine -> statistics).

Each call (one report on one stock) is a single-stock event, id ``report_id:code``, entered
under the usual rules (entry rule, untradable policy, costs, benchmark) by
:func:`thematic.evaluate_events`; its market-model CAR has the definitions of the event-study kernels
(:mod:`thematic.engine.abnormal`, the estimation window of ``thematic stats``), computed
from running sums (:mod:`thematic.engine.car_sums`) so that a million calls take seconds.  The
statistics per group and horizon are :mod:`thematic.stats.scorecard`'s.  This module
chooses the data and labels the result; it computes no statistic of its own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from thematic.calls import (
    DEFAULT_RATINGS,
    events_from_calls,
    filter_calls,
    load_calls,
    parse_ratings,
    split_list,
)
from thematic.constants import CSI300, DEFAULT_ENTRY, EST_GAP, EST_WINDOW, MAX_HORIZON, MIN_OBS
from thematic.data.base import Provider
from thematic.data.panel import PricePanel
from thematic.data.sourcing import default_provider, load_panel, market_provenance
from thematic.engine import evaluate_events
from thematic.engine.car_sums import single_stock_cars
from thematic.errors import DataError, UsageError
from thematic.rules import (
    ENTRY_RULE_TEXT,
    UNTRADABLE_TEXT,
    Horizon,
    Trading,
    check_estimation_window,
    parse_entry,
    parse_horizons,
)
from thematic.runs.metadata import RunMetadata
from thematic.stats.scorecard import Z95, bh_adjust, clustered_means, label_clusters, shrink

BY_KEYS: Final[tuple[str, ...]] = ("broker", "rating", "industry", "code", "year")
DEFAULT_SCORECARD_HORIZONS: Final[tuple[int, ...]] = (20, 60, 250)
#: The scorecard's columns after the ``by`` keys, in order.
SCORECARD_COLUMNS: Final[tuple[str, ...]] = (
    "horizon", "n_calls", "n", "clusters", "mean_excess", "median_excess", "hit_rate", "se",
    "t", "p", "q_bh", "shrunk_excess", "shrunk_lo", "shrunk_hi", "mean_car", "car_t", "note",
)  # fmt: skip
_STAT_COLUMNS = SCORECARD_COLUMNS[3:-1]

DEFINITIONS: Final[dict[str, str]] = {
    "call": "one research report on one stock; an event of one stock, id report_id:code",
    "n_calls": "calls in the group; n: those with an excess return at this horizon",
    "excess": "the stock's return minus the benchmark's over the same sessions (the "
    "engine's excess_return: entry rule, untradable policy as stated)",
    "hit_rate": "share of calls with excess > 0",
    "se": "cluster-robust (CR1) standard error of the group's mean excess, clusters = entry "
    "sessions: with G clusters and cluster sums s_g of (x_i - mean), "
    "se^2 = G/(G-1) * sum_g s_g^2 / n^2; clusters = G",
    "t": "mean / se; p: two-sided, Student's t with G-1 degrees of freedom",
    "q_bh": "Benjamini-Hochberg adjusted p over the groups of one horizon that have a p "
    "(n >= 2 and G >= 2)",
    "shrinkage": "normal-normal empirical Bayes per horizon: mu = mean excess of all calls of "
    "the horizon; tau^2 = max(0, var(group means, ddof 1) - mean(se^2)) over the groups with "
    "an se; B = tau^2 / (tau^2 + se^2); shrunk_excess = mu + B (mean - mu); shrunk_lo/hi = "
    "shrunk_excess -/+ 1.96 sqrt(B se^2 + (1-B)^2 se_mu^2), se_mu the CR1 se of mu over all "
    "calls of the horizon (same clusters)",
    "mean_car": "market-model CAR over event days [1, h] from the entry session's close "
    "(OLS r = a + b r_m on the returns dated [e-{first}, e-{last}], at least {min_obs} valid), "
    "group mean; car_t: its CR1 t (clusters = entry sessions); calls without an estimation "
    "window are left out of both and counted in the note",
}


def check_benchmark(market: str | Path | None, benchmark: str, param: str = "market") -> None:
    """Refuse a benchmark other than the CSI 300 with a market dump (the dump has no other).

    ``param`` is the caller's name for the dump, which the message starts with
    (``"--market"`` on the command line).
    """
    if market is not None and benchmark != CSI300:
        raise UsageError(f"{param}: the market dump has only {CSI300}, not {benchmark}")


def parse_by(value: str | Sequence[str], param: str = "by") -> list[str]:
    """Parse the grouping keys (``"broker,rating"``): known, at least one, none twice.

    Examples
    --------
    >>> parse_by("broker, year")
    ['broker', 'year']
    >>> parse_by("broker,broker", "--by")
    Traceback (most recent call last):
    ...
    thematic.errors.UsageError: --by: 'broker' is given twice
    """
    keys = split_list(value)
    bad = [k for k in keys if k not in BY_KEYS]
    if not keys or bad:
        raise UsageError(f"{param}: {(bad or [''])[0]!r} is not one of {', '.join(BY_KEYS)}")
    twice = [k for i, k in enumerate(keys) if k in keys[:i]]
    if twice:
        raise UsageError(f"{param}: {twice[0]!r} is given twice")
    return keys


def parse_scorecard_horizons(value: str | Sequence[Horizon], param: str = "horizons") -> list[int]:
    """Whole-number horizons (``'max'`` has no fixed event window), or a clear error."""
    hs = parse_horizons(value, param)
    if MAX_HORIZON in hs:
        raise UsageError(f"{param}: 'max' has no fixed event window in a scorecard; give whole "
                         "numbers of sessions")  # fmt: skip
    return [int(h) for h in hs]


def _panel(
    codes: pd.Series,
    benchmark: str,
    market: str | Path | None,
    provider: Provider | None,
    messages: list[str],
) -> tuple[PricePanel, dict[str, Any]]:
    """Return the prices: a market dump's whole universe, or the codes from a provider."""
    if market is not None:
        from thematic.data.universe import load_market_panel

        panel = load_market_panel(market, messages=messages)
        return panel, market_provenance(market, panel)
    panel, unavailable = load_panel(pd.unique(codes), benchmark, provider or default_provider())
    kinds = Counter(info.source.split(" ")[0] for c, info in panel.sources.items()
                    if c != benchmark)  # fmt: skip
    if unavailable:
        messages.append(f"{len(unavailable)} codes have no price data: "
                        f"{', '.join(sorted(unavailable)[:10])}")  # fmt: skip
    info = panel.sources.get(benchmark)
    adjustments = sorted({i.adjustment for c, i in panel.sources.items() if c != benchmark})
    return panel, {"source": ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())),
                   "adjustment": "; ".join(adjustments), "as_of": f"{panel.as_of:%Y-%m-%d}",
                   "benchmark_source": info.source if info else ""}  # fmt: skip


def call_cars(
    panel: PricePanel,
    events: pd.DataFrame,
    horizons: Sequence[int],
    est_window: int = EST_WINDOW,
    est_gap: int = EST_GAP,
    min_obs: int = MIN_OBS,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Market-model CAR of each single-stock event at each horizon, as ``thematic stats``.

    Returns ``(car, entry, usable)``: CARs ``(n, H)`` (NaN without an estimation window, a
    close on the entry session, or when the horizon ends after the data), each event's
    entry session, and whether it has an estimation window and an entry close.
    """
    t = len(panel.dates)
    code_of, distinct = pd.factorize(events["code"].astype(str), sort=False)
    col = panel.columns_of(pd.Index(distinct))[code_of]
    published = events["published"].to_numpy(dtype="datetime64[D]").astype("datetime64[ns]")
    entry = panel.sessions_after(published)  # first session strictly after the date
    with np.errstate(invalid="ignore"):
        present = (col >= 0) & (entry < t)
        present[present] = np.isfinite(panel.close[entry[present], col[present]])
    car, m = single_stock_cars(panel.close, panel.close_filled, panel.benchmark_close, col,
                               entry, np.asarray(horizons, dtype=np.int64), est_window,
                               est_gap)  # fmt: skip
    usable = present & (m >= min_obs)
    car[~usable] = np.nan
    return car, entry, usable


def _group_labels(calls: pd.DataFrame, by: Sequence[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Group number of each call and the key columns of each group (sorted by key)."""
    keys = pd.DataFrame({k: calls["published"].dt.year if k == "year" else calls[k].astype(str)
                         for k in by})  # fmt: skip
    group = keys.groupby(list(by), sort=True).ngroup().to_numpy()
    labels = keys.drop_duplicates().assign(_g=group[~keys.duplicated().to_numpy()])
    return group, labels.sort_values("_g").drop(columns="_g").reset_index(drop=True)


def _join(parts: list[np.ndarray]) -> np.ndarray:
    """Join the non-empty texts of each row with '; ' (a handful of arrays, vectorised)."""
    out = pd.Series([""] * len(parts[0]), dtype=object)
    for p in parts:
        s = pd.Series(p, dtype=object)
        out = out.where(s == "", out.where(out == "", out + "; ") + s)
    return out.to_numpy()


def scorecard(
    calls: pd.DataFrame | None = None,
    by: str | Sequence[str] = "broker",
    horizons: str | Sequence[Horizon] = DEFAULT_SCORECARD_HORIZONS,
    ratings: str | Sequence[str] | None = DEFAULT_RATINGS,
    since: str | None = None,
    until: str | None = None,
    min_calls: int = 1,
    entry: str = DEFAULT_ENTRY,
    trading: Trading | None = None,
    market: str | Path | None = None,
    provider: Provider | None = None,
    benchmark: str = CSI300,
    est_window: int = EST_WINDOW,
    est_gap: int = EST_GAP,
    min_obs: int = MIN_OBS,
    cache_root: str | Path | None = None,
) -> pd.DataFrame:
    """Per group (``by``) and horizon: how the calls did, with clustered statistics.

    Parameters
    ----------
    calls
        The call table (:func:`thematic.load_calls`); default: every cached call.
    by
        Any of ``broker, rating, industry, code, year`` (``"broker,rating"`` or a list).
    horizons
        Sessions after entry (whole numbers).
    ratings, since, until
        Which calls count (default: the positive calls, ``buy,outperform``; ``None``: all).
    min_calls
        Groups with fewer calls are listed with empty statistics.
    entry, trading, market, provider, benchmark
        As for :func:`thematic.evaluate`.
    est_window, est_gap, min_obs
        The market model's estimation window, as for :func:`thematic.event_stats`.

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, then :data:`SCORECARD_COLUMNS`; ``attrs["metadata"]`` holds the
        rules, data sources, counts, definitions and, per horizon, the pooled ``mu``,
        ``se_mu`` and ``tau2`` of the shrinkage.
    """
    keys = parse_by(by)
    rule = parse_entry(entry)
    hs = parse_scorecard_horizons(horizons)
    if min_calls < 1:
        raise UsageError(f"min_calls: {min_calls} must be at least 1")
    check_benchmark(market, benchmark)
    check_estimation_window(est_window, est_gap, min_obs)
    wanted = parse_ratings(ratings, "ratings")
    trading = trading or Trading()
    table = calls if calls is not None else load_calls(cache_root=cache_root)
    chosen = filter_calls(table, rating=wanted or None, since=since, until=until)
    if not len(chosen):
        raise DataError(f"no call left to score ({len(table):,} calls; ratings "
                        f"{','.join(wanted) or 'all'}, since {since}, until {until})")  # fmt: skip
    messages: list[str] = []
    events = events_from_calls(chosen)
    panel, provenance = _panel(events["code"], benchmark, market, provider, messages)
    result = evaluate_events(panel, events, list(hs), rule, trading=trading)
    n, n_h = len(events), len(hs)
    res = result.table
    excess = res["excess_return"].to_numpy(dtype=np.float64).reshape(n, n_h)
    if not np.isfinite(excess).any():
        pub = chosen["published"]
        first, last = panel.dates[0], panel.dates[-1]
        raise DataError(f"no call could be scored: of {n:,} calls, {len(result.missing):,} have no "
                        f"entry price ({int((pub < first).sum()):,} published before the prices "
                        f"start on {first:%Y-%m-%d}, {int((pub >= last).sum()):,} on or after "
                        f"their last session, {last:%Y-%m-%d}) and the others' horizons "
                        f"({', '.join(map(str, hs))} sessions) end after the data")  # fmt: skip
    entry_ns = res["entry_date"].to_numpy(dtype="datetime64[ns]").reshape(n, n_h)[:, 0]
    session = panel.dates.get_indexer(pd.DatetimeIndex(entry_ns))
    car, car_entry, usable = call_cars(panel, events, [int(h) for h in hs], est_window,
                                       est_gap, min_obs)  # fmt: skip
    group, labels = _group_labels(chosen, keys)
    k = len(labels)
    n_calls = np.bincount(group, minlength=k)
    small = n_calls < min_calls
    t_end = len(panel.dates)
    cluster = np.maximum(session, 0)
    by_session = label_clusters(group, cluster, k)
    pooled = label_clusters(np.zeros(n, np.int64), cluster, 1)
    by_car_session = label_clusters(group, np.minimum(car_entry, t_end), k)
    frames = []
    for j, h in enumerate(hs):  # a few horizons; groups and clusters are vectorised
        x = excess[:, j]
        cm = clustered_means(x, group, cluster, k, by_session)
        p = np.where(small, np.nan, cm.p)
        q = bh_adjust(p)
        se = np.where(small | ~np.isfinite(p), np.nan, cm.se)
        sh = shrink(x, cluster, cm.mean, se, Z95, pooled)
        cc = clustered_means(car[:, j], group, np.minimum(car_entry, t_end), k, by_car_session,
                             medians=False)  # fmt: skip
        no_window = np.bincount(group, weights=(~usable & (car_entry + int(h) < t_end)),
                                minlength=k).astype(np.int64)  # fmt: skip
        stats = {"clusters": cm.clusters, "mean_excess": cm.mean, "median_excess": cm.median,
                 "hit_rate": cm.hit_rate, "se": se, "t": np.where(np.isfinite(se), cm.t, np.nan),
                 "p": p, "q_bh": q, "shrunk_excess": sh.shrunk, "shrunk_lo": sh.lo,
                 "shrunk_hi": sh.hi, "mean_car": cc.mean, "car_t": cc.t}  # fmt: skip
        frame = labels.copy()
        frame["horizon"] = int(h)
        frame["n_calls"], frame["n"] = n_calls, cm.n
        for col in _STAT_COLUMNS:
            frame[col] = np.where(small, np.nan, stats[col]) if col != "clusters" else stats[col]
        missing = n_calls - cm.n
        frame["note"] = _join([
            np.where(small, f"fewer than {min_calls} calls (--min-calls): no statistics", ""),
            np.where(~small & (missing > 0), [f"{m} call(s) without an excess return (no entry "
                     "price, or the horizon ends after the data)" for m in missing], ""),
            np.where(~small & ~np.isfinite(se), "n < 2 or one entry session: no se, t, p, "
                     "q_bh or shrinkage", ""),
            np.where(~small & (no_window > 0), [f"{m} call(s) without an estimation window (or an "
                     "entry close) left out of mean_car and car_t" for m in no_window], ""),
        ])  # fmt: skip
        frames.append((frame, sh))
    out = pd.concat([f for f, _ in frames], ignore_index=True)
    out = out.sort_values([*keys, "horizon"], kind="stable").reset_index(drop=True)
    out["clusters"] = out["clusters"].astype(np.int64)
    out = out.loc[:, [*keys, *SCORECARD_COLUMNS]]
    defs = dict(DEFINITIONS)
    defs["mean_car"] = defs["mean_car"].format(first=est_gap + est_window, last=est_gap + 1,
                                               min_obs=min_obs)  # fmt: skip
    bench = panel.sources.get(panel.benchmark_code)
    out.attrs["metadata"] = RunMetadata({
        "by": keys, "horizons": [int(h) for h in hs], "ratings": wanted or "all",
        "since": since, "until": until, "min_calls": min_calls,
        "entry_rule": rule, "entry_rule_text": ENTRY_RULE_TEXT[rule],
        "untradable_text": UNTRADABLE_TEXT[trading.untradable].format(
            max_delay=trading.max_delay),
        "costs": trading.costs.describe(),
        "benchmark": panel.benchmark_code,
        "benchmark_series": bench.adjustment if bench else "price index",
        "as_of": f"{panel.as_of:%Y-%m-%d}", "prices": provenance,
        "calls_in_table": len(table), "calls_scored": n,
        "calls_without_entry_price": len(result.missing),
        "pooled": {int(h): {"mu": sh.mu, "se_mu": sh.se_mu, "tau2": sh.tau2}
                   for h, (_, sh) in zip(hs, frames, strict=True)},
        "estimation_window": f"returns dated [e-{est_gap + est_window}, e-{est_gap + 1}] "
        f"(at least {min_obs} valid)",
        "est_window": est_window, "est_gap": est_gap, "min_obs": min_obs,
        "definitions": defs, "messages": messages,
    })  # fmt: skip
    return out
