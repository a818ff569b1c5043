"""Event-study statistics end to end: baskets -> panel -> abnormal returns -> tests -> table.

Is a call beta, luck or skill?  For each basket (or each report, or broker, pooled) and
horizon this answers with market-model CARs and BHARs, the tests a referee expects
(:mod:`thematic.stats.significance`) and random placebo baskets drawn from the same market on
the same day (:mod:`thematic.stats.placebo`).  The kernels are pure
(:mod:`thematic.engine.abnormal`); this module chooses the data and labels the result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import pandas as pd

from thematic.baskets import Basket, BasketsLike, as_baskets, events_from_baskets
from thematic.codes import known_stocks
from thematic.constants import (
    CSI300,
    DEFAULT_ENTRY,
    EST_GAP,
    EST_WINDOW,
    MAX_HORIZON,
    MIN_OBS,
    STATS_COLUMNS,
)
from thematic.data.base import Provider
from thematic.data.panel import PricePanel
from thematic.data.sourcing import describe_sources, source_counts, universe_codes
from thematic.engine.abnormal import (
    abnormal_returns,
    event_window,
    fit_market_model,
)
from thematic.engine.encode import REASON_BEFORE_DATA, encode
from thematic.errors import DataError, UsageError
from thematic.rules import Horizon, check_estimation_window, parse_entry, parse_horizons
from thematic.runs.metadata import RunMetadata
from thematic.runs.placebo_baskets import placebo_baskets
from thematic.runs.prices import price_panel
from thematic.stats import significance

GroupBy = Literal["basket", "report", "broker"]
GROUP_BYS: Final[tuple[str, ...]] = ("basket", "report", "broker")
MATCHES: Final[tuple[str, ...]] = ("board", "industry")
DEFAULT_STATS_HORIZONS: Final[tuple[int, ...]] = (20, 60, 120, 250)
DEFAULT_RESAMPLES = 1000


DEFINITIONS: Final = {
    "calendar": "the benchmark's trading sessions",
    "entry_session": "e = first session strictly after the publication date",
    "returns": "simple close-to-close over consecutive sessions, from the entry session's "
    "close whatever the entry rule (under next_open the open-to-close part of the entry "
    "day is in `evaluate`, not here)",
    "estimation_window": "returns dated [e-{first}, e-{last}] ({window} returns); a constituent "
    "needs a close on the entry session and at least {min_obs} valid returns there",
    "market_model": "OLS r_i = a + b r_m on the valid estimation returns; s^2 = SSR / (M - 2)",
    "event_window": "[1, h], day 1 = session e+1; a stock without a bar is valued at its last "
    "close",
    "car": "sum of AR = r - (a + b r_m) over the event window; car_ma: sum of r - r_m",
    "bhar": "prod(1 + r) - prod(1 + r_m) over the event window",
    "weights": "equal-weighted across constituents: basket weights are a portfolio concept "
    "and are not used by the tests",
    "car_t": "cross-sectional t of the CARs (ddof 1)",
    "bmp_z": "Boehmer-Musumeci-Poulsen (1991) on CARs standardised by the full market-model "
    "prediction-error variance S^2 = s^2 [h + h^2/M + (sum_1..h (r_m - mean_est r_m))^2 / "
    "sum_est (r_m - mean_est r_m)^2]",
    "kp_z": "Kolari-Pynnonen (2010): bmp_z * sqrt((1 - rbar) / (1 + (n - 1) rbar)), rbar the "
    "mean pairwise correlation of estimation residuals on common sessions, over the "
    "constituents in the horizon's test (pairs sharing "
    "fewer than 30 sessions count as 0: different, non-overlapping event dates)",
    "bhar_skew_t": "Lyon-Barber-Tsai (1999) skewness-adjusted t of the BHARs",
    "bhar_boot_p": "two-sided bootstrap p of bhar_skew_t: size-n resamples of the centred "
    "BHARs, p = (1 + #|t*| >= |t|) / (1 + B), B the resamples with a t* (one value drawn n "
    "times has none); draws: numpy default_rng(seed), horizon by horizon, group by group, "
    "rng.integers(0, n, size=(B, n)) indexing the group's BHARs in constituent order",
    "gsign_z": "Cowan (1992) generalised sign test: expected share of positive CARs from "
    "each constituent's estimation-window residuals",
    "placebo": "N random equal-weight baskets of the basket's priced size, drawn without "
    "replacement from stocks with a close on the entry session and >= 60 sessions of bars "
    "before it (the basket's own excluded), priced by the same engine (entry close, a stock "
    "without a bar valued at its last close); placebo_pct = 100 x share of placebo excess "
    "strictly below the real equal-weight excess; placebo_p = (1 + #placebo >= real) / (N + 1)",
    "significance": "stars: * 10%, ** 5%, *** 1%, two-sided, by kp_z (normal)",
}


@dataclass(frozen=True)
class EventStudy:
    """The event study's answer (:func:`study_events`): the table and what it was made of."""

    table: pd.DataFrame
    """One row per (group, horizon) with :data:`~thematic.constants.STATS_COLUMNS`."""
    constituents: pd.DataFrame
    """Per constituent and horizon: the market model (``m, alpha, beta, s2``), CAR and BHAR."""
    daily: pd.DataFrame
    """The daily abnormal returns (``group, code, day, ar``), for charts."""
    placebo: pd.DataFrame
    """The placebo baskets' excess returns (``basket, horizon, draw, excess, real``)."""
    metadata: RunMetadata
    """Rules, definitions, data sources, the as-of date and every exclusion."""

    def to_frame(self) -> pd.DataFrame:
        """Return the table with the rest in ``attrs`` (what :func:`event_stats` returns).

        ``attrs`` holds ``constituents``, ``daily``, ``placebo`` and ``metadata``.
        """
        table = self.table.copy(deep=False)
        table.attrs["constituents"] = self.constituents
        table.attrs["daily"] = self.daily
        table.attrs["placebo"] = self.placebo
        table.attrs["metadata"] = self.metadata
        return table


