"""Deprecated import path: moved to :mod:`thematic.stats.summary`, under true names.

``event_study`` was a cross-sectional summary of excess returns, not an event study: it is
now :func:`thematic.stats.summary.excess_summary` (and ``EVENT_STUDY_COLUMNS`` is
``EXCESS_SUMMARY_COLUMNS``).
"""

from typing import Any

from thematic.compat import renamed

RENAMED = {"event_study": "excess_summary", "EVENT_STUDY_COLUMNS": "EXCESS_SUMMARY_COLUMNS"}


def __getattr__(name: str) -> Any:
    """Forward an old name to its new home and name, with a :class:`DeprecationWarning`."""
    return renamed(__name__, name, "thematic.stats.summary", RENAMED)
