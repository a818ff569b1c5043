"""Scorecard benchmark: a million calls over the real A-share universe in ../shared/market.

    python benchmarks/bench_scorecard.py [--market DIR] [--calls 1000000] [--brokers 100]

Draws the calls reproducibly (seed 20240322): publication dates uniform over
2020-01-01..2024-06-30, each on one stock listed at least 30 days before, a broker out of
``--brokers`` (made-up names: the prices are real, the calls are not), rating buy or
outperform (every call is scored), industry from the shipped stock table.  Then, each in its
own process so that its peak memory is its own: the engine alone on those calls as events
(``evaluate_events``, horizons 20, 60, 250) and the scorecard by broker end to end from the
call table (events, engine, market-model CARs, clustered statistics), best of ``--repeat``
runs (the machine is shared: the best run is the least disturbed).  Prints both times,
their ratio (target <= 2x) and the scorecard's peak resident memory (target <= 1.5 GiB).
Skips with a message when the shared data is absent.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEED = 20240322
HORIZONS = [20, 60, 250]
FIRST_PUB, LAST_PUB = pd.Timestamp("2020-01-01"), pd.Timestamp("2024-06-30")
TARGET_RATIO, TARGET_GIB = 2.0, 1.5


def draw_calls(market: Path, n: int, brokers: int) -> pd.DataFrame:
    """The call table: n calls on stocks listed >= 30 days before their publication date."""
    from thematic.codes import industries
    from thematic.data.universe import load_market_panel

    panel = load_market_panel(market)
    rng = np.random.default_rng(SEED)
    listed = ~np.isnan(panel.close)
    has = listed.any(axis=0)
    first = panel.dates.to_numpy()[np.argmax(listed, axis=0)]
    order = np.argsort(first[has], kind="stable")
    stocks, first_sorted = np.flatnonzero(has)[order], first[has][order]
    days = (LAST_PUB - FIRST_PUB).days + 1
    published = FIRST_PUB.to_datetime64() + rng.integers(0, days, n).astype("timedelta64[D]")
    eligible = np.searchsorted(first_sorted, published - np.timedelta64(30, "D"), "right")
    codes = panel.codes.to_numpy()[stocks[np.floor(rng.random(n) * eligible).astype(np.int64)]]
    names = np.array([f"券商{i:03d}" for i in range(brokers)])
    ind = industries()
    rating = rng.integers(0, 2, n)
    return pd.DataFrame({
        "report_id": pd.Index(np.arange(n)).astype(str).str.zfill(8).map("AP{}".format),
        "published": published.astype("datetime64[ns]"), "code": codes,
        "name": "", "broker": names[rng.integers(0, brokers, n)],
        "rating": np.array(["buy", "outperform"])[rating],
        "rating_cn": np.array(["买入", "增持"])[rating], "title": "",
        "industry": pd.Series(codes).map(ind).fillna("").to_numpy(), "pdf_url": "",
    })  # fmt: skip


_CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
import pandas as pd
from thematic.calls import events_from_calls
from thematic.data.universe import load_market_panel
from thematic.engine import evaluate_events
from thematic.runs.scorecard import scorecard
calls = pd.read_parquet({calls!r})
panel = load_market_panel({market!r})
if {part!r} == "engine":
    events = events_from_calls(calls)
    evaluate_events(panel, events.head(1000), {horizons!r})
    times = []
    for _ in range({repeat}):
        start = time.perf_counter()
        rows = len(evaluate_events(panel, events, {horizons!r}).table)
        times.append(time.perf_counter() - start)
else:
    scorecard(calls.head(1000), by="broker", horizons={horizons!r}, market={market!r})
    times = []
    for _ in range({repeat}):
        start = time.perf_counter()
        rows = len(scorecard(calls, by="broker", horizons={horizons!r}, market={market!r}))
        times.append(time.perf_counter() - start)
seconds = min(times)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
print(json.dumps({{"seconds": seconds, "rows": rows, "peak_gib": peak}}))
"""


def run_part(part: str, calls: Path, market: Path, repeat: int) -> dict[str, float]:
    code = _CHILD.format(root=str(ROOT), calls=str(calls), market=str(market), part=part,
                         horizons=HORIZONS, repeat=repeat)  # fmt: skip
    r = subprocess.run([sys.executable, "-W", "ignore", "-c", code], capture_output=True,
                       text=True, check=True)  # fmt: skip
    out: dict[str, float] = json.loads(r.stdout.strip().splitlines()[-1])
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--market", type=Path, default=ROOT.parent / "shared" / "market")
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--brokers", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=2, help="best of N timed runs (default 2)")
    args = parser.parse_args()
    if not (args.market / "ashare_daily_qfq.parquet").exists():
        print(f"skipped: no market dump at {args.market} (needs ashare_daily_qfq.parquet)")
        return 0
    start = time.perf_counter()
    calls = draw_calls(args.market, args.calls, args.brokers)
    print(f"{len(calls):,} calls on {calls['code'].nunique():,} stocks, {args.brokers} brokers, "
          f"horizons {HORIZONS}; drawn in {time.perf_counter() - start:.1f} s")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "calls.parquet"
        calls.to_parquet(path)
        del calls
        engine = run_part("engine", path, args.market, args.repeat)
        card = run_part("scorecard", path, args.market, args.repeat)
    ratio = card["seconds"] / engine["seconds"]
    print(f"best of {args.repeat} runs each, in separate processes")
    print(f"engine alone (evaluate_events): {engine['seconds']:.2f} s, "
          f"peak RSS {engine['peak_gib']:.2f} GiB")  # fmt: skip
    print(f"scorecard end to end from the call table: {card['seconds']:.2f} s "
          f"({int(card['rows'])} rows), peak RSS {card['peak_gib']:.2f} GiB")  # fmt: skip
    print(f"ratio scorecard / engine: {ratio:.2f}x (target <= {TARGET_RATIO}x: "
          f"{'met' if ratio <= TARGET_RATIO else 'NOT met'}); memory target <= {TARGET_GIB} GiB: "
          f"{'met' if card['peak_gib'] <= TARGET_GIB else 'NOT met'}")  # fmt: skip
    print(
        f"(process peak RSS includes the panel and the call table; "
        f"self max RSS of this driver {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
