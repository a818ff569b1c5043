"""The chunk kernel against a plain reference, on random small markets, in random chunks.

Every input the kernel reads is drawn: closes, trade states (a sale blocked by a missing bar
or a close at the down-limit, and states that do not block a sale), the benchmark, dated
fees (a minimum commission that changes by session, or one that never does), weights or
none, late entries, horizons (``"max"`` among them, and some past the data), events without
an entry or without priced rows, every untradable policy and delay bound.  The reference
walks each (event, horizon, constituent) in Python, in the words of the README and of
:func:`thematic.engine.kernels.evaluate_chunk`'s docstring:

- exit session: the event's entry session plus the horizon, or the last session for "max";
  none (``T``) when there is no entry or it is past the data;
- a constituent bought (late) after the exit session is left out of that horizon and
  counted in ``entered_after_exit``; its exit is not a blocked exit;
- a sale blocked on the exit session (state bits ``NO_BAR | DOWN_CLOSE``) is counted in
  ``blocked_exits`` and then: ``delay``: sold at the first free session of the next
  ``max_delay`` ones, else valued at the last one tried; ``skip``: left out; ``ignore``:
  valued on the exit session;
- a constituent's net return: it buys ``notional * w / w_event`` yuan, pays
  ``max(commission * value, minimum) + buy_rate * value`` on its entry session, and on the
  sale session keeps ``keep_after_sale`` of the proceeds less ``max(commission * proceeds,
  minimum)``;
- the row: weighted means over the constituents held, the hit rate the share of them whose
  gross return beats the benchmark's; NaN without any (note 5 when every one was skipped, 6
  when every one was bought too late).

The kernel is run over a random partition of the events into chunks (as the thread pool
would), each chunk writing only its slices of the output.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from thematic.engine.kernels import (
    FLOAT_COLUMNS,
    ChunkOut,
    EventRows,
    KernelRules,
    MarketArrays,
    evaluate_chunk,
)
from thematic.engine.tradable import DOWN_CLOSE, NO_BAR, UP_CLOSE, UP_OPEN
from thematic.engine.trading import (
    OUT_AFTER_EXIT,
    OUT_AT_LIMIT,
    OUT_DELAYED,
    OUT_LAST_CLOSE,
    OUT_LEFT_OUT,
    OUT_STILL_BLOCKED,
)

BLOCKS_SALE = NO_BAR | DOWN_CLOSE
POLICIES = ("delay", "skip", "ignore")


def draw_case(rng: np.random.Generator) -> tuple[MarketArrays, EventRows, KernelRules]:
    t = int(rng.integers(3, 10))
    n = int(rng.integers(1, 4))
    close = np.round(rng.uniform(5.0, 15.0, (n, t)), 2)
    state = rng.choice(
        np.array([0, NO_BAR, DOWN_CLOSE, UP_OPEN, UP_CLOSE, DOWN_CLOSE | UP_OPEN], dtype=np.int8),
        size=(n, t),
        p=[0.55, 0.15, 0.15, 0.05, 0.05, 0.05],
    )
    exit_close = np.where((state & BLOCKS_SALE) != 0, -close, close)
    constant = bool(rng.integers(2))
    minimum = np.full(t, 5.0) if constant else rng.choice([0.0, 5.0, 20.0], t)
    market = MarketArrays(
        close=close,
        exit_close=exit_close,
        state=state,
        bench_close=rng.uniform(90.0, 110.0, t),
        bench_entry=rng.uniform(90.0, 110.0, t),
        keep_after_sale=1.0 - rng.choice([0.0, 0.0015, 0.002], t),
        buy_rate=rng.choice([0.0, 0.0005, 0.0008], t),
        min_commission=minimum,
        commission=float(rng.choice([0.0, 0.00025, 0.001])),
        constant_min_commission=5.0 if constant else None,
    )
    # Events: an entry session (some past the data: no priced rows then), 0-3 priced rows.
    n_events = int(rng.integers(1, 7))
    entry = rng.integers(0, t + 1, n_events)
    ev_of_row, late, session = [], [], []
    for e in range(n_events):
        k = int(rng.integers(0, 4)) if entry[e] < t else 0
        for _ in range(k):
            is_late = entry[e] < t - 1 and rng.random() < 0.35
            ev_of_row.append(e)
            late.append(is_late)
            session.append(int(rng.integers(entry[e] + 1, t)) if is_late else int(entry[e]))
    n_priced_rows = len(ev_of_row)
    # The per-row arrays also hold rows that were not bought (NaN price, never in `row`),
    # in a shuffled order: the kernel must reach every row through `row` and `col`.
    n_rows = n_priced_rows + int(rng.integers(0, 3))
    place = rng.permutation(n_rows)
    col = rng.integers(0, n, n_rows)
    p0 = np.full(n_rows, np.nan)
    sess = rng.integers(0, t, n_rows)
    late_a = np.zeros(n_rows, dtype=bool)
    rows = place[:n_priced_rows]
    p0[rows] = np.round(rng.uniform(5.0, 15.0, n_priced_rows), 2)
    sess[rows] = session
    late_a[rows] = late
    weighted = bool(rng.integers(2))
    w = rng.choice([0.5, 1.0, 2.0, 3.5], n_priced_rows) if weighted else None
    ev = np.array(ev_of_row, dtype=np.int64)
    n_priced = np.bincount(ev, minlength=n_events).astype(np.float64)
    w_event = n_priced if w is None else np.bincount(ev, weights=w, minlength=n_events)
    dtype = np.int32 if rng.integers(2) else np.int64
    events = EventRows(
        entry=entry,
        n_priced=n_priced,
        w_event=w_event,
        event=ev.astype(dtype),
        row=rows.astype(dtype),
        weight=w,
        col=col,
        p0=p0,
        session=sess,
        late=late_a,
    )
    horizons = [int(h) for h in rng.integers(0, t + 1, int(rng.integers(1, 4)))]
    is_max = [bool(rng.random() < 0.3) for _ in horizons]
    rules = KernelRules(
        steps=np.array([0 if m else h for h, m in zip(horizons, is_max, strict=True)]),
        is_max=np.array(is_max),
        untradable=POLICIES[int(rng.integers(3))],  # type: ignore[arg-type]
        max_delay=int(rng.integers(0, 4)),
        notional=float(rng.choice([2_000.0, 40_000.0, 1_000_000.0])),
    )
    return market, events, rules


def reference(m: MarketArrays, e: EventRows, r: KernelRules) -> dict:
    """Every output of the kernel, walked (event, horizon, constituent) in plain Python."""
    n_events, n_h = len(e.entry), len(r.steps)
    t = len(m.bench_close)
    floats = np.full((len(FLOAT_COLUMNS), n_events, n_h), np.nan)
    blocked_exits = np.zeros((n_events, n_h), dtype=np.int64)
    after_exit = np.zeros((n_events, n_h), dtype=np.int64)
    exit_session = np.full((n_events, n_h), t)
    note = np.zeros((n_events, n_h), dtype=np.int64)
    trades = []
    for ev in range(n_events):
        entry = int(e.entry[ev])
        mine = [(int(row), 1.0 if e.weight is None else float(e.weight[k]))
                for k, row in enumerate(e.row) if e.event[k] == ev]  # fmt: skip
        for k in range(n_h):
            x = t - 1 if r.is_max[k] else entry + int(r.steps[k])
            if entry >= t or x >= t:
                continue
            exit_session[ev, k] = x
            if not mine:
                continue
            held = []
            for row, w in mine:
                c, bought = int(e.col[row]), int(e.session[row])
                if e.late[row] and bought > x:
                    after_exit[ev, k] += 1
                    trades.append((row, k, int(m.state[c, entry]), entry, bought, OUT_AFTER_EXIT))
                    continue
                sold = x
                if m.state[c, x] & BLOCKS_SALE:
                    blocked_exits[ev, k] += 1
                    if r.untradable == "skip":
                        trades.append((row, k, int(m.state[c, x]), x, t, OUT_LEFT_OUT))
                        continue
                    if r.untradable == "ignore":
                        what = OUT_LAST_CLOSE if m.state[c, x] & NO_BAR else OUT_AT_LIMIT
                        trades.append((row, k, int(m.state[c, x]), x, x, what))
                    else:
                        free = [s for s in range(x + 1, min(x + r.max_delay, t - 1) + 1)
                                if not m.state[c, s] & BLOCKS_SALE]  # fmt: skip
                        sold = free[0] if free else min(x + r.max_delay, t - 1)
                        what = OUT_DELAYED if free else OUT_STILL_BLOCKED
                        trades.append((row, k, int(m.state[c, x]), x, sold, what))
                ret = m.close[c, sold] / e.p0[row] - 1.0
                value = r.notional * w / e.w_event[ev]
                buy = max(m.commission * value, m.min_commission[bought])
                buy += m.buy_rate[bought] * value
                proceeds = (1.0 + ret) * value
                sale = max(m.commission * proceeds, m.min_commission[sold])
                net = (proceeds * m.keep_after_sale[sold] - sale - value - buy) / value
                held.append((w, ret, net))
            if after_exit[ev, k] == len(mine):
                note[ev, k] = 6
            elif not held:
                note[ev, k] = 5
            if not held:
                continue
            bench = m.bench_close[x] / m.bench_entry[entry] - 1.0
            total = sum(w for w, _, _ in held)
            basket = sum(w * ret for w, ret, _ in held) / total
            net = sum(w * n for w, _, n in held) / total
            hit = sum(ret > bench for _, ret, _ in held) / len(held)
            floats[:, ev, k] = [basket, bench, basket - bench, (1 + basket) / (1 + bench) - 1,
                                net, net - bench, hit]  # fmt: skip
    return {
        "floats": floats,
        "blocked_exits": blocked_exits,
        "entered_after_exit": after_exit,
        "exit_session": exit_session,
        "note_code": note,
        "trades": sorted(trades),
    }


def run_in_chunks(m: MarketArrays, e: EventRows, r: KernelRules, cuts: list[int]) -> dict:
    """The kernel over the chunks ``cuts[i] .. cuts[i + 1]``, into one set of blocks."""
    n_events, n_h = len(e.entry), len(r.steps)
    floats = np.full((len(FLOAT_COLUMNS), n_events, n_h), -99.0)
    ints = np.full((2, n_events, n_h), -9, dtype=np.int32)
    exit_s = np.full((n_events, n_h), -9, dtype=np.int64)
    note = np.zeros((n_events, n_h), dtype=np.int8)
    before = [a.copy() for a in (m.close, m.exit_close, m.state, e.p0, e.session, e.entry)]
    records = []
    for a, b in itertools.pairwise(cuts):
        out = ChunkOut(floats[:, a:b], ints[0, a:b], ints[1, a:b], exit_s[a:b], note[a:b])
        records += evaluate_chunk(m, e, r, a, b, out)
    for was, now in zip(before, (m.close, m.exit_close, m.state, e.p0, e.session, e.entry),
                        strict=True):  # fmt: skip
        np.testing.assert_array_equal(was, now)  # the inputs are only read
    trades = [tuple(int(v) for v in rec) for tr in records
              for rec in zip(tr.row, tr.horizon, tr.state, tr.planned, tr.actual, tr.outcome,
                             strict=True)]  # fmt: skip
    return {
        "floats": floats,
        "blocked_exits": ints[0],
        "entered_after_exit": ints[1],
        "exit_session": exit_s,
        "note_code": note,
        "trades": sorted(trades),
    }


@pytest.mark.parametrize("seed", range(10))
def test_the_kernel_matches_the_reference_in_any_chunks(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(20):
        m, e, r = draw_case(rng)
        n_events = len(e.entry)
        cuts = sorted({0, n_events, *rng.integers(0, n_events + 1, 2).tolist()})
        got = run_in_chunks(m, e, r, cuts)
        want = reference(m, e, r)
        case = (r.untradable, r.max_delay, r.steps.tolist(), r.is_max.tolist(), cuts)
        np.testing.assert_allclose(got["floats"], want["floats"], rtol=1e-12, atol=1e-14,
                                   err_msg=str(case))  # fmt: skip
        for key in ("blocked_exits", "entered_after_exit", "exit_session", "note_code"):
            assert got[key].tolist() == want[key].tolist(), (key, case)
        assert got["trades"] == want["trades"], case
