"""Event-study test statistics over groups of constituents (a basket, a report, a broker).

Pure functions of arrays: one row per constituent, a group number per row, NaN where a row
has no value at this horizon.  Means and deviations are taken per group with ``bincount``
(no loop over rows); only the bootstrap and the residual correlations loop over groups.

Tests, for a group of ``n`` constituents at one horizon (``n < 2``: NaN):

- ``car_t``: the cross-sectional t of the CARs, ``mean / (sd / sqrt(n))``, sd with ddof 1;
- ``bmp_z``: Boehmer, Musumeci and Poulsen (1991): the same t on standardised CARs
  ``SCAR_i = CAR_i / S_i`` (``S_i`` the prediction-error standard deviation of the CAR);
- ``kp_z``: Kolari and Pynnönen (2010): ``bmp_z * sqrt((1 - rbar) / (1 + (n - 1) rbar))``
  with ``rbar`` the mean pairwise Pearson correlation of the estimation-window residuals
  (:func:`mean_residual_correlation`);
- ``bhar_skew_t``: Lyon, Barber and Tsai (1999), eq. 5:
  ``sqrt(n) (S + gamma S^2 / 3 + gamma / (6 n))`` with ``S = mean / sd`` and
  ``gamma = sum (x - mean)^3 / (n sd^3)`` (sd with ddof 1);
- ``bhar_boot_p``: the bootstrap p-value of ``bhar_skew_t`` (two-sided): resamples of size
  ``n`` drawn with replacement from the BHARs centred on their mean (the null imposed),
  ``p = (1 + #{|t*| >= |t|}) / (1 + B)`` over the ``B`` resamples with a defined ``t*`` (a
  resample of one value drawn ``n`` times has none).  The draws, so that they can be
  reproduced: one ``numpy.random.default_rng(seed)`` per run; horizon by horizon in the
  order given, group by group in the order of the table (the baskets' order), a group with
  a defined ``t`` draws ``rng.integers(0, n, size=(B, n))``, row ``b`` indexing resample
  ``b`` into the group's BHARs in constituent order (baskets in the order given,
  constituents in file order, a stock already in the group on the same entry day left
  out); a group with ``n < 2`` or an undefined ``t`` draws nothing; the placebo draws
  follow on the same generator;
- ``gsign_z``: Cowan (1992) generalised sign test:
  ``(w - n p) / sqrt(n p (1 - p))``, ``w`` the CARs above zero and ``p`` the mean over the
  group of each constituent's share of positive estimation-window residuals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Pairs of constituents whose estimation windows share fewer sessions are taken as
#: uncorrelated in ``rbar`` (their event windows do not overlap either).
MIN_COMMON_SESSIONS = 30


def _group_mean_sd(x: np.ndarray, group: np.ndarray, n_groups: int) -> tuple[np.ndarray, ...]:
    ok = np.isfinite(x)
    g, v = group[ok], x[ok]
    n = np.bincount(g, minlength=n_groups).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(g, weights=v, minlength=n_groups) / n
        dev = v - mean[g]
        var = np.bincount(g, weights=dev * dev, minlength=n_groups) / (n - 1)
        m3 = np.bincount(g, weights=dev**3, minlength=n_groups) / n
    return n, mean, np.sqrt(var), m3


def cross_sectional_t(x: np.ndarray, group: np.ndarray, n_groups: int) -> tuple[np.ndarray, ...]:
    """Per group: ``n``, mean and ``mean / (sd / sqrt(n))`` (NaN for ``n < 2``).

    Examples
    --------
    >>> n, mean, t = cross_sectional_t(np.array([0.01, 0.03, 0.05]), np.zeros(3, int), 1)
    >>> float(n[0]), round(float(mean[0]), 12), round(float(t[0]), 6)
    (3.0, 0.03, 2.598076)
    """
    n, mean, sd, _ = _group_mean_sd(x, group, n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(n >= 2, mean / (sd / np.sqrt(n)), np.nan)
    return n, mean, t


def skewness_adjusted_t(x: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Lyon, Barber and Tsai (1999) skewness-adjusted t per group.

    NaN for ``n < 2`` and for a group whose values are all equal: it has no dispersion, and
    the rounding of its mean would otherwise give any t at all (a bootstrap resample that
    drew one value ``n`` times is such a group).

    Examples
    --------
    >>> t = skewness_adjusted_t(np.array([0.1, 0.1, 0.1, 0.01, 0.03]), np.array([0, 0, 0, 1, 1]), 2)
    >>> bool(np.isnan(t[0])), round(float(t[1]), 6)
    (True, 2.0)
    """
    n, mean, sd, m3 = _group_mean_sd(x, group, n_groups)
    ok = np.isfinite(x)
    lo, hi = np.full(n_groups, np.inf), np.full(n_groups, -np.inf)
    np.minimum.at(lo, group[ok], x[ok])
    np.maximum.at(hi, group[ok], x[ok])
    with np.errstate(invalid="ignore", divide="ignore"):
        s = mean / sd
        gamma = m3 / sd**3
        t = np.sqrt(n) * (s + gamma * s * s / 3.0 + gamma / (6.0 * n))
    return np.where((n >= 2) & (hi > lo), t, np.nan)


