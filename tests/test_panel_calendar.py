"""The panel's calendar by hand: which session follows a date, where each series starts and
ends, how bars from the sources are laid on the benchmark's sessions.

Every expected value is read off the hand-made dates and prices below (synthetic numbers,
never market data); nothing is computed by the code under test.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import pytest

from tests.helpers import make_panel
from thematic.data.base import SeriesInfo
from thematic.data.panel import PricePanel, bar_flags, build_panel, ffill_rows
from thematic.errors import DataError, OffCalendarWarning

NAN = float("nan")
# d0 Thu 03-21, d1 Fri 03-22, (weekend), d2 Mon 03-25, d3 Tue 03-26, d4 Wed 03-27, d5 Thu 03-28.
DATES = ["2024-03-21", "2024-03-22", "2024-03-25", "2024-03-26", "2024-03-27", "2024-03-28"]
CLOSES: dict[str, Sequence[float]] = {
    "600001": [10.0, 10.1, 10.2, 10.3, 10.4, 10.5],  # every session
    "600002": [NAN, NAN, NAN, 20.0, 20.1, 20.2],  # lists on d3
    "600003": [30.0, 30.1, 30.2, NAN, NAN, NAN],  # ends on d2
    "600004": [40.0, NAN, NAN, 40.3, NAN, 40.5],  # suspended d1-d2 and d4
    "600005": [NAN] * 6,  # never trades
}
OPENS: dict[str, Sequence[float]] = {c: [p - 0.05 for p in v] for c, v in CLOSES.items()}


def panel(dates: list[str] = DATES) -> PricePanel:
    return make_panel(dates, OPENS, CLOSES, [100.0] * len(dates), [100.0] * len(dates))


# Each calendar day from Mon 03-18 to Tue 04-02 -> the first session strictly after it.
DAY_TO_SESSION = {
    "2024-03-18": 0, "2024-03-19": 0, "2024-03-20": 0,  # before the data: the first session
    "2024-03-21": 1,  # d0 -> d1
    "2024-03-22": 2, "2024-03-23": 2, "2024-03-24": 2,  # Fri, Sat, Sun -> Mon
    "2024-03-25": 3, "2024-03-26": 4, "2024-03-27": 5,
    "2024-03-28": 6, "2024-03-29": 6, "2024-04-01": 6, "2024-04-02": 6,  # none: len(dates)
}  # fmt: skip


def _when(days: list[str], time: str = "") -> np.ndarray:
    return pd.DatetimeIndex([d + time for d in days]).to_numpy(dtype="datetime64[ns]")


def test_the_session_after_each_day() -> None:
    p = panel()
    got = p.sessions_after(_when(list(DAY_TO_SESSION)))
    assert got.tolist() == list(DAY_TO_SESSION.values())
    # Any time of day on a day falls after that day's session (sessions are dated midnight).
    noon = p.sessions_after(_when(list(DAY_TO_SESSION), " 12:00"))
    assert noon.tolist() == list(DAY_TO_SESSION.values())
    # One date alone, in any order, and none at all.
    assert p.sessions_after(_when(["2024-03-23"])).tolist() == [2]
    assert p.sessions_after(_when(["2024-04-02", "2024-03-18"])).tolist() == [6, 0]
    assert p.sessions_after(_when([])).tolist() == []
    # Years before the data, still the first session; dates given as text or as days.
    assert p.sessions_after(_when(["2019-01-02", "2031-06-30"])).tolist() == [0, 6]
    assert p.sessions_after(np.array(["2024-03-23", "2024-03-25"])).tolist() == [2, 3]
    days = np.array(["2024-03-21", "2024-03-24"], dtype="datetime64[D]")
    assert p.sessions_after(days).tolist() == [1, 2]


def test_a_panel_of_timed_sessions_is_refused() -> None:
    # Sessions are calendar days: a session stamped 15:00 would sort after a publication date
    # of the same day and let a call enter on its own day (look-ahead of a session).
    with pytest.raises(ValueError, match="sessions must be calendar days; 2024-03-21 15:00:00"):
        panel([d + " 15:00" for d in DATES])


def test_a_call_is_not_entered_on_its_own_day_on_timed_sessions() -> None:
    # A vendor stamping its bars at the close (15:00): validate_bars reads them as days.  A
    # call published Fri 03-22 enters on Mon 03-25 (the first session strictly after its
    # *date*: events.py, dates.py), not on Fri 03-22 at 15:00; one of Thu 03-21, the first
    # session's own day, is not "before the data" but enters on Fri 03-22.  Before the fix the
    # entries were [4, 1]: "before the data", and Fri itself.
    from thematic.data.base import validate_bars
    from thematic.engine.encode import encode

    idx = pd.DatetimeIndex([d + " 15:00" for d in DATES[:4]], name="date")
    bars = pd.DataFrame({"open": [10.0, 10.5, 11.0, 11.2], "high": [10.6, 10.9, 11.2, 11.4],
                         "low": [9.8, 10.1, 10.7, 11.0], "close": [10.4, 10.8, 11.1, 11.3],
                         "volume": [1.0] * 4}, index=idx)  # fmt: skip
    bars = validate_bars(bars, "vendor", "600001")
    assert bars.index.tolist() == [pd.Timestamp(d) for d in DATES[:4]]
    p = build_panel({"600001": bars}, bars, "000300")
    ev = pd.DataFrame({"event_id": ["thu", "fri"], "published": ["2024-03-21", "2024-03-22"],
                       "code": "600001"})  # fmt: skip
    enc = encode(p, ev, "next_open")
    assert enc.before.tolist() == [False, False]
    assert enc.entry.tolist() == [1, 2]
    assert enc.p0.tolist() == [10.5, 11.0]  # the opens of Fri 03-22 and Mon 03-25


def test_two_bars_stamped_on_one_day_are_duplicates() -> None:
    from thematic.data.base import validate_bars
    from thematic.errors import ValidationError

    idx = pd.DatetimeIndex(["2024-03-21 09:30", "2024-03-21 15:00"], name="date")
    bars = pd.DataFrame({"open": [10.0, 10.1], "high": [10.2, 10.3], "low": [9.9, 10.0],
                         "close": [10.1, 10.2], "volume": [1.0, 1.0]}, index=idx)  # fmt: skip
    with pytest.raises(ValidationError, match="duplicate dates in 1 row"):
        validate_bars(bars, "vendor", "600001")


def test_where_each_series_starts_and_ends() -> None:
    p = panel()
    assert p.first_bar.tolist() == [0, 3, 0, 0, -1]
    assert p.last_bar.tolist() == [5, 5, 2, 5, -1]
    assert p.bar_span.tolist() == [[0, 5], [3, 5], [0, 2], [0, 5], [-1, -1]]
    assert p.bar_span.dtype == np.int32
    assert [p.column(c) for c in ("600003", "600009")] == [2, -1]
    assert p.as_of == pd.Timestamp("2024-03-28")


def test_columns_of_codes_in_any_spelling() -> None:
    p = panel()
    asked = pd.Index(["600004", "SH600001", "600001", "1", "600009"])
    assert p.columns_of(asked).tolist() == [3, -1, 0, -1, -1]  # not checked: any text
    checked = pd.Index(["600004", "600001", "600009", "000001"])
    assert p.columns_of(checked, checked=True).tolist() == [3, 0, -1, -1]
    assert p.columns_of(pd.Index([], dtype="str"), checked=True).tolist() == []


def test_closes_carried_forward_by_code() -> None:
    p = panel()
    by_code = p.close_filled_by_code
    assert by_code.shape == (5, 6) and by_code.flags["C_CONTIGUOUS"]
    np.testing.assert_array_equal(by_code[1], [NAN, NAN, NAN, 20.0, 20.1, 20.2])
    np.testing.assert_array_equal(by_code[2], [30.0, 30.1, 30.2, 30.2, 30.2, 30.2])
    np.testing.assert_array_equal(by_code[3], [40.0, 40.0, 40.0, 40.3, 40.3, 40.5])
    assert np.isnan(by_code[4]).all()
    np.testing.assert_array_equal(p.close_filled, by_code.T)


def test_ffill_rows_by_hand() -> None:
    a = np.array([[NAN, 1.0, NAN], [2.0, NAN, NAN], [NAN, NAN, 7.0], [NAN, 5.0, NAN]])
    want = np.array([[NAN, 1.0, NAN], [2.0, 1.0, NAN], [2.0, 1.0, 7.0], [2.0, 5.0, 7.0]])
    np.testing.assert_array_equal(ffill_rows(a), want)
    np.testing.assert_array_equal(ffill_rows(np.full((2, 2), NAN)), np.full((2, 2), NAN))
    assert ffill_rows(np.empty((0, 3))).shape == (0, 3)


def test_bar_flags_by_hand() -> None:
    #          open  high   low  close   bits
    bars = [(10.0, 10.5, 9.8, 10.5),  # close at high: 1
            (10.5, 10.5, 10.0, 10.0),  # close at low 2 + open at high 8 = 10
            (11.0, 11.0, 11.0, 11.0),  # one price: 1 + 2 + 4 + 8 = 15
            (11.0, 11.4, 10.9, 11.2),  # none: 0
            (11.4, 11.4, 11.0, 11.2),  # open at high: 8
            (NAN, NAN, NAN, NAN)]  # no bar: 0  # fmt: skip
    o, h, lo, c = (np.array(x) for x in zip(*bars, strict=True))
    got = bar_flags(o, h, lo, c)
    assert got.tolist() == [1, 10, 15, 0, 8, 0] and got.dtype == np.int8


def test_a_panel_of_opens_and_closes_takes_high_and_low_from_them() -> None:
    p = make_panel(
        DATES[:4],
        opens={"600001": [10.0, 10.4, 10.2, NAN]},
        closes={"600001": [10.4, 10.1, 10.2, NAN]},
        bench_open=[100.0] * 4,
        bench_close=[100.0] * 4,
    )
    # 10 -> 10.4: close at its high (1); 10.4 -> 10.1: close at low, open at high (10);
    # 10.2 flat: one price (15); no bar: 0.
    assert p.bar_flags[:, 0].tolist() == [1, 10, 15, 0]
    given = np.full((4, 1), 2, dtype=np.int8)
    q = PricePanel(p.dates, p.codes, p.open, p.close, "000300", p.benchmark_open,
                   p.benchmark_close, flags=given)  # fmt: skip
    assert q.bar_flags is given


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"open": np.ones((2, 1))}, r"^open has shape \(2, 1\), not \(3, 1\)$"),
        ({"close": np.ones((3, 2))}, r"^close has shape \(3, 2\), not \(3, 1\)$"),
        ({"benchmark_open": np.ones(2)}, r"^benchmark_open has shape \(2,\), not \(3,\)$"),
        ({"benchmark_close": np.ones((3, 1))}, r"^benchmark_close has shape \(3, 1\), not \(3,\)$"),
        ({"dates": pd.DatetimeIndex(["2024-03-21", "2024-03-21", "2024-03-22"])},
         "^dates must be unique and increasing$"),
        ({"dates": pd.DatetimeIndex(["2024-03-22", "2024-03-21", "2024-03-25"])},
         "^dates must be unique and increasing$"),
    ],
)  # fmt: skip
def test_a_panel_refuses_misaligned_arrays(change: dict[str, object], message: str) -> None:
    parts: dict[str, object] = {
        "dates": pd.DatetimeIndex(DATES[:3]),
        "codes": pd.Index(["600001"]),
        "open": np.ones((3, 1)),
        "close": np.ones((3, 1)),
        "benchmark_code": "000300",
        "benchmark_open": np.ones(3),
        "benchmark_close": np.ones(3),
    }
    with pytest.raises(ValueError, match=message):
        PricePanel(**{**parts, **change})  # type: ignore[arg-type]


def _frame(
    rows: Mapping[str, tuple[float, ...]], columns: str = "open high low close"
) -> pd.DataFrame:
    index = pd.DatetimeIndex(list(rows), name="date")
    return pd.DataFrame(list(rows.values()), index=index, columns=columns.split())


# The benchmark trades Tue 03-19 .. Thu 03-28; the stocks' data spans Wed 03-20 .. Wed 03-27.
BENCH_DAYS = ["2024-03-19", "2024-03-20", "2024-03-21", "2024-03-22", "2024-03-25", "2024-03-26",
              "2024-03-27", "2024-03-28"]  # fmt: skip
BENCH = pd.DataFrame(
    {"open": [99.0 + i for i in range(8)], "close": [99.5 + i for i in range(8)]},
    index=pd.DatetimeIndex(BENCH_DAYS, name="date"),
)
BARS = {
    "600001": _frame({
        "2024-03-20": (10.0, 10.5, 9.8, 10.5),  # close at high: 1
        "2024-03-21": (10.5, 10.5, 10.0, 10.0),  # close at low, open at high: 10
        "2024-03-22": (11.0, 11.0, 11.0, 11.0),  # one price: 15
        "2024-03-23": (11.1, 11.2, 11.0, 11.1),  # a Saturday: off the calendar
        "2024-03-25": (11.0, 11.4, 10.9, 11.2),  # 0
        "2024-03-26": (11.2, 11.5, 11.1, 11.3),  # 0
    }),
    "600002": _frame({  # opens and closes only: high and low are taken from them
        "2024-03-22": (20.0, 20.4),  # close at high: 1
        "2024-03-25": (20.4, 20.1),  # close at low, open at high: 10
        "2024-03-27": (20.2, 20.2),  # one price: 15 (no bar on 03-26)
    }, "open close"),
    "600003": _frame({"2024-03-21": (30.0, 30.2, 29.9, 30.1)}),  # one bar
    "600004": _frame({}),  # no bars at all
}  # fmt: skip


@pytest.mark.skipif(
    "MUTANT_UNDER_TEST" in os.environ, reason="mutmut's trampolines add frames to the stack"
)
def test_the_off_calendar_warning_points_at_the_callers_line() -> None:
    with pytest.warns(OffCalendarWarning) as caught:
        build_panel(BARS, BENCH, "000300")
    assert caught[0].filename == __file__


def test_build_panel_lays_bars_on_the_benchmark_sessions() -> None:
    info = SeriesInfo("600001", "snapshot", "qfq", "2024-03-20", "2024-03-26", 6)
    with pytest.warns(OffCalendarWarning) as caught:
        p = build_panel(BARS, BENCH, "000300", sources={"600001": info})
    # One warning, counting the Saturday bar of 600001, told against a caller's line, not
    # the panel module's own (mutation testing wraps the function: the frame above varies).
    assert [str(w.message) for w in caught] == [
        "dropped bars dated off the 000300 calendar: {'600001': 1}"
    ]
    assert not caught[0].filename.endswith(os.path.join("data", "panel.py"))
    # From the first stock bar (03-20, not the benchmark's 03-19) to the last (03-27).
    assert p.dates.strftime("%m-%d").tolist() == ["03-20", "03-21", "03-22", "03-25", "03-26",
                                                  "03-27"]  # fmt: skip
    assert p.codes.tolist() == ["600001", "600002", "600003", "600004"]
    assert p.codes.name == "code"  # as panels from the bulk store name it
    np.testing.assert_array_equal(p.open, [
        [10.0, NAN, NAN, NAN], [10.5, NAN, 30.0, NAN], [11.0, 20.0, NAN, NAN],
        [11.0, 20.4, NAN, NAN], [11.2, NAN, NAN, NAN], [NAN, 20.2, NAN, NAN]])  # fmt: skip
    np.testing.assert_array_equal(p.close, [
        [10.5, NAN, NAN, NAN], [10.0, NAN, 30.1, NAN], [11.0, 20.4, NAN, NAN],
        [11.2, 20.1, NAN, NAN], [11.3, NAN, NAN, NAN], [NAN, 20.2, NAN, NAN]])  # fmt: skip
    assert p.flags is not None
    assert p.flags.tolist() == [[1, 0, 0, 0], [10, 0, 0, 0], [15, 1, 0, 0], [0, 10, 0, 0],
                                [0, 0, 0, 0], [0, 15, 0, 0]]  # fmt: skip
    assert p.flags.dtype == np.int8
    assert p.benchmark_code == "000300"
    assert p.benchmark_open.tolist() == [100.0, 101.0, 102.0, 103.0, 104.0, 105.0]
    assert p.benchmark_close.tolist() == [100.5, 101.5, 102.5, 103.5, 104.5, 105.5]
    assert dict(p.sources) == {"600001": info}
    assert p.first_bar.tolist() == [0, 2, 1, -1] and p.last_bar.tolist() == [4, 5, 1, -1]


def test_build_panel_cuts_the_calendar_at_as_of() -> None:
    # As of Mon 03-25: later bars (and 600001's Saturday bar before it) are outside or dropped;
    # a bar dated after as_of on a non-session day is no off-calendar bar.
    bars = {**BARS, "600003": _frame({"2024-03-21": (30.0, 30.2, 29.9, 30.1),
                                      "2024-03-30": (30.5, 30.6, 30.4, 30.5)})}  # fmt: skip
    with pytest.warns(OffCalendarWarning, match=r"\{'600001': 1\}$"):
        p = build_panel(bars, BENCH, "000300", as_of=pd.Timestamp("2024-03-25"))
    assert p.dates.strftime("%m-%d").tolist() == ["03-20", "03-21", "03-22", "03-25"]
    assert p.close[:, 2].tolist()[1] == 30.1 and np.isnan(p.close[:, 1]).tolist() == [
        True, True, False, False]  # fmt: skip
    assert p.benchmark_close.tolist() == [100.5, 101.5, 102.5, 103.5]
    assert p.sources == {}


def test_build_panel_refuses_off_calendar_bars_when_asked() -> None:
    with pytest.raises(DataError, match=r"^600001: bars on days the benchmark did not trade: "
                                        r"2024-03-23$"):  # fmt: skip
        build_panel(BARS, BENCH, "000300", off_calendar="raise")
    # Three named at most: four bars fall on days a shorter benchmark did not trade.
    days = {f"2024-03-{d}": (10.0, 10.0, 10.0, 10.0) for d in ("21", "23", "24", "25", "26", "27")}
    bench = BENCH.drop(index=pd.DatetimeIndex(["2024-03-25", "2024-03-26"]))
    with pytest.raises(DataError, match=r": 2024-03-23, 2024-03-24, 2024-03-25$"):
        build_panel({"600001": _frame(days)}, bench, "000300", off_calendar="raise")


def test_build_panel_edges_of_the_calendar_and_of_the_columns() -> None:
    # Stock data from Fri 03-22: a Saturday bar between the first two sessions is off the
    # calendar too.  A frame with a high but no low takes both from open and close.
    bars = {"600001": _frame({"2024-03-22": (10.0, 10.3, 10.3), "2024-03-23": (10.3, 10.4, 10.4),
                              "2024-03-25": (10.4, 10.6, 10.2)}, "open high close")}  # fmt: skip
    with pytest.raises(DataError, match=r"^600001: bars on days the benchmark did not trade: "
                                        r"2024-03-23$"):  # fmt: skip
        build_panel(bars, BENCH, "000300", off_calendar="raise")
    with pytest.warns(OffCalendarWarning, match=r"\{'600001': 1\}$"):
        p = build_panel(bars, BENCH, "000300")
    assert p.dates.strftime("%m-%d").tolist() == ["03-22", "03-25"]
    # 10.0 -> 10.3: close at its high (1); 10.4 -> 10.2: close at low, open at high (10).
    assert p.flags is not None and p.flags[:, 0].tolist() == [1, 10]
    # A benchmark priced in whole numbers still gives float prices (the kernels take float64).
    whole = pd.DataFrame({"open": [3500, 3510], "close": [3505, 3520]},
                         index=pd.DatetimeIndex(["2024-03-22", "2024-03-25"]))  # fmt: skip
    with pytest.warns(OffCalendarWarning):
        q = build_panel(bars, whole, "000300")
    assert q.benchmark_open.dtype == np.float64 and q.benchmark_close.dtype == np.float64
    assert q.benchmark_close.tolist() == [3505.0, 3520.0]


def test_build_panel_without_sessions_in_the_stock_data() -> None:
    late = {"600001": _frame({"2024-04-01": (10.0, 10.0, 10.0, 10.0)})}
    with pytest.raises(
        DataError, match=r"^benchmark 000300 has no sessions within the stock data$"
    ):
        build_panel(late, BENCH, "000300")
    # No stock at all: the benchmark's calendar, with no columns.
    p = build_panel({}, BENCH, "000300")
    assert len(p.dates) == 8 and p.open.shape == (8, 0)
