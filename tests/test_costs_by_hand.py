"""Costs on multi-stock baskets, worked out by hand, yuan by yuan.

Synthetic prices written out below (never presented as market data); every expected figure
is computed in the comments from the rules: commission 2.5 bps per side with a 5-yuan
minimum per order, slippage 5 bps per side, transfer fee 0.002 % per side until 2022-04-28
and 0.001 % from 2022-04-29, stamp duty 0.1 % on sales until 2023-08-27 and 0.05 % from
2023-08-28, the notional split by weight.
"""

from __future__ import annotations

import pandas as pd
import pytest

from tests.helpers import events, make_panel
from thematic.engine import evaluate_events
from thematic.rules import Costs, Trading

DEFAULT = Costs(commission_bps=2.5, slippage_bps=5.0, notional=100_000.0)


def table(days: list[str], closes: dict[str, list[float]], ev: pd.DataFrame,
          horizons: list[int], costs: Costs) -> pd.DataFrame:  # fmt: skip
    flat = [1.0] * len(days)
    p = make_panel(days, opens=closes, closes=closes, bench_open=flat, bench_close=flat)
    return evaluate_events(p, ev, horizons, "next_close", trading=Trading(costs=costs)).table  # type: ignore[arg-type]


def test_weighted_basket_across_the_stamp_duty_cut() -> None:
    # 100,000 yuan, weights 0.9 / 0.1: legs of 90,000 and 10,000 bought at the close of
    # Thu 2023-08-24; sold on Fri 08-25 (h = 1, stamp 0.1 %) or Mon 08-28 (h = 2, 0.05 %).
    t = table(["2023-08-23", "2023-08-24", "2023-08-25", "2023-08-28"],
              {"600000": [10, 10, 10.5, 10.8], "000001": [20, 20, 19, 21]},
              events(("a", "2023-08-23", "600000", 0.9), ("a", "2023-08-23", "000001", 0.1)),
              [1, 2], DEFAULT)  # fmt: skip
    # Buys: 600000 commission 22.50 + transfer 0.90 + slippage 45 = 68.40;
    #       000001 commission 2.50 -> minimum 5 + transfer 0.10 + slippage 5 = 10.10.
    # h = 1: 600000 sold for 94,500: commission 23.625 + stamp 94.50 + transfer 0.945 +
    #   slippage 47.25 = 166.32 -> 94,500 - 166.32 - 90,000 - 68.40 = +4,265.28;
    #   000001 sold for 9,500: commission 2.375 -> 5 + stamp 9.50 + transfer 0.095 + slippage
    #   4.75 = 19.345 -> 9,500 - 19.345 - 10,000 - 10.10 = -529.445;
    #   net = (4,265.28 - 529.445) / 100,000 = 0.03735835; gross 0.9 * 5% - 0.1 * 5% = 4%.
    # h = 2: 600000 sold for 97,200: 24.30 + stamp 48.60 + 0.972 + 48.60 = 122.472 ->
    #   +7,009.128; 000001 sold for 10,500: 2.625 -> 5 + 5.25 + 0.105 + 5.25 = 15.605 ->
    #   +474.295; net = 7,483.423 / 100,000 = 0.07483423; gross 0.9 * 8% + 0.1 * 5% = 7.7%.
    assert t["basket_return"].tolist() == pytest.approx([0.04, 0.077], abs=1e-15)
    assert t["net_return"].tolist() == pytest.approx([0.03735835, 0.07483423], abs=1e-12)
    assert t["net_excess_return"].tolist() == pytest.approx([0.03735835, 0.07483423], abs=1e-12)


def test_equal_weights_across_the_transfer_fee_cut_with_the_minimum_biting() -> None:
    # 45,000 yuan in three equal legs of 15,000 (commission 3.75 -> the 5-yuan minimum on
    # every order), bought Thu 2022-04-28 (transfer 0.002 %), sold Fri 04-29 (0.001 %).
    t = table(["2022-04-27", "2022-04-28", "2022-04-29"],
              {"600000": [10, 10, 10.2], "600001": [20, 20, 19.6], "600002": [40, 40, 40]},
              events(("b", "2022-04-27", "600000"), ("b", "2022-04-27", "600001"),
                     ("b", "2022-04-27", "600002")),
              [1], Costs(commission_bps=2.5, slippage_bps=5.0, notional=45_000.0))  # fmt: skip
    # Each buy: commission 5 + transfer 0.30 + slippage 7.50 = 12.80.
    # 600000 sold for 15,300: 5 + stamp 15.30 + transfer 0.153 + slippage 7.65 = 28.103
    #   -> 300 - 28.103 - 12.80 = +259.097;
    # 600001 sold for 14,700: 5 + 14.70 + 0.147 + 7.35 = 27.197 -> -300 - 27.197 - 12.80
    #   = -339.997;
    # 600002 sold for 15,000: 5 + 15 + 0.15 + 7.50 = 27.65 -> -27.65 - 12.80 = -40.45;
    # net = (259.097 - 339.997 - 40.45) / 45,000 = -121.35 / 45,000.
    row = t.iloc[0]
    assert row.basket_return == pytest.approx(0.0, abs=1e-15)
    assert row.net_return == pytest.approx(-121.35 / 45_000, abs=1e-12)


def test_slippage_is_paid_on_both_sides() -> None:
    # One leg of 1,000,000 yuan, no commission: the only costs are slippage 10 bps a side,
    # transfer fees and stamp duty. Bought at 10 on 2024-03-25, sold at 12 on 03-26:
    # buy 1,000 + transfer 10 = 1,010; sell 1,200,000: slippage 1,200 + transfer 12 + stamp
    # 600 = 1,812; net = (200,000 - 1,812 - 1,010) / 1,000,000 = 0.197178.
    t = table(["2024-03-22", "2024-03-25", "2024-03-26"], {"300308": [10, 10, 12]},
              events(("c", "2024-03-22", "300308")), [1],
              Costs(commission_bps=0.0, slippage_bps=10.0, notional=1_000_000.0))  # fmt: skip
    assert t.iloc[0].net_return == pytest.approx(0.197178, abs=1e-12)
