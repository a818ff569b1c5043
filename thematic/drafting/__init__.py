"""Drafting basket YAML from a research report (PDF, saved web page or text), for review.

- :mod:`~thematic.drafting.reading`: a file -> its text (PDF, web page, text).
- :mod:`~thematic.drafting.text`: normalising extraction artefacts; codes in one form.
- :mod:`~thematic.drafting.header`: date, broker, title and analysts.
- :mod:`~thematic.drafting.names`: names and codes against the shipped stock table.
- :mod:`~thematic.drafting.picks`: recommendation sections and their groups -> a :class:`Draft`.
- :mod:`~thematic.drafting.ids`: basket ids from the glossary, pinyin for the rest.
- :mod:`~thematic.drafting.writer`: YAML, one file per theme.
"""

from thematic.drafting.header import find_analysts, find_broker, find_date, find_title
from thematic.drafting.ids import slug
from thematic.drafting.names import Stock, stock_table
from thematic.drafting.picks import Draft, Theme, draft_from_text
from thematic.drafting.reading import read_report
from thematic.drafting.text import normalize
from thematic.drafting.writer import render_yaml, write_drafts

__all__ = [
    "Draft",
    "Stock",
    "Theme",
    "draft_from_text",
    "find_analysts",
    "find_broker",
    "find_date",
    "find_title",
    "normalize",
    "read_report",
    "render_yaml",
    "slug",
    "stock_table",
    "write_drafts",
]
