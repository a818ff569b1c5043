"""Wall-clock of `thematic evaluate` on the shipped baskets from the snapshot, cold.

    python benchmarks/bench_cli.py [--runs 7]

Each run is a new Python process (import cost counts), output discarded.  Target: <= 1.5 s.
Also prints which heavy modules the command imported (vectorbt, akshare, matplotlib must not).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("vectorbt", "akshare", "matplotlib", "numba", "scipy")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    cmd = [sys.executable, "-m", "thematic", "evaluate", "--offline", "--format", "csv"]
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    probe = (
        "import sys, runpy; sys.argv = ['thematic', 'evaluate', '--offline', '--format', 'csv'];"
        "import contextlib, io\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
        "    from thematic.cli import main; main(sys.argv[1:])\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()
    print(f"thematic evaluate (7 baskets x 6 horizons, snapshot), {args.runs} cold runs:")
    print(f"  min {min(times):.2f} s, median {statistics.median(times):.2f} s, "
          f"max {max(times):.2f} s (target <= 1.5 s)")  # fmt: skip
    print(f"  heavy modules imported: {loaded or 'none'}")
    return 0 if statistics.median(times) <= 1.5 and not loaded else 1


if __name__ == "__main__":
    sys.exit(main())
