"""The events validator as a user meets it: which row is refused, and the exact line they read.

Rows are numbered as a reader finds them: the CSV line (header = line 1) in a CSV file, the
0-based position in a Parquet file or a DataFrame.  Every expected message is written out.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from thematic.errors import EventsError
from thematic.events import (
    UnknownCodeWarning,
    check_and_factorize,
    load_and_factorize,
    load_events,
    validate_and_factorize,
    validate_events,
)
from thematic.rules import china_today

# 688999 is a valid Shanghai STAR code that is not in the shipped stock table (2025-09).
UNLISTED = "688999"
UNKNOWN_NOTE = (
    "{source}: 1 code(s) not in the shipped stock table (listed in 2025-09; a stock delisted "
    f"earlier is absent): {UNLISTED}"
)


def _table(*rows: tuple[object, ...]) -> pd.DataFrame:
    cols = ["event_id", "published", "code", "weight"][: len(rows[0])]
    return pd.DataFrame(list(rows), columns=cols)


def _message(events: pd.DataFrame, *args: object) -> str:
    with pytest.raises(EventsError) as info:
        validate_events(events, *args)  # type: ignore[arg-type]
    return str(info.value)


BAD_SECOND_CODE = _table(("c1", "2024-01-31", "600000"), ("c1", "2024-01-31", "12345"))


# -- labels and numbering --------------------------------------------------------------------------
def test_a_table_without_a_source_is_named_events_table_and_counted_from_0() -> None:
    expected = "events table: row 1: code '12345' is not a 6-digit A-share code"
    assert _message(BAD_SECOND_CODE) == expected
    with pytest.raises(EventsError) as info:
        validate_and_factorize(BAD_SECOND_CODE)
    assert str(info.value) == expected


def test_the_source_and_first_row_given_are_used() -> None:
    assert _message(BAD_SECOND_CODE, "calls.csv", 2) == (
        "calls.csv: row 3: code '12345' is not a 6-digit A-share code"
    )
    with pytest.raises(EventsError, match=r"^calls\.csv: row 11: code '12345' "):
        validate_and_factorize(BAD_SECOND_CODE, "calls.csv", 10)


# -- the normalised table --------------------------------------------------------------------------
def test_the_checked_table_is_returned_as_text_ids_codes_and_days() -> None:
    # ids and codes are numbered in order of first appearance, not sorted
    ev = _table(("c2", "2024-01-31 10:30", "600000"), ("c2", "2024-01-31", "000001"),
                ("c1", "2024-02-01", "300308"), ("c2", "2024-01-31", "300308"))  # fmt: skip
    out = validate_events(ev)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["event_id", "published", "code"]
    assert list(out.index) == [0, 1, 2, 3]
    assert out["event_id"].tolist() == ["c2", "c2", "c1", "c2"]
    assert out["code"].tolist() == ["600000", "000001", "300308", "300308"]
    assert [f"{t:%Y-%m-%d %H:%M}" for t in out["published"]] == [
        "2024-01-31 00:00", "2024-01-31 00:00", "2024-02-01 00:00", "2024-01-31 00:00"
    ]  # fmt: skip
    _, arrays = validate_and_factorize(ev)
    assert arrays.event.tolist() == [0, 0, 1, 0]
    assert list(arrays.ids) == ["c2", "c1"] and arrays.ids.name == "basket"
    assert arrays.code_of_row.tolist() == [0, 1, 2, 2]
    assert list(arrays.codes) == ["600000", "000001", "300308"]
    assert [f"{pd.Timestamp(t):%Y-%m-%d}" for t in arrays.published] == ["2024-01-31", "2024-02-01"]
    assert arrays.weight is None and len(arrays) == 4
    assert ev["event_id"].tolist() == ["c2", "c2", "c1", "c2"]  # the input is not changed
    assert ev["published"].tolist()[0] == "2024-01-31 10:30"


def test_check_and_factorize_gives_the_arrays_and_names_the_table() -> None:
    ev = _table(("c2", "2024-01-31", UNLISTED), ("c1", "2024-02-01", "600000"))
    arrays = check_and_factorize(ev)  # no warning about the unlisted code: no file is read
    assert arrays.event.tolist() == [0, 1] and list(arrays.ids) == ["c2", "c1"]
    assert list(arrays.codes) == [UNLISTED, "600000"]
    with pytest.raises(EventsError) as info:
        check_and_factorize(BAD_SECOND_CODE)
    assert str(info.value) == "events table: row 1: code '12345' is not a 6-digit A-share code"


def test_an_empty_table_is_valid_and_stays_empty() -> None:
    ev = pd.DataFrame({"event_id": [], "published": [], "code": []})
    out, arrays = validate_and_factorize(ev)
    assert list(out.columns) == ["event_id", "published", "code"] and len(out) == 0
    assert len(arrays) == 0 and len(arrays.ids) == 0


def test_missing_and_unknown_columns_are_named() -> None:
    ev = pd.DataFrame({"event_id": ["c1"], "date": ["2024-01-31"], "code": ["600000"]})
    assert _message(ev, "calls.csv") == (
        "calls.csv: missing column(s) ['published']; have ['event_id', 'date', 'code']"
    )
    ev = _table(("c1", "2024-01-31", "600000")).assign(name="PF Bank")
    assert _message(ev, "calls.csv") == (
        "calls.csv: unknown column(s) ['name']; allowed ['event_id', 'published', 'code', 'weight']"
    )


def test_a_call_published_today_is_accepted_and_tomorrow_is_not() -> None:
    today = china_today()
    tomorrow = today + dt.timedelta(days=1)
    out = validate_events(_table(("c1", f"{today:%Y-%m-%d}", "600000")))
    assert f"{out['published'].iloc[0]:%Y-%m-%d}" == f"{today:%Y-%m-%d}"
    assert _message(_table(("c1", f"{today:%Y-%m-%d}", "600000"),
                           ("c2", f"{tomorrow:%Y-%m-%d} 08:00", "600000"))) == (
        f"events table: row 1: published {tomorrow:%Y-%m-%d} is in the future"
    )  # fmt: skip


def test_interleaved_calls_are_one_call_each_and_their_duplicates_found() -> None:
    # c1 and c2 alternate (not contiguous): c1 holds 600000, 000001; c2 holds 000001, 600000
    ok = _table(("c1", "2024-01-31", "600000"), ("c2", "2024-02-01", "000001"),
                ("c1", "2024-01-31", "000001"), ("c2", "2024-02-01", "600000"))  # fmt: skip
    arrays = check_and_factorize(ok)
    assert arrays.event.tolist() == [0, 1, 0, 1]
    assert arrays.code_of_row.tolist() == [0, 1, 1, 0]
    # three calls, c0 interleaved: no (call, code) pair repeats
    ok = _table(("c0", "2024-01-31", "600000"), ("c1", "2024-02-01", "000001"),
                ("c2", "2024-02-02", "600000"), ("c0", "2024-01-31", "000001"))  # fmt: skip
    arrays = check_and_factorize(ok)
    assert arrays.event.tolist() == [0, 1, 2, 0]
    assert arrays.code_of_row.tolist() == [0, 1, 0, 1]
    dup = _table(("c1", "2024-01-31", "600000"), ("c2", "2024-02-01", "000001"),
                 ("c1", "2024-01-31", "600000"))  # fmt: skip
    assert _message(dup, "calls.csv", 2) == (
        "calls.csv: row 4: code '600000' duplicates row 2 in event 'c1'"
    )


def _codes(n: int) -> list[str]:
    # n distinct valid codes: 600000, 600001, ... (all Shanghai main board)
    return [f"{600000 + k:06d}" for k in range(n)]


def test_a_basket_of_100_codes_is_checked_for_duplicates() -> None:
    # more than 64 constituents: the duplicate is 90 rows after its first appearance
    codes = _codes(100)
    codes[95] = codes[5]
    ev = pd.DataFrame({"event_id": "big", "published": "2024-01-31", "code": codes})
    assert _message(ev, "calls.csv", 2) == (
        "calls.csv: row 97: code '600005' duplicates row 7 in event 'big'"
    )
    ev["code"] = _codes(100)
    assert len(check_and_factorize(ev)) == 100


def test_a_large_table_is_checked_as_a_small_one() -> None:
    # 20,000 rows (4,000 calls of 5 stocks): codes and dates are read on other cores
    n_calls = 4_000
    ids = np.repeat([f"c{k}" for k in range(n_calls)], 5)
    codes = np.tile(_codes(5), n_calls)
    ev = pd.DataFrame({"event_id": ids, "published": "2024-01-31", "code": codes})
    arrays = check_and_factorize(ev)
    assert len(arrays) == 20_000 and len(arrays.ids) == n_calls
    assert list(arrays.codes) == _codes(5)
    assert arrays.code_of_row[:7].tolist() == [0, 1, 2, 3, 4, 0, 1]
    assert {f"{pd.Timestamp(t):%Y-%m-%d}" for t in arrays.published} == {"2024-01-31"}
    bad_code = ev.copy()
    bad_code.loc[19_999, "code"] = "70000"
    assert _message(bad_code, "calls.csv", 2) == (
        "calls.csv: row 20001: code '70000' is not a 6-digit A-share code"
    )
    bad_day = ev.copy()
    bad_day.loc[12_345, "published"] = "2024-02-30"
    assert _message(bad_day, "calls.csv", 2) == (
        "calls.csv: row 12347: published '2024-02-30' is not a date (YYYY-MM-DD, YYYY/MM/DD or "
        "YYYYMMDD (a time of day is ignored))"
    )


# -- unknown codes: a warning only when asked ------------------------------------------------------
def test_a_code_missing_from_the_stock_table_is_warned_about_only_when_asked() -> None:
    ev = _table(("c1", "2024-01-31", "600000"), ("c1", "2024-01-31", UNLISTED))
    validate_events(ev)  # not asked: no warning (warnings are errors in this suite)
    validate_and_factorize(ev)
    with pytest.warns(UnknownCodeWarning) as got:
        validate_events(ev, "calls.csv", 2, True)
    assert [str(w.message) for w in got] == [UNKNOWN_NOTE.format(source="calls.csv")]
    with pytest.warns(UnknownCodeWarning) as got:
        validate_and_factorize(ev, "calls.csv", 2, True)
    assert [str(w.message) for w in got] == [UNKNOWN_NOTE.format(source="calls.csv")]


@pytest.mark.skipif(
    "MUTANT_UNDER_TEST" in os.environ, reason="mutmut's trampolines add frames to the stack"
)
def test_the_unknown_code_warning_points_at_the_callers_line() -> None:
    ev = _table(("c1", "2024-01-31", UNLISTED))
    with pytest.warns(UnknownCodeWarning) as got:
        validate_events(ev, "calls.csv", 2, True)
    assert got[0].filename == __file__


def test_more_than_five_unknown_codes_are_counted_after_the_first_five() -> None:
    unlisted = [f"6889{k}" for k in range(90, 97)]  # 688990 .. 688996: none listed
    ev = pd.DataFrame({"event_id": "c1", "published": "2024-01-31", "code": unlisted})
    with pytest.warns(UnknownCodeWarning) as got:
        validate_events(ev, "calls.csv", 2, True)
    assert [str(w.message) for w in got] == [
        "calls.csv: 7 code(s) not in the shipped stock table (listed in 2025-09; a stock "
        "delisted earlier is absent): 688990, 688991, 688992, 688993, 688994 and 2 more"
    ]
    with pytest.warns(UnknownCodeWarning) as got:
        validate_events(ev.iloc[:5], "calls.csv", 2, True)
    assert str(got[0].message).endswith(": 688990, 688991, 688992, 688993, 688994")
    with pytest.warns(UnknownCodeWarning) as got:
        validate_events(ev.iloc[:6], "calls.csv", 2, True)
    assert str(got[0].message).endswith(": 688990, 688991, 688992, 688993, 688994 and 1 more")


# -- ids of two types --------------------------------------------------------------------------------
def test_ids_that_read_alike_are_named_in_the_order_given() -> None:
    ev = _table(("x", "2024-01-31", "600000"), ("1", "2024-01-31", "600000"),
                (1, "2024-01-31", "000001"))  # fmt: skip
    assert _message(ev, "calls.csv", 2) == (
        "calls.csv: row 3: event_id '1' (str) and 1 (int) read as the same id: "
        "give every id as text"
    )


def test_ids_of_two_types_that_read_differently_are_two_calls() -> None:
    ev = _table((7, "2024-01-31", "600000"), ("x7", "2024-02-01", "600000"))
    out, arrays = validate_and_factorize(ev)
    assert out["event_id"].tolist() == ["7", "x7"] and list(arrays.ids) == ["7", "x7"]


def test_two_pairs_of_ids_that_read_alike_are_one_line_naming_the_first_id() -> None:
    ev = _table(("2", "2024-01-31", "600000"), (1, "2024-01-31", "600000"),
                (2, "2024-01-31", "000001"), ("1", "2024-01-31", "000001"))  # fmt: skip
    message = _message(ev)
    assert message.startswith("events table: row 0: event_id '2' (str) and ")
    assert message.endswith(" read as the same id: give every id as text")


# -- rows that break the basket rules --------------------------------------------------------------
@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([("c1", "2024-01-31", "600000"), ("c1", "2024-01-31", "600000")],
         "row 3: code '600000' duplicates row 2 in event 'c1'"),
        # the same code in two events is fine; the duplicate is row 5 of c2, first seen at row 3
        ([("c1", "2024-01-31", "600000"), ("c2", "2024-02-01", "000001"),
          ("c2", "2024-02-01", "600000"), ("c2", "2024-02-01", "000001")],
         "row 5: code '000001' duplicates row 3 in event 'c2'"),
        # a duplicate next to its first appearance, in a call of three
        ([("c1", "2024-01-31", "600000"), ("c1", "2024-01-31", "000001"),
          ("c1", "2024-01-31", "000001")],
         "row 4: code '000001' duplicates row 3 in event 'c1'"),
        # calls of 1, 3, 2 and 1 stocks; the duplicate is two rows after its first appearance
        ([("a", "2024-01-31", "600000"), ("b", "2024-01-31", "600000"),
          ("b", "2024-01-31", "000001"), ("b", "2024-01-31", "600000"),
          ("c", "2024-01-31", "600000"), ("c", "2024-01-31", "000001"),
          ("d", "2024-01-31", "600000")],
         "row 5: code '600000' duplicates row 3 in event 'b'"),
        ([("c1", "2024-01-31", "600000"), ("c1", "2024-01-31", "700000")],
         "row 3: code '700000' is not a Shanghai, Shenzhen or Beijing A-share code"),
        ([("c1", "2024-01-31", "600000"), ("c1", "2024-01-31", "60000a")],
         "row 3: code '60000a' is not a 6-digit A-share code"),
        ([("c1", "2024-01-31", "600000"), ("c1", "2024-01-31", None)], "row 3: code is empty"),
        ([("c1", "2024-01-31", "600000"), (None, "2024-01-31", "000001")],
         "row 3: event_id is empty"),
        ([("c1", "2024-01-31", "600000"), ("  ", "2024-01-31", "000001")],
         "row 3: event_id is empty"),
        ([("c1", "2024-01-31", "600000"), ("c2", "2100-01-04", "000001")],
         "row 3: published 2100-01-04 is in the future"),
        ([("c1", "2024-01-31", "600000"), ("c1", "2024-02-01", "000001")],
         "row 3: event 'c1' has more than one published date (2024-01-31 and 2024-02-01)"),
    ],
)  # fmt: skip
def test_a_row_breaking_the_basket_rules_is_named(
    rows: list[tuple[object, ...]], expected: str
) -> None:
    assert _message(_table(*rows), "calls.csv", 2) == f"calls.csv: {expected}"


# -- weights ---------------------------------------------------------------------------------------
def test_weights_given_for_a_whole_call_are_kept_and_a_call_without_them_is_nan() -> None:
    ev = _table(("c1", "2024-01-31", "600000", 0.25), ("c1", "2024-01-31", "000001", 0.75),
                ("c2", "2024-02-01", "300308", None),
                # 0.3333333 + 0.3333333 + 0.3333335 = 1.0000001: within 1e-6 of 1
                ("c3", "2024-02-02", "600000", 0.3333333), ("c3", "2024-02-02", "000001", 0.3333333),
                ("c3", "2024-02-02", "300308", 0.3333335))  # fmt: skip
    table, arrays = validate_and_factorize(ev)
    assert list(table.columns) == ["event_id", "published", "code", "weight"]
    assert arrays.weight is not None
    np.testing.assert_array_equal(
        arrays.weight, [0.25, 0.75, np.nan, 0.3333333, 0.3333333, 0.3333335]
    )
    np.testing.assert_array_equal(table["weight"], arrays.weight)


def test_whole_number_weights_and_a_nullable_weight_column_are_read_as_floats() -> None:
    ev = _table(("c1", "2024-01-31", "600000"), ("c2", "2024-02-01", "000001"))
    ev["weight"] = pd.array([1, None], dtype="Int64")  # c1 weighs 1; c2 gives none
    _, arrays = validate_and_factorize(ev)
    assert arrays.weight is not None and arrays.weight.dtype == np.dtype("float64")
    np.testing.assert_array_equal(arrays.weight, [1.0, np.nan])
    ev["weight"] = [1, 1]
    _, arrays = validate_and_factorize(ev)
    assert arrays.weight is not None and arrays.weight.dtype == np.dtype("float64")
    np.testing.assert_array_equal(arrays.weight, [1.0, 1.0])


@pytest.mark.parametrize(
    ("weights", "expected"),
    [
        ((0.5, -0.5), "row 3: weight -0.5 must be a positive number"),
        ((0.0, 1.0), "row 2: weight 0.0 must be a positive number"),
        ((0.5, "half"), "row 3: weight half must be a positive number"),
        ((0.5, np.inf), "row 3: weight inf must be a positive number"),
        ((0.5, None), "row 3: weight is missing in event 'c1': give weights for all "
                      "constituents or for none (equal weights)"),
        ((0.5, 0.4), "row 2: weights of event 'c1' sum to 0.9, not 1 (within 1e-6)"),
        ((0.5, 0.500002), "row 2: weights of event 'c1' sum to 1.000002, not 1 (within 1e-6)"),
    ],
)  # fmt: skip
def test_weights_must_be_positive_given_for_all_and_sum_to_1(
    weights: tuple[object, object], expected: str
) -> None:
    ev = _table(("c1", "2024-01-31", "600000", weights[0]),
                ("c1", "2024-01-31", "000001", weights[1]),
                ("c2", "2024-02-01", "000001", None))  # fmt: skip
    assert _message(ev, "calls.csv", 2) == f"calls.csv: {expected}"


def test_the_weights_of_a_later_call_are_checked_and_named() -> None:
    ev = _table(("c1", "2024-01-31", "600000", 1.0),
                ("c2", "2024-02-01", "600000", 0.7), ("c2", "2024-02-01", "000001", 0.7))  # fmt: skip
    assert _message(ev, "calls.csv", 2) == (
        "calls.csv: row 3: weights of event 'c2' sum to 1.4, not 1 (within 1e-6)"
    )


# -- files -------------------------------------------------------------------------------------------
def _csv(tmp_path: Path, text: str, name: str = "calls.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


def test_csv_ids_and_codes_stay_text_and_unknown_codes_are_warned_about(tmp_path: Path) -> None:
    path = _csv(
        tmp_path, f"event_id,published,code\n007,20240131,000034\n007,20240131,{UNLISTED}\n"
    )
    with pytest.warns(UnknownCodeWarning) as got:
        table, arrays = load_and_factorize(path)
    assert [str(w.message) for w in got] == [UNKNOWN_NOTE.format(source=path)]
    assert table["event_id"].tolist() == ["007", "007"]  # not 7
    assert table["code"].tolist() == ["000034", UNLISTED]
    assert list(arrays.ids) == ["007"]
    with pytest.warns(UnknownCodeWarning):
        assert load_events(path)["event_id"].tolist() == ["007", "007"]


def test_csv_rows_are_file_lines(tmp_path: Path) -> None:
    path = _csv(tmp_path, "event_id,published,code\nc1,2024-01-31,600000\nc1,2024-01-31,600000\n")
    with pytest.raises(EventsError) as info:
        load_events(path)
    assert str(info.value) == f"{path}: row 3: code '600000' duplicates row 2 in event 'c1'"


@pytest.mark.parametrize("suffix", [".parquet", ".pq", ".PQ"])
def test_parquet_files_are_read_and_their_rows_counted_from_0(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"calls{suffix}"
    _table(("007", "2024-01-31", "000034"), ("c2", "2024-02-01", "600000")).to_parquet(path)
    table = load_events(path)
    assert table["event_id"].tolist() == ["007", "c2"]
    assert [f"{t:%Y-%m-%d}" for t in table["published"]] == ["2024-01-31", "2024-02-01"]
    _table(("c1", "2024-01-31", "600000"), ("c1", "2024-01-31", "600000")).to_parquet(path)
    with pytest.raises(EventsError) as info:
        load_events(path)
    assert str(info.value) == f"{path}: row 1: code '600000' duplicates row 0 in event 'c1'"


def _load_message(path: Path) -> str:
    with pytest.raises(EventsError) as info:
        load_events(path)
    return str(info.value)


def test_files_that_cannot_be_events_are_named(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.csv"
    assert _load_message(missing) == f"{missing}: no such events file"
    assert _load_message(tmp_path) == f"{tmp_path}: is a directory, not an events file"
    empty = _csv(tmp_path, "", "empty.csv")
    assert _load_message(empty) == (
        f"{empty}: cannot read events (EmptyDataError: No columns to parse from file)"
    )
    no_header = _csv(tmp_path, "c1,2024-01-31,600000\n", "bare.csv")
    assert _load_message(no_header) == (
        f"{no_header}: line 1 'c1,2024-01-31,600000' is not a header: the first line must name "
        "the columns event_id,published,code[,weight]"
    )
    header_only = _csv(tmp_path, "event_id,published,code\n", "header.csv")
    assert _load_message(header_only) == (
        f"{header_only}: has no rows (a header only): nothing to evaluate"
    )


def test_a_single_stock_call_weighing_other_than_1_is_refused() -> None:
    ev = _table(("c1", "2024-01-31", "600000", 1.0), ("c2", "2024-02-01", "600000", 0.5))
    assert _message(ev, "calls.csv", 2) == (
        "calls.csv: row 3: weights of event 'c2' sum to 0.5, not 1 (within 1e-6)"
    )
