"""evaluate_events by hand: three calls, interleaved rows, weights, blocked trades, costs.

Sessions 0..6 (2024-03-18 .. 2024-03-26), opens / closes (``-`` no bar: suspended):

==========  =========================================  ==========================================
code        opens                                      closes
==========  =========================================  ==========================================
000001      10  10  10.5 11  11  12  12                10  10.2 10.8 11  11.5 12  12.6
000002      20  -   -    21  22  22  23                20  -    -    21.5 22  23  24
000003      30  30  30   31  32  -   33                30  30   30.5 31  32  -   33
000004      40  -   -    -   41  41  41                40  -    -    -   41  41  41
benchmark   100 100 101  102 101 103 104               100 101  102  103 102 104 106
==========  =========================================  ==========================================

Calls (the table's rows interleave them; weights a: 0.5, 0.25, 0.25; b: 0.5, 0.5; c: 1):

- a, published 03-18: entry session 1 (03-19) at the open.  000001 bought at 10;
  000002 has no bar on 1 and 2: delayed to session 3, bought at 21; 000004 has none on 1,
  2 or 3: blocked for more than ``max_delay`` = 2 sessions, excluded.  Weights 0.5 and
  0.25 of the two bought (0.75 in all): 2 to 1.
- b, published 03-19: entry session 2 (03-20).  000002 delayed to session 3 (21);
  000003 bought at 30.  000003 has no bar on session 5: its sale there waits for session 6.
- c, published 03-26, the last session: no entry.

Horizons 1, 3 and "max" (session 6).  Costs: commission 10 bp (at least 5 yuan), no
slippage, 2024's transfer fee (0.001 % each side) and stamp duty (0.05 % on sales), 9,000
yuan a call: a's 000001 6,000 and 000002 3,000 yuan; b's 4,500 each.
"""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd

from tests.helpers import make_panel
from thematic.engine import evaluate_events
from thematic.engine.evaluate import Evaluation
from thematic.rules import Costs, Trading

NAN = float("nan")
P = make_panel(
    ["2024-03-18", "2024-03-19", "2024-03-20", "2024-03-21", "2024-03-22", "2024-03-25",
     "2024-03-26"],
    opens={
        "000001": [10, 10, 10.5, 11, 11, 12, 12],
        "000002": [20, NAN, NAN, 21, 22, 22, 23],
        "000003": [30, 30, 30, 31, 32, NAN, 33],
        "000004": [40, NAN, NAN, NAN, 41, 41, 41],
    },
    closes={
        "000001": [10, 10.2, 10.8, 11, 11.5, 12, 12.6],
        "000002": [20, NAN, NAN, 21.5, 22, 23, 24],
        "000003": [30, 30, 30.5, 31, 32, NAN, 33],
        "000004": [40, NAN, NAN, NAN, 41, 41, 41],
    },
    bench_open=[100, 100, 101, 102, 101, 103, 104],
    bench_close=[100, 101, 102, 103, 102, 104, 106],
)  # fmt: skip
EVENTS = pd.DataFrame(
    [
        ("a", "2024-03-18", "000001", 0.5),
        ("b", "2024-03-19", "000002", 0.5),
        ("a", "2024-03-18", "000002", 0.25),
        ("c", "2024-03-26", "000001", 1.0),
        ("b", "2024-03-19", "000003", 0.5),
        ("a", "2024-03-18", "000004", 0.25),
    ],
    columns=["event_id", "published", "code", "weight"],
)
TRADING = Trading(
    untradable="delay",
    max_delay=2,
    costs=Costs(commission_bps=10.0, slippage_bps=0.0, notional=9_000.0),
)
HORIZONS = [1, 3, "max"]


