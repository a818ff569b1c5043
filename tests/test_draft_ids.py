"""Basket ids a person would choose: glossary terms inside a theme's name, pinyin for the rest,
never two themes on one id."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from thematic.drafting import draft_from_text, slug
from thematic.drafting.ids import glossary
from thematic.drafting.reading import decode
from thematic.drafting.writer import run_ids, write_drafts


@pytest.mark.parametrize(
    ("name", "id_"),
    [
        ("液冷温控", "liquid_cooling_thermal_management"),  # the examples
        ("高速铜连接", "high_speed_copper_interconnects"),
        ("服务器整机", "server_systems"),
        ("储能电池", "energy_storage_batteries"),
        ("储能变流器", "energy_storage_converters"),
        ("AI服务器", "ai_servers"),  # the longest term wins over 服务器
        ("国产算力", "domestic_compute"),
        ("量子通信", "liang_zi_tong_xin"),  # no term: pinyin
        ("虚拟现实光模块", "xu_ni_xian_shi_optical_modules"),  # pinyin only for the rest
    ],
)
def test_ids_are_composed_from_glossary_terms_longest_first(name: str, id_: str) -> None:
    assert slug(name) == id_


def test_two_themes_on_one_id_are_told_apart_by_their_remaining_words(tmp_path: Path) -> None:
    text = ("2024年7月8日\n投资建议：1、AI应用：金山办公、同花顺；2、AI应用端：科大讯飞、万兴科技；"
            "3、AI应用：昆仑万维。")  # fmt: skip
    d = draft_from_text(text)
    assert [t.name for t in d.themes] == ["AI应用", "AI应用端"]  # one name: one group
    report = tmp_path / "r.txt"
    report.write_text(text, encoding="utf-8")
    _, files = write_drafts(report, tmp_path / "d")
    assert [f.stem for f in files] == ["ai_applications", "ai_applications_duan"]


CJK_WORDS = st.sampled_from([*glossary(), "端", "高速", "国内", "链", "海外", "新", "AI", "主题"])


@settings(max_examples=200, deadline=None)
@given(
    names=st.lists(st.lists(CJK_WORDS, min_size=1, max_size=3).map("".join), max_size=8),
    taken=st.lists(st.sampled_from(sorted(set(glossary().values()))), max_size=5),
    dated=st.booleans(),
)
def test_ids_in_a_run_are_unique_well_formed_and_never_taken(
    names: list[str], taken: list[str], dated: bool
) -> None:
    published = dt.date(2024, 7, 8) if dated else None
    ids = run_ids(names, published, taken)
    assert len(ids) == len(names)
    assert len(set(ids)) == len(ids)  # no file written over another
    assert not set(ids) & set(taken)
    assert all(re.fullmatch(r"[a-z0-9]+(?:_[a-z0-9]+)*", i) for i in ids)


@settings(max_examples=100, deadline=None)
@given(
    text=st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                 max_size=200),
    encoding=st.sampled_from(["utf-8-sig", "utf-16", "utf-32"]),
)  # fmt: skip
def test_text_with_a_byte_order_mark_round_trips(text: str, encoding: str) -> None:
    assert decode(text.encode(encoding)) == text
