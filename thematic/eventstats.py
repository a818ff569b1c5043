"""Deprecated import path: moved to :mod:`thematic.runs.event_study`."""

from typing import Any

from thematic.compat import moved


def __getattr__(name: str) -> Any:
    """Forward an old name to its new home, with a :class:`DeprecationWarning`."""
    return moved(__name__, name, "thematic.runs.event_study", "thematic.runs.placebo_baskets")
