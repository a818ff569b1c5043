"""Running-sum CARs against the stacked-window event-study kernels, call by call."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import examples
from thematic.data.panel import PricePanel
from thematic.data.snapshot import SnapshotProvider
from thematic.data.sourcing import load_panel
from thematic.engine.abnormal import abnormal_returns, event_window, fit_market_model
from thematic.engine.car_sums import single_stock_cars

CODES = ["300308", "600941", "300502", "601138", "002230", "300394", "688111", "000034"]


@pytest.fixture(scope="module")
def panel() -> PricePanel:
    return load_panel(CODES, "000300", SnapshotProvider())[0]


def stacked(
    panel: PricePanel,
    cols: np.ndarray,
    entry: np.ndarray,
    h: np.ndarray,
    window: int = 250,
    gap: int = 20,
) -> tuple[np.ndarray, np.ndarray]:
    t = len(panel.dates)
    model = fit_market_model(panel.close, panel.benchmark_close, cols, np.minimum(entry, t - 1),
                             window, gap)  # fmt: skip
    ev = event_window(panel.close_filled, panel.benchmark_close, cols, np.minimum(entry, t - 1),
                      int(h.max()))  # fmt: skip
    car = abnormal_returns(model, ev, h).car
    return np.where(entry[:, None] + h[None, :] < t, car, np.nan), model.m


@pytest.mark.parametrize(("window", "gap", "block"), [(250, 20, 256), (60, 5, 3)])
def test_matches_the_stacked_kernels(panel: PricePanel, window: int, gap: int, block: int) -> None:
    rng = np.random.default_rng(1)
    t = len(panel.dates)
    n = 3000
    cols = rng.integers(0, len(panel.codes), n)
    entry = rng.integers(0, t, n)  # every part of the calendar: before listing, at the end
    h = np.array([1, 20, 250])
    want, m_want = stacked(panel, cols, entry, h, window, gap)
    got, m = single_stock_cars(panel.close, panel.close_filled, panel.benchmark_close, cols,
                               entry, h, window, gap, block)  # fmt: skip
    np.testing.assert_array_equal(m, m_want)
    fitted = m >= 3
    np.testing.assert_array_equal(np.isnan(got[fitted]), np.isnan(want[fitted]))
    np.testing.assert_allclose(got[fitted], want[fitted], rtol=1e-9, atol=1e-11)
    assert np.isfinite(got[fitted]).sum() > 1000  # the comparison is not vacuous


def test_calls_without_column_or_session(panel: PricePanel) -> None:
    t = len(panel.dates)
    car, m = single_stock_cars(panel.close, panel.close_filled, panel.benchmark_close,
                               np.array([-1, 0]), np.array([t - 300, t]), np.array([20]))  # fmt: skip
    assert np.isnan(car).all() and m.tolist() == [0, 0]


@settings(max_examples=examples(25), deadline=None)
@given(st.floats(0.01, 100.0), st.integers(300, 4000))
def test_price_scale_does_not_change_the_car(panel: PricePanel, scale: float, e: int) -> None:
    col = np.array([panel.codes.get_loc("600941")])
    args = (panel.benchmark_close, col, np.array([e]), np.array([20, 60]))
    a, _ = single_stock_cars(panel.close, panel.close_filled, *args)
    b, _ = single_stock_cars(panel.close * scale, panel.close_filled * scale, *args)
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
