"""``study_events``: what it refuses, how it pools, where its prices and placebos come from.

On the synthetic markets of tests/stats_market.py (made-up prices, never market data); the
expected figures are worked by hand in the comments.
"""

from __future__ import annotations

import math
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tests.stats_market import DATES, MARKET, bars, basket, closes, provider
from tests.stats_market import standard_series as series
from thematic.errors import DataError, UsageError
from thematic.runs.event_study import event_stats, study_events

EST = {"est_window": 4, "est_gap": 0, "min_obs": 4}


def two() -> list:  # type: ignore[type-arg]
    return [basket("main", 4, ["600001", "600002"])]


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"horizons": "1,max"}, "horizons: 'max' has no fixed event window; give whole numbers"),
        ({"by": "sector"}, "by: 'sector' is not one of basket, report, broker"),
        ({"match": ["size"]}, "match: 'size' is not one of board, industry"),
        ({"match": ["board", "size", "x"]}, "match: 'size' is not one of board, industry"),
        ({"placebo_draws": -1}, "placebo: -1 must be at least 0"),
        ({"resamples": -1}, "resamples: -1 must be at least 0"),
        ({"seed": -1}, "seed: -1 must be at least 0"),
        ({"placebo_draws": 5, "by": "report"},
         "placebo: random baskets are drawn per basket; use by='basket'"),
    ],
)  # fmt: skip
def test_refusals_say_what_is_wrong(kw: dict[str, Any], message: str) -> None:
    p = provider()
    with pytest.raises(UsageError) as err:
        study_events(two(), **{"horizons": "1", **EST, "provider": p, **kw})
    assert str(err.value) == message
    assert p.asked == []  # refused before any price was fetched


def test_a_basket_on_another_benchmark_is_refused() -> None:
    other = basket("other", 4, ["600001"]).model_copy(update={"benchmark": "000905"})
    with pytest.raises(UsageError) as err:
        study_events([*two(), other], horizons="1", **EST, provider=provider())
    assert str(err.value) == (
        "stats: every basket must use the 000300 benchmark; got ['000300', '000905']"
    )


def test_the_least_values_allowed_run() -> None:
    # No resamples: no bootstrap p; any valid match without placebos is recorded.
    got = study_events(two(), horizons="1", **EST, provider=provider(), resamples=0,
                       match=["board", "industry"])  # fmt: skip
    assert got.table["n"].tolist() == [2] and np.isnan(got.table["bhar_boot_p"].iloc[0])
    meta = got.metadata
    assert meta["resamples"] == 0 and meta["placebo"]["match"] == ["board", "industry"]
    assert meta["placebo"]["industry_note"] == (
        "industries are the shipped table's (2025-09), applied to every date"
    )
    assert meta["entry_rule"] == "next_open"
    assert study_events(two(), horizons="1", entry="next_close", **EST,
                        provider=provider()).metadata["entry_rule"] == "next_close"  # fmt: skip


@pytest.mark.parametrize("n_codes", [5, 6])
def test_no_priced_constituent_is_a_data_error(n_codes: int) -> None:
    codes = [f"60099{i}" for i in range(1, n_codes + 1)]
    with pytest.raises(DataError) as err:
        study_events([basket("nothing", 4, codes)], horizons="1", **EST, provider=provider({}))
    listed = "600991, 600992, 600993, 600994, 600995"
    more = " ..." if n_codes > 5 else ""
    assert str(err.value) == (
        f"stats: no constituent has price data here ({listed}{more}): pass --market DIR or run "
        "`thematic refresh`"
    )


def test_one_priced_stock_beside_an_unknown_code() -> None:
    # The panel has one column; the unknown code is reported, the stock tested alone.
    p = provider({"600001": series()["600001"]})
    got = study_events([basket("one", 4, ["600001", "600999"])], horizons="1", **EST, provider=p)
    row = got.table.iloc[0]
    assert row["n"] == 1 and row["note"] == "one constituent: the tests need two or more"
    assert row["mean_car"] == pytest.approx(0.008, abs=1e-14)  # A's CAR(1), by hand
    assert got.metadata["excluded"] == [{"basket": "one", "code": "600999",
                                         "name": "name 600999",
                                         "reason": "no price data for this code"}]  # fmt: skip
    assert sorted(p.asked) == ["600001", "600999"]  # the basket's codes, no universe


