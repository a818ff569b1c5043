"""``thematic calls`` and ``thematic scorecard`` on the command line, against the stand-in."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import responses

from tests.report_list import ReportListStandIn, report
from thematic.calls import CALL_COLUMNS
from thematic.cli import main
from thematic.data import report_feed
from thematic.data.network import HttpPolicy
from thematic.runs.scorecard import SCORECARD_COLUMNS

BROKERS = ["中信证券", "华泰证券", "国泰君安"]


def stand_in() -> ReportListStandIn:
    days = ["2024-03-22", "2024-04-12", "2024-05-06", "2024-06-03", "2024-07-05", "2024-07-06"]
    lists = {
        code: [report(f"AP{code}{i}", code, name, BROKERS[(i + j) % 3], d,
                      rating=["买入", "增持", "中性"][i % 3]) for i, d in enumerate(days)]
        for j, (code, name) in enumerate([("300308", "中际旭创"), ("600941", "中国移动"),
                                          ("601138", "工业富联")])
    }  # fmt: skip
    lists["300308"].append(report("APbad", "300308", "中际旭创", "中信证券", "2024-02-30"))
    return ReportListStandIn(lists, page_size=4, status={"000034": 500})


@pytest.fixture(autouse=True)
def fast_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = HttpPolicy(retries=1, backoff=0.0, jitter=0.0, min_interval=0.0)
    monkeypatch.setattr(report_feed, "HttpPolicy", lambda: fast)


def fetch(capsys: pytest.CaptureFixture[str], *codes: str) -> tuple[int, str]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        stand_in().install(mock)
        code = main(["calls", "fetch", *codes])
    return code, capsys.readouterr().err


def test_fetch_names_the_failing_code_and_saves_the_rest(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, err = fetch(capsys, "300308", "000034", "600941")
    assert code == 1
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "000034" in errors[0] and "HTTP 500" in errors[0]
    assert "300308: 7 reports (7 new)" in err
    assert "2 of 3 codes fetched" in err
    assert fetch(capsys, "300308", "600941")[0] == 0


def test_fetch_usage_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["calls", "fetch"]) == 2
    assert "name codes, --baskets DIR" in capsys.readouterr().err
    bad = tmp_path / "codes.txt"
    bad.write_text("300308\n30030\n", encoding="utf-8")
    assert main(["calls", "fetch", "--codes-file", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "line 2: '30030' is not a 6-digit A-share code" in err


def test_list_formats_and_filters(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    fetch(capsys, "300308", "600941", "601138")
    assert main(["calls", "list", "--format", "csv"]) == 0
    out, err = capsys.readouterr()
    table = pd.read_csv(pd.io.common.StringIO(out), dtype=str)
    assert list(table.columns) == list(CALL_COLUMNS)
    assert len(table) == 18
    assert "APbad 300308 '2024-02-30 00:00:00.000'" in err  # dropped, shown raw
    assert main(["calls", "list", "--broker", "中信证券", "--rating", "buy,outperform",
                 "--since", "2024-04-01", "--format", "json"]) == 0  # fmt: skip
    rows = json.loads(capsys.readouterr().out)
    assert rows and all(r["broker"] == "中信证券" and r["rating"] in ("buy", "outperform")
                        and r["published"] >= "2024-04-01" for r in rows)  # fmt: skip
    assert main(["calls", "list", "--code", "600941"]) == 0
    text = capsys.readouterr().out
    assert "中国移动" in text and "中际旭创" not in text
    assert main(["calls", "list", "--since", "2024-13-01"]) == 2
    assert "--since: '2024-13-01' is not a date" in capsys.readouterr().err
    assert main(["calls", "list", "--rating", "strong"]) == 2
    assert "--rating: 'strong' is not one of" in capsys.readouterr().err


def test_events_file_feeds_evaluate_events(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fetch(capsys, "300308", "600941")
    events = tmp_path / "calls.csv"
    assert main(["calls", "events", "--rating", "buy", "--output", str(events)]) == 0
    table = pd.read_csv(events, dtype=str)
    assert list(table.columns) == ["event_id", "published", "code"]
    assert table["event_id"].str.fullmatch(r"AP\d+:\d{6}").all()
    capsys.readouterr()
    assert main(["evaluate-events", str(events), "--horizons", "20", "--format", "csv"]) == 0
    result = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out))
    assert sorted(result["basket"]) == sorted(table["event_id"])


def test_scorecard_text_csv_json_html(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    fetch(capsys, "300308", "600941", "601138")
    assert main(["scorecard", "--by", "broker", "--horizons", "20,60"]) == 0
    out = capsys.readouterr().out
    assert "scorecard by broker" in out and "CR1" in out and "中信证券" in out
    assert "benchmark: 000300 (price index)" in out and "as of 2025-08-22" in out
    csv = tmp_path / "card.csv"
    page = tmp_path / "card.html"
    assert main(["scorecard", "--by", "broker,rating", "--output", str(csv),
                 "--html", str(page)]) == 0  # fmt: skip
    card = pd.read_csv(csv)
    assert list(card.columns) == ["broker", "rating", *SCORECARD_COLUMNS]
    assert set(card["rating"]) == {"buy", "outperform"}
    html = page.read_text(encoding="utf-8")
    assert html.count('alt="forest plot at horizon') == 3 and "@font-face" in html
    assert "Benjamini-Hochberg" in html and "中信证券" in html
    assert main(["scorecard", "--format", "json", "--horizons", "20"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["horizon"] for r in rows} == {20}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--by", "analyst"], "--by: 'analyst' is not one of"),
        (["--ratings", "strong-buy"], "--ratings: 'strong-buy' is not one of"),
        (["--min-calls", "0"], "--min-calls: 0 must be at least 1"),
        (["--horizons", "20,x"], "--horizons"),
        (["--output", "card.xlsx"], "unknown suffix '.xlsx'"),
    ],
)
def test_scorecard_usage_errors(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["scorecard", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_scorecard_without_calls_is_a_data_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scorecard"]) == 1
    assert "no call left to score" in capsys.readouterr().err


def test_fetch_baskets_and_parquet_events(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        stand = stand_in()
        stand.install(mock)
        assert main(["calls", "fetch", "--baskets", "baskets/idc.yaml"]) == 0
    assert [c for c, _ in stand.requests] == ["300738"]  # idc's one constituent
    assert "300738: 0 reports" in capsys.readouterr().err
    fetch(capsys, "600941")
    out = tmp_path / "calls.parquet"
    assert main(["calls", "events", "--output", str(out)]) == 0
    events = pd.read_parquet(out)
    assert list(events.columns) == ["event_id", "published", "code"] and len(events) == 6


def test_fetch_with_the_network_down(capsys: pytest.CaptureFixture[str]) -> None:
    import requests

    with responses.RequestsMock() as mock:
        mock.add(responses.GET, "https://reportapi.eastmoney.com/report/list",
                 body=requests.ConnectionError("Failed to resolve"))  # fmt: skip
        assert main(["calls", "fetch", "300308", "600941"]) == 1
    err = capsys.readouterr().err
    assert "network unreachable: 2 of 2 codes skipped (300308, 600941)" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["scorecard", "--by", "broker,broker"], "--by: 'broker' is given twice"),
        (["scorecard", "--horizons", "20,max"], "--horizons: 'max' has no fixed event window"),
        (["calls", "list", "--since", "2024-07-01", "--until", "2024-01-01"],
         "--since: 2024-07-01 is after --until: 2024-01-01"),
        (["scorecard", "--since", "2024-07-01", "--until", "2024-01-01"],
         "--since: 2024-07-01 is after --until"),
        (["calls", "list", "--code", "600519.SH"],
         "--code: '600519.SH' is not a 6-digit A-share code (write 600519)"),
        (["calls", "events", "--code", "sh600519", "--output", "x.csv"],
         "--code: 'sh600519' is not a 6-digit A-share code"),
        (["scorecard", "--code", "60051"], "--code: '60051' is not a 6-digit A-share code"),
        (["calls", "list", "--since", "03-04-2024"], "--since: '03-04-2024' is not a date"),
        (["calls", "list", "--until", "today"], "--until: 'today' is not a date"),
    ],
)  # fmt: skip
def test_odd_filters_are_refused_not_guessed(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    message: str,
) -> None:
    """A filter that cannot match, or a date or code that would be guessed, is exit 2 with one
    line (before: 0 calls and exit 0, a day-first date read month-first, or a traceback for a
    repeated --by key)."""
    monkeypatch.chdir(tmp_path)
    fetch(capsys, "300308", "600941")
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
    assert not (tmp_path / "x.csv").exists()


def test_year_first_dates_in_any_separator_filter_alike(capsys: pytest.CaptureFixture[str]) -> None:
    fetch(capsys, "300308")
    seen = set()
    for since in ("2024-04-12", "2024/4/12", "2024.04.12", "20240412"):
        assert main(["calls", "list", "--since", since, "--format", "csv"]) == 0
        seen.add(capsys.readouterr().out)
    assert len(seen) == 1 and seen.pop().count("\n") == 6  # header + 5 calls from 2024-04-12


def test_a_damaged_list_is_said_once_with_the_command_that_mends_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: the same warning twice, ending 'its reports will be re-fetched', which
    `calls list` never does."""
    monkeypatch.setenv("THEMATIC_CACHE_DIR", str(tmp_path))
    fetch(capsys, "300308", "600941")
    (tmp_path / "calls" / "300308.parquet").write_bytes(b"PAR1 damaged")
    assert main(["calls", "list", "--format", "csv"]) == 0
    err = capsys.readouterr().err
    assert err.count("300308.parquet: unreadable") == 1
    assert "`thematic calls fetch 300308`" in err
    code, err = fetch(capsys, "300308")
    assert code == 0 and "300308: 7 reports" in err and "calls fetch 300308`" not in err


