"""The akshare provider against HTTP mocked at the requests layer (no network).

Payloads follow the real endpoints' formats and carry real prices from the snapshot.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pandas as pd
import pytest
import requests
import responses

from thematic.data.akshare_provider import AkshareProvider, _to_bars
from thematic.data.cache import PriceCache
from thematic.data.network import Caller, HttpPolicy
from thematic.data.refresh import refresh
from thematic.data.snapshot import SnapshotProvider
from thematic.errors import BlockedError, ProviderError, UnknownCodeError, ValidationError

EM_URL = "https://push2his.eastmoney.com/api/qt/stock/kline/get"
TX_START_URL = "https://web.ifzq.gtimg.cn/other/klineweb/klineWeb/weekTrends"
TX_URL = "https://proxy.finance.qq.com/ifzqgtimg/appstock/app/newfqkline/get"
SINA_HIST = "https://finance.sina.com.cn/realstock/company/sz300308/hisdata_klc2/klc_kl.js"
SINA_AMOUNT = re.compile(r"https://stock\.finance\.sina\.com\.cn/stock/api/jsonp\.php/.*")
SINA_HFQ = "https://finance.sina.com.cn/realstock/company/sz300308/hfq.js"

SNAP = SnapshotProvider()
BARS = SNAP.fetch_daily("300308").loc["2024-03-20":"2024-03-29"]
INDEX = SNAP.fetch_index_daily("000300").loc["2024-03-20":"2024-03-29"]


def em_stock_payload(bars: pd.DataFrame = BARS, code: str = "300308") -> dict[str, Any]:
    """Eastmoney kline JSON: date,open,close,high,low,volume,amount,amplitude,pct,chg,turnover."""
    lines = []
    prev = bars["close"].iloc[0]
    for d, r in bars.iterrows():
        lines.append(
            f"{d:%Y-%m-%d},{r.open:.2f},{r.close:.2f},{r.high:.2f},{r.low:.2f},{r.volume:.0f},"
            f"{r.volume * 100 * r.close:.2f},{(r.high - r.low) / prev * 100:.2f},"
            f"{(r.close / prev - 1) * 100:.2f},{r.close - prev:.2f},1.23"
        )
        prev = r.close
    return {"rc": 0, "rt": 17, "svr": 181669437, "lt": 1, "full": 0, "dlmkts": "",
            "data": {"code": code, "market": 0, "name": "中际旭创", "decimal": 2,
                     "dktotal": len(lines), "preKPrice": 0.0, "klines": lines}}  # fmt: skip


def em_index_payload(bars: pd.DataFrame = INDEX) -> dict[str, Any]:
    """Eastmoney index kline JSON: date,open,close,high,low,volume,amount,amplitude."""
    lines = [
        f"{d:%Y-%m-%d},{r.open:.4f},{r.close:.4f},{r.high:.4f},{r.low:.4f},{r.volume / 100:.0f},"
        f"{r.volume * 3.5:.1f},1.52"
        for d, r in bars.iterrows()
    ]
    return {"rc": 0, "rt": 17, "svr": 181669437, "lt": 1, "full": 0, "dlmkts": "",
            "data": {"code": "000300", "market": 1, "name": "沪深300", "decimal": 2,
                     "dktotal": len(lines), "klines": lines}}  # fmt: skip


def tx_payload(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
    """Tencent newfqkline JSONP for the year in the request, from the snapshot bars."""
    var = re.search(r"_var=([a-z0-9_]+)", request.url or "").group(1)  # type: ignore[union-attr]
    year = int(var[-4:])
    rows = [
        [f"{d:%Y-%m-%d}", f"{r.open:.3f}", f"{r.close:.3f}", f"{r.high:.3f}", f"{r.low:.3f}",
         f"{r.volume:.3f}", {}, "2.01", f"{r.volume * r.close / 100:.3f}"]
        for d, r in BARS.iterrows() if d.year == year
    ]  # fmt: skip
    body = {"code": 0, "msg": "", "data": {"sz300308": {"hfqday": rows, "qt": {}}}}
    return 200, {}, f"{var}={json.dumps(body)}"


def tx_start_payload() -> str:
    return 'trend_qfq={"code":0,"msg":"","data":[["2017-02-10","65.52","60.20"]]}'


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def provider(sleeps: list[float]) -> AkshareProvider:
    policy = HttpPolicy(timeout=2.5, retries=2, backoff=0.5, jitter=0.0, min_interval=0.0)
    return AkshareProvider(policy, caller=Caller(policy, sleep=sleeps.append))


def assert_same_bars(got: pd.DataFrame, want: pd.DataFrame, volume_tol: float = 0.5) -> None:
    assert list(got.index) == list(want.index)
    for col in ("open", "high", "low", "close"):
        assert (got[col] - want[col]).abs().max() <= 5e-5, col
    assert (got["volume"] - want["volume"]).abs().max() <= volume_tol


@responses.activate
def test_eastmoney_stock_happy_path(provider: AkshareProvider) -> None:
    responses.get(EM_URL, json=em_stock_payload())
    bars = provider.fetch_daily("300308")
    assert_same_bars(bars, BARS)
    info = provider.info("300308")
    assert (info.source, info.adjustment, info.first) == ("eastmoney", "hfq", "2024-03-20")
    request = responses.calls[0].request
    assert "secid=0.300308" in request.url and "fqt=2" in request.url  # hfq
    assert request.req_kwargs["timeout"] == 2.5  # type: ignore[attr-defined]


@responses.activate
def test_eastmoney_index_happy_path_gets_a_timeout_akshare_does_not_pass(
    provider: AkshareProvider,
) -> None:
    responses.get(EM_URL, json=em_index_payload())
    bars = provider.fetch_index_daily("000300")
    assert_same_bars(bars, INDEX.assign(volume=(INDEX["volume"] / 100).round()))
    assert "secid=1.000300" in responses.calls[0].request.url
    # stock_zh_index_daily_em calls requests.get without a timeout: ours is applied.
    assert responses.calls[0].request.req_kwargs["timeout"] == 2.5  # type: ignore[attr-defined]


@responses.activate
def test_fallback_to_tencent_after_5xx_with_backoff(
    provider: AkshareProvider, sleeps: list[float]
) -> None:
    responses.get(EM_URL, status=502, body="<html>Bad Gateway</html>")
    responses.get(TX_START_URL, body=tx_start_payload())
    responses.add_callback(responses.GET, TX_URL, callback=tx_payload)
    bars = provider.fetch_daily("300308")
    assert_same_bars(bars, BARS)
    assert provider.info("300308").source == "tencent"
    em_calls = [c for c in responses.calls if c.request.url.startswith(EM_URL)]
    assert len(em_calls) == 3  # first try + 2 retries
    assert sleeps == [0.5, 1.0]  # exponential backoff (jitter 0 here)
    assert "used tencent after: eastmoney 300308: failed 3 times: HTTP 502" in provider.log[0]


@responses.activate
def test_sina_is_the_last_resort(
    provider: AkshareProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    responses.get(EM_URL, body="not json at all")
    responses.get(TX_START_URL, body=tx_start_payload())
    responses.get(TX_URL, body="kline_dayhfq2024={broken")
    rows = [f"{d:%Y-%m-%d},{r.open},{r.high},{r.low},{r.close},{r.volume * 100},{r.volume * r.close}"
            for d, r in BARS.iterrows()]  # fmt: skip
    responses.get(SINA_HIST, body=f'var KLC_KL_sz300308="{"|".join(rows)}";')
    responses.get(
        SINA_AMOUNT,
        body='var KKE_ShareAmount_sz300308=({"data":[{"date":"2024-01-02","amount":"80000"}]})',
    )
    responses.get(
        SINA_HFQ, body='var sz300308hfq={"total":1,"data":[{"d":"2019-01-02","f":"1.0000"}]}\n/* */'
    )

    class Decoder:  # stands in for V8 decoding Sina's obfuscated (proprietary) encoding
        def eval(self, _: str) -> None:
            return None

        def call(self, _: str, text: str) -> list[dict[str, str]]:
            keys = ("date", "open", "high", "low", "close", "volume", "amount")
            return [dict(zip(keys, row.split(","), strict=True)) for row in text.split("|")]

    monkeypatch.setattr("akshare.stock.stock_zh_a_sina.py_mini_racer.MiniRacer", Decoder)
    bars = provider.fetch_daily("300308")
    assert_same_bars(bars, BARS, volume_tol=1e-6)
    assert provider.info("300308").source == "sina"


@responses.activate
def test_timeouts_are_retried_then_reported(provider: AkshareProvider, sleeps: list[float]) -> None:
    responses.get(EM_URL, body=requests.exceptions.ReadTimeout("read timed out"))
    p = AkshareProvider(provider.caller.policy, sources=["eastmoney"], caller=provider.caller)
    with pytest.raises(ProviderError, match="eastmoney 300308: failed 3 times: timed out"):
        p.fetch_daily("300308")
    assert len(sleeps) == 2


@responses.activate
def test_blocked_is_recognised_and_not_hammered(provider: AkshareProvider) -> None:
    responses.get(EM_URL, status=403, body="<html>Forbidden</html>")
    responses.get(TX_START_URL, status=429, body="Too Many Requests")
    p = AkshareProvider(
        provider.caller.policy, sources=["eastmoney", "tencent"], caller=provider.caller
    )
    with pytest.raises(
        BlockedError, match=r"eastmoney 300308: the server refuses our requests \(HTTP 403\)"
    ):
        p.fetch_daily("300308")
    assert len(responses.calls) == 2  # one request per source, no retries against a block


@responses.activate
def test_malformed_json(provider: AkshareProvider) -> None:
    responses.get(EM_URL, body="<html>captcha</html>", content_type="text/html")
    p = AkshareProvider(provider.caller.policy, sources=["eastmoney"], caller=provider.caller)
    with pytest.raises(ProviderError, match=r"eastmoney 300308: .*malformed answer"):
        p.fetch_daily("300308")
    assert len(responses.calls) == 1  # not transient: no retry


@responses.activate
def test_empty_data_everywhere_is_an_unknown_code(provider: AkshareProvider) -> None:
    responses.get(EM_URL, json={"rc": 0, "data": None})
    p = AkshareProvider(provider.caller.policy, sources=["eastmoney"], caller=provider.caller)
    with pytest.raises(
        UnknownCodeError, match="872808: no source has data \\(a Beijing Stock Exchange code"
    ):
        p.fetch_daily("872808")
    assert "secid=0.872808" in responses.calls[0].request.url


@responses.activate
def test_changed_payload_shape_is_a_clear_error(provider: AkshareProvider) -> None:
    payload = em_stock_payload()
    payload["data"]["klines"] = [",".join(k.split(",")[:7]) for k in payload["data"]["klines"]]
    responses.get(EM_URL, json=payload)
    p = AkshareProvider(provider.caller.policy, sources=["eastmoney"], caller=provider.caller)
    with pytest.raises(
        ProviderError, match="eastmoney 300308: HTTP 200; ValueError: Length mismatch"
    ):
        p.fetch_daily("300308")


def test_renamed_column_names_the_change() -> None:
    raw = pd.DataFrame({"日期": ["2024-03-25"], "开盘": [1.0], "收盘价": [1.0], "最高": [1.0],
                        "最低": [1.0], "成交量": [1.0]})  # fmt: skip
    cols = {
        "日期": "date",
        "开盘": "open",
        "最高": "high",
        "最低": "low",
        "收盘": "close",
        "成交量": "volume",
    }
    with pytest.raises(
        ValidationError,
        match=r"eastmoney 300308: answer lacks column\(s\) \['收盘'\] \(akshare schema change\?\)",
    ):
        _to_bars(raw, cols, 1.0, "eastmoney", "300308")


@responses.activate
def test_invalid_prices_leave_the_cache_untouched(provider: AkshareProvider, tmp_path) -> None:  # type: ignore[no-untyped-def]
    cache = PriceCache(tmp_path)
    responses.get(EM_URL, json=em_stock_payload(BARS.iloc[:6]))
    p = AkshareProvider(provider.caller.policy, sources=["eastmoney"], caller=provider.caller)
    refresh(["300308"], [], p, cache, today=pd.Timestamp("2024-03-27").date())
    before = cache.path("300308", "stock").read_bytes()
    bad = BARS.copy()
    bad.loc["2024-03-28", "high"] = bad.loc["2024-03-28", "low"] - 1  # high below open/close
    responses.replace(responses.GET, EM_URL, json=em_stock_payload(bad))
    report = refresh(["300308"], [], p, cache, today=pd.Timestamp("2024-03-29").date())
    (r,) = report.results
    assert r.status == "failed"
    assert "eastmoney 300308: high below max(open, close) in 1 row(s): 2024-03-28" in r.message
    assert cache.path("300308", "stock").read_bytes() == before


@responses.activate
def test_network_down_skips_the_rest_quickly(provider: AkshareProvider, tmp_path, sleeps) -> None:  # type: ignore[no-untyped-def]
    responses.get(
        re.compile(".*"), body=requests.exceptions.ConnectionError("Name or service not known")
    )
    report = refresh(
        ["300308", "300502", "300394"], ["000300"], provider, PriceCache(tmp_path), workers=1
    )
    assert [r.status for r in report.results] == ["skipped"] * 4
    assert "network unreachable" in report.results[0].message
    assert "skipped: the network is unreachable this run" in report.results[1].message
    assert len(sleeps) == 2  # retries on the first series only


@responses.activate
def test_rebase_detected_through_the_overlap_check(provider: AkshareProvider, tmp_path) -> None:  # type: ignore[no-untyped-def]
    cache = PriceCache(tmp_path)
    p = AkshareProvider(provider.caller.policy, sources=["eastmoney"], caller=provider.caller)
    responses.get(EM_URL, json=em_stock_payload(BARS.iloc[:6]))
    refresh(["300308"], [], p, cache, today=pd.Timestamp("2024-03-27").date())
    # A dividend: the vendor rebases every earlier price; the overlap no longer matches.
    rebased = BARS.copy()
    rebased.loc[:"2024-03-26", ["open", "high", "low", "close"]] *= 0.97
    responses.replace(responses.GET, EM_URL, json=em_stock_payload(rebased))
    (r,) = refresh(["300308"], [], p, cache, today=pd.Timestamp("2024-03-29").date()).results
    assert r.status == "rebased" and "rebase or correction" in r.message
    cached = cache.read("300308", "stock")
    assert cached is not None
    assert cached.bars.loc["2024-03-20", "close"] == pytest.approx(
        round(BARS.loc["2024-03-20", "close"] * 0.97, 2)
    )
    assert len(cached.bars) == len(BARS)


CSINDEX_URL = "https://www.csindex.com.cn/csindex-home/perf/index-perf"


def csindex_payload(bars: pd.DataFrame = INDEX, with_opens: bool = False) -> dict[str, Any]:
    """China Securities Index index-perf JSON: one record per day, 16 fields in the site's order
    (akshare maps them by position).  The levels are the snapshot's CSI 300 closes standing in
    for H00300's: this checks the parsing, not the level of the total-return index."""
    rows = []
    for d, r in bars.iterrows():
        rows.append({
            "tradeDate": f"{d:%Y%m%d}", "indexCode": "H00300",
            "indexNameCnAll": "沪深300全收益指数", "indexNameCn": "沪深300全收益",
            "indexNameEnAll": "CSI 300 Total Return Index", "indexNameEn": "CSI 300 TR",
            "open": round(r.open, 2) if with_opens else None,
            "high": round(r.high, 2) if with_opens else None,
            "low": round(r.low, 2) if with_opens else None,
            "close": round(r.close, 2), "change": None, "changePct": None,
            "tradingVol": None, "tradingValue": None, "consNumber": 300, "peg": None,
        })  # fmt: skip
    return {"code": "200", "msg": "成功", "data": rows, "success": True}


