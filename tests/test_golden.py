"""The seven shipped baskets against values computed independently by golden/make_golden.py."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

import thematic
from tests.helpers import IGNORE
from thematic.errors import MissingConstituentWarning

GOLDEN = pd.read_csv(
    Path(__file__).with_name("golden") / "shipped_baskets.csv", dtype={"horizon": str}
)


@pytest.mark.parametrize("entry", ["next_open", "next_close"])
def test_shipped_baskets_match_golden(entry: str) -> None:
    with pytest.warns(MissingConstituentWarning, match="compute_infrastructure: 872808 曙光数创"):
        # The golden values book every trade at the day's price (policy ignore).
        got = thematic.evaluate("baskets", horizons="1,5,20,60,120,250,max", entry=entry,
                                trading=IGNORE)  # fmt: skip
    got = got.assign(horizon=got["horizon"].astype(str)).dropna(subset=["basket_return"])
    want = GOLDEN[GOLDEN.entry_rule == entry]
    merged = want.merge(got, on=["basket", "horizon"], suffixes=("_want", ""), validate="1:1")
    assert len(merged) == len(want) == len(got) == 49
    for col in ("basket_return", "benchmark_return", "hit_rate"):
        diff = (merged[col] - merged[f"{col}_want"]).abs().max()
        assert diff <= 1e-9, (col, diff)
    for col in ("n_constituents", "n_missing"):
        assert (merged[col] == merged[f"{col}_want"]).all()
    for col in ("entry_date", "exit_date"):
        assert (merged[col].dt.strftime("%Y-%m-%d") == merged[f"{col}_want"]).all()
    excess = merged["basket_return_want"] - merged["benchmark_return_want"]
    assert (merged["excess_return"] - excess).abs().max() <= 1e-9
    relative = (1 + merged["basket_return_want"]) / (1 + merged["benchmark_return_want"]) - 1
    assert (merged["relative_return"] - relative).abs().max() <= 1e-9


def test_beyond_data_rows_are_kept_and_explained() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingConstituentWarning)
        got = thematic.evaluate("baskets", horizons="500")
    assert len(got) == 7
    assert got["basket_return"].isna().all()
    assert set(got["note"]) == {"horizon ends after the last session of the data (2025-08-22)"}


def test_metadata_names_rule_source_and_as_of() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingConstituentWarning)
        got = thematic.evaluate("baskets", horizons="20", entry="next_close")
    meta = got.attrs["metadata"]
    assert meta["entry_rule"] == "next_close"
    assert meta["as_of"] == "2025-08-22"
    assert meta["provenance"]["adjustment"] == "qfq as of 2025-08-22"
    assert meta["series"]["300308"]["source"] == "snapshot"
    assert meta["series"]["000300"]["adjustment"] == "price index"
    assert [m["code"] for m in meta["missing"]] == ["872808"]
    assert "Beijing" in meta["missing"][0]["reason"]
