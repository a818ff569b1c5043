"""The market-model kernels (thematic.engine.abnormal) on three rows worked by hand.

Synthetic closes built from returns written out here (never market data).  Sessions 0..9;
market returns dated 1..9: (.01, -.01, .02, 0, .01, .01, .02, -.01, 0).  ``window=4, gap=1``.

Row 0: stock A (column 0), entry 6: estimation returns dated [6-1-4, 6-1-1] = [1, 4].
  x = (.01, -.01, .02, 0), y = (.03, -.01, .03, .01): mean x .005, Sxx .0005; b = 1.4,
  a = .008, residuals (.008, -.004, -.006, .002), SSR .00012, s2 = .00012 / 2 = .00006.
  Event days 1, 2, 3 are sessions 7, 8, 9 (day 4 would be session 10, past the data):
  r = (0, .01, -.02), rm = (.02, -.01, 0).  AR = r - .008 - 1.4 rm = (-.036, .016, -.028).
Row 1: stock B (column 1), entry 7: estimation returns dated [2, 5]; B has no close on
  session 5, so returns 5 (and 6) are lost: three valid, dated 2, 3, 4.
  In units of .01: x = (-1, 2, 0), y = (-3, 1, 0); mean x 1/3, mean y -2/3;
  dx = (-4, 5, -1)/3, dy = (-7, 5, 2)/3; Sxx = 42/9 = 14/3, Sxy = (28 + 25 - 2)/9 = 17/3;
  b = 17/14, a = -2/3 - (17/14)(1/3) = -15/14 (so a = -.15/14);
  residuals y - a - b x = (-10, -5, 15)/14; SSR = 350/196 = 25/14 (units .0001);
  s2 = SSR / (3 - 2) = 25/14 * 1e-4.
  Event days 1, 2 are sessions 8, 9: r = (.03, .01), rm = (-.01, 0);
  AR = r + .15/14 - (17/14) rm = (.03 + .32/14, .01 + .15/14).
Row 2: stock A, entry 2: estimation returns dated [-3, 0] do not exist: M = 0, no model.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import statsmodels.api as sm

from thematic.engine.abnormal import (
    abnormal_returns,
    estimation_window,
    event_window,
    fit_market_model,
)

MKT = [0.01, -0.01, 0.02, 0.00, 0.01, 0.01, 0.02, -0.01, 0.00]
A = [0.03, -0.01, 0.03, 0.01, 0.00, 0.03, 0.00, 0.01, -0.02]
B = [0.02, -0.03, 0.01, 0.00, 0.01, -0.01, 0.02, 0.03, 0.01]


def closes(returns: list[float], start: float) -> np.ndarray:
    return start * np.concatenate([[1.0], np.cumprod(1.0 + np.asarray(returns))])


BENCH = closes(MKT, 100.0)
FILLED = np.column_stack([closes(A, 10.0), closes(B, 20.0)])
RAW = FILLED.copy()
RAW[5, 1] = np.nan  # B has no bar on session 5
FILLED[5, 1] = FILLED[4, 1]  # valued at its last close there
COLS, ENTRY = np.array([0, 1, 0]), np.array([6, 7, 2])
NAN = np.nan


@pytest.fixture(scope="module")
def model():  # type: ignore[no-untyped-def]
    return fit_market_model(RAW, BENCH, COLS, ENTRY, window=4, gap=1)


def test_estimation_sessions() -> None:
    got = estimation_window(ENTRY, window=4, gap=1)
    assert got.tolist() == [[1, 2, 3, 4], [2, 3, 4, 5], [-3, -2, -1, 0]]
    assert estimation_window(np.array([300]), window=250, gap=20)[0, [0, -1]].tolist() == [30, 279]


def test_the_market_model_of_each_row(model) -> None:  # type: ignore[no-untyped-def]
    assert model.m.tolist() == [4, 3, 0]
    np.testing.assert_allclose(model.alpha[:2], [0.008, -0.15 / 14], rtol=1e-12)
    np.testing.assert_allclose(model.beta[:2], [1.4, 17 / 14], rtol=1e-12)
    np.testing.assert_allclose(model.s2[:2], [0.00006, 25 / 14 * 1e-4], rtol=1e-10)
    np.testing.assert_allclose(model.mkt_mean[:2], [0.005, 0.01 / 3], rtol=1e-12)
    np.testing.assert_allclose(model.mkt_ss[:2], [0.0005, 14 / 3 * 1e-4], rtol=1e-10)
    want = [[0.008, -0.004, -0.006, 0.002], [-0.1 / 14, -0.05 / 14, 0.15 / 14, NAN],
            [NAN] * 4]  # fmt: skip
    np.testing.assert_allclose(model.residuals, want, atol=1e-14)
    assert model.est_sessions.tolist() == [[1, 2, 3, 4], [2, 3, 4, 5], [-3, -2, -1, 0]]
    # No returns at all: no model, and no warning (warnings are errors in the tests).  (s2
    # is then 0 / -2; such a row never reaches a test, which needs min_obs >= 3.)
    assert np.isnan([model.alpha[2], model.beta[2], model.mkt_mean[2]]).all()


def test_row_one_against_statsmodels(model) -> None:  # type: ignore[no-untyped-def]
    fit = sm.OLS(np.array(B[1:4]), sm.add_constant(np.array(MKT[1:4]))).fit()
    assert (model.alpha[1], model.beta[1]) == pytest.approx(tuple(fit.params), rel=1e-10)
    assert model.s2[1] == pytest.approx(fit.scale, rel=1e-10)
    np.testing.assert_allclose(model.residuals[1, :3], fit.resid, atol=1e-14)


def test_event_window_and_abnormal_returns(model) -> None:  # type: ignore[no-untyped-def]
    ev = event_window(FILLED, BENCH, COLS, ENTRY, 4)
    assert ev.in_data.tolist() == [[True, True, True, False], [True, True, False, False],
                                   [True, True, True, True]]  # fmt: skip
    np.testing.assert_allclose(ev.r[:2], [[0.0, 0.01, -0.02, NAN], [0.03, 0.01, NAN, NAN]],
                               atol=1e-14)  # fmt: skip
    np.testing.assert_allclose(ev.rm[:2], [[0.02, -0.01, 0.0, NAN], [-0.01, 0.0, NAN, NAN]],
                               atol=1e-14)  # fmt: skip
    # Row 2 enters on session 2: days 1..4 are sessions 3..6, A's returns 4..7 there.
    np.testing.assert_allclose(ev.r[2], A[2:6], atol=1e-14)
    np.testing.assert_allclose(ev.rm[2], MKT[2:6], atol=1e-14)

    ab = abnormal_returns(model, ev, np.array([1, 3]))  # two horizons, not contiguous
    np.testing.assert_allclose(
        ab.ar[:2], [[-0.036, 0.016, -0.028, NAN], [0.03 + 0.32 / 14, 0.01 + 0.15 / 14, NAN, NAN]],
        atol=1e-14,
    )  # fmt: skip
    # CAR(1), CAR(3): row 0 -.036 and -.036 + .016 - .028 = -.048; row 1 has no day 3.
    np.testing.assert_allclose(ab.car[:2], [[-0.036, -0.048], [0.03 + 0.32 / 14, NAN]],
                               atol=1e-14)  # fmt: skip
    # Market-adjusted: row 0 r - rm = (-.02, .02, -.02); row 1 (.04, .01).
    np.testing.assert_allclose(ab.car_ma[:2], [[-0.02, -0.02], [0.04, NAN]], atol=1e-14)
    # BHAR: row 0: 1 - 1.02 = -.02; 1 * 1.01 * .98 - 1.02 * .99 * 1 = .9898 - 1.0098 = -.02.
    # Row 1: 1.03 - .99 = .04.
    np.testing.assert_allclose(ab.bhar[:2], [[-0.02, -0.02], [0.04, NAN]], atol=1e-14)
    # S^2 = s2 [h + h^2/M + (cumsum(rm - mean x))^2 / Sxx].
    # Row 0: cumsum(rm - .005) = (.015, 0, -.005): h=1: 1 + 1/4 + .000225/.0005 = 1.7;
    # h=3: 3 + 9/4 + .000025/.0005 = 5.3.
    # Row 1: rm - 1/300 on day 1 = -4/300; h=1: 1 + 1/3 + (16/9e-4) / (14/3e-4) = 4/3 + 8/21
    # = 12/7.
    assert ab.car_sd[0, 0] ** 2 == pytest.approx(0.00006 * 1.7, rel=1e-10)
    assert ab.car_sd[0, 1] ** 2 == pytest.approx(0.00006 * 5.3, rel=1e-10)
    assert ab.car_sd[1, 0] ** 2 == pytest.approx(25 / 14 * 1e-4 * 12 / 7, rel=1e-10)
    assert np.isnan(ab.car_sd[1, 1])
    # Row 2 has returns but no model: every abnormal figure is NaN, the market-adjusted ones
    # are not.
    assert np.isnan(ab.car[2]).all() and np.isnan(ab.car_sd[2]).all()
    np.testing.assert_allclose(ab.car_ma[2], [A[2] - MKT[2], sum(A[2:5]) - sum(MKT[2:5])],
                               atol=1e-14)  # fmt: skip


def test_returns_never_span_a_missing_close() -> None:
    # B's raw closes lack session 5: with entry 8 the window [3, 6] keeps 3 and 4 only;
    # two points fit exactly, so s2 = 0 / 0 is undefined, and that is not a warning.
    m = fit_market_model(RAW, BENCH, np.array([1]), np.array([8]), window=4, gap=1)
    assert m.m.tolist() == [2]
    # Through x = (.02, 0), y = (.01, 0): b = .5, a = 0.
    assert (m.alpha[0], m.beta[0]) == pytest.approx((0.0, 0.5), abs=1e-12)
    assert math.isnan(m.s2[0]) or math.isinf(m.s2[0]) or abs(m.s2[0]) < 1e-25


def test_a_window_reaching_far_before_the_data() -> None:
    # Entry 2 with a 20-return window: sessions -18..1, of which only return 1 exists (a
    # window longer than the whole panel must not wrap around to its end).
    m = fit_market_model(RAW, BENCH, np.array([0, 1]), np.array([2, 9]), window=20, gap=0)
    # Row 1: entry 9, returns dated -11..8; B lost returns 5 and 6: 1..4, 7, 8 remain.
    assert m.m.tolist() == [1, 6]
    assert m.est_sessions[0, [0, -1]].tolist() == [-18, 1]
    # One return has no market variance (Sxx = 0): no CAR variance either, and no warning.
    ev = event_window(FILLED, BENCH, np.array([0, 1]), np.array([2, 9]), 1)
    ab = abnormal_returns(m, ev, np.array([1]))
    assert np.isnan(ab.car_sd[0, 0]) and np.isnan(ab.car_sd[1, 0])  # row 1: past the data


def test_two_returns_leave_no_residual_variance_and_no_warning() -> None:
    # Two points fit exactly; rounding leaves an SSR of about 1e-38, divided by M - 2 = 0.
    # The variance is undefined (inf or NaN), and that is no warning (warnings are errors).
    r = [0.002514604421867866, -0.0026420972658260378]
    rm = [0.001049001171530397, -0.005356693731611109]
    m = fit_market_model(closes(r, 10.0)[:, None], closes(rm, 100.0), np.array([0]),
                         np.array([3]), window=2, gap=0)  # fmt: skip
    assert m.m.tolist() == [2] and not np.isfinite(m.s2[0])
    # b = (r1 - r2) / (rm1 - rm2) through the two points.
    assert m.beta[0] == pytest.approx((r[0] - r[1]) / (rm[0] - rm[1]), rel=1e-9)
