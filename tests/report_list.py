"""A local stand-in for Eastmoney's research-report list (the endpoint akshare reads).

Answers in the real JSON format (``hits, size, data, currentYear, pageNo, TotalPage``; each
report with the fields the live API returns), paged by ``pageNo``/``pageSize`` as the real
one is.  Served through ``responses`` (mocked ``requests``: no socket is opened).  The
reports are made up for the tests (titles, ids); the stocks, brokers and dates are real.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlparse

import responses

URL = "https://reportapi.eastmoney.com/report/list"


def report(
    info_code: str,
    code: str,
    name: str,
    broker: str,
    published: str,
    rating: str = "买入",
    title: str = "业绩稳健增长",
    industry: str = "通信设备",
) -> dict[str, Any]:
    """One report as the live API lists it (``publishDate`` as ``YYYY-MM-DD 00:00:00.000``)."""
    return {
        "title": title, "stockName": name, "stockCode": code, "orgCode": "80000031",
        "orgName": f"{broker}股份有限公司", "orgSName": broker,
        "publishDate": published if " " in published or not published[:4].isdigit()
        else f"{published} 00:00:00.000",
        "infoCode": info_code, "column": "001001004001",
        "predictNextTwoYearEps": "7.15", "predictNextTwoYearPe": "20.1",
        "predictNextYearEps": "5.20", "predictNextYearPe": "27.6",
        "predictThisYearEps": "3.10", "predictThisYearPe": "46.3",
        "predictLastYearEps": "", "predictLastYearPe": "", "actualLastTwoYearEps": "",
        "actualLastYearEps": "", "industryCode": "1276", "industryName": industry,
        "emIndustryCode": "016002", "indvInduCode": "447", "indvInduName": industry,
        "emRatingCode": "004" if rating else "", "emRatingValue": "1" if rating else "",
        "emRatingName": rating, "lastEmRatingCode": "", "lastEmRatingValue": "",
        "lastEmRatingName": "", "ratingChange": 3, "reportType": 0,
        "author": ["11000264301.张三"], "indvIsNew": "0", "researcher": "张三,李四",
        "newListingDate": None, "newPurchaseDate": None, "newIssuePrice": None,
        "newPeIssueA": None, "indvAimPriceT": "", "indvAimPriceL": "", "attachType": "0",
        "attachSize": 482, "attachPages": 6, "encodeUrl": "x7Jq3w==", "sRatingName": rating,
        "sRatingCode": "004", "market": "SHENZHEN", "authorID": ["11000264301"], "count": 12,
        "orgType": "03",
    }  # fmt: skip


@dataclass
class ReportListStandIn:
    """Serves ``reports[code]`` page by page; ``status[code]`` / ``garbage`` simulate faults."""

    reports: dict[str, list[dict[str, Any]]]
    page_size: int = 2
    status: dict[str, int] = field(default_factory=dict)
    garbage: set[str] = field(default_factory=set)
    requests: list[tuple[str, int]] = field(default_factory=list)

    def answer(self, request: Any) -> tuple[int, dict[str, str], str]:
        """The ``responses`` callback: the page asked for, in the real format."""
        query = parse_qs(urlparse(request.url).query)
        code = query["code"][0]
        page = int(query["pageNo"][0])
        self.requests.append((code, page))
        if code in self.status:
            return self.status[code], {}, "<html><body>Server Error</body></html>"
        if code in self.garbage:
            return 200, {"Content-Type": "application/json"}, '{"hits": 3, "data": [{"titl'
        rows = self.reports.get(code, [])
        total = -(-len(rows) // self.page_size)
        chunk = rows[(page - 1) * self.page_size : page * self.page_size]
        body = {"hits": len(rows), "size": len(chunk), "data": chunk, "currentYear": 2025,
                "pageNo": page, "TotalPage": total}  # fmt: skip
        return 200, {"Content-Type": "application/json"}, json.dumps(body, ensure_ascii=False)

    def install(self, mock: responses.RequestsMock) -> None:
        """Register the callback on an active ``responses`` mock."""
        mock.add_callback(responses.GET, URL, callback=self.answer)
