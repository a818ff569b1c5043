"""Cross-sectional summary of excess returns over many events, per horizon.

A summary of the engine's result table (count, mean, median, dispersion, a t-statistic,
share positive), not an event study: the event study (market models, abnormal returns and
their tests) is :func:`thematic.event_stats` with :mod:`thematic.stats.significance`.
Pure functions of DataFrames; scipy is imported only when asked for.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

EXCESS_SUMMARY_COLUMNS: tuple[str, ...] = (
    "horizon",
    "n_events",
    "mean_excess",
    "median_excess",
    "std_excess",
    "t_stat",
    "p_value",
    "share_positive",
    "mean_hit_rate",
)


def excess_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Cross-sectional summary of excess returns per horizon, over all events.

    ``t_stat`` is the mean excess over its standard error (ddof 1); ``p_value`` is two-sided
    under Student's t with ``n - 1`` degrees of freedom.  Rows without numbers (horizon past
    the data) are left out and not counted.  Events overlapping in time are not independent,
    so read the t-statistic as descriptive when calls cluster.

    Examples
    --------
    >>> t = pd.DataFrame({"horizon": [5, 5, 5], "excess_return": [0.01, 0.03, 0.05],
    ...                   "hit_rate": [1.0, 0.5, 0.0]})
    >>> excess_summary(t)[["horizon", "n_events", "mean_excess", "t_stat"]].round(6)
       horizon  n_events  mean_excess    t_stat
    0        5         3         0.03  2.598076
    """
    from scipy import stats as sps

    valid = table.dropna(subset=["excess_return"])
    g = valid.groupby("horizon", sort=False)
    n = g["excess_return"].count()
    mean = g["excess_return"].mean()
    std = g["excess_return"].std(ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        t: pd.Series = mean / (std / np.sqrt(n))
    p = pd.Series(2 * sps.t.sf(np.abs(t.to_numpy()), df=(n - 1).to_numpy()), index=t.index)
    out = pd.DataFrame(
        {
            "n_events": n,
            "mean_excess": mean,
            "median_excess": g["excess_return"].median(),
            "std_excess": std,
            "t_stat": t,
            "p_value": p.where(n > 1),
            "share_positive": g["excess_return"].apply(lambda s: float((s > 0).mean())),
            "mean_hit_rate": g["hit_rate"].mean(),
        }
    )
    out.index.name = "horizon"
    return out.reset_index().loc[:, list(EXCESS_SUMMARY_COLUMNS)]
