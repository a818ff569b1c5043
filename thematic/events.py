"""Tables of report calls (events): reading them and checking them, once, with one rule set.

An events table has one row per constituent of a call: ``event_id, published, code`` and
optionally ``weight``.  Single-stock calls are one-row events.  The rules are the basket
file's rules (a valid A-share code, no duplicate code inside a call, weights for all
constituents of a call or for none, positive and summing to 1) with the same wording, and
every fault is an :class:`~thematic.errors.EventsError` (CLI exit 2) naming the file, the row
and the value.  Rows are numbered as a reader finds them: the CSV line (the header is line 1)
for a CSV file, the 0-based position for a Parquet file or a DataFrame.

A ``published`` value with a time of day is accepted and its time is ignored: entry is the
first session strictly after the publication *date*, also for a release before the open
(conservative: nobody is assumed to have traded on a report before its day was over).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from thematic import threads
from thematic.codes import PREFIXES, exchange_of, known_stocks
from thematic.constants import WEIGHT_SUM_TOLERANCE
from thematic.dates import DateFault, publication_dates
from thematic.errors import EventsError, ThematicWarning
from thematic.rules import china_today

EVENT_COLUMNS: tuple[str, ...] = ("event_id", "published", "code", "weight")
#: Rows from which the codes are factorised on another core (below, a thread costs more).
PARALLEL_ROWS = 20_000
_REQUIRED = EVENT_COLUMNS[:3]
_CSV_FIRST_ROW = 2  # the header is line 1


class UnknownCodeWarning(ThematicWarning):
    """A code is a valid A-share code but not in the shipped stock table (2025-09)."""


_CODE_PROBLEMS = ("", "is not a 6-digit A-share code",
                  "is not a Shanghai, Shenzhen or Beijing A-share code")  # fmt: skip


@cache
def _code_problem(code: str) -> int:
    """0 for a valid A-share code, else the index of its problem in ``_CODE_PROBLEMS``."""
    if not (len(code) == 6 and code.isdigit()):
        return 1
    return 0 if exchange_of(code) is not None else 2


def _code_problems(distinct: pd.Index) -> np.ndarray:
    """:func:`_code_problem` of each distinct code (a million rows name a few thousand).

    Six ASCII digits with a known prefix are checked at once; anything else one by one.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    codes = pa.array(distinct, type=pa.string())
    fine = pc.and_(
        pc.match_substring_regex(codes, "^[0-9]{6}$"),
        pc.is_in(pc.utf8_slice_codeunits(codes, 0, 3), value_set=pa.array(list(PREFIXES))),
    )
    fine = np.asarray(pc.fill_null(fine, False).to_numpy(zero_copy_only=False), dtype=bool)
    problem = np.zeros(len(distinct), dtype=np.int8)
    for i in np.flatnonzero(~fine):
        problem[i] = _code_problem(str(distinct[int(i)]))
    return problem


def _factorize_codes(codes: pd.Series) -> tuple[np.ndarray | None, pd.Index, np.ndarray]:
    """Return each row's code number, the distinct codes and each row's problem (0: none).

    The number is None when a code is missing.
    """
    code_of_row, distinct = pd.factorize(codes, sort=False)
    if len(code_of_row) and code_of_row.min() < 0:  # a missing code
        return None, pd.Index([]), np.zeros(0, dtype=np.int8)
    distinct = pd.Index(distinct)
    problem_of = _code_problems(distinct)
    bad = problem_of[code_of_row] if len(distinct) else np.zeros(0, dtype=np.int8)
    return code_of_row, distinct, bad


