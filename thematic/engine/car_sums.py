"""Market-model CARs of single-stock calls from running sums over the panel (a million at once).

The same definitions as :mod:`thematic.engine.abnormal` (estimation returns dated
``[e - gap - window, e - gap - 1]``, a return valid when both closes exist, OLS
``r = a + b r_m``, event days ``1..h`` on forward-filled closes), computed differently: the
stacked-window kernels gather ``window + h`` returns per row, which for a million calls is
half a billion numbers; here each sum a market model needs (count, sum of ``r_m``, ``r``,
``r_m^2``, ``r_m r``) and the event-window sums are differences of running sums along each
stock's sessions, so a call costs a handful of lookups.  Columns are taken a block at a
time, which bounds the memory; within a block there is no loop over calls.

``CAR(h) = sum_{1..h} r - h a - b sum_{1..h} r_m``, with
``b = (S_xy - S_x S_y / M) / (S_xx - S_x^2 / M)`` and ``a = (S_y - b S_x) / M`` (the
closed form of the OLS fit; it agrees with the stacked kernel to rounding, ~1e-12).
"""

from __future__ import annotations

from typing import Final

import numpy as np

from thematic.constants import EST_GAP, EST_WINDOW

#: Panel columns whose running sums are held at once (7 numbers per session and column).
COLUMN_BLOCK: Final = 512


def _running(a: np.ndarray) -> np.ndarray:
    """Return running sums with a leading zero row: ``out[k] = a[:k].sum(axis=0)``."""
    flat = a.reshape(a.shape[0], -1)
    out = np.empty((a.shape[0] + 1, flat.shape[1]), dtype=np.float64)
    out[0] = 0.0
    out[1:] = flat
    # Session by session, each step one vectorised row: numpy's cumsum along axis 0 walks a
    # C-ordered block column by column and is ~5x slower.  Same additions, same order.
    for i in range(1, len(out)):
        np.add(out[i], out[i - 1], out=out[i])
    return out.reshape(a.shape[0] + 1, *a.shape[1:])


