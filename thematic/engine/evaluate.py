"""Returns of events on a panel: :func:`evaluate_events` and its answer, :class:`Evaluation`.

Input: a :class:`~thematic.data.panel.PricePanel` (sessions x codes) and an events table with
one row per basket constituent (``event_id, published, code[, weight]``).  Output: tidy
DataFrames.  No file, network or plotting here, and no Python loop over events or
constituents: every step is a gather or a ``bincount`` over all rows at once, so the same code
serves seven baskets and a million calls.  The work partitions by event: evaluating chunks of
events separately and concatenating gives the same table (see ``docs/scaling.md``).

Conventions
-----------
- Calendar: the panel's sessions (the benchmark's trading days).
- Entry: the first session strictly after the publication date, at its open (``next_open``)
  or close (``next_close``); the benchmark enters at the same price type on the same day.
- Exit for horizon ``h``: the close ``h`` sessions after the entry session; ``"max"`` is the
  panel's last session.  A stock without a bar on the exit day is valued at its last close.
- A constituent without a price on the entry day is excluded and the remaining weights are
  renormalised; it is reported in :attr:`Evaluation.missing`.
- A constituent bought late (``delay``) after a horizon's exit session has no return at that
  horizon: it is left out of that row (weights renormalised over the rest), counted in
  ``entered_after_exit`` and recorded among the trades.  Never a same-day trade standing in
  for a holding period.
- Basket return: buy-and-hold, ``sum_i w_i r_i`` with the initial weights.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from thematic.constants import DEFAULT_ENTRY, DEFAULT_HORIZONS
from thematic.data.panel import PricePanel
from thematic.engine.encode import Encoded, encode
from thematic.engine.frames import MISSING_COLUMNS, missing_table, result_table
from thematic.engine.kernels import horizon_blocks
from thematic.engine.tradable import trade_state
from thematic.engine.trading import (
    Entries,
    TradeRecords,
    empty_trades,
    plan_entries,
    trade_table,
)
from thematic.events import check_and_factorize
from thematic.rules import Horizon, Trading, parse_entry, parse_horizons


class Evaluation:
    """The engine's answer: the result table, and the constituents and trades left out of it.

    ``missing`` and ``trades`` are built the first time they are read.  Many callers read
    only ``table`` (a placebo test evaluates 10,000 drawn baskets per call and reads their
    tables), and building the other two is a tenth of the engine's time at 10,000 calls.
    Until then the evaluation keeps only the rows those tables name.  A pickled evaluation
    carries all three tables.
    """

    __slots__ = ("_later", "_missing", "_trades", "table")

    def __init__(
        self,
        table: pd.DataFrame,
        missing: pd.DataFrame | None = None,
        trades: pd.DataFrame | None = None,
        later: Callable[[], tuple[pd.DataFrame, pd.DataFrame]] | None = None,
    ) -> None:
        self.table = table
        """One row per (event, horizon), columns :data:`~thematic.constants.RESULT_COLUMNS`."""
        self._missing = missing
        self._trades = trades
        self._later = later

    @property
    def missing(self) -> pd.DataFrame:
        """One row per excluded constituent: ``basket, code, entry_date, reason``."""
        return self._tables()[0]

    @property
    def trades(self) -> pd.DataFrame:
        """One row per blocked trade (:data:`TRADE_COLUMNS`): what happened, and when."""
        return self._tables()[1]

    def _tables(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        later = self._later
        if later is not None:
            self._missing, self._trades = later()
            self._later = None
        if self._missing is None:
            self._missing = pd.DataFrame(columns=list(MISSING_COLUMNS))
        if self._trades is None:
            self._trades = empty_trades()
        return self._missing, self._trades

    def __reduce__(self) -> tuple[type[Evaluation], tuple[pd.DataFrame, ...]]:
        return (Evaluation, (self.table, *self._tables()))

    def __repr__(self) -> str:
        return f"Evaluation(table={len(self.table)} rows)"


def evaluate_events(
    panel: PricePanel,
    events: pd.DataFrame,
    horizons: Sequence[Horizon] = DEFAULT_HORIZONS,
    entry: str = DEFAULT_ENTRY,
    validate: bool = True,
    trading: Trading | None = None,
) -> Evaluation:
    """Evaluate every event at every horizon against the panel's benchmark.

    Parameters
    ----------
    panel
        Prices of the constituents and the benchmark.
    events
        One row per constituent: ``event_id``, ``published`` (date), ``code`` and optionally
        ``weight`` (all or none per event; none means equal weights).
    horizons
        Sessions after the entry session, or ``"max"`` for the last session of the panel.
    entry
        ``"next_open"`` or ``"next_close"``.
    validate
        Check ``events`` with :func:`thematic.events.validate_events` first; pass False only
        for a table that has been checked already (as :func:`thematic.evaluate_calls` does).
    trading
        What to do with trades a price limit or a suspension blocks, and the cost model
        (:class:`thematic.rules.Trading`; default: delay up to 10 sessions, default costs).

    Returns
    -------
    Evaluation
        ``table``: one row per (event, horizon), events in order of first appearance,
        horizons in the order given; ``missing``: the constituents left out; ``trades``:
        every blocked, delayed or skipped trade.

    Examples
    --------
    A two-session panel, one stock that rises 10 % from the open while the benchmark rises 5 %:

    >>> from thematic.data.panel import PricePanel
    >>> p = PricePanel(pd.DatetimeIndex(["2024-03-22", "2024-03-25", "2024-03-26"]),
    ...     pd.Index(["300308"]), np.array([[9.0], [10.0], [10.5]]),
    ...     np.array([[9.5], [10.5], [11.0]]), "000300", np.array([99.0, 100.0, 101.0]),
    ...     np.array([99.5, 102.0, 105.0]))
    >>> ev = pd.DataFrame({"event_id": ["x"], "published": ["2024-03-22"], "code": ["300308"]})
    >>> row = evaluate_events(p, ev, horizons=[1]).table.iloc[0]
    >>> str(row.entry_date.date()), str(row.exit_date.date())
    ('2024-03-25', '2024-03-26')
    >>> round(float(row.basket_return), 12), round(float(row.benchmark_return), 12)
    (0.1, 0.05)
    """
    rule = parse_entry(entry)
    hs = parse_horizons(horizons)
    trading = trading or Trading()
    enc = encode(panel, events, rule, check_and_factorize(events) if validate else None)
    state = trade_state(panel, trading.st)
    entries = plan_entries(panel, enc, rule, trading, state)
    blocks = horizon_blocks(panel, enc, entries, hs, rule, trading, state)
    later = _later_tables(panel, enc, entries, [entries.trades, *blocks.trades], hs)
    per_event = (enc.published, enc.entry, enc.before, enc.basket_dtype)
    del enc, entries  # the per-row arrays go before the output's date blocks are made
    return Evaluation(result_table(panel, rule, hs, blocks, *per_event), later=later)


def _later_tables(
    panel: PricePanel,
    enc: Encoded,
    entries: Entries,
    records: list[TradeRecords],
    hs: Sequence[Horizon],
) -> Callable[[], tuple[pd.DataFrame, pd.DataFrame]]:
    """Keep what the missing and trades tables need (their rows only); build them later."""
    missing = np.flatnonzero(~entries.present)
    records = [r for r in records if len(r.row)]
    rows = np.unique(np.concatenate([missing, *(r.row for r in records)]))
    # The rows either table names, renumbered 0..k-1 in order (so every order is kept).
    sub = replace(
        enc,
        event=enc.event[rows],
        col=enc.col[rows],
        code_of_row=enc.code_of_row[rows],
        weight=None,
        p0=enc.p0[:0],
        present=enc.present[:0],
    )
    missing = np.searchsorted(rows, missing)
    records = [replace(r, row=np.searchsorted(rows, r.row)) for r in records]
    reasons = dict(zip(np.searchsorted(rows, list(entries.excluded_reason)).tolist(),
                       entries.excluded_reason.values(), strict=True))  # fmt: skip

    def build() -> tuple[pd.DataFrame, pd.DataFrame]:
        return missing_table(panel, sub, missing, reasons), trade_table(panel, sub, records, hs)

    return build
