"""Live checks against akshare's real servers: opt in with `pytest --run-network`.

Skipped by default (no test touches the network unless asked). Useful on a machine with
internet access to notice schema changes in akshare or its upstream endpoints.
"""

from __future__ import annotations

import datetime as dt

import pytest

from thematic.data.akshare_provider import AkshareProvider
from thematic.data.snapshot import SnapshotProvider

pytestmark = pytest.mark.network


def test_live_eastmoney_stock_and_index_agree_with_the_snapshot_returns() -> None:
    provider = AkshareProvider(sources=["eastmoney"], index_sources=["eastmoney"])
    start, end = dt.date(2024, 3, 1), dt.date(2024, 6, 28)
    live = provider.fetch_daily("300308", start, end)
    snap = SnapshotProvider().fetch_daily("300308", start, end)
    # hfq (live) and qfq (snapshot) levels differ; daily returns must agree.
    common = live.index.intersection(snap.index)
    assert len(common) > 60
    diff = (live.loc[common, "close"].pct_change() - snap.loc[common, "close"].pct_change()).abs()
    assert diff.max() < 1e-3
    index = provider.fetch_index_daily("000300", start, end)
    assert index.loc["2024-03-25", "close"] == pytest.approx(3525.7634, rel=1e-6)
