"""Basket ids a person would choose for a report's themes.

An id is composed from the glossary terms found inside the theme's name
(``thematic/data/theme_glossary.csv``), longest first, in the name's order; only what no
term covers is spelled in pinyin: ``液冷温控`` -> ``liquid_cooling_thermal_management``,
``高速铜连接`` -> ``high_speed_copper_interconnects``.  Two themes that map to one id are told
apart by the words the longer glossary term had swallowed (``国内多模态大模型`` after
``多模态大模型`` -> ``domestic_multimodal_models``), else by a number: never written over
each other.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

from thematic.drafting.text import normalize

GLOSSARY = Path(__file__).parents[1] / "data" / "theme_glossary.csv"


@cache
def glossary() -> dict[str, str]:
    """Map Chinese theme names (normalised, upper case) to the ids a person would choose."""
    with GLOSSARY.open(encoding="utf-8") as f:
        return {normalize(r["name"]).upper(): r["id"] for r in csv.DictReader(f)}


@cache
def _shortest_terms() -> dict[str, str]:
    """Keep one glossary name per id, the shortest: what is left over reads as extra words."""
    shortest: dict[str, str] = {}
    for name, id_ in glossary().items():
        if id_ not in shortest or len(name) < len(shortest[id_]):
            shortest[id_] = name
    return {name: id_ for id_, name in shortest.items()}


def _pinyin(chunk: str) -> list[str]:
    from pypinyin import lazy_pinyin

    return [w for part in lazy_pinyin(chunk) for w in re.findall(r"[a-z0-9]+", part.lower())]


def id_words(name: str, terms: Mapping[str, str] | None = None) -> list[str]:
    """Split a theme's name into id words: glossary terms longest first, pinyin for the rest.

    Examples
    --------
    >>> id_words("液冷温控"), id_words("储能变流器"), id_words("量子通信")
    (['liquid_cooling', 'thermal_management'], ['energy_storage', 'converters'], ['liang', 'zi', 'tong', 'xin'])
    """
    terms = glossary() if terms is None else terms
    key = normalize(name).upper()
    owner: list[str | None] = [None] * len(key)  # the id each character was taken by
    starts: set[int] = set()
    for term in sorted(terms, key=len, reverse=True):
        i = key.find(term)
        while i >= 0:
            if all(o is None for o in owner[i : i + len(term)]):
                owner[i : i + len(term)] = [terms[term]] * len(term)
                starts.add(i)
            i = key.find(term, i + 1)
    words: list[str] = []
    rest = ""
    for i, ch in enumerate(key):
        if owner[i] is None:
            rest += ch
            continue
        words += _pinyin(rest)
        rest = ""
        if i in starts and (not words or words[-1] != owner[i]):
            words.append(str(owner[i]))
    return words + _pinyin(rest)


def slug(name: str, taken: Iterable[str] = ()) -> str:
    """Make an id for a theme, unique among ``taken``.

    Examples
    --------
    >>> slug("光通信"), slug("AI应用端"), slug("IDC", taken=["idc"]), slug("虚拟现实")
    ('optical_communications', 'ai_applications', 'idc_2', 'xu_ni_xian_shi')
    >>> slug("国内多模态大模型", taken=["multimodal_models"])
    'domestic_multimodal_models'
    """
    taken = set(taken)
    base = "_".join(id_words(name)) or "theme"
    if base in taken:  # tell it apart by the words a longer glossary term had swallowed
        base = "_".join(id_words(name, _shortest_terms())) or base
    out, n = base, 2
    while out in taken:
        out, n = f"{base}_{n}", n + 1
    return out
