"""Placebo baskets: random picks of the same size on the same day, as a yardstick for skill.

Pure: takes eligibility masks and labels as arrays, returns column indices.  The pipeline
prices the draws with the evaluation engine itself, so placebo and real baskets follow the
same rules to the letter.

Definitions: for a basket with ``k`` priced constituents entered at session ``e``, each draw
is ``k`` distinct stocks taken uniformly from those with a close on session ``e`` and at
least :data:`MIN_HISTORY` sessions of bars before it, the basket's own constituents
excluded.  With matching, each constituent is replaced by a stock of its own stratum (its
board, its industry, or both), so the draw has the basket's mix.  ``placebo_pct`` is 100
times the share of draws whose excess return is strictly below the real basket's;
``placebo_p = (1 + #{placebo >= real}) / (N + 1)``.
"""

from __future__ import annotations

import numpy as np

#: Sessions of bars a stock needs before the entry session to be drawn.
MIN_HISTORY = 60

#: Fewer eligible stocks than this and a placebo is refused (no meaningful yardstick).
MIN_UNIVERSE = 300


def eligible(close: np.ndarray, entry: int, exclude: np.ndarray) -> np.ndarray:
    """Columns with a close at ``entry`` and ``MIN_HISTORY`` closes before it, minus ``exclude``.

    Examples
    --------
    >>> c = np.ones((62, 3)); c[:5, 1] = np.nan; c[61, 2] = np.nan
    >>> eligible(c, 61, exclude=np.array([], dtype=int)).tolist()
    [0]
    """
    if entry >= close.shape[0]:
        return np.array([], dtype=np.intp)
    has_bar = np.isfinite(close[entry])
    history = np.isfinite(close[:entry]).sum(axis=0) >= MIN_HISTORY
    ok = has_bar & history
    ok[exclude] = False
    return np.flatnonzero(ok)


def draw(
    pool: np.ndarray,
    k: int,
    n_draws: int,
    rng: np.random.Generator,
    pool_strata: np.ndarray | None = None,
    basket_strata: np.ndarray | None = None,
) -> np.ndarray:
    """``(n_draws, k)`` columns: each row ``k`` distinct stocks of ``pool``.

    With strata, column ``j`` of every draw comes from the stratum ``basket_strata[j]``
    (distinct within a draw).  Vectorised: one ``argpartition`` of random keys per stratum.

    Raises
    ------
    ValueError
        When a stratum has fewer stocks than the basket needs from it.
    """
    if pool_strata is None or basket_strata is None:
        pool_strata = np.zeros(len(pool), dtype=np.int64)
        basket_strata = np.zeros(k, dtype=np.int64)
    out = np.empty((n_draws, k), dtype=np.intp)
    for stratum in np.unique(basket_strata):
        slots = np.flatnonzero(basket_strata == stratum)
        members = pool[pool_strata == stratum]
        if len(members) < len(slots):
            raise ValueError(
                f"stratum {stratum} has {len(members)} eligible stocks, {len(slots)} needed"
            )
        keys = rng.random((n_draws, len(members)))
        picked = np.argpartition(keys, len(slots) - 1, axis=1)[:, : len(slots)]
        out[:, slots] = members[picked]
    return out


def percentile_and_p(real: float, placebo: np.ndarray) -> tuple[float, float]:
    """``placebo_pct`` and ``placebo_p`` of a real excess return among placebo ones.

    Examples
    --------
    >>> percentile_and_p(0.05, np.array([0.01, 0.02, 0.05, 0.10]))
    (50.0, 0.6)
    """
    placebo = placebo[np.isfinite(placebo)]
    if not np.isfinite(real) or len(placebo) == 0:
        return float("nan"), float("nan")
    pct = 100.0 * np.count_nonzero(placebo < real) / len(placebo)
    p = (1 + np.count_nonzero(placebo >= real)) / (len(placebo) + 1)
    return float(pct), float(p)
