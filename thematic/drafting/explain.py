"""Why a draft says what it says: where each header field and each stock came from.

For each header field, the line it came from; for every stock the report mentions, why it
was taken into a group or left out.  A person fixing a draft reads this beside the report; a
developer fixing the parser reads it to see which rule fired.  Line numbers are those of the
report's text (for a PDF or a web page, of the text extracted from it).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from thematic.drafting.header import BROKERS
from thematic.drafting.names import Stock, stock_table
from thematic.drafting.picks import Draft, section_spans, table_spans
from thematic.drafting.text import BARE_CODE, DATE_PATTERNS, normalize

#: A row of a table: two or more figures (or "--") after the text (prices, EPS, PE).
_TABLE_ROW = re.compile(r"(?:\s+(?:-?\d+(?:\.\d+)?%?|--)){2,}\s*$")


@dataclass(frozen=True)
class Mention:
    """One mention of a stock in the report (or on the page around it)."""

    start: int
    end: int
    stock: Stock
    said: str


def mentions(text: str) -> list[Mention]:
    """Find every stock a text names, by code or by name (longest name first).

    Examples
    --------
    >>> [(m.stock.code, m.said) for m in mentions("英维克(002837)与申菱环境")]
    [('002837', '英维克(002837)'), ('301018', '申菱环境')]
    """
    by_code, by_name = stock_table()
    longest = max(map(len, by_name))
    found: list[Mention] = []
    i = 0
    while i < len(text):
        code = BARE_CODE.match(text, i) if text[i].isdigit() else None
        if code and code.group(1) in by_code and (i == 0 or not text[i - 1].isdigit()):
            found.append(Mention(i, code.end(), by_code[code.group(1)], code.group(1)))
            i = code.end()
            continue
        for size in range(min(longest, len(text) - i), 1, -1):
            stocks = by_name.get(text[i : i + size])
            if stocks and len(stocks) == 1:
                end = i + size
                same = re.match(r"\((\d{6})\)", text[end:])
                if same and same.group(1) == stocks[0].code:  # 英维克(002837): one mention
                    end += same.end()
                found.append(Mention(i, end, stocks[0], text[i:end]))
                i = end
                break
        else:
            i += 1
    merged: list[Mention] = []
    for m in found:  # "300308 中际旭创" in a table row, "中际旭创 300308" in a link: one mention
        last = merged[-1] if merged else None
        if (
            last
            and last.stock == m.stock
            and re.fullmatch(r"[\s()]{0,3}", text[last.end : m.start])
        ):
            merged[-1] = Mention(last.start, m.end, m.stock, text[last.start : m.end])
        else:
            merged.append(m)
    return merged


def _plain(line: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", line))


class _Lines:
    """Find the line of a snippet: its k-th occurrence among the report's lines."""

    def __init__(self, text: str) -> None:
        self.raw = [ln.strip() for ln in text.splitlines()]
        self.lines = [_plain(ln) for ln in self.raw]
        self.seen: Counter[str] = Counter()

    def first(self, snippet: str) -> int | None:
        snippet = _plain(snippet)
        return next((n for n, ln in enumerate(self.lines, 1) if snippet and snippet in ln), None)

    def of(self, m: Mention) -> int | None:
        """Return the line of a mention: by its name if it has one, else by its code."""
        has_name = m.stock.name in m.said
        has_code = m.stock.code in m.said
        n = self.next(m.stock.name if has_name else m.stock.code)
        if has_name and has_code:
            self.next(m.stock.code)
        return n

    def next(self, snippet: str) -> int | None:
        """Return the line of the next occurrence of ``snippet``."""
        snippet = _plain(snippet)
        k = self.seen[snippet]
        self.seen[snippet] += 1
        for n, ln in enumerate(self.lines, 1):
            count = ln.count(snippet)
            if k < count:
                return n
            k -= count
        return None

    def text(self, n: int | None) -> str:
        """Return line ``n`` as the report writes it."""
        return self.raw[n - 1] if n else ""


def _where(n: int | None) -> str:
    return f"line {n}" if n else "line ?"


