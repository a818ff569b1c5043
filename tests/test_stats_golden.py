"""``thematic stats`` against rows computed independently by golden/make_stats_golden.py.

Every column, at seven horizons, for the shipped baskets on the bundled snapshot and a
weighted basket, by basket, by report and by broker (pooled over three dates).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import thematic
from thematic.errors import ThematicWarning

GOLDEN_DIR = Path(__file__).with_name("golden")
GOLDEN = pd.read_csv(GOLDEN_DIR / "stats_rows.csv", keep_default_na=False,
                     na_values={c: [""] for c in ("published", "entry_date", "mean_car", "car_t",
                                "bmp_z", "kp_z", "mean_car_ma", "mean_bhar", "bhar_skew_t",
                                "bhar_boot_p", "gsign_z", "placebo_pct", "placebo_p")})  # fmt: skip
HORIZONS = "1,5,20,60,120,250,400"
SEED, RESAMPLES = 7, 400  # as in make_stats_golden.py
FLOATS = ["mean_car", "car_t", "bmp_z", "kp_z", "mean_car_ma", "mean_bhar", "bhar_skew_t",
          "gsign_z", "placebo_pct", "placebo_p"]  # fmt: skip


def run(by: str) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ThematicWarning)  # 872808 is not in the snapshot
        return thematic.event_stats(["baskets", GOLDEN_DIR / "weighted_basket.yaml"],
                                    horizons=HORIZONS, by=by, seed=SEED, resamples=RESAMPLES)  # fmt: skip


@pytest.mark.parametrize("by", ["basket", "report", "broker"])
def test_every_column_matches_the_independent_reference(by: str) -> None:
    got = run(by)
    want = GOLDEN[GOLDEN["by"] == by].reset_index(drop=True)
    assert list(got["basket"]) == list(want["basket"])
    assert list(got["horizon"]) == list(want["horizon"])
    assert list(got["n"]) == list(want["n"])
    for col in ("published", "entry_date"):
        assert list(got[col].dt.strftime("%Y-%m-%d").fillna("")) == list(want[col].fillna("")), col
    assert list(got["note"]) == list(want["note"])
    for col in FLOATS:
        np.testing.assert_allclose(got[col].astype(float), want[col].astype(float),
                                   rtol=1e-9, atol=1e-12, err_msg=col)  # fmt: skip
    # The bootstrap p is a count over the same draws: equal, not close.
    np.testing.assert_array_equal(got["bhar_boot_p"].to_numpy(float),
                                  want["bhar_boot_p"].to_numpy(float))  # fmt: skip


def test_the_reference_covers_what_it_should() -> None:
    # Enough rows with every test defined, a beyond-data horizon, exclusions and n = 1.
    defined = GOLDEN.dropna(subset=["kp_z", "bhar_boot_p", "gsign_z"])
    assert len(defined) >= 40
    assert (GOLDEN["note"].str.startswith("horizon ends after")).any()
    assert (GOLDEN["note"] == "one constituent: the tests need two or more").any()
    weighted = GOLDEN[(GOLDEN["basket"] == "weighted_basket") & (GOLDEN["horizon"] == 20)]
    assert weighted["n"].tolist() == [4]  # 601728 has too few estimation returns


def test_weights_do_not_change_the_tests() -> None:
    # The same basket equal-weighted gives the same row (the tests ignore weights).
    text = (GOLDEN_DIR / "weighted_basket.yaml").read_text("utf-8")
    plain = thematic.load_baskets(GOLDEN_DIR / "weighted_basket.yaml")[0]
    assert "weight:" in text
    equal = plain.model_copy(update={"constituents": [
        c.model_copy(update={"weight": None}) for c in plain.constituents]})  # fmt: skip
    kw = {"horizons": "20,60", "seed": SEED, "resamples": RESAMPLES}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ThematicWarning)
        a = thematic.event_stats(plain, **kw)  # type: ignore[arg-type]
        b = thematic.event_stats(equal, **kw)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(a, b)
