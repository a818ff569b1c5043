"""The scorecard end to end, against numbers worked out here from the real snapshot prices.

The expected values never come from thematic's engine or statistics: excess returns are
read off the bundled bars (open of the first session after publication to the close h
sessions later, minus the CSI 300 over the same sessions), the CR1 standard errors are
written out cluster by cluster, the market model is fitted with statsmodels, q-values come
from statsmodels' ``multipletests``.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats as sps

import thematic
from thematic.calls import CALL_COLUMNS
from thematic.data.snapshot import SnapshotProvider
from thematic.errors import DataError, UsageError
from thematic.rules import Trading
from thematic.runs.scorecard import SCORECARD_COLUMNS

SNAP = SnapshotProvider()
BENCH = SNAP.fetch_index_daily("000300")
DATES = BENCH.index[BENCH.index <= "2025-08-22"]  # the stocks' as-of date cuts the calendar
IGNORE = Trading(untradable="ignore")

CALLS = [  # report_id, published, code, broker, rating
    ("A1", "2024-03-22", "300308", "中信证券", "buy"),
    ("A2", "2024-03-22", "600941", "中信证券", "outperform"),  # same entry session as A1
    ("A3", "2024-04-12", "300502", "中信证券", "buy"),
    ("B1", "2024-06-03", "601138", "华泰证券", "buy"),
    ("B2", "2024-07-05", "002230", "华泰证券", "buy"),  # Friday: entry Monday 07-08
    ("B3", "2024-07-06", "300394", "华泰证券", "buy"),  # Saturday: entry Monday 07-08 too
    ("C1", "2024-05-06", "300308", "国泰君安", "neutral"),  # not a positive call
    ("D1", "2024-05-10", "688111", "海通证券", "buy"),  # a group of one
]


def call_table(rows: list[tuple[str, str, str, str, str]] = CALLS) -> pd.DataFrame:
    return pd.DataFrame({
        "report_id": [r[0] for r in rows], "published": pd.to_datetime([r[1] for r in rows]),
        "code": [r[2] for r in rows], "name": "", "broker": [r[3] for r in rows],
        "rating": [r[4] for r in rows], "rating_cn": "", "title": "", "industry": "通信设备",
        "pdf_url": "",
    }, columns=list(CALL_COLUMNS))  # fmt: skip


def entry_session(published: str) -> int:
    return int(DATES.searchsorted(pd.Timestamp(published), side="right"))


def hand_excess(code: str, published: str, h: int) -> float:
    e = entry_session(published)
    bars = SNAP.fetch_daily(code)
    stock = bars.loc[DATES[e + h], "close"] / bars.loc[DATES[e], "open"] - 1
    bench = BENCH.loc[DATES[e + h], "close"] / BENCH.loc[DATES[e], "open"] - 1
    return float(stock - bench)


def hand_car(code: str, published: str, h: int) -> float:
    import statsmodels.api as sm

    e = entry_session(published)
    close = SNAP.fetch_daily(code)["close"].reindex(DATES)
    r, rm = close / close.shift(1) - 1, BENCH["close"].reindex(DATES).pct_change()
    est = slice(e - 270, e - 20)  # returns dated e-270 .. e-21
    y, x = r.iloc[est], rm.iloc[est]
    ok = y.notna() & x.notna()
    fit = sm.OLS(y[ok].to_numpy(), sm.add_constant(x[ok].to_numpy())).fit()
    a, b = fit.params
    filled = close.ffill()
    rr = (filled / filled.shift(1) - 1).iloc[e + 1 : e + h + 1]
    return float((rr - a - b * rm.iloc[e + 1 : e + h + 1]).sum())


def cr1(x: list[float], clusters: list[int]) -> float:
    mean = sum(x) / len(x)
    sums: dict[int, float] = {}
    for xi, c in zip(x, clusters, strict=True):
        sums[c] = sums.get(c, 0.0) + (xi - mean)
    g = len(sums)
    return math.sqrt(g / (g - 1) * sum(s * s for s in sums.values()) / len(x) ** 2)


@pytest.fixture(scope="module")
def card() -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", thematic.ThematicWarning)
        return thematic.scorecard(call_table(), by="broker", horizons=[20, 60], trading=IGNORE)


def test_columns_and_groups(card: pd.DataFrame) -> None:
    assert list(card.columns) == ["broker", *SCORECARD_COLUMNS]
    assert card["broker"].tolist() == sorted(["中信证券", "华泰证券", "海通证券"] * 2)
    assert (card.groupby("broker")["n_calls"].first() == [3, 3, 1]).all()  # neutral call out
    assert card.attrs["metadata"]["calls_scored"] == 7


@pytest.mark.parametrize("h", [20, 60])
def test_against_hand_worked_numbers(card: pd.DataFrame, h: int) -> None:
    from statsmodels.stats.multitest import multipletests

    groups = {"中信证券": CALLS[:3], "华泰证券": CALLS[3:6], "海通证券": CALLS[7:]}
    rows = card[card["horizon"] == h].set_index("broker")
    everything: list[float] = []
    everything_cl: list[int] = []
    means, ses, ps = {}, {}, {}
    for broker, calls in groups.items():
        x = [hand_excess(c, p, h) for _, p, c, _, _ in calls]
        cl = [entry_session(p) for _, p, _, _, _ in calls]
        everything += x
        everything_cl += cl
        row = rows.loc[broker]
        assert row["n"] == len(x)
        assert row["mean_excess"] == pytest.approx(np.mean(x), abs=1e-12)
        assert row["median_excess"] == pytest.approx(np.median(x), abs=1e-12)
        assert row["hit_rate"] == pytest.approx(np.mean(np.array(x) > 0))
        assert row["clusters"] == len(set(cl))
        if len(x) < 2:
            assert np.isnan(row["se"]) and np.isnan(row["q_bh"]) and np.isnan(row["shrunk_excess"])
            assert "n < 2 or one entry session" in row["note"]
            continue
        se = cr1(x, cl)
        t = np.mean(x) / se
        p = 2 * sps.t.sf(abs(t), len(set(cl)) - 1)
        assert row["se"] == pytest.approx(se, rel=1e-9)
        assert row["t"] == pytest.approx(t, rel=1e-9)
        assert row["p"] == pytest.approx(p, rel=1e-9)
        means[broker], ses[broker], ps[broker] = np.mean(x), se, p
        cars = [hand_car(c, pub, h) for _, pub, c, _, _ in calls]
        assert row["mean_car"] == pytest.approx(np.mean(cars), abs=1e-10)
        assert row["car_t"] == pytest.approx(np.mean(cars) / cr1(cars, cl), rel=1e-8)
    names = list(ps)
    q = multipletests([ps[b] for b in names], method="fdr_bh")[1]
    for b, qb in zip(names, q, strict=True):
        assert rows.loc[b, "q_bh"] == pytest.approx(qb, rel=1e-12)
    # Shrinkage: mu and se_mu over all seven calls; tau^2 from the two groups with an se.
    mu, se_mu = np.mean(everything), cr1(everything, everything_cl)
    tau2 = max(
        0.0, np.var([means[b] for b in names], ddof=1) - np.mean([ses[b] ** 2 for b in names])
    )
    for b in names:
        w = tau2 / (tau2 + ses[b] ** 2)
        shrunk = mu + w * (means[b] - mu)
        half = 1.959963984540054 * math.sqrt(w * ses[b] ** 2 + (1 - w) ** 2 * se_mu**2)
        assert rows.loc[b, "shrunk_excess"] == pytest.approx(shrunk, abs=1e-12)
        assert rows.loc[b, "shrunk_lo"] == pytest.approx(shrunk - half, abs=1e-12)
        assert rows.loc[b, "shrunk_hi"] == pytest.approx(shrunk + half, abs=1e-12)
    pooled = card.attrs["metadata"]["pooled"][h]
    assert pooled["mu"] == pytest.approx(mu) and pooled["tau2"] == pytest.approx(tau2)


def test_by_two_keys_min_calls_and_year(card: pd.DataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", thematic.ThematicWarning)
        two = thematic.scorecard(call_table(), by="broker,rating", horizons="20", ratings=None,
                                 trading=IGNORE, min_calls=2)  # fmt: skip
        year = thematic.scorecard(call_table(), by=["year"], horizons="20", trading=IGNORE)
    assert list(two.columns[:2]) == ["broker", "rating"]
    small = two[two["n_calls"] < 2]
    assert len(small) == 3 and small["mean_excess"].isna().all()  # 中信 outperform, 国泰, 海通
    assert small["note"].str.contains("fewer than 2 calls").all()
    big = two[(two["broker"] == "华泰证券") & (two["rating"] == "buy")].iloc[0]
    ref = card[(card["broker"] == "华泰证券") & (card["horizon"] == 20)].iloc[0]
    assert big["mean_excess"] == ref["mean_excess"] and big["se"] == ref["se"]
    assert year["year"].tolist() == [2024] and year["n_calls"].tolist() == [7]


def test_calls_without_prices_or_window_are_counted() -> None:
    rows = [*CALLS[:3], ("Z1", "2025-08-01", "300308", "中信证券", "buy"),  # h ends after data
            ("Z2", "2006-02-06", "600050", "中信证券", "buy")]  # before the stock's data  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", thematic.ThematicWarning)
        df = thematic.scorecard(call_table(rows), horizons="60", trading=IGNORE)
    row = df.iloc[0]
    assert row["n_calls"] == 5 and row["n"] == 3
    assert "2 call(s) without an excess return" in row["note"]


def test_default_rules_are_labelled() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", thematic.ThematicWarning)
        df = thematic.scorecard(call_table(), horizons="20")
    meta = df.attrs["metadata"]
    assert meta["entry_rule"] == "next_open" and "strictly after" in meta["entry_rule_text"]
    assert meta["benchmark"] == "000300" and meta["benchmark_series"] == "price index"
    assert meta["as_of"] == "2025-08-22" and "snapshot" in meta["prices"]["source"]
    assert "waits" in meta["untradable_text"]
    assert {"se", "q_bh", "shrinkage", "mean_car"} <= set(meta["definitions"])


def test_bad_input() -> None:
    with pytest.raises(UsageError, match="by: 'broker2' is not one of"):
        thematic.scorecard(call_table(), by="broker2")
    with pytest.raises(UsageError, match="ratings: 'strong' is not one of"):
        thematic.scorecard(call_table(), ratings="strong")
    with pytest.raises(UsageError, match="'max' has no fixed event window"):
        thematic.scorecard(call_table(), horizons="20,max")
    with pytest.raises(DataError, match="no call left to score"):
        thematic.scorecard(call_table(), since="2030-01-01")


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.permutations(list(range(len(CALLS)))))
def test_the_order_of_the_calls_does_not_matter(card: pd.DataFrame, order: list[int]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", thematic.ThematicWarning)
        shuffled = thematic.scorecard(call_table([CALLS[i] for i in order]), by="broker",
                                      horizons=[20, 60], trading=IGNORE)  # fmt: skip
    pd.testing.assert_frame_equal(shuffled, card, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(
    ("rows", "horizons", "message"),
    [
        ([("Y1", "2025-08-22", "300308", "中信证券", "buy"),  # the data's last session
          ("Y2", "2025-09-01", "300308", "华泰证券", "buy")], "20",  # after the data
         "of 2 calls, 2 have no entry price .*2 on or after their last session, 2025-08-22"),
        ([("X1", "2024-03-22", "300308", "中信证券", "buy")], "5000",
         "of 1 calls, 0 have no entry price .*horizons \\(5000 sessions\\) end after the data"),
    ],
)  # fmt: skip
def test_a_scorecard_with_nothing_scored_is_a_data_error(
    rows: list[tuple[str, str, str, str, str]], horizons: str, message: str
) -> None:
    """Exit 1 and a line saying why, as evaluate-events does (before: an empty table, exit 0;
    and before the panel fix the call of 2025-08-22 was entered that same day)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", thematic.ThematicWarning)
        with pytest.raises(DataError, match=f"no call could be scored: {message}"):
            thematic.scorecard(call_table(rows), horizons=horizons)