def explain(text: str, draft: Draft, ids: list[str], furniture: str = "") -> list[str]:
    """Explain a draft of ``text``, one line per header field and per stock mention.

    ``ids`` are the basket ids written for ``draft.themes``, in order.
    """
    lines = _Lines(text)
    out = ["header (line numbers of the report's text):"]
    date_line = next(
        (n for n, ln in enumerate(lines.lines, 1) for p in DATE_PATTERNS for m in p.finditer(ln)
         if draft.published and _as_date(m.groups()) == draft.published),
        None,
    )  # fmt: skip
    out.append(_field("published", draft.published, date_line, lines))
    broker_line = lines.first(draft.broker) if draft.broker else None
    if draft.broker and broker_line is None and draft.broker in furniture:
        out.append(
            f"  broker     {draft.broker}  <- the web page around the report (title, byline, footer)"
        )
    else:
        out.append(_field("broker", draft.broker, broker_line, lines))
    out.append(_field("title", draft.title, lines.first(draft.title or ""), lines))
    for name in draft.analysts:
        out.append(_field("analysts", name, lines.first(name), lines))
    if not draft.analysts:
        out.append(_field("analysts", None, None, lines))
    out.append("stocks (why each mention was taken or left out):")
    norm = normalize(text)
    sections = section_spans(norm)
    tables = table_spans(norm)
    group_of: dict[str, str] = {}
    for theme, id_ in zip(draft.themes, ids, strict=True):
        for s in theme.stocks:
            group_of.setdefault(s.code, f"{theme.name} -> {id_}")
    taken_at: dict[str, int | None] = {}
    for m in mentions(norm):
        n = lines.of(m)
        inside = any(a <= m.start < b for a, b in sections)
        in_table = any(a <= m.start < b for a, b in tables)
        code = m.stock.code
        if code in group_of and (inside or in_table) and code not in taken_at:
            taken_at[code] = n
            why = f"taken into {group_of[code]}" + (
                " (the closing company table)" if not inside else ""
            )
        elif code in group_of and (inside or in_table):
            why = f"duplicate: already taken at {_where(taken_at[code])}"
        elif inside:
            why = "left out: in a recommendation section but in no group's list"
        elif in_table or _TABLE_ROW.search(lines.text(n)):
            why = "left out: table only (a table that recommends nothing)"
        elif (
            m.stock.name in BROKERS
            or norm.startswith("证券", m.end)
            or (draft.broker and m.stock.name in draft.broker)
        ):  # 国金证券 is listed too; 中国银河 is 中国银河证券 without its last word
            why = "left out: a broker's name, not a mention of its stock"
        elif len(mentions(normalize(lines.text(n)))) >= 2 and "、" in lines.text(n):
            why = "left out: no cue (a list with no recommendation cue such as 建议关注 before it)"
        else:
            why = "left out: background mention (no recommendation cue before it)"
        out.append(f"  {_where(n):<9} {m.stock.name}({code})  {why}")
    for m in mentions(normalize(furniture, join_lines=False)):
        out.append(
            f"  page      {m.stock.name}({m.stock.code})  left out: web page furniture (navigation, sidebar or footer)"
        )
    for name in draft.unknown:
        out.append(
            f"  {_where(lines.first(name)):<9} {name}  left out: unknown name (not in the shipped stock table)"
        )
    for name, codes in draft.ambiguous.items():
        out.append(
            f"  {_where(lines.first(name)):<9} {name}  left out: ambiguous name, could be {', '.join(codes)}"
        )
    for line in draft.mismatched:
        out.append(f"  check     {line}")
    return out


def _as_date(groups: tuple[str | None, ...]) -> object:
    import datetime as dt

    try:
        return dt.date(*(int(g or 0) for g in groups))
    except ValueError:
        return None


def _field(label: str, value: object, n: int | None, lines: _Lines) -> str:
    if value is None:
        return f"  {label:<10} TODO  <- not found"
    return f"  {label:<10} {value}  <- {_where(n)}: {lines.text(n)[:60]}"


def _line_at(text: str, pos: int) -> str:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return text[start : end if end >= 0 else len(text)]


def _same_line(text: str, a: int, b: int) -> bool:
    lo, hi = sorted((a, b))
    return "\n" not in text[lo:hi]
