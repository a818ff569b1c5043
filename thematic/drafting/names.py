"""Stock names and codes in a report, resolved against the shipped A-share table.

The table is the one :mod:`thematic.codes` loads (read once per process); reports also use
short names (寒武纪 for 寒武纪-U) and common aliases (茅台), listed in
``thematic/data/name_aliases.csv``.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from thematic.codes import known_stocks
from thematic.drafting.text import BARE_CODE, CJK, CODE_MENTION, normalize

ALIASES = Path(__file__).parents[1] / "data" / "name_aliases.csv"


@dataclass(frozen=True)
class Stock:
    """A stock of the shipped A-share table."""

    code: str
    name: str


@cache
def stock_table() -> tuple[dict[str, Stock], dict[str, list[Stock]]]:
    """Return the shipped A-share table (5,429 stocks, Beijing included) by code and by name."""
    by_code: dict[str, Stock] = {}
    by_name: dict[str, list[Stock]] = {}
    for code, name in known_stocks().items():
        s = Stock(code, normalize(name).replace(" ", ""))
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


def looks_like_name(item: str) -> bool:
    """Tell whether a list item could be a stock's name (a few CJK or Latin characters)."""
    return bool(re.fullmatch(rf"[*A-Z]{{0,3}}[{CJK}A-Za-z]{{2,8}}", item))


@dataclass
class Group:
    """The stocks of one list, with the words in front of the first one (a theme's name)."""

    prefix: str
    stocks: list[Stock]


@dataclass
class Resolver:
    """Resolve the items of a report's lists to stocks, noting what needs a human."""

    unknown: list[str] = field(default_factory=list)
    ambiguous: dict[str, list[str]] = field(default_factory=dict)
    mismatched: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.by_code, self.by_name = stock_table()
        self.names_by_length = sorted(self.by_name, key=len, reverse=True)

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
            self.ambiguous[name] = [s.code for s in stocks]
            return None
        return stocks[0]

    def group(self, theme_text: str, body: str) -> Group:
        """Resolve the stocks of one group; its prefix is ``theme_text`` or the lead words."""
        stocks: list[Stock] = []
        prefix = theme_text
        # Split on list separators; 和/与/及 only after a code in brackets: they occur inside
        # names (嘉和美康).
        candidates: list[str] = []
        for raw in re.split(r"[、,]|(?<=\))\s*(?:以及|和|与|及)\s*", body):
            item = raw.strip(" \n.;:。").rstrip("等").strip(" .;:。")
            if not item:
                continue
            code_match = CODE_MENTION.search(item) or BARE_CODE.search(item)
            if code_match:
                stock = self.by_code.get(code_match.group(1))
                before = item[: code_match.start()].strip()
                if stock is None:
                    self.unknown.append(f"{before}({code_match.group(1)})")
                    continue
                if before.endswith(stock.name):
                    before = before[: -len(stock.name)]
                elif before:
                    lead, named = self.by_exact_or_suffix(before)
                    if named is None or named.code != stock.code:
                        said = named.name if named is not None else before
                        self.mismatched.append(
                            f"{said}({stock.code}) is {stock.name} in the code table"
                        )
                    before = lead if named is not None else ""
                if not stocks and not prefix:
                    prefix = before
                stocks.append(stock)
                continue
            lead, found = self.by_exact_or_suffix(item)
            if found is None:
                if item not in self.ambiguous and looks_like_name(item):
                    candidates.append(item)
                continue
            if not stocks and not prefix:
                prefix = lead
            stocks.append(found)
        if stocks:  # names beside recognised stocks are unknown stocks, not prose
            self.unknown.extend(candidates)
        return Group(prefix, list(dict.fromkeys(stocks)))
