"""Bulk calls: the events file reader, the dense panel store and `evaluate-events`."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.helpers import make_panel
from thematic.cli import main
from thematic.constants import RESULT_COLUMNS
from thematic.data.universe import load_market_panel, load_saved_panel, panel_from_long, save_panel
from thematic.errors import CacheError, DamagedFileWarning, UsageError
from thematic.events import load_events
from thematic.runs.calls import evaluate_calls

CALLS = """event_id,published,code,weight
optical,2024-03-22,300308,0.5
optical,2024-03-22,300502,0.5
idc_single,2024-03-22,300738,
"""


def write(tmp_path: Path, text: str, name: str = "calls.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_load_events_checks_rows(tmp_path: Path) -> None:
    df = load_events(write(tmp_path, CALLS))
    assert list(df.columns) == ["event_id", "published", "code", "weight"]
    assert df["code"].tolist() == ["300308", "300502", "300738"]
    cases = {
        "event_id,published\na,2024-03-22\n": r"missing column\(s\) \['code'\]",
        "event_id,published,code,foo\na,2024-03-22,300308,1\n": r"unknown column\(s\) \['foo'\]",
        "event_id,published,code\na,2024-03-22,30030\n": "row 2: code '30030' is not a 6-digit",
        # An empty code once passed and priced the row as another code's stock.
        "event_id,published,code\na,2024-03-22,300308\na,2024-03-22,\n": "row 3: code is empty",
        "event_id,published,code\na,someday,300308\n": "row 2: published 'someday' is not a date",
        "event_id,published,code,weight\na,2024-03-22,300308,-1\n": "row 2: weight -1",
    }
    for text, message in cases.items():
        with pytest.raises(UsageError, match=message):
            load_events(write(tmp_path, text))
    with pytest.raises(UsageError, match="no such events file"):
        load_events(tmp_path / "nope.csv")


def test_evaluate_calls_matches_basket_evaluation(tmp_path: Path) -> None:
    got = evaluate_calls(write(tmp_path, CALLS), horizons="1,20")
    assert list(got.columns) == list(RESULT_COLUMNS)
    idc = got[got["basket"] == "idc_single"].set_index("horizon")
    # Same numbers as the shipped `idc` basket (golden: 0.12738367658276117 at h=1).
    assert idc.loc[1, "basket_return"] == pytest.approx(0.12738367658276117, abs=1e-12)
    optical = got[got["basket"] == "optical"].set_index("horizon")
    # Hand check from the snapshot: 300308 open 119.89 -> close 113.13 on 03-26;
    # 300502 open 86.98 -> close 79.70 (values in thematic/data/snapshot/stocks.parquet).
    from thematic.data.snapshot import SnapshotProvider

    snap = SnapshotProvider()
    r = [
        snap.fetch_daily(c).loc["2024-03-26", "close"]
        / snap.fetch_daily(c).loc["2024-03-25", "open"]
        - 1
        for c in ("300308", "300502")
    ]
    assert optical.loc[1, "basket_return"] == pytest.approx(0.5 * r[0] + 0.5 * r[1], abs=1e-12)


def test_dense_store_round_trip_and_corruption(tmp_path: Path) -> None:
    p = make_panel(["2024-03-22", "2024-03-25"], {"000001": [1.0, 2.0]}, {"000001": [1.5, np.nan]},
                   [10.0, 11.0], [10.5, 11.5])  # fmt: skip
    target = tmp_path / "store"
    save_panel(p, target, {"source": "test", "adjustment": "none", "as_of": "2024-03-25"})
    q = load_saved_panel(target)
    np.testing.assert_array_equal(q.close_filled, [[1.5], [1.5]])
    np.testing.assert_array_equal(q.open, p.open)
    assert list(q.codes) == ["000001"] and (q.dates == p.dates).all()
    (target / "close.npy").write_bytes(b"\x93NUMPY garbage")  # a half-written file
    with pytest.raises(CacheError, match="unreadable panel store"):
        load_saved_panel(target)


def test_market_panel_builds_store_once_and_recovers(tmp_path: Path) -> None:
    market = tmp_path / "market"
    market.mkdir()
    bars = pd.DataFrame({
        "date": pd.to_datetime(["2024-03-22", "2024-03-25", "2024-03-25", "2024-03-26"]),
        "code": ["000001", "000001", "600000", "600000"],
        "open": [1.0, 1.1, 5.0, 5.5], "high": [1.2, 1.2, 5.1, 5.6], "low": [0.9, 1.0, 4.9, 5.4],
        "close": [1.1, 1.2, 5.0, 5.5], "volume": [1.0, 1.0, 1.0, 1.0],
    })  # fmt: skip
    bars.to_parquet(market / "ashare_daily_qfq.parquet")
    pd.DataFrame({"date": ["2024-03-21", "2024-03-22", "2024-03-25", "2024-03-26", "2024-03-27"],
                  "open": [9.0, 10, 11, 12, 13], "high": [9.0, 10, 11, 12, 13],
                  "low": [9.0, 10, 11, 12, 13], "close": [9.0, 10, 11, 12, 13],
                  "volume": [1, 1, 1, 1, 1]}).to_csv(market / "csi300_daily.csv", index=False)  # fmt: skip
    store = tmp_path / "panels"
    p = load_market_panel(market, store=store)
    assert list(p.dates.strftime("%m-%d")) == ["03-22", "03-25", "03-26"]  # cut to the bars
    assert list(p.codes) == ["000001", "600000"]
    np.testing.assert_array_equal(p.close_filled[:, 0], [1.1, 1.2, 1.2])
    (stored,) = store.iterdir()
    (stored / "open.npy").write_bytes(b"")  # corrupt it: the next load sets it aside, rebuilds
    with pytest.warns(DamagedFileWarning, match="unreadable panel store.*set aside"):
        q = load_market_panel(market, store=store)
    assert len(list((tmp_path / "quarantine").iterdir())) == 1
    np.testing.assert_array_equal(q.open, p.open)


def test_panel_from_long_matches_build_panel() -> None:
    long = pd.DataFrame({"date": pd.to_datetime(["2024-03-25", "2024-03-22"]), "code": ["000001"] * 2,
                         "open": [2.0, 1.0], "close": [2.5, 1.5]})  # fmt: skip
    bench = pd.DataFrame({"open": [1.0, 1.0], "close": [1.0, 1.0]},
                         index=pd.to_datetime(["2024-03-22", "2024-03-25"]))  # fmt: skip
    p = panel_from_long(long, bench, "000300")
    np.testing.assert_array_equal(p.open[:, 0], [1.0, 2.0])


def test_cli_evaluate_events(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    calls = write(tmp_path, CALLS)
    assert main(["evaluate-events", str(calls), "--horizons", "1,5"]) == 0
    out, err = capsys.readouterr()
    df = pd.read_csv(io.StringIO(out))
    assert list(df.columns) == list(RESULT_COLUMNS) and len(df) == 4
    assert "2 events x 2 horizons" in err and "entry rule next_open" in err
    target = tmp_path / "r.parquet"
    assert main(["evaluate-events", str(calls), "--output", str(target)]) == 0
    back = pd.read_parquet(target)
    assert len(back) == 12 and back.attrs["metadata"]["entry_rule"] == "next_open"
    bad = write(tmp_path, "event_id,published,code\na,2024-03-22,12345\n", "bad.csv")
    assert main(["evaluate-events", str(bad)]) == 2
    assert "bad.csv: row 2: code '12345' is not a 6-digit A-share code" in capsys.readouterr().err


def test_streamed_parquet_equals_the_in_memory_table(tmp_path: Path) -> None:
    from thematic.cli import main

    calls = write(tmp_path, "event_id,published,code\n" + "".join(
        f"e{i},2024-0{1 + i % 6}-1{i % 9},{code}\n"
        for i, code in enumerate(["300308", "300502", "300738", "002837", "600941"] * 7)
    ))  # fmt: skip
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    assert main(["evaluate-events", str(calls), "--horizons", "1,20,250", "--output", str(a)]) == 0
    assert main(["evaluate-events", str(calls), "--horizons", "1,20,250", "--output", str(b),
                 "--chunk-events", "4"]) == 0  # fmt: skip
    ta, tb = pd.read_parquet(a), pd.read_parquet(b)
    assert len(ta) == 35 * 3
    text = {c: str for c in ("basket", "note", "entry_rule")}
    pd.testing.assert_frame_equal(ta.astype(text), tb.astype(text), check_exact=True)
    assert main(["evaluate-events", str(calls), "--output", str(tmp_path / "c.csv"),
                 "--chunk-events", "4"]) == 2  # fmt: skip


def test_large_tables_are_checked_the_same_way() -> None:
    """Past PARALLEL_ROWS the codes are checked on another thread: same rows, same words."""
    from thematic.events import PARALLEL_ROWS, validate_events

    n = PARALLEL_ROWS + 3_000
    base = pd.DataFrame({
        "event_id": [f"e{i // 3}" for i in range(n)],
        "published": ["2024-03-22"] * n,
        "code": [f"{600000 + i % 3 + 3 * (i // 3) % 900:06d}" for i in range(n)],
    })  # fmt: skip
    assert len(validate_events(base)) == n
    cases = [
        ("code", n - 5, "90090", f"row {n - 5}: code '90090' is not a 6-digit A-share code"),
        ("code", n - 5, None, f"row {n - 5}: code is empty"),
        ("event_id", 7, None, "row 7: event_id is empty"),  # before a bad code later on
        ("published", n - 5, "someday", f"row {n - 5}: published 'someday' is not a date"),
        ("code", n - 9, "1234567", f"row {n - 9}: code '1234567' is not a 6-digit"),  # before
    ]
    for column, row, value, message in cases:
        bad = base.copy()
        bad.loc[row, column] = value
        if column == "event_id":
            bad.loc[n - 1, "code"] = "123"
        if row == n - 9:
            bad.loc[n - 2, "published"] = "never"  # a bad date after a bad code
        with pytest.raises(UsageError, match=message):
            validate_events(bad)


def test_result_metadata_is_handed_on_not_copied(tmp_path: Path) -> None:
    """pandas deep-copies attrs into every derived frame: at a million calls, seconds each."""
    import json

    got = evaluate_calls(write(tmp_path, CALLS), horizons="1,20")
    meta = got.attrs["metadata"]
    assert got[got["horizon"] == 1].attrs["metadata"] is meta
    assert got["basket_return"].attrs["metadata"] is meta
    assert isinstance(meta, dict) and json.loads(json.dumps(meta, default=str))["n_events"] == 2
