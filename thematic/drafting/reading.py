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
  What was dropped is kept apart as the page's *furniture*: its ``<title>``, byline and
  footer often name the broker, but their stock mentions are not the report's.
- **Text**: a byte-order mark says what it is (UTF-8, UTF-16 or UTF-32); else UTF-8, else
  GB18030 (the usual encoding of Chinese text files).  UTF-16 without a mark is refused
  with a line saying so, never read as mojibake.
"""

from __future__ import annotations

import codecs
import re
from collections import Counter
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Document:
    """A report as read: its text, the format it was read as, and a web page's furniture."""

    text: str
    kind: Kind
    furniture: str = ""


def read_report(path: str | Path) -> tuple[str, Kind]:
    """Return a report's text and the format it was read as.

    Raises
    ------
    DraftError
        Naming the file, when it cannot be read, is a scan without text, or is empty.
    """
    doc = read_document(path)
    return doc.text, doc.kind


def read_document(path: str | Path) -> Document:
    """Read a report file into a :class:`Document`.

    Raises
    ------
    DraftError
        Naming the file, when it is a directory or cannot be read, is a damaged PDF or a
        scan without text, is in an encoding it does not say, or is empty.
    """
    path = Path(path)
    if path.is_dir():
        raise DraftError(
            f"{path}: a directory, not a report (`thematic draft DIR` drafts a folder)"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DraftError(f"{path}: cannot read the report ({exc.strerror or exc})") from None
    if detect(data) == "pdf":
        doc = Document(pdf_text(data, path), "pdf")
    else:
        text = decode(data, path)
        if detect(text[:4096].encode("utf-8")) == "html":
            body, furniture = html_parts(text)
            doc = Document(body, "html", furniture)
        else:
            doc = Document(text, "text")
    if not doc.text.strip():
        raise DraftError(f"{path}: no text in the report ({doc.kind})")
    return doc


_BOMS: Final = (  # UTF-32 LE starts with UTF-16 LE's mark: test it first
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode(data: bytes, source: Path | str = "<text>") -> str:
    """Decode a text file: by its byte-order mark, else UTF-8, else GB18030.

    Raises
    ------
    DraftError
        When the bytes look like UTF-16 without a byte-order mark, or fit no encoding.

    Examples
    --------
    >>> decode("建议关注".encode("utf-16")), decode("建议关注".encode("gb18030"))
    ('建议关注', '建议关注')
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                name = encoding.upper().removesuffix("-SIG")
                raise DraftError(
                    f"{source}: starts with a {name} byte-order mark but is not valid {name} "
                    f"at byte {exc.start}"
                ) from None
    if b"\x00" in data[:4096]:  # text has no NUL bytes; UTF-16 has one per ASCII character
        if _wide_text(data[:4096]):
            raise DraftError(
                f"{source}: looks like UTF-16 or UTF-32 text without a byte-order mark; save "
                "it as UTF-8 (or with a byte-order mark) and draft again"
            )
        raise DraftError(
            f"{source}: binary content (NUL bytes, not a PDF): not a report thematic can read; "
            "give a PDF, a saved web page or text"
        )
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DraftError(f"{source}: the text is neither UTF-8 nor GB18030; save it as UTF-8")


def _wide_text(head: bytes) -> bool:
    """Whether ``head`` decodes as UTF-16 or UTF-32 (either byte order) to printable text."""
    for encoding, unit in (("utf-16-le", 2), ("utf-16-be", 2), ("utf-32-le", 4), ("utf-32-be", 4)):
        try:
            text = head[: len(head) // unit * unit].decode(encoding)
        except UnicodeDecodeError:
            continue
        if text and sum(c.isprintable() or c.isspace() for c in text) >= 0.95 * len(text):
            return True
    return False


def pdf_text(data: bytes, source: Path | str = "<pdf>") -> str:
    """Extract a PDF's text page by page, keeping page furniture once."""
    import io

    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTTextContainer

    pages: list[list[str]] = []
    try:
        for page in extract_pages(io.BytesIO(data), laparams=LAParams()):
            text = "".join(e.get_text() for e in page if isinstance(e, LTTextContainer))
            pages.append(text.splitlines())
    except Exception as exc:  # pdfminer raises many types on damaged input; all mean the same
        detail = " ".join(str(exc).split())[:120]
        raise DraftError(
            f"{source}: not a readable PDF, truncated or damaged ({type(exc).__name__}: {detail})"
        ) from None
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


def html_text(html: str) -> str:
    """Return the text of a saved web page without its furniture, one block per line."""
    return html_parts(html)[0]


def html_parts(html: str) -> tuple[str, str]:
    """Split a saved web page into its text and its furniture, one block per line each.

    The furniture is the ``<title>`` and what was dropped (navigation, header, footer,
    sidebars): a broker named there is the page's, its stock mentions are not picks.
    """
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    raw_title = soup.title.get_text(" ", strip=True) if soup.title else ""
    # "headline - 某某研报网", "headline_研报中心_某某证券": the longest part is the headline.
    parts = [p for p in re.split(r"\s+[-–—|]\s+|\s*[_|]\s*", raw_title) if p.strip()]
    title = max(parts, key=len).strip() if parts else ""
    for tag in soup(["script", "style", "noscript", "svg"]):
        tag.decompose()
    dropped = [tag.extract() for tag in soup(list(_FURNITURE_TAGS))]
    for tag in soup.find_all(True):
        if tag.decomposed or tag.parent is None:
            continue
        classes: Any = tag.get("class") or []
        ident = tag.get("id") or ""
        attrs = " ".join([*map(str, classes), str(ident)]).lower()
        if attrs and any(hint in attrs for hint in _FURNITURE_HINTS):
            dropped.append(tag.extract())
    body = block_text(soup.body or soup)
    furniture = "\n".join([raw_title, *map(block_text, dropped)]).strip()
    return (f"{title}\n{body}" if title and not body.startswith(title) else body), furniture


_BLOCKS: Final = ("p", "div", "li", "tr", "table", "section", "article", "h1", "h2", "h3",
                   "h4", "h5", "h6", "blockquote", "pre", "ul", "ol", "dd", "dt")  # fmt: skip


def block_text(root: Any) -> str:
    """Return the text under a parsed HTML element, one block per line."""
    for br in root.find_all("br"):
        br.replace_with("\n")
    for tag in root.find_all(list(_BLOCKS)):  # a block ends a line; inline text stays joined
        tag.insert_after("\n")
    text = root.get_text("")
    lines = [re.sub(r"[ \t\u3000]+", " ", ln).strip() for ln in text.splitlines()]
    return "\n".join(ln for ln in lines if ln)
