"""Invariants of drafting, over generated reports: background text never adds a pick, the
order of unrelated paragraphs does not matter, and every pick is a stock the report names."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from thematic.drafting import draft_from_text

NAMES = ["中际旭创", "新易盛", "英维克", "宁德时代", "金山办公", "海光信息", "工业富联", "沪电股份"]
RECOMMENDATION = (
    "投资建议：1、液冷：英维克（002837）、申菱环境（301018）；2、光模块：天孚通信（300394）。"
)
HEADER = "测试证券研究所 分析师：王明远\n液冷：数据中心的下一站\n2024年7月8日\n"


def picks(text: str) -> list[tuple[str, list[str]]]:
    return [(t.name, [s.code for s in t.stocks]) for t in draft_from_text(text).themes]


background = st.lists(
    st.tuples(st.sampled_from(NAMES), st.sampled_from(["的订单增长", "股价创新高", "发布新品"])),
    min_size=1,
    max_size=6,
).map(lambda items: "，".join(n + what for n, what in items) + "。")


@settings(max_examples=80, deadline=None)
@given(before=background, after=background)
def test_background_paragraphs_never_add_a_pick(before: str, after: str) -> None:
    plain = picks(HEADER + RECOMMENDATION)
    assert plain == [("液冷", ["002837", "301018"]), ("光模块", ["300394"])]
    text = f"{HEADER}\n{before}\n\n{RECOMMENDATION}\n\n{after}\n"
    assert picks(text) == plain


@settings(max_examples=60, deadline=None)
@given(groups=st.lists(st.lists(st.sampled_from(NAMES), min_size=1, max_size=3, unique=True),
                       min_size=1, max_size=4))  # fmt: skip
def test_every_pick_is_named_in_its_group_in_the_reports_order(groups: list[list[str]]) -> None:
    themes = ["光通信", "液冷", "储能", "信创"]
    body = "；".join(f"{i + 1}、{themes[i]}：{'、'.join(g)}" for i, g in enumerate(groups))
    drafted = draft_from_text(f"{HEADER}\n建议关注：{body}。").themes
    assert [t.name for t in drafted] == themes[: len(groups)]
    assert [[s.name for s in t.stocks] for t in drafted] == groups
