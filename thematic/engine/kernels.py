"""The engine's chunk kernel: every priced constituent at every horizon, chunk by chunk.

:func:`evaluate_chunk` is the kernel: a function of plain numpy arrays and scalars
(:class:`MarketArrays`, :class:`EventRows`, :class:`KernelRules`) that evaluates one range
of events and writes straight into its slices of the output blocks (:class:`ChunkOut`).  It
gathers the constituents' exit prices, applies the untradable policy to exits, nets costs
and sums per (event, horizon).  :func:`horizon_blocks` is its wrapper: it unpacks the
panel, the encoded events and the rules into those arrays, allocates the blocks
(:class:`HorizonBlocks`, which :func:`thematic.engine.frames.result_table` turns into the
result table) and maps the kernel over chunks of :data:`EVENT_CHUNK` events on the
process's thread pool.  Arrays in, arrays out; no pandas.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import NamedTuple

import numpy as np

from thematic import threads
from thematic.constants import MAX_HORIZON, RESULT_COLUMNS, EntryRule
from thematic.data.panel import PricePanel
from thematic.engine.encode import Encoded
from thematic.engine.tradable import exit_close as signed_exit_close
from thematic.engine.trading import (
    OUT_AFTER_EXIT,
    Entries,
    Fees,
    TradeRecords,
    fee,
    plan_exits,
)
from thematic.rules import Horizon, Trading, Untradable

#: Events evaluated per pass of the core loop: temporaries of a few MiB, and 10,000 calls
#: make five chunks for the threads (measured: 23 ms against 26-34 ms with 8,192).
EVENT_CHUNK = 2_048
#: Fewest chunks worth handing to the thread pool.
THREAD_MIN_CHUNKS = 2

#: The result's integer and float columns, in the order of the kernel's blocks.
INT_COLUMNS = [
    "n_constituents",
    "n_missing",
    "blocked_entries",
    "delayed_entries",
    "blocked_exits",
    "entered_after_exit",
]
FLOAT_COLUMNS = ["basket_return", "benchmark_return", "excess_return", "relative_return",
                  "net_return", "net_excess_return", "hit_rate"]  # fmt: skip
assert RESULT_COLUMNS[6:12] == tuple(INT_COLUMNS) and RESULT_COLUMNS[12:19] == tuple(FLOAT_COLUMNS)


def gather_returns(
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


def benchmark_entry(panel: PricePanel, entry: EntryRule) -> np.ndarray:
    """Return the benchmark's entry price of each session under ``entry`` (open or close)."""
    return panel.benchmark_open if entry == "next_open" else panel.benchmark_close


class HorizonBlocks(NamedTuple):
    """The output's numeric blocks, filled chunk by chunk, and what the chunks recorded."""

    floats: np.ndarray  # (len(FLOAT_COLUMNS), events, horizons)
    ints: np.ndarray  # (len(INT_COLUMNS), events, horizons) int32
    exit_session: np.ndarray  # (events, horizons); len(dates) when beyond the data
    note_code: np.ndarray  # (events, horizons) int8: index into the notes
    n_priced: np.ndarray  # priced constituents per event
    trades: list[TradeRecords]  # the blocked exits


class MarketArrays(NamedTuple):
    """What the kernel reads of the market: ``N`` codes by ``T`` sessions, and the fees.

    Per (code, session) arrays are code-major ``(N, T)`` and C-contiguous (one flat gather
    reads them); per session arrays are ``(T,)``.
    """

    close: np.ndarray  # (N, T) closes, forward-filled (no bar: the last close)
    exit_close: np.ndarray  # (N, T) the same, negated where a sale is blocked
    state: np.ndarray  # (N, T) int8 trade-state bits (thematic.engine.tradable)
    bench_close: np.ndarray  # (T,) the benchmark's closes
    bench_entry: np.ndarray  # (T,) the benchmark's entry price (open or close, by the rule)
    keep_after_sale: np.ndarray  # (T,) 1 less the sale's rates (transfer, stamp, slippage)
    buy_rate: np.ndarray  # (T,) the buy's rates (transfer fee, slippage)
    min_commission: np.ndarray  # (T,) the minimum commission of an order, yuan
    commission: float  # commission per yuan traded
    constant_min_commission: float | None  # the minimum when one holds on every session


