"""Print the mutation score per module from mutmut's results under mutants/ (`make mutants`).

Score = killed (a test failed, or the run timed out) / mutants checked.  Mutants not checked
yet (a run cut short, or limited to some modules) are counted apart, never as killed.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KILLED = {1, 3, 36, 24, -24, 152, 255}  # mutmut's exit codes for killed and timeout
SURVIVED = {0}
NO_TESTS = {5, 33}


def main() -> int:
    metas = sorted((ROOT / "mutants").rglob("*.py.meta"))
    if not metas:
        print("no mutation results: run `make mutants` first")
        return 1
    total: Counter[str] = Counter()
    print(
        f"{'module':40} {'killed':>7} {'survived':>9} {'no tests':>9} {'unchecked':>10} {'score':>7}"
    )
    for meta in metas:
        codes = json.loads(meta.read_text())["exit_code_by_key"].values()
        c = Counter(
            "killed" if x in KILLED else "survived" if x in SURVIVED else
            "no tests" if x in NO_TESTS else "unchecked" if x is None else "other"
            for x in codes
        )  # fmt: skip
        total.update(c)
        checked = c["killed"] + c["survived"] + c["no tests"] + c["other"]
        score = f"{100 * c['killed'] / checked:.1f}%" if checked else "-"
        name = str(meta.relative_to(ROOT / "mutants")).removesuffix(".meta")
        print(f"{name:40} {c['killed']:7} {c['survived']:9} {c['no tests']:9} "
              f"{c['unchecked']:10} {score:>7}")  # fmt: skip
    checked = total["killed"] + total["survived"] + total["no tests"] + total["other"]
    score = f"{100 * total['killed'] / checked:.1f}%" if checked else "-"
    print(f"{'all checked':40} {total['killed']:7} {total['survived']:9} {total['no tests']:9} "
          f"{total['unchecked']:10} {score:>7}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
