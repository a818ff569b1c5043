"""Whose calls work: clustered statistics of many calls per group, pure and vectorised.

Every function takes arrays (one row per call) and integer labels and returns arrays, one
value per group; a group's statistics come from ``np.bincount`` over all calls at once, so
there is no Python loop over groups or clusters (a million calls, a hundred brokers, a few
thousand entry sessions).  Definitions (the scorecard's columns):

- ``se``: cluster-robust (CR1) standard error of a group's mean, clusters given (the entry
  sessions): with ``G`` clusters and cluster sums ``s_g`` of ``x_i - mean``,
  ``se^2 = G / (G - 1) * sum_g s_g^2 / n^2``; ``t = mean / se``; ``p`` two-sided from
  Student's t with ``G - 1`` degrees of freedom.  Defined for ``n >= 2`` and ``G >= 2``.
- ``q_bh``: Benjamini-Hochberg adjusted p-values over the groups that have a ``p``.
- shrinkage (normal-normal empirical Bayes): ``mu`` the pooled mean of all calls,
  ``tau^2 = max(0, var(group means, ddof 1) - mean(se^2))`` over the groups with an ``se``,
  ``B = tau^2 / (tau^2 + se^2)``, ``shrunk = mu + B (mean - mu)``, interval
  ``shrunk -/+ z sqrt(B se^2 + (1 - B)^2 se_mu^2)``, ``se_mu`` the CR1 standard error of
  ``mu`` over all calls (same clusters).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

#: Two-sided 95 % normal quantile, for the shrunk interval.
Z95: Final = 1.959963984540054
#: An se below this fraction of the group's range is zero up to rounding (no test).
SE_ZERO: Final = 1e-9


@dataclass(frozen=True)
class ClusteredMeans:
    """Per group: counts, mean, median, hit rate and the CR1 test of the mean."""

    n: np.ndarray  # calls with a finite value
    clusters: np.ndarray  # distinct clusters among them (G)
    mean: np.ndarray
    median: np.ndarray
    hit_rate: np.ndarray  # share of values > 0
    se: np.ndarray  # CR1; NaN when n < 2, G < 2 or se is zero (to rounding)
    t: np.ndarray
    p: np.ndarray  # two-sided, Student's t with G - 1 df


@dataclass(frozen=True)
class Clusters:
    """Calls labelled once by group and by (group, cluster) pair, for several statistics."""

    group: np.ndarray  # (n,) group of each call
    pair: np.ndarray  # (n,) its (group, cluster) pair
    pair_group: np.ndarray  # (P,) group of each pair
    n_groups: int


def label_clusters(group: np.ndarray, cluster: np.ndarray, n_groups: int) -> Clusters:
    """Label the (group, cluster) pairs of the calls (once, shared by every horizon)."""
    import pandas as pd

    g, c = group.astype(np.int64), cluster.astype(np.int64)
    stride = int(c.max()) + 1 if len(c) else 1
    pair, pairs = pd.factorize(g * stride + c, sort=False)  # hashing: no sort of a million
    return Clusters(g, pair.astype(np.int64), np.asarray(pairs) // stride, n_groups)


def _group_spread(x: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Range (max - min) of ``x`` per group (all finite); NaN for an empty group."""
    top = np.full(n_groups, -np.inf)
    bottom = np.full(n_groups, np.inf)
    np.maximum.at(top, group, x)
    np.minimum.at(bottom, group, x)
    return np.where(np.isfinite(top), top - bottom, np.nan)


