"""Statistics on evaluation results.

- :mod:`~thematic.stats.paths`: path metrics of each basket since entry (vectorbt).
- :mod:`~thematic.stats.summary`: cross-sectional summary of excess returns per horizon.
- :mod:`~thematic.stats.significance`: the event-study tests.

Like the engine, these are pure functions of DataFrames: they never read files, touch the
network or import matplotlib.  ``event_study`` and ``EVENT_STUDY_COLUMNS`` are the old names
of ``excess_summary`` and ``EXCESS_SUMMARY_COLUMNS``: they still work, with a
:class:`DeprecationWarning`.
"""

from typing import Any

from thematic.compat import renamed
from thematic.stats.paths import PATH_METRIC_COLUMNS, daily_returns, path_metrics
from thematic.stats.summary import EXCESS_SUMMARY_COLUMNS, excess_summary

__all__ = [
    "EXCESS_SUMMARY_COLUMNS",
    "PATH_METRIC_COLUMNS",
    "daily_returns",
    "excess_summary",
    "path_metrics",
]

RENAMED = {"event_study": "excess_summary", "EVENT_STUDY_COLUMNS": "EXCESS_SUMMARY_COLUMNS"}


def __getattr__(name: str) -> Any:
    """Forward an old name to its new one, with a :class:`DeprecationWarning`."""
    return renamed(__name__, name, "thematic.stats.summary", RENAMED)
