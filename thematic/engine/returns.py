"""Returns of events on a panel: the horizon table and the daily cumulative curves.

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
- Basket return: buy-and-hold, ``sum_i w_i r_i`` with the initial weights.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import cache
from typing import NamedTuple

import numpy as np
import pandas as pd

from thematic import threads
from thematic.constants import (
    DEFAULT_ENTRY,
    DEFAULT_HORIZONS,
    MAX_HORIZON,
    RESULT_COLUMNS,
    EntryRule,
)
from thematic.data.panel import PricePanel
from thematic.engine.encode import Encoded, encode, missing_reasons
from thematic.engine.trading import (
    Entries,
    Fees,
    TradeRecords,
    empty_trades,
    plan_entries,
    plan_exits,
    trade_table,
)
from thematic.events import check_and_factorize
from thematic.rules import Horizon, Trading, parse_entry, parse_horizons

MISSING_COLUMNS: tuple[str, ...] = ("basket", "code", "entry_date", "reason")
CURVE_COLUMNS: tuple[str, ...] = (
    "basket",
    "session",
    "date",
    "basket_return",
    "benchmark_return",
    "excess_return",
)

# Notes explaining a row without numbers; "" on rows that have them.
_NOTE_OK = ""
_NOTE_BEFORE = "published before the first session of the data ({first})"
_NOTE_AFTER = "no session after publication in the data (last session {last})"
_NOTE_NONE = "no constituent has a price on the entry day"
_NOTE_BEYOND = "horizon ends after the last session of the data ({last})"
_NOTE_ALL_SKIPPED = "every constituent's exit was blocked (skipped under --untradable skip)"

#: Events evaluated per pass of the core loop: temporaries of a few MiB, and 10,000 calls
#: make five chunks for the threads (measured: 23 ms against 26-34 ms with 8,192).
EVENT_CHUNK = 2_048
#: Fewest chunks worth handing to the thread pool.
THREAD_MIN_CHUNKS = 2


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


def _gather_returns(
    panel: PricePanel, enc: Encoded, rows: np.ndarray, exit_session: np.ndarray
) -> np.ndarray:
    """Return the returns of ``rows`` from their entry price to the closes at ``exit_session``.

    ``exit_session`` has one row per element of ``rows`` (any number of columns); the result
    has its shape.  One flat gather from the code-major close array.
    """
    t = len(panel.dates)
    flat = panel.close_filled_by_code.reshape(-1)
    shape = (len(rows),) + (1,) * (exit_session.ndim - 1)
    index = enc.col[rows].reshape(shape) * t + exit_session
    result: np.ndarray = flat[index] / enc.p0[rows].reshape(shape) - 1.0
    return result


def _benchmark_entry(panel: PricePanel, entry: EntryRule) -> np.ndarray:
    return panel.benchmark_open if entry == "next_open" else panel.benchmark_close


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
    state = panel.trade_state(trading.st)
    entries = plan_entries(panel, enc, rule, trading, state)
    blocks = _horizon_blocks(panel, enc, entries, hs, rule, trading, state)
    later = _later_tables(panel, enc, entries, [entries.trades, *blocks.trades], hs)
    per_event = (enc.published, enc.entry, enc.before, enc.basket_dtype)
    del enc, entries  # the per-row arrays go before the output's date blocks are made
    return Evaluation(_table(panel, rule, hs, blocks, *per_event), later=later)


class _Blocks(NamedTuple):
    """The output's numeric blocks, filled chunk by chunk, and what the chunks recorded."""

    floats: np.ndarray  # (len(_FLOAT_COLUMNS), events, horizons)
    ints: np.ndarray  # (len(_INT_COLUMNS), events, horizons) int32
    exit_session: np.ndarray  # (events, horizons); len(dates) when beyond the data
    note_code: np.ndarray  # (events, horizons) int8: index into the notes
    n_priced: np.ndarray  # priced constituents per event
    trades: list[TradeRecords]  # the blocked exits


