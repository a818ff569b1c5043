"""Placebo baskets priced and compared horizon by horizon, matched by industry.

A 70-session synthetic market dump written by the test (made-up prices, never market data).
The codes are real A-share codes only so that the shipped industry table classes them; the
expected figures are worked out by hand below.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.stats_market import basket
from thematic.codes import industries
from thematic.errors import UsageError
from thematic.runs.event_study import study_events

T, ENTRY = 70, 65  # baskets published on session 64 enter on 65
DATES = pd.bdate_range("2024-01-01", periods=T)
EST = {"est_window": 4, "est_gap": 0, "min_obs": 4}
BANKS = [c for c, v in sorted(industries().items()) if v == "银行" and c.startswith("60")]
REAL = ["600000", "601398"]  # 浦发银行, 工商银行
FLAT_BANKS = [c for c in BANKS if c not in REAL][:6]
SUSPENDED = "600004"  # 白云机场: no bar on the entry session
UNCLASSED = "605999"  # not in the industry table: its own stratum, "?"
OTHERS = [c for c, v in sorted(industries().items())
          if v != "银行" and c.startswith("60") and c != SUSPENDED][:300]  # fmt: skip


def dump(root: Path) -> Path:
    """Bars: banks flat at 10 but for a 9.5 open on the entry session; the first of them has
    no bar on day 3 (session 68) and closes at 12 on day 4.  The 300 others: 10, then 11
    from day 1 (session 66) on.  605999 (no industry in the table) flat at 10.

    The basket's two banks: on the entry session open 9.5 and close 10; 10 on day 1, 10.5
    from day 2 on, except that 601398 has no bar on day 3 and closes at 11 on day 4.
    600004: flat, no bar on session 65.  The benchmark alternates 100, 101 before session 65
    and stays at 100 from it on.
    """
    rows = []
    for code in [*FLAT_BANKS, *OTHERS, *REAL, SUSPENDED, UNCLASSED]:
        close = np.full(T, 10.0)
        if code in OTHERS:
            close[ENTRY + 1 :] = 11.0
        if code in REAL:
            close[ENTRY + 2 :] = 10.5
        opens = close.copy()
        if code in REAL or code in FLAT_BANKS:
            opens[ENTRY] = 9.5
        keep = np.arange(T) != ENTRY if code == SUSPENDED else np.ones(T, dtype=bool)
        if code == FLAT_BANKS[0]:  # no bar on day 3, 12 on day 4
            keep[ENTRY + 3] = False
            close[ENTRY + 4] = opens[ENTRY + 4] = 12.0
        if code == REAL[1]:  # no bar on day 3 (session 68), 11 on day 4
            keep[ENTRY + 3] = False
            close[ENTRY + 4] = opens[ENTRY + 4] = 11.0
        rows.append(pd.DataFrame({"date": DATES[keep], "code": code, "open": opens[keep],
                                  "high": close[keep], "low": opens[keep],
                                  "close": close[keep]}))  # fmt: skip
    market = root / "market"
    market.mkdir()
    pd.concat(rows).to_parquet(market / "ashare_daily_qfq.parquet", index=False)
    b = np.where(np.arange(T) < ENTRY, 100.0 + np.arange(T) % 2, 100.0)
    pd.DataFrame({"date": DATES, "open": b, "high": b, "low": b, "close": b}).to_csv(
        market / "csi300_daily.csv", index=False
    )
    return market


def on(session: int, b):  # type: ignore[no-untyped-def]
    day = DATES[session].date()
    return b.model_copy(update={"report": b.report.model_copy(update={"published": day})})


def test_industry_matched_placebos_horizon_by_horizon(tmp_path: Path) -> None:
    assert len(FLAT_BANKS) == 6 and len(OTHERS) == 300 and UNCLASSED not in industries()
    market = dump(tmp_path)
    items = [on(ENTRY - 1, basket("closed", 0, [SUSPENDED])),
             on(ENTRY - 1, basket("banks", 0, REAL))]  # fmt: skip
    got = study_events(items, horizons="1,3", placebo_draws=40, seed=2, match=["industry"],
                       market=market, resamples=10, **EST)  # fmt: skip
    t = got.table.set_index(["basket", "horizon"])
    # "closed" has nothing priced on its entry day: no placebo, and no note about one.
    assert t.loc[("closed", 1), "n"] == 0 and np.isnan(t.loc[("closed", 1), "placebo_pct"])
    assert "placebo" not in t.loc[("closed", 1), "note"]
    # Matched by industry, every draw is two of the six flat banks: excess 0 at both
    # horizons (bought at the entry close, not the 9.5 open; the bank without a bar on day 3
    # valued at its last close, not at the next bar's 12).  The basket, bought at the entry
    # close (10, not the 9.5 open), is at 10 on day 1 (excess 0: no draw strictly below, all
    # 40 at or above) and at 10.5 by day 3
    # (excess .05: all 40 below; 601398 has no bar on day 3 and is valued at its last close,
    # 10.5, not at the next bar's 11, as the placebos would be).
    assert t.loc[("banks", 1), "placebo_pct"] == 0.0
    assert t.loc[("banks", 1), "placebo_p"] == 1.0  # (1 + 40) / 41
    assert t.loc[("banks", 3), "placebo_pct"] == 100.0
    assert t.loc[("banks", 3), "placebo_p"] == pytest.approx(1 / 41)
    draws = got.placebo
    assert list(draws.columns) == ["basket", "horizon", "draw", "excess", "real"]
    assert draws["horizon"].tolist() == [1] * 40 + [3] * 40
    assert draws["draw"].tolist() == list(range(40)) * 2
    assert (draws["basket"] == "banks").all() and (draws["excess"] == 0.0).all()
    np.testing.assert_allclose(draws["real"], [0.0] * 40 + [0.05] * 40, atol=1e-12)
    assert got.metadata["placebo"]["universe_stocks"] == 310
    assert got.metadata["placebo"]["industry_note"].startswith("industries are the shipped")


def test_a_stratum_too_small_to_match_is_refused(tmp_path: Path) -> None:
    market = dump(tmp_path)
    # Seven banks to match; the market's other bank with a close that day: one.
    items = [on(ENTRY - 1, basket("greedy", 0, [*REAL, *FLAT_BANKS[:5]]))]
    with pytest.raises(UsageError) as err:
        study_events(items, horizons="1", placebo_draws=5, match=["industry"], market=market,
                     **EST)  # fmt: skip
    assert re.fullmatch(r"placebo: greedy: cannot match \(stratum \d+ has 1 eligible stocks, "
                        r"7 needed\)", str(err.value))  # fmt: skip


def test_called_directly_the_advice_names_the_market_parameter() -> None:
    from tests.helpers import PANEL
    from thematic.baskets import events_from_baskets
    from thematic.engine.encode import encode
    from thematic.runs.placebo_baskets import placebo_baskets

    b = basket("tiny", 0, ["000001", "000002"])
    b = b.model_copy(
        update={"report": b.report.model_copy(update={"published": PANEL.dates[1].date()})}
    )
    enc = encode(PANEL, events_from_baskets([b]), "next_close")
    with pytest.raises(UsageError) as err:
        placebo_baskets([b], PANEL, enc, [1], 5, (), np.random.default_rng(0))
    # Five sessions: no stock has 60 before the entry day.
    assert str(err.value) == (
        "placebo: only 0 stocks are eligible on any basket's entry day (a close that day and 60 "
        "sessions before it): draws need a few hundred; pass market=DIR (e.g. ../shared/market) "
        "or fill the cache with `thematic refresh`"
    )
