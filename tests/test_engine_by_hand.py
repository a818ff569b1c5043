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
import pytest

from tests.helpers import IGNORE, PANEL, make_panel
from thematic.engine import evaluate_events
from thematic.engine.evaluate import Evaluation
from thematic.errors import EventsError
from thematic.events import validate_and_factorize
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


INT_COLUMNS = ["n_constituents", "n_missing", "blocked_entries", "delayed_entries",
               "blocked_exits", "entered_after_exit"]  # fmt: skip


def check_table(t: pd.DataFrame) -> None:
    assert all(pd.api.types.is_integer_dtype(t[c]) for c in INT_COLUMNS)  # counts, not floats
    assert (
        t["note"].tolist()
        == [""] * 6 + ["no session after publication in the data (last session 2024-03-26)"] * 3
    )
    assert t["basket"].astype(str).tolist() == ["a"] * 3 + ["b"] * 3 + ["c"] * 3
    assert t["horizon"].astype(str).tolist() == ["1", "3", "max"] * 3
    dates = pd.to_datetime(t["exit_date"]).dt.strftime("%m-%d").fillna("-").tolist()
    # a exits on sessions 2, 4, 6; b on 3, 5, 6; c has no entry.
    assert dates == ["03-20", "03-22", "03-26", "03-21", "03-25", "03-26", "-", "-", "-"]
    ints = t[INT_COLUMNS].to_numpy().tolist()
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


def test_the_blocked_sale_under_skip_and_ignore() -> None:
    # Neither policy delays an entry: 000002 (no bar on its entry days) is bought by no call,
    # and b holds 000003 alone: b, 1 (session 3): 31 / 30 - 1.  At b, 3 its sale is blocked
    # (no bar on session 5).  skip: left out, and b has no constituent left there (note);
    # ignore: valued at its last close, 32 (session 4): 32 / 30 - 1.
    for policy, expected in (("skip", NAN), ("ignore", 32 / 30 - 1)):
        trading = Trading(untradable=policy, max_delay=2, costs=TRADING.costs)
        t = evaluate_events(P, EVENTS, HORIZONS, "next_open", trading=trading).table
        np.testing.assert_allclose(t["basket_return"].iloc[3:5], [31 / 30 - 1, expected],
                                   rtol=1e-12, err_msg=policy)  # fmt: skip
        assert t["blocked_exits"].iloc[4] == 1 and t["n_missing"].iloc[4] == 1
    assert t["note"].iloc[4] == ""
    skipped = evaluate_events(P, EVENTS, HORIZONS, "next_open",
                              trading=Trading(untradable="skip", costs=TRADING.costs)).table  # fmt: skip
    assert skipped["note"].iloc[4].startswith("every constituent's exit was blocked")


def test_next_close_enters_the_benchmark_at_the_close() -> None:
    # a enters on session 1 at the close: the benchmark from 101; b on session 2, from 102.
    # a, 1 (session 2): 102 / 101 - 1; b, max (session 6): 106 / 102 - 1.
    t = evaluate_events(P, EVENTS, HORIZONS, "next_close", trading=TRADING).table
    assert t["benchmark_return"].iloc[0] == pytest.approx(102 / 101 - 1, rel=1e-12)
    assert t["benchmark_return"].iloc[5] == pytest.approx(106 / 102 - 1, rel=1e-12)


def test_events_are_validated_unless_told_not_to_and_event_arrays_are_taken_as_they_are() -> None:
    bad = EVENTS.assign(weight=[2.0, 1.0, 1.0, 1.0, 1.0, 1.0])  # a's weights sum to 4
    with pytest.raises(EventsError, match="weights of event 'a' sum to 4, not 1"):
        evaluate_events(P, bad, HORIZONS, "next_open", trading=TRADING)
    _, arrays = validate_and_factorize(EVENTS)
    given = evaluate_events(P, arrays, HORIZONS, "next_open", trading=TRADING)
    check_table(given.table)
    unchecked = evaluate_events(P, EVENTS, HORIZONS, "next_open", validate=False, trading=TRADING)
    check_table(unchecked.table)


def test_weights_of_one_are_equal_weights() -> None:
    # One constituent a call, each of weight 1: the same table as no weights at all.
    ev = EVENTS[EVENTS["weight"] != 0.25].drop_duplicates("event_id")
    assert ev["code"].tolist() == ["000001", "000002", "000001"]
    one = evaluate_events(P, ev.assign(weight=1.0), HORIZONS, "next_open", trading=TRADING)
    none = evaluate_events(P, ev.drop(columns="weight"), HORIZONS, "next_open", trading=TRADING)
    pd.testing.assert_frame_equal(one.table, none.table)
    # a: 000001 alone: 0.08, 0.15, 0.26; b: 000002 alone: 21.5, 23, 24 over 21.
    expected = [0.08, 0.15, 0.26, 21.5 / 21 - 1, 23 / 21 - 1, 24 / 21 - 1, NAN, NAN, NAN]
    np.testing.assert_allclose(none.table["basket_return"], expected, rtol=1e-12)