def _simple_returns(close: np.ndarray) -> np.ndarray:
    """``close[t] / close[t-1] - 1`` along axis 0; NaN at t = 0 or where a close is missing."""
    r = np.full(close.shape, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        r[1:] = close[1:] / close[:-1] - 1.0
    return r


def single_stock_cars(
    close: np.ndarray,
    close_filled: np.ndarray,
    bench_close: np.ndarray,
    cols: np.ndarray,
    entry: np.ndarray,
    horizons: np.ndarray,
    window: int = EST_WINDOW,
    gap: int = EST_GAP,
    block: int = COLUMN_BLOCK,
) -> tuple[np.ndarray, np.ndarray]:
    """Market-model CAR of each call at each horizon, and its valid estimation returns.

    Parameters
    ----------
    close, close_filled
        Raw and forward-filled closes, ``(T, N)``.
    bench_close
        Benchmark closes, ``(T,)``.
    cols, entry
        Panel column (-1: none) and entry session (``T``: none) of each call.
    horizons
        Event-window lengths.
    window, gap
        The estimation window and its gap before entry.

    Returns
    -------
    car
        ``(n, H)``; NaN where the call has no column or entry session, where the horizon
        ends after the data, or where the fit is undefined.  Whether a fit has enough
        returns is the caller's rule (``m >= min_obs``).
    m
        ``(n,)`` valid estimation returns.

    Examples
    --------
    A stock that is the market plus 1 % a day from day 1 on (its model: a = 0, b = 1 over
    the earlier days) has a CAR of 2 % over two days:

    >>> bench = 100.0 * 1.001 ** np.arange(8) * np.array([1, 1.01, 0.99, 1, 1.02, 1, 1, 1])
    >>> stock = bench.copy()
    >>> stock[6:] = stock[6:] * 1.01 ** np.arange(1, 3)
    >>> car, m = single_stock_cars(stock[:, None], stock[:, None], bench, np.array([0]),
    ...                            np.array([5]), np.array([2]), window=4, gap=0)
    >>> int(m[0]), round(float(car[0, 0]), 4)
    (4, 0.02)
    """
    t = close.shape[0]
    n = len(cols)
    h_arr = np.asarray(horizons, dtype=np.int64)
    car = np.full((n, len(h_arr)), np.nan)
    m_out = np.zeros(n, dtype=np.int64)
    rm = _simple_returns(bench_close)
    rm_ok = np.isfinite(rm)
    rm0 = np.where(rm_ok, rm, 0.0)
    run_rm, run_rm_bad = _running(rm0), _running((~rm_ok).astype(np.float64))
    ok_rows = (cols >= 0) & (entry < t)
    keys = cols[ok_rows]
    keys = keys.astype(np.int16) if close.shape[1] < 2**15 else keys  # radix sort when small
    order = np.flatnonzero(ok_rows)[np.argsort(keys, kind="stable")]
    sorted_cols = cols[order]
    for b0 in range(0, int(sorted_cols[-1]) + 1 if len(order) else 0, block):
        lo_i, hi_i = np.searchsorted(sorted_cols, [b0, b0 + block])
        if lo_i == hi_i:
            continue
        rows = order[lo_i:hi_i]
        c = cols[rows] - b0
        e = entry[rows]
        # Only the sessions these calls touch, from the day before the earliest estimation
        # return (for its return) to the last event day: s0 is running-sum row 0.
        s0 = max(int(e.min()) - gap - window - 1, 0)
        s1 = min(int(e.max()) + int(h_arr.max()) + 1, t)
        r = _simple_returns(close[s0:s1, b0 : b0 + block])
        valid = np.isfinite(r) & rm_ok[s0:s1, None]
        # One stacked array of running sums: a call's two lookups fetch all five at once.
        moments = np.empty((*r.shape, 5))
        moments[..., 0] = valid
        x, y = moments[..., 1], moments[..., 2]
        np.copyto(y, np.where(valid, r, 0.0))
        np.copyto(x, np.where(valid, rm0[s0:s1, None], 0.0))
        np.multiply(x, x, out=moments[..., 3])
        np.multiply(x, y, out=moments[..., 4])
        width = r.shape[1]
        run = _running(moments).reshape(-1, 5)  # row (session - s0) * width + column
        del r, valid, moments, x, y
        # Estimation returns dated [e - gap - window, e - gap - 1]: running-sum rows lo..hi.
        hi = np.maximum(e - gap, 0)
        lo = np.minimum(np.clip(e - gap - window, 0, None), hi)
        sums = np.take(run, (hi - s0) * width + c, axis=0)
        sums -= np.take(run, (lo - s0) * width + c, axis=0)
        del run
        m = np.rint(sums[:, 0]).astype(np.int64)
        sx, sy, sxx, sxy = sums[:, 1], sums[:, 2], sums[:, 3], sums[:, 4]
        with np.errstate(invalid="ignore", divide="ignore"):
            beta = (sxy - sx * sy / m) / (sxx - sx * sx / m)
            alpha = (sy - beta * sx) / m
        m_out[rows] = m
        rf = _simple_returns(close_filled[s0:s1, b0 : b0 + block])
        rf_ok = np.isfinite(rf)
        run_f = _running(np.stack([np.where(rf_ok, rf, 0.0), (~rf_ok).astype(np.float64)], -1))
        run_f = run_f.reshape(-1, 2)
        del rf, rf_ok
        start = np.take(run_f, (e + 1 - s0) * width + c, axis=0)
        for j, h in enumerate(h_arr):  # a few horizons
            end = e + int(h)
            last = np.minimum(end, t - 1) + 1
            window_f = np.take(run_f, (last - s0) * width + c, axis=0) - start
            bad = window_f[:, 1] + (run_rm_bad[last] - run_rm_bad[e + 1])
            sm = run_rm[last] - run_rm[e + 1]
            value = window_f[:, 0] - int(h) * alpha - beta * sm
            car[rows, j] = np.where((end < t) & (bad == 0), value, np.nan)
    return car, m_out
