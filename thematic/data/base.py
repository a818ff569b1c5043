"""The provider interface, the bar schema every provider returns, and its validation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from thematic.errors import ValidationError

#: Columns of a daily bar frame, indexed by a ``date`` DatetimeIndex.
BAR_COLUMNS: tuple[str, ...] = ("open", "high", "low", "close", "volume")

#: Relative slack when checking high >= max(open, close): vendors round adjusted prices.
_PRICE_SLACK = 1e-6


@dataclass(frozen=True)
class SeriesInfo:
    """Where one price series came from: exposed in every output's metadata."""

    code: str
    source: str
    adjustment: str
    first: str | None
    last: str | None
    rows: int
    as_of: str | None = None
    """Date through which the source was asked (a stock may have no bar that day)."""

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready mapping."""
        return asdict(self)


@runtime_checkable
class Provider(Protocol):
    """Anything that can deliver validated daily bars for stocks and indices.

    Implementations: :class:`thematic.data.snapshot.SnapshotProvider` (bundled, offline),
    :class:`thematic.data.akshare_provider.AkshareProvider` (network) and the cache.
    """

    name: str

    @property
    def provenance(self) -> Mapping[str, Any] | None:
        """Where the dataset as a whole comes from (source, note, adjustment, as_of), if known.

        The bundled snapshot has one (its ``provenance.json``); a live source has none, its
        series carry their own :class:`SeriesInfo`.
        """
        ...

    def fetch_daily(
        self, code: str, start: dt.date | None = None, end: dt.date | None = None
    ) -> pd.DataFrame:
        """Daily bars of a stock: :data:`BAR_COLUMNS`, DatetimeIndex named ``date``."""
        ...

    def fetch_index_daily(
        self, code: str, start: dt.date | None = None, end: dt.date | None = None
    ) -> pd.DataFrame:
        """Daily bars of an index, same schema as :meth:`fetch_daily`."""
        ...

    def info(self, code: str) -> SeriesInfo:
        """Provenance of the series last delivered for ``code``."""
        ...


def _rows(df: pd.DataFrame, mask: np.ndarray | pd.Series, limit: int = 3) -> str:
    bad = df.loc[np.asarray(mask)]
    dates = [d.strftime("%Y-%m-%d") for d in pd.DatetimeIndex(bad.index)[:limit]]
    more = f" and {len(bad) - limit} more" if len(bad) > limit else ""
    return f"{len(bad)} row(s): {', '.join(dates)}{more}"


def validate_bars(df: pd.DataFrame, source: str, code: str) -> pd.DataFrame:
    """Check a bar frame before it is used or cached; return it with float columns.

    Rules: the :data:`BAR_COLUMNS` are present, the DatetimeIndex (read as calendar days: a
    time of day is dropped) is unique and increasing,
    prices are finite and positive, ``high >= max(open, close)``, ``low <= min(open, close)``
    and ``volume >= 0``.

    Raises
    ------
    ValidationError
        Naming the source, the code and the offending rows.

    Examples
    --------
    >>> idx = pd.DatetimeIndex(["2024-03-25", "2024-03-26"], name="date")
    >>> bars = pd.DataFrame({"open": [10.0, 10.5], "high": [10.2, 10.6], "low": [9.9, 9.0],
    ...                      "close": [10.1, 9.5], "volume": [100.0, 120.0]}, index=idx)
    >>> validate_bars(bars, "test", "300308").shape
    (2, 5)
    >>> validate_bars(bars.assign(high=[10.2, 10.0]), "test", "300308")
    Traceback (most recent call last):
    ...
    thematic.errors.ValidationError: test 300308: high below max(open, close) in 1 row(s): 2024-03-26
    """
    missing = [c for c in BAR_COLUMNS if c not in df.columns]
    if missing:
        raise ValidationError(
            source, code, f"missing column(s) {missing}; got {list(map(str, df.columns))}"
        )
    if df.empty:
        raise ValidationError(source, code, "no rows")
    if not isinstance(df.index, pd.DatetimeIndex):
        raise ValidationError(source, code, "index is not a DatetimeIndex of dates")
    out = df.loc[:, list(BAR_COLUMNS)].astype("float64")
    # A daily bar is a day: a vendor's stamp at the close (15:00) would otherwise sort after
    # a publication date of the same day and let a call enter on its own day.
    out.index = pd.DatetimeIndex(out.index).normalize()
    dup = out.index.duplicated()
    if dup.any():
        raise ValidationError(source, code, f"duplicate dates in {_rows(out, dup)}")
    if not out.index.is_monotonic_increasing:
        raise ValidationError(source, code, "dates are not increasing")
    prices = out[["open", "high", "low", "close"]].to_numpy()
    bad = ~(np.isfinite(prices) & (prices > 0)).all(axis=1)
    if bad.any():
        raise ValidationError(source, code, f"non-positive or missing prices in {_rows(out, bad)}")
    o, h, lo, c = prices.T
    slack = _PRICE_SLACK * np.maximum(o, c)
    bad = h < np.maximum(o, c) - slack
    if bad.any():
        raise ValidationError(source, code, f"high below max(open, close) in {_rows(out, bad)}")
    bad = lo > np.minimum(o, c) + slack
    if bad.any():
        raise ValidationError(source, code, f"low above min(open, close) in {_rows(out, bad)}")
    vol = out["volume"].to_numpy()
    bad = ~(vol >= 0)
    if bad.any():
        raise ValidationError(source, code, f"negative or missing volume in {_rows(out, bad)}")
    return out


def window_bars(bars: pd.DataFrame, start: dt.date | None, end: dt.date | None) -> pd.DataFrame:
    """Rows of ``bars`` dated from ``start`` to ``end`` inclusive (None = unbounded)."""
    if start is not None:
        bars = bars.loc[bars.index >= pd.Timestamp(start)]
    if end is not None:
        bars = bars.loc[bars.index <= pd.Timestamp(end)]
    return bars


class RemoteProvider(Provider, Protocol):
    """A provider that fetches over the network, as :func:`thematic.data.refresh.refresh` uses."""

    log: list[str]
    """Notes on what happened (fallbacks between sources), for the refresh summary."""

    @property
    def max_concurrency(self) -> int:
        """How many requests may be in flight at once."""
        ...
