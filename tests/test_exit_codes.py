"""The README's exit-code contract, command by command: 0 success, 1 data, 2 usage or input.

Each case runs the command in this process (``thematic.cli.main``, offline, no network) and
checks the exit code and, for a failure, that stderr is one ``error:`` line without a
traceback.  A command that has no data problem of its own (``list``, ``show``, ``draft``)
has no exit-1 case.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT
from thematic.cli import main

IDC = str(ROOT / "baskets" / "idc.yaml")
# A valid A-share code neither the bundled snapshot nor an empty cache holds: nothing priced.
UNPRICED = "id: unpriced\nname: n\nreport: {title: t, broker: b, published: 2024-03-22}\n" \
           "constituents:\n  - {code: \"600519\"}\n"  # fmt: skip


def _files(tmp: Path) -> dict[str, Path]:
    unpriced = tmp / "unpriced.yaml"
    unpriced.write_text(UNPRICED, "utf-8")
    calls = tmp / "calls.csv"
    calls.write_text("event_id,published,code\nc1,2024-03-22,300738\n", "utf-8")
    calls_unpriced = tmp / "calls_unpriced.csv"
    calls_unpriced.write_text("event_id,published,code\nc1,2024-03-22,600519\n", "utf-8")
    report = tmp / "report.txt"
    report.write_text("中信证券 2024年3月22日\n建议关注：IDC奥飞数据（300738）。\n", "utf-8")
    (tmp / "empty_history").mkdir()
    return {"unpriced": unpriced, "calls": calls, "calls_unpriced": calls_unpriced,
            "report": report, "tmp": tmp}  # fmt: skip


CASES: list[tuple[str, int, list[str]]] = [
    ("evaluate", 0, ["evaluate", "--offline", IDC, "--horizons", "20"]),
    ("evaluate", 1, ["evaluate", "--offline", "{unpriced}", "--horizons", "20"]),
    ("evaluate", 2, ["evaluate", "--offline", IDC, "--horizons", "0"]),
    ("evaluate-events", 0, ["evaluate-events", "{calls}", "--horizons", "20"]),
    ("evaluate-events", 1, ["evaluate-events", "{calls_unpriced}", "--horizons", "20"]),
    ("evaluate-events", 2, ["evaluate-events", "{calls}", "--horizons", "20", "--max-delay",
                            "-3"]),
    ("stats", 0, ["stats", IDC, "--horizons", "20"]),
    ("stats", 1, ["stats", "{unpriced}", "--horizons", "20"]),
    ("stats", 2, ["stats", IDC, "--horizons", "20", "--seed", "-1"]),
    ("report", 0, ["report", IDC, "--horizons", "20", "--output", "{tmp}/r.html"]),
    ("report", 1, ["report", "{unpriced}", "--horizons", "20", "--output", "{tmp}/r.html"]),
    ("report", 2, ["report", IDC, "--output", "{tmp}/r.txt"]),
    ("history", 0, ["history", "idc", "--history", "{tmp}/h"]),
    ("history", 1, ["history", "--history", "{tmp}/empty_history"]),
    ("history", 2, ["history", "--history", "{tmp}/no_such_dir"]),
    ("refresh", 1, ["refresh", "--offline", IDC]),
    ("refresh", 2, ["refresh", "--offline", "{tmp}/no_such.yaml"]),
    ("list", 0, ["list"]),
    ("list", 2, ["list", "{tmp}/no_such.yaml"]),
    ("show", 0, ["show", "idc", "--horizons", "20"]),
    ("show", 2, ["show", "no_such_basket"]),
    ("draft", 0, ["draft", "{report}", "--output-dir", "{tmp}/drafts"]),
    ("draft", 2, ["draft", "{tmp}/no_such_report.pdf", "--output-dir", "{tmp}/drafts"]),
]  # fmt: skip


@pytest.mark.parametrize(("command", "expected", "argv"), CASES,
                         ids=[f"{c}-{e}" for c, e, _ in CASES])  # fmt: skip
def test_exit_code_contract(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str, expected: int,
    argv: list[str],
) -> None:  # fmt: skip
    files = _files(tmp_path)
    if command == "history" and expected == 0:
        assert main(["evaluate", "--offline", IDC, "--horizons", "20", "--format", "csv",
                     "--history", str(tmp_path / "h")]) == 0  # fmt: skip
        capsys.readouterr()
    args = [a.format(**{k: str(v) for k, v in files.items()}) for a in argv]
    code = main(args)
    err = capsys.readouterr().err
    assert code == expected, err
    assert "Traceback" not in err and "internal error" not in err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    if expected == 0:
        assert errors == []
    elif command != "refresh":  # refresh lists each failed series, then a summary line
        assert len(errors) == 1, err
