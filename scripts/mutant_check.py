"""Run chosen tests against chosen mutants of a `make mutants` run, without mutmut's rerun.

    python scripts/mutant_check.py PATTERN [PATTERN ...] -- PYTEST_ARGS

PATTERN: mutant names or globs (``thematic.dates.x_text_dates__mutmut_*``); by default only
the mutants that survived the last run are taken (``--all`` takes every one matched).
PYTEST_ARGS: the tests to try, e.g. ``tests/test_dates.py``.  The tests come from the
current directory (a work tree with new tests), the mutated code from ``--mutants`` (the
``mutants/`` directory that `make mutants` wrote; the code of both must be the same).
Prints one line per mutant, ``killed`` or ``SURVIVED``, and a count.  Exit 0 when every
mutant tried was killed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNNER = (
    "import sys; sys.path.insert(0, sys.argv[1]); import pytest; "
    "sys.exit(pytest.main(['-p', 'no:cacheprovider', '-q', '-x', '--no-header', *sys.argv[2:]]))"
)


def mutant_names(mutants: Path, patterns: list[str], every: bool) -> list[str]:
    names = []
    for meta in sorted(mutants.rglob("*.py.meta")):
        for name, code in json.loads(meta.read_text())["exit_code_by_key"].items():
            if (every or code == 0) and any(fnmatch.fnmatch(name, p) for p in patterns):
                names.append(name)
    return names


def main() -> int:
    argv = sys.argv[1:]
    cut = argv.index("--") if "--" in argv else len(argv)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("patterns", nargs="+")
    parser.add_argument("--mutants", type=Path, default=ROOT / "mutants")
    parser.add_argument("--all", action="store_true", help="every mutant matched, not survivors")
    args = parser.parse_args(argv[:cut])
    pytest_args = argv[cut + 1 :]
    if not pytest_args:
        parser.error("name the tests to run after --")
    mutants = args.mutants.resolve()
    names = mutant_names(mutants, args.patterns, args.all)
    if not names:
        print("no mutant matched (survivors only unless --all)")
        return 1

    def run(name: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "MUTANT_UNDER_TEST": name, "THEMATIC_MUTATION": "1"}
        command = [sys.executable, "-c", RUNNER, str(mutants), *pytest_args]
        return subprocess.run(command, env=env, capture_output=True, text=True)

    clean = run("")  # a test failing on the unmutated code would count every mutant killed
    if clean.returncode != 0:
        print(clean.stdout[-3000:])
        print("the tests fail (or none ran) on the unmutated code: fix them first")
        return 2
    survived = 0
    for name in names:
        killed = run(name).returncode not in (0, 5)
        survived += not killed
        print(f"{'killed  ' if killed else 'SURVIVED'} {name}", flush=True)
    print(f"{len(names) - survived} of {len(names)} killed")
    return 0 if survived == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
