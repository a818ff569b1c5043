"""`thematic draft` on hostile input and on folders: one clear line, the right exit code,
nothing half-written; and `--explain`."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from thematic.baskets import load_basket
from thematic.cli import main

CORPUS = Path(__file__).with_name("corpus")
REPORT = """测试证券研究所 分析师：王明远
液冷：数据中心的下一站
2024年7月8日
投资建议：1、液冷：英维克（002837）、申菱环境（301018）；2、光模块：中际旭创（300308）。
"""


def one_error_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def a_pdf(pages: int = 3) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for line in REPORT.splitlines()[:pages]:
        c.setFont("STSong-Light", 11)
        c.drawString(50, 800, line)
        c.showPage()
    c.save()
    return buf.getvalue()


@pytest.mark.parametrize("share", [0.3, 0.6, 0.97])
def test_a_truncated_pdf_is_one_line_exit_2(
    share: float, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = a_pdf()
    pdf = tmp_path / "cut.pdf"
    pdf.write_bytes(data[: int(len(data) * share)])
    out = tmp_path / "drafts"
    assert main(["draft", str(pdf), "--output-dir", str(out)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert line.startswith(f"error: {pdf}: not a readable PDF, truncated or damaged")
    assert not out.exists()


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig"])
def test_text_with_a_byte_order_mark_is_read_as_it_says(
    encoding: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import codecs

    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}.get(encoding, b"")
    report = tmp_path / "r.txt"
    report.write_bytes(bom + REPORT.encode(encoding))
    assert main(["draft", str(report), "--output-dir", str(tmp_path / "d")]) == 0
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == [
        "liquid_cooling.yaml", "optical_modules.yaml"
    ]  # fmt: skip
    assert load_basket(tmp_path / "d" / "liquid_cooling.yaml").codes == ["002837", "301018"]


def test_utf16_without_a_byte_order_mark_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "r.txt"
    report.write_bytes(REPORT.encode("utf-16-le"))
    assert main(["draft", str(report), "--output-dir", str(tmp_path / "d")]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "looks like UTF-16 or UTF-32 text without a byte-order mark; save it as UTF-8" in line


def test_a_folder_drafts_every_report_and_one_bad_file_does_not_stop_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    shutil.copy(CORPUS / "03_web_page.html", folder / "page.html")
    shutil.copy(CORPUS / "11_utf16_text.txt", folder / "carriers.txt")
    (folder / "same.txt").write_text(REPORT.replace("2024年7月8日", "2024年8月1日"), "utf-8")
    (folder / "liquid.txt").write_text(REPORT, encoding="utf-8")
    (folder / "broken.pdf").write_bytes(a_pdf()[:500])
    (folder / "chart.png").write_bytes(b"\x89PNG")
    out = tmp_path / "drafts"
    assert main(["draft", str(folder), "--output-dir", str(out)]) == 2  # one report failed
    captured = capsys.readouterr()
    assert one_error_line(captured.err).startswith(f"error: {folder / 'broken.pdf'}: not a")
    assert "skipped 1 file(s) that are not reports by their suffix: chart.png" in captured.err
    table = captured.out.splitlines()
    assert table[0].split() == ["report", "date", "broker", "groups", "need", "a", "human"]
    assert [r.split()[:4] for r in table[1:]] == [
        ["carriers.txt", "2024-10-09", "招商证券", "2"],
        ["liquid.txt", "2024-07-08", "测试证券", "2"],
        ["page.html", "2024-05-20", "测试证券", "2"],
        ["same.txt", "2024-08-01", "测试证券", "2"],
        ["broken.pdf", "-", "-", "0"],
    ]
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*.yaml"))
    assert written == [  # one folder per report; ids unique in the run, a repeat dated
        "carriers/satellite_internet.yaml", "carriers/telecom_carriers.yaml",
        "liquid/liquid_cooling.yaml", "liquid/optical_modules.yaml",
        "page/compute_leasing.yaml", "page/idc.yaml",
        "same/liquid_cooling_20240801.yaml", "same/optical_modules_20240801.yaml",
    ]  # fmt: skip
    assert all(load_basket(out / p) for p in written)  # they validate


def test_an_empty_folder_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["draft", str(tmp_path), "--output-dir", str(tmp_path / "d")]) == 2
    assert "no report in the folder" in one_error_line(capsys.readouterr().err)


def test_an_unwritable_output_dir_is_named_not_a_temporary_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import tempfile

    report = tmp_path / "r.txt"
    report.write_text(REPORT, encoding="utf-8")
    out = tmp_path / "drafts"
    out.mkdir()

    # The file system refuses while writing (as a read-only mount does, even for root).
    def refuse(*args: object, dir: str = "", **kwargs: object) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied", f"{dir}/.liquid_cooling.yaml.x1.tmp")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    assert main(["draft", str(report), "--output-dir", str(out)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert f"--output-dir: cannot write the drafts in {out} (Permission denied)" in line
    assert ".tmp" not in line and list(out.iterdir()) == []
    # A directory the user may not write in is found before anything is drafted.
    monkeypatch.setattr(os, "access", lambda *a, **k: False)
    assert main(["draft", str(report), "--output-dir", str(out)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert line == f"error: --output-dir: cannot write in {out} (permission denied)"


def test_force_with_a_directory_in_the_way_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "r.txt"
    report.write_text(REPORT, encoding="utf-8")
    out = tmp_path / "drafts"
    assert main(["draft", str(report), "--output-dir", str(out)]) == 0
    (out / "liquid_cooling.yaml").write_text("kept", encoding="utf-8")
    (out / "optical_modules.yaml").unlink()
    (out / "optical_modules.yaml").mkdir()
    capsys.readouterr()
    assert main(["draft", str(report), "--output-dir", str(out), "--force"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert f"{out / 'optical_modules.yaml'} is a directory, in the way of a draft basket" in line
    assert (out / "liquid_cooling.yaml").read_text(encoding="utf-8") == "kept"  # untouched
    assert sorted(p.name for p in out.iterdir()) == ["liquid_cooling.yaml", "optical_modules.yaml"]


def test_a_missing_report_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["draft", str(tmp_path / "nope.pdf")]) == 2
    assert "no such report file or folder" in one_error_line(capsys.readouterr().err)


def test_explain_says_where_each_field_and_stock_came_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = CORPUS / "02_weekly_valuation_table.txt"
    assert main(["draft", str(report), "--output-dir", str(tmp_path), "--explain"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "  published  2024-07-14  <- line 4: 2024.07.14" in out
    assert "  broker     国金证券  <- line 3: 国金证券研究所" in out
    assert "  analysts   刘洋  <- line 5: 分析师 刘洋（执业 S1130522030001）" in out
    background = "left out: background mention (no recommendation cue before it)"
    assert f"  line 7    光迅科技(002281)  {background}" in out
    assert "  line 10   中际旭创(300308)  taken into 光模块 -> optical_modules" in out
    assert "  line 14   中际旭创(300308)  duplicate: already taken at line 10" in out
    assert ("  line 17   光迅科技(002281)  taken into 重点公司 -> key_companies "
            "(the closing company table)") in out  # fmt: skip
    assert "  line 3    国金证券(600109)  left out: a broker's name, not a mention of its stock" in out  # fmt: skip


def test_explain_names_page_furniture_and_tables_that_recommend_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["draft", str(CORPUS / "03_web_page.html"), "--output-dir", str(tmp_path / "a"),
          "--explain"])  # fmt: skip
    out = capsys.readouterr().out
    assert "page      中际旭创(300308)  left out: web page furniture" in out
    assert "line 3    润泽科技(300442)  left out: background mention" in out
    main(["draft", str(CORPUS / "13_wind_template_background.txt"), "--output-dir",
          str(tmp_path / "b"), "--explain"])  # fmt: skip
    out = capsys.readouterr().out
    assert "line 13   中国软件(600536)  left out: table only" in out
    assert "line 16   航天信息(600271)  taken into 信创 -> xinchuang" in out


def test_explain_tells_a_brokers_name_from_its_listed_stock() -> None:
    from thematic.drafting import draft_from_text
    from thematic.drafting.explain import explain

    text = "中国银河证券研究院\n2024年3月22日\n投资建议：光通信：中际旭创（300308）。\n资料来源：中国银河证券"
    lines = explain(text, draft_from_text(text), ["optical_communications"])
    assert (
        "  line 1    中国银河(601881)  left out: a broker's name, not a mention of its stock"
        in lines
    )
    assert "  line 3    中际旭创(300308)  taken into 光通信 -> optical_communications" in lines
    assert "  broker     中国银河证券  <- line 1: 中国银河证券研究院" in lines


def test_explain_names_a_list_without_a_cue_and_unknown_names() -> None:
    from thematic.drafting import draft_from_text
    from thematic.drafting.explain import explain

    text = "2024年7月8日\n行业要闻：中际旭创、新易盛、天孚通信。\n\n投资建议：光通信：中际旭创（300308）、某某科技。"
    lines = explain(text, draft_from_text(text), ["optical_communications"])
    no_cue = "left out: no cue (a list with no recommendation cue such as 建议关注 before it)"
    assert f"  line 2    新易盛(300502)  {no_cue}" in lines
    assert "  line 4    中际旭创(300308)  taken into 光通信 -> optical_communications" in lines
    assert "  line 4    某某科技  left out: unknown name (not in the shipped stock table)" in lines
    assert "  title      TODO  <- not found" in lines


@pytest.mark.parametrize("name", ["scan.pdf", "notes.txt", "chart.png.md"])
def test_a_binary_file_is_called_binary_not_utf16(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    """Before: random bytes (an image, a broken download) were 'UTF-16 text without a
    byte-order mark', advice that cannot help."""
    import random

    report = tmp_path / name
    report.write_bytes(random.Random(7).randbytes(3000))
    assert main(["draft", str(report), "--output-dir", str(tmp_path / "d")]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "binary content (NUL bytes, not a PDF)" in line and "UTF-16" not in line
    assert not (tmp_path / "d").exists()