class EventRows(NamedTuple):
    """The encoded events: per event (``E``), per priced row (``P``) and per row (``R``)."""

    entry: np.ndarray  # (E,) the event's entry session; T when there is none
    n_priced: np.ndarray  # (E,) float64: priced constituents
    w_event: np.ndarray  # (E,) their total weight (n_priced when equal-weighted)
    event: np.ndarray  # (P,) event of each priced row, ascending
    row: np.ndarray  # (P,) the priced rows (numbers into the per-row arrays)
    weight: np.ndarray | None  # (P,) weight of each priced row; None when all are 1
    col: np.ndarray  # (R,) code (row of the market arrays) of every row
    p0: np.ndarray  # (R,) entry price; NaN when not bought
    session: np.ndarray  # (R,) actual entry session (later than the event's when delayed)
    late: np.ndarray  # (R,) bool: bought after the event's entry session


class KernelRules(NamedTuple):
    """The rules of a run as the kernel takes them: horizons, untradable policy, notional."""

    steps: np.ndarray  # (H,) int64 sessions from entry to exit; 0 for "max"
    is_max: np.ndarray  # (H,) bool: the horizon is "max" (the last session)
    untradable: Untradable  # "delay", "skip" or "ignore"
    max_delay: int  # sessions a blocked trade may wait under "delay"
    notional: float  # yuan invested per event (the minimum commission depends on it)


class ChunkOut(NamedTuple):
    """Where the kernel writes the events ``a .. b`` of a chunk: slices of the output blocks."""

    floats: np.ndarray  # (len(FLOAT_COLUMNS), b - a, H)
    blocked_exits: np.ndarray  # (b - a, H) int32
    entered_after_exit: np.ndarray  # (b - a, H) int32
    exit_session: np.ndarray  # (b - a, H) int64; T when beyond the data
    note_code: np.ndarray  # (b - a, H) int8, zeros on entry; 5 or 6 written where they apply


