"""The header of a report: its publication date, broker, title and analysts.

Each finder reads the text a person reads first (the opening lines, the byline, the
disclaimer) and returns ``None`` (or no names) when the report does not say.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from thematic.drafting.text import CJK, CUES, DATE_PATTERNS

#: Brokers recognised in headers (longest first so 中国银河证券 wins over 银河证券).
BROKERS = ("中国银河证券", "中信证券", "中信建投证券", "华泰证券", "国泰君安证券", "国泰海通证券",
           "海通证券", "招商证券", "广发证券", "中金公司", "申万宏源证券", "兴业证券", "东方证券",
           "国信证券", "天风证券", "光大证券", "安信证券", "长江证券", "方正证券", "民生证券",
           "开源证券", "浙商证券", "国金证券", "东吴证券", "华西证券", "西部证券", "德邦证券",
           "财通证券", "信达证券", "东北证券", "国海证券", "中泰证券", "华创证券", "国盛证券",
           "华安证券", "东兴证券", "平安证券", "首创证券", "华鑫证券", "国元证券", "山西证券",
           "华福证券", "国联证券", "国投证券", "太平洋证券", "中原证券", "华源证券", "甬兴证券",
           "东莞证券", "渤海证券", "财信证券", "万联证券", "中银证券", "银河证券")  # fmt: skip
BROKER_ALIASES = {"银河证券": "中国银河证券"}
#: How far into the text the header fields are looked for.
HEADER_CHARS = 2000


def find_date(text: str) -> dt.date | None:
    r"""Find the publication date: the earliest date in the header, never one in the body.

    Examples
    --------
    >>> find_date("数字经济专题报告\n2024年03月22日\n...相对沪深300表现图 2024-03-15")
    datetime.date(2024, 3, 22)
    >>> find_date("信息技术2024/2/18 吴砚靖") , find_date("no date here")
    (datetime.date(2024, 2, 18), None)
    """
    header = text[:HEADER_CHARS]
    found: list[tuple[int, dt.date]] = []
    for pattern in DATE_PATTERNS:
        for m in pattern.finditer(header):
            try:
                found.append((m.start(), dt.date(*map(int, m.groups()))))
            except ValueError:
                continue
    return min(found)[1] if found else None


def find_broker(text: str) -> str | None:
    """Find the broker: the known one named most often, else the one its disclaimer names.

    Examples
    --------
    >>> find_broker("本报告由甲乙证券股份有限公司制作。")  # not a known broker: its disclaimer
    '甲乙证券'
    """
    counts = {b: text.count(b) for b in BROKERS}
    # 中国银河证券 also contains 银河证券: count the long name only once.
    counts["银河证券"] -= counts["中国银河证券"]
    best = max(counts, key=lambda b: (counts[b], len(b)))
    if counts[best] > 0:
        return BROKER_ALIASES.get(best, best)
    m = re.search(rf"(?:由|系|为|:)\s*([{CJK}]{{2,4}}?证券)(?:股份)?有限(?:责任)?公司", text)
    m = m or re.search(rf"([{CJK}]{{2}}证券)(?:股份)?有限(?:责任)?公司", text)
    # A name standing alone in the header ("2024年7月8日 某某证券").
    m = m or re.search(rf"(?<![{CJK}])([{CJK}]{{2,3}}证券)(?![{CJK}])", text[:HEADER_CHARS])
    return m.group(1) if m else None


def _title_like(line: str) -> bool:
    return (
        8 <= len(line) <= 80
        and not any(p.search(line) for p in DATE_PATTERNS)
        and not re.search(r"分析师|研究员|证书|编号|免责|阅读|请务必|评级|www\.|http", line)
        and not any(cue in line for cue in CUES)
    )


def find_title(text: str) -> str | None:
    r"""Find the title: a header line repeated by the extraction, else the first heading.

    Title pages repeat the title; a web page or note opens with it (a Markdown ``#`` line,
    or the first title-like line).

    Examples
    --------
    >>> find_title("# 液冷：算力基础设施的新蓝海\n分析师：王某\n正文……")
    '液冷:算力基础设施的新蓝海'
    """
    lines = [unicodedata.normalize("NFKC", ln).strip() for ln in text[:HEADER_CHARS].splitlines()]
    lines = [ln for ln in lines if ln][:40]
    seen: dict[str, int] = {}
    for ln in lines:
        if _title_like(ln):
            seen[ln] = seen.get(ln, 0) + 1
    repeated = [ln for ln, n in seen.items() if n >= 2]
    if repeated:
        return max(repeated, key=len)
    for ln in lines[:12]:
        heading = ln.lstrip("#").strip()
        if ln.startswith("#") and len(heading) >= 4:
            return heading
    for ln in lines[:8]:
        if _title_like(ln) and re.search(rf"[{CJK}]", ln) and not ln.endswith(("。", ".")):
            return ln
    return None


def find_analysts(text: str, broker: str | None) -> list[str]:
    """Find the analysts, in the order the header names them.

    From ``分析师/研究员/证券分析师: 姓名[、姓名]``, a name beside a certificate number
    (``S`` and 13 digits), and header lines ``date 姓名、姓名 broker``.

    Examples
    --------
    >>> from thematic.drafting.text import normalize
    >>> find_analysts(normalize("证券分析师：王某 | S0130511090001 研究员：李四、赵五"), None)
    ['王某', '李四', '赵五']
    """
    header = text[:HEADER_CHARS]
    found: list[tuple[int, str]] = []
    role = r"(?:首席分析师|证券分析师|分析师|研究员|研究助理)"
    one = rf"[{CJK}]{{2,3}}"
    for m in re.finditer(rf"{role}[:\s]*({one}(?:、{one})*)(?![{CJK}])", header):
        found += [(m.start(1), n) for n in m.group(1).split("、")]
    for m in re.finditer(rf"({one})[\s|:]*S\d{{13}}", header):
        found.append((m.start(1), m.group(1)))
    if broker:
        pattern = rf"\d(?:日)?([{CJK}]{{2,3}}(?:、[{CJK}]{{2,3}})*){re.escape(broker)}"
        for m in re.finditer(pattern, header):
            found += [(m.start(1), n) for n in m.group(1).split("、")]
    # Words of the certificate line are not names (登记编码, 执业证书).
    roles = {"分析师", "研究员", "首席", "研究助理", "联系人"}
    names = [n for _, n in sorted(found)
             if n not in roles and not re.search(r"[编码号证书登记执业]", n)]  # fmt: skip
    return list(dict.fromkeys(names))