@responses.activate
def test_csindex_total_return_index_with_closes_only(provider: AkshareProvider) -> None:
    responses.get(CSINDEX_URL, json=csindex_payload())
    bars = provider.fetch_index_daily("H00300", start=pd.Timestamp("2024-03-20").date(),
                                      end=pd.Timestamp("2024-03-29").date())  # fmt: skip
    request = responses.calls[0].request
    assert "indexCode=H00300" in request.url and "startDate=20240320" in request.url
    assert list(bars.index) == list(INDEX.index)
    assert (bars["close"] - INDEX["close"].round(2)).abs().max() < 1e-9
    # No opens published: the open is the previous close (no overnight gap), said in the info.
    assert bars["open"].iloc[1] == bars["close"].iloc[0]
    assert bars["open"].iloc[0] == bars["close"].iloc[0]
    assert (bars["high"] >= bars[["open", "close"]].max(axis=1)).all()
    info = provider.info("H00300")
    assert info.source == "csindex" and info.adjustment.startswith("total return index")


@responses.activate
def test_csindex_with_opens_keeps_them(provider: AkshareProvider) -> None:
    responses.get(CSINDEX_URL, json=csindex_payload(with_opens=True))
    bars = provider.fetch_index_daily("H00300")
    assert (bars["open"] - INDEX["open"].round(2)).abs().max() < 1e-9


def test_a_total_return_benchmark_the_snapshot_lacks_is_one_clear_error() -> None:
    import warnings

    import thematic
    from thematic.errors import UnknownCodeError

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(UnknownCodeError, match=r"H00300: index not in the bundled snapshot"):
            thematic.evaluate("baskets/idc.yaml", horizons="20", benchmark="H00300")
