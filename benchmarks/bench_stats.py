"""Time `thematic stats` work on the full universe: tests and 1,000 placebo draws per basket.

Prints the wall time of the event study without placebo (baseline) and with 1,000 placebo
baskets for each of the seven shipped baskets at two horizons, and their ratio, in one run.
Needs ../shared/market.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
MARKET = ROOT.parent / "shared" / "market"


def main() -> int:
    if not (MARKET / "ashare_daily_qfq.parquet").exists():
        print(f"skipped: {MARKET} not found (the full A-share dump)")
        return 0
    from thematic import load_market_panel
    from thematic.runs.event_study import event_stats

    load_market_panel(MARKET)  # build or load the dense store first: not part of the timing
    warnings.simplefilter("ignore")
    runs = {}
    for label, draws in (("tests only", 0), ("tests + 1,000 placebo draws", 1000)):
        times = []
        for _ in range(3):
            start = time.perf_counter()
            df = event_stats(ROOT / "baskets", horizons="20,250", placebo_draws=draws,
                             market=MARKET, seed=0)  # fmt: skip
            times.append(time.perf_counter() - start)
        runs[label] = sorted(times)[1]
        print(f"{label:<30} median of 3: {runs[label]:.2f} s  ({len(df)} rows)")
    ratio = runs["tests + 1,000 placebo draws"] / runs["tests only"]
    print(f"placebo cost: {ratio:.1f}x the tests alone (7 baskets x 2 horizons x 1,000 draws)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
