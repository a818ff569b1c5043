from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.conftest import SHARED
from thematic.baskets import load_basket, load_baskets
from thematic.cli import main
from thematic.drafting import draft_from_text, find_date, normalize, write_drafts
from thematic.errors import BasketError, DraftError

REPORTS = SHARED / "reports"
needs_reports = pytest.mark.skipif(
    not (REPORTS / "000_2dbc0d64c43019f8.txt").exists(),
    reason=f"the research reports are not at {REPORTS} (../shared beside the repository)",
)


#: Each research report and the shipped baskets drafted from it, in the report's order.
SHIPPED_BASKETS = [
    ("000_2dbc0d64c43019f8.txt",
     ["idc", "optical_communications", "thermal_management", "telecom_carriers"]),
    ("001_8a603f90bd6de680.txt",
     ["multimodal_models", "compute_infrastructure", "ai_applications"]),
]  # fmt: skip


def members(d) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    return {t.name: [s.code for s in t.stocks] for t in d.themes}


@needs_reports
@pytest.mark.parametrize(("report", "shipped"), SHIPPED_BASKETS)
def test_drafts_reproduce_shipped_baskets(report: str, shipped: list[str], tmp_path: Path) -> None:
    draft, files = write_drafts(REPORTS / report, tmp_path)
    baskets = {b.id: b for b in load_baskets("baskets")}
    want = [(baskets[i].name, baskets[i].codes) for i in shipped]
    drafted = [load_basket(f) for f in files]  # they validate
    assert [f.stem for f in files] == shipped  # the shipped ids, from the theme glossary
    assert [(b.name, b.codes) for b in drafted] == want
    assert {b.published for b in drafted} == {baskets[shipped[0]].published}
    assert {b.report.broker for b in drafted} == {"中国银河证券"}
    assert drafted[0].report.analysts == baskets[shipped[0]].report.analysts
    assert draft.unknown == [] and draft.ambiguous == {} and draft.todo == []


def test_normalize_undoes_scraping_artefacts() -> None:
    assert normalize("科 大 讯 飞 、 海 康\n威 视") == "科大讯飞、海康威视"
    assert normalize("中际旭创（300308）；") == "中际旭创(300308);"
    assert normalize("段落一。\n\n段落二") == "段落一。\n\n段落二"  # paragraphs stay


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("报告\n2024年03月22日\n正文 2023年1月1日", dt.date(2024, 3, 22)),
        ("报告 2024年2月18日", dt.date(2024, 2, 18)),
        ("信息技术2024-02-18吴砚靖", dt.date(2024, 2, 18)),
        ("发布于 2024/3/22", dt.date(2024, 3, 22)),
        ("x" * 2100 + "2024年3月22日 (only in the body)", None),
    ],
)
def test_dates(text: str, date: dt.date | None) -> None:
    assert find_date(text) == date


def test_code_patterns_and_semicolon_themes() -> None:
    d = draft_from_text(
        "某证券 2024年5月6日\n建议关注：光模块龙头中际旭创（300308）、新易盛(300502.SZ)；"
        "运营商 中国移动 600941、中国电信。"
    )
    assert members(d) == {"光模块": ["300308", "300502"], "运营商": ["600941", "601728"]}


def test_numbered_themes_with_spaced_names_and_line_breaks() -> None:
    d = draft_from_text(
        "2024年2月18日\n投 资 建 议 ：建议重点关注：1、国 内 多 模 态 大 模 型 ：科 大 讯 飞 、海康\n"
        "威视；2、AI 应 用 端：嘉 和 美 康 等。"
    )
    assert members(d) == {"国内多模态大模型": ["002230", "002415"], "AI应用端": ["688246"]}


def test_only_recommendation_sections_count() -> None:
    d = draft_from_text(
        "2024年3月22日\n行业回顾：贵州茅台（600519）、五粮液（000858）表现强势。\n\n"
        "建议关注：光通信中际旭创（300308）。"
    )
    assert members(d) == {"光通信": ["300308"]}


