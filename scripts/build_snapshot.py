"""Build the bundled snapshot (thematic/data/snapshot/) from ../shared/market/.

Usage:  python scripts/build_snapshot.py [--market DIR]

Keeps real prices only: the bars of every constituent of the shipped baskets that exist in
the shared dump, plus the CSI 300, over the whole range available.  Writes Parquet files, a
machine-readable provenance.json (exposed in thematic's output metadata) and PROVENANCE.md.
Re-running it on the same inputs produces the same files.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from thematic.baskets import load_baskets  # noqa: E402
from thematic.data.base import validate_bars  # noqa: E402

OUT = ROOT / "thematic" / "data" / "snapshot"
SOURCE_NOTE = (
    "Stock bars: public daily K-line dumps made with tushare pro_bar(adj='qfq'), "
    "forward-adjusted (前复权) as of 2025-08-22; two independent dumps agree to 4 decimals. "
    "CSI 300: the published price index level (dividends not reinvested)."
)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--market", type=Path, default=ROOT.parent / "shared" / "market")
    args = ap.parse_args()
    market: Path = args.market
    bars_path = market / "ashare_daily_qfq.parquet"
    index_path = market / "csi300_daily.csv"
    list_path = market / "ashare_stocklist.csv"

    baskets = load_baskets(ROOT / "baskets")
    wanted = sorted({c for b in baskets for c in b.codes})
    bars = pd.read_parquet(bars_path, filters=[("code", "in", wanted)])
    bars = bars.sort_values(["code", "date"]).reset_index(drop=True)
    bars["date"] = bars["date"].astype("datetime64[ms]")
    for code, df in bars.groupby("code"):
        validate_bars(df.set_index("date"), "shared/market", str(code))
    present = sorted(bars["code"].unique())
    missing = [c for c in wanted if c not in present]

    index = pd.read_csv(index_path, parse_dates=["date"]).sort_values("date")
    index["date"] = index["date"].astype("datetime64[ms]")
    index["volume"] = index["volume"].astype("float64")
    validate_bars(index.set_index("date"), "shared/market", "000300")

    names = pd.read_csv(list_path, dtype=str)
    OUT.mkdir(parents=True, exist_ok=True)
    bars.to_parquet(OUT / "stocks.parquet", index=False, compression="zstd")
    index.to_parquet(OUT / "index_000300.parquet", index=False, compression="zstd")
    names[["code", "ts_code", "name", "industry"]].to_csv(
        ROOT / "thematic" / "data" / "stocklist.csv", index=False
    )

    span = {
        c: (str(df.date.min().date()), str(df.date.max().date()), len(df))
        for c, df in bars.groupby("code")
    }
    stock_names = {c.code: c.name for b in baskets for c in b.constituents}
    prov = {
        "source": "../shared/market (real A-share daily data)",
        "note": SOURCE_NOTE,
        "adjustment": "qfq as of 2025-08-22",
        "benchmark_adjustment": "price index",
        "as_of": str(bars.date.max().date()),
        "stocks": {
            c: {"name": stock_names.get(c, ""), "first": f, "last": la, "rows": n}
            for c, (f, la, n) in span.items()
        },
        "indices": {
            "000300": {
                "name": "沪深300",
                "first": str(index.date.min().date()),
                "last": str(index.date.max().date()),
                "rows": len(index),
            }
        },
        "missing": {
            c: "a Beijing Stock Exchange listing; the shared dump has no Beijing bars"
            if c.startswith(("4", "8", "92"))
            else "not in the shared dump"
            for c in missing
        },
        "inputs": {p.name: sha256(p) for p in (bars_path, index_path, list_path)},
    }
    (OUT / "provenance.json").write_text(json.dumps(prov, ensure_ascii=False, indent=1) + "\n")
    print(
        f"snapshot: {len(present)} stocks, {len(bars)} bars, as of {prov['as_of']}; "
        f"missing {missing}; CSI 300 {len(index)} sessions"
    )


if __name__ == "__main__":
    main()
