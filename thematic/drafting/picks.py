"""Draft basket YAML from a sell-side report (PDF, web page or text), for a human to review.

The text may come from a PDF or a web page, with the artefacts of either: spaces inside words
(``科 大 讯 飞``), full-width punctuation, line breaks inside names.  The draft keeps to what
the report says: the recommendation section(s) give the stocks, the report's own structure
gives the themes (numbered ``1、主题：...`` lists or ``；``-separated groups), names are
resolved against the shipped A-share code table, and anything not found is written as an
explicit ``TODO`` that fails validation until a human fills it in.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from thematic.codes import STOCK_TABLE
from thematic.errors import DraftError
from thematic.files import write_text

TODO = "TODO"
STOCKLIST = STOCK_TABLE

#: Phrases that open a recommendation section.
ANCHORS = ("建议重点关注", "建议关注", "重点关注", "推荐关注", "推荐标的", "重点推荐", "受益标的",
           "相关标的", "关注标的", "标的梳理", "投资建议", "推荐")  # fmt: skip
#: The table of covered companies that closes many reports: code, name, price, EPS, PE, rating.
TABLE_ANCHORS = (
    "重点公司盈利预测与估值",
    "重点公司估值",
    "重点关注公司及盈利预测",
    "盈利预测与估值",
)
GLOSSARY = Path(__file__).parents[1] / "data" / "theme_glossary.csv"
ALIASES = Path(__file__).parents[1] / "data" / "name_aliases.csv"
#: Brokers recognised in headers (longest first so 中国银河证券 wins over 银河证券).
BROKERS = ("中国银河证券", "中信证券", "中信建投证券", "华泰证券", "国泰君安证券", "国泰海通证券",
           "海通证券", "招商证券", "广发证券", "中金公司", "申万宏源证券", "兴业证券", "东方证券",
           "国信证券", "天风证券", "光大证券", "安信证券", "长江证券", "方正证券", "民生证券",
           "开源证券", "浙商证券", "国金证券", "东吴证券", "华西证券", "西部证券", "德邦证券",
           "财通证券", "信达证券", "东北证券", "国海证券", "中泰证券", "华创证券", "国盛证券",
           "华安证券", "东兴证券", "平安证券", "首创证券", "华鑫证券", "国元证券", "山西证券",
           "华福证券", "国联证券", "国投证券", "太平洋证券", "中原证券", "华源证券", "甬兴证券",
           "东莞证券", "渤海证券", "财信证券", "万联证券", "中银证券", "银河证券")  # fmt: skip
_BROKER_ALIASES = {"银河证券": "中国银河证券"}
#: Words that qualify a theme rather than name it (IDC龙头 -> IDC, 光通信产业链 -> 光通信).
_THEME_SUFFIXES = ("产业链", "龙头", "板块", "相关标的", "标的", "领域", "方向", "相关公司")
_HEADER_CHARS = 2000

_CJK = r"\u4e00-\u9fff"
_DATE_PATTERNS = (
    re.compile(r"(20\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"),
    re.compile(r"(20\d{2})-(\d{1,2})-(\d{1,2})(?!\d)"),
    re.compile(r"(20\d{2})/(\d{1,2})/(\d{1,2})(?!\d)"),
    re.compile(r"(?<!\d)(20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?!\d)"),
)
_CODE_MENTION = re.compile(r"\((\d{6})(?:\.(?:SZ|SH|BJ))?\)", re.IGNORECASE)
_BARE_CODE = re.compile(r"(?<![\d(])(\d{6})(?:\.(?:SZ|SH|BJ))?(?![\d)])", re.IGNORECASE)
_NUMBERED = re.compile(
    rf"(?:^|(?<=[;。:\s]))(?:\d{{1,2}}[、.)]|\(\d{{1,2}}\)|[一二三四五六七八九十]{{1,3}}、)"
    rf"\s*([{_CJK}A-Za-z0-9+/]{{1,24}}?)\s*:"
)
_CIRCLED = {chr(0x2460 + i): f"({i + 1})" for i in range(20)}  # ① .. ⑳
_CERTIFICATE = re.compile(r"(?:SAC)?(?:执业证书编号|证书编号|执业编号|登记编号|登记编码)\s*[:：]?")


def normalize(text: str, join_lines: bool = True) -> str:
    r"""Undo common extraction artefacts: full-width forms, spaces and breaks inside words.

    Examples
    --------
    >>> normalize("建 议 关 注 ：科 大 讯 飞 、海康\n威视（002415）")
    '建议关注:科大讯飞、海康威视(002415)'
    """
    text = "".join(_CIRCLED.get(ch, ch) for ch in text)  # NFKC would make ① a bare "1"
    text = _CERTIFICATE.sub(" | ", text)  # keep a name apart from its certificate number
    text = unicodedata.normalize("NFKC", text)
    text = canonical_codes(text)
    if join_lines:  # a line that opens "label:" starts a new group, not a wrapped name
        text = re.sub(
            rf"(?<!\n)\n(?!\n)(?=[ \t]*(?:\(\d{{1,2}}\)|\d{{1,2}}[、.]|[一二三四五六七八九十]{{1,3}}、)?"
            rf"[ \t]*[{_CJK}A-Za-z][{_CJK}A-Za-z0-9+/]{{0,15}}[ \t]*:)",
            ";",
            text,
        )
    # Whitespace between two CJK characters (or CJK and CJK punctuation) is an artefact,
    # single line breaks included (a wrapped name); a blank line still ends a paragraph.
    cjk_or_punct = rf"[{_CJK}、,;:()“”\"。!?]"
    space = r"[ \t\u3000\r\n]" if join_lines else r"[ \t\u3000]"
    text = re.sub(
        rf"(?<={cjk_or_punct})({space}+)(?={cjk_or_punct})",
        lambda m: "\n\n" if m.group(1).count("\n") >= 2 else "",
        text,
    )
    text = re.sub(
        rf"(?<=[{_CJK}])[ \t]+(?=[A-Za-z0-9])|(?<=[A-Za-z0-9])[ \t]+(?=[{_CJK}])", "", text
    )
    return text


def canonical_codes(text: str) -> str:
    r"""Write every way of giving a code as ``(300442)`` or a bare ``300442``.

    ``300442.SZ``, ``SZ300442``, ``300442 CH``, ``【300442】`` and a code broken across
    lines (``300738\n.SZ``) all become the six digits.

    Examples
    --------
    >>> canonical_codes("润泽科技(300442.SZ)、SZ300738、英维克 002837 CH、【688111】")
    '润泽科技(300442)、300738、英维克 002837、(688111)'
    >>> canonical_codes("奥飞数据(300738\n.SZ)、中国移动(60094\n1)")
    '奥飞数据(300738)、中国移动(600941)'
    """
    text = re.sub(r"(?<=\d)\s*\n\s*(?=\.(?:SZ|SH|BJ)\b)", "", text, flags=re.IGNORECASE)
    # A code in brackets that a line break split anywhere: (60094\n1), (300308\n).
    text = re.sub(
        r"([(【])([0-9A-Za-z.\s]{6,18}?)([)】])",
        lambda m: (
            m.group(1) + re.sub(r"\s+", "", m.group(2)) + m.group(3)
            if re.fullmatch(r"\d{6}(?:\.(?:SZ|SH|BJ))?", re.sub(r"\s+", "", m.group(2)), re.I)
            else m.group(0)
        ),
        text,
    )
    text = re.sub(r"【\s*(\d{6})\s*】", r"(\1)", text)
    text = re.sub(r"(?<![A-Za-z])(?:SZ|SH|BJ)\.?(\d{6})(?!\d)", r"\1", text, flags=re.IGNORECASE)
    text = re.sub(r"(\d{6})\s*\.\s*(?:SZ|SH|BJ)\b", r"\1", text, flags=re.IGNORECASE)
    return re.sub(r"(\d{6})\s+CH(?:\s+Equity)?\b", r"\1", text)


@dataclass(frozen=True)
class Stock:
    """A stock of the shipped A-share table."""

    code: str
    name: str


@cache
def stock_table() -> tuple[dict[str, Stock], dict[str, list[Stock]]]:
    """Load the shipped A-share table (5,429 stocks, Beijing included): by code, by name."""
    import csv

    by_code: dict[str, Stock] = {}
    by_name: dict[str, list[Stock]] = {}
    with STOCKLIST.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            s = Stock(row["code"], normalize(row["name"]).replace(" ", ""))
            by_code[s.code] = s
            by_name.setdefault(s.name, []).append(s)
    # Reports drop the listing suffixes (寒武纪-U is 寒武纪) and use common short names.
    for stock in list(by_code.values()):
        short = re.sub(r"-[A-Z]{1,2}$", "", stock.name)
        if short != stock.name and short not in by_name:
            by_name[short] = [stock]
    with ALIASES.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["alias"] not in by_name and row["code"] in by_code:
                by_name[row["alias"]] = [by_code[row["code"]]]
    return by_code, by_name


@dataclass
class Theme:
    """One group of recommended stocks, in the report's order."""

    name: str
    stocks: list[Stock] = field(default_factory=list)