def test_an_output_onto_an_input_is_refused_and_the_input_kept(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: `calls events --output <cache>/calls/300308.parquet` replaced the cached report
    list with the events table (the next read set it aside as damaged), and
    `evaluate-events calls.csv --output calls.csv` replaced its own input with the results."""
    monkeypatch.setenv("THEMATIC_CACHE_DIR", str(tmp_path / "cache"))
    fetch(capsys, "300308")
    cached = tmp_path / "cache" / "calls" / "300308.parquet"
    before = cached.read_bytes()
    assert main(["calls", "events", "--output", str(cached)]) == 2
    assert "--output: " in capsys.readouterr().err and cached.read_bytes() == before
    events = tmp_path / "calls.csv"
    events.write_text("event_id,published,code\na,2024-03-22,300308\n", encoding="utf-8")
    assert main(["evaluate-events", str(events), "--output", str(events)]) == 2
    err = capsys.readouterr().err
    assert "is an input of this command" in err and err.count("\n") == 1
    assert events.read_text(encoding="utf-8").startswith("event_id,published,code\na,")
    assert main(["scorecard", "--html", str(tmp_path / "a.txt"), "--output",
                 str(tmp_path / "a.txt")]) == 2  # fmt: skip
    assert "--html: " in capsys.readouterr().err and not (tmp_path / "a.txt").exists()


def test_a_codes_file_with_a_byte_order_mark_or_binary(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Before: a codes file saved with a byte-order mark (Notepad, Excel) failed on line 1,
    and a binary file was an internal error (UnicodeDecodeError)."""
    codes = tmp_path / "codes.txt"
    codes.write_bytes(b"\xef\xbb\xbf300308\r\n# comment\r\n600941\r\n")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        stand_in().install(mock)
        assert main(["calls", "fetch", "--codes-file", str(codes)]) == 0
    assert "2 of 2 codes fetched" in capsys.readouterr().err
    codes.write_bytes(b"\xf9\x00\x13binary")
    assert main(["calls", "fetch", "--codes-file", str(codes)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not UTF-8 text (byte 0)" in err
