"""The stocks a report recommends: its recommendation sections and the groups in them.

The draft keeps to what the report says: the recommendation section(s) give the stocks, the
report's own structure gives the themes (numbered ``1、主题：...`` lists or ``；``-separated
groups), and the closing table of covered companies adds the stocks it alone names.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from thematic.drafting.header import find_analysts, find_broker, find_date, find_title
from thematic.drafting.ids import glossary
from thematic.drafting.names import Resolver, Stock
from thematic.drafting.text import CJK, CUES, LIST_MARKER, normalize, normalize_forms
from thematic.errors import DraftError

#: The table of covered companies that closes many reports: code, name, price, EPS, PE, rating.
TABLE_ANCHORS = (
    "重点公司盈利预测与估值",
    "重点公司估值",
    "重点关注公司及盈利预测",
    "盈利预测与估值",
)
#: Words that qualify a theme rather than name it (IDC龙头 -> IDC, 光通信产业链 -> 光通信).
THEME_SUFFIXES = ("产业链", "龙头", "板块", "相关标的", "标的", "领域", "方向", "相关公司")
#: A numbered or bulleted item with its theme: ``1、主题:``, ``(一)主题:``, ``- 主题:``; a
#: bracketed number may follow a cue directly (``建议关注①主题:``).
NUMBERED = re.compile(
    rf"(?:(?:^|(?<=[;。:\s]))(?:\d{{1,2}}[、.)](?!\d)|[一二三四五六七八九十]{{1,3}}、|[-•*](?=\s))"
    rf"|\(\d{{1,2}}\)|\([一二三四五六七八九十]{{1,3}}\))"
    rf"\s*([{CJK}A-Za-z0-9+/]{{1,24}}?)\s*:"
)
#: ``主线一:算力,推荐...``, ``一是算力,...``: the theme follows the marker.
MAIN_LINE = re.compile(
    rf"(?:主线[一二三四五六七八九十\d]{{1,2}}|(?<=[:;,。\s])[一二三四五六七八九十]是)"
    rf"\s*[:,]?\s*([{CJK}A-Za-z0-9+/]{{1,24}}?)\s*[,:;]"
)
#: A section goes on past a sentence's end when a list item follows (a cue line's lead-in).
_GOES_ON = re.compile(rf"[;\s]*{LIST_MARKER}")


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


def section_spans(text: str) -> list[tuple[int, int]]:
    """Where the text recommends stocks: from a cue to the end of its sentence or list.

    A sentence's end does not close the section when a list item follows it (``投资建议：我们
    看好两条主线。`` then ``1、...``); a cue standing alone on its line (a heading) reads on
    past the blank line under it.  ``风险提示`` and a blank line close it.
    """
    spans: list[list[int]] = []
    closing = re.compile(r"。|风险提示|\n\s*\n")
    for cue in CUES:
        for m in re.finditer(cue, text):
            start = m.end()
            heading = re.match(r"[ \t:#]*\n\s*", text[start:])
            if heading:
                start += heading.end()
            end = len(text)
            for close in closing.finditer(text, start):
                if close.group() == "。" and _GOES_ON.match(text, close.end()):
                    continue
                end = close.start()
                break
            spans.append([m.start(), min(end, m.end() + 1500)])
    spans.sort()
    merged: list[list[int]] = []
    for s in spans:
        if merged and s[0] <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], s[1])
        else:
            merged.append(s)
    return [(a, b) for a, b in merged]


def recommendation_sections(text: str) -> list[str]:
    """Text spans that recommend stocks (:func:`section_spans`)."""
    return [text[a:b] for a, b in section_spans(text)]


def table_spans(text: str) -> list[tuple[int, int]]:
    """Where the "重点公司盈利预测与估值" tables are: heading to source line (or blank line)."""
    out = []
    for anchor in TABLE_ANCHORS:
        for m in re.finditer(anchor, text):
            end = re.compile(r"资料来源|数据来源|\n\s*\n").search(text, m.end())
            out.append((m.end(), end.start() if end else min(len(text), m.end() + 1500)))
    return out


def company_tables(text: str) -> list[str]:
    """Return the "重点公司盈利预测与估值" tables (:func:`table_spans`)."""
    return [text[a:b] for a, b in table_spans(text)]


def clean_theme(raw: str) -> str:
    """Name a theme from the words before its stocks: no cue, no qualifier (龙头, 产业链)."""
    name = raw
    for anchor in CUES:
        if anchor in name:
            name = name.split(anchor, 1)[1]
    name = re.sub(r"^[^A-Za-z0-9" + CJK + r"]+|[^A-Za-z0-9" + CJK + r"]+$", "", name)
    name = name.split(":", 1)[0]  # "AIPC:联想链的": the label, not the words after it
    name = re.sub(r"^(?:国内上市公司|上市公司|公司|A股|港股)", "", name)
    for suffix in THEME_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
    return name.strip()


def split_groups(section: str) -> list[tuple[str, str]]:
    """(theme text, body) pairs: numbered ``1、主题:`` items, else ``;``-separated groups."""
    numbered = list(NUMBERED.finditer(section)) or list(MAIN_LINE.finditer(section))
    if numbered:
        out = []
        for i, m in enumerate(numbered):
            end = numbered[i + 1].start() if i + 1 < len(numbered) else len(section)
            out.append((m.group(1), section[m.end() : end]))
        return out
    return [("", part) for part in section.split(";")]


def draft_from_text(text: str, furniture: str = "") -> Draft:
    """Recognise the report's date, broker, title, analysts and recommended themes.

    ``furniture`` is what a web page keeps around the report (its ``<title>``, navigation,
    footer): read for the broker only, never for stocks.

    Raises
    ------
    DraftError
        When the text has no recommendation section naming a stock.
    """
    norm = normalize(text)
    broker = find_broker(norm, normalize(furniture, join_lines=False))
    title = find_title(text)
    resolver = Resolver()
    by_name: dict[str, Theme] = {}
    unnamed: list[Theme] = []
    for section in recommendation_sections(norm):
        for theme_text, body in split_groups(section):
            group = resolver.group(theme_text, body)
            theme = Theme(clean_theme(group.prefix), group.stocks)
            if not theme.stocks:
                continue
            if not theme.name:
                unnamed.append(theme)
                theme.name = f"theme{len(by_name) + 1}"
            if theme.name in by_name:
                merged = by_name[theme.name].stocks + theme.stocks
                by_name[theme.name].stocks = list(dict.fromkeys(merged))
            else:
                by_name[theme.name] = theme
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
            f"{', '.join(CUES)} followed by stock names or codes)"
        )
    themes = list(by_name.values())
    if len(themes) == 1 and unnamed and title:  # a lone list: the title says what it is
        themes[0].name = title_theme(title) or themes[0].name
    return Draft(
        published=find_date(norm),
        broker=broker,
        title=title,
        analysts=find_analysts(normalize_forms(text), broker),
        themes=themes,
        unknown=list(dict.fromkeys(resolver.unknown)),
        ambiguous=resolver.ambiguous,
        mismatched=resolver.mismatched,
    )


def title_theme(title: str) -> str | None:
    """Return the longest glossary theme a title names (``半导体设备：国产替代`` -> 半导体设备).

    Examples
    --------
    >>> title_theme("半导体设备：国产替代进入深水区"), title_theme("年度展望")
    ('半导体设备', None)
    """
    plain = normalize(title, join_lines=False).upper()
    named = [term for term in glossary() if term in plain and term != "重点公司"]
    if not named:
        return None
    term = max(named, key=len)
    i = plain.index(term)
    return normalize(title, join_lines=False)[i : i + len(term)]
