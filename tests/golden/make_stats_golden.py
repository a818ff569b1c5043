"""Independent reference rows for ``thematic stats`` (run once; the output is committed).

Written without importing thematic, from the definitions in the README and the papers, with
statsmodels (the market model), scipy (t statistics, moments, correlations) and plain
numpy, one constituent at a time:

- calendar: the CSI 300's sessions from the first stock bar to the snapshot's as-of date;
  ``e`` is the first session strictly after the publication date;
- estimation window: the returns dated ``[e-270, e-21]`` (a return needs both closes); a
  constituent needs a close on ``e`` and at least 120 valid returns;
- market model: OLS ``r = a + b r_m`` (statsmodels), ``s^2`` its residual mean square;
- event window ``[1, h]`` from the close of ``e``, closes carried over days without a bar;
- ``CAR``, ``CAR_ma``, ``BHAR`` as defined; the prediction-error variance of the CAR from the
  matrix form (Campbell, Lo and MacKinlay 1997, eq. 4.4.8): ``S^2 = s^2 1'(I + X*(X'X)^-1
  X*')1`` with ``X*`` the event days' ``[1, r_m]``;
- ``car_t`` and ``bmp_z`` (Boehmer, Musumeci and Poulsen 1991): one-sample t of the CARs and
  of ``CAR / S`` (scipy ``ttest_1samp``);
- ``kp_z`` (Kolari and Pynnonen 2010): ``bmp_z sqrt((1 - rbar) / (1 + (n - 1) rbar))``,
  ``rbar`` the mean of the pairwise Pearson correlations (scipy ``pearsonr``) of the
  estimation residuals on the sessions both have, a pair with fewer than 30 such sessions
  (or a constant series) counting as 0;
- ``bhar_skew_t`` (Lyon, Barber and Tsai 1999, eq. 5) with ``gamma`` the third central
  moment over the cube of the sample (ddof 1) standard deviation; ``bhar_boot_p`` from the
  resampling the README specifies (generator, seed, order of the draws);
- ``gsign_z`` (Cowan 1992): ``(w - n p) / sqrt(n p (1 - p))``.

Weights are not used (the tests are equal-weighted), so the weighted basket
``weighted_basket.yaml`` gives the rows of its equal-weighted twin.

    python tests/golden/make_stats_golden.py   ->  tests/golden/stats_rows.csv
"""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.api as sm
import yaml
from scipy import stats

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "thematic" / "data" / "snapshot"
HERE = Path(__file__).resolve().parent
HORIZONS = [1, 5, 20, 60, 120, 250, 400]
SEED = 7
RESAMPLES = 400
EST_WINDOW, EST_GAP, MIN_OBS, MIN_COMMON = 250, 20, 120, 30
COLUMNS = ["by", "basket", "published", "entry_date", "horizon", "n", "mean_car", "car_t",
           "bmp_z", "kp_z", "mean_car_ma", "mean_bhar", "bhar_skew_t", "bhar_boot_p", "gsign_z",
           "placebo_pct", "placebo_p", "note"]  # fmt: skip


def basket_files() -> list[Path]:
    """The shipped baskets (sorted by file name, as a directory is read), then the weighted."""
    return [*sorted((ROOT / "baskets").glob("*.yaml")), HERE / "weighted_basket.yaml"]


def lbt_t(x: np.ndarray) -> float:
    """Lyon-Barber-Tsai skewness-adjusted t of one sample (NaN when undefined)."""
    n = len(x)
    if n < 2 or np.ptp(x) == 0:  # all values equal: no dispersion, no t
        return float("nan")
    sd = np.std(x, ddof=1)
    s = np.mean(x) / sd
    gamma = stats.moment(x, 3) / sd**3
    return float(np.sqrt(n) * (s + gamma * s**2 / 3 + gamma / (6 * n)))


class Constituent:
    """One usable constituent: its market model and event-window returns."""

    def __init__(self, close: pd.Series, bench: pd.Series, e: int) -> None:
        r = close / close.shift(1) - 1  # NaN unless both closes exist
        rm = bench / bench.shift(1) - 1
        lo, hi = e - EST_GAP - EST_WINDOW, e - EST_GAP - 1
        est = pd.DataFrame({"r": r.iloc[max(lo, 1) : hi + 1], "rm": rm.iloc[max(lo, 1) : hi + 1]})
        est = est.dropna()
        self.m = len(est)
        self.usable = bool(np.isfinite(close.iloc[e])) and self.m >= MIN_OBS
        if not self.usable:
            return
        fit = sm.OLS(est["r"].to_numpy(), sm.add_constant(est["rm"].to_numpy())).fit()
        self.a, self.b = fit.params
        self.s2 = fit.mse_resid
        self.x = sm.add_constant(est["rm"].to_numpy())
        self.resid = pd.Series(fit.resid, index=est.index)
        self.positive_share = float(np.mean(fit.resid > 0))
        filled = close.ffill()
        self.r_ev = (filled / filled.shift(1) - 1).iloc[e + 1 :].to_numpy()
        self.rm_ev = rm.iloc[e + 1 :].to_numpy()

    def at(self, h: int) -> tuple[float, float, float, float] | None:
        """CAR, its prediction-error sd, market-adjusted CAR and BHAR over days 1..h."""
        if h > len(self.r_ev):
            return None
        r, rm = self.r_ev[:h], self.rm_ev[:h]
        ar = r - (self.a + self.b * rm)
        xs = np.column_stack([np.ones(h), rm])
        cov = self.s2 * (np.eye(h) + xs @ np.linalg.inv(self.x.T @ self.x) @ xs.T)
        ones = np.ones(h)
        return (float(ar.sum()), float(np.sqrt(ones @ cov @ ones)), float((r - rm).sum()),
                float(np.prod(1 + r) - np.prod(1 + rm)))  # fmt: skip


