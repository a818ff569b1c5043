"""The calls use case on 100k calls over the real A-share universe in ../shared/market.

    python benchmarks/bench_calls.py [--market DIR] [--calls 100000] [--repeat 5]

Draws the calls as ``bench_engine.py`` draws events (seed 20240322, horizons
1,5,20,60,120,250; a call is one row, one stock of an event) and keeps ``--calls`` rows.
Then times, best of ``--repeat`` rounds on a warm panel (the rounds interleave the
variants, so a busy machine slows them alike):

- ``thematic.evaluate_calls`` end to end from the call table (validation, panel, engine,
  metadata);
- the validation alone (``validate_and_factorize``: the table and its ``EventArrays``);
- the engine handed the validated *table* (``validate=False``): it factorises the ids, codes
  and dates again, as ``evaluate_calls`` did before it handed over the arrays (the baseline);
- the engine handed the validator's ``EventArrays`` (what ``evaluate_calls`` does now).

Prints each time, the baseline over the arrays hand-over (the ratio), and checks that all
three results are equal to the last bit.  Skips with a message when the shared data is absent.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_engine import HORIZONS, SEED, draw_events  # noqa: E402

import thematic  # noqa: E402
from thematic.events import validate_and_factorize  # noqa: E402


def main() -> int:
    """Time the use case, the validation and the two hand-overs; print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--market", type=Path, default=ROOT.parent / "shared" / "market")
    ap.add_argument("--calls", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    if not (args.market / "ashare_daily_qfq.parquet").exists():
        print(f"skipped: no market dump in {args.market}")
        return 0
    # The drawn calls name a few stocks the shipped table lacks (delisted): said once here.
    warnings.simplefilter("ignore", thematic.ThematicWarning)
    panel = thematic.load_market_panel(args.market)
    events = draw_events(panel, args.calls // 3 + 1, np.random.default_rng(SEED))
    calls = events.head(args.calls).reset_index(drop=True)
    table, arrays = validate_and_factorize(calls, check_known=True)
    runs: dict[str, Callable[[], Any]] = {
        "evaluate_calls (use case, end to end)": lambda: thematic.evaluate_calls(
            calls, HORIZONS, market=args.market
        ),
        "validate_and_factorize alone": lambda: validate_and_factorize(calls, check_known=True),
        "engine on the validated table (before)": lambda: (
            thematic.evaluate_events(panel, table, HORIZONS, validate=False).table
        ),
        "engine on the EventArrays (now)": lambda: (
            thematic.evaluate_events(panel, arrays, HORIZONS).table
        ),
    }
    for fn in runs.values():  # warm: the panel store, the engine's memoised arrays
        fn()
    best = dict.fromkeys(runs, float("inf"))
    out: dict[str, Any] = {}
    for _ in range(args.repeat):
        for name, fn in runs.items():
            start = time.perf_counter()
            out[name] = fn()
            best[name] = min(best[name], time.perf_counter() - start)
    names = list(runs)
    case, before, now = out[names[0]], out[names[2]], out[names[3]]
    same = case.equals(now) and before.equals(now)
    print(f"{len(calls):,} calls ({calls['event_id'].nunique():,} events) x {len(HORIZONS)} "
          f"horizons, best of {args.repeat} interleaved rounds")  # fmt: skip
    for name in names:
        print(f"{name + ':':42s} {best[name]:7.3f} s")
    print(f"{'before / now (engine hand-over):':42s} {best[names[2]] / best[names[3]]:7.2f}x")
    print(f"{'results equal to the last bit:':42s} {same}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
