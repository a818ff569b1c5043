"""Normalising a report's text: the artefacts of PDF and web extraction undone.

Spaces inside words (``科 大 讯 飞``), full-width forms, line breaks inside names, and the many
ways of writing a code (``300442.SZ``, ``SZ300442``, ``【300442】``) all become one form, so the
later steps match names and codes without caring where the text came from.
"""

from __future__ import annotations

import re
import unicodedata

#: The CJK unified ideographs, for character classes.
CJK = r"\u4e00-\u9fff"
#: Ways a date is written: 2024年7月8日, 2024-07-08, 2024/7/8, 2024.07.08, 20240708.
DATE_PATTERNS = (
    re.compile(r"(20\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"),
    re.compile(r"(20\d{2})-(\d{1,2})-(\d{1,2})(?!\d)"),
    re.compile(r"(20\d{2})/(\d{1,2})/(\d{1,2})(?!\d)"),
    re.compile(r"(?<![\d.])(20\d{2})\.(\d{1,2})\.(\d{1,2})(?![\d.])"),
    re.compile(r"(?<!\d)(20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?!\d)"),
)
#: Phrases that open a recommendation section (never part of a title).
CUES = ("建议重点关注", "建议关注", "重点关注", "推荐关注", "推荐标的", "重点推荐", "受益标的",
        "相关标的", "关注标的", "标的梳理", "投资建议", "推荐")  # fmt: skip
#: What opens an item of a list: 1、 1. 1) (1) ① (一) 一、 主线一 and bullets (normalised).
LIST_MARKER = (
    r"(?:\(\d{1,2}\)|\([一二三四五六七八九十]{1,3}\)|\d{1,2}[、.)](?!\d)|[一二三四五六七八九十]{1,3}、"
    r"|主线[一二三四五六七八九十\d]{1,2}|[-•*](?=\s))"
)
#: A code in brackets, and a code standing alone (after :func:`canonical_codes`).
CODE_MENTION = re.compile(r"\((\d{6})(?:\.(?:SZ|SH|BJ))?\)", re.IGNORECASE)
BARE_CODE = re.compile(r"(?<![\d(])(\d{6})(?:\.(?:SZ|SH|BJ))?(?![\d)])", re.IGNORECASE)
_CIRCLED = {chr(0x2460 + i): f"({i + 1})" for i in range(20)}  # ① .. ⑳
_CERTIFICATE = re.compile(r"(?:SAC)?(?:执业证书编号|证书编号|执业编号|登记编号|登记编码)\s*[:：]?")


def normalize(text: str, join_lines: bool = True) -> str:
    r"""Undo common extraction artefacts: full-width forms, spaces and breaks inside words.

    Examples
    --------
    >>> normalize("建 议 关 注 ：科 大 讯 飞 、海康\n威视（002415）")
    '建议关注:科大讯飞、海康威视(002415)'
    """
    text = normalize_forms(text)
    if join_lines:  # a line that opens "label:" starts a new group, not a wrapped name
        text = re.sub(
            rf"(?<!\n)\n(?!\n)(?=[ \t]*{LIST_MARKER}?"
            rf"[ \t]*[{CJK}A-Za-z][{CJK}A-Za-z0-9+/]{{0,15}}[ \t]*:)",
            ";",
            text,
        )
    # Whitespace between two CJK characters (or CJK and CJK punctuation) is an artefact,
    # single line breaks included (a wrapped name); a blank line still ends a paragraph.
    cjk_or_punct = rf"[{CJK}、,;:()“”\"。!?]"
    space = r"[ \t\u3000\r\n]" if join_lines else r"[ \t\u3000]"
    text = re.sub(
        rf"(?<={cjk_or_punct})({space}+)(?={cjk_or_punct})",
        lambda m: "\n\n" if m.group(1).count("\n") >= 2 else "",
        text,
    )
    text = re.sub(rf"(?<=[{CJK}])[ \t]+(?=[A-Za-z0-9])|(?<=[A-Za-z0-9])[ \t]+(?=[{CJK}])", "", text)
    return text


def normalize_forms(text: str) -> str:
    """Undo full-width forms and write codes one way; spaces and lines stay as they are.

    Examples
    --------
    >>> normalize_forms("分析师：宋嘉吉 黄瀚（300442.SZ）")
    '分析师:宋嘉吉 黄瀚(300442)'
    """
    text = "".join(_CIRCLED.get(ch, ch) for ch in text)  # NFKC would make ① a bare "1"
    text = _CERTIFICATE.sub(" | ", text)  # keep a name apart from its certificate number
    return canonical_codes(unicodedata.normalize("NFKC", text))


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