def _blank(values: pd.Index) -> np.ndarray:
    """Return which of ``values`` are empty or white space only (as ``str.strip() == ""``)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    trimmed = pc.utf8_trim_whitespace(pa.array(values, type=pa.string()))
    return np.asarray(pc.equal(trimmed, "").to_numpy(zero_copy_only=False), dtype=bool)


def _plain(value: object) -> object:
    """Return a numpy scalar as the Python value it holds (``20240399``, not ``np.int64``)."""
    item = getattr(value, "item", None)
    return item() if callable(item) and isinstance(value, np.generic) else value


def _row(source: str, positions: np.ndarray, first_row: int) -> str:
    return f"{source}: row {int(positions[0]) + first_row}"


@dataclass(frozen=True)
class EventArrays:
    """A validated events table as integer arrays: the engine's input.

    Made only by the validator (:func:`validate_and_factorize`, :func:`check_and_factorize`,
    :func:`load_and_factorize`), so holding one means the rows passed the basket rules; the
    engine (:func:`thematic.evaluate_events`) takes it as it is, without checking or
    factorising the table again.
    """

    event: np.ndarray
    """Event number per row, numbered in order of first appearance."""
    ids: pd.Index
    """The event ids (named ``basket``)."""
    code_of_row: np.ndarray
    """Index into :attr:`codes` per row."""
    codes: pd.Index
    """The distinct codes, in order of first appearance (six ASCII digits each)."""
    published: np.ndarray
    """``datetime64[ns]`` per event: the publication date (a time of day dropped)."""
    weight: np.ndarray | None = None
    """Float per row (NaN: none given); None when the table has no weight column."""

    def __len__(self) -> int:
        """Return the number of rows (constituents over all events)."""
        return len(self.event)


#: The old, half-public name of :class:`EventArrays`.
Factorized = EventArrays


def _duplicate_rows(event: np.ndarray, code: np.ndarray) -> np.ndarray:
    """Rows whose (event, code) pair appeared before; fast when events are contiguous."""
    n = len(event)
    if n == 0:
        return np.zeros(0, dtype=bool)
    starts = np.flatnonzero(np.r_[True, event[1:] != event[:-1]])
    longest = int(np.diff(np.r_[starts, n]).max())
    contiguous = len(starts) == (int(event.max()) + 1)
    if contiguous and longest <= 64:  # compare each row with the rows before it in its event
        dup = np.zeros(n, dtype=bool)
        for lag in range(1, longest):
            dup[lag:] |= (code[lag:] == code[:-lag]) & (event[lag:] == event[:-lag])
        return dup
    key = event.astype(np.int64) * (int(code.max()) + 1) + code
    return pd.Series(key).duplicated().to_numpy()


def validate_events(
    events: pd.DataFrame,
    source: str = "events table",
    first_row: int = 0,
    check_known: bool = False,
) -> pd.DataFrame:
    """Check an events table against the basket rules and return it normalised.

    Returns a new frame with the known columns in order, ``event_id`` and ``code`` as
    strings and ``published`` as datetimes (time of day dropped); the input is not changed.
    Vectorised: a million rows take well under a second.

    Parameters
    ----------
    events
        The table.
    source
        Label for messages, normally the file's path.
    first_row
        Number given to the table's first row in messages (2 for a CSV file's lines).
    check_known
        Also warn (:class:`UnknownCodeWarning`) about codes missing from the shipped stock
        table.  Off by default so that the pure engine reads no file; the loaders and the
        pipeline turn it on.

    Raises
    ------
    EventsError
        Naming ``source``, the row and the offending value.

    Examples
    --------
    >>> ev = pd.DataFrame({"event_id": ["c1", "c1"], "published": ["2024-03-22"] * 2,
    ...                    "code": ["300308", "300308"]})
    >>> validate_events(ev, "calls.csv", first_row=2)
    Traceback (most recent call last):
    ...
    thematic.errors.EventsError: calls.csv: row 3: code '300308' duplicates row 2 in event 'c1'
    """
    return validate_and_factorize(events, source, first_row, check_known)[0]


def validate_and_factorize(
    events: pd.DataFrame,
    source: str = "events table",
    first_row: int = 0,
    check_known: bool = False,
) -> tuple[pd.DataFrame, EventArrays]:
    """:func:`validate_events`, also returning the table as :class:`EventArrays` (for the engine)."""
    columns, fac = _check(events, source, first_row, check_known)
    return pd.DataFrame(columns, index=pd.RangeIndex(len(fac.event))), fac


def check_and_factorize(events: pd.DataFrame) -> EventArrays:
    """Check ``events`` as :func:`validate_events` does and return them as integers.

    For the engine, which needs the integers and the weights, not a normalised copy.
    """
    return _check(events, "events table", 0, False)[1]


def _check(
    events: pd.DataFrame, source: str, first_row: int, check_known: bool
) -> tuple[dict[str, object], EventArrays]:
    """Check; return the normalised columns (by name, in order) and the factorisation."""
    missing = [c for c in _REQUIRED if c not in events.columns]
    if missing:
        raise EventsError(f"{source}: missing column(s) {missing}; have {list(events.columns)}")
    extra = [c for c in events.columns if c not in EVENT_COLUMNS]
    if extra:
        raise EventsError(f"{source}: unknown column(s) {extra}; allowed {list(EVENT_COLUMNS)}")
    # Codes and dates are done on other cores while the ids are (for a large table).
    codes = events["code"].astype(str)
    coded = dated = None
    if len(codes) >= PARALLEL_ROWS and threads.cores() > 1:
        coded = threads.pool().submit(_factorize_codes, codes)
        dated = threads.pool().submit(publication_dates, events["published"])
    ids = events["event_id"].astype(str)  # (a missing id stays missing: factorize says -1)
    event, event_ids = pd.factorize(ids, sort=False)
    if events["event_id"].dtype == object:  # 1 and "1" would become one event silently
        _check_id_types(events["event_id"], len(event_ids), source, first_row)
    if len(event) and event.min() < 0:
        raise EventsError(
            f"{_row(source, np.flatnonzero(event < 0), first_row)}: event_id is empty"
        )
    blank_id = _blank(pd.Index(event_ids))  # checked once per event
    if blank_id.any():
        i = np.flatnonzero(blank_id[event])
        raise EventsError(f"{_row(source, i, first_row)}: event_id is empty")

    code_of_row, distinct, bad = coded.result() if coded is not None else _factorize_codes(codes)
    if code_of_row is None:  # (factorize would give -1: the last code's stock)
        raise EventsError(f"{_row(source, np.flatnonzero(codes.isna()), first_row)}: code is empty")
    if bad.any():
        i = np.flatnonzero(bad)
        problem = _CODE_PROBLEMS[int(bad[i[0]])]
        raise EventsError(f"{_row(source, i, first_row)}: code {codes.iloc[i[0]]!r} {problem}")

    read = dated.result() if dated is not None else publication_dates(events["published"])
    if isinstance(read, DateFault):
        i = np.flatnonzero(read.rows)
        raise EventsError(
            f"{_row(source, i, first_row)}: published {_plain(events['published'].iloc[i[0]])!r} "
            f"{read.problem}"
        )
    stamps, day = read
    future = day > np.datetime64(china_today(), "ns")
    if future.any():  # the basket files' rule
        i = np.flatnonzero(future)
        raise EventsError(
            f"{_row(source, i, first_row)}: published {pd.Timestamp(day[i[0]]):%Y-%m-%d} is in "
            "the future"
        )

    n_events = len(event_ids)
    # One publication date per event.
    first_of_event = np.empty(n_events, dtype=np.int64)
    first_of_event[event[::-1]] = np.arange(len(ids) - 1, -1, -1)  # the last write is the first
    differs = day != day[first_of_event[event]]
    if differs.any():
        i = np.flatnonzero(differs)
        raise EventsError(
            f"{_row(source, i, first_row)}: event {event_ids[event[i[0]]]!r} has more than one "
            f"published date ({pd.Timestamp(day[first_of_event[event[i[0]]]]):%Y-%m-%d} and "
            f"{pd.Timestamp(day[i[0]]):%Y-%m-%d})"
        )
    # No code twice in one event.
    dup = _duplicate_rows(event, code_of_row)
    if dup.any():
        at = int(np.flatnonzero(dup)[0])
        same = (event == event[at]) & (code_of_row == code_of_row[at])
        first = int(np.flatnonzero(same)[0])
        raise EventsError(
            f"{source}: row {at + first_row}: code {codes.iloc[at]!r} duplicates row "
            f"{first + first_row} in event {event_ids[event[at]]!r}"
        )
    columns: dict[str, object] = {"event_id": ids.array, "published": stamps, "code": codes.array}
    weight = None
    if "weight" in events.columns:
        weight = columns["weight"] = _check_weights(events["weight"], event, event_ids, source,
                                                    first_row)  # fmt: skip

    unknown = [c for c in distinct if c not in known_stocks()] if check_known else []
    if unknown:
        shown = ", ".join(unknown[:5]) + (
            f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        )
        warnings.warn(
            f"{source}: {len(unknown)} code(s) not in the shipped stock table (listed in "
            f"2025-09; a stock delisted earlier is absent): {shown}",
            UnknownCodeWarning,
            stacklevel=4,  # (the caller of validate_events or load_events' caller)
        )
    return columns, EventArrays(
        event, pd.Index(event_ids, name="basket"), code_of_row, pd.Index(distinct),
        day[first_of_event], weight,
    )  # fmt: skip


def _check_id_types(raw: pd.Series, n_ids: int, source: str, first_row: int) -> None:
    """Refuse ids of different types that read alike (``1`` and ``"1"``: one event or two)."""
    codes, distinct = pd.factorize(raw, sort=False)
    if len(distinct) == n_ids:
        return
    as_text = pd.Index(distinct.astype(str))
    clash = as_text.duplicated(keep=False)
    one = int(np.flatnonzero(clash)[0])  # and the next id that reads as it does
    first, second = (distinct[i] for i in np.flatnonzero(as_text == as_text[one])[:2])
    rows = np.flatnonzero(np.isin(codes, np.flatnonzero(clash)))
    raise EventsError(
        f"{_row(source, rows, first_row)}: event_id {first!r} ({type(first).__name__}) and "
        f"{second!r} ({type(second).__name__}) read as the same id: give every id as text"
    )


def _check_weights(
    raw: pd.Series, event: np.ndarray, event_ids: pd.Index, source: str, first_row: int
) -> np.ndarray:
    """Check the weights; return them as floats (NaN where a call gives none)."""
    w = pd.to_numeric(raw, errors="coerce").to_numpy(dtype="float64")
    given = raw.notna().to_numpy()
    bad = given & ~(np.isfinite(w) & (w > 0))
    if bad.any():
        i = np.flatnonzero(bad)
        raise EventsError(
            f"{_row(source, i, first_row)}: weight {raw.iloc[i[0]]} must be a positive number"
        )
    n_events = len(event_ids)
    n_given = np.bincount(event, weights=given, minlength=n_events)
    n_rows = np.bincount(event, minlength=n_events)
    mixed = (n_given > 0) & (n_given < n_rows)
    if mixed.any():
        i = np.flatnonzero(mixed[event] & ~given)
        raise EventsError(
            f"{_row(source, i, first_row)}: weight is missing in event {event_ids[event[i[0]]]!r}: "
            "give weights for all constituents or for none (equal weights)"
        )
    total = np.bincount(event, weights=np.where(given, w, 0.0), minlength=n_events)
    off = (n_given > 0) & (np.abs(total - 1.0) > WEIGHT_SUM_TOLERANCE)
    if off.any():
        e = int(np.flatnonzero(off)[0])
        i = np.flatnonzero(event == e)
        raise EventsError(
            f"{_row(source, i, first_row)}: weights of event {event_ids[e]!r} sum to "
            f"{total[e]:.10g}, not 1 (within 1e-6)"
        )
    return w


def load_events(path: str | Path) -> pd.DataFrame:
    r"""Read an events table from CSV or Parquet and check it (:func:`validate_events`).

    :func:`load_and_factorize` also returns the table as :class:`EventArrays`.

    Raises
    ------
    EventsError
        Naming the file, the row and the offending value.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "calls.csv"
    >>> _ = p.write_text("event_id,published,code\nc1,2024-03-22,300308\n")
    >>> load_events(p).dtypes.astype(str).to_dict()
    {'event_id': 'str', 'published': 'datetime64[us]', 'code': 'str'}
    """
    return load_and_factorize(path)[0]


def load_and_factorize(path: str | Path) -> tuple[pd.DataFrame, EventArrays]:
    """Read and check an events table (:func:`load_events`); also return its arrays."""
    path = Path(path)
    if not path.exists():
        raise EventsError(f"{path}: no such events file")
    if path.is_dir():
        raise EventsError(f"{path}: is a directory, not an events file")
    is_parquet = path.suffix.lower() in (".parquet", ".pq")
    try:
        # Codes and ids stay text in a CSV: "000034" must not become 34.
        text_cols = {"event_id": str, "code": str}
        df = pd.read_parquet(path) if is_parquet else pd.read_csv(path, dtype=text_cols)
    except Exception as exc:  # pandas/pyarrow raise many types for unreadable files
        raise EventsError(f"{path}: cannot read events ({type(exc).__name__}: {exc})") from None
    if not is_parquet and not any(c in df.columns for c in _REQUIRED):
        raise EventsError(
            f"{path}: line 1 {','.join(map(str, df.columns))!r} is not a header: the first line "
            f"must name the columns {','.join(_REQUIRED)}[,weight]"
        )
    if df.empty:
        raise EventsError(f"{path}: has no rows (a header only): nothing to evaluate")
    first = 0 if is_parquet else _CSV_FIRST_ROW
    return validate_and_factorize(df, str(path), first_row=first, check_known=True)
