"""Market-model abnormal returns: estimation and event windows gathered as stacked arrays.

Pure array kernels (no pandas in the hot path, no file, no loop over constituents): every
constituent row gets its own estimation window and event window, gathered in one 2-D fancy
index from the panel, and its market model is solved in closed form over the stacked rows.

Definitions (``e`` = entry session, the first session strictly after publication):

- returns are simple close-to-close over consecutive sessions of the panel's calendar;
- estimation window: the returns dated ``[e - gap - window, e - gap - 1]`` (defaults 250
  returns ending 20 sessions before entry, i.e. ``[e-270, e-21]``); a return is valid when
  both closes exist (a suspension leaves a gap, never a multi-day return);
- market model by OLS on the valid pairs: ``r_i = a + b r_m``; ``s^2 = SSR / (M - 2)``;
- event window ``[1, h]``: day 1 is session ``e + 1`` (from the entry close to the next
  close).  A stock without a bar on a day is valued at its last close (return 0 that day,
  the catch-up on its return), as in the evaluation engine;
- ``AR = r - (a + b r_m)``, ``CAR(h) = sum_{1..h} AR``, market-adjusted
  ``CAR_ma(h) = sum_{1..h} (r - r_m)``, ``BHAR(h) = prod(1 + r) - prod(1 + r_m)``;
- the prediction-error variance of a CAR over ``h`` days (Campbell, Lo and MacKinlay 1997,
  eq. 4.4.14 summed over the window):
  ``S^2 = s^2 [h + h^2/M + (sum_{1..h}(r_mt - mean_est r_m))^2 / sum_est (r_mt - mean_est r_m)^2]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from thematic.constants import EST_GAP, EST_WINDOW


@dataclass(frozen=True)
class MarketModel:
    """Per constituent row: the fitted market model and its estimation-window data."""

    alpha: np.ndarray  # (n,)
    beta: np.ndarray  # (n,)
    s2: np.ndarray  # (n,) residual variance, SSR / (M - 2)
    m: np.ndarray  # (n,) valid estimation returns
    mkt_mean: np.ndarray  # (n,) mean market return over the valid estimation returns
    mkt_ss: np.ndarray  # (n,) sum of squared market deviations over them
    residuals: np.ndarray  # (n, L) estimation residuals, NaN where not valid
    est_sessions: np.ndarray  # (n, L) session of each estimation return


def _returns(close: np.ndarray, sessions: np.ndarray, cols: np.ndarray | None) -> np.ndarray:
    """Return the simple returns dated at ``sessions`` (``close[t] / close[t-1] - 1``)."""
    t = close.shape[0]
    ok = (sessions >= 1) & (sessions < t)
    s = np.clip(sessions, 1, t - 1)
    if cols is None:
        now, before = close[s], close[s - 1]
    else:
        c = np.broadcast_to(cols[:, None], s.shape)
        now, before = close[s, c], close[s - 1, c]
    with np.errstate(invalid="ignore", divide="ignore"):
        r = now / before - 1.0
    return np.where(ok, r, np.nan)


def estimation_window(
    entry: np.ndarray, window: int = EST_WINDOW, gap: int = EST_GAP
) -> np.ndarray:
    """Return the sessions of each row's estimation returns, ``(n, window)``.

    They run ``[e - gap - window, e - gap - 1]``: with the defaults ``[e-270, e-21]``.

    Examples
    --------
    >>> estimation_window(np.array([300]), window=3, gap=20)
    array([[277, 278, 279]])
    """
    last = entry - gap - 1
    return last[:, None] - window + 1 + np.arange(window)[None, :]


def fit_market_model(
    close: np.ndarray,
    bench_close: np.ndarray,
    cols: np.ndarray,
    entry: np.ndarray,
    window: int = EST_WINDOW,
    gap: int = EST_GAP,
) -> MarketModel:
    """Fit ``r_i = a + b r_m`` by OLS for every row, in closed form over stacked windows.

    Parameters
    ----------
    close
        Raw (not forward-filled) closes, ``(T, N)``: a missing close invalidates the returns
        on both sides of it.
    bench_close
        Benchmark closes, ``(T,)``.
    cols, entry
        Panel column and entry session of each row.
    """
    sessions = estimation_window(entry, window, gap)
    y = _returns(close, sessions, cols)
    x = _returns(bench_close, sessions, None)
    valid = np.isfinite(y) & np.isfinite(x)
    m = valid.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        xm = np.where(valid, x, 0.0).sum(axis=1) / m
        ym = np.where(valid, y, 0.0).sum(axis=1) / m
        dx = np.where(valid, x - xm[:, None], 0.0)
        dy = np.where(valid, y - ym[:, None], 0.0)
        sxx = (dx * dx).sum(axis=1)
        beta = (dx * dy).sum(axis=1) / sxx
        alpha = ym - beta * xm
        resid = np.where(valid, y - alpha[:, None] - beta[:, None] * x, np.nan)
        s2 = np.nansum(resid * resid, axis=1) / (m - 2)
    return MarketModel(alpha, beta, s2, m, xm, sxx, resid, sessions)


@dataclass(frozen=True)
class EventWindow:
    """Per row and event day 1..H: stock and market returns, from the entry close."""

    r: np.ndarray  # (n, H) stock returns (last close carried over days without a bar)
    rm: np.ndarray  # (n, H) market returns
    in_data: np.ndarray  # (n, H) bool: the day exists in the panel


def event_window(
    close_filled: np.ndarray, bench_close: np.ndarray, cols: np.ndarray, entry: np.ndarray, h: int
) -> EventWindow:
    """Gather the returns of days ``1..h`` after each row's entry session."""
    t = close_filled.shape[0]
    sessions = entry[:, None] + np.arange(1, h + 1)[None, :]
    in_data = sessions < t
    r = _returns(close_filled, sessions, cols)
    rm = _returns(bench_close, sessions, None)
    return EventWindow(np.where(in_data, r, np.nan), np.where(in_data, rm, np.nan), in_data)