def bootstrap_p(
    x: np.ndarray, group: np.ndarray, n_groups: int, resamples: int, rng: np.random.Generator
) -> np.ndarray:
    """Two-sided bootstrap p-value of the skewness-adjusted t, per group (see module)."""
    t_obs = skewness_adjusted_t(x, group, n_groups)
    out = np.full(n_groups, np.nan)
    for g in range(n_groups):
        v = x[(group == g) & np.isfinite(x)]
        n = len(v)
        if n < 2 or not np.isfinite(t_obs[g]) or resamples < 1:
            continue
        draws = (v - v.mean())[rng.integers(0, n, size=(resamples, n))]
        t_star = skewness_adjusted_t(draws.ravel(), np.repeat(np.arange(resamples), n), resamples)
        t_star = t_star[np.isfinite(t_star)]
        out[g] = (1 + np.count_nonzero(np.abs(t_star) >= abs(t_obs[g]))) / (1 + len(t_star))
    return out


def generalized_sign_z(
    car: np.ndarray, positive_share: np.ndarray, group: np.ndarray, n_groups: int
) -> np.ndarray:
    """Cowan (1992) generalised sign test per group (NaN for ``n < 2``)."""
    ok = np.isfinite(car) & np.isfinite(positive_share)
    g = group[ok]
    n = np.bincount(g, minlength=n_groups).astype(np.float64)
    w = np.bincount(g, weights=(car[ok] > 0).astype(np.float64), minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.bincount(g, weights=positive_share[ok], minlength=n_groups) / n
        z = (w - n * p) / np.sqrt(n * p * (1.0 - p))
    return np.where(n >= 2, z, np.nan)


def mean_residual_correlation(
    residuals: np.ndarray,
    sessions: np.ndarray,
    rows: np.ndarray,
    min_common: int = MIN_COMMON_SESSIONS,
) -> float:
    """Mean pairwise Pearson correlation of the residuals of ``rows``, on common sessions.

    Residuals are aligned on calendar sessions, so constituents with different event dates
    are compared where their estimation windows overlap (pairwise-complete).  A pair sharing
    fewer than ``min_common`` sessions counts as uncorrelated (0): its event
    windows do not overlap either, which is how Kolari and Pynnönen's adjustment is applied
    to events on different dates.  NaN for fewer than two rows.

    Examples
    --------
    Two residual series, perfectly correlated on the sessions they share:

    >>> res = np.array([[0.01, -0.02, 0.03, np.nan], [0.02, -0.04, 0.06, 0.01]])
    >>> ses = np.array([[0, 1, 2, 3], [0, 1, 2, 3]])
    >>> round(mean_residual_correlation(res, ses, np.array([0, 1]), min_common=3), 12)
    1.0
    """
    if len(rows) < 2:
        return float("nan")
    ses = sessions[rows]
    lo = int(ses.min())
    wide = np.full((int(ses.max()) - lo + 1, len(rows)), np.nan)
    for j, r in enumerate(rows):  # one column per constituent of one group
        wide[sessions[r] - lo, j] = residuals[r]
    corr = pd.DataFrame(wide).corr(min_periods=min_common).to_numpy()
    off = ~np.eye(len(rows), dtype=bool)
    return float(np.nan_to_num(corr[off], nan=0.0).mean())


def kp_factor(rbar: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Kolari-Pynnönen factor ``sqrt((1 - rbar) / (1 + (n - 1) rbar))``.

    Examples
    --------
    >>> float(kp_factor(np.array([0.0]), np.array([5.0]))[0])
    1.0
    >>> round(float(kp_factor(np.array([0.1]), np.array([5.0]))[0]), 6)
    0.801784
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        result: np.ndarray = np.sqrt((1.0 - rbar) / (1.0 + (n - 1.0) * rbar))
    return result


@dataclass(frozen=True)
class GroupTests:
    """The test statistics of every group at one horizon."""

    n: np.ndarray
    mean_car: np.ndarray
    car_t: np.ndarray
    bmp_z: np.ndarray
    kp_z: np.ndarray
    mean_car_ma: np.ndarray
    mean_bhar: np.ndarray
    bhar_skew_t: np.ndarray
    bhar_boot_p: np.ndarray
    gsign_z: np.ndarray


def group_tests(
    car: np.ndarray,
    car_sd: np.ndarray,
    car_ma: np.ndarray,
    bhar: np.ndarray,
    positive_share: np.ndarray,
    group: np.ndarray,
    n_groups: int,
    rbar: np.ndarray,
    resamples: int,
    rng: np.random.Generator,
) -> GroupTests:
    """Every test of the module for each group at one horizon (rows with NaN CAR left out)."""
    n, mean_car, car_t = cross_sectional_t(car, group, n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        scar = car / car_sd
    _, _, bmp = cross_sectional_t(scar, group, n_groups)
    kp = bmp * kp_factor(rbar, n)
    _, mean_ma, _ = cross_sectional_t(np.where(np.isfinite(car), car_ma, np.nan), group, n_groups)
    b = np.where(np.isfinite(car), bhar, np.nan)
    _, mean_bhar, _ = cross_sectional_t(b, group, n_groups)
    return GroupTests(
        n=n,
        mean_car=mean_car,
        car_t=car_t,
        bmp_z=bmp,
        kp_z=kp,
        mean_car_ma=mean_ma,
        mean_bhar=mean_bhar,
        bhar_skew_t=skewness_adjusted_t(b, group, n_groups),
        bhar_boot_p=bootstrap_p(b, group, n_groups, resamples, rng),
        gsign_z=generalized_sign_z(car, positive_share, group, n_groups),
    )