def test_a_page_without_a_shrunk_group_draws_no_empty_plot(tmp_path: Path) -> None:
    """Before: an empty framed chart (axes, legend, no group) under '0 groups'."""
    from thematic.output.scorecard_page import write_scorecard_page

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", thematic.ThematicWarning)
        df = thematic.scorecard(call_table(CALLS[:2]), horizons="20,60", trading=IGNORE)
    assert df["shrunk_excess"].isna().all()  # one group, one entry session: no se
    write_scorecard_page(df, tmp_path / "card.html")
    html = (tmp_path / "card.html").read_text(encoding="utf-8")
    assert 'alt="forest plot' not in html
    assert html.count("No forest plot at this horizon") == 2 and "中信证券" in html


@pytest.mark.parametrize(
    ("window", "message"),
    [
        ({"est_gap": -5}, "est_gap: -5 must be at least 0"),  # the window would reach past entry
        ({"min_obs": 0}, "min_obs: 0 must be at least 3"),
        ({"est_window": 1}, "est_window: 1 must be at least 3"),
        ({"min_obs": 1000}, "min_obs: 1000 is more than est_window 250"),
    ],
)
def test_an_estimation_window_that_cannot_work_is_refused(
    window: dict[str, int], message: str
) -> None:
    """Before: est_gap=-5 fitted the market model on returns after entry (a CAR measured
    against a model that had seen it), and the others silently left every CAR empty."""
    with pytest.raises(UsageError, match=message):
        thematic.scorecard(call_table(), horizons="20", **window)  # type: ignore[arg-type]