@dataclass
class Draft:
    """What was recognised in a report, and what needs a human."""

    published: dt.date | None
    broker: str | None
    title: str | None
    analysts: list[str]
    themes: list[Theme]
    unknown: list[str] = field(default_factory=list)
    ambiguous: dict[str, list[str]] = field(default_factory=dict)
    mismatched: list[str] = field(default_factory=list)

    @property
    def todo(self) -> list[str]:
        """Header fields not found (left as TODO in the YAML)."""
        missing = []
        if self.published is None:
            missing.append("report.published")
        if self.broker is None:
            missing.append("report.broker")
        if self.title is None:
            missing.append("report.title")
        if not self.analysts:
            missing.append("report.analysts")
        return missing


def find_date(text: str) -> dt.date | None:
    r"""Find the publication date: the earliest date in the header, never one in the body.

    Examples
    --------
    >>> find_date("数字经济专题报告\n2024年03月22日\n...相对沪深300表现图 2024-03-15")
    datetime.date(2024, 3, 22)
    >>> find_date("信息技术2024/2/18 吴砚靖") , find_date("no date here")
    (datetime.date(2024, 2, 18), None)
    """
    header = text[:_HEADER_CHARS]
    found: list[tuple[int, dt.date]] = []
    for pattern in _DATE_PATTERNS:
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
        return _BROKER_ALIASES.get(best, best)
    m = re.search(rf"(?:由|系|为|:)\s*([{_CJK}]{{2,4}}?证券)(?:股份)?有限(?:责任)?公司", text)
    m = m or re.search(rf"([{_CJK}]{{2}}证券)(?:股份)?有限(?:责任)?公司", text)
    # A name standing alone in the header ("2024年7月8日 某某证券").
    m = m or re.search(rf"(?<![{_CJK}])([{_CJK}]{{2,3}}证券)(?![{_CJK}])", text[:_HEADER_CHARS])
    return m.group(1) if m else None


