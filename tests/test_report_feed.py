"""Report lists through akshare against a local stand-in of Eastmoney's endpoint (no network).

The stand-in (``tests/report_list.py``) answers in the real JSON format, paged; akshare's
own ``stock_research_report_em`` reads it, so its paging, renaming and quirks are exercised.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests
import responses

from tests.report_list import ReportListStandIn, report
from thematic.calls import CALL_COLUMNS, CallTableWarning, fetch_calls, load_calls
from thematic.data.network import Caller, HttpPolicy
from thematic.data.report_feed import CallsCache, fetch_into_cache
from thematic.errors import DamagedFileWarning

FAST = HttpPolicy(retries=2, backoff=0.0, jitter=0.0, min_interval=0.0)


def caller() -> Caller:
    return Caller(FAST, sleep=lambda s: None)


def lists() -> dict[str, list[dict[str, Any]]]:
    a = [
        report("AP202403221", "300308", "中际旭创", "中信证券", "2024-03-22"),
        report("AP202403232", "300308", "中际旭创", "华泰证券", "2024-03-23", rating="增持"),
        report("AP202404013", "300308", "中际旭创", "国泰君安", "2024-04-01", rating=""),
        report("AP202404024", "300308", "中际旭创", "招商证券", "2024-13-45", rating="中性"),
        report("AP202404035", "300308", "中际旭创", "中金公司", "2024-04-03", rating="强烈推荐"),
    ]
    a.insert(3, dict(a[0]))  # the same report listed again on the next page
    b = [report("AP202405066", "600941", "中国移动", "中信证券", "2024-05-06", rating="减持")]
    return {"300308": a, "600941": b, "002236": []}


@pytest.fixture
def stand() -> ReportListStandIn:
    return ReportListStandIn(lists(), page_size=2, status={"000034": 500}, garbage={"002230"})


def run(stand: ReportListStandIn, codes: list[str], root: Path, **kw: Any) -> Any:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        stand.install(mock)
        return fetch_into_cache(codes, CallsCache(root), caller(), **kw)


def test_paging_duplicates_dates_ratings(stand: ReportListStandIn, tmp_path: Path) -> None:
    report_ = run(stand, ["300308", "600941"], tmp_path)
    assert [r.status for r in report_.results] == ["ok", "ok"]
    # 6 rows on 3 pages of 2 (akshare reads page 1 twice: once for TotalPage).
    assert [p for c, p in stand.requests if c == "300308"] == [1, 1, 2, 3]
    assert report_.results[0].reports == 5 and report_.results[0].duplicates == 1
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        calls = load_calls(cache_root=tmp_path)
    texts = [str(w.message) for w in caught if issubclass(w.category, CallTableWarning)]
    assert list(calls.columns) == list(CALL_COLUMNS)
    # Unparseable date: dropped, counted, shown with the text the server sent.
    assert any("1 report(s) with an unparseable date dropped: AP202404024 300308 "
               "'2024-13-45 00:00:00.000'" in t for t in texts)  # fmt: skip
    assert any("'强烈推荐'" in t and "kept as 'other'" in t for t in texts)
    by_id = calls.set_index("report_id")
    assert by_id.loc["AP202403221", "rating"] == "buy"
    assert by_id.loc["AP202403232", "rating"] == "outperform"
    assert by_id.loc["AP202404013", "rating"] == "unrated"
    assert by_id.loc["AP202404035", "rating"] == "other"
    assert by_id.loc["AP202405066", "rating"] == "underperform"
    # A Saturday report is kept with its date (entry is the next session, Monday).
    assert by_id.loc["AP202403232", "published"] == pd.Timestamp("2024-03-23")
    assert by_id.loc["AP202403221", "pdf_url"] == "https://pdf.dfcfw.com/pdf/H3_AP202403221_1.pdf"
    assert by_id.loc["AP202403221", "broker"] == "中信证券"
    assert by_id.loc["AP202403221", "industry"] == "通信设备"
    assert len(calls) == 5  # 7 rows - 1 duplicate - 1 bad date
    assert calls.attrs["dropped"] == {"duplicates": 0, "bad_dates": 1}


def test_no_reports_500_and_garbage(stand: ReportListStandIn, tmp_path: Path) -> None:
    report_ = run(stand, ["002236", "000034", "002230", "600941"], tmp_path)
    status = {r.code: r for r in report_.results}
    assert status["002236"].status == "ok" and status["002236"].reports == 0  # KeyError infoCode
    assert status["000034"].status == "failed"
    assert "000034" in status["000034"].message and "HTTP 500" in status["000034"].message
    assert stand.requests.count(("000034", 1)) == 3  # retried twice
    assert status["002230"].status == "failed" and "malformed answer" in status["002230"].message
    assert status["600941"].status == "ok"  # the rest are saved
    assert CallsCache(tmp_path).codes() == ["002236", "600941"]
    assert "2 failed" in report_.summary()


def test_refetch_merges_by_report_id_and_keeps_reports_gone_upstream(
    stand: ReportListStandIn, tmp_path: Path
) -> None:
    run(stand, ["600941"], tmp_path)
    cache = CallsCache(tmp_path)
    first = cache.read("600941")
    assert first is not None
    stand.reports["600941"] = [
        report("AP202406017", "600941", "中国移动", "华泰证券", "2024-06-01"),
        report("AP202405066", "600941", "中国移动", "中信证券", "2024-05-06", rating="增持"),
    ]
    again = run(stand, ["600941"], tmp_path)
    assert again.results[0].new == 1
    merged = cache.read("600941")
    assert merged is not None
    assert sorted(merged["report_id"]) == ["AP202405066", "AP202406017"]
    assert merged.set_index("report_id").loc["AP202405066", "rating_cn"] == "增持"  # newer wins
    stand.reports["600941"] = []  # everything gone upstream
    run(stand, ["600941"], tmp_path)
    kept = cache.read("600941")
    assert kept is not None and sorted(kept["report_id"]) == ["AP202405066", "AP202406017"]


def test_damaged_file_is_set_aside_and_refetched(stand: ReportListStandIn, tmp_path: Path) -> None:
    run(stand, ["600941"], tmp_path)
    cache = CallsCache(tmp_path)
    cache.path("600941").write_bytes(b"PAR1 not really")
    with pytest.warns(DamagedFileWarning, match="600941"):
        assert cache.read("600941") is None
    assert len(list((cache.root / "quarantine").iterdir())) == 1
    assert cache.messages and "re-fetched" in cache.messages[0]
    run(stand, ["600941"], tmp_path)
    assert cache.read("600941") is not None


def test_altered_file_fails_its_checksum(stand: ReportListStandIn, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    run(stand, ["300308"], tmp_path)
    cache = CallsCache(tmp_path)
    table = pq.read_table(cache.path("300308"))
    frame = table.to_pandas()
    frame.loc[0, "broker"] = "某证券"
    pq.write_table(table.from_pandas(frame, preserve_index=False)
                   .replace_schema_metadata(table.schema.metadata), cache.path("300308"))  # fmt: skip
    with pytest.warns(DamagedFileWarning, match="checksum mismatch"):
        assert cache.read("300308") is None


def test_killed_all_run_resumes(stand: ReportListStandIn, tmp_path: Path) -> None:
    codes = ["300308", "600941", "002236"]

    def kill_after_two(r: Any) -> None:
        if r.code == "600941":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(stand, codes, tmp_path, resume=True, on_result=kill_after_two)
    state = json.loads((CallsCache(tmp_path).root / ".fetch-all.json").read_text())
    assert state["done"] == ["300308", "600941"]
    stand.requests.clear()
    report_ = run(stand, codes, tmp_path, resume=True)
    assert [c for c, _ in stand.requests] == ["002236"]  # only what was left
    assert report_.resumed == 2 and "already done" in report_.summary()
    assert not (CallsCache(tmp_path).root / ".fetch-all.json").exists()  # finished: forgotten


def test_network_down_skips_the_rest(tmp_path: Path) -> None:
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, "https://reportapi.eastmoney.com/report/list",
                 body=requests.ConnectionError("Failed to resolve"))  # fmt: skip
        report_ = fetch_into_cache(["300308", "600941"], CallsCache(tmp_path), caller())
    assert [r.status for r in report_.results] == ["skipped", "skipped"]
    assert "network unreachable" in report_.results[0].message
    assert CallsCache(tmp_path).codes() == []


def test_fetch_calls_returns_the_call_table(stand: ReportListStandIn, tmp_path: Path) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        stand.install(mock)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CallTableWarning)
            calls = fetch_calls(["600941", "000034"], cache_root=tmp_path, caller=caller())
    assert list(calls.columns) == list(CALL_COLUMNS)
    assert calls["report_id"].tolist() == ["AP202405066"]
    assert [f["status"] for f in calls.attrs["fetch"]] == ["ok", "failed"]


def test_an_answer_without_data_is_not_zero_reports(tmp_path: Path) -> None:
    # akshare fails on KeyError 'infoCode' for an empty list; only TotalPage 0 means "none".
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, "https://reportapi.eastmoney.com/report/list",
                 json={"hits": 3, "data": None, "currentYear": 2025, "TotalPage": 1})  # fmt: skip
        report_ = fetch_into_cache(["300308"], CallsCache(tmp_path), caller())
    assert report_.results[0].status == "failed"
    assert "missing field 'infoCode'" in report_.results[0].message
