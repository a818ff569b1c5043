"""Drafting basket YAML from a research report (PDF, saved web page or text), for review."""

from thematic.drafting.picks import write_drafts

__all__ = ["write_drafts"]