def _title_like(line: str) -> bool:
    return (
        8 <= len(line) <= 80
        and not any(p.search(line) for p in _DATE_PATTERNS)
        and not re.search(r"分析师|研究员|证书|编号|免责|阅读|请务必|评级|www\.|http", line)
        and not any(anchor in line for anchor in ANCHORS)
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
    lines = [unicodedata.normalize("NFKC", ln).strip() for ln in text[:_HEADER_CHARS].splitlines()]
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
        if _title_like(ln) and re.search(rf"[{_CJK}]", ln) and not ln.endswith(("。", ".")):
            return ln
    return None


def find_analysts(text: str, broker: str | None) -> list[str]:
    """Find the analysts, in the order the header names them.

    From ``分析师/研究员/证券分析师: 姓名[、姓名]``, a name beside a certificate number
    (``S`` and 13 digits), and header lines ``date 姓名、姓名 broker``.

    Examples
    --------
    >>> find_analysts(normalize("证券分析师：王某 | S0130511090001 研究员：李四、赵五"), None)
    ['王某', '李四', '赵五']
    """
    header = text[:_HEADER_CHARS]
    found: list[tuple[int, str]] = []
    role = r"(?:首席分析师|证券分析师|分析师|研究员|研究助理)"
    one = rf"[{_CJK}]{{2,3}}"
    for m in re.finditer(rf"{role}[:\s]*({one}(?:、{one})*)(?![{_CJK}])", header):
        found += [(m.start(1), n) for n in m.group(1).split("、")]
    for m in re.finditer(rf"({one})[\s|:]*S\d{{13}}", header):
        found.append((m.start(1), m.group(1)))
    if broker:
        pattern = rf"\d(?:日)?([{_CJK}]{{2,3}}(?:、[{_CJK}]{{2,3}})*){re.escape(broker)}"
        for m in re.finditer(pattern, header):
            found += [(m.start(1), n) for n in m.group(1).split("、")]
    # Words of the certificate line are not names (登记编码, 执业证书).
    roles = {"分析师", "研究员", "首席", "研究助理", "联系人"}
    names = [n for _, n in sorted(found)
             if n not in roles and not re.search(r"[编码号证书登记执业]", n)]  # fmt: skip
    return list(dict.fromkeys(names))


def recommendation_sections(text: str) -> list[str]:
    """Text spans that recommend stocks: from an anchor phrase to the end of the sentence."""
    spans: list[list[int]] = []
    for anchor in ANCHORS:
        for m in re.finditer(anchor, text):
            end_match = re.compile(r"。|风险提示|\n\s*\n").search(text, m.end())
            end = end_match.start() if end_match else len(text)
            spans.append([m.start(), min(end, m.end() + 800)])
    spans.sort()
    merged: list[list[int]] = []
    for s in spans:
        if merged and s[0] <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], s[1])
        else:
            merged.append(s)
    return [text[a:b] for a, b in merged]


