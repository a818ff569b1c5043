"""Each trade's fees follow the rules in force on its own day, worked out by hand.

The dated rules (thematic/marketrules.py, restated here): a 5-yuan minimum commission per
order from 2002-05-01 (none before); stamp duty on sales of 0.1 % from 2008-09-19 and 0.05 %
from 2023-08-28 (none before 2008-09-19); a transfer fee on both sides of 0.002 % from
2015-08-01 and 0.001 % from 2022-04-29 (none before).  Commission 2.5 bps, slippage 5 bps a
side unless a test says otherwise.  Synthetic prices (never presented as market data).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.helpers import events, make_panel
from thematic.data.panel import PricePanel
from thematic.engine import evaluate_events
from thematic.engine.trading import Fees
from thematic.rules import Costs, Trading

# One session on each side of every change of rule.
DAYS = ["2002-04-30", "2002-05-08", "2008-09-18", "2008-09-19", "2015-07-31", "2015-08-03",
        "2022-04-28", "2022-04-29", "2023-08-25", "2023-08-28"]  # fmt: skip
ALL = np.arange(len(DAYS))
DEFAULT = Costs(commission_bps=2.5, slippage_bps=5.0)


def _panel(days: list[str]) -> PricePanel:
    ones = [1.0] * len(days)
    return make_panel(days, {"600000": ones}, {"600000": ones}, ones, ones)


def test_fees_of_two_order_sizes_on_each_side_of_every_rule_change() -> None:
    fees = Fees(_panel(DAYS), DEFAULT)
    big, small = np.full(len(DAYS), 100_000.0), np.full(len(DAYS), 1_000.0)
    # 100,000 yuan: commission 25 (above any minimum) + slippage 50, + transfer fee 0, 0, 0,
    # 0, 0, 2, 2, 1, 1, 1; a sale adds stamp duty 0, 0, 0, 100, 100, 100, 100, 100, 100, 50.
    assert fees.buy(big, ALL).tolist() == pytest.approx(
        [75, 75, 75, 75, 75, 77, 77, 76, 76, 76], abs=1e-9
    )
    assert fees.sell(big, ALL).tolist() == pytest.approx(
        [75, 75, 75, 175, 175, 177, 177, 176, 176, 126], abs=1e-9
    )
    # 1,000 yuan: commission 0.25, raised to the 5-yuan minimum from 2002-05-01; slippage
    # 0.50; transfer fee 0, 0, 0, 0, 0, 0.02, 0.02, 0.01, 0.01, 0.01; stamp duty 0, 0, 0, 1,
    # 1, 1, 1, 1, 1, 0.50.
    assert fees.buy(small, ALL).tolist() == pytest.approx(
        [0.75, 5.5, 5.5, 5.5, 5.5, 5.52, 5.52, 5.51, 5.51, 5.51], abs=1e-9
    )
    assert fees.sell(small, ALL).tolist() == pytest.approx(
        [0.75, 5.5, 5.5, 6.5, 6.5, 6.52, 6.52, 6.51, 6.51, 6.01], abs=1e-9
    )


def test_no_commission_means_no_minimum_commission() -> None:
    fees = Fees(_panel(DAYS), Costs(commission_bps=0.0, slippage_bps=5.0))
    small = np.full(len(DAYS), 1_000.0)
    # 1,000 yuan: slippage 0.50 + the transfer fee (+ stamp duty on a sale); no 5 yuan.
    assert fees.buy(small, ALL).tolist() == pytest.approx(
        [0.5, 0.5, 0.5, 0.5, 0.5, 0.52, 0.52, 0.51, 0.51, 0.51], abs=1e-9
    )
    assert fees.sell(small, ALL).tolist() == pytest.approx(
        [0.5, 0.5, 0.5, 1.5, 1.5, 1.52, 1.52, 1.51, 1.51, 1.01], abs=1e-9
    )


def test_fees_on_a_panel_of_one_session() -> None:
    fees = Fees(_panel(["2024-03-22"]), DEFAULT)
    # 1,000 yuan: the 5-yuan minimum + slippage 0.50 + transfer 0.01 (+ stamp duty 0.50).
    assert fees.buy(np.array([1_000.0]), np.array([0])).tolist() == pytest.approx([5.51])
    assert fees.sell(np.array([1_000.0]), np.array([0])).tolist() == pytest.approx([6.01])


def test_a_round_trip_across_the_start_of_the_minimum_commission() -> None:
    # 1,000 yuan bought at the close of 2002-04-30 at 10.00 (no minimum then: commission
    # 0.25 + slippage 0.50 = 0.75) and sold at 11.00 on 2002-05-08 (1,100 yuan: commission
    # 0.275 -> the 5-yuan minimum + slippage 0.55 = 5.55); no stamp duty or transfer fee yet.
    # Net: (1,100 - 5.55 - 1,000 - 0.75) / 1,000 = 0.0937.
    days = ["2002-04-29", "2002-04-30", "2002-05-08", "2002-05-09"]
    closes = {"600000": [10.0, 10.0, 11.0, 11.0]}
    p = make_panel(days, closes, closes, [1.0] * 4, [1.0] * 4)
    costs = Costs(commission_bps=2.5, slippage_bps=5.0, notional=1_000.0)
    ev = events(("a", days[0], "600000"))
    row = evaluate_events(p, ev, [1], "next_close", trading=Trading(costs=costs)).table.iloc[0]
    assert row.basket_return == pytest.approx(0.1, abs=1e-15)
    assert row.net_return == pytest.approx(0.0937, abs=1e-12)


def test_one_panel_under_two_cost_models() -> None:
    # The same panel object evaluated twice: each run pays its own model's fees.  1,000,000
    # yuan bought at 10.00 on 2024-03-25 and sold at 12.00 on 03-26 (transfer fee 0.001 %,
    # stamp duty 0.05 %).
    # Model 1, commission 2.5 bps, slippage 5 bps: buy 250 + 500 + 10 = 760; sale of
    # 1,200,000: 300 + 600 + 12 + 600 = 1,512; net (200,000 - 1,512 - 760) / 1e6 = 0.197728.
    # Model 2, no commission, slippage 10 bps: buy 1,000 + 10 = 1,010; sale 1,200 + 12 + 600
    # = 1,812; net (200,000 - 1,812 - 1,010) / 1e6 = 0.197178.
    days = ["2024-03-22", "2024-03-25", "2024-03-26"]
    closes = {"600000": [10.0, 10.0, 12.0]}
    p = make_panel(days, closes, closes, [1.0] * 3, [1.0] * 3)
    ev = events(("a", days[0], "600000"))
    models = [(Costs(commission_bps=2.5, slippage_bps=5.0), 0.197728),
              (Costs(commission_bps=0.0, slippage_bps=10.0), 0.197178)]  # fmt: skip
    for costs, want in [*models, *models]:
        got = evaluate_events(p, ev, [1], "next_close", trading=Trading(costs=costs)).table
        assert got.iloc[0].net_return == pytest.approx(want, abs=1e-12), costs


def test_fees_on_a_panel_without_sessions() -> None:
    none = np.empty((0, 1))
    p = PricePanel(pd.DatetimeIndex([]), pd.Index(["600000"]), none, none, "000300",
                   np.empty(0), np.empty(0))  # fmt: skip
    fees = Fees(p, DEFAULT)
    assert fees.buy(np.empty(0), np.empty(0, dtype=np.int64)).tolist() == []
    assert fees.sell(np.empty(0), np.empty(0, dtype=np.int64)).tolist() == []
