"""``study_events`` end to end on a ten-session synthetic market, every figure worked by hand.

The market (tests/stats_market.py) is made up; the expected figures below come from its
returns by hand arithmetic (comments) or from statsmodels, never from thematic.

With ``est_window=4, est_gap=0, min_obs=4`` a basket published on session 4 enters on
session 5; its estimation returns are dated 1..4 and its event days 1..4 are sessions 6..9
(the data has ten sessions, so day 5 is past the data).

Market returns: estimation x = (.01, -.01, .02, 0), event days rm = (.01, .02, -.01, 0).
mean x = .005, deviations (.005, -.015, .015, -.005), Sxx = .0005, M = 4.

A (600001): y = (.03, -.01, .03, .01), mean .015, dy = (.015, -.025, .015, -.005),
  Sxy = .0007 -> b = 1.4, a = .015 - 1.4 * .005 = .008; residuals (.008, -.004, -.006, .002),
  SSR = .00012, s2 = .00006; two of four residuals positive.
  Event r = (.03, 0, .01, -.02): AR = r - .008 - 1.4 rm = (.008, -.036, .016, -.028),
  CAR(1, 2, 4) = .008, -.028, -.040.
B (600002): y = (.02, -.03, .01, 0), mean 0, dy = y, Sxy = .0001 + .00045 + .00015 = .0007
  -> b = 1.4, a = -1.4 * .005 = -.007; fitted (.007, -.021, .021, -.007), residuals
  (.013, -.009, -.011, .007), SSR = .00042, s2 = .00021; two of four positive.
  Event r = (-.01, .02, .03, .01): AR = r + .007 - 1.4 rm = (-.017, -.001, .051, .017),
  CAR(1, 2, 4) = -.017, -.018, .050.
C (600003): flat at 10: every y = 0, so b = 0, a = 0, residuals 0 (none positive), s2 = 0;
  AR = 0, CAR = 0.

S^2(h) = s2 [h + h^2/M + (cumsum(rm - .005))^2 / Sxx]; cumsum(rm - .005) = (.005, .02, .005, 0):
  bracket(1) = 1 + 1/4 + .000025/.0005 = 1.3; bracket(2) = 2 + 1 + .0004/.0005 = 3.8;
  bracket(4) = 4 + 4 + 0 = 8.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from tests.stats_market import MARKET, RETURNS, basket, provider
from thematic.constants import STATS_COLUMNS
from thematic.runs.event_study import event_stats, study_events

H = [1, 2, 4, 5]
BRACKET = {1: 1.3, 2: 3.8, 4: 8.0}
S2 = {"A": 0.00006, "B": 0.00021, "C": 0.0}
CAR = {"A": {1: 0.008, 2: -0.028, 4: -0.040}, "B": {1: -0.017, 2: -0.018, 4: 0.050},
       "C": {1: 0.0, 2: 0.0, 4: 0.0}}  # fmt: skip
# Market-adjusted: A r - rm = (.02, -.02, .02, -.02); B (-.02, 0, .04, .01); C -rm.
CAR_MA = {"A": {1: 0.02, 2: 0.0, 4: 0.0}, "B": {1: -0.02, 2: -0.02, 4: 0.03},
          "C": {1: -0.01, 2: -0.03, 4: -0.02}}  # fmt: skip
# BHAR: prod(1 + r) - prod(1 + rm); the market compounds to 1.01, 1.0302, 1.019898 (days 1, 2, 4).
# A: 1.03, 1.03, 1.03 * 1.01 * .98 = 1.019494; B: .99, .99 * 1.02 = 1.0098, 1.0098 * 1.03 * 1.01
# = 1.05049494; C: 1.
BHAR = {"A": {1: 0.02, 2: -0.0002, 4: -0.000404}, "B": {1: -0.02, 2: -0.0204, 4: 0.03059694},
        "C": {1: -0.01, 2: -0.0302, 4: -0.019898}}  # fmt: skip
LAST = "horizon ends after the last session of the data (2024-01-12)"
NONE = "no constituent has a close on the entry session and 4 valid estimation returns"


def baskets() -> list:  # type: ignore[type-arg]
    return [
        # D (600000) has no bar on the entry session, E (600004) two estimation returns,
        # 600999 no data at all: only A and B are tested.
        basket("main", 4, ["600000", "600001", "600002", "600004", "600999"]),
        basket("flat", 4, ["600001", "600003"]),
        basket("late", 8, ["600001", "600002"], title="t2"),  # enters on the last session
        basket("after", 9, ["600001"], title="t3"),  # no session after publication
        basket("none", 4, ["600009"], title="t4"),  # L lists on the entry day: M = 0
    ]


def run(**kw):  # type: ignore[no-untyped-def]
    args = {"horizons": "1,2,4,5", "est_window": 4, "est_gap": 0, "min_obs": 4,
            "provider": provider(), "resamples": 20}  # fmt: skip
    return study_events(baskets(), **{**args, **kw})


def two_t(a: float, b: float) -> float:
    """The one-sample t of two values: sd = |a - b| / sqrt 2, so se = |a - b| / 2."""
    return ((a + b) / 2) / (abs(a - b) / 2)


@pytest.fixture(scope="module")
def study():  # type: ignore[no-untyped-def]
    return run()


def rows(study, key: str) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    t = study.table
    return t[t["basket"] == key].set_index("horizon")


def test_the_table_lists_every_basket_and_horizon(study) -> None:  # type: ignore[no-untyped-def]
    t = study.table
    assert list(t.columns) == list(STATS_COLUMNS)
    assert t["basket"].tolist() == [b for b in ("main", "flat", "late", "after", "none")
                                    for _ in H]  # fmt: skip
    assert t["horizon"].tolist() == H * 5
    assert t["published"].dt.strftime("%Y-%m-%d").tolist() == (
        ["2024-01-05"] * 8 + ["2024-01-11"] * 4 + ["2024-01-12"] * 4 + ["2024-01-05"] * 4
    )
    entry = t["entry_date"].dt.strftime("%Y-%m-%d").fillna("").tolist()
    assert entry == ["2024-01-08"] * 8 + ["2024-01-12"] * 4 + [""] * 4 + ["2024-01-08"] * 4
    assert t["n"].tolist() == [2, 2, 2, 0] * 2 + [0] * 12
    assert t["note"].tolist() == (["", "", "", LAST] * 2 + [LAST] * 8 + [NONE] * 3 + [LAST])
    assert t["placebo_pct"].isna().all() and t["placebo_p"].isna().all()
    assert t.loc[t["n"] == 0].drop(columns=["basket", "published", "entry_date", "horizon",
                                            "n", "note"]).isna().all().all()  # fmt: skip


def test_main_basket_by_hand(study) -> None:  # type: ignore[no-untyped-def]
    r = rows(study, "main")
    for h in (1, 2, 4):
        a, b = CAR["A"][h], CAR["B"][h]
        assert r.loc[h, "mean_car"] == pytest.approx((a + b) / 2, abs=1e-14)
        assert r.loc[h, "car_t"] == pytest.approx(two_t(a, b), rel=1e-9)
        # BMP on CAR / S; rbar is 0 (four common sessions are fewer than 30): kp = bmp.
        sa = a / math.sqrt(S2["A"] * BRACKET[h])
        sb = b / math.sqrt(S2["B"] * BRACKET[h])
        assert r.loc[h, "bmp_z"] == pytest.approx(two_t(sa, sb), rel=1e-9)
        assert r.loc[h, "kp_z"] == pytest.approx(two_t(sa, sb), rel=1e-9)
        ma = (CAR_MA["A"][h] + CAR_MA["B"][h]) / 2
        assert r.loc[h, "mean_car_ma"] == pytest.approx(ma, abs=1e-14)
        ba, bb = BHAR["A"][h], BHAR["B"][h]
        assert r.loc[h, "mean_bhar"] == pytest.approx((ba + bb) / 2, abs=1e-14)
        # Two values have no skew: the skewness-adjusted t is the plain t.
        assert r.loc[h, "bhar_skew_t"] == pytest.approx(two_t(ba, bb), rel=1e-9, abs=1e-12)
    # Generalised sign: p = (2/4 + 2/4) / 2 = .5; positive CARs 1, 0, 1 of 2;
    # z = (w - 1) / sqrt(2 * .5 * .5).
    assert r["gsign_z"].tolist()[:3] == pytest.approx([0.0, -math.sqrt(2), 0.0], abs=1e-12)
    # Day 1's BHARs are .02 and -.02: t = 0, so every resample's |t*| >= 0 and p = 1.
    assert r.loc[1, "bhar_boot_p"] == 1.0
    assert (r.loc[[2, 4], "bhar_boot_p"] >= 1 / 21).all()


def test_a_flat_stock_counts_no_positive_residual(study) -> None:  # type: ignore[no-untyped-def]
    r = rows(study, "flat")
    for h in (1, 2, 4):
        a = CAR["A"][h]
        assert r.loc[h, "mean_car"] == pytest.approx(a / 2, abs=1e-14)
        assert r.loc[h, "car_t"] == pytest.approx(two_t(a, 0.0), rel=1e-9)
        ma = (CAR_MA["A"][h] + CAR_MA["C"][h]) / 2
        assert r.loc[h, "mean_car_ma"] == pytest.approx(ma, abs=1e-14)
        assert r.loc[h, "mean_bhar"] == pytest.approx((BHAR["A"][h] + BHAR["C"][h]) / 2,
                                                      abs=1e-14)  # fmt: skip
    # C's S is 0 and its CAR 0: no standardised CAR, so one SCAR is left and no BMP.
    assert r.loc[[1, 2, 4], "bmp_z"].isna().all() and r.loc[[1, 2, 4], "kp_z"].isna().all()
    # p = (2/4 + 0/4) / 2 = .25 (C's zero residuals are not positive); CAR > 0: A on day 1
    # only, C never.  z = (w - .5) / sqrt(2 * .25 * .75).
    sd = math.sqrt(0.375)
    assert r["gsign_z"].tolist()[:3] == pytest.approx([0.5 / sd, -0.5 / sd, -0.5 / sd], rel=1e-12)


def late_model(code: str) -> tuple[float, float, float]:
    # The late basket enters on session 9: its estimation returns are dated 5..8.
    y = np.array(RETURNS[code][4:8])
    x = np.array(MARKET[4:8])
    fit = sm.OLS(y, sm.add_constant(x)).fit()
    return float(fit.params[0]), float(fit.params[1]), float(fit.scale)


def test_constituent_rows(study) -> None:  # type: ignore[no-untyped-def]
    per = study.constituents
    assert list(per.columns) == ["group", "basket", "code", "name", "horizon", "m", "alpha",
                                 "beta", "s2", "car", "car_sd", "car_ma", "bhar"]  # fmt: skip
    who = [("main", "600001"), ("main", "600002"), ("flat", "600001"), ("flat", "600003"),
           ("late", "600001"), ("late", "600002")]  # fmt: skip
    assert list(zip(per["basket"], per["code"], strict=True)) == who * 4
    assert (per["group"] == per["basket"]).all()
    assert per["name"].tolist() == [f"name {c}" for _, c in who] * 4
    assert per["horizon"].tolist() == [h for h in H for _ in who]
    assert (per["m"] == 4).all()
    model = {"600001": (0.008, 1.4, S2["A"]), "600002": (-0.007, 1.4, S2["B"]),
             "600003": (0.0, 0.0, 0.0)}  # fmt: skip
    letter = {"600001": "A", "600002": "B", "600003": "C"}
    for _, row in per.iterrows():
        h, code = row["horizon"], row["code"]
        want = late_model(code) if row["basket"] == "late" else model[code]
        assert (row["alpha"], row["beta"], row["s2"]) == pytest.approx(want, rel=1e-9, abs=1e-14)
        if row["basket"] == "late" or h == 5:  # past the data
            assert np.isnan([row["car"], row["car_sd"], row["car_ma"], row["bhar"]]).all()
            continue
        x = letter[code]
        assert row["car"] == pytest.approx(CAR[x][h], abs=1e-14)
        assert row["car_sd"] == pytest.approx(math.sqrt(S2[x] * BRACKET[h]), rel=1e-9, abs=1e-15)
        assert row["car_ma"] == pytest.approx(CAR_MA[x][h], abs=1e-14)
        assert row["bhar"] == pytest.approx(BHAR[x][h], abs=1e-14)


def test_daily_abnormal_returns(study) -> None:  # type: ignore[no-untyped-def]
    d = study.daily
    assert list(d.columns) == ["group", "code", "day", "ar"]
    who = [("main", "600001"), ("main", "600002"), ("flat", "600001"), ("flat", "600003"),
           ("late", "600001"), ("late", "600002")]  # fmt: skip
    assert list(zip(d["group"], d["code"], strict=True)) == [w for w in who for _ in range(5)]
    assert d["day"].tolist() == [1, 2, 3, 4, 5] * 6
    a = [0.008, -0.036, 0.016, -0.028, np.nan]
    b = [-0.017, -0.001, 0.051, 0.017, np.nan]
    c = [0.0, 0.0, 0.0, 0.0, np.nan]
    np.testing.assert_allclose(d["ar"], [*a, *b, *a, *c, *[np.nan] * 10], atol=1e-14)


def test_metadata_and_exclusions(study) -> None:  # type: ignore[no-untyped-def]
    meta = dict(study.metadata)
    defs = meta.pop("definitions")
    assert defs["estimation_window"] == (
        "returns dated [e-4, e-1] (4 returns); a constituent needs a close on the entry "
        "session and at least 4 valid returns there"
    )
    assert meta == {
        "entry_rule": "next_open",
        "statistics_entry": "the entry session's close, whatever the entry rule",
        "horizons": [1, 2, 4, 5],
        "by": "basket",
        "benchmark": "000300",
        "benchmark_series": "synthetic index",
        "as_of": "2024-01-12",
        "provider": "memory",
        "sources_used": {"snapshot": 7},  # six stocks and the benchmark
        "sources_text": "snapshot 7 / cache 0",
        "est_window": 4,
        "est_gap": 0,
        "min_obs": 4,
        "resamples": 20,
        "seed": 0,
        "placebo": {
            "draws": 0,
            "match": [],
            "universe": "memory",
            "universe_stocks": 6,
            "industry_note": "",
        },
        "excluded": [
            {
                "basket": "main",
                "code": "600000",
                "name": "name 600000",
                "reason": "no close on the entry session",
            },
            {
                "basket": "main",
                "code": "600004",
                "name": "name 600004",
                "reason": "fewer than 4 valid estimation returns",
            },
            {
                "basket": "main",
                "code": "600999",
                "name": "name 600999",
                "reason": "no price data for this code",
            },
            {
                "basket": "after",
                "code": "600001",
                "name": "name 600001",
                "reason": "published after the data",
            },
            {
                "basket": "none",
                "code": "600009",
                "name": "name 600009",
                "reason": "fewer than 4 valid estimation returns",
            },
        ],
        "messages": [],
        "notices": [],
    }


def test_event_stats_is_the_table_with_the_rest_in_attrs(study) -> None:  # type: ignore[no-untyped-def]
    got = event_stats(baskets(), horizons="1,2,4,5", est_window=4, est_gap=0, min_obs=4,
                      provider=provider(), resamples=20)  # fmt: skip
    pd.testing.assert_frame_equal(got, study.table)
    pd.testing.assert_frame_equal(got.attrs["constituents"], study.constituents)
    pd.testing.assert_frame_equal(got.attrs["daily"], study.daily)
    assert got.attrs["metadata"] == study.metadata
    assert got.attrs["placebo"].empty
    frame = study.to_frame()
    assert set(frame.attrs) == {"constituents", "daily", "placebo", "metadata"}
    assert study.table.attrs == {}  # the study's own table is left as it was


def test_a_stock_is_tested_at_exactly_min_obs_returns() -> None:
    # A and B have exactly 4 valid returns; asking for 4 keeps them, for 5 drops them.
    with pytest.raises(Exception, match="min_obs: 5 is more than est_window 4"):
        run(min_obs=5)
    got = run(est_window=5, min_obs=5)  # window dated 0..4: return 0 does not exist, M = 4
    assert (got.table["n"] == 0).all()
    reasons = {(x["basket"], x["code"]): x["reason"] for x in got.metadata["excluded"]}
    assert reasons[("main", "600001")] == "fewer than 5 valid estimation returns"
    assert reasons[("main", "600000")] == "no close on the entry session"
