"""Placebo baskets at their boundaries, on a small synthetic market dump written by the test.

The prices are made up inside the test (flat lines, one step), so the expected figures are
worked out by hand; they are never presented as market data.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import thematic
from thematic.errors import UsageError
from thematic.stats import placebo

T, ENTRY = 80, 70  # sessions in the dump; the entry session of the baskets
DATES = pd.bdate_range("2024-01-02", periods=T)
FULL = [f"{600000 + i}" for i in range(301)]  # bars on every session
EXACT, SHORT = "601000", "601001"  # 60 and 59 sessions of bars before the entry session

BASKET = """id: {id}
name: 测试
report: {{title: t, broker: b, published: {published}}}
constituents:
{rows}
"""


def dump(root: Path) -> Path:
    """Flat 10-yuan stocks, except the basket's two, which step to 10.50 after entry."""
    frames = []
    for code in [*FULL, EXACT, SHORT]:
        first = {EXACT: ENTRY - 60, SHORT: ENTRY - 59}.get(code, 0)
        close = np.full(T, 10.0)
        if code in FULL[:2]:
            close[ENTRY + 3 :] = 10.5
        d = DATES[first:]
        c = close[first:]
        frames.append(pd.DataFrame({"date": d, "code": code, "open": c, "high": c, "low": c,
                                    "close": c}))  # fmt: skip
    market = root / "market"
    market.mkdir()
    pd.concat(frames).to_parquet(market / "ashare_daily_qfq.parquet", index=False)
    bench = pd.DataFrame({"date": DATES, "open": 100.0, "high": 100.0, "low": 100.0,
                          "close": 100.0, "volume": 1.0})  # fmt: skip
    bench.to_csv(market / "csi300_daily.csv", index=False)
    return market


def basket(root: Path, name: str, codes: list[str]) -> Path:
    rows = "\n".join(f'  - {{code: "{c}", name: x}}' for c in codes)
    path = root / f"{name}.yaml"
    published = f"{DATES[ENTRY - 1]:%Y-%m-%d}"
    path.write_text(BASKET.format(id=name, published=published, rows=rows), "utf-8")
    return path


def test_eligible_at_exactly_the_required_history_not_one_session_short() -> None:
    close = np.ones((ENTRY + 1, 3))
    close[: ENTRY - 60, 1] = np.nan  # 60 closes before the entry session
    close[: ENTRY - 59, 2] = np.nan  # 59
    assert placebo.MIN_HISTORY == 60
    assert placebo.eligible(close, ENTRY, exclude=np.array([], dtype=int)).tolist() == [0, 1]
    close[ENTRY, 0] = np.nan  # no close on the entry session itself
    assert placebo.eligible(close, ENTRY, exclude=np.array([1])).tolist() == []


def test_placebo_universe_counts_the_boundary_stocks_through_event_stats(tmp_path: Path) -> None:
    market = dump(tmp_path)
    two = basket(tmp_path, "two", FULL[:2])
    three = basket(tmp_path, "three", FULL[:3])
    kw = {"horizons": "5", "placebo_draws": 50, "seed": 3, "market": market, "resamples": 10}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", thematic.ThematicWarning)
        # 299 other full-history stocks + the one with exactly 60 sessions = the 300 needed.
        got = thematic.event_stats(two, **kw)  # type: ignore[arg-type]
        # Its own three leave 298 + 1; the stock one session short is never counted.
        with pytest.raises(UsageError, match=re.escape("only 299 stocks are eligible")):
            thematic.event_stats(three, **kw)  # type: ignore[arg-type]
    # By hand: every placebo stock is flat (excess 0); the basket gains 5% by day 5 (the
    # benchmark is flat), so it beats all 50 draws.
    row = got.iloc[0]
    assert row["placebo_pct"] == 100.0
    assert row["placebo_p"] == pytest.approx(1 / 51)
    draws = got.attrs["placebo"]
    assert len(draws) == 50 and (draws["excess"] == 0.0).all()
    assert draws["real"].iloc[0] == pytest.approx(0.05, rel=1e-12)


def test_eligible_when_the_entry_is_past_the_data() -> None:
    close = np.ones((5, 2))
    for entry in (5, 6):  # the session after the last, and later
        got = placebo.eligible(close, entry, exclude=np.array([], dtype=int))
        assert got.dtype == np.intp and got.tolist() == []  # usable as an index


def test_percentile_and_p_by_hand_with_ties() -> None:
    # Real 0.05 against placebo 0.01, 0.05 (a tie), 0.05, 0.10, NaN (ignored), 0.02:
    # strictly below 2 of 5 -> 40 %; at or above 3 -> p = (1 + 3) / (5 + 1).
    x = np.array([0.01, 0.05, 0.05, 0.10, np.nan, 0.02])
    assert placebo.percentile_and_p(0.05, x) == (40.0, 4 / 6)
    assert placebo.percentile_and_p(0.2, x) == (100.0, 1 / 6)
    assert placebo.percentile_and_p(-1.0, x) == (0.0, 1.0)
    assert placebo.percentile_and_p(0.05, np.array([0.05])) == (0.0, 1.0)  # one draw, a tie
    for real, draws in ((np.nan, x), (0.05, np.array([])), (0.05, np.array([np.nan]))):
        pct, p = placebo.percentile_and_p(real, draws)
        assert np.isnan(pct) and np.isnan(p)


def test_draw_takes_the_smallest_random_keys_of_each_stratum() -> None:
    # The documented draw: per stratum, one uniform key per member and draw; the slots
    # take the members with the smallest keys (any order), so a seed reproduces a draw.
    pool = np.array([10, 11, 12, 13, 14, 15])
    got = placebo.draw(pool, 3, 40, np.random.default_rng(8))
    keys = np.random.default_rng(8).random((40, 6))
    want = np.sort(pool[np.argsort(keys, axis=1)[:, :3]], axis=1)
    np.testing.assert_array_equal(np.sort(got, axis=1), want)
    # One slot: the member with the smallest key; many slots of a large pool: the smallest.
    big = np.arange(100, 160)
    for k in (1, 10):
        got_k = placebo.draw(big, k, 200, np.random.default_rng(k))
        keys_k = np.random.default_rng(k).random((200, 60))
        want_k = np.sort(big[np.argsort(keys_k, axis=1)[:, :k]], axis=1)
        np.testing.assert_array_equal(np.sort(got_k, axis=1), want_k)
    # Strata given for the pool only: unmatched, the same draw.
    again = placebo.draw(pool, 3, 40, np.random.default_rng(8), pool_strata=np.zeros(6, int))
    np.testing.assert_array_equal(again, got)
    # A stratum with exactly as many members as slots is enough; one fewer is not.
    strata = np.array([0, 0, 1, 1, 1, 1])
    both = placebo.draw(pool, 3, 5, np.random.default_rng(1), strata, np.array([0, 0, 1]))
    assert (np.sort(both[:, :2], axis=1) == [10, 11]).all()
    with pytest.raises(ValueError, match="stratum 0 has 2 eligible stocks, 3 needed"):
        placebo.draw(pool, 3, 5, np.random.default_rng(1), strata, np.array([0, 0, 0]))
