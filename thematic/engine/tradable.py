"""Could a trade happen? Price-limit and suspension states of every bar, from the rulebook.

Pure: takes a panel and the dated rules (:mod:`thematic.marketrules`, data in Python) and
returns, per code and session, bits saying what could not be traded there.  Computed once
per panel and set of ST periods, code-major so that the engine gathers a state with the
same index as the close it values.

Detection on adjusted bars.  The exchange applies the limit to the ratio of a price to the
previous close, and a forward- or back-adjusted series keeps that ratio (on an ex-date the
adjusted previous close is the exchange's ex-reference price).  Two roundings blur it: the
exchange rounds the limit price to 0.01 yuan (at most half a cent in the raw price), and the
vendor rounds adjusted prices to 0.01 (half a cent in each adjusted price).  The tolerance
on the ratio is therefore ``0.005 / close + 0.005 / prev`` (vendor) ``+ 0.005 / prev``
(exchange, bounded with the adjusted previous close).  For forward-adjusted (qfq) prices the
adjusted price is at most the raw one, so that bound is conservative; for back-adjusted
(hfq) prices it can be tight by the adjustment factor, and a limit bar the tolerance misses
is reported as tradable.  No source used here publishes the adjustment factor, so the raw
price is not recoverable and no factor is kept.

A bar is *closed limit-up* when its close is at the up-limit and equals its high; *opened
limit-up* when its open is at the up-limit; *closed limit-down* when its close is at the
down-limit and equals its low; *locked* when it is one price all day at a limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import pandas as pd

from thematic.codes import board_of
from thematic.data.panel import CLOSE_AT_HIGH, CLOSE_AT_LOW, ONE_PRICE, Derived, PricePanel
from thematic.marketrules import BOARDS, RULES, board_table

#: State bits per (code, session).
NO_BAR: Final = 1
UP_OPEN: Final = 2  # opened at the up-limit: a buy at the open was not possible
UP_CLOSE: Final = 4  # closed at the up-limit (close == high): a buy at the close was not
DOWN_CLOSE: Final = 8  # closed at the down-limit (close == low): a sale at the close was not
LOCKED: Final = 16  # one price all day at a limit

#: A sale at the close is blocked: no bar, or a close at the down-limit.
EXIT_BLOCKED: Final = NO_BAR | DOWN_CLOSE

#: Half a cent, the rounding of exchange limit prices and of vendors' adjusted prices.
HALF_CENT: Final = 0.005


def _board_index(codes: Sequence[str] | pd.Index) -> np.ndarray:
    index = {b: i for i, b in enumerate(BOARDS)}
    return np.array([index.get(str(board_of(str(c))), 0) for c in codes], dtype=np.intp)


def limits(
    panel: PricePanel, st: Sequence[tuple[str, str, str]] = ()
) -> tuple[np.ndarray, np.ndarray]:
    """Up and down limits (fractions) per session and code, ``(T, N)``; ``inf`` = no limit.

    Board limits by date; ST periods (``code, start, end``) take the ST limit; a new
    listing's first sessions are free or get the first-day band, as dated in the rulebook.
    A code whose first bar is the panel's first session is not taken as newly listed (the
    data may simply start there).
    """
    dates = panel.dates
    t, n = len(dates), len(panel.codes)
    board = _board_index(panel.codes)
    up = board_table("price_limit", dates)[board].T.copy()  # (T, N)
    for code, start, end in st:
        c = panel.column(code)
        if c < 0:
            continue
        st_limit = board_table("st_price_limit", dates)[board[c]]
        inside = (dates >= pd.Timestamp(start)) & (dates <= pd.Timestamp(end))
        up[inside, c] = np.where(np.isfinite(st_limit[inside]), st_limit[inside], up[inside, c])
    down = up.copy()
    first = panel.first_bar
    listing = np.flatnonzero(first > 0)  # first bar after the panel's start: a new listing
    if len(listing):
        first_date = dates[first[listing]]
        b = board[listing]
        free = board_table("free_sessions", first_date)[b, np.arange(len(listing))]
        band_up = board_table("first_day_up", first_date)[b, np.arange(len(listing))]
        band_down = board_table("first_day_down", first_date)[b, np.arange(len(listing))]
        for j, col in enumerate(listing.tolist()):  # one short slice per newly listed code
            c = int(col)
            f = int(first[c])
            if np.isfinite(free[j]):
                up[f : f + int(free[j]), c] = np.inf
                down[f : f + int(free[j]), c] = np.inf
            elif np.isfinite(band_up[j]):
                up[f, c], down[f, c] = band_up[j], band_down[j]
    up[~np.isfinite(up)] = np.inf  # no rule (e.g. before a board existed): no limit known
    down[~np.isfinite(down)] = np.inf
    assert up.shape == (t, n)
    return up, down


def trade_state(panel: PricePanel, st: Sequence[tuple[str, str, str]] = ()) -> np.ndarray:
    """State bits per code and session, ``(N, T)`` int8, code-major (see module).

    Computed once per panel and set of ST periods (kept on the panel as a memo).
    """
    key = tuple(st)
    state: np.ndarray = panel.memo(TRADE_STATE.name, key, lambda: compute_trade_state(panel, key))
    return state


def exit_close(panel: PricePanel, st: Sequence[tuple[str, str, str]] = ()) -> np.ndarray:
    """Return the code-major filled closes with the sign bit set where a sale is blocked.

    One gather then gives both the price and whether a sale could happen that day (no bar,
    or a close at the down-limit under the ST periods ``st``): the engine reads ``abs`` for
    the price and ``signbit`` for the block.  Computed once per ``st``.
    """
    key = tuple(st)

    def make() -> np.ndarray:
        close = panel.close_filled_by_code
        return np.where((trade_state(panel, key) & EXIT_BLOCKED) != 0, -close, close)

    signed: np.ndarray = panel.memo("exit_close", key, make, pickle=False)
    return signed


def compute_trade_state(panel: PricePanel, st: Sequence[tuple[str, str, str]] = ()) -> np.ndarray:
    """:func:`trade_state` computed afresh (no memo)."""
    up, down = limits(panel, st)
    close, opens = panel.close, panel.open
    prev = np.empty_like(close)
    prev[0] = np.nan
    prev[1:] = panel.close_filled[:-1]
    flags = panel.bar_flags
    with np.errstate(invalid="ignore", divide="ignore"):
        tol = HALF_CENT / close + 2.0 * HALF_CENT / prev
        r_close = close / prev - 1.0
        r_open = opens / prev - 1.0
        up_close = (r_close >= up - tol) & ((flags & CLOSE_AT_HIGH) != 0)
        up_open = r_open >= up - HALF_CENT / opens - 2.0 * HALF_CENT / prev
        down_close = (r_close <= -down + tol) & ((flags & CLOSE_AT_LOW) != 0)
    state = (~np.isfinite(close)) * NO_BAR
    state = state + up_open * UP_OPEN + up_close * UP_CLOSE + down_close * DOWN_CLOSE
    state = state + ((flags & ONE_PRICE) != 0) * (up_close | down_close) * LOCKED
    return np.ascontiguousarray(state.T.astype(np.int8))


#: The trade state under no ST periods, which a market panel store keeps (it follows the
#: rulebook: a changed rule builds a new store).
TRADE_STATE: Final = Derived("trade_state", repr(RULES), compute_trade_state)


def describe(state: int) -> str:
    """Words for a state's bits (for per-constituent reports).

    Examples
    --------
    >>> describe(UP_OPEN | UP_CLOSE | LOCKED)
    'locked at the up-limit all day'
    >>> describe(NO_BAR)
    'no bar (suspended)'
    """
    if state & NO_BAR:
        return "no bar (suspended)"
    if state & LOCKED:
        return "locked at the " + ("up" if state & UP_CLOSE else "down") + "-limit all day"
    parts = []
    if state & UP_OPEN:
        parts.append("opened at the up-limit")
    if state & UP_CLOSE:
        parts.append("closed at the up-limit")
    if state & DOWN_CLOSE:
        parts.append("closed at the down-limit")
    return ", ".join(parts) or "tradable"
