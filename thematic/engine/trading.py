"""Trades against the market: entries and exits under the untradable policy, costs, records.

Pure array code shared by the return kernels: which entries a price limit or a missing bar
blocks and what the policy makes of them (:func:`plan_entries`), the same for exits
(:func:`plan_exits`), the dated fees of a cost model (:class:`Fees`; one trade's fees are
:func:`fee`), and the record of every blocked trade (:class:`TradeRecords`, turned into a
table once by :func:`trade_table`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from thematic.constants import EntryRule
from thematic.data.panel import PricePanel
from thematic.engine.encode import Encoded
from thematic.engine.tradable import EXIT_BLOCKED, NO_BAR, UP_CLOSE, UP_OPEN, describe
from thematic.marketrules import rule_values
from thematic.rules import Costs, Horizon, Trading, Untradable

#: An entry at the open is blocked without a bar or at an open at the up-limit; at the close,
#: without a bar or at a close at the up-limit.
ENTRY_BLOCKED_OPEN = NO_BAR | UP_OPEN
ENTRY_BLOCKED_CLOSE = NO_BAR | UP_CLOSE
TRADE_COLUMNS: tuple[str, ...] = (
    "basket",
    "code",
    "side",
    "horizon",
    "what",
    "planned_date",
    "actual_date",
    "outcome",
)


@dataclass(frozen=True)
class Entries:
    """Each row's actual entry: session, price, and what happened on the way."""

    session: np.ndarray  # entry session per row (the basket's, or later when delayed)
    p0: np.ndarray  # entry price per row, NaN when not bought
    present: np.ndarray  # bool per row: bought
    delayed: np.ndarray  # bool per row: bought after the basket's entry session
    excluded_reason: dict[int, str]  # row -> why a listed row was not bought (sparse)
    blocked_per_event: np.ndarray
    delayed_per_event: np.ndarray
    trades: TradeRecords


#: Widest delay searched by a window per blocked trade; wider ones take a running minimum
#: over the codes' sessions (the window's memory grows with the width).
WINDOW_DELAY = 32


def next_free(
    state: np.ndarray, bits: int, cols: np.ndarray, start: np.ndarray, width: int
) -> np.ndarray:
    """Return, per pair, the first session in ``[start, start + width)`` where ``cols`` has no ``bits``.

    ``state`` is ``(N, T)`` (code-major); the answer is ``T`` (past the data) where there is
    none, and always for ``width == 0``.  Never past the data's last session, so a delay is
    bounded by the calendar whatever ``width`` (``--max-delay``) says, in time and memory:
    a window per pair up to :data:`WINDOW_DELAY` sessions, else one running minimum over
    the sessions of the codes asked about.

    Examples
    --------
    >>> s = np.array([[1, 1, 0, 1], [0, 1, 1, 1]], dtype=np.int8)
    >>> cols, start = np.array([0, 0, 1, 1]), np.array([0, 3, 1, 4])
    >>> next_free(s, 1, cols, start, 10).tolist(), next_free(s, 1, cols, start, 2).tolist()
    ([2, 4, 4, 4], [4, 4, 4, 4])
    >>> next_free(s, 1, cols, start, 100).tolist(), next_free(s, 1, cols, start, 0).tolist()
    ([2, 4, 4, 4], [4, 4, 4, 4])
    """
    t = state.shape[1]
    if not len(cols) or width <= 0:
        return np.full(len(cols), t, dtype=np.int64)
    if width <= WINDOW_DELAY:
        window = start[:, None] + np.arange(width)[None, :]
        safe = np.minimum(window, t - 1)
        free = (window < t) & ((state[cols[:, None], safe] & bits) == 0)
        at: np.ndarray = np.where(
            free.any(axis=1), safe[np.arange(len(cols)), free.argmax(axis=1)], t
        )
        return at.astype(np.int64)
    codes, which = np.unique(cols, return_inverse=True)
    table = np.full((len(codes), t + 1), t, dtype=np.int32)
    table[:, :t] = np.where((state[codes] & bits) == 0, np.arange(t, dtype=np.int32), t)
    table = np.minimum.accumulate(table[:, ::-1], axis=1)[:, ::-1]  # first free at or after s
    found = table[which, np.minimum(start, t)].astype(np.int64)
    out: np.ndarray = np.where(found < start + width, found, t)
    return out


