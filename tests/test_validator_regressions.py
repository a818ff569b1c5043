"""Faults of the events validator found by issue 22's mutation work, pinned by what a user sees.

Not run against the mutants of that run (the source changed with these fixes).
"""

from __future__ import annotations

import pandas as pd
import pytest

from thematic.errors import EventsError
from thematic.events import validate_and_factorize


def _message(events: pd.DataFrame) -> str:
    with pytest.raises(EventsError) as info:
        validate_and_factorize(events, "calls.csv", first_row=2)
    return str(info.value)


def _one_call(published: object) -> pd.DataFrame:
    return pd.DataFrame({"event_id": ["c0", "c1"], "published": ["2024-01-31", published],
                         "code": ["600000", "600000"]})  # fmt: skip


# The engine holds days as datetime64[ns] (1677-09-22 .. 2262-04-11): numpy wrapped a day
# outside that silently, so 2500-01-01 passed the future rule as some day in the past, and
# 1000-01-01 was refused as "2169-02-08 is in the future", a day nobody wrote.
@pytest.mark.parametrize(
    ("published", "shown"),
    [
        ("2500-01-01", "'2500-01-01'"),
        ("9999-12-31", "'9999-12-31'"),
        ("2262-04-12", "'2262-04-12'"),
    ],
)
def test_a_day_past_the_ns_range_is_in_the_future_not_wrapped(published: str, shown: str) -> None:
    assert _message(_one_call(published)) == f"calls.csv: row 3: published {shown} is in the future"


def test_a_yyyymmdd_number_past_the_ns_range_is_in_the_future() -> None:
    ev = pd.DataFrame({"event_id": ["c0", "c1"], "published": [20240131, 25000101],
                       "code": ["600000", "600000"]})  # fmt: skip
    assert _message(ev) == "calls.csv: row 3: published 25000101 is in the future"


@pytest.mark.parametrize(
    ("published", "shown"),
    [
        ("1000-01-01", "'1000-01-01'"),
        ("1650-05-05", "'1650-05-05'"),
        ("1677-09-21", "'1677-09-21'"),
    ],
)
def test_a_day_before_the_ns_range_is_refused_as_written(published: str, shown: str) -> None:
    assert _message(_one_call(published)) == (
        f"calls.csv: row 3: published {shown} is before 1677-09-22, the earliest day that can be "
        "read"
    )


def test_the_first_and_last_days_of_the_ns_range_are_read() -> None:
    table, arrays = validate_and_factorize(_one_call("1677-09-22"))
    assert f"{table['published'].iloc[1]:%Y-%m-%d}" == "1677-09-22"
    assert f"{pd.Timestamp(arrays.published[1]):%Y-%m-%d}" == "1677-09-22"


# With two pairs of clashing ids the message named one id of each pair ('2' and 1), which do
# not read alike.
def test_the_ids_named_as_reading_alike_do_read_alike() -> None:
    ev = pd.DataFrame({"event_id": ["2", 1, 2, "1"], "published": ["2024-01-31"] * 4,
                       "code": ["600000", "600000", "000001", "000001"]})  # fmt: skip
    assert _message(ev) == (
        "calls.csv: row 2: event_id '2' (str) and 2 (int) read as the same id: give every id as "
        "text"
    )


# float32 holds whole numbers exactly only up to 2**24 = 16,777,216: 20240115 is stored as
# 20240116 (the nearest float32; the spacing there is 2), so the call was dated a day late.
def test_a_float32_yyyymmdd_column_is_refused_not_read_a_day_off() -> None:
    import numpy as np

    assert float(np.float32(20240115)) == 20240116.0  # the loss itself
    events = pd.DataFrame({"event_id": ["c0", "c1"], "code": ["600000", "600000"],
                           "published": np.array([20240110, 20240115], dtype="float32")})  # fmt: skip
    assert _message(events) == (
        "calls.csv: row 2: published 20240110.0 is stored as float32, which cannot hold "
        "YYYYMMDD exactly (store it as integers or text)"
    )
    # float64 holds them exactly: read as written.
    events["published"] = events["published"].astype("float64")
    events.loc[1, "published"] = 20240115.0
    table, _ = validate_and_factorize(events, "calls.csv", first_row=2)
    assert table["published"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-10", "2024-01-15"]
