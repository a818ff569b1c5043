"""Typeset a report's text as a PDF (reportlab, its built-in CJK font), to try `thematic draft`.

    python scripts/text_to_pdf.py ../shared/reports/000_2dbc0d64c43019f8.txt report.pdf

Lines are wrapped to the page; a footer is repeated on every page, as in real reports.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"
FOOTER = "请务必阅读正文之后的免责声明部分"


def main(src: str, dst: str) -> int:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    lines = []
    for para in Path(src).read_text(encoding="utf-8").splitlines():
        lines += textwrap.wrap(para, 42) or [""]
    c = canvas.Canvas(dst)
    for start in range(0, len(lines), 40):
        c.setFont(FONT, 10.5)
        y = 800
        for line in lines[start : start + 40]:
            c.drawString(48, y, line)
            y -= 18.5
        c.drawString(48, 36, FOOTER)
        c.showPage()
    c.save()
    print(f"wrote {dst} ({(len(lines) + 39) // 40} pages)")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
