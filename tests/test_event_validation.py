"""The events validator as a user meets it: which row is refused, and the exact line they read.

Rows are numbered as a reader finds them: the CSV line (header = line 1) in a CSV file, the
0-based position in a Parquet file or a DataFrame.  Every expected message is written out.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from thematic.errors import EventsError
from thematic.events import (
    UnknownCodeWarning,
    load_and_factorize,
    load_events,
    validate_and_factorize,
    validate_events,
)

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
    ev = _table(("c1", "2024-01-31 10:30", "600000"), ("c1", "2024-01-31", "000001"),
                ("c2", "2024-02-01", "300308"))  # fmt: skip
    out = validate_events(ev)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["event_id", "published", "code"]
    assert list(out.index) == [0, 1, 2]
    assert out["event_id"].tolist() == ["c1", "c1", "c2"]
    assert out["code"].tolist() == ["600000", "000001", "300308"]
    assert [f"{t:%Y-%m-%d %H:%M}" for t in out["published"]] == [
        "2024-01-31 00:00", "2024-01-31 00:00", "2024-02-01 00:00"
    ]  # fmt: skip
    _, arrays = validate_and_factorize(ev)
    assert arrays.event.tolist() == [0, 0, 1]
    assert list(arrays.ids) == ["c1", "c2"] and arrays.ids.name == "basket"
    assert arrays.code_of_row.tolist() == [0, 1, 2]
    assert list(arrays.codes) == ["600000", "000001", "300308"]
    assert [f"{pd.Timestamp(t):%Y-%m-%d}" for t in arrays.published] == ["2024-01-31", "2024-02-01"]
    assert arrays.weight is None and len(arrays) == 3


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


# -- ids of two types --------------------------------------------------------------------------------
def test_ids_that_read_alike_are_named_in_the_order_given() -> None:
    ev = _table(("x", "2024-01-31", "600000"), ("1", "2024-01-31", "600000"),
                (1, "2024-01-31", "000001"))  # fmt: skip
    assert _message(ev, "calls.csv", 2) == (
        "calls.csv: row 3: event_id '1' (str) and 1 (int) read as the same id: "
        "give every id as text"
    )


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
