"""Blocked entries under each entry rule and untradable policy, worked out by hand.

Synthetic prices written out below (never presented as market data), main board, March 2024
(10 % limits), no costs.  Sessions d0..d6 are Wed 03-20 .. Thu 03-28.  Basket ``a`` is
published on d0 and enters on d1 (h = 5 exits at d6's close); ``b`` is published on d5 and
enters on d6, the last session; ``c`` is published on d6 and has no entry session.

On d1 (previous close in brackets):

- 600000 (the panel's first code) closes at the up-limit 11.00 (10.00) at its high, opening
  at 10.20: a purchase at the close is blocked, at the open it is not.  It closes at the
  up-limit again on d2 (12.10 = 11.00 * 1.1) and trades freely from d3 (close 12.00).
- 600001 opens at the up-limit 11.00 (10.00) and closes at 10.50 under its open: a purchase
  at the open is blocked, at the close it is not.  Free on d2 (open 10.60).
- 600002 has no bar on d1 (suspended); d2 opens 20.20, closes 20.40.
- 600003 has an open (15.30) but no close on d1: no bar.  d2 opens 15.40, closes 15.50.
- 600005 trades freely throughout.
- 000001 (the panel's last code) is one price all day at the up-limit, 22.00 (20.00), and
  has no bar after d1: blocked either way, and never free again.
- 600009 is not in the panel.

600006 (basket ``b``) is flat at 10.00 until d5 and locked at the up-limit (11.00) on d6.
Every position still held exits freely at d6's close.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.helpers import events, make_panel
from thematic.engine import evaluate_events
from thematic.rules import Costs, Trading

NAN = float("nan")
DAYS = ["2024-03-20", "2024-03-21", "2024-03-22", "2024-03-25", "2024-03-26", "2024-03-27",
        "2024-03-28"]  # fmt: skip
OPENS = {
    "600000": [10, 10.2, 11.5, 12.2, 12.1, 12.2, 12.4],
    "600001": [10, 11.0, 10.6, 10.8, 10.9, 11.0, 11.1],
    "600002": [20, NAN, 20.2, 20.4, 20.6, 20.8, 21.0],
    "600003": [15, 15.3, 15.4, 15.5, 15.6, 15.7, 15.8],
    "600005": [8, 8.1, 8.2, 8.3, 8.4, 8.5, 8.6],
    "600006": [10, 10, 10, 10, 10, 10, 11.0],
    "000001": [20, 22.0, NAN, NAN, NAN, NAN, NAN],
}
CLOSES = {
    "600000": [10, 11.0, 12.1, 12.0, 12.1, 12.2, 12.5],
    "600001": [10, 10.5, 10.7, 10.9, 11.0, 11.1, 11.2],
    "600002": [20, NAN, 20.4, 20.6, 20.8, 21.0, 21.2],
    "600003": [15, NAN, 15.5, 15.6, 15.7, 15.8, 16.0],
    "600005": [8, 8.2, 8.3, 8.4, 8.5, 8.6, 8.8],
    "600006": [10, 10, 10, 10, 10, 10, 11.0],
    "000001": [20, 22.0, NAN, NAN, NAN, NAN, NAN],
}
PANEL = make_panel(DAYS, OPENS, CLOSES, bench_open=[1.0] * 7, bench_close=[1.0] * 7)
EVENTS = events(
    *(("a", DAYS[0], c) for c in ("600000", "600001", "600002", "600003", "600005", "000001",
                                  "600009")),
    ("b", DAYS[5], "600006"), ("b", DAYS[5], "600005"),
    ("c", DAYS[6], "600005"),
)  # fmt: skip
FREE = Costs(commission_bps=0.0, slippage_bps=0.0)
T = pd.Timestamp
NAT = pd.NaT
UP, UP_OPEN = "closed at the up-limit", "opened at the up-limit"
NO_BAR, LOCKED = "no bar (suspended)", "locked at the up-limit all day"
ENDS = "entry blocked until the data ends (last session 2024-03-28)"
NO_DATA = "no price data for this code"
AFTER = "no session after publication in the data (last session 2024-03-28)"
SUSPENDED = "no bar on the entry day (suspended; last bar before it 2024-03-20)"
D1, D2, D3, D6 = T(DAYS[1]), T(DAYS[2]), T(DAYS[3]), T(DAYS[6])
AT_LIMIT = "booked at the limit price (ignore)"

# Per case (rule, policy, max_delay): blocked and delayed entries of baskets a, b, c; basket
# a's return (h = 5, exit at d6's close: 600000 12.50, 600001 11.20, 600002 21.20, 600003
# 16.00, 600005 8.80, 000001 22.00 carried); the entry trades (code, what, planned,
# actual, outcome); the missing constituents (basket, code, reason).
CASES = {
    # At the close: 600000 waits out d2 (closed at the limit again) and is bought at d3's
    # close 12.00; 600002 and 600003 at d2's closes 20.40 and 15.50; 600001 at d1's 10.50;
    # 600005 at 8.20.  000001 and 600006 are never free: 1 + 10 and 6 + 10 reach d7, past
    # the data.
    ("next_close", "delay", 10): (
        [4, 1, 0], [3, 0, 0],
        [12.5 / 12 - 1, 11.2 / 10.5 - 1, 21.2 / 20.4 - 1, 16 / 15.5 - 1, 8.8 / 8.2 - 1],
        [("600000", UP, D1, D3, "delayed"), ("600002", NO_BAR, D1, D2, "delayed"),
         ("600003", NO_BAR, D1, D2, "delayed"), ("000001", LOCKED, D1, NAT, "excluded"),
         ("600006", LOCKED, D6, NAT, "excluded")],
        [("a", "000001", ENDS), ("a", "600009", NO_DATA), ("b", "600006", ENDS),
         ("c", "600005", AFTER)],
    ),
    # Six sessions of waiting from d1 reach d7, past the data: the data ended inside the
    # window.
    ("next_close", "delay", 6): (
        [4, 1, 0], [3, 0, 0],
        [12.5 / 12 - 1, 11.2 / 10.5 - 1, 21.2 / 20.4 - 1, 16 / 15.5 - 1, 8.8 / 8.2 - 1],
        [("600000", UP, D1, D3, "delayed"), ("600002", NO_BAR, D1, D2, "delayed"),
         ("600003", NO_BAR, D1, D2, "delayed"), ("000001", LOCKED, D1, NAT, "excluded"),
         ("600006", LOCKED, D6, NAT, "excluded")],
        [("a", "000001", ENDS), ("a", "600009", NO_DATA), ("b", "600006", ENDS),
         ("c", "600005", AFTER)],
    ),
    # Five sessions from d1 end at d6, inside the data: 000001 was blocked for all of them.
    # From d6 (basket b) the data ends at once.
    ("next_close", "delay", 5): (
        [4, 1, 0], [3, 0, 0],
        [12.5 / 12 - 1, 11.2 / 10.5 - 1, 21.2 / 20.4 - 1, 16 / 15.5 - 1, 8.8 / 8.2 - 1],
        [("600000", UP, D1, D3, "delayed"), ("600002", NO_BAR, D1, D2, "delayed"),
         ("600003", NO_BAR, D1, D2, "delayed"), ("000001", LOCKED, D1, NAT, "excluded"),
         ("600006", LOCKED, D6, NAT, "excluded")],
        [("a", "000001", "entry blocked for more than 5 sessions"), ("a", "600009", NO_DATA),
         ("b", "600006", ENDS), ("c", "600005", AFTER)],
    ),
    # One session of waiting: 600000 is blocked on d2 too and is not bought (its limit
    # close 11.00 is no entry price); 600002 and 600003 are bought on d2.
    ("next_close", "delay", 1): (
        [4, 1, 0], [2, 0, 0],
        [11.2 / 10.5 - 1, 21.2 / 20.4 - 1, 16 / 15.5 - 1, 8.8 / 8.2 - 1],
        [("600000", UP, D1, NAT, "excluded"), ("600002", NO_BAR, D1, D2, "delayed"),
         ("600003", NO_BAR, D1, D2, "delayed"), ("000001", LOCKED, D1, NAT, "excluded"),
         ("600006", LOCKED, D6, NAT, "excluded")],
        [("a", "600000", "entry blocked for more than 1 sessions"),
         ("a", "000001", "entry blocked for more than 1 sessions"), ("a", "600009", NO_DATA),
         ("b", "600006", ENDS), ("c", "600005", AFTER)],
    ),
    ("next_close", "skip", 10): (
        [4, 1, 0], [0, 0, 0],
        [11.2 / 10.5 - 1, 8.8 / 8.2 - 1],
        [("600000", UP, D1, NAT, "excluded"), ("600002", NO_BAR, D1, NAT, "excluded"),
         ("600003", NO_BAR, D1, NAT, "excluded"), ("000001", LOCKED, D1, NAT, "excluded"),
         ("600006", LOCKED, D6, NAT, "excluded")],
        [("a", "600000", f"entry blocked ({UP}); skipped"),
         ("a", "600002", f"entry blocked ({NO_BAR}); skipped"),
         ("a", "600003", f"entry blocked ({NO_BAR}); skipped"),
         ("a", "000001", f"entry blocked ({LOCKED}); skipped"), ("a", "600009", NO_DATA),
         ("b", "600006", f"entry blocked ({LOCKED}); skipped"), ("c", "600005", AFTER)],
    ),
    # Limit days are booked at their price (600000 at 11.00, 000001 at 22.00, valued at its
    # last close 22.00 at the exit); no bar stays unpriced.
    ("next_close", "ignore", 10): (
        [4, 1, 0], [0, 0, 0],
        [12.5 / 11 - 1, 11.2 / 10.5 - 1, 8.8 / 8.2 - 1, 22 / 22 - 1],
        [("600000", UP, D1, D1, AT_LIMIT), ("600002", NO_BAR, D1, NAT, "excluded"),
         ("600003", NO_BAR, D1, NAT, "excluded"), ("000001", LOCKED, D1, D1, AT_LIMIT),
         ("600006", LOCKED, D6, D6, AT_LIMIT)],
        [("a", "600002", SUSPENDED), ("a", "600003", SUSPENDED), ("a", "600009", NO_DATA),
         ("c", "600005", AFTER)],
    ),
    # At the open: 600000 is bought at 10.20; 600001 waits for d2's open 10.60, 600002 and
    # 600003 for d2's opens 20.20 and 15.40; 600005 at 8.10.
    ("next_open", "delay", 10): (
        [4, 1, 0], [3, 0, 0],
        [12.5 / 10.2 - 1, 11.2 / 10.6 - 1, 21.2 / 20.2 - 1, 16 / 15.4 - 1, 8.8 / 8.1 - 1],
        [("600001", UP_OPEN, D1, D2, "delayed"), ("600002", NO_BAR, D1, D2, "delayed"),
         ("600003", NO_BAR, D1, D2, "delayed"), ("000001", LOCKED, D1, NAT, "excluded"),
         ("600006", LOCKED, D6, NAT, "excluded")],
        [("a", "000001", ENDS), ("a", "600009", NO_DATA), ("b", "600006", ENDS),
         ("c", "600005", AFTER)],
    ),
    ("next_open", "skip", 10): (
        [4, 1, 0], [0, 0, 0],
        [12.5 / 10.2 - 1, 8.8 / 8.1 - 1],
        [("600001", UP_OPEN, D1, NAT, "excluded"), ("600002", NO_BAR, D1, NAT, "excluded"),
         ("600003", NO_BAR, D1, NAT, "excluded"), ("000001", LOCKED, D1, NAT, "excluded"),
         ("600006", LOCKED, D6, NAT, "excluded")],
        [("a", "600001", f"entry blocked ({UP_OPEN}); skipped"),
         ("a", "600002", f"entry blocked ({NO_BAR}); skipped"),
         ("a", "600003", f"entry blocked ({NO_BAR}); skipped"),
         ("a", "000001", f"entry blocked ({LOCKED}); skipped"), ("a", "600009", NO_DATA),
         ("b", "600006", f"entry blocked ({LOCKED}); skipped"), ("c", "600005", AFTER)],
    ),
    # 600001 is booked at its limit open 11.00; 600003's open 15.30 on a day without a
    # close is no entry price.
    ("next_open", "ignore", 10): (
        [4, 1, 0], [0, 0, 0],
        [12.5 / 10.2 - 1, 11.2 / 11 - 1, 8.8 / 8.1 - 1, 22 / 22 - 1],
        [("600001", UP_OPEN, D1, D1, AT_LIMIT), ("600002", NO_BAR, D1, NAT, "excluded"),
         ("600003", NO_BAR, D1, NAT, "excluded"), ("000001", LOCKED, D1, D1, AT_LIMIT),
         ("600006", LOCKED, D6, D6, AT_LIMIT)],
        [("a", "600002", SUSPENDED), ("a", "600003", SUSPENDED), ("a", "600009", NO_DATA),
         ("c", "600005", AFTER)],
    ),
}  # fmt: skip


@pytest.mark.parametrize(("rule", "policy", "max_delay"), list(CASES))
def test_blocked_entries_by_rule_and_policy(rule: str, policy: str, max_delay: int) -> None:
    blocked, delayed, returns, trades, missing = CASES[rule, policy, max_delay]
    trading = Trading(untradable=policy, max_delay=max_delay, costs=FREE)  # type: ignore[arg-type]
    res = evaluate_events(PANEL, EVENTS, [5], rule, trading=trading)
    t = res.table.set_index("basket")
    assert t["blocked_entries"].tolist() == blocked
    assert t["delayed_entries"].tolist() == delayed
    assert t.loc["a", "basket_return"] == pytest.approx(np.mean(returns), abs=1e-15)
    assert t.loc["a", "n_missing"] == 7 - len(returns)
    got = res.trades[res.trades["side"] == "entry"]
    assert [(r.code, r.what, r.planned_date, r.actual_date, r.outcome)
            for r in got.itertuples()] == trades  # fmt: skip
    assert got["basket"].tolist() == ["a"] * 4 + ["b"]
    assert [tuple(map(str, r)) for r in res.missing[["basket", "code", "reason"]].values] == [
        tuple(m) for m in missing
    ]
    if policy == "ignore":  # 000001's sale at d6 (no bar) is valued at its last close
        (x,) = res.trades[res.trades["side"] == "exit"].itertuples()
        assert (x.code, x.what) == ("000001", NO_BAR)
        assert x.outcome == "valued at the last close (ignore)"
    else:
        assert (res.trades["side"] == "entry").all()


def test_a_panel_of_one_code_with_unknown_codes_and_late_publications() -> None:
    # One code, trading freely at 10.00, 10.50, 11.00, 11.50.  Basket a (published d0)
    # names it and a code the panel lacks; basket b is published on the last session.
    days = DAYS[:4]
    p = make_panel(days, {"600000": [10, 10.5, 11, 11.5]}, {"600000": [10, 10.5, 11, 11.5]},
                   bench_open=[1.0] * 4, bench_close=[1.0] * 4)  # fmt: skip
    ev = events(("a", days[0], "600000"), ("a", days[0], "600009"), ("b", days[3], "600000"))
    res = evaluate_events(p, ev, [2], "next_close", trading=Trading(costs=FREE))
    t = res.table.set_index("basket")
    assert t["blocked_entries"].tolist() == [0, 0]
    assert t.loc["a", "basket_return"] == pytest.approx(11.5 / 10.5 - 1, abs=1e-15)
    assert np.isnan(t.loc["b", "basket_return"])
    last = "no session after publication in the data (last session 2024-03-25)"
    assert res.missing["reason"].astype(str).tolist() == [NO_DATA, last]
    assert res.trades.empty


def test_a_panel_without_codes_blocks_no_entry() -> None:
    from thematic.data.panel import PricePanel

    none = np.empty((3, 0))
    p = PricePanel(pd.DatetimeIndex(DAYS[:3]), pd.Index([], dtype=str), none, none, "000300",
                   np.ones(3), np.ones(3))  # fmt: skip
    res = evaluate_events(p, events(("a", DAYS[0], "600000")), [1], "next_open")
    row = res.table.iloc[0]
    assert (row.n_missing, row.blocked_entries, row.delayed_entries) == (1, 0, 0)
    assert res.missing["reason"].astype(str).tolist() == [NO_DATA]
    assert res.trades.empty
