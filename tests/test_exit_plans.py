"""Blocked exits when the data ends inside the wait, worked out by hand.

Synthetic prices (never presented as market data), main board, March 2024, no costs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.helpers import events, make_panel
from thematic.engine import evaluate_events
from thematic.engine.trading import next_free
from thematic.rules import Costs, Trading

NAN = float("nan")
DAYS = ["2024-03-20", "2024-03-21", "2024-03-22", "2024-03-25", "2024-03-26"]
FREE = Costs(commission_bps=0.0, slippage_bps=0.0)


def test_an_exit_blocked_until_the_data_ends_is_valued_at_the_last_session() -> None:
    # 600000 is bought at d1's close 10.00 and has no bar from d3 (h = 2's exit) on.  Ten
    # sessions of waiting run past d4, the last session: the sale is valued at d4's carried
    # close, 10.50 (d2's), a return of 10.50 / 10.00 - 1.  600001 trades at 20.00 alongside.
    prices = {"600000": [10, 10, 10.5, NAN, NAN], "600001": [20.0] * 5}
    p = make_panel(DAYS, prices, prices, bench_open=[1.0] * 5, bench_close=[1.0] * 5)
    res = evaluate_events(p, events(("a", DAYS[0], "600000")), [2], "next_close",
                          trading=Trading(max_delay=10, costs=FREE))  # fmt: skip
    row = res.table.iloc[0]
    assert row.basket_return == pytest.approx(0.05, abs=1e-15)
    assert row.blocked_exits == 1
    (t,) = res.trades.itertuples()
    assert (t.side, t.what, t.planned_date, t.actual_date) == (
        "exit", "no bar (suspended)", pd.Timestamp(DAYS[3]), pd.Timestamp(DAYS[4])
    )  # fmt: skip
    assert t.outcome == "still blocked: valued at the last close tried"


def test_next_free_finds_nothing_from_past_the_last_session() -> None:
    # 4 sessions; code 0 is blocked (bit 1) on session 2 only.  A search that starts at
    # session 4 (past the data) finds nothing, whatever the width, even though session 3 is
    # free; from session 3 it finds 3.
    state = np.array([[0, 0, 1, 0]], dtype=np.int8)
    for width in (1, 2, 32, 33):
        got = next_free(state, 1, np.array([0, 0, 0]), np.array([4, 3, 2]), width).tolist()
        assert got == [4, 3, 3 if width > 1 else 4], width
