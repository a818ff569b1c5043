from __future__ import annotations

import warnings
from pathlib import Path

import empyrical
import numpy as np
import pandas as pd
import pytest

import thematic
from tests.helpers import ABC, PANEL
from thematic.constants import TRADING_DAYS_PER_YEAR
from thematic.engine import cumulative_curves
from thematic.errors import MissingConstituentWarning
from thematic.rules import Trading
from thematic.stats import daily_returns, excess_summary, path_metrics


@pytest.fixture(scope="module")
def shipped_curves() -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingConstituentWarning)
        return thematic.curves("baskets")


def test_daily_returns_by_hand() -> None:
    r, b = daily_returns(cumulative_curves(PANEL, ABC, "next_open"), "next_open")
    # Cumulative 0.025, 0.075, 0.25 -> daily 0.025, 1.075/1.025-1, 1.25/1.075-1.
    np.testing.assert_allclose(r["e1"], [0.025, 1.075 / 1.025 - 1, 1.25 / 1.075 - 1], rtol=1e-14)
    np.testing.assert_allclose(b["e1"], [0.01, 1.03 / 1.01 - 1, 1.02 / 1.03 - 1], rtol=1e-14)
    r, _ = daily_returns(cumulative_curves(PANEL, ABC, "next_close"), "next_close")
    assert len(r) == 2  # the entry session's zero return is not a market return


def test_path_metrics_match_empyrical(shipped_curves: pd.DataFrame) -> None:
    got = path_metrics(shipped_curves)
    rets, bench = daily_returns(shipped_curves)
    assert list(got.index) == list(dict.fromkeys(shipped_curves["basket"]))
    for basket in got.index:
        r, b = rets[basket].dropna(), bench[basket].dropna()
        row = got.loc[basket]
        ann = TRADING_DAYS_PER_YEAR
        assert row.max_drawdown == pytest.approx(empyrical.max_drawdown(r), abs=1e-12)
        assert row.annualized_volatility == pytest.approx(
            empyrical.annual_volatility(r, annualization=ann), rel=1e-10
        )
        assert row.sharpe_ratio == pytest.approx(
            empyrical.sharpe_ratio(r, annualization=ann), rel=1e-10
        )
        assert row.information_ratio == pytest.approx(
            empyrical.excess_sharpe(r, b) * np.sqrt(ann), rel=1e-10
        )
        assert row.sessions == len(r)


def test_drawdown_counts_a_fall_on_the_first_session() -> None:
    # Bought at 100, first close 90, then 95: the drawdown is -10 %, not -0 %.
    curves = pd.DataFrame({
        "basket": "x", "session": [0, 1], "date": pd.to_datetime(["2024-01-02", "2024-01-03"]),
        "basket_return": [-0.10, -0.05], "benchmark_return": [0.0, 0.0],
        "excess_return": [-0.10, -0.05],
    })  # fmt: skip
    assert path_metrics(curves).loc["x", "max_drawdown"] == pytest.approx(-0.10, abs=1e-15)


def test_excess_summary_by_hand() -> None:
    t = pd.DataFrame(
        {
            "horizon": [1, 1, 1, 1, 5, 5],
            "excess_return": [0.02, -0.01, 0.04, np.nan, 0.01, 0.01],
            "hit_rate": [1.0, 0.0, 0.5, np.nan, 1.0, 1.0],
        }
    )
    s = excess_summary(t).set_index("horizon")
    # Horizon 1: values 0.02, -0.01, 0.04 -> mean 0.01666..., sd 0.02516611, t 1.1470787
    assert s.loc[1, "n_events"] == 3
    assert s.loc[1, "mean_excess"] == pytest.approx(0.05 / 3, abs=1e-15)
    assert s.loc[1, "std_excess"] == pytest.approx(0.025166114784235836, rel=1e-12)
    assert s.loc[1, "t_stat"] == pytest.approx(1.1470786693528088, rel=1e-12)
    assert s.loc[1, "p_value"] == pytest.approx(0.370, abs=5e-4)  # t table, 2 d.f.
    assert s.loc[1, "share_positive"] == pytest.approx(2 / 3)
    assert s.loc[1, "mean_hit_rate"] == pytest.approx(0.5)
    assert s.loc[5, "std_excess"] == 0.0