def test_interleaved_rows_give_the_grouped_table_to_the_last_bit() -> None:
    # Two calls of 40 constituents each: rows given call by call, or alternating.  The
    # engine groups each call's rows keeping their order, so every sum is the same.
    rng = np.random.default_rng(7)
    n, codes = 40, [f"{600000 + i}" for i in range(40)]
    dates = pd.bdate_range("2024-01-02", periods=6)
    walk = 10 * np.cumprod(1 + rng.uniform(-0.04, 0.04, (12, n)), axis=0)
    panel = make_panel(
        [f"{d:%Y-%m-%d}" for d in dates],
        opens=dict(zip(codes, walk[0::2].T, strict=True)),
        closes=dict(zip(codes, walk[1::2].T, strict=True)),
        bench_open=[100.0] * 6,
        bench_close=[100.0, 101, 102, 103, 104, 105],
    )
    w = rng.uniform(1, 2, n)
    calls = {
        "x": pd.DataFrame({"event_id": "x", "published": dates[0], "code": codes,
                           "weight": w / w.sum()}),
        "y": pd.DataFrame({"event_id": "y", "published": dates[1], "code": codes[::-1],
                           "weight": w[::-1] / w.sum()}),
    }  # fmt: skip
    grouped = pd.concat([calls["x"], calls["y"]], ignore_index=True)
    mixed = pd.concat([calls["x"], calls["y"]]).sort_index(kind="stable").reset_index(drop=True)
    assert mixed["event_id"].tolist()[:4] == ["x", "y", "x", "y"]
    a = evaluate_events(panel, grouped, [1, 2, "max"], "next_open").table
    b = evaluate_events(panel, mixed, [1, 2, "max"], "next_open").table
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_st_periods_block_the_entry_and_the_sale_at_the_st_limit() -> None:
    # 600001 under ST (5 % limits).  Published 03-18: entry planned on session 1, whose open
    # 10.5 is 5 % above the previous close 10: blocked, bought on session 2 at 10.6.  Horizon 2
    # exits on session 3, whose close 9.595 is 5 % below 10.1 and the day's low (the open is
    # 10.0): the sale is blocked and waits for session 4, 9.9.  Without the ST period both
    # trades go through (10 % limits): 9.595 / 10.5 - 1.
    panel = make_panel(
        ["2024-03-18", "2024-03-19", "2024-03-20", "2024-03-21", "2024-03-22"],
        opens={"600001": [10.0, 10.5, 10.6, 10.0, 10.2]},
        closes={"600001": [10.0, 10.6, 10.1, 9.595, 9.9]},
        bench_open=[100.0] * 5,
        bench_close=[100.0] * 5,
    )
    ev = pd.DataFrame({"event_id": ["s"], "published": ["2024-03-18"], "code": ["600001"]})
    st = Trading(st=(("600001", "2024-01-01", "2024-12-31"),))
    t = evaluate_events(panel, ev, [2], "next_open", trading=st).table.iloc[0]
    assert t["basket_return"] == pytest.approx(9.9 / 10.6 - 1, rel=1e-12)
    assert (t["blocked_entries"], t["delayed_entries"], t["blocked_exits"]) == (1, 1, 1)
    t = evaluate_events(panel, ev, [2], "next_open", trading=Trading()).table.iloc[0]
    assert t["basket_return"] == pytest.approx(9.595 / 10.5 - 1, rel=1e-12)
    assert (t["blocked_entries"], t["delayed_entries"], t["blocked_exits"]) == (0, 0, 0)


def test_the_missing_table_names_the_rows_after_bought_ones() -> None:
    # PANEL (tests/helpers.py): 000003 lists on 03-26.  e0's 000001 is bought; e1's 000003
    # is not listed on e1's entry day (03-25).
    ev = pd.DataFrame({"event_id": ["e0", "e0", "e1"], "published": ["2024-03-21"] * 2 + ["2024-03-22"],
                       "code": ["000001", "000002", "000003"]})  # fmt: skip
    m = evaluate_events(PANEL, ev, [1], "next_open", trading=IGNORE).missing
    assert m["basket"].astype(str).tolist() == ["e1"]
    assert m["code"].astype(str).tolist() == ["000003"]
    assert m["reason"].tolist() == ["not listed yet on the entry day (first bar 2024-03-26)"]


def test_the_minimum_commission_of_each_trade_date_across_its_start() -> None:
    # The 5-yuan minimum starts on 2002-05-01 (no minimum before; no stamp duty or transfer
    # fee in the rulebook then).  Commission 10 bp, no slippage, 1,000 yuan.  Bought on
    # 04-29 at 10 (commission 1 yuan, no minimum); sold on 05-08 at 11: 1,100 yuan, commission
    # max(1.1, 5) = 5.  Net (1,100 - 5 - 1,000 - 1) / 1,000 = 0.094.
    panel = make_panel(
        ["2002-04-26", "2002-04-29", "2002-04-30", "2002-05-08"],
        opens={"600001": [10.0, 10.0, 10.5, 11.0]},
        closes={"600001": [10.0, 10.2, 10.6, 11.0]},
        bench_open=[100.0] * 4,
        bench_close=[100.0] * 4,
    )
    ev = pd.DataFrame({"event_id": ["m"], "published": ["2002-04-26"], "code": ["600001"]})
    costs = Costs(commission_bps=10.0, slippage_bps=0.0, notional=1_000.0)
    t = evaluate_events(panel, ev, [2], "next_open", trading=Trading(costs=costs)).table
    assert t["net_return"].iloc[0] == pytest.approx(0.094, rel=1e-12)
