"""Independent reference values for the shipped baskets (run once; output is committed).

Written without importing thematic: plain pandas loops over ../shared/market, so that the
engine's vectorised gathers are checked against a different implementation.

    python tests/golden/make_golden.py   ->  tests/golden/shipped_baskets.csv
"""

from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[2]
MARKET = ROOT.parent / "shared" / "market"
HORIZONS = [1, 5, 20, 60, 120, 250, "max"]


def main() -> None:
    baskets = [yaml.safe_load(p.read_text()) for p in sorted((ROOT / "baskets").glob("*.yaml"))]
    codes = sorted({c["code"] for b in baskets for c in b["constituents"]})
    bars = pd.read_parquet(MARKET / "ashare_daily_qfq.parquet", filters=[("code", "in", codes)])
    index = pd.read_csv(MARKET / "csi300_daily.csv", parse_dates=["date"]).set_index("date")
    last_stock_day = bars["date"].max()
    calendar = [d for d in index.index if d <= last_stock_day]

    rows = []
    for entry_rule, field in (("next_open", "open"), ("next_close", "close")):
        for b in baskets:
            published = pd.Timestamp(b["report"]["published"])
            e = next(i for i, d in enumerate(calendar) if d > published)
            entry_day = calendar[e]
            members = []
            for c in b["constituents"]:
                s = bars[bars["code"] == c["code"]].set_index("date").sort_index()
                if entry_day not in s.index:
                    continue  # excluded: no price on the entry day
                close = s["close"].reindex(calendar).ffill()
                members.append((s.loc[entry_day, field], close, c.get("weight", 1.0)))
            wsum = sum(w for _, _, w in members)
            for h in HORIZONS:
                x = len(calendar) - 1 if h == "max" else e + h
                if x >= len(calendar):
                    continue
                exit_day = calendar[x]
                rets = [close[exit_day] / p0 - 1 for p0, close, _ in members]
                basket = sum(w * r for (_, _, w), r in zip(members, rets, strict=True)) / wsum
                bench = index.loc[exit_day, "close"] / index.loc[entry_day, field] - 1
                rows.append(
                    {
                        "basket": b["id"],
                        "entry_rule": entry_rule,
                        "horizon": str(h),
                        "entry_date": entry_day.date(),
                        "exit_date": exit_day.date(),
                        "n_constituents": len(b["constituents"]),
                        "n_missing": len(b["constituents"]) - len(members),
                        "basket_return": repr(float(basket)),
                        "benchmark_return": repr(float(bench)),
                        "hit_rate": repr(float(sum(r > bench for r in rets) / len(rets))),
                    }
                )
    out = Path(__file__).with_name("shipped_baskets.csv")
    pd.DataFrame(rows).to_csv(out, index=False)
    print(f"wrote {len(rows)} rows to {out}")


if __name__ == "__main__":
    main()
