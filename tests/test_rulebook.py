"""Every row of the rulebook through the engine: its first and last day in force, a day outside.

Each row of :data:`thematic.marketrules.RULES` has hand-written cases below, with the
expected outcome written from the exchanges' rules (not read from the table): a close at a
price limit blocks a purchase at that close (``blocked_entries``), a new listing's free
sessions do not, fees and taxes give a net return worked out by hand.  A row whose start,
end or value changes fails its cases; a new row without cases fails the coverage test.

Prices are synthetic, written out in each case (never presented as market data).  Dates are
the rows' own start and end dates, weekend or not: the engine reads dates, not weekdays.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.helpers import events, make_panel
from thematic.engine import evaluate_events
from thematic.engine.tradable import (
    DOWN_CLOSE,
    LOCKED,
    NO_BAR,
    UP_CLOSE,
    UP_OPEN,
    describe,
    limits,
)
from thematic.marketrules import RULES, rule_value
from thematic.rules import Costs, Trading

MAIN, CHINEXT, STAR, BEIJING = "600000", "300308", "688111", "872808"
REFERENCE = "000001"  # trades from the panel's first session: the others may list later
STILL = "2025-08-22"  # a recent day for rows still in force
NOT_ST: tuple[tuple[str, str, str], ...] = ()


def day_before(date: str) -> str:
    return f"{pd.Timestamp(date) - pd.Timedelta(days=1):%Y-%m-%d}"


def days_from(start: str, n: int) -> list[str]:
    return [f"{d:%Y-%m-%d}" for d in pd.date_range(start, periods=n, freq="D")]


def close_blocked(code: str, day: str, move: float, st: tuple[tuple[str, str, str], ...] = (),
                  prev: float = 10.0) -> bool:  # fmt: skip
    """Is a purchase at the close of ``day`` blocked when it closes ``move`` above ``prev``?

    The stock opens at ``prev`` and closes at its high ``prev * (1 + move)`` on ``day`` (or
    at the given price when ``move`` is a price, see :func:`close_price_blocked`).
    """
    return close_price_blocked(code, day, round(prev * (1 + move), 10), st, prev)


def close_price_blocked(code: str, day: str, close: float,
                        st: tuple[tuple[str, str, str], ...] = (), prev: float = 10.0) -> bool:  # fmt: skip
    d = days_from(day_before(day_before(day)), 4)
    p = make_panel(d, opens={code: [prev, prev, prev, close]},
                   closes={code: [prev, prev, close, close]},
                   bench_open=[1.0] * 4, bench_close=[1.0] * 4)  # fmt: skip
    t = evaluate_events(p, events(("a", d[1], code)), [1], "next_close",
                        trading=Trading(untradable="skip", st=st)).table  # fmt: skip
    return bool(t.iloc[0].blocked_entries == 1)


def listing_blocked(code: str, listing: str, session: int, move: float) -> bool:
    """A stock lists on ``listing``; is a purchase at the close of its ``session``-th
    session (0 = the listing day) blocked when that close is ``move`` above the last one?"""
    d = days_from(day_before(listing), session + 3)
    closes = [float("nan")] + [10.0] * (session + 2)
    closes[session + 1] = round(10.0 * (1 + move), 10)
    closes[session + 2] = closes[session + 1]
    opens = [float("nan"), *[10.0] * (session + 1), closes[session + 2]]
    p = make_panel(d, opens={REFERENCE: [10.0] * len(d), code: opens},
                   closes={REFERENCE: [10.0] * len(d), code: closes},
                   bench_open=[1.0] * len(d), bench_close=[1.0] * len(d))  # fmt: skip
    t = evaluate_events(p, events(("a", d[session], code)), [1], "next_close",
                        trading=Trading(untradable="skip")).table  # fmt: skip
    return bool(t.iloc[0].blocked_entries == 1)


def round_trip_cost(buy: str, sell: str, commission_bps: float = 0.0,
                    notional: float = 1_000_000.0, later: tuple[str, ...] = ()) -> float:  # fmt: skip
    """Cost per yuan of buying at 10 on ``buy`` and selling at 10 on ``sell`` (no slippage).

    ``later``: more sessions in the panel after the sale (where other rules may be in force).
    """
    d = [day_before(buy), buy, sell, *later]
    n = len(d)
    p = make_panel(d, opens={MAIN: [10.0] * n}, closes={MAIN: [10.0] * n},
                   bench_open=[1.0] * n, bench_close=[1.0] * n)  # fmt: skip
    costs = Costs(commission_bps=commission_bps, slippage_bps=0.0, notional=notional)
    t = evaluate_events(p, events(("a", d[0], MAIN)), [1], "next_close",
                        trading=Trading(costs=costs)).table  # fmt: skip
    return -float(t.iloc[0].net_return)


# -- price limits: a close at the limit (and at the high) blocks a purchase at that close ------
LIMITS = {
    ("price_limit", "main", "1996-12-16"): [
        (MAIN, "1996-12-16", 0.10, True), (MAIN, "1996-12-16", 0.09, False),
        (MAIN, STILL, 0.10, True),
        (MAIN, "1996-12-15", 0.50, False),  # before the limit rule: no limit at all
    ],
    ("price_limit", "chinext", "2009-10-30"): [
        (CHINEXT, "2009-10-30", 0.10, True), (CHINEXT, "2020-08-23", 0.10, True),
        (CHINEXT, "2009-10-29", 0.50, False),  # before ChiNext opened: no rule
    ],
    ("price_limit", "chinext", "2020-08-24"): [
        (CHINEXT, "2020-08-24", 0.20, True), (CHINEXT, "2020-08-24", 0.10, False),
        (CHINEXT, STILL, 0.20, True), (CHINEXT, STILL, 0.19, False),
        (CHINEXT, "2020-08-23", 0.10, True),  # the day before: still 10 %
    ],
    ("price_limit", "star", "2019-07-22"): [
        (STAR, "2019-07-22", 0.20, True), (STAR, "2019-07-22", 0.10, False),
        (STAR, STILL, 0.20, True),
        (STAR, "2019-07-21", 0.50, False),  # before STAR opened: no rule
    ],
    ("price_limit", "beijing", "2021-11-15"): [
        (BEIJING, "2021-11-15", 0.30, True), (BEIJING, "2021-11-15", 0.20, False),
        (BEIJING, STILL, 0.30, True),
        (BEIJING, "2021-11-14", 0.50, False),  # before the BSE opened: no rule
    ],
}  # fmt: skip


def st_of(code: str) -> tuple[tuple[str, str, str], ...]:
    return ((code, "1990-01-01", "2099-12-31"),)


ST_LIMITS = {
    ("st_price_limit", "main", "1998-04-22"): [
        (MAIN, "1998-04-22", 0.05, True), (MAIN, STILL, 0.05, True),
        (MAIN, "1998-04-21", 0.05, False),  # before ST limits: the board's 10 %
    ],
    ("st_price_limit", "chinext", "2020-08-24"): [
        (CHINEXT, "2020-08-24", 0.20, True), (CHINEXT, "2020-08-24", 0.10, False),
        (CHINEXT, STILL, 0.20, True),
        (CHINEXT, "2020-08-23", 0.10, True),  # no ChiNext ST row then: the board's 10 %
    ],
    ("st_price_limit", "star", "2019-07-22"): [
        (STAR, "2019-07-22", 0.20, True), (STAR, "2019-07-22", 0.05, False),
        (STAR, STILL, 0.20, True),
        (STAR, "2019-07-21", 0.50, False),
    ],
    ("st_price_limit", "beijing", "2021-11-15"): [
        (BEIJING, "2021-11-15", 0.30, True), (BEIJING, "2021-11-15", 0.05, False),
        (BEIJING, STILL, 0.30, True),
        (BEIJING, "2021-11-14", 0.50, False),
    ],
}  # fmt: skip


@pytest.mark.parametrize(("row", "case"), [(r, c) for r, cs in LIMITS.items() for c in cs])
def test_price_limit_rows(row: tuple[str, str, str], case: tuple[str, str, float, bool]) -> None:
    code, day, move, blocked = case
    assert close_blocked(code, day, move) is blocked


@pytest.mark.parametrize(("row", "case"), [(r, c) for r, cs in ST_LIMITS.items() for c in cs])
def test_st_price_limit_rows(row: tuple[str, str, str], case: tuple[str, str, float, bool]) -> None:
    code, day, move, blocked = case
    assert close_blocked(code, day, move, st_of(code)) is blocked
    if move < 0.10 and code == MAIN:
        assert close_blocked(code, day, move) is False  # the ST limit only with the ST table


def test_the_limit_tolerance_at_its_boundary() -> None:
    # Previous close 10.00, main board: the limit price is 11.00. Half a cent of exchange
    # rounding and half a cent of vendor rounding on each adjusted price give a tolerance of
    # 0.005 / close + 2 x 0.005 / 10 on the ratio: about 0.146 %, so a close of 10.99
    # (+9.9 %) counts as the limit and 10.98 (+9.8 %) does not.
    assert close_price_blocked(MAIN, "2024-03-25", 11.00) is True
    assert close_price_blocked(MAIN, "2024-03-25", 10.99) is True
    assert close_price_blocked(MAIN, "2024-03-25", 10.98) is False
    # From 10.05 the limit is 11.06 (11.055 rounded): 11.05 is within the tolerance
    # (0.005 / 11.05 + 0.01 / 10.05 on the ratio), 11.04 is not (+9.851 % against +9.855 %).
    assert close_price_blocked(MAIN, "2024-03-25", 11.05, prev=10.05) is True
    assert close_price_blocked(MAIN, "2024-03-25", 11.04, prev=10.05) is False
    # ChiNext at 20 %: 12.00 is the limit; 11.99 within the tolerance, 11.98 not.
    assert close_price_blocked(CHINEXT, "2024-03-25", 11.99) is True
    assert close_price_blocked(CHINEXT, "2024-03-25", 11.98) is False


# -- new listings ------------------------------------------------------------------------------
# The listing day itself has no previous close in the data, so its band (or freedom) cannot
# be seen there: the rows show on the following sessions, free or limited.
LISTINGS = {
    ("free_sessions", "main", "2023-04-10"): [
        (MAIN, "2023-04-10", 4, 0.30, False),  # the fifth session is still free
        (MAIN, "2023-04-10", 5, 0.10, True),  # the sixth has the 10 % limit
        (MAIN, STILL, 1, 0.30, False),
        (MAIN, "2023-04-09", 1, 0.10, True),  # listed the day before: no free sessions
    ],
    ("free_sessions", "chinext", "2020-08-24"): [
        (CHINEXT, "2020-08-24", 4, 0.50, False), (CHINEXT, "2020-08-24", 5, 0.20, True),
        (CHINEXT, STILL, 1, 0.50, False),
        (CHINEXT, "2020-08-23", 1, 0.20, True),  # listed the day before: limited on day 2
    ],
    ("free_sessions", "star", "2019-07-22"): [
        (STAR, "2019-07-22", 4, 0.50, False), (STAR, "2019-07-22", 5, 0.20, True),
        (STAR, STILL, 4, 0.50, False),
        (STAR, "2019-07-21", 1, 0.50, True),  # listed the day before: limited on day 2
    ],
    ("free_sessions", "beijing", "2021-11-15"): [
        (BEIJING, "2021-11-15", 1, 0.30, True),  # only the first day is free
        (BEIJING, STILL, 1, 0.30, True), (BEIJING, STILL, 1, 0.29, False),
        (BEIJING, "2021-11-14", 1, 0.50, True),  # listed the day before: limited on day 2
    ],
    ("first_day_up", "main", "2014-01-01"): [
        (MAIN, "2014-01-01", 1, 0.10, True), (MAIN, "2023-04-09", 1, 0.10, True),
        (MAIN, "2013-12-31", 1, 0.10, True),
    ],
    ("first_day_down", "main", "2014-01-01"): [
        (MAIN, "2014-01-01", 1, 0.09, False), (MAIN, "2023-04-10", 1, 0.10, False),
    ],
    ("first_day_up", "chinext", "2014-01-01"): [
        (CHINEXT, "2014-01-01", 1, 0.10, True), (CHINEXT, "2020-08-22", 1, 0.20, True),
        (CHINEXT, "2020-08-24", 1, 0.20, False),
    ],
    ("first_day_down", "chinext", "2014-01-01"): [
        (CHINEXT, "2014-01-01", 1, 0.09, False), (CHINEXT, "2013-12-31", 1, 0.10, True),
    ],
}  # fmt: skip


@pytest.mark.parametrize(("row", "case"), [(r, c) for r, cs in LISTINGS.items() for c in cs])
def test_new_listing_rows(
    row: tuple[str, str, str], case: tuple[str, str, int, float, bool]
) -> None:
    code, listing, session, move, blocked = case
    assert listing_blocked(code, listing, session, move) is blocked


# -- fees and taxes: cost per yuan of a round trip at an unchanged price -----------------------
FEES = {
    ("stamp_duty_sell", "*", "2008-09-19"): [
        # bought and sold the same week, no commission: stamp on the sale + transfer fees
        ("2008-09-18", "2008-09-19", 0.001),  # first day of seller-only stamp duty 0.1 %
        ("2008-09-17", "2008-09-18", 0.0),  # before: no row (the old two-sided tax is not kept)
        ("2023-08-26", "2023-08-27", 0.001 + 2 * 0.00001),  # last day, transfer 0.001 %
    ],
    ("stamp_duty_sell", "*", "2023-08-28"): [
        ("2023-08-27", "2023-08-28", 0.0005 + 2 * 0.00001),
        ("2025-08-21", STILL, 0.0005 + 2 * 0.00001),
    ],
    ("transfer_fee", "*", "2015-08-01"): [
        ("2015-07-31", "2015-08-01", 0.001 + 0.00002),  # bought the day before: no fee then
        ("2015-07-30", "2015-07-31", 0.001),
        ("2022-04-27", "2022-04-28", 0.001 + 2 * 0.00002),
    ],
    ("transfer_fee", "*", "2022-04-29"): [
        ("2022-04-28", "2022-04-29", 0.001 + 0.00002 + 0.00001),  # each side its own date
        ("2025-08-21", STILL, 0.0005 + 2 * 0.00001),
    ],
}  # fmt: skip


@pytest.mark.parametrize(("row", "case"), [(r, c) for r, cs in FEES.items() for c in cs])
def test_fee_and_tax_rows(row: tuple[str, str, str], case: tuple[str, str, float]) -> None:
    buy, sell, cost = case
    assert round_trip_cost(buy, sell) == pytest.approx(cost, abs=1e-15)


def test_commission_minimum_row() -> None:
    # 1,000 yuan at 1 bp: 0.10 yuan of commission per side, raised to the 5-yuan minimum
    # from 2002-05-01: 10 yuan per 1,000 = 1 %, no other fee in 2002 (no transfer-fee row
    # before 2015, and stamp duty is in the table from 2008).
    assert round_trip_cost("2002-05-01", "2002-05-02", 1.0, 1000.0) == pytest.approx(0.01)
    assert round_trip_cost("2002-04-30", "2002-05-01", 1.0, 1000.0) == pytest.approx(
        0.0001 + 0.005
    )  # bought before the minimum (0.10 yuan), sold after (5 yuan)
    assert round_trip_cost("2025-08-21", STILL, 1.0, 1000.0) == pytest.approx(
        0.01 + 0.0005 + 2 * 0.00001
    )
    # Sold the day before the minimum came in: 0.10 yuan, even when the data runs past it.
    assert round_trip_cost("2002-04-29", "2002-04-30", 1.0, 1000.0,
                           later=("2002-05-01",)) == pytest.approx(0.0002)  # fmt: skip


COVERED = {*LIMITS, *ST_LIMITS, *LISTINGS, *FEES, ("commission_min", "*", "2002-05-01")}


def test_every_row_of_the_rulebook_has_cases() -> None:
    rows = {(r.name, r.board, r.start) for r in RULES}
    assert rows == COVERED


def test_rule_values_read_by_date_and_board() -> None:
    # A row for every board ("*") applies to any board; a closed row stops at its end.
    assert rule_value("stamp_duty_sell", "main", pd.Timestamp("2023-08-27")) == 0.001
    assert rule_value("transfer_fee", "star", pd.Timestamp("2022-04-29")) == 0.00001
    assert rule_value("first_day_up", "main", pd.Timestamp("2023-04-09")) == 0.44
    assert np.isnan(rule_value("first_day_up", "main", pd.Timestamp("2023-04-10")))
    assert np.isnan(rule_value("price_limit", "star", pd.Timestamp("2019-07-21")))


def test_trade_states_in_words() -> None:
    assert describe(0) == "tradable"
    assert describe(NO_BAR | UP_CLOSE) == "no bar (suspended)"
    assert describe(LOCKED | UP_OPEN | UP_CLOSE) == "locked at the up-limit all day"
    assert describe(LOCKED | DOWN_CLOSE) == "locked at the down-limit all day"
    assert describe(UP_OPEN) == "opened at the up-limit"
    assert describe(UP_CLOSE) == "closed at the up-limit"
    assert describe(DOWN_CLOSE) == "closed at the down-limit"
    assert describe(UP_OPEN | UP_CLOSE) == "opened at the up-limit, closed at the up-limit"


def test_st_periods_are_inclusive_and_each_code_gets_its_own() -> None:
    # A +5% close at the high on 2024-03-25 is the main-board ST limit only inside the
    # period, both ends included; a period of a code not in the panel changes nothing.
    day = "2024-03-25"
    assert close_blocked(MAIN, day, 0.05, ((MAIN, day, day),)) is True
    assert close_blocked(MAIN, day, 0.05, ((MAIN, "2024-03-01", "2024-03-24"),)) is False
    assert close_blocked(MAIN, day, 0.05, ((MAIN, "2024-03-26", "2024-04-30"),)) is False
    assert close_blocked(MAIN, day, 0.05, (("600001", day, day), (MAIN, day, day))) is True


def test_codes_of_no_known_board_take_the_main_board_limit() -> None:
    # B shares (900xxx in Shanghai, 200xxx in Shenzhen) are no A-share board; their daily
    # limit is 10 %, the main board's, which is what a panel holding one applies.
    d = days_from("2024-03-21", 4)
    p = make_panel(d, opens={"900901": [1.0] * 4, "200002": [1.0] * 4},
                   closes={"900901": [1.0] * 4, "200002": [1.0] * 4},
                   bench_open=[1.0] * 4, bench_close=[1.0] * 4)  # fmt: skip
    up, down = limits(p)
    assert (up == 0.10).all() and (down == 0.10).all()


def test_a_sale_at_the_st_down_limit_waits_and_a_new_listing_has_no_down_limit() -> None:
    # Bought at 10 on 03-22; on 03-25 (h = 1) the stock closes at its low 9.50, -5 %: the
    # main-board ST limit, so the sale is blocked with the ST table and not without it.
    d = days_from("2024-03-20", 5)
    closes = {MAIN: [10.0, 10.0, 10.0, 9.5, 9.5]}
    opens = {MAIN: [10.0, 10.0, 10.0, 10.0, 9.5]}
    p = make_panel(d, opens=opens, closes=closes, bench_open=[1.0] * 5, bench_close=[1.0] * 5)
    ev = events(("a", d[1], MAIN))
    for st, blocked in ((st_of(MAIN), 1), ((), 0)):
        t = evaluate_events(p, ev, [1], "next_close", trading=Trading(st=st)).table
        assert t.iloc[0].blocked_exits == blocked
    # Listed 2023-04-10 (main board, five free sessions): a -30 % close at the low on its
    # third session does not block a sale there.
    d = days_from("2023-04-09", 5)
    nan = float("nan")
    q = make_panel(d, opens={REFERENCE: [10.0] * 5, MAIN: [nan, 10.0, 10.0, 10.0, 7.0]},
                   closes={REFERENCE: [10.0] * 5, MAIN: [nan, 10.0, 10.0, 7.0, 7.0]},
                   bench_open=[1.0] * 5, bench_close=[1.0] * 5)  # fmt: skip
    t = evaluate_events(q, events(("b", d[1], MAIN)), [1], "next_close").table
    assert t.iloc[0].blocked_exits == 0
    assert t.iloc[0].basket_return == pytest.approx(-0.3, abs=1e-12)
