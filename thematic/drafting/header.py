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


def find_broker(text: str, furniture: str = "") -> str | None:
    r"""Find the broker: the known one named most often, else the one the report names itself.

    ``furniture`` is what a web page keeps around the report (its ``<title>``, byline and
    footer), where the broker is often named and nowhere else.  A broker not in
    :data:`BROKERS` is read from a disclaimer (``本报告仅供XX证券股份有限公司客户使用``,
    ``由XX证券股份有限公司制作``, ``©2024 XX证券股份有限公司``) or a byline (``XX证券研究所``).

    Examples
    --------
    >>> find_broker("本报告由甲乙证券股份有限公司制作。")  # not a known broker: its disclaimer
    '甲乙证券'
    >>> find_broker("免责声明\n本报告仅供东海岸证券股份有限公司客户使用。")
    '东海岸证券'
    >>> find_broker("正文", furniture="标题 - 测试证券\n©2024 测试证券股份有限公司 版权所有")
    '测试证券'
    """
    both = f"{text}\n{furniture}"
    counts = {b: both.count(b) for b in BROKERS}
    # 中国银河证券 also contains 银河证券: count the long name only once.
    counts["银河证券"] -= counts["中国银河证券"]
    best = max(counts, key=lambda b: (counts[b], len(b)))
    if counts[best] > 0:
        return BROKER_ALIASES.get(best, best)
    name = rf"([{CJK}]{{2,5}}?证券)"
    company = r"(?:股份)?有限(?:责任)?公司"
    for pattern in (
        rf"(?:仅供|由|系|为|属于|归|版权所有|©\s*\d{{0,4}})\s*{name}{company}",  # disclaimers
        rf"(?:^|(?<=[^{CJK}]))([{CJK}]{{2,4}}证券){company}",  # a company name on its own
        rf"(?:^|(?<=[^{CJK}])|来源:|机构:)([{CJK}]{{2,4}}证券)(?:研究所|研究院|研究部|发展研究中心)",
    ):
        m = re.search(pattern, both, flags=re.MULTILINE)
        if m:
            return m.group(1)
    # A name standing alone in the header or on the page ("2024年7月8日 某某证券", "标题 - 某某证券").
    m = re.search(
        rf"(?<![{CJK}])([{CJK}]{{2,4}}证券)(?![{CJK}])", f"{text[:HEADER_CHARS]}\n{furniture}"
    )
    return m.group(1) if m else None


#: Category lines printed above the headline (证券研究报告 | 行业周报, 行业深度报告·计算机).
BANNER = re.compile(
    r"研究报告|深度报告|专题报告|点评报告|行业(?:深度|周报|点评|专题|研究|跟踪|动态|月报)"
    r"|(?:年度|中期|投资)策略$|策略专题|公司(?:研究|点评|深度)|跟踪分析|晨会|^[^:：]{1,8}周报$"
)
#: Template markers some reports carry into their text ("[Table_Title] ...").
_MARKER = re.compile(r"^\s*(?:\[Table_\w+\]|#{1,6})\s*")


def _banner(line: str) -> bool:
    """Tell a category banner from a headline: short parts between separators, no colon."""
    if re.search(r"[:：]", line):
        return False
    parts = [p for p in re.split(r"\s*[|｜·•/]\s*", line) if p.strip()]
    return bool(BANNER.search(line)) or (len(parts) >= 2 and max(map(len, parts)) <= 10)


def _title_like(line: str) -> bool:
    return (
        8 <= len(line) <= 80
        and not any(p.search(line) for p in DATE_PATTERNS)
        and not re.search(r"分析师|研究员|证书|编号|免责|阅读|请务必|评级|作者|www\.|http", line)
        and not any(cue in line for cue in CUES)
        and not _banner(line)
        and bool(re.search(rf"[{CJK}A-Za-z]", line))
        and not line.endswith(("。", ".", ":", "："))
    )


def _as_written(line: str) -> str:
    """Return the line as the report prints it: markers and spaces inside words dropped."""
    line = _MARKER.sub("", line).strip()
    return re.sub(
        rf"(?<=[{CJK}\u3000-\u303f\uff00-\uffef])[ \t\u3000]+(?=[{CJK}\u3000-\u303f\uff00-\uffef])",
        "",
        line,
    )


