"""Reading a research report: PDF, a web page as saved from a browser, or plain text.

The format is recognised from the content (a PDF starts ``%PDF-``; a web page has an
``<html``/``<body`` tag near its start), not only from the suffix.

- **PDF**: text extraction with pdfminer.six.  Chosen over pypdf because its layout
  analysis (``LAParams``) groups text into boxes and orders them, which keeps the columns of
  a two-column research layout apart, and because it decodes the CID-keyed CJK fonts
  Chinese reports use.  Lines repeated on most pages (running headers, footers, disclaimers)
  are kept once, page numbers dropped.  A PDF without a text layer (a scan) is refused.
- **HTML**: parsed with BeautifulSoup (lxml); scripts, styles, navigation, headers, footers,
  sidebars and forms are dropped before the text is taken, one block per line.
- **Text**: UTF-8, else GB18030 (the usual encoding of Chinese text files).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any, Final, Literal

from thematic.errors import DraftError

Kind = Literal["pdf", "html", "text"]

#: A line on at least this share of a PDF's pages (and on two or more) is page furniture.
REPEATED_SHARE: Final = 0.5
_PAGE_NUMBER = re.compile(
    r"^\s*(?:第\s*\d+\s*页(?:\s*/?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+|-?\s*\d+\s*-?)\s*$"
)
_FURNITURE_TAGS: Final = ("script", "style", "noscript", "nav", "header", "footer", "aside",
                          "form", "iframe", "svg", "button", "select")  # fmt: skip
_FURNITURE_HINTS: Final = ("nav", "menu", "footer", "header", "sidebar", "breadcrumb", "login",
                           "share", "comment", "recommend-list", "advert", "banner", "toolbar")  # fmt: skip


def detect(data: bytes) -> Kind:
    """Recognise a report's format from its first bytes.

    Examples
    --------
    >>> detect(b"%PDF-1.7 ..."), detect(b"<!DOCTYPE html><html>"), detect("建议关注".encode())
    ('pdf', 'html', 'text')
    """
    head = data[:4096].lstrip()
    if head.startswith(b"%PDF-"):
        return "pdf"
    lowered = head.lower()
    if lowered.startswith((b"<!doctype html", b"<html")) or b"<body" in lowered[:2048]:
        return "html"
    return "text"


def read_report(path: str | Path) -> tuple[str, Kind]:
    """Return a report's text and the format it was read as.

    Raises
    ------
    DraftError
        Naming the file, when it cannot be read, is a scan without text, or is empty.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DraftError(f"{path}: cannot read the report ({exc.strerror or exc})") from None
    kind = detect(data)
    if kind == "pdf":
        text = pdf_text(data, path)
    elif kind == "html":
        text = html_text(_decode(data))
    else:
        text = _decode(data)
    if not text.strip():
        raise DraftError(f"{path}: no text in the report ({kind})")
    return text, kind


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def pdf_text(data: bytes, source: Path | str = "<pdf>") -> str:
    """Extract a PDF's text page by page, keeping page furniture once."""
    import io

    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTTextContainer
    from pdfminer.pdfparser import PDFSyntaxError

    pages: list[list[str]] = []
    try:
        for page in extract_pages(io.BytesIO(data), laparams=LAParams()):
            text = "".join(e.get_text() for e in page if isinstance(e, LTTextContainer))
            pages.append(text.splitlines())
    except (PDFSyntaxError, ValueError, TypeError, KeyError) as exc:
        raise DraftError(f"{source}: not a readable PDF ({type(exc).__name__}: {exc})") from None
    if not any(line.strip() for lines in pages for line in lines):
        raise DraftError(
            f"{source}: the PDF has no text layer (a scan?); run OCR on it first (for example "
            "ocrmypdf) and draft from the result"
        )
    return "\n\n".join("\n".join(lines) for lines in _drop_furniture(pages))


def _drop_furniture(pages: list[list[str]]) -> list[list[str]]:
    """Keep a line repeated on most pages only where it first appears; drop page numbers."""
    if len(pages) < 2:
        return pages
    counts = Counter(line.strip() for lines in pages for line in {ln.strip() for ln in lines})
    repeated = {ln for ln, n in counts.items() if ln and n >= max(2, REPEATED_SHARE * len(pages))}
    seen: set[str] = set()
    out = []
    for lines in pages:
        kept = []
        for line in lines:
            key = line.strip()
            if _PAGE_NUMBER.match(line) and key:
                continue
            if key in repeated:
                if key in seen:
                    continue
                seen.add(key)
            kept.append(line)
        out.append(kept)
    return out


_BLOCKS: Final = ("p", "div", "li", "tr", "table", "section", "article", "h1", "h2", "h3",
                   "h4", "h5", "h6", "blockquote", "pre", "ul", "ol", "dd", "dt")  # fmt: skip


def html_text(html: str) -> str:
    """Return the text of a saved web page without its furniture, one block per line."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    title = re.sub(r"\s*[-|_–—]\s*[^-|_–—]{1,16}$", "", title)  # " - 某某研报网": the site's name
    for tag in soup(list(_FURNITURE_TAGS)):
        tag.decompose()
    for tag in soup.find_all(True):
        if tag.decomposed:
            continue
        classes: Any = tag.get("class") or []
        ident = tag.get("id") or ""
        attrs = " ".join([*map(str, classes), str(ident)]).lower()
        if attrs and any(hint in attrs for hint in _FURNITURE_HINTS):
            tag.decompose()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for tag in soup.find_all(list(_BLOCKS)):  # a block ends a line; inline text stays joined
        tag.insert_after("\n")
    root = soup.body or soup
    text = root.get_text("")
    lines = [re.sub(r"[ \t\u3000]+", " ", ln).strip() for ln in text.splitlines()]
    body = "\n".join(ln for ln in lines if ln)
    return f"{title}\n{body}" if title and not body.startswith(title) else body
