"""Event-study statistics, each checked against something computed independently.

Synthetic prices here are built inside the tests from returns written out or drawn from a
seeded generator; they are never presented as market data.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from tests.helpers import IGNORE, examples, make_panel
from thematic.engine import evaluate_events
from thematic.engine.abnormal import (
    abnormal_returns,
    event_window,
    fit_market_model,
)
from thematic.stats import placebo, significance


def closes_from_returns(returns: np.ndarray, start: float = 10.0) -> np.ndarray:
    """Closes whose consecutive returns are exactly ``returns`` (first close ``start``)."""
    return start * np.concatenate([[1.0], np.cumprod(1.0 + np.asarray(returns))])


# -- the market model and abnormal returns, worked by hand -----------------------------------
def test_one_stock_worked_by_hand() -> None:
    # Estimation: 4 returns (window=4, gap=0), event window h = 2.  Sessions 0..7; entry e=5
    # so the estimation returns are dated 1..4 and the event days are 6 and 7.
    x = [0.01, -0.01, 0.02, 0.00]  # market, estimation
    y = [0.03, -0.01, 0.03, 0.01]  # stock, estimation
    xm, ym = [0.01, 0.01, 0.02], [0.00, 0.03, 0.00]  # session 5 (entry), days 1 and 2
    bench = closes_from_returns([*x, xm[0], xm[1], xm[2]], 100.0)
    stock = closes_from_returns([*y, ym[0], ym[1], ym[2]])
    model = fit_market_model(stock[:, None], bench, np.array([0]), np.array([5]), window=4, gap=0)
    # mean x = 0.005, dx = (.005, -.015, .015, -.005), Sxx = .0005;
    # mean y = 0.015, dy = (.015, -.025, .015, -.005), Sxy = .0007  ->  b = 1.4,
    # a = .015 - 1.4 * .005 = .008; fitted (.022, -.006, .036, .008);
    # residuals (.008, -.004, -.006, .002), SSR = .00012, s2 = .00012 / (4 - 2) = .00006.
    assert model.beta[0] == pytest.approx(1.4, abs=1e-12)
    assert model.alpha[0] == pytest.approx(0.008, abs=1e-12)
    assert model.s2[0] == pytest.approx(0.00006, abs=1e-15)
    assert model.m[0] == 4
    ew = event_window(stock[:, None], bench, np.array([0]), np.array([5]), 2)
    ab = abnormal_returns(model, ew, np.array([1, 2]))
    # Day 1: r = .03, rm = .01: AR = .03 - (.008 + 1.4 * .01) = .008.
    # Day 2: r = 0, rm = .02: AR = 0 - (.008 + .028) = -.036.  CAR(2) = -.028.
    np.testing.assert_allclose(ab.car[0], [0.008, -0.028], atol=1e-12)
    # Market-adjusted: (.03 - .01) + (0 - .02) = 0.  BHAR: 1.03 * 1.00 - 1.01 * 1.02 = -.0002.
    np.testing.assert_allclose(ab.car_ma[0], [0.02, 0.0], atol=1e-12)
    np.testing.assert_allclose(ab.bhar[0], [0.02, -0.0002], atol=1e-12)
    # S^2(2) = s2 [h + h^2/M + (sum (rm - mean_est))^2 / Sxx]
    #        = .00006 [2 + 4/4 + (.005 + .015)^2 / .0005] = .00006 * 3.8 = .000228.
    assert ab.car_sd[0, 1] ** 2 == pytest.approx(0.000228, abs=1e-15)
    # S^2(1) = .00006 [1 + 1/4 + .005^2 / .0005] = .00006 * 1.3 = .000078.
    assert ab.car_sd[0, 0] ** 2 == pytest.approx(0.000078, abs=1e-15)


def test_market_model_matches_statsmodels_with_gaps() -> None:
    rng = np.random.default_rng(7)
    t, n = 400, 5
    rm = rng.normal(0.0005, 0.012, t - 1)
    betas = np.array([0.5, 0.9, 1.2, 1.6, 2.0])
    rs = 0.0003 + betas[None, :] * rm[:, None] + rng.normal(0, 0.02, (t - 1, n))
    bench = closes_from_returns(rm, 3000.0)
    close = np.column_stack([closes_from_returns(rs[:, j]) for j in range(n)])
    close[200:204, 1] = np.nan  # a suspension: no return across it
    close[150, 3] = np.nan
    entry = np.array([380, 380, 350, 380, 300])
    cols = np.arange(n)
    model = fit_market_model(close, bench, cols, entry, window=250, gap=20)
    for j in range(n):
        sessions = np.arange(entry[j] - 270, entry[j] - 20)
        s_close = pd.Series(close[:, j])
        y = (s_close / s_close.shift(1) - 1.0).to_numpy()[sessions]
        b = pd.Series(bench)
        x = (b / b.shift(1) - 1.0).to_numpy()[sessions]
        ok = np.isfinite(y) & np.isfinite(x)
        fit = sm.OLS(y[ok], sm.add_constant(x[ok])).fit()
        assert model.m[j] == ok.sum() == fit.nobs
        assert model.alpha[j] == pytest.approx(fit.params[0], rel=1e-10, abs=1e-14)
        assert model.beta[j] == pytest.approx(fit.params[1], rel=1e-10)
        assert model.s2[j] == pytest.approx(fit.scale, rel=1e-10)  # SSR / (M - 2)
    assert model.m[1] == 250 - 5  # four missing closes spoil five returns
    assert model.m[3] == 250 - 2


# -- the tests, against scipy and hand arithmetic --------------------------------------------
def test_three_stock_tests_by_hand() -> None:
    # CARs .02, .04, .09; their S .01, .02, .03; positive shares of estimation residuals
    # .5, .4, .6.  One group.
    car = np.array([0.02, 0.04, 0.09])
    sd = np.array([0.01, 0.02, 0.03])
    g = np.zeros(3, dtype=int)
    # car_t: mean .05, deviations -.03 -.01 .04, var = (.0009+.0001+.0016)/2 = .0013,
    # t = .05 / sqrt(.0013/3) = 2.40192...
    _, mean, t = significance.cross_sectional_t(car, g, 1)
    assert mean[0] == pytest.approx(0.05, abs=1e-15)
    assert t[0] == pytest.approx(0.05 / math.sqrt(0.0013 / 3), rel=1e-12)
    assert t[0] == pytest.approx(sps.ttest_1samp(car, 0.0).statistic, rel=1e-12)
    # BMP: SCAR = 2, 2, 3; mean 7/3; deviations -1/3 -1/3 2/3; var = (1/9+1/9+4/9)/2 = 1/3;
    # z = (7/3) / sqrt((1/3)/3) = 7.
    _, _, bmp = significance.cross_sectional_t(car / sd, g, 1)
    assert bmp[0] == pytest.approx(7.0, rel=1e-12)
    # Generalised sign: w = 3 positive CARs, p = (.5+.4+.6)/3 = .5, z = (3 - 1.5)/sqrt(.75).
    z = significance.generalized_sign_z(car, np.array([0.5, 0.4, 0.6]), g, 1)
    assert z[0] == pytest.approx(1.5 / math.sqrt(0.75), rel=1e-12)
    # KP with rbar = .1 and n = 3: factor sqrt(.9 / 1.2) = sqrt(.75).
    assert significance.kp_factor(np.array([0.1]), np.array([3.0]))[0] == pytest.approx(
        math.sqrt(0.75), rel=1e-12
    )


def test_skewness_adjusted_t_against_scipy_skew() -> None:
    x = np.array([0.10, -0.05, 0.30, 0.02, 0.07, -0.12, 0.55])
    n = len(x)
    s = x.mean() / x.std(ddof=1)
    # gamma = sum (x - mean)^3 / (n sd^3) with sd ddof 1; scipy's biased skew uses the ddof-0
    # deviation, so gamma = skew_b * ((n - 1) / n) ** 1.5.
    gamma = sps.skew(x, bias=True) * ((n - 1) / n) ** 1.5
    want = math.sqrt(n) * (s + gamma * s * s / 3 + gamma / (6 * n))
    got = significance.skewness_adjusted_t(x, np.zeros(n, dtype=int), 1)[0]
    assert got == pytest.approx(want, rel=1e-12)
    # With no skew the adjustment vanishes: the plain t.
    sym = np.array([-0.02, 0.01, 0.04])
    t_plain = sps.ttest_1samp(sym, 0.0).statistic
    assert significance.skewness_adjusted_t(sym, np.zeros(3, int), 1)[0] == pytest.approx(t_plain)


def test_bootstrap_p_is_seeded_and_sensible() -> None:
    g = np.zeros(8, dtype=int)
    strong = np.array([0.10, 0.12, 0.09, 0.11, 0.13, 0.10, 0.12, 0.11])
    centred = strong - strong.mean()
    p1 = significance.bootstrap_p(strong, g, 1, 999, np.random.default_rng(1))
    p2 = significance.bootstrap_p(strong, g, 1, 999, np.random.default_rng(1))
    assert p1[0] == p2[0]
    assert p1[0] < 0.01  # every resample of the centred data has |t*| far below t
    assert p1[0] >= 1 / 1000  # never zero: (1 + count) / (1 + B)
    p0 = significance.bootstrap_p(centred + 1e-4, g, 1, 999, np.random.default_rng(1))
    assert p0[0] > 0.5


def test_a_sample_without_dispersion_has_no_t() -> None:
    # Three equal values: sd is 0 in exact arithmetic, but the rounded mean (0.1 * 3 / 3 is
    # 0.10000000000000002) left a sd of 1e-17 and a t of -1e31 before.
    g = np.zeros(3, dtype=int)
    assert np.isnan(significance.skewness_adjusted_t(np.full(3, 0.1), g, 1)[0])


def test_bootstrap_p_counts_only_resamples_with_a_t() -> None:
    # Three values: one resample in nine draws a single value three times and has no t*.
    # Expected p written from the definition, resample by resample, with scipy's skewness.
    x = np.array([0.2, 0.3, 0.1])  # centred, 0.1 drawn three times used to give t* = -1e31
    n, b = 3, 999

    def lbt(v: np.ndarray) -> float:
        sd = v.std(ddof=1)
        s = v.mean() / sd
        gamma = sps.skew(v, bias=True) * ((n - 1) / n) ** 1.5
        return math.sqrt(n) * (s + gamma * s * s / 3 + gamma / (6 * n))

    t = lbt(x)
    centred = x - x.mean()
    draws = np.random.default_rng(5).integers(0, n, size=(b, n))
    t_star = [lbt(centred[d]) for d in draws if len(set(d.tolist())) > 1]
    assert 0 < b - len(t_star) < b  # some resamples are flat, most are not
    want = (1 + sum(abs(ts) >= abs(t) for ts in t_star)) / (1 + len(t_star))
    got = significance.bootstrap_p(x, np.zeros(n, dtype=int), 1, b, np.random.default_rng(5))
    assert got[0] == pytest.approx(want, rel=1e-12)


def test_kp_rbar_against_a_direct_correlation_matrix() -> None:
    rng = np.random.default_rng(3)
    common = rng.normal(0, 0.01, 250)
    res = np.array([common + rng.normal(0, 0.01, 250) for _ in range(4)])
    res[2, :10] = np.nan  # pairwise-complete
    sessions = np.tile(np.arange(250), (4, 1))
    got = significance.mean_residual_correlation(res, sessions, np.arange(4))
    pairs = []
    for i in range(4):
        for j in range(i + 1, 4):
            ok = np.isfinite(res[i]) & np.isfinite(res[j])
            pairs.append(np.corrcoef(res[i, ok], res[j, ok])[0, 1])
    assert got == pytest.approx(np.mean(pairs), rel=1e-12)
    # Different event dates: windows that do not overlap count as uncorrelated.
    shifted = sessions.copy()
    shifted[3] += 1000
    got2 = significance.mean_residual_correlation(res, shifted, np.arange(4))
    assert got2 == pytest.approx((sum(pairs[:2]) + pairs[3]) / 6, rel=1e-12)


def test_kp_rbar_of_two_and_of_a_short_overlap() -> None:
    # Two constituents: their one correlation. Shifted to share 20 sessions (fewer than the
    # 30 required) the pair counts as 0, although 20 sessions would give a correlation.
    rng = np.random.default_rng(9)
    common = rng.normal(0, 0.01, 100)
    res = np.array([common + rng.normal(0, 0.005, 100), common + rng.normal(0, 0.005, 100)])
    sessions = np.tile(np.arange(100), (2, 1))
    want = np.corrcoef(res[0], res[1])[0, 1]
    got = significance.mean_residual_correlation(res, sessions, np.array([0, 1]))
    assert got == pytest.approx(want, rel=1e-12)
    sessions[1] += 80  # sessions 80..99 of the first meet 0..19 of the second
    assert significance.mean_residual_correlation(res, sessions, np.array([0, 1])) == 0.0
    assert np.isnan(significance.mean_residual_correlation(res, sessions, np.array([0])))


def test_degenerate_groups_give_nan_or_inf_without_a_warning() -> None:
    # Runs under -W error: a group of one (no sd), equal values (sd 0), a constituent
    # whose CAR has no variance (S = 0): the tests say NaN or inf, and warn nothing.
    group = np.array([0, 1, 1])
    n, _, t = significance.cross_sectional_t(np.array([0.02, 0.5, 0.5]), group, 2)
    assert n.tolist() == [1.0, 2.0] and np.isnan(t[0]) and np.isinf(t[1])
    out = significance.group_tests(
        car=np.array([0.0, 0.01, 0.02, 0.03]), car_sd=np.array([0.0, 0.0, 0.01, 0.01]),
        car_ma=np.zeros(4), bhar=np.array([0.0, 0.01, 0.02, 0.03]),
        positive_share=np.full(4, 0.5), group=np.array([0, 0, 1, 1]), n_groups=2,
        rbar=np.zeros(2), resamples=10, rng=np.random.default_rng(0),
    )  # fmt: skip
    assert np.isnan(out.bmp_z[0])  # 0 / 0 and 0.01 / 0: no standardised CAR to test
    assert np.isfinite(out.bmp_z[1])


# -- properties ----------------------------------------------------------------------------------
@settings(max_examples=examples(30), deadline=None)
@given(st.lists(st.floats(-0.05, 0.05), min_size=3, max_size=3),
       st.lists(st.floats(-0.05, 0.05), min_size=3, max_size=3))  # fmt: skip
def test_beta_one_alpha_zero_gives_the_market_adjusted_car(
    ev_stock: list[float], ev_market: list[float]
) -> None:
    rng = np.random.default_rng(0)
    est = rng.normal(0, 0.01, 30)
    # The stock equals the market in the estimation window: a = 0, b = 1 exactly.
    bench = closes_from_returns([*est, 0.0, *ev_market], 100.0)
    stock = closes_from_returns([*est, 0.0, *ev_stock], 100.0)
    model = fit_market_model(stock[:, None], bench, np.array([0]), np.array([31]), 30, 0)
    assert model.beta[0] == pytest.approx(1.0, abs=1e-9)
    assert model.alpha[0] == pytest.approx(0.0, abs=1e-12)
    ab = abnormal_returns(model, event_window(stock[:, None], bench, np.array([0]),
                                              np.array([31]), 3), np.array([1, 2, 3]))  # fmt: skip
    np.testing.assert_allclose(ab.car, ab.car_ma, atol=1e-9)


@settings(max_examples=examples(20), deadline=None)
@given(st.floats(0.01, 1000.0))
def test_statistics_are_invariant_to_scaling_prices(scale: float) -> None:
    rng = np.random.default_rng(11)
    rm = rng.normal(0, 0.01, 299)
    close = np.column_stack([closes_from_returns(0.8 * rm + rng.normal(0, 0.02, 299))
                             for _ in range(3)])  # fmt: skip
    bench = closes_from_returns(rm, 3000.0)
    cols, entry = np.arange(3), np.full(3, 280)

    def stats(c: np.ndarray) -> tuple[np.ndarray, ...]:
        m = fit_market_model(c, bench, cols, entry)
        ab = abnormal_returns(m, event_window(c, bench, cols, entry, 10), np.array([10]))
        return m.alpha, m.beta, ab.car, ab.bhar, ab.car_sd

    for a, b in zip(stats(close), stats(close * scale), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-14)


def test_uncorrelated_residuals_give_kp_close_to_bmp() -> None:
    rng = np.random.default_rng(5)
    res = rng.normal(0, 0.01, (30, 250))
    rbar = significance.mean_residual_correlation(res, np.tile(np.arange(250), (30, 1)),
                                                np.arange(30))  # fmt: skip
    assert abs(rbar) < 0.01
    factor = significance.kp_factor(np.array([rbar]), np.array([30.0]))[0]
    assert factor == pytest.approx(1.0, abs=0.15)


def test_placebo_from_identically_distributed_stocks_sits_near_50() -> None:
    # 400 stocks whose returns come from one distribution: a "real" basket of 5 random ones
    # is a placebo itself, so over many trials its percentile averages about 50.
    rng = np.random.default_rng(2024)
    t, n = 140, 400
    rets = rng.normal(0, 0.02, (t - 1, n))
    close = np.vstack([np.full(n, 10.0), 10.0 * np.cumprod(1 + rets, axis=0)])
    dates = pd.bdate_range("2024-01-01", periods=t).strftime("%Y-%m-%d").tolist()
    codes = [f"{600000 + i:06d}" for i in range(n)]
    bench = list(closes_from_returns(rng.normal(0, 0.01, t - 1), 100.0))
    panel = make_panel(dates, dict(zip(codes, close.T, strict=True)),
                       dict(zip(codes, close.T, strict=True)), bench, bench)  # fmt: skip
    e = 100
    pcts = []
    for _ in range(60):
        real_cols = rng.choice(n, 5, replace=False)
        real_ev = pd.DataFrame({"event_id": 0, "published": dates[e - 1],
                                "code": [codes[c] for c in real_cols]})  # fmt: skip
        real = (
            evaluate_events(panel, real_ev, [20], "next_close", trading=IGNORE)
            .table["excess_return"]
            .iloc[0]
        )
        pool = placebo.eligible(panel.close, e, exclude=real_cols)
        picks = placebo.draw(pool, 5, 200, rng)
        assert (
            len(pool) == n - 5
            and (np.sort(picks, axis=1)[:, 1:] != np.sort(picks, axis=1)[:, :-1]).all()
        )
        fake = pd.DataFrame({"event_id": np.repeat(np.arange(200), 5), "published": dates[e - 1],
                             "code": np.array(codes)[picks.ravel()]})  # fmt: skip
        ex = (
            evaluate_events(panel, fake, [20], "next_close", trading=IGNORE)
            .table["excess_return"]
            .to_numpy()
        )
        pcts.append(placebo.percentile_and_p(real, ex)[0])
    assert 42 < np.mean(pcts) < 58


def test_matched_draws_keep_the_basket_mix() -> None:
    rng = np.random.default_rng(0)
    pool = np.arange(100)
    strata = np.repeat([0, 1], 50)
    picks = placebo.draw(pool, 3, 500, rng, strata, np.array([1, 0, 1]))
    assert (strata[picks[:, [0, 2]]] == 1).all() and (strata[picks[:, 1]] == 0).all()
    assert (picks[:, 0] != picks[:, 2]).all()
    with pytest.raises(ValueError, match="stratum 1 has 50 eligible stocks, 60 needed"):
        placebo.draw(pool, 60, 1, rng, strata, np.ones(60, dtype=int))


# -- end to end on the bundled snapshot ----------------------------------------------------------
@pytest.fixture(scope="module")
def shipped_stats() -> pd.DataFrame:
    import warnings

    from thematic.runs.event_study import event_stats

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return event_stats("baskets", horizons="20,250", resamples=200)


def test_mean_bhar_is_the_equal_weight_excess_of_the_engine(shipped_stats: pd.DataFrame) -> None:
    import warnings

    import thematic

    # BHAR = P(e+h)/P(e) - B(e+h)/B(e): its mean is the engine's equal-weight excess with
    # entry at the close, computed there from price ratios, here from compounded returns.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ev = thematic.evaluate("baskets", horizons="20,250", entry="next_close",
                               trading=IGNORE)  # fmt: skip
    both = shipped_stats.merge(ev, on=["basket", "horizon"])
    equal = both["basket"].isin(["ai_applications", "compute_infrastructure", "idc",
                                 "optical_communications", "telecom_carriers"])  # fmt: skip
    assert equal.sum() == 10
    np.testing.assert_allclose(both.loc[equal, "mean_bhar"], both.loc[equal, "excess_return"],
                               rtol=1e-9, atol=1e-12)  # fmt: skip


def test_rows_say_why_tests_are_missing(shipped_stats: pd.DataFrame) -> None:
    idc = shipped_stats[shipped_stats["basket"] == "idc"]
    assert (idc["n"] == 1).all() and idc["car_t"].isna().all()
    assert set(idc["note"]) == {"one constituent: the tests need two or more"}
    meta = shipped_stats.attrs["metadata"]
    assert [x["code"] for x in meta["excluded"]] == ["872808"]
    assert "equal-weighted" in meta["definitions"]["weights"]
    assert meta["statistics_entry"].startswith("the entry session's close")
    per = shipped_stats.attrs["constituents"]
    assert set(per["basket"]) == set(shipped_stats["basket"])


def test_pooled_by_report_counts_each_stock_once() -> None:
    import warnings

    from thematic.runs.event_study import event_stats

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pooled = event_stats("baskets", horizons="20", by="report", resamples=50)
    assert len(pooled) == 2
    # Report of 2024-02-18: 16 distinct codes over its baskets, 872808 unpriced -> 15;
    # report of 2024-03-22: 10 distinct codes (baskets list some stocks twice).
    assert pooled["n"].tolist() == [15, 10]
    assert pooled["basket"].str.startswith("中国银河证券: ").all()


MARKET = Path(__file__).resolve().parents[1].parent / "shared" / "market"


@pytest.mark.skipif(not (MARKET / "ashare_daily_qfq.parquet").exists(),
                    reason="needs ../shared/market (the full A-share dump) beside the repo")  # fmt: skip
def test_placebo_on_the_full_market_is_seeded_and_matched() -> None:
    import warnings

    from thematic.runs.event_study import event_stats

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = event_stats("baskets/optical_communications.yaml", horizons="20", placebo_draws=300,
                        market=MARKET, seed=4, match=["board"], resamples=50)  # fmt: skip
        b = event_stats("baskets/optical_communications.yaml", horizons="20", placebo_draws=300,
                        market=MARKET, seed=4, match=["board"], resamples=50)  # fmt: skip
    pd.testing.assert_frame_equal(a, b)
    row = a.iloc[0]
    assert 0 <= row["placebo_pct"] <= 100 and 1 / 301 <= row["placebo_p"] <= 1
    draws = a.attrs["placebo"]
    assert len(draws) == 300 and (draws["real"] == draws["real"].iloc[0]).all()
    # Recompute both figures from the stored draws, by their definitions.
    real, ex = draws["real"].iloc[0], draws["excess"].to_numpy()
    assert row["placebo_pct"] == pytest.approx(100 * np.mean(ex < real))
    assert row["placebo_p"] == pytest.approx((1 + np.sum(ex >= real)) / 301)
    meta = a.attrs["metadata"]["placebo"]
    assert meta["universe_stocks"] > 3000 and meta["match"] == ["board"]


def test_two_constituents_and_the_edges_of_each_test_by_hand() -> None:
    # A group of two with CARs 0.0 and 0.04, S = 0.02 each, rbar 0.2; positive shares 0.5.
    car = np.array([0.0, 0.04])
    g = np.zeros(2, dtype=int)
    out = significance.group_tests(car=car, car_sd=np.array([0.02, 0.02]), car_ma=car,
                                 bhar=car, positive_share=np.full(2, 0.5), group=g, n_groups=1,
                                 rbar=np.array([0.2]), resamples=50,
                                 rng=np.random.default_rng(0))  # fmt: skip
    # mean 0.02, sd 0.02 * sqrt(2): t = 0.02 / (0.0282843 / sqrt 2) = 1; SCARs 0 and 2: t = 1.
    assert out.car_t[0] == pytest.approx(1.0, rel=1e-12)
    assert out.bmp_z[0] == pytest.approx(1.0, rel=1e-12)
    assert out.kp_z[0] == pytest.approx(math.sqrt(0.8 / 1.2), rel=1e-12)
    assert out.bhar_skew_t[0] == pytest.approx(1.0, rel=1e-12)  # two values: no skew
    # A CAR of exactly 0 is not positive: w = 1 of 2 at p = 0.5 -> z = 0.
    assert out.gsign_z[0] == 0.0
    # Resamples of the centred (-0.02, 0.02): a mixed one has mean 0 -> t* = 0 < 1, a
    # repeated one has no t*; so p = 1 / (1 + #mixed).
    draws = np.random.default_rng(0).integers(0, 2, size=(50, 2))
    mixed = int(np.count_nonzero(draws[:, 0] != draws[:, 1]))
    assert out.bhar_boot_p[0] == pytest.approx(1 / (1 + mixed), rel=1e-12)
    for arr in (out.bhar_boot_p, out.gsign_z):
        assert arr.dtype == np.float64


def test_bootstrap_p_edges() -> None:
    g = np.zeros(2, dtype=int)
    # A sample centred on exactly 0 has t = 0: every resample's |t*| >= 0, so p = 1.
    assert (
        significance.bootstrap_p(np.array([-0.1, 0.1]), g, 1, 20, np.random.default_rng(0))[0]
        == 1.0
    )
    # One resample is a bootstrap; no t (equal values), one value, no resamples: NaN.
    one = significance.bootstrap_p(np.array([0.0, 0.3]), g, 1, 1, np.random.default_rng(3))[0]
    drawn = np.random.default_rng(3).integers(0, 2, size=(1, 2))[0]
    assert one == (0.5 if drawn[0] != drawn[1] else 1.0)  # t* = 0 < |t|, or no t* at all
    for x, group, b in ((np.array([0.1, 0.1]), g, 20), (np.array([0.1]), np.zeros(1, int), 20),
                        (np.array([0.0, 0.3]), g, 0)):  # fmt: skip
        assert np.isnan(significance.bootstrap_p(x, group, 1, b, np.random.default_rng(0))[0])


def test_sign_and_kp_edges_give_inf_or_nan_without_a_warning() -> None:
    # Every estimation residual positive (p = 1) and a CAR below 0: (0 - 2) / 0 = -inf.
    z = significance.generalized_sign_z(np.array([-0.01, 0.02]), np.ones(2), np.zeros(2, int), 1)
    assert z[0] == -np.inf
    # rbar = -1 / (n - 1): the factor's denominator is 0; below it, a negative root.
    assert significance.kp_factor(np.array([-1.0]), np.array([2.0]))[0] == np.inf
    assert np.isnan(significance.kp_factor(np.array([-0.6]), np.array([3.0]))[0])