def company_tables(text: str) -> list[str]:
    """Return the "重点公司盈利预测与估值" tables: heading to source line (or blank line)."""
    out = []
    for anchor in TABLE_ANCHORS:
        for m in re.finditer(anchor, text):
            end = re.compile(r"资料来源|数据来源|\n\s*\n").search(text, m.end())
            out.append(text[m.end() : end.start() if end else min(len(text), m.end() + 1500)])
    return out


def _looks_like_name(item: str) -> bool:
    return bool(re.fullmatch(rf"[*A-Z]{{0,3}}[{_CJK}A-Za-z]{{2,8}}", item))


def _clean_theme(raw: str) -> str:
    name = raw
    for anchor in ANCHORS:
        if anchor in name:
            name = name.split(anchor, 1)[1]
    name = re.sub(r"^[^A-Za-z0-9" + _CJK + r"]+|[^A-Za-z0-9" + _CJK + r"]+$", "", name)
    name = re.sub(r"^(?:国内上市公司|上市公司|公司)", "", name)
    for suffix in _THEME_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
    return name.strip()


def _split_groups(section: str) -> list[tuple[str, str]]:
    """(theme text, body) pairs: numbered ``1、主题:`` items, else ``;``-separated groups."""
    numbered = list(_NUMBERED.finditer(section))
    if numbered:
        out = []
        for i, m in enumerate(numbered):
            end = numbered[i + 1].start() if i + 1 < len(numbered) else len(section)
            out.append((m.group(1), section[m.end() : end]))
        return out
    return [("", part) for part in section.split(";")]