def check_table(t: pd.DataFrame) -> None:
    assert t["basket"].astype(str).tolist() == ["a"] * 3 + ["b"] * 3 + ["c"] * 3
    assert t["horizon"].astype(str).tolist() == ["1", "3", "max"] * 3
    dates = pd.to_datetime(t["exit_date"]).dt.strftime("%m-%d").fillna("-").tolist()
    # a exits on sessions 2, 4, 6; b on 3, 5, 6; c has no entry.
    assert dates == ["03-20", "03-22", "03-26", "03-21", "03-25", "03-26", "-", "-", "-"]
    ints = t[["n_constituents", "n_missing", "blocked_entries", "delayed_entries",
              "blocked_exits", "entered_after_exit"]].to_numpy().tolist()  # fmt: skip
    assert ints == [
        [3, 1, 2, 1, 0, 1],  # a, 1: 000002 bought on session 3, after the exit (2)
        [3, 1, 2, 1, 0, 0],
        [3, 1, 2, 1, 0, 0],
        [2, 0, 1, 1, 0, 0],  # b, 1
        [2, 0, 1, 1, 1, 0],  # b, 3: 000003's sale on session 5 blocked
        [2, 0, 1, 1, 0, 0],
        [1, 1, 0, 0, 0, 0],  # c
        [1, 1, 0, 0, 0, 0],
        [1, 1, 0, 0, 0, 0],
    ]
    # a, 1 (exit session 2): 000001 alone, 10.8 / 10 - 1 = 0.08; benchmark 102 / 100 - 1
    # a, 3 (session 4): 000001 11.5 / 10 - 1 = 0.15, 000002 22 / 21 - 1: weights 2 and 1
    # a, max (session 6): 000001 12.6 / 10 - 1 = 0.26, 000002 24 / 21 - 1
    # b, 1 (session 3): 000002 21.5 / 21 - 1, 000003 31 / 30 - 1; benchmark 103 / 101 - 1
    # b, 3 (session 5): 000002 23 / 21 - 1, 000003 sold on session 6 at 33: 0.1
    # b, max (session 6): 000002 24 / 21 - 1, 000003 33 / 30 - 1 = 0.1
    basket = [
        0.08,
        (2 * 0.15 + 22 / 21 - 1) / 3,
        (2 * 0.26 + 24 / 21 - 1) / 3,
        (21.5 / 21 + 31 / 30) / 2 - 1,
        (23 / 21 - 1 + 0.1) / 2,
        (24 / 21 - 1 + 0.1) / 2,
        NAN, NAN, NAN,
    ]  # fmt: skip
    bench = [0.02, 0.02, 0.06, 103 / 101 - 1, 104 / 101 - 1, 106 / 101 - 1, NAN, NAN, NAN]
    # Net: buy fee max(0.001 v, 5) + 0.00001 v; a sale of s keeps s (1 - 0.00001 - 0.0005)
    # less max(0.001 s, 5); per yuan of v.  E.g. a, 1: 000001 buys 6,000 for 6.06, sells
    # 6,480 for 6,476.6952 - 6.48 = 6,470.2152: (6,470.2152 - 6,006.06) / 6,000 = 0.0773592.
    # a, 3: 000001 (6,896.481 - 6.9 - 6,006.06) / 6,000 = 0.1472535; 000002 buys 3,000 for
    #   max(3, 5) + 0.03 = 5.03, sells 3,142.857143 for 3,141.254286 - 5 (the minimum):
    #   (3,136.254286 - 3,005.03) / 3,000 = 0.0437414286; (2 * 0.1472535 + 0.0437414286) / 3.
    # a, max: 000001 (7,556.1444 - 7.56 - 6,006.06) / 6,000 = 0.2570874; 000002
    #   (3,426.822857 - 5 - 3,005.03) / 3,000 = 0.1389309524.
    # b (4,500 a constituent: every commission below the minimum but a, max's 5.142857):
    #   buy 5 + 0.045 = 5.045.  b, 1: 000002 (4,604.793214 - 5 - 4,505.045) / 4,500
    #   = 0.0210551587, 000003 (4,647.6285 - 5 - 4,505.045) / 4,500 = 0.0305741111.
    #   b, 3: 000002 (4,926.057857 - 5 - 4,505.045) / 4,500 = 0.0924473016, 000003
    #   (4,947.4755 - 5 - 4,505.045) / 4,500 = 0.0972067778.
    #   b, max: 000002 (5,140.234286 - 5.142857 - 4,505.045) / 4,500 = 0.1400103175.
    net = [
        0.0773592,
        (2 * 0.1472535 + 0.043741428571) / 3,
        (2 * 0.2570874 + 0.138930952381) / 3,
        (0.021055158730 + 0.030574111111) / 2,
        (0.092447301587 + 0.097206777778) / 2,
        (0.140010317460 + 0.097206777778) / 2,
        NAN, NAN, NAN,
    ]  # fmt: skip
    got = t[["basket_return", "benchmark_return", "net_return"]].to_numpy()
    np.testing.assert_allclose(got[:, 0], basket, rtol=1e-12)
    np.testing.assert_allclose(got[:, 1], bench, rtol=1e-12)
    np.testing.assert_allclose(got[:, 2], net, rtol=1e-10)
    np.testing.assert_allclose(t["excess_return"], np.subtract(basket, bench), rtol=1e-11)
    np.testing.assert_allclose(t["net_excess_return"], np.subtract(net, bench), rtol=1e-9)
    # Hit rates: a, 1: 0.08 > 0.02; a, 3: 0.15 and 0.0476 > 0.02; a, max: 0.26, 0.1429 > 0.06;
    # b, 1: 0.0238 and 0.0333 > 0.0198; b, 3: 0.0952 and 0.1 > 0.0297; b, max: 0.1429 > 0.0495
    # and 0.1 > 0.0495.
    np.testing.assert_array_equal(t["hit_rate"], [1, 1, 1, 1, 1, 1, NAN, NAN, NAN])


