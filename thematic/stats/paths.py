"""Path metrics of a basket since entry: drawdown, volatility, Sharpe, information ratio.

Pure functions of DataFrames.  vectorbt's returns tools are imported only when asked for
(vectorbt takes seconds to import).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from thematic.constants import DEFAULT_ENTRY, TRADING_DAYS_PER_YEAR

PATH_METRIC_COLUMNS: tuple[str, ...] = (
    "start",
    "end",
    "sessions",
    "total_return",
    "benchmark_total_return",
    "max_drawdown",
    "annualized_volatility",
    "sharpe_ratio",
    "information_ratio",
)


def daily_returns(
    curves: pd.DataFrame, entry: str = DEFAULT_ENTRY
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Daily simple returns of each basket and of its benchmark, sessions x baskets.

    Derived from the cumulative curves of :func:`thematic.cumulative_curves`: the first
    return runs from the entry price to the entry session's close (for ``next_close`` that is
    zero by construction and is left out).  Rows past a basket's last session are NaN.
    """
    frames = []
    for col in ("basket_return", "benchmark_return"):
        wide = curves.pivot(index="session", columns="basket", values=col)
        value = 1.0 + wide
        prev = value.shift(1)
        prev.iloc[0] = 1.0
        r = value / prev - 1.0
        if entry == "next_close":
            r = r.iloc[1:]
        frames.append(r)
    return frames[0], frames[1]


def path_metrics(curves: pd.DataFrame, entry: str = DEFAULT_ENTRY) -> pd.DataFrame:
    """Max drawdown, annualised volatility, Sharpe and information ratio since entry.

    Parameters
    ----------
    curves
        Output of :func:`thematic.curves` / :func:`thematic.cumulative_curves`.
    entry
        The entry rule the curves were computed with.

    Returns
    -------
    pandas.DataFrame
        Indexed by basket, columns :data:`PATH_METRIC_COLUMNS`.  Annualisation uses
        ``TRADING_DAYS_PER_YEAR`` (242) sessions; the Sharpe ratio uses a zero risk-free rate;
        the information ratio is the annualised mean active daily return over its standard
        deviation (ddof 1); the maximum drawdown counts a fall below the entry price.
    """
    if curves.empty:
        return pd.DataFrame(columns=list(PATH_METRIC_COLUMNS), index=pd.Index([], name="basket"))
    import vectorbt  # noqa: F401  (registers the .vbt accessor)

    rets, bench = daily_returns(curves, entry)
    # vectorbt annualises with year_freq / freq; pass both so that nothing depends on
    # inferring a frequency from a calendar with holidays (which would drop metrics).
    kwargs = {"freq": "1D", "year_freq": f"{TRADING_DAYS_PER_YEAR}D"}
    acc = rets.vbt.returns(**kwargs)
    if acc.ann_factor != TRADING_DAYS_PER_YEAR:  # pragma: no cover - guards a vectorbt change
        raise RuntimeError(f"vectorbt annualisation factor {acc.ann_factor} != 242")
    # vectorbt's drawdown starts at the first close; prepend the entry price (a zero return)
    # so that a fall on the first session counts.
    padded = pd.concat([pd.DataFrame(0.0, index=[-1], columns=rets.columns), rets])
    mdd = padded.vbt.returns(**kwargs).max_drawdown()
    vol = acc.annualized_volatility()
    sharpe = acc.sharpe_ratio()
    ir = acc.information_ratio(benchmark_rets=bench) * np.sqrt(TRADING_DAYS_PER_YEAR)
    # A flat line has no volatility: its Sharpe ratio is undefined, not infinite (as in
    # empyrical); likewise the information ratio without tracking error.
    sharpe = sharpe.where(vol > 0)
    ir = ir.where((rets - bench).std(ddof=1) > 0)
    last = curves.groupby("basket", sort=False).tail(1).set_index("basket")
    first = curves.groupby("basket", sort=False).head(1).set_index("basket")
    out = pd.DataFrame(
        {
            "start": first["date"],
            "end": last["date"],
            "sessions": rets.notna().sum(),
            "total_return": last["basket_return"],
            "benchmark_total_return": last["benchmark_return"],
            "max_drawdown": mdd,
            "annualized_volatility": vol,
            "sharpe_ratio": sharpe,
            "information_ratio": ir,
        }
    ).loc[first.index, list(PATH_METRIC_COLUMNS)]
    enough = out["sessions"] >= 2
    metric_cols = ["max_drawdown", "annualized_volatility"]
    dropped = out.loc[enough, metric_cols].isna().any(axis=1)
    if dropped.any():  # pragma: no cover - guards a vectorbt change
        raise RuntimeError(f"vectorbt dropped metrics for {list(out.index[dropped])}")
    out.index.name = "basket"
    return out
