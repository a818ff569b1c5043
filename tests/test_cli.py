from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import responses

from thematic.cli import main
from thematic.constants import RESULT_COLUMNS


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_evaluate_csv_is_clean_and_complete(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "evaluate", "--offline", "--format", "csv")
    assert code == 0
    df = pd.read_csv(io.StringIO(out), dtype={"basket": str})
    assert list(df.columns) == list(RESULT_COLUMNS)
    assert len(df) == 7 * 6
    assert set(df["entry_rule"]) == {"next_open"}
    assert "warning: compute_infrastructure: 872808 曙光数创 excluded" in err
    assert "as of 2025-08-22" in err


def test_evaluate_json_records(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "evaluate", "--offline", "baskets/idc.yaml", "--format", "json",
                       "--horizons", "1,500", "--entry", "next_close")  # fmt: skip
    assert code == 0
    rows = json.loads(out)
    assert [list(r) for r in rows] == [list(RESULT_COLUMNS)] * 2
    assert rows[0]["entry_date"] == "2024-03-25" and rows[0]["entry_rule"] == "next_close"
    assert rows[1]["basket_return"] is None and rows[1]["exit_date"] is None
    assert rows[1]["note"].startswith("horizon ends after the last session")


def test_evaluate_table_and_output_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "evaluate", "--offline", "baskets/idc.yaml", "--horizons", "20")
    assert code == 0
    assert "entry rule: next_open" in out and "idc" in out and "%" in out
    target = tmp_path / "out" / "r.csv"
    meta = tmp_path / "meta.json"
    code, out, _ = run(capsys, "evaluate", "--offline", "--format", "csv", "--output",
                       str(target), "--metadata", str(meta))  # fmt: skip
    assert code == 0 and out == ""
    assert len(pd.read_csv(target)) == 42
    m = json.loads(meta.read_text())
    assert m["entry_rule"] == "next_open" and m["as_of"] == "2025-08-22"


def test_evaluate_is_idempotent(capsys: pytest.CaptureFixture[str]) -> None:
    first = run(capsys, "evaluate", "--offline", "--format", "json")[1]
    assert run(capsys, "evaluate", "--offline", "--format", "json")[1] == first


def test_bad_basket_is_one_line_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "idc.yaml"
    bad.write_text(Path("baskets/idc.yaml").read_text().replace('"300738"', '"30073"'))
    code, out, err = run(capsys, "evaluate", "--offline", str(bad))
    assert code == 2 and out == ""
    assert (
        err.strip() == f"error: {bad}: constituents[0].code '30073' is not a 6-digit A-share code"
    )


def test_bad_options_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "evaluate", "--offline", "--horizons", "5,abc")
    assert code == 2
    assert (
        err.strip()
        == "error: --horizons: 'abc' is not a positive whole number of sessions or 'max'"
    )
    with pytest.raises(SystemExit) as info:
        main(["evaluate", "--entry", "open"])
    assert info.value.code == 2


def test_list_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "list")
    assert code == 0 and len(out.splitlines()) == 7 and "光通信" in out
    code, out, _ = run(capsys, "show", "compute_infrastructure")
    assert code == 0
    assert (
        "872808  曙光数创" in out and "no data: no bars in the bundled snapshot: a Beijing" in out
    )
    assert "601138  工业富联" in out and "2019-01-02 .. 2025-08-22 (1612 sessions; snapshot" in out
    code, _, err = run(capsys, "show", "nope")
    assert code == 2 and "no basket 'nope'" in err


def test_real_process_prints_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "x.yaml"
    bad.write_text("id: x\nname: [\n")
    proc = subprocess.run([sys.executable, "-m", "thematic", "evaluate", "--offline", str(bad)],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"error: {bad}: invalid YAML at line")


@responses.activate
def test_evaluate_without_network_falls_back_with_one_notice(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import re

    import requests

    from thematic.data import network

    monkeypatch.setattr(network.Caller, "delay", lambda self, attempt: 0.0)
    responses.get(re.compile(".*"), body=requests.exceptions.ConnectionError("no route to host"))
    code, out, err = run(
        capsys, "evaluate", "baskets/idc.yaml", "--horizons", "20", "--format", "csv"
    )
    assert code == 0
    assert "network unavailable: evaluating from the cache, then the bundled snapshot" in err
    assert "come from the bundled snapshot (as of 2025-08-22)" in err
    assert pd.read_csv(io.StringIO(out))["basket_return"].round(12).tolist() == [-0.128146453089]