def test_the_old_name_of_the_excess_summary_warns_and_forwards() -> None:
    import thematic.stats
    import thematic.stats.aggregate

    for module in (thematic.stats, thematic.stats.aggregate):
        with pytest.warns(DeprecationWarning, match=r"event_study is now .*\.excess_summary"):
            assert module.event_study is excess_summary
        with pytest.warns(DeprecationWarning, match="EXCESS_SUMMARY_COLUMNS"):
            assert module.EVENT_STUDY_COLUMNS == thematic.stats.EXCESS_SUMMARY_COLUMNS
        with pytest.raises(AttributeError, match="no attribute 'nope'"):
            module.nope  # noqa: B018


def _curves(values: list[float], bench: list[float]) -> pd.DataFrame:
    n = len(values)
    return pd.DataFrame({
        "basket": ["x"] * n, "session": range(n), "date": pd.bdate_range("2024-01-01", periods=n),
        "basket_return": values, "benchmark_return": bench,
        "excess_return": np.subtract(values, bench),
    })  # fmt: skip


def test_path_metrics_edge_case_empty() -> None:
    got = path_metrics(_curves([], []))
    assert got.empty and got.index.name == "basket"


def test_path_metrics_edge_case_one_session() -> None:
    # One session: the entry day's return alone (+1%), nothing to take a deviation of.
    row = path_metrics(_curves([0.01], [0.0])).loc["x"]
    assert row["sessions"] == 1 and row["total_return"] == 0.01
    assert row["max_drawdown"] == 0.0  # it only rose from the entry price
    assert np.isnan(row["annualized_volatility"]) and np.isnan(row["sharpe_ratio"])
    assert np.isnan(empyrical.annual_volatility(pd.Series([0.01])))


def test_path_metrics_edge_case_flat_line() -> None:
    row = path_metrics(_curves([0.0] * 5, [0.0] * 5)).loc["x"]
    assert row["max_drawdown"] == 0.0 and row["annualized_volatility"] == 0.0
    # Undefined, not infinite, as empyrical says for a flat line.
    assert np.isnan(row["sharpe_ratio"]) and np.isnan(row["information_ratio"])
    assert np.isnan(empyrical.sharpe_ratio(pd.Series([0.0] * 5)))


MARKET = Path(__file__).resolve().parents[1].parent / "shared" / "market"


@pytest.mark.skipif(not (MARKET / "ashare_daily_qfq.parquet").exists(),
                    reason="needs ../shared/market (the full A-share dump) beside the repo")  # fmt: skip
def test_curves_price_from_the_market_dump_like_evaluate(tmp_path: Path) -> None:
    # Two banks the bundled snapshot does not hold: only the dump can price them.
    (tmp_path / "banks.yaml").write_text(
        "id: banks\nname: 银行\nbenchmark: '000300'\n"
        "report: {title: t, broker: b, published: 2024-03-22}\n"
        "constituents:\n  - {code: '600000', name: 浦发银行}\n  - {code: '601398', name: 工商银行}\n",
        encoding="utf-8",
    )
    curve = thematic.curves(tmp_path / "banks.yaml", market=MARKET)
    table = thematic.evaluate(tmp_path / "banks.yaml", horizons="20", market=MARKET,
                              trading=Trading(untradable="ignore"))  # fmt: skip
    day = curve[curve["session"] == 20].iloc[0]
    row = table.iloc[0]
    assert row["n_missing"] == 0 and day["date"] == row["exit_date"]
    assert day["basket_return"] == pytest.approx(row["basket_return"], rel=1e-12)
    assert day["benchmark_return"] == pytest.approx(row["benchmark_return"], rel=1e-12)
