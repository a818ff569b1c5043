"""``study_events`` at its edges: names of constituents, and Kolari-Pynnonen's rbar when a
pooled group's later calls have no CAR yet.

Synthetic prices (tests/stats_market.py), never market data; expected values are worked by
hand or computed with statsmodels and numpy from the prices, not by thematic.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from tests.stats_market import MemoryProvider, basket, closes
from tests.stats_market import provider as standard
from tests.stats_market import standard_series as series
from thematic.runs.event_study import study_events


def test_a_constituent_without_a_name_takes_the_known_one() -> None:
    # 600004 is a known code (白云机场); 600002 is not.  Both priced with A's and B's bars.
    s = series()
    p = MemoryProvider({"600004": s["600001"], "600002": s["600002"]}, standard().bench)
    b = basket("unnamed", 4, ["600004", "600002", "600999"], names=["", "", ""])
    got = study_events([b], horizons="1", est_window=4, est_gap=0, min_obs=4, provider=p)
    assert got.constituents["name"].tolist() == ["白云机场", ""]
    assert got.constituents["code"].tolist() == ["600004", "600002"]
    assert got.metadata["excluded"] == [
        {"basket": "unnamed", "code": "600999", "name": "", "reason": "no price data for this code"}
    ]


def test_kp_rbar_counts_only_the_constituents_with_a_car() -> None:
    # Fifty sessions; two stocks whose residuals share a common shock.  Basket p1 enters on
    # session 44 (estimation returns 4..43), p2 on session 49, the last: at horizon 1 only
    # p1's two stocks have a CAR, so rbar is their one residual correlation (p2's windows,
    # 9..48, overlap p1's by 35 sessions and would count if p2 were taken in).
    rng = np.random.default_rng(12)
    rm = rng.normal(0, 0.01, 49)
    common = rng.normal(0, 0.01, 49)
    ra = 0.001 + 0.8 * rm + common + rng.normal(0, 0.01, 49)
    rb = -0.001 + 1.3 * rm + common + rng.normal(0, 0.01, 49)
    dates = pd.DatetimeIndex(pd.bdate_range("2024-01-01", periods=50), name="date")

    def frame(c: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(
            {"open": c, "high": c, "low": c, "close": c, "volume": 1.0}, index=dates
        )

    p = MemoryProvider(
        {"600001": frame(closes(ra)), "600002": frame(closes(rb))}, frame(closes(rm, 100.0))
    )
    p1 = basket("p1", 0, ["600001", "600002"])
    p2 = basket("p2", 0, ["600001", "600002"])
    p1 = p1.model_copy(
        update={"report": p1.report.model_copy(update={"published": dates[43].date()})}
    )
    p2 = p2.model_copy(
        update={"report": p2.report.model_copy(update={"published": dates[48].date()})}
    )
    got = study_events(
        [p1, p2], horizons="1", by="broker", est_window=40, est_gap=0, min_obs=40, provider=p
    ).table.iloc[0]
    assert got["n"] == 2

    # Returns dated 4..43 are rm[3:43] (return k is rm[k - 1]).
    x = sm.add_constant(rm[3:43])
    ea = sm.OLS(ra[3:43], x).fit().resid
    eb = sm.OLS(rb[3:43], x).fit().resid
    r = np.corrcoef(ea, eb)[0, 1]
    assert r > 0.2  # the common shock shows
    # KP with n = 2: bmp_z * sqrt((1 - r) / (1 + r)).
    assert got["kp_z"] / got["bmp_z"] == pytest.approx(math.sqrt((1 - r) / (1 + r)), rel=1e-9)


def test_without_baskets_the_shipped_directory_is_studied() -> None:
    import warnings
    from pathlib import Path

    from thematic.errors import ThematicWarning
    from thematic.runs.event_study import event_stats

    shipped = sorted(p.stem for p in Path("baskets").glob("*.yaml"))  # the cwd is the repo
    kw = {"horizons": "5", "resamples": 0, "est_window": 30, "min_obs": 30}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ThematicWarning)  # 872808 is not in the snapshot
        assert sorted(study_events(**kw).table["basket"]) == shipped  # type: ignore[arg-type]
        assert sorted(event_stats(**kw)["basket"]) == shipped  # type: ignore[arg-type]