class _Resolver:
    def __init__(self, draft: Draft) -> None:
        self.by_code, self.by_name = stock_table()
        self.names_by_length = sorted(self.by_name, key=len, reverse=True)
        self.draft = draft

    def by_exact_or_suffix(self, item: str) -> tuple[str, Stock | None]:
        """Resolve ``item`` (maybe with a theme prefix) to (prefix, stock)."""
        if item in self.by_name:
            return "", self._unique(item)
        for name in self.names_by_length:
            if len(name) >= 2 and item.endswith(name):
                return item[: -len(name)], self._unique(name)
        return item, None

    def _unique(self, name: str) -> Stock | None:
        stocks = self.by_name[name]
        if len(stocks) > 1:
            self.draft.ambiguous[name] = [s.code for s in stocks]
            return None
        return stocks[0]

    def group(self, theme_text: str, body: str) -> Theme:
        """Resolve the stocks of one group, and name its theme."""
        stocks: list[Stock] = []
        prefix = theme_text
        # Split on list separators only: 和/及/与 occur inside names (嘉和美康).
        candidates: list[str] = []
        for raw in re.split(r"[、,]", body):
            item = raw.strip().rstrip("等").strip(" .;:")
            if not item:
                continue
            code_match = _CODE_MENTION.search(item) or _BARE_CODE.search(item)
            if code_match:
                stock = self.by_code.get(code_match.group(1))
                before = item[: code_match.start()].strip()
                if stock is None:
                    self.draft.unknown.append(f"{before}({code_match.group(1)})")
                    continue
                if before.endswith(stock.name):
                    before = before[: -len(stock.name)]
                elif before:
                    lead, named = self.by_exact_or_suffix(before)
                    if named is None or named.code != stock.code:
                        said = named.name if named is not None else before
                        self.draft.mismatched.append(
                            f"{said}({stock.code}) is {stock.name} in the code table"
                        )
                    before = lead if named is not None else ""
                if not stocks and not prefix:
                    prefix = before
                stocks.append(stock)
                continue
            lead, found = self.by_exact_or_suffix(item)
            if found is None:
                if item not in self.draft.ambiguous and _looks_like_name(item):
                    candidates.append(item)
                continue
            if not stocks and not prefix:
                prefix = lead
            stocks.append(found)
        if stocks:  # names beside recognised stocks are unknown stocks, not prose
            self.draft.unknown.extend(candidates)
        return Theme(_clean_theme(prefix), list(dict.fromkeys(stocks)))


def draft_from_text(text: str) -> Draft:
    """Recognise the report's date, broker, title, analysts and recommended themes.

    Raises
    ------
    DraftError
        When the text has no recommendation section naming a stock.
    """
    norm = normalize(text)
    broker = find_broker(norm)
    draft = Draft(
        published=find_date(norm),
        broker=broker,
        title=find_title(normalize(text, join_lines=False)),
        analysts=find_analysts(norm, broker),
        themes=[],
    )
    resolver = _Resolver(draft)
    by_name: dict[str, Theme] = {}
    for section in recommendation_sections(norm):
        for theme_text, body in _split_groups(section):
            theme = resolver.group(theme_text, body)
            if not theme.stocks:
                continue
            key = theme.name or f"theme{len(by_name) + 1}"
            if key in by_name:
                merged = by_name[key].stocks + theme.stocks
                by_name[key].stocks = list(dict.fromkeys(merged))
            else:
                by_name[key] = Theme(key, theme.stocks)
    # The closing table of covered companies: rows of code, name, price, EPS, PE, rating.
    listed = {s.code for t in by_name.values() for s in t.stocks}
    for table in company_tables(norm):
        rows = resolver.group("", table.replace("\n", "、"))
        extra = [s for s in rows.stocks if s.code not in listed]
        if extra:
            key = "重点公司"
            by_name.setdefault(key, Theme(key, []))
            by_name[key].stocks = list(dict.fromkeys(by_name[key].stocks + extra))
            listed |= {s.code for s in extra}
    if not by_name:
        raise DraftError(
            "no recommendation section naming a stock was found (looked for "
            f"{', '.join(ANCHORS)} followed by stock names or codes)"
        )
    draft.themes = list(by_name.values())
    draft.unknown = list(dict.fromkeys(draft.unknown))
    return draft


