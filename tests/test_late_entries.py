"""Delayed trades against the rows they belong to (issue 19, items 1, 7, 8).

A constituent bought late (``--untradable delay``) after a row's exit session has no return
at that horizon: it is left out of the row, the weights renormalised over the rest, counted
in ``entered_after_exit`` and recorded among the trades.  ``--max-delay 0`` means "no
waiting"; a delay is bounded by the calendar whatever its size.  Expected values are worked
by hand from the synthetic prices below (never market data).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.helpers import make_panel
from thematic.engine import evaluate_events
from thematic.rules import Costs, Trading

NAN = float("nan")
# d0..d5.  000002 is suspended on d1 and d2 (the entry session and the h=1 exit): under
# delay it is bought at d3's open.  Moves stay far below the 10 % limit.
DATES = ["2024-03-21", "2024-03-22", "2024-03-25", "2024-03-26", "2024-03-27", "2024-03-28"]
PANEL = make_panel(
    DATES,
    opens={"000001": [10, 10, 10.5, 11, 11.5, 12], "000002": [20, NAN, NAN, 20, 21, 22]},
    closes={"000001": [10, 10.5, 11, 11.5, 12, 12.5], "000002": [20, NAN, NAN, 21, 23, 24]},
    bench_open=[100, 100, 101, 102, 103, 104],
    bench_close=[100, 101, 102, 103, 104, 105],
)
NO_COSTS = Costs(commission_bps=0.0, slippage_bps=0.0)


def _events(weights: tuple[float, float] | None = None) -> pd.DataFrame:
    ev = pd.DataFrame({"event_id": "e", "published": DATES[0], "code": ["000001", "000002"]})
    if weights is not None:
        ev["weight"] = list(weights)
    return ev


def test_a_constituent_bought_after_a_rows_exit_is_left_out_of_that_row() -> None:
    result = evaluate_events(PANEL, _events(), [1, 3], "next_open",
                             trading=Trading(max_delay=5, costs=NO_COSTS))  # fmt: skip
    t = result.table.set_index("horizon")
    # h=1 exits at d2's close; 000002 was bought at d3: only 000001, 11 / 10 - 1.
    assert t.loc[1, "basket_return"] == pytest.approx(0.1, abs=1e-12)  # was (0.1 + 0.05) / 2
    assert t.loc[1, "entered_after_exit"] == 1 and t.loc[1, "delayed_entries"] == 1
    assert t.loc[1, "hit_rate"] == 1.0  # 0.1 > 102 / 100 - 1; one member
    # h=3 exits at d4's close: both, 12 / 10 - 1 and 23 / 20 - 1.
    assert t.loc[3, "basket_return"] == pytest.approx((0.2 + 0.15) / 2, abs=1e-12)
    assert t.loc[3, "entered_after_exit"] == 0
    # Named: the trade record of the row it was left out of.
    left = result.trades[result.trades["outcome"].str.startswith("bought after")]
    assert left[["code", "horizon"]].astype(str).values.tolist() == [["000002", "1"]]
    assert str(left["actual_date"].iloc[0].date()) == "2024-03-26"


def test_weights_are_renormalised_over_the_constituents_held() -> None:
    t = evaluate_events(PANEL, _events((0.25, 0.75)), [1, 3], "next_open",
                        trading=Trading(max_delay=5, costs=NO_COSTS)).table  # fmt: skip
    t = t.set_index("horizon")
    assert t.loc[1, "basket_return"] == pytest.approx(0.1, abs=1e-12)  # 000001 alone
    assert t.loc[3, "basket_return"] == pytest.approx(0.25 * 0.2 + 0.75 * 0.15, abs=1e-12)


def test_a_row_whose_every_constituent_came_too_late_has_no_number() -> None:
    ev = pd.DataFrame({"event_id": ["e"], "published": [DATES[0]], "code": ["000002"]})
    t = evaluate_events(PANEL, ev, [1, 3], "next_open", trading=Trading(max_delay=5)).table
    t = t.set_index("horizon")
    assert np.isnan(t.loc[1, "basket_return"]) and t.loc[1, "entered_after_exit"] == 1
    assert (
        t.loc[1, "note"]
        == "every priced constituent was bought (delayed) after this horizon's exit"
    )
    assert t.loc[3, "basket_return"] == pytest.approx(23 / 20 - 1, abs=1e-12)


def test_max_delay_0_means_no_waiting_for_entries_and_exits() -> None:
    t = evaluate_events(PANEL, _events(), [1, 3], "next_open",
                        trading=Trading(max_delay=0, costs=NO_COSTS)).table  # fmt: skip
    t = t.set_index("horizon")
    assert (t["n_missing"] == 1).all()  # 000002 not bought: no session to wait for
    assert t.loc[1, "basket_return"] == pytest.approx(0.1, abs=1e-12)
    # An exit blocked (no bar at d2) with no waiting: valued at the last close tried, d1's.
    ev = pd.DataFrame({"event_id": ["x"], "published": [DATES[0]], "code": ["000002"]})
    p = make_panel(DATES, {"000002": [20, 20, NAN, 20, 21, 22]},
                   {"000002": [20, 21, NAN, 22, 23, 24]}, [100] * 6, [100] * 6)  # fmt: skip
    # No waiting: d2's close is d1's carried (21); one session or more: d3's close (22).
    for max_delay, expected in ((0, 21 / 20 - 1), (1, 22 / 20 - 1), (2, 22 / 20 - 1)):
        row = evaluate_events(p, ev, [1], "next_open",
                              trading=Trading(max_delay=max_delay)).table.iloc[0]  # fmt: skip
        assert row["basket_return"] == pytest.approx(expected, abs=1e-12), max_delay
        assert row["blocked_exits"] == 1
    exit_day = evaluate_events(p, ev, [1], "next_open", trading=Trading(max_delay=1)).trades
    assert str(exit_day["actual_date"].iloc[0].date()) == "2024-03-26"  # sold at d3's close


def test_a_huge_delay_is_bounded_by_the_calendar() -> None:
    from thematic.constants import MAX_SESSIONS

    t = evaluate_events(PANEL, _events(), [1, 3], "next_open",
                        trading=Trading(max_delay=MAX_SESSIONS, costs=NO_COSTS)).table  # fmt: skip
    same = evaluate_events(PANEL, _events(), [1, 3], "next_open",
                           trading=Trading(max_delay=5, costs=NO_COSTS)).table  # fmt: skip
    pd.testing.assert_frame_equal(t, same)
