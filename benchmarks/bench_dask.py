"""The dask.distributed path against one process, on the full universe.

Prints, for 10,000 and 100,000 calls: the single-process engine time, the local two-worker
cluster's start-up, the first distributed run (which ships the panel to the workers) and a
second one, and whether the results are identical to the last bit.  Needs ../shared/market
and the dask extra.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
MARKET = ROOT.parent / "shared" / "market"


def main() -> int:
    if not (MARKET / "ashare_daily_qfq.parquet").exists():
        print(f"skipped: {MARKET} not found (the full A-share dump)")
        return 0
    try:
        import distributed  # noqa: F401
    except ImportError:
        print("skipped: the dask extra is not installed (pip install 'thematic[dask]')")
        return 0
    from bench_engine import HORIZONS, SEED, draw_events

    from thematic import load_market_panel
    from thematic.engine import evaluate_events
    from thematic.engine.distributed import connect, evaluate_events_distributed

    panel = load_market_panel(MARKET)
    start = time.perf_counter()
    client = connect(workers=2)
    print(f"local cluster of 2 worker processes started in {time.perf_counter() - start:.2f} s")
    ok = True
    try:
        for n in (10_000, 100_000):
            events = draw_events(panel, n, np.random.default_rng(SEED))
            evaluate_events(panel, events.head(1000), HORIZONS)
            start = time.perf_counter()
            local = evaluate_events(panel, events, HORIZONS)
            t_local = time.perf_counter() - start
            runs = []
            for _ in range(2):
                start = time.perf_counter()
                dist = evaluate_events_distributed(client, panel, events, HORIZONS,
                                                   chunk_events=max(1_000, n // 8))  # fmt: skip
                runs.append(time.perf_counter() - start)
            same = all(
                a.equals(b)
                for a, b in (
                    (local.table, dist.table),
                    (local.missing, dist.missing),
                    (local.trades, dist.trades),
                )
            )
            ok = ok and same
            shipped = " (ships the panel to the workers)" if n == 10_000 else ""
            print(f"{n:>9,} calls: one process {t_local:.3f} s; two workers {runs[0]:.3f} s "
                  f"first{shipped}, {runs[1]:.3f} s next; identical: {same}")  # fmt: skip
    finally:
        client.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