def _horizon_blocks(
    panel: PricePanel,
    enc: Encoded,
    entries: Entries,
    hs: Sequence[Horizon],
    rule: EntryRule,
    trading: Trading,
    state: np.ndarray,
) -> _Blocks:
    """Evaluate every priced constituent at every horizon, chunk by chunk (on the threads)."""
    t = len(panel.dates)
    n_events, n_h = len(enc.ids), len(hs)
    trades: list[TradeRecords] = []

    # Exit session of every (event, horizon) is the entry session plus h ("max": the last).
    steps = np.array([0 if h == MAX_HORIZON else int(h) for h in hs], dtype=np.int64)
    is_max = np.array([h == MAX_HORIZON for h in hs])
    bench_entry = _benchmark_entry(panel, rule)

    # Every priced constituent at every horizon, in chunks of events: gathered, netted of
    # costs, summed per (event, horizon) and written straight into the output blocks, so
    # temporaries stay cache-sized and nothing the size of the whole result is made twice.
    rows = np.flatnonzero(entries.present)
    ev = enc.event[rows]
    if len(ev) and (ev[1:] < ev[:-1]).any():  # group each event's rows together
        order = np.argsort(ev, kind="stable")
        rows, ev = rows[order], ev[order]
    n_priced = np.bincount(ev, minlength=n_events).astype(np.float64)
    # Equal weights (1 per row) are not stored: w * r is r, and a sum of ones is a count.
    w = enc.weight[rows] if enc.weight is not None else None
    if w is not None and bool((w == 1.0).all()):
        w = None
    w_event = n_priced if w is None else np.bincount(ev, weights=w, minlength=n_events)
    if len(rows) < 2**31:  # (half the memory at a million calls)
        rows, ev = rows.astype(np.int32), ev.astype(np.int32)
    fees = Fees.of(panel, trading.costs)
    skip = trading.untradable == "skip"
    flat_close = panel.close_filled_by_code.reshape(-1)
    flat_state = state.reshape(-1)
    exit_close = panel.exit_close(trading.st).reshape(-1)
    late_row = entries.delayed  # bought after the basket's entry

    fl = np.empty((len(_FLOAT_COLUMNS), n_events, n_h))
    ints = np.empty((len(_INT_COLUMNS), n_events, n_h), dtype=np.int32)
    ints[0] = enc.n_rows[:, None]
    ints[1] = (enc.n_rows - n_priced.astype(np.int64))[:, None]
    ints[2] = entries.blocked_per_event[:, None]
    ints[3] = entries.delayed_per_event[:, None]
    exit_s = np.empty((n_events, n_h), dtype=np.int64)
    note_code = np.zeros((n_events, n_h), dtype=np.int8)
    row_bounds = np.searchsorted(ev, np.arange(0, n_events + EVENT_CHUNK, EVENT_CHUNK))

    def run_chunk(a: int) -> list[TradeRecords]:
        """Evaluate events ``a .. a + EVENT_CHUNK`` into their slices of the output."""
        chunk_trades: list[TradeRecords] = []
        b = min(a + EVENT_CHUNK, n_events)
        lo, hi = row_bounds[a // EVENT_CHUNK], row_bounds[a // EVENT_CHUNK + 1]
        entry_c = enc.entry[a:b]
        x = np.where(is_max, t - 1, entry_c[:, None] + steps)
        in_data = (entry_c < t)[:, None] & (x < t)
        exit_s[a:b] = np.where(in_data, x, t)
        ok = in_data & (n_priced[a:b] > 0)[:, None]
        e_safe = np.minimum(entry_c, t - 1)
        x_safe = np.where(ok, x, e_safe[:, None])
        bench = np.take(panel.benchmark_close, x_safe) / np.take(bench_entry, e_safe)[:, None] - 1.0
        sums = np.zeros((3, b - a, n_h))  # weighted, net, beats
        n_blocked = np.zeros((b - a) * n_h, dtype=np.int64)  # blocked exits
        counts = None
        if hi > lo:
            ev_c, r_c = ev[lo:hi], rows[lo:hi]
            local = ev_c - a
            # Horizons count from the basket's entry; a constituent bought later exits no earlier.
            # (np.take: a row gather three times quicker than indexing with an array)
            xs = np.take(x_safe, local, axis=0)
            late = np.flatnonzero(np.take(late_row, r_c))
            if len(late):
                xs[late] = np.maximum(xs[late], entries.session[r_c[late], None])
            base = np.take(enc.col, r_c).astype(np.int64)[:, None] * t
            # The three per-pair quantities in one block, so one reduceat sums them per event.
            work = np.empty((3, hi - lo, n_h))
            r = work[0]
            np.take(exit_close, xs + base, out=r)
            blocked = np.signbit(r)  # the close of a day the exit was blocked is negated
            include = None
            i, j = np.nonzero(blocked)
            if len(i):
                n_blocked += np.bincount(local[i] * n_h + j, minlength=len(n_blocked))
                counted = ok[local[i], j]  # (exits of horizons without a result are not planned)
                i, j = i[counted], j[counted]
                include, exit_trades = plan_exits(r_c, xs, i, j, flat_state, base, t, trading)
                chunk_trades.append(exit_trades)
                r[i, j] = flat_close[base[i, 0] + xs[i, j]]  # a delayed exit's day moved
            np.abs(r, out=r)
            r /= np.take(entries.p0, r_c)[:, None]
            r -= 1.0
            # Net of costs per yuan invested: sell (1 + r) less its fees, less the buy's fees.
            w_r = w[lo:hi] if w is not None else None
            notional = (trading.costs.notional * w_r if w_r is not None else
                        trading.costs.notional) / np.take(w_event, ev_c)  # fmt: skip
            buy_fee = fees.buy(notional, np.take(entries.session, r_c)) / notional
            net, g = work[1], work[2]
            np.add(r, 1.0, out=g)
            np.multiply(g, np.take(fees.keep_after_sale, xs), out=net)
            g *= fees.commission
            np.maximum(g, fees.minimum_per_yuan(notional, xs), out=g)
            net -= g
            net -= (buy_fee + 1.0)[:, None]
            above = work[2]
            np.greater(r, np.take(bench, local, axis=0), out=above)
            if w_r is not None:
                r *= w_r[:, None]
                net *= w_r[:, None]
            if include is not None:
                excluded = ~include
                r[excluded], net[excluded], above[excluded] = 0.0, 0.0, 0.0
            starts = np.flatnonzero(np.r_[True, ev_c[1:] != ev_c[:-1]])
            first = local[starts]
            sums[:, first] = np.add.reduceat(work, starts, axis=1)
            if skip:  # some exits drop out of some horizons: weights and members per horizon
                inc = include if include is not None else np.ones(r.shape, dtype=bool)
                counts = np.zeros((2, b - a, n_h))
                w_inc = np.where(inc, w_r[:, None] if w_r is not None else 1.0, 0.0)
                counts[0, first] = np.add.reduceat(w_inc, starts, axis=0)
                counts[1, first] = np.add.reduceat(inc.view(np.int8), starts, axis=0,
                                                   dtype=np.int32)  # fmt: skip
        if counts is None:
            w_h = np.broadcast_to(w_event[a:b, None], (b - a, n_h))
            n_h_ = np.broadcast_to(n_priced[a:b, None], (b - a, n_h))
        else:
            w_h, n_h_ = counts[0], counts[1]
        note_code[a:b][ok & (n_h_ == 0)] = 5  # every exit blocked and skipped
        ok &= n_h_ > 0
        basket, bench_out, excess, relative, net_basket, net_excess, hit = fl[:, a:b]
        with np.errstate(invalid="ignore", divide="ignore"):
            np.divide(sums[0], w_h, out=basket)
            np.divide(sums[1], w_h, out=net_basket)
            np.divide(sums[2], n_h_, out=hit)
            bench_out[...] = bench
            for arr in (basket, net_basket, hit, bench_out):
                arr[~ok] = np.nan
            np.subtract(basket, bench_out, out=excess)
            np.subtract(net_basket, bench_out, out=net_excess)
            np.divide(1.0 + basket, 1.0 + bench_out, out=relative)
            relative -= 1.0
        ints[4, a:b] = np.where(in_data, n_blocked.reshape(b - a, n_h), 0)
        return chunk_trades

    starts_of_chunks = list(range(0, n_events, EVENT_CHUNK))
    # Chunks write disjoint slices of the output and numpy releases the GIL on them: on a
    # multi-core machine they run side by side; the result is the same to the last bit.
    if len(starts_of_chunks) >= THREAD_MIN_CHUNKS and threads.cores() > 1:
        for chunk_trades in threads.pool().map(run_chunk, starts_of_chunks):
            trades.extend(chunk_trades)
    else:
        for a in starts_of_chunks:
            trades.extend(run_chunk(a))

    return _Blocks(fl, ints, exit_s, note_code, n_priced, trades)


def _table(
    panel: PricePanel,
    rule: EntryRule,
    hs: Sequence[Horizon],
    blocks: _Blocks,
    published: np.ndarray,
    entry_session: np.ndarray,
    before: np.ndarray,
    basket_dtype: pd.CategoricalDtype,
) -> pd.DataFrame:
    """Assemble the result table from its blocks (no column is copied to consolidate them)."""
    t = len(panel.dates)
    fl, ints, exit_s, note_code = blocks.floats, blocks.ints, blocks.exit_session, blocks.note_code
    n_events, n_h = exit_s.shape
    dates = panel.dates.to_numpy(dtype="datetime64[ns]")
    dates_nat = np.append(dates, np.datetime64("NaT", "ns"))
    first_day = f"{panel.dates[0]:%Y-%m-%d}"
    last = f"{panel.dates[-1]:%Y-%m-%d}"
    notes = [_NOTE_OK, _NOTE_BEFORE.format(first=first_day), _NOTE_AFTER.format(last=last),
             _NOTE_NONE, _NOTE_BEYOND.format(last=last), _NOTE_ALL_SKIPPED]  # fmt: skip
    note_code[exit_s >= t] = 4
    note_code[(blocks.n_priced == 0)[:, None] & (note_code == 0)] = 3
    note_code[~(entry_session < t), :] = 2
    note_code[before, :] = 1

    n_rows = n_events * n_h
    # Dates in one block: published, entry and exit session of every row.
    when = np.empty((3, n_events, n_h), dtype="datetime64[ns]")
    when[0] = published[:, None]
    when[1] = dates_nat[entry_session][:, None]
    when[2] = np.take(dates_nat, exit_s)
    if MAX_HORIZON in hs:
        horizon: np.ndarray = np.tile(np.array(hs, dtype=object), n_events)[None, :]
    else:
        horizon = np.empty((1, n_events, n_h), dtype=np.int32)
        horizon[0] = np.array(hs, dtype=np.int32)
    codes = np.empty((n_events, n_h), dtype=np.int32)
    codes[...] = np.arange(n_events, dtype=np.int32)[:, None]
    from pandas.api.internals import create_dataframe_from_blocks  # type: ignore[import-not-found]

    table: pd.DataFrame = create_dataframe_from_blocks(
        [
            (
                pd.Categorical.from_codes(codes.ravel(), dtype=basket_dtype, validate=False),
                np.array([0]),
            ),
            (when.reshape(3, n_rows), np.array([1, 3, 5])),
            (
                pd.Categorical.from_codes(
                    np.zeros(n_rows, dtype=np.int8), dtype=_one_category(rule), validate=False
                ),
                np.array([2]),
            ),
            (horizon.reshape(1, n_rows), np.array([4])),
            (ints.reshape(len(_INT_COLUMNS), n_rows), np.arange(6, 11)),
            (fl.reshape(len(_FLOAT_COLUMNS), n_rows), np.arange(11, 18)),
            (
                pd.Categorical.from_codes(
                    note_code.ravel(), dtype=_note_categories(tuple(notes)), validate=False
                ),
                np.array([18]),
            ),
        ],
        index=pd.RangeIndex(n_rows),
        columns=_RESULT_INDEX.copy(),  # (each table its own: a caller may rename it)
    )
    return table


_RESULT_INDEX = pd.Index(RESULT_COLUMNS)


@cache
def _one_category(value: str) -> pd.CategoricalDtype:
    return pd.CategoricalDtype(pd.Index([value], dtype="str"))


@cache
def _note_categories(notes: tuple[str, ...]) -> pd.CategoricalDtype:
    return pd.CategoricalDtype(pd.Index(notes, dtype="str"))


_INT_COLUMNS = [
    "n_constituents",
    "n_missing",
    "blocked_entries",
    "delayed_entries",
    "blocked_exits",
]
_FLOAT_COLUMNS = ["basket_return", "benchmark_return", "excess_return", "relative_return",
                  "net_return", "net_excess_return", "hit_rate"]  # fmt: skip
assert RESULT_COLUMNS[6:11] == tuple(_INT_COLUMNS) and RESULT_COLUMNS[11:18] == tuple(
    _FLOAT_COLUMNS
)


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
        return _missing(panel, sub, missing, reasons), trade_table(panel, sub, records, hs)

    return build


def _missing(
    panel: PricePanel, enc: Encoded, rows: np.ndarray, excluded_reason: dict[int, str]
) -> pd.DataFrame:
    """Return one row per constituent left out (``rows``), with the reason."""
    rows = rows[np.argsort(enc.event[rows], kind="stable")]  # by event, then row
    t = len(panel.dates)
    dates_nat = np.append(panel.dates.to_numpy(dtype="datetime64[ns]"), np.datetime64("NaT"))
    reasons = missing_reasons(panel, enc, rows)
    if excluded_reason:
        text = [excluded_reason.get(int(r), str(x)) for r, x in zip(rows, reasons, strict=True)]
        values = pd.Index(text, dtype="str")
        reasons = pd.Categorical(values, categories=values.unique())  # order of appearance
    return pd.DataFrame(
        {
            "basket": pd.Categorical.from_codes(enc.event[rows], dtype=enc.basket_dtype),
            "code": pd.Categorical.from_codes(enc.code_of_row[rows], dtype=enc.code_dtype),
            "entry_date": dates_nat[np.minimum(enc.entry[enc.event[rows]], t)],
            "reason": reasons,
        },
        columns=list(MISSING_COLUMNS),
    )


def cumulative_curves(
    panel: PricePanel,
    events: pd.DataFrame,
    entry: str = DEFAULT_ENTRY,
    validate: bool = True,
) -> pd.DataFrame:
    """Daily cumulative basket and benchmark returns from entry to the panel's last session.

    Session 0 is the entry session (for ``next_open``, its close against the open).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CURVE_COLUMNS`, one row per (event, session); events without an entry
        session or without any priced constituent have no rows.
    """
    rule = parse_entry(entry)
    fac = None
    if validate:
        fac = check_and_factorize(events)
    enc = encode(panel, events, rule, fac)
    t = len(panel.dates)
    usable = (enc.entry < t) & (enc.n_present > 0)
    length = np.where(usable, t - enc.entry, 0)
    n_events = len(enc.ids)
    # One output row per (event, session): its event and its session offset.
    starts = np.cumsum(length) - length
    out_event = np.repeat(np.arange(n_events), length)
    offset = np.arange(length.sum()) - np.repeat(starts, length)
    day = enc.entry[out_event] + offset
    # One work row per (present constituent, session) of usable events.
    rows = np.flatnonzero(enc.present & usable[enc.event])
    row_len = length[enc.event[rows]]
    work_row = np.repeat(rows, row_len)
    work_out = np.repeat(starts[enc.event[rows]], row_len) + (
        np.arange(row_len.sum()) - np.repeat(np.cumsum(row_len) - row_len, row_len)
    )
    r = _gather_returns(panel, enc, work_row, day[work_out])
    w = enc.weight[work_row] if enc.weight is not None else np.ones(len(work_row))
    n_out = len(out_event)
    w_sum = np.bincount(work_out, weights=w, minlength=n_out)
    basket = np.bincount(work_out, weights=w * r, minlength=n_out) / w_sum
    bench_p0 = _benchmark_entry(panel, rule)
    bench = panel.benchmark_close[day] / bench_p0[enc.entry[out_event]] - 1.0
    return pd.DataFrame(
        {
            "basket": enc.ids.to_numpy()[out_event],
            "session": offset,
            "date": panel.dates.to_numpy(dtype="datetime64[ns]")[day],
            "basket_return": basket,
            "benchmark_return": bench,
            "excess_return": basket - bench,
        },
        columns=list(CURVE_COLUMNS),
    )
