"""The chunk kernel on a hand-worked market: three codes, three events, four horizons.

Sessions 0..5.  Closes (forward-filled, code-major):

- code 0: 10   10   11   12   12.5 13
- code 1: 20   20   21   22   23   26    closed at the down-limit on session 3 (sale blocked)
- code 2: 50   50   50   55   60   40    opened at the up-limit on session 2 (no buy there)

Benchmark: entry price (open) 100 on sessions 2 and 5; closes 117, 112, 110 on sessions
3, 4, 5.

Events (only events 1 and 2 are evaluated: the chunk is ``1 .. 3``):

- event 0: entry session 1, code 0 (outside the chunk: its slices must stay untouched);
- event 1: entry session 2, weights A 1 (code 0, bought at 10), B 3 (code 1, bought at 20),
  C 1 (code 2, bought late on session 4 at 60); total weight 5;
- event 2: entry session 5 (the last one), code 0 bought at 13.

Horizons 1, 2, "max", 5: event 1 exits on sessions 3, 4, 5 and past the data (7); event 2
on 6 (past), 7 (past), 5 (the entry session itself: "max" is the last session) and 10.

Costs: commission 0.1 %, minimum 5 yuan an order except 30 yuan on session 4 (a minimum
that changes by session); buy rates 0.05 %; a sale keeps 99.8 % (99.9 % on session 4);
30,000 yuan an event: A 6,000, B 18,000, C 6,000 yuan; event 2's code 0 30,000.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.helpers import PANEL
from thematic.engine.encode import encode
from thematic.engine.kernels import (
    FLOAT_COLUMNS,
    ChunkOut,
    EventRows,
    KernelRules,
    MarketArrays,
    evaluate_chunk,
    gather_returns,
)
from thematic.engine.tradable import DOWN_CLOSE, UP_OPEN
from thematic.engine.trading import OUT_AFTER_EXIT, OUT_DELAYED
from thematic.events import check_and_factorize

T = 6
CLOSE = np.array([
    [10.0, 10.0, 11.0, 12.0, 12.5, 13.0],
    [20.0, 20.0, 21.0, 22.0, 23.0, 26.0],
    [50.0, 50.0, 50.0, 55.0, 60.0, 40.0],
])  # fmt: skip
STATE = np.zeros((3, T), dtype=np.int8)
STATE[1, 3] = DOWN_CLOSE
STATE[2, 2] = UP_OPEN
MARKET = MarketArrays(
    close=CLOSE,
    exit_close=np.where((STATE & DOWN_CLOSE) != 0, -CLOSE, CLOSE),
    state=STATE,
    bench_close=np.array([100.0, 100.0, 101.0, 117.0, 112.0, 110.0]),
    bench_entry=np.array([100.0, 99.0, 100.0, 103.0, 105.0, 100.0]),
    keep_after_sale=np.array([0.998, 0.998, 0.998, 0.998, 0.999, 0.998]),
    buy_rate=np.full(T, 0.0005),
    min_commission=np.array([5.0, 5.0, 5.0, 5.0, 30.0, 5.0]),
    commission=0.001,
    constant_min_commission=None,
)
# Rows in the per-row arrays: 0 event 0's code 0; 1 A, 2 B, 3 C (event 1); 4 event 2's code
# 0; 5 a row that was not bought (NaN price, in no event's priced rows).
EVENTS = EventRows(
    entry=np.array([1, 2, 5]),
    n_priced=np.array([1.0, 3.0, 1.0]),
    w_event=np.array([1.0, 5.0, 1.0]),
    event=np.array([0, 1, 1, 1, 2], dtype=np.int32),
    row=np.array([0, 1, 2, 3, 4], dtype=np.int32),
    weight=np.array([1.0, 1.0, 3.0, 1.0, 1.0]),
    col=np.array([0, 0, 1, 2, 0, 1]),
    p0=np.array([10.0, 10.0, 20.0, 60.0, 13.0, np.nan]),
    session=np.array([1, 2, 2, 4, 5, 2]),
    late=np.array([False, False, False, True, False, False]),
)
RULES = KernelRules(
    steps=np.array([1, 2, 0, 5], dtype=np.int64),
    is_max=np.array([False, False, True, False]),
    untradable="delay",
    max_delay=10,
    notional=30_000.0,
)
NAN = float("nan")


def test_two_events_four_horizons_by_hand() -> None:
    floats = np.full((len(FLOAT_COLUMNS), 3, 4), -99.0)
    ints = np.full((2, 3, 4), -9, dtype=np.int32)
    exit_s = np.full((3, 4), -9, dtype=np.int64)
    note = np.zeros((3, 4), dtype=np.int8)
    out = ChunkOut(floats[:, 1:3], ints[0, 1:3], ints[1, 1:3], exit_s[1:3], note[1:3])
    trades = evaluate_chunk(MARKET, EVENTS, RULES, 1, 3, out)
    # Event 0 is not in the chunk: nothing of it was written.
    assert (floats[:, 0] == -99.0).all() and (ints[:, 0] == -9).all() and (exit_s[0] == -9).all()
    f = dict(zip(FLOAT_COLUMNS, floats[:, 1:3], strict=True))

    # Event 1, horizon 1 (exit session 3).  C was bought on session 4, after the exit: left
    # out (weights renormalised over A and B, 1 + 3).  B's sale is blocked on session 3
    # (down-limit) and delayed to session 4.
    #   A: 12 / 10 - 1 = 0.20; B: 23 / 20 - 1 = 0.15; basket (0.20 + 3 * 0.15) / 4 = 0.1625
    #   benchmark 117 / 100 - 1 = 0.17: A beats it, B does not: hit rate 1 / 2
    #   A net: buy max(6, 5) + 3 = 9; sale of 7,200 on session 3: 7,200 * 0.998 = 7,185.6
    #     less max(7.2, 5): 7,178.4; (7,178.4 - 6,000 - 9) / 6,000 = 0.1949
    #   B net: buy max(18, 5) + 9 = 27; sale of 20,700 on session 4 (its delayed day):
    #     20,700 * 0.999 = 20,679.3 less max(20.7, 30) = 30: 20,649.3;
    #     (20,649.3 - 18,000 - 27) / 18,000 = 0.14568333...
    #   net basket (0.1949 + 3 * 0.14568333...) / 4 = 0.1579875
    # Horizon 2 (exit session 4): all three held.
    #   A 12.5 / 10 - 1 = 0.25, B 0.15, C 60 / 60 - 1 = 0: (0.25 + 0.45 + 0) / 5 = 0.14
    #   benchmark 112 / 100 - 1 = 0.12: A and B beat it: 2 / 3
    #   A net: 7,500 * 0.999 - max(7.5, 30) = 7,462.5; (7,462.5 - 6,009) / 6,000 = 0.24225
    #   B net as at horizon 1 (sold on session 4 too): 0.14568333...
    #   C net: buy on session 4: max(6, 30) + 3 = 33; sale 6,000 * 0.999 - 30 = 5,964:
    #     (5,964 - 6,033) / 6,000 = -0.0115
    #   net basket (0.24225 + 3 * 0.14568333... - 0.0115) / 5 = 0.13356
    # Horizon "max" (session 5):
    #   A 13 / 10 - 1 = 0.3, B 26 / 20 - 1 = 0.3, C 40 / 60 - 1 = -1/3
    #   basket (0.3 + 0.9 - 1/3) / 5 = 0.17333...; benchmark 110 / 100 - 1 = 0.10: 2 / 3
    #   A net: 7,800 * 0.998 - max(7.8, 5) = 7,776.6; (7,776.6 - 6,009) / 6,000 = 0.2946
    #   B net: 23,400 * 0.998 - 23.4 = 23,329.8; (23,329.8 - 18,027) / 18,000 = 0.2946
    #   C net: 4,000 * 0.998 - max(4, 5) = 3,987; (3,987 - 6,033) / 6,000 = -0.341
    #   net basket (0.2946 + 3 * 0.2946 - 0.341) / 5 = 0.16748
    # Horizon 5: session 7 is past the data: NaN.
    # Event 2, "max": entry and exit on session 5: 13 / 13 - 1 = 0; benchmark 110 / 100 - 1
    #   = 0.10, not beaten; net: buy max(30, 5) + 15 = 45, sale 30,000 * 0.998 - 30
    #   = 29,910: (29,910 - 30,045) / 30,000 = -0.0045.  Its other horizons: past the data.
    basket = [[0.1625, 0.14, (0.3 + 0.9 - 1 / 3) / 5, NAN], [NAN, NAN, 0.0, NAN]]
    bench = [[0.17, 0.12, 0.10, NAN], [NAN, NAN, 0.10, NAN]]
    net = [[0.1579875, 0.13356, 0.16748, NAN], [NAN, NAN, -0.0045, NAN]]
    expected = {
        "basket_return": basket,
        "benchmark_return": bench,
        "excess_return": np.subtract(basket, bench),
        "relative_return": (1 + np.array(basket)) / (1 + np.array(bench)) - 1,
        "net_return": net,
        "net_excess_return": np.subtract(net, bench),
        "hit_rate": [[0.5, 2 / 3, 2 / 3, NAN], [NAN, NAN, 0.0, NAN]],
    }
    for name, values in expected.items():
        np.testing.assert_allclose(f[name], values, rtol=1e-12, atol=1e-15, err_msg=name)
    assert exit_s[1:].tolist() == [[3, 4, 5, T], [T, T, 5, T]]
    assert ints[0, 1:].tolist() == [[1, 0, 0, 0], [0, 0, 0, 0]]  # blocked exits: B on session 3
    assert ints[1, 1:].tolist() == [[1, 0, 0, 0], [0, 0, 0, 0]]  # C bought after horizon 1
    assert note.tolist() == [[0] * 4] * 3
    records = sorted(
        (int(a), int(b), int(c), int(d), int(e), int(g))
        for tr in trades
        for a, b, c, d, e, g in zip(
            tr.row, tr.horizon, tr.state, tr.planned, tr.actual, tr.outcome, strict=True
        )
    )
    # (row, horizon, state on the planned day, planned, actual, outcome)
    assert records == [
        (2, 0, DOWN_CLOSE, 3, 4, OUT_DELAYED),  # B's sale at horizon 1, delayed a session
        (3, 0, UP_OPEN, 2, 4, OUT_AFTER_EXIT),  # C: planned at the event's entry, bought on 4
    ]


def test_the_same_events_skipping_the_blocked_sale_and_the_notes() -> None:
    # Under skip, B is left out of horizon 1: A alone is held there.  An event whose only
    # constituent is skipped has no row (note 5); one whose only constituent was bought
    # after the exit has none either (note 6).
    # Rows 6 and 7: B again (event 0, bought on session 2) and C again (event 2, bought
    # late on session 4), each its event's only constituent.
    events = EVENTS._replace(
        entry=np.array([2, 2, 2]),
        n_priced=np.array([1.0, 3.0, 1.0]),
        w_event=np.array([3.0, 5.0, 1.0]),
        event=np.array([0, 1, 1, 1, 2], dtype=np.int32),
        row=np.array([6, 1, 2, 3, 7], dtype=np.int32),
        weight=np.array([3.0, 1.0, 3.0, 1.0, 1.0]),
        col=np.r_[EVENTS.col, 1, 2],
        p0=np.r_[EVENTS.p0, 20.0, 60.0],
        session=np.r_[EVENTS.session, 2, 4],
        late=np.r_[EVENTS.late, False, True],
    )
    rules = RULES._replace(untradable="skip")
    floats = np.full((len(FLOAT_COLUMNS), 3, 4), -99.0)
    ints = np.full((2, 3, 4), -9, dtype=np.int32)
    exit_s = np.full((3, 4), -9, dtype=np.int64)
    note = np.zeros((3, 4), dtype=np.int8)
    out = ChunkOut(floats, ints[0], ints[1], exit_s, note)
    evaluate_chunk(MARKET, events, rules, 0, 3, out)
    # Event 0 (B alone, weight 3 of 3), horizon 1: skipped, note 5; horizon 2: 0.15.
    # Event 1, horizon 1: A alone (C bought after the exit, B skipped): 0.20, hit 1 (0.20 >
    #   0.17); net 0.1949 as before (A's notional is still 6,000: weights of the event).
    # Event 2 (C alone), horizon 1: bought after the exit: note 6; horizon 2: 0.
    basket = floats[0]
    np.testing.assert_allclose(basket[:, :3], [[NAN, 0.15, 0.3], [0.2, 0.14, (0.3 + 0.9 - 1 / 3) / 5],
                                              [NAN, 0.0, -1 / 3]], rtol=1e-12)  # fmt: skip
    assert floats[6, 1, 0] == 1.0 and floats[4, 1, 0] == pytest.approx(0.1949, rel=1e-12)
    assert np.isnan(floats[:, 0, 0]).all() and np.isnan(floats[:, 2, 0]).all()
    assert note[:, :3].tolist() == [[5, 0, 0], [0, 0, 0], [6, 0, 0]]
    assert ints[0, :, 0].tolist() == [1, 1, 0] and ints[1, :, 0].tolist() == [0, 1, 1]


def test_gather_returns_takes_exit_sessions_of_any_shape() -> None:
    # PANEL (tests/helpers.py): code 000001 bought at 10 (open of 03-25), 000002 at 20.
    # Closes, sessions 0..4: 000001 10 10 11 12 13; 000002 20 20 19 19 (no bar) 24.
    ev = pd.DataFrame({"event_id": ["e", "e"], "published": ["2024-03-22"] * 2,
                       "code": ["000001", "000002"]})  # fmt: skip
    enc = encode(PANEL, ev, "next_open", check_and_factorize(ev))
    rows = np.array([1, 0])
    one = gather_returns(PANEL, enc, rows, np.array([4, 2]))
    assert one.tolist() == pytest.approx([24 / 20 - 1, 11 / 10 - 1], rel=1e-12)
    two = gather_returns(PANEL, enc, rows, np.array([[2, 3, 4], [3, 4, 2]]))
    # 000002 on session 3 has no bar: valued at its last close, 19.
    np.testing.assert_allclose(
        two,
        [[19 / 20 - 1, 19 / 20 - 1, 24 / 20 - 1], [12 / 10 - 1, 13 / 10 - 1, 11 / 10 - 1]],
        rtol=1e-12,
    )
