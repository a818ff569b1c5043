from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import examples
from thematic.data.base import validate_bars
from thematic.data.panel import PricePanel, build_panel, ffill_rows
from thematic.data.snapshot import SnapshotProvider
from thematic.errors import DataError, UnknownCodeError, ValidationError

IDX = pd.DatetimeIndex(["2024-03-25", "2024-03-26", "2024-03-27"], name="date")


def bars(**over: list[float]) -> pd.DataFrame:
    d = {"open": [10.0, 10.5, 11.0], "high": [10.6, 10.9, 11.2], "low": [9.8, 10.1, 10.7],
         "close": [10.4, 10.8, 11.1], "volume": [100.0, 200.0, 150.0]}  # fmt: skip
    d.update(over)
    return pd.DataFrame(d, index=IDX)


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (bars().drop(columns="close"), r"missing column\(s\) \['close'\]"),
        (bars().iloc[:0], "no rows"),
        (bars(close=[10.4, -1.0, 11.1], low=[9.8, -1.0, 10.7]),
         r"non-positive or missing prices in 1 row\(s\): 2024-03-26"),
        (bars(high=[10.6, 10.6, 11.2]), r"high below max\(open, close\) in 1 row\(s\): 2024-03-26"),
        (bars(low=[9.8, 10.1, 11.05]), r"low above min\(open, close\) in 1 row\(s\): 2024-03-27"),
        (bars(volume=[1.0, -5.0, 1.0]), r"negative or missing volume in 1 row\(s\): 2024-03-26"),
        (bars().iloc[[0, 2, 1]], "dates are not increasing"),
        (pd.concat([bars(), bars().iloc[[2]]]), "duplicate dates"),
    ],
)  # fmt: skip
def test_validate_bars_names_source_code_and_rows(frame: pd.DataFrame, message: str) -> None:
    with pytest.raises(ValidationError, match=rf"^eastmoney 300308: {message}"):
        validate_bars(frame, "eastmoney", "300308")


def test_ffill_rows_keeps_leading_nans() -> None:
    a = np.array([[np.nan, 1.0], [2.0, np.nan], [np.nan, np.nan], [4.0, 5.0]])
    np.testing.assert_array_equal(
        ffill_rows(a), np.array([[np.nan, 1.0], [2.0, 1.0], [2.0, 1.0], [4.0, 5.0]])
    )


def test_build_panel_cuts_calendar_at_stock_as_of() -> None:
    bench = bars().reindex(IDX.append(pd.DatetimeIndex(["2024-03-28"])), method="ffill")
    p = build_panel({"300308": bars()}, bench, "000300")
    assert p.as_of == pd.Timestamp("2024-03-27")
    assert p.open.shape == (3, 1)


def test_build_panel_off_calendar_policy() -> None:
    odd = bars()
    bench = bars().drop(index=pd.Timestamp("2024-03-26"))  # the index did not trade that day
    with pytest.raises(DataError, match="300308: bars on days the benchmark did not trade"):
        build_panel({"300308": odd}, bench, "000300", off_calendar="raise")
    with pytest.warns(UserWarning, match="dropped bars dated off the 000300 calendar"):
        p = build_panel({"300308": odd}, bench, "000300")
    assert list(p.dates.strftime("%d")) == ["25", "27"]
    assert p.close[:, 0].tolist() == [10.4, 11.1]


def test_panel_shape_checks() -> None:
    with pytest.raises(ValueError, match="close has shape"):
        PricePanel(IDX, pd.Index(["a"]), np.ones((3, 1)), np.ones((2, 1)), "000300",
                   np.ones(3), np.ones(3))  # fmt: skip


def test_snapshot_is_real_and_documented() -> None:
    snap = SnapshotProvider()
    prov = snap.provenance
    assert prov["adjustment"] == "qfq as of 2025-08-22"
    assert prov["as_of"] == "2025-08-22"
    assert set(prov["missing"]) == {"872808"}
    assert len(snap.codes) == 25
    # Spot values from ../shared/market/ashare_daily_qfq.parquet and csi300_daily.csv.
    assert snap.fetch_daily("300308").loc["2024-03-25", "open"] == 119.89
    assert snap.fetch_index_daily("000300").loc["2024-03-25", "close"] == 3525.7634
    for code in snap.codes:
        validate_bars(snap.fetch_daily(code), "snapshot", code)
    with pytest.raises(
        UnknownCodeError, match="872808: no bars in the bundled snapshot: a Beijing"
    ):
        snap.fetch_daily("872808")
    with pytest.raises(UnknownCodeError, match="000905: index not in the bundled snapshot"):
        snap.fetch_index_daily("000905")


