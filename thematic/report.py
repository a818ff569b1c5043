"""Deprecated import path: the HTML page moved to :mod:`thematic.output.html`.

It is now gathered by :func:`thematic.runs.page_data.page_data` and rendered by
:func:`thematic.output.html.render_page`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from thematic.baskets import Basket, BasketsLike
from thematic.compat import moved
from thematic.constants import DEFAULT_ENTRY, DEFAULT_HORIZONS
from thematic.rules import Horizon, Trading


def build_report(
    baskets: BasketsLike = "baskets",
    horizons: str | Sequence[Horizon] = DEFAULT_HORIZONS,
    entry: str = DEFAULT_ENTRY,
    trading: Trading | None = None,
    market: str | Path | None = None,
    placebo_draws: int = 0,
    progress: Callable[[Iterable[Basket]], Iterable[Basket]] | None = None,
) -> str:
    """Return the HTML page of ``baskets`` (deprecated: ``render_page(page_data(...))``)."""
    from thematic.output.html import render_page
    from thematic.runs.page_data import page_data

    warnings.warn(
        "thematic.report.build_report moved: use thematic.output.html.render_page("
        "thematic.runs.page_data.page_data(...)); thematic.report will go",
        DeprecationWarning,
        stacklevel=2,
    )
    data = page_data(baskets, horizons, entry, trading, market, placebo_draws)
    return render_page(data, progress)


def __getattr__(name: str) -> Any:
    """Forward an old name to its new home, with a :class:`DeprecationWarning`."""
    return moved(__name__, name, "thematic.output.html")
