"""The seams between floors: what a caller names, where a decision lives, what a use case returns."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import thematic
from thematic.cli import main
from thematic.errors import UsageError

BASKET = str(Path(__file__).resolve().parents[1] / "baskets" / "idc.yaml")


# -- messages name the caller's parameter ----------------------------------------------


def test_a_python_caller_is_told_market_not_the_flag(tmp_path: Path) -> None:
    # The dump is refused before it is read: the directory need not exist.
    with pytest.raises(UsageError, match=r"^market: the market dump has only the 000300 "
                       "benchmark, not H00300$"):  # fmt: skip
        thematic.evaluate(BASKET, market=tmp_path / "nope", benchmark="H00300")
    with pytest.raises(UsageError, match=r"^market: the market dump has only 000300, not H00300"):
        thematic.scorecard(pd.DataFrame(), market=tmp_path, benchmark="H00300")


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["evaluate", BASKET, "--benchmark", "H00300"],
         "--market: the market dump has only the 000300 benchmark, not H00300"),
        (["scorecard", "--benchmark", "H00300"],
         "--market: the market dump has only 000300, not H00300"),
    ],
)  # fmt: skip
def test_the_command_still_names_the_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], line: str
) -> None:
    assert main([*args, "--market", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert line in err, err
    assert "Traceback" not in err


# -- the placebo's universe comes through the data floor's seam -------------------------


def test_universe_codes_are_the_cached_stocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from thematic.data.sourcing import universe_codes

    for kind, code in (("stock", "600519"), ("stock", "000001"), ("index", "000300")):
        (tmp_path / kind).mkdir(exist_ok=True)
        (tmp_path / kind / f"{code}.parquet").write_bytes(b"")
    monkeypatch.setenv("THEMATIC_CACHE_DIR", str(tmp_path))
    assert universe_codes() == ["000001", "600519"]
    monkeypatch.setenv("THEMATIC_CACHE_DIR", str(tmp_path / "empty"))
    assert universe_codes() == []
