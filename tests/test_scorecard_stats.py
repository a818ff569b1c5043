"""The scorecard's statistics against hand-worked numbers, statsmodels and properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from thematic.stats.scorecard import bh_adjust, clustered_means, shrink


def test_hand_worked_two_groups() -> None:
    # Group 0: x = 0.10, 0.30, -0.10 on sessions 5, 5, 7; mean 0.10.
    # Cluster sums of deviations: session 5: 0.00 + 0.20 = 0.20; session 7: -0.20.
    # se^2 = G/(G-1) * (0.04 + 0.04) / n^2 = 2 * 0.08 / 9 = 0.0177777...
    # t = 0.1 / 0.1333333 = 0.75, p = 2 * P(T_1 > 0.75) = 1 - 2 atan(0.75) / pi (Cauchy).
    # Group 1: one call (0.2): no se.  Group 2: 0.05, 0.05 in two sessions: se 0 -> no test.
    x = np.array([0.10, 0.30, -0.10, 0.20, 0.05, 0.05])
    g = np.array([0, 0, 0, 1, 2, 2])
    c = np.array([5, 5, 7, 5, 1, 2])
    r = clustered_means(x, g, c, 3)
    assert r.n.tolist() == [3, 1, 2]
    assert r.clusters.tolist() == [2, 1, 2]
    assert r.mean == pytest.approx([0.1, 0.2, 0.05])
    assert r.median == pytest.approx([0.1, 0.2, 0.05])
    assert r.hit_rate == pytest.approx([2 / 3, 1.0, 1.0])
    assert r.se[0] == pytest.approx(math.sqrt(2 * 0.08 / 9), abs=1e-12)
    assert r.t[0] == pytest.approx(0.75)
    assert r.p[0] == pytest.approx(1 - 2 * math.atan(0.75) / math.pi, abs=1e-12)
    assert np.isnan(r.se[1]) and np.isnan(r.p[1])
    assert np.isnan(r.se[2]) and np.isnan(r.t[2])


def test_missing_values_count_nowhere() -> None:
    x = np.array([np.nan, 1.0, 3.0, np.nan])
    r = clustered_means(x, np.zeros(4, int), np.array([9, 1, 2, 3]), 1)
    assert r.n.tolist() == [2] and r.clusters.tolist() == [2]
    assert r.mean[0] == 2.0 and r.median[0] == 2.0
    # Each call its own cluster: CR1 equals the classical s / sqrt(n) (s^2 = 2, n = 2).
    assert r.se[0] == pytest.approx(1.0)


@pytest.mark.parametrize("x", [np.array([]), np.array([np.nan, np.nan])], ids=["empty", "nan"])
def test_no_values(x: np.ndarray) -> None:
    r = clustered_means(x, np.zeros(len(x), int), np.zeros(len(x), int), 1)
    assert r.n.tolist() == [0] and r.clusters.tolist() == [0]
    assert np.isnan(r.mean[0]) and np.isnan(r.median[0]) and np.isnan(r.se[0])


def test_se_and_p_match_statsmodels_cluster_ols() -> None:
    import statsmodels.api as sm

    rng = np.random.default_rng(7)
    n = 400
    clusters = rng.integers(0, 37, n)
    x = rng.normal(0.01, 0.05, n) + 0.03 * rng.normal(size=37)[clusters]
    fit = sm.OLS(x, np.ones(n)).fit(cov_type="cluster", cov_kwds={"groups": clusters}, use_t=True)
    r = clustered_means(x, np.zeros(n, int), clusters * 3 + 11, 1)  # labels are arbitrary
    assert r.se[0] == pytest.approx(float(fit.bse[0]), rel=1e-10)
    assert r.t[0] == pytest.approx(float(fit.tvalues[0]), rel=1e-10)
    assert r.p[0] == pytest.approx(float(fit.pvalues[0]), rel=1e-8)  # t with G - 1 df
    assert r.clusters[0] == len(np.unique(clusters))


def test_bh_matches_statsmodels() -> None:
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(3)
    p = rng.uniform(0, 0.2, 40) ** 2
    p[[3, 17]] = np.nan
    q = bh_adjust(p)
    ok = np.isfinite(p)
    expected = multipletests(p[ok], method="fdr_bh")[1]
    assert q[ok] == pytest.approx(expected, rel=1e-12)
    assert np.isnan(q[~ok]).all()


def test_shrinkage_by_hand() -> None:
    # Calls: 0.1, 0.2 (cluster 0), 0.3 (1), 0.6 (2), 0.8 (3): mu = 2.0 / 5 = 0.4.
    # se_mu: deviations -0.3, -0.2 | -0.1 | 0.2 | 0.4; cluster sums -0.5, -0.1, 0.2, 0.4;
    # se_mu^2 = 4/3 * (0.25 + 0.01 + 0.04 + 0.16) / 25 = 4/3 * 0.46 / 25.
    x = np.array([0.1, 0.2, 0.3, 0.6, 0.8])
    cl = np.array([0, 0, 1, 2, 3])
    mean, se = np.array([0.15, 0.7, 0.5]), np.array([0.05, 0.1, np.nan])
    s = shrink(x, cl, mean, se)
    se_mu2 = 4 / 3 * 0.46 / 25
    # Groups with an se: means 0.15, 0.7: var (ddof 1) = 0.15125; mean se^2 = 0.00625.
    tau2 = 0.15125 - 0.00625
    b = np.array([tau2 / (tau2 + 0.0025), tau2 / (tau2 + 0.01)])
    shrunk = 0.4 + b * (mean[:2] - 0.4)
    half = 1.959963984540054 * np.sqrt(b * se[:2] ** 2 + (1 - b) ** 2 * se_mu2)
    assert s.mu == pytest.approx(0.4) and s.se_mu == pytest.approx(math.sqrt(se_mu2))
    assert s.tau2 == pytest.approx(tau2)
    assert s.shrunk[:2] == pytest.approx(shrunk) and np.isnan(s.shrunk[2])
    assert s.lo[:2] == pytest.approx(shrunk - half) and s.hi[:2] == pytest.approx(shrunk + half)


def test_shrinkage_needs_two_groups() -> None:
    s = shrink(np.array([1.0, 2.0]), np.array([0, 1]), np.array([1.5]), np.array([0.5]))
    assert s.mu == 1.5 and np.isnan(s.tau2) and np.isnan(s.shrunk).all()


def test_a_lucky_small_group_is_pulled_in() -> None:
    # Three lucky calls (huge mean, huge se) against two well-measured groups.
    mean, se = np.array([0.50, 0.02, 0.04]), np.array([0.30, 0.01, 0.01])
    s = shrink(np.array([0.0, 0.05, 0.02, 0.04]), np.arange(4), mean, se)
    assert s.b[0] < s.b[1] and s.b[0] < s.b[2]
    assert s.shrunk[0] < mean[0]


# Returns to a millionth: a spread of 1e-157 would vanish under a shift (rounding, not a bug).
values = st.lists(
    st.floats(-0.9, 3.0, allow_nan=False).map(lambda v: round(v, 6)), min_size=2, max_size=40
)


@settings(max_examples=60, deadline=None)
@given(values, st.integers(0, 2**31 - 1), st.floats(-1.0, 1.0))
def test_properties(xs: list[float], seed: int, shift: float) -> None:
    rng = np.random.default_rng(seed)
    x = np.array(xs)
    n = len(x)
    g = rng.integers(0, 3, n)
    c = rng.integers(0, 5, n)
    before = (x.copy(), g.copy(), c.copy())
    r = clustered_means(x, g, c, 3)
    assert np.array_equal(x, before[0]) and np.array_equal(g, before[1])  # inputs untouched
    # Order of the calls does not matter.
    perm = rng.permutation(n)
    rp = clustered_means(x[perm], g[perm], c[perm], 3)
    np.testing.assert_allclose(rp.mean, r.mean, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(rp.se, r.se, rtol=1e-9, atol=1e-15)
    np.testing.assert_array_equal(rp.median, r.median)
    # A shift moves mean and median, not the standard error.
    rs = clustered_means(x + shift, g, c, 3)
    np.testing.assert_allclose(rs.mean, r.mean + shift, atol=1e-12)
    np.testing.assert_allclose(rs.median, r.median + shift, atol=1e-12)
    np.testing.assert_allclose(rs.se, r.se, rtol=1e-6, atol=1e-9)
    # Medians and means agree with numpy per group; each call its own cluster: CR1 = s/sqrt(n).
    own = clustered_means(x, g, np.arange(n), 3)
    for k in range(3):
        xk = x[g == k]
        if len(xk):
            assert own.mean[k] == pytest.approx(np.mean(xk), abs=1e-12)
            assert own.median[k] == pytest.approx(np.median(xk), abs=1e-12)
        if len(xk) >= 2 and np.std(xk) > 1e-9:
            assert own.se[k] == pytest.approx(sps.sem(xk), rel=1e-9)
    # q >= p, and within [0, 1].
    q = bh_adjust(r.p)
    ok = np.isfinite(r.p)
    assert (q[ok] >= r.p[ok] - 1e-15).all() and (q[ok] <= 1).all()


def test_identical_values_have_no_test_even_after_rounding() -> None:
    # 0.472656 + 0.5 three times: the mean rounds so that the deviations are 1e-16, not 0; the
    # previous kernel reported se = 7.9e-17 and t = 1.2e16 for this flat group.
    x = np.array([0.472656, 0.472656, 0.472656, 0.0]) + 0.5
    r = clustered_means(x, np.array([0, 0, 0, 1]), np.array([0, 1, 2, 0]), 2)
    assert np.isnan(r.se[0]) and np.isnan(r.t[0]) and np.isnan(r.p[0])
