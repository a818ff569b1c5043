"""Publication dates as users give them: read by one rule, never guessed row by row.

Integers (and whole floats, as a CSV column with a gap reads them) are ``YYYYMMDD``; text is
read year first or as ``YYYYMMDD``; a day/month-first date (``03/04/2024``) is refused, as is
a column mixing time zones.  The answer is the day only: a time of day is ignored (entry is
the first session strictly after the publication *date*).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: The forms a publication date may take, for messages.
DATE_FORMS = "YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD (a time of day is ignored)"
# Day and month first (03/04/2024, 3.4.24): which is the month cannot be known.
_DAY_MONTH_FIRST = r"^\s*\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}(\D|$)"
_ZONE = r"(?P<zone>Z|[+-]\d{2}:?\d{2})\s*$"
# The days datetime64[ns] (the engine's unit) can hold; numpy wraps any other day silently.
_FIRST_DAY, _LAST_DAY = np.datetime64("1677-09-22", "D"), np.datetime64("2262-04-11", "D")


@dataclass(frozen=True)
class DateFault:
    """Rows whose ``published`` cannot be read, and why (follows the value in a message)."""

    rows: np.ndarray  # bool per row
    problem: str


def yyyymmdd_dates(values: pd.Series) -> pd.Series:
    """Whole numbers read as ``YYYYMMDD`` dates (NaT where they are not one)."""
    numbers = values.to_numpy(dtype="float64", na_value=np.nan)
    whole = np.isfinite(numbers) & (numbers == np.floor(numbers)) & (numbers >= 10_000_101)
    text = pd.Series(np.where(whole, numbers, 0).astype(np.int64).astype(str), dtype=object)
    text[~whole] = None
    return pd.to_datetime(text, format="%Y%m%d", errors="coerce")


def text_dates(published: pd.Series) -> pd.Series | DateFault:
    """Read text dates by one rule: year first, or a whole ``YYYYMMDD``; never day/month."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.array(published.astype("string").array, type=pa.string())
    ambiguous = pc.fill_null(pc.match_substring_regex(text, _DAY_MONTH_FIRST), False)
    ambiguous_rows = np.asarray(ambiguous.to_numpy(zero_copy_only=False), dtype=bool)
    if ambiguous_rows.any():
        return DateFault(
            ambiguous_rows,
            f"has the day and the month first, in an order that cannot be known (is 03/04 "
            f"March or April?): write dates as {DATE_FORMS}",
        )
    digits = pc.match_substring_regex(text, r"^\s*\d+\s*$")
    not_eight = pc.and_(digits, pc.invert(pc.match_substring_regex(text, r"^\s*\d{8}\s*$")))
    odd_rows = np.asarray(pc.fill_null(not_eight, False).to_numpy(zero_copy_only=False), dtype=bool)
    if odd_rows.any():  # "1712" is no year-month-day
        return DateFault(odd_rows, f"is not a date ({DATE_FORMS})")
    zone = pc.extract_regex(text, _ZONE)
    zones = pc.struct_field(zone, [0]).to_pandas().to_numpy(dtype=object)
    given = pd.notna(zones)
    if given.any() and len(set(zones[given])) > 1:
        first = zones[given][0]
        return DateFault(
            given & (zones != first),
            f"mixes time zones (an earlier row has {first}): give every date in one time "
            f"zone, or dates only ({DATE_FORMS})",
        )
    try:
        return pd.to_datetime(published, errors="coerce", format="mixed")
    except (ValueError, TypeError, OverflowError) as exc:  # an out-of-range year, ...
        return DateFault(np.ones(len(published), dtype=bool), f"cannot be read as a date ({exc})")


def publication_dates(published: pd.Series) -> tuple[np.ndarray, np.ndarray] | DateFault:
    """Return the publication dates (the day only, in the column's unit) and as ``ns``.

    Integers (and whole floats, as a CSV column with a gap reads them) are ``YYYYMMDD``;
    text is read year first or as ``YYYYMMDD``, and a day/month-first date is refused, never
    guessed.  A :class:`DateFault` names the rows that cannot be read.
    """
    if pd.api.types.is_bool_dtype(published):
        return DateFault(np.ones(len(published), dtype=bool), f"is not a date ({DATE_FORMS})")
    if pd.api.types.is_float_dtype(published) and published.to_numpy().dtype.itemsize < 8:
        # float32 holds whole numbers exactly only up to 2**24: 20240115 reads as 20240116.
        return DateFault(
            np.ones(len(published), dtype=bool),
            f"is stored as {published.dtype}, which cannot hold YYYYMMDD exactly "
            "(store it as integers or text)",
        )
    if pd.api.types.is_numeric_dtype(published):
        parsed: pd.Series | DateFault = yyyymmdd_dates(published)
    elif pd.api.types.is_datetime64_any_dtype(published):
        parsed = published  # (a datetime column is taken as it is)
    else:
        parsed = text_dates(published)
    if isinstance(parsed, DateFault):
        return parsed
    dates: pd.Series = parsed
    if not pd.api.types.is_datetime64_any_dtype(dates):  # e.g. objects pandas could not unify
        return DateFault(np.ones(len(published), dtype=bool), f"is not a date ({DATE_FORMS})")
    missing = dates.isna().to_numpy()
    if missing.any():
        return DateFault(missing, f"is not a date ({DATE_FORMS})")
    if dates.dt.tz is not None:
        dates = dates.dt.tz_localize(None)
    # The date only (numpy's floor to the day, in the column's own unit).
    stamps = dates.to_numpy()
    per_day = np.timedelta64(1, "D").astype(stamps.dtype.str.replace("M8", "m8")).astype(np.int64)
    ticks = stamps.view(np.int64)
    stamps = (ticks - ticks % per_day).view(stamps.dtype)
    early = stamps < _FIRST_DAY
    if early.any():
        return DateFault(early, f"is before {_FIRST_DAY}, the earliest day that can be read")
    late = stamps > _LAST_DAY  # (today is long before 2262)
    if late.any():
        return DateFault(late, "is in the future")
    return stamps, stamps.astype("datetime64[ns]")