def evaluate_chunk(
    market: MarketArrays, events: EventRows, rules: KernelRules, a: int, b: int, out: ChunkOut
) -> list[TradeRecords]:
    """Evaluate events ``a .. b`` at every horizon into ``out``; return their blocked exits.

    Each priced constituent is valued from its entry price to the close of the horizon's
    exit session (the event's entry session plus the horizon, or the last session for
    "max"), after the untradable policy (:func:`thematic.engine.trading.plan_exits`) and
    net of costs; the basket's return is the weighted mean, its hit rate the share of
    constituents above the benchmark.  A constituent bought after a horizon's exit is left
    out of that horizon.

    Parameters
    ----------
    market, events, rules
        Plain arrays and values (see their classes); only read.
    a, b
        The events of this chunk, ``0 <= a <= b <= E``.
    out
        The chunk's slices of the output blocks, written in place (chunks write disjoint
        slices, so they may run side by side).

    Returns
    -------
    list of TradeRecords
        The chunk's blocked exits and its constituents bought after a horizon's exit.
    """
    chunk_trades: list[TradeRecords] = []
    t = len(market.bench_close)
    n_h = len(rules.steps)
    ev, rows, w, n_priced = events.event, events.row, events.weight, events.n_priced
    flat_close = market.close.reshape(-1)
    flat_state = market.state.reshape(-1)
    exit_close = market.exit_close.reshape(-1)
    # The chunk's rows, in the rows' own dtype: bounds of another dtype would make numpy
    # cast the whole of ``ev`` on every call (4 s a million calls).
    lo, hi = (int(k) for k in np.searchsorted(ev, np.array([a, b], dtype=ev.dtype)))
    entry_c = events.entry[a:b]
    x = np.where(rules.is_max, t - 1, entry_c[:, None] + rules.steps)
    in_data = (entry_c < t)[:, None] & (x < t)
    out.exit_session[...] = np.where(in_data, x, t)
    ok = in_data & (n_priced[a:b] > 0)[:, None]
    e_safe = np.minimum(entry_c, t - 1)
    x_safe = np.where(ok, x, e_safe[:, None])
    bench = np.take(market.bench_close, x_safe) / np.take(market.bench_entry, e_safe)[:, None] - 1.0
    sums = np.zeros((3, b - a, n_h))  # weighted, net, beats
    n_blocked = np.zeros((b - a) * n_h, dtype=np.int64)  # blocked exits
    n_after = np.zeros((b - a, n_h), dtype=np.int32)  # bought after the row's exit
    counts = None
    if hi > lo:
        ev_c, r_c = ev[lo:hi], rows[lo:hi]
        local = ev_c - a
        # Horizons count from the basket's entry; a constituent bought after a horizon's
        # exit has no return at that horizon and is left out of its row.
        # (np.take: a row gather three times quicker than indexing with an array)
        xs = np.take(x_safe, local, axis=0)
        late = np.flatnonzero(np.take(events.late, r_c))
        after_exit = None
        if len(late):
            bought = np.take(events.session, r_c[late])
            gone = (bought[:, None] > xs[late]) & np.take(ok, local[late], axis=0)
            if gone.any():
                after_exit = np.zeros(xs.shape, dtype=bool)
                after_exit[late] = gone
                li, lj = np.nonzero(gone)
                planned = entry_c[local[late[li]]]
                chunk_trades.append(TradeRecords(
                    r_c[late[li]], lj, flat_state[np.take(events.col, r_c[late[li]]) * t + planned],
                    planned, bought[li], np.full(len(li), OUT_AFTER_EXIT),
                ))  # fmt: skip
        base = np.take(events.col, r_c).astype(np.int64)[:, None] * t
        # The three per-pair quantities in one block, so one reduceat sums them per event.
        work = np.empty((3, hi - lo, n_h))
        r = work[0]
        np.take(exit_close, xs + base, out=r)
        blocked = np.signbit(r)  # the close of a day the exit was blocked is negated
        if after_exit is not None:
            blocked &= ~after_exit  # (never held at that horizon: no exit to block)
        include = None
        i, j = np.nonzero(blocked)
        if len(i):
            n_blocked += np.bincount(local[i] * n_h + j, minlength=len(n_blocked))
            counted = ok[local[i], j]  # (exits of horizons without a result are not planned)
            i, j = i[counted], j[counted]
            include, exit_trades = plan_exits(
                r_c, xs, i, j, flat_state, base, t, rules.untradable, rules.max_delay
            )
            chunk_trades.append(exit_trades)
            r[i, j] = flat_close[base[i, 0] + xs[i, j]]  # a delayed exit's day moved
        np.abs(r, out=r)
        r /= np.take(events.p0, r_c)[:, None]
        r -= 1.0
        # Net of costs per yuan invested: sell (1 + r) less its fees, less the buy's fees.
        w_r = w[lo:hi] if w is not None else None
        notional = (rules.notional * w_r if w_r is not None else
                    rules.notional) / np.take(events.w_event, ev_c)  # fmt: skip
        buy_fee = fee(notional, np.take(events.session, r_c), market.commission,
                      market.min_commission, market.buy_rate) / notional  # fmt: skip
        net, g = work[1], work[2]
        np.add(r, 1.0, out=g)
        np.multiply(g, np.take(market.keep_after_sale, xs), out=net)
        g *= market.commission
        # A sale's minimum commission is the one in force on the sale's day (one scalar on
        # panels after 2002-05-01, when it never changes: no gather).
        if market.constant_min_commission is not None:
            np.maximum(g, (market.constant_min_commission / notional)[:, None], out=g)
        else:
            np.maximum(g, np.take(market.min_commission, xs) / notional[:, None], out=g)
        net -= g
        net -= (buy_fee + 1.0)[:, None]
        above = work[2]
        np.greater(r, np.take(bench, local, axis=0), out=above)
        if w_r is not None:
            r *= w_r[:, None]
            net *= w_r[:, None]
        if after_exit is not None:
            include = ~after_exit if include is None else include & ~after_exit
        if include is not None:
            excluded = ~include
            r[excluded], net[excluded], above[excluded] = 0.0, 0.0, 0.0
        starts = np.flatnonzero(np.r_[True, ev_c[1:] != ev_c[:-1]])
        first = local[starts]
        sums[:, first] = np.add.reduceat(work, starts, axis=1)
        if after_exit is not None:
            n_after[first] = np.add.reduceat(after_exit.view(np.int8), starts, axis=0,
                                             dtype=np.int32)  # fmt: skip
        if rules.untradable == "skip" or after_exit is not None:  # members differ by horizon
            inc = include if include is not None else np.ones(r.shape, dtype=bool)
            counts = np.zeros((2, b - a, n_h))
            w_inc = np.where(inc, w_r[:, None] if w_r is not None else 1.0, 0.0)
            counts[0, first] = np.add.reduceat(w_inc, starts, axis=0)
            counts[1, first] = np.add.reduceat(inc.view(np.int8), starts, axis=0,
                                               dtype=np.int32)  # fmt: skip
    if counts is None:
        w_h = np.broadcast_to(events.w_event[a:b, None], (b - a, n_h))
        n_h_ = np.broadcast_to(n_priced[a:b, None], (b - a, n_h))
    else:
        w_h, n_h_ = counts[0], counts[1]
    out.note_code[ok & (n_h_ == 0)] = 5  # every exit blocked and skipped
    out.note_code[ok & (n_after == n_priced[a:b, None])] = 6  # every one bought too late
    ok &= n_h_ > 0
    basket, bench_out, excess, relative, net_basket, net_excess, hit = out.floats
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
    out.blocked_exits[...] = np.where(in_data, n_blocked.reshape(b - a, n_h), 0)
    out.entered_after_exit[...] = n_after
    return chunk_trades


