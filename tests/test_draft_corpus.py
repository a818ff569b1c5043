"""The drafting corpus: short reports written by hand, each with the YAML a person reads in it.

``tests/corpus/NAME.yaml`` holds, written by hand, what a careful reader takes from the report
beside it (``NAME.txt``, ``NAME.html``, or ``NAME.pdf.txt``: text typeset here as a PDF, pages
split at form feeds).  One test drafts every report and prints, per field, how many it got
right; it fails on any report drafted wrongly.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from thematic.drafting import write_drafts
from thematic.errors import DraftError

CORPUS = Path(__file__).with_name("corpus")
FIELDS = ("groups", "date", "title", "broker", "analysts", "ids")


def typeset(text: str, path: Path) -> Path:
    """Typeset ``text`` as a PDF with reportlab's CJK font, one page per form feed."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    for page in text.split("\f"):
        c.setFont("STSong-Light", 11)
        for i, line in enumerate(page.strip("\n").splitlines()):
            c.drawString(50, 800 - 18 * i, line)
        c.showPage()
    c.save()
    return path


def report_of(expected: Path, tmp_path: Path) -> Path:
    (found,) = [p for p in CORPUS.glob(f"{expected.stem}.*") if p != expected]
    if found.name.endswith(".pdf.txt"):
        return typeset(found.read_text(encoding="utf-8"), tmp_path / f"{expected.stem}.pdf")
    return found


def drafted(report: Path, out: Path) -> dict[str, Any]:
    try:
        draft, files = write_drafts(report, out)
    except DraftError:
        return {}
    return {
        "groups": [(t.name, [s.code for s in t.stocks]) for t in draft.themes],
        "date": draft.published,
        "title": draft.title,
        "broker": draft.broker,
        "analysts": draft.analysts,
        "ids": [f.stem for f in files],
    }


def expected_of(path: Path) -> dict[str, Any]:
    want = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {
        "groups": [(b["name"], b["codes"]) for b in want["baskets"]],
        "date": want["published"],
        "title": want["title"],
        "broker": want["broker"],
        "analysts": want["analysts"],
        "ids": [b["id"] for b in want["baskets"]],
    }


def test_the_corpus_has_fifteen_reports_in_distinct_styles() -> None:
    expected = sorted(CORPUS.glob("*.yaml"))
    assert len(expected) >= 15
    suffixes = {"".join(report_of(p, Path()).suffixes) for p in expected if "pdf" not in p.name}
    assert {".txt", ".html"} <= suffixes
    assert any(p.name.endswith(".pdf.txt") for p in CORPUS.iterdir())
    assert all(isinstance(expected_of(p)["date"], dt.date) for p in expected)


def test_corpus_accuracy_per_field(tmp_path: Path) -> None:
    right = dict.fromkeys(FIELDS, 0)
    wrong: list[str] = []
    expected = sorted(CORPUS.glob("*.yaml"))
    for path in expected:
        got = drafted(report_of(path, tmp_path), tmp_path / path.stem)
        want = expected_of(path)
        for field in FIELDS:
            if got.get(field) == want[field]:
                right[field] += 1
            else:
                wrong.append(f"{path.stem} {field}: got {got.get(field)!r}, want {want[field]!r}")
    print(f"\ncorpus: {len(expected)} reports")
    for field in FIELDS:
        print(f"  {field:<9} {right[field]:>2}/{len(expected)}")
    for line in wrong:
        print("  wrong: " + line)
    if wrong:
        pytest.fail(f"{len(wrong)} field(s) drafted wrongly:\n" + "\n".join(wrong))
