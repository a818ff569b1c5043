"""The seams between floors: what a caller names, where a decision lives, what a use case returns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import responses
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

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


# -- the event study answers with a typed result; event_stats keeps its DataFrame ----------


def test_study_events_is_typed_and_event_stats_is_the_same_answer_in_attrs() -> None:
    import dataclasses
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", thematic.ThematicWarning)
        study = thematic.study_events(BASKET, horizons="20,60", resamples=50)
        df = thematic.event_stats(BASKET, horizons="20,60", resamples=50)
    assert isinstance(study, thematic.EventStudy)
    with pytest.raises(dataclasses.FrozenInstanceError):
        study.table = df  # type: ignore[misc]
    assert list(study.table.columns) == list(thematic.STATS_COLUMNS)
    assert study.table.attrs == {}  # the parts live in the result's fields, not in attrs
    pd.testing.assert_frame_equal(df, study.table)
    assert list(df.attrs) == ["constituents", "daily", "placebo", "metadata"]
    for name in ("constituents", "daily", "placebo"):
        pd.testing.assert_frame_equal(df.attrs[name], getattr(study, name))
    assert df.attrs["metadata"] == study.metadata
    assert set(study.constituents["horizon"]) == {20, 60} and len(study.placebo) == 0
    assert study.daily["day"].max() == 60


# -- refresh before use: the use case decides, the command passes --offline -----------------


@responses.activate
def test_evaluate_refreshes_first_and_falls_back_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import re

    import requests

    from thematic.data import network
    from thematic.errors import RefreshWarning

    monkeypatch.setenv("THEMATIC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(network.Caller, "delay", lambda self, attempt: 0.0)
    responses.get(re.compile(".*"), body=requests.exceptions.ConnectionError("no route to host"))
    with pytest.warns(RefreshWarning, match="^network unavailable: evaluating from the cache"):
        online = thematic.evaluate(BASKET, horizons="20", refresh=True)
    tried = len(responses.calls)
    assert tried > 0
    offline = thematic.evaluate(BASKET, horizons="20")  # the default: no network
    assert len(responses.calls) == tried
    pd.testing.assert_frame_equal(online, offline)
    # -0.128146453089: the idc basket's 20-session return from the snapshot, as the CLI's
    # fallback test pins it.
    assert online["basket_return"].round(12).tolist() == [-0.128146453089]


# -- the validator's arrays are the engine's input: validated and factorised once ----------

T = 10
DATES = pd.bdate_range("2024-01-02", periods=T)


@settings(max_examples=40, deadline=None)
@given(
    closes=arrays(np.float64, (T, 3), elements=st.floats(1.0, 50.0) | st.just(np.nan)),
    rows=st.lists(
        st.tuples(st.integers(0, 4), st.integers(-2, T + 1), st.integers(0, 3), st.integers(0, 23)),
        min_size=1, max_size=14,
    ),
    weighted=st.booleans(),
    entry=st.sampled_from(["next_open", "next_close"]),
)  # fmt: skip
def test_event_arrays_give_the_tables_the_dataframe_gives(
    closes: np.ndarray, rows: list[tuple[int, int, int, int]], weighted: bool, entry: str
) -> None:
    from thematic.data.panel import PricePanel
    from thematic.events import EventArrays, validate_and_factorize

    # Three stocks (600000-600002) and a code the panel lacks (600003); an event's date is
    # its first row's, with an hour that must not move entry; a code once per event.
    codes = [f"{600000 + i}" for i in range(3)]
    panel = PricePanel(DATES, pd.Index(codes), closes * 0.99, closes, "000300",
                       np.linspace(100, 110, T), np.linspace(100.5, 111, T))  # fmt: skip
    first_day = {}
    table = []
    for event, day, code, hour in rows:
        if any(r[0] == f"e{event}" and r[2] == f"{600000 + code}" for r in table):
            continue
        d = first_day.setdefault(event, day)
        table.append((f"e{event}", DATES[0] + pd.Timedelta(days=d, hours=hour), f"{600000 + code}"))
    events = pd.DataFrame(table, columns=["event_id", "published", "code"])
    if weighted:
        events["weight"] = 1.0 / events.groupby("event_id")["code"].transform("size")
    _, arrays_ = validate_and_factorize(events)
    assert isinstance(arrays_, EventArrays) and len(arrays_) == len(events)
    by_table = thematic.evaluate_events(panel, events, [1, 3, "max"], entry)
    by_arrays = thematic.evaluate_events(panel, arrays_, [1, 3, "max"], entry)
    pd.testing.assert_frame_equal(by_table.table, by_arrays.table)
    pd.testing.assert_frame_equal(by_table.missing, by_arrays.missing)
    pd.testing.assert_frame_equal(by_table.trades, by_arrays.trades)


def test_evaluate_calls_validates_and_factorises_the_calls_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import warnings

    from thematic.engine import encode as encode_module
    from thematic.engine import evaluate as evaluate_module

    def refuse(events: pd.DataFrame) -> None:
        raise AssertionError("validated or factorised again")

    monkeypatch.setattr(evaluate_module, "check_and_factorize", refuse)
    monkeypatch.setattr(encode_module, "_factorize", refuse)
    calls = pd.DataFrame({"event_id": ["r1", "r1", "r2"], "code": ["300308", "300502", "300308"],
                          "published": ["2024-03-22", "2024-03-22", "2024-06-03"]})  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", thematic.ThematicWarning)
        out = thematic.evaluate_calls(calls, horizons="1,5")
    assert out["basket"].astype(str).tolist() == ["r1", "r1", "r2", "r2"]
    assert out["n_constituents"].tolist() == [2, 2, 1, 1]


def test_draft_messages_name_the_callers_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from thematic.drafting import write_drafts
    from thematic.errors import DraftError

    report = tmp_path / "r.txt"
    report.write_text("2024年3月22日\n建议关注：光通信中际旭创（300308）。", encoding="utf-8")
    out = tmp_path / "drafts"
    write_drafts(report, out)
    with pytest.raises(DraftError, match=r"already exists \(and 0 more\); pass force=True to"):
        write_drafts(report, out)
    (tmp_path / "afile").write_text("", encoding="utf-8")
    with pytest.raises(DraftError, match=r"^output_dir: .*afile/sub: .*afile is a file"):
        write_drafts(report, tmp_path / "afile" / "sub")
    # The command names its flags, as before.
    assert main(["draft", str(report), "--output-dir", str(out)]) == 2
    assert "already exists (and 0 more); pass --force to overwrite" in capsys.readouterr().err
    assert main(["draft", str(report), "--output-dir", str(tmp_path / "afile" / "sub")]) == 2
    assert f"--output-dir: {tmp_path / 'afile' / 'sub'}: " in capsys.readouterr().err


def test_the_placebo_advice_names_the_callers_parameter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import warnings

    # An empty cache: the universe is the basket's own stocks, far too few to draw from.
    monkeypatch.setenv("THEMATIC_CACHE_DIR", str(tmp_path))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", thematic.ThematicWarning)
        with pytest.raises(UsageError, match=r"draws need a few hundred; pass market=DIR \(e"):
            thematic.event_stats(BASKET, horizons="20", placebo_draws=10, resamples=10)
    assert main(["stats", BASKET, "--horizons", "20", "--placebo", "10"]) == 2
    assert "draws need a few hundred; pass --market DIR (e.g." in capsys.readouterr().err