def test_pooled_groups_count_a_stock_once_per_entry_session() -> None:
    items = [
        basket("main", 4, ["600001", "600002"], title="r1", broker="x"),
        basket("flat", 4, ["600001", "600003"], title="r1", broker="x"),  # A again: once
        basket("late", 7, ["600001", "600002"], title="r2", broker="x"),  # enters on 8
        basket("solo", 4, ["600002"], title="r3", broker="y"),
    ]
    kw = {"horizons": "1", **EST, "provider": provider()}
    by_report = study_events(items, by="report", **kw)
    t = by_report.table
    assert t["basket"].tolist() == ["x: r1 (2024-01-05)", "x: r2 (2024-01-10)",
                                    "y: r3 (2024-01-05)"]  # fmt: skip
    # r1: A, B and C (A of "flat" is the same stock on the same day): CARs .008, -.017, 0.
    assert t["n"].tolist() == [3, 2, 1]
    assert t["mean_car"].iloc[0] == pytest.approx((0.008 - 0.017 + 0.0) / 3, abs=1e-14)
    assert t["published"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-05", "2024-01-10",
                                                                "2024-01-05"]  # fmt: skip
    assert t["entry_date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-08", "2024-01-11",
                                                                 "2024-01-08"]  # fmt: skip
    per = by_report.constituents
    assert per["group"].tolist() == ["x: r1 (2024-01-05)"] * 3 + ["x: r2 (2024-01-10)"] * 2 + [
        "y: r3 (2024-01-05)"
    ]
    assert per["basket"].tolist() == ["main", "main", "flat", "late", "late", "solo"]
    assert per["code"].tolist() == ["600001", "600002", "600003", "600001", "600002", "600002"]
    assert by_report.daily["group"].tolist() == per["group"].tolist()  # one day each
    # By broker: x pools two dates (no single publication or entry date); A on two days
    # counts twice.  y is B alone.
    by_broker = study_events(items, by="broker", **kw)
    t = by_broker.table
    assert t["basket"].tolist() == ["x", "y"] and t["n"].tolist() == [5, 1]
    assert t["published"].isna().tolist() == [True, False]
    assert t["entry_date"].isna().tolist() == [True, False]
    assert by_broker.metadata["by"] == "broker"


# -- placebo baskets ---------------------------------------------------------------------------
def test_without_a_dump_placebos_draw_from_the_cache_s_codes(tmp_path: Path) -> None:
    # The cache (a test's own THEMATIC_CACHE_DIR) holds three codes: they are priced with
    # the basket's for the placebo universe, but ten sessions give no stock the 60 sessions
    # of history a draw needs, and the message says how to get a universe.
    stock = tmp_path / "cache" / "stock"
    stock.mkdir(parents=True)
    for code in ("600002", "600003", "600004"):
        (stock / f"{code}.parquet").write_bytes(b"")  # only the names count
    for call, param in ((study_events, "market=DIR"), (event_stats, "--market DIR")):
        p = provider()
        kw = {"market_param": "--market"} if call is event_stats else {}
        with pytest.raises(UsageError) as err:
            call(two(), horizons="1", placebo_draws=5, provider=p, **EST, **kw)
        assert sorted(p.asked) == ["600001", "600002", "600003", "600004"]
        assert str(err.value) == (
            "placebo: only 0 stocks are eligible on any basket's entry day (a close that day "
            f"and 60 sessions before it): draws need a few hundred; pass {param} (e.g. "
            "../shared/market) or fill the cache with `thematic refresh`"
        )
    # Without placebos the cache's codes are not fetched.
    p = provider()
    study_events(two(), horizons="1", provider=p, **EST)
    assert sorted(p.asked) == ["600001", "600002"]