@dataclass(frozen=True)
class _Group:
    key: str
    rows: np.ndarray  # indices into the constituent rows
    published: pd.Timestamp | None
    entry: pd.Timestamp | None
    entry_session: int | None  # None when the group's members enter on different days
    before: bool  # every member published before the data starts


def _group_key(b: Basket, by: str) -> str:
    if by == "report":
        return f"{b.report.broker}: {b.report.title} ({b.published})"
    if by == "broker":
        return b.report.broker
    return b.id


def _panel_for(
    items: Sequence[Basket],
    market: str | Path | None,
    n_placebo: int,
    provider: Provider | None,
    messages: list[str],
) -> tuple[PricePanel, str, dict[str, Any]]:
    """Return the prices for the baskets (and a universe for placebos), with a label."""
    benchmarks = {b.benchmark for b in items}
    if benchmarks != {CSI300}:
        raise UsageError(
            f"stats: every basket must use the {CSI300} benchmark; got {sorted(benchmarks)}"
        )
    codes = sorted({c for b in items for c in b.codes})
    if market is None and n_placebo:
        codes = sorted(set(codes) | set(universe_codes()))
    panel, _, label, _ = price_panel(codes, CSI300, market, provider, messages)
    if market is not None:
        return panel, label, {"market dump": len(panel.codes) + 1}
    return panel, label, source_counts(panel, panel.sources)


