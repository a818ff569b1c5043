"""A ten-session synthetic market served by an in-memory provider, for event-study tests.

The prices are made up (returns written out below) so that every market-model figure can be
worked by hand; they are never presented as market data.

Sessions 0..9 are 2024-01-01 .. 2024-01-12 (business days).  A basket published on session
4 (2024-01-05) enters on session 5; with ``est_window=4, est_gap=0`` its estimation returns
are dated 1..4 and its event days 1..4 are sessions 6..9.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from thematic.baskets import Basket, Constituent, Report
from thematic.data.base import SeriesInfo
from thematic.errors import UnknownCodeError

DATES = pd.bdate_range("2024-01-01", periods=10)
NAN = float("nan")

# Returns dated on sessions 1..9 (session 5 is the entry session of a basket published on 4).
MARKET = [0.01, -0.01, 0.02, 0.00, 0.01, 0.01, 0.02, -0.01, 0.00]
RETURNS: dict[str, list[float]] = {
    "600001": [0.03, -0.01, 0.03, 0.01, 0.00, 0.03, 0.00, 0.01, -0.02],  # A
    "600002": [0.02, -0.03, 0.01, 0.00, 0.01, -0.01, 0.02, 0.03, 0.01],  # B
    "600003": [0.0] * 9,  # C: flat at 10
}


def closes(returns: Sequence[float], start: float = 10.0) -> np.ndarray:
    """Closes whose consecutive returns are exactly ``returns`` (first close ``start``)."""
    return start * np.concatenate([[1.0], np.cumprod(1.0 + np.asarray(returns))])


def bars(close: np.ndarray, keep: np.ndarray | None = None) -> pd.DataFrame:
    """Daily bars (open = high = low = close) on the sessions where ``keep`` is true."""
    keep = np.isfinite(close) if keep is None else keep & np.isfinite(close)
    c = close[keep]
    idx = pd.DatetimeIndex(DATES[keep], name="date")
    return pd.DataFrame({"open": c, "high": c, "low": c, "close": c, "volume": 1.0}, index=idx)


def standard_series() -> dict[str, pd.DataFrame]:
    """The stocks of the standard market.

    - 600000 (D): A's prices but no bar on session 5 (suspended on the entry day);
    - 600001 (A), 600002 (B), 600003 (C): every session;
    - 600004 (E): A's prices but no bar on session 2: returns 2 and 3 are lost, M = 2;
    - 600009 (L): lists on session 5 (no estimation returns at all).
    """
    a = closes(RETURNS["600001"])
    every = np.ones(10, dtype=bool)
    return {
        "600000": bars(a, every & (np.arange(10) != 5)),
        "600001": bars(a),
        "600002": bars(closes(RETURNS["600002"])),
        "600003": bars(closes(RETURNS["600003"])),
        "600004": bars(a, every & (np.arange(10) != 2)),
        "600009": bars(a, np.arange(10) >= 5),
    }


class MemoryProvider:
    """Serves the given bars; any other stock code is unknown."""

    name = "memory"
    provenance = None

    def __init__(self, series: Mapping[str, pd.DataFrame], bench: pd.DataFrame) -> None:
        self.series = dict(series)
        self.bench = bench
        self.asked: list[str] = []

    def fetch_daily(self, code: str, start=None, end=None) -> pd.DataFrame:  # type: ignore[no-untyped-def]
        self.asked.append(code)
        if code not in self.series:
            raise UnknownCodeError(code, "not in this synthetic market")
        return self.series[code]

    def fetch_index_daily(self, code: str, start=None, end=None) -> pd.DataFrame:  # type: ignore[no-untyped-def]
        return self.bench

    def info(self, code: str) -> SeriesInfo:
        first, last = f"{self.bench.index[0]:%Y-%m-%d}", f"{self.bench.index[-1]:%Y-%m-%d}"
        kind = "synthetic index" if code == "000300" else "synthetic"
        return SeriesInfo(code, "snapshot synthetic", kind, first, last, len(self.bench))


def provider(series: Mapping[str, pd.DataFrame] | None = None) -> MemoryProvider:
    """The standard market (or ``series``) against the benchmark of :data:`MARKET`."""
    return MemoryProvider(
        standard_series() if series is None else series, bars(closes(MARKET, 100.0))
    )


def basket(
    id_: str,
    session: int,
    codes: Sequence[str],
    title: str = "t",
    broker: str = "b",
    names: Sequence[str] | None = None,
) -> Basket:
    """A basket published on ``session`` (its date), CSI 300 benchmark."""
    published = dt.date.fromisoformat(f"{DATES[session]:%Y-%m-%d}")
    names = names if names is not None else [f"name {c}" for c in codes]
    return Basket(
        id=id_,
        name=id_,
        report=Report(title=title, broker=broker, published=published),
        constituents=[Constituent(code=c, name=n) for c, n in zip(codes, names, strict=True)],
    )