def mean_correlation(members: list[Constituent]) -> float:
    """Mean pairwise correlation of estimation residuals on common sessions (see module)."""
    rs = []
    for p, q in combinations(members, 2):
        both = p.resid.index.intersection(q.resid.index)
        x, y = p.resid[both].to_numpy(), q.resid[both].to_numpy()
        if len(both) < MIN_COMMON or np.ptp(x) == 0 or np.ptp(y) == 0:
            rs.append(0.0)
        else:
            rs.append(float(stats.pearsonr(x, y).statistic))
    return float(np.mean(rs))


def group_key(b: dict, by: str) -> str:
    r = b["report"]
    if by == "report":
        return f"{r['broker']}: {r['title']} ({r['published']})"
    return r["broker"] if by == "broker" else b["id"]


def main() -> None:
    baskets = [yaml.safe_load(p.read_text("utf-8")) for p in basket_files()]
    as_of = pd.Timestamp(json.loads((SNAPSHOT / "provenance.json").read_text())["as_of"])
    bars = pd.read_parquet(SNAPSHOT / "stocks.parquet")
    index = pd.read_parquet(SNAPSHOT / "index_000300.parquet").set_index("date")["close"]
    codes = {c["code"] for b in baskets for c in b["constituents"]}
    bars = bars[bars["code"].isin(codes)]
    cal = index.index[(index.index >= bars["date"].min()) & (index.index <= as_of)]
    bench = index.reindex(cal)
    closes = {c: s.set_index("date")["close"].reindex(cal) for c, s in bars.groupby("code")}

    rows = []
    for by in ("basket", "report", "broker"):
        # Groups in the order the baskets come; a stock twice in a group (same entry) once.
        groups: dict[str, list[tuple[str, int]]] = {}
        for b in baskets:
            e = int(np.searchsorted(cal, pd.Timestamp(b["report"]["published"]), side="right"))
            members = groups.setdefault(group_key(b, by), [])
            for c in b["constituents"]:
                if (c["code"], e) not in members:
                    members.append((c["code"], e))
        fitted = {
            key: [
                (con, e)
                for code, e in members
                if code in closes and (con := Constituent(closes[code], bench, e)).usable
            ]
            for key, members in groups.items()
        }
        # One generator for the run, drawn horizon by horizon, group by group.
        rng = np.random.default_rng(SEED)
        table = {}
        for h in HORIZONS:
            for key, members in fitted.items():
                at = [(con, v) for con, _ in members if (v := con.at(h)) is not None]
                n = len(at)
                car = np.array([v[0] for _, v in at])
                scar = np.array([v[0] / v[1] for _, v in at])
                bhar = np.array([v[3] for _, v in at])
                row = {"n": n, "mean_car": car.mean() if n else np.nan,
                       "mean_car_ma": np.mean([v[2] for _, v in at]) if n else np.nan,
                       "mean_bhar": bhar.mean() if n else np.nan}  # fmt: skip
                if n >= 2:
                    row["car_t"] = stats.ttest_1samp(car, 0.0).statistic
                    row["bmp_z"] = stats.ttest_1samp(scar, 0.0).statistic
                    rbar = mean_correlation([con for con, _ in at])
                    row["kp_z"] = row["bmp_z"] * np.sqrt((1 - rbar) / (1 + (n - 1) * rbar))
                    t = lbt_t(bhar)
                    row["bhar_skew_t"] = t
                    centred = bhar - bhar.mean()
                    draws = rng.integers(0, n, size=(RESAMPLES, n))
                    t_star = np.array([lbt_t(centred[d]) for d in draws])
                    t_star = t_star[np.isfinite(t_star)]
                    row["bhar_boot_p"] = (1 + np.sum(np.abs(t_star) >= abs(t))) / (1 + len(t_star))
                    p = np.mean([con.positive_share for con, _ in at])
                    w = np.sum(car > 0)
                    row["gsign_z"] = (w - n * p) / np.sqrt(n * p * (1 - p))
                table[(key, h)] = row
        for key in groups:
            first = next(b for b in baskets if group_key(b, by) == key)
            dates = {b["report"]["published"] for b in baskets if group_key(b, by) == key}
            published = pd.Timestamp(first["report"]["published"]) if len(dates) == 1 else None
            e = int(np.searchsorted(cal, published, side="right")) if published else None
            for h in HORIZONS:
                row = table[(key, h)]
                if e is not None and e + h >= len(cal):
                    note = f"horizon ends after the last session of the data ({as_of:%Y-%m-%d})"
                elif row["n"] == 0:
                    note = (f"no constituent has a close on the entry session and {MIN_OBS} "
                            "valid estimation returns")  # fmt: skip
                elif row["n"] == 1:
                    note = "one constituent: the tests need two or more"
                else:
                    note = ""
                rows.append({"by": by, "basket": key, "published": published,
                             "entry_date": cal[e] if e is not None else None, "horizon": h,
                             **row, "note": note})  # fmt: skip
    out = pd.DataFrame(rows).reindex(columns=COLUMNS)
    out["published"] = pd.to_datetime(out["published"]).dt.strftime("%Y-%m-%d")
    out["entry_date"] = pd.to_datetime(out["entry_date"]).dt.strftime("%Y-%m-%d")
    path = HERE / "stats_rows.csv"
    out.to_csv(path, index=False, float_format=lambda v: repr(float(v)))
    print(f"wrote {len(out)} rows to {path}")


if __name__ == "__main__":
    main()