def plan_entries(
    panel: PricePanel, enc: Encoded, rule: EntryRule, trading: Trading, state: np.ndarray
) -> Entries:
    """Apply the untradable policy to every row's entry (vectorised; a window per blocked row)."""
    t = len(panel.dates)
    n_events = len(enc.ids)
    e = np.take(enc.entry, enc.event)  # per row; becomes the row's own entry session below
    col = enc.col
    bits = ENTRY_BLOCKED_OPEN if rule == "next_open" else ENTRY_BLOCKED_CLOSE
    listed = (col >= 0) & (e < t)
    c = np.where(listed, col, 0)
    if len(panel.codes):
        span = np.take(panel.bar_span, c, axis=0)  # first and last bar (-1: none): listed?
        listed &= (span[:, 0] <= e) & (e <= span[:, 1])
        at = np.minimum(e, t - 1)
        at += c * t
        st_at_e = np.take(state.reshape(-1), at)
        st_at_e[~listed] = 0
    else:
        listed[:] = False
        st_at_e = np.zeros(len(e), dtype=np.int8)
    blocked = listed & ((st_at_e & bits) != 0)
    session = e
    p0 = enc.p0  # the engine's own arrays: changed in place
    reasons: dict[int, str] = {}
    delayed = np.zeros(len(e), dtype=bool)
    idx = np.flatnonzero(blocked)
    planned = e[idx].copy()
    prices = panel.open if rule == "next_open" else panel.close
    if trading.untradable == "delay" and len(idx):
        at = next_free(state, bits, c[idx], planned + 1, trading.max_delay)
        found = at < t
        good = idx[found]
        session[good] = at[found]
        p0[good] = prices[at[found], c[good]]
        delayed[good] = True
        p0[idx[~found]] = np.nan
        # Say which: the window was searched in full, or the data ended inside it.
        ran_out = planned[~found] + trading.max_delay >= t
        last = f"{panel.dates[-1]:%Y-%m-%d}" if t else ""
        words = (f"entry blocked for more than {trading.max_delay} sessions",
                 f"entry blocked until the data ends (last session {last})")  # fmt: skip
        reasons = {int(i): words[int(out)]
                   for i, out in zip(idx[~found], ran_out, strict=True)}  # fmt: skip
    elif trading.untradable == "skip" and len(idx):
        p0[idx] = np.nan
        reasons = {int(i): f"entry blocked ({describe(int(s))}); skipped"
                   for i, s in zip(idx, st_at_e[idx], strict=True)}  # fmt: skip
    elif len(idx):  # ignore: a limit day is booked at its price; no bar stays unpriced
        p0[idx] = np.where((st_at_e[idx] & NO_BAR) != 0, np.nan, p0[idx])
    present = np.isfinite(p0)
    outcome = np.where(delayed[idx], OUT_DELAYED,
                       np.where(present[idx], OUT_AT_LIMIT, OUT_EXCLUDED))  # fmt: skip
    trades = TradeRecords(idx, np.full(len(idx), -1), st_at_e[idx], planned,
                           np.where(present[idx], session[idx], t), outcome)  # fmt: skip
    return Entries(
        session=session,
        p0=p0,
        present=present,
        delayed=delayed,
        excluded_reason=reasons,
        blocked_per_event=np.bincount(enc.event[idx], minlength=n_events).astype(np.int64),
        delayed_per_event=np.bincount(
            enc.event[idx], weights=delayed[idx], minlength=n_events
        ).astype(np.int64),
        trades=trades,
    )


def plan_exits(
    rows: np.ndarray,
    xs: np.ndarray,
    i: np.ndarray,
    j: np.ndarray,
    flat_state: np.ndarray,
    base: np.ndarray,
    t: int,
    untradable: Untradable,
    max_delay: int,
) -> tuple[np.ndarray | None, TradeRecords]:
    """Apply the untradable policy to the blocked exits ``xs[i, j]`` of one chunk.

    ``xs`` (exit session per row and horizon) is changed in place where an exit is delayed.
    ``untradable`` is the policy and ``max_delay`` its bound (:class:`~thematic.rules.Trading`).
    Returns which pairs stay in their horizon (under ``skip``; None otherwise: all do) and
    the record of every blocked exit.  A delayed exit looks its session up with
    :func:`next_free`.
    """
    planned = xs[i, j]
    include = None
    if untradable == "skip":
        include = np.ones(xs.shape, dtype=bool)
        include[i, j] = False
        actual = np.full(len(i), t)
        outcome = np.full(len(i), OUT_LEFT_OUT)
    elif untradable == "ignore":
        actual = planned
        no_bar = (flat_state[base[i, 0] + planned] & NO_BAR) != 0
        outcome = np.where(no_bar, OUT_LAST_CLOSE, OUT_AT_LIMIT)
    else:
        col = base[i, 0] // t
        nxt = next_free(flat_state.reshape(-1, t), EXIT_BLOCKED, col, planned + 1, max_delay)
        found = nxt < t
        last_tried = np.minimum(planned + max_delay, t - 1)
        at = np.where(found, nxt, last_tried)
        xs[i, j] = at
        actual = at
        outcome = np.where(found, OUT_DELAYED, OUT_STILL_BLOCKED)
    trades = TradeRecords(rows[i], j, flat_state[base[i, 0] + planned], planned, actual, outcome)
    return include, trades


