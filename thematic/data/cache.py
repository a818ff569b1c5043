"""Where thematic keeps its local data."""

from __future__ import annotations

import os
from pathlib import Path

from thematic.constants import CACHE_ENV_VAR

DEFAULT_CACHE_DIR = Path("data_cache")


def cache_dir() -> Path:
    """Return the cache directory: ``$THEMATIC_CACHE_DIR`` if set, else ``./data_cache``."""
    return Path(os.environ.get(CACHE_ENV_VAR) or DEFAULT_CACHE_DIR)
