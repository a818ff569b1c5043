"""Small hand-made panels for unit tests (synthetic prices, never presented as market data)."""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import pandas as pd

from thematic.data.panel import PricePanel
from thematic.rules import Trading

#: A mutation run (`make mutants`, scripts/mutant_check.py) sets THEMATIC_MUTATION=1: each
#: mutant that survives runs every test covering it, so there the properties try a fifth of
#: their examples, drawn the same way on every run (tests/conftest.py derandomises them).
UNDER_MUTATION = os.environ.get("THEMATIC_MUTATION") == "1"


def examples(n: int) -> int:
    """Return the examples a property tries: ``n``, or a fifth of them under a mutation run."""
    return max(10, n // 5) if UNDER_MUTATION else n


#: Today's rule before tradability: book trades at any price, value a missing exit bar at
#: the last close.  Tests of the return arithmetic itself use it.
IGNORE = Trading(untradable="ignore")


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


NAN = float("nan")
# Thu 03-21, Fri 03-22, Mon 03-25, Tue 03-26, Wed 03-27.  B is suspended on 03-26; C lists
# on 03-26.
PANEL = make_panel(
    ["2024-03-21", "2024-03-22", "2024-03-25", "2024-03-26", "2024-03-27"],
    opens={
        "000001": [10, 10, 10, 11, 12],
        "000002": [20, 20, 20, NAN, 22],
        "000003": [NAN, NAN, NAN, 5, 5],
    },
    closes={
        "000001": [10, 10, 11, 12, 13],
        "000002": [20, 20, 19, NAN, 24],
        "000003": [NAN, NAN, NAN, 5, 6],
    },
    bench_open=[100, 100, 100, 102, 104],
    bench_close=[100, 100, 101, 103, 102],
)
ABC = events(
    ("e1", "2024-03-22", "000001"), ("e1", "2024-03-22", "000002"), ("e1", "2024-03-22", "000003")
)