def test_three_calls_by_hand() -> None:
    ev = evaluate_events(P, EVENTS, HORIZONS, "next_open", trading=TRADING)
    check_table(ev.table)
    m = ev.missing
    assert m["basket"].astype(str).tolist() == ["a", "c"]
    assert m["code"].astype(str).tolist() == ["000004", "000001"]
    assert m["reason"].tolist() == [
        "entry blocked for more than 2 sessions",
        "no session after publication in the data (last session 2024-03-26)",
    ]
    tr = ev.trades
    rows = [
        (str(r.basket), str(r.code), r.side, "-" if pd.isna(r.horizon) else r.horizon,
         f"{r.planned_date:%m-%d}",
         "-" if pd.isna(r.actual_date) else f"{r.actual_date:%m-%d}", r.outcome)
        for r in tr.itertuples()
    ]  # fmt: skip
    assert rows == [
        ("a", "000002", "entry", "-", "03-19", "03-21", "delayed"),
        ("a", "000002", "exit", "1", "03-19", "03-21",
         "bought after this horizon's exit: left out of this horizon"),
        ("a", "000004", "entry", "-", "03-19", "-", "excluded"),
        ("b", "000002", "entry", "-", "03-20", "03-21", "delayed"),
        ("b", "000003", "exit", "3", "03-25", "03-26", "delayed"),
    ]  # fmt: skip
    assert tr["what"].tolist() == ["no bar (suspended)"] * 5


def test_the_same_calls_in_chunks_of_one_and_on_the_threads() -> None:
    import thematic.engine.kernels as kernels
    from thematic import threads

    whole = evaluate_events(P, EVENTS, HORIZONS, "next_open", trading=TRADING)
    saved = kernels.EVENT_CHUNK, kernels.THREAD_MIN_CHUNKS, threads.cores
    try:  # one event a chunk, each chunk a task on the pool (as if on a many-core machine)
        kernels.EVENT_CHUNK, kernels.THREAD_MIN_CHUNKS = 1, 2
        threads.cores = lambda: 4  # type: ignore[assignment]
        pooled = evaluate_events(P, EVENTS, HORIZONS, "next_open", trading=TRADING)
        threads.cores = lambda: 1  # type: ignore[assignment]
        serial = evaluate_events(P, EVENTS, HORIZONS, "next_open", trading=TRADING)
    finally:
        kernels.EVENT_CHUNK, kernels.THREAD_MIN_CHUNKS, threads.cores = saved
    for ev in (pooled, serial):
        check_table(ev.table)
        pd.testing.assert_frame_equal(ev.table, whole.table)
        pd.testing.assert_frame_equal(ev.trades, whole.trades)
        pd.testing.assert_frame_equal(ev.missing, whole.missing)


def test_an_evaluation_pickles_with_its_tables_and_builds_them_once() -> None:
    ev = evaluate_events(P, EVENTS, HORIZONS, "next_open", trading=TRADING)
    assert repr(ev) == "Evaluation(table=9 rows)"
    again = pickle.loads(pickle.dumps(ev))
    assert isinstance(again, Evaluation)
    check_table(again.table)
    pd.testing.assert_frame_equal(again.trades, ev.trades)
    pd.testing.assert_frame_equal(again.missing, ev.missing)
    assert ev.trades is ev.trades and ev.missing is ev.missing  # built once, then kept
    empty = Evaluation(ev.table)  # no missing or trades given: empty tables, their columns
    assert list(empty.missing.columns) == ["basket", "code", "entry_date", "reason"]
    assert empty.missing.empty and empty.trades.empty
    assert list(empty.trades.columns) == list(ev.trades.columns)