T70 = pd.bdate_range("2024-01-01", periods=70)
ENTRY = 65  # published on session 64


def placebo_dump(root: Path) -> Path:
    """A 70-session market dump: flat stocks, a few stepping up after the entry session.

    Ten main-board stocks (600100..600109) and 600003 stay at 10, except that 600100 has no
    bar on session 68 and closes at 12 on 69; 289 ChiNext stocks step to 11 after session 65;
    the basket's 600001 and 600002 step to 10.5.  The benchmark moves (100, 101, 100, ...)
    before session 65 (so the market model has a market to fit) and stays at 100 from it on.
    """
    step = {f"300{i:03d}": 11.0 for i in range(100, 389)} | {"600001": 10.5, "600002": 10.5}
    codes = [*(f"6001{i:02d}" for i in range(10)), "600003", *step]
    close = np.full((70, len(codes)), 10.0)
    for j, c in enumerate(codes):
        close[ENTRY + 1 :, j] = step.get(c, 10.0)
    long = pd.DataFrame({"date": np.tile(T70, len(codes)), "code": np.repeat(codes, 70),
                         "close": close.T.ravel()})  # fmt: skip
    long.loc[(long["code"] == "600100") & (long["date"] == T70[69]), "close"] = 12.0
    long = long[(long["code"] != "600100") | (long["date"] != T70[68])]
    long["open"] = long["high"] = long["low"] = long["close"]
    market = root / "market"
    market.mkdir()
    long.to_parquet(market / "ashare_daily_qfq.parquet", index=False)
    b = np.where(np.arange(70) < ENTRY, 100.0 + np.arange(70) % 2, 100.0)
    pd.DataFrame({"date": T70, "open": b, "high": b, "low": b, "close": b, "volume": 1.0}).to_csv(
        market / "csi300_daily.csv", index=False
    )
    return market


def placebo_baskets() -> list:  # type: ignore[type-arg]
    early = basket("early", 0, ["600003"])
    early = early.model_copy(update={"report": early.report.model_copy(
        update={"published": pd.Timestamp(T70[10]).date()})})  # fmt: skip
    real = basket("real", 0, ["600001", "600002"])
    real = real.model_copy(update={"report": real.report.model_copy(
        update={"published": pd.Timestamp(T70[ENTRY - 1]).date()})})  # fmt: skip
    return [real, early]


class FakeClient:
    """Runs what it is given at once, and counts it (a stand-in for ``distributed``)."""

    id = "fake-client"

    def __init__(self) -> None:
        self.submitted = 0

    def scatter(self, data: Any, broadcast: bool = False, hash: bool = True) -> Any:
        return data

    def submit(self, fn: Any, *args: Any, pure: bool = True) -> Any:
        self.submitted += 1
        return fn(*args)

    def gather(self, futures: list[Any]) -> list[Any]:
        return list(futures)


NO_PLACEBO = ("no placebo: only 0 stocks are eligible on the entry day (a close that day and "
              "60 sessions before it; 300 needed)")  # fmt: skip


