"""Price limits, suspensions, delays and costs.

The real case is read straight from the bundled snapshot's Parquet files with pandas and
worked out here by hand-written arithmetic; the hand-made panels are synthetic (their
numbers are written out below) and never presented as market data.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import thematic
from tests.helpers import events, make_panel
from thematic.engine import evaluate_events
from thematic.engine.tradable import DOWN_CLOSE, LOCKED, NO_BAR, UP_CLOSE, UP_OPEN, trade_state
from thematic.marketrules import rule_value
from thematic.rules import Costs, Trading

SNAPSHOT = Path(thematic.__file__).parent / "data" / "snapshot"
NAN = float("nan")
FREE = Costs(commission_bps=0.0, slippage_bps=0.0)  # isolates the price arithmetic


@pytest.fixture(scope="module")
def snap() -> tuple[pd.DataFrame, pd.Series]:
    bars = pd.read_parquet(SNAPSHOT / "stocks.parquet")
    close = bars.pivot(index="date", columns="code", values="close")
    bench = pd.read_parquet(SNAPSHOT / "index_000300.parquet").set_index("date")["close"]
    close.index = pd.DatetimeIndex(close.index)
    bench.index = pd.DatetimeIndex(bench.index)
    return close, bench


def evaluate(paths: list[str], **kw: object) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return thematic.evaluate(paths, **kw)  # type: ignore[arg-type]


AI = ["300624", "688111", "300634", "300229", "300253", "688246"]
COMPUTE = ["601138", "603019", "301236", "000034", "300442", "002261"]  # 872808: no bars

# Found by hand in the snapshot for 2024-02-19, the session after the Sora report:
# 300624 opened and closed at 72.18 = 60.15 * 1.20 (ChiNext +20%, close == high);
# 002261 12.96 = 11.78 * 1.10, 601138 16.47 = 14.98 * 1.10 (rounded), 603019 37.08 =
# 33.71 * 1.10 (rounded): closed at +10% with close == high; they opened +5.9% to +6.5%.
BLOCKED_AT_CLOSE = {"300624", "002261", "601138", "603019"}
BLOCKED_AT_OPEN = {"300624"}


@pytest.mark.parametrize(
    ("entry", "want"), [("next_close", BLOCKED_AT_CLOSE), ("next_open", BLOCKED_AT_OPEN)]
)
def test_the_sora_day_blocks_what_the_data_says(entry: str, want: set[str]) -> None:
    df = evaluate(["baskets/ai_applications.yaml", "baskets/compute_infrastructure.yaml"],
                  horizons="20", entry=entry)  # fmt: skip
    got = {t["code"] for t in df.attrs["metadata"]["trades"] if t["side"] == "entry"}
    assert got == want
    assert all(t["planned_date"] == "2024-02-19" for t in df.attrs["metadata"]["trades"])
    assert df["blocked_entries"].tolist() == [
        len(want & set(AI)), len(want & set(COMPUTE))
    ]  # fmt: skip


@pytest.mark.parametrize("policy", ["delay", "skip", "ignore"])
def test_policies_on_the_real_case_by_hand(
    snap: tuple[pd.DataFrame, pd.Series], policy: str
) -> None:
    close, bench = snap
    e, e1 = pd.Timestamp("2024-02-19"), pd.Timestamp("2024-02-20")
    cal = bench.index
    x = cal[cal.get_loc(e) + 20]  # the 20th session after entry: 2024-03-18
    assert x == pd.Timestamp("2024-03-18")

    def r(code: str, entry_day: pd.Timestamp) -> float:
        return float(close.loc[x, code] / close.loc[entry_day, code] - 1)

    def basket(codes: list[str]) -> float:
        kept = [c for c in codes if not (policy == "skip" and c in BLOCKED_AT_CLOSE)]
        day = {c: e1 if policy == "delay" and c in BLOCKED_AT_CLOSE else e for c in kept}
        return sum(r(c, day[c]) for c in kept) / len(kept)  # equal weights

    df = evaluate(["baskets/ai_applications.yaml", "baskets/compute_infrastructure.yaml"],
                  horizons="20", entry="next_close",
                  trading=Trading(untradable=policy, costs=FREE))  # type: ignore[arg-type]  # fmt: skip
    bench_r = bench.loc[x] / bench.loc[e] - 1  # the benchmark enters on the basket's day
    for row, codes in zip(df.itertuples(), [AI, COMPUTE], strict=True):
        assert row.basket_return == pytest.approx(basket(codes), abs=1e-12)
        assert row.benchmark_return == pytest.approx(bench_r, abs=1e-12)
        # No commission or slippage: only the dated taxes of 2024.  Per constituent,
        # net = (1 + r) (1 - stamp 0.05% - transfer 0.001%) - transfer 0.001% (buy) - 1.
        stamp, transfer = 0.0005, 0.00001
        assert row.net_return == pytest.approx(
            (1 + row.basket_return) * (1 - stamp - transfer) - transfer - 1, abs=1e-12
        )
    delayed = df["delayed_entries"].tolist()
    assert delayed == ([1, 3] if policy == "delay" else [0, 0])
    missing = df["n_missing"].tolist()
    assert missing == ([1, 4] if policy == "skip" else [0, 1])  # 872808 has no bars at all


def test_the_limit_down_exit_of_2025_04_08(snap: tuple[pd.DataFrame, pd.Series]) -> None:
    close, _ = snap
    # 002837 closed 2025-04-08 at 19.46... = prev * 0.90: the -10% limit, close == low.
    prev, day = close.loc["2025-04-07", "002837"], close.loc["2025-04-08", "002837"]
    assert day / prev - 1 == pytest.approx(-0.10, abs=0.0006)
    results = {}
    for policy in ("delay", "skip", "ignore"):
        df = evaluate(["baskets/thermal_management.yaml"], horizons="250", entry="next_close",
                      trading=Trading(untradable=policy, costs=FREE))  # type: ignore[arg-type]  # fmt: skip
        results[policy] = df.iloc[0]
    entry_close = close.loc["2024-03-25", "002837"]
    assert results["ignore"].basket_return == pytest.approx(day / entry_close - 1, abs=1e-12)
    nxt = close.loc["2025-04-09", "002837"]  # the next session it could be sold
    assert results["delay"].basket_return == pytest.approx(nxt / entry_close - 1, abs=1e-12)
    assert np.isnan(results["skip"].basket_return)
    assert results["skip"].note.startswith("every constituent's exit was blocked")
    assert {int(v.blocked_exits) for v in results.values()} == {1}


# -- hand-made panels ----------------------------------------------------------------------------
DAYS = ["2024-03-21", "2024-03-22", "2024-03-25", "2024-03-26", "2024-03-27", "2024-03-28"]
FLAT = [100.0] * 6


def test_suspension_across_the_entry_day() -> None:
    # 600000 has no bar on the entry day 03-25; it trades again on 03-26 (open 10.2).
    p = make_panel(DAYS, opens={"600000": [10, 10, NAN, 10.2, 10.4, 10.6]},
                   closes={"600000": [10, 10, NAN, 10.3, 10.5, 10.8]},
                   bench_open=FLAT, bench_close=FLAT)  # fmt: skip
    ev = events(("s", "2024-03-22", "600000"))
    delay = evaluate_events(p, ev, [2], trading=Trading(costs=FREE))
    row = delay.table.iloc[0]
    assert row.delayed_entries == 1 and row.blocked_entries == 1
    # Entered at 03-26's open 10.2, exit at the close two sessions after 03-25: 03-27, 10.5.
    assert row.basket_return == pytest.approx(10.5 / 10.2 - 1, abs=1e-15)
    assert delay.trades.iloc[0].what == "no bar (suspended)"
    assert delay.trades.iloc[0].actual_date == pd.Timestamp("2024-03-26")
    for policy in ("skip", "ignore"):  # skip drops it; ignore (today's rule) excludes it too
        t = evaluate_events(p, ev, [2], trading=Trading(untradable=policy)).table  # type: ignore[arg-type]
        assert np.isnan(t.iloc[0].basket_return) and t.iloc[0].n_missing == 1


def test_locked_limit_down_on_the_exit_day() -> None:
    # Exit 03-27 (h=2 from entry 03-25): 9.0 = 10.0 * 0.9, open = high = low = close: locked.
    o = [10, 10, 10, 10, 9.0, 9.5]
    c = [10, 10, 10, 10, 9.0, 9.7]
    p = make_panel(DAYS, opens={"600000": o}, closes={"600000": c}, bench_open=FLAT,
                   bench_close=FLAT)  # fmt: skip
    ev = events(("d", "2024-03-22", "600000"))
    res = evaluate_events(p, ev, [2], trading=Trading(costs=FREE))
    assert res.trades.iloc[0].what == "locked at the down-limit all day"
    assert res.table.iloc[0].basket_return == pytest.approx(9.7 / 10 - 1, abs=1e-15)  # 03-28
    ign = evaluate_events(p, ev, [2], trading=Trading(untradable="ignore", costs=FREE))
    assert ign.table.iloc[0].basket_return == pytest.approx(-0.1, abs=1e-15)
    state = trade_state(p)[0]
    assert state[4] & (DOWN_CLOSE | LOCKED) == DOWN_CLOSE | LOCKED


def test_new_listing_first_days_have_no_limit() -> None:
    # A STAR listing from 03-22: +40% on its second day is no limit day (first 5 sessions
    # free); the same +20% close at the high after those 5 sessions is.
    days = pd.bdate_range("2024-03-20", periods=9).strftime("%Y-%m-%d").tolist()
    c = [NAN, NAN, 10, 14, 14.5, 15, 15.2, 18.24, 18.5]  # 03-22 lists; 04-01 = 15.2 * 1.2
    o = [NAN, NAN, 10, 12, 14, 14.6, 15, 16, 18.3]
    p = make_panel(days, opens={"688999": o}, closes={"688999": c}, bench_open=[1.0] * 9,
                   bench_close=[1.0] * 9)  # fmt: skip
    state = trade_state(p)[0]
    assert state[3] & UP_CLOSE == 0  # day 2: +40%, free
    assert state[7] & UP_CLOSE == UP_CLOSE  # day 6: +20% at the high, limited
    # A main-board listing before 2023-04-10 had a first-day band instead: +44%.
    early = pd.bdate_range("2021-03-01", periods=4).strftime("%Y-%m-%d").tolist()
    q = make_panel(early, opens={"600999": [NAN, 10, 14.4, 15]},
                   closes={"600999": [NAN, 10, 14.4, 15.84]}, bench_open=[1.0] * 4,
                   bench_close=[1.0] * 4)  # fmt: skip
    assert trade_state(q)[0][3] & UP_CLOSE == UP_CLOSE  # day 2: +10% at the high, limited


def test_chinext_limit_changes_on_2020_08_24() -> None:
    days = ["2020-08-20", "2020-08-21", "2020-08-24", "2020-08-25"]
    # +10% closes at the high on 08-21 (limit 10%) and on 08-25 (limit now 20%).
    c = [10.0, 11.0, 11.0, 12.1]
    p = make_panel(days, opens={"300999": [10, 10.2, 11, 11.2]}, closes={"300999": c},
                   bench_open=[1.0] * 4, bench_close=[1.0] * 4)  # fmt: skip
    state = trade_state(p)[0]
    assert state[1] & UP_CLOSE == UP_CLOSE
    assert state[3] & UP_CLOSE == 0
    assert rule_value("price_limit", "chinext", pd.Timestamp("2020-08-21")) == 0.10
    assert rule_value("price_limit", "chinext", pd.Timestamp("2020-08-24")) == 0.20


def test_delay_past_max_delay_excludes_and_names() -> None:
    days = pd.bdate_range("2024-03-01", periods=16).strftime("%Y-%m-%d").tolist()
    c = [10.0, 10.0] + [NAN] * 12 + [10.5, 11.0]  # suspended for 12 sessions after 03-04
    p = make_panel(days, opens={"600000": c}, closes={"600000": c}, bench_open=[1.0] * 16,
                   bench_close=[1.0] * 16)  # fmt: skip
    ev = events(("z", days[1], "600000"))
    res = evaluate_events(p, ev, [13], "next_close", trading=Trading(max_delay=10))
    assert res.missing.iloc[0].reason == "entry blocked for more than 10 sessions"
    assert res.trades.iloc[0].outcome == "excluded"
    # Closing at the 10 % up-limit every day to the end of a shorter panel: the data ran out
    # before ten sessions had passed, and the reason says so.
    up = [10.0, 10.0, 11.0, 12.1, 13.31, 14.64, 16.1, 17.71]
    short = make_panel(days[:8], opens={"600000": [9.9, *up[:-1]]}, closes={"600000": up},
                       bench_open=[1.0] * 8, bench_close=[1.0] * 8)  # fmt: skip
    cut = evaluate_events(short, ev, [1], "next_close", trading=Trading(max_delay=10))
    why = f"entry blocked until the data ends (last session {days[7]})"
    assert cut.missing.iloc[0].reason == why
    longer = evaluate_events(p, ev, [13], "next_close", trading=Trading(max_delay=12, costs=FREE))
    row = longer.table.iloc[0]
    assert row.delayed_entries == 1 and row.basket_return == pytest.approx(11.0 / 10.5 - 1)


def test_st_periods_take_the_st_limit() -> None:
    days = ["2021-03-01", "2021-03-02", "2021-03-03"]
    c = [10.0, 10.5, 11.0]  # +5% at the high on 03-02: an ST limit, not a board one
    p = make_panel(days, opens={"600000": [10, 10.1, 10.6]}, closes={"600000": c},
                   bench_open=[1.0] * 3, bench_close=[1.0] * 3)  # fmt: skip
    assert trade_state(p)[0][1] & UP_CLOSE == 0
    assert trade_state(p, (("600000", "2021-01-01", "2021-12-31"),))[0][1] & UP_CLOSE == UP_CLOSE
    assert NO_BAR and UP_OPEN  # the bits are distinct flags
    assert len({NO_BAR, UP_OPEN, UP_CLOSE, DOWN_CLOSE, LOCKED}) == 5


# -- costs ---------------------------------------------------------------------------------------
def one_trade(buy_day: str, sell_day: str, notional: float) -> float:
    """Net return of buying at 10 and selling at 11 under the default costs, no slippage."""
    days = [buy_day, sell_day]
    pre = (pd.Timestamp(buy_day) - pd.offsets.BDay(1)).strftime("%Y-%m-%d")
    p = make_panel([pre, *days], opens={"600000": [10, 10, 10.5]},
                   closes={"600000": [10, 10, 11.0]}, bench_open=[1.0] * 3,
                   bench_close=[1.0] * 3)  # fmt: skip
    costs = Costs(commission_bps=2.5, slippage_bps=0.0, notional=notional)
    t = evaluate_events(p, events(("c", pre, "600000")), [1], "next_close",
                        trading=Trading(costs=costs)).table  # fmt: skip
    assert t.iloc[0].basket_return == pytest.approx(0.1, abs=1e-15)
    return float(t.iloc[0].net_return)


def test_costs_by_hand_before_and_after_the_stamp_duty_cut() -> None:
    # 1,000,000 yuan bought at 10 on 2023-08-24, sold at 11 on 2023-08-25 (stamp duty 0.1%):
    # buy: commission max(2.5bp * 1e6 = 250, 5) + transfer 0.001% * 1e6 = 10 -> 260;
    # sell 1,100,000: commission 275 + stamp 1,100 + transfer 11 -> 1,386;
    # net = (1,100,000 - 1,386 - 260) / 1,000,000 - 1 = 0.098354.
    assert one_trade("2023-08-24", "2023-08-25", 1e6) == pytest.approx(0.098354, abs=1e-12)
    # Sold on 2023-08-28, when stamp duty halved to 0.05%: stamp 550 -> sell fees 836;
    # net = (1,100,000 - 836 - 260) / 1,000,000 - 1 = 0.098904.
    assert one_trade("2023-08-25", "2023-08-28", 1e6) == pytest.approx(0.098904, abs=1e-12)
    # Before 2022-04-29 the transfer fee was 0.002%: buy 250 + 20 = 270; sell 275 + 1,100 + 22
    # = 1,397; net = (1,100,000 - 1,397 - 270) / 1,000,000 - 1 = 0.098333.
    assert one_trade("2022-04-26", "2022-04-27", 1e6) == pytest.approx(0.098333, abs=1e-12)


def test_the_five_yuan_minimum_bites_on_a_small_notional() -> None:
    # 10,000 yuan: commission 2.5bp = 2.5 yuan -> 5 on each side.
    # buy 5 + transfer 0.10 = 5.10; sell 11,000: 5 + stamp 5.50 + transfer 0.11 = 10.61;
    # net = (11,000 - 10.61 - 5.10) / 10,000 - 1 = 0.098429.
    assert one_trade("2023-08-25", "2023-08-28", 1e4) == pytest.approx(0.098429, abs=1e-12)


prices = st.lists(st.floats(1.0, 100.0), min_size=6, max_size=6)


@settings(max_examples=40, deadline=None)
@given(c=prices, o=prices, comm=st.floats(0, 50), slip=st.floats(0, 50),
       notional=st.floats(1e3, 1e8), policy=st.sampled_from(["delay", "skip", "ignore"]))  # fmt: skip
def test_costs_never_make_a_return_better(
    c: list[float], o: list[float], comm: float, slip: float, notional: float, policy: str
) -> None:
    p = make_panel(DAYS, opens={"600000": o, "000001": c}, closes={"600000": c, "000001": o},
                   bench_open=FLAT, bench_close=FLAT)  # fmt: skip
    ev = events(("a", "2024-03-21", "600000"), ("a", "2024-03-21", "000001"))
    costs = Costs(commission_bps=comm, slippage_bps=slip, notional=notional)
    t = evaluate_events(p, ev, [1, 2, 3], trading=Trading(untradable=policy, costs=costs)).table  # type: ignore[arg-type]
    ok = t["basket_return"].notna()
    assert (t.loc[ok, "net_return"] <= t.loc[ok, "basket_return"] + 1e-15).all()
    assert (t.loc[ok, "net_excess_return"] <= t.loc[ok, "excess_return"] + 1e-15).all()
