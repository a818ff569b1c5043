"""Plant each of issue 22's eight small wrong changes in a scratch copy and name what fails.

Each change is applied alone to a fresh copy of the repository's tracked files (never to
the working tree), the fast tests that guard the engine, the costs, the rulebook and the
statistics run there against the copy's package, and the failing tests are listed.  A
change that fails no test is reported as "NOT CAUGHT" and the script exits 1.

    .venv/bin/python scripts/planted_changes.py          # all eight
    .venv/bin/python scripts/planted_changes.py 3 6      # only changes 3 and 6
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = [
    "tests/test_stats_golden.py",
    "tests/test_eventstats.py",
    "tests/test_placebo_boundaries.py",
    "tests/test_costs_by_hand.py",
    "tests/test_rulebook.py",
    "tests/test_tradability.py",
    "tests/test_engine.py",
    "tests/test_golden.py",
]
# The eight changes were named by their files as of 3dfda36; since the redesign the BMP, KP
# and bootstrap code lives in stats/significance.py (was stats/eventstudy.py), the sign
# test's share in runs/event_study.py (was eventstats.py) and the notional split in
# engine/kernels.py (was engine/returns.py).

#: (what, file, text before, text after): each `before` occurs exactly once in its file.
PLANTS = [
    ("BMP: car / car_sd -> car * car_sd", "thematic/stats/significance.py",
     "scar = car / car_sd", "scar = car * car_sd"),
    ("KP: bmp * kp_factor -> bmp / kp_factor", "thematic/stats/significance.py",
     "kp = bmp * kp_factor(rbar, n)", "kp = bmp / kp_factor(rbar, n)"),
    ("generalised sign: share / m -> / (m - 1)", "thematic/runs/event_study.py",
     "axis=1) / model.m", "axis=1) / (model.m - 1)"),
    ("bootstrap: / (1 + B) -> / B", "thematic/stats/significance.py",
     "/ (1 + len(t_star))", "/ len(t_star)"),
    ("placebo history: >= 60 -> > 60", "thematic/stats/placebo.py",
     ".sum(axis=0) >= MIN_HISTORY", ".sum(axis=0) > MIN_HISTORY"),
    ("per-stock notional: / w_event -> * w_event", "thematic/engine/kernels.py",
     "rules.notional) / np.take(events.w_event, ev_c)",
     "rules.notional) * np.take(events.w_event, ev_c)"),
    ("sell slippage set to 0", "thematic/engine/trading.py",
     "self.sell_rate = transfer + stamp + self.slippage", "self.sell_rate = transfer + stamp"),
    ("limit tolerance: 2.0 * -> 1.0 *", "thematic/engine/tradable.py",
     "tol = HALF_CENT / close + 2.0 * HALF_CENT / prev",
     "tol = HALF_CENT / close + 1.0 * HALF_CENT / prev"),
]  # fmt: skip


def copy_tree(dest: Path) -> None:
    """Copy the repository's tracked files (as they are in the working tree) to ``dest``."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                           check=True).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, files):
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)


def run_plant(number: int) -> list[str]:
    _, path, before, after = PLANTS[number - 1]
    with tempfile.TemporaryDirectory(prefix=f"plant-{number}-") as tmp:
        copy = Path(tmp)
        copy_tree(copy)
        target = copy / path
        text = target.read_text("utf-8")
        if text.count(before) != 1:
            raise SystemExit(f"plant {number}: {path} does not hold {before!r} exactly once")
        target.write_text(text.replace(before, after), "utf-8")
        env = {"PYTHONPATH": str(copy), "MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin"}
        which = subprocess.run([sys.executable, "-c", "import thematic; print(thematic.__file__)"],
                               cwd=copy, env=env, capture_output=True, text=True, check=True)  # fmt: skip
        if not Path(which.stdout.strip()).is_relative_to(copy):
            raise SystemExit(f"plant {number}: the copy imported {which.stdout.strip()}")
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-rf", "-p", "no:randomly", *TESTS, "--deselect",
             "tests/test_eventstats.py::test_placebo_on_the_full_market_is_seeded_and_matched"],
            cwd=copy, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
    return sorted(set(re.findall(r"^FAILED (\S+)", proc.stdout, flags=re.MULTILINE)))


def main(argv: list[str]) -> int:
    numbers = [int(a) for a in argv] or list(range(1, len(PLANTS) + 1))
    missed = 0
    for n in numbers:
        failed = run_plant(n)
        print(f"{n}. {PLANTS[n - 1][0]} ({PLANTS[n - 1][1]}): "
              + (f"caught by {len(failed)} test(s)" if failed else "NOT CAUGHT"))  # fmt: skip
        for name in failed:
            print(f"     {name}")
        missed += not failed
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