def test_matched_placebos_on_a_client_with_progress(tmp_path: Path) -> None:
    market = placebo_dump(tmp_path)
    client, seen = FakeClient(), []

    def progress(items: Any) -> Any:
        seen.append([i for i, _ in items])
        return items

    got = event_stats(placebo_baskets(), horizons="3", placebo_draws=40, seed=1, match=["board"],
                      resamples=10, market=market, progress=progress, client=client,
                      **EST)  # fmt: skip
    # Matched by board, the draws come from the 11 main-board stocks (600100..600109 and
    # 600003), all at 10 on day 3 (600100 has no bar that day: valued at its last close, as
    # the basket would be, not at the next bar's 12): excess 0 every time, while the basket
    # made 10.5 / 10 - 1 = 5% over a flat benchmark.  So it beats all 40: percentile 100,
    # p = (1 + 0) / 41.  (Unmatched, 289 of the 300 eligible stocks gained 10%: hardly a draw
    # would be below 5%.)  The 300 eligible are exactly the 300 needed: 600003, the other
    # basket's stock, is one of them.
    real = got.iloc[0]
    assert real["basket"] == "real" and real["n"] == 2
    assert real["placebo_pct"] == 100.0 and real["placebo_p"] == pytest.approx(1 / 41)
    draws = got.attrs["placebo"]
    assert draws["basket"].tolist() == ["real"] * 40 and draws["draw"].tolist() == list(range(40))
    assert (draws["excess"] == 0.0).all() and draws["real"].to_numpy() == pytest.approx(0.05)
    early = got.iloc[1]
    assert np.isnan(early["placebo_pct"]) and np.isnan(early["placebo_p"])
    assert early["note"] == "one constituent: the tests need two or more; " + NO_PLACEBO
    meta = got.attrs["metadata"]
    assert meta["notices"] == ["early: " + NO_PLACEBO]
    assert meta["placebo"] == {"draws": 40, "match": ["board"], "universe": f"market dump {market}",
                               "universe_stocks": 302, "industry_note": ""}  # fmt: skip
    assert client.submitted > 0 and seen == [[0, 1]]


# -- a market dump ---------------------------------------------------------------------------
def write_dump(root: Path) -> Path:
    frames = [df.reset_index().assign(code=code) for code, df in series().items()]
    market = root / "market"
    market.mkdir()
    pd.concat(frames)[["date", "code", "open", "high", "low", "close"]].to_parquet(
        market / "ashare_daily_qfq.parquet", index=False
    )
    bench = bars(closes(MARKET, 100.0)).reset_index()
    bench.to_csv(market / "csi300_daily.csv", index=False)
    return market


def test_a_market_dump_gives_the_provider_s_figures(tmp_path: Path) -> None:
    market = write_dump(tmp_path)
    items = [basket("main", 4, ["600000", "600001", "600002", "600004", "600999"])]
    kw = {"horizons": "1,2,4", "resamples": 20, **EST}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 600999 is not in the dump
        dump = study_events(items, market=market, **kw)
    prov = study_events(items, provider=provider(), **kw)
    pd.testing.assert_frame_equal(dump.table, prov.table)
    pd.testing.assert_frame_equal(dump.constituents, prov.constituents)
    meta = dump.metadata
    assert meta["provider"] == f"market dump {market}"
    assert meta["sources_used"] == {"market dump": 7}  # six stocks and the benchmark
    assert meta["sources_text"] == "market dump 7"
    assert meta["placebo"]["universe_stocks"] == 6
    assert len(meta["messages"]) == 1
    assert re.match(r"built the dense panel store .* from ", meta["messages"][0])
    assert meta["excluded"] == prov.metadata["excluded"]
    # Main: A's and B's CARs at h = 2 are -.028 and -.018 (tests/test_event_study_rows.py).
    assert dump.table["mean_car"].iloc[1] == pytest.approx(-0.023, abs=1e-14)
    assert math.isfinite(dump.table["kp_z"].iloc[1])
    assert DATES[0] == pd.Timestamp("2024-01-01")


def test_the_placebo_draws_of_several_baskets_are_one_numbered_table(tmp_path: Path) -> None:
    # Two baskets with placebos: their draws are stacked into one table numbered 0..79 (a
    # user selecting rows by position must not meet two rows labelled 0).
    market = placebo_dump(tmp_path)
    real = placebo_baskets()[0]
    twin = real.model_copy(update={"id": "twin"})
    got = event_stats([real, twin], horizons="3", placebo_draws=40, seed=1, match=["board"],
                      market=market, **EST)  # fmt: skip
    draws = got.attrs["placebo"]
    assert draws["basket"].tolist() == ["real"] * 40 + ["twin"] * 40
    assert draws.index.equals(pd.RangeIndex(80))
