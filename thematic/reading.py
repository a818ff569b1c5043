"""Deprecated home of report reading: it lives in :mod:`thematic.drafting.reading` now."""

from __future__ import annotations

import importlib
import warnings
from typing import Any


def __getattr__(name: str) -> Any:
    module = importlib.import_module("thematic.drafting.reading")
    if not hasattr(module, name):
        raise AttributeError(f"module 'thematic.reading' has no attribute {name!r}")
    warnings.warn(
        f"thematic.reading.{name} moved to thematic.drafting.reading.{name}",
        DeprecationWarning,
        stacklevel=2,
    )
    return getattr(module, name)