def find_title(text: str) -> str | None:
    r"""Find the title: the headline a person reads first, in the report's own punctuation.

    A line repeated by the extraction (title pages repeat the title), else a Markdown heading,
    else the first title-like line of the header, never the category banner above it.

    Examples
    --------
    >>> find_title("# 液冷：算力基础设施的新蓝海\n分析师：王某\n正文……")
    '液冷：算力基础设施的新蓝海'
    >>> find_title("证券研究报告 | 行业周报\n通信行业周报（第28周）：光模块订单超预期\n2024.07.14")
    '通信行业周报（第28周）：光模块订单超预期'
    """
    written = [_as_written(ln) for ln in text[:HEADER_CHARS].splitlines()]
    written = [ln for ln in written if ln][:40]
    plain = [unicodedata.normalize("NFKC", ln) for ln in written]
    seen: dict[str, int] = {}
    for ln in plain:
        if _title_like(ln):
            seen[ln] = seen.get(ln, 0) + 1
    repeated = [ln for ln, n in seen.items() if n >= 2]
    if repeated:
        return written[plain.index(max(repeated, key=len))]
    for raw in text[:HEADER_CHARS].splitlines()[:20]:
        if raw.lstrip().startswith("#") and len(_as_written(raw)) >= 4:
            return _as_written(raw)
    for ln, norm in zip(written[:10], plain[:10], strict=False):
        if _title_like(norm):
            return ln
    return None


def find_analysts(text: str, broker: str | None) -> list[str]:
    r"""Find the analysts, in the order the header names them.

    From ``分析师/研究员/证券分析师/作者: 姓名[、，/ 姓名]``, a name beside a certificate
    number (``S`` and 13 digits), and header lines ``date 姓名、姓名 broker``.  ``text`` keeps
    its spaces (:func:`~thematic.drafting.text.normalize_forms`): they part names
    (``宋嘉吉 黄瀚``) unless every piece is one character (``谢 春 生``, spaced by extraction).

    Examples
    --------
    >>> from thematic.drafting.text import normalize_forms as forms
    >>> find_analysts(forms("证券分析师：王某 | S0130511090001 研究员：李四、赵五"), None)
    ['王某', '李四', '赵五']
    >>> find_analysts(forms("分析师：吴凡，张可欣\n分析师：宋嘉吉 赵丕业\n研究员：谢 春 生"), None)
    ['吴凡', '张可欣', '宋嘉吉', '赵丕业', '谢春生']
    """
    header = text[:HEADER_CHARS]
    found: list[tuple[int, str]] = []
    role = r"(?:首席分析师|证券分析师|分析师|研究员|研究助理|作者)"
    one = rf"[{CJK}]{{2,3}}"
    for m in re.finditer(rf"{role}[: \t]*([{CJK}、,/ \t]+)", header):
        # A byline runs on into its next field when extraction dropped the space between them.
        chunk = re.split(r"发布|日期|时间|来源|机构|联系人|执业|证书", m.group(1))[0]
        for part in re.split(r"[、,/]", chunk):
            pieces = part.split()
            names = ["".join(pieces)] if all(len(p) == 1 for p in pieces) else pieces
            at = m.start(1) + chunk.find(part)
            found += [(at + max(part.find(n), 0), n) for n in names if 2 <= len(n) <= 4]
    for m in re.finditer(rf"(?<![{CJK}])({one})[ \t|:]*S\d{{13}}", header):
        found.append((m.start(1), m.group(1)))
    if broker:
        pattern = rf"\d(?:日)?[ \t]*({one}(?:[、 \t]+{one})*)[ \t]*{re.escape(broker)}"
        for m in re.finditer(pattern, header):
            found += [
                (m.start(1) + m.group(1).index(n), n) for n in re.split(r"[、 \t]+", m.group(1))
            ]
    # Words of the certificate line are not names (登记编码, 执业证书).
    roles = {"分析师", "研究员", "首席", "研究助理", "联系人", "作者"}
    names = [n for _, n in sorted(found)
             if n not in roles and not re.search(r"编码|编号|证书|登记|执业|执证", n)]  # fmt: skip
    return list(dict.fromkeys(names))
