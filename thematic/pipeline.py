"""Deprecated import path: the use cases moved to :mod:`thematic.runs`."""

from typing import Any

from thematic.compat import moved


def __getattr__(name: str) -> Any:
    """Forward an old name to its new home, with a :class:`DeprecationWarning`."""
    return moved(
        __name__,
        name,
        "thematic.runs.evaluate",
        "thematic.runs.calls",
        "thematic.runs.metadata",
        "thematic.runs.prices",
        "thematic.data.sourcing",
        "thematic.baskets",
    )
