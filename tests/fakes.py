"""Deterministic providers for refresh tests, serving real snapshot bars.

Importable from subprocesses (fault tests run refreshes in other processes).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from thematic.data.base import SeriesInfo, window_bars
from thematic.data.snapshot import SnapshotProvider

_SNAP = SnapshotProvider()


class FakeProvider:
    """Serves snapshot bars up to ``until``; ``scale_before`` rebases older prices."""

    name = "fake"
    provenance = None
    max_concurrency = 2

    def __init__(
        self,
        until: str = "2024-03-29",
        source: str = "eastmoney",
        scale_before: tuple[str, float] | None = None,
        shift_returns: bool = False,
        delay: float = 0.0,
    ) -> None:
        self.until = pd.Timestamp(until)
        self.source = source
        self.scale_before = scale_before
        self.shift_returns = shift_returns
        self.delay = delay
        self.calls: list[tuple[str, dt.date | None, dt.date | None]] = []
        self.log: list[str] = []

    def _serve(self, bars: pd.DataFrame, code: str, start, end) -> pd.DataFrame:  # type: ignore[no-untyped-def]
        self.calls.append((code, start, end))
        if self.delay:
            import time

            time.sleep(self.delay)
        bars = bars.loc[bars.index <= self.until].copy()
        if self.scale_before is not None:
            day, factor = self.scale_before
            older = bars.index < pd.Timestamp(day)
            for col in ("open", "high", "low", "close"):
                bars.loc[older, col] *= factor
        if self.shift_returns:  # a different vendor whose history disagrees
            bars.iloc[-3:, :4] *= 1.05
        return window_bars(bars, start, end)

    def fetch_daily(self, code: str, start=None, end=None) -> pd.DataFrame:  # type: ignore[no-untyped-def]
        return self._serve(_SNAP.fetch_daily(code), code, start, end)

    def fetch_index_daily(self, code: str, start=None, end=None) -> pd.DataFrame:  # type: ignore[no-untyped-def]
        return self._serve(_SNAP.fetch_index_daily(code), code, start, end)

    def info(self, code: str) -> SeriesInfo:
        return SeriesInfo(code, self.source, "hfq", None, None, 0)
