"""A-share security codes: which exchange a 6-digit code trades on.

Examples
--------
>>> exchange_of("600941")
'SH'
>>> exchange_of("300308")
'SZ'
>>> exchange_of("872808")
'BJ'
>>> exchange_of("900901") is None  # a Shanghai B share, not an A share
True
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Final, Literal

from thematic.errors import BasketNameWarning

Exchange = Literal["SH", "SZ", "BJ"]

_CODE = re.compile(r"^\d{6}$")

# Prefixes of A-share codes by board.  SH: main board 600/601/603/605, STAR 688/689.
# SZ: main board 000/001/002/003, ChiNext 300/301/302.  BJ: 43x/83x/87x/88x (legacy NEEQ
# numbering) and 920 (the codes the Beijing exchange has issued since 2024).
PREFIXES: dict[str, Exchange] = {
    **dict.fromkeys(("600", "601", "603", "605", "688", "689"), "SH"),
    **dict.fromkeys(("000", "001", "002", "003", "300", "301", "302"), "SZ"),
    **dict.fromkeys(("430", "830", "831", "832", "833", "834", "835", "836", "837", "838",
                     "839", "870", "871", "872", "873", "874", "875", "876", "877", "878",
                     "879", "880", "881", "882", "883", "884", "885", "886", "887", "888",
                     "889", "920"), "BJ"),
}  # fmt: skip


def is_code_format(code: str) -> bool:
    """Return True when ``code`` is exactly six ASCII digits."""
    return bool(_CODE.match(code))


def is_index_code(code: str) -> bool:
    """Tell whether ``code`` is an index code: 6 digits, or ``H`` + 5 digits (CSI total return).

    Examples
    --------
    >>> is_index_code("000300"), is_index_code("H00300"), is_index_code("300")
    (True, True, False)
    """
    return is_code_format(code) or bool(re.fullmatch(r"H\d{5}", code))


#: Index names as readers of Chinese research know them (English, then Chinese).
INDEX_NAMES: Final = {
    "000300": "CSI 300 (沪深300)",
    "H00300": "CSI 300 total return (沪深300全收益)",
}


def index_name(code: str) -> str:
    """Name an index as its readers do; an index without a known name is named by its code.

    Examples
    --------
    >>> index_name("000300"), index_name("000905")
    ('CSI 300 (沪深300)', '000905')
    """
    return INDEX_NAMES.get(code, code)


def exchange_of(code: str) -> Exchange | None:
    """Return the exchange of an A-share code, or None when it is not an A-share code."""
    if not is_code_format(code):
        return None
    return PREFIXES.get(code[:3])


#: The shipped table of A-share codes and names (as listed in 2025-09, Beijing included).
STOCK_TABLE = Path(__file__).with_name("data") / "stocklist.csv"


@cache
def known_stocks() -> dict[str, str]:
    """Code -> name of every stock in the shipped table (names as of 2025-09).

    Used to check what a user typed (an unknown code, a name that does not match its code),
    never to decide anything dated: a stock delisted before 2025 is absent, and its code is
    still a valid input.
    """
    import csv

    with STOCK_TABLE.open(encoding="utf-8") as f:
        return {row["code"]: row["name"] for row in csv.DictReader(f)}


Board = Literal["main", "chinext", "star", "beijing"]


def board_of(code: str) -> Board | None:
    """Return the board of an A-share code (main, chinext, star or beijing), or None.

    Examples
    --------
    >>> [board_of(c) for c in ("600941", "300308", "688111", "872808", "900901")]
    ['main', 'chinext', 'star', 'beijing', None]
    """
    exchange = exchange_of(code)
    if exchange is None:
        return None
    if exchange == "BJ":
        return "beijing"
    if code[:2] == "30":
        return "chinext"
    if code[:3] in ("688", "689"):
        return "star"
    return "main"


@cache
def industries() -> dict[str, str]:
    """Code -> industry of every stock in the shipped table (classification as of 2025-09)."""
    import csv

    with STOCK_TABLE.open(encoding="utf-8") as f:
        return {row["code"]: row["industry"] for row in csv.DictReader(f)}


def plain_name(name: str) -> str:
    """Return a stock name as names are compared: full-width forms and spaces folded.

    Vendors differ in both: ``"ＴＣＬ科技"`` is ``"TCL科技"``.

    Examples
    --------
    >>> plain_name("ＴＣＬ 科技") == plain_name("TCL科技")
    True
    """
    return unicodedata.normalize("NFKC", name).replace(" ", "").upper()


def warn_on_names(constituents: Sequence[tuple[str, str | None]], source: str) -> None:
    """Warn when a constituent's name is not the shipped table's name for its code.

    ``constituents`` are ``(code, name)`` pairs in the file's order; ``source`` names the
    file.  A code absent from the table is warned about too (it may be delisted or a typo).
    """
    known = known_stocks()
    for i, (code, name) in enumerate(constituents):
        have = known.get(code)
        if have is None:
            warnings.warn(
                f"{source}: constituents[{i}].code {code!r} is not in the shipped stock "
                "table (listed in 2025-09): check it (a stock delisted earlier is absent)",
                BasketNameWarning,
                stacklevel=3,
            )
        elif name and plain_name(name) != plain_name(have):
            warnings.warn(
                f"{source}: constituents[{i}].name {name!r} does not match code {code!r}, "
                f"which the shipped stock table names {have!r}",
                BasketNameWarning,
                stacklevel=3,
            )
