"""Every policy's outcome for a blocked entry and blocked exits, worked out by hand.

Synthetic prices written out below (never presented as market data), main board, March 2024
(10 % limits), no costs.  Published Thu 03-21: the basket enters at the close of Fri 03-22
and, at h = 2, exits at the close of Tue 03-26.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.helpers import events, make_panel
from thematic.engine import evaluate_events
from thematic.engine.trading import TRADE_COLUMNS, Fees, next_free
from thematic.rules import Costs, Trading

NAN = float("nan")
DAYS = ["2024-03-21", "2024-03-22", "2024-03-25", "2024-03-26", "2024-03-27", "2024-03-28"]
FREE = Costs(commission_bps=0.0, slippage_bps=0.0)
# 600000 closes at 11.00 = 10.00 * 1.10 at its high on 03-22: the entry is blocked; 03-25 is
# free (11.50).  000001 has no bar on 03-26 (exit); 03-27 closes 22.  600001 closes at its
# low 9.00 = 10.00 * 0.90 on 03-26 (exit); 03-27 closes 9.50.  600002 trades freely.
OPENS = {
    "600000": [10, 10.5, 11.2, 11.5, 11.6, 11.7],
    "000001": [20, 20, 20, NAN, 21, 23],
    "600001": [10, 10, 10, 9.5, 9.5, 9.6],
    "600002": [5, 5, 5.1, 5.2, 5.3, 5.4],
}
CLOSES = {
    "600000": [10, 11.0, 11.5, 11.6, 11.7, 11.8],
    "000001": [20, 20, 20, NAN, 22, 23],
    "600001": [10, 10, 10, 9.0, 9.5, 9.6],
    "600002": [5, 5, 5.1, 5.2, 5.3, 5.4],
}
EV = events(*(("e", "2024-03-21", code) for code in OPENS))
UP, NO_BAR, DOWN = "closed at the up-limit", "no bar (suspended)", "closed at the down-limit"
T = pd.Timestamp
# (code, side, what, planned, actual, outcome) per policy, in the table's order.
WANT = {
    "delay": [
        ("600000", "entry", UP, T("2024-03-22"), T("2024-03-25"), "delayed"),
        ("000001", "exit", NO_BAR, T("2024-03-26"), T("2024-03-27"), "delayed"),
        ("600001", "exit", DOWN, T("2024-03-26"), T("2024-03-27"), "delayed"),
    ],
    "skip": [
        ("600000", "entry", UP, T("2024-03-22"), pd.NaT, "excluded"),
        ("000001", "exit", NO_BAR, T("2024-03-26"), pd.NaT, "left out of this horizon"),
        ("600001", "exit", DOWN, T("2024-03-26"), pd.NaT, "left out of this horizon"),
    ],
    "ignore": [
        ("600000", "entry", UP, T("2024-03-22"), T("2024-03-22"),
         "booked at the limit price (ignore)"),
        ("000001", "exit", NO_BAR, T("2024-03-26"), T("2024-03-26"),
         "valued at the last close (ignore)"),
        ("600001", "exit", DOWN, T("2024-03-26"), T("2024-03-26"),
         "booked at the limit price (ignore)"),
    ],
}  # fmt: skip
# Returns per constituent (600000, 000001, 600001, 600002), equal weights over those kept.
RETURNS = {
    "delay": [11.6 / 11.5 - 1, 22 / 20 - 1, 9.5 / 10 - 1, 5.2 / 5 - 1],
    "skip": [5.2 / 5 - 1],  # 600000 not bought, the two blocked exits left out
    "ignore": [11.6 / 11.0 - 1, 20 / 20 - 1, 9.0 / 10 - 1, 5.2 / 5 - 1],
}


@pytest.mark.parametrize("policy", ["delay", "skip", "ignore"])
def test_each_policy_records_what_became_of_each_blocked_trade(policy: str) -> None:
    p = make_panel(DAYS, opens=OPENS, closes=CLOSES, bench_open=[1.0] * 6,
                   bench_close=[1.0] * 6)  # fmt: skip
    trading = Trading(untradable=policy, costs=FREE)  # type: ignore[arg-type]
    res = evaluate_events(p, EV, [2], "next_close", trading=trading)
    got = [
        (r.basket, r.code, r.side, r.horizon, r.what, r.planned_date, r.actual_date, r.outcome)
        for r in res.trades.itertuples()
    ]
    # Every trade is basket e's; the entry has no horizon (NaN), the exits are at h = 2.
    want = [("e", c, side, "nan" if side == "entry" else "2", *rest)
            for c, side, *rest in WANT[policy]]  # fmt: skip
    assert [tuple(map(str, g)) for g in got] == [tuple(map(str, w)) for w in want]
    assert list(res.trades.columns) == list(TRADE_COLUMNS)
    row = res.table.iloc[0]
    r = RETURNS[policy]
    assert row.basket_return == pytest.approx(sum(r) / len(r), abs=1e-15)
    assert row.blocked_entries == 1 and row.blocked_exits == 2
    assert row.delayed_entries == (1 if policy == "delay" else 0)
    if policy == "skip":
        assert res.missing.reason.tolist() == ["entry blocked (closed at the up-limit); skipped"]


def test_no_blocked_trade_gives_an_empty_table_with_the_columns() -> None:
    free = {"600002": CLOSES["600002"]}
    p = make_panel(DAYS, opens=free, closes=free, bench_open=[1.0] * 6, bench_close=[1.0] * 6)
    res = evaluate_events(p, events(("e", "2024-03-21", "600002")), [2], "next_close")
    assert res.trades.empty and list(res.trades.columns) == list(TRADE_COLUMNS)


def test_next_free_on_both_sides_of_the_window_width() -> None:
    # 40 sessions.  Code 0 is blocked (bit 1) on sessions 0-34 and free from 35; code 1 is
    # free on session 5 only.  A search from ``start`` covers sessions [start, start + width).
    state = np.ones((2, 40), dtype=np.int8)
    state[0, 35:] = 0
    state[1, 5] = 0
    state[1, 7] = 2  # another bit: free for bit 1
    cases = [  # (code, start, width, first free or 40 for none)
        (0, 0, 35, 40), (0, 0, 36, 35), (0, 3, 32, 40), (0, 4, 32, 35), (0, 4, 33, 35),
        (0, 2, 33, 40), (0, 2, 34, 35), (0, 1, 34, 40), (0, 1, 33, 40), (0, 36, 40, 36),
        (1, 5, 1, 5), (1, 0, 5, 40), (1, 0, 6, 5), (1, 6, 1, 40), (1, 6, 2, 7),
        (1, 8, 40, 40), (1, 40, 40, 40), (1, 39, 1, 40), (0, 39, 1, 39), (0, 0, 0, 40),
    ]  # fmt: skip
    for width in {w for _, _, w, _ in cases}:
        pick = [c for c in cases if c[2] == width]
        cols = np.array([c[0] for c in pick])
        start = np.array([c[1] for c in pick])
        got = next_free(state, 1, cols, start, width).tolist()
        assert got == [c[3] for c in pick], width


def test_fees_of_one_order_by_hand() -> None:
    # Commission 2.5 bps (minimum 5 yuan), slippage 5 bps; on 2023-08-25 stamp duty 0.1 % on
    # sales, from 2023-08-28 0.05 %; transfer fee 0.001 % on both sides.
    days = ["2023-08-25", "2023-08-28"]
    p = make_panel(days, opens={"600000": [1, 1]}, closes={"600000": [1, 1]},
                   bench_open=[1, 1], bench_close=[1, 1])  # fmt: skip
    fees = Fees(p, Costs(commission_bps=2.5, slippage_bps=5.0))
    value, session = np.array([100_000.0, 1_000.0, 100_000.0]), np.array([0, 0, 1])
    # Sale of 100,000 on 08-25: 25 + transfer 1 + stamp 100 + slippage 50 = 176; of 1,000:
    # the 5-yuan minimum + 0.01 + 1 + 0.5 = 6.51; of 100,000 on 08-28: 25 + 1 + 50 + 50.
    assert fees.sell(value, session).tolist() == pytest.approx([176.0, 6.51, 126.0], abs=1e-9)
    # Purchases: no stamp duty.  25 + 1 + 50 = 76; 5 + 0.01 + 0.5 = 5.51.
    assert fees.buy(value, session).tolist() == pytest.approx([76.0, 5.51, 76.0], abs=1e-9)


@pytest.mark.parametrize(
    ("max_delay", "last", "price"), [(1, "2024-03-27", 8.1), (2, "2024-03-28", 7.29)]
)
def test_an_exit_still_blocked_is_valued_at_the_last_close_tried(
    max_delay: int, last: str, price: float
) -> None:
    # Bought at 10.00 on 03-22; from the exit session 03-26 on, every close is at its low and
    # 10 % under the one before (9.00, 8.10, 7.29): the sale waits max_delay sessions, then
    # the position is valued at the close of the last session tried.
    opens = {"600003": [10, 10, 10, 9.5, 8.5, 7.6]}
    closes = {"600003": [10, 10, 10, 9.0, 8.1, 7.29]}
    p = make_panel(DAYS, opens=opens, closes=closes, bench_open=[1.0] * 6, bench_close=[1.0] * 6)
    trading = Trading(max_delay=max_delay, costs=FREE)
    res = evaluate_events(
        p, events(("e", "2024-03-21", "600003")), [2], "next_close", trading=trading
    )
    (t,) = res.trades.itertuples()
    assert (t.side, t.planned_date, t.actual_date) == ("exit", T("2024-03-26"), T(last))
    assert t.outcome == "still blocked: valued at the last close tried"
    assert res.table.iloc[0].basket_return == pytest.approx(price / 10 - 1, abs=1e-15)


def test_codes_not_listed_on_the_entry_day_are_not_blocked_entries() -> None:
    # Entry 03-22.  600004 lists on 03-25, 600005's last bar is 03-21, 600009 is not in the
    # panel: none could be bought, none counts as a blocked entry or a trade.
    opens = {"600002": OPENS["600002"], "600004": [NAN, NAN, 8, 8, 8, 8],
             "600005": [7, NAN, NAN, NAN, NAN, NAN]}  # fmt: skip
    p = make_panel(DAYS, opens=opens, closes=opens, bench_open=[1.0] * 6, bench_close=[1.0] * 6)
    ev = events(*(("e", "2024-03-21", c) for c in ("600002", "600004", "600005", "600009")))
    res = evaluate_events(p, ev, [2], "next_close", trading=Trading(costs=FREE))
    row = res.table.iloc[0]
    assert (row.blocked_entries, row.delayed_entries, row.n_missing) == (0, 0, 3)
    assert res.trades.empty
    assert row.basket_return == pytest.approx(5.2 / 5 - 1, abs=1e-15)