def study_events(
    baskets: BasketsLike = "baskets",
    horizons: str | Sequence[Horizon] = DEFAULT_STATS_HORIZONS,
    entry: str = DEFAULT_ENTRY,
    placebo_draws: int = 0,
    seed: int = 0,
    market: str | Path | None = None,
    by: str = "basket",
    match: Sequence[str] = (),
    resamples: int = DEFAULT_RESAMPLES,
    est_window: int = EST_WINDOW,
    est_gap: int = EST_GAP,
    min_obs: int = MIN_OBS,
    provider: Provider | None = None,
    progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
    client: Any = None,
    market_param: str = "market",
) -> EventStudy:
    """Market-model event study of each basket (or report, or broker) at each horizon.

    Parameters
    ----------
    baskets
        Baskets, or basket files / directories.
    horizons
        Whole numbers of sessions (``"max"`` is not a fixed event window).
    entry
        Recorded in the metadata; the statistics always run from the entry session's close.
    placebo_draws
        Random baskets per basket and horizon (0: none).  Needs a universe: ``market`` or a
        cache of a few hundred stocks.
    seed
        Seed of the placebo draws and of the bootstrap.
    market
        A directory in the shared market-dump layout (``../shared/market``).
    by
        ``"basket"``, or pool constituents by ``"report"`` or ``"broker"``.
    match
        Placebo matching: any of ``"board"``, ``"industry"``.
    resamples
        Bootstrap resamples for ``bhar_boot_p``.
    est_window, est_gap, min_obs
        Estimation window length, its gap before entry, and the valid returns required.
    progress
        Wraps the loop over baskets that draws placebos (a progress bar on a terminal).
    client
        A ``distributed.Client``: price the placebo baskets on that cluster.
    market_param
        The caller's name for ``market``, which a message advises (``"--market"`` on the
        command line).

    Returns
    -------
    EventStudy
        The table (one row per group and horizon), the per-constituent CAR/BHAR per horizon,
        the daily abnormal returns, the placebo excess returns and the metadata
        (definitions, data sources, exclusions).
    """
    rule = parse_entry(entry)
    hs = parse_horizons(horizons)
    if MAX_HORIZON in hs:
        raise UsageError("horizons: 'max' has no fixed event window; give whole numbers")
    if by not in GROUP_BYS:
        raise UsageError(f"by: {by!r} is not one of {', '.join(GROUP_BYS)}")
    bad = [m for m in match if m not in MATCHES]
    if bad:
        raise UsageError(f"match: {bad[0]!r} is not one of {', '.join(MATCHES)}")
    for name, value, least in (("placebo", placebo_draws, 0), ("resamples", resamples, 0),
                               ("seed", seed, 0)):  # fmt: skip
        if value < least:
            raise UsageError(f"{name}: {value} must be at least {least}")
    check_estimation_window(est_window, est_gap, min_obs)
    if placebo_draws and by != "basket":
        raise UsageError("placebo: random baskets are drawn per basket; use by='basket'")
    items = as_baskets(baskets)
    messages: list[str] = []
    panel, label, counts = _panel_for(items, market, placebo_draws, provider, messages)
    h_arr = np.array(hs, dtype=np.int64)
    t = len(panel.dates)

    ev = events_from_baskets(items)
    enc = encode(panel, ev, "next_close")
    if not (enc.col >= 0).any():  # no price series for any constituent: nothing to fit
        codes = sorted(set(ev["code"]))
        raise DataError(
            f"stats: no constituent has price data here ({', '.join(codes[:5])}"
            f"{' ...' if len(codes) > 5 else ''}): pass --market DIR or run `thematic refresh`"
        )
    rows = np.arange(len(ev))
    col, e = enc.col, enc.entry[enc.event]
    has_close = enc.present  # a close on the entry session (next_close prices)
    safe_col = np.where(col >= 0, col, 0)
    safe_e = np.minimum(e, t - 1)
    model = fit_market_model(
        panel.close, panel.benchmark_close, safe_col, safe_e, est_window, est_gap
    )
    enough = model.m >= min_obs
    usable = has_close & enough
    reasons = np.where(~has_close, "no close on the entry session",
                       np.where(~enough, f"fewer than {min_obs} valid estimation returns", ""))  # fmt: skip

    window = event_window(
        panel.close_filled, panel.benchmark_close, safe_col, safe_e, int(h_arr.max())
    )
    ab = abnormal_returns(model, window, h_arr)
    with np.errstate(invalid="ignore", divide="ignore"):
        pos_share = np.nansum(model.residuals > 0, axis=1) / model.m

    # Groups: baskets, or pooled (a stock in two baskets of one group counts once).
    keys = [_group_key(b, by) for b in items]
    key_of_row = np.array([keys[i] for i in enc.event])
    order = list(dict.fromkeys(keys))
    groups: list[_Group] = []
    dates = panel.dates
    for k in order:
        in_group = np.flatnonzero((key_of_row == k) & usable)
        pairs = pd.Series(list(zip(ev["code"].to_numpy()[in_group], e[in_group], strict=True)))
        in_group = in_group[~pairs.duplicated().to_numpy()]
        members = [b for b, kk in zip(items, keys, strict=True) if kk == k]
        pubs = {pd.Timestamp(b.published) for b in members}
        numbers = [items.index(b) for b in members]
        entries = {int(x) for x in enc.entry[numbers]}
        one = entries.pop() if len(entries) == 1 else None
        entry_ts = dates[one] if one is not None and one < t else None
        groups.append(_Group(k, in_group, pubs.pop() if len(pubs) == 1 else None, entry_ts, one,
                             bool(enc.before[numbers].all())))  # fmt: skip

    n_groups = len(groups)
    group_of_row = np.full(len(rows), -1)
    for g, grp in enumerate(groups):
        group_of_row[grp.rows] = g
    rng = np.random.default_rng(seed)
    in_groups = group_of_row >= 0
    results = {}
    for j, h in enumerate(hs):
        in_data = in_groups & (e + int(h) < t)
        # rbar over the constituents in this horizon's test, not the whole group (a pooled
        # group's later events may have no CAR at a long horizon).
        rbar = np.array([
            significance.mean_residual_correlation(model.residuals, model.est_sessions,
                                                   grp.rows[in_data[grp.rows]])
            for grp in groups
        ])  # fmt: skip
        car = np.where(in_data, ab.car[:, j], np.nan)
        results[h] = significance.group_tests(
            car[in_groups], ab.car_sd[in_groups, j], ab.car_ma[in_groups, j],
            ab.bhar[in_groups, j], pos_share[in_groups], group_of_row[in_groups], n_groups,
            rbar, resamples, rng,
        )  # fmt: skip

    placebo_cols, placebo_frames, placebo_notes = (
        placebo_baskets(
            items, panel, enc, hs, placebo_draws, match, rng, progress, client, market_param
        )
        if placebo_draws
        else ({}, [], {})
    )

    out_rows = []
    first, last = f"{dates[0]:%Y-%m-%d}", f"{dates[-1]:%Y-%m-%d}"
    for g, grp in enumerate(groups):
        for h in hs:
            r = results[h]
            n = int(r.n[g])
            if grp.before:
                note = f"published before the first session of the data ({first})"
            elif grp.entry_session is not None and grp.entry_session + int(h) >= t:
                note = f"horizon ends after the last session of the data ({last})"
            elif n == 0:
                note = (f"no constituent has a close on the entry session and {min_obs} valid "
                        "estimation returns")  # fmt: skip
            elif n == 1:
                note = "one constituent: the tests need two or more"
            else:
                note = ""
            pct, pp = placebo_cols.get((grp.key, h), (np.nan, np.nan))
            note = "; ".join(x for x in (note, placebo_notes.get(grp.key, "")) if x)
            out_rows.append({
                "basket": grp.key, "published": grp.published, "entry_date": grp.entry,
                "horizon": int(h), "n": n, "mean_car": r.mean_car[g], "car_t": r.car_t[g],
                "bmp_z": r.bmp_z[g], "kp_z": r.kp_z[g], "mean_car_ma": r.mean_car_ma[g],
                "mean_bhar": r.mean_bhar[g], "bhar_skew_t": r.bhar_skew_t[g],
                "bhar_boot_p": r.bhar_boot_p[g], "gsign_z": r.gsign_z[g],
                "placebo_pct": pct, "placebo_p": pp, "note": note,
            })  # fmt: skip
    table = pd.DataFrame(out_rows, columns=list(STATS_COLUMNS))
    table["published"] = pd.to_datetime(table["published"])
    table["entry_date"] = pd.to_datetime(table["entry_date"])
    names = known_stocks()
    basket_names = {(b.id, c.code): c.name for b in items for c in b.constituents}
    basket_of_row = enc.ids.to_numpy()[enc.event]
    excluded = [
        {"basket": str(basket_of_row[i]), "code": str(ev["code"].iloc[i]),
         "name": basket_names.get((str(basket_of_row[i]), str(ev["code"].iloc[i])), ""),
         "reason": "no price data for this code" if col[i] < 0 else
         REASON_BEFORE_DATA.format(first=first) if enc.before[enc.event[i]] else
         ("published after the data" if e[i] >= t else str(reasons[i]))}
        for i in np.flatnonzero(~usable)
    ]  # fmt: skip
    per = []
    for j, h in enumerate(hs):
        for i in np.flatnonzero(in_groups):
            code = str(ev["code"].iloc[i])
            per.append({
                "group": groups[group_of_row[i]].key, "basket": str(basket_of_row[i]),
                "code": code, "name": basket_names.get((str(basket_of_row[i]), code))
                or names.get(code, ""), "horizon": int(h), "m": int(model.m[i]),
                "alpha": model.alpha[i], "beta": model.beta[i], "s2": model.s2[i],
                "car": ab.car[i, j] if e[i] + int(h) < t else np.nan,
                "car_sd": ab.car_sd[i, j], "car_ma": ab.car_ma[i, j], "bhar": ab.bhar[i, j],
            })  # fmt: skip
    h_max = int(h_arr.max())
    daily_rows = np.flatnonzero(in_groups)
    daily = pd.DataFrame({
        "group": np.repeat([groups[group_of_row[i]].key for i in daily_rows], h_max),
        "code": np.repeat(ev["code"].to_numpy()[daily_rows], h_max),
        "day": np.tile(np.arange(1, h_max + 1), len(daily_rows)),
        "ar": ab.ar[daily_rows].ravel(),
    })  # fmt: skip
    defs = dict(DEFINITIONS)
    defs["estimation_window"] = defs["estimation_window"].format(
        first=est_gap + est_window, last=est_gap + 1, window=est_window, min_obs=min_obs
    )
    bench_info = panel.sources.get(CSI300)
    metadata = RunMetadata({
        "entry_rule": rule,
        "statistics_entry": "the entry session's close, whatever the entry rule",
        "horizons": list(hs),
        "by": by,
        "benchmark": CSI300,
        "benchmark_series": bench_info.adjustment if bench_info else "price index",
        "as_of": f"{panel.as_of:%Y-%m-%d}",
        "provider": label,
        "sources_used": counts,
        "sources_text": describe_sources(counts),
        "est_window": est_window,
        "est_gap": est_gap,
        "min_obs": min_obs,
        "resamples": resamples,
        "seed": seed,
        "placebo": {
            "draws": placebo_draws,
            "match": list(match),
            "universe": label,
            "universe_stocks": len(panel.codes),
            "industry_note": "industries are the shipped table's (2025-09), applied to every date"
            if "industry" in match
            else "",
        },
        "definitions": defs,
        "excluded": excluded,
        "messages": messages,
        "notices": [f"{k}: {v}" for k, v in placebo_notes.items()],
    })  # fmt: skip
    placebo = pd.concat(placebo_frames, ignore_index=True) if placebo_frames else pd.DataFrame()
    return EventStudy(table, pd.DataFrame(per), daily, placebo, metadata)


