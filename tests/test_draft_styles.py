"""Drafting from the styles brokers use, and from PDF and HTML files.

Each text is written here with the groups and header fields a person reads in it.  The
stocks named are real A-shares (resolved against the shipped table); the reports are not.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from thematic.drafting import draft_from_text, find_date, slug, write_drafts
from thematic.drafting.reading import detect, read_report
from thematic.errors import DraftError


def groups(text: str) -> dict[str, list[str]]:
    return {t.name: [s.code for s in t.stocks] for t in draft_from_text(text).themes}


# -- how codes are written -------------------------------------------------------------------
@pytest.mark.parametrize(
    "written",
    ["英维克300442", "英维克（300442.SZ）", "英维克(SZ300442)", "英维克 300442 CH", "英维克【300442】",
     "英维克 300442.SZ", "英维克（SZ300442）"],
)  # fmt: skip
def test_code_styles(written: str) -> None:
    # 300442 is 润泽科技: a code beside another name is flagged, the code wins.
    d = draft_from_text(f"报告\n2024年7月8日\n建议关注：液冷：{written}、申菱环境（301018.SZ）。")
    assert [s.code for s in d.themes[0].stocks] == ["300442", "301018"]
    assert d.mismatched == ["英维克(300442) is 润泽科技 in the code table"]


def test_names_alone_with_spaces_full_width_and_abbreviations() -> None:
    text = "2024-07-08\n重点推荐：科 大 讯 飞、ＴＣＬ科技、茅台、寒武纪、海康。"
    assert groups(text) == {"theme1": ["002230", "000100", "600519", "688256", "002415"]}


# -- recommendation cues -------------------------------------------------------------------------
@pytest.mark.parametrize("cue", ["建议关注", "推荐", "重点推荐", "受益标的", "相关标的", "标的梳理",
                                 "投资建议"])  # fmt: skip
def test_recommendation_cues(cue: str) -> None:
    text = f"2024年7月8日\n{cue}：光通信：中际旭创（300308）、新易盛（300502）。"
    assert groups(text) == {"光通信": ["300308", "300502"]}


def test_background_names_are_not_picks() -> None:
    text = ("2024年7月8日\n正文中我们回顾了中际旭创（300308）的布局，以及新易盛的扩产。\n\n"
            "投资建议：建议关注英维克（002837）。")  # fmt: skip
    assert groups(text) == {"theme1": ["002837"]}


def test_company_valuation_table_closes_the_report() -> None:
    text = """2024/7/8
投资建议：液冷：英维克（002837.SZ）。

重点公司盈利预测与估值
代码 名称 股价 EPS(2024E) PE(2024E) 评级
002837.SZ 英维克 25.30 0.82 30.9 买入
301018.SZ 申菱环境 18.20 0.65 28.0 增持
300442.SZ 润泽科技 40.10 1.21 33.1 买入
资料来源：Wind，某证券研究所
"""
    assert groups(text) == {"液冷": ["002837"], "重点公司": ["301018", "300442"]}


# -- theme structures ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body",
    [
        "1、光通信：中际旭创、新易盛；2、液冷：英维克、申菱环境",
        "（1）光通信：中际旭创、新易盛；（2）液冷：英维克、申菱环境",
        "①光通信：中际旭创、新易盛；②液冷：英维克、申菱环境",
        "一、光通信：中际旭创、新易盛；二、液冷：英维克、申菱环境",
        "光通信中际旭创、新易盛；液冷英维克、申菱环境",
        "\n光通信：中际旭创、新易盛\n液冷：英维克、申菱环境",
    ],
    ids=["1、", "（1）", "①", "一、", "；groups", "one theme per line"],
)
def test_theme_structures(body: str) -> None:
    assert groups(f"2024年7月8日\n建议关注：{body}。") == {
        "光通信": ["300308", "300502"], "液冷": ["002837", "301018"],
    }  # fmt: skip


# -- header fields -------------------------------------------------------------------------------
HEADER = """# 液冷：算力基础设施的新蓝海
行业深度报告 | 通信
证券分析师：王某  执业证书编号：S0130511090001
研究员：李四、赵五
20240708
投资建议：建议关注英维克（002837.SZ）。
免责声明：本报告由华福证券股份有限公司制作。
"""


def test_header_fields_of_another_broker() -> None:
    d = draft_from_text(HEADER)
    assert d.title == "液冷：算力基础设施的新蓝海"  # the report's own punctuation
    assert d.analysts == ["王某", "李四", "赵五"]
    assert d.broker == "华福证券"
    assert d.published == dt.date(2024, 7, 8)


@pytest.mark.parametrize("written", ["2024年7月8日", "2024-07-08", "2024/7/8", "20240708"])
def test_date_styles(written: str) -> None:
    assert find_date(f"深度报告\n{written}\n正文") == dt.date(2024, 7, 8)


# -- names a person would choose -----------------------------------------------------------------
def test_glossary_ids_then_pinyin() -> None:
    assert [slug(n) for n in ("光通信", "算力租赁", "液冷", "运营商", "低空经济", "量子通信")] == [
        "optical_communications", "compute_leasing", "liquid_cooling", "telecom_carriers",
        "low_altitude_economy", "liang_zi_tong_xin",
    ]  # fmt: skip


# -- files: PDF and HTML -------------------------------------------------------------------------
def make_pdf(path: Path, pages: list[list[str]], footer: str = "") -> Path:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    for lines in pages:
        c.setFont("STSong-Light", 11)
        y = 800
        for line in lines:
            c.drawString(50, y, line)
            y -= 18
        if footer:
            c.drawString(50, 40, footer)
            c.drawString(500, 40, f"{pages.index(lines) + 1}/{len(pages)}")
        c.showPage()
    c.save()
    return path


def test_pdf_with_a_code_broken_across_lines_and_a_repeated_footer(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "report.bin", [
        ["液冷：算力基础设施的新蓝海", "证券分析师：王某  执业证书编号：S0130511090001",
         "2024年7月8日", "投资建议：建议关注：液冷：英维克（002837", ".SZ）、申菱环境（301018.SZ）。"],
        ["正文：行业回顾。", "风险提示：需求不及预期。"],
        ["免责声明：本报告由华福证券股份有限公司制作。"],
    ], footer="请务必阅读正文之后的免责声明部分")  # fmt: skip
    assert detect(pdf.read_bytes()) == "pdf"  # from the content, whatever the suffix
    text, kind = read_report(pdf)
    assert kind == "pdf"
    assert text.count("请务必阅读正文之后的免责声明部分") == 1  # a footer on every page, kept once
    assert "1/3" not in text and "2/3" not in text  # page numbers dropped
    draft, files = write_drafts(pdf, tmp_path / "drafts")
    assert [(t.name, [s.code for s in t.stocks]) for t in draft.themes] == [
        ("液冷", ["002837", "301018"])
    ]
    assert draft.broker == "华福证券" and draft.analysts == ["王某"]
    assert [f.name for f in files] == ["liquid_cooling.yaml"]


def test_a_scanned_pdf_is_refused_in_one_line(tmp_path: Path) -> None:
    from reportlab.pdfgen import canvas

    path = tmp_path / "scan.pdf"
    c = canvas.Canvas(str(path))
    c.rect(50, 50, 400, 600, fill=1)  # an image-like page: no text layer
    c.showPage()
    c.save()
    with pytest.raises(
        DraftError, match=r"scan.pdf: the PDF has no text layer \(a scan\?\); run OCR"
    ):
        read_report(path)


def test_html_page_without_its_furniture(tmp_path: Path) -> None:
    page = tmp_path / "page.txt"  # saved with the wrong suffix: recognised from the content
    page.write_text("""<!DOCTYPE html><html><head><title>算力租赁：供需两旺 - 研报网</title>
