"""Hostile input, family by family (issue 19): a clear line and the right exit code, no file
lost, never a number read from a misread input.

The command runs in this process (``thematic.cli.main``): the same code as the installed
command, without a new interpreter per case.  Each case checks the exit code, that stderr is
one ``error:`` line naming what to fix, and that no file was touched.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import ROOT
from thematic.cli import main
from thematic.errors import BasketError, EventsError, UsageError

IDC = str(ROOT / "baskets" / "idc.yaml")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    """Run the command; return its exit code and the lines it wrote on stderr."""
    code = main(list(args))
    err = capsys.readouterr().err
    assert "Traceback" not in err and "internal error" not in err, err
    return code, err.splitlines()


def files_under(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file()}  # fmt: skip


# -- 4. duplicated YAML keys --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "key", "lines"),
    [
        ("id: dup\nname: n\nreport:\n  title: t\n  broker: b\n  published: 2024-03-22\n"
         "  published: 2024-04-22\nconstituents:\n  - {code: \"600519\"}\n", "published", (6, 7)),
        ("id: dup\nname: n\nreport: {title: t, broker: b, published: 2024-03-22}\n"
         "constituents:\n  - {code: \"600519\"}\nconstituents:\n  - {code: \"000001\"}\n",
         "constituents", (4, 6)),
        ("id: dup\nname: n\nreport: {title: t, broker: b, published: 2024-03-22}\n"
         "constituents:\n  - {code: \"600519\", code: \"000001\"}\n", "code", (5, 5)),
    ],
)  # fmt: skip
def test_duplicated_yaml_key_is_refused_naming_key_and_lines(
    tmp_path: Path, text: str, key: str, lines: tuple[int, int]
) -> None:
    from thematic.baskets import load_basket

    path = tmp_path / "dup.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(BasketError) as info:
        load_basket(path)
    assert str(info.value) == (
        f"{path}: key {key!r} is given twice (lines {lines[0]} and {lines[1]}); remove one"
    )


# -- 3. dates read by one rule ------------------------------------------------------------------
def _load(tmp_path: Path, name: str, text: str) -> pd.DataFrame:
    from thematic.events import load_events

    path = tmp_path / name
    path.write_text(text, "utf-8")
    return load_events(path)


def test_yyyymmdd_integers_are_that_date_in_csv_and_parquet(tmp_path: Path) -> None:
    from thematic.events import load_events

    csv = _load(tmp_path, "c.csv", "event_id,published,code\nc1,20240322,600519\n")
    assert csv["published"].iloc[0] == pd.Timestamp("2024-03-22")  # not 1970-01-01
    pq = tmp_path / "c.parquet"
    pd.DataFrame({"event_id": ["c1", "c2"], "published": [20240322, 20231229],
                  "code": ["600519", "000001"]}).to_parquet(pq)  # fmt: skip
    dates = load_events(pq)["published"].dt.strftime("%Y-%m-%d").tolist()
    assert dates == ["2024-03-22", "2023-12-29"]


@pytest.mark.parametrize(
    ("cell", "problem"),
    [
        ("20241399", "is not a date"),
        ("1712", "is not a date"),
        ("03/04/2024", "has the day and the month first"),
        ("3.4.24", "has the day and the month first"),
    ],
)
def test_unreadable_or_ambiguous_dates_are_refused_with_the_row(
    tmp_path: Path, cell: str, problem: str
) -> None:
    text = f"event_id,published,code\nc0,2024-03-22,600519\nc1,{cell},600519\n"
    with pytest.raises(EventsError, match=rf"c\.csv: row 3: published .*{problem}") as info:
        _load(tmp_path, "c.csv", text)
    assert "YYYY-MM-DD" in str(info.value)  # the accepted forms


def test_a_file_with_day_first_dates_is_refused_not_guessed_row_by_row(tmp_path: Path) -> None:
    # Read one per row, 03/04 became March 4 and 13/04 April 13: two rules in one file.
    text = "event_id,published,code\nc1,13/04/2024,600519\nc2,03/04/2024,600519\n"
    with pytest.raises(EventsError, match=r"row 2: published '13/04/2024' has the day"):
        _load(tmp_path, "c.csv", text)


def test_year_first_slash_dates_are_read(tmp_path: Path) -> None:
    df = _load(tmp_path, "c.csv", "event_id,published,code\nc1,2024/04/03,600519\n")
    assert df["published"].iloc[0] == pd.Timestamp("2024-04-03")


def test_mixed_time_zones_give_one_line(tmp_path: Path) -> None:
    text = ("event_id,published,code\nc1,2024-03-22T10:00+08:00,600519\n"
            "c2,2024-03-22T10:00+00:00,600519\n")  # fmt: skip
    with pytest.raises(EventsError, match=r"row 3: published .* mixes time zones"):
        _load(tmp_path, "c.csv", text)


def test_one_time_zone_keeps_the_local_date(tmp_path: Path) -> None:
    text = "event_id,published,code\nc1,2024-03-22T23:30+08:00,600519\n"
    assert _load(tmp_path, "c.csv", text)["published"].iloc[0] == pd.Timestamp("2024-03-22")


def test_a_future_date_is_refused_as_in_a_basket_file(tmp_path: Path) -> None:
    with pytest.raises(EventsError, match=r"row 2: published 2030-01-01 is in the future"):
        _load(tmp_path, "c.csv", "event_id,published,code\nc1,2030-01-01,600519\n")


# -- 12. events: no header, ids of two types -----------------------------------------------------
def test_csv_without_header_is_named_as_such(tmp_path: Path) -> None:
    with pytest.raises(EventsError, match=r"line 1 'c1,2024-03-22,600519' is not a header"):
        _load(tmp_path, "c.csv", "c1,2024-03-22,600519\n")


def test_ids_1_and_text_1_are_not_merged_silently() -> None:
    from thematic.events import validate_events

    ev = pd.DataFrame({"event_id": [1, "1"], "published": ["2024-03-22"] * 2,
                       "code": ["600519", "000001"]})  # fmt: skip
    with pytest.raises(EventsError, match=r"event_id 1 \(int\) and '1' \(str\) read as the same"):
        validate_events(ev)


# -- 8, 11. absurd sizes and values --------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--horizons", "99999999999999999999"], r"--horizons: '99999999999999999999' is more"),
        (["--horizons", "9223372036854775807"], r"--horizons: '9223372036854775807' is more"),
        (["--max-delay", "99999999999999999999"], r"--max-delay: 99999999999999999999 must be"),
        (["--max-delay", "3000000000"], r"--max-delay: 3000000000 must be a whole number"),
        (["--max-delay", "-1"], r"--max-delay: -1 must be"),
        (["--notional", "inf"], r"--notional: inf must be a positive number"),
        (["--notional", "1e308"], r"--notional: 1e\+308 must be a positive number"),
        (["--commission-bps", "inf"], r"--commission-bps: inf must be a number of basis"),
        (["--slippage-bps", "1e308"], r"--slippage-bps: 1e\+308 must be a number of basis"),
        (["--commission-bps", "nan"], r"--commission-bps: nan must be"),
    ],
)
@pytest.mark.parametrize("command", ["evaluate", "report", "show", "evaluate-events"])
def test_absurd_numbers_are_usage_errors_in_every_command(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str, args: list[str],
    message: str,
) -> None:  # fmt: skip
    calls = tmp_path / "calls.csv"
    calls.write_text("event_id,published,code\nc1,2024-03-22,300738\n", "utf-8")
    head = {
        "evaluate": ["evaluate", "--offline", IDC],
        "report": ["report", IDC, "--output", str(tmp_path / "r.html")],
        "show": ["show", "idc"],
        "evaluate-events": ["evaluate-events", str(calls)],
    }[command]
    before = files_under(tmp_path)
    code, lines = run(capsys, *head, *args)
    assert code == 2
    assert len(lines) == 1 and re.search(message, lines[0]), lines
    assert files_under(tmp_path) == before


def test_costs_refuse_infinite_values_in_python() -> None:
    from thematic.rules import Costs, Trading

    for kwargs in ({"notional": float("inf")}, {"commission_bps": float("inf")},
                   {"slippage_bps": 1e308}, {"notional": -1.0}):  # fmt: skip
        with pytest.raises(UsageError):
            Costs(**kwargs)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="max_delay"):
        Trading(max_delay=10**20)


# -- 5. outputs onto inputs, two options on one path, chart suffix -------------------------------
def test_output_onto_the_basket_file_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    basket = tmp_path / "idc.yaml"
    basket.write_bytes(Path(IDC).read_bytes())
    before = files_under(tmp_path)
    for args in (["evaluate", "--offline", str(basket), "--output", str(basket)],
                 ["evaluate", "--offline", str(tmp_path), "--metadata", str(basket)],
                 ["stats", str(basket), "--output", str(basket)],
                 ["report", str(basket), "--output", str(basket)]):  # fmt: skip
        code, lines = run(capsys, *args)
        assert code == 2 and len(lines) == 1, lines
        assert re.search(r"is an input of this command; it would be lost$", lines[0]), lines
    assert files_under(tmp_path) == before


def test_events_output_onto_the_events_file_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    calls = tmp_path / "calls.csv"
    calls.write_text("event_id,published,code\nc1,2024-03-22,300738\n", "utf-8")
    before = files_under(tmp_path)
    code, lines = run(capsys, "evaluate-events", str(calls), "--output", str(calls))
    assert code == 2 and lines == [f"error: --output: {calls} is an input of this command; "
                                   "it would be lost"]  # fmt: skip
    assert files_under(tmp_path) == before


def test_output_and_metadata_on_one_path_are_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "r.json"
    code, lines = run(capsys, "evaluate", "--offline", IDC, "--output", str(out),
                      "--metadata", str(out))  # fmt: skip
    assert code == 2
    assert lines == [f"error: --metadata: {out} is also given to --output; give each its own file"]
    assert not out.exists()


def test_history_chart_needs_a_png_name(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    hist = tmp_path / "hist"
    hist.mkdir()
    target = tmp_path / "basket.yaml"
    target.write_text("keep me", "utf-8")
    code, lines = run(capsys, "history", "idc", "--history", str(hist), "--chart", str(target))
    assert code == 2 and lines == [f"error: --chart: {target}: the chart is a PNG image; name it "
                                   "*.png"]  # fmt: skip
    assert target.read_text("utf-8") == "keep me"


# -- 10. the Python API raises the library's errors ---------------------------------------------
def test_evaluate_of_nothing_is_a_usage_error() -> None:
    import thematic

    with pytest.raises(UsageError, match="baskets: none given"):
        thematic.evaluate([])
    with pytest.raises(EventsError, match="has no rows"):
        thematic.evaluate_calls(pd.DataFrame({"event_id": [], "published": [], "code": []}))


def test_stats_seed_must_not_be_negative(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = run(capsys, "stats", IDC, "--seed", "-1", "--horizons", "20")
    assert code == 2 and lines == ["error: seed: -1 must be at least 0"]


# -- 6. the history ----------------------------------------------------------------------------
def _evaluate_into(capsys: pytest.CaptureFixture[str], hist: Path, *extra: str) -> list[str]:
    code, lines = run(capsys, "evaluate", "--offline", "--horizons", "20", "--format", "csv",
                      "--history", str(hist), *extra)  # fmt: skip
    assert code == 0, lines
    return lines


def test_history_keeps_rows_made_with_other_settings_or_basket_versions(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from thematic.history import read

    hist = tmp_path / "hist"
    basket = tmp_path / "idc.yaml"
    basket.write_bytes(Path(IDC).read_bytes())
    _evaluate_into(capsys, hist, str(basket))
    _evaluate_into(capsys, hist, str(basket))  # same settings, same data: replaced
    assert len(read(hist)) == 1
    _evaluate_into(capsys, hist, str(basket), "--untradable", "skip")
    _evaluate_into(capsys, hist, str(basket), "--commission-bps", "10")
    basket.write_text(basket.read_text("utf-8").replace("title:", "title: v2"), "utf-8")
    _evaluate_into(capsys, hist, str(basket))
    df = read(hist)
    assert len(df) == 4  # none replaced another: each says what it was made with
    assert df["settings"].str.contains("untradable=skip").sum() == 1
    assert df["settings"].str.contains("commission_bps=10.0").sum() == 1
    assert df["basket_hash"].nunique() == 2
    code = main(["history", "idc", "--history", str(hist)])
    out = capsys.readouterr().out
    assert code == 0 and "untradable=skip" in out and "commission_bps=10.0" in out


def test_a_damaged_history_file_is_set_aside_and_the_run_goes_on(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from thematic.history import read

    hist = tmp_path / "hist"
    _evaluate_into(capsys, hist, IDC)
    (damaged,) = hist.glob("as_of=*.parquet")
    other = hist / "as_of=2025-01-02.parquet"
    other.write_bytes(damaged.read_bytes())  # an intact file of another date
    damaged.write_bytes(damaged.read_bytes()[:100])  # truncated
    out = tmp_path / "latest.csv"
    lines = _evaluate_into(capsys, hist, IDC, "--output", str(out))
    assert any(re.search(r"unreadable history file .*set aside as .*quarantine", x)
               for x in lines), lines  # fmt: skip
    assert out.exists()
    assert len(list((hist / "quarantine").iterdir())) == 1
    assert len(read(hist)) == 2  # the new rows and the other date's


def test_history_skips_one_bad_file_and_reads_the_rest(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    hist = tmp_path / "hist"
    _evaluate_into(capsys, hist, IDC)
    (hist / "as_of=2025-01-02.parquet").write_bytes(b"not parquet")
    code = main(["history", "idc", "--history", str(hist), "--format", "csv"])
    captured = capsys.readouterr()
    assert code == 0 and len(captured.out.splitlines()) == 2
    assert re.search(r"^warning: .*as_of=2025-01-02.parquet: unreadable history file .*skipped$",
                     captured.err, re.M)  # fmt: skip


def test_an_unwritable_history_directory_is_found_before_the_evaluation(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    if os.geteuid() == 0:  # root may write anywhere: let the permission check see a user's view
        real = os.access
        monkeypatch.setattr(os, "access", lambda p, m: Path(p) != locked and real(p, m))
    out = tmp_path / "r.csv"
    code, lines = run(capsys, "evaluate", "--offline", IDC, "--history", str(locked / "h"),
                      "--output", str(out))  # fmt: skip
    assert code == 2 and lines == [
        f"error: --history: {locked / 'h'}: cannot write in {locked} (permission denied)"
    ]
    assert not out.exists()


def test_a_killed_writers_temporary_file_is_cleaned_up(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    hist = tmp_path / "hist"
    hist.mkdir()
    stale = hist / ".as_of=2025-08-22.parquet.abc123.tmp"
    stale.write_bytes(b"half")
    _evaluate_into(capsys, hist, IDC)
    assert not stale.exists()


# -- 14. the dense panel store has a checksum ----------------------------------------------------
def test_a_same_size_corruption_of_the_panel_store_is_caught(tmp_path: Path) -> None:
    import numpy as np

    from tests.helpers import PANEL
    from thematic.data.universe import load_saved_panel, save_panel
    from thematic.errors import CacheError

    target = tmp_path / "store"
    save_panel(PANEL, target, {"source": "test", "adjustment": "none", "as_of": "2024-03-27"})
    np.testing.assert_array_equal(load_saved_panel(target).close, PANEL.close)
    npy = target / "close.npy"
    raw = bytearray(npy.read_bytes())
    raw[-8:] = np.float64(99.0).tobytes()  # the last close, changed in place: same size
    npy.write_bytes(bytes(raw))
    with pytest.raises(CacheError, match=r"checksum mismatch in close\.npy"):
        load_saved_panel(target)


# -- 10. a bad --market directory ----------------------------------------------------------------
def _market(tmp_path: Path, bars: bytes | None = None, index: str | None = None) -> Path:
    market = tmp_path / "market"
    market.mkdir()
    frame = pd.DataFrame({
        "date": pd.to_datetime(["2024-03-22", "2024-03-25"]), "code": ["000001", "000001"],
        "open": [1.0, 1.1], "high": [1.2, 1.2], "low": [0.9, 1.0], "close": [1.1, 1.2],
    })  # fmt: skip
    frame.to_parquet(market / "ashare_daily_qfq.parquet")
    if bars is not None:
        (market / "ashare_daily_qfq.parquet").write_bytes(bars)
    default = "date,open,high,low,close,volume\n2024-03-22,1,1,1,1,1\n2024-03-25,1,1,1,1,1\n"
    (market / "csi300_daily.csv").write_text(index or default, "utf-8")
    return market


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("truncated", r"ashare_daily_qfq\.parquet: unreadable bars \(ArrowInvalid"),
        ("text close", r"csi300_daily\.csv: line 3: close 'n/a' is not a number$"),
        ("bad date", r"csi300_daily\.csv: line 2: date '22/03/2024' is not a date"),
    ],
)
def test_a_bad_market_directory_is_one_line_exit_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, kind: str, message: str
) -> None:
    index = {
        "text close": "date,open,high,low,close\n2024-03-22,1,1,1,1\n2024-03-25,1,1,1,n/a\n",
        "bad date": "date,open,high,low,close\n22/03/2024,1,1,1,1\n",
    }.get(kind)
    market = _market(tmp_path, b"PAR1 truncated" if kind == "truncated" else None, index)
    calls = tmp_path / "calls.csv"
    calls.write_text("event_id,published,code\nc1,2024-03-22,000001\n", "utf-8")
    code, lines = run(capsys, "evaluate-events", str(calls), "--market", str(market))
    assert code == 1
    assert len(lines) == 1 and re.search(message, lines[0]), lines


def test_an_unreachable_dask_scheduler_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("distributed")
    code, lines = run(capsys, "stats", IDC, "--dask-scheduler", "notanaddress")
    assert code == 2 and len(lines) == 1, lines
    assert lines[0].startswith("error: --dask-scheduler: cannot reach 'notanaddress'")


# -- 13. one basket without a placebo universe does not abort the others -------------------------
def _wide_market(tmp_path: Path, n_codes: int = 320, n_sessions: int = 90) -> Path:
    """A synthetic dump (seeded random walks): enough stocks for placebo draws late on."""
    import numpy as np

    rng = np.random.default_rng(7)
    dates = pd.bdate_range("2024-01-02", periods=n_sessions)
    codes = [f"{600000 + i}" for i in range(n_codes)]
    close = 10 * np.exp(np.cumsum(rng.normal(0, 0.01, (n_sessions, n_codes)), axis=0))
    bars = pd.DataFrame({
        "date": np.repeat(dates, n_codes), "code": np.tile(codes, n_sessions),
        "open": close.ravel(), "high": close.ravel() * 1.001, "low": close.ravel() * 0.999,
        "close": close.ravel(),
    })  # fmt: skip
    market = tmp_path / "market"
    market.mkdir()
    bars.to_parquet(market / "ashare_daily_qfq.parquet")
    bench = 1000 * np.exp(np.cumsum(rng.normal(0, 0.005, n_sessions)))
    pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "open": bench, "close": bench}).to_csv(
        market / "csi300_daily.csv", index=False
    )
    return market


def test_stats_gives_a_basket_without_universe_a_note_and_tests_the_others(
    tmp_path: Path,
) -> None:
    import numpy as np

    from thematic import event_stats
    from thematic.baskets import parse_basket

    market = _wide_market(tmp_path)

    def basket(bid: str, published: str) -> object:
        return parse_basket({"id": bid, "name": bid, "report": {"title": "t", "broker": "b",
                             "published": published},
                             "constituents": [{"code": "600001"}, {"code": "600002"}]})  # fmt: skip

    early, late = basket("early", "2024-01-10"), basket("late", "2024-04-19")
    df = event_stats([early, late], horizons=[5], placebo_draws=20, market=market,
                     est_window=20, est_gap=2, min_obs=10)  # fmt: skip
    rows = df.set_index("basket")
    assert np.isnan(rows.loc["early", "placebo_pct"])
    assert "no placebo: only 0 stocks are eligible" in rows.loc["early", "note"]
    assert np.isfinite(rows.loc["late", "placebo_pct"])
    assert [n[:18] for n in df.attrs["metadata"]["notices"]] == ["early: no placebo:"]


def test_report_placebo_without_universe_says_so_on_the_terminal(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "r.html"
    code, lines = run(capsys, "report", IDC, "--placebo", "5", "--horizons", "20",
                      "--output", str(out))  # fmt: skip
    assert code == 0
    assert any(x.startswith("warning: no placebo baskets: placebo: only ") for x in lines), lines
    assert "no placebo baskets" in out.read_text("utf-8")


# -- 9. a report whose basket has no daily curve (its only stock bought late) ---------------------
def test_charts_of_a_basket_without_a_daily_curve_say_so(tmp_path: Path) -> None:
    import warnings

    from thematic.output import charts

    curve = pd.DataFrame({"basket": pd.Series(dtype=str), "session": pd.Series(dtype=int),
                          "date": pd.Series(dtype="datetime64[ns]"),
                          **{c: pd.Series(dtype=float) for c in ("basket_return",
                             "benchmark_return", "excess_return")}})  # fmt: skip
    table = pd.DataFrame({"horizon": [5, 20], "excess_return": [0.004, 0.0064]})
    meta = {"benchmark": "000300", "entry_rule": "next_open"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (a legend without artists warned)
        figures = [charts.event_time_chart(curve, table, "停牌", meta),
                   charts.comparison_chart(curve, {}, meta)]  # fmt: skip
    for fig in figures:
        texts = [t.get_text() for ax in fig.axes for t in ax.texts]
        assert any(t.startswith("no daily curve") for t in texts), texts
        fig.savefig(tmp_path / "c.png")
