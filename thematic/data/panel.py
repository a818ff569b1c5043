"""The dense price panel the engine works on: sessions x codes float matrices."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Final, Literal, TypeVar

import numpy as np
import pandas as pd

from thematic.constants import NS_PER_DAY
from thematic.data.base import SeriesInfo
from thematic.errors import DataError, OffCalendarWarning

OffCalendar = Literal["drop", "raise"]

#: Bits of :attr:`PricePanel.bar_flags`: the shape of each bar, which limit detection needs.
CLOSE_AT_HIGH: Final = 1
CLOSE_AT_LOW: Final = 2
ONE_PRICE: Final = 4  # open == high == low == close
OPEN_AT_HIGH: Final = 8


T = TypeVar("T")

#: The panel's own derived arrays that cost milliseconds to rebuild: not pickled.
_CHEAP_PROPERTIES = frozenset({"_column_of_number", "_session_after_day", "bar_span"})


@dataclass(frozen=True)
class Derived:
    """An array a higher layer derives from a panel, which a panel store may keep.

    The data layer stores and reloads it (as the memo ``name`` under key ``()``) without
    knowing what it means; ``fingerprint`` changes when the rules behind the array change,
    so that a store built under other rules is not reused.
    """

    name: str
    fingerprint: str
    make: Callable[[PricePanel], np.ndarray]


def bar_flags(
    opens: np.ndarray, highs: np.ndarray, lows: np.ndarray, closes: np.ndarray
) -> np.ndarray:
    """Shape bits of each bar (``int8``, same shape): close at the high/low, one price.

    Prices are compared exactly: vendors round open, high, low and close alike, so a close
    at the high is equal to it.

    Examples
    --------
    >>> bar_flags(np.array([10.0, 11.0]), np.array([11.0, 11.0]), np.array([9.0, 11.0]),
    ...           np.array([11.0, 11.0])).tolist()
    [1, 15]
    """
    with np.errstate(invalid="ignore"):
        flags = (closes == highs) * CLOSE_AT_HIGH + (closes == lows) * CLOSE_AT_LOW
        flags += ((opens == highs) & (highs == lows) & (lows == closes)) * ONE_PRICE
        flags += (opens == highs) * OPEN_AT_HIGH
    out: np.ndarray = flags.astype(np.int8)
    return out


def ffill_rows(values: np.ndarray) -> np.ndarray:
    """Forward-fill NaNs down each column of a 2-D array (leading NaNs stay NaN).

    Examples
    --------
    >>> ffill_rows(np.array([[np.nan, 1.0], [2.0, np.nan], [np.nan, 3.0]]))
    array([[nan,  1.],
           [ 2.,  1.],
           [ 2.,  3.]])
    """
    rows = np.arange(values.shape[0])[:, None]
    last = np.where(np.isnan(values), 0, rows)
    np.maximum.accumulate(last, axis=0, out=last)
    return np.take_along_axis(values, last, axis=0)


@dataclass(frozen=True, eq=False)
class PricePanel:
    """Aligned open/close prices of many codes plus the benchmark on one calendar.

    The calendar is the benchmark's trading sessions, cut at the last session for which the
    stock data is complete (its as-of date).  ``open``/``close`` are ``(T, N)`` float64 arrays
    with NaN where a stock has no bar (not listed yet, suspended, delisted, no data).
    """

    dates: pd.DatetimeIndex
    codes: pd.Index
    open: np.ndarray
    close: np.ndarray
    benchmark_code: str
    benchmark_open: np.ndarray
    benchmark_close: np.ndarray
    sources: Mapping[str, SeriesInfo] = field(default_factory=dict)
    flags: np.ndarray | None = None
    """Shape bits of each bar (:func:`bar_flags`), ``(T, N)`` int8; None when the panel was
    built from opens and closes only (then a bar's high and low are taken as the larger and
    smaller of its open and close)."""

    def __post_init__(self) -> None:
        t, n = len(self.dates), len(self.codes)
        for name in ("open", "close"):
            if getattr(self, name).shape != (t, n):
                raise ValueError(f"{name} has shape {getattr(self, name).shape}, not {(t, n)}")
        for name in ("benchmark_open", "benchmark_close"):
            if getattr(self, name).shape != (t,):
                raise ValueError(f"{name} has shape {getattr(self, name).shape}, not {(t,)}")
        if not self.dates.is_monotonic_increasing or not self.dates.is_unique:
            raise ValueError("dates must be unique and increasing")
        timed = self.dates[self.dates != self.dates.normalize()]
        if len(timed):  # entry is the first session strictly after a publication *day*
            raise ValueError(
                f"sessions must be calendar days; {timed[0]} has a time of day "
                "(normalise the dates, e.g. DatetimeIndex.normalize())"
            )

    @cached_property
    def close_filled_by_code(self) -> np.ndarray:
        """Forward-filled closes laid out code-major, ``(N, T)`` C-contiguous.

        A stock without a bar is valued at its last close.  Code-major layout keeps one
        stock's sessions together, so gathering several horizons of one constituent touches
        one or two cache lines instead of one page per horizon.
        """
        return np.ascontiguousarray(ffill_rows(self.close).T)

    def memo(self, name: str, key: Hashable, make: Callable[[], T], *, pickle: bool = True) -> T:
        """Return ``make()``, made once per ``key`` and kept on the panel under ``name``.

        The seam for arrays and tables a higher layer derives from the panel under a
        parameter (the engine's trade state per set of ST periods, its fee tables per cost
        model): the panel keeps them and knows nothing of what they mean.  ``pickle=False``
        marks what is rebuilt in milliseconds: it is left out when the panel is pickled (a
        panel sent to dask workers).
        """
        memos: dict[str, dict[Hashable, object]] = self.__dict__.setdefault("_memos", {})
        if not pickle:
            self.__dict__.setdefault("_unpickled", set()).add(name)
        cache = memos.setdefault(name, {})
        if key not in cache:
            cache[key] = make()
        value: T = cache[key]  # type: ignore[assignment]
        return value

    def seed(self, name: str, key: Hashable, value: object) -> None:
        """Keep ``value`` as the memo ``name`` under ``key`` (read back from a panel store)."""
        self.__dict__.setdefault("_memos", {}).setdefault(name, {})[key] = value

    def memoised(self, name: str) -> Mapping[Hashable, object]:
        """Return what the memo ``name`` holds so far, by key (empty when nothing was made)."""
        memos: dict[str, dict[Hashable, object]] = self.__dict__.get("_memos", {})
        return dict(memos.get(name, {}))

    def __getstate__(self) -> dict[str, object]:
        """Pickle without the caches rebuilt in milliseconds (a panel sent to dask workers)."""
        state = {k: v for k, v in self.__dict__.items() if k not in _CHEAP_PROPERTIES}
        unpickled = state.pop("_unpickled", set())
        if "_memos" in state:
            memos: dict[str, object] = state["_memos"]
            state["_memos"] = {k: v for k, v in memos.items() if k not in unpickled}
        return state

    @cached_property
    def bar_flags(self) -> np.ndarray:
        """Shape bits of each bar, ``(T, N)``: :attr:`flags`, or derived from open and close."""
        if self.flags is not None:
            return self.flags
        hi, lo = np.fmax(self.open, self.close), np.fmin(self.open, self.close)
        return bar_flags(self.open, hi, lo, self.close)

    @cached_property
    def bar_span(self) -> np.ndarray:
        """Sessions of each code's first and last close, ``(N, 2)`` int32 (-1 for none)."""
        return np.stack([self.first_bar, self.last_bar], axis=1).astype(np.int32)

    @cached_property
    def first_bar(self) -> np.ndarray:
        """Session of each code's first close, -1 for a code without any."""
        has = np.isfinite(self.close)
        first = has.argmax(axis=0)
        return np.where(has.any(axis=0), first, -1)

    @cached_property
    def last_bar(self) -> np.ndarray:
        """Session of each code's last close, -1 for a code without any."""
        has = np.isfinite(self.close)
        last = len(self.dates) - 1 - has[::-1].argmax(axis=0)
        return np.where(has.any(axis=0), last, -1)

    @property
    def close_filled(self) -> np.ndarray:
        """Forward-filled closes, ``(T, N)`` (a view of :attr:`close_filled_by_code`)."""
        return self.close_filled_by_code.T

    @property
    def as_of(self) -> pd.Timestamp:
        """Last session of the panel."""
        return self.dates[-1]

    def column(self, code: str) -> int:
        """Column of ``code``, or -1 when the panel has no data for it."""
        return int(self.codes.get_indexer(pd.Index([code]))[0])

    def sessions_after(self, when: np.ndarray) -> np.ndarray:
        """Index of the first session strictly after each of ``when`` (len(dates) for none).

        ``np.searchsorted(dates, when, "right")``; for dates at midnight (publication dates),
        a table of the answer for each calendar day of the panel, which is five times quicker
        than searching for ten thousand dates in random order.
        """
        dates = self.dates.to_numpy(dtype="datetime64[ns]")
        when = np.asarray(when, dtype="datetime64[ns]")
        table = self._session_after_day
        ticks = when.view(np.int64)
        if table is None or not len(when) or (ticks % NS_PER_DAY != 0).any():
            found: np.ndarray = np.searchsorted(dates, when, side="right")
            return found
        day = (ticks - dates[0].astype(np.int64)) // NS_PER_DAY
        # Before the first day: the first session; from the last day on: none (len(dates)).
        after: np.ndarray = np.where(
            day < 0,
            0,
            np.where(day >= len(table), len(dates), table[np.clip(day, 0, len(table) - 1)]),
        )
        return after

    @cached_property
    def _session_after_day(self) -> np.ndarray | None:
        """Return the first session after each calendar day of the panel (None: not midnights)."""
        ticks = self.dates.to_numpy(dtype="datetime64[ns]").view(np.int64)
        if not len(ticks) or (ticks % NS_PER_DAY != 0).any():
            return None
        # Whole days counted in integers: np.arange(first, last + 1, NS_PER_DAY) sizes itself
        # in floating point and dropped the last day of a long panel, which then mapped
        # (with every later day) to the last session: entry on the publication day itself.
        n_days = int((ticks[-1] - ticks[0]) // NS_PER_DAY) + 1
        days = ticks[0] + NS_PER_DAY * np.arange(n_days, dtype=np.int64)
        table: np.ndarray = np.searchsorted(ticks, days, side="right").astype(np.int64)
        return table

    def columns_of(self, codes: pd.Index, checked: bool = False) -> np.ndarray:
        """Column of each of ``codes`` (-1 where the panel has none).

        ``checked``: every code is known to be six ASCII digits (the events validator has
        seen them); then a code's number indexes a table of columns, which is ten times
        quicker than hashing thousands of strings.
        """
        table = self._column_of_number if checked else None
        if table is None or not len(codes):
            return self.codes.get_indexer(codes).astype(np.intp)
        import pyarrow as pa
        import pyarrow.compute as pc

        numbers = pc.cast(pa.array(codes, type=pa.string()), pa.int32()).to_numpy()
        columns: np.ndarray = table[numbers].astype(np.intp)
        return columns

    @cached_property
    def _column_of_number(self) -> np.ndarray | None:
        """Column by code number (``int("600519")``), -1 for none; None for other codes."""
        codes = self.codes.to_numpy(dtype=str) if len(self.codes) else np.array([], dtype=str)
        if not all(len(c) == 6 and c.isascii() and c.isdigit() for c in codes.tolist()):
            return None
        table = np.full(1_000_000, -1, dtype=np.int32)
        table[codes.astype(np.int64)] = np.arange(len(codes), dtype=np.int32)
        return table


def build_panel(
    bars: Mapping[str, pd.DataFrame],
    benchmark: pd.DataFrame,
    benchmark_code: str,
    sources: Mapping[str, SeriesInfo] | None = None,
    off_calendar: OffCalendar = "drop",
    as_of: pd.Timestamp | None = None,
) -> PricePanel:
    """Align per-code bar frames on the benchmark's calendar.

    Parameters
    ----------
    bars
        Code -> validated bar frame (DatetimeIndex, ``open`` and ``close`` columns).
    benchmark
        The benchmark's bars; its dates are the trading calendar.
    benchmark_code
        Code of the benchmark, for metadata.
    sources
        Provenance of each series, carried into the panel.
    off_calendar
        What to do with stock bars dated on a day the benchmark did not trade: ``"drop"``
        them with a warning, or ``"raise"``.
    as_of
        Last date every stock series is known to cover (the earliest as-of date of their
        sources); default: the last bar of any stock.

    Notes
    -----
    The calendar ends at the earlier of the benchmark's last session and the last session of
    any stock, so that a horizon never runs past the data and silently values every stock at
    a stale close; it starts at the first bar of any stock, so that a call published before
    the stock data is reported as such.
    """
    cal = pd.DatetimeIndex(benchmark.index).as_unit("ns")
    if as_of is not None:
        cal = cal[cal <= as_of]
    elif bars:
        stock_end = max(pd.Timestamp(df.index.max()) for df in bars.values() if len(df))
        cal = cal[cal <= stock_end]
    if any(len(df) for df in bars.values()):
        # Sessions before the first stock bar hold no prices: an event published then is
        # "before the data", not a stock "not listed yet" (as panel_from_long does).
        stock_start = min(pd.Timestamp(df.index.min()) for df in bars.values() if len(df))
        cal = cal[cal >= stock_start]
    if len(cal) == 0:
        raise DataError(f"benchmark {benchmark_code} has no sessions within the stock data")
    codes = pd.Index(list(bars), dtype="str", name="code")
    t, n = len(cal), len(codes)
    opens = np.full((t, n), np.nan)
    closes = np.full((t, n), np.nan)
    highs = np.full((t, n), np.nan)
    lows = np.full((t, n), np.nan)
    dropped: dict[str, int] = {}
    for j, (code, df) in enumerate(bars.items()):
        idx = pd.DatetimeIndex(df.index).as_unit("ns")
        pos = cal.get_indexer(idx)
        inside = (idx >= cal[0]) & (idx <= cal[-1])
        off = inside & (pos < 0)
        if off.any():
            if off_calendar == "raise":
                days = ", ".join(d.strftime("%Y-%m-%d") for d in idx[off][:3])
                raise DataError(f"{code}: bars on days the benchmark did not trade: {days}")
            dropped[code] = int(off.sum())
        keep = pos >= 0
        opens[pos[keep], j] = df["open"].to_numpy(dtype="float64")[keep]
        closes[pos[keep], j] = df["close"].to_numpy(dtype="float64")[keep]
        if "high" in df.columns and "low" in df.columns:
            highs[pos[keep], j] = df["high"].to_numpy(dtype="float64")[keep]
            lows[pos[keep], j] = df["low"].to_numpy(dtype="float64")[keep]
        else:
            highs[:, j], lows[:, j] = (
                np.fmax(opens[:, j], closes[:, j]),
                np.fmin(opens[:, j], closes[:, j]),
            )
    if dropped:
        warnings.warn(
            f"dropped bars dated off the {benchmark_code} calendar: {dropped}",
            OffCalendarWarning,
            stacklevel=2,
        )
    flags = bar_flags(opens, highs, lows, closes)
    return assemble_panel(cal, codes, opens, closes, benchmark, benchmark_code, sources, flags)


def assemble_panel(
    calendar: pd.DatetimeIndex,
    codes: pd.Index,
    opens: np.ndarray,
    closes: np.ndarray,
    benchmark: pd.DataFrame,
    benchmark_code: str,
    sources: Mapping[str, SeriesInfo] | None = None,
    flags: np.ndarray | None = None,
) -> PricePanel:
    """Put aligned stock matrices and the benchmark (reindexed on ``calendar``) together."""
    b = benchmark.reindex(calendar)
    return PricePanel(
        dates=calendar,
        codes=codes,
        open=opens,
        close=closes,
        benchmark_code=benchmark_code,
        benchmark_open=b["open"].to_numpy(dtype="float64"),
        benchmark_close=b["close"].to_numpy(dtype="float64"),
        sources=dict(sources or {}),
        flags=flags,
    )
