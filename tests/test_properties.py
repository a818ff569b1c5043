"""Invariants of the engine, checked with hypothesis on random (synthetic) panels."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tests.helpers import IGNORE, examples
from thematic.data.panel import PricePanel
from thematic.engine import evaluate_events

T = 12
DATES = pd.bdate_range("2024-01-02", periods=T)
prices = arrays(np.float64, (T,), elements=st.floats(0.5, 200.0))
HORIZONS = [1, 3, 7, "max"]


def panel(stock_closes: list[np.ndarray], stock_opens: list[np.ndarray],
          bench_open: np.ndarray, bench_close: np.ndarray) -> PricePanel:  # fmt: skip
    n = len(stock_closes)
    return PricePanel(
        DATES, pd.Index([f"{600000 + i}" for i in range(n)]),
        np.column_stack(stock_opens), np.column_stack(stock_closes), "000300",
        bench_open, bench_close,
    )  # fmt: skip


def ev(codes: list[str], pub_day: int, weights: list[float] | None = None) -> pd.DataFrame:
    d = pd.DataFrame({"event_id": "b", "published": DATES[pub_day], "code": codes})
    if weights is not None:
        d["weight"] = weights
    return d


@settings(max_examples=examples(60), deadline=None)
@given(o=prices, c=prices, bo=prices, bc=prices, day=st.integers(0, T - 3),
       entry=st.sampled_from(["next_open", "next_close"]))  # fmt: skip
def test_one_stock_basket_equals_that_stock(o, c, bo, bc, day, entry) -> None:
    p = panel([c], [o], bo, bc)
    t = evaluate_events(p, ev(["600000"], day), HORIZONS, entry, trading=IGNORE).table.dropna(
        subset=["exit_date"]
    )
    e = day + 1
    p0 = o[e] if entry == "next_open" else c[e]
    exits = [DATES.get_loc(d) for d in t["exit_date"]]
    np.testing.assert_allclose(t["basket_return"], c[exits] / p0 - 1, rtol=1e-12)


@settings(max_examples=examples(60), deadline=None)
@given(
    o=prices,
    c=prices,
    day=st.integers(0, T - 3),
    entry=st.sampled_from(["next_open", "next_close"]),
)
def test_basket_equal_to_benchmark_has_zero_excess(o, c, day, entry) -> None:
    p = panel([c, c], [o, o], o, c)
    t = evaluate_events(
        p, ev(["600000", "600001"], day, [0.3, 0.7]), HORIZONS, entry, trading=IGNORE
    ).table
    t = t.dropna(subset=["exit_date"])
    np.testing.assert_allclose(t["excess_return"], 0.0, atol=1e-12)
    np.testing.assert_allclose(t["relative_return"], 0.0, atol=1e-12)
    assert (t["hit_rate"] == 0.0).all()  # equal is not beating


# Stock 2 ties the benchmark; scaled by K, the benchmark's return rounds below the tie.
TIE_OPEN, TIE_CLOSE, K = (
    np.full(T, 35.54329631021052),
    np.full(T, 172.70419500880237),
    54.15070741270667,
)


@settings(max_examples=examples(60), deadline=None)
@given(o1=prices, c1=prices, o2=prices, c2=prices, bo=prices, bc=prices,
       k=st.floats(0.01, 100.0), two=st.integers(-6, 6), day=st.integers(0, T - 3))  # fmt: skip
@example(o1=TIE_OPEN, c1=TIE_CLOSE, o2=TIE_OPEN, c2=TIE_CLOSE, bo=TIE_OPEN, bc=TIE_CLOSE,
         k=K, two=3, day=0)  # fmt: skip
def test_scaling_a_price_series_changes_nothing(o1, c1, o2, c2, bo, bc, k, two, day) -> None:
    e = ev(["600000", "600001"], day)
    base = evaluate_events(panel([c1, c2], [o1, o2], bo, bc), e, HORIZONS, trading=IGNORE).table
    # Any factor leaves the returns unchanged up to rounding (each series scaled on its own).
    scaled = evaluate_events(
        panel([c1 * k, c2], [o1 * k, o2], bo * k, bc * k), e, HORIZONS, trading=IGNORE
    ).table
    cols = ["basket_return", "benchmark_return", "excess_return"]
    np.testing.assert_allclose(scaled[cols], base[cols], rtol=1e-9, atol=1e-12)
    # The hit rate compares a stock with the benchmark, so a tie could turn into a win by
    # rounding under an arbitrary factor; a power of two scales every price exactly, and
    # then the returns and the hit rate are the same to the last bit.  (Not the blocked
    # counts: limit detection allows half a cent, an absolute amount.)
    f = 2.0**two
    exact = evaluate_events(
        panel([c1 * f, c2 * f], [o1 * f, o2 * f], bo * f, bc * f), e, HORIZONS, trading=IGNORE
    ).table
    cols = [*cols, "relative_return", "hit_rate"]
    pd.testing.assert_frame_equal(exact[cols], base[cols])


@settings(max_examples=examples(30), deadline=None)
@given(o=prices, c=prices, bo=prices, bc=prices, day=st.integers(0, T - 3))
def test_inputs_are_not_mutated(o, c, bo, bc, day) -> None:
    c = c.copy()
    c[day + 2] = np.nan  # a suspension, so that forward-filling happens
    p = panel([c], [o], bo, bc)
    e = ev(["600000"], day, [1.0])
    before = (p.open.copy(), p.close.copy(), bo.copy(), bc.copy(), e.copy(deep=True))
    evaluate_events(p, e, HORIZONS)  # the default policy (delay) must not mutate either
    evaluate_events(p, e, HORIZONS, trading=IGNORE)
    np.testing.assert_array_equal(p.open, before[0])
    np.testing.assert_array_equal(p.close, before[1])
    np.testing.assert_array_equal(p.benchmark_open, before[2])
    np.testing.assert_array_equal(p.benchmark_close, before[3])
    pd.testing.assert_frame_equal(e, before[4])