<script>var x = "建议关注：贵州茅台（600519）";</script></head><body>
<nav class="top-nav">首页 研报 建议关注：中国平安（601318）</nav>
<div class="article"><h1>算力租赁：供需两旺</h1>
<p>分析师：<b>王某</b> 2024年7月8日 华福证券</p>
<p>投资建议：<span>建议关注</span>：算力租赁：润泽科技（300442）、<em>奥飞数据</em>（300738）。</p></div>
<div class="sidebar">相关标的：中国移动（600941）</div>
<footer>版权所有 华福证券股份有限公司</footer></body></html>""", encoding="utf-8")  # fmt: skip
    text, kind = read_report(page)
    assert kind == "html" and "var x" not in text and "首页" not in text
    draft, _ = write_drafts(page, tmp_path / "d")
    assert [(t.name, [s.code for s in t.stocks]) for t in draft.themes] == [
        ("算力租赁", ["300442", "300738"])
    ]
    assert draft.published == dt.date(2024, 7, 8) and draft.broker == "华福证券"
    assert draft.title == "算力租赁：供需两旺" and draft.analysts == ["王某"]


def test_a_two_column_pdf_keeps_its_columns_apart(tmp_path: Path) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    path = tmp_path / "two.pdf"
    c = canvas.Canvas(str(path))
    c.setFont("STSong-Light", 10)
    c.drawString(40, 800, "液冷：算力基础设施的新蓝海")
    c.drawString(40, 784, "2024年7月8日  分析师：王某")
    left = ["投资建议：建议关注液冷：", "英维克（002837.SZ）、", "申菱环境（301018.SZ）。"]
    right = [
        "行业要闻：某公司发布新品，",
        "市场回顾：沪深300上涨1%，",
        "正文中我们回顾了中际旭创的布局。",
    ]
    for i, (a, b) in enumerate(zip(left, right, strict=True)):  # two columns side by side
        c.drawString(40, 740 - 16 * i, a)
        c.drawString(320, 740 - 16 * i, b)
    c.showPage()
    c.save()
    draft, _ = write_drafts(path, tmp_path / "d")
    assert [(t.name, [s.code for s in t.stocks]) for t in draft.themes] == [
        ("液冷", ["002837", "301018"])
    ]  # the right column's 中际旭创 is background, not a pick


def test_a_decimal_after_a_sentence_is_not_a_list_item() -> None:
    text = "光模块：新一轮周期\n2024年1月2日\n建议关注中际旭创。\n1.5T光模块出货量达到高点，新易盛获益。\n"
    assert groups(text) == {"光模块": ["300308"]}  # 新易盛 is background; the title names it


def test_and_between_bracketed_codes_separates_two_stocks() -> None:
    text = "2024年1月2日\n投资建议：建议关注A股光模块龙头中际旭创（300308）和新易盛（300502）。"
    assert groups(text) == {"光模块": ["300308", "300502"]}
    assert groups("2024年1月2日\n建议关注：嘉和美康、中际旭创。") == {
        "theme1": ["688246", "300308"]
    }
