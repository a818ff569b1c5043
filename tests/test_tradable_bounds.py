"""The limit detection at its bounds: hand-made bars a cent either side of each tolerance.

Synthetic bars (written out below, never presented as market data) on the main board in
March 2024 (10% limits, ST 5%).  Each bar is judged by the rule of
:mod:`thematic.engine.tradable`, worked out here by hand: the ratio ``r = price / prev - 1``
is at the up-limit when ``r >= 0.10 - (0.005 / price + 0.01 / prev)``, at the down-limit
when ``r <= -0.10 + (0.005 / price + 0.01 / prev)``; a close counts only when it equals the
bar's high (up) or low (down).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from thematic.data.panel import PricePanel, bar_flags
from thematic.engine.tradable import (
    DOWN_CLOSE,
    LOCKED,
    NO_BAR,
    UP_CLOSE,
    UP_OPEN,
    exit_close,
    limits,
    trade_state,
)

NAN = float("nan")
DAYS = ["2024-03-04", "2024-03-05", "2024-03-06"]

# Float ties, found by bisection and checked below: the ratio equals the threshold to the
# last bit, so the bar is at the limit only because the comparison is inclusive.
TIE_UP = (12.5, 13.735449730352702)  # prev, price: close and open thresholds alike
TIE_OPEN = (15.5, 17.035450663353057)
TIE_DOWN = (1.02, 0.9334635236096623)

#: code: (prev close, (open, high, low, close) of the next session, expected state bits).
#: The third session repeats the last close all day (no move: tradable).
BARS: dict[str, tuple[float, tuple[float, float, float, float], int]] = {
    # 11.06 / 10.07 - 1 = 0.098312 < 0.1 - (0.000452 + 0.000993) = 0.098555: two cents under
    # the 11.08 limit, tradable (a tolerance one half-cent wider would call it limited).
    "600001": (10.07, (10.50, 11.06, 10.40, 11.06), 0),
    # 11.01 / 10.02 - 1 = 0.098802 >= 0.1 - (0.000454 + 0.000998) = 0.098548: limited close.
    "600002": (10.02, (10.50, 11.01, 10.40, 11.01), UP_CLOSE),
    # The same close under a higher high (11.02): shares traded above it, so not limited.
    "600003": (10.02, (10.50, 11.02, 10.40, 11.01), 0),
    # The open side, same numbers: 11.06 after 10.07 is tradable, 11.01 after 10.02 is not.
    "600004": (10.07, (11.06, 11.06, 10.90, 11.00), 0),
    "600005": (10.02, (11.01, 11.01, 10.90, 10.95), UP_OPEN),
    # 9.09 / 10.08 - 1 = -0.098214 > -0.1 + (0.000550 + 0.000992) = -0.098458: tradable.
    "600006": (10.08, (9.50, 9.60, 9.09, 9.09), 0),
    # 9.04 / 10.03 - 1 = -0.098704 <= -0.1 + (0.000553 + 0.000997) = -0.098450: limited.
    "600007": (10.03, (9.50, 9.60, 9.04, 9.04), DOWN_CLOSE),
    # The same close over a lower low (9.03): not limited.
    "600008": (10.03, (9.50, 9.60, 9.03, 9.04), 0),
    # One price all day at +10% and at -10%: locked.
    "600009": (10.0, (11.0, 11.0, 11.0, 11.0), UP_OPEN | UP_CLOSE | LOCKED),
    "600010": (10.0, (9.0, 9.0, 9.0, 9.0), DOWN_CLOSE | LOCKED),
    # Opened and closed at the up-limit, traded lower in between: not locked.
    "600011": (10.0, (11.0, 11.0, 10.8, 11.0), UP_OPEN | UP_CLOSE),
    # No bar.
    "600012": (10.0, (NAN, NAN, NAN, NAN), NO_BAR),
    # The exact ties: inclusive.
    "600013": (TIE_UP[0], (13.0, TIE_UP[1], 12.9, TIE_UP[1]), UP_CLOSE),
    "600014": (TIE_OPEN[0], (TIE_OPEN[1], TIE_OPEN[1], 16.5, 16.6), UP_OPEN),
    "600015": (TIE_DOWN[0], (0.95, 0.96, TIE_DOWN[1], TIE_DOWN[1]), DOWN_CLOSE),
}


def bars_panel(bars: dict[str, tuple[float, tuple[float, float, float, float], int]]) -> PricePanel:
    """Three sessions per code: the previous close, the bar, its close (or the previous one
    after no bar) all day."""
    shape = (len(DAYS), len(bars))
    o, h, lo, c = (np.empty(shape) for _ in range(4))
    for j, (prev, (bo, bh, bl, bc), _) in enumerate(bars.values()):
        last = prev if np.isnan(bc) else bc
        o[:, j], h[:, j], lo[:, j], c[:, j] = ([prev, x, last] for x in (bo, bh, bl, bc))
    return PricePanel(
        dates=pd.DatetimeIndex(DAYS), codes=pd.Index(list(bars)), open=o, close=c,
        benchmark_code="000300", benchmark_open=np.ones(3), benchmark_close=np.ones(3),
        flags=bar_flags(o, h, lo, c),
    )  # fmt: skip


def test_the_ties_are_exact() -> None:
    h = 0.005
    prev, x = TIE_UP
    assert x / prev - 1.0 == 0.10 - (h / x + 2.0 * h / prev)
    prev, x = TIE_OPEN
    assert x / prev - 1.0 == 0.10 - h / x - 2.0 * h / prev
    prev, x = TIE_DOWN
    assert x / prev - 1.0 == -0.10 + (h / x + 2.0 * h / prev)


def test_each_bar_gets_its_hand_worked_state() -> None:
    state = trade_state(bars_panel(BARS))
    want = {code: [0, bits, 0] for code, (_, _, bits) in BARS.items()}
    got = {code: state[j].tolist() for j, code in enumerate(BARS)}
    assert got == want


def test_the_previous_close_is_the_last_one_before_a_gap() -> None:
    # Suspended on 03-05; 03-06 closes at its high 11.0 = 10.0 * 1.10, the last close: limited.
    p = PricePanel(
        dates=pd.DatetimeIndex(DAYS), codes=pd.Index(["600000"]),
        open=np.array([[10.0], [NAN], [10.5]]), close=np.array([[10.0], [NAN], [11.0]]),
        benchmark_code="000300", benchmark_open=np.ones(3), benchmark_close=np.ones(3),
    )  # fmt: skip
    assert trade_state(p)[0].tolist() == [0, NO_BAR, UP_CLOSE]


def test_exit_closes_are_kept_per_set_of_st_periods() -> None:
    # 9.50 = 10.00 * 0.95 at the low: the ST down-limit (5%), not the board's (10%).
    bars = {"600000": (10.0, (9.8, 9.9, 9.5, 9.5), 0), "600001": BARS["600007"]}
    p = bars_panel(bars)
    st = (("600000", "2024-01-01", "2024-12-31"),)
    plain = exit_close(p)
    under_st = exit_close(p, st)
    assert plain.tolist() == [[10.0, 9.5, 9.5], [10.03, -9.04, 9.04]]
    assert under_st.tolist() == [[10.0, -9.5, 9.5], [10.03, -9.04, 9.04]]
    assert exit_close(p) is plain and exit_close(p, st) is under_st  # made once per st
    assert set(p.memoised("exit_close")) == {(), st}


def test_a_panel_without_codes_has_an_empty_state() -> None:
    p = PricePanel(
        dates=pd.DatetimeIndex(DAYS), codes=pd.Index([], dtype=str), open=np.empty((3, 0)),
        close=np.empty((3, 0)), benchmark_code="000300", benchmark_open=np.ones(3),
        benchmark_close=np.ones(3),
    )  # fmt: skip
    assert trade_state(p).shape == (0, 3)
    assert exit_close(p).shape == (0, 3)


def test_limits_give_a_listing_its_first_day_band_or_free_sessions() -> None:
    # Main board, listed 2021-03-02 (before 2023-04-10): +44 % / -36 % on its first day,
    # then 10 %.  STAR, listed 2021-03-04: 20 % before (no bar), then no limit for its first
    # five sessions.  Each first bar is after the panel's first session: a new listing.
    days = pd.bdate_range("2021-03-01", periods=7)
    c = np.array(
        [[NAN, NAN], [10.0, NAN], [10.5, NAN], [10.5, 10.0], [10.5, 10.5]] + [[10.5] * 2] * 2
    )
    p = PricePanel(
        dates=days, codes=pd.Index(["600999", "688999"]), open=c, close=c,
        benchmark_code="000300", benchmark_open=np.ones(7), benchmark_close=np.ones(7),
    )  # fmt: skip
    up, down = limits(p)
    assert up[:, 0].tolist() == [0.10, 0.44, 0.10, 0.10, 0.10, 0.10, 0.10]
    assert down[:, 0].tolist() == [0.10, 0.36, 0.10, 0.10, 0.10, 0.10, 0.10]
    assert up[:, 1].tolist() == down[:, 1].tolist() == [0.20] * 3 + [np.inf] * 4


def test_no_rule_is_no_limit() -> None:
    # The STAR board opened on 2019-07-22: the rulebook has no limit for it before.
    c = np.array([[10.0], [10.0]])
    p = PricePanel(
        dates=pd.DatetimeIndex(["2019-07-18", "2019-07-19"]), codes=pd.Index(["688001"]),
        open=c, close=c, benchmark_code="000300", benchmark_open=np.ones(2),
        benchmark_close=np.ones(2),
    )  # fmt: skip
    up, down = limits(p)
    assert up.tolist() == down.tolist() == [[np.inf], [np.inf]]
