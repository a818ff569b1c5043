"""Publication dates as a user gives them: which values are read as which day, which are refused.

Every expectation here is written out by hand (the calendar is the oracle: there is no
30 February and no month 13); none is computed by the code under test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from thematic.dates import yyyymmdd_dates
from thematic.errors import EventsError
from thematic.events import validate_and_factorize, validate_events

FORMS = "YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD (a time of day is ignored)"


def _calls(published: object) -> pd.DataFrame:
    """One single-stock call per value of ``published`` (ids c0, c1, ...)."""
    n = len(published)  # type: ignore[arg-type]
    return pd.DataFrame(
        {"event_id": [f"c{i}" for i in range(n)], "published": published, "code": ["600000"] * n}
    )


def _read(published: object) -> list[str]:
    out = validate_events(_calls(published), "calls.csv", first_row=2)
    return [f"{t:%Y-%m-%d %H:%M:%S}" for t in out["published"]]


def _refusal(published: object) -> str:
    with pytest.raises(EventsError) as info:
        validate_events(_calls(published), "calls.csv", first_row=2)
    return str(info.value)


@pytest.mark.parametrize(
    "published",
    [
        [20240131, 20240229, 19991231],  # int64: 2024 is a leap year
        [20240131.0, 20240229.0, 19991231.0],  # whole floats, as a CSV column with a gap reads
        pd.array([20240131, 20240229, 19991231], dtype="Int64"),
        np.array([20240131, 20240229, 19991231], dtype=np.int32),
    ],
)
def test_yyyymmdd_numbers_are_those_days(published: object) -> None:
    assert _read(published) == ["2024-01-31 00:00:00", "2024-02-29 00:00:00", "1999-12-31 00:00:00"]


@pytest.mark.parametrize(
    ("published", "row", "shown"),
    [
        ([20240131, 20240230], 3, "20240230"),  # no 30 February (the value as written, no np.int64)
        ([19991301], 2, "19991301"),  # no month 13
        ([20230229], 2, "20230229"),  # 2023 is no leap year
        ([202401311230], 2, "202401311230"),  # YYYYMMDDHHMM is not YYYYMMDD
        ([20240131.0, np.nan], 3, "nan"),  # a gap in a CSV column of numbers
        ([20240131.0, 20240131.5], 3, "20240131.5"),  # not a whole number
        ([20240131.0, np.inf], 3, "inf"),
        (pd.array([20240131, None], dtype="Int64"), 3, "<NA>"),
        ([True, False], 2, "True"),  # a yes/no column is not a date column
        ([pd.Timestamp("2024-01-31"), pd.NaT], 3, "NaT"),
        (["2024-01-31", "1712"], 3, "'1712'"),  # digits, but not eight of them
        (["2024-01-31", "not a day"], 3, "'not a day'"),
        (["2024-01-31", None], 3, "nan"),  # a gap in a column of text
        (["2024-01-31", "not a day", None], 3, "'not a day'"),  # the first bad row is named
        (["2024-01-31", "2024-13-01"], 3, "'2024-13-01'"),
    ],
)
def test_a_value_that_is_not_a_date_is_refused_naming_row_and_value(
    published: object, row: int, shown: str
) -> None:
    assert _refusal(published) == f"calls.csv: row {row}: published {shown} is not a date ({FORMS})"


def test_day_month_first_is_refused_not_guessed() -> None:
    assert _refusal(["2024-01-31", "03/04/2024"]) == (
        "calls.csv: row 3: published '03/04/2024' has the day and the month first, in an order "
        f"that cannot be known (is 03/04 March or April?): write dates as {FORMS}"
    )


def test_mixed_time_zones_are_refused_naming_the_first_zone() -> None:
    published = ["2024-01-31T10:00+08:00", "2024-02-01T10:00Z", "2024-02-02T10:00+08:00"]
    assert _refusal(published) == (
        "calls.csv: row 3: published '2024-02-01T10:00Z' mixes time zones (an earlier row has "
        f"+08:00): give every date in one time zone, or dates only ({FORMS})"
    )


def test_a_zone_on_some_rows_only_cannot_be_read() -> None:
    message = _refusal(["2024-01-31T10:00+08:00", "2024-02-01"])
    assert message.startswith(
        "calls.csv: row 2: published '2024-01-31T10:00+08:00' cannot be read as a date ("
    )
    assert "Mixed timezones" in message


@pytest.mark.parametrize(
    "published",
    [
        ["2024-01-31 10:30", "2024/02/01 23:59:59", "20240202"],
        [pd.Timestamp(t) for t in ("2024-01-31 10:30", "2024-02-01 23:59:59", "2024-02-02")],
        ["2024-01-31T10:30+08:00", "2024-02-01T23:59:59+08:00", "2024-02-02T00:00+08:00"],
    ],
)
def test_a_time_of_day_is_dropped_and_the_calendar_day_kept(published: object) -> None:
    table, arrays = validate_and_factorize(_calls(published), "calls.csv", first_row=2)
    days = ["2024-01-31 00:00:00", "2024-02-01 00:00:00", "2024-02-02 00:00:00"]
    assert [f"{t:%Y-%m-%d %H:%M:%S}" for t in table["published"]] == days
    assert arrays.published.dtype == np.dtype("datetime64[ns]")
    assert [f"{pd.Timestamp(t):%Y-%m-%d %H:%M:%S}" for t in arrays.published] == days


def test_an_event_has_one_publication_day_whatever_the_hour() -> None:
    ev = pd.DataFrame(
        {
            "event_id": ["c1", "c1", "c2", "c2"],
            "published": ["2024-01-31 09:00", "2024-01-31 16:00", "2024-02-01", "2024-02-02"],
            "code": ["600000", "000001", "600000", "000001"],
        }
    )
    with pytest.raises(EventsError) as info:
        validate_events(ev, "calls.csv", first_row=2)
    assert str(info.value) == (
        "calls.csv: row 5: event 'c2' has more than one published date (2024-02-01 and 2024-02-02)"
    )


def test_yyyymmdd_needs_a_four_digit_year() -> None:
    # 10000101 is the first number with a 4-digit year (1000-01-01); 9991231 has 3.
    got = yyyymmdd_dates(pd.Series([10000101, 10000102, 9991231, 20240131]))
    shown = [None if pd.isna(t) else f"{t:%Y-%m-%d}" for t in got]
    assert shown == ["1000-01-01", "1000-01-02", None, "2024-01-31"]


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_a_datetime_column_keeps_its_unit_and_loses_its_time_of_day(unit: str) -> None:
    published = pd.Series(
        pd.to_datetime(["2024-01-31 10:30:15", "2024-02-01 00:00:00"])
    ).dt.as_unit(unit)
    table, arrays = validate_and_factorize(_calls(published))
    assert table["published"].dtype == np.dtype(f"datetime64[{unit}]")
    assert [f"{t:%Y-%m-%d %H:%M:%S}" for t in table["published"]] == [
        "2024-01-31 00:00:00",
        "2024-02-01 00:00:00",
    ]
    assert arrays.published.dtype == np.dtype("datetime64[ns]")