@cache
def glossary() -> dict[str, str]:
    """Map Chinese theme names to the ids a person would choose (``thematic/data/theme_glossary.csv``)."""
    import csv

    with GLOSSARY.open(encoding="utf-8") as f:
        return {normalize(r["name"]).upper(): r["id"] for r in csv.DictReader(f)}


def slug(name: str, taken: Iterable[str] = ()) -> str:
    """Make an id for a theme: the glossary's, else a pinyin slug; unique among ``taken``.

    Examples
    --------
    >>> slug("光通信"), slug("AI应用端"), slug("IDC", taken=["idc"]), slug("虚拟现实")
    ('optical_communications', 'ai_applications', 'idc_2', 'xu_ni_xian_shi')
    """
    from pypinyin import lazy_pinyin

    known = glossary().get(normalize(name).upper())
    words = [w for part in lazy_pinyin(name) for w in re.findall(r"[a-z0-9]+", part.lower())]
    base = known or "_".join(words) or "theme"
    taken = set(taken)
    out, n = base, 2
    while out in taken:
        out, n = f"{base}_{n}", n + 1
    return out


def _yaml_str(value: str) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def render_yaml(draft: Draft, theme: Theme, basket_id: str, source: str) -> str:
    """Render one drafted basket as YAML (TODO fields fail validation until filled)."""
    todo = "  # TODO: not found in the report; fill in"
    published = draft.published.isoformat() if draft.published else f"{TODO}{todo} (YYYY-MM-DD)"
    analysts = (
        "[" + ", ".join(_yaml_str(a) for a in draft.analysts) + "]"
        if draft.analysts
        else f"[{TODO}]{todo}"
    )
    lines = [
        f"# Drafted by `thematic draft` from {source}: review before use.",
        f"id: {basket_id}",
        f"name: {_yaml_str(theme.name)}",
        "report:",
        f"  title: {_yaml_str(draft.title) if draft.title else TODO + todo}",
        f"  broker: {_yaml_str(draft.broker) if draft.broker else TODO + todo}",
        f"  analysts: {analysts}",
        f"  published: {published}",
        'benchmark: "000300"',
        "constituents:",
        *(f'  - {{code: "{s.code}", name: {_yaml_str(s.name)}}}' for s in theme.stocks),
    ]
    return "\n".join(lines) + "\n"


def write_drafts(
    report: str | Path, output_dir: str | Path, force: bool = False
) -> tuple[Draft, list[Path]]:
    """Draft baskets from a report file and write one YAML per theme into ``output_dir``.

    Raises
    ------
    DraftError
        When the report cannot be read or has no recommendation, or a target file exists
        and ``force`` is false (nothing is written then).
    """
    from thematic.drafting.reading import read_report

    report = Path(report)
    text, _ = read_report(report)
    try:
        draft = draft_from_text(text)
    except DraftError as exc:
        raise DraftError(f"{report}: {exc}") from None
    out = Path(output_dir)
    ids: list[str] = []
    for theme in draft.themes:
        ids.append(slug(theme.name, ids))
    targets = [out / f"{i}.yaml" for i in ids]
    existing = [t for t in targets if t.exists()]
    if existing and not force:
        raise DraftError(
            f"{existing[0]} already exists (and {len(existing) - 1} more); pass --force to "
            "overwrite"
        )
    for theme, basket_id, target in zip(draft.themes, ids, targets, strict=True):
        write_text(target, render_yaml(draft, theme, basket_id, report.name))
    return draft, targets