def _group_medians(x: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Median of ``x`` per group (all finite; NaN for an empty group): pandas' grouped median."""
    import pandas as pd

    medians = pd.Series(x).groupby(group, sort=True).median()
    return medians.reindex(range(n_groups)).to_numpy(dtype=np.float64)


def clustered_means(
    x: np.ndarray,
    group: np.ndarray,
    cluster: np.ndarray,
    n_groups: int,
    labels: Clusters | None = None,
    medians: bool = True,
) -> ClusteredMeans:
    """Mean of ``x`` per group with its cluster-robust (CR1) standard error.

    Parameters
    ----------
    x
        One value per call; NaN where the call has none (it counts nowhere).
    group
        Group of each call, ``0 .. n_groups - 1``.
    cluster
        Cluster of each call (any non-negative integers, e.g. entry session numbers).
    n_groups
        Number of groups.
    labels
        :func:`label_clusters` of ``group`` and ``cluster``, when already made.
    medians
        Compute the medians (a sort); without, ``median`` is NaN.

    Examples
    --------
    Two groups; the first has three calls in two clusters:

    >>> r = clustered_means(np.array([0.1, 0.3, -0.1, 0.2]), np.array([0, 0, 0, 1]),
    ...                     np.array([5, 5, 7, 5]), 2)
    >>> r.n.tolist(), r.clusters.tolist(), np.round(r.mean, 4).tolist()
    ([3, 1], [2, 1], [0.1, 0.2])
    >>> round(float(r.se[0]), 6), bool(np.isnan(r.se[1]))
    (0.133333, True)
    """
    from scipy import stats

    labels = labels or label_clusters(group, cluster, n_groups)
    ok = np.isfinite(x)
    xv, gv, pv = x[ok], labels.group[ok], labels.pair[ok]
    n = np.bincount(gv, minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(gv, weights=xv, minlength=n_groups) / n
        hit = np.bincount(gv, weights=(xv > 0).astype(np.float64), minlength=n_groups) / n
    # The cluster sums of deviations from the group mean, one per (group, cluster) pair;
    # G counts the pairs with at least one value.
    n_pairs = len(labels.pair_group)
    s = np.bincount(pv, weights=xv - mean[gv], minlength=n_pairs)
    seen = (np.bincount(pv, minlength=n_pairs) > 0).astype(np.float64)
    g_count = np.rint(np.bincount(labels.pair_group, weights=seen, minlength=n_groups))
    g_count = g_count.astype(np.int64)
    ss = np.bincount(labels.pair_group, weights=s * s, minlength=n_groups)
    median = _group_medians(xv, gv, n_groups) if medians else np.full(n_groups, np.nan)
    spread = _group_spread(xv, gv, n_groups)
    defined = (n >= 2) & (g_count >= 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        var = g_count / (g_count - 1.0) * ss / (n.astype(np.float64) ** 2)
        se = np.where(defined, np.sqrt(var), np.nan)
        # Identical values (or cluster sums that cancel) give se = 0 up to rounding: a t of
        # 1e16 would be an artefact, so there is no test.
        se = np.where((spread > 0) & (se > SE_ZERO * spread), se, np.nan)
        t = mean / se
        p = 2.0 * stats.t.sf(np.abs(t), np.maximum(g_count - 1, 1))
    p = np.where(np.isfinite(t), p, np.nan)
    return ClusteredMeans(n, g_count, mean, median, hit, se, t, p)


def bh_adjust(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values over the finite entries of ``p`` (NaN stays NaN).

    Examples
    --------
    >>> bh_adjust(np.array([0.01, np.nan, 0.04, 0.03])).round(3).tolist()
    [0.03, nan, 0.04, 0.04]
    """
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    m = len(ok)
    if not m:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    ranked = p[order] * m / np.arange(1, m + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out[order] = np.minimum(q, 1.0)
    return out


@dataclass(frozen=True)
class Shrunk:
    """Empirical-Bayes shrinkage of group means towards the pooled mean."""

    mu: float  # pooled mean of all calls
    se_mu: float  # its CR1 standard error
    tau2: float  # between-group variance estimate (NaN with fewer than two groups)
    b: np.ndarray  # per group: weight on the group's own mean
    shrunk: np.ndarray
    lo: np.ndarray
    hi: np.ndarray


def shrink(
    x: np.ndarray,
    cluster: np.ndarray,
    mean: np.ndarray,
    se: np.ndarray,
    z: float = Z95,
    labels: Clusters | None = None,
) -> Shrunk:
    """Shrink each group's ``mean`` (with standard error ``se``) towards the pooled mean.

    Parameters
    ----------
    x, cluster
        Every call's value (NaN: none) and cluster, to pool ``mu`` and ``se_mu``.
    mean, se
        Per group; groups with a NaN ``se`` take no part and get NaN.
    z
        Normal quantile of the interval (95 % by default).
    labels
        ``label_clusters(zeros, cluster, 1)`` (every call in one group), when already made.

    Examples
    --------
    With no spread between groups beyond their noise, every group is shrunk to ``mu``:

    >>> s = shrink(np.array([1.0, 2.0, 3.0, 4.0]), np.arange(4), np.array([2.0, 3.0]),
    ...            np.array([5.0, 5.0]))
    >>> s.mu, s.tau2, s.shrunk.tolist()
    (2.5, 0.0, [2.5, 2.5])
    """
    one = np.zeros(len(x), np.int64)
    pooled = clustered_means(x, one, cluster, 1, labels or label_clusters(one, cluster, 1),
                             medians=False)  # fmt: skip
    mu, se_mu = float(pooled.mean[0]), float(pooled.se[0])
    use = np.isfinite(se) & np.isfinite(mean)
    nan = np.full(mean.shape, np.nan)
    if use.sum() < 2:
        return Shrunk(mu, se_mu, np.nan, nan, nan, nan.copy(), nan.copy())
    tau2 = max(0.0, float(np.var(mean[use], ddof=1) - np.mean(se[use] ** 2)))
    with np.errstate(invalid="ignore", divide="ignore"):
        b = np.where(use, tau2 / (tau2 + se**2), np.nan)
    shrunk = mu + b * (mean - mu)
    half = z * np.sqrt(b * se**2 + (1.0 - b) ** 2 * se_mu**2)
    return Shrunk(mu, se_mu, tau2, b, shrunk, shrunk - half, shrunk + half)