def test_unknown_and_ambiguous_are_listed_not_guessed() -> None:
    d = draft_from_text("2024年3月22日\n建议关注：光通信中际旭创、某某科技、未来光子（300000）。")
    assert members(d) == {"光通信": ["300308"]}
    assert "某某科技" in d.unknown
    assert any("300000" in u for u in d.unknown)


def test_code_with_wrong_name_is_flagged() -> None:
    d = draft_from_text("2024年3月22日\n建议关注：光通信新易盛（300308）。")
    assert members(d) == {"光通信": ["300308"]}
    assert d.mismatched == ["新易盛(300308) is 中际旭创 in the code table"]


def test_beijing_codes_resolve() -> None:
    d = draft_from_text("2024年3月22日\n建议关注：液冷曙光数创（872808）。")
    assert members(d) == {"液冷": ["872808"]}


def test_no_recommendation_is_an_error() -> None:
    with pytest.raises(DraftError, match="no recommendation section naming a stock"):
        draft_from_text("2024年3月22日\n市场回顾：中际旭创（300308）上涨。")


def test_missing_header_fields_are_todo_and_fail_validation(tmp_path: Path) -> None:
    report = tmp_path / "r.txt"
    report.write_text("建议关注：光通信中际旭创（300308）。", encoding="utf-8")
    draft, files = write_drafts(report, tmp_path / "out")
    assert draft.todo == ["report.published", "report.broker", "report.title", "report.analysts"]
    text = files[0].read_text(encoding="utf-8")
    assert "published: TODO" in text and "# TODO: not found in the report" in text
    with pytest.raises(BasketError, match="is a TODO left by `thematic draft`: fill it in"):
        load_basket(files[0])


def test_cli_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "r.txt"
    report.write_text(
        "中国银河证券 分析师：赵良毕\n2024年3月22日\n建议关注：光通信中际旭创（300308）、某某科技。",
        encoding="utf-8",
    )
    out = tmp_path / "drafts"
    assert main(["draft", str(report), "--output-dir", str(out)]) == 0
    err = capsys.readouterr().err
    assert "optical_communications.yaml: 光通信: 中际旭创(300308)" in err
    assert "unknown name, not added: 某某科技" in err
    assert "fill in report.title (left as TODO)" in err
    assert main(["draft", str(report), "--output-dir", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["draft", str(report), "--output-dir", str(out), "--force"]) == 0


@needs_reports
@pytest.mark.parametrize(("report", "shipped"), SHIPPED_BASKETS)
def test_pdfs_of_the_shipped_reports_reproduce_the_shipped_baskets(
    report: str, shipped: list[str], tmp_path: Path
) -> None:
    import subprocess
    import sys

    from tests.conftest import ROOT

    pdf = tmp_path / "report.pdf"  # wrapped lines split names and codes; a footer repeats
    subprocess.run([sys.executable, str(ROOT / "scripts" / "text_to_pdf.py"),
                    str(REPORTS / report), str(pdf)], check=True, capture_output=True)  # fmt: skip
    draft, files = write_drafts(pdf, tmp_path / "drafts")
    baskets = {b.id: b for b in load_baskets("baskets")}
    assert [f.stem for f in files] == shipped
    assert [(b.name, b.codes) for b in map(load_basket, files)] == [
        (baskets[i].name, baskets[i].codes) for i in shipped
    ]
    assert draft.analysts == baskets[shipped[0]].report.analysts


def test_old_import_paths_still_work_with_a_deprecation_warning() -> None:
    import thematic.drafting

    with pytest.warns(DeprecationWarning, match="thematic.drafting.writer.write_drafts"):
        from thematic.draft import write_drafts as old
    assert old is thematic.drafting.write_drafts
    with pytest.warns(DeprecationWarning, match="thematic.drafting.reading.read_report"):
        from thematic.reading import read_report
    assert read_report is thematic.drafting.read_report
