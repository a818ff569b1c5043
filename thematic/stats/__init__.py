"""Statistics on evaluation results.

- :mod:`~thematic.stats.paths`: path metrics of each basket since entry (vectorbt).
- :mod:`~thematic.stats.aggregate`: cross-sectional statistics of excess returns per horizon.

Like the engine, these are pure functions of DataFrames: they never read files, touch the
network or import matplotlib.
"""

from thematic.stats.aggregate import EVENT_STUDY_COLUMNS, event_study
from thematic.stats.paths import PATH_METRIC_COLUMNS, daily_returns, path_metrics

__all__ = [
    "EVENT_STUDY_COLUMNS",
    "PATH_METRIC_COLUMNS",
    "daily_returns",
    "event_study",
    "path_metrics",
]