class Fees:
    """Dated fees of one panel's sessions under a cost model (commission, taxes, slippage)."""

    def __init__(self, panel: PricePanel, costs: Costs) -> None:
        dates = panel.dates
        self.commission = costs.commission_bps / 1e4
        self.slippage = costs.slippage_bps / 1e4
        # The minimum is part of a commission schedule: no commission, no minimum.
        minimum = np.nan_to_num(rule_values("commission_min", "*", dates))
        self.minimum = minimum if self.commission > 0 else np.zeros_like(minimum)
        transfer = np.nan_to_num(rule_values("transfer_fee", "*", dates))
        stamp = np.nan_to_num(rule_values("stamp_duty_sell", "*", dates))
        self.buy_rate = transfer + self.slippage
        self.sell_rate = transfer + stamp + self.slippage
        self.keep_after_sale = 1.0 - self.sell_rate
        # One minimum over the whole panel (every panel after 2002-05-01): no gather needed.
        self.min_yuan = float(self.minimum[0]) if len(self.minimum) else 0.0
        self.constant_minimum = bool((self.minimum == self.min_yuan).all())

    @classmethod
    def of(cls, panel: PricePanel, costs: Costs) -> Fees:
        """Return the fees of ``panel``'s sessions under ``costs`` (made once per panel and model)."""
        return panel.memo("fees", costs, lambda: cls(panel, costs), pickle=False)

    def buy(self, value: np.ndarray, session: np.ndarray) -> np.ndarray:
        """Fees of buying ``value`` yuan on ``session``."""
        return fee(value, session, self.commission, self.minimum, self.buy_rate)

    def sell(self, value: np.ndarray, session: np.ndarray) -> np.ndarray:
        """Fees of selling ``value`` yuan on ``session`` (stamp duty included)."""
        return fee(value, session, self.commission, self.minimum, self.sell_rate)


def fee(
    value: np.ndarray,
    session: np.ndarray,
    commission: float,
    minimum: np.ndarray,
    rate: np.ndarray,
) -> np.ndarray:
    """Return the fees of trading ``value`` yuan on ``session``.

    The commission (``commission`` per yuan, at least ``minimum[session]`` yuan an order)
    plus the session's rates (``rate[session]`` per yuan: transfer fee, slippage, and on a
    sale the stamp duty).

    Examples
    --------
    >>> minimum, rate = np.array([5.0, 5.0]), np.array([0.001, 0.002])
    >>> fee(np.array([10_000.0, 100_000.0]), np.array([0, 1]), 3e-4, minimum, rate).tolist()
    [15.0, 230.0]
    """
    charged = np.maximum(commission * value, minimum[session])
    out: np.ndarray = charged + rate[session] * value
    return out


# What became of a blocked trade (codes of TradeRecords.outcome).
(OUT_DELAYED, OUT_EXCLUDED, OUT_AT_LIMIT, OUT_LEFT_OUT, OUT_LAST_CLOSE, OUT_STILL_BLOCKED,
 OUT_AFTER_EXIT) = range(7)  # fmt: skip
OUTCOMES = (
    "delayed",
    "excluded",
    "booked at the limit price (ignore)",
    "left out of this horizon",
    "valued at the last close (ignore)",
    "still blocked: valued at the last close tried",
    "bought after this horizon's exit: left out of this horizon",
)


@dataclass(frozen=True)
class TradeRecords:
    """Blocked trades as integer arrays (turned into a table once, at the end)."""

    row: np.ndarray  # constituent row
    horizon: np.ndarray  # index into the horizons, -1 for an entry
    state: np.ndarray  # trade-state bits on the planned session
    planned: np.ndarray  # planned session
    actual: np.ndarray  # actual session, len(dates) when never traded
    outcome: np.ndarray  # index into OUTCOMES


def trade_table(
    panel: PricePanel, enc: Encoded, records: Sequence[TradeRecords], hs: Sequence[Horizon]
) -> pd.DataFrame:
    """Return one row per blocked trade (:data:`TRADE_COLUMNS`), built in one step."""
    recs = [r for r in records if len(r.row)]
    if not recs:
        return empty_trades()
    cat = {
        f: np.concatenate([getattr(r, f) for r in recs]) for f in TradeRecords.__dataclass_fields__
    }
    # One order whatever the chunking: by event, row, then entry before the horizons.
    order = np.lexsort((cat["horizon"], cat["row"], enc.event[cat["row"]]))
    cat = {k: v[order] for k, v in cat.items()}
    t = len(panel.dates)
    dates_nat = np.append(panel.dates.to_numpy(dtype="datetime64[ns]"), np.datetime64("NaT", "ns"))
    words = np.array([describe(s) for s in range(32)], dtype=object)
    h = np.array([*map(str, hs), ""], dtype=object)
    row = cat["row"]
    return pd.DataFrame({
        "basket": pd.Categorical.from_codes(enc.event[row], dtype=enc.basket_dtype),
        "code": pd.Categorical.from_codes(enc.code_of_row[row], dtype=enc.code_dtype),
        "side": np.where(cat["horizon"] < 0, "entry", "exit"),
        "horizon": np.where(cat["horizon"] < 0, None, h[cat["horizon"]]),
        "what": words[cat["state"].astype(np.int64) & 31],
        "planned_date": dates_nat[np.minimum(cat["planned"], t)],
        "actual_date": dates_nat[np.minimum(cat["actual"], t)],
        "outcome": np.array(OUTCOMES, dtype=object)[cat["outcome"]],
    }, columns=list(TRADE_COLUMNS))  # fmt: skip


def empty_trades() -> pd.DataFrame:
    """Return the trade table with no rows (the columns and their types)."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in TRADE_COLUMNS})
