"""Invariants of delayed trades, checked with hypothesis against a plain reference.

Random panels with suspensions (missing bars) and small moves (never near a price limit),
random publication days, ``delay`` with any ``max_delay`` (0 included).  The reference below
walks each constituent by hand, in the README's words:

- entry: the first session strictly after publication, at its open; without a bar there,
  the first session with one at most ``max_delay`` sessions later, else excluded;
- a row (horizon ``h``) exits at the close ``h`` sessions after the basket's entry session;
  a constituent bought after that session is not in the row; a constituent without a bar
  on the exit session is sold at the first session with one at most ``max_delay`` later,
  else valued at the last close up to the last session tried;
- the row's return is the mean over its constituents (equal weights).

Checked: every booked leg exits no earlier than it entered and after publication; a row
holds exactly the constituents bought at or before its exit; its return is the
reference's; the table does not depend on how the events are chunked.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import examples
from thematic.data.panel import PricePanel
from thematic.engine import evaluate_events
from thematic.rules import Costs, Trading

T = 14
DATES = pd.bdate_range("2024-01-02", periods=T)
CODES = [f"{600000 + i}" for i in range(4)]
HORIZONS = [1, 2, 4, 7]
NO_COSTS = Costs(commission_bps=0.0, slippage_bps=0.0)


@st.composite
def panels(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """Opens and closes (T, N): moves under 1 % a session, gaps inside the data only."""
    steps = draw(st.lists(st.floats(-0.009, 0.009), min_size=2 * T * len(CODES),
                          max_size=2 * T * len(CODES)))  # fmt: skip
    walk = 10 * np.cumprod(1 + np.array(steps).reshape(2 * T, len(CODES)), axis=0)
    opens, closes = walk[0::2].copy(), walk[1::2].copy()
    gaps = draw(st.lists(st.tuples(st.integers(1, T - 2), st.integers(0, len(CODES) - 1)),
                         max_size=12))  # fmt: skip
    for s, c in gaps:
        opens[s, c] = closes[s, c] = np.nan
    return opens, closes


def _panel(opens: np.ndarray, closes: np.ndarray) -> PricePanel:
    flat = np.full(T, 100.0)
    return PricePanel(DATES, pd.Index(CODES), opens, closes, "000300", flat, flat + 1)


def _reference(opens: np.ndarray, closes: np.ndarray, pub: int, max_delay: int) -> dict:
    """Row returns and members by horizon, walked constituent by constituent."""
    e0 = pub + 1
    filled = pd.DataFrame(closes).ffill().to_numpy()
    entry = {}
    for c in range(len(CODES)):
        for s in range(e0, min(e0 + max_delay, T - 1) + 1):
            if np.isfinite(opens[s, c]):
                entry[c] = s
                break
    out = {}
    for h in HORIZONS:
        x = e0 + h
        if x >= T:
            continue
        held = [c for c, s in entry.items() if s <= x]
        rets = []
        for c in held:
            sold = next((s for s in range(x, min(x + max_delay, T - 1) + 1)
                         if np.isfinite(closes[s, c])), min(x + max_delay, T - 1))  # fmt: skip
            rets.append(filled[sold, c] / opens[entry[c], c] - 1)
        out[h] = (float(np.mean(rets)) if rets else np.nan, len(entry) - len(held), entry)
    return out


@settings(max_examples=examples(150), deadline=None)
@given(prices=panels(), pub=st.integers(0, T - 3), max_delay=st.integers(0, 6))
def test_rows_hold_the_constituents_bought_by_their_exit(prices, pub, max_delay) -> None:
    opens, closes = prices
    p = _panel(opens, closes)
    ev = pd.DataFrame({"event_id": "e", "published": DATES[pub], "code": CODES})
    result = evaluate_events(p, ev, HORIZONS, "next_open",
                             trading=Trading(max_delay=max_delay, costs=NO_COSTS))  # fmt: skip
    t = result.table.set_index("horizon")
    ref = _reference(opens, closes, pub, max_delay)
    for h in HORIZONS:
        row = t.loc[h]
        if h not in ref:  # past the data
            assert np.isnan(row["basket_return"])
            continue
        expected, after_exit, entry = ref[h]
        assert row["entered_after_exit"] == after_exit, (h, entry)
        assert row["n_missing"] == len(CODES) - len(entry)
        if np.isnan(expected):
            assert np.isnan(row["basket_return"])
        else:
            assert row["basket_return"] == pytest.approx(expected, rel=1e-12, abs=1e-12)
    # Every booked leg: bought after publication, sold no earlier than bought.
    trades = result.trades
    bought = trades[(trades["side"] == "entry") & trades["actual_date"].notna()]
    assert (bought["actual_date"] > DATES[pub]).all()
    sold = trades[(trades["side"] == "exit") & ~trades["outcome"].str.startswith("bought after")]
    for r in sold.itertuples():
        start = bought.loc[bought["code"] == r.code, "actual_date"]
        entered = start.iloc[0] if len(start) else t["entry_date"].iloc[0]
        assert r.actual_date >= entered


@settings(max_examples=examples(40), deadline=None)
@given(prices=panels(), pubs=st.lists(st.integers(0, T - 3), min_size=2, max_size=8),
       max_delay=st.integers(0, 4), cut=st.integers(1, 7))  # fmt: skip
def test_results_do_not_depend_on_chunking(prices, pubs, max_delay, cut) -> None:
    import thematic.engine.kernels as returns

    p = _panel(*prices)
    ev = pd.DataFrame([(f"e{i}", DATES[d], c) for i, d in enumerate(pubs) for c in CODES[:3]],
                      columns=["event_id", "published", "code"])  # fmt: skip
    trading = Trading(max_delay=max_delay)
    whole = evaluate_events(p, ev, HORIZONS, "next_open", trading=trading)
    split = min(cut, len(pubs) - 1) * 3
    parts = [
        evaluate_events(p, ev.iloc[:split], HORIZONS, "next_open", trading=trading).table,
        evaluate_events(p, ev.iloc[split:], HORIZONS, "next_open", trading=trading).table,
    ]
    joined = pd.concat(parts, ignore_index=True)
    for col in ("basket_return", "net_return", "entered_after_exit", "exit_date"):
        np.testing.assert_array_equal(joined[col].to_numpy(), whole.table[col].to_numpy())
    chunk = returns.EVENT_CHUNK
    try:  # the engine's own chunks of events
        returns.EVENT_CHUNK = 1
        small = evaluate_events(p, ev, HORIZONS, "next_open", trading=trading)
    finally:
        returns.EVENT_CHUNK = chunk
    pd.testing.assert_frame_equal(small.table, whole.table)
    pd.testing.assert_frame_equal(small.trades, whole.trades)


@settings(max_examples=examples(150), deadline=None)
@given(
    state=st.lists(st.lists(st.integers(0, 3), min_size=9, max_size=9), min_size=1, max_size=4),
    pairs=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 9)), max_size=8),
    width=st.integers(0, 80),
)
def test_next_free_session_is_the_first_free_one_in_the_window(state, pairs, width) -> None:
    from thematic.engine import trading

    s = np.array(state, dtype=np.int8)
    t = s.shape[1]
    cols = np.array([c % len(state) for c, _ in pairs], dtype=np.int64)
    start = np.array([b for _, b in pairs], dtype=np.int64)
    expected = [next((x for x in range(b, min(b + width, t)) if not s[c, x] & 1), t)
                for c, b in zip(cols, start, strict=True)]  # fmt: skip
    for window in (0, 10_000):  # both ways: a window per pair, and the running minimum
        original = trading.WINDOW_DELAY
        try:
            trading.WINDOW_DELAY = window
            assert trading.next_free(s, 1, cols, start, width).tolist() == expected
        finally:
            trading.WINDOW_DELAY = original
