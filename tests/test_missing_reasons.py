"""Where a call meets the calendar: entry sessions, entry prices and why a price is missing.

One hand-built panel holds every case at once: a weekend, a suspension, a late listing, an
ended series, a column without any bar, a code absent from the panel and an open missing
under a close, with calls published before the first session, on a session, on a
non-session day and on and after the last session.  Every expected value below is read off
the prices by hand (synthetic numbers, never market data).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.helpers import IGNORE, make_panel
from thematic.data.panel import PricePanel
from thematic.engine import evaluate_events
from thematic.engine.encode import encode, missing_reasons

NAN = float("nan")
# d0 Thu 03-21, d1 Fri 03-22, (weekend), d2 Mon 03-25, d3 Tue 03-26, d4 Wed 03-27, d5 Thu 03-28.
DATES = ["2024-03-21", "2024-03-22", "2024-03-25", "2024-03-26", "2024-03-27", "2024-03-28"]
A, S, L, E, X, N, G = "000001", "000002", "000003", "000004", "000006", "000005", "000007"
PANEL = make_panel(
    DATES,
    opens={
        S: [20.0, 20.1, 20.2, NAN, 20.4, 20.5],  # suspended on d3 (column 0)
        A: [10.0, 10.1, 10.2, 10.3, 10.4, 10.5],  # trades every session
        L: [NAN, NAN, NAN, 30.0, 30.1, 30.2],  # lists on d3
        E: [40.0, 40.1, 40.2, NAN, NAN, NAN],  # series ends on d2
        X: [NAN] * 6,  # a column without a single bar
        G: [50.0, 50.1, NAN, 50.3, 50.4, 50.5],  # no open on d2, a close all the same
    },
    closes={
        S: [20.05, 20.15, 20.25, NAN, 20.45, 20.55],
        A: [10.05, 10.15, 10.25, 10.35, 10.45, 10.55],
        L: [NAN, NAN, NAN, 30.05, 30.15, 30.25],
        E: [40.05, 40.15, 40.25, NAN, NAN, NAN],
        X: [NAN] * 6,
        G: [50.05, 50.15, 50.25, 50.35, 50.45, 50.55],
    },
    bench_open=[100.0, 100.1, 100.2, 100.3, 100.4, 100.5],
    bench_close=[100.05, 100.15, 100.25, 100.35, 100.45, 100.55],
)
# N (000005) is absent from the panel.  Events in order; the comment gives the entry session.
ROWS = [
    ("pre", "2024-03-20", A),  # Wed before d0: before the data, no entry (6)
    ("pre", "2024-03-20", L),
    ("pre", "2024-03-20", N),
    ("thu", "2024-03-21", A),  # on d0 itself: not "before", entry d1 (Fri 03-22)
    ("fri", "2024-03-22", A),  # on session d1: entry d2 (Mon 03-25), over the weekend
    ("fri", "2024-03-22", S),
    ("fri", "2024-03-22", L),
    ("fri", "2024-03-22", E),
    ("fri", "2024-03-22", X),
    ("fri", "2024-03-22", N),
    ("fri", "2024-03-22", G),
    ("sat", "2024-03-23", S),  # Saturday: entry d2 as well
    ("mon", "2024-03-25 15:30", A),  # d2 at 15:30: entry d3 (Tue 03-26)
    ("mon", "2024-03-25 15:30", S),
    ("mon", "2024-03-25 15:30", L),
    ("mon", "2024-03-25 15:30", E),
    ("last", "2024-03-28", A),  # on the last session d5: no session after (6)
    ("last", "2024-03-28", X),
    ("later", "2024-04-01", E),  # after the last session: none either
    ("later", "2024-04-01", N),
]
EVENTS = pd.DataFrame(ROWS, columns=["event_id", "published", "code"]).assign(
    published=lambda d: [pd.Timestamp(x) for x in d["published"]]
)

IDS = ["pre", "thu", "fri", "sat", "mon", "last", "later"]
BEFORE = "published before the data starts (2024-03-21)"
AFTER = "no session after publication in the data (last session 2024-03-28)"
NO_DATA = "no price data for this code"


def test_entry_sessions_follow_the_calendar() -> None:
    enc = encode(PANEL, EVENTS, "next_open")
    assert enc.ids.tolist() == IDS
    assert enc.entry.tolist() == [6, 1, 2, 2, 3, 6, 6]
    assert enc.before.tolist() == [True, False, False, False, False, False, False]
    # The time of day is dropped: a call is dated by its calendar day.
    published = pd.DatetimeIndex(enc.published).strftime("%Y-%m-%d %H:%M").tolist()
    assert published == ["2024-03-20 00:00", "2024-03-21 00:00", "2024-03-22 00:00",
                         "2024-03-23 00:00", "2024-03-25 00:00", "2024-03-28 00:00",
                         "2024-04-01 00:00"]  # fmt: skip
    assert enc.event.tolist() == [0, 0, 0, 1, 2, 2, 2, 2, 2, 2, 2, 3, 4, 4, 4, 4, 5, 5, 6, 6]
    assert enc.distinct_codes.tolist() == [A, L, N, S, E, X, G]
    assert enc.code_of_row.tolist() == [0, 1, 2, 0, 0, 3, 1, 4, 5, 2, 6, 3, 0, 3, 1, 4, 0, 5, 4, 2]
    assert enc.col.tolist() == [1, 2, -1, 1, 1, 0, 2, 3, 4, -1, 5, 0, 1, 0, 2, 3, 1, 4, 3, -1]
    assert enc.n_rows.tolist() == [3, 1, 7, 1, 4, 2, 2]
    assert enc.weight is None


@pytest.mark.parametrize(
    ("entry", "p0", "n_present"),
    [
        # Opens on the entry session: thu A d1; fri A S E d2 (G has no open on d2); sat S d2;
        # mon A L d3 (S suspended, E ended).
        (
            "next_open",
            [NAN, NAN, NAN, 10.1, 10.2, 20.2, NAN, 40.2, NAN, NAN, NAN, 20.2,
             10.3, NAN, 30.0, NAN, NAN, NAN, NAN, NAN],
            [0, 1, 3, 1, 2, 0, 0],
        ),
        # Closes: the same, and G priced at its d2 close.
        (
            "next_close",
            [NAN, NAN, NAN, 10.15, 10.25, 20.25, NAN, 40.25, NAN, NAN, 50.25, 20.25,
             10.35, NAN, 30.05, NAN, NAN, NAN, NAN, NAN],
            [0, 1, 4, 1, 2, 0, 0],
        ),
    ],
)  # fmt: skip
def test_entry_prices_are_gathered_on_the_entry_session(
    entry: str, p0: list[float], n_present: list[int]
) -> None:
    enc = encode(PANEL, EVENTS, entry)  # type: ignore[arg-type]
    np.testing.assert_array_equal(enc.p0, np.array(p0))
    assert enc.present.tolist() == [not np.isnan(p) for p in p0]
    assert enc.n_present.tolist() == n_present
    assert enc.n_present.dtype == np.int64


# Why each unpriced row of next_open has no price, in row order.
REASONS = [
    ("pre", A, BEFORE),
    ("pre", L, BEFORE),  # before the data outranks "not listed yet"
    ("pre", N, NO_DATA),  # no data outranks everything
    ("fri", L, "not listed yet on the entry day (first bar 2024-03-26)"),
    ("fri", X, "not listed yet on the entry day (first bar none)"),
    ("fri", N, NO_DATA),
    ("fri", G, "no bar on the entry day (suspended; last bar before it 2024-03-22)"),
    ("mon", S, "no bar on the entry day (suspended; last bar before it 2024-03-25)"),
    ("mon", E, "no bar on or after the entry day (series ends 2024-03-25)"),
    ("last", A, AFTER),
    ("last", X, AFTER),  # no session after outranks "not listed"
    ("later", E, AFTER),  # ... and "series ends"
    ("later", N, NO_DATA),
]


def test_each_unpriced_constituent_says_why() -> None:
    enc = encode(PANEL, EVENTS, "next_open")
    rows = np.flatnonzero(~enc.present)
    got = missing_reasons(PANEL, enc, rows)
    assert [(enc.ids[enc.event[r]], enc.distinct_codes[enc.code_of_row[r]]) for r in rows] == [
        (b, c) for b, c, _ in REASONS
    ]
    assert list(got) == [why for _, _, why in REASONS]
    # One category per distinct text, in order of appearance.
    assert got.categories.tolist() == [
        BEFORE,
        NO_DATA,
        "not listed yet on the entry day (first bar 2024-03-26)",
        "not listed yet on the entry day (first bar none)",
        "no bar on the entry day (suspended; last bar before it 2024-03-22)",
        "no bar on the entry day (suspended; last bar before it 2024-03-25)",
        "no bar on or after the entry day (series ends 2024-03-25)",
        AFTER,
    ]


def test_reasons_of_any_subset_of_rows_are_the_same() -> None:
    enc = encode(PANEL, EVENTS, "next_open")
    rows = np.flatnonzero(~enc.present)
    whole = list(missing_reasons(PANEL, enc, rows))
    for pick in ([12], [6, 10], [7, 8, 12], list(range(0, 13, 2))):
        assert list(missing_reasons(PANEL, enc, rows[pick])) == [whole[i] for i in pick]


def test_the_missing_table_names_each_left_out_constituent() -> None:
    res = evaluate_events(PANEL, EVENTS, [1], "next_open", trading=IGNORE)
    m = res.missing
    assert m[["basket", "code", "reason"]].astype(str).values.tolist() == [list(r) for r in REASONS]
    # Basket and code are categoricals over the events' ids and codes in order of first
    # appearance (unordered: a basket id has no rank).
    assert m["basket"].cat.categories.tolist() == IDS
    assert m["code"].cat.categories.tolist() == [A, L, N, S, E, X, G]
    assert not m["basket"].cat.ordered and not m["code"].cat.ordered
    # Entry date: the session after publication, none when there is none.
    entry = [None if pd.isna(d) else d.strftime("%Y-%m-%d") for d in m["entry_date"]]
    assert entry == [None, None, None, "2024-03-25", "2024-03-25", "2024-03-25", "2024-03-25",
                     "2024-03-26", "2024-03-26", None, None, None, None]  # fmt: skip
    t = res.table.set_index("basket")
    assert t["n_constituents"].to_dict() == dict(zip(IDS, [3, 1, 7, 1, 4, 2, 2], strict=True))
    assert t["n_missing"].to_dict() == dict(zip(IDS, [3, 0, 4, 0, 2, 2, 2], strict=True))


def test_a_close_without_an_open_on_the_entry_day_is_no_bar_that_day() -> None:
    # Entry d2 (Mon 03-25) at the open.  Z lists on d2 with a close but no open: no earlier
    # bar to name, so the reason names the entry day.  Y's series ends on d2 with a close but
    # no open: its last bar before the entry day is d1, and it has not ended before entry.
    z, y = "000009", "000008"
    panel = make_panel(
        DATES[:4],
        opens={A: [10.0, 10.1, 10.2, 10.3], z: [NAN, NAN, NAN, 9.0], y: [8.0, 8.1, NAN, NAN]},
        closes={A: [10.0, 10.1, 10.2, 10.3], z: [NAN, NAN, 9.1, 9.2], y: [8.0, 8.1, 8.2, NAN]},
        bench_open=[100.0] * 4,
        bench_close=[100.0] * 4,
    )
    ev = pd.DataFrame({"event_id": "z", "published": "2024-03-22", "code": [A, z, y]})
    enc = encode(panel, ev, "next_open")
    assert enc.present.tolist() == [True, False, False]
    assert list(missing_reasons(panel, enc, np.array([1, 2]))) == [
        "no bar on the entry day (suspended; last bar before it 2024-03-25)",
        "no bar on the entry day (suspended; last bar before it 2024-03-22)",
    ]
    # At the close both are priced: 9.1 and 8.2.
    assert encode(panel, ev, "next_close").p0.tolist() == [10.2, 9.1, 8.2]


def test_a_one_session_one_code_panel_has_no_entry_session() -> None:
    # The smallest panel: one session (Fri 03-22), one code.  A call before it is before the
    # data; a call on it has no session after it: nothing is ever priced.
    panel = make_panel(["2024-03-22"], {A: [10.0]}, {A: [10.5]}, [100.0], [101.0])
    ev = pd.DataFrame({"event_id": ["x", "x", "y"], "published": ["2024-03-21"] * 2 + ["2024-03-22"],
                       "code": [A, N, A]})  # fmt: skip
    enc = encode(panel, ev, "next_open")
    assert enc.entry.tolist() == [1, 1] and enc.before.tolist() == [True, False]
    assert np.isnan(enc.p0).all() and enc.n_present.tolist() == [0, 0]
    assert list(missing_reasons(panel, enc, np.arange(3))) == [
        "published before the data starts (2024-03-22)",
        NO_DATA,
        "no session after publication in the data (last session 2024-03-22)",
    ]


def test_a_panel_without_stock_columns_prices_nothing() -> None:
    panel = PricePanel(
        dates=pd.DatetimeIndex(DATES[:2]),
        codes=pd.Index([], dtype="str"),
        open=np.empty((2, 0)),
        close=np.empty((2, 0)),
        benchmark_code="000300",
        benchmark_open=np.array([100.0, 101.0]),
        benchmark_close=np.array([100.5, 101.5]),
    )
    ev = pd.DataFrame({"event_id": ["a", "a", "b"], "published": "2024-03-21", "code": [A, S, A]})
    enc = encode(panel, ev, "next_close")
    assert enc.entry.tolist() == [1, 1] and enc.col.tolist() == [-1, -1, -1]
    assert np.isnan(enc.p0).all() and enc.p0.shape == (3,)
    assert enc.n_present.tolist() == [0, 0]
    assert list(missing_reasons(panel, enc, np.arange(3))) == [NO_DATA] * 3


def test_a_table_of_other_spellings_reads_as_the_validator_would() -> None:
    # A table not passed through the validator: a code in another spelling is no code of the
    # panel, and a date written 2024/03/22 is that day (entry Mon 03-25 at A's open, 10.2).
    ev = pd.DataFrame({"event_id": "t", "published": "2024/03/22",
                       "code": [A, "SZ000001", "1"]})  # fmt: skip
    enc = encode(PANEL, ev, "next_open")
    assert enc.entry.tolist() == [2]
    assert enc.col.tolist() == [1, -1, -1]
    np.testing.assert_array_equal(enc.p0, [10.2, NAN, NAN])
    rows = np.array([1, 2])
    assert list(missing_reasons(PANEL, enc, rows)) == [NO_DATA, NO_DATA]


def test_weights_given_in_part_default_to_one() -> None:
    ev = EVENTS.iloc[4:8].assign(weight=[2.0, NAN, 0.5, NAN])
    enc = encode(PANEL, ev, "next_open")
    assert enc.weight is not None
    assert enc.weight.tolist() == [2.0, 1.0, 0.5, 1.0]
    unweighted = encode(PANEL, ev.assign(weight=NAN), "next_open")
    assert unweighted.weight is None
