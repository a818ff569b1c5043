"""Small hand-made panels for unit tests (synthetic prices, never presented as market data)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from thematic.data.panel import PricePanel


def make_panel(
    dates: Sequence[str],
    opens: dict[str, Sequence[float]],
    closes: dict[str, Sequence[float]],
    bench_open: Sequence[float],
    bench_close: Sequence[float],
) -> PricePanel:
    codes = list(opens)
    return PricePanel(
        dates=pd.DatetimeIndex(dates),
        codes=pd.Index(codes),
        open=np.array([opens[c] for c in codes], dtype=float).T.copy(),
        close=np.array([closes[c] for c in codes], dtype=float).T.copy(),
        benchmark_code="000300",
        benchmark_open=np.asarray(bench_open, dtype=float),
        benchmark_close=np.asarray(bench_close, dtype=float),
    )


def events(*rows: tuple[str, str, str] | tuple[str, str, str, float]) -> pd.DataFrame:
    cols = ["event_id", "published", "code", "weight"][: len(rows[0])]
    return pd.DataFrame(list(rows), columns=cols)