def horizon_blocks(
    panel: PricePanel,
    enc: Encoded,
    entries: Entries,
    hs: Sequence[Horizon],
    rule: EntryRule,
    trading: Trading,
    state: np.ndarray,
) -> HorizonBlocks:
    """Evaluate every priced constituent at every horizon, chunk by chunk (on the threads).

    The wrapper of :func:`evaluate_chunk`: unpacks the panel, the encoded events, their
    entries and the rules into plain arrays, allocates the output blocks and maps the
    kernel over chunks of :data:`EVENT_CHUNK` events.
    """
    n_events, n_h = len(enc.ids), len(hs)
    trades: list[TradeRecords] = []

    # Every priced constituent, grouped by event: each chunk of events is then one slice of
    # rows, gathered, netted of costs, summed per (event, horizon) and written straight
    # into the output blocks, so temporaries stay cache-sized and nothing the size of the
    # whole result is made twice.
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
    market = MarketArrays(
        close=panel.close_filled_by_code,
        exit_close=signed_exit_close(panel, trading.st),
        state=state,
        bench_close=panel.benchmark_close,
        bench_entry=benchmark_entry(panel, rule),
        keep_after_sale=fees.keep_after_sale,
        buy_rate=fees.buy_rate,
        min_commission=fees.minimum,
        commission=fees.commission,
        constant_min_commission=fees.min_yuan if fees.constant_minimum else None,
    )
    events = EventRows(
        entry=enc.entry,
        n_priced=n_priced,
        w_event=w_event,
        event=ev,
        row=rows,
        weight=w,
        col=enc.col,
        p0=entries.p0,
        session=entries.session,
        late=entries.delayed,
    )
    rules = KernelRules(
        # Exit session of every (event, horizon) is the entry session plus h ("max": the last).
        steps=np.array([0 if h == MAX_HORIZON else int(h) for h in hs], dtype=np.int64),
        is_max=np.array([h == MAX_HORIZON for h in hs]),
        untradable=trading.untradable,
        max_delay=trading.max_delay,
        notional=trading.costs.notional,
    )

    fl = np.empty((len(FLOAT_COLUMNS), n_events, n_h))
    ints = np.empty((len(INT_COLUMNS), n_events, n_h), dtype=np.int32)
    ints[0] = enc.n_rows[:, None]
    ints[1] = (enc.n_rows - n_priced.astype(np.int64))[:, None]
    ints[2] = entries.blocked_per_event[:, None]
    ints[3] = entries.delayed_per_event[:, None]
    exit_s = np.empty((n_events, n_h), dtype=np.int64)
    note_code = np.zeros((n_events, n_h), dtype=np.int8)
    starts = range(0, n_events, EVENT_CHUNK)
    ends = [min(a + EVENT_CHUNK, n_events) for a in starts]
    outs = [ChunkOut(fl[:, a:b], ints[4, a:b], ints[5, a:b], exit_s[a:b], note_code[a:b])
            for a, b in zip(starts, ends, strict=True)]  # fmt: skip
    kernel = partial(evaluate_chunk, market, events, rules)
    # Chunks write disjoint slices of the output and numpy releases the GIL on them: on a
    # multi-core machine they run side by side; the result is the same to the last bit.
    if len(starts) >= THREAD_MIN_CHUNKS and threads.cores() > 1:
        for chunk_trades in threads.pool().map(kernel, starts, ends, outs):
            trades.extend(chunk_trades)
    else:
        for chunk in zip(starts, ends, outs, strict=True):
            trades.extend(kernel(*chunk))

    return HorizonBlocks(fl, ints, exit_s, note_code, n_priced, trades)