def event_stats(
    baskets: BasketsLike = "baskets",
    horizons: str | Sequence[Horizon] = DEFAULT_STATS_HORIZONS,
    entry: str = DEFAULT_ENTRY,
    placebo_draws: int = 0,
    seed: int = 0,
    market: str | Path | None = None,
    by: str = "basket",
    match: Sequence[str] = (),
    resamples: int = DEFAULT_RESAMPLES,
    est_window: int = EST_WINDOW,
    est_gap: int = EST_GAP,
    min_obs: int = MIN_OBS,
    provider: Provider | None = None,
    progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
    client: Any = None,
    market_param: str = "market",
) -> pd.DataFrame:
    """:func:`study_events`' answer as one DataFrame, the rest in ``attrs``.

    The parameters are :func:`study_events`'.  Returns the table (one row per group and
    horizon, :data:`~thematic.constants.STATS_COLUMNS`); ``attrs["metadata"]`` holds the
    definitions, data sources and exclusions, ``attrs["constituents"]`` the per-constituent
    CAR/BHAR per horizon, ``attrs["daily"]`` the daily abnormal returns (for charts) and
    ``attrs["placebo"]`` the placebo excess returns.
    """
    return study_events(
        baskets, horizons, entry, placebo_draws, seed, market, by, match, resamples,
        est_window, est_gap, min_obs, provider, progress, client, market_param,
    ).to_frame()  # fmt: skip
