"""Dated A-share market rules: price limits by board, new-listing exemptions, fees and taxes.

One table, one row per rule and period, read top to bottom like a rulebook.  To add a rule
change, close the old row's ``end`` and add a row; nothing else in thematic changes.  Values
are fractions (0.10 = 10 %) or yuan.  ``board`` is ``main``, ``chinext``, ``star``,
``beijing`` or ``*`` (all boards).  ``end`` is inclusive; ``None`` means still in force.

Sources: the exchanges' trading rules (SSE/SZSE 1996 price-limit rule; ChiNext registration
reform effective 2020-08-24; STAR Market rules from its opening 2019-07-22; BSE rules from
2021-11-15; the main-board registration reform effective 2023-04-10), the Ministry of
Finance's stamp-duty notices (seller-only 0.1 % from 2008-09-19, halved from 2023-08-28)
and the CSDC transfer-fee notices (0.002 % of value on both exchanges from 2015-08-01,
0.001 % from 2022-04-29).

Examples
--------
>>> dates = pd.DatetimeIndex(["2020-08-21", "2020-08-24"])
>>> rule_values("price_limit", "chinext", dates).tolist()
[0.1, 0.2]
>>> rule_values("stamp_duty_sell", "*", pd.DatetimeIndex(["2023-08-25", "2023-08-28"])).tolist()
[0.001, 0.0005]
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Rule:
    """One dated market rule."""

    name: str
    board: str
    start: str
    end: str | None
    value: float
    note: str = ""


#: The rulebook.  Names: ``price_limit`` (daily limit both ways), ``st_price_limit`` (for a
#: stock under special treatment, when a dated ST table says so), ``free_sessions`` (a new
#: listing's first sessions without a limit), ``first_day_up`` / ``first_day_down`` (the
#: first-day band of a new listing where it had one instead), ``stamp_duty_sell``,
#: ``transfer_fee`` (both sides), ``commission_min`` (yuan per order).
RULES: Final[tuple[Rule, ...]] = (
    Rule("price_limit", "main", "1996-12-16", None, 0.10),
    Rule("price_limit", "chinext", "2009-10-30", "2020-08-23", 0.10),
    Rule("price_limit", "chinext", "2020-08-24", None, 0.20, "registration reform"),
    Rule("price_limit", "star", "2019-07-22", None, 0.20),
    Rule("price_limit", "beijing", "2021-11-15", None, 0.30),
    Rule("st_price_limit", "main", "1998-04-22", None, 0.05, "ST on the main board"),
    Rule("st_price_limit", "chinext", "2020-08-24", None, 0.20, "ST follows the board"),
    Rule("st_price_limit", "star", "2019-07-22", None, 0.20, "ST follows the board"),
    Rule("st_price_limit", "beijing", "2021-11-15", None, 0.30, "ST follows the board"),
    Rule("first_day_up", "main", "2014-01-01", "2023-04-09", 0.44, "IPO first-day band"),
    Rule("first_day_down", "main", "2014-01-01", "2023-04-09", 0.36, "IPO first-day band"),
    Rule("first_day_up", "chinext", "2014-01-01", "2020-08-23", 0.44, "IPO first-day band"),
    Rule("first_day_down", "chinext", "2014-01-01", "2020-08-23", 0.36, "IPO first-day band"),
    Rule("free_sessions", "main", "2023-04-10", None, 5, "no limit: first 5 sessions"),
    Rule("free_sessions", "chinext", "2020-08-24", None, 5, "no limit: first 5 sessions"),
    Rule("free_sessions", "star", "2019-07-22", None, 5, "no limit: first 5 sessions"),
    Rule("free_sessions", "beijing", "2021-11-15", None, 1, "no limit: first day"),
    Rule("stamp_duty_sell", "*", "2008-09-19", "2023-08-27", 0.001, "seller only"),
    Rule("stamp_duty_sell", "*", "2023-08-28", None, 0.0005, "seller only, halved"),
    Rule("transfer_fee", "*", "2015-08-01", "2022-04-28", 0.00002, "both sides, both exchanges"),
    Rule("transfer_fee", "*", "2022-04-29", None, 0.00001, "both sides, both exchanges"),
    Rule("commission_min", "*", "2002-05-01", None, 5.0, "yuan per order (floating commissions)"),
)

BOARDS: Final[tuple[str, ...]] = ("main", "chinext", "star", "beijing")


def rule_values(name: str, board: str, dates: pd.DatetimeIndex) -> np.ndarray:
    """Value of rule ``name`` for ``board`` on each of ``dates`` (NaN where none applies)."""
    out = np.full(len(dates), np.nan)
    d = dates.to_numpy(dtype="datetime64[ns]")
    for r in RULES:
        if r.name != name or r.board not in (board, "*"):
            continue
        start = np.datetime64(r.start, "ns")
        end = np.datetime64(r.end, "ns") if r.end else np.datetime64("2262-01-01", "ns")
        out[(d >= start) & (d <= end)] = r.value
    return out


def rule_value(name: str, board: str, date: dt.date | pd.Timestamp) -> float:
    """Value of rule ``name`` for ``board`` on one date (NaN where none applies)."""
    return float(rule_values(name, board, pd.DatetimeIndex([pd.Timestamp(date)]))[0])


def board_table(name: str, dates: pd.DatetimeIndex) -> np.ndarray:
    """``(len(BOARDS), len(dates))``: the rule's value per board (rows in :data:`BOARDS`)."""
    return np.vstack([rule_values(name, b, dates) for b in BOARDS])