def test_columns_of_codes_by_number_and_by_hash() -> None:
    from tests.helpers import make_panel

    closes = {"600519": [1.0], "000001": [2.0]}
    panel = make_panel(["2024-03-22"], closes, closes, [1.0], [1.0])
    asked = pd.Index(["000001", "300308", "600519", "000001"])
    assert panel.columns_of(asked, checked=True).tolist() == [1, -1, 0, 1]
    assert panel.columns_of(asked).tolist() == [1, -1, 0, 1]
    odd = make_panel(["2024-03-22"], {"H00300": [1.0]}, {"H00300": [1.0]}, [1.0], [1.0])
    assert odd._column_of_number is None  # not a stock code: looked up by hashing
    assert odd.columns_of(pd.Index(["H00300", "600519"]), checked=True).tolist() == [0, -1]


def test_sessions_after_equals_searchsorted() -> None:
    from tests.helpers import PANEL

    dates = PANEL.dates.to_numpy(dtype="datetime64[ns]")
    days = np.arange(-5, 12).astype("timedelta64[D]") + np.datetime64("2024-03-19")
    when = days.astype("datetime64[ns]")  # before, within (weekend too) and after the panel
    want = np.searchsorted(dates, when, side="right")
    assert PANEL._session_after_day is not None  # the table route
    assert PANEL.sessions_after(when).tolist() == want.tolist()
    noon = when + np.timedelta64(12, "h")  # not midnights: searched
    assert PANEL.sessions_after(noon).tolist() == np.searchsorted(dates, noon, "right").tolist()
    assert want.min() == 0 and want.max() == len(dates)


def test_a_pickled_panel_leaves_its_cheap_caches_behind() -> None:
    import pickle

    from tests.helpers import ABC, PANEL
    from thematic.engine import evaluate_events

    panel = pickle.loads(pickle.dumps(PANEL))
    before = evaluate_events(panel, ABC, [1, 2]).table  # fills the caches
    assert {"exit_close", "fees", "trade_state"} <= set(panel.__dict__["_memos"])
    copy = pickle.loads(pickle.dumps(panel))
    assert not {"_column_of_number"} & set(copy.__dict__)
    assert set(copy.__dict__["_memos"]) == {"trade_state"}  # the others rebuild in ms
    pd.testing.assert_frame_equal(evaluate_events(copy, ABC, [1, 2]).table, before)


@settings(max_examples=examples(60), deadline=None)
@given(
    gaps=st.lists(st.integers(1, 400), min_size=1, max_size=30),
    asked=st.lists(st.integers(-30, 12_000), min_size=1, max_size=20),
)
def test_sessions_after_is_strictly_after_on_any_span(gaps: list[int], asked: list[int]) -> None:
    """The day table covers the panel's last day too: a report published on (or after) it has
    no entry session, never the last session itself (a span over ~104 days lost its last day
    to float rounding in ``np.arange``, and such reports were entered before publication)."""
    from tests.helpers import make_panel

    offsets = np.cumsum([0, *gaps])
    dates = (np.datetime64("2019-01-02") + offsets.astype("timedelta64[D]")).astype(str)
    ones = [1.0] * len(dates)
    panel = make_panel(list(dates), {"600519": ones}, {"600519": ones}, ones, ones)
    when = (np.datetime64("2019-01-02") + np.array(asked).astype("timedelta64[D]")).astype(
        "datetime64[ns]"
    )
    when = np.append(when, panel.dates.to_numpy(dtype="datetime64[ns]")[-1])  # the last day
    want = np.searchsorted(panel.dates.to_numpy(dtype="datetime64[ns]"), when, side="right")
    assert panel.sessions_after(when).tolist() == want.tolist()
    assert panel.sessions_after(when)[-1] == len(panel.dates)


def test_a_report_on_or_after_the_last_session_is_not_entered() -> None:
    """Fixes a wrong number: with a panel of more than ~104 calendar days, a call published on
    the last session (or after the data) was entered at that session's open, the same day or
    before publication, and priced at horizon 'max'."""
    from tests.helpers import events, make_panel
    from thematic import evaluate_events

    days = pd.bdate_range("2024-01-02", periods=120)  # 167 calendar days
    px = list(np.linspace(10.0, 12.0, len(days)))
    panel = make_panel(days.strftime("%Y-%m-%d").tolist(), {"600519": px}, {"600519": px},
                       px, px)  # fmt: skip
    last = f"{days[-1]:%Y-%m-%d}"
    ev = events(("on_last", last, "600519"), ("after", "2024-07-01", "600519"),
                ("before_last", f"{days[-2]:%Y-%m-%d}", "600519"))  # fmt: skip
    table = evaluate_events(panel, ev, ["max"]).table.set_index("basket")
    assert pd.isna(table.loc["on_last", "entry_date"])
    assert pd.isna(table.loc["after", "entry_date"])
    assert table.loc[["on_last", "after"], "excess_return"].isna().all()
    assert table.loc["before_last", "entry_date"] == days[-1]  # strictly after 119th day