@dataclass(frozen=True)
class AbnormalReturns:
    """Per row at each requested horizon (columns in the order of ``horizons``)."""

    car: np.ndarray  # market-model CAR
    car_ma: np.ndarray  # market-adjusted CAR
    bhar: np.ndarray  # buy-and-hold abnormal return against the market
    car_sd: np.ndarray  # S, the prediction-error standard deviation of the CAR
    ar: np.ndarray  # (n, H) daily market-model abnormal returns


def abnormal_returns(model: MarketModel, ev: EventWindow, horizons: np.ndarray) -> AbnormalReturns:
    """CAR, market-adjusted CAR, BHAR and the CAR's standard deviation at ``horizons``.

    Examples
    --------
    A stock with ``a = 0``, ``b = 1`` has its market-model CAR equal to its market-adjusted
    CAR:

    >>> mm = MarketModel(np.zeros(1), np.ones(1), np.ones(1), np.array([100]),
    ...                  np.zeros(1), np.ones(1), np.zeros((1, 1)), np.zeros((1, 1), int))
    >>> ew = EventWindow(np.array([[0.02, -0.01]]), np.array([[0.01, 0.01]]), np.ones((1, 2), bool))
    >>> out = abnormal_returns(mm, ew, np.array([2]))
    >>> float(out.car[0, 0]) == float(out.car_ma[0, 0])
    True
    """
    k = horizons - 1
    ar = ev.r - model.alpha[:, None] - model.beta[:, None] * ev.rm
    car = np.cumsum(ar, axis=1)[:, k]
    car_ma = np.cumsum(ev.r - ev.rm, axis=1)[:, k]
    bhar = (np.cumprod(1.0 + ev.r, axis=1) - np.cumprod(1.0 + ev.rm, axis=1))[:, k]
    dev = np.cumsum(ev.rm - model.mkt_mean[:, None], axis=1)[:, k]
    hh = horizons[None, :].astype(np.float64)
    m = model.m[:, None].astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        var = model.s2[:, None] * (hh + hh * hh / m + dev * dev / model.mkt_ss[:, None])
    return AbnormalReturns(car, car_ma, bhar, np.sqrt(var), ar)
